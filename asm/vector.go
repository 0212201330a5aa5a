package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// vectorKernels are the level-1 kernels the GEMV path (m == 1 or n == 1) streams a matrix
// through: it is bound by memory bandwidth, so they only need to keep enough loads in
// flight, with several independent accumulators, and never touch memory past n.
type vectorKernels struct {
	isa string // "AVX2" or "AVX512"
}

var vectorFamilies = []vectorKernels{{isa: "AVX2"}, {isa: "AVX512"}}

// unrollVectors: independent vectors per iteration, enough to cover the FMA latency
// (4 cycles × 2 pipes) in dot's accumulators.
const unrollVectors = 8

func (v vectorKernels) vecLen() int {
	if v.isa == "AVX512" {
		return 16
	}
	return 8
}

func (v vectorKernels) newVec() VecVirtual {
	if v.isa == "AVX512" {
		return ZMM()
	}
	return YMM()
}

func (v vectorKernels) generate() {
	v.axpy()
	v.axpy4()
	v.dot()
	v.dot4()
	v.biasAct()
	v.copy2D()
	v.maxInto()
}

// tail emits the loop over the last n mod vecLen elements: one masked vector on
// AVX-512, scalars on AVX2. body gets the element address offset register and, on
// AVX-512, the mask; scalar gets one element.
func (v vectorKernels) tail(n GPVirtual, vector func(k Register), scalar func(idx GPVirtual), done string) {
	if v.isa == "AVX512" {
		bits, all := GP64(), GP64()
		MOVQ(I32(-1), all)
		BZHIQ(n, all, bits)
		k := K()
		KMOVW(bits.As32(), k)
		vector(k)
		return
	}
	idx := GP64()
	XORQ(idx, idx)
	Label(done + "_scalar")
	scalar(idx)
	INCQ(idx)
	CMPQ(idx, n)
	JLT(LabelRef(done + "_scalar"))
}

// stream emits the loops over n elements: whole blocks of blockVectors vectors, then
// single vectors, leaving n mod vecLen elements for the caller's tail at label
// name_tail. body processes the given number of vectors at the current position;
// advance moves every pointer on by the given number of bytes.
func (v vectorKernels) stream(name string, n GPVirtual, blockVectors int, advance func(bytes int), body func(vectors int)) {
	for _, step := range []struct {
		label   string
		vectors int
		next    string
	}{{"_block", blockVectors, "_vectors"}, {"_vectors", 1, "_tail"}} {
		elems := step.vectors * v.vecLen()
		Label(name + step.label)
		CMPQ(n, U32(elems))
		JLT(LabelRef(name + step.next))
		body(step.vectors)
		advance(4 * elems)
		SUBQ(U32(elems), n)
		JMP(LabelRef(name + step.label))
	}
}

// advancePair is stream's advance for kernels that walk two arrays x and y.
func advancePair(x, y Mem) func(bytes int) {
	return func(bytes int) {
		ADDQ(U32(bytes), x.Base)
		ADDQ(U32(bytes), y.Base)
	}
}

func (v vectorKernels) axpy() {
	name := "saxpy" + v.isa
	vecBytes := 4 * v.vecLen()
	TEXT(name, NOSPLIT, "func(n int, alpha float32, x, y *float32)")
	Pragma("noescape")
	Doc(name+" computes y[i] += alpha·x[i] for i < n.", "Its reference is generic.Axpy.")
	n := Load(Param("n"), GP64()).(GPVirtual)
	x := Mem{Base: Load(Param("x"), GP64())}
	y := Mem{Base: Load(Param("y"), GP64())}
	alpha := v.newVec()
	VBROADCASTSS(paramAddr("alpha"), alpha)
	v.stream(name, n, unrollVectors, advancePair(x, y), func(vectors int) {
		ys := make([]VecVirtual, vectors)
		for u := range ys {
			ys[u] = v.newVec()
			VMOVUPS(y.Offset(u*vecBytes), ys[u])
		}
		for u := range ys {
			VFMADD231PS(x.Offset(u*vecBytes), alpha, ys[u])
			VMOVUPS(ys[u], y.Offset(u*vecBytes))
		}
	})

	Label(name + "_tail")
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	v.tail(n, func(k Register) {
		t := v.newVec()
		VMOVUPS_Z(y, k, t)
		xs := v.newVec()
		VMOVUPS_Z(x, k, xs)
		VFMADD231PS(xs, alpha, t)
		VMOVUPS(t, k, y)
	}, func(idx GPVirtual) {
		t, xs := XMM(), XMM()
		VMOVSS(Mem{Base: y.Base, Index: idx, Scale: 4}, t)
		VMOVSS(Mem{Base: x.Base, Index: idx, Scale: 4}, xs)
		VFMADD231SS(xs, alpha.AsX(), t)
		VMOVSS(t, Mem{Base: y.Base, Index: idx, Scale: 4})
	}, name)
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// axpy4Rows is how many rows of a matrix axpy4 adds into y at once. One row at a time
// (axpy) reads and writes y once per row and keeps one stream of the matrix in flight;
// four rows quarter the traffic on y and give the prefetchers four streams. More rows
// measured no faster: the stream is then at this core's read bandwidth (~29 GB/s).
const axpy4Rows = 4

// axpy4StepBytes is how far axpy4's loop moves along each row per iteration: two cache
// lines, so that each row's two prefetches cover exactly the lines the loop will need.
const axpy4StepBytes = 128

// axpy4PrefetchBytes is how far ahead of the loads axpy4 prefetches each row into L1.
// The L2 streamer stops at every 4 KiB page; prefetching 1 KiB ahead keeps lines in
// flight across the page boundary. Measured on 64 MiB: 27.4 GB/s without, 28.7 with;
// 256 B to 2 KiB ahead all land within 1% of that.
const axpy4PrefetchBytes = 1024

// axpy4 emits y[j] += Σ_r x[r]·b[r*ldb + j] over the four rows r < 4 and j < n: the
// GEMV y = x·B of a row-major B taken four rows at a time.
//
// Register plan: four broadcast coefficients; axpy4StepBytes/vecBytes y accumulators (2
// on AVX-512, 4 on AVX2); the four row bases and one byte offset shared by y and every
// row. The FMAs take B straight from memory: each element is used once.
func (v vectorKernels) axpy4() {
	name := "saxpy4" + v.isa
	vecBytes := 4 * v.vecLen()
	TEXT(name, NOSPLIT, "func(n int, x, b *float32, ldb int, y *float32)")
	Pragma("noescape")
	Doc(name+" computes y[j] += x[0]·b[j] + x[1]·b[ldb+j] + x[2]·b[2·ldb+j] + x[3]·b[3·ldb+j]",
		"for j < n. Its reference is generic.Axpy4.")
	n := Load(Param("n"), GP64()).(GPVirtual)
	xs := Load(Param("x"), GP64())
	coef := make([]VecVirtual, axpy4Rows)
	for r := range coef {
		coef[r] = v.newVec()
		VBROADCASTSS(Mem{Base: xs, Disp: 4 * r}, coef[r])
	}
	rows := rowBases("b", "ldb", axpy4Rows)
	y := Load(Param("y"), GP64())
	off := GP64()
	XORQ(off, off)
	at := func(base Register, disp int) Mem { return Mem{Base: base, Index: off, Scale: 1, Disp: disp} }
	// body adds the given number of vectors of every row into y at off.
	body := func(vectors int, prefetch bool) {
		acc := make([]VecVirtual, vectors)
		for u := range acc {
			acc[u] = v.newVec()
			VMOVUPS(at(y, u*vecBytes), acc[u])
		}
		for r, row := range rows {
			for u := range acc {
				VFMADD231PS(at(row, u*vecBytes), coef[r], acc[u])
			}
			if prefetch {
				for line := 0; line < axpy4StepBytes; line += 64 {
					PREFETCHT0(at(row, axpy4PrefetchBytes+line))
				}
			}
		}
		for u := range acc {
			VMOVUPS(acc[u], at(y, u*vecBytes))
		}
	}
	// Only the two-line step prefetches: its prefetches cover exactly its lines.
	stepVectors := axpy4StepBytes / vecBytes
	v.stream(name, n, stepVectors, func(bytes int) { ADDQ(U32(bytes), off) }, func(vectors int) {
		body(vectors, vectors == stepVectors)
	})

	Label(name + "_tail")
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	// The tail addresses from the bases, so move them to the first element left.
	ADDQ(off, y)
	for _, row := range rows {
		ADDQ(off, row)
	}
	v.tail(n, func(k Register) {
		acc := v.newVec()
		VMOVUPS_Z(Mem{Base: y}, k, acc)
		for r, row := range rows {
			t := v.newVec()
			VMOVUPS_Z(Mem{Base: row}, k, t)
			VFMADD231PS(t, coef[r], acc)
		}
		VMOVUPS(acc, k, Mem{Base: y})
	}, func(idx GPVirtual) {
		acc := XMM()
		elem := func(base Register) Mem { return Mem{Base: base, Index: idx, Scale: 4} }
		VMOVSS(elem(y), acc)
		for r, row := range rows {
			VFMADD231SS(elem(row), coef[r].AsX(), acc)
		}
		VMOVSS(acc, elem(y))
	}, name)
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

func (v vectorKernels) dot() {
	name := "sdot" + v.isa
	vecBytes := 4 * v.vecLen()
	TEXT(name, NOSPLIT, "func(n int, x, y *float32) float32")
	Pragma("noescape")
	Doc(name+" returns Σ x[i]·y[i] over i < n.", "Its reference is generic.Dot.")
	n := Load(Param("n"), GP64()).(GPVirtual)
	x := Mem{Base: Load(Param("x"), GP64())}
	y := Mem{Base: Load(Param("y"), GP64())}
	acc := make([]VecVirtual, unrollVectors)
	for u := range acc {
		acc[u] = v.newVec()
		VXORPS(acc[u], acc[u], acc[u])
	}
	v.stream(name, n, unrollVectors, advancePair(x, y), func(vectors int) {
		for u := 0; u < vectors; u++ {
			t := v.newVec()
			VMOVUPS(x.Offset(u*vecBytes), t)
			VFMADD231PS(y.Offset(u*vecBytes), t, acc[u])
		}
	})

	Label(name + "_tail")
	scalarSum := XMM()
	VXORPS(scalarSum, scalarSum, scalarSum)
	TESTQ(n, n)
	JZ(LabelRef(name + "_reduce"))
	v.tail(n, func(k Register) {
		xs, ys := v.newVec(), v.newVec()
		VMOVUPS_Z(x, k, xs)
		VMOVUPS_Z(y, k, ys)
		VFMADD231PS(xs, ys, acc[1])
	}, func(idx GPVirtual) {
		xs := XMM()
		VMOVSS(Mem{Base: x.Base, Index: idx, Scale: 4}, xs)
		VFMADD231SS(Mem{Base: y.Base, Index: idx, Scale: 4}, xs, scalarSum)
	}, name)

	Label(name + "_reduce")
	lo := foldToX(v.foldToY(sumVectors(acc)))
	VADDPS(scalarSum, lo, lo)
	VHADDPS(lo, lo, lo)
	VHADDPS(lo, lo, lo)
	Store(lo, ReturnIndex(0))
	VZEROUPPER()
	RET()
}

// rowBases loads the addresses of the first n rows of the matrix at parameter matrix,
// whose row stride in floats is parameter ld.
func rowBases(matrix, ld string, n int) []GPVirtual {
	stride := Load(Param(ld), GP64())
	SHLQ(U8(2), stride)
	rows := make([]GPVirtual, n)
	rows[0] = Load(Param(matrix), GP64()).(GPVirtual)
	for r := 1; r < n; r++ {
		rows[r] = GP64()
		LEAQ(Mem{Base: rows[r-1], Index: stride, Scale: 1}, rows[r])
	}
	return rows
}

// dot4Rows is how many rows of a matrix dot4 multiplies by x at once: x is read once for
// all of them, and each row is one stream, as in axpy4.
const dot4Rows = 4

// dot4 emits out[r] = Σ_i x[i]·a[r*lda + i] over the four rows r < 4 and i < n: the GEMV
// y = A·x of a row-major A taken four rows at a time. Four dots would load each x vector
// four times: eight loads per four FMAs instead of five, and loads bound a dot on data in
// cache.
//
// Register plan: dot4Accumulators per row, one for each vector of a loop step; one x
// vector at a time; the four row bases and one byte offset shared by x and every row.
// The FMAs take the rows straight from memory: each element is used once.
func (v vectorKernels) dot4() {
	name := "sdot4" + v.isa
	vecBytes := 4 * v.vecLen()
	TEXT(name, NOSPLIT, "func(n int, x, a *float32, lda int, out *float32)")
	Pragma("noescape")
	Doc(name+" sets out[r] = Σ x[i]·a[r·lda+i] over i < n for r < 4.",
		"Its reference is generic.Dot4.")
	n := Load(Param("n"), GP64()).(GPVirtual)
	x := Load(Param("x"), GP64())
	rows := rowBases("a", "lda", dot4Rows)
	acc := make([][]VecVirtual, dot4Rows)
	for r := range acc {
		acc[r] = make([]VecVirtual, v.dot4Accumulators())
		for u := range acc[r] {
			acc[r][u] = v.newVec()
			VXORPS(acc[r][u], acc[r][u], acc[r][u])
		}
	}
	off := GP64()
	XORQ(off, off)
	at := func(base Register, disp int) Mem { return Mem{Base: base, Index: off, Scale: 1, Disp: disp} }
	v.stream(name, n, v.dot4Accumulators(), func(bytes int) { ADDQ(U32(bytes), off) }, func(vectors int) {
		for u := 0; u < vectors; u++ {
			xs := v.newVec()
			VMOVUPS(at(x, u*vecBytes), xs)
			for r, row := range rows {
				VFMADD231PS(at(row, u*vecBytes), xs, acc[r][u])
			}
		}
	})

	Label(name + "_tail")
	sums := make([]VecVirtual, dot4Rows)
	for r := range sums {
		sums[r] = sumVectors(acc[r])
	}
	// A scalar FMA clears the upper lanes of its destination, so AVX2's scalar tail sums
	// into registers of its own, zero but for their first lane, added in below.
	scalarSums := make([]VecVirtual, dot4Rows)
	for r := range scalarSums {
		scalarSums[r] = YMM()
		VXORPS(scalarSums[r], scalarSums[r], scalarSums[r])
	}
	TESTQ(n, n)
	JZ(LabelRef(name + "_reduce"))
	// The tail addresses from the bases, so move them to the first element left.
	ADDQ(off, x)
	for _, row := range rows {
		ADDQ(off, row)
	}
	v.tail(n, func(k Register) {
		xs := v.newVec()
		VMOVUPS_Z(Mem{Base: x}, k, xs)
		for r, row := range rows {
			t := v.newVec()
			VMOVUPS_Z(Mem{Base: row}, k, t)
			VFMADD231PS(t, xs, sums[r])
		}
	}, func(idx GPVirtual) {
		xs := XMM()
		elem := func(base Register) Mem { return Mem{Base: base, Index: idx, Scale: 4} }
		VMOVSS(elem(x), xs)
		for r, row := range rows {
			VFMADD231SS(elem(row), xs, scalarSums[r].AsX())
		}
	}, name)

	Label(name + "_reduce")
	// Fold every row to one ymm; three horizontal adds then leave row r's sum over each
	// 128-bit half in lane r of that half, and adding the halves gives out.
	for r := range sums {
		sums[r] = v.foldToY(sums[r])
		VADDPS(scalarSums[r], sums[r], sums[r])
	}
	lo, hi := YMM(), YMM()
	VHADDPS(sums[1], sums[0], lo)
	VHADDPS(sums[3], sums[2], hi)
	VHADDPS(hi, lo, lo)
	VMOVUPS(foldToX(lo), Mem{Base: Load(Param("out"), GP64())})
	VZEROUPPER()
	RET()
}

// dot4Accumulators is how many accumulators dot4 keeps per row, each taking one vector
// of a loop step. Four rows of them and an x vector must fit the register file: 3 take
// 13 of AVX2's 16 ymm, 4 take 17 of AVX-512's 32 zmm. Measured on 4×1024 floats in L1
// against four dots (median of 20 interleaved runs): AVX2 1.31× with 2, 1.41× with 3;
// AVX-512 1.57× with 2, 1.64× with 4, 1.59× with 6. Prefetching the rows ahead, as axpy4
// does, measured no faster.
func (v vectorKernels) dot4Accumulators() int {
	if v.isa == "AVX512" {
		return 4
	}
	return 3
}

// sumVectors adds vs into vs[0] by halves, a balanced tree, and returns vs[0].
func sumVectors(vs []VecVirtual) VecVirtual {
	for n := len(vs); n > 1; {
		half := (n + 1) / 2
		for u := 0; u+half < n; u++ {
			VADDPS(vs[u+half], vs[u], vs[u])
		}
		n = half
	}
	return vs[0]
}

// foldToY adds the upper 256 bits of a zmm to its lower ones and returns the ymm
// holding the sum; a ymm is returned as it is.
func (v vectorKernels) foldToY(sum VecVirtual) VecVirtual {
	if v.isa != "AVX512" {
		return sum
	}
	hi := YMM()
	VEXTRACTF64X4(U8(1), sum, hi)
	VADDPS(hi, sum.AsY(), hi)
	return hi
}

// foldToX adds the upper 128 bits of a ymm to its lower ones and returns the xmm
// holding the sum.
func foldToX(sum VecVirtual) Register {
	hi := XMM()
	VEXTRACTF128(U8(1), sum.AsY(), hi)
	lo := sum.AsX()
	VADDPS(hi, lo, lo)
	return lo
}

// biasAct emits the layers' epilogue: c[i*ldc + j] = act(c[i*ldc + j] + bias[j]) over an
// m×n block, act ReLU when relu, else the identity. It runs on an output block right
// after the GEMM that wrote it, while the block is still in L1 (a pass over a tile costs
// about 1% of computing it), so that every micro-kernel keeps one contract.
func (v vectorKernels) biasAct() {
	name := "sbiasAct" + v.isa
	TEXT(name, NOSPLIT, "func(m, n int, c *float32, ldc int, bias *float32, relu bool)")
	Pragma("noescape")
	Doc(name+" sets c[i*ldc + j] = act(c[i*ldc + j] + bias[j]) for i < m, j < n, m, n ≥ 1,",
		"act = max(·, 0) when relu (NaN stays NaN), else the identity.",
		"Its reference is generic.BiasAct.")
	relu := GP32()
	MOVBLZX(paramAddr("relu"), relu)
	TESTL(relu, relu)
	JZ(LabelRef(name + "_linear"))
	v.biasActRows(name+"_relu", true)
	Label(name + "_linear")
	v.biasActRows(name+"_linear", false)
}

// biasActRows emits the row loop of biasAct for one activation.
func (v vectorKernels) biasActRows(name string, relu bool) {
	vecBytes := 4 * v.vecLen()
	rows := Load(Param("m"), GP64())
	row := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)
	bias := Load(Param("bias"), GP64())
	zero := v.newVec()
	VXORPS(zero, zero, zero)
	// act: VMAXPS returns its second source when either is NaN; that source is x.
	act := func(x VecVirtual) {
		if relu {
			VMAXPS(x, zero, x)
		}
	}

	Label(name + "_row")
	n := GP64()
	Load(Param("n"), n)
	c, b := GP64(), GP64()
	MOVQ(row, c)
	MOVQ(bias, b)
	Label(name + "_vectors")
	CMPQ(n, U32(v.vecLen()))
	JLT(LabelRef(name + "_tail"))
	t := v.newVec()
	VMOVUPS(Mem{Base: c}, t)
	VADDPS(Mem{Base: b}, t, t)
	act(t)
	VMOVUPS(t, Mem{Base: c})
	ADDQ(U32(vecBytes), c)
	ADDQ(U32(vecBytes), b)
	SUBQ(U32(v.vecLen()), n)
	JMP(LabelRef(name + "_vectors"))
	Label(name + "_tail")
	TESTQ(n, n)
	JZ(LabelRef(name + "_next"))
	v.tail(n.(GPVirtual), func(k Register) {
		t, bv := v.newVec(), v.newVec()
		VMOVUPS_Z(Mem{Base: c}, k, t)
		VMOVUPS_Z(Mem{Base: b}, k, bv)
		VADDPS(bv, t, t)
		act(t)
		VMOVUPS(t, k, Mem{Base: c})
	}, func(idx GPVirtual) {
		t := XMM()
		VMOVSS(Mem{Base: c, Index: idx, Scale: 4}, t)
		VADDSS(Mem{Base: b, Index: idx, Scale: 4}, t, t)
		if relu {
			VMAXSS(t, zero.AsX(), t)
		}
		VMOVSS(t, Mem{Base: c, Index: idx, Scale: 4})
	}, name)
	Label(name + "_next")
	ADDQ(ldc, row)
	DECQ(rows)
	JNZ(LabelRef(name + "_row"))
	VZEROUPPER()
	RET()
}

// copy2D emits the strided block copy that lowers convolution inputs (im2col): rows runs
// of cols floats, from src with row stride lds to dst with row stride ldd. The runs are
// short (a 3×3 kernel row over RGB is 9 floats), so each row is whole vectors then one
// masked vector, never a scalar loop or a call.
func (v vectorKernels) copy2D() {
	name := "scopy2D" + v.isa
	vecBytes := 4 * v.vecLen()
	TEXT(name, NOSPLIT, "func(rows, cols int, src *float32, lds int, dst *float32, ldd int)")
	Pragma("noescape")
	Doc(name+" copies rows runs of cols floats: dst[i*ldd + j] = src[i*lds + j] for i < rows,",
		"j < cols; rows, cols ≥ 1. It reads and writes nothing else.")
	rows := Load(Param("rows"), GP64())
	srcRow := Load(Param("src"), GP64())
	dstRow := Load(Param("dst"), GP64())
	lds := Load(Param("lds"), GP64())
	ldd := Load(Param("ldd"), GP64())
	SHLQ(U8(2), lds)
	SHLQ(U8(2), ldd)
	cols := Load(Param("cols"), GP64())
	// The tail mask depends only on cols: compute it once.
	tailLen := GP64()
	MOVQ(cols, tailLen)
	ANDQ(U32(v.vecLen()-1), tailLen)
	var kmask Register
	var vmask VecVirtual
	if v.isa == "AVX512" {
		bits, all := GP64(), GP64()
		MOVQ(I32(-1), all)
		BZHIQ(tailLen, all, bits)
		kmask = K()
		KMOVW(bits.As32(), kmask)
	} else {
		tbl, off := GP64(), GP64()
		LEAQ(tailMaskTable(), tbl)
		MOVQ(U32(8), off)
		SUBQ(tailLen, off)
		vmask = YMM()
		VMOVDQU(Mem{Base: tbl, Index: off, Scale: 4}, vmask)
	}
	whole := GP64()
	MOVQ(cols, whole)
	SHRQ(U8(bitsOf(v.vecLen())), whole)

	Label(name + "_row")
	s, d, n := GP64(), GP64(), GP64()
	MOVQ(srcRow, s)
	MOVQ(dstRow, d)
	MOVQ(whole, n)
	TESTQ(n, n)
	JZ(LabelRef(name + "_tail"))
	Label(name + "_vector")
	t := v.newVec()
	VMOVUPS(Mem{Base: s}, t)
	VMOVUPS(t, Mem{Base: d})
	ADDQ(U32(vecBytes), s)
	ADDQ(U32(vecBytes), d)
	DECQ(n)
	JNZ(LabelRef(name + "_vector"))
	Label(name + "_tail")
	TESTQ(tailLen, tailLen)
	JZ(LabelRef(name + "_next"))
	t = v.newVec()
	if kmask != nil {
		VMOVUPS_Z(Mem{Base: s}, kmask, t)
		VMOVUPS(t, kmask, Mem{Base: d})
	} else {
		VMASKMOVPS(Mem{Base: s}, vmask, t)
		VMASKMOVPS(t, vmask, Mem{Base: d})
	}
	Label(name + "_next")
	ADDQ(lds, srcRow)
	ADDQ(ldd, dstRow)
	DECQ(rows)
	JNZ(LabelRef(name + "_row"))
	VZEROUPPER()
	RET()
}

// bitsOf returns log2 of a power of two.
func bitsOf(n int) int {
	b := 0
	for 1<<b < n {
		b++
	}
	return b
}

// maxInto emits y[i] = max(y[i], x[i]): max pooling's reduction. VMAXPS returns its
// second source when either is NaN, so the maximum is taken both ways round, one of the
// two holds any NaN, and their OR keeps it (a NaN's exponent is all ones and its mantissa
// not zero; two equal numbers OR to themselves).
func (v vectorKernels) maxInto() {
	name := "smax" + v.isa
	vecBytes := 4 * v.vecLen()
	TEXT(name, NOSPLIT, "func(n int, x, y *float32)")
	Pragma("noescape")
	Doc(name+" sets y[i] = max(y[i], x[i]) for i < n, NaN where either is NaN.",
		"Its reference is generic.MaxInto.")
	n := Load(Param("n"), GP64()).(GPVirtual)
	x := Mem{Base: Load(Param("x"), GP64())}
	y := Mem{Base: Load(Param("y"), GP64())}
	// both leaves max(xs, ys) in r, a scratch register of their size.
	both := func(xs, ys, a, r Register) {
		VMAXPS(xs, ys, a) // NaN → xs
		VMAXPS(ys, xs, r) // NaN → ys
		VORPS(a, r, r)
	}
	v.stream(name, n, unrollVectors, advancePair(x, y), func(vectors int) {
		for u := range vectors {
			xs, ys, r := v.newVec(), v.newVec(), v.newVec()
			VMOVUPS(x.Offset(u*vecBytes), xs)
			VMOVUPS(y.Offset(u*vecBytes), ys)
			both(xs, ys, v.newVec(), r)
			VMOVUPS(r, y.Offset(u*vecBytes))
		}
	})

	Label(name + "_tail")
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	v.tail(n, func(k Register) {
		xs, ys, r := v.newVec(), v.newVec(), v.newVec()
		VMOVUPS_Z(x, k, xs)
		VMOVUPS_Z(y, k, ys)
		both(xs, ys, v.newVec(), r)
		VMOVUPS(r, k, y)
	}, func(idx GPVirtual) {
		xs, ys, r := XMM(), XMM(), XMM()
		VMOVSS(Mem{Base: x.Base, Index: idx, Scale: 4}, xs)
		VMOVSS(Mem{Base: y.Base, Index: idx, Scale: 4}, ys)
		both(xs, ys, XMM(), r)
		VMOVSS(r, Mem{Base: y.Base, Index: idx, Scale: 4})
	}, name)
	Label(name + "_done")
	VZEROUPPER()
	RET()
}
