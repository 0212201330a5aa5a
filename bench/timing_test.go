package bench

import (
	"slices"
	"testing"
	"time"
)

// minBatch is the shortest batch of calls timed on its own, as the peers of
// ../shared/peers time theirs (batches of at least 2 ms, the median reported).
const minBatch = 2 * time.Millisecond

// timeCalls runs call for the benchmark's iterations and returns its calls per second
// two ways: the median over batches of at least minBatch, as the peers report theirs, so
// that a stall of the shared host in one batch moves it no more than theirs; and the
// mean over the whole run, which such a stall lowers.
func timeCalls(b *testing.B, call func()) (median, mean float64) {
	var rates []float64
	start, calls := time.Now(), 0
	for b.Loop() {
		call()
		calls++
		if t := time.Since(start); t >= minBatch {
			rates = append(rates, float64(calls)/t.Seconds())
			start, calls = time.Now(), 0
		}
	}
	mean = float64(b.N) / b.Elapsed().Seconds()
	if len(rates) == 0 {
		return mean, mean
	}
	slices.Sort(rates)
	return rates[len(rates)/2], mean
}

// reportGFLOPS times call, flops floating-point operations each, and reports GFLOPS
// (the median of timeCalls, the figure compared with the peers) and mean-GFLOPS.
func reportGFLOPS(b *testing.B, flops float64, call func()) {
	median, mean := timeCalls(b, call)
	b.ReportMetric(flops*median/1e9, "GFLOPS")
	b.ReportMetric(flops*mean/1e9, "mean-GFLOPS")
}
