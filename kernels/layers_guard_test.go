//go:build unix

package kernels

import (
	"math/rand/v2"
	"testing"

	"github.com/simdnn/simdnn/internal/guard"
)

// TestLayersGuarded runs the layers with src, filter, bias and dst each ending flush
// against an unmapped page, on every ISA and blocking: a read or write one element past
// any of them crashes. The configurations have padding on every side, edge tiles in M and
// N, K slices that end mid-tap, the in-place (pointwise) path, and Dense's GEMV.
func TestLayersGuarded(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		rng := rand.New(rand.NewPCG(23, 24))
		place := func(s []float32) []float32 { return guard.Float32s(t, s) }
		convs := []convCase{
			{Conv2DConfig: Conv2DConfig{InH: 7, InW: 5, InC: 3, OutC: 17, KH: 3, KW: 3, Padding: Same, Activation: ReLU}, n: 3, bias: true},
			{Conv2DConfig: Conv2DConfig{InH: 6, InW: 9, InC: 33, OutC: 7, KH: 4, KW: 2, StrideH: 2, StrideW: 3, Padding: Same}, n: 1, bias: true},
			{Conv2DConfig: Conv2DConfig{InH: 9, InW: 8, InC: 5, OutC: 31, KH: 1, KW: 7, DilationW: 1, Padding: Same}, n: 2, bias: true},
			{Conv2DConfig: Conv2DConfig{InH: 9, InW: 4, InC: 8, OutC: 33, KH: 3, KW: 2, DilationH: 2, Padding: Valid, Activation: ReLU}, n: 2, bias: true},
			{Conv2DConfig: Conv2DConfig{InH: 5, InW: 3, InC: 15, OutC: 1, KH: 1, KW: 1}, n: 3, bias: true},    // pointwise
			{Conv2DConfig: Conv2DConfig{InH: 1, InW: 1, InC: 40, OutC: 33, KH: 1, KW: 1}, n: 1, bias: true},   // pointwise GEMV
			{Conv2DConfig: Conv2DConfig{InH: 3, InW: 3, InC: 3, OutC: 16, KH: 5, KW: 5, Padding: Same}, n: 1}, // mostly padding
			// Wide taps by tilingTime's choice (AVX-512, AVX2): 24 inner pixels a row.
			{Conv2DConfig: Conv2DConfig{InH: 5, InW: 28, InC: 32, OutC: 33, KH: 5, KW: 5, Padding: Same, Algorithm: Direct}, n: 2, bias: true},
		}
		for _, bim := range blockings(im) {
			for _, c := range convs {
				c.checkConv2D(t, bim, rng, place)
				c.checkConv2DTranspose(t, bim, rng, place)
				c.op = []int{c.StrideH - 1, max(c.StrideW, 1) - 1}
				if c.StrideH > 1 {
					c.checkConv2DTranspose(t, bim, rng, place)
				}
			}
			for _, d := range []denseCase{
				{in: 37, out: 33, batch: 1, act: ReLU, bias: true},
				{in: 300, out: 17, batch: 13, bias: true},
				{in: 5, out: 1, batch: 3, act: ReLU, bias: true},
			} {
				d.check(t, bim, rng, place)
			}
		}
	})
}

// TestConv2DRowTiles runs first layers (few channels, wide taps) whose rows take the row
// kernel, their operands flush against unmapped pages: rows of whole tiles, rows ending
// in a short tile on the row kernel (its reads past them inside the image) or on the
// indirect kernels (its reads past them would leave the image: the last rows), rows
// split from a run that spans them (valid padding), a dilated kernel height and padding
// rows. It fails if no case takes the row kernel for several tiles, or, where its MR
// exceeds the indirect kernel's, a short one.
func TestConv2DRowTiles(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		if im.rowConv.rowTile == nil {
			t.Skipf("%s has no row convolution kernel", im.isa)
		}
		rng := rand.New(rand.NewPCG(25, 26))
		place := func(s []float32) []float32 { return guard.Float32s(t, s) }
		cfg := func(h, w, c, k, s int, pad Padding) Conv2DConfig {
			return Conv2DConfig{InH: h, InW: w, InC: c, OutC: 35, KH: k, KW: k, StrideH: s, StrideW: s, Padding: pad}
		}
		dilated := cfg(11, 31, 2, 3, 1, Same)
		dilated.DilationH, dilated.Activation = 2, ReLU
		cases := []convCase{
			{Conv2DConfig: cfg(9, 40, 3, 3, 2, Same), n: 2, bias: true},  // 20 pixels a row: 14, then 5 indirect
			{Conv2DConfig: cfg(6, 31, 3, 3, 1, Valid), n: 1, bias: true}, // 29: 28, 1; one run for all rows
			{Conv2DConfig: cfg(5, 29, 4, 3, 1, Valid), n: 2},             // 27 in one tile, or 14 and 13 indirect
			{Conv2DConfig: cfg(12, 64, 3, 7, 2, Same), n: 1, bias: true}, // the 7×7 stem's taps
			{Conv2DConfig: dilated, n: 1, bias: true},
		}
		var several, short int
		for _, c := range cases {
			c.checkConv2D(t, im, rng, place)
			s, err := c.conv2DShape()
			if err != nil {
				t.Fatal(err)
			}
			for _, tile := range newIndirectConv(im, &s, make([]float32, c.ParamCount(false)), epilogue{}).tiles {
				if tile.stride > 0 && tile.pixels > im.rowConv.mr {
					several++
				}
				if tile.stride > 0 && tile.pixels%im.rowConv.mr != 0 {
					short++
				}
			}
		}
		// A row's short end takes the row kernel only where its MR exceeds the indirect
		// kernel's (AVX-512's 14 against 12; AVX2's are both 6).
		if several == 0 || short == 0 && im.rowConv.mr > im.conv.mr {
			t.Errorf("%d row tiles of several tiles, %d ending short: want some of each", several, short)
		}
	})
}

// TestConvTilesSkipPaddingTaps runs layers whose first and last output rows have kernel
// rows in the padding, their operands flush against unmapped pages, and checks that the
// tiles of those rows drop the taps that would only add zeros: narrow taps (5×5), wide
// taps on the row kernel (3 channels) and a transpose's sub-convolutions. It fails if no
// tile of a layer starts past its first tap, or none stops short of its last.
func TestConvTilesSkipPaddingTaps(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		if im.conv.tile == nil {
			t.Skipf("%s has no indirect convolution kernel", im.isa)
		}
		rng := rand.New(rand.NewPCG(27, 28))
		place := func(s []float32) []float32 { return guard.Float32s(t, s) }
		// trimmed counts the tiles that skip taps at the start and at the end of
		// their tap order, where the full order has taps(tile) taps.
		trimmed := func(tiles []convTile, taps func(convTile) int) (head, tail int) {
			for _, tile := range tiles {
				if tile.firstTap > 0 {
					head++
				}
				if tile.pixels > 0 && tile.firstTap+tile.taps < taps(tile) {
					tail++
				}
			}
			return head, tail
		}
		for _, c := range []convCase{
			{Conv2DConfig: Conv2DConfig{InH: 28, InW: 28, InC: 33, OutC: 35, KH: 5, KW: 5, Padding: Same, Activation: ReLU, Algorithm: Direct}, n: 2, bias: true},
			{Conv2DConfig: Conv2DConfig{InH: 9, InW: 40, InC: 3, OutC: 17, KH: 3, KW: 3, Padding: Same}, n: 1, bias: true},
		} {
			c.checkConv2D(t, im, rng, place)
			s, err := c.conv2DShape()
			if err != nil {
				t.Fatal(err)
			}
			d := newIndirectConv(im, &s, make([]float32, c.ParamCount(false)), epilogue{})
			head, tail := trimmed(d.tiles, func(tile convTile) int { return s.H.K * s.W.K * s.InC / tile.k })
			if head == 0 || tail == 0 {
				t.Errorf("%v: %d tiles skip leading padding taps, %d trailing: want some of each", c, head, tail)
			}
		}
		c := convCase{Conv2DConfig: Conv2DConfig{InH: 7, InW: 7, InC: 40, OutC: 24, KH: 3, KW: 3, StrideH: 2, StrideW: 2, Padding: Valid, Activation: ReLU}, n: 2, bias: true}
		c.checkConv2DTranspose(t, im, rng, place)
		f, err := c.transposeConfig().forwardShape()
		if err != nil {
			t.Fatal(err)
		}
		if !useSubconv(im, &f) {
			t.Fatalf("%v: no sub-convolutions", c)
		}
		d := newSubconvTranspose(im, &f, uniform(rng, c.ParamCount(false)), epilogue{}).indirectConv
		head, tail := trimmed(d.tiles, func(tile convTile) int { return tile.w.k / tile.k })
		if head == 0 || tail == 0 {
			t.Errorf("transpose %v: %d tiles skip leading padding taps, %d trailing: want some of each", c, head, tail)
		}
	})
}

// TestSubconvInterleave runs transposes, their operands flush against unmapped pages,
// whose sub-convolutions' tiles interleave by input rows (small weights) or run class
// after class (large ones). It fails if a small one's tiles are not in input-row order
// with several classes in its first row, or do not run tiles outer; or if a large one's
// classes interleave.
func TestSubconvInterleave(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		if im.conv.tile == nil {
			t.Skipf("%s has no indirect convolution kernel", im.isa)
		}
		rng := rand.New(rand.NewPCG(29, 30))
		place := func(s []float32) []float32 { return guard.Float32s(t, s) }
		for _, c := range []struct {
			convCase
			interleaved bool
		}{
			{convCase{Conv2DConfig: Conv2DConfig{InH: 13, InW: 11, InC: 24, OutC: 40, KH: 3, KW: 3, StrideH: 2, StrideW: 2, Padding: Same, Activation: ReLU}, n: 2, bias: true}, true},
			{convCase{Conv2DConfig: Conv2DConfig{InH: 9, InW: 16, InC: 8, OutC: 16, KH: 4, KW: 4, StrideH: 2, StrideW: 2, Padding: Valid}, n: 1}, true},
			// 3×3×160×320 floats: more than tilesOuterMaxWeights.
			{convCase{Conv2DConfig: Conv2DConfig{InH: 5, InW: 6, InC: 320, OutC: 160, KH: 3, KW: 3, StrideH: 2, StrideW: 2, Padding: Same}, n: 2, bias: true}, false},
		} {
			c.checkConv2DTranspose(t, im, rng, place)
			f, err := c.transposeConfig().forwardShape()
			if err != nil {
				t.Fatal(err)
			}
			d := newSubconvTranspose(im, &f, uniform(rng, c.ParamCount(false)), epilogue{}).indirectConv
			inputRow := func(tile convTile) int { return tile.out / (f.W.In * f.InC) / f.H.Stride }
			// Count the times the row goes back and the class (its weights) changes.
			backwards, switches, firstRowClasses := 0, 0, map[*packedWeights]bool{}
			for i, tile := range d.tiles {
				if inputRow(tile) == 0 {
					firstRowClasses[tile.w] = true
				}
				if i == 0 {
					continue
				}
				if inputRow(tile) < inputRow(d.tiles[i-1]) {
					backwards++
				}
				if tile.w != d.tiles[i-1].w {
					switches++
				}
			}
			classes := len(subconvClasses(&f))
			if c.interleaved && (!d.tilesOuter || backwards > 0 || len(firstRowClasses) < 2) {
				t.Errorf("%v: tiles outer %v, %d steps back to an earlier row, %d classes in the first row: want interleaved classes, tiles outer",
					c, d.tilesOuter, backwards, len(firstRowClasses))
			}
			if !c.interleaved && (d.tilesOuter || switches >= classes) {
				t.Errorf("%v: tiles outer %v, the weights change %d times over %d classes: want class after class, panels outer",
					c, d.tilesOuter, switches, classes)
			}
		}
	})
}

// TestConv2DStreamWeights runs layers whose weights are too large for L2, their operands
// flush against unmapped pages, on the kernel that prefetches the weights ahead
// (convStream), whose prefetches run past the last panel's end. It fails if their full
// tiles do not take that kernel, or a smaller layer's do.
func TestConv2DStreamWeights(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		if im.convStream.tile == nil {
			t.Skipf("%s has no streaming convolution kernel", im.isa)
		}
		rng := rand.New(rand.NewPCG(29, 30))
		place := func(s []float32) []float32 { return guard.Float32s(t, s) }
		for _, c := range []convCase{
			{Conv2DConfig: Conv2DConfig{InH: 6, InW: 7, InC: 160, OutC: 140, KH: 5, KW: 5, Padding: Same, Activation: ReLU}, n: 2, bias: true},
			{Conv2DConfig: Conv2DConfig{InH: 9, InW: 5, InC: 257, OutC: 250, KH: 3, KW: 3, StrideH: 2, StrideW: 2, Padding: Same}, n: 1},
			{Conv2DConfig: Conv2DConfig{InH: 9, InW: 5, InC: 64, OutC: 50, KH: 3, KW: 3, Padding: Same}, n: 1}, // small: no streaming
		} {
			c.checkConv2D(t, im, rng, place)
			s, err := c.conv2DShape()
			if err != nil {
				t.Fatal(err)
			}
			want := 4*c.ParamCount(false) >= streamWeightsMinBytes
			streamed := 0
			for _, tile := range newIndirectConv(im, &s, make([]float32, c.ParamCount(false)), epilogue{}).tiles {
				if tile.kern.name == im.convStream.name {
					streamed++
				}
			}
			if want != (streamed > 0) {
				t.Errorf("%v: %d tiles on %s, want some: %v", c, streamed, im.convStream.name, want)
			}
		}
	})
}
