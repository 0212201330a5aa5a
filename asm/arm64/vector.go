package main

import "fmt"

// The NEON level-1 and epilogue kernels: dot, dot4 (the transposed GEMV, four rows of a
// matrix against x), axpy, axpy4 (the GEMV, four rows of a matrix into y), biasAct (the
// layers' bias and ReLU) and copy2D (im2col's and packing's strided copy). Each streams
// its operands once, so each only has to keep the load pipes busy: a block of
// vectorBlock q registers per operand per iteration, one LD1 of four registers each, and
// for dot independent accumulators to cover the FMLA latency. The last n mod 4 floats go
// through LDR d (two floats) and LDR s (one), which clear the other lanes: nothing is read
// or written past n. Their references are generic's functions of the same name.

// vectorBlock is the q registers per operand per iteration of the block loops: two LD1 of
// four registers. Dot's 8 accumulators are 8 FMLA chains: 2 loads per FMLA let at most
// 1.5 FMLA a cycle start (3 load pipes, Neoverse V1), which 6 chains of latency 4 cover.
const vectorBlock = 8

// vector is a level-1 kernel being emitted: its function and register allocators.
type vector struct {
	f    *Func
	gp   gpAllocator
	next VReg
}

func newVector(name string, doc []string, params ...Param) *vector {
	return &vector{f: NewFunc(name, doc, params...)}
}

func (v *vector) reg() Reg { return v.gp.get() }

func (v *vector) vregs(n int) []VReg {
	vs := make([]VReg, n)
	for i := range vs {
		if v.next > 31 {
			panic(v.f.name + ": out of vector registers")
		}
		vs[i] = v.next
		v.next++
	}
	return vs
}

// ld1 loads vs from (ptr) and advances ptr past them: LDP q pairs (and an LDR q) by offset,
// then one ADD. A chain of post-indexed LD1s is a chain of their write-backs (5 cycles each
// in LLVM's Apple M1 model); an ADD takes 1.
func (v *vector) ld1(ptr Reg, vs []VReg) {
	for j := 0; j < len(vs); j += 2 {
		if j+1 < len(vs) {
			v.f.FLDPQ(16*j, ptr, vs[j], vs[j+1])
		} else {
			v.f.FMOVQLoadOff(16*j, ptr, vs[j])
		}
	}
	v.f.ADDConst(16*len(vs), ptr)
}

// st1 stores vs to (ptr) and advances ptr past them, four registers per post-indexed ST1:
// STP q takes twice the store slots of ST1 in Neoverse N1's model, and stores end no chain.
func (v *vector) st1(ptr Reg, vs []VReg) {
	for len(vs) > 0 {
		n := min(4, len(vs))
		v.f.VST1P(ptr, vs[:n]...)
		vs = vs[n:]
	}
}

// width is how many floats of each operand one step of a stream handles: a number of q
// registers, or 2 or 1 lanes of one.
type width struct {
	vectors int // q registers; 0 for a part of one
	floats  int // floats in all
}

// ld loads w floats from (ptr) into vs[0..], advancing ptr: whole registers by LD1, two
// floats by LDR d, one by LDR s (lanes past them cleared).
func (v *vector) ld(w width, ptr Reg, vs []VReg) {
	switch {
	case w.vectors > 0:
		v.ld1(ptr, vs[:w.vectors])
	case w.floats == 2:
		v.f.FMOVDLoadP(ptr, vs[0])
	default:
		v.f.FMOVSLoadP(ptr, vs[0])
	}
}

// st stores w floats from vs[0..] to (ptr), advancing ptr.
func (v *vector) st(w width, ptr Reg, vs []VReg) {
	switch {
	case w.vectors > 0:
		v.st1(ptr, vs[:w.vectors])
	case w.floats == 2:
		v.f.FMOVDStoreP(vs[0], ptr)
	default:
		v.f.FMOVSStoreP(vs[0], ptr)
	}
}

// regsOf is how many registers w spans.
func (w width) regs() int { return max(w.vectors, 1) }

// stream emits the loops over the n floats counted by left (which it counts down to
// n mod 4): blocks of block q registers while they fit, then single q registers, then two
// floats if bit 1 of n is set and one if bit 0 is. body emits one step of the given width;
// the stream ends at label name+"Done".
func (v *vector) stream(name string, left Reg, block int, body func(w width)) {
	f := v.f
	for _, vectors := range []int{block, 1} {
		floats := vectors * lanes
		loop := fmt.Sprintf("%s%d", name, vectors)
		f.SUBS(floats, left)
		f.BLT(loop + "Rest")
		f.Label(loop)
		body(width{vectors: vectors, floats: floats})
		f.SUBS(floats, left)
		f.BGE(loop)
		f.Label(loop + "Rest")
		f.ADDConst(floats, left)
	}
	f.TBZ(1, left, name+"No2")
	body(width{floats: 2})
	f.Label(name + "No2")
	f.TBZ(0, left, name+"Done")
	body(width{floats: 1})
	f.Label(name + "Done")
}

// sumInto adds vs pairwise into vs[0].
func (v *vector) sumInto(vs []VReg) {
	for step := 1; step < len(vs); step *= 2 {
		for i := 0; i+step < len(vs); i += 2 * step {
			v.f.FADD(vs[i], vs[i], vs[i+step])
		}
	}
}

var vectorKernels = []func() *Func{dotNEON, dot4NEON, axpyNEON, axpy4NEON, biasActNEON, copy2DNEON}

var (
	pInt = func(name string) Param { return Param{Name: name, Type: "int", Size: 8} }
	pPtr = func(name string) Param { return Param{Name: name, Type: "*float32", Size: 8} }
)

// dotNEON: vectorBlock accumulators, x and y a block each per iteration.
func dotNEON() *Func {
	v := newVector("sdotNEON", []string{
		"sdotNEON returns Σ x[i]·y[i] over i < n, n ≥ 0, reading nothing past x[n-1] or y[n-1].",
		"Its reference is generic.Dot.",
	}, pInt("n"), pPtr("x"), pPtr("y"))
	f := v.f
	f.Returns("ret", "float32", 4)
	left, x, y := v.reg(), v.reg(), v.reg()
	acc, xs, ys := v.vregs(vectorBlock), v.vregs(vectorBlock), v.vregs(vectorBlock)
	f.Comment(
		"Register plan:",
		fmt.Sprintf("  acc[u]  %s  %d independent sums: vector u of each block, the tails into acc[0]", vspan(acc), vectorBlock),
		fmt.Sprintf("  xs ys   %s %s  a block of x and of y", vspan(xs), vspan(ys)),
		fmt.Sprintf("  n x y   %s  floats left, pointers", gspan([]Reg{left, x, y})),
	)
	f.MOVD(f.Arg("n"), left)
	f.MOVD(f.Arg("x"), x)
	f.MOVD(f.Arg("y"), y)
	for _, a := range acc {
		f.VZero(a)
	}
	v.stream("dot", left, vectorBlock, func(w width) {
		v.ld(w, x, xs)
		v.ld(w, y, ys)
		for u := range w.regs() {
			f.VFMLA(acc[u], xs[u], ys[u])
		}
	})
	v.sumInto(acc)
	f.Comment("Horizontal sum: two pairwise adds leave it in every lane.")
	f.FADDP(acc[0], acc[0], acc[0])
	f.FADDP(acc[0], acc[0], acc[0])
	f.FMOVSStoreArg(acc[0], f.Arg("ret"))
	f.RET()
	return f
}

// dot4Block is dot4's q registers per row per iteration: 4 rows × 4 accumulators are 16
// FMLA chains, and 20 loads per 16 FMLA keep them load-bound.
const dot4Block = 4

// dot4NEON: acc[r][u] for row r and vector u of a block.
func dot4NEON() *Func {
	v := newVector("sdot4NEON", []string{
		"sdot4NEON sets out[r] = Σ x[i]·a[r·lda+i] over i < n for r < 4, n ≥ 0, reading n floats",
		"of x and of each row and writing the four of out. Its reference is generic.Dot4.",
	}, pInt("n"), pPtr("x"), pPtr("a"), pInt("lda"), pPtr("out"))
	f := v.f
	left, x, lda := v.reg(), v.reg(), v.reg()
	rows := []Reg{v.reg(), v.reg(), v.reg(), v.reg()}
	var acc [4][]VReg
	for r := range acc {
		acc[r] = v.vregs(dot4Block)
	}
	xs, as := v.vregs(dot4Block), v.vregs(dot4Block)
	f.Comment(
		"Register plan:",
		fmt.Sprintf("  acc[r][u]  %s  row r's sums: vector u of each block, the tails into acc[r][0]", vspan([]VReg{acc[0][0], acc[3][dot4Block-1]})),
		fmt.Sprintf("  xs         %s  a block of x", vspan(xs)),
		fmt.Sprintf("  as         %s  a block of one row, reused row after row (renamed)", vspan(as)),
		fmt.Sprintf("  rows[r]    %s  row pointers", gspan(rows)),
		fmt.Sprintf("  n x lda    %s  floats left, x, row stride in bytes", gspan([]Reg{left, x, lda})),
	)
	f.MOVD(f.Arg("n"), left)
	f.MOVD(f.Arg("x"), x)
	f.MOVD(f.Arg("a"), rows[0])
	f.MOVD(f.Arg("lda"), lda)
	f.LSL(2, lda)
	for r := 1; r < 4; r++ {
		f.ADD(lda, rows[r-1], rows[r])
	}
	for _, row := range acc {
		for _, a := range row {
			f.VZero(a)
		}
	}
	v.stream("dot4", left, dot4Block, func(w width) {
		v.ld(w, x, xs)
		for r, row := range rows {
			v.ld(w, row, as)
			for u := range w.regs() {
				f.VFMLA(acc[r][u], xs[u], as[u])
			}
		}
	})
	for r := range acc {
		v.sumInto(acc[r])
	}
	f.Comment("out = the horizontal sums of acc[0..3][0], by pairwise adds.")
	f.FADDP(acc[0][0], acc[0][0], acc[1][0])
	f.FADDP(acc[2][0], acc[2][0], acc[3][0])
	f.FADDP(acc[0][0], acc[0][0], acc[2][0])
	out := x
	f.MOVD(f.Arg("out"), out)
	f.VST1(out, acc[0][0])
	f.RET()
	return f
}

// axpyNEON: y loaded, alpha·x added by element, y stored, a block at a time.
func axpyNEON() *Func {
	v := newVector("saxpyNEON", []string{
		"saxpyNEON computes y[i] += alpha·x[i] for i < n, n ≥ 0, touching nothing past x[n-1]",
		"or y[n-1]. Its reference is generic.Axpy.",
	}, pInt("n"), Param{Name: "alpha", Type: "float32", Size: 4}, pPtr("x"), pPtr("y"))
	f := v.f
	left, x, y, yOut := v.reg(), v.reg(), v.reg(), v.reg()
	alpha := v.vregs(1)[0]
	xs, ys := v.vregs(vectorBlock), v.vregs(vectorBlock)
	f.Comment(
		"Register plan:",
		fmt.Sprintf("  alpha   %s  lane 0", alpha),
		fmt.Sprintf("  xs ys   %s %s  a block of x and of y", vspan(xs), vspan(ys)),
		fmt.Sprintf("  n x y   %s  floats left, pointers; y is read at %s and written at %s", gspan([]Reg{left, x, y, yOut}), y, yOut),
	)
	f.MOVD(f.Arg("n"), left)
	f.FMOVSArg(f.Arg("alpha"), alpha)
	f.MOVD(f.Arg("x"), x)
	f.MOVD(f.Arg("y"), y)
	f.MOVReg(y, yOut)
	v.stream("axpy", left, vectorBlock, func(w width) {
		v.ld(w, x, xs)
		v.ld(w, y, ys)
		for u := range w.regs() {
			f.FMLAElem(ys[u], xs[u], alpha, 0)
		}
		v.st(w, yOut, ys)
	})
	f.RET()
	return f
}

// axpy4Block is axpy4's q registers of y per iteration: 4 × (1 + 4 rows) loads and 4
// stores for 16 FMLA.
const axpy4Block = 4

// axpy4NEON: x[0..3] in one register used by element; a block of y, and of each row in
// turn, per iteration.
func axpy4NEON() *Func {
	v := newVector("saxpy4NEON", []string{
		"saxpy4NEON computes y[j] += x[0]·b[j] + x[1]·b[ldb+j] + x[2]·b[2·ldb+j] + x[3]·b[3·ldb+j]",
		"for j < n, n ≥ 0, reading x[0..3], n floats of each row of b and touching nothing past",
		"y[n-1]. Its reference is generic.Axpy4.",
	}, pInt("n"), pPtr("x"), pPtr("b"), pInt("ldb"), pPtr("y"))
	f := v.f
	left, ldb, y, yOut := v.reg(), v.reg(), v.reg(), v.reg()
	rows := []Reg{v.reg(), v.reg(), v.reg(), v.reg()}
	xv := v.vregs(1)[0]
	ys, bs := v.vregs(axpy4Block), v.vregs(axpy4Block)
	f.Comment(
		"Register plan:",
		fmt.Sprintf("  xv        %s  x[0..3], used by element", xv),
		fmt.Sprintf("  ys        %s  a block of y, the sums", vspan(ys)),
		fmt.Sprintf("  bs        %s  a block of one row of b, reused row after row (renamed)", vspan(bs)),
		fmt.Sprintf("  rows[r]   %s  row pointers", gspan(rows)),
		fmt.Sprintf("  n ldb y   %s  floats left, row stride in bytes, y read at %s and written at %s", gspan([]Reg{left, ldb, y, yOut}), y, yOut),
	)
	f.MOVD(f.Arg("n"), left)
	f.MOVD(f.Arg("x"), rows[0])
	f.VLD1(rows[0], xv)
	f.MOVD(f.Arg("b"), rows[0])
	f.MOVD(f.Arg("ldb"), ldb)
	f.LSL(2, ldb)
	for r := 1; r < 4; r++ {
		f.ADD(ldb, rows[r-1], rows[r])
	}
	f.MOVD(f.Arg("y"), y)
	f.MOVReg(y, yOut)
	v.stream("axpy4", left, axpy4Block, func(w width) {
		v.ld(w, y, ys)
		for r, row := range rows {
			v.ld(w, row, bs)
			for u := range w.regs() {
				f.FMLAElem(ys[u], bs[u], xv, r)
			}
		}
		v.st(w, yOut, ys)
	})
	f.RET()
	return f
}

// biasActNEON: row by row, a block of the row and of bias per iteration; the ReLU and the
// linear loops are emitted apart, so the choice is made once.
func biasActNEON() *Func {
	v := newVector("sbiasActNEON", []string{
		"sbiasActNEON sets c[i*ldc + j] = act(c[i*ldc + j] + bias[j]) for i < m, j < n, m, n ≥ 1,",
		"act max(·, 0) when relu (FMAX: NaN stays NaN, and -0 becomes +0, which compares equal),",
		"the identity otherwise, touching nothing past each row's n floats. Its reference is",
		"generic.BiasAct.",
	}, pInt("m"), pInt("n"), pPtr("c"), pInt("ldc"), pPtr("bias"), Param{Name: "relu", Type: "bool", Size: 1})
	f := v.f
	rowsLeft, n, cRow, ldc, biasRow, left, cIn, cOut, bias, relu := v.reg(), v.reg(), v.reg(), v.reg(), v.reg(), v.reg(), v.reg(), v.reg(), v.reg(), v.reg()
	zero := v.vregs(1)[0]
	cs, bs := v.vregs(vectorBlock), v.vregs(vectorBlock)
	f.Comment(
		"Register plan:",
		fmt.Sprintf("  zero      %s  +0, for FMAX", zero),
		fmt.Sprintf("  cs bs     %s %s  a block of a row of c, of bias", vspan(cs), vspan(bs)),
		fmt.Sprintf("  m n       %s  rows left, floats per row", gspan([]Reg{rowsLeft, n})),
		fmt.Sprintf("  cRow ldc  %s  the row, row stride in bytes", gspan([]Reg{cRow, ldc})),
		fmt.Sprintf("  bias      %s  bias", biasRow),
		fmt.Sprintf("  left cIn cOut b  %s  along a row: floats left, c read, c written, bias", gspan([]Reg{left, cIn, cOut, bias})),
		fmt.Sprintf("  relu      %s", relu),
	)
	f.MOVD(f.Arg("m"), rowsLeft)
	f.MOVD(f.Arg("n"), n)
	f.MOVD(f.Arg("c"), cRow)
	f.MOVD(f.Arg("ldc"), ldc)
	f.LSL(2, ldc)
	f.MOVD(f.Arg("bias"), biasRow)
	f.VZero(zero)
	f.MOVBU(f.Arg("relu"), relu)
	f.CBZW(relu, "linear")
	for _, withReLU := range []bool{true, false} {
		name := "relu"
		if !withReLU {
			name = "linear"
			f.Label(name)
		}
		f.Label(name + "Row")
		f.MOVReg(n, left)
		f.MOVReg(cRow, cIn)
		f.MOVReg(cRow, cOut)
		f.MOVReg(biasRow, bias)
		v.stream(name, left, vectorBlock, func(w width) {
			v.ld(w, cIn, cs)
			v.ld(w, bias, bs)
			for u := range w.regs() {
				f.FADD(cs[u], cs[u], bs[u])
				if withReLU {
					f.FMAX(cs[u], cs[u], zero)
				}
			}
			v.st(w, cOut, cs)
		})
		f.ADD(ldc, cRow, cRow)
		f.SUBS(1, rowsLeft)
		f.BNE(name + "Row")
		f.RET()
	}
	return f
}

// copy2DNEON: row by row, a block per iteration.
func copy2DNEON() *Func {
	v := newVector("scopy2DNEON", []string{
		"scopy2DNEON copies rows runs of cols floats: dst[i*ldd + j] = src[i*lds + j] for i < rows,",
		"j < cols, rows, cols ≥ 1, touching nothing past each run. Its reference is generic.Copy2D.",
	}, pInt("rows"), pInt("cols"), pPtr("src"), pInt("lds"), pPtr("dst"), pInt("ldd"))
	f := v.f
	rowsLeft, cols, srcRow, lds, dstRow, ldd, left, src, dst := v.reg(), v.reg(), v.reg(), v.reg(), v.reg(), v.reg(), v.reg(), v.reg(), v.reg()
	vs := v.vregs(vectorBlock)
	f.Comment(
		"Register plan:",
		fmt.Sprintf("  vs        %s  a block of a run", vspan(vs)),
		fmt.Sprintf("  rows cols %s  runs left, floats per run", gspan([]Reg{rowsLeft, cols})),
		fmt.Sprintf("  src lds dst ldd  %s  row starts, strides in bytes", gspan([]Reg{srcRow, lds, dstRow, ldd})),
		fmt.Sprintf("  left s d  %s  along a run: floats left, pointers", gspan([]Reg{left, src, dst})),
	)
	f.MOVD(f.Arg("rows"), rowsLeft)
	f.MOVD(f.Arg("cols"), cols)
	f.MOVD(f.Arg("src"), srcRow)
	f.MOVD(f.Arg("lds"), lds)
	f.LSL(2, lds)
	f.MOVD(f.Arg("dst"), dstRow)
	f.MOVD(f.Arg("ldd"), ldd)
	f.LSL(2, ldd)
	f.Label("row")
	f.MOVReg(cols, left)
	f.MOVReg(srcRow, src)
	f.MOVReg(dstRow, dst)
	v.stream("copy", left, vectorBlock, func(w width) {
		v.ld(w, src, vs)
		v.st(w, dst, vs)
	})
	f.ADD(lds, srcRow, srcRow)
	f.ADD(ldd, dstRow, dstRow)
	f.SUBS(1, rowsLeft)
	f.BNE("row")
	f.RET()
	return f
}
