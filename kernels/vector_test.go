//go:build unix

package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/simdnn/simdnn/generic"
	"github.com/simdnn/simdnn/internal/guard"
)

// TestVectorKernels compares each ISA's dot and axpy with the generic ones for every
// length up to two unrolled blocks and beyond, with x and y flush against unmapped pages.
func TestVectorKernels(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		rng := rand.New(rand.NewPCG(11, 12))
		for n := 0; n <= 300; n++ {
			x, y := randomMatrix(rng, 1, n, n), randomMatrix(rng, 1, n, n)
			gx, gy := guard.Float32s(t, x), guard.Float32s(t, y)

			var absSum float64
			for i := range x {
				absSum += math.Abs(float64(x[i]) * float64(y[i]))
			}
			const u = 1.0 / (1 << 24)
			want, got := generic.Dot(x, y), im.dot(gx, gy)
			if d := math.Abs(float64(got - want)); d > 2*float64(n+2)*u*absSum {
				t.Fatalf("n=%d: dot = %g, want %g", n, got, want)
			}

			generic.Axpy(-1.5, x, y)
			im.axpy(-1.5, gx, gy)
			for i := range y {
				if d := math.Abs(float64(gy[i] - y[i])); d > 4*u*math.Abs(float64(y[i]))+1e-7 {
					t.Fatalf("n=%d: axpy y[%d] = %g, want %g", n, i, gy[i], y[i])
				}
			}
		}
	})
}
