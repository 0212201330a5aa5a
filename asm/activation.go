package main

import (
	"fmt"
	"math"
	"strings"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// activationKernels are the layers' activations as a vectorised pass over a tile or a
// tensor (kernels.Activation): dst[i] = act(src[i]) for i < n, dst == src or disjoint,
// and Softmax over one row. Their references are generic's float64 definitions, rounded
// once; each kernel's doc comment gives its error against them as measured by
// `go test ./kernels -run TestActivationAccuracy -args -activation.step=16` (every 16th
// float32 with 2^−20 ≤ |x| < 128, every 4096th elsewhere, the values around the
// saturation points and the specials), in ulps of the reference (2^−149 for subnormal
// results) and relative to it for normal results.
//
// The transcendental ones share one exponential: e^x = 2^n·e^r with n = round(x/ln 2)
// and r = x − n·ln 2 (ln 2 split in two, Cody and Waite), |r| ≤ ln 2/2, e^r − 1 by its
// Taylor polynomial to r⁷ (the next term is < 5.2e−9, a twentieth of a float32 ulp), and
// the scaling by 2^n left to the end, after every other factor, so that results in the
// subnormal range are rounded once (VSCALEFPS on AVX-512; two exact power-of-two
// multiplies on AVX2, each factor a normal float for |n| ≤ 252). Every argument is ≤ 0
// (sigmoid, Swish and tanh take e^−|x|, Softmax e^(x−max), GELU e^(−x²/2)) and is clamped
// at expFloor, below which every result is 0 whatever the factors.
//
// Register plan: none to speak of. Each vector runs through its chain of ~20–50 operations
// on fresh virtual registers, constants come from memory (kbits), and the out-of-order core overlaps the chains of consecutive
// vectors (a chain is ~100–200 cycles of latency, the window holds several).
//
// Tails: one masked vector (K mask on AVX-512, VMASKMOVPS on AVX2) through the same
// chain; the masked-off lanes compute on zeros and are neither read nor written.
type activationKernels struct {
	vectorKernels
}

var activationFamilies = []activationKernels{{vectorKernels{isa: "AVX2"}}, {vectorKernels{isa: "AVX512"}}}

// expFloor clamps the exponential's argument: e^−110 ≈ 1.7e−48, and no factor that
// multiplies it (|x| ≤ 110 in Swish, ≤ 14.5 in GELU) lifts it to half the smallest
// subnormal (7e−46). It keeps |n| ≤ 159.
const expFloor = -110

// activationBlock is how many vectors an iteration of the elementwise loops takes: the
// chains are long, so unrolling buys only the loop overhead.
const activationBlock = 2

func (a activationKernels) generate() {
	a.elementwise("srelu"+a.isa, 4, []string{
		"sets dst[i] = max(src[i], 0) for i < n (NaN and −0 stay as they are).",
		"It matches generic.ReLU bit for bit."}, nil, a.relu)
	a.elementwise("srelu6"+a.isa, 4, []string{
		"sets dst[i] = min(max(src[i], 0), 6) for i < n (NaN and −0 stay as they are).",
		"It matches generic.ReLU6 bit for bit."}, nil, a.relu6)
	a.elementwise("sleakyReLU"+a.isa, 4, []string{
		"sets dst[i] = src[i], or alpha·src[i] when src[i] < 0, for i < n and 0 ≤ alpha ≤ 1:",
		"max(x, alpha·x). It matches generic.LeakyReLU bit for bit."}, []string{"alpha"}, a.leakyReLU)
	a.elementwise("ssigmoid"+a.isa, activationBlock, []string{
		"sets dst[i] = 1/(1 + e^−src[i]) for i < n: 1/(1 + e), e = e^−|x|, for x ≥ 0 and",
		"e/(1 + e) for x < 0; sigmoid(−Inf) = 0, sigmoid(+Inf) = 1, NaN stays NaN.",
		"Measured error against generic.Sigmoid: at most 2 ulps, 3.9·2^−24 relative."}, nil, a.sigmoid)
	a.elementwise("sswish"+a.isa, activationBlock, []string{
		"sets dst[i] = x·sigmoid(x), x = src[i], for i < n: x/(1 + e) for x ≥ 0 and",
		"x·e/(1 + e) for x < 0, e = e^−|x| scaled by its power of two last. Like",
		"generic.Swish, Swish(−Inf) is NaN (−Inf·0) and Swish(+Inf) = +Inf.",
		"Measured error against generic.Swish: at most 2 ulps, 4.0·2^−24 relative."}, nil, a.swish)
	a.elementwise("stanh"+a.isa, activationBlock, []string{
		"sets dst[i] = tanh(src[i]) for i < n: −m/(2 + m) with m = e^(−2|x|) − 1, an",
		"expm1 that keeps small |x| to full relative precision, and the sign of x;",
		"tanh(±Inf) = ±1, NaN stays NaN.",
		"Measured error against generic.Tanh: at most 2 ulps, 3.6·2^−24 relative."}, nil, a.tanh)
	a.elementwise("sgelu"+a.isa, activationBlock, []string{
		"sets dst[i] = x·Φ(x) = x/2·erfc(−x/√2), x = src[i], for i < n (Keras's exact",
		"GELU): for |x| < 0.7071 its Taylor series 0.5·x + x²·F(x²); above, GELU(−|x|) =",
		"−|x|/2·erfc(z), erfc(z) = e^(−z²)·t·K(t) for z = |x|/√2, t = 1/(1 + z/2), K a",
		"degree-9 polynomial (geluErfcK), and GELU(x) = x + GELU(−x) for x ≥ 0.",
		"GELU(−Inf) is NaN (−Inf·0), as generic.GELU's; GELU(+Inf) = +Inf.",
		"Measured error against generic.GELU: at most 4 ulps, 5.6·2^−24 relative."}, nil, a.gelu)
	a.softmax()
}

// elementwise emits func(n int, [params float32,] dst, src *float32): dst[i] =
// f(src[i]) for i < n, blocks of block vectors, then single vectors, then a masked tail.
// params are float32 parameters, broadcast into vectors before the loop and handed to f.
func (a activationKernels) elementwise(name string, block int, doc, params []string, f func(x VecVirtual, params []VecVirtual) VecVirtual) {
	sig := "func(n int, "
	for _, p := range params {
		sig += p + " float32, "
	}
	TEXT(name, NOSPLIT, sig+"dst, src *float32)")
	Pragma("noescape")
	doc[0] = name + " " + doc[0]
	Doc(doc...)
	n := Load(Param("n"), GP64()).(GPVirtual)
	dst := Mem{Base: Load(Param("dst"), GP64())}
	src := Mem{Base: Load(Param("src"), GP64())}
	pv := make([]VecVirtual, len(params))
	for i, p := range params {
		pv[i] = a.newVec()
		VBROADCASTSS(paramAddr(p), pv[i])
	}
	vecBytes := 4 * a.vecLen()
	a.stream(name, n, block, advancePair(src, dst), func(vectors int) {
		for u := range vectors {
			x := a.newVec()
			VMOVUPS(src.Offset(u*vecBytes), x)
			VMOVUPS(f(x, pv), dst.Offset(u*vecBytes))
		}
	})
	Label(name + "_tail")
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	m := a.tailMask(n)
	a.maskedStore(f(a.maskedLoad(src, m), pv), dst, m)
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// tailMask returns the mask of the first n < vecLen lanes: a K register on AVX-512, a
// vector of all-ones lanes for VMASKMOVPS on AVX2. (vectorKernels.tail runs scalars on
// AVX2 instead; these kernels have no scalar form.)
func (a activationKernels) tailMask(n GPVirtual) Register {
	if a.isa == "AVX512" {
		bits, all := GP64(), GP64()
		MOVQ(I32(-1), all)
		BZHIQ(n, all, bits)
		k := K()
		KMOVW(bits.As32(), k)
		return k
	}
	tbl, off := GP64(), GP64()
	LEAQ(tailMaskTable(), tbl)
	MOVQ(U32(8), off)
	SUBQ(n, off)
	m := YMM()
	VMOVDQU(Mem{Base: tbl, Index: off, Scale: 4}, m)
	return m
}

// maskedLoad loads the lanes of m from mem, zeros in the others.
func (a activationKernels) maskedLoad(mem Mem, m Register) VecVirtual {
	x := a.newVec()
	if a.isa == "AVX512" {
		VMOVUPS_Z(mem, m, x)
	} else {
		VMASKMOVPS(mem, m, x)
	}
	return x
}

// maskedStore stores the lanes of m of x to mem.
func (a activationKernels) maskedStore(x VecVirtual, mem Mem, m Register) {
	if a.isa == "AVX512" {
		VMOVUPS(x, m, mem)
	} else {
		VMASKMOVPS(x, m, mem)
	}
}

// Constants live in RODATA as vectors of one value, 32 bytes (the linker aligns them to
// 32), so that any AVX2 instruction takes them as a memory operand; AVX-512 instructions
// take their first 4 bytes by embedded broadcast (the _BCST forms, through emit), which
// is as cheap as a full load and never splits a cache line as a 64-byte vector aligned
// to 32 would (measured: tanh and GELU ran slower on AVX-512 than on AVX2 with those).
var activationConsts = map[uint32]Mem{}

// kbits returns the address of a vector of the float32 with bits b.
func kbits(b uint32) Mem {
	if m, ok := activationConsts[b]; ok {
		return m
	}
	m := GLOBL(fmt.Sprintf("%s%08x", constPrefix, b), RODATA|NOPTR)
	for i := range 8 {
		DATA(4*i, U32(b))
	}
	activationConsts[b] = m
	return m
}

// constPrefix starts the name of every constant of kbits.
const constPrefix = "actConst"

// k returns the address of a vector of f.
func k(f float32) Mem { return kbits(math.Float32bits(f)) }

// isConst reports whether op is a constant of kbits.
func isConst(op Op) bool {
	m, ok := op.(Mem)
	return ok && strings.HasPrefix(m.Symbol.Name, constPrefix)
}

// emit emits plain(ops...), or on AVX-512, when the first operand is a constant,
// bcst(ops...): the instruction with that operand broadcast from its first 4 bytes.
func (a activationKernels) emit(plain, bcst func(...Op), ops ...Op) {
	if a.isa == "AVX512" && isConst(ops[0]) {
		bcst(ops...)
		return
	}
	plain(ops...)
}

const (
	signBit = 0x80000000
	absBits = 0x7fffffff
)

// load returns a register holding a vector of f (for operands that must be registers).
func (a activationKernels) load(f float32) VecVirtual {
	r := a.newVec()
	VBROADCASTSS(k(f), r)
	return r
}

// op2 emits a two-operand vector instruction into a fresh register: dst = x ∘ y, Go
// operand order (y is the instruction's second source, a register or a constant).
func (a activationKernels) op2(plain, bcst func(...Op), y Op, x VecVirtual) VecVirtual {
	d := a.newVec()
	a.emit(plain, bcst, y, x, d)
	return d
}

func (a activationKernels) add(y Op, x VecVirtual) VecVirtual {
	return a.op2(VADDPS, VADDPS_BCST, y, x)
}

// sub returns x − y.
func (a activationKernels) sub(y Op, x VecVirtual) VecVirtual {
	return a.op2(VSUBPS, VSUBPS_BCST, y, x)
}

func (a activationKernels) mul(y Op, x VecVirtual) VecVirtual {
	return a.op2(VMULPS, VMULPS_BCST, y, x)
}

// div returns x / y.
func (a activationKernels) div(y Op, x VecVirtual) VecVirtual {
	return a.op2(VDIVPS, VDIVPS_BCST, y, x)
}

func (a activationKernels) and(y Op, x VecVirtual) VecVirtual {
	return a.op2(VANDPS, VANDPS_BCST, y, x)
}

func (a activationKernels) or(y Op, x VecVirtual) VecVirtual {
	return a.op2(VORPS, VORPS_BCST, y, x)
}

// max and min return x where x is NaN (VMAXPS/VMINPS return their second source, in Go
// order the first operand, when either is NaN), so that clamping keeps NaN; c must be a
// register.
func (a activationKernels) max(x, c VecVirtual) VecVirtual { return a.op2(VMAXPS, nil, x, c) }
func (a activationKernels) min(x, c VecVirtual) VecVirtual { return a.op2(VMINPS, nil, x, c) }

// horner evaluates Σ c[i]·x^i by Horner's rule with FMAs.
func (a activationKernels) horner(x VecVirtual, c []float32) VecVirtual {
	p := a.load(c[len(c)-1])
	for i := len(c) - 2; i >= 0; i-- {
		a.emit(VFMADD213PS, VFMADD213PS_BCST, k(c[i]), x, p) // p = x·p + c[i]
	}
	return p
}

// selectNeg returns ifNeg in the lanes where x's sign bit is set, ifPos elsewhere.
func (a activationKernels) selectNeg(x, ifNeg, ifPos VecVirtual) VecVirtual {
	return a.blend(a.signMask(x), ifNeg, ifPos)
}

// signMask returns the mask of x's sign bits for blend: a K register on AVX-512, x
// itself on AVX2 (VBLENDVPS reads the sign bits).
func (a activationKernels) signMask(x VecVirtual) Register {
	if a.isa == "AVX512" {
		m := K()
		VPMOVD2M(x, m)
		return m
	}
	return x
}

// blend returns ifNeg in the lanes of signMask m, ifPos elsewhere.
func (a activationKernels) blend(m Register, ifNeg, ifPos VecVirtual) VecVirtual {
	d := a.newVec()
	if a.isa == "AVX512" {
		VBLENDMPS(ifNeg, ifPos, m, d)
	} else {
		VBLENDVPS(m, ifNeg, ifPos, d)
	}
	return d
}

// nanWhereNegInf returns y with NaN in the lanes where x is −Inf: Swish and GELU of −Inf
// are −Inf·0 in their definitions.
func (a activationKernels) nanWhereNegInf(x, y VecVirtual) VecVirtual {
	negInf := k(float32(math.Inf(-1)))
	if a.isa == "AVX512" {
		m := K()
		VCMPPS_BCST(U8(0), negInf, x, m) // EQ_OQ
		VBROADCASTSS(kbits(0xffffffff), m, y)
		return y
	}
	m := a.newVec()
	VCMPPS(U8(0), negInf, x, m)
	return a.or(m, y)
}

// keepWhereAbove returns y in the lanes where x ≥ bound, 0 elsewhere (x NaN included).
func (a activationKernels) keepWhereAbove(x VecVirtual, bound float32, y VecVirtual) VecVirtual {
	const geOQ = 0x1d
	d := a.newVec()
	if a.isa == "AVX512" {
		m := K()
		VCMPPS_BCST(U8(geOQ), k(bound), x, m)
		VMOVUPS_Z(y, m, d)
		return d
	}
	m := a.newVec()
	VCMPPS(U8(geOQ), k(bound), x, m)
	VANDPS(m, y, d)
	return d
}

// expm1Parts returns p1 and n with e^(x+lo) = 2^n·(1 + p1), p1 = e^r − 1 by its Taylor
// polynomial, for x ≤ 0 (clamped at expFloor; NaN stays NaN) and lo a small correction
// (|lo| ≤ an ulp of x, or nil), which joins the reduced argument r.
func (a activationKernels) expm1Parts(x VecVirtual, lo VecVirtual) (p1, n VecVirtual) {
	x = a.max(x, a.load(expFloor))
	n = a.mul(k(math.Log2E), x)
	if a.isa == "AVX512" {
		VRNDSCALEPS(U8(0), n, n) // to nearest
	} else {
		VROUNDPS(U8(0), n, n)
	}
	ln2hi := float32(math.Ln2)
	ln2lo := float32(math.Ln2 - float64(ln2hi))
	r := x
	a.emit(VFNMADD231PS, VFNMADD231PS_BCST, k(ln2hi), n, r) // r = x − n·ln2hi, exact
	a.emit(VFNMADD231PS, VFNMADD231PS_BCST, k(ln2lo), n, r)
	if lo != nil {
		VADDPS(lo, r, r)
	}
	// e^r − 1 = r + r²·(1/2 + r/6 + … + r⁵/7!)
	c := make([]float32, 6)
	fact := 2.0
	for i := range c {
		c[i] = float32(1 / fact)
		fact *= float64(i + 3)
	}
	q := a.horner(r, c)
	r2 := a.mul(r, r)
	VFMADD213PS(r, r2, q) // q = r²·q + r
	return q, n
}

// scale returns p·2^n for integral n, |n| ≤ 252, rounded once.
func (a activationKernels) scale(p, n VecVirtual) VecVirtual {
	d := a.newVec()
	if a.isa == "AVX512" {
		VSCALEFPS(n, p, d)
		return d
	}
	// 2^n = 2^n1·2^n2 with n1 = n>>1, n2 = n − n1, each a normal float built in its
	// exponent field; p·2^n1 is exact, the second multiply rounds.
	ni, n1, n2 := YMM(), YMM(), YMM()
	VCVTPS2DQ(n, ni)
	VPSRAD(U8(1), ni, n1)
	VPSUBD(n1, ni, n2)
	for _, e := range []VecVirtual{n1, n2} {
		VPADDD(kbits(127), e, e)
		VPSLLD(U8(23), e, e)
	}
	VMULPS(n1, p, d)
	VMULPS(n2, d, d)
	return d
}

func (a activationKernels) relu(x VecVirtual, _ []VecVirtual) VecVirtual {
	zero := a.newVec()
	VXORPS(zero, zero, zero)
	return a.max(x, zero)
}

func (a activationKernels) relu6(x VecVirtual, p []VecVirtual) VecVirtual {
	return a.min(a.relu(x, p), a.load(6))
}

func (a activationKernels) leakyReLU(x VecVirtual, p []VecVirtual) VecVirtual {
	return a.max(x, a.mul(p[0], x))
}

// negAbs returns −|x|.
func (a activationKernels) negAbs(x VecVirtual) VecVirtual { return a.or(kbits(signBit), x) }

// sigmoidParts returns, for e = e^−|x| = 2^n·p, p = 1 + p1: p1, p, d = 1 + e, the
// exponent of the negative side (n, 0 for x ≥ 0) and the sign mask of x. Sigmoid and
// Swish are num·2^nn/d: one division, and the scaling last.
func (a activationKernels) sigmoidParts(x VecVirtual) (p1, p, d, nn VecVirtual, neg Register) {
	p1, n := a.expm1Parts(a.negAbs(x), nil)
	p = a.add(k(1), p1)
	d = a.add(k(1), a.scale(p, n))
	zero := a.newVec()
	VXORPS(zero, zero, zero)
	neg = a.signMask(x)
	return p1, p, d, a.blend(neg, n, zero), neg
}

func (a activationKernels) sigmoid(x VecVirtual, _ []VecVirtual) VecVirtual {
	// x < 0: e/(1 + e) = p·2^n/d; x ≥ 0: 1/d.
	_, p, d, nn, neg := a.sigmoidParts(x)
	return a.scale(a.div(d, a.blend(neg, p, a.load(1))), nn)
}

func (a activationKernels) swish(x VecVirtual, _ []VecVirtual) VecVirtual {
	// x < 0: x·e/(1 + e) = (x + x·p1)·2^n/d, x clamped as the exponent was, so that −1e30
	// gives −0; x ≥ 0: x/d.
	p1, _, d, nn, neg := a.sigmoidParts(x)
	xc := a.max(x, a.load(expFloor))
	num := a.newVec()
	VMOVAPS(xc, num)
	VFMADD231PS(p1, xc, num)
	return a.nanWhereNegInf(x, a.scale(a.div(d, a.blend(neg, num, x)), nn))
}

func (a activationKernels) tanh(x VecVirtual, _ []VecVirtual) VecVirtual {
	ax := a.and(kbits(absBits), x)
	p1, n := a.expm1Parts(a.mul(k(-2), ax), nil)
	s := a.scale(a.load(1), n)
	m := a.sub(k(1), s)           // s − 1, exact
	VFMADD231PS(s, p1, m)         // m = s·p1 + s − 1 = e^(−2|x|) − 1
	v := a.div(a.add(k(2), m), m) // −tanh|x|
	return a.or(a.and(kbits(signBit), x), a.and(kbits(absBits), v))
}

// geluErfcK are the coefficients of K(t) = erfc(z)·e^(z²)/t, t = 1/(1 + z/2), as a
// polynomial in u = t − geluErfcCenter, for z in [0, 10.25] (t in [0.163, 1]): the
// least-squares fit, weighted for relative error, at 400 Chebyshev nodes, coefficients
// rounded to float32. Its relative error is 2.9e−8 evaluated exactly, 1.4e−7 (about
// 2 ulps) evaluated in float32 with t rounded.
var geluErfcK = []float32{
	0.570682168, 0.780935645, 0.587264776, 0.0838280171, -0.203626588,
	-0.0507216044, 0.111765772, 0.00481749093, -0.0586881563, 0.012783098,
}

const geluErfcCenter = 0.58163265

// geluMaxAbs clamps |x|: beyond it erfc(|x|/√2)/2 < 1e−46, so GELU(x) is x for x > 0 and
// −0 for x < 0.
const geluMaxAbs = 14.5

// geluSmall is where GELU switches to its series: below it, 0.5·x + x²·F(x²) with
// F(w) = Σ_k (−1)^k w^k / (√(2π)·k!·(2k+1)·2^k), the Taylor series of x·Φ(x) to w⁶ (the
// next term is below 2e−10 of the sum); erfc would lose a few ulps near z = 0, where its
// result is near 1 and GELU's near 0.
const geluSmall = 0.7071

// geluSeries returns F's coefficients.
func geluSeries() []float32 {
	c := make([]float32, 7)
	fact := 1.0
	for i := range c {
		if i > 0 {
			fact *= float64(i)
		}
		c[i] = float32(math.Pow(-0.5, float64(i)) / (math.Sqrt(2*math.Pi) * fact * float64(2*i+1)))
	}
	return c
}

func (a activationKernels) gelu(x VecVirtual, _ []VecVirtual) VecVirtual {
	ax := a.min(a.and(kbits(absBits), x), a.load(geluMaxAbs))
	// GELU(−|x|) = −|x|/2·erfc(z), z = |x|/√2: −|x|/2·t·K(t)·e^(−z²), t = 1/(1 + z/2),
	// with −|x|/2·t as one division and the 2^n of e^(−z²) = 2^n·(1 + p1) applied last.
	den := a.load(1)
	a.emit(VFMADD231PS, VFMADD231PS_BCST, k(float32(0.5/math.Sqrt2)), ax, den)
	kt := a.horner(a.sub(k(geluErfcCenter), a.div(den, a.load(1))), geluErfcK)
	m := a.mul(a.div(den, a.mul(k(-0.5), ax)), kt)
	// −z² = −x²/2 exactly, as hi + lo.
	hi := a.mul(ax, ax)
	lo := a.newVec()
	VMOVAPS(hi, lo)
	VFMSUB231PS(ax, ax, lo) // lo = x² − hi
	p1, n := a.expm1Parts(a.mul(k(-0.5), hi), a.mul(k(-0.5), lo))
	VFMADD231PS(p1, m, m) // m·(1 + p1)
	neg := a.scale(m, n)
	// GELU(x) = x + GELU(−x) for x ≥ 0.
	big := a.nanWhereNegInf(x, a.selectNeg(x, neg, a.add(x, neg)))
	w := a.mul(x, x)
	small := a.mul(k(0.5), x)
	VFMADD231PS(a.horner(w, geluSeries()), w, small)
	// The sum is +0 for x = −0: x's sign is the result's.
	small = a.or(a.and(kbits(signBit), x), small)
	return a.selectBelow(ax, geluSmall, small, big)
}

// selectBelow returns ifBelow in the lanes where x < bound, ifNot elsewhere (x NaN
// included).
func (a activationKernels) selectBelow(x VecVirtual, bound float32, ifBelow, ifNot VecVirtual) VecVirtual {
	const ltOQ = 0x11
	d := a.newVec()
	if a.isa == "AVX512" {
		m := K()
		VCMPPS_BCST(U8(ltOQ), k(bound), x, m)
		VBLENDMPS(ifBelow, ifNot, m, d)
		return d
	}
	m := a.newVec()
	VCMPPS(U8(ltOQ), k(bound), x, m)
	VBLENDVPS(m, ifBelow, ifNot, d)
	return d
}

// softmax emits the row kernel: the row's maximum m (pass one); e^(x−m) for every x,
// stored to dst and summed in float64 (pass two); dst scaled by the sum's reciprocal
// (pass three), as XNNPACK's raddstoreexpminusmax and vscale. x − m is carried exactly
// as a sum of two floats (Knuth's TwoSum), whose small part joins the exponential's
// reduced argument: rounding x − m alone would cost up to |x − m|·2^−24 of relative error
// (~30 ulps at x − m = −80). The correction is dropped where x − m < expFloor, whose
// exponential is 0 anyway, so that −Inf (and x − m overflowing to −Inf) give 0, not NaN;
// a row holding +Inf or NaN (or all −Inf) comes out NaN, as generic.Softmax's.
//
// Register plan: pass one keeps softmaxMaxAcc running maxima; pass two the maximum, its
// negation, two float64 accumulators (the low and high halves of
// each vector of exponentials), the tail mask; pass three the reciprocal.
func (a activationKernels) softmax() {
	name := "ssoftmax" + a.isa
	vecBytes := 4 * a.vecLen()
	TEXT(name, NOSPLIT, "func(n int, dst, src *float32)")
	Pragma("noescape")
	Doc(name+" sets dst[i] = e^(src[i]−m)/Σ_j e^(src[j]−m) for i < n, n ≥ 1, m the largest",
		"src[j]: one Softmax row. dst may be src. A row holding NaN or +Inf comes out NaN.",
		"Measured error against generic.Softmax: at most 2 ulps (3,000 random rows, n ≤ 9096,",
		"|x| up to 1e30).")
	n0 := Load(Param("n"), GP64()).(GPVirtual)
	src0 := Load(Param("src"), GP64())
	dst0 := Load(Param("dst"), GP64())
	tailN := GP64()
	MOVQ(n0, tailN)
	ANDQ(U32(a.vecLen()-1), tailN)
	mask := a.tailMask(tailN.(GPVirtual))
	cnt, s, d := GP64(), GP64(), GP64()
	restart := func() {
		MOVQ(n0, cnt)
		MOVQ(src0, s)
		MOVQ(dst0, d)
	}
	advance := advancePair(Mem{Base: s}, Mem{Base: d})

	Comment("Pass one: the maximum.")
	restart()
	acc := make([]VecVirtual, softmaxMaxAcc)
	for u := range acc {
		acc[u] = a.load(float32(math.Inf(-1)))
	}
	a.stream(name+"_max", cnt.(GPVirtual), softmaxMaxAcc, advance, func(vectors int) {
		for u := range vectors {
			VMAXPS(Mem{Base: s}.Offset(u*vecBytes), acc[u], acc[u])
		}
	})
	Label(name + "_max_tail")
	TESTQ(cnt, cnt)
	JZ(LabelRef(name + "_max_reduce"))
	x := a.maskedLoad(Mem{Base: s}, mask)
	if a.isa == "AVX512" {
		VMAXPS(x, acc[0], mask, acc[0])
	} else {
		VBLENDVPS(mask, x, a.load(float32(math.Inf(-1))), x) // −Inf in the lanes past n
		VMAXPS(x, acc[0], acc[0])
	}
	Label(name + "_max_reduce")
	for len(acc) > 1 {
		half := len(acc) / 2
		for u := range half {
			VMAXPS(acc[u+half], acc[u], acc[u])
		}
		acc = acc[:half]
	}
	top := VecVirtual(acc[0])
	if a.isa == "AVX512" {
		top = YMM()
		VEXTRACTF64X4(U8(1), acc[0], top)
		VMAXPS(top, acc[0].AsY(), top)
	}
	m := XMM()
	VEXTRACTF128(U8(1), top.AsY(), m)
	VMAXPS(m, top.AsX(), m)
	for _, imm := range []uint8{0x4e, 0xb1} { // swap halves, then neighbours
		t := XMM()
		VSHUFPS(U8(imm), m, m, t)
		VMAXPS(t, m, m)
	}
	mv := a.newVec()
	VBROADCASTSS(m, mv)

	Comment("Pass two: dst = e^(x−m), summed in float64.")
	negM := a.newVec()
	a.emit(VXORPS, VXORPS_BCST, kbits(signBit), mv, negM)
	sums := []VecVirtual{a.newVec(), a.newVec()}
	for _, v := range sums {
		VXORPS(v, v, v)
	}
	expMinusMax := func(x VecVirtual) VecVirtual {
		// TwoSum: x − m = sm + err exactly, where x − m is finite.
		sm := a.sub(mv, x)
		bb := a.sub(x, sm)
		err := a.add(a.sub(bb, negM), a.sub(a.sub(bb, sm), x))
		err = a.keepWhereAbove(sm, expFloor, err)
		p1, n := a.expm1Parts(sm, err)
		return a.scale(a.add(k(1), p1), n)
	}
	accumulate := func(e VecVirtual) {
		var lo, hi, half VecVirtual
		if a.isa == "AVX512" {
			lo, hi, half = ZMM(), ZMM(), YMM()
			VCVTPS2PD(e.AsY(), lo)
			VEXTRACTF64X4(U8(1), e, half)
		} else {
			lo, hi, half = YMM(), YMM(), XMM()
			VCVTPS2PD(e.AsX(), lo)
			VEXTRACTF128(U8(1), e, half)
		}
		VCVTPS2PD(half, hi)
		VADDPD(lo, sums[0], sums[0])
		VADDPD(hi, sums[1], sums[1])
	}
	restart()
	a.stream(name+"_exp", cnt.(GPVirtual), activationBlock, advance, func(vectors int) {
		for u := range vectors {
			x := a.newVec()
			VMOVUPS(Mem{Base: s}.Offset(u*vecBytes), x)
			e := expMinusMax(x)
			VMOVUPS(e, Mem{Base: d}.Offset(u*vecBytes))
			accumulate(e)
		}
	})
	Label(name + "_exp_tail")
	TESTQ(cnt, cnt)
	JZ(LabelRef(name + "_exp_reduce"))
	e := expMinusMax(a.maskedLoad(Mem{Base: s}, mask))
	if a.isa == "AVX512" {
		VMOVUPS_Z(e, mask, e) // lanes past n add nothing
	} else {
		VANDPS(mask, e, e)
	}
	a.maskedStore(e, Mem{Base: d}, mask)
	accumulate(e)
	Label(name + "_exp_reduce")
	VADDPD(sums[1], sums[0], sums[0])
	sum := VecVirtual(sums[0])
	if a.isa == "AVX512" {
		sum = YMM()
		VEXTRACTF64X4(U8(1), sums[0], sum)
		VADDPD(sum, sums[0].AsY(), sum)
	}
	total := XMM()
	VEXTRACTF128(U8(1), sum.AsY(), total)
	VADDPD(total, sum.AsX(), total)
	hiLane := XMM()
	VUNPCKHPD(total, total, hiLane)
	VADDSD(hiLane, total, total)
	inv := XMM()
	VXORPS(inv, inv, inv)
	VCVTSS2SD(k(1), inv, inv)
	VDIVSD(total, inv, inv) // 1/Σ in float64, rounded once to float32
	VCVTSD2SS(inv, inv, inv)
	scale := a.newVec()
	VBROADCASTSS(inv, scale)

	Comment("Pass three: dst ·= 1/Σ.")
	restart()
	a.stream(name+"_scale", cnt.(GPVirtual), softmaxMaxAcc, advance, func(vectors int) {
		for u := range vectors {
			t := a.newVec()
			VMULPS(Mem{Base: d}.Offset(u*vecBytes), scale, t)
			VMOVUPS(t, Mem{Base: d}.Offset(u*vecBytes))
		}
	})
	Label(name + "_scale_tail")
	TESTQ(cnt, cnt)
	JZ(LabelRef(name + "_done"))
	t := a.maskedLoad(Mem{Base: d}, mask)
	VMULPS(t, scale, t)
	a.maskedStore(t, Mem{Base: d}, mask)
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// softmaxMaxAcc is how many running maxima pass one keeps (and how many vectors pass
// three scales per iteration): enough to hide VMAXPS's latency at two loads a cycle.
const softmaxMaxAcc = 4
