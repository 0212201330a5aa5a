package gonumblas

import (
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// The panic tests start from valid calls and spoil them with every combination of up to
// three bad (or boundary) arguments: both implementations must panic with equal values,
// the first bad argument in gonum's order, or both not panic.

// recovered runs f and returns what it panicked with, nil if it returned.
func recovered(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

// combinations calls f with every set of at most size indexes below n.
func combinations(n, size int, f func(set []int)) {
	var walk func(start int, set []int)
	walk = func(start int, set []int) {
		f(set)
		if len(set) == size {
			return
		}
		for i := start; i < n; i++ {
			walk(i+1, append(set, i))
		}
	}
	walk(0, make([]int, 0, size))
}

// samePanics applies each combination of mutations to a fresh copy of the base
// arguments and compares the two implementations' panics on it; it returns how many of
// the combinations panicked.
func samePanics[A any](t *testing.T, base func() A, mutations []mutation[A], call func(blas.Float32, A)) (panicked int) {
	t.Helper()
	combinations(len(mutations), 3, func(set []int) {
		var names []string
		argsGonum, argsOurs := base(), base()
		for _, i := range set {
			mutations[i].apply(&argsGonum)
			mutations[i].apply(&argsOurs)
			names = append(names, mutations[i].name)
		}
		want := recovered(func() { call(gonum.Implementation{}, argsGonum) })
		got := recovered(func() { call(Implementation{}, argsOurs) })
		if got != want {
			t.Fatalf("with %v: panicked with %#v, gonum with %#v", names, got, want)
		}
		if want != nil {
			if _, isString := want.(string); !isString {
				t.Fatalf("with %v: gonum panicked with %#v, not one of its argument checks", names, want)
			}
			panicked++
		}
	})
	return panicked
}

type mutation[A any] struct {
	name  string
	apply func(*A)
}

type sgemmArgs struct {
	tA, tB        blas.Transpose
	m, n, k       int
	alpha, beta   float32
	a, b, c       []float32
	lda, ldb, ldc int
}

func TestSgemmPanics(t *testing.T) {
	mutations := []mutation[sgemmArgs]{
		{"bad tA", func(s *sgemmArgs) { s.tA = 'X' }},
		{"bad tB", func(s *sgemmArgs) { s.tB = 0 }},
		{"m < 0", func(s *sgemmArgs) { s.m = -1 }},
		{"n < 0", func(s *sgemmArgs) { s.n = -2 }},
		{"k < 0", func(s *sgemmArgs) { s.k = -1 }},
		{"m = 0", func(s *sgemmArgs) { s.m = 0 }},
		{"n = 0", func(s *sgemmArgs) { s.n = 0 }},
		{"k = 0", func(s *sgemmArgs) { s.k = 0 }},
		{"short lda", func(s *sgemmArgs) { s.lda-- }},
		{"lda = 0", func(s *sgemmArgs) { s.lda = 0 }},
		{"short ldb", func(s *sgemmArgs) { s.ldb-- }},
		{"short ldc", func(s *sgemmArgs) { s.ldc-- }},
		{"long lda", func(s *sgemmArgs) { s.lda += 2 }},
		{"short a", func(s *sgemmArgs) { s.a = s.a[:len(s.a)-1] }},
		{"nil a", func(s *sgemmArgs) { s.a = nil }},
		{"short b", func(s *sgemmArgs) { s.b = s.b[:len(s.b)-1] }},
		{"short c", func(s *sgemmArgs) { s.c = s.c[:len(s.c)-1] }},
		{"nil c", func(s *sgemmArgs) { s.c = nil }},
		{"alpha = 0", func(s *sgemmArgs) { s.alpha = 0 }},
		{"beta = 1", func(s *sgemmArgs) { s.beta = 1 }},
	}
	forEachMode(t, func(t *testing.T) {
		for _, tA := range transposes {
			for _, tB := range transposes {
				base := func() sgemmArgs {
					s := sgemmArgs{tA: tA, tB: tB, m: 3, n: 4, k: 5, alpha: 1.5, beta: 0.5}
					rowA, colA := s.m, s.k
					if isTransposed(tA) {
						rowA, colA = s.k, s.m
					}
					rowB, colB := s.k, s.n
					if isTransposed(tB) {
						rowB, colB = s.n, s.k
					}
					s.lda, s.ldb, s.ldc = colA, colB, s.n
					s.a, s.b, s.c = make([]float32, rowA*colA), make([]float32, rowB*colB), make([]float32, s.m*s.n)
					return s
				}
				panicked := samePanics(t, base, mutations, func(im blas.Float32, s sgemmArgs) {
					im.Sgemm(s.tA, s.tB, s.m, s.n, s.k, s.alpha, s.a, s.lda, s.b, s.ldb, s.beta, s.c, s.ldc)
				})
				if panicked < 100 {
					t.Fatalf("Sgemm(%c, %c): only %d combinations panicked: the mutations no longer break the calls", tA, tB, panicked)
				}
			}
		}
	})
}

type sgemvArgs struct {
	tA          blas.Transpose
	m, n        int
	alpha, beta float32
	a, x, y     []float32
	lda         int
	incX, incY  int
}

func TestSgemvPanics(t *testing.T) {
	mutations := []mutation[sgemvArgs]{
		{"bad tA", func(s *sgemvArgs) { s.tA = 'X' }},
		{"m < 0", func(s *sgemvArgs) { s.m = -1 }},
		{"n < 0", func(s *sgemvArgs) { s.n = -1 }},
		{"m = 0", func(s *sgemvArgs) { s.m = 0 }},
		{"n = 0", func(s *sgemvArgs) { s.n = 0 }},
		{"short lda", func(s *sgemvArgs) { s.lda-- }},
		{"lda = 0", func(s *sgemvArgs) { s.lda = 0 }},
		{"incX = 0", func(s *sgemvArgs) { s.incX = 0 }},
		{"incY = 0", func(s *sgemvArgs) { s.incY = 0 }},
		{"incX × 2", func(s *sgemvArgs) { s.incX *= 2 }},
		{"incY × -2", func(s *sgemvArgs) { s.incY *= -2 }},
		{"short x", func(s *sgemvArgs) { s.x = s.x[:len(s.x)-1] }},
		{"short y", func(s *sgemvArgs) { s.y = s.y[:len(s.y)-1] }},
		{"nil x", func(s *sgemvArgs) { s.x = nil }},
		{"short a", func(s *sgemvArgs) { s.a = s.a[:len(s.a)-1] }},
		{"alpha = 0", func(s *sgemvArgs) { s.alpha = 0 }},
		{"beta = 1", func(s *sgemvArgs) { s.beta = 1 }},
	}
	forEachMode(t, func(t *testing.T) {
		for _, tA := range transposes {
			for _, inc := range [][2]int{{1, 1}, {-1, 2}, {3, -1}} {
				base := func() sgemvArgs {
					s := sgemvArgs{tA: tA, m: 3, n: 4, alpha: 1.5, beta: 0.5, lda: 4, incX: inc[0], incY: inc[1]}
					lenX, lenY := s.n, s.m
					if isTransposed(tA) {
						lenX, lenY = s.m, s.n
					}
					s.a = make([]float32, s.m*s.lda)
					s.x, s.y = make([]float32, (lenX-1)*abs(s.incX)+1), make([]float32, (lenY-1)*abs(s.incY)+1)
					return s
				}
				panicked := samePanics(t, base, mutations, func(im blas.Float32, s sgemvArgs) {
					im.Sgemv(s.tA, s.m, s.n, s.alpha, s.a, s.lda, s.x, s.incX, s.beta, s.y, s.incY)
				})
				if panicked < 100 {
					t.Fatalf("Sgemv(%c, incs %v): only %d combinations panicked", tA, inc, panicked)
				}
			}
		}
	})
}

type sdotArgs struct {
	n          int
	x, y       []float32
	incX, incY int
}

func TestSdotPanics(t *testing.T) {
	mutations := []mutation[sdotArgs]{
		{"n < 0", func(s *sdotArgs) { s.n = -1 }},
		{"n = 0", func(s *sdotArgs) { s.n = 0 }},
		{"incX = 0", func(s *sdotArgs) { s.incX = 0 }},
		{"incY = 0", func(s *sdotArgs) { s.incY = 0 }},
		{"incX × -2", func(s *sdotArgs) { s.incX *= -2 }},
		{"incY × 2", func(s *sdotArgs) { s.incY *= 2 }},
		{"short x", func(s *sdotArgs) { s.x = s.x[:len(s.x)-1] }},
		{"short y", func(s *sdotArgs) { s.y = s.y[:len(s.y)-1] }},
		{"nil y", func(s *sdotArgs) { s.y = nil }},
	}
	forEachMode(t, func(t *testing.T) {
		for _, n := range []int{5, sdotMinN + 1} {
			for _, inc := range [][2]int{{1, 1}, {-1, 2}} {
				base := func() sdotArgs {
					return sdotArgs{n: n, incX: inc[0], incY: inc[1],
						x: make([]float32, (n-1)*abs(inc[0])+1), y: make([]float32, (n-1)*abs(inc[1])+1)}
				}
				panicked := samePanics(t, base, mutations, func(im blas.Float32, s sdotArgs) {
					im.Sdot(s.n, s.x, s.incX, s.y, s.incY)
				})
				if panicked < 50 {
					t.Fatalf("Sdot(n=%d, incs %v): only %d combinations panicked", n, inc, panicked)
				}
			}
		}
	})
}

// TestPanicValuesAreGonums pins the panic values to gonum's own strings for one
// example of each, so that a change in gonum's wording shows here by name.
func TestPanicValuesAreGonums(t *testing.T) {
	for _, c := range []struct {
		want string
		call func(blas.Float32)
	}{
		{badTranspose, func(im blas.Float32) { im.Sgemm('X', blas.NoTrans, 1, 1, 1, 1, nil, 1, nil, 1, 0, nil, 1) }},
		{shortA, func(im blas.Float32) {
			im.Sgemm(blas.NoTrans, blas.NoTrans, 3, 1, 0, 1, nil, 1, nil, 1, 0, make([]float32, 3), 1)
		}},
		{zeroIncY, func(im blas.Float32) {
			im.Sgemv(blas.NoTrans, 1, 1, 1, []float32{1}, 1, []float32{1}, 1, 0, []float32{1}, 0)
		}},
		{shortY, func(im blas.Float32) { im.Sdot(sdotMinN, make([]float32, sdotMinN), 1, nil, 1) }},
	} {
		for _, im := range []blas.Float32{gonum.Implementation{}, Implementation{}} {
			if got := recovered(func() { c.call(im) }); got != c.want {
				t.Errorf("%T: panicked with %#v, want %q", im, got, c.want)
			}
		}
	}
}
