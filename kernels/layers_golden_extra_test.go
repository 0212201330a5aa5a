package kernels

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/simdnn/simdnn/generic"
	"github.com/simdnn/simdnn/internal/kerasgold"
)

// extraCase is one golden vector of the extra set made ready to run: run computes the
// layer's output for an implementation, bound the largest difference from Keras's
// allowed at each output.
type extraCase struct {
	*kerasgold.Case
	run   func(t *testing.T, im impl, dst []float32)
	bound []float64
}

// keepBelow is how far apart two float32 computations of an activation from the same
// input may come out, relative to the output: a few roundings on each side (tfjs rounds
// every op to float32). A Softmax adds its sum's: one per value of the row.
func keepBelow(act Activation, cols int) float64 {
	switch act {
	case Linear, ReLU, ReLU6:
		return 0
	case Softmax:
		return float64(cols+8) * unitRoundoff
	}
	return 8 * unitRoundoff
}

// geluSlack is the error tfjs's erf (Abramowitz–Stegun 7.1.26, absolute error ≤ 1.5e-7;
// testdata/keras/README.md) adds to its GELU of x: x/2 times it.
func geluSlack(act Activation, x float64) float64 {
	if act == GELU {
		return 0.5 * 1.5e-7 * math.Abs(x)
	}
	return 0
}

func loadGoldenExtra(t *testing.T) []extraCase {
	t.Helper()
	cases, err := kerasgold.LoadExtra("../testdata/keras")
	if err != nil {
		t.Fatal(err)
	}
	xs := make([]extraCase, len(cases))
	for i := range cases {
		c := &cases[i]
		x := extraCase{Case: c, bound: make([]float64, len(c.Output))}
		act, ok := kerasActivations[c.Activation]
		if c.Activation != "" && !ok {
			t.Fatalf("%s: activation %q has no simdnn counterpart", c.Name, c.Activation)
		}
		fail := func(err error) {
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
		}
		// Elementwise layers and Softmax: the input's rows of cols values.
		cols := 1
		if len(c.InShape) > 0 {
			cols = c.InShape[len(c.InShape)-1]
		}
		switch c.Layer {
		case kerasgold.Conv2D, kerasgold.Dense:
			// The GEMM's error, as TestKerasGolden bounds it, through the activation.
			var pre, mag []float32
			var terms int
			if c.Layer == kerasgold.Conv2D {
				cfg := goldenConvConfig(c)
				s, err := cfg.conv2DShape()
				fail(err)
				pre, mag = make([]float32, len(c.Output)), make([]float32, len(c.Output))
				generic.Conv2D(pre, c.Input, c.Kernel, c.Bias, c.Batch, s, false)
				generic.Conv2D(mag, abs(c.Input), abs(c.Kernel), abs(c.Bias), c.Batch, s, false)
				terms, cols = s.H.K*s.W.K*s.InC, s.OutC
				x.run = func(t *testing.T, im impl, dst []float32) {
					l, err := newConv2D(cfg, c.Kernel, c.Bias, im)
					fail(err)
					fail(l.Forward(dst, c.Input, c.Batch))
				}
			} else {
				pre, mag = make([]float32, len(c.Output)), make([]float32, len(c.Output))
				generic.Dense(pre, c.Input, c.Kernel, c.Bias, c.Batch, c.In, c.Out, false)
				generic.Dense(mag, abs(c.Input), abs(c.Kernel), abs(c.Bias), c.Batch, c.In, c.Out, false)
				terms, cols = c.In, c.Out
				x.run = func(t *testing.T, im impl, dst []float32) {
					l, err := newDense(c.In, c.Out, c.Kernel, c.Bias, act, im)
					fail(err)
					fail(l.Forward(dst, c.Input, c.Batch))
				}
			}
			for r := range len(pre) / cols {
				worst := float64(slices.Max(mag[r*cols : r*cols+cols]))
				for i := r * cols; i < r*cols+cols; i++ {
					gemm := 2 * float64(terms+3) * unitRoundoff * 1.0001
					b := activationSlope[act] * gemm * float64(mag[i])
					if act == Softmax {
						b = 2.02 * gemm * worst * math.Abs(float64(c.Output[i]))
					}
					x.bound[i] = b + keepBelow(act, cols)*math.Abs(float64(c.Output[i])) + geluSlack(act, float64(pre[i]))
				}
			}
		case kerasgold.ActivationLayer, kerasgold.Softmax:
			if c.Layer == kerasgold.Softmax {
				act = Softmax
			}
			x.run = func(t *testing.T, im impl, dst []float32) {
				f := im.activate[act]
				for r := range len(dst) / cols {
					f(dst[r*cols:(r+1)*cols], c.Input[r*cols:])
				}
			}
			for i, v := range c.Output {
				x.bound[i] = keepBelow(act, cols)*math.Abs(float64(v)) + geluSlack(act, float64(c.Input[i]))
			}
		case kerasgold.LeakyReLU:
			x.run = func(t *testing.T, im impl, dst []float32) {
				fail(LeakyReLUAlpha(dst, c.Input, len(dst), float32(c.Alpha)))
			}
			for i, v := range c.Output {
				x.bound[i] = 2 * unitRoundoff * math.Abs(float64(v)) // alpha rounded to float32, and α·x
			}
		case kerasgold.MaxPooling2D, kerasgold.AveragePooling2D:
			cfg := Pool2DConfig{InH: c.InH, InW: c.InW, C: c.InC, PoolH: c.PoolH, PoolW: c.PoolW,
				StrideH: c.StrideH, StrideW: c.StrideW, Padding: kerasPaddings[c.Padding]}
			if c.Layer == kerasgold.MaxPooling2D {
				x.run = func(t *testing.T, im impl, dst []float32) { // exact: bound 0
					l, err := newMaxPooling2D(cfg, im)
					fail(err)
					fail(l.Forward(dst, c.Input, c.Batch))
				}
				break
			}
			x.run = func(t *testing.T, im impl, dst []float32) {
				l, err := newAveragePooling2D(cfg, im)
				fail(err)
				fail(l.Forward(dst, c.Input, c.Batch))
			}
			// A sum of at most PoolH·PoolW values, and a division, on each side.
			l, err := NewAveragePooling2D(cfg)
			fail(err)
			mag := make([]float32, len(c.Output))
			fail(l.Forward(mag, abs(c.Input), c.Batch))
			for i, m := range mag {
				x.bound[i] = 2 * float64(c.PoolH*c.PoolW+1) * unitRoundoff * float64(m)
			}
		case kerasgold.GlobalAveragePooling2D:
			l, err := NewGlobalAveragePooling2D(c.InH, c.InW, c.InC)
			fail(err)
			mag := make([]float32, len(c.Output))
			fail(l.Forward(mag, abs(c.Input), c.Batch))
			for i, m := range mag {
				x.bound[i] = float64(c.InH*c.InW+2) * unitRoundoff * float64(m)
			}
			x.run = func(t *testing.T, _ impl, dst []float32) { fail(l.Forward(dst, c.Input, c.Batch)) }
		default:
			t.Fatalf("%s: no test for layer %q", c.Name, c.Layer)
		}
		xs[i] = x
	}
	return xs
}

// TestKerasGoldenExtra runs every case of the extra set (activations, pooling) on every
// ISA and blocking and compares with Keras's output.
func TestKerasGoldenExtra(t *testing.T) {
	cases := loadGoldenExtra(t)
	seen := map[string]bool{}
	forEachISA(t, func(t *testing.T, im impl) {
		for _, bim := range blockings(im) {
			for _, x := range cases {
				seen[x.Layer+"/"+x.Activation] = true
				got := nans(len(x.Output))
				x.run(t, bim, got)
				for i, w := range x.Output {
					// Below float32's normal range no result has its relative precision:
					// tfjs's swish(−100) is e^−100 rounded to a subnormal, times −100.
					const subnormal = 0x1p-126
					if d := math.Abs(float64(got[i]) - float64(w)); !(d <= x.bound[i]+subnormal) {
						t.Fatalf("%s: output[%d] = %g, Keras %g (error %g > bound %g)", x.Name, i, got[i], w, d, x.bound[i])
					}
				}
			}
		}
	})
	for a := ReLU6; a < activations; a++ {
		for _, layer := range []string{kerasgold.Conv2D, kerasgold.Dense} {
			if !seen[layer+"/"+a.String()] && a != LeakyReLU {
				t.Errorf("no golden %s case with activation %v", layer, a)
			}
		}
	}
	t.Log(fmt.Sprint(len(cases), " cases"))
}
