package kernels_test

import (
	"fmt"

	"github.com/simdnn/simdnn/kernels"
)

// C = A·B for row-major matrices, as gonum's Sgemm: here A is 2×3 and B is 3×2.
func ExampleSgemm() {
	a := []float32{
		1, 2, 3,
		4, 5, 6,
	}
	b := []float32{
		7, 8,
		9, 10,
		11, 12,
	}
	c := make([]float32, 2*2)
	kernels.Sgemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2)
	fmt.Println(c)
	// Output: [58 64 139 154]
}

// A Keras Conv2D(filters=1, kernel_size=3, padding="same") over a 3×3 single-channel
// image: the filter sums each pixel's neighbourhood, so each output counts the ones
// around it.
func ExampleNewConv2D() {
	conv, err := kernels.NewConv2D(kernels.Conv2DConfig{
		InH: 3, InW: 3, InC: 1, OutC: 1, KH: 3, KW: 3, Padding: kernels.Same,
	}, []float32{1, 1, 1, 1, 1, 1, 1, 1, 1}, nil) // HWIO: [3][3][1][1]
	if err != nil {
		panic(err)
	}
	src := []float32{
		1, 1, 1,
		1, 1, 1,
		1, 1, 1,
	}
	outH, outW := conv.OutputSize()
	dst := make([]float32, outH*outW)
	if err := conv.Forward(dst, src, 1); err != nil {
		panic(err)
	}
	fmt.Println(outH, outW, dst, conv.ParamCount())
	// Output: 3 3 [4 6 4 6 9 6 4 6 4] 9
}

// A Keras Conv2DTranspose(filters=1, kernel_size=2, strides=2) upsamples each pixel into
// a 2×2 block scaled by the filter.
func ExampleNewConv2DTranspose() {
	up, err := kernels.NewConv2DTranspose(kernels.Conv2DTransposeConfig{Conv2DConfig: kernels.Conv2DConfig{
		InH: 1, InW: 2, InC: 1, OutC: 1, KH: 2, KW: 2, StrideH: 2, StrideW: 2,
	}}, []float32{1, 2, 3, 4}, nil) // [KH][KW][OutC][InC]
	if err != nil {
		panic(err)
	}
	outH, outW := up.OutputSize()
	dst := make([]float32, outH*outW)
	if err := up.Forward(dst, []float32{1, 10}, 1); err != nil {
		panic(err)
	}
	fmt.Println(outH, outW, dst)
	// Output: 2 4 [1 2 10 20 3 4 30 40]
}

// A Keras Dense(2, activation="relu") layer on a batch of two rows.
func ExampleNewDense() {
	dense, err := kernels.NewDense(3, 2, []float32{
		1, -1,
		1, -1,
		1, -1,
	}, []float32{0.5, 0.5}, kernels.ReLU) // kernel [in][out], bias [out]
	if err != nil {
		panic(err)
	}
	dst := make([]float32, 2*2)
	if err := dense.Forward(dst, []float32{1, 2, 3, -1, -2, -3}, 2); err != nil {
		panic(err)
	}
	fmt.Println(dst, dense.ParamCount())
	// Output: [6.5 0 0 6.5] 8
}

// SetMaxThreads caps the threads one call uses; the result does not depend on it.
func ExampleSetMaxThreads() {
	previous := kernels.SetMaxThreads(1) // e.g. a server that runs one request per core
	defer kernels.SetMaxThreads(previous)
	a := []float32{1, 2, 3, 4}
	c := make([]float32, 4)
	kernels.Sgemm(false, true, 2, 2, 2, 1, a, 2, a, 2, 0, c, 2) // A·Aᵀ
	fmt.Println(c)
	// Output: [5 11 11 25]
}
