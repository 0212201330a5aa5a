package main

import "fmt"

// The NEON SGEMM micro-kernels. The register plan (sgemmPlan; emitted as a table at the top
// of each function) of the 8×12 tile:
//
//	V0–V2    bv[0..2]     B(p, 0..11)                    │ epilogue: alpha, beta, C row
//	V3–V4    av[0..1]     A(0..7, p), used by element    │ (V0, V1, V2–V4)
//	V3–V7    as[0..4]     strided A: one float each      │
//	V8–V31   acc[i][j]    C(i, 4j..4j+3), i < 8, j < 3
//	R0–R7    aRow[i]      A row pointers                 R8  bPtr
//	R9–R11   csA rsB rsA  strides                        R12 kLeft  R13 aOff (strided A)
//	R14–R17, R19–R20      epilogue: cRow ldc rowsLeft cols betaBits, cPtr
//
// The edge tiles (2, 4 and 6 rows) follow the same plan with fewer rows, and with 4, 2 and
// 1 sets of accumulators over k (sgemmKernel.sets).

// sgemmKernel describes one NEON SGEMM micro-kernel: an MR×NR register tile of C, NR/4
// q registers per row, and its accumulators in sets over k. The tile must match
// dispatch.TileFor (the edges: kernels.kernelFor); kernels' tests check it.
type sgemmKernel struct {
	mr      int // rows of C per tile, even: A's column is mr/4 q registers and, if mr%4 == 2, a d register
	vectors int // q registers of C per row
	// sets of accumulators: step p of k adds into set p mod sets, and the sets are summed
	// before the store. An FMLA waits for the previous one into its accumulator (4 cycles
	// on Neoverse N1 and V1), so a core with 4 vector pipes needs 16 independent chains:
	// a tile of fewer than 16 accumulators takes more sets (edges), the 8×12 tile one.
	sets int
}

// sgemmKernels: the 8×12 tile, then the edges kernels.kernelFor chooses from for the last
// rows of a matrix (2, 4 or 6 of them read in place, the rest padded up to the next).
var sgemmKernels = []sgemmKernel{
	{mr: 8, vectors: 3, sets: 1},
	{mr: 2, vectors: 3, sets: 4},
	{mr: 4, vectors: 3, sets: 2},
	{mr: 6, vectors: 3, sets: 1},
}

const lanes = 4 // float32 lanes per q register

func (k sgemmKernel) nr() int      { return k.vectors * lanes }
func (k sgemmKernel) name() string { return fmt.Sprintf("sgemm%dx%dNEON", k.mr, k.nr()) }

// aVectors is how many registers a column of A takes: q registers, and a d register for
// the last two rows when mr%4 == 2.
func (k sgemmKernel) aVectors() int { return (k.mr + lanes - 1) / lanes }

// sgemmPlan is the register plan of one kernel. Vector registers are shared between the
// phases: the A and B registers of the main loops become alpha, beta and a row of C in
// the epilogue.
type sgemmPlan struct {
	// Main loops.
	acc   [][][]VReg // acc[s][i][j]: set s, row i, columns 4j..4j+3 of the tile
	bv    []VReg     // bv[j]: B(p, 4j..4j+3)
	av    []VReg     // packed path: av[r] = A(4r..4r+3, p), used by element
	as    []VReg     // strided path: A(i, p) in lane 0, rotating over these
	aRow  []Reg      // A row pointers; the packed path walks aRow[0] only
	bPtr  Reg        // B row pointer
	csA   Reg        // bytes between A(i, p) and A(i, p+1)
	rsB   Reg        // bytes between B(p, j) and B(p+1, j)
	rsA   Reg        // A's row stride: in elements until the path is chosen, then in bytes
	kLeft Reg        // steps of k left
	aOff  Reg        // strided path: bytes from each row pointer to A(i, p)

	// Epilogue.
	alpha, beta VReg   // lane 0 of each
	cv          []VReg // a row (or part of a row) of C; cv[1] also holds a lane pair's sum
	cRow        Reg    // C row pointer
	ldc         Reg    // bytes between rows of C
	rowsLeft    Reg    // rows of C left to store, from mr
	cols        Reg    // nr
	betaBits    Reg    // beta's bits shifted left by one: zero for beta = ±0
	cPtr        Reg    // walks along a row in the column-tail path
}

func (k sgemmKernel) plan() sgemmPlan {
	var p sgemmPlan
	next := VReg(0)
	take := func(n int) []VReg {
		vs := make([]VReg, n)
		for i := range vs {
			vs[i] = next
			next++
		}
		return vs
	}
	p.bv = take(k.vectors)
	firstAcc := VReg(32 - k.sets*k.mr*k.vectors)
	aRegs := int(firstAcc - next)
	if k.mr%2 != 0 || k.sets < 1 || aRegs < k.aVectors() || aRegs < 1 {
		panic(fmt.Sprintf("%s: %d registers left for A, need %d", k.name(), aRegs, k.aVectors()))
	}
	p.as = take(aRegs)
	p.av = p.as[:k.aVectors()]
	for range k.sets {
		var set [][]VReg
		for range k.mr {
			set = append(set, take(k.vectors))
		}
		p.acc = append(p.acc, set)
	}

	p.alpha, p.beta = 0, 1
	p.cv = make([]VReg, max(k.vectors, 2)) // the column tail's lane pair takes two
	for j := range p.cv {
		p.cv[j] = VReg(2 + j)
	}
	if 2+len(p.cv) > int(firstAcc) {
		panic(k.name() + ": no room for a row of C in the epilogue")
	}

	var gp gpAllocator
	for i := 0; i < k.mr; i++ {
		p.aRow = append(p.aRow, gp.get())
	}
	p.bPtr, p.csA, p.rsB, p.rsA, p.kLeft, p.aOff = gp.get(), gp.get(), gp.get(), gp.get(), gp.get(), gp.get()
	p.cRow, p.ldc, p.rowsLeft, p.cols, p.betaBits, p.cPtr = gp.get(), gp.get(), gp.get(), gp.get(), gp.get(), gp.get()
	return p
}

func vspan(vs []VReg) string {
	if len(vs) == 1 {
		return vs[0].String()
	}
	return fmt.Sprintf("%s–%s", vs[0], vs[len(vs)-1])
}

func gspan(rs []Reg) string {
	if len(rs) == 1 {
		return rs[0].String()
	}
	return fmt.Sprintf("%s–%s", rs[0], rs[len(rs)-1])
}

// table is the register plan as comment lines for the top of the function.
func (p sgemmPlan) table(k sgemmKernel) []string {
	last := p.acc[k.sets-1][k.mr-1]
	accs := []VReg{p.acc[0][0][0], last[k.vectors-1]}
	aLoad := fmt.Sprintf("one %d-float load of A", k.mr)
	if k.mr%lanes != 0 {
		aLoad = fmt.Sprintf("a %d-float load of A in %d registers", k.mr, k.aVectors())
	}
	sets := fmt.Sprintf("  acc[s][i][j] %-8s %d accumulators: set s < %d (steps p ≡ s mod %d), row i < %d, columns 4j..4j+3 (j < %d) of C",
		vspan(accs), k.sets*k.mr*k.vectors, k.sets, k.sets, k.mr, k.vectors)
	if k.sets == 1 {
		sets = fmt.Sprintf("  acc[i][j]  %-8s %d accumulators: row i < %d, columns 4j..4j+3 (j < %d) of C", vspan(accs), k.mr*k.vectors, k.mr, k.vectors)
	}
	lines := []string{
		fmt.Sprintf("Register plan for the %d×%d tile (NEON, %d float32 lanes per q register):", k.mr, k.nr(), lanes),
		sets,
		fmt.Sprintf("  bv[j]      %-8s row p of B, B(p, 4j..4j+3)", vspan(p.bv)),
		fmt.Sprintf("  av[r]      %-8s rsA == 1 path: column p of A, A(4r..4r+3, p), used by element", vspan(p.av)),
		fmt.Sprintf("  as[%d]      %-8s strided path: A(i, p) by LDR s into lane 0, rotating", len(p.as), vspan(p.as)),
		fmt.Sprintf("  alpha      %-8s epilogue: lane 0", p.alpha),
		fmt.Sprintf("  beta       %-8s epilogue: lane 0", p.beta),
		fmt.Sprintf("  cv[j]      %-8s epilogue: a row of C", vspan(p.cv)),
		fmt.Sprintf("  aRow[i]    %-8s A row pointers, each advancing by csA per step (the rsA == 1 path walks aRow[0] only)", gspan(p.aRow)),
		fmt.Sprintf("  bPtr       %-8s B row pointer, advancing by rsB per step", p.bPtr),
		fmt.Sprintf("  csA rsB    %-8s strides in bytes", gspan([]Reg{p.csA, p.rsB})),
		fmt.Sprintf("  rsA        %-8s row stride of A: elements, then bytes in the strided path", p.rsA),
		fmt.Sprintf("  kLeft      %-8s steps of k left", p.kLeft),
		fmt.Sprintf("  aOff       %-8s strided path: bytes from each row pointer to A(i, p)", p.aOff),
		fmt.Sprintf("  cRow ldc   %-8s epilogue: C row pointer, row stride in bytes", gspan([]Reg{p.cRow, p.ldc})),
		fmt.Sprintf("  rowsLeft   %-8s epilogue: rows of C left to store", p.rowsLeft),
		fmt.Sprintf("  cols       %-8s epilogue: nr", p.cols),
		fmt.Sprintf("  betaBits   %-8s epilogue: beta's bits << 1, zero for beta = ±0", p.betaBits),
		fmt.Sprintf("  cPtr       %-8s epilogue: walks along a row of C in the column-tail path", p.cPtr),
		fmt.Sprintf("Per step of k, rsA == 1 (packed A, or Aᵀ in place): %s, one %d-float", aLoad, k.nr()),
		fmt.Sprintf("load of B, %d FMLA by element. Any other rsA: %d LDR s (register offset aOff), one load of B,", k.mr*k.vectors, k.mr),
		fmt.Sprintf("%d FMLA by element 0. LDR s takes a load pipe only, where LD1R also takes a vector pipe", k.mr*k.vectors),
		"(Neoverse N1, V1: 1 in 4 of the FMLAs' slots), so both paths leave the vector pipes to the FMLAs.",
	}
	if k.sets > 1 {
		lines = append(lines,
			fmt.Sprintf("%d steps of k per iteration, one per set, so that %d FMLA chains hide the FMLA latency", k.sets, k.sets*k.mr*k.vectors),
			fmt.Sprintf("on 4 vector pipes; k mod %d steps go to set 0, and FADDs sum the sets before the store.", k.sets))
	}
	return lines
}

func (k sgemmKernel) doc() []string {
	return []string{
		fmt.Sprintf("%s computes the mr×nr top-left corner (1 ≤ mr ≤ %d, 1 ≤ nr ≤ %d) of", k.name(), k.mr, k.nr()),
		"C ← alpha·A·B + beta·C, A mr×k, B k×nr, k ≥ 1, with A(i, p) at a[i*rsA + p*csA],",
		"B(p, j) at b[p*rsB + j] and C(i, j) at c[i*ldc + j] (strides in elements).",
		fmt.Sprintf("beta == ±0 means C is not read. Rows of A past mr (up to %d) and columns of B past nr", k.mr),
		"are read (the driver pads edge panels); columns of C past nr are neither read nor written.",
		"rsA == 1 (a packed A panel, or Aᵀ in place) loads a column of A per step and uses it",
		"by element; any other rsA loads each A(i, p) alone (LDR s) and uses its lane 0.",
		"It has the micro-kernel contract documented at generic.SgemmTile2x4.",
	}
}

var sgemmParams = []Param{
	{Name: "k", Type: "int", Size: 8},
	{Name: "a", Type: "*float32", Size: 8},
	{Name: "rsA", Type: "int", Size: 8},
	{Name: "csA", Type: "int", Size: 8},
	{Name: "b", Type: "*float32", Size: 8},
	{Name: "rsB", Type: "int", Size: 8},
	{Name: "c", Type: "*float32", Size: 8},
	{Name: "ldc", Type: "int", Size: 8},
	{Name: "alpha", Type: "float32", Size: 4},
	{Name: "beta", Type: "float32", Size: 4},
	{Name: "mr", Type: "int", Size: 8},
	{Name: "nr", Type: "int", Size: 8},
}

func (k sgemmKernel) generate() *Func {
	f := NewFunc(k.name(), k.doc(), sgemmParams...)
	p := k.plan()
	f.Comment(p.table(k)...)

	f.MOVD(f.Arg("k"), p.kLeft)
	f.MOVD(f.Arg("a"), p.aRow[0])
	f.MOVD(f.Arg("rsA"), p.rsA)
	f.MOVD(f.Arg("csA"), p.csA)
	f.MOVD(f.Arg("b"), p.bPtr)
	f.MOVD(f.Arg("rsB"), p.rsB)
	f.LSL(2, p.csA)
	f.LSL(2, p.rsB)
	for _, set := range p.acc {
		for _, row := range set {
			for _, a := range row {
				f.VZero(a)
			}
		}
	}
	f.Comment("k = 0 is outside the contract, but would otherwise run a loop 2⁶⁴ times.")
	f.CBZ(p.kLeft, "epilogue")
	f.CMP(1, p.rsA)
	f.BNE("strided")

	f.Comment("", "rsA == 1: one rank-1 update of the tile per step of k, A used by element.")
	k.loops(f, p, "packed", func(set int) {
		k.loadAColumn(f, p)
		f.VLD1(p.bPtr, p.bv...)
		f.ADD(p.rsB, p.bPtr, p.bPtr)
		for i, row := range p.acc[set] {
			for j, a := range row {
				f.FMLAElem(a, p.bv[j], p.av[i/lanes], i%lanes)
			}
		}
	})
	f.B("sum")

	f.Comment("", "Any other rsA: row pointers and one offset along them, A(i, p) used by element 0.")
	f.Label("strided")
	f.LSL(2, p.rsA)
	f.MOVD("ZR", p.aOff)
	for i := 1; i < k.mr; i++ {
		f.ADD(p.rsA, p.aRow[i-1], p.aRow[i])
	}
	k.loops(f, p, "stridedLoop", func(set int) {
		f.VLD1(p.bPtr, p.bv...)
		f.ADD(p.rsB, p.bPtr, p.bPtr)
		for i, row := range p.acc[set] {
			t := p.as[i%len(p.as)]
			f.FMOVSLoadIdx(p.aRow[i], p.aOff, t)
			for j, a := range row {
				f.FMLAElem(a, p.bv[j], t, 0)
			}
		}
		f.ADD(p.csA, p.aOff, p.aOff)
	})

	f.Label("sum")
	if k.sets > 1 {
		f.Comment("The sets' sum, pairwise, into set 0.")
		for step := 1; step < k.sets; step *= 2 {
			for s := 0; s+step < k.sets; s += 2 * step {
				for i, row := range p.acc[s] {
					for j, a := range row {
						f.FADD(a, a, p.acc[s+step][i][j])
					}
				}
			}
		}
	}

	acc := p.acc[0]
	f.Comment("", "Epilogue: acc ← alpha·acc, then C ← acc + beta·C over mr rows and nr columns.")
	f.Label("epilogue")
	f.FMOVSArg(f.Arg("alpha"), p.alpha)
	for _, row := range acc {
		for _, a := range row {
			f.FMULElem(a, a, p.alpha, 0)
		}
	}
	f.FMOVSArg(f.Arg("beta"), p.beta)
	f.MOVD(f.Arg("c"), p.cRow)
	f.MOVD(f.Arg("ldc"), p.ldc)
	f.LSL(2, p.ldc)
	f.MOVD(f.Arg("mr"), p.rowsLeft)
	f.MOVD(f.Arg("nr"), p.cols)
	f.Comment("beta == ±0 means C is not read: test the bits without the sign.")
	f.MOVWU(f.Arg("beta"), p.betaBits)
	f.LSLW(1, p.betaBits)
	f.CMP(k.nr(), p.cols)
	f.BNE("tail")

	st := tileStore{f: f, acc: acc, cRow: p.cRow, ldc: p.ldc, rowsLeft: p.rowsLeft, cols: p.cols, cPtr: p.cPtr, cv: p.cv, beta: p.beta}
	f.CBZW(p.betaBits, "fullOverwrite")
	st.emit("fullBeta", false, true)
	f.Label("fullOverwrite")
	st.emit("full", false, false)

	f.Comment("", "nr < NR: whole vectors, then a pair of lanes, then one lane, by the bits of nr.")
	f.Label("tail")
	f.CBZW(p.betaBits, "tailOverwrite")
	st.emit("tailBeta", true, true)
	f.Label("tailOverwrite")
	st.emit("tail", true, false)

	f.Label("done")
	f.RET()
	return f
}

// loadAColumn loads A(0..mr-1, p) into av and advances aRow[0] by csA: whole q registers,
// and the last two rows into a d register when mr%4 == 2, reading exactly mr floats.
// Loads and pointers move apart (as B's do): a post-indexed LD1's write-back takes 5
// cycles in LLVM's Apple M1 model, which makes the edges' several steps an iteration a
// chain of them there; an ADD takes 1.
func (k sgemmKernel) loadAColumn(f *Func, p sgemmPlan) {
	q := k.mr / lanes
	if k.mr%lanes != 0 {
		f.FMOVDLoadOff(16*q, p.aRow[0], p.av[q])
	}
	if q > 0 {
		f.VLD1(p.aRow[0], p.av[:q]...)
	}
	f.ADD(p.csA, p.aRow[0], p.aRow[0])
}

// loops emits the k loops of one path at label name: with one set, a step per iteration;
// with more, sets steps per iteration (step s into set s) while at least sets are left,
// then the k mod sets steps left into set 0. kLeft ≥ 1 on entry; both end at label sum.
func (k sgemmKernel) loops(f *Func, p sgemmPlan, name string, step func(set int)) {
	if k.sets == 1 {
		f.Label(name)
		step(0)
		f.SUBS(1, p.kLeft)
		f.BNE(name)
		return
	}
	f.Comment(fmt.Sprintf("kLeft counts down from k-%d: the main loop runs while it is ≥ 0.", k.sets))
	f.SUBS(k.sets, p.kLeft)
	f.BLT(name + "Rest")
	f.Label(name)
	for s := range k.sets {
		step(s)
	}
	f.SUBS(k.sets, p.kLeft)
	f.BGE(name)
	f.Label(name + "Rest")
	f.ADDSConst(k.sets, p.kLeft)
	f.BEQ("sum")
	f.Label(name + "One")
	step(0)
	f.SUBS(1, p.kLeft)
	f.BNE(name + "One")
}
