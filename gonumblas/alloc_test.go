package gonumblas

import (
	"testing"

	"gonum.org/v1/gonum/blas"
)

// TestNoAllocations: the routines on simdnn allocate nothing once their pools are warm,
// reversed vectors (pooled scratch) and Sdot's result cell included.
func TestNoAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items at random")
	}
	const m, n = 96, 80
	a, x, y := randomFloat32s(m*n, 1), randomFloat32s(3*max(m, n), 2), randomFloat32s(3*max(m, n), 3)
	long := randomFloat32s(2*sdotMinN, 4)
	c := randomFloat32s(m*m, 5)
	for _, call := range []struct {
		name string
		f    func()
	}{
		{"Sgemm", func() { Implementation{}.Sgemm(blas.Trans, blas.NoTrans, m, m, n, 1.5, a, m, a, m, 0.5, c, m) }},
		{"Sgemv", func() { Implementation{}.Sgemv(blas.NoTrans, m, n, 1.5, a, n, x, 2, 0.5, y, 3) }},
		{"Sgemv reversed", func() { Implementation{}.Sgemv(blas.Trans, m, n, 1.5, a, n, x, -2, 0.5, y, -3) }},
		{"Sgemv one output, strided", func() { Implementation{}.Sgemv(blas.Trans, m, 1, 1.5, a, n, x, 2, 0.5, y, 1) }},
		{"Sdot", func() { Implementation{}.Sdot(len(long), long, 1, long, 1) }},
	} {
		call.f() // warm the pools
		if allocs := testing.AllocsPerRun(20, call.f); allocs != 0 {
			t.Errorf("%s: %v allocations a call", call.name, allocs)
		}
	}
}
