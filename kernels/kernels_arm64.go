//go:build !purego && !noasm

package kernels

import (
	"github.com/simdnn/simdnn/dispatch"
	"github.com/simdnn/simdnn/generic"
)

// simdKernels are this architecture's kernels, by ISA. The GEMV path's level-1 kernels
// are the generic ones: the Go compiler's scalar loops already stream memory there.
var simdKernels = map[dispatch.ISA]isaKernels{
	dispatch.NEON: {
		kernel:   gemmKernel{name: "sgemm8x12NEON", mr: 8, nr: 12, tile: tile8x12NEON},
		conv:     convKernel{name: "sconv6x12NEON", mr: 6, nr: 12, tile: conv6x12NEON},
		dot:      generic.Dot,
		dot4:     generic.Dot4,
		axpy:     generic.Axpy,
		axpy4:    generic.Axpy4,
		biasAct:  generic.BiasAct,
		copy2D:   generic.Copy2D,
		activate: genericActivations,
	},
}

func tile8x12NEON(k int, a []float32, rsA, csA int, b []float32, rsB int, c []float32, ldc int, alpha, beta float32, mr, nr int) {
	sgemm8x12NEON(k, &a[0], rsA, csA, &b[0], rsB, &c[0], ldc, alpha, beta, mr, nr)
}

// conv6x12NEON passes the slices to the assembly as pointers. The drivers guarantee the
// extents the contract reads (generic.ConvTile); the index expressions only make a
// violation of that panic in Go rather than fault in assembly. The offsets into src are
// the driver's to keep in range: checking them would cost a pass over ind.
func conv6x12NEON(taps, k int, ind []int32, src, zero, w, bias, c []float32, ldc, mr, nr int, relu bool) {
	const MR, NR = 6, 12
	_ = ind[taps*MR-1]
	_ = w[taps*k*NR-1]
	_ = bias[NR-1]
	_ = zero[k-1]
	_ = c[(mr-1)*ldc+nr-1]
	sconv6x12NEON(taps, k, &ind[0], &src[0], &zero[0], &w[0], &bias[0], &c[0], ldc, mr, nr, relu)
}
