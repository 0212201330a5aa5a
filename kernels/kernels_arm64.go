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
		kernel:  gemmKernel{name: "sgemm8x12NEON", mr: 8, nr: 12, tile: tile8x12NEON},
		dot:     generic.Dot,
		axpy:    generic.Axpy,
		biasAct: generic.BiasAct,
		copy2D:  generic.Copy2D,
	},
}

func tile8x12NEON(k int, a []float32, rsA, csA int, b []float32, rsB int, c []float32, ldc int, alpha, beta float32, mr, nr int) {
	sgemm8x12NEON(k, &a[0], rsA, csA, &b[0], rsB, &c[0], ldc, alpha, beta, mr, nr)
}
