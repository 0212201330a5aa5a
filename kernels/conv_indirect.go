package kernels

import (
	"math"

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
	kern convKernel
	taps int // KH·KW
	// ind holds, for each tile of MR output pixels of one image (in row-major order, the
	// last tile padded) and each tap, MR offsets into the image: the first of the InC
	// floats the tap reads for that pixel, or −1 where it falls in the padding.
	ind  []int32
	zero []float32 // InC zeros: the padding row
	bias []float32 // the bias, zeros if none, then zeros up to a multiple of NR
	relu bool
}

func newIndirectConv(kern convKernel, s *generic.Conv, ep epilogue) *indirectConv {
	taps := s.H.K * s.W.K
	pixels := s.H.Out * s.W.Out
	tiles := (pixels + kern.mr - 1) / kern.mr
	ind := make([]int32, tiles*taps*kern.mr)
	for i := range ind {
		ind[i] = -1
	}
	for q := range pixels {
		oy, ox := q/s.W.Out, q%s.W.Out
		tile, row := q/kern.mr, q%kern.mr
		for ky := range s.H.K {
			iy := s.H.Input(oy, ky)
			for kx := range s.W.K {
				ix := s.W.Input(ox, kx)
				if iy < 0 || iy >= s.H.In || ix < 0 || ix >= s.W.In {
					continue
				}
				t := ky*s.W.K + kx
				ind[(tile*taps+t)*kern.mr+row] = int32((iy*s.W.In + ix) * s.InC)
			}
		}
	}
	bias := make([]float32, roundUp(s.OutC, kern.nr))
	copy(bias, ep.bias)
	return &indirectConv{kern: kern, taps: taps, ind: ind, zero: make([]float32, s.InC), bias: bias, relu: ep.relu}
}

// forward computes dst from src (n images) with the weights w. For each image, each
// weight panel (taps·InC×NR, in L2) is swept over every tile of output pixels, whose
// taps overlap their neighbours' in the input rows the sweep keeps in cache.
func (d *indirectConv) forward(w *packedWeights, s *generic.Conv, dst, src []float32, n int) {
	mr, nr := d.kern.mr, d.kern.nr
	imageIn, imageOut := s.H.In*s.W.In*s.InC, s.H.Out*s.W.Out*s.OutC
	pixels := s.H.Out * s.W.Out
	tileInd := d.taps * mr
	for b := range n {
		image, out := src[b*imageIn:(b+1)*imageIn], dst[b*imageOut:]
		for jr := 0; jr < s.OutC; jr += nr {
			panel, bias, cols := w.data[jr*w.k:], d.bias[jr:], min(nr, s.OutC-jr)
			for q, ind := 0, d.ind; q < pixels; q, ind = q+mr, ind[tileInd:] {
				d.kern.tile(d.taps, s.InC, ind, image, d.zero, panel, bias, out[q*s.OutC+jr:], s.OutC, min(mr, pixels-q), cols, d.relu)
			}
		}
	}
}
