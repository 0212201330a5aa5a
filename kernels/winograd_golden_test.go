package kernels

import (
	"math"
	"testing"

	"github.com/simdnn/simdnn/generic"
	"github.com/simdnn/simdnn/internal/kerasgold"
)

// TestKerasGoldenWinograd runs every 3×3 stride-1 undilated Conv2D golden case under
// explicit Winograd and Winograd2x2, on every ISA and blocking: the output must match
// Keras's within Keras's own rounding, (terms+3)·u·mag, plus the algorithm's documented
// bound, winogradBound·mag. (TestKerasGolden runs every case under AutoAlgorithm.)
func TestKerasGoldenWinograd(t *testing.T) {
	cases, err := kerasgold.Load("../testdata/keras")
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	forEachISA(t, func(t *testing.T, im impl) {
		for _, bim := range blockings(im) {
			for _, c := range cases {
				cfg := goldenConvConfig(&c)
				s, err := cfg.conv2DShape()
				if c.Layer != kerasgold.Conv2D || err != nil || !winogradFits(&s) {
					continue
				}
				mag := make([]float32, len(c.Output))
				generic.Conv2D(mag, abs(c.Input), abs(c.Kernel), abs(c.Bias), c.Batch, s, false)
				for _, alg := range []ConvAlgorithm{Winograd, Winograd2x2} {
					scale := tileScales(&s, c.Input, c.Kernel, c.Bias, c.Batch, winogradTransformFor(alg).m)
					cfg.Algorithm = alg
					l, err := newConv2D(cfg, c.Kernel, c.Bias, bim)
					if err != nil || l.wino == nil {
						t.Fatalf("%s, %v: %v (Winograd path %v)", c.Name, alg, err, l != nil && l.wino != nil)
					}
					got := nans(len(c.Output))
					if err := l.Forward(got, c.Input, c.Batch); err != nil {
						t.Fatalf("%s, %v: Forward: %v", c.Name, alg, err)
					}
					terms := 9 * c.InC
					for i := range got {
						bound := float64(terms+3)*unitRoundoff*float64(mag[i])*1.0001 + float64(winogradTileBound(alg))*unitRoundoff*float64(scale[i]) + 1e-30
						if d := math.Abs(float64(got[i]) - float64(c.Output[i])); !(d <= bound) {
							t.Fatalf("%s, %v: output[%d] = %g, Keras %g (error %g > bound %g)", c.Name, alg, i, got[i], c.Output[i], d, bound)
						}
					}
					ran++
				}
			}
		}
	})
	if ran == 0 {
		t.Fatal("no golden case is a 3×3 stride-1 Conv2D")
	}
	t.Logf("%d runs", ran)
}
