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

// TestSgemmSwapped: C = A·Bᵀ with a short, deep A, and C = Aᵀ·B with a short, deep B,
// computed as Cᵀ = op(B)ᵀ·op(A)ᵀ and transposed into C (swapped), are bit for bit the
// product the blocked path gives unswapped, the same sums term for term, over shapes
// whose short side is and is not a multiple of NR, with C's rows padded and flush
// against an unmapped page.
func TestSgemmSwapped(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		rng := rand.New(rand.NewPCG(41, 42))
		for _, transA := range []bool{false, true} {
			// (short, long, k): NT is short×long×k, TN long×short×k.
			for _, s := range [][3]int{{2, 64, 12}, {12, 100, 72}, {13, 97, 600}, {64, 515, 577}} {
				m, n, k := s[0], s[1], s[2]
				rowA, colA, rowB, colB := m, k, n, k // A m×k, B n×k
				if transA {
					m, n = n, m
					rowA, colA, rowB, colB = k, m, k, n // A k×m, B k×n
				}
				lda, ldb, ldc := colA+1, colB+3, n+2
				a, b := randomMatrix(rng, rowA, colA, lda), randomMatrix(rng, rowB, colB, ldb)
				g := gemm{transA: transA, transB: !transA, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b, ldb: ldb, ldc: ldc, impl: im}
				if !g.swaps() {
					if im.kernel.packTransB != nil {
						t.Fatalf("transA %v %v: not swapped", transA, s)
					}
					continue
				}
				want := make([]float32, (m-1)*ldc+n)
				g.c = want
				g.blocked(g.planBlocks())
				got := guard.Float32s(t, nans((m-1)*ldc+n))
				Sgemm(transA, !transA, m, n, k, 0.5, a, lda, b, ldb, 0, got, ldc)
				for i := range m {
					if j := sameBits(got[i*ldc:i*ldc+n], want[i*ldc:i*ldc+n]); j >= 0 {
						t.Fatalf("transA %v %v: C[%d][%d] = %g, unswapped %g", transA, s, i, j, got[i*ldc+j], want[i*ldc+j])
					}
				}
			}
		}
	})
}
