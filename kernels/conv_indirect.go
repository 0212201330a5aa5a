package kernels

import (
	"math"
	"slices"
	"sync"

	"github.com/simdnn/simdnn/generic"
)

// This file is Conv2D's direct path, XNNPACK's indirect GEMM: the micro-kernel reads
// each tap of each output pixel straight from the input through a buffer of offsets
// built once per layer, so no lowered copy of the input is ever written.

// useIndirect reports whether a convolution of shape s runs on im's indirect kernel:
// every one but a pointwise one, which is a plain GEMM on src in place, when im has the
// kernel. Even with 3 input channels, where each tap's MR offset loads weigh most
// against its 3 channel steps, it beats im2col (224×224 3→32 s2, AVX-512: 135 against
// 95 GFLOPS), since im2col writes and rereads 9 taps per pixel.
func useIndirect(im impl, s *generic.Conv) bool {
	imageLen := s.H.In * s.W.In * s.InC
	offsets := s.H.K * s.W.K * s.H.Out * s.W.Out
	return im.conv.tile != nil && !isPointwise(s) && imageLen <= math.MaxInt32 && // offsets are int32
		offsets <= maxIndirectOffsets
}

// maxIndirectOffsets bounds a layer's indirection buffer, one int32 per tap of each
// output pixel, built at construction: 64 MiB. An image too large for it (a 3×3
// convolution of more than 1.8 million output pixels) takes im2col, whose scratch is
// one cache block, rather than gigabytes and a minute to build. Tests lower it to run
// im2col on every ISA.
var maxIndirectOffsets = 1 << 24

// indirectConv is what the indirect path keeps of a layer besides its weights.
type indirectConv struct {
	// tiles cover one image's output pixels, MR at a time, each on the smallest kernel
	// that covers its pixels. A Conv2D's run over the pixels in row-major order; a
	// transpose's along the rows, and down the last columns, of each of its
	// sub-convolutions (subconv.go), one after the other or interleaved by rows.
	tiles []convTile
	// ind holds each tile's offsets, tap-major: for tap t, pixel i of a tile with kernel
	// MR, the offset into the image of the first of the InC floats that tap reads for
	// that pixel, or −1 where it falls in the padding (as do the pixels past the tile).
	ind  []int32
	zero []float32 // zeros for the padding taps: as many as the widest tap reads
	// wide: the taps are kernel rows, KW·InC floats, not kernel taps of InC (wideTaps, or
	// tilingTime where the layer has more channels).
	wide bool
	// edgeWeights are the weights of a wide-tap layer's edge columns, one set for each
	// way the padding cuts the kernel rows (addEdgeColumns).
	edgeWeights []packedWeights
	bias        []float32 // the bias, zeros if none, then zeros up to a multiple of NR
	relu        bool      // fused into the kernel's store
	ep          epilogue  // for the activations the kernel does not fuse
	// full is the layer's whole epilogue, for tiles that no tap reaches (taps == 0): a
	// transpose's outputs between the taps of a kernel smaller than its stride.
	full epilogue

	// tilesOuter runs each run of tiles over every weight panel, rather than each panel
	// over every tile (forward).
	tilesOuter bool
	// workBefore[i] is the work of the tiles before tile i (weighTiles): what runs of
	// tiles are balanced by (tileRun).
	workBefore []int64

	outC          int // channels of a pixel of dst
	imageIn       int // floats of one image of src
	imageOut      int // ... and of dst
	flopsPerImage float64
}

// convTile is one tile of output pixels: pixels of them, the first's first channel at
// out in its image's output and the next ones ldc floats apart, run on kern with taps
// taps of k floats each (InC, or a kernel row's with wideTaps) of weights w (nil: the
// layer's) from its tap firstTap on, its offsets from ind[at:]. A row tile (stride > 0,
// kern a row kernel) has one offset per tap, its first pixel's, and each next pixel's
// tap starts stride floats further.
type convTile struct {
	kern                        convKernel
	out, ldc                    int
	pixels, taps, k, at, stride int
	firstTap                    int
	w                           *packedWeights
}

// appendTile appends tile, whose offsets (perTap a tap) end d.ind, less the taps at
// either end of its tap order that fall in the padding for every one of its pixels:
// the kernel rows above or below the image, for a tile in the first or last output
// rows. Their FMAs would only add zeros (AVX-512, calls alternating in one process:
// 5×5 28²×32→32 1.04×, 3×3 14²×256 1.03×, 7²×512 1.02×, the transposes 1.01–1.03×;
// tiles that span two output rows share fewer such taps).
func (d *indirectConv) appendTile(tile convTile, perTap int) {
	ind := d.ind[tile.at:]
	padding := func(tap int) bool {
		for _, off := range ind[tap*perTap : (tap+1)*perTap] {
			if off >= 0 {
				return false
			}
		}
		return true
	}
	first, end := 0, tile.taps
	for first < end && padding(first) {
		first++
	}
	for end > first && padding(end-1) {
		end--
	}
	d.ind = append(d.ind[:tile.at], ind[first*perTap:end*perTap]...)
	tile.firstTap, tile.taps = first, end-first
	d.tiles = append(d.tiles, tile)
}

// newIndirectConv returns the indirect path of a layer of shape s with the epilogue ep.
// The layer packs its weights apart; filter (HWIO) gives those of a wide-tap layer's
// edge columns. A layer with more channels than wideTaps takes reads narrow taps unless
// its tiles of wide ones would take less time (tilingTime).
func newIndirectConv(im impl, s *generic.Conv, filter []float32, ep epilogue) *indirectConv {
	var d *indirectConv
	if wideTaps(im, s) {
		d = tileIndirect(im, s, filter, ep, true, im.rowConv.rowTile != nil)
	} else {
		d = tileIndirect(im, s, filter, ep, false, false)
		if canWiden(im, s) {
			if wide := tileIndirect(im, s, filter, ep, true, false); wide.tilingTime()*wideMinGain < d.tilingTime() {
				d = wide
			}
		}
	}
	d.weighTiles(true)
	weightBytes := packedWeightBytes(im, s.H.K*s.W.K*s.InC, s.OutC)
	d.tilesOuter = weightBytes <= tilesOuterMaxWeights
	if weightBytes >= streamWeightsMinBytes {
		d.streamWeights(im)
	}
	return d
}

// tileIndirect returns the tiles of a layer of shape s: with wide taps or narrow ones,
// and with rows, the wide taps inside the image on the row kernel.
func tileIndirect(im impl, s *generic.Conv, filter []float32, ep epilogue, wide, rows bool) *indirectConv {
	tapLen := s.InC
	if wide {
		tapLen = s.W.K * s.InC
	}
	d := newIndirectBase(im, tapLen, s.OutC, ep)
	d.wide = wide
	if rows {
		// A row tile's padding taps read each pixel's zeros a stride further on.
		d.zero = make([]float32, (im.rowConv.mr-1)*s.W.Stride*s.InC+tapLen)
	}
	d.imageIn, d.imageOut = s.H.In*s.W.In*s.InC, s.H.Out*s.W.Out*s.OutC
	pixels := s.H.Out * s.W.Out
	d.flopsPerImage = 2 * float64(pixels) * float64(s.H.K*s.W.K*s.InC) * float64(s.OutC)
	// Runs of pixels of one kind, whole rows at once (tiles span output rows as dst
	// does): with wide taps, those whose kernel rows lie inside the image's width, and
	// those at its left and right edges, whose rows are cut by the padding.
	for first := 0; first < pixels; {
		inside := wide && wideInside(s, first%s.W.Out)
		end := first + 1
		for end < pixels && (wide && wideInside(s, end%s.W.Out)) == inside {
			end++
		}
		switch {
		case wide && !inside:
			// Edge pixels: tiled down their columns below.
		case inside && rows:
			d.addRowTiles(im, s, first, end)
		default:
			d.addTiles(im, s, first, end, inside)
		}
		first = end
	}
	if wide {
		d.addEdgeColumns(im, s, filter)
	}
	return d
}

// tilingTime models the time of one image's tiles, in channel steps of one pixel of the
// ISA's full tile, to choose between narrow and wide taps: each tile costs its kernel's
// rows, padding or not, over the kernel's speed per row, times its taps' channels plus
// a fixed cost per tap (its MR offsets) and per tile (its entry and store). Fitted to
// the indirect kernels alone, with AVX-512's 25 taps of 32 channels against 5 of 160:
// 12 pixels 226 against 235 GFLOPS (tapSetup), and per row 4, 7, 8 and 12 pixels at
// 0.75, 0.93, 0.99 and 1 of the 12's speed, AVX2's 2, 4 and 6 at 0.52, 0.85 and 1
// (rowSpeed). Over 26 layers (3×3, 5×5 and 7×7, strides 1 and 2, 7² to 224², 32 to
// 128 channels) it picked the faster tiling in every one whose two differed by more
// than 1.5%, and overrated wide taps by up to 3% (wideMinGain); on AVX2, whose tiles
// it was not fitted to, it chose no slower tiling over 16 of those layers. NEON takes
// the same model unmeasured; there a wide tap also changes the last bits of a sum,
// since its kernels spread a tap's channels over sets of accumulators.
func (d *indirectConv) tilingTime() float64 {
	const tapSetup, tileSetup = 1.5, 6 // channel steps
	var time float64
	for _, t := range d.tiles {
		time += float64(t.kern.mr) / rowSpeed(t.kern.mr) * (float64(t.taps)*(float64(t.k)+tapSetup) + tileSetup)
	}
	return time
}

// rowSpeed models an indirect kernel's speed per pixel row, relative to its ISA's full
// tile, from its rows: a short tile has too few accumulators (two vectors a row) to
// cover the FMA latency.
func rowSpeed(mr int) float64 { return min(1, 0.3+float64(mr)/8) }

// wideMinGain is how much faster tilingTime must find wide taps, for a layer with more
// channels than wideTaps takes, for it to take them: the margin by which the model
// overrated them. Wide against narrow, calls alternating in one process, AVX-512 one
// thread and two: 5×5 28²×32→32 1.07× and 1.06×, 40²×32→32 1.06× and 1.06×,
// 112²×32→32 1.04× and 1.04×, 28²×64→64 1.03× and 1.03×, 56²×32→64 1.03× and 1.03×,
// 7×7 14²×32→32 1.08× and 1.15×, 3×3 14²×64→64 1.06× and 1.09×, 50²×32→32 1.03× and
// 1.04×; AVX2, one thread: 1.085×, 1.075×, 1.05×, 1.015×, 1.04×, (7×7 left narrow,
// 0.97×), 1.04×, 1.01×. Left narrow on AVX-512: 5×5 14²×64→64 0.91×, 7²×64→64 0.86×,
// 3×3 s2 28²×64→64 0.82×, 56²×64→128 0.95×, 3×3 28²×32→32 0.95×, 5×5 56²×64→64 1.00×.
const wideMinGain = 1.03

// canWiden reports whether a layer that wideTaps leaves narrow could read wide taps:
// kernel rows contiguous in the image and, as a tap, no deeper than a slice of k the
// weights' panel keeps in L1 (5×5 28²×128→64, 640 floats a tap: 0.99× wide, which the
// model rated 1.05×).
func canWiden(im impl, s *generic.Conv) bool {
	return s.W.K > 1 && s.W.Dilation == 1 && s.W.In >= s.W.K && s.W.K*s.InC <= im.blocking.KC
}

// packedWeightBytes is the size of a layer's weights packed for im's kernels: k rows of
// n channels, n rounded up to whole panels.
func packedWeightBytes(im impl, k, n int) int { return 4 * k * roundUp(n, im.conv.nr) }

// streamWeights moves the full tiles on im's indirect kernel to its streaming variant,
// if it has one.
func (d *indirectConv) streamWeights(im impl) {
	if im.convStream.tile == nil {
		return
	}
	for i := range d.tiles {
		if t := &d.tiles[i]; t.kern.name == im.conv.name {
			t.kern = im.convStream
		}
	}
}

// streamWeightsMinBytes is the least bytes of packed weights for which a Conv2D's full
// tiles take the kernel that prefetches them (isaKernels.convStream): weights larger
// than L2 come from L3 for each panel's first tiles, which the hardware prefetchers do
// not run far enough ahead of. Prefetching against not, calls alternating in one process,
// three runs on AVX-512 and two on AVX2: 3×3 7²×512→512 (9 MiB of weights, five tiles a
// panel) 1.05–1.25× and 1.06–1.08×, 3×3 14²×512→512 1.04–1.06× and 1.02–1.03×, 3×3 s2
// 14²×256→512 (4.5 MiB) 1.01–1.04× and 1.00–1.02×, 3×3 14²×256→256 and 28²×256→256
// (2.3 MiB) 1.00–1.03× and 0.98–1.01×; below: 3×3 s2 28²×128→256 (1.1 MiB) 1.01×, 5×5
// 14²×128→128 (1.6 MiB) 0.99×, 3×3 s2 112²×64→64 (144 KiB) 0.98× (AVX-512).
const streamWeightsMinBytes = 2 << 20

// tilesOuterMaxWeights is the most bytes of packed weights for which a Conv2D runs its
// tiles outer (forward), and a transpose too, its classes interleaved (interleaveClasses).
// Small weights stay in L2 while the tiles pass, each run of whose input rows is then
// read once for all panels; large ones would be reread for every run. AVX-512, tiles
// outer against panels outer, calls alternating in one process, on one thread and on
// two: 3×3 s2 112²×64→64 (144 KiB of weights) 1.03× and 1.04×, 3×3 112²×32→64 (72 KiB)
// 1.02× and 1.04×, 7×7 s2 224²×3→64 (37 KiB) 1.01× and 1.03×, 3×3 s2 56²×64→128
// (288 KiB) 1.00× and 1.02×; 3×3 14²×256→256 (2.3 MiB) 0.95×, 7²×512→512 (9 MiB)
// 0.73–0.81×. With one panel the two orders are the same.
const tilesOuterMaxWeights = 512 << 10

// addEdgeColumns tiles the output columns of a wide-tap layer whose kernel rows the
// padding cuts, MR rows to a tile down the column, where each row's one or two edge
// pixels would be a tile of their own on the smallest kernel, bound by the FMA latency
// (4% of the 3×3 s2 stem's time in perf). Each such column reads the part of each kernel
// row inside the image as one tap, with weights of its own that hold those columns of
// the filter alone, rather than each kernel column as a narrow tap of InC floats (calls
// alternating in one process: 7×7 s2 224²×3→64 1.01×, 5×5 56²×8→64 1.02×, the 3×3
// first layers 1.00×).
func (d *indirectConv) addEdgeColumns(im impl, s *generic.Conv, filter []float32) {
	cutOf := func(ox int) kernelCols { // the kernel columns inside the image
		ix := s.W.Input(ox, 0)
		return kernelCols{max(0, -ix), min(s.W.K, s.W.In-ix)}
	}
	index := map[kernelCols]int{}
	for ox := range s.W.Out {
		c := cutOf(ox)
		if _, ok := index[c]; ok || wideInside(s, ox) || c.none() {
			continue
		}
		index[c] = len(d.edgeWeights)
		width := (c.hi - c.lo) * s.InC
		sub := make([]float32, 0, s.H.K*width*s.OutC)
		for ky := range s.H.K {
			row := filter[(ky*s.W.K+c.lo)*s.InC*s.OutC:]
			sub = append(sub, row[:width*s.OutC]...)
		}
		d.edgeWeights = append(d.edgeWeights, packWeights(im, sub, s.OutC, false, s.H.K*width, s.OutC))
	}
	// The tiles point into d.edgeWeights, which is complete: it will not move.
	for ox := range s.W.Out {
		if wideInside(s, ox) {
			continue
		}
		c := cutOf(ox)
		var w *packedWeights
		if i, ok := index[c]; ok {
			w = &d.edgeWeights[i]
		} else {
			c = kernelCols{} // no kernel column reaches the image: narrow taps, all padding
		}
		for oy := 0; oy < s.H.Out; oy += im.conv.mr {
			d.addTile(im, s, oy*s.W.Out+ox, s.W.Out, min(im.conv.mr, s.H.Out-oy), c, w)
		}
	}
}

// addTiles tiles the pixels [first, end) on the indirect kernels, the widest first.
func (d *indirectConv) addTiles(im impl, s *generic.Conv, first, end int, wide bool) {
	var cols kernelCols
	if wide {
		cols = kernelCols{0, s.W.K}
	}
	for p := first; p < end; p += im.conv.mr {
		d.addTile(im, s, p, 1, min(im.conv.mr, end-p), cols, nil)
	}
}

// addRowTiles tiles the pixels [first, end), whose wide taps lie inside the image's
// width, one output row at a time: a row tile on the row kernel, one call for all of the
// row's pixels, which runs them MR at a time. Its last tile reads all MR pixels; when
// those past the row would pass the end of the image (the last rows), or when they are
// no more than the indirect kernel's MR, that kernel takes them.
func (d *indirectConv) addRowTiles(im impl, s *generic.Conv, first, end int) {
	mr := im.rowConv.mr
	for first < end {
		rowEnd := min(end, (first/s.W.Out+1)*s.W.Out)
		n := rowEnd - first
		if short := n % mr; short != 0 && short <= im.conv.mr || !d.addRowTile(im, s, first, n) {
			whole := n - short
			if whole > 0 {
				d.addRowTile(im, s, first, whole)
			}
			d.addTiles(im, s, first+whole, rowEnd, true)
		}
		first = rowEnd
	}
}

// addRowTile appends a row tile of n output pixels from first, whose wide taps lie
// inside the image's width, unless the kernel's reads of its last tile's MR pixels would
// pass the end of the image; it reports whether it did.
func (d *indirectConv) addRowTile(im impl, s *generic.Conv, first, n int) bool {
	kern := im.rowConv
	tile := convTile{kern: kern, out: first * s.OutC, ldc: s.OutC, pixels: n, taps: s.H.K, k: s.W.K * s.InC,
		stride: s.W.Stride * s.InC, at: len(d.ind)}
	oy, ox := first/s.W.Out, first%s.W.Out
	read := (roundUp(n, kern.mr)-1)*tile.stride + tile.k
	for ky := range tile.taps {
		off := int32(-1)
		if iy := s.H.Input(oy, ky); iy >= 0 && iy < s.H.In {
			off = int32((iy*s.W.In + s.W.Input(ox, 0)) * s.InC)
			if int(off)+read > s.H.In*s.W.In*s.InC {
				d.ind = d.ind[:tile.at]
				return false
			}
		}
		d.ind = append(d.ind, off)
	}
	d.appendTile(tile, 1)
	return true
}

// wideTaps reports whether im's indirect kernel reads each kernel row of a layer of
// shape s as one tap of KW·InC floats, contiguous in NHWC when the kernel is not dilated
// along the width. With few input channels each tap's MR offsets weigh against its few
// channel steps, and a kernel row has KW times as many (AVX-512, medians of five
// interleaved runs, GFLOPS: 224²×3→32 3×3 s2 114 → 118, s1 113 → 118, 224²×3→64 7×7 s2
// 133 → 148). The summation order is unchanged: taps in row-major order, each tap's
// channels in order. The image must be at least KW wide.
func wideTaps(im impl, s *generic.Conv) bool {
	maxInC := wideTapsMaxInC
	if im.rowConv.rowTile != nil {
		maxInC = wideRowTapsMaxInC
	}
	return s.InC <= maxInC && s.W.K > 1 && s.W.Dilation == 1 && s.W.In >= s.W.K
}

// wideTapsMaxInC is the most input channels for which wideTaps applies on the indirect
// kernels alone. From 8 on, the narrow taps measured faster: their tiles run across
// output rows, where wide ones stop at each row's edge pixels (3×3 s1 112²×8→32: 146
// narrow against 138 wide, 56²×16→32 160 against 145, 5×5 56²×8→64 166 against 161;
// 112²×4→32 131 against 133).
const wideTapsMaxInC = 4

// wideRowTapsMaxInC is wideTapsMaxInC where a row kernel runs the rows and the edge
// columns run down the columns. Calls alternating in one process, wide against narrow,
// AVX-512: 8 channels 3×3 s1 112²×8→32 1.05–1.07×, s2 224²×8→32 1.04–1.05×, 5×5
// 56²×8→64 0.98–1.02×; 16 channels 3×3 s2 112²×16→32 1.03–1.05×, 5×5 56²×16→32
// 1.00–1.03×; 32 and more lose (5×5 28²×32→32 0.94–0.96×, 3×3 s2 112²×64→64 0.99×).
// AVX2: 112²×8→32 1.05–1.10×, s2 112²×16→32 1.04–1.06×. Past it, the indirect kernel
// may still read wide taps, where tilingTime finds them faster.
const wideRowTapsMaxInC = 16

// wideInside reports whether output column ox's kernel rows lie inside the image's width,
// so that a wide tap reads no padding.
func wideInside(s *generic.Conv, ox int) bool {
	ix := s.W.Input(ox, 0)
	return ix >= 0 && ix+s.W.K <= s.W.In
}

// kernelCols are the kernel columns [lo, hi) that a wide tap reads; none for narrow taps.
type kernelCols struct{ lo, hi int }

func (c kernelCols) none() bool { return c.hi <= c.lo }

// addTile appends the tile of n output pixels from first, each step after the one before
// (row-major within the image: 1 along a row, W.Out down a column), with weights w (nil:
// the layer's). A wide tile reads the kernel columns cols of each kernel row as one tap
// (all of them but at an edge column, whose weights hold those columns alone); its
// padding rows are whole rows, the others lie inside the image. A narrow one (no cols)
// reads each tap apart, padding taps or not.
func (d *indirectConv) addTile(im impl, s *generic.Conv, first, step, n int, cols kernelCols, w *packedWeights) {
	tile := convTile{kern: im.convFor(n), out: first * s.OutC, ldc: step * s.OutC, pixels: n, taps: s.H.K * s.W.K, k: s.InC, at: len(d.ind), w: w}
	kw := s.W.K
	if !cols.none() {
		tile.taps, tile.k, kw = s.H.K, (cols.hi-cols.lo)*s.InC, 1
	}
	for t := range tile.taps {
		ky, kx := t/kw, cols.lo+t%kw
		for i := range tile.kern.mr {
			off := int32(-1)
			if i < n {
				q := first + i*step
				iy, ix := s.H.Input(q/s.W.Out, ky), s.W.Input(q%s.W.Out, kx)
				if iy >= 0 && iy < s.H.In && ix >= 0 && ix < s.W.In {
					off = int32((iy*s.W.In + ix) * s.InC)
				}
			}
			d.ind = append(d.ind, off)
		}
	}
	d.appendTile(tile, tile.kern.mr)
}

// newIndirectBase returns an indirectConv without tiles, whose widest tap reads tapLen
// floats, for outC channels out, with the epilogue ep.
func newIndirectBase(im impl, tapLen, outC int, ep epilogue) *indirectConv {
	d := &indirectConv{zero: make([]float32, tapLen), relu: ep.relu, ep: epilogue{act: ep.act}, full: ep, outC: outC}
	d.bias = make([]float32, roundUp(outC, im.conv.nr))
	copy(d.bias, ep.bias)
	return d
}

// forward computes dst from src (n images) with the weights w, which tiles without
// their own use. For each image, each weight panel (taps·InC×NR, in L2) is swept over
// every tile of output pixels, whose taps overlap their neighbours' in the input rows
// the sweep keeps in cache; or, when the weights are small (tilesOuter), each run of
// tiles takes every panel in turn, so that an image too large for L2 is read from
// memory once rather than once a panel.
//
// Threads share out the grid of images × weight panels × runs of tiles; each thread
// starts on its own image and panel (team.forEachTask), so that a panel is mostly read
// by one core.
func (d *indirectConv) forward(w *packedWeights, dst, src []float32, n int) {
	j := indirectJobPool.Get().(*indirectJob)
	*j = indirectJob{d: d, w: w, dst: dst, src: src}
	panels := ceilDiv(d.outC, w.im.kernel.nr)
	threads := threadsFor(float64(n)*d.flopsPerImage, w.minFlopsPerThread(), n*panels*len(d.tiles))
	if d.tilesOuter {
		// At least tasksPerThread runs an image, on one thread too, so that a run's
		// input rows stay in L2 for all the panels.
		j.runs = min(len(d.tiles), max(tasksPerThread, ceilDiv(tasksPerThread*threads, n)))
		j.tasks = taskGrid{groups: n * j.runs, perGroup: panels}
	} else {
		j.tasks = newTaskGrid(n*panels, len(d.tiles), threads, tasksPerThread)
		j.runs = j.tasks.perGroup
	}
	parallel(threads, j)
	d.ep.finishRows(&w.im.isaKernels, dst, d.outC, n*d.imageOut/d.outC, d.outC)
	*j = indirectJob{}
	indirectJobPool.Put(j)
}

// weighTiles sums the FMAs of the tiles, in the order they run (workBefore), once they
// are all added; or, without byWork, counts them.
func (d *indirectConv) weighTiles(byWork bool) {
	d.workBefore = make([]int64, len(d.tiles)+1)
	for i, t := range d.tiles {
		rows := t.kern.mr // a kernel computes all its rows, whatever its pixels
		if t.stride > 0 {
			rows = roundUp(t.pixels, t.kern.mr)
		}
		work := 1
		if byWork {
			work = max(1, rows*t.taps*t.k)
		}
		d.workBefore[i+1] = d.workBefore[i] + int64(work)
	}
}

// tileRun returns where run r of runs starts among the tiles (r = runs: their end), the
// runs splitting workBefore evenly. A Conv2D's split the FMAs: a first layer's row
// tiles do ten times the work of its edge columns' tiles, which come last, and equal
// counts left one thread of two with four runs of rows against three (two threads,
// calls alternating in one process: 3×3 s2 224²×3→32 1.03–1.08×, 7×7 s2 1.01–1.03×).
// So do a transpose's whose classes interleave (interleaveClasses). One whose tiles run
// class after class, each over the whole input, splits the count: runs of equal count
// cut every class at the same rows, so that a thread reads the same part of the input
// for each (56²×64→32 class after class, by FMAs: 0.95×).
func (d *indirectConv) tileRun(r, runs int) int {
	if r >= runs {
		return len(d.tiles)
	}
	target := d.workBefore[len(d.tiles)] * int64(r) / int64(runs)
	i, _ := slices.BinarySearch(d.workBefore, target)
	return min(i, len(d.tiles))
}

// indirectJob is one forward call, shared by its threads.
type indirectJob struct {
	d        *indirectConv
	w        *packedWeights
	dst, src []float32
	// tasks: groups image × panel, each of runs runs of tiles (tileRun); with tilesOuter,
	// groups image × run of tiles, each of the panels.
	tasks taskGrid
	runs  int
}

var indirectJobPool = sync.Pool{New: func() any { return new(indirectJob) }}

func (j *indirectJob) run(t *team, id int) {
	d, k := j.d, &j.w.im.isaKernels
	nr := j.w.im.kernel.nr
	panels := ceilDiv(d.outC, nr)
	// The activations the kernels do not fuse, if any, tested once rather than by a call
	// after each kernel that returns at once, which cost the short tiles of the first
	// layers a fifth of their time (AVX-512, GFLOPS: 224²×3→32 s2 94 → 114, s1 81 → 124,
	// 224²×3→64 7×7 s2 115 → 154; medians of three interleaved runs).
	elementwise := !d.ep.none()
	t.forEachTask(id, j.tasks.groups, j.tasks.perGroup, func(group, task int) {
		b, jr, run := group/panels, group%panels*nr, task
		if d.tilesOuter {
			b, jr, run = group/j.runs, task*nr, group%j.runs
		}
		image, out := j.src[b*d.imageIn:(b+1)*d.imageIn], j.dst[b*d.imageOut:]
		bias, cols := d.bias[jr:], min(nr, d.outC-jr)
		tiles := d.tiles[d.tileRun(run, j.runs):d.tileRun(run+1, j.runs)]
		for i := range tiles {
			t := &tiles[i]
			tile := out[t.out+jr:]
			if t.taps == 0 {
				// Only the bias reaches these outputs.
				for i := range t.pixels {
					clear(tile[i*t.ldc : i*t.ldc+cols])
				}
				d.full.cols(jr).apply(k, tile, t.ldc, t.pixels, cols)
				continue
			}
			w := j.w
			if t.w != nil {
				w = t.w
			}
			weights := w.data[jr*w.k+t.firstTap*t.k*nr:]
			if t.stride > 0 {
				t.kern.rowTile(t.taps, t.k, d.ind[t.at:], t.stride, image, d.zero, weights, bias, tile, t.ldc, t.pixels, cols, d.relu)
			} else {
				t.kern.tile(t.taps, t.k, d.ind[t.at:], image, d.zero, weights, bias, tile, t.ldc, t.pixels, cols, d.relu)
			}
			if elementwise {
				d.ep.apply(k, tile, t.ldc, t.pixels, cols)
			}
		}
	})
}
