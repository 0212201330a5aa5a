package main

import (
	"fmt"
	"math"
	"slices"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// winogradKernels are the transforms of Conv2D's Winograd path (kernels/winograd.go) for
// F(m×m, 3×3), α = m+2, vectorised over channels: the input transform V = Bᵀ d B of one
// α×α tile and the output transform Y = Aᵀ M A of one, with the bias and ReLU. Their
// references are generic.WinogradInput and generic.WinogradOutput, with kernels'
// matrices; each runs a loop over vectors of channels, then one masked vector.
//
// Each transform is two passes through a scratch of α² vectors on the stack (in L1): the
// first mixes the α rows of each column of the tile, the second the α columns of each
// row of the result, storing as it goes. The coefficients are constants of the generator:
// zeros are skipped, ±1 are VADDPS/VSUBPS, the others FMAs with the constant broadcast.
//
// Register plan (also emitted into each kernel's text):
//
//	column / row     α vectors: the pass's inputs, loaded once, used by every output
//	accumulator      1–2 vectors: one output at a time, stored as soon as complete
//	constants        F(2×2): none (every coefficient is 0 or ±1); F(4×4): 8 in Bᵀ, 6 in
//	                 Aᵀ: registers on AVX-512 (32 zmm), RODATA operands on AVX2 (16 ymm:
//	                 6 inputs, 8 constants and the accumulators would not fit; a load per
//	                 FMA rather than spills; registers were not measured against them)
//	floor            output: 0 for ReLU, −Inf for the identity (VMAXPS with it)
//	bias             output: the vector of channels' biases
//	GP               base pointers, strides in bytes (and 3× for the fourth row), a
//	                 running pointer per pass, one for the sixth row
type winogradKernels struct {
	activationKernels
	m   int       // outputs per tile side
	pts []float64 // the α−1 finite interpolation points, as kernels/winograd.go takes them
}

var winogradFamilies = func() []winogradKernels {
	var ks []winogradKernels
	for _, isa := range []string{"AVX2", "AVX512"} {
		a := activationKernels{vectorKernels{isa: isa}}
		ks = append(ks,
			winogradKernels{activationKernels: a, m: 2, pts: []float64{0, 1, -1}},
			winogradKernels{activationKernels: a, m: 4, pts: []float64{0, 1, -1, 0.5, -2}})
	}
	return ks
}()

// transform returns Bᵀ (α×α) and Aᵀ (m×α) of F(m×m, 3×3) on the points pts (the last
// point ∞) by the modified Toom-Cook construction, exactly as kernels' newWinogradTransform
// builds them (the kernels' tests compare these kernels with references on its matrices):
// with M(x) = Π (x − p_j) and L_i(x) = M(x)/(x − p_i), Aᵀ[j][i] = p_i^j (row ∞: e_{m−1})
// and Bᵀ[i][k] the coefficient of x^k in L_i(x) (row ∞: in M(x)); rounded to float32.
func (w winogradKernels) transform() (bt, at [][]float32) {
	alpha := w.m + 2
	poly := func(c []float64, p float64) []float64 {
		r := make([]float64, len(c)+1)
		for k, v := range c {
			r[k+1] += v
			r[k] -= p * v
		}
		return r
	}
	bt, at = make([][]float32, alpha), make([][]float32, w.m)
	for i := range bt {
		bt[i] = make([]float32, alpha)
	}
	for j := range at {
		at[j] = make([]float32, alpha)
	}
	full := []float64{1}
	for _, p := range w.pts {
		full = poly(full, p)
	}
	for i, p := range w.pts {
		li := []float64{1}
		for j, q := range w.pts {
			if j != i {
				li = poly(li, q)
			}
		}
		for k, v := range li {
			bt[i][k] = float32(v)
		}
		pow := 1.0
		for j := range w.m {
			at[j][i] = float32(pow)
			pow *= p
		}
	}
	for k, v := range full {
		bt[alpha-1][k] = float32(v)
	}
	at[w.m-1][alpha-1] = 1
	return bt, at
}

// registerPlan emits the plan above into the kernel's text.
func (w winogradKernels) registerPlan(what string) {
	Comment(fmt.Sprintf("%s of F(%d×%d, 3×3), α = %d: two passes through a stack scratch of", what, w.m, w.m, w.m+2),
		"vectors. Each pass loads α vectors (a column, then a row) and forms one output at a",
		"time in a fresh register, storing it at once; coefficients ±1 are VADDPS/VSUBPS, zeros",
		"skipped, others FMAs with a constant (registers on AVX-512, RODATA on AVX2).")
}

func (w winogradKernels) generate() {
	bt, at := w.transform()
	w.input(bt)
	w.output(at)
}

// The kernels are not NOSPLIT, unlike the others: their scratch (up to α²·64 = 2304 bytes
// for F(4×4) on AVX-512) is more stack than the linker lets a NOSPLIT function take.

func (w winogradKernels) vecBytes() int { return 4 * w.vecLen() }

// constants returns the operands of the coefficients of mats other than 0 and ±1:
// registers loaded here on AVX-512, RODATA vectors on AVX2.
func (w winogradKernels) constants(mats ...[][]float32) map[float32]Op {
	ops := map[float32]Op{}
	var vals []float32
	for _, mat := range mats {
		for _, row := range mat {
			for _, c := range row {
				if c != 0 && c != 1 && c != -1 && ops[c] == nil {
					ops[c] = k(c)
					vals = append(vals, c)
				}
			}
		}
	}
	if w.isa == "AVX512" {
		slices.Sort(vals) // a stable order: the generated code must not depend on map order
		for _, c := range vals {
			r := w.newVec()
			VBROADCASTSS(k(c), r)
			ops[c] = r
		}
	}
	return ops
}

// comb emits Σ_k coef[k]·x[k] and returns the register holding it (one of x when it is a
// single term with coefficient 1). The +1 terms come first, so that the sum starts
// without a multiply; then the others, each an FMA; then the −1 terms. One chain per
// output, not a balanced sum: two halves and their sum measured no faster on AVX-512
// (F(4×4), one 64-channel tile in L1: input 330 against 338 ns, output 142 against 151,
// medians of five interleaved runs; within the noise) and slower on AVX2 (input 453
// against 390 ns, medians of three), which the extra addition costs.
func (w winogradKernels) comb(coef []float32, x []VecVirtual, consts map[float32]Op) VecVirtual {
	var order []int
	for _, pass := range []func(c float32) bool{
		func(c float32) bool { return c == 1 },
		func(c float32) bool { return c != 0 && c != 1 && c != -1 },
		func(c float32) bool { return c == -1 },
	} {
		for k, c := range coef {
			if pass(c) {
				order = append(order, k)
			}
		}
	}
	var acc VecVirtual
	owned := false // whether acc is a register of comb's own, which it may overwrite
	own := func() {
		if !owned {
			d := w.newVec()
			VMOVAPS(acc, d)
			acc, owned = d, true
		}
	}
	for _, k := range order {
		c := coef[k]
		switch {
		case acc == nil && c == 1:
			acc = x[k]
		case acc == nil && c == -1:
			acc, owned = w.newVec(), true
			VXORPS(acc, acc, acc)
			VSUBPS(x[k], acc, acc)
		case acc == nil:
			acc, owned = w.newVec(), true
			w.emit(VMULPS, VMULPS_BCST, consts[c], x[k], acc)
		case c == 1 || c == -1:
			d := acc
			if !owned {
				d, owned = w.newVec(), true
			}
			if c == 1 {
				VADDPS(x[k], acc, d)
			} else {
				VSUBPS(x[k], acc, d)
			}
			acc = d
		default:
			own()
			w.emit(VFMADD231PS, VFMADD231PS_BCST, consts[c], x[k], acc)
		}
	}
	if acc == nil {
		acc = w.newVec()
		VXORPS(acc, acc, acc)
	}
	return acc
}

// columnPass emits a transform's first pass over the α×α tile at base, column x at base
// + x·colStep and its row y rowStep further (rowStep3 = 3·rowStep): T[i][x] = Σ_y
// coef[i][y]·tile[y][x] for every row i of coef, into scratch at (i·α + x)·vb, a column
// of the tile at a time.
func (w winogradKernels) columnPass(coef [][]float32, base, colStep, rowStep, rowStep3 GPVirtual, scratch Mem, mask Register, consts map[float32]Op) {
	alpha, vb := w.m+2, w.vecBytes()
	c, t := GP64(), GP64()
	MOVQ(base, c)
	for x := range alpha {
		if x > 0 {
			ADDQ(colStep, c)
		}
		col := make([]VecVirtual, alpha)
		for y, addr := range column(alpha, c, rowStep, rowStep3, t) {
			col[y] = w.loadVec(addr, mask)
		}
		for i := range coef {
			VMOVUPS(w.comb(coef[i], col, consts), scratch.Offset((i*alpha+x)*vb))
		}
	}
}

// column returns the addresses of the α elements base + y·stride, y < α, with stride3 =
// 3·stride: x86 addressing scales an index by 1, 2 or 4, so the sixth takes a pointer t.
func column(alpha int, base, stride, stride3, t GPVirtual) []Mem {
	addrs := []Mem{
		{Base: base},
		{Base: base, Index: stride, Scale: 1},
		{Base: base, Index: stride, Scale: 2},
		{Base: base, Index: stride3, Scale: 1},
		{Base: base, Index: stride, Scale: 4},
		{Base: t, Index: stride, Scale: 2},
	}
	if alpha > 5 {
		LEAQ(Mem{Base: base, Index: stride3, Scale: 1}, t)
	}
	return addrs[:alpha]
}

// load loads mem, only the lanes of mask when it is not nil.
func (w winogradKernels) loadVec(mem Mem, mask Register) VecVirtual {
	if mask != nil {
		return w.maskedLoad(mem, mask)
	}
	x := w.newVec()
	VMOVUPS(mem, x)
	return x
}

// storeVec stores x to mem, only the lanes of mask when it is not nil.
func (w winogradKernels) storeVec(x VecVirtual, mem Mem, mask Register) {
	if mask != nil {
		w.maskedStore(x, mem, mask)
		return
	}
	VMOVUPS(x, mem)
}

// chunks emits the loop over n channels: whole vectors with body(nil), then the tail
// of n mod vecLen with body(mask); after each vector, advance moves the pointers on.
func (w winogradKernels) chunks(name string, n GPVirtual, body func(mask Register, label string), advance func(bytes int)) {
	Label(name + "_vectors")
	CMPQ(n, U32(w.vecLen()))
	JLT(LabelRef(name + "_tail"))
	body(nil, name+"_v")
	advance(w.vecBytes())
	SUBQ(U32(w.vecLen()), n)
	JMP(LabelRef(name + "_vectors"))
	Label(name + "_tail")
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	body(w.tailMask(n), name+"_t")
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// input emits the input transform: V_ξ = (Bᵀ d B)[i][j], ξ = i·α + j.
func (w winogradKernels) input(bt [][]float32) {
	alpha := w.m + 2
	name := fmt.Sprintf("swinogradIn%dx%d%s", w.m, w.m, w.isa)
	vb := w.vecBytes()
	TEXT(name, 0, "func(n int, src *float32, rowStride, colStride int, dst *float32, ldv int)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets dst[ξ·ldv + c] = V_ξ, ξ = i·%d + j, V = Bᵀ d B the input transform", name, alpha),
		fmt.Sprintf("of F(%d×%d, 3×3), d[y][x] = src[y·rowStride + x·colStride + c], for c < n, n ≥ 1.", w.m, w.m),
		fmt.Sprintf("Its reference is generic.WinogradInput with kernels' Bᵀ (α = %d).", alpha))
	w.registerPlan("Input transform Bᵀ d B")
	scratch := AllocLocal(alpha * alpha * vb) // T = Bᵀ d, T[i][x] at (i·α + x)·vb
	n := Load(Param("n"), GP64()).(GPVirtual)
	src := Load(Param("src"), GP64()).(GPVirtual)
	dst := Load(Param("dst"), GP64()).(GPVirtual)
	rs := Load(Param("rowStride"), GP64()).(GPVirtual)
	cs := Load(Param("colStride"), GP64()).(GPVirtual)
	ldv := Load(Param("ldv"), GP64()).(GPVirtual)
	SHLQ(U8(2), rs)
	SHLQ(U8(2), cs)
	SHLQ(U8(2), ldv)
	rs3 := GP64()
	LEAQ(Mem{Base: rs, Index: rs, Scale: 2}, rs3)
	consts := w.constants(bt)
	w.chunks(name, n, func(mask Register, _ string) {
		// Pass 1: T[i][x] = Σ_y Bᵀ[i][y]·d[y][x].
		w.columnPass(bt, src, cs, rs, rs3, scratch, mask, consts)
		// Pass 2: V[i][j] = Σ_x T[i][x]·Bᵀ[j][x], a row i of T at a time, stored in ξ order.
		o := GP64()
		MOVQ(dst, o)
		for i := range alpha {
			row := make([]VecVirtual, alpha)
			for x := range row {
				row[x] = w.newVec()
				VMOVUPS(scratch.Offset((i*alpha+x)*vb), row[x])
			}
			for j := range alpha {
				if i+j > 0 {
					ADDQ(ldv, o)
				}
				w.storeVec(w.comb(bt[j], row, consts), Mem{Base: o}, mask)
			}
		}
	}, func(bytes int) {
		ADDQ(U32(bytes), src)
		ADDQ(U32(bytes), dst)
	})
}

// output emits the output transform: Y = Aᵀ M A, M[y][x] = M_ξ, ξ = y·α + x, then
// act(Y + bias) into the rows × cols corner of the tile at dst.
func (w winogradKernels) output(at [][]float32) {
	alpha, m := w.m+2, w.m
	name := fmt.Sprintf("swinogradOut%dx%d%s", w.m, w.m, w.isa)
	vb := w.vecBytes()
	TEXT(name, 0, "func(n int, src *float32, ldm int, dst *float32, ldDst, pixelStride int, bias *float32, relu bool, rows, cols int)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets dst[y·ldDst + x·pixelStride + c] = act(Y[y][x] + bias[c]) for y < rows,", name),
		fmt.Sprintf("x < cols, c < n (1 ≤ rows, cols ≤ %d, n ≥ 1), Y = Aᵀ M A the output transform of", m),
		fmt.Sprintf("F(%d×%d, 3×3), M[y][x] = src[(y·%d + x)·ldm + c], act = max(·, 0) when relu (NaN stays", m, m, alpha),
		"NaN), else the identity. It writes nothing else.",
		fmt.Sprintf("Its reference is generic.WinogradOutput with kernels' Aᵀ (α = %d).", alpha))
	w.registerPlan("Output transform Aᵀ M A, with bias and ReLU,")
	scratch := AllocLocal(m * alpha * vb) // P = Aᵀ M, P[j][x] at (j·α + x)·vb
	n := Load(Param("n"), GP64()).(GPVirtual)
	src := Load(Param("src"), GP64()).(GPVirtual)
	dst := Load(Param("dst"), GP64()).(GPVirtual)
	bias := Load(Param("bias"), GP64()).(GPVirtual)
	ldm := Load(Param("ldm"), GP64()).(GPVirtual)
	ldDst := Load(Param("ldDst"), GP64()).(GPVirtual)
	ps := Load(Param("pixelStride"), GP64()).(GPVirtual)
	SHLQ(U8(2), ldm)
	SHLQ(U8(2), ldDst)
	SHLQ(U8(2), ps)
	rowM, rowM3 := GP64(), GP64() // M's rows: α·ldm bytes apart
	IMUL3Q(U8(alpha), ldm, rowM)
	LEAQ(Mem{Base: rowM, Index: rowM, Scale: 2}, rowM3)
	// floor: ReLU is max(·, 0); without it max(·, −Inf), the identity (VMAXPS returns its
	// Go first operand, the value, when either is NaN).
	floor := w.newVec()
	VBROADCASTSS(k(float32(math.Inf(-1))), floor)
	relu := GP32()
	MOVBLZX(paramAddr("relu"), relu)
	TESTL(relu, relu)
	JZ(LabelRef(name + "_linear"))
	VXORPS(floor, floor, floor)
	Label(name + "_linear")
	consts := w.constants(at)
	w.chunks(name, n, func(mask Register, label string) {
		// Pass 1: P[j][x] = Σ_y Aᵀ[j][y]·M[y][x].
		w.columnPass(at, src, ldm, rowM, rowM3, scratch, mask, consts)
		// Pass 2: Y[j][i] = Σ_x P[j][x]·Aᵀ[i][x], a row j of P at a time, for the rows and
		// columns asked for; a column i is at o + i·pixelStride, o the row's start.
		b := w.loadVec(Mem{Base: bias}, mask)
		o, t := GP64(), GP64() // t: the fourth column of a row, o + 3·pixelStride
		MOVQ(dst, o)
		for j := range m {
			if j > 0 {
				CMPQ(paramAddr("rows"), I8(j))
				JLE(LabelRef(label + "_stored"))
				ADDQ(ldDst, o)
			}
			row := make([]VecVirtual, alpha)
			for x := range row {
				row[x] = w.newVec()
				VMOVUPS(scratch.Offset((j*alpha+x)*vb), row[x])
			}
			addrs := []Mem{{Base: o}, {Base: o, Index: ps, Scale: 1}, {Base: o, Index: ps, Scale: 2}, {Base: t, Index: ps, Scale: 2}}
			for i := range m {
				if i > 0 {
					CMPQ(paramAddr("cols"), I8(i))
					JLE(LabelRef(fmt.Sprintf("%s_row%d", label, j)))
				}
				if i == 3 {
					LEAQ(Mem{Base: o, Index: ps, Scale: 1}, t)
				}
				y := w.comb(at[i], row, consts)
				sum := w.newVec()
				VADDPS(b, y, sum)
				VMAXPS(sum, floor, sum)
				w.storeVec(sum, addrs[i], mask)
			}
			Label(fmt.Sprintf("%s_row%d", label, j))
		}
		Label(label + "_stored")
	}, func(bytes int) {
		ADDQ(U32(bytes), src)
		ADDQ(U32(bytes), dst)
		ADDQ(U32(bytes), bias)
	})
}
