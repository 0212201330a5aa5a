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
	v.dot()
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
	block := unrollVectors * v.vecLen()
	Label(name + "_block")
	CMPQ(n, U32(block))
	JLT(LabelRef(name + "_vectors"))
	ys := make([]VecVirtual, unrollVectors)
	for u := range ys {
		ys[u] = v.newVec()
		VMOVUPS(y.Offset(u*vecBytes), ys[u])
	}
	for u := range ys {
		VFMADD231PS(x.Offset(u*vecBytes), alpha, ys[u])
		VMOVUPS(ys[u], y.Offset(u*vecBytes))
	}
	ADDQ(U32(block*4), x.Base)
	ADDQ(U32(block*4), y.Base)
	SUBQ(U32(block), n)
	JMP(LabelRef(name + "_block"))

	Label(name + "_vectors")
	CMPQ(n, U32(v.vecLen()))
	JLT(LabelRef(name + "_tail"))
	t := v.newVec()
	VMOVUPS(y, t)
	VFMADD231PS(x, alpha, t)
	VMOVUPS(t, y)
	ADDQ(U32(vecBytes), x.Base)
	ADDQ(U32(vecBytes), y.Base)
	SUBQ(U32(v.vecLen()), n)
	JMP(LabelRef(name + "_vectors"))

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
	block := unrollVectors * v.vecLen()
	Label(name + "_block")
	CMPQ(n, U32(block))
	JLT(LabelRef(name + "_vectors"))
	for u := range acc {
		t := v.newVec()
		VMOVUPS(x.Offset(u*vecBytes), t)
		VFMADD231PS(y.Offset(u*vecBytes), t, acc[u])
	}
	ADDQ(U32(block*4), x.Base)
	ADDQ(U32(block*4), y.Base)
	SUBQ(U32(block), n)
	JMP(LabelRef(name + "_block"))

	Label(name + "_vectors")
	CMPQ(n, U32(v.vecLen()))
	JLT(LabelRef(name + "_tail"))
	t := v.newVec()
	VMOVUPS(x, t)
	VFMADD231PS(y, t, acc[0])
	ADDQ(U32(vecBytes), x.Base)
	ADDQ(U32(vecBytes), y.Base)
	SUBQ(U32(v.vecLen()), n)
	JMP(LabelRef(name + "_vectors"))

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
	for step := unrollVectors / 2; step > 0; step /= 2 {
		for u := 0; u < step; u++ {
			VADDPS(acc[u+step], acc[u], acc[u])
		}
	}
	sum := acc[0]
	if v.isa == "AVX512" {
		hi := YMM()
		VEXTRACTF64X4(U8(1), sum, hi)
		VADDPS(hi, sum.AsY(), hi)
		sum = hi
	}
	hi := XMM()
	VEXTRACTF128(U8(1), sum.AsY(), hi)
	lo := sum.AsX()
	VADDPS(hi, lo, lo)
	VADDPS(scalarSum, lo, lo)
	VHADDPS(lo, lo, lo)
	VHADDPS(lo, lo, lo)
	Store(lo, ReturnIndex(0))
	VZEROUPPER()
	RET()
}
