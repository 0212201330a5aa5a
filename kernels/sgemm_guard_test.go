//go:build unix

package kernels

import (
	"math/rand/v2"
	"testing"

	"github.com/simdnn/simdnn/internal/guard"
)

// TestSgemmGuardPages places A, B and C so that each one's last element ends flush
// against an unmapped page: a kernel that reads or writes one element past any of them
// crashes the test. The shapes leave a partial tile on every edge.
func TestSgemmGuardPages(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		mr, nr := im.kernel.mr, im.kernel.nr
		rng := rand.New(rand.NewPCG(9, 10))
		shapes := [][3]int{
			{mr + 1, nr + 1, 3}, {2*mr - 1, 2*nr - 1, 17}, {1, nr + 3, 9}, {mr + 3, 1, 9},
			{mr - 1, nr - 1, im.blocking.KC + 1}, {1, 1, 1}, {mr, nr, 1},
		}
		for i, s := range shapes {
			for _, tr := range transCombos {
				c := sgemmCase{transA: tr[0], transB: tr[1], m: s[0], n: s[1], k: s[2],
					alpha: 1.5, beta: betas[i%len(betas)], padA: i % 2, padB: (i + 1) % 2}
				for _, p := range pathsFor(c.transB, c.m, c.n) {
					c.checkPlaced(t, p, rng, func(s []float32) []float32 { return guard.Float32s(t, s) })
				}
			}
		}
	})
}
