package generic

// Dot returns Σ x[i]·y[i] over len(x) elements; y must be at least as long.
func Dot(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// Dot4 sets out[r] = Σ x[i]·a[r·lda+i] over len(x) elements for r < 4: the dot
// products of x with four rows of a row-major matrix, in one pass over x. Each row must
// be at least len(x) long (lda ≥ len(x) for all but the last), and out must hold 4 values.
// One accumulator per row gives four independent sums, as many as Dot keeps; on amd64
// this measured faster than two per row.
func Dot4(x, a []float32, lda int, out []float32) {
	n := len(x)
	out = out[:4]
	if n == 0 {
		clear(out)
		return
	}
	a0, a1, a2, a3 := a[:n], a[lda:lda+n], a[2*lda:2*lda+n], a[3*lda:3*lda+n]
	var s0, s1, s2, s3 float32
	for i, v := range x {
		s0 += v * a0[i]
		s1 += v * a1[i]
		s2 += v * a2[i]
		s3 += v * a3[i]
	}
	out[0], out[1], out[2], out[3] = s0, s1, s2, s3
}

// Axpy computes y[i] += alpha·x[i] over len(x) elements; y must be at least as long.
func Axpy(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

// Axpy4 computes y[j] += x[0]·b[j] + x[1]·b[ldb+j] + x[2]·b[2·ldb+j] + x[3]·b[3·ldb+j]
// over len(y) elements: four rows of a row-major matrix added into y in one pass.
func Axpy4(x, b []float32, ldb int, y []float32) {
	n := len(y)
	if n == 0 {
		return
	}
	b0, b1, b2, b3 := b[:n], b[ldb:ldb+n], b[2*ldb:2*ldb+n], b[3*ldb:3*ldb+n]
	x0, x1, x2, x3 := x[0], x[1], x[2], x[3]
	for j := range y {
		y[j] += x0*b0[j] + x1*b1[j] + x2*b2[j] + x3*b3[j]
	}
}

// BiasAct sets c[i*ldc+j] = act(c[i*ldc+j] + bias[j]) for i < m, j < n, where act is
// max(·, 0) when relu (NaN stays NaN) and the identity otherwise.
func BiasAct(m, n int, c []float32, ldc int, bias []float32, relu bool) {
	bias = bias[:n]
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		for j, b := range bias {
			v := row[j] + b
			if relu && v < 0 {
				v = 0
			}
			row[j] = v
		}
	}
}

// Copy2D copies rows runs of cols floats: dst[i*ldd+j] = src[i*lds+j].
func Copy2D(rows, cols int, src []float32, lds int, dst []float32, ldd int) {
	for i := 0; i < rows; i++ {
		copy(dst[i*ldd:i*ldd+cols], src[i*lds:i*lds+cols])
	}
}

// MaxInto sets y[i] = max(y[i], x[i]) for i < len(y), NaN where either is NaN.
func MaxInto(x, y []float32) {
	x = x[:len(y)]
	for i, v := range x {
		y[i] = max(y[i], v)
	}
}
