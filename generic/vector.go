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

// Axpy computes y[i] += alpha·x[i] over len(x) elements; y must be at least as long.
func Axpy(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
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
