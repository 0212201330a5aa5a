package kernels

import (
	"math"
	"slices"

	"github.com/simdnn/simdnn/generic"
)

// This file is Conv2DTranspose's direct path, XNNPACK's sub-convolutions: output
// stationary, so each output is summed once, in registers, and stored with its
// epilogue, with no scratch and no scatter.
//
// An output row o of a transpose with stride s gathers input row iy through tap ky
// exactly when o = iy·s − pad + ky·d (generic.Axis.Input of the forward convolution),
// that is when ky·d ≡ o + pad (mod s). So the output rows fall into s classes by
// o + pad mod s, each reached by its own subset of the taps, and likewise the columns:
// the s_h·s_w classes of output pixels are s_h·s_w convolutions of the input, each with
// a sub-filter, whose outputs interleave with stride s. Each runs on the indirect
// convolution kernels, each tile along a row of a class (its pixels s·OutC floats
// apart, the tile's output stride) or down a column, through the same job as a Conv2D.

// useSubconv reports whether the transpose of forward shape f runs as sub-convolutions
// on im: when im has an indirect kernel, for every transpose but a pointwise one (a
// plain GEMM on src in place).
func useSubconv(im impl, f *generic.Conv) bool {
	inputLen := f.H.Out * f.W.Out * f.OutC // the transpose's input
	// Each output pixel gets the offsets of its class's taps: about KH·KW per input pixel.
	offsets := f.H.K * f.W.K * f.H.Out * f.W.Out
	return im.conv.tile != nil && !isPointwise(f) && inputLen <= math.MaxInt32 && offsets <= maxIndirectOffsets
}

// subconvTranspose is what the sub-convolution path keeps of a transpose.
type subconvTranspose struct {
	*indirectConv
	// weights are the sub-filters of the classes any tap reaches, each the (taps·InC) ×
	// OutC matrix (the transpose's InC and OutC) of its taps, packed as a Conv2D's.
	weights []packedWeights
}

// subconvClass is one class of output pixels: rows o ≡ first.y and columns
// x ≡ first.x (mod the strides), the taps that reach them.
type subconvClass struct {
	firstY, firstX int
	taps           [][2]int // (ky, kx)
}

// subconvClasses splits the output pixels of the transpose of forward shape f by the
// taps that reach them.
func subconvClasses(f *generic.Conv) []subconvClass {
	axisClasses := func(a generic.Axis) (first []int, taps [][]int) {
		for r := range a.Stride {
			first = append(first, ((r-a.Pad)%a.Stride+a.Stride)%a.Stride)
			var ks []int
			for k := range a.K {
				if k*a.Dilation%a.Stride == r {
					ks = append(ks, k)
				}
			}
			taps = append(taps, ks)
		}
		return first, taps
	}
	firstY, tapsY := axisClasses(f.H)
	firstX, tapsX := axisClasses(f.W)
	var classes []subconvClass
	for ry := range f.H.Stride {
		for rx := range f.W.Stride {
			c := subconvClass{firstY: firstY[ry], firstX: firstX[rx]}
			for _, ky := range tapsY[ry] {
				for _, kx := range tapsX[rx] {
					c.taps = append(c.taps, [2]int{ky, kx})
				}
			}
			classes = append(classes, c)
		}
	}
	return classes
}

// newSubconvTranspose builds the sub-convolutions of the transpose of forward shape f,
// whose filter has the Keras layout [KH][KW][OutC][InC] (the transpose's channels: f.InC
// out, f.OutC in), with epilogue ep.
func newSubconvTranspose(im impl, f *generic.Conv, filter []float32, ep epilogue) *subconvTranspose {
	inH, inW, inC := f.H.Out, f.W.Out, f.OutC // the transpose's input ...
	outH, outW, outC := f.H.In, f.W.In, f.InC // ... and output
	d := newIndirectBase(im, inC, outC, ep)
	d.imageIn, d.imageOut = inH*inW*inC, outH*outW*outC
	classes := subconvClasses(f)
	s := &subconvTranspose{indirectConv: d}
	for _, c := range classes {
		if len(c.taps) == 0 {
			continue
		}
		sub := make([]float32, len(c.taps)*inC*outC)
		for t, tap := range c.taps {
			for ic := range inC {
				for oc := range outC {
					sub[(t*inC+ic)*outC+oc] = filter[((tap[0]*f.W.K+tap[1])*outC+oc)*inC+ic]
				}
			}
		}
		s.weights = append(s.weights, packWeights(im, sub, outC, false, len(c.taps)*inC, outC))
	}
	// The tiles point into s.weights, which is complete: it will not move.
	withTaps := 0
	for _, c := range classes {
		var w *packedWeights
		if len(c.taps) > 0 {
			w = &s.weights[withTaps]
			withTaps++
		}
		g := subconvGrid{f: f, c: c, w: w}
		if c.firstY < outH {
			g.rows = ceilDiv(outH-c.firstY, f.H.Stride)
		}
		if c.firstX < outW {
			g.cols = ceilDiv(outW-c.firstX, f.W.Stride)
		}
		g.addTiles(im, d)
	}
	d.tilesOuter = packedWeightBytes(im, f.H.K*f.W.K*inC, outC) <= tilesOuterMaxWeights
	if d.tilesOuter {
		d.interleaveClasses(f)
	}
	d.weighTiles(d.tilesOuter)
	return s
}

// interleaveClasses orders the tiles by the input rows they read, the classes' tiles of
// each row together, rather than class after class, each over the whole input. Then a
// run of tiles reads a band of the input, as a Conv2D's does, for every class and (with
// tilesOuter) every panel, and runs can split the FMAs, which the classes do unevenly.
// Only small weights gain: class after class, each class's sub-filter stays in L2 while
// its tiles pass; interleaved, the sub-filters take turns (two threads, calls alternating
// in one process, interleaved with tiles outer and runs by FMAs against class after
// class: 3×3 s2 28²×128→64 and 56²×64→32 1.05–1.08×, 4×4 s2 32²×128→64 and 64²×64→32
// 1.04×, 5×5 s2 56²×32→16 1.01×; interleaved alone, with the weights of 3×3 s2
// 7²×512→256 (4.5 MiB) and 14²×256→128 (1.1 MiB): 0.97–0.99×; one thread 0.99–1.04×).
func (d *indirectConv) interleaveClasses(f *generic.Conv) {
	outRowLen := f.W.In * f.InC
	inputRow := func(t convTile) int { return t.out / outRowLen / f.H.Stride }
	slices.SortStableFunc(d.tiles, func(a, b convTile) int { return inputRow(a) - inputRow(b) })
}

// forward computes the transpose's dst from src, n images.
func (s *subconvTranspose) forward(dst, src []float32, n int) {
	s.indirectConv.forward(&s.weights[0], dst, src, n)
}

// subconvGrid is one class's output pixels: rows×cols of them, pixel (r, q) at output
// row firstY + r·StrideH and column firstX + q·StrideW.
type subconvGrid struct {
	f          *generic.Conv
	c          subconvClass
	w          *packedWeights
	rows, cols int
}

// addTiles appends the grid's tiles to d. A tile's pixels must lie a constant stride
// apart in the output, so they run along a row of the grid or down a column. Rows go
// first, MR pixels a tile; the columns left over, fewer than MR, go down in tiles of MR
// where that covers fewer rows of kernels than one short tile per row: a 14-wide grid
// (a 14×14 input at stride 2) is 14 tiles of 12 and 14 tiles of 4 computing 2 pixels
// each when its rows are tiled alone, 16 tiles of 12 and 2 of 4 when its last two
// columns go down (AVX-512, 3×3 s2 14²×256→128: 130 → 152 GFLOPS, medians of calls
// alternating in one process).
func (g subconvGrid) addTiles(im impl, d *indirectConv) {
	mr := im.conv.mr
	full := g.cols / mr * mr
	down := g.cols > full && g.rows >= mr &&
		(g.cols-full)*coveredRows(im, g.rows) < g.rows*im.convFor(g.cols-full).mr
	rowLen := g.cols
	if down {
		rowLen = full
	}
	for r := range g.rows {
		for q, n := 0, 0; q < rowLen; q += n {
			n = lineTile(im, q, rowLen)
			g.addTile(im, d, r, q, 0, 1, n)
		}
	}
	if !down {
		return
	}
	for q := full; q < g.cols; q++ {
		for r, n := 0, 0; r < g.rows; r += n {
			n = lineTile(im, r, g.rows)
			g.addTile(im, d, r, q, 1, 0, n)
		}
	}
}

// lineTile returns the pixels of the tile from pixel q of a line of n: MR, but where
// the line would end on a tile of at most MR/3 pixels, its last MR + n%MR pixels go in
// two tiles of about half that, on the 2·MR/3-pixel kernel (or AVX-512's 7-pixel one)
// rather than the MR/3-pixel one, which keeps too few FMAs in flight (AVX-512 alone,
// in cache: 4 pixels 151 GFLOPS against 178–179 for 7, 8 and 12). Calls alternating in
// one process, AVX-512 and AVX2, 3×3 s2 transposes: 28²×128→64 (28 = 12+8+8) 1.01–1.02×
// and 1.00×, 14²×256→128 (14 rows down = 7+7) 1.03× and 1.03×, 16²×128→64 1.01–1.04×
// and 1.00×, 8²×256→128 1.00× and 1.05×.
func lineTile(im impl, q, n int) int {
	mr := im.conv.mr
	left := n - q
	if r := n % mr; r > 0 && r <= mr/3 && left > mr && left < 2*mr {
		// Where the ISA has kernels for the halves (NEON's 8-pixel tile has edges of 2
		// and 4 alone: 9 pixels would take 8+4 rows, not 8+2).
		half := (mr + r + 1) / 2
		if im.convFor(half).mr+im.convFor(mr+r-half).mr <= mr+im.convFor(r).mr {
			return half
		}
	}
	return min(mr, left)
}

// coveredRows returns how many rows of kernels n pixels in a line take: tiles of MR,
// then the smallest kernel that covers the rest.
func coveredRows(im impl, n int) int {
	mr := im.conv.mr
	covered := n / mr * mr
	if n%mr > 0 {
		covered += im.convFor(n % mr).mr
	}
	return covered
}

// addTile appends the tile of n pixels from grid pixel (r, q), pixel i at (r + i·dr,
// q + i·dq).
func (g subconvGrid) addTile(im impl, d *indirectConv, r, q, dr, dq, n int) {
	f := g.f
	inH, inW, inC := f.H.Out, f.W.Out, f.OutC // the transpose's input ...
	outW, outC := f.W.In, f.InC               // ... and output
	pixel := func(i int) (y, x int) {
		return g.c.firstY + (r+i*dr)*f.H.Stride, g.c.firstX + (q+i*dq)*f.W.Stride
	}
	y0, x0 := pixel(0)
	tile := convTile{kern: im.convFor(n), out: (y0*outW + x0) * outC, ldc: (dr*f.H.Stride*outW + dq*f.W.Stride) * outC,
		pixels: n, taps: len(g.c.taps), k: inC, at: len(d.ind), w: g.w}
	for _, tap := range g.c.taps {
		for i := range tile.kern.mr {
			off := int32(-1)
			if i < n {
				// Exact divisions: the class holds the taps for which they are.
				y, x := pixel(i)
				iy := (y + f.H.Pad - tap[0]*f.H.Dilation) / f.H.Stride
				ix := (x + f.W.Pad - tap[1]*f.W.Dilation) / f.W.Stride
				if iy >= 0 && iy < inH && ix >= 0 && ix < inW {
					off = int32((iy*inW + ix) * inC)
				}
			}
			d.ind = append(d.ind, off)
		}
	}
	d.flopsPerImage += 2 * float64(n*len(g.c.taps)*inC) * float64(outC)
	d.appendTile(tile, tile.kern.mr)
}
