package generic

// Sgemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices, op(X) = X or Xᵀ,
// op(A) m×k, op(B) k×n, C m×n, the way the definition reads. Sums are accumulated in
// float64 so that the reference is closer to the exact result than any float32 kernel.
// beta == 0 means C is not read. Arguments are trusted: check them before calling.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	at := func(i, p int) float64 {
		if transA {
			return float64(a[p*lda+i])
		}
		return float64(a[i*lda+p])
	}
	bt := func(p, j int) float64 {
		if transB {
			return float64(b[j*ldb+p])
		}
		return float64(b[p*ldb+j])
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var sum float64
			for p := 0; p < k; p++ {
				sum += at(i, p) * bt(p, j)
			}
			v := float64(alpha) * sum
			if beta != 0 {
				v += float64(beta) * float64(c[i*ldc+j])
			}
			c[i*ldc+j] = float32(v)
		}
	}
}
