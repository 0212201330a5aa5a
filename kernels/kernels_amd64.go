//go:build !purego && !noasm

package kernels

import "github.com/simdnn/simdnn/dispatch"

// simdKernels are this architecture's kernels, by ISA.
var simdKernels = map[dispatch.ISA]isaKernels{
	dispatch.AVX2: {
		kernel:  gemmKernel{name: "sgemm6x16AVX2", mr: 6, nr: 16, tile: tile6x16AVX2, packRows: packRows6},
		conv:    convKernel{name: "sconv6x16AVX2", mr: 6, nr: 16, tile: conv6x16AVX2},
		dot:     dotAVX2,
		axpy:    axpyAVX2,
		biasAct: biasActAVX2,
		copy2D:  copy2DAVX2,
	},
	dispatch.AVX512: {
		kernel:  gemmKernel{name: "sgemm12x32AVX512", mr: 12, nr: 32, tile: tile12x32AVX512, packRows: packRows12},
		conv:    convKernel{name: "sconv12x32AVX512", mr: 12, nr: 32, tile: conv12x32AVX512},
		dot:     dotAVX512,
		axpy:    axpyAVX512,
		biasAct: biasActAVX512,
		copy2D:  copy2DAVX512,
	},
}

// The wrappers turn slices into the pointers the assembly takes. The drivers guarantee
// the extents each kernel's contract reads; the index expressions here only make a
// violation of that panic in Go rather than fault in assembly.

func tile6x16AVX2(k int, a []float32, rsA, csA int, b []float32, rsB int, c []float32, ldc int, alpha, beta float32, mr, nr int) {
	sgemm6x16AVX2(k, &a[0], rsA, csA, &b[0], rsB, &c[0], ldc, alpha, beta, mr, nr)
}

func tile12x32AVX512(k int, a []float32, rsA, csA int, b []float32, rsB int, c []float32, ldc int, alpha, beta float32, mr, nr int) {
	sgemm12x32AVX512(k, &a[0], rsA, csA, &b[0], rsB, &c[0], ldc, alpha, beta, mr, nr)
}

// The convolution wrappers check every operand but src, whose extent the driver
// guarantees when it builds the offsets: checking them here would cost a pass over them
// per tile.

func conv6x16AVX2(taps, k int, ind []int32, src, zero, w, bias, c []float32, ldc, mr, nr int, relu bool) {
	_, _, _, _, _ = ind[taps*6-1], zero[k-1], w[taps*k*16-1], bias[15], c[(mr-1)*ldc+nr-1]
	sconv6x16AVX2(taps, k, &ind[0], &src[0], &zero[0], &w[0], &bias[0], &c[0], ldc, mr, nr, relu)
}

func conv12x32AVX512(taps, k int, ind []int32, src, zero, w, bias, c []float32, ldc, mr, nr int, relu bool) {
	_, _, _, _, _ = ind[taps*12-1], zero[k-1], w[taps*k*32-1], bias[31], c[(mr-1)*ldc+nr-1]
	sconv12x32AVX512(taps, k, &ind[0], &src[0], &zero[0], &w[0], &bias[0], &c[0], ldc, mr, nr, relu)
}

func dotAVX2(x, y []float32) float32 {
	if len(x) == 0 {
		return 0
	}
	_ = y[len(x)-1]
	return sdotAVX2(len(x), &x[0], &y[0])
}

func dotAVX512(x, y []float32) float32 {
	if len(x) == 0 {
		return 0
	}
	_ = y[len(x)-1]
	return sdotAVX512(len(x), &x[0], &y[0])
}

func axpyAVX2(alpha float32, x, y []float32) {
	if len(x) == 0 {
		return
	}
	_ = y[len(x)-1]
	saxpyAVX2(len(x), alpha, &x[0], &y[0])
}

func axpyAVX512(alpha float32, x, y []float32) {
	if len(x) == 0 {
		return
	}
	_ = y[len(x)-1]
	saxpyAVX512(len(x), alpha, &x[0], &y[0])
}

func biasActAVX2(m, n int, c []float32, ldc int, bias []float32, relu bool) {
	if m == 0 || n == 0 {
		return
	}
	_, _ = c[(m-1)*ldc+n-1], bias[n-1]
	sbiasActAVX2(m, n, &c[0], ldc, &bias[0], relu)
}

func biasActAVX512(m, n int, c []float32, ldc int, bias []float32, relu bool) {
	if m == 0 || n == 0 {
		return
	}
	_, _ = c[(m-1)*ldc+n-1], bias[n-1]
	sbiasActAVX512(m, n, &c[0], ldc, &bias[0], relu)
}

func copy2DAVX2(rows, cols int, src []float32, lds int, dst []float32, ldd int) {
	if rows == 0 || cols == 0 {
		return
	}
	_, _ = src[(rows-1)*lds+cols-1], dst[(rows-1)*ldd+cols-1]
	scopy2DAVX2(rows, cols, &src[0], lds, &dst[0], ldd)
}

func copy2DAVX512(rows, cols int, src []float32, lds int, dst []float32, ldd int) {
	if rows == 0 || cols == 0 {
		return
	}
	_, _ = src[(rows-1)*lds+cols-1], dst[(rows-1)*ldd+cols-1]
	scopy2DAVX512(rows, cols, &src[0], lds, &dst[0], ldd)
}

func packRows6(k int, a []float32, lda int, dst []float32) {
	_, _ = a[5*lda+k-1], dst[6*k-1]
	packRows6AVX2(k, &a[0], lda, &dst[0])
}

func packRows12(k int, a []float32, lda int, dst []float32) {
	_, _ = a[11*lda+k-1], dst[12*k-1]
	packRows12AVX512(k, &a[0], lda, &dst[0])
}
