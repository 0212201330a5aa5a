package kernels

// gemv handles m == 1 or n == 1: a matrix-vector product, which streams the matrix once
// and is bound by memory bandwidth, not by FMAs. Register tiles would waste all but one
// row (or column) of their FMAs; dot products and axpys over contiguous rows do not.
func (g *gemm) gemv() {
	if g.m == 1 {
		g.rowTimesMatrix()
	} else {
		g.matrixTimesColumn()
	}
}

// rowTimesMatrix: C (1×n) = alpha·x·op(B) + beta·C, x = op(A), 1×k.
func (g *gemm) rowTimesMatrix() {
	_, csA := g.aStrides()
	s := getScratch(g.k + g.n)
	defer putScratch(s)
	x, acc := gather(s.buf[:g.k], g.a, csA), s.buf[g.k:]
	if g.transB {
		// op(B) column j is row j of B: contiguous.
		for j := range acc {
			acc[j] = g.impl.dot(x, g.b[j*g.ldb:])
		}
	} else {
		g.impl.rowsTimes(x, g.b, g.ldb, acc)
	}
	combine(g.c[:g.n], 1, acc, g.alpha, g.beta)
}

// matrixTimesColumn: C (m×1) = alpha·op(A)·y + beta·C, y = op(B), k×1.
func (g *gemm) matrixTimesColumn() {
	ysStride := g.ldb // op(B)(p, 0) = b[p*ldb]
	if g.transB {
		ysStride = 1 // B is 1×k: op(B)(p, 0) = b[p]
	}
	s := getScratch(g.k + g.m)
	defer putScratch(s)
	y, acc := gather(s.buf[:g.k], g.b, ysStride), s.buf[g.k:]
	if g.transA {
		// op(A) column p is row p of A: contiguous.
		g.impl.rowsTimes(y, g.a, g.lda, acc)
	} else {
		for i := range acc {
			acc[i] = g.impl.dot(y, g.a[i*g.lda:])
		}
	}
	combine(g.c, g.ldc, acc, g.alpha, g.beta)
}

// rowsTimes sets acc = x·M, M the len(x)×len(acc) row-major matrix m with leading
// dimension ldm: the sum of M's rows scaled by x, four rows per pass over acc.
func (im *impl) rowsTimes(x, m []float32, ldm int, acc []float32) {
	clear(acc)
	n, p := len(acc), 0
	for ; p+4 <= len(x); p += 4 {
		im.axpy4(x[p:p+4], m[p*ldm:], ldm, acc)
	}
	for ; p < len(x); p++ {
		im.axpy(x[p], m[p*ldm:p*ldm+n], acc)
	}
}

// gather returns the len(dst) elements src[0], src[stride], ...: src itself when they are
// already contiguous, otherwise copied into dst.
func gather(dst, src []float32, stride int) []float32 {
	if stride == 1 {
		return src[:len(dst)]
	}
	for i := range dst {
		dst[i] = src[i*stride]
	}
	return dst
}

// combine writes c[i*inc] = alpha·acc[i] + beta·c[i*inc], not reading c when beta == 0.
func combine(c []float32, inc int, acc []float32, alpha, beta float32) {
	for i, v := range acc {
		if beta == 0 {
			c[i*inc] = alpha * v
		} else {
			c[i*inc] = alpha*v + beta*c[i*inc]
		}
	}
}
