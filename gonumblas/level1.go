package gonumblas

import "github.com/simdnn/simdnn/kernels"

// Sdot returns the dot product of x and y, as gonum's Sdot: on simdnn's dot kernel
// (through kernels.Sgemm, a 1×1 product) for long contiguous vectors, gonum's own code
// otherwise. It checks its arguments in gonum's order and panics with gonum's values.
//
// A kernels.Sgemm call costs about 300 ns before its first FMA, gonum's SSE loop about
// 10 ns, so only long vectors gain, most while they sit in L2 (one thread, medians of 3:
// n=4096 386 against 378 ns, 8192 1267 against 1098, 65536 11.3 against 5.2 µs, 1M 379
// against 358 µs: memory-bound). Strided vectors stay gonum's: its SSE DotInc reads
// them in place, while kernels.Sgemm gathers them first (4096, stride 2: 1.9 against
// 8.9 µs).
func (im Implementation) Sdot(n int, x []float32, incX int, y []float32, incY int) float32 {
	if n < max(1, sdotMinN) || incX != 1 || incY != 1 {
		return im.Implementation.Sdot(n, x, incX, y, incY)
	}
	switch {
	case len(x) < n:
		panic(shortX)
	case len(y) < n:
		panic(shortY)
	}
	// The product lands in pooled scratch, not a local, which would escape through
	// kernels.Sgemm's arguments and cost an allocation a call.
	sum := getScratch(1)
	defer putScratch(sum)
	// op(A) = x, 1×n; op(B) = y, n×1 as a transposed 1×n row: a contiguous dot.
	kernels.Sgemm(false, true, 1, 1, n, 1, x, n, y, n, 0, *sum, 1)
	return (*sum)[0]
}
