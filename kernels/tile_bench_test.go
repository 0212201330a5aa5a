package kernels

import (
	"fmt"
	"testing"

	"github.com/simdnn/simdnn/dispatch"
)

// BenchmarkTile runs each micro-kernel on one packed A and B panel already in cache: the
// ceiling that the drivers' blocking can at best reach.
func BenchmarkTile(b *testing.B) {
	for _, k := range []int{64, 192, 384} {
		forEachISABench(b, func(b *testing.B, im impl) {
			mr, nr := im.kernel.mr, im.kernel.nr
			a, bp, c := make([]float32, mr*k), make([]float32, nr*k), make([]float32, mr*nr)
			b.Run(fmt.Sprintf("k=%d", k), func(b *testing.B) {
				for b.Loop() {
					im.kernel.tile(k, a, 1, mr, bp, nr, c, nr, 1, 1, mr, nr)
				}
				b.ReportMetric(2*float64(mr*nr*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
			})
		})
	}
}

func forEachISABench(b *testing.B, f func(b *testing.B, im impl)) {
	for _, isa := range dispatch.DetectedCPU().Supported {
		im, err := newImpl(isa)
		if err != nil {
			b.Fatalf("%s is detected but has no implementation: %v", isa, err)
		}
		b.Run(string(isa), func(b *testing.B) { f(b, im) })
	}
}
