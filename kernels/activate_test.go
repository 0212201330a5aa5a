package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/simdnn/simdnn/generic"
)

// TestActivate checks the standalone layers against generic's functions: every
// activation, in place and not, Softmax row by row, prefixes of longer slices.
func TestActivate(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	const rows, cols = 3, 7
	src := uniform(rng, rows*cols+2)
	for i := range src {
		src[i] *= 8 // beyond sigmoid's and tanh's linear range
	}
	for act := Linear; act < activations; act++ {
		want := make([]float32, rows*cols)
		for r := range rows {
			genericActivations[act](want[r*cols:(r+1)*cols], src[r*cols:(r+1)*cols])
		}
		got := nans(rows*cols + 2)
		if err := Activate(got, src, rows, cols, act); err != nil {
			t.Fatal(err)
		}
		inPlace := append([]float32(nil), src...)
		if err := Activate(inPlace, inPlace, rows, cols, act); err != nil {
			t.Fatal(err)
		}
		for i, w := range want {
			bound := 4 * unitRoundoff * math.Abs(float64(w))
			if d := math.Abs(float64(got[i] - w)); !(d <= bound) || inPlace[i] != got[i] {
				t.Fatalf("%v: [%d] = %g (in place %g), want %g", act, i, got[i], inPlace[i], w)
			}
		}
		if !math.IsNaN(float64(got[rows*cols])) || inPlace[rows*cols] != src[rows*cols] {
			t.Fatalf("%v: Activate wrote past rows·cols", act)
		}
	}
	if err := Activate(nil, nil, 1, 1, activations); err == nil {
		t.Error("Activate accepted an unknown activation")
	}
	checkError(t, true, Activate(make([]float32, 5), make([]float32, 6), 2, 3, Sigmoid), "kernels: Activate dst has 5 values, want 6 (rows·cols)")
	checkError(t, true, Activate(nil, nil, 2, 0, Sigmoid), "kernels: Activate cols is 0, want ≥ 1")
	checkError(t, true, Activate(nil, nil, 2, 3, -1), "kernels: Activate act is Activation(-1)")
}

func TestLeakyReLUAlpha(t *testing.T) {
	src := []float32{-2, -0.5, 0, 3, float32(math.Inf(-1)), 9}
	for _, alpha := range []float32{0.2, 0.3, 0.01} {
		want := make([]float32, 5)
		generic.LeakyReLU(want, src, alpha)
		got := nans(6)
		if err := LeakyReLUAlpha(got, src, 5, alpha); err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if got[i] != want[i] || want[i] != src[i] && want[i] != alpha*src[i] {
				t.Fatalf("alpha %v: [%d] = %v, want %v", alpha, i, got[i], want[i])
			}
		}
		if !math.IsNaN(float64(got[5])) {
			t.Fatal("LeakyReLUAlpha wrote past n")
		}
	}
	checkError(t, true, LeakyReLUAlpha(make([]float32, 2), make([]float32, 3), 3, 0.3), "kernels: LeakyReLUAlpha dst has 2 values, want 3 (n)")
}

// TestLeakyReLUKernels checks each ISA's LeakyReLU at any slope in [0, 1] bit for bit
// against generic.LeakyReLU, in place and not, over every tail.
func TestLeakyReLUKernels(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		rng := rand.New(rand.NewPCG(27, 28))
		for n := 0; n <= 70; n++ {
			src := uniform(rng, n)
			for _, alpha := range []float32{0, 0.01, 0.2, 0.3, 1} {
				want, got := make([]float32, n), nans(n)
				generic.LeakyReLU(want, src, alpha)
				im.leakyReLU(got, src, alpha)
				inPlace := append([]float32(nil), src...)
				im.leakyReLU(inPlace, inPlace, alpha)
				for i := range want {
					if got[i] != want[i] || inPlace[i] != want[i] {
						t.Fatalf("n=%d alpha %v: [%d] = %v (in place %v), want %v", n, alpha, i, got[i], inPlace[i], want[i])
					}
				}
			}
		}
	})
}
