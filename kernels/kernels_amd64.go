//go:build !purego && !noasm

package kernels

import "github.com/simdnn/simdnn/dispatch"

// simdKernels are this architecture's SGEMM micro-kernels, by ISA.
var simdKernels = map[dispatch.ISA]gemmKernel{
	dispatch.AVX2:   {name: "sgemm6x16AVX2", mr: 6, nr: 16, tile: tile6x16AVX2},
	dispatch.AVX512: {name: "sgemm12x32AVX512", mr: 12, nr: 32, tile: tile12x32AVX512},
}

func tile6x16AVX2(k int, a []float32, rsA, csA int, b []float32, rsB int, c []float32, ldc int, alpha, beta float32, mr, nr int) {
	sgemm6x16AVX2(k, &a[0], rsA, csA, &b[0], rsB, &c[0], ldc, alpha, beta, mr, nr)
}

func tile12x32AVX512(k int, a []float32, rsA, csA int, b []float32, rsB int, c []float32, ldc int, alpha, beta float32, mr, nr int) {
	sgemm12x32AVX512(k, &a[0], rsA, csA, &b[0], rsB, &c[0], ldc, alpha, beta, mr, nr)
}
