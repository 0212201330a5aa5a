package gonumblas_test

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/simdnn/simdnn/gonumblas"
)

// One line switches every blas32 call of the program to simdnn.
func Example() {
	blas32.Use(gonumblas.Implementation{})

	// C = A·B, A 64×128, B 128×16: large enough to run on simdnn's kernels. Small integers
	// keep every sum exact, whatever order the kernels add in.
	const m, k, n = 64, 128, 16
	a := blas32.General{Rows: m, Cols: k, Stride: k, Data: make([]float32, m*k)}
	b := blas32.General{Rows: k, Cols: n, Stride: n, Data: make([]float32, k*n)}
	c := blas32.General{Rows: m, Cols: n, Stride: n, Data: make([]float32, m*n)}
	for i := range a.Data {
		a.Data[i] = float32(i%7 - 3)
	}
	for i := range b.Data {
		b.Data[i] = float32(i%5 - 2)
	}
	blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, a, b, 0, c)
	fmt.Println("C[0][0:4] =", c.Data[:4])
	fmt.Println("C[63][15] =", c.Data[m*n-1])

	// y = A·x, a matrix-vector product, runs on simdnn's threaded GEMV.
	x := blas32.Vector{N: k, Inc: 1, Data: make([]float32, k)}
	y := blas32.Vector{N: m, Inc: 1, Data: make([]float32, m)}
	for i := range x.Data {
		x.Data[i] = 1
	}
	blas32.Gemv(blas.NoTrans, 1, a, x, 0, y)
	fmt.Println("y[0:4] =", y.Data[:4])
	// Output:
	// C[0][0:4] = [2 2 -13 2]
	// C[63][15] = 2
	// y[0:4] = [-5 -1 3 0]
}
