// Package bench measures simdnn against gonum's BLAS in the same run, in GFLOPS.
// Each ISA is a separate run with SIMDNN_ISA set (see the Makefile's bench target); the
// ISA in use is part of every benchmark name.
package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/simdnn/simdnn/kernels"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// sgemmShapes are M×N×K: square sizes, the im2col GEMMs of ResNet-style 3×3 layers
// (3136×64×576 is 56×56 pixels × 64 filters × 3·3·64 taps) and their transposes, and a
// matrix-vector product.
var sgemmShapes = [][3]int{
	{64, 64, 64}, {128, 128, 128}, {256, 256, 256}, {512, 512, 512}, {1024, 1024, 1024}, {2048, 2048, 2048},
	{3136, 64, 576}, {784, 128, 1152}, {196, 256, 2304}, {64, 3136, 576}, {1, 4096, 4096},
}

func randomSlice(n int) []float32 {
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	s := make([]float32, n)
	for i := range s {
		s[i] = 2*rng.Float32() - 1
	}
	return s
}

func BenchmarkSgemm(b *testing.B) {
	impls := []struct {
		name  string
		sgemm func(m, n, k int, a, bm, c []float32)
	}{
		{"simdnn-" + kernels.ISA(), func(m, n, k int, a, bm, c []float32) {
			kernels.Sgemm(false, false, m, n, k, 1, a, k, bm, n, 0, c, n)
		}},
		{gonumName, func(m, n, k int, a, bm, c []float32) {
			gonum.Implementation{}.Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, k, bm, n, 0, c, n)
		}},
	}
	for _, s := range sgemmShapes {
		m, n, k := s[0], s[1], s[2]
		a, bm, c := randomSlice(m*k), randomSlice(k*n), make([]float32, m*n)
		for _, im := range impls {
			b.Run(fmt.Sprintf("%s/%dx%dx%d", im.name, m, n, k), func(b *testing.B) {
				reportGFLOPS(b, 2*float64(m)*float64(n)*float64(k), func() { im.sgemm(m, n, k, a, bm, c) })
			})
		}
	}
}

// sgemmTransShapes are M×N×K products with one operand transposed: X·Wᵀ (NT, a PyTorch
// layout's linear layer) and Xᵀ·dY (TN, a weight gradient), where packing the
// transposed operand is part of the cost. 576×64×3136 TN is the weight gradient of the
// 3×3 56²×64→64 layer (its im2col X is 3136×576).
var sgemmTransShapes = [][3]int{{512, 512, 512}, {1024, 1024, 1024}, {784, 128, 1152}, {64, 3136, 576}, {576, 64, 3136}}

func BenchmarkSgemmTrans(b *testing.B) {
	for _, s := range sgemmTransShapes {
		m, n, k := s[0], s[1], s[2]
		a, bm, c := randomSlice(m*k), randomSlice(k*n), make([]float32, m*n)
		for _, op := range []struct {
			name           string
			transA, transB bool
		}{{"NT", false, true}, {"TN", true, false}} {
			lda, ldb := k, n
			if op.transA {
				lda = m
			}
			if op.transB {
				ldb = k
			}
			tA, tB := blas.NoTrans, blas.NoTrans
			if op.transA {
				tA = blas.Trans
			}
			if op.transB {
				tB = blas.Trans
			}
			shape := fmt.Sprintf("%dx%dx%d-%s", m, n, k, op.name)
			b.Run("simdnn-"+kernels.ISA()+"/"+shape, func(b *testing.B) {
				reportGFLOPS(b, 2*float64(m)*float64(n)*float64(k), func() {
					kernels.Sgemm(op.transA, op.transB, m, n, k, 1, a, lda, bm, ldb, 0, c, n)
				})
			})
			b.Run(gonumName+"/"+shape, func(b *testing.B) {
				reportGFLOPS(b, 2*float64(m)*float64(n)*float64(k), func() {
					gonum.Implementation{}.Sgemm(tA, tB, m, n, k, 1, a, lda, bm, ldb, 0, c, n)
				})
			})
		}
	}
}
