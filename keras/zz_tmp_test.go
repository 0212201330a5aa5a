package keras

import (
	"testing"
	"time"
)

func TestTmpProfile(t *testing.T) {
	m := mnistCNN().load(t)
	for _, n := range []int{1, 64} {
		r := rng(12)
		src, dst := r.fill(n*m.InputSize()), make([]float32, n*m.OutputSize())
		el := make([]time.Duration, 8)
		m.Predict(dst, src, n)
		for range 10 {
			m.PredictTimed(dst, src, n, el)
		}
		for i, l := range m.Layers() {
			t.Logf("batch %d %-14s %v", n, l.Name, el[i]/10)
		}
	}
}
