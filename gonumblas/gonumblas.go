package gonumblas

import (
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/simdnn/simdnn/kernels"
)

// Implementation is gonum's blas.Float32 with its matrix products on simdnn. The zero
// value is ready to use and holds no state, so it can be copied and shared freely.
type Implementation struct {
	// gonum.Implementation supplies every routine that Implementation does not define.
	gonum.Implementation
}

var _ blas.Float32 = Implementation{}

// Sgemm computes C = alpha*op(A)*op(B) + beta*C, op(X) = X or Xᵀ, as gonum's Sgemm, on
// kernels.Sgemm; products too small to repay its setup (sgemmMinMulAdds) run gonum's
// own loops. It checks its arguments in gonum's order and panics with gonum's values.
// beta == 0 means C is not read (NaN in C does not propagate), as in gonum.
func (im Implementation) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32,
	a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	transA, transB := isTrans(tA), isTrans(tB)
	switch {
	case m < 0:
		panic(mLT0)
	case n < 0:
		panic(nLT0)
	case k < 0:
		panic(kLT0)
	}
	colA, colB := k, n
	if transA {
		colA = m
	}
	if transB {
		colB = k
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
	// gonum's length checks, written as gonum writes them: with k == 0 they still ask an
	// untransposed A for (m-1)*lda elements, which kernels.Sgemm does not, so kernels'
	// own checks alone would let through calls that gonum refuses.
	rowA, rowB := m, k
	if transA {
		rowA = k
	}
	if transB {
		rowB = n
	}
	switch {
	case len(a) < (rowA-1)*lda+colA:
		panic(shortA)
	case len(b) < (rowB-1)*ldb+colB:
		panic(shortB)
	case len(c) < (m-1)*ldc+n:
		panic(shortC)
	}
	if (alpha == 0 || k == 0) && beta == 1 {
		return
	}
	if int64(m)*int64(n)*int64(k) < sgemmMinMulAdds {
		im.Implementation.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	if m == 1 && n == 1 {
		// One output: the dot product of op(A)'s row and op(B)'s column.
		strideA, strideB := 1, ldb
		if transA {
			strideA = lda
		}
		if transB {
			strideB = 1
		}
		dotProduct(k, alpha, a, strideA, b, strideB, beta, c)
		return
	}
	kernels.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Sgemv computes y = alpha*A*x + beta*y, or y = alpha*Aᵀ*x + beta*y when tA is
// blas.Trans or blas.ConjTrans, A an m×n matrix, as gonum's Sgemv, on kernels.Sgemm
// (a one-column product, which runs simdnn's threaded GEMV); matrices too small to repay
// its setup (sgemvMinElements) run gonum's own loops. It checks its arguments in gonum's
// order and panics with gonum's values. beta == 0 means y is not read.
//
// A negative increment walks its vector from the end, as in BLAS. kernels.Sgemm takes
// only positive strides, so such a vector goes through pooled scratch, reversed: O(m+n)
// copies beside the O(m·n) product.
func (im Implementation) Sgemv(tA blas.Transpose, m, n int, alpha float32,
	a []float32, lda int, x []float32, incX int, beta float32, y []float32, incY int) {
	trans := isTrans(tA)
	switch {
	case m < 0:
		panic(mLT0)
	case n < 0:
		panic(nLT0)
	case lda < max(1, n):
		panic(badLdA)
	case incX == 0:
		panic(zeroIncX)
	case incY == 0:
		panic(zeroIncY)
	}
	lenX, lenY := n, m
	if trans {
		lenX, lenY = m, n
	}
	if m == 0 || n == 0 {
		return
	}
	switch {
	case !fits(x, lenX, incX):
		panic(shortX)
	case !fits(y, lenY, incY):
		panic(shortY)
	case len(a) < lda*(m-1)+n:
		panic(shortA)
	}
	if alpha == 0 {
		if beta != 1 {
			im.Sscal(lenY, beta, y, abs(incY))
		}
		return
	}
	minElements := sgemvMinElements
	if incX != 1 || incY != 1 {
		minElements = sgemvMinElementsStrided
	}
	if int64(m)*int64(n) < minElements {
		// y cut to the elements it holds: gonum's transposed Sgemv with beta == 0
		// clears all of a unit-stride y, past its n elements.
		im.Implementation.Sgemv(tA, m, n, alpha, a, lda, x, incX, beta, y[:(lenY-1)*abs(incY)+1], incY)
		return
	}

	var scratch *[]float32
	if incX < 0 || incY < 0 {
		scratch = getScratch(lenX + lenY)
		defer putScratch(scratch)
	}
	if incX < 0 {
		x, incX = gatherReversed((*scratch)[:lenX], x, -incX), 1
	}
	out, incOut := y, incY
	if incY < 0 {
		out, incOut = (*scratch)[lenX:], 1
		if beta != 0 {
			gatherReversed(out, y, -incY)
		}
	}
	switch {
	case trans && n == 1:
		dotProduct(m, alpha, a, lda, x, incX, beta, out) // column 0 of A · x
	case trans:
		kernels.Sgemm(true, false, n, 1, m, alpha, a, lda, x, incX, beta, out, incOut)
	case m == 1:
		dotProduct(n, alpha, a, 1, x, incX, beta, out) // row 0 of A · x
	default:
		kernels.Sgemm(false, false, m, 1, n, alpha, a, lda, x, incX, beta, out, incOut)
	}
	if incY < 0 {
		scatterReversed(y, -incY, out)
	}
}

// dotProduct sets c[0] = alpha·Σ u[p·strideU]·v[p·strideV] + beta·c[0], p < k, on
// kernels' dot kernel: one vector as op(A), which kernels.Sgemm gathers when strided,
// the other as a contiguous transposed B, gathered here when both are strided. Passed
// to kernels.Sgemm as they come (a 1×1 product with an untransposed B), such products
// take its axpy path, one column wide: 1×65536 Sgemv 668 µs against gonum's 27 µs.
func dotProduct(k int, alpha float32, u []float32, strideU int, v []float32, strideV int, beta float32, c []float32) {
	if strideV != 1 {
		u, strideU, v, strideV = v, strideV, u, strideU
	}
	if strideV != 1 {
		scratch := getScratch(k)
		defer putScratch(scratch)
		for p := range *scratch {
			(*scratch)[p] = v[p*strideV]
		}
		v = *scratch
	}
	kernels.Sgemm(true, true, 1, 1, k, alpha, u, strideU, v, max(1, k), beta, c, 1)
}

// isTrans reports whether t transposes, and panics as gonum does on a value that is
// not a blas.Transpose.
func isTrans(t blas.Transpose) bool {
	switch t {
	case blas.NoTrans:
		return false
	case blas.Trans, blas.ConjTrans:
		return true
	}
	panic(badTranspose)
}

// fits reports whether a vector of n > 0 elements with increment inc != 0 lies in v, by
// gonum's rule.
func fits(v []float32, n, inc int) bool {
	return (n-1)*abs(inc) < len(v)
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// gatherReversed fills dst with the vector that src holds with increment -stride:
// dst[i] = src[(len(dst)-1-i)*stride].
func gatherReversed(dst, src []float32, stride int) []float32 {
	last := len(dst) - 1
	for i := range dst {
		dst[i] = src[(last-i)*stride]
	}
	return dst
}

// scatterReversed stores src into the vector that dst holds with increment -stride.
func scatterReversed(dst []float32, stride int, src []float32) {
	last := len(src) - 1
	for i, v := range src {
		dst[(last-i)*stride] = v
	}
}

// scratchPool holds the buffers that reversed vectors are copied through, so that a
// call allocates only when it needs more than any call before it.
var scratchPool = sync.Pool{New: func() any { return new([]float32) }}

func getScratch(n int) *[]float32 {
	s := scratchPool.Get().(*[]float32)
	if cap(*s) < n {
		*s = make([]float32, n)
	}
	*s = (*s)[:n]
	return s
}

func putScratch(s *[]float32) { scratchPool.Put(s) }
