package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkSgemmSplit times small squares on one thread and split over two whatever their
// size (splitAll): where two threads start to win is where dispatch's MinFlopsPerThread
// should put the threshold. Run with GOMAXPROCS ≥ 2.
func BenchmarkSgemmSplit(b *testing.B) {
	rng := rand.New(rand.NewPCG(43, 44))
	for _, size := range []int{64, 96, 128, 160, 192, 256} {
		a, bm, c := uniform(rng, size*size), uniform(rng, size*size), make([]float32, size*size)
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/%d/threads%d", ISA(), size, threads), func(b *testing.B) {
				withThreads(threads, func() {
					for b.Loop() {
						Sgemm(false, false, size, size, size, 1, a, size, bm, size, 0, c, size)
					}
				})
				b.ReportMetric(2*float64(size*size*size)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
			})
		}
	}
}
