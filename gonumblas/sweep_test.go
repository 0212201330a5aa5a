package gonumblas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/simdnn/simdnn/kernels"
)

// The sweep checks Implementation against gonum's pure-Go implementation: every
// transpose, alpha and beta in {0, 1, other}, leading dimensions larger than needed,
// sizes from 0 past the register tiles and cache blocks' edges, increments ±1, ±2, ±3.
// Everything in the arguments that the routine must not touch (A's and B's every
// element, C's padding, x's and y's gaps, a tail past each slice) holds NaN guards that
// must come back bit for bit, and would turn a result into NaN if read.

var (
	sweepSizes = []int{0, 1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 65, 100, 130}
	transposes = []blas.Transpose{blas.NoTrans, blas.Trans, blas.ConjTrans}
	alphaBetas = [][2]float32{{0, 0}, {0, 1}, {0, -0.75}, {1, 0}, {1, 1}, {1, -0.75}, {1.5, 0}, {1.5, 1}, {-0.5, 0.25}}
	increments = []int{1, -1, 2, -2, 3, -3}
)

// guardTail is how many guard elements follow each slice's last used element.
const guardTail = 5

var guardNaN = math.Float32frombits(0x7fc0dead)

// forEachMode runs f with the shipped size thresholds (small calls go to gonum's code)
// and with every threshold at zero, so that simdnn's path is checked at every size.
func forEachMode(t *testing.T, f func(t *testing.T)) {
	t.Run("tuned", f)
	t.Run("simdnn-always", func(t *testing.T) {
		savedGemm, savedGemv, savedGemvStrided, savedDot := sgemmMinMulAdds, sgemvMinElements, sgemvMinElementsStrided, sdotMinN
		sgemmMinMulAdds, sgemvMinElements, sgemvMinElementsStrided, sdotMinN = 0, 0, 0, 0
		defer func() {
			sgemmMinMulAdds, sgemvMinElements, sgemvMinElementsStrided, sdotMinN = savedGemm, savedGemv, savedGemvStrided, savedDot
		}()
		f(t)
	})
}

// matrix returns a rows×cols matrix with leading dimension ld, values in [-1, 1), every
// other element (padding and tail) a guard, and the largest magnitude it holds.
func matrix(rng *rand.Rand, rows, cols, ld int) ([]float32, float32) {
	s := make([]float32, max(0, (rows-1)*ld+cols)+guardTail)
	for i := range s {
		s[i] = guardNaN
	}
	var biggest float32
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			v := rng.Float32()*2 - 1
			s[i*ld+j] = v
			biggest = max(biggest, abs32(v))
		}
	}
	return s, biggest
}

// vector returns n values with increment inc, guards in the gaps and the tail.
func vector(rng *rand.Rand, n, inc int) ([]float32, float32) {
	return matrix(rng, n, 1, abs(inc))
}

func abs32(v float32) float32 { return math.Float32frombits(math.Float32bits(v) &^ (1 << 31)) }

// checkTouched compares got with want at the len(touched) indexes touched, within tol,
// and every other element of got with before, bit for bit.
func checkTouched(t *testing.T, what string, got, want, before []float32, touched []int, tol float64) {
	t.Helper()
	isTouched := make([]bool, len(got))
	for _, i := range touched {
		isTouched[i] = true
		if d := math.Abs(float64(got[i]) - float64(want[i])); !(d <= tol) {
			t.Fatalf("%s: element %d = %v, gonum %v (|diff| %g > tolerance %g)", what, i, got[i], want[i], d, tol)
		}
	}
	for i := range got {
		if !isTouched[i] && math.Float32bits(got[i]) != math.Float32bits(before[i]) {
			t.Fatalf("%s: element %d, which it must not touch, changed from %v to %v", what, i, before[i], got[i])
		}
	}
}

// unchanged fails unless s is bit for bit what it was.
func unchanged(t *testing.T, what string, s, before []float32) {
	t.Helper()
	for i := range s {
		if math.Float32bits(s[i]) != math.Float32bits(before[i]) {
			t.Fatalf("%s: read-only element %d changed from %v to %v", what, i, before[i], s[i])
		}
	}
}

// tolerance bounds the difference of two float32 sums of k products in any order, of
// magnitude at most alpha·maxA·maxB each, plus beta times a c of magnitude maxC.
func tolerance(k int, alpha, maxA, maxB, beta, maxC float32) float64 {
	const eps = 1.0 / (1 << 23)
	scale := float64(abs32(alpha))*float64(maxA)*float64(maxB)*float64(k) + float64(abs32(beta))*float64(maxC)
	return 4*eps*float64(k+2)*scale + 1e-30
}

func isTransposed(t blas.Transpose) bool { return t != blas.NoTrans }

func TestSgemmSweep(t *testing.T) {
	t.Logf("kernels.ISA() = %s", kernels.ISA())
	forEachMode(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		calls := 0
		for _, tA := range transposes {
			for _, tB := range transposes {
				for i, m := range sweepSizes {
					for j, n := range sweepSizes {
						// Two depths per shape, running through every size over the sweep, and 0.
						for _, k := range []int{0, sweepSizes[(i+j)%len(sweepSizes)], sweepSizes[(i+2*j+5)%len(sweepSizes)]} {
							ab := alphaBetas[calls%len(alphaBetas)]
							checkSgemm(t, rng, tA, tB, m, n, k, ab[0], ab[1], calls%3)
							calls++
						}
					}
				}
			}
		}
	})
}

// checkSgemm runs one Sgemm on both implementations, with leading dimensions pad larger
// than needed.
func checkSgemm(t *testing.T, rng *rand.Rand, tA, tB blas.Transpose, m, n, k int, alpha, beta float32, pad int) {
	t.Helper()
	rowA, colA := m, k
	if isTransposed(tA) {
		rowA, colA = k, m
	}
	rowB, colB := k, n
	if isTransposed(tB) {
		rowB, colB = n, k
	}
	lda, ldb, ldc := max(1, colA)+pad, max(1, colB)+2*pad, max(1, n)+pad
	a, maxA := matrix(rng, rowA, colA, lda)
	b, maxB := matrix(rng, rowB, colB, ldb)
	c, maxC := matrix(rng, m, n, ldc)
	if beta == 0 {
		// beta == 0: C must not be read, so NaN in it must not reach the result.
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				c[i*ldc+j] = float32(math.NaN())
			}
		}
		maxC = 0
	}
	a0, b0, c0 := clone(a), clone(b), clone(c)
	want := clone(c)
	gonum.Implementation{}.Sgemm(tA, tB, m, n, k, alpha, a0, lda, b0, ldb, beta, want, ldc)
	Implementation{}.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)

	what := fmt.Sprintf("Sgemm(%c, %c, m=%d, n=%d, k=%d, alpha=%v, lda=%d, ldb=%d, beta=%v, ldc=%d)",
		tA, tB, m, n, k, alpha, lda, ldb, beta, ldc)
	unchanged(t, what+" A", a, a0)
	unchanged(t, what+" B", b, b0)
	touched := make([]int, 0, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			touched = append(touched, i*ldc+j)
		}
	}
	checkTouched(t, what+" C", c, want, c0, touched, tolerance(k, alpha, maxA, maxB, beta, maxC))
}

func TestSgemvSweep(t *testing.T) {
	forEachMode(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		calls := 0
		for _, tA := range transposes {
			for _, m := range sweepSizes {
				for _, n := range sweepSizes {
					for _, incX := range increments {
						for _, incY := range increments {
							ab := alphaBetas[calls%len(alphaBetas)]
							checkSgemv(t, rng, tA, m, n, ab[0], ab[1], calls%3, incX, incY)
							calls++
						}
					}
				}
			}
		}
	})
}

func checkSgemv(t *testing.T, rng *rand.Rand, tA blas.Transpose, m, n int, alpha, beta float32, pad, incX, incY int) {
	t.Helper()
	lenX, lenY := n, m
	if isTransposed(tA) {
		lenX, lenY = m, n
	}
	lda := max(1, n) + pad
	a, maxA := matrix(rng, m, n, lda)
	x, maxX := vector(rng, lenX, incX)
	y, maxY := vector(rng, lenY, incY)
	if beta == 0 {
		for i := 0; i < lenY; i++ {
			y[i*abs(incY)] = float32(math.NaN())
		}
		maxY = 0
	}
	a0, x0, y0 := clone(a), clone(x), clone(y)
	want := clone(y)
	// gonum's transposed Sgemv with beta == 0 and incY == 1 clears all of y, past its
	// lenY elements: its y is cut to the vector so that its result is the reference.
	wantY := want
	if lenY > 0 {
		wantY = want[:(lenY-1)*abs(incY)+1]
	}
	gonum.Implementation{}.Sgemv(tA, m, n, alpha, a0, lda, x0, incX, beta, wantY, incY)
	Implementation{}.Sgemv(tA, m, n, alpha, a, lda, x, incX, beta, y, incY)

	what := fmt.Sprintf("Sgemv(%c, m=%d, n=%d, alpha=%v, lda=%d, incX=%d, beta=%v, incY=%d)",
		tA, m, n, alpha, lda, incX, beta, incY)
	unchanged(t, what+" A", a, a0)
	unchanged(t, what+" x", x, x0)
	touched := make([]int, 0, lenY)
	if m > 0 && n > 0 {
		for i := 0; i < lenY; i++ {
			touched = append(touched, i*abs(incY))
		}
	}
	checkTouched(t, what+" y", y, want, y0, touched, tolerance(lenX, alpha, maxA, maxX, beta, maxY))
}

func TestSdotSweep(t *testing.T) {
	forEachMode(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, n := range append(sweepSizes, 1000, 8191, 8192, 10007) {
			for _, incX := range increments {
				for _, incY := range increments {
					x, maxX := vector(rng, n, incX)
					y, maxY := vector(rng, n, incY)
					x0, y0 := clone(x), clone(y)
					want := gonum.Implementation{}.Sdot(n, x0, incX, y0, incY)
					got := Implementation{}.Sdot(n, x, incX, y, incY)
					what := fmt.Sprintf("Sdot(n=%d, incX=%d, incY=%d)", n, incX, incY)
					unchanged(t, what+" x", x, x0)
					unchanged(t, what+" y", y, y0)
					if d, tol := math.Abs(float64(got)-float64(want)), tolerance(n, 1, maxX, maxY, 0, 0); !(d <= tol) {
						t.Fatalf("%s = %v, gonum %v (|diff| %g > tolerance %g)", what, got, want, d, tol)
					}
				}
			}
		}
	})
}

func clone(s []float32) []float32 { return append([]float32(nil), s...) }
