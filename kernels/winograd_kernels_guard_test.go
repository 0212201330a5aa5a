//go:build unix

package kernels

import (
	"math/rand/v2"
	"testing"

	"github.com/simdnn/simdnn/internal/guard"
)

// TestWinogradKernelsGuarded runs the transform kernels with src, dst and bias each
// ending flush against an unmapped page: the last element read is the last of src (the
// last channel of the tile's last element, or of M's last position), the last written
// the last of dst, for every channel count up to three vectors and every tail.
func TestWinogradKernelsGuarded(t *testing.T) {
	forEachWinogradKernel(t, func(t *testing.T, im impl, tr *winogradTransform) {
		rng := rand.New(rand.NewPCG(75, 76))
		place := func(s []float32) []float32 { return guard.Float32s(t, s) }
		for _, n := range winogradKernelLengths(im) {
			c := winogradKernelCase{tr: tr, n: n, colStride: n, rowStride: tr.alpha*n + 1, ld: n + 1}
			c.checkInput(t, im, rng, place)
			for _, corner := range [][2]int{{tr.m, tr.m}, {1, tr.m}, {tr.m, 1}, {1, 1}} {
				c := winogradKernelCase{tr: tr, n: n, rows: corner[0], cols: corner[1],
					colStride: n, rowStride: 3 * n, ld: n, relu: n%2 == 0, bias: true}
				c.checkOutput(t, im, rng, place)
			}
		}
	})
}
