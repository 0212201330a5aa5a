package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// Quick single-layer benchmarks, one thread (the layers do not spawn goroutines yet),
// on the active ISA. The project's benchmark tables live in bench/.

// BenchmarkConv2D: the ResNet-style 3×3 layer of DESIGN.md's peer table, and a 1×1.
func BenchmarkConv2D(b *testing.B) {
	for _, cfg := range []Conv2DConfig{
		{InH: 56, InW: 56, InC: 64, OutC: 64, KH: 3, KW: 3, Padding: Same, Activation: ReLU},
		{InH: 56, InW: 56, InC: 64, OutC: 64, KH: 1, KW: 1, Activation: ReLU},
	} {
		rng := rand.New(rand.NewPCG(1, 2))
		layer, err := NewConv2D(cfg, uniform(rng, cfg.ParamCount(false)), uniform(rng, cfg.OutC))
		if err != nil {
			b.Fatal(err)
		}
		oh, ow := cfg.OutputSize()
		src, dst := uniform(rng, cfg.InH*cfg.InW*cfg.InC), make([]float32, oh*ow*cfg.OutC)
		flops := 2 * oh * ow * cfg.OutC * cfg.KH * cfg.KW * cfg.InC
		b.Run(fmt.Sprintf("%s/%dx%dx%d-%d-k%dx%d", ISA(), cfg.InH, cfg.InW, cfg.InC, cfg.OutC, cfg.KH, cfg.KW), func(b *testing.B) {
			for b.Loop() {
				layer.Forward(dst, src, 1)
			}
			b.ReportMetric(float64(flops)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}

// BenchmarkConv2DTranspose: a decoder's 3×3 stride-2 upsampling layer.
func BenchmarkConv2DTranspose(b *testing.B) {
	cfg := Conv2DTransposeConfig{Conv2DConfig: Conv2DConfig{InH: 28, InW: 28, InC: 64, OutC: 32, KH: 3, KW: 3,
		StrideH: 2, StrideW: 2, Padding: Same, Activation: ReLU}}
	rng := rand.New(rand.NewPCG(3, 4))
	layer, err := NewConv2DTranspose(cfg, uniform(rng, cfg.ParamCount(false)), uniform(rng, cfg.OutC))
	if err != nil {
		b.Fatal(err)
	}
	oh, ow := layer.OutputSize()
	src, dst := uniform(rng, cfg.InH*cfg.InW*cfg.InC), make([]float32, oh*ow*cfg.OutC)
	flops := 2 * cfg.InH * cfg.InW * cfg.InC * cfg.KH * cfg.KW * cfg.OutC // every product, cropped or not
	b.Run(fmt.Sprintf("%s/%dx%dx%d-%d-k3x3s2", ISA(), cfg.InH, cfg.InW, cfg.InC, cfg.OutC), func(b *testing.B) {
		for b.Loop() {
			layer.Forward(dst, src, 1)
		}
		b.ReportMetric(float64(flops)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
	})
}

// BenchmarkDense: the MNIST convnet's 9216→128 layer, as a GEMV (batch 1) and a GEMM.
func BenchmarkDense(b *testing.B) {
	const in, out = 9216, 128
	rng := rand.New(rand.NewPCG(5, 6))
	layer, err := NewDense(in, out, uniform(rng, in*out), uniform(rng, out), ReLU)
	if err != nil {
		b.Fatal(err)
	}
	for _, batch := range []int{1, 32} {
		src, dst := uniform(rng, batch*in), make([]float32, batch*out)
		b.Run(fmt.Sprintf("%s/%d-%d-batch%d", ISA(), in, out, batch), func(b *testing.B) {
			for b.Loop() {
				layer.Forward(dst, src, batch)
			}
			b.ReportMetric(float64(2*batch*in*out)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}
