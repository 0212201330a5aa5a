package generic

// ConvTile is the reference of the indirect convolution micro-kernels (XNNPACK's
// indirect GEMM), with the contract every assembly one shares. For a tile of up to MR
// output pixels and NR output channels it computes, for i < mr ≤ MR and j < nr ≤ NR,
//
//	C(i, j) = act(bias[j] + Σ_{t<taps} Σ_{p<k} A_t(i, p)·w[(t·k + p)·NR + j])
//
// where A_t(i, ·), the k input channels that tap t of pixel i reads, is src[ind[t·MR+i]:]
// or, when ind[t·MR+i] < 0, the padding: k zeros, read from zero. C(i, j) is
// c[i*ldc + j] and act is max(·, 0) when relu (NaN stays NaN), else the identity.
//
// w is one weight panel as the layers pack it (NR columns, rows tap-major then channel,
// columns past the layer's last zero) and bias holds NR values. The offsets let one
// tile span output rows and skip padding without a branch: the driver builds them once
// per layer. Every one of the MR rows of every tap is read (rows past mr should be
// padding), k ≥ 1; C past mr rows and nr columns is never touched.
func ConvTile(MR, NR int, taps, k int, ind []int32, src, zero, w, bias, c []float32, ldc, mr, nr int, relu bool) {
	acc := make([]float32, MR*NR)
	for i := range MR {
		copy(acc[i*NR:(i+1)*NR], bias[:NR])
	}
	for t := range taps {
		wt := w[t*k*NR : (t+1)*k*NR]
		for i := range MR {
			a := zero[:k]
			if off := ind[t*MR+i]; off >= 0 {
				a = src[off : int(off)+k]
			}
			row := acc[i*NR : (i+1)*NR]
			for p, ap := range a {
				for j, wv := range wt[p*NR : (p+1)*NR] {
					row[j] += ap * wv
				}
			}
		}
	}
	for i := range mr {
		for j := range nr {
			v := acc[i*NR+j]
			if relu && v < 0 {
				v = 0
			}
			c[i*ldc+j] = v
		}
	}
}

// ConvRowTile is the reference of the row convolution micro-kernels: ConvTile for the
// output pixels along one output row whose taps all lie inside the image, so that pixel
// i's tap starts stride floats after pixel i−1's; it computes C(i, j) for i < pixels and
// j < nr ≤ NR. With one offset per tap, A_t(i, ·) is src[ind[t] + i·stride:] or, when
// ind[t] < 0 (a kernel row above or below the image), k zeros from zero[(i mod
// MR)·stride:], which holds (MR−1)·stride + k of them. The pixels run in tiles of MR,
// and every pixel of the last tile is read, those past pixels too, so the driver keeps
// them inside src; C past the pixels and nr columns is never touched.
func ConvRowTile(MR, NR int, taps, k int, ind []int32, stride int, src, zero, w, bias, c []float32, ldc, pixels, nr int, relu bool) {
	_ = zero[(MR-1)*stride+k-1] // as long as the contract says, though its zeros are all alike
	rows := make([]int32, taps*MR)
	for first := 0; first < pixels; first += MR {
		for t := range taps {
			for i := range MR {
				rows[t*MR+i] = -1
				if ind[t] >= 0 {
					rows[t*MR+i] = ind[t] + int32((first+i)*stride)
				}
			}
		}
		ConvTile(MR, NR, taps, k, rows, src, zero[:k], w, bias, c[first*ldc:], ldc, min(MR, pixels-first), nr, relu)
	}
}
