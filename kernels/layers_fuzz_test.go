package kernels

import (
	"math/rand/v2"
	"testing"
)

// The fuzz targets draw small layer configurations from fuzz integers, a few of them
// invalid on purpose, and check every ISA's layer, with the real and the tiny blocking,
// against generic/. A refused configuration must be refused for a reason the fuzz input
// shows. Run one at a time, anchored, since -fuzz is a regular expression and FuzzConv2D
// is a prefix of FuzzConv2DTranspose:
//
//	go test -run '^$' -fuzz '^FuzzConv2D$' -fuzztime 30s ./kernels

// fuzzConv maps fuzz integers to a convolution: heights 1–12, channels 1–40,
// kernel 1–7, strides -1–3 and dilations -1–2 (0 means 1, -1 is refused), padding and
// activation with one invalid value each, batch 1–3. With at most wideRowTapsMaxInC
// channels the width goes up to 48, so that a row holds several of the row kernel's
// tiles; with more, up to 30, so that rows hold two or more wide tiles where the layer
// chooses wide taps (tilingTime).
func fuzzConv(inH, inW, inC, outC, kh, kw, sh, sw, dh, dw, pad, act, n uint8, bias bool) convCase {
	width := 1 + int(inW%30)
	if 1+int(inC%40) <= wideRowTapsMaxInC {
		width = 1 + int(inW%48)
	}
	return convCase{
		Conv2DConfig: Conv2DConfig{
			InH: 1 + int(inH%12), InW: width, InC: 1 + int(inC%40), OutC: 1 + int(outC%40),
			KH: 1 + int(kh%7), KW: 1 + int(kw%7),
			StrideH: int(sh%5) - 1, StrideW: int(sw%5) - 1, DilationH: int(dh%4) - 1, DilationW: int(dw%4) - 1,
			Padding: Padding(pad % 3), Activation: Activation(act % (uint8(activations) + 1)),
		},
		n:    1 + int(n%3),
		bias: bias,
	}
}

// refusable reports whether c breaks a rule a constructor must enforce, other than a
// valid-padding kernel larger than its input and the transpose's OutputPadding rules.
func (c convCase) refusable() bool {
	return c.StrideH < 0 || c.StrideW < 0 || c.DilationH < 0 || c.DilationW < 0 ||
		c.Padding > Same || !c.Activation.valid()
}

func convSeeds(f *testing.F) {
	f.Add(uint8(4), uint8(5), uint8(3), uint8(7), uint8(2), uint8(2), uint8(2), uint8(1), uint8(1), uint8(1), uint8(1), uint8(1), uint8(1), false, uint64(1))
	f.Add(uint8(8), uint8(8), uint8(16), uint8(32), uint8(0), uint8(0), uint8(1), uint8(1), uint8(1), uint8(1), uint8(0), uint8(0), uint8(2), true, uint64(2))
	f.Add(uint8(11), uint8(6), uint8(33), uint8(17), uint8(4), uint8(6), uint8(3), uint8(4), uint8(2), uint8(1), uint8(1), uint8(1), uint8(0), true, uint64(3))
	f.Add(uint8(3), uint8(3), uint8(2), uint8(0), uint8(2), uint8(2), uint8(0), uint8(3), uint8(0), uint8(2), uint8(2), uint8(2), uint8(0), false, uint64(4))
	// 1×4 input, a 6×3 kernel dilated by 2, same padding: no tap of the one input row lands
	// on the one output row (the transpose once divided by zero rows of work).
	f.Add(uint8(0), uint8(3), uint8(2), uint8(3), uint8(5), uint8(2), uint8(2), uint8(2), uint8(3), uint8(3), uint8(1), uint8(0), uint8(0), false, uint64(0))
}

func FuzzConv2D(f *testing.F) {
	convSeeds(f)
	f.Fuzz(func(t *testing.T, inH, inW, inC, outC, kh, kw, sh, sw, dh, dw, pad, act, n uint8, bias bool, seed uint64) {
		c := fuzzConv(inH, inW, inC, outC, kh, kw, sh, sw, dh, dw, pad, act, n, bias)
		_, err := c.conv2DShape()
		if err != nil {
			tooLarge := c.Padding == Valid && !c.refusable() &&
				((c.KH-1)*max(c.DilationH, 1) >= c.InH || (c.KW-1)*max(c.DilationW, 1) >= c.InW)
			if !c.refusable() && !tooLarge {
				t.Fatalf("%v refused: %v", c, err)
			}
			if l, err2 := NewConv2D(c.Conv2DConfig, make([]float32, c.ParamCount(false)), nil); l != nil || err2 == nil {
				t.Fatalf("%v: NewConv2D accepted a refused config", c)
			}
			return
		}
		if c.refusable() {
			t.Fatalf("%v accepted", c)
		}
		rng := rand.New(rand.NewPCG(seed, 1))
		for _, im := range supportedImpls(t) {
			for _, bim := range blockings(im) {
				c.checkConv2D(t, bim, rng, asIs)
			}
		}
	})
}

func FuzzConv2DTranspose(f *testing.F) {
	convSeeds(f)
	f.Fuzz(func(t *testing.T, inH, inW, inC, outC, kh, kw, sh, sw, dh, dw, pad, act, n uint8, bias bool, seed uint64) {
		c := fuzzConv(inH, inW, inC, outC, kh, kw, sh, sw, dh, dw, pad, act, n, bias)
		// Output padding: None, or values from -1 to 3 (negative or ≥ stride is refused).
		if seed%3 != 0 {
			c.op = []int{int(seed/3%5) - 1, int(seed/15%5) - 1}
		}
		_, err := c.transposeConfig().forwardShape()
		if err != nil {
			if !c.refusable() && c.op == nil {
				t.Fatalf("%v refused: %v", c, err)
			}
			if l, err2 := NewConv2DTranspose(c.transposeConfig(), make([]float32, c.ParamCount(false)), nil); l != nil || err2 == nil {
				t.Fatalf("%v: NewConv2DTranspose accepted a refused config", c)
			}
			return
		}
		if c.refusable() {
			t.Fatalf("%v accepted", c)
		}
		rng := rand.New(rand.NewPCG(seed, 2))
		for _, im := range supportedImpls(t) {
			for _, bim := range blockings(im) {
				c.checkConv2DTranspose(t, bim, rng, asIs)
			}
		}
	})
}

func FuzzDense(f *testing.F) {
	f.Add(uint16(7), uint16(9), uint8(1), uint8(1), true, uint64(1))
	f.Add(uint16(300), uint16(33), uint8(13), uint8(0), false, uint64(2))
	f.Add(uint16(1), uint16(1), uint8(2), uint8(2), true, uint64(3))
	f.Fuzz(func(t *testing.T, in, out uint16, batch, act uint8, bias bool, seed uint64) {
		c := denseCase{in: 1 + int(in%400), out: 1 + int(out%100), batch: 1 + int(batch%16), act: Activation(act % (uint8(activations) + 1)), bias: bias}
		if !c.act.valid() {
			if l, err := NewDense(c.in, c.out, make([]float32, c.in*c.out), nil, c.act); l != nil || err == nil {
				t.Fatalf("%v accepted", c)
			}
			return
		}
		rng := rand.New(rand.NewPCG(seed, 3))
		for _, im := range supportedImpls(t) {
			for _, bim := range blockings(im) {
				c.check(t, bim, rng, asIs)
			}
		}
	})
}
