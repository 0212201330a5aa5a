package kernels

import (
	"math"
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
	// transpose's over each row of each of its sub-convolutions (subconv.go).
	tiles []convTile
	// ind holds each tile's offsets, tap-major: for tap t, pixel i of a tile with kernel
	// MR, the offset into the image of the first of the InC floats that tap reads for
	// that pixel, or −1 where it falls in the padding (as do the pixels past the tile).
	ind  []int32
	zero []float32 // InC zeros: the padding row
	bias []float32 // the bias, zeros if none, then zeros up to a multiple of NR
	relu bool      // fused into the kernel's store
	ep   epilogue  // for the activations the kernel does not fuse
	// full is the layer's whole epilogue, for tiles that no tap reaches (taps == 0): a
	// transpose's outputs between the taps of a kernel smaller than its stride.
	full epilogue

	inC, outC     int // channels of a pixel of src and of dst
	imageIn       int // floats of one image of src
	imageOut      int // ... and of dst
	flopsPerImage float64
}

// convTile is one tile of output pixels: pixels of them, the first's first channel at
// out in its image's output and the next ones ldc floats apart, run on kern with taps
// taps of weights w (nil: the layer's), its offsets from ind[at:].
type convTile struct {
	kern             convKernel
	out, ldc         int
	pixels, taps, at int
	w                *packedWeights
}

func newIndirectConv(im impl, s *generic.Conv, ep epilogue) *indirectConv {
	d := newIndirectBase(im, s.InC, s.OutC, ep)
	d.imageIn, d.imageOut = s.H.In*s.W.In*s.InC, s.H.Out*s.W.Out*s.OutC
	taps := s.H.K * s.W.K
	pixels := s.H.Out * s.W.Out
	d.flopsPerImage = 2 * float64(pixels) * float64(taps*s.InC) * float64(s.OutC)
	for first := 0; first < pixels; first += im.conv.mr {
		n := min(im.conv.mr, pixels-first)
		tile := convTile{kern: im.convFor(n), out: first * s.OutC, ldc: s.OutC, pixels: n, taps: taps, at: len(d.ind)}
		mr := tile.kern.mr
		for t := range taps {
			ky, kx := t/s.W.K, t%s.W.K
			for i := range mr {
				off := int32(-1)
				if i < n {
					q := first + i
					iy, ix := s.H.Input(q/s.W.Out, ky), s.W.Input(q%s.W.Out, kx)
					if iy >= 0 && iy < s.H.In && ix >= 0 && ix < s.W.In {
						off = int32((iy*s.W.In + ix) * s.InC)
					}
				}
				d.ind = append(d.ind, off)
			}
		}
		d.tiles = append(d.tiles, tile)
	}
	return d
}

// newIndirectBase returns an indirectConv without tiles, for inC channels in and outC
// out, with the epilogue ep.
func newIndirectBase(im impl, inC, outC int, ep epilogue) *indirectConv {
	d := &indirectConv{zero: make([]float32, inC), relu: ep.relu, ep: epilogue{act: ep.act}, full: ep, inC: inC, outC: outC}
	d.bias = make([]float32, roundUp(outC, im.conv.nr))
	copy(d.bias, ep.bias)
	return d
}

// forward computes dst from src (n images) with the weights w, which tiles without
// their own use. For each image, each weight panel (taps·InC×NR, in L2) is swept over
// every tile of output pixels, whose taps overlap their neighbours' in the input rows
// the sweep keeps in cache.
//
// Threads share out the grid of images × weight panels × runs of tiles; each thread
// starts on its own image and panel (team.forEachTask), so that a panel is mostly read
// by one core.
func (d *indirectConv) forward(w *packedWeights, dst, src []float32, n int) {
	j := indirectJobPool.Get().(*indirectJob)
	*j = indirectJob{d: d, w: w, dst: dst, src: src}
	panels := ceilDiv(d.outC, w.im.kernel.nr)
	threads := threadsFor(float64(n)*d.flopsPerImage, w.minFlopsPerThread(), n*panels*len(d.tiles))
	j.tasks = newTaskGrid(n*panels, len(d.tiles), threads, tasksPerThread)
	parallel(threads, j.tasks.groups, j)
	d.ep.finishRows(&w.im.isaKernels, dst, d.outC, n*d.imageOut/d.outC, d.outC)
	*j = indirectJob{}
	indirectJobPool.Put(j)
}

// indirectJob is one forward call, shared by its threads.
type indirectJob struct {
	d        *indirectConv
	w        *packedWeights
	dst, src []float32
	tasks    taskGrid // groups: image × panel; units: tiles
}

var indirectJobPool = sync.Pool{New: func() any { return new(indirectJob) }}

func (j *indirectJob) run(t *team, id int) {
	d, k := j.d, &j.w.im.isaKernels
	nr := j.w.im.kernel.nr
	panels := ceilDiv(d.outC, nr)
	t.forEachTask(id, j.tasks.groups, j.tasks.perGroup, func(group, task int) {
		b, jr := group/panels, group%panels*nr
		image, out := j.src[b*d.imageIn:(b+1)*d.imageIn], j.dst[b*d.imageOut:]
		bias, cols := d.bias[jr:], min(nr, d.outC-jr)
		first := task * j.tasks.span
		for _, t := range d.tiles[first:min(first+j.tasks.span, len(d.tiles))] {
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
			t.kern.tile(t.taps, d.inC, d.ind[t.at:], image, d.zero, w.data[jr*w.k:], bias, tile, t.ldc, t.pixels, cols, d.relu)
			d.ep.apply(k, tile, t.ldc, t.pixels, cols)
		}
	})
}
