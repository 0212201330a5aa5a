//go:build !purego && !noasm

package kernels

import "github.com/simdnn/simdnn/dispatch"

// simdKernels are this architecture's SGEMM micro-kernels, by ISA.
var simdKernels = map[dispatch.ISA]gemmKernel{
	dispatch.NEON: {name: "sgemm8x12NEON", mr: 8, nr: 12, tile: tile8x12NEON},
}

func tile8x12NEON(k int, a []float32, rsA, csA int, b []float32, rsB int, c []float32, ldc int, alpha, beta float32, mr, nr int) {
	sgemm8x12NEON(k, &a[0], rsA, csA, &b[0], rsB, &c[0], ldc, alpha, beta, mr, nr)
}
