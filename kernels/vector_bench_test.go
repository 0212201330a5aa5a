package kernels

import (
	"fmt"
	"testing"
)

// BenchmarkDot4 times the transposed GEMV's row loop both ways, one dot4 per four rows
// against a dot per row, on rows held in L1 (4 of 1024 floats), in L2 (4 of 4096) and in
// memory (4096 of 4096, 64 MiB). GB/s counts the matrix once, the traffic a GEMV cannot
// avoid.
func BenchmarkDot4(b *testing.B) {
	forEachISABench(b, func(b *testing.B, im impl) {
		for _, size := range []struct{ n, rows int }{{1024, 4}, {4096, 4}, {4096, 4096}} {
			n, rows := size.n, size.rows
			x, a, out := make([]float32, n), make([]float32, rows*n), make([]float32, rows)
			for i := range x {
				x[i] = float32(i%7) - 3
			}
			for i := range a {
				a[i] = float32(i%5) - 2
			}
			gbps := func(b *testing.B) {
				b.ReportMetric(4*float64(len(a))*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
			}
			b.Run(fmt.Sprintf("n=%d/rows=%d/dot4", n, rows), func(b *testing.B) {
				for b.Loop() {
					for r := 0; r < rows; r += 4 {
						im.dot4(x, a[r*n:], n, out[r:])
					}
				}
				gbps(b)
			})
			b.Run(fmt.Sprintf("n=%d/rows=%d/dot", n, rows), func(b *testing.B) {
				for b.Loop() {
					for r := range out {
						out[r] = im.dot(x, a[r*n:])
					}
				}
				gbps(b)
			})
		}
	})
}
