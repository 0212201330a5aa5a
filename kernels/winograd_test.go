package kernels

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/simdnn/simdnn/dispatch"
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

// tileScales returns, for each output of the layer s (n images), the scale of the
// Winograd error of its m×m output tile in its channel: Σ_ic Σ|d|·Σ|g| + |bias|, d the
// tile's α×α inputs (in the image) of channel ic and g the 3×3 filter from ic. The
// transformed products hold every cross term d·g, most of which cancel in the output,
// so this, not the output's own Σ|x·w|, bounds their rounding errors whatever the data.
func tileScales(s *generic.Conv, src, filter, bias []float32, n, m int) []float32 {
	oh, ow, inC, outC := s.H.Out, s.W.Out, s.InC, s.OutC
	gsum := make([]float64, inC*outC)
	for t := range 9 {
		for i := range inC * outC {
			gsum[i] += math.Abs(float64(filter[t*inC*outC+i]))
		}
	}
	scales := make([]float32, n*oh*ow*outC)
	dsum, tile := make([]float64, inC), make([]float64, outC)
	for b := range n {
		for ty := 0; ty < oh; ty += m {
			for tx := 0; tx < ow; tx += m {
				clear(dsum)
				for iy := max(ty-s.H.Pad, 0); iy < min(ty-s.H.Pad+m+2, s.H.In); iy++ {
					for ix := max(tx-s.W.Pad, 0); ix < min(tx-s.W.Pad+m+2, s.W.In); ix++ {
						for ic, v := range src[((b*s.H.In+iy)*s.W.In+ix)*inC:][:inC] {
							dsum[ic] += math.Abs(float64(v))
						}
					}
				}
				for oc := range outC {
					tile[oc] = 0
					if bias != nil {
						tile[oc] = math.Abs(float64(bias[oc]))
					}
					for ic := range inC {
						tile[oc] += dsum[ic] * gsum[ic*outC+oc]
					}
				}
				for y := ty; y < min(ty+m, oh); y++ {
					for x := tx; x < min(tx+m, ow); x++ {
						for oc := range outC {
							scales[((b*oh+y)*ow+x)*outC+oc] = float32(tile[oc])
						}
					}
				}
			}
		}
	}
	return scales
}

// winogradTileBound is κ: an algorithm's error is at most κ·u·tileScales. Random layers
// of 1 to 256 channels, images 1×7 to 30×30, measured at most 1.96 for F(4×4) and 0.43
// for F(2×2); κ leaves a factor of eight. On 120 such layers the transform kernels
// (asm/winograd.go) measured 1.26 and 0.25 where the transforms on the SGEMM kernel
// measured 1.12 and 0.23.
func winogradTileBound(alg ConvAlgorithm) int {
	if alg == Winograd {
		return 16
	}
	return 4
}

// check runs the case on im and compares it, activation included, with the float64
// reference within κ·u·tileScales (winogradTileBound), and with generic.Conv2D within
// that plus generic's own bound.
func (c winogradCase) check(t testing.TB, im impl, rng *rand.Rand, place func([]float32) []float32) {
	t.Helper()
	cfg := c.Conv2DConfig
	cfg.Algorithm = c.alg
	s, err := cfg.conv2DShape()
	if err != nil {
		t.Fatalf("%v: %v", c, err)
	}
	filter, bias := c.weights(rng, place)
	layer, err := newConv2D(cfg, filter, bias, im)
	if err != nil {
		t.Fatalf("%v: %v", c, err)
	}
	if (layer.wino != nil) != (c.alg == Winograd || c.alg == Winograd2x2) {
		t.Fatalf("%v: built with wino %v", c, layer.wino != nil)
	}
	src := place(uniform(rng, c.n*s.H.In*s.W.In*s.InC))
	dst := place(nans(c.n * s.H.Out * s.W.Out * s.OutC))
	if err := layer.Forward(dst, src, c.n); err != nil {
		t.Fatalf("%v: Forward: %v", c, err)
	}
	want64, mag64 := reference64(&s, src, filter, bias, c.n)
	want, mag := make([]float32, len(dst)), make([]float32, len(dst))
	for i := range want {
		want[i], mag[i] = float32(want64[i]), float32(mag64[i])
	}
	scale := tileScales(&s, src, filter, bias, c.n, winogradTransformFor(c.alg).m)
	terms := winogradTileBound(c.alg) - 3
	checkActivated(t, c, dst, want, scale, terms, c.Activation, s.OutC)
	generic.Conv2D(want, src, filter, bias, c.n, s, false)
	for i := range scale {
		scale[i] += float32(9*s.InC+3) * mag[i] / float32(terms+3) // generic's own error
	}
	checkActivated(t, c, dst, want, scale, terms, c.Activation, s.OutC)
}

// winogradSweep lists 3×3 stride-1 layers of every class: every image size from 1×1 to
// 7×7 (valid padding needs 3), sizes that are no multiple of either output tile, valid
// and same, batch 1 and 3, channel counts around every tile width, every activation,
// bias or not.
func winogradSweep(rng *rand.Rand) []convCase {
	var cases []convCase
	for h := 1; h <= 7; h++ {
		for w := 1; w <= 7; w++ {
			for _, pad := range []Padding{Valid, Same} {
				if pad == Valid && (h < 3 || w < 3) {
					continue
				}
				c := randomConv(rng, 3, 3, pad, 1, 1, 1, 1)
				c.InH, c.InW = h, w
				cases = append(cases, c)
			}
		}
	}
	for _, hw := range [][2]int{{9, 10}, {11, 13}, {17, 6}, {14, 15}, {23, 21}} {
		for _, pad := range []Padding{Valid, Same} {
			c := randomConv(rng, 3, 3, pad, 1, 1, 1, 1)
			c.InH, c.InW = hw[0], hw[1]
			c.InC, c.OutC = pick(rng, tileWidths)+rng.IntN(40), pick(rng, tileWidths)+rng.IntN(40)
			cases = append(cases, c)
		}
	}
	return cases
}

// TestWinogradTable: both Winograd algorithms on every class of layer, every ISA, the
// real blocking and tiny blocks (a block of MR tiles, KC slices of 5 channels).
func TestWinogradTable(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		rng := rand.New(rand.NewPCG(53, 54))
		cases := winogradSweep(rng)
		for k, bim := range blockings(im) {
			for _, c := range cases {
				if k > 0 && c.InH*c.InW > 64 && im.isa == dispatch.Generic {
					continue // the pure-Go kernels take long; the tiny blocks are the same code
				}
				for _, alg := range []ConvAlgorithm{Winograd, Winograd2x2} {
					winogradCase{convCase: c, alg: alg}.check(t, bim, rng, asIs)
				}
			}
		}
	})
}

// TestWinogradThreadsBitExact: the Winograd layers' outputs are bit-for-bit the same at
// every thread count, with many blocks (tiny blocking) and few.
func TestWinogradThreadsBitExact(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		rng := rand.New(rand.NewPCG(55, 56))
		for _, bim := range blockings(im) {
			for _, c := range []convCase{
				{Conv2DConfig: Conv2DConfig{InH: 23, InW: 17, InC: 19, OutC: 37, KH: 3, KW: 3, Padding: Same, Activation: ReLU}, n: 3, bias: true},
				{Conv2DConfig: Conv2DConfig{InH: 30, InW: 30, InC: 64, OutC: 33, KH: 3, KW: 3, Activation: Softmax}, n: 2, bias: true},
				{Conv2DConfig: Conv2DConfig{InH: 5, InW: 9, InC: 3, OutC: 8, KH: 3, KW: 3, Padding: Same}, n: 4},
			} {
				for _, alg := range []ConvAlgorithm{Winograd, Winograd2x2} {
					cfg := c.Conv2DConfig
					cfg.Algorithm = alg
					filter, bias := c.weights(rng, asIs)
					conv, err := newConv2D(cfg, filter, bias, bim)
					if err != nil {
						t.Fatal(err)
					}
					oh, ow := conv.OutputSize()
					src := uniform(rng, c.n*c.InH*c.InW*c.InC)
					checkThreadsBitExact(t, winogradCase{c, alg}.String(), conv.Forward, oh*ow*c.OutC*c.n, src, c.n)
				}
			}
		}
	})
}

// TestWinogradAuto: AutoAlgorithm's choices on the measured shapes (autoWinograd), and
// Direct for every layer Winograd cannot compute or the ISA was not measured on.
func TestWinogradAuto(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		measured := im.isa == dispatch.AVX512 || im.isa == dispatch.AVX2
		for _, c := range []struct {
			h, inC, outC int
			kh, stride   int
			want         ConvAlgorithm
		}{
			{56, 64, 64, 3, 1, Winograd}, {28, 128, 128, 3, 1, Winograd}, {14, 256, 256, 3, 1, Winograd},
			{7, 512, 512, 3, 1, Winograd2x2}, {7, 256, 256, 3, 1, Winograd2x2}, {7, 128, 128, 3, 1, Winograd2x2},
			{14, 64, 64, 3, 1, Winograd}, {28, 32, 64, 3, 1, Winograd}, {56, 32, 32, 3, 1, Winograd},
			{56, 16, 16, 3, 1, Winograd}, {14, 16, 16, 3, 1, Winograd}, {56, 16, 64, 3, 1, Winograd},
			{7, 1024, 1024, 3, 1, Direct}, {56, 12, 12, 3, 1, Direct}, {56, 64, 12, 3, 1, Direct}, {224, 3, 32, 3, 1, Direct}, {28, 8, 8, 3, 1, Direct},
			{56, 64, 64, 3, 2, Direct}, {56, 64, 64, 5, 1, Direct}, {56, 64, 64, 1, 1, Direct},
		} {
			cfg := Conv2DConfig{InH: c.h, InW: c.h, InC: c.inC, OutC: c.outC, KH: c.kh, KW: c.kh, StrideH: c.stride, StrideW: c.stride, Padding: Same}
			l, err := newConv2D(cfg, make([]float32, cfg.ParamCount(false)), nil, im)
			if err != nil {
				t.Fatal(err)
			}
			got, want := Direct, c.want
			if l.wino != nil {
				got = Winograd2x2
				if l.wino.tr == winograd4x4 {
					got = Winograd
				}
			}
			if !measured {
				want = Direct
			}
			if got != want {
				t.Errorf("%d²×%d→%d, %d×%d stride %d: Auto chose %v, want %v", c.h, c.inC, c.outC, c.kh, c.kh, c.stride, got, want)
			}
		}
	})
}

// TestWinogradNoAllocs: Forward allocates nothing in steady state, at several thread
// counts.
func TestWinogradNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	rng := rand.New(rand.NewPCG(57, 58))
	for _, alg := range []ConvAlgorithm{Winograd, Winograd2x2} {
		cfg := Conv2DConfig{InH: 20, InW: 18, InC: 32, OutC: 48, KH: 3, KW: 3, Padding: Same, Activation: GELU, Algorithm: alg}
		conv, err := NewConv2D(cfg, uniform(rng, cfg.ParamCount(false)), uniform(rng, cfg.OutC))
		if err != nil {
			t.Fatal(err)
		}
		src, dst := uniform(rng, 2*20*18*32), make([]float32, 2*20*18*48)
		for _, threads := range []int{1, 2, 3} {
			withThreads(threads, func() {
				f := func() { conv.Forward(dst, src, 2) }
				for range 5 {
					f()
				}
				if allocs := testing.AllocsPerRun(20, f); allocs != 0 {
					t.Errorf("%v, %d threads: %v allocations per call, want 0", alg, threads, allocs)
				}
			})
		}
	}
}

// errorShapes are the layers the error table measures: the benchmark shapes (fewer
// filters, since the error of an output does not depend on the others) and InC from 1
// to 1024.
var errorShapes = []Conv2DConfig{
	{InH: 56, InW: 56, InC: 64, OutC: 16},
	{InH: 28, InW: 28, InC: 128, OutC: 16},
	{InH: 14, InW: 14, InC: 256, OutC: 32},
	{InH: 7, InW: 7, InC: 512, OutC: 64},
	{InH: 10, InW: 9, InC: 1024, OutC: 16},
	{InH: 13, InW: 11, InC: 3, OutC: 32},
	{InH: 12, InW: 12, InC: 16, OutC: 32},
	{InH: 15, InW: 15, InC: 1, OutC: 32},
}

// measureErrors returns alg's worst error per shape, for inputs in [−1, 1] (worst[0])
// and in [0, 6] (worst[1]).
func measureErrors(t testing.TB, im impl, alg ConvAlgorithm, seed uint64) (worst [2][]float64) {
	for r, draw := range []func(*rand.Rand, int) []float32{uniformIn(-1, 1), uniformIn(0, 6)} {
		rng := rand.New(rand.NewPCG(seed, uint64(r)))
		for _, cfg := range errorShapes {
			cfg.KH, cfg.KW, cfg.Padding = 3, 3, Padding(rng.IntN(2))
			c := winogradCase{convCase: convCase{Conv2DConfig: cfg, n: 1, bias: true}, alg: alg}
			got, want, mag, _ := c.run(t, im, rng, draw)
			worst[r] = append(worst[r], worstError(got, want, mag))
		}
	}
	return worst
}

// TestWinogradErrorTable measures the table on ConvAlgorithm on the active ISA and
// fails when an algorithm exceeds its documented bound. go test -v prints the table.
func TestWinogradErrorTable(t *testing.T) {
	if testing.Short() {
		t.Skip("the float64 references take seconds")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-12s %-8s", "algorithm", "inputs")
	for _, s := range errorShapes {
		fmt.Fprintf(&b, " %9s", fmt.Sprintf("%d²×%d", s.InH, s.InC))
	}
	fmt.Fprintf(&b, " %9s\n", "worst")
	for _, alg := range []ConvAlgorithm{Direct, Winograd2x2, Winograd} {
		worst := measureErrors(t, active, alg, 59)
		for r, rng := range []string{"[−1,1]", "[0,6]"} {
			fmt.Fprintf(&b, "%-12v %-8s", alg, rng)
			all := 0.0
			for i, e := range worst[r] {
				fmt.Fprintf(&b, " %9.2e", e)
				all = max(all, e)
				bound := winogradBound(alg, errorShapes[i].InC)
				if alg == Direct {
					bound = float64(9*errorShapes[i].InC+3) * unitRoundoff
				}
				if !(e <= bound) {
					t.Errorf("%v, %s, %+v: error %.3g exceeds the documented bound %.3g", alg, rng, errorShapes[i], e, bound)
				}
			}
			fmt.Fprintf(&b, " %9.2e\n", all)
		}
	}
	t.Logf("worst error relative to Σ|x·w|, ISA %s:\n%s", active.isa, b.String())
}
