package kernels

import (
	"sync"

	"github.com/simdnn/simdnn/generic"
)

// Pool2DConfig is a Keras MaxPooling2D or AveragePooling2D layer's configuration (NHWC
// tensors, channels pooled independently).
type Pool2DConfig struct {
	InH, InW, C      int // input height, width, channels
	PoolH, PoolW     int // window size
	StrideH, StrideW int // 0 means the window size, as Keras's strides=None
	Padding          Padding
}

// OutputSize returns the output height and width Keras gives the layer, or (0, 0) when
// the constructors refuse c.
func (c Pool2DConfig) OutputSize() (outH, outW int) {
	h, w, err := c.axes("Pool2D")
	if err != nil {
		return 0, 0
	}
	return h.Out, w.Out
}

// axes validates c and returns its windows as convolution axes: a pool is a
// convolution's window without weights, and pads as TensorFlow pads one.
func (c Pool2DConfig) axes(layer string) (h, w generic.Axis, err error) {
	for _, f := range []struct {
		name       string
		value, min int
	}{
		{"InH", c.InH, 1}, {"InW", c.InW, 1}, {"C", c.C, 1}, {"PoolH", c.PoolH, 1}, {"PoolW", c.PoolW, 1},
		{"StrideH", c.StrideH, 0}, {"StrideW", c.StrideW, 0},
	} {
		switch {
		case f.value < f.min && f.min == 0:
			return h, w, layerErrorf(ErrConfig, "kernels: %s %s is %d, want ≥ 1 (or 0, meaning the pool size)", layer, f.name, f.value)
		case f.value < f.min:
			return h, w, layerErrorf(ErrConfig, "kernels: %s %s is %d, want ≥ 1", layer, f.name, f.value)
		case f.value > maxDim:
			return h, w, layerErrorf(ErrConfig, "kernels: %s %s is %d, larger than the limit %d", layer, f.name, f.value, maxDim)
		}
	}
	if c.Padding != Valid && c.Padding != Same {
		return h, w, layerErrorf(ErrConfig, "kernels: %s Padding is %v, want Valid or Same", layer, c.Padding)
	}
	strideH, strideW := c.StrideH, c.StrideW
	if strideH == 0 {
		strideH = c.PoolH
	}
	if strideW == 0 {
		strideW = c.PoolW
	}
	h = generic.ConvAxis(c.InH, c.PoolH, strideH, 1, c.Padding == Same)
	w = generic.ConvAxis(c.InW, c.PoolW, strideW, 1, c.Padding == Same)
	switch {
	case h.Out <= 0:
		return h, w, layerErrorf(ErrConfig, "kernels: %s PoolH %d is larger than InH %d with Valid padding", layer, c.PoolH, c.InH)
	case w.Out <= 0:
		return h, w, layerErrorf(ErrConfig, "kernels: %s PoolW %d is larger than InW %d with Valid padding", layer, c.PoolW, c.InW)
	}
	if _, ok := product(c.InH, c.InW, c.C); !ok {
		return h, w, layerErrorf(ErrConfig, "kernels: %s input of InH·InW·C = %d·%d·%d values is too large", layer, c.InH, c.InW, c.C)
	}
	return h, w, nil
}

// pool2D is what both pooling layers share: the windows and the calls' checks.
type pool2D struct {
	forwardName string // for errors, e.g. "MaxPooling2D.Forward"
	h, w        generic.Axis
	c           int
	k           *isaKernels
}

func newPool2D(layer string, cfg Pool2DConfig, im impl) (pool2D, error) {
	h, w, err := cfg.axes(layer)
	return pool2D{forwardName: layer + ".Forward", h: h, w: w, c: cfg.C, k: &im.isaKernels}, err
}

// OutputSize returns the output height and width.
func (p *pool2D) OutputSize() (outH, outW int) { return p.h.Out, p.w.Out }

// forward checks a Forward call and computes dst from src with kind's reduction, the
// output rows (of n×outH) shared out between threads: a pool reads each input once, so
// it is bound by memory, and takes a thread per gemvMinBytesPerThread of input.
func (p *pool2D) forward(dst, src []float32, n int, kind poolKind) error {
	dst, src, err := checkForward(p.forwardName, "n", n, dst, src, p.h.Out*p.w.Out*p.c, p.h.In*p.w.In*p.c,
		"n·outH·outW·C", "n·InH·InW·C")
	if err != nil {
		return err
	}
	rows := n * p.h.Out
	threads := threadsFor(4*float64(len(src)), gemvMinBytesPerThread, rows)
	j := poolJobPool.Get().(*poolJob)
	*j = poolJob{p: p, kind: kind, dst: dst, src: src, span: ceilDiv(rows, min(rows, tasksPerThread*threads))}
	parallel(threads, j)
	*j = poolJob{}
	poolJobPool.Put(j)
	return nil
}

// poolKind is the reduction of a pooling layer.
type poolKind int

const (
	maxPool poolKind = iota
	averagePool
)

// poolJob is one pooling call, shared by its threads: tasks of span output rows.
type poolJob struct {
	p        *pool2D
	kind     poolKind
	dst, src []float32
	span     int
}

var poolJobPool = sync.Pool{New: func() any { return new(poolJob) }}

func (j *poolJob) run(t *team, id int) {
	p := j.p
	rows := len(j.dst) / (p.w.Out * p.c)
	imageIn, rowOut := p.h.In*p.w.In*p.c, p.w.Out*p.c
	t.forEachTask(id, 1, ceilDiv(rows, j.span), func(_, task int) {
		for r := task * j.span; r < min((task+1)*j.span, rows); r++ {
			b, oy := r/p.h.Out, r%p.h.Out
			image, out := j.src[b*imageIn:(b+1)*imageIn], j.dst[r*rowOut:(r+1)*rowOut]
			kyLo, kyHi := p.h.Taps(oy)
			y0, y1 := p.h.Input(oy, kyLo), p.h.Input(oy, kyHi)
			for ox := range p.w.Out {
				kxLo, kxHi := p.w.Taps(ox)
				pixel := out[ox*p.c : (ox+1)*p.c]
				if j.kind == maxPool {
					p.maxOf(pixel, image, y0, y1, p.w.Input(ox, kxLo), p.w.Input(ox, kxHi))
				} else {
					p.averageOf(pixel, image, y0, y1, p.w.Input(ox, kxLo), p.w.Input(ox, kxHi))
				}
			}
		}
	})
}

// maxOf sets out, one output pixel's C values, to the largest of the window's inputs:
// rows [y0, y1) and columns [x0, x1) of image, all inside it (padding is left out).
func (p *pool2D) maxOf(out, image []float32, y0, y1, x0, x1 int) {
	copy(out, image[(y0*p.w.In+x0)*p.c:])
	p.fold(out, image, y0, y1, x0, x1, p.k.maxInto)
}

// averageOf sets out to the mean of the window's inputs, as maxOf the largest.
func (p *pool2D) averageOf(out, image []float32, y0, y1, x0, x1 int) {
	clear(out)
	p.fold(out, image, y0, y1, x0, x1, p.addInto)
	count := float32((y1 - y0) * (x1 - x0))
	for i := range out {
		out[i] /= count
	}
}

// fold combines each pixel of the window into out, in row-major order: combine(pixel,
// out) updates out from the pixel's C values.
func (p *pool2D) fold(out, image []float32, y0, y1, x0, x1 int, combine func(x, y []float32)) {
	c, rowLen := p.c, p.w.In*p.c
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			combine(image[y*rowLen+x*c:y*rowLen+x*c+c], out)
		}
	}
}

// addInto sets y += x, the average's sum, on the axpy kernel.
func (p *pool2D) addInto(x, y []float32) { p.k.axpy(1, x, y) }

// MaxPooling2D is a Keras MaxPooling2D layer: each output the largest input of its
// window, padding left out (a window is never all padding). NaN in a window gives NaN.
// It holds no mutable state: Forward may run in several goroutines at once.
type MaxPooling2D struct{ pool2D }

// NewMaxPooling2D validates cfg.
func NewMaxPooling2D(cfg Pool2DConfig) (*MaxPooling2D, error) {
	return newMaxPooling2D(cfg, active)
}

// newMaxPooling2D builds the layer for im.
func newMaxPooling2D(cfg Pool2DConfig, im impl) (*MaxPooling2D, error) {
	p, err := newPool2D("MaxPooling2D", cfg, im)
	if err != nil {
		return nil, err
	}
	return &MaxPooling2D{p}, nil
}

// Forward computes dst (n×outH×outW×C, NHWC) from src (n×InH×InW×C). dst and src may
// be longer: Forward uses their prefixes.
func (p *MaxPooling2D) Forward(dst, src []float32, n int) error {
	return p.forward(dst, src, n, maxPool)
}

// AveragePooling2D is a Keras AveragePooling2D layer: each output the mean of its
// window's inputs, padding left out of the sum and of the count, as TensorFlow does.
// It holds no mutable state: Forward may run in several goroutines at once.
type AveragePooling2D struct{ pool2D }

// NewAveragePooling2D validates cfg.
func NewAveragePooling2D(cfg Pool2DConfig) (*AveragePooling2D, error) {
	return newAveragePooling2D(cfg, active)
}

// newAveragePooling2D builds the layer for im.
func newAveragePooling2D(cfg Pool2DConfig, im impl) (*AveragePooling2D, error) {
	p, err := newPool2D("AveragePooling2D", cfg, im)
	if err != nil {
		return nil, err
	}
	return &AveragePooling2D{p}, nil
}

// Forward computes dst (n×outH×outW×C, NHWC) from src (n×InH×InW×C). dst and src may
// be longer: Forward uses their prefixes.
func (p *AveragePooling2D) Forward(dst, src []float32, n int) error {
	return p.forward(dst, src, n, averagePool)
}

// GlobalAveragePooling2D is a Keras GlobalAveragePooling2D layer: the mean of each
// channel over the image (n×H×W×C → n×C). It holds no mutable state.
type GlobalAveragePooling2D struct {
	pixels, c int
}

// NewGlobalAveragePooling2D returns the layer for inH×inW×c images.
func NewGlobalAveragePooling2D(inH, inW, c int) (*GlobalAveragePooling2D, error) {
	_, _, err := Pool2DConfig{InH: inH, InW: inW, C: c, PoolH: 1, PoolW: 1}.axes("GlobalAveragePooling2D")
	if err != nil {
		return nil, err
	}
	return &GlobalAveragePooling2D{pixels: inH * inW, c: c}, nil
}

// Forward computes dst (n×C) from src (n×InH×InW×C). dst and src may be longer: Forward
// uses their prefixes. The sums are kept in float64, so that a large image loses nothing
// to the order of its pixels.
func (g *GlobalAveragePooling2D) Forward(dst, src []float32, n int) error {
	dst, src, err := checkForward("GlobalAveragePooling2D.Forward", "n", n, dst, src, g.c, g.pixels*g.c, "n·C", "n·InH·InW·C")
	if err != nil {
		return err
	}
	// The image is read pixel by pixel, in order, a block of channels at a time.
	var sums [64]float64
	for b := range n {
		image, out := src[b*g.pixels*g.c:(b+1)*g.pixels*g.c], dst[b*g.c:(b+1)*g.c]
		for c0 := 0; c0 < g.c; c0 += len(sums) {
			block := sums[:min(len(sums), g.c-c0)]
			clear(block)
			for p := c0; p < len(image); p += g.c {
				for i, v := range image[p : p+len(block)] {
					block[i] += float64(v)
				}
			}
			for i, sum := range block {
				out[c0+i] = float32(sum / float64(g.pixels))
			}
		}
	}
	return nil
}
