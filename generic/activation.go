package generic

import "math"

// The activations below are the references of the vector kernels and of the purego
// build. Each sets dst[i] = f(src[i]) for i < len(dst) (len(src) ≥ len(dst); dst may be
// src) in float64, rounded once to float32, with Keras's definitions; NaN stays NaN.

// ReLU is max(x, 0).
func ReLU(dst, src []float32) {
	src = src[:len(dst)]
	for i, x := range src {
		if x < 0 {
			x = 0
		}
		dst[i] = x
	}
}

// ReLU6 is min(max(x, 0), 6).
func ReLU6(dst, src []float32) {
	src = src[:len(dst)]
	for i, x := range src {
		switch {
		case x < 0:
			x = 0
		case x > 6:
			x = 6
		}
		dst[i] = x
	}
}

// LeakyReLU is x for x ≥ 0, alpha·x below.
func LeakyReLU(dst, src []float32, alpha float32) {
	src = src[:len(dst)]
	for i, x := range src {
		if x < 0 {
			x *= alpha
		}
		dst[i] = x
	}
}

// Sigmoid is 1/(1 + e^−x).
func Sigmoid(dst, src []float32) {
	src = src[:len(dst)]
	for i, x := range src {
		dst[i] = float32(sigmoid(float64(x)))
	}
}

// Tanh is the hyperbolic tangent.
func Tanh(dst, src []float32) {
	src = src[:len(dst)]
	for i, x := range src {
		dst[i] = float32(math.Tanh(float64(x)))
	}
}

// Swish (SiLU) is x·sigmoid(x).
func Swish(dst, src []float32) {
	src = src[:len(dst)]
	for i, x := range src {
		dst[i] = float32(float64(x) * sigmoid(float64(x)))
	}
}

// GELU is Keras's default, exact form (approximate=False): x·Φ(x) = x/2·(1 + erf(x/√2)),
// computed as x/2·erfc(−x/√2), which keeps its relative precision where 1 + erf cancels
// (x below about −5; at −8 it is all error).
func GELU(dst, src []float32) {
	src = src[:len(dst)]
	for i, x := range src {
		v := float64(x)
		dst[i] = float32(0.5 * v * math.Erfc(-v/math.Sqrt2))
	}
}

// sigmoid is 1/(1 + e^−x) without overflow: e^−x is only taken for x ≥ 0.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// Softmax sets dst[j] = e^(src[j] − max) / Σ e^(src[k] − max) over len(dst) values
// (len(src) ≥ len(dst); dst may be src): subtracting the maximum keeps every exponent
// ≤ 0, so that no row overflows, whatever its magnitude. A row holding +Inf or NaN
// comes out NaN.
func Softmax(dst, src []float32) {
	src = src[:len(dst)]
	if len(src) == 0 {
		return
	}
	high := math.Inf(-1)
	for _, x := range src {
		high = max(high, float64(x))
	}
	var sum float64
	for _, x := range src {
		sum += math.Exp(float64(x) - high)
	}
	for i, x := range src {
		dst[i] = float32(math.Exp(float64(x)-high) / sum)
	}
}
