//go:build !purego && !noasm

package kernels

import "github.com/simdnn/simdnn/dispatch"

// simdKernels are this architecture's kernels, by ISA.
var simdKernels = map[dispatch.ISA]isaKernels{
	dispatch.AVX2: {
		kernel: withTransBPack(withColumn(gemmAsm("sgemm6x16AVX2", 6, 16, sgemm6x16AVX2, packRows6AVX2), sgemmColumn6x16AVX2), packRows16AVX2),
		edges: []gemmKernel{
			gemmAsm("sgemm2x16AVX2", 2, 16, sgemm2x16AVX2, nil),
			gemmAsm("sgemm4x16AVX2", 4, 16, sgemm4x16AVX2, nil),
		},
		conv:       withPanels(convAsm("sconv6x16AVX2", 6, 16, sconv6x16AVX2), sconvPanels6x16AVX2),
		convStream: convAsm("sconv6x16AVX2Stream", 6, 16, sconv6x16AVX2Stream),
		convEdges: []convKernel{
			convAsm("sconv2x16AVX2", 2, 16, sconv2x16AVX2),
			convAsm("sconv4x16AVX2", 4, 16, sconv4x16AVX2),
		},
		rowConv:   rowConvAsm("sconvRow6x16AVX2", 6, 16, sconvRow6x16AVX2),
		dot:       dotAsm(sdotAVX2),
		dot4:      dot4Asm(sdot4AVX2),
		axpy:      axpyAsm(saxpyAVX2),
		axpy4:     axpy4Asm(saxpy4AVX2),
		biasAct:   biasActAsm(sbiasActAVX2),
		copy2D:    copy2DAsm(scopy2DAVX2),
		activate:  avx2Activations,
		maxInto:   maxIntoAsm(smaxAVX2),
		leakyReLU: leakyReLUAsm(sleakyReLUAVX2),
		winograd: [2]winogradKernels{
			winogradAsm(2, swinogradIn2x2AVX2, swinogradOut2x2AVX2),
			winogradAsm(4, swinogradIn4x4AVX2, swinogradOut4x4AVX2),
		},
	},
	dispatch.AVX512: {
		kernel: withTransBPack(withColumn(gemmAsm("sgemm12x32AVX512", 12, 32, sgemm12x32AVX512, packRows12AVX512), sgemmColumn12x32AVX512), packRows32AVX512),
		edges: []gemmKernel{
			gemmAsm("sgemm4x32AVX512", 4, 32, sgemm4x32AVX512, nil),
			gemmAsm("sgemm8x32AVX512", 8, 32, sgemm8x32AVX512, nil),
		},
		conv:       withPanels(convAsm("sconv12x32AVX512", 12, 32, sconv12x32AVX512), sconvPanels12x32AVX512),
		convStream: convAsm("sconv12x32AVX512Stream", 12, 32, sconv12x32AVX512Stream),
		convEdges: []convKernel{
			convAsm("sconv4x32AVX512", 4, 32, sconv4x32AVX512),
			convAsm("sconv7x32AVX512", 7, 32, sconv7x32AVX512),
			convAsm("sconv8x32AVX512", 8, 32, sconv8x32AVX512),
		},
		rowConv:   rowConvAsm("sconvRow14x32AVX512", 14, 32, sconvRow14x32AVX512),
		dot:       dotAsm(sdotAVX512),
		dot4:      dot4Asm(sdot4AVX512),
		axpy:      axpyAsm(saxpyAVX512),
		axpy4:     axpy4Asm(saxpy4AVX512),
		biasAct:   biasActAsm(sbiasActAVX512),
		copy2D:    copy2DAsm(scopy2DAVX512),
		activate:  avx512Activations,
		maxInto:   maxIntoAsm(smaxAVX512),
		leakyReLU: leakyReLUAsm(sleakyReLUAVX512),
		winograd: [2]winogradKernels{
			winogradAsm(2, swinogradIn2x2AVX512, swinogradOut2x2AVX512),
			winogradAsm(4, swinogradIn4x4AVX512, swinogradOut4x4AVX512),
		},
	},
}
