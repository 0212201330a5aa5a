package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// winogradBenchShapes are the 3×3 stride-1 layers of the issue (ResNet's stages), batch
// 1, same padding: {H=W, InC, OutC}.
var winogradBenchShapes = [][3]int{{56, 64, 64}, {28, 128, 128}, {14, 256, 256}, {7, 512, 512}}

// BenchmarkConv: each algorithm on each shape, on the active ISA, in effective GFLOPS
// (the direct convolution's 2·Ho·Wo·Cout·Cin·9 FLOPs, padding taps counted, ÷ time).
// The names are what ../shared/peers/sidebyside.py reads (Benchmark<Group>/<impl>/
// <H>x<W>x<Cin>-<Cout>-s<stride>), so that its rounds interleave these with oneDNN:
//
//	../shared/peers/sidebyside.py --rounds 3 --threads 1 \
//	    --cmd "go test -run '^$' -bench '^BenchmarkConv$' -count 1 ./kernels"
//
// The algorithms run interleaved within each shape, so that one shape's figures share
// the machine's state.
func BenchmarkConv(b *testing.B) {
	for _, sh := range winogradBenchShapes {
		for _, alg := range []ConvAlgorithm{Direct, Winograd2x2, Winograd, AutoAlgorithm} {
			cfg := Conv2DConfig{InH: sh[0], InW: sh[0], InC: sh[1], OutC: sh[2], KH: 3, KW: 3, Padding: Same, Activation: ReLU, Algorithm: alg}
			rng := rand.New(rand.NewPCG(1, 2))
			layer, err := NewConv2D(cfg, uniform(rng, cfg.ParamCount(false)), uniform(rng, cfg.OutC))
			if err != nil {
				b.Fatal(err)
			}
			oh, ow := cfg.OutputSize()
			src, dst := uniform(rng, cfg.InH*cfg.InW*cfg.InC), make([]float32, oh*ow*cfg.OutC)
			flops := 2 * oh * ow * cfg.OutC * 9 * cfg.InC
			b.Run(fmt.Sprintf("simdnn-%s/%dx%dx%d-%d-s1", alg, cfg.InH, cfg.InW, cfg.InC, cfg.OutC), func(b *testing.B) {
				for b.Loop() {
					layer.Forward(dst, src, 1)
				}
				b.ReportMetric(float64(flops)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
			})
		}
	}
}

// BenchmarkWinogradBlock: the tiles per block (winogradBlock's choice, tb=0, against
// fixed sizes) on the benchmark shapes, one thread.
func BenchmarkWinogradBlock(b *testing.B) {
	for _, sh := range winogradBenchShapes {
		for _, alg := range []ConvAlgorithm{Winograd2x2, Winograd} {
			for _, tb := range []int{0, 12, 24, 36, 48, 96, 192} {
				cfg := Conv2DConfig{InH: sh[0], InW: sh[0], InC: sh[1], OutC: sh[2], KH: 3, KW: 3, Padding: Same, Activation: ReLU, Algorithm: alg}
				rng := rand.New(rand.NewPCG(1, 2))
				layer, err := NewConv2D(cfg, uniform(rng, cfg.ParamCount(false)), uniform(rng, cfg.OutC))
				if err != nil {
					b.Fatal(err)
				}
				if tb > 0 {
					layer.wino.tb = tb
				}
				oh, ow := cfg.OutputSize()
				src, dst := uniform(rng, cfg.InH*cfg.InW*cfg.InC), make([]float32, oh*ow*cfg.OutC)
				flops := 2 * oh * ow * cfg.OutC * 9 * cfg.InC
				b.Run(fmt.Sprintf("%s/tb%d/%dx%dx%d-%d", alg, layer.wino.tb, cfg.InH, cfg.InW, cfg.InC, cfg.OutC), func(b *testing.B) {
					for b.Loop() {
						layer.Forward(dst, src, 1)
					}
					b.ReportMetric(float64(flops)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
				})
			}
		}
	}
}

// BenchmarkWinogradKernels: each transform kernel on one tile of 64 channels in L1 (the
// input in place in an NHWC image row, V and M as a block of 12 tiles lays them out), in
// ns per tile.
func BenchmarkWinogradKernels(b *testing.B) {
	forEachISABench(b, func(b *testing.B, im impl) {
		for _, tr := range []*winogradTransform{winograd2x2, winograd4x4} {
			k := im.winograd[tr.index()]
			if k.input == nil {
				b.Skipf("%s has no Winograd transform kernels", im.isa)
			}
			const n, tb = 64, 12
			a, m := tr.alpha, tr.m
			rng := rand.New(rand.NewPCG(1, 2))
			src := uniform(rng, a*a*n)
			v := make([]float32, a*a*tb*n)
			bias := uniform(rng, n)
			dst := make([]float32, m*m*n)
			b.Run(fmt.Sprintf("F%dx%d/input", m, m), func(b *testing.B) {
				for b.Loop() {
					k.input(n, src, a*n, n, v, tb*n)
				}
			})
			b.Run(fmt.Sprintf("F%dx%d/output", m, m), func(b *testing.B) {
				for b.Loop() {
					k.output(n, v, tb*n, dst, m*n, n, bias, true, m, m)
				}
			})
		}
	})
}
