package main

import (
	"fmt"
	"math/bits"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// bPrefetchRows is how many rows of B ahead the unrolled loops prefetch: 2 KiB of a
// packed AVX-512 panel. A B read in place, rows far apart, defeats the hardware
// prefetchers, which stop at each 4 KiB page: 64×3136×576 with B in place measured 98
// GFLOPS without and 128 with (best of eight interleaved runs); the squares, on packed B,
// measured the same either way.
const bPrefetchRows = 16

// streamTiles is how many tiles of a column kernel, after the first, prefetch the next
// panel of B: a row of it per unrolled step of 4, so that 4 tiles fetch all k rows. The
// first tile fetches its own panel (bPrefetchRows); spread over the others, the next
// panel's lines are in flight a few at a time, not hundreds at once when that panel's
// first tile starts (B read in place, rows far apart: 64×3136×576 1.06×; the driver's
// operand.next has the measurements).
const streamTiles = 4

// sgemmKernel describes one SGEMM micro-kernel: an MR×NR register tile of C, NR/vecLen
// vectors per row. One generator emits every ISA's tile; the ISA only decides the vector
// register kind and how a column tail (nr < NR) is masked.
type sgemmKernel struct {
	mr      int    // rows of C per tile: one A broadcast each
	vectors int    // vectors of C per row
	isa     string // "AVX2" (ymm, VMASKMOVPS tails) or "AVX512" (zmm, K-mask tails)
}

// The tiles must match dispatch.TileFor; kernels' tests check that they do.
var sgemmKernels = []sgemmKernel{
	{mr: 6, vectors: 2, isa: "AVX2"},
	{mr: 12, vectors: 2, isa: "AVX512"},
}

// withEdges returns k's edge kernels, of a third and two thirds of its rows, then k.
// The driver runs the last rows of a matrix on the smallest that covers them: a 64-row
// product is five 12-row tiles and one 4-row tile, not six 12-row tiles of which the
// last computes eight rows of padding (and reads A in place rather than from a copy
// padded with them).
func (k sgemmKernel) withEdges() []sgemmKernel {
	third, twoThirds := k, k
	third.mr, twoThirds.mr = k.mr/3, 2*k.mr/3
	return []sgemmKernel{third, twoThirds, k}
}

func (k sgemmKernel) vecLen() int {
	if k.isa == "AVX512" {
		return 16
	}
	return 8
}

func (k sgemmKernel) nr() int { return k.vectors * k.vecLen() }

func (k sgemmKernel) name() string { return fmt.Sprintf("sgemm%dx%d%s", k.mr, k.nr(), k.isa) }

func (k sgemmKernel) newVec() VecVirtual {
	if k.isa == "AVX512" {
		return ZMM()
	}
	return YMM()
}

// rowsPerBase: row i of A is read at base[i/3] + (i%3)*rsA, the three offsets that x86
// addressing gives for free (index scale 0, 1, 2), so MR rows need MR/3 base pointers.
const rowsPerBase = 3

// rowPointers loads the address of row 0, a (parameter a when nil), and returns the
// base pointers of rows rows of a matrix whose rows are stride bytes apart: base r
// points at row 3r.
func rowPointers(rows int, stride Register, a Op) []GPVirtual {
	bases := make([]GPVirtual, (rows+rowsPerBase-1)/rowsPerBase)
	bases[0] = GP64()
	if a == nil {
		Load(Param("a"), bases[0])
	} else {
		MOVQ(a, bases[0])
	}
	for r := 1; r < len(bases); r++ {
		bases[r] = GP64()
		LEAQ(Mem{Base: bases[r-1], Index: stride, Scale: 2}, bases[r])
		ADDQ(stride, bases[r])
	}
	return bases
}

// rowAddr addresses row i through the base pointers of rowPointers.
func rowAddr(bases []GPVirtual, stride Register, i int) Mem {
	m := Mem{Base: bases[i/rowsPerBase]}
	if s := i % rowsPerBase; s > 0 {
		m.Index, m.Scale = stride, uint8(s)
	}
	return m
}

func (k sgemmKernel) generate() { k.emit(false) }

// columnName is the name of k's column variant (generateColumn).
func (k sgemmKernel) columnName() string {
	return fmt.Sprintf("sgemmColumn%dx%d%s", k.mr, k.nr(), k.isa)
}

// generateColumn emits k's column variant: a column of whole MR-row tiles against one
// panel of B in one call, the macro-kernel's innermost loop, so that the Go call, its
// wrapper and the kernel's entry are paid once a panel, not once a tile.
func (k sgemmKernel) generateColumn() { k.emit(true) }

// emit emits the tile kernel, or with column its column variant.
func (k sgemmKernel) emit(column bool) {
	nr, vecBytes := k.nr(), 4*k.vecLen()
	name := k.name()
	if column {
		name = k.columnName()
		TEXT(name, NOSPLIT, "func(tiles, k int, a *float32, rsA, csA, aStep int, b *float32, rsB, bNext int, bCopy, c *float32, ldc int, alpha, beta float32, nr int)")
		Pragma("noescape")
		Doc(
			fmt.Sprintf("%s computes tiles ≥ 1 tiles of %s, each all %d rows, 1 ≤ nr ≤ %d columns,", name, k.name(), k.mr, nr),
			fmt.Sprintf("the same panel of B, tile q's A at a + q·aStep and its C at c + q·%d·ldc (elements):", k.mr),
			"a column of tiles of C down one panel of B. Unless bNext is 0, the tiles after the first",
			"prefetch the next panel, at b + bNext, a row per unrolled step (streamTiles). Unless bCopy",
			fmt.Sprintf("is nil, the first tile also copies the panel's k rows there, %d floats a row, and the", nr),
			"others read that copy; A is then packed or row-major (not the general loop's strides).",
		)
	} else {
		TEXT(name, NOSPLIT, "func(k int, a *float32, rsA, csA int, b *float32, rsB int, c *float32, ldc int, alpha, beta float32, mr, nr int)")
		Pragma("noescape")
		Doc(
			fmt.Sprintf("%s computes the mr×nr top-left corner (1 ≤ mr ≤ %d, 1 ≤ nr ≤ %d) of", name, k.mr, nr),
			"C ← alpha·A·B + beta·C, A mr×k, B k×nr, k ≥ 1, with A(i, p) at a[i*rsA + p*csA],",
			"B(p, j) at b[p*rsB + j] and C(i, j) at c[i*ldc + j] (strides in elements).",
			"beta == 0 means C is not read. Rows of A past mr and columns of B past nr are read",
			"(the driver pads edge panels); columns of C past nr are neither read nor written.",
			"It has the micro-kernel contract documented at generic.SgemmTile2x4.",
		)
	}
	bases := (k.mr + rowsPerBase - 1) / rowsPerBase
	Comment(
		fmt.Sprintf("Register plan for the %d×%d tile (%s):", k.mr, nr, k.isa),
		fmt.Sprintf("  acc[i][j]  %2d vector accumulators: row i < %d, vector j < %d of C", k.mr*k.vectors, k.mr, k.vectors),
		fmt.Sprintf("  bv[j]      %2d vectors: row p of the B panel", k.vectors),
		"  av[2]       2 vectors: A(i, p) broadcast, alternating so that consecutive rows' loads overlap",
		fmt.Sprintf("  aRow[%d]     A row pointers, row i at aRow[i/3] + (i%%3)*rsA; each advances by csA per step", bases),
		"  bPtr        B row pointer, advances by rsB per step",
		"Packed A (rsA = 1, csA = MR) and row-major A (csA = 1) take loops unrolled 4 times that",
		"address A by displacement; other strides take a one-step loop.",
		fmt.Sprintf("Per step of k: %d B loads, %d broadcasts, %d FMAs; per unrolled step, prefetches.", k.vectors, k.mr, k.mr*k.vectors),
	)

	// Prologue: pointers and strides in bytes.
	rsA := Load(Param("rsA"), GP64())
	csA := Load(Param("csA"), GP64())
	SHLQ(U8(2), rsA)
	SHLQ(U8(2), csA)
	// A column keeps in the frame its tiles left; the current tile's A, B and C, and B's
	// row stride in bytes; where the first tile copies B to (0 for no copy, and after the
	// first tile); and where its stream of prefetches is and how far it moves per
	// unrolled step (0 until it starts, at the second tile).
	var tilesLeft, tileA, tileB, tileRsB, tileC, copyPtr, streamPtr, streamStep Op
	rsB := GP64()
	if column {
		slots := paramsInFrame("tiles", "a", "b", "rsB", "c", "bCopy", "b")
		tilesLeft, tileA, tileB, tileRsB, tileC, copyPtr, streamPtr = slots[0], slots[1], slots[2], slots[3], slots[4], slots[5], slots[6]
		MOVQ(tileRsB, rsB)
		SHLQ(U8(2), rsB)
		MOVQ(rsB, tileRsB)
		streamStep = AllocLocal(8)
		MOVQ(U32(0), streamStep)
		Label(name + "_tile")
		MOVQ(tileRsB, rsB)
	} else {
		Load(Param("rsB"), rsB)
		SHLQ(U8(2), rsB)
	}
	aRow := rowPointers(k.mr, rsA, tileA)
	bPtr := GP64()
	if column {
		MOVQ(tileB, bPtr)
	} else {
		Load(Param("b"), bPtr)
	}
	steps := Load(Param("k"), GP64())

	acc := k.accumulators(func(acc [][]VecVirtual, i, j int) { VXORPS(acc[i][j], acc[i][j], acc[i][j]) })
	aAddr := func(i int) Mem { return rowAddr(aRow, rsA, i) }

	// The C tile is written once, at the end: start fetching it now, under the k loop.
	cPre, ldcPre := GP64(), GP64()
	if column {
		MOVQ(tileC, cPre)
	} else {
		Load(Param("c"), cPre)
	}
	Load(Param("ldc"), ldcPre)
	SHLQ(U8(2), ldcPre)
	for i := 0; i < k.mr; i++ {
		PREFETCHT0(Mem{Base: cPre})
		PREFETCHT0(Mem{Base: cPre}.Offset(vecBytes*k.vectors - 4))
		if i+1 < k.mr {
			ADDQ(ldcPre, cPre)
		}
	}

	bv := make([]VecVirtual, k.vectors)
	for j := range bv {
		bv[j] = k.newVec()
	}
	av := []VecVirtual{k.newVec(), k.newVec()}
	const unroll = 4
	// rank1 emits one step of k: C += A(:, p)·B(p, :), A(i, p) at aAt(i), B(p, :) at bAt,
	// and copies B(p, :) to copyTo unless it is nil.
	rank1 := func(aAt func(i int) Mem, bAt Mem, copyTo *Mem) {
		for j := range bv {
			VMOVUPS(bAt.Offset(j*vecBytes), bv[j])
			if copyTo != nil {
				VMOVUPS(bv[j], copyTo.Offset(j*vecBytes))
			}
		}
		for i := 0; i < k.mr; i++ {
			VBROADCASTSS(aAt(i), av[i%2])
			for j := range bv {
				VFMADD231PS(bv[j], av[i%2], acc[i][j])
			}
		}
	}

	// The two layouts the driver produces take unrolled loops in which every A address
	// is a displacement: A packed (rsA = 1, csA = MR) and row-major A read in place
	// (csA = 1). Anything else takes the general loop.
	packed, rowMajor, general, epilogue := name+"_packed", name+"_rowMajor", name+"_general", name+"_epilogue"
	rsB3, ahead := GP64(), GP64() // 3·rsB, and bPrefetchRows·rsB: how far ahead B is prefetched
	LEAQ(Mem{Base: rsB, Index: rsB, Scale: 2}, rsB3)
	MOVQ(rsB, ahead)
	SHLQ(U8(bits.TrailingZeros(bPrefetchRows)), ahead)
	CMPQ(csA, U32(4))
	JEQ(LabelRef(rowMajor))
	CMPQ(rsA, U32(4))
	JNE(LabelRef(general))
	CMPQ(csA, U32(4*k.mr))
	JEQ(LabelRef(packed))

	Comment("General loop: one rank-1 update of the tile per step of k, any A strides.")
	Label(general)
	rank1(aAddr, Mem{Base: bPtr}, nil)
	for _, p := range aRow {
		ADDQ(csA, p)
	}
	ADDQ(rsB, bPtr)
	DECQ(steps)
	JNZ(LabelRef(general))
	JMP(LabelRef(epilogue))

	bStepFrom := func(base Register, u int) Mem {
		return []Mem{{Base: base}, {Base: base, Index: rsB, Scale: 1}, {Base: base, Index: rsB, Scale: 2}, {Base: base, Index: rsB3, Scale: 1}}[u]
	}
	bStep := func(u int) Mem { return bStepFrom(bPtr, u) }
	// unrolled emits a loop of unroll steps of k per iteration and its one-step tail,
	// given A(i, p+u) relative to the A pointers and how far they move per step.
	unrolled := func(name string, aAt func(i, u int) Mem, advanceA func(steps int)) {
		blocks := GP64()
		MOVQ(steps, blocks)
		SHRQ(U8(2), blocks)
		// loop emits the unrolled loop, with the column's stream of prefetches when
		// stream is not nil, or its copy of B to copyTo when that is not nil.
		loop := func(label, tail string, stream, copyTo Register) {
			TESTQ(blocks, blocks)
			JZ(LabelRef(tail))
			Label(label)
			for u := 0; u < unroll; u++ {
				var to *Mem
				if copyTo != nil {
					to = &Mem{Base: copyTo, Disp: u * 4 * nr}
				}
				rank1(func(i int) Mem { return aAt(i, u) }, bStep(u), to)
			}
			// Prefetch rows p+bPrefetchRows … of B, all of each row's lines.
			pf := GP64()
			LEAQ(Mem{Base: bPtr, Index: ahead, Scale: 1}, pf)
			for u := 0; u < unroll; u++ {
				for line := 0; line < 4*nr; line += 64 {
					PREFETCHT0(bStepFrom(pf, u).Offset(line))
				}
			}
			if stream != nil {
				for line := 0; line < 4*nr; line += 64 {
					PREFETCHT0(Mem{Base: stream}.Offset(line))
				}
				ADDQ(streamStep, stream)
			}
			if copyTo != nil {
				ADDQ(U32(unroll*4*nr), copyTo)
			}
			advanceA(unroll)
			LEAQ(Mem{Base: bPtr, Index: rsB, Scale: 4}, bPtr)
			DECQ(blocks)
			JNZ(LabelRef(label))
		}
		// tail emits the one-step loop for the steps left after the unrolled loop, copying
		// B to copyTo when that is not nil.
		tail := func(label string, copyTo Register) {
			Label(label)
			ANDQ(U32(unroll-1), steps)
			JZ(LabelRef(epilogue))
			Label(label + "Loop")
			var to *Mem
			if copyTo != nil {
				to = &Mem{Base: copyTo}
			}
			rank1(func(i int) Mem { return aAt(i, 0) }, Mem{Base: bPtr}, to)
			advanceA(1)
			ADDQ(rsB, bPtr)
			if copyTo != nil {
				ADDQ(U32(4*nr), copyTo)
			}
			DECQ(steps)
			JNZ(LabelRef(label + "Loop"))
			JMP(LabelRef(epilogue))
		}
		if column {
			// A tile that copies B or streams takes a loop of its own, so that the
			// others, and every tile of a product whose B stays in L2, pay nothing
			// for it.
			copyTo := GP64()
			MOVQ(copyPtr, copyTo)
			TESTQ(copyTo, copyTo)
			JZ(LabelRef(name + "NoCopy"))
			loop(name+"CopyLoop", name+"CopyTail", nil, copyTo)
			tail(name+"CopyTail", copyTo)
			Label(name + "NoCopy")
			CMPQ(streamStep, U32(0))
			JEQ(LabelRef(name + "Plain"))
			stream := GP64()
			MOVQ(streamPtr, stream)
			loop(name+"StreamLoop", name+"StreamTail", stream, nil)
			Label(name + "StreamTail")
			MOVQ(stream, streamPtr)
			JMP(LabelRef(name + "Tail"))
		}
		if column {
			Label(name + "Plain")
		}
		loop(name+"Loop", name+"Tail", nil, nil)
		tail(name+"Tail", nil)
	}

	Commentf("Packed loop: %d steps of k per iteration, A(i, p) at aRow[0] + 4·(p·%d + i).", unroll, k.mr)
	Label(packed)
	unrolled(packed,
		func(i, u int) Mem { return Mem{Base: aRow[0]}.Offset(4 * (u*k.mr + i)) },
		func(steps int) { ADDQ(U32(4*steps*k.mr), aRow[0]) })

	Commentf("Row-major loop: %d steps of k per iteration, A(i, p) at aRow[i/3] + (i%%3)·rsA + 4·p.", unroll)
	Label(rowMajor)
	unrolled(rowMajor,
		func(i, u int) Mem { return aAddr(i).Offset(4 * u) },
		func(steps int) {
			for _, p := range aRow {
				ADDQ(U32(4*steps), p)
			}
		})

	Label(epilogue)
	Comment("Epilogue: acc ← alpha·acc, then C ← acc + beta·C over mr rows and nr columns.")
	alpha := k.newVec()
	VBROADCASTSS(paramAddr("alpha"), alpha)
	for i := range acc {
		for j := range acc[i] {
			VMULPS(alpha, acc[i][j], acc[i][j])
		}
	}
	cPtr := GP64()
	if column {
		MOVQ(tileC, cPtr)
	} else {
		Load(Param("c"), cPtr)
	}
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)
	rows := GP64()
	if column {
		MOVQ(U32(k.mr), rows)
	} else {
		Load(Param("mr"), rows)
	}
	cols := Load(Param("nr"), GP64())
	beta := k.newVec()
	VBROADCASTSS(paramAddr("beta"), beta)

	// beta == ±0 means C is not read: test the bits without the sign.
	betaBits := GP32()
	MOVL(paramAddr("beta"), betaBits)
	SHLL(U8(1), betaBits)

	store := tileStore{k: k, acc: acc, cPtr: cPtr, ldc: ldc, rows: rows, beta: beta, done: name + "_done"}
	if k.isa == "AVX512" {
		store.kMasks(cols)
		TESTL(betaBits, betaBits)
		JZ(LabelRef(name + "_overwrite"))
		store.emit(true, true)
		Label(name + "_overwrite")
		store.emit(true, false)
	} else {
		// Full-width tiles take unmasked stores: VMASKMOVPS stores are microcoded on
		// some AMD cores.
		full := name + "_full"
		CMPQ(cols, U32(nr))
		JEQ(LabelRef(full))
		store.vecMasks(cols)
		TESTL(betaBits, betaBits)
		JZ(LabelRef(name + "_maskedOverwrite"))
		store.emit(true, true)
		Label(name + "_maskedOverwrite")
		store.emit(true, false)
		Label(full)
		TESTL(betaBits, betaBits)
		JZ(LabelRef(name + "_fullOverwrite"))
		store.emit(false, true)
		Label(name + "_fullOverwrite")
		store.emit(false, false)
	}
	Label(store.done)
	if column {
		Commentf("Next tile: %d rows of A and C on.", k.mr)
		next := GP64()
		Commentf("After the first tile, the next %d stream the next panel of B, if any, into cache.", streamTiles)
		done := Load(Param("tiles"), GP64())
		SUBQ(tilesLeft, done) // the tiles before this one
		JNZ(LabelRef(name + "_streaming"))
		nextPanel := Load(Param("bNext"), GP64())
		TESTQ(nextPanel, nextPanel)
		JZ(LabelRef(name + "_streaming"))
		SHLQ(U8(2), nextPanel)
		ADDQ(Load(Param("b"), GP64()), nextPanel)
		MOVQ(nextPanel, streamPtr)
		MOVQ(Load(Param("rsB"), GP64()), next)
		SHLQ(U8(2), next)
		MOVQ(next, streamStep)
		Label(name + "_streaming")
		Comment("After a tile that copied B, the others read the copy.")
		copied := GP64()
		MOVQ(copyPtr, copied)
		TESTQ(copied, copied)
		JZ(LabelRef(name + "_copied"))
		MOVQ(copied, tileB)
		MOVQ(U32(4*nr), tileRsB)
		MOVQ(U32(0), copyPtr)
		Label(name + "_copied")
		CMPQ(done, U32(streamTiles))
		JNE(LabelRef(name + "_streamed"))
		MOVQ(U32(0), streamStep)
		Label(name + "_streamed")
		Load(Param("aStep"), next)
		SHLQ(U8(2), next)
		ADDQ(next, tileA)
		Load(Param("ldc"), next)
		IMUL3Q(U32(4*k.mr), next, next)
		ADDQ(next, tileC)
		DECQ(tilesLeft)
		JNZ(LabelRef(name + "_tile"))
	}
	VZEROUPPER()
	RET()
}

// accumulators allocates the tile's accumulators, acc[i][j] for row i and vector j, and
// sets each in order with init, which may read those before it.
func (k sgemmKernel) accumulators(init func(acc [][]VecVirtual, i, j int)) [][]VecVirtual {
	acc := make([][]VecVirtual, k.mr)
	for i := range acc {
		acc[i] = make([]VecVirtual, k.vectors)
		for j := range acc[i] {
			acc[i][j] = k.newVec()
			init(acc, i, j)
		}
	}
	return acc
}

// paramsInFrame copies the named 8-byte parameters into frame slots of their own, which
// a loop over tiles or panels then updates in place, and returns the slots.
func paramsInFrame(names ...string) []Mem {
	slots := make([]Mem, len(names))
	for i, name := range names {
		slots[i] = AllocLocal(8)
		MOVQ(Load(Param(name), GP64()), slots[i])
	}
	return slots
}

func paramAddr(name string) Mem {
	p, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return p.Addr
}

// tileStore emits the write-back of the accumulators to C, one row at a time, stopping
// after mr rows.
type tileStore struct {
	k    sgemmKernel
	acc  [][]VecVirtual
	cPtr Register
	ldc  Register
	rows Register
	beta VecVirtual
	done string

	kmask   []Register   // AVX-512: lane mask of each vector of a row
	vecmask []VecVirtual // AVX2: lane mask of each vector of a row
}

// kMasks sets one K mask per vector from nr: the low nr bits of a row's lanes, 16 per
// vector.
func (s *tileStore) kMasks(cols Register) {
	bits, all := GP64(), GP64()
	MOVQ(I32(-1), all) // sign-extended: 64 ones
	BZHIQ(cols, all, bits)
	for j := 0; j < s.k.vectors; j++ {
		m := K()
		KMOVW(bits.As32(), m)
		if j+1 < s.k.vectors {
			SHRQ(U8(16), bits)
		}
		s.kmask = append(s.kmask, m)
	}
}

// vecMasks loads one lane mask per vector from the tail-mask table: the mask of vector j
// has min(max(nr-8j, 0), 8) leading ones, read from tailMask at byte 4*(8 - that count).
func (s *tileStore) vecMasks(cols Register) {
	table := tailMaskTable()
	tbl := GP64()
	LEAQ(table, tbl)
	eight, zero := GP64(), GP64()
	MOVQ(U32(8), eight)
	XORQ(zero, zero)
	for j := 0; j < s.k.vectors; j++ {
		n := GP64()
		MOVQ(cols, n)
		SUBQ(U32(8*j), n)
		CMPQ(n, eight)
		CMOVQGT(eight, n)
		CMPQ(n, U32(0))
		CMOVQLT(zero, n)
		NEGQ(n)
		ADDQ(U32(8), n)
		m := YMM()
		VMOVDQU(Mem{Base: tbl, Index: n, Scale: 4}, m)
		s.vecmask = append(s.vecmask, m)
	}
}

var tailMask Mem
var tailMaskDone bool

// tailMaskTable is 8 all-ones lanes followed by 8 zero lanes: any 8-lane window of it is
// a mask with a given number of leading ones.
func tailMaskTable() Mem {
	if !tailMaskDone {
		tailMask = GLOBL("sgemmTailMask", RODATA|NOPTR)
		for i := 0; i < 16; i++ {
			v := uint32(0)
			if i < 8 {
				v = 0xffffffff
			}
			DATA(4*i, U32(v))
		}
		tailMaskDone = true
	}
	return tailMask
}

// emit writes every row: masked selects the masked loads and stores, withBeta adds beta·C.
func (s *tileStore) emit(masked, withBeta bool) {
	vecBytes := 4 * s.k.vecLen()
	row := GP64()
	MOVQ(s.cPtr, row)
	n := GP64()
	MOVQ(s.rows, n)
	for i := range s.acc {
		for j, a := range s.acc[i] {
			dst := Mem{Base: row}.Offset(j * vecBytes)
			if withBeta {
				cv := s.k.newVec()
				s.load(masked, j, dst, cv)
				VFMADD231PS(cv, s.beta, a)
			}
			s.storeVec(masked, j, a, dst)
		}
		if i+1 < len(s.acc) {
			DECQ(n)
			JZ(LabelRef(s.done))
			ADDQ(s.ldc, row)
		}
	}
	JMP(LabelRef(s.done))
}

func (s *tileStore) load(masked bool, j int, src Mem, dst VecVirtual) {
	switch {
	case !masked:
		VMOVUPS(src, dst)
	case s.kmask != nil:
		VMOVUPS_Z(src, s.kmask[j], dst)
	default:
		VMASKMOVPS(src, s.vecmask[j], dst)
	}
}

func (s *tileStore) storeVec(masked bool, j int, src VecVirtual, dst Mem) {
	switch {
	case !masked:
		VMOVUPS(src, dst)
	case s.kmask != nil:
		VMOVUPS(src, s.kmask[j], dst)
	default:
		VMASKMOVPS(src, s.vecmask[j], dst)
	}
}
