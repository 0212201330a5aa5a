package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"
	"testing"

	"github.com/simdnn/simdnn/dispatch"
	"github.com/simdnn/simdnn/generic"
)

// forEachISA runs f once for every ISA this CPU and build can run, with that ISA active.
// Tests that use it must not run in parallel: they swap the package's implementation.
func forEachISA(t *testing.T, f func(t *testing.T, im impl)) {
	t.Helper()
	for _, isa := range dispatch.DetectedCPU().Supported {
		im, err := newImpl(isa)
		if err != nil {
			t.Fatalf("%s is detected but has no implementation: %v", isa, err)
		}
		t.Run(string(isa), func(t *testing.T) {
			saved := active
			active = im
			defer func() { active = saved }()
			f(t, im)
		})
	}
}

// sgemmPath names a way through the driver. Tests call each one directly, so that tails
// and block boundaries of every path are covered whatever shape Sgemm would pick it for.
type sgemmPath string

const (
	pathAuto       sgemmPath = "auto"       // Sgemm itself
	pathBlocked    sgemmPath = "blocked"    // the five loops with the real blocking
	pathTinyBlocks sgemmPath = "tinyBlocks" // MC = MR, KC = 5, NC = NR: every loop turns, B packed
	pathHugeBlocks sgemmPath = "hugeBlocks" // one block: B in place where it can be
	pathGEMV       sgemmPath = "gemv"       // m == 1 or n == 1 only
)

// pathsFor lists the paths that apply to a problem.
func pathsFor(transB bool, m, n int) []sgemmPath {
	paths := []sgemmPath{pathAuto, pathBlocked, pathTinyBlocks, pathHugeBlocks}
	if m == 1 || n == 1 {
		paths = append(paths, pathGEMV)
	}
	return paths
}

// sgemmCase is one problem: shapes, scalars and how much each leading dimension exceeds
// the row length.
type sgemmCase struct {
	transA, transB   bool
	m, n, k          int
	alpha, beta      float32
	padA, padB, padC int
}

func (c sgemmCase) String() string {
	return fmt.Sprintf("tA=%v tB=%v m=%d n=%d k=%d alpha=%g beta=%g pad=%d,%d,%d",
		c.transA, c.transB, c.m, c.n, c.k, c.alpha, c.beta, c.padA, c.padB, c.padC)
}

// operands builds A, B and C, exactly as long as Sgemm requires (no slack after the last
// row), filled from rng. C's padding columns hold a sentinel; with beta == 0 its
// elements are NaN, which must not propagate.
func (c sgemmCase) operands(rng *rand.Rand) (a []float32, lda int, b []float32, ldb int, cm []float32, ldc int) {
	rowA, colA := c.m, c.k
	if c.transA {
		rowA, colA = c.k, c.m
	}
	rowB, colB := c.k, c.n
	if c.transB {
		rowB, colB = c.n, c.k
	}
	lda, ldb, ldc = max(1, colA+c.padA), max(1, colB+c.padB), max(1, c.n+c.padC)
	a = randomMatrix(rng, rowA, colA, lda)
	b = randomMatrix(rng, rowB, colB, ldb)
	cm = randomMatrix(rng, c.m, c.n, ldc)
	for i := range cm {
		switch {
		case i%ldc >= c.n:
			cm[i] = sentinel
		case c.beta == 0:
			cm[i] = float32(math.NaN())
		}
	}
	return
}

const sentinel = -12345.5

func randomMatrix(rng *rand.Rand, rows, cols, ld int) []float32 {
	if rows == 0 || cols == 0 {
		return []float32{}
	}
	s := make([]float32, ld*(rows-1)+cols)
	for i := range s {
		s[i] = 2*rng.Float32() - 1
	}
	return s
}

// run computes the case through path with the active implementation.
func (c sgemmCase) run(path sgemmPath, a []float32, lda int, b []float32, ldb int, cm []float32, ldc int) {
	if path == pathAuto {
		Sgemm(c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, cm, ldc)
		return
	}
	checkSgemm(c.transA, c.transB, c.m, c.n, c.k, a, lda, b, ldb, cm, ldc)
	if c.m == 0 || c.n == 0 {
		return
	}
	if c.alpha == 0 || c.k == 0 {
		scaleC(c.m, c.n, c.beta, cm, ldc)
		return
	}
	g := gemm{transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k, alpha: c.alpha,
		a: a, lda: lda, b: b, ldb: ldb, beta: c.beta, c: cm, ldc: ldc, impl: active}
	bl := &g.impl.blocking
	switch path {
	case pathBlocked:
		g.blocked(g.planBlocks())
	case pathTinyBlocks:
		bl.MC, bl.KC, bl.NC = bl.MR, 5, bl.NR
		bl.PackedMC, bl.PackedKC = bl.MC, bl.KC
		g.blocked(g.planBlocks())
	case pathHugeBlocks:
		bl.MC, bl.KC, bl.NC = roundUp(c.m, bl.MR), max(c.k, 1), roundUp(c.n, bl.NR)
		bl.PackedMC, bl.PackedKC = bl.MC, bl.KC
		g.blocked(g.planBlocks())
	case pathGEMV:
		g.gemv()
	default:
		panic("unknown path " + path)
	}
}

// check runs the case through path and compares C with the float64 reference, element
// by element, within the rounding-error bound of a length-k dot product:
// |got - want| ≤ (k+3)·u·(|alpha|·Σp|A(i,p)|·|B(p,j)| + |beta·C(i,j)|), u = 2⁻²⁴.
// A wrong element (a lost product, a stale accumulator) is off by far more.
func (c sgemmCase) check(t *testing.T, path sgemmPath, rng *rand.Rand) {
	t.Helper()
	c.checkPlaced(t, path, rng, func(s []float32) []float32 { return s })
}

// checkPlaced is check with the operands moved by place (to guarded memory, say) before
// the call.
func (c sgemmCase) checkPlaced(t *testing.T, path sgemmPath, rng *rand.Rand, place func([]float32) []float32) {
	t.Helper()
	a, lda, b, ldb, got, ldc := c.operands(rng)
	want := append([]float32(nil), got...)
	generic.Sgemm(c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, want, ldc)
	bound := c.errorBound(a, lda, b, ldb, got, ldc)
	a, b, got = place(a), place(b), place(got)
	c.run(path, a, lda, b, ldb, got, ldc)
	for i := range got {
		if i%ldc >= c.n {
			if got[i] != sentinel {
				t.Fatalf("%v %s: C[%d][%d], past column n, changed to %g", c, path, i/ldc, i%ldc, got[i])
			}
			continue
		}
		if d := math.Abs(float64(got[i]) - float64(want[i])); !(d <= bound[i]) {
			t.Fatalf("%v %s: C[%d][%d] = %g, want %g (error %g > bound %g)", c, path, i/ldc, i%ldc, got[i], want[i], d, bound[i])
		}
	}
}

func (c sgemmCase) errorBound(a []float32, lda int, b []float32, ldb int, cm []float32, ldc int) []float64 {
	abs := func(s []float32) []float32 {
		r := make([]float32, len(s))
		for i, v := range s {
			r[i] = float32(math.Abs(float64(v)))
		}
		return r
	}
	mag := abs(cm)
	beta := float32(math.Abs(float64(c.beta)))
	if c.beta == 0 {
		clear(mag)
	}
	generic.Sgemm(c.transA, c.transB, c.m, c.n, c.k, float32(math.Abs(float64(c.alpha))), abs(a), lda, abs(b), ldb, beta, mag, ldc)
	const u = 1.0 / (1 << 24)
	bound := make([]float64, len(mag))
	for i, v := range mag {
		bound[i] = float64(c.k+3)*u*float64(v)*1.0001 + 1e-30
	}
	return bound
}

var transCombos = [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}}
var alphas = []float32{1, -1.5, 0}
var betas = []float32{0, 1, 0.5}

// TestSgemmTails sweeps each of m, n and k over every value from 0 to two tiles plus one,
// the others fixed at awkward sizes, for every transpose combination, scalar and path.
func TestSgemmTails(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		mr, nr := im.kernel.mr, im.kernel.nr
		rng := rand.New(rand.NewPCG(1, 2))
		var cases []sgemmCase
		for v := 0; v <= 2*max(mr, nr)+1; v++ {
			if v <= 2*mr+1 {
				cases = append(cases, sgemmCase{m: v, n: nr + 3, k: 7})
			}
			if v <= 2*nr+1 {
				cases = append(cases, sgemmCase{m: mr + 1, n: v, k: 5})
			}
			cases = append(cases, sgemmCase{m: mr + 1, n: nr + 1, k: v})
		}
		for i, c := range cases {
			for _, tr := range transCombos {
				c.transA, c.transB = tr[0], tr[1]
				c.alpha, c.beta = alphas[i%len(alphas)], betas[(i/len(alphas))%len(betas)]
				c.padA, c.padB, c.padC = i%3, (i+1)%3, (i+2)%3
				for _, p := range pathsFor(c.transB, c.m, c.n) {
					c.check(t, p, rng)
				}
			}
		}
	})
}

// TestSgemmScalars crosses every alpha and beta, with and without padded leading
// dimensions, on tile-edge shapes.
func TestSgemmScalars(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		mr, nr := im.kernel.mr, im.kernel.nr
		rng := rand.New(rand.NewPCG(3, 4))
		for _, shape := range [][3]int{{mr, nr, 8}, {2*mr + 1, 2*nr - 1, 33}, {1, nr + 1, 9}, {mr - 1, 1, 9}} {
			for _, tr := range transCombos {
				for _, alpha := range alphas {
					for _, beta := range betas {
						for pad := 0; pad <= 5; pad += 5 {
							c := sgemmCase{transA: tr[0], transB: tr[1], m: shape[0], n: shape[1], k: shape[2],
								alpha: alpha, beta: beta, padA: pad, padB: 2 * pad, padC: pad + 1}
							for _, p := range pathsFor(c.transB, c.m, c.n) {
								c.check(t, p, rng)
							}
						}
					}
				}
			}
		}
	})
}

// TestSgemmBlocks covers tile multiples ±1 around the cache blocks, and large odd sizes
// that cross several MC, KC and NC blocks.
func TestSgemmBlocks(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		bl := im.blocking
		rng := rand.New(rand.NewPCG(5, 6))
		var cases []sgemmCase
		for _, dm := range []int{-1, 0, 1} {
			for _, dk := range []int{-1, 0, 1} {
				cases = append(cases,
					sgemmCase{m: 3*bl.MR + dm, n: 2*bl.NR - dm, k: bl.KC + dk},
					sgemmCase{m: bl.MC + dm, n: bl.NR + 1, k: 2*bl.KC + dk},
					// B packed (m > inPlaceBMaxM): the packed product's blocks and slices.
					sgemmCase{m: bl.PackedMC + inPlaceBMaxM + dm, n: bl.NR + 3, k: bl.PackedKC + dk},
				)
			}
		}
		cases = append(cases,
			sgemmCase{m: 101, n: 203, k: 307},
			sgemmCase{m: 257, n: 129, k: 65},
			sgemmCase{m: 17, n: bl.NC + 3, k: 3},
		)
		if testing.Short() {
			cases = cases[len(cases)-3:]
		}
		for i, c := range cases {
			c.transA, c.transB = transCombos[i%4][0], transCombos[i%4][1]
			c.alpha, c.beta = alphas[i%2], betas[i%3]
			c.padA, c.padC = 3, 1
			for _, p := range []sgemmPath{pathAuto, pathBlocked, pathTinyBlocks} {
				c.check(t, p, rng)
			}
		}
	})
}

func TestSgemmPanics(t *testing.T) {
	a, b, c := make([]float32, 12), make([]float32, 12), make([]float32, 12)
	for _, tc := range []struct {
		name string
		call func()
		want string
	}{
		{"m<0", func() { Sgemm(false, false, -1, 3, 4, 1, a, 4, b, 3, 0, c, 3) }, mLT0},
		{"n<0", func() { Sgemm(false, false, 3, -1, 4, 1, a, 4, b, 3, 0, c, 3) }, nLT0},
		{"k<0", func() { Sgemm(false, false, 3, 3, -1, 1, a, 4, b, 3, 0, c, 3) }, kLT0},
		{"lda", func() { Sgemm(false, false, 3, 3, 4, 1, a, 3, b, 3, 0, c, 3) }, badLdA},
		{"ldaTrans", func() { Sgemm(true, false, 3, 3, 4, 1, a, 2, b, 3, 0, c, 3) }, badLdA},
		{"ldb", func() { Sgemm(false, false, 3, 3, 4, 1, a, 4, b, 2, 0, c, 3) }, badLdB},
		{"ldbTrans", func() { Sgemm(false, true, 3, 3, 4, 1, a, 4, b, 3, 0, c, 3) }, badLdB},
		{"ldc", func() { Sgemm(false, false, 3, 3, 4, 1, a, 4, b, 3, 0, c, 2) }, badLdC},
		{"ldaZero", func() { Sgemm(false, false, 0, 0, 0, 1, nil, 0, nil, 1, 0, nil, 1) }, badLdA},
		{"shortA", func() { Sgemm(false, false, 3, 3, 4, 1, a[:11], 4, b, 3, 0, c, 3) }, shortA},
		{"shortB", func() { Sgemm(false, false, 3, 3, 4, 1, a, 4, b[:11], 3, 0, c, 3) }, shortB},
		{"shortC", func() { Sgemm(false, false, 3, 3, 4, 1, a, 4, b, 3, 0, c[:8], 3) }, shortC},
		{"shortCBetaZeroAlphaZero", func() { Sgemm(false, false, 3, 3, 4, 0, a, 4, b, 3, 0, c[:8], 3) }, shortC},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != tc.want {
					t.Errorf("panic = %v, want %q", r, tc.want)
				}
			}()
			tc.call()
		})
	}
	// Zero sizes are fine, even with empty slices.
	Sgemm(false, false, 0, 5, 0, 1, nil, 1, nil, 5, 0, nil, 5)
	Sgemm(true, true, 4, 0, 3, 1, make([]float32, 10), 4, nil, 3, 0, nil, 1)
}

// TestSgemmNoAllocs: the steady state allocates nothing; pack buffers come from a pool.
func TestSgemmNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	forEachISA(t, func(t *testing.T, im impl) {
		rng := rand.New(rand.NewPCG(7, 8))
		for _, c := range []sgemmCase{
			{m: 40, n: 40, k: 40, alpha: 1},
			{m: 300, n: 200, k: 500, alpha: 1, beta: 1},
			{transA: true, transB: true, m: 300, n: 200, k: 500, alpha: 1},
			{m: 1, n: 300, k: 200, alpha: 1},
			{m: 300, n: 1, k: 200, alpha: 1, transB: true},
		} {
			a, lda, b, ldb, cm, ldc := c.operands(rng)
			allocs := testing.AllocsPerRun(5, func() {
				Sgemm(c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, cm, ldc)
			})
			if allocs != 0 {
				t.Errorf("%v: %v allocations per call, want 0", c, allocs)
			}
		}
	})
}

// TestKernelTiles checks that every micro-kernel's name, its tile and dispatch.TileFor agree.
func TestKernelTiles(t *testing.T) {
	name := regexp.MustCompile(`(\d+)x(\d+)`)
	for _, isa := range append([]dispatch.ISA{dispatch.Generic}, keys(simdKernels)...) {
		ks, _ := kernelsFor(isa)
		k := ks.kernel
		tile := dispatch.TileFor(isa)
		if k.mr != tile.MR || k.nr != tile.NR {
			t.Errorf("%s: kernel %s is %d×%d, dispatch.TileFor says %d×%d", isa, k.name, k.mr, k.nr, tile.MR, tile.NR)
		}
		m := name.FindStringSubmatch(k.name)
		if m == nil {
			t.Errorf("%s: kernel name %q does not give its tile", isa, k.name)
			continue
		}
		if mr, _ := strconv.Atoi(m[1]); mr != k.mr {
			t.Errorf("%s: name %q, mr %d", isa, k.name, k.mr)
		}
		if nr, _ := strconv.Atoi(m[2]); nr != k.nr {
			t.Errorf("%s: name %q, nr %d", isa, k.name, k.nr)
		}
	}
}

func keys[V any](m map[dispatch.ISA]V) []dispatch.ISA {
	var ks []dispatch.ISA
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
