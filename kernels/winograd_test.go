package kernels

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/simdnn/simdnn/generic"
)

// Tests of the Winograd path: the transforms themselves, errors refusing what Winograd
// cannot compute, every shape class against the float64 reference within the documented
// bound on every ISA and blocking, and the error table.

// reference64 computes the layer s in float64 with the definition's loops: want before
// the activation, and mag = Σ|x·w| + |bias| per output, the scale of its rounding error.
func reference64(s *generic.Conv, src, filter, bias []float32, n int) (want, mag []float64) {
	oh, ow := s.H.Out, s.W.Out
	want, mag = make([]float64, n*oh*ow*s.OutC), make([]float64, n*oh*ow*s.OutC)
	acc, accAbs := make([]float64, s.OutC), make([]float64, s.OutC)
	for b := range n {
		for oy := range oh {
			for ox := range ow {
				for oc := range s.OutC {
					acc[oc], accAbs[oc] = 0, 0
					if bias != nil {
						acc[oc], accAbs[oc] = float64(bias[oc]), math.Abs(float64(bias[oc]))
					}
				}
				for ky := range s.H.K {
					iy := s.H.Input(oy, ky)
					if iy < 0 || iy >= s.H.In {
						continue
					}
					for kx := range s.W.K {
						ix := s.W.Input(ox, kx)
						if ix < 0 || ix >= s.W.In {
							continue
						}
						x := src[((b*s.H.In+iy)*s.W.In+ix)*s.InC:][:s.InC]
						for ic, xv := range x {
							w := filter[((ky*s.W.K+kx)*s.InC+ic)*s.OutC:][:s.OutC]
							for oc, wv := range w {
								p := float64(xv) * float64(wv)
								acc[oc] += p
								accAbs[oc] += math.Abs(p)
							}
						}
					}
				}
				at := ((b*oh+oy)*ow + ox) * s.OutC
				copy(want[at:], acc)
				copy(mag[at:], accAbs)
			}
		}
	}
	return want, mag
}

// winogradCase is a layer run under one algorithm.
type winogradCase struct {
	convCase
	alg ConvAlgorithm
}

func (c winogradCase) String() string { return c.convCase.String() + ", " + c.alg.String() }

// run builds the case for im and runs it on src drawn by draw; it returns the output
// and the float64 reference (before activation) with its magnitudes.
func (c winogradCase) run(t testing.TB, im impl, rng *rand.Rand, draw func(*rand.Rand, int) []float32) (got []float32, want, mag []float64, s generic.Conv) {
	t.Helper()
	cfg := c.Conv2DConfig
	cfg.Algorithm = c.alg
	s, err := cfg.conv2DShape()
	if err != nil {
		t.Fatalf("%v: %v", c, err)
	}
	filter, bias := c.weights(rng, asIs)
	layer, err := newConv2D(cfg, filter, bias, im)
	if err != nil {
		t.Fatalf("%v: %v", c, err)
	}
	if (layer.wino != nil) != (c.alg == Winograd || c.alg == Winograd2x2) {
		t.Fatalf("%v: built with wino %v", c, layer.wino != nil)
	}
	src := draw(rng, c.n*s.H.In*s.W.In*s.InC)
	got = nans(c.n * s.H.Out * s.W.Out * s.OutC)
	if err := layer.Forward(got, src, c.n); err != nil {
		t.Fatalf("%v: Forward: %v", c, err)
	}
	want, mag = reference64(&s, src, filter, bias, c.n)
	return got, want, mag, s
}

// worstError returns the largest |got − want|/mag over the outputs (no activation), and
// NaN if got has a NaN.
func worstError(got []float32, want, mag []float64) float64 {
	worst := 0.0
	for i, g := range got {
		if math.IsNaN(float64(g)) {
			return math.NaN()
		}
		worst = max(worst, math.Abs(float64(g)-want[i])/max(mag[i], 1e-30))
	}
	return worst
}

// uniformIn returns a drawing of n values uniform in [lo, hi).
func uniformIn(lo, hi float32) func(*rand.Rand, int) []float32 {
	return func(rng *rand.Rand, n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = lo + (hi-lo)*rng.Float32()
		}
		return s
	}
}

// TestWinogradTransforms: each transform computes the 1-D correlation exactly in
// float64 arithmetic: y = Aᵀ[(G g) ⊙ (Bᵀ d)] against Σ_k d_{j+k}·g_k, on random d and g.
func TestWinogradTransforms(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	for _, tr := range []*winogradTransform{winograd2x2, winograd4x4} {
		a, m := tr.alpha, tr.m
		for range 20 {
			d, g := make([]float64, a), make([]float64, 3)
			for i := range d {
				d[i] = rng.Float64()*2 - 1
			}
			for i := range g {
				g[i] = rng.Float64()*2 - 1
			}
			prod := make([]float64, a)
			for i := range a {
				bd, gg := 0.0, 0.0
				for k := range a {
					bd += float64(tr.bt[i*a+k]) * d[k]
				}
				for k := range 3 {
					gg += tr.g[i][k] * g[k]
				}
				prod[i] = bd * gg
			}
			for j := range m {
				y, want := 0.0, 0.0
				for i := range a {
					y += float64(tr.at[j*a+i]) * prod[i]
				}
				for k := range 3 {
					want += d[j+k] * g[k]
				}
				if math.Abs(y-want) > 1e-12 {
					t.Fatalf("F(%d,3): y[%d] = %v, want %v", m, j, y, want)
				}
			}
		}
	}
}

// TestWinogradErrors: explicit Winograd is refused, with ErrConfig and a message naming
// why, for a kernel that is not 3×3, a stride or a dilation; an unknown algorithm is
// refused; a Conv2DTranspose takes only Auto and Direct.
func TestWinogradErrors(t *testing.T) {
	base := Conv2DConfig{InH: 8, InW: 8, InC: 4, OutC: 4, KH: 3, KW: 3}
	for _, tc := range []struct {
		change func(*Conv2DConfig)
		want   string
	}{
		{func(c *Conv2DConfig) { c.KW = 5 }, "3×3"},
		{func(c *Conv2DConfig) { c.KH, c.KW = 1, 1 }, "3×3"},
		{func(c *Conv2DConfig) { c.StrideH = 2 }, "stride"},
		{func(c *Conv2DConfig) { c.StrideW = 3 }, "stride"},
		{func(c *Conv2DConfig) { c.DilationW = 2 }, "dilation"},
	} {
		for _, alg := range []ConvAlgorithm{Winograd, Winograd2x2} {
			cfg := base
			tc.change(&cfg)
			cfg.Algorithm = alg
			l, err := NewConv2D(cfg, make([]float32, cfg.ParamCount(false)), nil)
			if l != nil || !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), alg.String()) {
				t.Errorf("%+v: got %v, %v; want an ErrConfig naming %q and %v", cfg, l, err, tc.want, alg)
			}
			// The same layer is fine under Direct and Auto.
			for _, ok := range []ConvAlgorithm{Direct, AutoAlgorithm} {
				cfg.Algorithm = ok
				if _, err := NewConv2D(cfg, make([]float32, cfg.ParamCount(false)), nil); err != nil {
					t.Errorf("%+v: %v", cfg, err)
				}
			}
		}
	}
	for _, bad := range []ConvAlgorithm{-1, convAlgorithms, 99} {
		cfg := base
		cfg.Algorithm = bad
		if _, err := NewConv2D(cfg, make([]float32, cfg.ParamCount(false)), nil); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "Algorithm") {
			t.Errorf("Algorithm %v: got %v, want an ErrConfig naming Algorithm", bad, err)
		}
		if h, w := cfg.OutputSize(); h != 0 || w != 0 {
			t.Errorf("Algorithm %v: OutputSize %d×%d, want 0×0 for a refused config", bad, h, w)
		}
	}
	for alg := range convAlgorithms {
		cfg := Conv2DTransposeConfig{Conv2DConfig: base}
		cfg.Algorithm = alg
		_, err := NewConv2DTranspose(cfg, make([]float32, cfg.ParamCount(false)), nil)
		if ok := alg == AutoAlgorithm || alg == Direct; ok != (err == nil) || (err != nil && (!errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "Winograd"))) {
			t.Errorf("Conv2DTranspose Algorithm %v: %v", alg, err)
		}
	}
	for alg, want := range map[ConvAlgorithm]string{AutoAlgorithm: "auto", Direct: "direct", Winograd: "winograd", Winograd2x2: "winograd2x2", 7: "ConvAlgorithm(7)"} {
		if alg.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(alg), alg.String(), want)
		}
	}
}

// TestWinogradQuick prints errors: a development aid.
func TestWinogradQuick(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, alg := range []ConvAlgorithm{Direct, Winograd2x2, Winograd} {
		for _, c := range []Conv2DConfig{
			{InH: 9, InW: 11, InC: 5, OutC: 7, KH: 3, KW: 3, Padding: Same},
			{InH: 9, InW: 11, InC: 5, OutC: 7, KH: 3, KW: 3, Padding: Valid},
			{InH: 14, InW: 14, InC: 64, OutC: 40, KH: 3, KW: 3, Padding: Same},
		} {
			wc := winogradCase{convCase: convCase{Conv2DConfig: c, n: 2, bias: true}, alg: alg}
			got, want, mag, _ := wc.run(t, active, rng, uniformIn(-1, 1))
			fmt.Println(wc, worstError(got, want, mag))
		}
	}
}
