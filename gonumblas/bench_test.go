package gonumblas

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/simdnn/simdnn/kernels"
)

// The benchmarks go through blas32, as a gonum program does, with blas32.Use switching
// between gonum's implementation and this package's. Sub-benchmarks are named
// impl=NAME/SHAPE so that `-bench 'Gemm/impl=gonum'` runs one side; for interleaved
// rounds run the two sides alternately (see the package's report in the git log).

var benchImpls = []struct {
	name string
	impl blas.Float32
}{
	{"gonum", gonum.Implementation{}},
	{"simdnn", Implementation{}},
}

// useFor switches blas32 to impl for the benchmark and back after it.
func useFor(b *testing.B, impl blas.Float32) {
	previous := blas32.Implementation()
	blas32.Use(impl)
	b.Cleanup(func() { blas32.Use(previous) })
}

func randomFloat32s(n int, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	s := make([]float32, n)
	for i := range s {
		s[i] = rng.Float32()*2 - 1
	}
	return s
}

func general(rows, cols int, seed uint64) blas32.General {
	return blas32.General{Rows: rows, Cols: cols, Stride: cols, Data: randomFloat32s(rows*cols, seed)}
}

func reportGFLOPS(b *testing.B, flops float64) {
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
}

// BenchmarkGemm: blas32.Gemm, C = A·B, on the shapes m×n×k.
func BenchmarkGemm(b *testing.B) {
	for _, impl := range benchImpls {
		for _, s := range [][3]int{{256, 256, 256}, {1024, 1024, 1024}, {1, 4096, 4096}} {
			m, n, k := s[0], s[1], s[2]
			b.Run(fmt.Sprintf("impl=%s/%dx%dx%d", impl.name, m, n, k), func(b *testing.B) {
				useFor(b, impl.impl)
				a, bm, c := general(m, k, 1), general(k, n, 2), general(m, n, 3)
				for b.Loop() {
					blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, a, bm, 0, c)
				}
				reportGFLOPS(b, 2*float64(m)*float64(n)*float64(k))
			})
		}
	}
}

// BenchmarkGemv: blas32.Gemv, y = op(A)·x, A m×n.
func BenchmarkGemv(b *testing.B) {
	for _, impl := range benchImpls {
		for _, size := range []int{256, 1024, 4096} {
			for _, t := range []blas.Transpose{blas.NoTrans, blas.Trans} {
				b.Run(fmt.Sprintf("impl=%s/%c/%dx%d", impl.name, t, size, size), func(b *testing.B) {
					useFor(b, impl.impl)
					a := general(size, size, 4)
					x := blas32.Vector{N: size, Inc: 1, Data: randomFloat32s(size, 5)}
					y := blas32.Vector{N: size, Inc: 1, Data: randomFloat32s(size, 6)}
					for b.Loop() {
						blas32.Gemv(t, 1, a, x, 0, y)
					}
					reportGFLOPS(b, 2*float64(size)*float64(size))
				})
			}
		}
	}
}

var level1Sizes = []int{256, 4096, 8192, 65536, 1 << 20}

// BenchmarkSdot: blas32.Dot on contiguous vectors.
func BenchmarkSdot(b *testing.B) {
	for _, impl := range benchImpls {
		for _, n := range level1Sizes {
			b.Run(fmt.Sprintf("impl=%s/n=%d", impl.name, n), func(b *testing.B) {
				useFor(b, impl.impl)
				x := blas32.Vector{N: n, Inc: 1, Data: randomFloat32s(n, 7)}
				y := blas32.Vector{N: n, Inc: 1, Data: randomFloat32s(n, 8)}
				for b.Loop() {
					blas32.Dot(x, y)
				}
				reportGFLOPS(b, 2*float64(n))
			})
		}
	}
}

// BenchmarkLevel1Routes measures what Saxpy and Sscal would gain on simdnn: gonum's
// routine against the only way to reach simdnn's kernels for them, kernels.Sgemm (a
// 1×n×1 product for axpy, 1×n×0 with beta = alpha for scal). They stay gonum's while
// the route loses (see doc.go). Sscal scales by -1, so that repeated calls leave the
// values as they are: a factor below 1 would drive them into the denormals, which are
// 25× slower.
func BenchmarkLevel1Routes(b *testing.B) {
	for _, n := range level1Sizes {
		x, y := randomFloat32s(n, 9), randomFloat32s(n, 10)
		alpha := []float32{1.0001}
		b.Run(fmt.Sprintf("Saxpy/impl=gonum/n=%d", n), func(b *testing.B) {
			for b.Loop() {
				gonum.Implementation{}.Saxpy(n, alpha[0], x, 1, y, 1)
			}
			reportGFLOPS(b, 2*float64(n))
		})
		b.Run(fmt.Sprintf("Saxpy/impl=kernels.Sgemm/n=%d", n), func(b *testing.B) {
			for b.Loop() {
				kernels.Sgemm(false, false, 1, n, 1, 1, alpha, 1, x, n, 1, y, n)
			}
			reportGFLOPS(b, 2*float64(n))
		})
		b.Run(fmt.Sprintf("Sscal/impl=gonum/n=%d", n), func(b *testing.B) {
			for b.Loop() {
				gonum.Implementation{}.Sscal(n, -1, y, 1)
			}
			reportGFLOPS(b, float64(n))
		})
		b.Run(fmt.Sprintf("Sscal/impl=kernels.Sgemm/n=%d", n), func(b *testing.B) {
			for b.Loop() {
				kernels.Sgemm(false, false, 1, n, 0, 0, nil, 1, nil, n, -1, y, n)
			}
			reportGFLOPS(b, float64(n))
		})
	}
}
