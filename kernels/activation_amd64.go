//go:build !purego && !noasm

package kernels

// The activations' vectorised passes (asm/activation.go). Each wrapper checks that src
// covers dst, so that a violation panics in Go rather than faults in assembly, and hands
// the assembly n = len(dst) ≥ 1. Linear stays a copy.

// avx2Activations and avx512Activations are the activate entries of the two ISAs.
var (
	avx2Activations = [activations]func(dst, src []float32){
		Linear:    genericActivations[Linear],
		ReLU:      elementwise(sreluAVX2),
		ReLU6:     elementwise(srelu6AVX2),
		LeakyReLU: atSlope(leakyReLUAsm(sleakyReLUAVX2), leakyReLUSlope),
		Sigmoid:   elementwise(ssigmoidAVX2),
		Tanh:      elementwise(stanhAVX2),
		Swish:     elementwise(sswishAVX2),
		GELU:      elementwise(sgeluAVX2),
		Softmax:   elementwise(ssoftmaxAVX2),
	}
	avx512Activations = [activations]func(dst, src []float32){
		Linear:    genericActivations[Linear],
		ReLU:      elementwise(sreluAVX512),
		ReLU6:     elementwise(srelu6AVX512),
		LeakyReLU: atSlope(leakyReLUAsm(sleakyReLUAVX512), leakyReLUSlope),
		Sigmoid:   elementwise(ssigmoidAVX512),
		Tanh:      elementwise(stanhAVX512),
		Swish:     elementwise(sswishAVX512),
		GELU:      elementwise(sgeluAVX512),
		Softmax:   elementwise(ssoftmaxAVX512),
	}
)

// elementwise wraps a kernel of the form f(n, dst, src), which computes dst[i] from
// src[i] for i < n (Softmax: the row of n).
func elementwise(f func(n int, dst, src *float32)) func(dst, src []float32) {
	return func(dst, src []float32) {
		if len(dst) == 0 {
			return
		}
		_ = src[len(dst)-1]
		f(len(dst), &dst[0], &src[0])
	}
}

// leakyReLUAsm wraps a LeakyReLU kernel, whose slope is an argument (0 ≤ alpha ≤ 1).
func leakyReLUAsm(f func(n int, alpha float32, dst, src *float32)) func(dst, src []float32, alpha float32) {
	return func(dst, src []float32, alpha float32) {
		if len(dst) == 0 {
			return
		}
		_ = src[len(dst)-1]
		f(len(dst), alpha, &dst[0], &src[0])
	}
}

// atSlope fixes a LeakyReLU kernel's slope: the activation's entry.
func atSlope(f func(dst, src []float32, alpha float32), alpha float32) func(dst, src []float32) {
	return func(dst, src []float32) { f(dst, src, alpha) }
}
