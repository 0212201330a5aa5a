package kernels

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/simdnn/simdnn/generic"
)

// activationULPs bounds each activation kernel's error against its reference, in units
// in the last place of the reference's result (subnormal results: of 2^−149), and
// activationRelErr in units of u·|reference|, u = 2^−24, for normal results: the worst
// TestActivationAccuracy found on a sweep of every 16th float32 with 2^−20 ≤ |x| < 128
// (-activation.step=16; every 4096th elsewhere), which the kernels' doc comments
// (asm/activation.go) give. Linear, ReLU, ReLU6 and LeakyReLU are exact.
var (
	activationULPs   = [activations]float64{Sigmoid: 2, Tanh: 2, Swish: 2, GELU: 4, Softmax: 3}
	activationRelErr = [activations]float64{Sigmoid: 3.9, Tanh: 3.6, Swish: 4, GELU: 5.6}
)

// activationOwnError is the own-rounding term of checkActivated (layers_test.go), in
// units of u·|want|: every kernel's error must stay within it.
const activationOwnError = 6

// elementwiseActivations are the activations computed one value at a time.
var elementwiseActivations = []Activation{Linear, ReLU, ReLU6, LeakyReLU, Sigmoid, Tanh, Swish, GELU}

// activationRef is the reference of act: generic's.
func activationRef(act Activation, dst, src []float32) { genericActivations[act](dst, src) }

// ulpsOff returns |got − want| in units in the last place of want (2^−149 for want
// subnormal or zero): 0 when both are the same NaN-ness or the same infinity, +Inf when
// one is NaN or infinite and the other not the same.
func ulpsOff(got, want float32) float64 {
	switch {
	case want != want || got != got:
		if want != want && got != got {
			return 0
		}
		return math.Inf(1)
	case got == want:
		return 0
	case math.IsInf(float64(got), 0) || math.IsInf(float64(want), 0):
		return math.Inf(1)
	}
	ulp := math.Ldexp(1, -149)
	if w := math.Abs(float64(want)); w >= math.Ldexp(1, -126) {
		_, e := math.Frexp(w) // w = f·2^e, f in [0.5, 1)
		ulp = math.Ldexp(1, e-24)
	}
	return math.Abs(float64(got)-float64(want)) / ulp
}

// activationBandStep is the step between the bit patterns TestActivationAccuracy takes
// where the transcendental activations are neither exact nor saturated, 2^−20 ≤ |x| <
// 128: the documented bounds come from `go test -run TestActivationAccuracy -args
// -activation.step=16` (half a minute).
var activationBandStep = flag.Uint("activation.step", 256, "TestActivationAccuracy: step between float32 bit patterns with 2^−20 ≤ |x| < 128")

// activationSweep returns the inputs of the accuracy test: every step-th float32 bit
// pattern (both signs, the specials and subnormals among them), every bandStep-th one
// with 2^−20 ≤ |x| < 128, a grid over [−110, 110], and the values around each
// saturation point.
func activationSweep(step, bandStep uint32) []float32 {
	var xs []float32
	for b := uint64(0); b < 1<<32; b += uint64(step) {
		xs = append(xs, math.Float32frombits(uint32(b)))
	}
	for _, sign := range []uint32{0, 1 << 31} {
		for b := uint32(0x35800000); b < 0x43000000; b += bandStep {
			xs = append(xs, math.Float32frombits(b|sign))
		}
	}
	const grid = 1 << 18
	for i := range grid + 1 {
		xs = append(xs, float32(-110+220*float64(i)/grid))
	}
	for _, c := range []float32{0, 6, 9.01, 14.5, 15, 16.6, 87.33, 88.72, 89, 103.97, 104, 110} {
		for _, s := range []float32{-1, 1} {
			x := s * c
			for range 64 {
				xs = append(xs, x)
				x = math.Nextafter32(x, float32(math.Inf(1)))
			}
		}
	}
	return append(xs, 0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32)
}

// TestActivationAccuracy runs every elementwise activation of every ISA over
// activationSweep and checks its worst error against activationULPs and
// activationRelErr; it logs the worst errors and where (go test -v).
func TestActivationAccuracy(t *testing.T) {
	step, band := uint32(1<<12), uint32(*activationBandStep)
	if testing.Short() {
		step, band = 1<<16, max(band, 1<<14)
	}
	xs := activationSweep(step, band)
	want, got := make([]float32, len(xs)), make([]float32, len(xs))
	for _, act := range elementwiseActivations {
		activationRef(act, want, xs)
		forEachISA(t, func(t *testing.T, im impl) {
			im.activate[act](got, xs)
			worst, at, rel := 0.0, 0, 0.0
			for i := range xs {
				if d := ulpsOff(got[i], want[i]); d > worst {
					worst, at = d, i
				}
				if w := math.Abs(float64(want[i])); w >= 0x1p-126 && !math.IsInf(w, 0) {
					rel = max(rel, math.Abs(float64(got[i])-float64(want[i]))/(unitRoundoff*w))
				}
			}
			t.Logf("%v: worst %.2f ulps at x = %g (got %g, want %g); %.2f·u·|want| for normal results", act, worst, xs[at], got[at], want[at], rel)
			if !(rel <= activationRelErr[act] && rel <= activationOwnError) {
				t.Errorf("%v: error %.2f·u·|want| > %v·u·|want| (checkActivated's own-rounding term: %v)", act, rel, activationRelErr[act], activationOwnError)
			}
			if !(worst <= activationULPs[act]) {
				t.Errorf("%v: %g ulps at x = %g: got %g, want %g", act, worst, xs[at], got[at], want[at])
			}
		})
	}
}

// checkActivationOut compares got = act(src) with the reference within activationULPs.
func checkActivationOut(t *testing.T, what string, act Activation, got, src []float32) {
	t.Helper()
	want := make([]float32, len(got))
	activationRef(act, want, src)
	for i := range want {
		if d := ulpsOff(got[i], want[i]); !(d <= activationULPs[act]) {
			t.Fatalf("%s: %v[%d] of %g = %g, want %g (%g ulps)", what, act, i, src[i], got[i], want[i], d)
		}
	}
}

// activationLengths are the lengths the tests run: every one up to several vectors of
// every ISA (each tail, each block), then a few long ones.
func activationLengths() []int {
	ns := make([]int, 0, 80)
	for n := range 71 {
		ns = append(ns, n)
	}
	return append(ns, 127, 255, 256, 257, 1000, 4099)
}

// activationInput returns n values for act's tests: uniform over a range wide enough to
// reach each saturation (±20, ±120 for Softmax), with a NaN, ±Inf, ±0 and a subnormal
// sprinkled in when specials.
func activationInput(rng *rand.Rand, n int, scale float32, specials bool) []float32 {
	src := make([]float32, n)
	for i := range src {
		src[i] = scale * (2*rng.Float32() - 1)
	}
	if specials && n > 0 {
		for _, v := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0,
			float32(math.Copysign(0, -1)), 1e-40, -1e-40} {
			src[rng.IntN(n)] = v
		}
	}
	return src
}

// TestActivationLengths runs every activation of every ISA over every length, in place
// and out of place: each value within its bound, nothing past len(dst) written,
// nothing of src changed, and the aliased call bit for bit the same as the other.
func TestActivationLengths(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		rng := rand.New(rand.NewPCG(21, 22))
		for act := range activations {
			for _, n := range activationLengths() {
				scale := float32(20)
				if act == Softmax {
					scale = 120
				}
				src := activationInput(rng, n, scale, act != Softmax)
				const pad = 17
				dst := make([]float32, n+pad)
				for i := range dst {
					dst[i] = sentinel
				}
				orig := slices.Clone(src)
				srcLong := append(slices.Clone(src), 1, 2, 3) // len(src) > len(dst) is allowed
				im.activate[act](dst[:n], srcLong)
				what := fmt.Sprintf("n=%d", n)
				if act == Softmax {
					checkSoftmax(t, what, dst[:n], src)
				} else {
					checkActivationOut(t, what, act, dst[:n], src)
				}
				for i := n; i < len(dst); i++ {
					if dst[i] != sentinel {
						t.Fatalf("%s: %v wrote dst[%d] = %g past len(dst) %d", what, act, i, dst[i], n)
					}
				}
				if !slices.Equal(math32Bits(srcLong[:n]), math32Bits(orig)) {
					t.Fatalf("%s: %v changed src", what, act)
				}
				im.activate[act](srcLong[:n], srcLong[:n])
				if !slices.Equal(math32Bits(srcLong[:n]), math32Bits(dst[:n])) {
					t.Fatalf("%s: %v in place differs from out of place", what, act)
				}
			}
		}
	})
}

// math32Bits returns the bit patterns of s, so that NaNs compare equal.
func math32Bits(s []float32) []uint32 {
	b := make([]uint32, len(s))
	for i, x := range s {
		b[i] = math.Float32bits(x)
	}
	return b
}

// checkSoftmax compares a Softmax row with generic.Softmax's within activationULPs.
func checkSoftmax(t *testing.T, what string, got, src []float32) {
	t.Helper()
	want := make([]float32, len(got))
	generic.Softmax(want, src)
	for i := range want {
		if d := ulpsOff(got[i], want[i]); !(d <= activationULPs[Softmax]) {
			t.Fatalf("%s: softmax[%d] of %g = %g, want %g (%g ulps)", what, i, src[i], got[i], want[i], d)
		}
	}
}

// TestActivationSpecials checks the values the kernels promise at the edges, on every
// ISA: NaN stays NaN, the saturations are exact, ±0 keep their sign where the
// definition does, and no finite input overflows.
func TestActivationSpecials(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	negZero := float32(math.Copysign(0, -1))
	cases := []struct {
		act  Activation
		x    []float32
		want []float32
	}{
		{Sigmoid, []float32{inf, -inf, 0, 100, -110, 1e30, -1e30, nan}, []float32{1, 0, 0.5, 1, 0, 1, 0, nan}},
		{Tanh, []float32{inf, -inf, 0, negZero, 10, -10, 1e30, -1e30, 1e-40, nan}, []float32{1, -1, 0, negZero, 1, -1, 1, -1, 1e-40, nan}},
		{Swish, []float32{inf, -inf, 0, 100, -200, 1e30, -1e30, nan}, []float32{inf, nan, 0, 100, negZero, 1e30, negZero, nan}},
		{GELU, []float32{inf, -inf, 0, negZero, 10, -20, 1e30, -1e30, nan}, []float32{inf, nan, 0, negZero, 10, negZero, 1e30, negZero, nan}},
		{ReLU6, []float32{inf, -inf, 7, 6, 3, -1, negZero, nan}, []float32{6, 0, 6, 6, 3, 0, negZero, nan}},
		{LeakyReLU, []float32{inf, -inf, 5, -5, negZero, nan}, []float32{inf, -inf, 5, -1, negZero, nan}},
		{ReLU, []float32{inf, -inf, 5, -5, negZero, nan}, []float32{inf, 0, 5, 0, negZero, nan}},
	}
	forEachISA(t, func(t *testing.T, im impl) {
		for _, c := range cases {
			got := make([]float32, len(c.x))
			im.activate[c.act](got, c.x)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(c.want[i]) && !(got[i] != got[i] && c.want[i] != c.want[i]) {
					t.Errorf("%v(%g) = %g, want %g", c.act, c.x[i], got[i], c.want[i])
				}
			}
		}
	})
}

// TestSoftmaxRows runs rows the exponentials would overflow or underflow without the
// maximum taken out, on every ISA: large and huge magnitudes, the edges of float32's
// exponential, −Inf entries, and rows that must come out NaN.
func TestSoftmaxRows(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	rows := [][]float32{
		{1e30, 1e30, -1e30}, {-1e30, -1e30}, {88.7, 89, 88.72, 0}, {-88.7, -87.3, -103, -104, -150},
		{3.4e38, -3.4e38, 0}, {-3.4e38, -inf, -3.4e38}, {3.4e38, -3.4e38, -inf}, {-3e38, -1e38}, {-inf, 0, 1}, {-inf, -inf, 5}, {100, 0, -100}, {1e-40, -1e-40},
		{42}, {-inf},
		{inf, 0}, {nan, 1, 2}, {1, inf}, {-inf, -inf},
	}
	rng := rand.New(rand.NewPCG(23, 24))
	for _, scale := range []float32{1, 10, 100, 1000, 1e30} {
		for _, n := range []int{5, 33, 4096} {
			rows = append(rows, activationInput(rng, n, scale, false))
		}
	}
	forEachISA(t, func(t *testing.T, im impl) {
		for _, row := range rows {
			got := make([]float32, len(row))
			im.activate[Softmax](got, row)
			checkSoftmax(t, fmt.Sprint(row[:min(len(row), 5)]), got, row)
		}
	})
}

// TestActivationAllocs checks that no activation of any ISA allocates.
func TestActivationAllocs(t *testing.T) {
	src, dst := make([]float32, 100), make([]float32, 100)
	for i := range src {
		src[i] = float32(i) - 50
	}
	forEachISA(t, func(t *testing.T, im impl) {
		for act := range activations {
			f := im.activate[act]
			if n := testing.AllocsPerRun(10, func() { f(dst, src) }); n != 0 {
				t.Errorf("%v allocates %v times a call", act, n)
			}
		}
	})
}
