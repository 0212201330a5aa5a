//go:build unix

package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/simdnn/simdnn/dispatch"
	"github.com/simdnn/simdnn/internal/guard"
)

// TestMicroKernelEdges calls every micro-kernel of this build directly, for every
// mr ≤ MR and nr ≤ NR, with A, B and C each ending flush against an unmapped page
// (internal/guard): a kernel that reads or writes one float past what the contract allows
// crashes. C's columns past nr hold a sentinel that must survive; beta == ±0 puts NaN in
// C, which must not propagate; beta = +Inf must give ±Inf, not NaN, in every column.
func TestMicroKernelEdges(t *testing.T) {
	for _, isa := range dispatch.DetectedCPU().Supported {
		ks, ok := kernelsFor(isa)
		if !ok {
			t.Fatalf("%s is detected but has no kernel", isa)
		}
		for _, kern := range append(ks.edges, ks.kernel) {
			if kern.nr != ks.kernel.nr {
				t.Fatalf("%s: NR %d, the ISA's is %d", kern.name, kern.nr, ks.kernel.nr)
			}
			t.Run(kern.name, func(t *testing.T) { testMicroKernel(t, kern) })
		}
	}
}

// TestMicroKernelColumns calls every column variant of this build's micro-kernels
// (gemmKernel.column) directly as TestMicroKernelEdges calls the tiles: one to three
// whole tiles down the panel, and six (the next panel's prefetch stream starts and
// stops), every nr ≤ NR, A, B and C flush against unmapped pages, each tile checked as a
// tile of its own. Each column runs again with a next panel to prefetch, bNext on, flush
// against the guard page in its turn, and, A packed or row-major, copying B's panel for
// the tiles after the first (bCopy, flush against a guard page too); each must give the
// same C bit for bit, and the copy must hold B's k rows of NR floats.
func TestMicroKernelColumns(t *testing.T) {
	for _, isa := range dispatch.DetectedCPU().Supported {
		ks, _ := kernelsFor(isa)
		kern := ks.kernel
		if kern.column == nil {
			continue
		}
		t.Run(kern.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, 12))
			MR, NR := kern.mr, kern.nr
			for _, tiles := range []int{1, 2, 3, 6} {
				for _, l := range microLayouts(t, rng, kern) {
					bNext := len(l.b) // B with a next panel after its own
					bWithNext := guard.Float32s(t, append(append([]float32(nil), l.b...), randomSlice(rng, len(l.b))...))
					// The tiles' A: packed panels one after the other, or rows (or
					// columns, transposed) of one matrix.
					aStep := MR * l.rsA
					if l.rsA == 1 && l.csA == MR {
						aStep = MR * l.k
					}
					a := guard.Float32s(t, randomSlice(rng, (tiles-1)*aStep+len(l.a)))
					for nr := 1; nr <= NR; nr++ {
						ldc := nr + nr%3
						c := guard.Float32s(t, make([]float32, (tiles*MR-1)*ldc+nr))
						c0 := make([]float32, len(c))
						for bi, beta := range []float32{0, -0.5} {
							alpha := []float32{1.5, -1}[bi]
							fillC(rng, c0, ldc, nr, beta)
							copy(c, c0)
							kern.column(tiles, l.k, a, l.rsA, l.csA, aStep, l.b, l.rsB, 0, nil, c, ldc, alpha, beta, nr)
							withoutNext := append([]float32(nil), c...)
							copy(c, c0)
							kern.column(tiles, l.k, a, l.rsA, l.csA, aStep, bWithNext, l.rsB, bNext, nil, c, ldc, alpha, beta, nr)
							sameC(t, fmt.Sprintf("%s tiles=%d %s nr=%d, the next panel prefetched", kern.name, tiles, l.name, nr), c, withoutNext)
							if l.csA != 1 && l.csA != MR {
								continue // the general loop does not copy B
							}
							bCopy := guard.Float32s(t, make([]float32, l.k*NR))
							copy(c, c0)
							kern.column(tiles, l.k, a, l.rsA, l.csA, aStep, bWithNext, l.rsB, bNext, bCopy, c, ldc, alpha, beta, nr)
							what := fmt.Sprintf("%s tiles=%d %s nr=%d, B copied", kern.name, tiles, l.name, nr)
							sameC(t, what, c, withoutNext)
							for p := range l.k {
								for j := range NR {
									if got, want := bCopy[p*NR+j], l.b[p*l.rsB+j]; math.Float32bits(got) != math.Float32bits(want) {
										t.Fatalf("%s: copy of B(%d, %d) = %g, want %g", what, p, j, got, want)
									}
								}
							}
							for q := range tiles {
								tile := l
								tile.a = a[q*aStep:]
								lo, hi := q*MR*ldc, min((q+1)*MR*ldc, len(c))
								what := fmt.Sprintf("%s tiles=%d tile %d %s nr=%d ldc=%d alpha=%g beta=%g", kern.name, tiles, q, l.name, nr, ldc, alpha, beta)
								checkTile(t, what, tile, c0[lo:hi], c[lo:hi], ldc, alpha, beta, MR, nr)
							}
						}
					}
				}
			}
		})
	}
}

// sameC fails the test unless got and want hold the same bits (sameBits).
func sameC(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if i := sameBits(got, want); i >= 0 {
		t.Fatalf("%s: C[%d] = %g, want %g", what, i, got[i], want[i])
	}
}

// operandLayout is how A and B lie in memory for one call.
type operandLayout struct {
	name          string
	k             int
	rsA, csA, rsB int
	a, b          []float32 // exactly as long as the contract reads, then a guard page
}

func microLayouts(t *testing.T, rng *rand.Rand, kern gemmKernel) []operandLayout {
	var ls []operandLayout
	MR, NR := kern.mr, kern.nr
	for _, k := range []int{1, 2, 7, 9} { // k ≥ 1: the amd64 kernels loop do-while; 9: two unrolled steps
		for _, l := range []struct {
			name          string
			rsA, csA, rsB int
		}{
			{"packed", 1, MR, NR},           // both panels packed
			{"transA", 1, MR + 3, NR + 5},   // op(A) = Aᵀ in place, B in place
			{"rowMajorA", k + 2, 1, NR + 1}, // A in place, the LD1R path on NEON
		} {
			lastA := (MR-1)*l.rsA + (k-1)*l.csA + 1
			lastB := (k-1)*l.rsB + NR
			ls = append(ls, operandLayout{
				name: fmt.Sprintf("%s/k=%d", l.name, k), rsA: l.rsA, csA: l.csA, rsB: l.rsB, k: k,
				a: guard.Float32s(t, randomSlice(rng, lastA)),
				b: guard.Float32s(t, randomSlice(rng, lastB)),
			})
		}
	}
	return ls
}

func randomSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 2*rng.Float32() - 1
	}
	return s
}

func testMicroKernel(t *testing.T, kern gemmKernel) {
	rng := rand.New(rand.NewPCG(9, 10))
	layouts := microLayouts(t, rng, kern)
	negZero := float32(math.Copysign(0, -1))
	betas := []float32{0, negZero, 1, -0.5, float32(math.Inf(1))}
	for mr := 1; mr <= kern.mr; mr++ {
		for nr := 1; nr <= kern.nr; nr++ {
			for _, pad := range []int{0, 3} {
				ldc := nr + pad
				c := guard.Float32s(t, make([]float32, (mr-1)*ldc+nr))
				c0 := make([]float32, len(c))
				for _, l := range layouts {
					for bi, beta := range betas {
						alpha := []float32{1.5, -1}[bi%2]
						fillC(rng, c0, ldc, nr, beta)
						copy(c, c0)
						kern.tile(l.k, l.a, l.rsA, l.csA, l.b, l.rsB, c, ldc, alpha, beta, mr, nr)
						what := fmt.Sprintf("%s %s mr=%d nr=%d ldc=%d alpha=%g beta=%g", kern.name, l.name, mr, nr, ldc, alpha, beta)
						checkTile(t, what, l, c0, c, ldc, alpha, beta, mr, nr)
					}
				}
			}
		}
	}
}

// fillC sets C (row stride ldc) before a kernel call: the sentinel past column nr, which
// must survive; NaN where beta == 0, which must not propagate; else values in [-1, 1).
func fillC(rng *rand.Rand, c []float32, ldc, nr int, beta float32) {
	for i := range c {
		switch {
		case i%ldc >= nr:
			c[i] = sentinel
		case beta == 0:
			c[i] = float32(math.NaN())
		default:
			c[i] = 2*rng.Float32() - 1
		}
	}
}

// checkTile compares the tile with a float64 reference within the rounding bound of a
// length-k dot product (as sgemmCase.check does), and infinities and NaNs exactly.
func checkTile(t *testing.T, what string, l operandLayout, c0, c []float32, ldc int, alpha, beta float32, mr, nr int) {
	t.Helper()
	const u = 1.0 / (1 << 24)
	for i := range c {
		row, col := i/ldc, i%ldc
		if col >= nr {
			if c[i] != sentinel {
				t.Fatalf("%s: C[%d][%d], past column nr, changed to %g", what, row, col, c[i])
			}
			continue
		}
		var dot, mag float64
		for p := 0; p < l.k; p++ {
			prod := float64(l.a[row*l.rsA+p*l.csA]) * float64(l.b[p*l.rsB+col])
			dot += prod
			mag += math.Abs(prod)
		}
		want := float64(alpha) * dot
		bound := math.Abs(float64(alpha)) * mag
		if beta != 0 {
			want += float64(beta) * float64(c0[i])
			bound += math.Abs(float64(beta) * float64(c0[i]))
		}
		bound = float64(l.k+3)*u*bound*1.0001 + 1e-30
		got := float64(c[i])
		switch {
		case math.IsNaN(want) || math.IsInf(want, 0):
			if !(math.IsNaN(want) && math.IsNaN(got)) && got != want {
				t.Fatalf("%s: C[%d][%d] = %g, want %g", what, row, col, got, want)
			}
		case !(math.Abs(got-want) <= bound):
			t.Fatalf("%s: C[%d][%d] = %g, want %g (error %g > bound %g)", what, row, col, got, want, math.Abs(got-want), bound)
		}
	}
}
