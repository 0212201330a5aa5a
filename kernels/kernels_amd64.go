//go:build !purego && !noasm

package kernels

import "github.com/simdnn/simdnn/dispatch"

// simdKernels are this architecture's kernels, by ISA.
var simdKernels = map[dispatch.ISA]isaKernels{
	dispatch.AVX2: {
		kernel: gemmAsm("sgemm6x16AVX2", 6, 16, sgemm6x16AVX2, packRows6AVX2),
		edges: []gemmKernel{
			gemmAsm("sgemm2x16AVX2", 2, 16, sgemm2x16AVX2, nil),
			gemmAsm("sgemm4x16AVX2", 4, 16, sgemm4x16AVX2, nil),
		},
		conv: convAsm("sconv6x16AVX2", 6, 16, sconv6x16AVX2),
		convEdges: []convKernel{
			convAsm("sconv2x16AVX2", 2, 16, sconv2x16AVX2),
			convAsm("sconv4x16AVX2", 4, 16, sconv4x16AVX2),
		},
		dot:      dotAVX2,
		dot4:     dot4AVX2,
		axpy:     axpyAVX2,
		axpy4:    axpy4AVX2,
		biasAct:  biasActAVX2,
		copy2D:   copy2DAVX2,
		activate: avx2Activations,
		maxInto:  maxIntoAVX2,
	},
	dispatch.AVX512: {
		kernel: gemmAsm("sgemm12x32AVX512", 12, 32, sgemm12x32AVX512, packRows12AVX512),
		edges: []gemmKernel{
			gemmAsm("sgemm4x32AVX512", 4, 32, sgemm4x32AVX512, nil),
			gemmAsm("sgemm8x32AVX512", 8, 32, sgemm8x32AVX512, nil),
		},
		conv: convAsm("sconv12x32AVX512", 12, 32, sconv12x32AVX512),
		convEdges: []convKernel{
			convAsm("sconv4x32AVX512", 4, 32, sconv4x32AVX512),
			convAsm("sconv8x32AVX512", 8, 32, sconv8x32AVX512),
		},
		dot:      dotAVX512,
		dot4:     dot4AVX512,
		axpy:     axpyAVX512,
		axpy4:    axpy4AVX512,
		biasAct:  biasActAVX512,
		copy2D:   copy2DAVX512,
		activate: avx512Activations,
		maxInto:  maxIntoAVX512,
	},
}

// The wrappers turn slices into the pointers the assembly takes. The drivers guarantee
// the extents each kernel's contract reads; the index expressions here only make a
// violation of that panic in Go rather than fault in assembly.

// gemmAsm wraps a generated SGEMM micro-kernel of tile mr×nr.
func gemmAsm(name string, mr, nr int,
	asm func(k int, a *float32, rsA, csA int, b *float32, rsB int, c *float32, ldc int, alpha, beta float32, mr, nr int),
	packRows func(k int, a *float32, lda int, dst *float32)) gemmKernel {
	kern := gemmKernel{name: name, mr: mr, nr: nr}
	kern.tile = func(k int, a []float32, rsA, csA int, b []float32, rsB int, c []float32, ldc int, alpha, beta float32, rows, cols int) {
		asm(k, &a[0], rsA, csA, &b[0], rsB, &c[0], ldc, alpha, beta, rows, cols)
	}
	if packRows != nil {
		kern.packRows = func(k int, a []float32, lda int, dst []float32) {
			_, _ = a[(mr-1)*lda+k-1], dst[mr*k-1]
			packRows(k, &a[0], lda, &dst[0])
		}
	}
	return kern
}

// convAsm wraps a generated indirect convolution micro-kernel of tile mr×nr. It checks
// every operand but src, whose extent the driver guarantees when it builds the offsets:
// checking them here would cost a pass over them per tile.
func convAsm(name string, mr, nr int,
	asm func(taps, k int, ind *int32, src, zero, w, bias, c *float32, ldc, mr, nr int, relu bool)) convKernel {
	kern := convKernel{name: name, mr: mr, nr: nr}
	kern.tile = func(taps, k int, ind []int32, src, zero, w, bias, c []float32, ldc, rows, cols int, relu bool) {
		_, _, _, _, _ = ind[taps*mr-1], zero[k-1], w[taps*k*nr-1], bias[nr-1], c[(rows-1)*ldc+cols-1]
		asm(taps, k, &ind[0], &src[0], &zero[0], &w[0], &bias[0], &c[0], ldc, rows, cols, relu)
	}
	return kern
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

func dot4AVX2(x, a []float32, lda int, out []float32) {
	if len(x) == 0 {
		clear(out[:4])
		return
	}
	_, _ = out[3], a[3*lda+len(x)-1]
	sdot4AVX2(len(x), &x[0], &a[0], lda, &out[0])
}

func dot4AVX512(x, a []float32, lda int, out []float32) {
	if len(x) == 0 {
		clear(out[:4])
		return
	}
	_, _ = out[3], a[3*lda+len(x)-1]
	sdot4AVX512(len(x), &x[0], &a[0], lda, &out[0])
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

func axpy4AVX2(x, b []float32, ldb int, y []float32) {
	if len(y) == 0 {
		return
	}
	_, _ = x[3], b[3*ldb+len(y)-1]
	saxpy4AVX2(len(y), &x[0], &b[0], ldb, &y[0])
}

func axpy4AVX512(x, b []float32, ldb int, y []float32) {
	if len(y) == 0 {
		return
	}
	_, _ = x[3], b[3*ldb+len(y)-1]
	saxpy4AVX512(len(y), &x[0], &b[0], ldb, &y[0])
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

func maxIntoAVX2(x, y []float32) {
	if len(y) == 0 {
		return
	}
	_ = x[len(y)-1]
	smaxAVX2(len(y), &x[0], &y[0])
}

func maxIntoAVX512(x, y []float32) {
	if len(y) == 0 {
		return
	}
	_ = x[len(y)-1]
	smaxAVX512(len(y), &x[0], &y[0])
}
