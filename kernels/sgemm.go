package kernels

import "sync"

// Sgemm computes C = alpha*op(A)*op(B) + beta*C for row-major float32 matrices,
// op(X) = X, or Xᵀ when trans is true. op(A) is m×k, op(B) is k×n, C is m×n.
// Argument checks and panics follow gonum's blas.Float32Level3.Sgemm; beta == 0
// means C is not read (NaN in C does not propagate).
func Sgemm(transA, transB bool, m, n, k int, alpha float32,
	a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkSgemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if alpha == 0 || k == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	g := gemm{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
		a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, impl: active}
	switch {
	case m == 1 || n == 1:
		g.gemv()
	case g.isSmall():
		g.unpacked()
	default:
		g.packed()
	}
}

// checkSgemm panics, in gonum's order and with its wording, on the first bad argument.
func checkSgemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	switch {
	case m < 0:
		panic(mLT0)
	case n < 0:
		panic(nLT0)
	case k < 0:
		panic(kLT0)
	}
	rowA, colA := m, k
	if transA {
		rowA, colA = k, m
	}
	rowB, colB := k, n
	if transB {
		rowB, colB = n, k
	}
	switch {
	case lda < max(1, colA):
		panic(badLdA)
	case ldb < max(1, colB):
		panic(badLdB)
	case ldc < max(1, n):
		panic(badLdC)
	}
	if m == 0 || n == 0 {
		return
	}
	switch {
	case rowA > 0 && colA > 0 && len(a) < lda*(rowA-1)+colA:
		panic(shortA)
	case rowB > 0 && colB > 0 && len(b) < ldb*(rowB-1)+colB:
		panic(shortB)
	case len(c) < ldc*(m-1)+n:
		panic(shortC)
	}
}

// scaleC sets C = beta*C, without reading C when beta == 0.
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// gemm is one Sgemm call, checked, with at least one full multiply to do.
type gemm struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
	impl           impl
}

// isSmall reports whether the call goes straight to the micro-kernel on A and B in
// place: packing costs O(mk + kn) copies that a product this small does not win back,
// because its panels already fit in L1/L2 as they are. op(B) must have unit column
// stride, which only an untransposed B has.
func (g *gemm) isSmall() bool {
	bl := g.impl.blocking
	return !g.transB && g.k <= bl.KC && g.m <= bl.MC && g.n <= bl.NC
}

// aStrides gives op(A)'s element strides: (i, p) is at a[i*rs + p*cs].
func (g *gemm) aStrides() (rs, cs int) {
	if g.transA {
		return 1, g.lda
	}
	return g.lda, 1
}

// unpacked runs the micro-kernel over A and B in place. Only edge tiles copy: the rows of
// an edge row-panel or the columns of an edge column-panel go to a zero-padded scratch
// panel, so that the kernel never reads past a slice.
func (g *gemm) unpacked() {
	mr, nr := g.impl.kernel.mr, g.impl.kernel.nr
	k := g.k
	s := getScratch(mr*k + k*nr)
	defer putScratch(s)
	edgeA, edgeB := s.buf[:mr*k], s.buf[mr*k:]
	rsA, csA := g.aStrides()
	fullM := g.m / mr * mr
	if fullM < g.m {
		packA(edgeA, g.transA, g.a, g.lda, fullM, 0, g.m-fullM, k, mr)
	}
	for j := 0; j < g.n; j += nr {
		cols := min(nr, g.n-j)
		b, rsB := g.b[j:], g.ldb
		if cols < nr {
			packB(edgeB, false, g.b, g.ldb, 0, j, k, cols, nr)
			b, rsB = edgeB, nr
		}
		for i := 0; i < g.m; i += mr {
			rows := min(mr, g.m-i)
			c := g.c[i*g.ldc+j:]
			if rows < mr {
				g.impl.kernel.tile(k, edgeA, 1, mr, b, rsB, c, g.ldc, g.alpha, g.beta, rows, cols)
				continue
			}
			g.impl.kernel.tile(k, g.a[i*rsA:], rsA, csA, b, rsB, c, g.ldc, g.alpha, g.beta, rows, cols)
		}
	}
}

// packed is the GotoBLAS/BLIS algorithm: for each NC-column block of op(B) and each
// KC-deep slice of it, pack that KC×NC block of op(B) into NR-column panels (L3); for
// each MC-row block of op(A), pack its MC×KC block into MR-row panels (L2); then sweep
// the micro-kernel over every MR×NR tile, each B panel staying in L1 while the A panels
// pass it.
func (g *gemm) packed() {
	bl := g.impl.blocking
	mr, nr := bl.MR, bl.NR
	kcMax := min(bl.KC, g.k)
	mcMax := min(bl.MC, roundUp(g.m, mr))
	ncMax := min(bl.NC, roundUp(g.n, nr))
	s := getScratch(mcMax*kcMax + kcMax*ncMax)
	defer putScratch(s)
	packedA, packedB := s.buf[:mcMax*kcMax], s.buf[mcMax*kcMax:]

	for jc := 0; jc < g.n; jc += bl.NC {
		nc := min(bl.NC, g.n-jc)
		for pc, kc := 0, 0; pc < g.k; pc += kc {
			kc = balancedStep(g.k-pc, bl.KC)
			beta := g.beta
			if pc > 0 {
				beta = 1 // later slices of k accumulate onto the first's result
			}
			packB(packedB, g.transB, g.b, g.ldb, pc, jc, kc, nc, nr)
			for ic := 0; ic < g.m; ic += bl.MC {
				mc := min(bl.MC, g.m-ic)
				packA(packedA, g.transA, g.a, g.lda, ic, pc, mc, kc, mr)
				g.macroKernel(packedA, packedB, ic, jc, mc, nc, kc, beta)
			}
		}
	}
}

// macroKernel sweeps the micro-kernel over the packed mc×kc block of A and kc×nc block of
// B, updating C[ic:ic+mc, jc:jc+nc].
func (g *gemm) macroKernel(packedA, packedB []float32, ic, jc, mc, nc, kc int, beta float32) {
	kern := g.impl.kernel
	mr, nr := kern.mr, kern.nr
	for jr := 0; jr < nc; jr += nr {
		bPanel := packedB[jr*kc:]
		for ir := 0; ir < mc; ir += mr {
			c := g.c[(ic+ir)*g.ldc+jc+jr:]
			kern.tile(kc, packedA[ir*kc:], 1, mr, bPanel, nr, c, g.ldc, g.alpha, beta, min(mr, mc-ir), min(nr, nc-jr))
		}
	}
}

// balancedStep splits the remaining length into steps of at most limit that are as equal
// as possible, and returns the next one: k = limit+1 becomes two halves, not limit and a
// sliver that would run the micro-kernel at a fraction of its speed.
func balancedStep(remaining, limit int) int {
	steps := (remaining + limit - 1) / limit
	return (remaining + steps - 1) / steps
}

func roundUp(v, multiple int) int { return (v + multiple - 1) / multiple * multiple }

// packA copies op(A)[i0:i0+mc, p0:p0+kc] into MR-row panels: panel r holds rows
// r*MR..r*MR+MR-1 with element (i, p) at dst[r*MR*kc + p*MR + i]. Rows past mc in the
// last panel are zero, so that the micro-kernel may read a whole panel.
func packA(dst []float32, transA bool, a []float32, lda, i0, p0, mc, kc, mr int) {
	for ir := 0; ir < mc; ir += mr {
		panel := dst[ir*kc : ir*kc+mr*kc]
		rows := min(mr, mc-ir)
		if transA {
			for p := 0; p < kc; p++ {
				src := a[(p0+p)*lda+i0+ir:]
				copy(panel[p*mr:p*mr+rows], src[:rows])
				clear(panel[p*mr+rows : p*mr+mr])
			}
			continue
		}
		for i := 0; i < rows; i++ {
			src := a[(i0+ir+i)*lda+p0:]
			src = src[:kc]
			for p, v := range src {
				panel[p*mr+i] = v
			}
		}
		for i := rows; i < mr; i++ {
			for p := 0; p < kc; p++ {
				panel[p*mr+i] = 0
			}
		}
	}
}

// packB copies op(B)[p0:p0+kc, j0:j0+nc] into NR-column panels: panel r holds columns
// r*NR..r*NR+NR-1 with element (p, j) at dst[r*NR*kc + p*NR + j]. Columns past nc in the
// last panel are zero.
func packB(dst []float32, transB bool, b []float32, ldb, p0, j0, kc, nc, nr int) {
	for jr := 0; jr < nc; jr += nr {
		panel := dst[jr*kc : jr*kc+nr*kc]
		cols := min(nr, nc-jr)
		if !transB {
			for p := 0; p < kc; p++ {
				src := b[(p0+p)*ldb+j0+jr:]
				copy(panel[p*nr:p*nr+cols], src[:cols])
				clear(panel[p*nr+cols : p*nr+nr])
			}
			continue
		}
		for j := 0; j < cols; j++ {
			src := b[(j0+jr+j)*ldb+p0:]
			src = src[:kc]
			for p, v := range src {
				panel[p*nr+j] = v
			}
		}
		for j := cols; j < nr; j++ {
			for p := 0; p < kc; p++ {
				panel[p*nr+j] = 0
			}
		}
	}
}

// scratch is a pooled float32 buffer: packing panels live here, so that steady-state
// calls allocate nothing.
type scratch struct{ buf []float32 }

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// getScratch returns a buffer of exactly n floats, its contents undefined.
func getScratch(n int) *scratch {
	s := scratchPool.Get().(*scratch)
	if cap(s.buf) < n {
		s.buf = make([]float32, n)
	}
	s.buf = s.buf[:n]
	return s
}

func putScratch(s *scratch) { scratchPool.Put(s) }
