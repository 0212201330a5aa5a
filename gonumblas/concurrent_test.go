package gonumblas

import (
	"math"
	"sync"
	"testing"

	"gonum.org/v1/gonum/blas"
)

// TestConcurrentCalls: goroutines calling at once, through the shared scratch pool
// (reversed vectors, gathered dot operands), get what one caller alone gets, bit for
// bit. Run it with -race too.
func TestConcurrentCalls(t *testing.T) {
	const m, n, goroutines, calls = 70, 90, 4, 20
	a := randomFloat32s(m*n, 1)
	x := randomFloat32s(3*max(m, n), 2)
	long := randomFloat32s(sdotMinN+5, 3)
	// Each run writes its outputs to its own slices: y for the reversed Sgemv, y1 for
	// the one-output strided Sgemv, and the Sdot.
	run := func(y, y1 []float32) float32 {
		Implementation{}.Sgemv(blas.NoTrans, m, n, 1.5, a, n, x, -2, 0, y, -3)
		Implementation{}.Sgemv(blas.Trans, m, 1, 1.5, a, n, x, 3, 0, y1, 1)
		return Implementation{}.Sdot(len(long), long, 1, long, 1)
	}
	wantY, wantY1 := make([]float32, 3*m), make([]float32, 1)
	wantDot := run(wantY, wantY1)

	var wg sync.WaitGroup
	errs := make(chan string, goroutines)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			y, y1 := make([]float32, 3*m), make([]float32, 1)
			for c := 0; c < calls; c++ {
				dot := run(y, y1)
				if math.Float32bits(dot) != math.Float32bits(wantDot) || !sameBits(y, wantY) || !sameBits(y1, wantY1) {
					errs <- "a concurrent call's result differs from the lone caller's"
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

func sameBits(a, b []float32) bool {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return len(a) == len(b)
}
