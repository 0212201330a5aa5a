//go:build unix

package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/simdnn/simdnn/generic"
	"github.com/simdnn/simdnn/internal/guard"
)

// TestVectorKernels compares each ISA's dot and axpy with the generic ones for every
// length up to two unrolled blocks and beyond, with x and y flush against unmapped pages.
func TestVectorKernels(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		rng := rand.New(rand.NewPCG(11, 12))
		for n := 0; n <= 300; n++ {
			x, y := randomMatrix(rng, 1, n, n), randomMatrix(rng, 1, n, n)
			gx, gy := guard.Float32s(t, x), guard.Float32s(t, y)

			var absSum float64
			for i := range x {
				absSum += math.Abs(float64(x[i]) * float64(y[i]))
			}
			const u = 1.0 / (1 << 24)
			want, got := generic.Dot(x, y), im.dot(gx, gy)
			if d := math.Abs(float64(got - want)); d > 2*float64(n+2)*u*absSum {
				t.Fatalf("n=%d: dot = %g, want %g", n, got, want)
			}

			generic.Axpy(-1.5, x, y)
			im.axpy(-1.5, gx, gy)
			for i := range y {
				if d := math.Abs(float64(gy[i] - y[i])); d > 4*u*math.Abs(float64(y[i]))+1e-7 {
					t.Fatalf("n=%d: axpy y[%d] = %g, want %g", n, i, gy[i], y[i])
				}
			}
		}
	})
}

// TestMaxInto compares each ISA's max with generic.MaxInto for every length up to two
// unrolled blocks and beyond, x and y flush against unmapped pages, NaN in either (which
// must come out), infinities and both zeros among the values.
func TestMaxInto(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		rng := rand.New(rand.NewPCG(31, 32))
		special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1))}
		for n := 0; n <= 300; n++ {
			x, y := randomMatrix(rng, 1, n, n), randomMatrix(rng, 1, n, n)
			for i := range n / 8 {
				x[rng.IntN(n)], y[rng.IntN(n)] = special[i%len(special)], special[(i+2)%len(special)]
			}
			gx, gy := guard.Float32s(t, x), guard.Float32s(t, y)
			generic.MaxInto(x, y)
			im.maxInto(gx, gy)
			for i := range y {
				// Equal, zeros of either sign equal, NaN where generic has NaN.
				if gy[i] != y[i] && !(math.IsNaN(float64(gy[i])) && math.IsNaN(float64(y[i]))) {
					t.Fatalf("n=%d: y[%d] = %g, want %g", n, i, gy[i], y[i])
				}
			}
		}
	})
}

// TestAxpy4 compares each ISA's four-row axpy with generic.Axpy4 for every length up to
// and past two loop steps, with the rows' coefficients, the matrix (its last row ending
// on the page boundary) and y flush against unmapped pages.
func TestAxpy4(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		rng := rand.New(rand.NewPCG(19, 20))
		for n := 0; n <= 300; n++ {
			for _, ldb := range []int{n, n + 7} {
				x, b := randomMatrix(rng, 1, 4, 4), randomMatrix(rng, 4, n, ldb)
				y := randomMatrix(rng, 1, n, n)
				want := append([]float32(nil), y...)
				generic.Axpy4(x, b, ldb, want)
				got := guard.Float32s(t, y)
				im.axpy4(guard.Float32s(t, x), guard.Float32s(t, b), ldb, got)
				for j := range want {
					// Five terms, each rounded once or fused: within 6u of their absolute sum.
					var absSum float64
					for r := range 4 {
						absSum += math.Abs(float64(x[r]) * float64(b[r*ldb+j]))
					}
					absSum += math.Abs(float64(y[j]))
					const u = 1.0 / (1 << 24)
					if d := math.Abs(float64(got[j] - want[j])); d > 12*u*absSum {
						t.Fatalf("n=%d ldb=%d: y[%d] = %g, want %g", n, ldb, j, got[j], want[j])
					}
				}
			}
		}
	})
}

// dot4Tolerance bounds the error of row r's Σ x[i]·a[r*lda+i], summed in any order with
// each term rounded once or fused: a few ulps of the sum of the terms' magnitudes per term.
func dot4Tolerance(x, a []float32, lda, r int) float64 {
	var absSum float64
	for i := range x {
		absSum += math.Abs(float64(x[i]) * float64(a[r*lda+i]))
	}
	const u = 1.0 / (1 << 24)
	return 2 * float64(len(x)+2) * u * absSum
}

// TestDot4 compares each ISA's four-row dot with generic.Dot4 for every length up to and
// past two loop steps, with x, the matrix (its last row ending on the page boundary) and
// out flush against unmapped pages. out starts as garbage: n = 0 must write zeros.
func TestDot4(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		rng := rand.New(rand.NewPCG(21, 22))
		for n := 0; n <= 300; n++ {
			for _, lda := range []int{n, n + 7} {
				x, a := randomMatrix(rng, 1, n, n), randomMatrix(rng, 4, n, lda)
				want := make([]float32, 4)
				generic.Dot4(x, a, lda, want)
				got := guard.Float32s(t, []float32{sentinel, sentinel, sentinel, sentinel})
				im.dot4(guard.Float32s(t, x), guard.Float32s(t, a), lda, got)
				for r := range want {
					if d := math.Abs(float64(got[r] - want[r])); !(d <= dot4Tolerance(x, a, lda, r)) {
						t.Fatalf("n=%d lda=%d: out[%d] = %g, want %g", n, lda, r, got[r], want[r])
					}
				}
			}
		}
	})
}

// TestGenericDot4 checks the reference itself against four generic.Dot calls, which sum
// in another order.
func TestGenericDot4(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for n := 0; n <= 70; n++ {
		for _, lda := range []int{n, n + 3} {
			x, a := randomMatrix(rng, 1, n, n), randomMatrix(rng, 4, n, lda)
			got := []float32{sentinel, sentinel, sentinel, sentinel}
			generic.Dot4(x, a, lda, got)
			for r := range got {
				var row []float32 // a is empty when n is 0
				if n > 0 {
					row = a[r*lda : r*lda+n]
				}
				want := generic.Dot(x, row)
				if d := math.Abs(float64(got[r] - want)); !(d <= dot4Tolerance(x, a, lda, r)) {
					t.Fatalf("n=%d lda=%d: out[%d] = %g, Dot gives %g", n, lda, r, got[r], want)
				}
			}
		}
	}
}

// TestBiasAct compares each ISA's epilogue kernel with generic.BiasAct over block widths
// around every vector length, both activations and NaN inputs, with the block and the
// bias flush against unmapped pages.
func TestBiasAct(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		rng := rand.New(rand.NewPCG(13, 14))
		for n := 1; n <= 70; n++ {
			for _, relu := range []bool{false, true} {
				const m, ldc = 3, 75
				c := randomMatrix(rng, m, n, ldc)
				c[n/2] = float32(math.NaN())
				bias := randomMatrix(rng, 1, n, n)
				want := append([]float32(nil), c...)
				generic.BiasAct(m, n, want, ldc, bias, relu)
				got := guard.Float32s(t, c)
				im.biasAct(m, n, got, ldc, guard.Float32s(t, bias), relu)
				for i := range want {
					if got[i] != want[i] && !(got[i] != got[i] && want[i] != want[i]) {
						t.Fatalf("n=%d relu=%v: c[%d] = %g, want %g", n, relu, i, got[i], want[i])
					}
				}
			}
		}
	})
}

// TestCopy2D compares each ISA's strided block copy with generic.Copy2D for every run
// length around the vector widths, with src and dst flush against unmapped pages and a
// sentinel in the gaps between dst rows, which must survive.
func TestCopy2D(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		rng := rand.New(rand.NewPCG(15, 16))
		for cols := 1; cols <= 70; cols++ {
			for _, rows := range []int{1, 3} {
				lds, ldd := cols+5, cols+2
				src := randomMatrix(rng, rows, cols, lds)
				dst := make([]float32, (rows-1)*ldd+cols)
				for i := range dst {
					dst[i] = sentinel
				}
				want := append([]float32(nil), dst...)
				generic.Copy2D(rows, cols, src, lds, want, ldd)
				got := guard.Float32s(t, dst)
				im.copy2D(rows, cols, guard.Float32s(t, src), lds, got, ldd)
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("rows=%d cols=%d: dst[%d] = %g, want %g", rows, cols, i, got[i], want[i])
					}
				}
			}
		}
	})
}

// TestPackRows compares each kernel's packRows with packA's Go path, and its packTransB
// with packB's, with the operand and the panel flush against unmapped pages.
func TestPackRows(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		if im.kernel.packRows == nil && im.kernel.packTransB == nil {
			t.Skip("no packRows or packTransB: packA and packB copy in Go")
		}
		rng := rand.New(rand.NewPCG(17, 18))
		for _, c := range []struct {
			name string
			rows int
			pack func(k int, a []float32, lda int, dst []float32)
			ref  func(dst, a []float32, lda, k int)
		}{
			{"packRows", im.kernel.mr, im.kernel.packRows, func(dst, a []float32, lda, k int) {
				packA(nil, nil, dst, false, a, lda, 0, 0, im.kernel.mr, k, im.kernel.mr, im.kernel.mr)
			}},
			{"packTransB", im.kernel.nr, im.kernel.packTransB, func(dst, b []float32, ldb, k int) {
				packB(nil, nil, dst, true, b, ldb, 0, 0, k, im.kernel.nr, im.kernel.nr)
			}},
		} {
			if c.pack == nil {
				continue
			}
			for _, k := range []int{1, 2, 3, 17, 64} {
				for _, lda := range []int{k, k + 3} {
					a := randomMatrix(rng, c.rows, k, lda)
					want := make([]float32, c.rows*k)
					c.ref(want, a, lda, k)
					got := guard.Float32s(t, make([]float32, c.rows*k))
					c.pack(k, guard.Float32s(t, a), lda, got)
					for i := range want {
						if got[i] != want[i] {
							t.Fatalf("%s k=%d lda=%d: panel[%d] = %g, want %g", c.name, k, lda, i, got[i], want[i])
						}
					}
				}
			}
		}
	})
}
