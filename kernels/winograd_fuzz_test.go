package kernels

import (
	"math/rand/v2"
	"testing"
)

// FuzzConv2DWinograd draws a 3×3 stride-1 layer from fuzz integers (spatial sizes 1–16,
// channels 1–48, padding, activation, batch 1–3) and checks both Winograd algorithms on
// every ISA and blocking against the float64 reference and generic/:
//
//	go test -run '^$' -fuzz '^FuzzConv2DWinograd$' -fuzztime 30s ./kernels
func FuzzConv2DWinograd(f *testing.F) {
	f.Add(uint8(5), uint8(6), uint8(3), uint8(7), uint8(1), uint8(0), uint8(1), true, uint64(1))
	// Sizes off the tile grid, channels past a tile width, one image: every seed runs in
	// well under a second under qemu (make arm64-fuzz; 16×13×34→32 × 3 images took 5 s).
	f.Add(uint8(9), uint8(6), uint8(17), uint8(19), uint8(0), uint8(8), uint8(0), false, uint64(2))
	f.Add(uint8(0), uint8(0), uint8(0), uint8(0), uint8(1), uint8(1), uint8(0), true, uint64(3))
	f.Fuzz(func(t *testing.T, inH, inW, inC, outC, pad, act, n uint8, bias bool, seed uint64) {
		c := convCase{
			Conv2DConfig: Conv2DConfig{
				InH: 1 + int(inH%16), InW: 1 + int(inW%16), InC: 1 + int(inC%48), OutC: 1 + int(outC%48),
				KH: 3, KW: 3, Padding: Padding(pad % 2), Activation: Activation(act % uint8(activations)),
			},
			n:    1 + int(n%3),
			bias: bias,
		}
		if c.Padding == Valid {
			c.InH, c.InW = max(c.InH, 3), max(c.InW, 3)
		}
		rng := rand.New(rand.NewPCG(seed, 3))
		for _, im := range supportedImpls(t) {
			for _, bim := range blockings(im) {
				for _, alg := range []ConvAlgorithm{Winograd, Winograd2x2} {
					winogradCase{convCase: c, alg: alg}.check(t, bim, rng, asIs)
				}
			}
		}
	})
}

// FuzzWinogradKernels draws a call of each transform kernel (channels 1–80, strides and
// leading dimensions past the channels, the output's corner, bias and ReLU) and checks it
// on every ISA with transform kernels against generic's references:
//
//	go test -run '^$' -fuzz '^FuzzWinogradKernels$' -fuzztime 30s ./kernels
func FuzzWinogradKernels(f *testing.F) {
	f.Add(uint8(17), uint8(0), uint8(3), uint8(1), uint8(4), uint8(4), true, true, uint64(1))
	f.Add(uint8(5), uint8(7), uint8(0), uint8(9), uint8(1), uint8(2), false, true, uint64(2))
	f.Fuzz(func(t *testing.T, n, colPad, rowPad, ldPad, rows, cols uint8, relu, bias bool, seed uint64) {
		rng := rand.New(rand.NewPCG(seed, 4))
		for _, im := range supportedImpls(t) {
			for _, tr := range []*winogradTransform{winograd2x2, winograd4x4} {
				if im.winograd[tr.index()].input == nil {
					continue
				}
				nn := 1 + int(n%80)
				cs := nn + int(colPad%8)
				c := winogradKernelCase{tr: tr, n: nn, colStride: cs, rowStride: tr.alpha*cs + int(rowPad%16),
					ld: nn + int(ldPad%16), rows: 1 + int(rows)%tr.m, cols: 1 + int(cols)%tr.m, relu: relu, bias: bias}
				c.checkInput(t, im, rng, asIs)
				c.checkOutput(t, im, rng, asIs)
			}
		}
	})
}
