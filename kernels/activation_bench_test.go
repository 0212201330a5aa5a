package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkActivation times every activation of every ISA (generic is the float64
// reference) over n values uniform in [−8, 8), from src to another dst: 1024 (a layer
// tile, in L1) and 65536 (2×256 KiB, in L2); Softmax as one row of n. GB/s counts the
// values read and written once each; elems/ns the values.
func BenchmarkActivation(b *testing.B) {
	forEachISABench(b, func(b *testing.B, im impl) {
		for act := range activations {
			for _, n := range []int{1024, 65536} {
				rng := rand.New(rand.NewPCG(27, 28))
				src := activationInput(rng, n, 8, false)
				dst := make([]float32, n)
				b.Run(fmt.Sprintf("%v/n=%d", act, n), func(b *testing.B) {
					f := im.activate[act]
					for b.Loop() {
						f(dst, src)
					}
					s := b.Elapsed().Seconds()
					b.ReportMetric(8*float64(n)*float64(b.N)/s/1e9, "GB/s")
					b.ReportMetric(float64(n)*float64(b.N)/s/1e9, "elems/ns")
				})
			}
		}
	})
}
