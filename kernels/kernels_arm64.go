//go:build !purego && !noasm

package kernels

import (
	"github.com/simdnn/simdnn/dispatch"
	"github.com/simdnn/simdnn/generic"
)

// simdKernels are this architecture's kernels, by ISA.
var simdKernels = map[dispatch.ISA]isaKernels{
	dispatch.NEON: {
		kernel: gemmNEON("sgemm8x12NEON", 8, 12, sgemm8x12NEON),
		edges: []gemmKernel{
			gemmNEON("sgemm2x12NEON", 2, 12, sgemm2x12NEON),
			gemmNEON("sgemm4x12NEON", 4, 12, sgemm4x12NEON),
			gemmNEON("sgemm6x12NEON", 6, 12, sgemm6x12NEON),
		},
		conv: convNEON("sconv6x12NEON", 6, 12, sconv6x12NEON),
		convEdges: []convKernel{
			convNEON("sconv2x12NEON", 2, 12, sconv2x12NEON),
			convNEON("sconv4x12NEON", 4, 12, sconv4x12NEON),
		},
		dot:      dotNEON,
		dot4:     dot4NEON,
		axpy:     axpyNEON,
		axpy4:    axpy4NEON,
		biasAct:  biasActNEON,
		copy2D:   copy2DNEON,
		activate: genericActivations,
		maxInto:  generic.MaxInto,
	},
}

// The wrappers turn slices into the pointers the assembly takes. The drivers guarantee
// the extents each kernel's contract reads; the index expressions here only make a
// violation of that panic in Go rather than fault in assembly.

// gemmNEON wraps a generated SGEMM micro-kernel of tile mr×nr.
func gemmNEON(name string, mr, nr int,
	asm func(k int, a *float32, rsA, csA int, b *float32, rsB int, c *float32, ldc int, alpha, beta float32, mr, nr int)) gemmKernel {
	kern := gemmKernel{name: name, mr: mr, nr: nr}
	kern.tile = func(k int, a []float32, rsA, csA int, b []float32, rsB int, c []float32, ldc int, alpha, beta float32, rows, cols int) {
		asm(k, &a[0], rsA, csA, &b[0], rsB, &c[0], ldc, alpha, beta, rows, cols)
	}
	return kern
}

// convNEON wraps a generated indirect convolution micro-kernel of tile mr×nr. It checks
// every operand but src, whose extent the driver guarantees when it builds the offsets:
// checking them here would cost a pass over them per tile.
func convNEON(name string, mr, nr int,
	asm func(taps, k int, ind *int32, src, zero, w, bias, c *float32, ldc, mr, nr int, relu bool)) convKernel {
	kern := convKernel{name: name, mr: mr, nr: nr}
	kern.tile = func(taps, k int, ind []int32, src, zero, w, bias, c []float32, ldc, rows, cols int, relu bool) {
		_, _, _, _, _ = ind[taps*mr-1], zero[k-1], w[taps*k*nr-1], bias[nr-1], c[(rows-1)*ldc+cols-1]
		asm(taps, k, &ind[0], &src[0], &zero[0], &w[0], &bias[0], &c[0], ldc, rows, cols, relu)
	}
	return kern
}

func dotNEON(x, y []float32) float32 {
	if len(x) == 0 {
		return 0
	}
	_ = y[len(x)-1]
	return sdotNEON(len(x), &x[0], &y[0])
}

func dot4NEON(x, a []float32, lda int, out []float32) {
	if len(x) == 0 {
		clear(out[:4])
		return
	}
	_, _ = out[3], a[3*lda+len(x)-1]
	sdot4NEON(len(x), &x[0], &a[0], lda, &out[0])
}

func axpyNEON(alpha float32, x, y []float32) {
	if len(x) == 0 {
		return
	}
	_ = y[len(x)-1]
	saxpyNEON(len(x), alpha, &x[0], &y[0])
}

func axpy4NEON(x, b []float32, ldb int, y []float32) {
	if len(y) == 0 {
		return
	}
	_, _ = x[3], b[3*ldb+len(y)-1]
	saxpy4NEON(len(y), &x[0], &b[0], ldb, &y[0])
}

func biasActNEON(m, n int, c []float32, ldc int, bias []float32, relu bool) {
	if m == 0 || n == 0 {
		return
	}
	_, _ = c[(m-1)*ldc+n-1], bias[n-1]
	sbiasActNEON(m, n, &c[0], ldc, &bias[0], relu)
}

func copy2DNEON(rows, cols int, src []float32, lds int, dst []float32, ldd int) {
	if rows == 0 || cols == 0 {
		return
	}
	_, _ = src[(rows-1)*lds+cols-1], dst[(rows-1)*ldd+cols-1]
	scopy2DNEON(rows, cols, &src[0], lds, &dst[0], ldd)
}
