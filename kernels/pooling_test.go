package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// poolCase is one pooling layer and call.
type poolCase struct {
	Pool2DConfig
	n int
}

func (c poolCase) String() string {
	return fmt.Sprintf("pool %d×%d×%d, window %d×%d, stride %d,%d, %v, n %d",
		c.InH, c.InW, c.C, c.PoolH, c.PoolW, c.StrideH, c.StrideW, c.Padding, c.n)
}

// naivePool is the pooling layers' definition, one output at a time: over the window's
// positions inside the image (TensorFlow's same padding: the odd pad at the bottom and
// right), the largest value, or the mean. It returns the output and its height and width.
func naivePool(c poolCase, src []float32, average bool) (out []float32, outH, outW int) {
	sh, sw := cmp0(c.StrideH, c.PoolH), cmp0(c.StrideW, c.PoolW)
	outLen := func(in, k, s int) int {
		if c.Padding == Same {
			return (in + s - 1) / s
		}
		return (in - k + s) / s
	}
	pad := func(in, k, s, out int) int { return max((out-1)*s+k-in, 0) / 2 }
	outH, outW = outLen(c.InH, c.PoolH, sh), outLen(c.InW, c.PoolW, sw)
	padH, padW := pad(c.InH, c.PoolH, sh, outH), pad(c.InW, c.PoolW, sw, outW)
	if c.Padding == Valid {
		padH, padW = 0, 0
	}
	for b := range c.n {
		for oy := range outH {
			for ox := range outW {
				for ch := range c.C {
					best, sum, count := math.Inf(-1), 0.0, 0
					for ky := range c.PoolH {
						for kx := range c.PoolW {
							y, x := oy*sh-padH+ky, ox*sw-padW+kx
							if y < 0 || y >= c.InH || x < 0 || x >= c.InW {
								continue
							}
							v := float64(src[((b*c.InH+y)*c.InW+x)*c.C+ch])
							best, sum, count = max(best, v), sum+v, count+1
						}
					}
					if average {
						out = append(out, float32(sum/float64(count)))
					} else {
						out = append(out, float32(best))
					}
				}
			}
		}
	}
	return out, outH, outW
}

// cmp0 returns v, or def when v is 0.
func cmp0(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// poolSweep lists windows 1×1 to 3×3 and 2×3, strides 0 (the window), 1, 2 and (1, 2),
// both paddings, on odd and even images, some a single pixel.
func poolSweep(rng *rand.Rand) []poolCase {
	var cases []poolCase
	for _, window := range [][2]int{{1, 1}, {2, 2}, {3, 3}, {2, 3}, {3, 1}} {
		for _, stride := range [][2]int{{0, 0}, {1, 1}, {2, 2}, {1, 2}} {
			for _, pad := range []Padding{Valid, Same} {
				c := poolCase{Pool2DConfig{
					InH: 1 + rng.IntN(8), InW: 1 + rng.IntN(8), C: pick(rng, []int{1, 3, 17}),
					PoolH: window[0], PoolW: window[1], StrideH: stride[0], StrideW: stride[1], Padding: pad,
				}, 1 + rng.IntN(3)}
				if pad == Valid {
					c.InH, c.InW = max(c.InH, c.PoolH), max(c.InW, c.PoolW)
				}
				cases = append(cases, c)
			}
		}
	}
	return cases
}

func TestPoolingTable(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		rng := rand.New(rand.NewPCG(21, 22))
		for _, c := range poolSweep(rng) {
			src := uniform(rng, c.n*c.InH*c.InW*c.C)
			for _, average := range []bool{false, true} {
				want, outH, outW := naivePool(c, src, average)
				if h, w := c.OutputSize(); h != outH || w != outW {
					t.Fatalf("%v: OutputSize %d×%d, want %d×%d", c, h, w, outH, outW)
				}
				// Long slices: Forward writes the prefix and leaves the rest.
				dst := nans(len(want) + 5)
				var err error
				if average {
					var p *AveragePooling2D
					if p, err = newAveragePooling2D(c.Pool2DConfig, im); err == nil {
						err = p.Forward(dst, append(slices.Clone(src), 7), c.n)
					}
				} else {
					var p *MaxPooling2D
					if p, err = newMaxPooling2D(c.Pool2DConfig, im); err == nil {
						err = p.Forward(dst, append(slices.Clone(src), 7), c.n)
					}
				}
				if err != nil {
					t.Fatalf("%v: %v", c, err)
				}
				for i, w := range want {
					// A mean of at most 9 values: the sum's rounding and the division's.
					if d := math.Abs(float64(dst[i] - w)); d > 10*unitRoundoff*math.Abs(float64(w))+1e-30 && (!average || d > 1e-6) {
						t.Fatalf("%v, average %v: output[%d] = %g, want %g", c, average, i, dst[i], w)
					}
				}
				for _, v := range dst[len(want):] {
					if !math.IsNaN(float64(v)) {
						t.Fatalf("%v: Forward wrote past its output", c)
					}
				}
			}
		}
	})
}

func TestMaxPoolingNaN(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		p, err := newMaxPooling2D(Pool2DConfig{InH: 2, InW: 2, C: 1, PoolH: 2, PoolW: 2}, im)
		if err != nil {
			t.Fatal(err)
		}
		dst := []float32{0}
		for i := range 4 {
			src := []float32{1, 2, 3, 4}
			src[i] = float32(math.NaN())
			if err := p.Forward(dst, src, 1); err != nil || !math.IsNaN(float64(dst[0])) {
				t.Errorf("NaN at %d: max %v, %v; want NaN", i, dst[0], err)
			}
		}
	})
}

func TestGlobalAveragePooling(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, shape := range [][3]int{{1, 1, 1}, {3, 5, 7}, {4, 4, 64}, {2, 3, 130}, {7, 7, 65}} {
		h, w, c := shape[0], shape[1], shape[2]
		const n = 2
		g, err := NewGlobalAveragePooling2D(h, w, c)
		if err != nil {
			t.Fatal(err)
		}
		src := uniform(rng, n*h*w*c)
		dst := nans(n*c + 3)
		if err := g.Forward(dst, src, n); err != nil {
			t.Fatal(err)
		}
		for b := range n {
			for ch := range c {
				var sum float64
				for p := range h * w {
					sum += float64(src[(b*h*w+p)*c+ch])
				}
				if want := float32(sum / float64(h*w)); dst[b*c+ch] != want {
					t.Fatalf("%v: output[%d][%d] = %g, want %g", shape, b, ch, dst[b*c+ch], want)
				}
			}
		}
		if !math.IsNaN(float64(dst[n*c])) {
			t.Fatalf("%v: Forward wrote past its output", shape)
		}
	}
}

func TestPoolingErrors(t *testing.T) {
	ok := Pool2DConfig{InH: 4, InW: 4, C: 2, PoolH: 2, PoolW: 2}
	with := func(f func(*Pool2DConfig)) Pool2DConfig { c := ok; f(&c); return c }
	for _, tc := range []struct {
		name string
		cfg  Pool2DConfig
		want string
	}{
		{"C0", with(func(c *Pool2DConfig) { c.C = 0 }), "kernels: MaxPooling2D C is 0, want ≥ 1"},
		{"PoolHNeg", with(func(c *Pool2DConfig) { c.PoolH = -1 }), "kernels: MaxPooling2D PoolH is -1, want ≥ 1"},
		{"StrideWNeg", with(func(c *Pool2DConfig) { c.StrideW = -2 }), "kernels: MaxPooling2D StrideW is -2, want ≥ 1 (or 0, meaning the pool size)"},
		{"Padding", with(func(c *Pool2DConfig) { c.Padding = 2 }), "kernels: MaxPooling2D Padding is Padding(2), want Valid or Same"},
		{"PoolTooTall", with(func(c *Pool2DConfig) { c.PoolH = 5 }), "kernels: MaxPooling2D PoolH 5 is larger than InH 4 with Valid padding"},
		{"Huge", with(func(c *Pool2DConfig) { c.InW = maxDim + 1 }), "MaxPooling2D InW is"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := NewMaxPooling2D(tc.cfg)
			checkError(t, p == nil, err, tc.want)
			if h, w := tc.cfg.OutputSize(); h != 0 || w != 0 {
				t.Errorf("OutputSize of a refused config = %d×%d, want 0×0", h, w)
			}
		})
	}
	p, _ := NewAveragePooling2D(ok)
	checkError(t, true, p.Forward(make([]float32, 8), make([]float32, 31), 1), "kernels: AveragePooling2D.Forward src has 31 values, want 32 (n·InH·InW·C)")
	checkError(t, true, p.Forward(make([]float32, 7), make([]float32, 32), 1), "kernels: AveragePooling2D.Forward dst has 7 values, want 8 (n·outH·outW·C)")
	checkError(t, true, p.Forward(nil, nil, 0), "kernels: AveragePooling2D.Forward n is 0, want ≥ 1")
	g, err := NewGlobalAveragePooling2D(2, 0, 3)
	checkError(t, g == nil, err, "kernels: GlobalAveragePooling2D InW is 0, want ≥ 1")
}

func TestPoolingAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	cfg := Pool2DConfig{InH: 9, InW: 9, C: 5, PoolH: 3, PoolW: 3, StrideH: 2, StrideW: 2, Padding: Same}
	maxPool, _ := NewMaxPooling2D(cfg)
	avgPool, _ := NewAveragePooling2D(cfg)
	global, _ := NewGlobalAveragePooling2D(9, 9, 5)
	src, dst := make([]float32, 2*9*9*5), make([]float32, 2*5*5*5)
	for name, f := range map[string]func(){
		"MaxPooling2D":           func() { maxPool.Forward(dst, src, 2) },
		"AveragePooling2D":       func() { avgPool.Forward(dst, src, 2) },
		"GlobalAveragePooling2D": func() { global.Forward(dst, src, 2) },
		"Activate":               func() { Activate(dst, src, 10, 5, Softmax) },
		"LeakyReLUAlpha":         func() { LeakyReLUAlpha(dst, src, 50, 0.3) },
	} {
		if a := testing.AllocsPerRun(10, f); a != 0 {
			t.Errorf("%s allocates %v times per call", name, a)
		}
	}
}
