package generic

// The Winograd transforms of one tile, vectorised over channels: the contract of
// kernels' assembly transforms (asm/winograd.go), which specialise bt and at to the
// matrices of F(2×2,3×3) and F(4×4,3×3). They compute in float64 and round once; the
// kernels round after each addition and are held to a bound on that.

// WinogradInput computes the input transform V = Bᵀ d B of one alpha×alpha tile d, bt
// being Bᵀ (alpha×alpha, row-major), for n channels: d[y][x] is src[y*rowStride +
// x*colStride + c] and V[i][j] goes to dst[(i*alpha+j)*ldv + c], for c < n.
func WinogradInput(bt []float32, alpha, n int, src []float32, rowStride, colStride int, dst []float32, ldv int) {
	for c := range n {
		for i := range alpha {
			for j := range alpha {
				v := 0.0
				for y := range alpha {
					for x := range alpha {
						v += float64(bt[i*alpha+y]) * float64(src[y*rowStride+x*colStride+c]) * float64(bt[j*alpha+x])
					}
				}
				dst[(i*alpha+j)*ldv+c] = float32(v)
			}
		}
	}
}

// WinogradOutput computes the output transform Y = Aᵀ M A of one tile, at being Aᵀ
// (m×alpha, row-major), for n channels, M[y][x] being src[(y*alpha+x)*ldm + c], and
// sets dst[y*ldDst + x*pixelStride + c] = act(Y[y][x] + bias[c]) for y < rows ≤ m,
// x < cols ≤ m and c < n, act max(·, 0) when relu (NaN stays NaN), else the identity.
// A nil bias adds nothing.
func WinogradOutput(at []float32, m, alpha, n int, src []float32, ldm int, dst []float32, ldDst, pixelStride int, bias []float32, relu bool, rows, cols int) {
	for c := range n {
		for y := range rows {
			for x := range cols {
				v := 0.0
				for i := range alpha {
					for j := range alpha {
						v += float64(at[y*alpha+i]) * float64(src[(i*alpha+j)*ldm+c]) * float64(at[x*alpha+j])
					}
				}
				r := float32(v)
				if bias != nil {
					r += bias[c]
				}
				if relu && r < 0 {
					r = 0
				}
				dst[y*ldDst+x*pixelStride+c] = r
			}
		}
	}
}
