package kernels

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/simdnn/simdnn/generic"
	"github.com/simdnn/simdnn/internal/kerasgold"
)

// goldenCase is a Keras golden vector made ready to run: the layer's Forward for an
// implementation, the same layer from generic/, and the pieces of its error bound.
type goldenCase struct {
	*kerasgold.Case
	build     func(im impl) (forward func(dst, src []float32, n int) error, err error)
	reference func(dst, src, weights, bias []float32, relu bool)
	terms     int   // products in one output's sum
	outSize   []int // output shape the configuration gives, batch included
}

func (g goldenCase) String() string { return g.Name }

// kerasActivations maps Keras's activation names to simdnn's.
var kerasActivations = map[string]Activation{}

func init() {
	for a := Linear; a < activations; a++ {
		kerasActivations[a.String()] = a
	}
}

// kerasPaddings maps Keras's padding names to simdnn's.
var kerasPaddings = map[string]Padding{"valid": Valid, "same": Same}

// goldenConvConfig is the configuration of a convolution golden case (or the forward
// shape of a transpose's), activation included.
func goldenConvConfig(c *kerasgold.Case) Conv2DConfig {
	return Conv2DConfig{InH: c.InH, InW: c.InW, InC: c.InC, OutC: c.OutC, KH: c.KH, KW: c.KW,
		StrideH: c.StrideH, StrideW: c.StrideW, DilationH: c.DilationH, DilationW: c.DilationW,
		Padding: kerasPaddings[c.Padding], Activation: kerasActivations[c.Activation]}
}

func loadGolden(t *testing.T) []goldenCase {
	t.Helper()
	cases, err := kerasgold.Load("../testdata/keras")
	if err != nil {
		t.Fatal(err)
	}
	gs := make([]goldenCase, len(cases))
	for i := range cases {
		c := &cases[i]
		g := goldenCase{Case: c}
		switch c.Layer {
		case kerasgold.Conv2D, kerasgold.Conv2DTranspose:
			cfg := goldenConvConfig(c)
			if got := cfg.ParamCount(c.UseBias); got != c.ParamCount {
				t.Errorf("%s: ParamCount(%v) = %d, Keras counts %d", c.Name, c.UseBias, got, c.ParamCount)
			}
			if c.Layer == kerasgold.Conv2D {
				s, err := cfg.conv2DShape()
				if err != nil {
					t.Fatalf("%s: %v", c.Name, err)
				}
				g.build = func(im impl) (func(dst, src []float32, n int) error, error) {
					l, err := newConv2D(cfg, c.Kernel, c.Bias, im)
					if err != nil {
						return nil, err
					}
					return l.Forward, nil
				}
				g.reference = func(dst, src, w, b []float32, relu bool) { generic.Conv2D(dst, src, w, b, c.Batch, s, relu) }
				g.terms = s.H.K * s.W.K * s.InC
				g.outSize = []int{c.Batch, s.H.Out, s.W.Out, s.OutC}
				break
			}
			tcfg := Conv2DTransposeConfig{Conv2DConfig: cfg, OutputPadding: c.OutputPadding}
			// tfjs drops a Conv2DTranspose's dilation (testdata/keras/README.md).
			tcfg.DilationH, tcfg.DilationW = 1, 1
			f, err := tcfg.forwardShape()
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			g.build = func(im impl) (func(dst, src []float32, n int) error, error) {
				l, err := newConv2DTranspose(tcfg, c.Kernel, c.Bias, im)
				if err != nil {
					return nil, err
				}
				return l.Forward, nil
			}
			g.reference = func(dst, src, w, b []float32, relu bool) {
				generic.Conv2DTranspose(dst, src, w, b, c.Batch, f, relu)
			}
			g.terms = f.H.K * f.W.K * f.OutC
			g.outSize = []int{c.Batch, f.H.In, f.W.In, f.InC}
		case kerasgold.Dense:
			act := kerasActivations[c.Activation]
			g.build = func(im impl) (func(dst, src []float32, n int) error, error) {
				l, err := newDense(c.In, c.Out, c.Kernel, c.Bias, act, im)
				if err != nil {
					return nil, err
				}
				return l.Forward, nil
			}
			g.reference = func(dst, src, w, b []float32, relu bool) {
				generic.Dense(dst, src, w, b, c.Batch, c.In, c.Out, relu)
			}
			g.terms = c.In
			g.outSize = []int{c.Batch, c.Out}
		}
		if !slices.Equal(g.outSize, c.OutShape) {
			t.Errorf("%s: output shape %v, Keras gives %v", c.Name, g.outSize, c.OutShape)
		}
		gs[i] = g
	}
	return gs
}

// check compares got with Keras's output. Keras (tfjs, in float32) and the layer each
// err by at most (terms+3)·u·mag, mag the layer on |input|, |weights| and |bias| without
// activation (see checkWithin), so they may differ by twice that.
func (g goldenCase) check(t *testing.T, got []float32) {
	t.Helper()
	mag := make([]float32, len(got))
	g.reference(mag, abs(g.Input), abs(g.Kernel), abs(g.Bias), false)
	for i := range got {
		bound := 2*float64(g.terms+3)*unitRoundoff*float64(mag[i])*1.0001 + 1e-30
		if d := math.Abs(float64(got[i]) - float64(g.Output[i])); !(d <= bound) {
			t.Fatalf("%s: output[%d] = %g, Keras %g (error %g > bound %g)", g.Name, i, got[i], g.Output[i], d, bound)
		}
	}
}

// TestKerasGolden runs every golden case through its layer, on every ISA and blocking,
// and checks the output shape, the parameter count and the values against Keras; the
// conv2d_rgb_40404 case must come out exact.
func TestKerasGolden(t *testing.T) {
	cases := loadGolden(t)
	if len(cases) < 96 {
		t.Fatalf("%d golden cases, want 96", len(cases))
	}
	forEachISA(t, func(t *testing.T, im impl) {
		for _, bim := range blockings(im) {
			for _, g := range cases {
				forward, err := g.build(bim)
				if err != nil {
					t.Fatalf("%s: %v", g.Name, err)
				}
				got := nans(len(g.Output))
				if err := forward(got, g.Input, g.Batch); err != nil {
					t.Fatalf("%s: Forward: %v", g.Name, err)
				}
				g.check(t, got)
				if g.Name == "conv2d_rgb_40404" {
					for i, v := range got {
						if v != 40404 {
							t.Fatalf("%s: output[%d] = %v, want exactly 40404", g.Name, i, v)
						}
					}
				}
			}
		}
	})
}

// TestKerasGoldenGeneric holds the references in generic/ to the same standard.
func TestKerasGoldenGeneric(t *testing.T) {
	for _, g := range loadGolden(t) {
		got := nans(len(g.Output))
		g.reference(got, g.Input, g.Kernel, g.Bias, g.Activation == "relu")
		g.check(t, got)
	}
}

// TestLayerParamCount: every layer built from a Keras golden case reports the parameter
// count Keras's model.countParams() gave, bias or not, and Dense its sizes.
func TestLayerParamCount(t *testing.T) {
	cases, err := kerasgold.Load("../testdata/keras")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range cases {
		cfg := goldenConvConfig(&c)
		var got int
		switch c.Layer {
		case kerasgold.Conv2D:
			l, err := NewConv2D(cfg, c.Kernel, c.Bias)
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			got = l.ParamCount()
		case kerasgold.Conv2DTranspose:
			cfg.DilationH, cfg.DilationW = 1, 1 // tfjs drops it (testdata/keras/README.md)
			l, err := NewConv2DTranspose(Conv2DTransposeConfig{Conv2DConfig: cfg, OutputPadding: c.OutputPadding}, c.Kernel, c.Bias)
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			got = l.ParamCount()
		case kerasgold.Dense:
			l, err := NewDense(c.In, c.Out, c.Kernel, c.Bias, ReLU) // ReLU: a zero bias stands in, uncounted
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			if l.InputSize() != c.In || l.OutputSize() != c.Out {
				t.Errorf("%s: Dense sizes %d→%d, want %d→%d", c.Name, l.InputSize(), l.OutputSize(), c.In, c.Out)
			}
			got = l.ParamCount()
		}
		if got != c.ParamCount {
			t.Errorf("%s: ParamCount() = %d, Keras counts %d", c.Name, got, c.ParamCount)
		}
		seen[fmt.Sprint(c.Layer, c.UseBias)] = true
	}
	if len(seen) < 6 {
		t.Errorf("golden cases cover only %v of the layers × bias or not", seen)
	}
}
