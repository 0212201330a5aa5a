//go:build !purego && !noasm

package kernels

import (
	"github.com/simdnn/simdnn/dispatch"
	"github.com/simdnn/simdnn/generic"
)

// simdKernels are this architecture's kernels, by ISA.
var simdKernels = map[dispatch.ISA]isaKernels{
	dispatch.NEON: {
		kernel: gemmAsm("sgemm8x12NEON", 8, 12, sgemm8x12NEON, nil),
		edges: []gemmKernel{
			gemmAsm("sgemm2x12NEON", 2, 12, sgemm2x12NEON, nil),
			gemmAsm("sgemm4x12NEON", 4, 12, sgemm4x12NEON, nil),
			gemmAsm("sgemm6x12NEON", 6, 12, sgemm6x12NEON, nil),
		},
		conv: convAsm("sconv6x12NEON", 6, 12, sconv6x12NEON),
		convEdges: []convKernel{
			convAsm("sconv2x12NEON", 2, 12, sconv2x12NEON),
			convAsm("sconv4x12NEON", 4, 12, sconv4x12NEON),
		},
		dot:       dotAsm(sdotNEON),
		dot4:      dot4Asm(sdot4NEON),
		axpy:      axpyAsm(saxpyNEON),
		axpy4:     axpy4Asm(saxpy4NEON),
		biasAct:   biasActAsm(sbiasActNEON),
		copy2D:    copy2DAsm(scopy2DNEON),
		activate:  genericActivations,
		maxInto:   generic.MaxInto,
		leakyReLU: generic.LeakyReLU,
	},
}
