package kernels

// gemv handles m == 1 or n == 1: a matrix-vector product, which streams the matrix once
// and is bound by memory bandwidth, not by FMAs. Register tiles would waste all but one
// row (or column) of their FMAs; dot products and axpys over contiguous rows do not.
//
// Threads split the outputs into runs of columns (rows when n == 1), so that several
// cores stream the matrix at once; each output is one dot product or one column of
// axpys, computed the same way whoever runs it.
func (g *gemm) gemv() {
	if g.m == 1 && g.n == 1 {
		g.dot()
		return
	}
	p := &g.plan
	inStride, outputs := g.ldb, g.m // y = op(B), k×1: op(B)(i, 0) = b[i*ldb]
	switch {
	case g.m == 1:
		_, inStride = g.aStrides() // x = op(A), 1×k
		outputs = g.n
	case g.transB:
		inStride = 1 // B is 1×k: op(B)(i, 0) = b[i]
	}
	s := getScratch(g.k + outputs)
	defer putScratch(s)
	in := g.a
	if g.m != 1 {
		in = g.b
	}
	p.vec, p.acc = gather(s.buf[:g.k], in, inStride), s.buf[g.k:]
	// One run of outputs per thread, as wide as it can be: a thread streams its run of
	// every row of the matrix, and the prefetchers stream 8 KiB runs at twice the speed of
	// 1 KiB ones (1×4096×4096, two threads: 21 against 11 GFLOPS).
	bytes := 4 * float64(g.k) * float64(outputs)
	threads := threadsFor(bytes, gemvMinBytesPerThread, ceilDiv(outputs, gemvMinRun))
	p.run = max(gemvMinRun, roundUp(ceilDiv(outputs, threads), 16))
	parallel(threads, gemvJob{g})
	p.vec, p.acc = nil, nil
}

// dot computes the product with one output, C (1×1) = alpha·op(A)·op(B) + beta·C: one
// dot product of op(A)'s row and op(B)'s column, gathered where they are strided
// (a column of untransposed B took the one-column axpy path, 25× slower).
func (g *gemm) dot() {
	s := getScratch(2 * g.k)
	defer putScratch(s)
	_, aStride := g.aStrides()
	bStride := g.ldb // op(B)(i, 0) = b[i*ldb]
	if g.transB {
		bStride = 1
	}
	x, y := gather(s.buf[:g.k], g.a, aStride), gather(s.buf[g.k:], g.b, bStride)
	var acc [1]float32
	acc[0] = g.impl.dot(x, y)
	combine(g.c, 1, acc[:], g.alpha, g.beta)
}

// The GEMV's split: runs of at least gemvMinRun outputs, and a thread per
// gemvMinBytesPerThread of matrix: at about 20 GB/s a core streams that in 25 µs, what
// waking a helper is worth.
//
// The runs' width depends on the thread count, each output's arithmetic does not: axpy4
// computes every column with the same chain of FMAs, and runs start at multiples of 16
// rows, so that each row takes dot4 or dot (the last rows of A) as it would alone.
const (
	gemvMinRun            = 256
	gemvMinBytesPerThread = 512 << 10
)

// gemvJob is a GEMV call as the threads see it.
type gemvJob struct{ g *gemm }

func (j gemvJob) run(t *team, id int) {
	g := j.g
	outputs := len(g.plan.acc)
	t.forEachTask(id, 1, ceilDiv(outputs, g.plan.run), func(_, task int) {
		lo := task * g.plan.run
		g.gemvOutputs(lo, min(lo+g.plan.run, outputs))
	})
}

// gemvOutputs computes outputs [lo, hi) of the GEMV: C[0, lo:hi] when m == 1, else
// C[lo:hi, 0].
func (g *gemm) gemvOutputs(lo, hi int) {
	vec, acc := g.plan.vec, g.plan.acc[lo:hi]
	if g.m == 1 {
		// C (1×n) = alpha·x·op(B) + beta·C, x = op(A), 1×k.
		if g.transB {
			// op(B) column j is row j of B: contiguous.
			g.impl.rowsDot(vec, g.b[lo*g.ldb:], g.ldb, acc)
		} else {
			g.impl.rowsTimes(vec, g.b[lo:], g.ldb, acc)
		}
		combine(g.c[lo:hi], 1, acc, g.alpha, g.beta)
		return
	}
	// C (m×1) = alpha·op(A)·y + beta·C, y = op(B), k×1.
	if g.transA {
		// op(A) column p is row p of A: contiguous.
		g.impl.rowsTimes(vec, g.a[lo:], g.lda, acc)
	} else {
		g.impl.rowsDot(vec, g.a[lo*g.lda:], g.lda, acc)
	}
	combine(g.c[lo*g.ldc:], g.ldc, acc, g.alpha, g.beta)
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

// rowsDot sets acc[i] = x·(row i of M), M the row-major matrix m with leading dimension
// ldm, four rows per pass over x. The GEMV's runs of outputs start at multiples of four,
// so each row takes the same kernel, dot4 or (the matrix's last few rows) dot, however
// the outputs are split between threads.
func (im *impl) rowsDot(x, m []float32, ldm int, acc []float32) {
	i := 0
	for ; i+4 <= len(acc); i += 4 {
		im.dot4(x, m[i*ldm:], ldm, acc[i:i+4])
	}
	for ; i < len(acc); i++ {
		acc[i] = im.dot(x, m[i*ldm:])
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
