//go:build arm64 && unix && !purego && !noasm

package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/simdnn/simdnn/dispatch"
	"github.com/simdnn/simdnn/internal/guard"
)

// TestNEONKernelDepths runs every NEON SGEMM kernel over each depth k up to 17, in both
// paths (A by columns, and A by rows), operands flush against unmapped pages: the edge
// kernels keep 2 or 4 sets of accumulators over k (asm/arm64/sgemm.go), so k mod sets and
// k/sets = 0, 1, several each take their own branch, which TestMicroKernelEdges' three
// depths do not all reach.
func TestNEONKernelDepths(t *testing.T) {
	ks, ok := kernelsFor(dispatch.NEON)
	if !ok || !dispatch.DetectedCPU().Has(dispatch.NEON) {
		t.Skip("no NEON")
	}
	rng := rand.New(rand.NewPCG(31, 32))
	for _, kern := range append(ks.edges, ks.kernel) {
		t.Run(kern.name, func(t *testing.T) {
			MR, NR := kern.mr, kern.nr
			for k := 1; k <= 17; k++ {
				for _, l := range []struct {
					name          string
					rsA, csA, rsB int
				}{
					{"packed", 1, MR, NR},
					{"rowMajorA", k + 1, 1, NR + 2},
				} {
					lastA := (MR-1)*l.rsA + (k-1)*l.csA + 1
					lastB := (k-1)*l.rsB + NR
					ol := operandLayout{
						name: fmt.Sprintf("%s/k=%d", l.name, k), k: k, rsA: l.rsA, csA: l.csA, rsB: l.rsB,
						a: guard.Float32s(t, randomSlice(rng, lastA)),
						b: guard.Float32s(t, randomSlice(rng, lastB)),
					}
					for _, mr := range []int{1, MR} {
						for _, beta := range []float32{0, 0.5} {
							nr, ldc := NR, NR+1
							c0 := randomSlice(rng, (mr-1)*ldc+nr)
							for i := range c0 {
								if i%ldc >= nr {
									c0[i] = sentinel
								}
							}
							c := guard.Float32s(t, c0)
							kern.tile(k, ol.a, ol.rsA, ol.csA, ol.b, ol.rsB, c, ldc, -1.5, beta, mr, nr)
							checkTile(t, fmt.Sprintf("%s %s mr=%d beta=%g", kern.name, ol.name, mr, beta), ol, c0, c, ldc, -1.5, beta, mr, nr)
						}
					}
				}
			}
		})
	}
}
