package main

import "fmt"

// The NEON indirect convolution micro-kernels (XNNPACK's indirect GEMM, in its aarch64
// "ld128" form). The register plan (convPlan; emitted as a table at the top of each
// function) of the 6×12 tile:
//
//	V0–V5    av[i]        A_t(i, p..p+3), one 128-bit load a row, used by element │ epilogue:
//	V6–V8    bv[0][j]     w rows p and p+2 ┐ double-buffered: one row refills    │ V0 zeroV
//	V9–V11   bv[1][j]     w rows p+1, p+3  ┘ while the other feeds the FMLAs     │ (ReLU)
//	V14–V31  acc[i][j]    C(i, 4j..4j+3), i < 6, j < 3; V12–V13 spare
//	R0–R5    aRow[i]      row pointers of the tap: src + 4·ind[t·6+i], or zero if that is < 0
//	R6–R14   indPtr src zero wPtr k tapsLeft kBlocks off biasPtr
//	R15–R17, R19–R21      epilogue: cRow ldc rowsLeft cols cPtr relu
//
// Each pixel has its own row pointer, so A cannot come a column at a time as in the SGEMM
// kernel's packed path: a row's load brings 4 steps of k, and 6 rows take 18 accumulators +
// 6 A + 6 B = 30 vector registers. The SGEMM kernel's 8 rows would need 24 + 8 + 3 = 35.
//
// The edge tiles have 2 pixels with 4 sets of accumulators over k (24 + 2 A + 6 B = 32
// registers) and 4 pixels with 2 sets (24 + 4 A + one B buffer of 3 = 31): 24 FMLA chains
// keep 4 vector pipes busy where 6 or 12 would leave them waiting on the FMLA latency.

// convKernel describes one NEON indirect convolution micro-kernel: an MR×NR register tile
// of C, NR/4 q registers per row, and its accumulators in sets over k. NR must be the
// SGEMM kernel's: both read one packing of the weights.
type convKernel struct {
	mr      int // output pixels per tile, each with its own row pointer
	vectors int // q registers of C per row
	// sets of accumulators, a divisor of convKStep: step p of k adds into set p mod sets
	// (sgemmKernel.sets says why), and the sets are summed before the store.
	sets int
}

// convKernels: the 6×12 tile, then the edges kernels.convFor chooses from for the last
// output pixels of an image.
var convKernels = []convKernel{
	{mr: 6, vectors: 3, sets: 1},
	{mr: 2, vectors: 3, sets: 4},
	{mr: 4, vectors: 3, sets: 2},
}

// convKStep is the main loop's unrolling over k: one 128-bit load of each A row.
const convKStep = lanes

func (k convKernel) nr() int      { return k.vectors * lanes }
func (k convKernel) name() string { return fmt.Sprintf("sconv%dx%dNEON", k.mr, k.nr()) }

// convPlan is the register plan of one kernel.
type convPlan struct {
	// Tap and k loops.
	acc      [][][]VReg // acc[s][i][j]: set s, row i, columns 4j..4j+3 of the tile
	av       []VReg     // av[i]: up to 4 steps of k of A_t row i, used by element
	bv       [2][]VReg  // bv[s][j]: w(p, 4j..4j+3) for the steps p with p%2 == s (one buffer if short of registers)
	aRow     []Reg      // A_t row pointers
	indPtr   Reg        // ind, advancing by MR int32s per tap
	src      Reg        // the input
	zero     Reg        // k zeros, the padding row
	wPtr     Reg        // w, read once from start to end
	k        Reg        // steps of k per tap; its low bits select the tail
	tapsLeft Reg        // taps left
	kBlocks  Reg        // main-loop iterations left in this tap
	off      Reg        // one offset from ind, sign-extended
	biasPtr  Reg        // bias
	zeroV    VReg       // epilogue: +0 in every lane, for ReLU
	store    tileStore  // epilogue: the write-back
	relu     Reg        // epilogue: the relu argument
}

func (k convKernel) plan() convPlan {
	var p convPlan
	next := VReg(0)
	take := func(n int) []VReg {
		vs := make([]VReg, n)
		for i := range vs {
			vs[i] = next
			next++
		}
		return vs
	}
	if k.sets < 1 || convKStep%k.sets != 0 {
		panic(fmt.Sprintf("%s: %d sets do not divide the %d steps of the main loop", k.name(), k.sets, convKStep))
	}
	accs := k.sets * k.mr * k.vectors
	p.av = take(k.mr)
	p.bv[0] = take(k.vectors)
	p.bv[1] = p.bv[0]
	if k.mr+2*k.vectors+accs <= 32 {
		p.bv[1] = take(k.vectors)
	}
	next = VReg(32 - accs)
	if next < p.bv[1][k.vectors-1]+1 {
		panic(fmt.Sprintf("%s: A, B and the accumulators need %d vector registers", k.name(), k.vectors+k.mr+accs))
	}
	for range k.sets {
		var set [][]VReg
		for range k.mr {
			set = append(set, take(k.vectors))
		}
		p.acc = append(p.acc, set)
	}
	p.zeroV = p.av[0]

	var gp gpAllocator
	for i := 0; i < k.mr; i++ {
		p.aRow = append(p.aRow, gp.get())
	}
	p.indPtr, p.src, p.zero, p.wPtr, p.k = gp.get(), gp.get(), gp.get(), gp.get(), gp.get()
	p.tapsLeft, p.kBlocks, p.off, p.biasPtr = gp.get(), gp.get(), gp.get(), gp.get()
	p.store = tileStore{acc: p.acc[0], cRow: gp.get(), ldc: gp.get(), rowsLeft: gp.get(), cols: gp.get(), cPtr: gp.get()}
	p.relu = gp.get()
	return p
}

// table is the register plan as comment lines for the top of the function.
func (p convPlan) table(k convKernel) []string {
	accs := []VReg{p.acc[0][0][0], p.acc[k.sets-1][k.mr-1][k.vectors-1]}
	st := p.store
	acc := fmt.Sprintf("  acc[i][j]  %-8s %d accumulators: pixel i < %d, channels 4j..4j+3 (j < %d) of C", vspan(accs), k.mr*k.vectors, k.mr, k.vectors)
	if k.sets > 1 {
		acc = fmt.Sprintf("  acc[s][i][j] %-8s %d accumulators: set s < %d (steps p ≡ s mod %d), pixel i < %d, channels 4j..4j+3 (j < %d) of C",
			vspan(accs), k.sets*k.mr*k.vectors, k.sets, k.sets, k.mr, k.vectors)
	}
	bv := []string{
		fmt.Sprintf("  bv[0][j]   %-8s w rows p and p+2, refilled while the FMLAs use bv[1]", vspan(p.bv[0])),
		fmt.Sprintf("  bv[1][j]   %-8s w rows p+1 and p+3, refilled while the FMLAs use bv[0]", vspan(p.bv[1])),
	}
	if p.bv[0][0] == p.bv[1][0] {
		bv = []string{fmt.Sprintf("  bv[j]      %-8s w row p: one buffer, renaming overlaps its refills (no registers for two)", vspan(p.bv[0]))}
	}
	lines := []string{
		fmt.Sprintf("Register plan for the %d×%d tile (NEON, %d float32 lanes per q register):", k.mr, k.nr(), lanes),
		acc,
		fmt.Sprintf("  av[i]      %-8s A_t(i, p..p+3): 4 steps of k of row i in one load, used by element", vspan(p.av)),
		bv[0],
	}
	lines = append(lines, bv[1:]...)
	lines = append(lines,
		fmt.Sprintf("  zeroV      %-8s epilogue: +0 for ReLU", p.zeroV),
		fmt.Sprintf("  aRow[i]    %-8s row pointers of tap t: src + 4·ind[t·%d+i], or zero when that offset is < 0", gspan(p.aRow), k.mr),
		fmt.Sprintf("  indPtr     %-8s ind, advancing by %d int32s per tap", p.indPtr, k.mr),
		fmt.Sprintf("  src zero   %-8s the input, and the padding row of k zeros", gspan([]Reg{p.src, p.zero})),
		fmt.Sprintf("  wPtr       %-8s w, read once from start to end: tap t's rows follow tap t-1's", p.wPtr),
		fmt.Sprintf("  k          %-8s channels per tap; bits 1 and 0 select the k-tail steps", p.k),
		fmt.Sprintf("  tapsLeft   %-8s taps left", p.tapsLeft),
		fmt.Sprintf("  kBlocks    %-8s main-loop iterations (%d steps of k each) left in this tap", p.kBlocks, convKStep),
		fmt.Sprintf("  off        %-8s an offset from ind, sign-extended", p.off),
		fmt.Sprintf("  biasPtr    %-8s bias, read once into every row of acc", p.biasPtr),
		fmt.Sprintf("  cRow ldc   %-8s epilogue: C row pointer, row stride in bytes", gspan([]Reg{st.cRow, st.ldc})),
		fmt.Sprintf("  rowsLeft   %-8s epilogue: rows of C left to store", st.rowsLeft),
		fmt.Sprintf("  cols       %-8s epilogue: nr", st.cols),
		fmt.Sprintf("  cPtr       %-8s epilogue: walks along a row of C in the column-tail path", st.cPtr),
		fmt.Sprintf("  relu       %-8s epilogue: the relu argument", p.relu),
		fmt.Sprintf("Per %d steps of k: %d 128-bit loads of A (one a row), %d of w (LDP q and LDR q by offset),", convKStep, k.mr, convKStep*k.vectors),
		fmt.Sprintf("%d FMLA by element. The k tail (k mod %d) loads 2 then 1 channel a row (LDR d, LDR s).", convKStep*k.mr*k.vectors, convKStep),
	)
	if k.sets > 1 {
		lines = append(lines, fmt.Sprintf("Step p of k adds into set p mod %d: %d FMLA chains hide the FMLA latency on 4 vector pipes;", k.sets, k.sets*k.mr*k.vectors),
			"FADDs sum the sets into set 0 before the epilogue.")
	}
	return lines
}

func (k convKernel) doc() []string {
	return []string{
		fmt.Sprintf("%s computes, for i < mr ≤ %d and j < nr ≤ %d,", k.name(), k.mr, k.nr()),
		"C(i, j) = act(bias[j] + Σ_{t<taps} Σ_{p<k} A_t(i, p)·w[(t·k + p)·NR + j]) at c[i*ldc + j],",
		fmt.Sprintf("where A_t(i, ·) is the k floats at src[ind[t·%d+i]], or at zero when that offset is < 0,", k.mr),
		"and act is max(·, 0) when relu (NaN stays NaN). taps ≥ 1, k ≥ 1. It reads all MR rows",
		"of every tap, taps·k·NR floats of w, NR of bias and nothing past them; C past mr rows",
		"and nr columns is never touched.",
		"It has the indirect convolution micro-kernel contract documented at generic.ConvTile.",
	}
}

var convParams = []Param{
	{Name: "taps", Type: "int", Size: 8},
	{Name: "k", Type: "int", Size: 8},
	{Name: "ind", Type: "*int32", Size: 8},
	{Name: "src", Type: "*float32", Size: 8},
	{Name: "zero", Type: "*float32", Size: 8},
	{Name: "w", Type: "*float32", Size: 8},
	{Name: "bias", Type: "*float32", Size: 8},
	{Name: "c", Type: "*float32", Size: 8},
	{Name: "ldc", Type: "int", Size: 8},
	{Name: "mr", Type: "int", Size: 8},
	{Name: "nr", Type: "int", Size: 8},
	{Name: "relu", Type: "bool", Size: 1},
}

func (k convKernel) generate() *Func {
	f := NewFunc(k.name(), k.doc(), convParams...)
	p := k.plan()
	f.Comment(p.table(k)...)

	f.MOVD(f.Arg("taps"), p.tapsLeft)
	f.MOVD(f.Arg("k"), p.k)
	f.MOVD(f.Arg("ind"), p.indPtr)
	f.MOVD(f.Arg("src"), p.src)
	f.MOVD(f.Arg("zero"), p.zero)
	f.MOVD(f.Arg("w"), p.wPtr)
	f.MOVD(f.Arg("bias"), p.biasPtr)
	f.Comment("Every row of the tile starts from the bias.")
	f.VLD1(p.biasPtr, p.acc[0][0]...)
	for _, row := range p.acc[0][1:] {
		for j, a := range row {
			f.VMOV(p.acc[0][0][j], a)
		}
	}
	for _, set := range p.acc[1:] {
		for _, row := range set {
			for _, a := range row {
				f.VZero(a)
			}
		}
	}
	f.Comment("taps = 0 is outside the contract, but would otherwise run a loop 2⁶⁴ times.")
	f.CBZ(p.tapsLeft, "epilogue")

	f.Comment("", "One tap: the row pointers, then k steps of the rank-1 update.")
	f.Label("tap")
	for i, row := range p.aRow {
		f.MOVWLoad(4*i, p.indPtr, p.off)
		f.ADDShifted(p.off, 2, p.src, row)
		f.CMP(0, p.off)
		f.CSELLT(p.zero, row, row)
	}
	f.ADDConst(4*k.mr, p.indPtr)
	f.LSRTo(2, p.k, p.kBlocks)
	f.CBZ(p.kBlocks, "kTail")

	f.Comment("", fmt.Sprintf("%d steps of k: A in one load a row, used by lanes; w a row of %d at a time.", convKStep, k.nr()))
	f.Label("kLoop")
	for i, row := range p.aRow {
		f.VLD1Past(row, p.av[i])
	}
	p.steps(f, convKStep)
	f.SUBS(1, p.kBlocks)
	f.BNE("kLoop")

	f.Comment("", "k mod 4 steps left: two (bit 1 of k), then one (bit 0), loading only those channels.")
	f.Label("kTail")
	f.TBZ(1, p.k, "kNoPair")
	for i, row := range p.aRow {
		f.FMOVDLoadP(row, p.av[i])
	}
	p.steps(f, 2)
	f.Label("kNoPair")
	f.TBZ(0, p.k, "tapDone")
	for i, row := range p.aRow {
		f.FMOVSLoadP(row, p.av[i])
	}
	p.steps(f, 1)
	f.Label("tapDone")
	f.SUBS(1, p.tapsLeft)
	f.BNE("tap")

	if k.sets > 1 {
		f.Comment("", "The sets' sum, pairwise, into set 0.")
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

	f.Comment("", "Epilogue: ReLU if asked, then C ← acc over mr rows and nr columns.")
	f.Label("epilogue")
	f.MOVBU(f.Arg("relu"), p.relu)
	f.CBZW(p.relu, "store")
	f.Comment("FMAX returns NaN when either operand is NaN: max(NaN, 0) stays NaN.")
	f.VZero(p.zeroV)
	for _, row := range p.acc[0] {
		for _, a := range row {
			f.FMAX(a, a, p.zeroV)
		}
	}
	f.Label("store")
	st := p.store
	st.f = f
	f.MOVD(f.Arg("c"), st.cRow)
	f.MOVD(f.Arg("ldc"), st.ldc)
	f.LSL(2, st.ldc)
	f.MOVD(f.Arg("mr"), st.rowsLeft)
	f.MOVD(f.Arg("nr"), st.cols)
	f.CMP(k.nr(), st.cols)
	f.BNE("tail")
	st.emit("full", false, false)

	f.Comment("", "nr < NR: whole vectors, then a pair of lanes, then one lane, by the bits of nr.")
	f.Label("tail")
	st.emit("tail", true, false)

	f.Label("done")
	f.RET()
	return f
}

// steps emits n ≤ convKStep steps of k from the A lanes 0..n-1, loading a row of w for
// each: with two buffers both load first and each refills after its FMLAs; with one, each
// load precedes its step. The loads address w by offsets from wPtr, which moves once, after
// them: a chain of post-indexed LD1s is a chain of their write-backs (5 cycles each in
// LLVM's Apple M1 model).
func (p convPlan) steps(f *Func, n int) {
	off := 0
	load := func(b []VReg) {
		for j := 0; j < len(b); j += 2 {
			if j+1 < len(b) {
				f.FLDPQ(off, p.wPtr, b[j], b[j+1])
			} else {
				f.FMOVQLoadOff(off, p.wPtr, b[j])
			}
			off += 16 * min(2, len(b)-j)
		}
	}
	if p.bv[0][0] == p.bv[1][0] {
		for step := range n {
			load(p.bv[0])
			p.rank1(f, p.bv[0], step)
		}
	} else {
		load(p.bv[0])
		if n > 1 {
			load(p.bv[1])
		}
		for step := range n {
			b := p.bv[step%2]
			p.rank1(f, b, step)
			if step+2 < n {
				load(b)
			}
		}
	}
	f.ADDConst(off, p.wPtr)
}

// rank1 emits step lane of k: acc[lane mod sets][i] += b · av[i][lane] for every row i.
func (p convPlan) rank1(f *Func, b []VReg, lane int) {
	for i, row := range p.acc[lane%len(p.acc)] {
		for j, a := range row {
			f.FMLAElem(a, b[j], p.av[i], lane)
		}
	}
}
