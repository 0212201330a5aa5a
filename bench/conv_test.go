package bench

import (
	"fmt"
	"testing"

	"github.com/simdnn/simdnn/kernels"
)

// convShapes are the 3×3 `same` layers that ../shared/peers/conv_xnn.c times for XNNPACK
// and oneDNN: ResNet-style stages and a first layer on RGB, batch 1.
var convShapes = []struct{ size, inC, outC, stride int }{
	{56, 64, 64, 1}, {28, 128, 128, 1}, {14, 256, 256, 1}, {7, 512, 512, 1},
	{112, 64, 64, 2}, {224, 3, 32, 2},
}

func BenchmarkConv(b *testing.B) {
	for _, s := range convShapes {
		cfg := kernels.Conv2DConfig{InH: s.size, InW: s.size, InC: s.inC, OutC: s.outC, KH: 3, KW: 3,
			StrideH: s.stride, StrideW: s.stride, Padding: kernels.Same}
		conv, err := kernels.NewConv2D(cfg, randomSlice(9*s.inC*s.outC), randomSlice(s.outC))
		if err != nil {
			b.Fatal(err)
		}
		outH, outW := cfg.OutputSize()
		src, dst := randomSlice(s.size*s.size*s.inC), make([]float32, outH*outW*s.outC)
		// Padding taps counted, as the peers count them.
		flops := 2 * float64(outH*outW*s.outC*s.inC*9)
		b.Run(fmt.Sprintf("simdnn-%s/%dx%dx%d-%d-s%d", kernels.ISA(), s.size, s.size, s.inC, s.outC, s.stride), func(b *testing.B) {
			for b.Loop() {
				if err := conv.Forward(dst, src, 1); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}

func BenchmarkDense(b *testing.B) {
	const in, out = 9216, 128
	d, err := kernels.NewDense(in, out, randomSlice(in*out), randomSlice(out), kernels.ReLU)
	if err != nil {
		b.Fatal(err)
	}
	for _, batch := range []int{1, 64} {
		src, dst := randomSlice(batch*in), make([]float32, batch*out)
		b.Run(fmt.Sprintf("simdnn-%s/%dx%d-batch%d", kernels.ISA(), in, out, batch), func(b *testing.B) {
			for b.Loop() {
				if err := d.Forward(dst, src, batch); err != nil {
					b.Fatal(err)
				}
			}
			flops := 2 * float64(batch*in*out)
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
			// The kernel streams from memory at batch 1: report the bandwidth it reached.
			b.ReportMetric(4*float64(in*out)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
	}
}
