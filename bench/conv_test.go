package bench

import (
	"fmt"
	"testing"

	"github.com/simdnn/simdnn/kernels"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// convShapes are the `same` layers that ../shared/peers/conv_dnnl.c times for oneDNN (and
// conv_xnn.c, the 3×3 ones, for XNNPACK): ResNet-style 3×3 stages and a first layer on
// RGB, then 1×1, 5×5 and a 7×7 stride-2 stem, batch 1. No two share the name's
// H×W×Cin-Cout-stride, which is all sidebyside.py matches on.
var convShapes = []convShape{
	{56, 64, 64, 1, 3}, {28, 128, 128, 1, 3}, {14, 256, 256, 1, 3}, {7, 512, 512, 1, 3},
	{112, 64, 64, 2, 3}, {224, 3, 32, 2, 3},
	{56, 64, 256, 1, 1}, {14, 1024, 256, 1, 1}, {28, 32, 32, 1, 5}, {224, 3, 64, 2, 7},
}

// convShape is a k×k `same` layer: a size×size×inC image, outC filters.
type convShape struct{ size, inC, outC, stride, k int }

// newConv builds the Conv2D of s, weights and bias random, and returns its output size.
func newConv(b *testing.B, s convShape) (conv *kernels.Conv2D, outH, outW int) {
	cfg := kernels.Conv2DConfig{InH: s.size, InW: s.size, InC: s.inC, OutC: s.outC, KH: s.k, KW: s.k,
		StrideH: s.stride, StrideW: s.stride, Padding: kernels.Same}
	conv, err := kernels.NewConv2D(cfg, randomSlice(s.k*s.k*s.inC*s.outC), randomSlice(s.outC))
	if err != nil {
		b.Fatal(err)
	}
	outH, outW = cfg.OutputSize()
	return conv, outH, outW
}

func BenchmarkConv(b *testing.B) {
	for _, s := range convShapes {
		conv, outH, outW := newConv(b, s)
		src, dst := randomSlice(s.size*s.size*s.inC), make([]float32, outH*outW*s.outC)
		// Padding taps counted, as the peers count them.
		flops := 2 * float64(outH*outW*s.outC*s.inC*s.k*s.k)
		b.Run(fmt.Sprintf("simdnn-%s/%dx%dx%d-%d-s%d", kernels.ISA(), s.size, s.size, s.inC, s.outC, s.stride), func(b *testing.B) {
			reportGFLOPS(b, flops, func() {
				if err := conv.Forward(dst, src, 1); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// deconvShapes are the decoder layers ../shared/peers/conv_dnnl.c times for oneDNN's
// deconvolution: Keras Conv2DTranspose, 3×3, strides 2, `same`, batch 1 (out = 2·in).
var deconvShapes = []convShape{{7, 512, 256, 2, 3}, {14, 256, 128, 2, 3}, {28, 128, 64, 2, 3}, {56, 64, 32, 2, 3}}

func BenchmarkDeconv(b *testing.B) {
	for _, s := range deconvShapes {
		cfg := kernels.Conv2DTransposeConfig{Conv2DConfig: kernels.Conv2DConfig{InH: s.size, InW: s.size,
			InC: s.inC, OutC: s.outC, KH: 3, KW: 3, StrideH: s.stride, StrideW: s.stride, Padding: kernels.Same}}
		deconv, err := kernels.NewConv2DTranspose(cfg, randomSlice(9*s.inC*s.outC), randomSlice(s.outC))
		if err != nil {
			b.Fatal(err)
		}
		outH, outW := deconv.OutputSize()
		src, dst := randomSlice(s.size*s.size*s.inC), make([]float32, outH*outW*s.outC)
		// Every input pixel's every tap, cropped or not, as the peer counts.
		flops := 2 * float64(s.size*s.size*s.inC*s.outC*9)
		b.Run(fmt.Sprintf("simdnn-%s/%dx%dx%d-%d-s%d", kernels.ISA(), s.size, s.size, s.inC, s.outC, s.stride), func(b *testing.B) {
			reportGFLOPS(b, flops, func() {
				if err := deconv.Forward(dst, src, 1); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkDense: simdnn's layer, and the same layer as a gonum user writes it (Sgemm,
// then bias and ReLU in Go), on one fully connected layer at batch 1 and 64.
func BenchmarkDense(b *testing.B) {
	const in, out = 9216, 128
	kernel, bias := randomSlice(in*out), randomSlice(out)
	d, err := kernels.NewDense(in, out, kernel, bias, kernels.ReLU)
	if err != nil {
		b.Fatal(err)
	}
	impls := []struct {
		name    string
		forward func(dst, src []float32, batch int)
	}{
		{"simdnn-" + kernels.ISA(), func(dst, src []float32, batch int) {
			if err := d.Forward(dst, src, batch); err != nil {
				b.Fatal(err)
			}
		}},
		{gonumName, func(dst, src []float32, batch int) {
			gonum.Implementation{}.Sgemm(blas.NoTrans, blas.NoTrans, batch, out, in, 1, src, in, kernel, out, 0, dst, out)
			for i := range dst {
				dst[i] = max(dst[i]+bias[i%out], 0)
			}
		}},
	}
	for _, batch := range []int{1, 64} {
		src, dst := randomSlice(batch*in), make([]float32, batch*out)
		for _, im := range impls {
			b.Run(fmt.Sprintf("%s/%dx%d-batch%d", im.name, in, out, batch), func(b *testing.B) {
				median, mean := timeCalls(b, func() { im.forward(dst, src, batch) })
				flops := 2 * float64(batch*in*out)
				b.ReportMetric(flops*median/1e9, "GFLOPS")
				b.ReportMetric(flops*mean/1e9, "mean-GFLOPS")
				// The kernel streams from memory at batch 1: report the bandwidth it reached.
				b.ReportMetric(4*float64(in*out)*median/1e9, "GB/s")
			})
		}
	}
}
