package bench

import (
	"fmt"
	"testing"

	"github.com/simdnn/simdnn/kernels"
)

// BenchmarkConcurrent: GOMAXPROCS goroutines calling at once, as a server with a
// goroutine per request does, each on its own operands; GFLOPS is their aggregate. Each
// call may use every core, but helpers join only when idle, so the calls share the
// machine instead of oversubscribing it: the aggregate should be no lower than
// GOMAXPROCS single-threaded callers would reach (GOMAXPROCS × the one-thread figure).
func BenchmarkConcurrent(b *testing.B) {
	const m, n, k = 1024, 1024, 1024
	b.Run(fmt.Sprintf("simdnn-%s/sgemm-%dx%dx%d", kernels.ISA(), m, n, k), func(b *testing.B) {
		b.SetParallelism(1)
		b.RunParallel(func(pb *testing.PB) {
			a, bm, c := randomSlice(m*k), randomSlice(k*n), make([]float32, m*n)
			for pb.Next() {
				kernels.Sgemm(false, false, m, n, k, 1, a, k, bm, n, 0, c, n)
			}
		})
		b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
	})
	s := convShapes[0]
	conv, outH, outW := newConv(b, s)
	b.Run(fmt.Sprintf("simdnn-%s/conv-%dx%dx%d-%d-s%d", kernels.ISA(), s.size, s.size, s.inC, s.outC, s.stride), func(b *testing.B) {
		b.SetParallelism(1)
		b.RunParallel(func(pb *testing.PB) {
			src, dst := randomSlice(s.size*s.size*s.inC), make([]float32, outH*outW*s.outC)
			for pb.Next() {
				if err := conv.Forward(dst, src, 1); err != nil {
					b.Error(err)
					return
				}
			}
		})
		flops := 2 * float64(outH*outW*s.outC*s.inC*9)
		b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
	})
}
