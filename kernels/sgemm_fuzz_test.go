package kernels

import (
	"math/rand/v2"
	"testing"
)

// FuzzSgemm drives random shapes, transposes, leading dimensions and scalars through
// every path of every ISA against the float64 reference.
func FuzzSgemm(f *testing.F) {
	f.Add(false, false, uint8(7), uint8(19), uint8(5), uint8(0), uint8(1), uint8(2), uint8(0), uint8(1), uint64(1))
	f.Add(true, true, uint8(13), uint8(33), uint8(40), uint8(3), uint8(0), uint8(0), uint8(1), uint8(0), uint64(2))
	f.Add(true, false, uint8(1), uint8(65), uint8(3), uint8(0), uint8(0), uint8(5), uint8(2), uint8(2), uint64(3))
	f.Fuzz(func(t *testing.T, transA, transB bool, m, n, k, padA, padB, padC, alphaSel, betaSel uint8, seed uint64) {
		c := sgemmCase{transA: transA, transB: transB,
			m: int(m % 80), n: int(n % 80), k: int(k % 80),
			padA: int(padA % 8), padB: int(padB % 8), padC: int(padC % 8),
			alpha: []float32{1, -1.5, 0, 0.25}[alphaSel%4], beta: []float32{0, 1, 0.5, -2}[betaSel%4]}
		forEachISA(t, func(t *testing.T, im impl) {
			for _, p := range pathsFor(c.transB, c.m, c.n) {
				c.check(t, p, rand.New(rand.NewPCG(seed, uint64(c.m))))
			}
		})
	})
}
