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
	return im.conv.tile != nil && !isPointwise(s) && imageLen <= math.MaxInt32 // offsets are int32
}

// indirectConv is what the indirect path keeps of a layer besides its weights.
type indirectConv struct {
	// tiles cover one image's output pixels in row-major order, MR at a time, the last
	// on the smallest kernel that covers the pixels left.
	tiles []convTile
	taps  int // KH·KW
	// ind holds each tile's offsets, tap-major: for tap t, pixel i of a tile with kernel
	// MR, the offset into the image of the first of the InC floats that tap reads for
	// that pixel, or −1 where it falls in the padding (as do the pixels past the image).
	ind  []int32
	zero []float32 // InC zeros: the padding row
	bias []float32 // the bias, zeros if none, then zeros up to a multiple of NR
	relu bool      // fused into the kernel's store
	ep   epilogue  // for the activations the kernel does not fuse
}

// convTile is one tile of output pixels: pixels from first on, run on kern, its offsets
// from ind[at:].
type convTile struct {
	kern          convKernel
	first, pixels int
	at            int
}

func newIndirectConv(im impl, s *generic.Conv, ep epilogue) *indirectConv {
	d := &indirectConv{taps: s.H.K * s.W.K, zero: make([]float32, s.InC), relu: ep.relu, ep: epilogue{act: ep.act}}
	d.bias = make([]float32, roundUp(s.OutC, im.conv.nr))
	copy(d.bias, ep.bias)
	pixels := s.H.Out * s.W.Out
	for first := 0; first < pixels; first += im.conv.mr {
		n := min(im.conv.mr, pixels-first)
		tile := convTile{kern: im.convFor(n), first: first, pixels: n, at: len(d.ind)}
		mr := tile.kern.mr
		for t := range d.taps {
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

// forward computes dst from src (n images) with the weights w. For each image, each
// weight panel (taps·InC×NR, in L2) is swept over every tile of output pixels, whose
// taps overlap their neighbours' in the input rows the sweep keeps in cache.
//
// Threads share out the grid of images × weight panels × runs of tiles; each thread
// starts on its own image and panel (team.forEachTask), so that a panel is mostly read
// by one core.
func (d *indirectConv) forward(w *packedWeights, s *generic.Conv, dst, src []float32, n int) {
	j := indirectJobPool.Get().(*indirectJob)
	*j = indirectJob{d: d, w: w, s: s, dst: dst, src: src}
	panels := ceilDiv(s.OutC, w.im.kernel.nr)
	flops := 2 * float64(n) * float64(s.H.Out*s.W.Out) * float64(w.k) * float64(s.OutC)
	threads := threadsFor(flops, w.minFlopsPerThread(), n*panels*len(d.tiles))
	j.tasks = newTaskGrid(n*panels, len(d.tiles), threads, tasksPerThread)
	parallel(threads, j.tasks.groups, j)
	d.ep.finishRows(&w.im.isaKernels, dst, s.OutC, n*s.H.Out*s.W.Out, s.OutC)
	*j = indirectJob{}
	indirectJobPool.Put(j)
}

// indirectJob is one forward call, shared by its threads.
type indirectJob struct {
	d        *indirectConv
	w        *packedWeights
	s        *generic.Conv
	dst, src []float32
	tasks    taskGrid // groups: image × panel; units: tiles
}

var indirectJobPool = sync.Pool{New: func() any { return new(indirectJob) }}

func (j *indirectJob) run(t *team, id int) {
	d, w, s := j.d, j.w, j.s
	nr := w.im.kernel.nr
	panels := ceilDiv(s.OutC, nr)
	imageIn, imageOut := s.H.In*s.W.In*s.InC, s.H.Out*s.W.Out*s.OutC
	t.forEachTask(id, j.tasks.groups, j.tasks.perGroup, func(group, task int) {
		b, jr := group/panels, group%panels*nr
		image, out := j.src[b*imageIn:(b+1)*imageIn], j.dst[b*imageOut:]
		panel, bias, cols := w.data[jr*w.k:], d.bias[jr:], min(nr, s.OutC-jr)
		first := task * j.tasks.span
		for _, t := range d.tiles[first:min(first+j.tasks.span, len(d.tiles))] {
			tile := out[t.first*s.OutC+jr:]
			t.kern.tile(d.taps, s.InC, d.ind[t.at:], image, d.zero, panel, bias, tile, s.OutC, t.pixels, cols, d.relu)
			d.ep.apply(&w.im.isaKernels, tile, s.OutC, t.pixels, cols)
		}
	})
}
