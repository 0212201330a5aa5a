package kernels

import "github.com/simdnn/simdnn/generic"

// Conv2D is a Keras Conv2D layer with its filter packed for the micro-kernel. It is
// immutable once built, so Forward may run in several goroutines at once.
type Conv2D struct {
	shape generic.Conv
	w     packedWeights // the filter as the K×OutC matrix W, K = KH·KW·InC
	ep    epilogue
	// direct, when not nil, runs Forward on the indirect kernel instead of im2col.
	direct *indirectConv
	// wino, when not nil, runs Forward by Winograd; w then holds the sizes alone.
	wino *winogradConv
}

// NewConv2D validates cfg and packs the filter once. filter has the Keras Conv2D
// layout [KH][KW][InC][OutC] (HWIO); bias has OutC values or is nil.
func NewConv2D(cfg Conv2DConfig, filter, bias []float32) (*Conv2D, error) {
	return newConv2D(cfg, filter, bias, active)
}

// newConv2D builds the layer for im. The layer keeps im: its filter is packed for im's
// micro-kernel.
func newConv2D(cfg Conv2DConfig, filter, bias []float32, im impl) (*Conv2D, error) {
	s, err := cfg.conv2DShape()
	if err != nil {
		return nil, err
	}
	ep, err := checkWeights("Conv2D", cfg, filter, bias)
	if err != nil {
		return nil, err
	}
	// HWIO is already the row-major K×OutC matrix that multiplies the im2col rows.
	k := s.H.K * s.W.K * s.InC
	if alg := chooseAlgorithm(cfg.Algorithm, &s, im); alg == Winograd || alg == Winograd2x2 {
		return &Conv2D{shape: s, w: packedWeights{im: im, k: k, n: s.OutC}, ep: ep, wino: newWinogradConv(im, &s, filter, ep, alg)}, nil
	}
	w := packWeights(im, filter, s.OutC, false, k, s.OutC)
	c := &Conv2D{shape: s, w: w, ep: ep}
	if useIndirect(im, &s) {
		c.direct = newIndirectConv(im, &s, filter, ep)
	}
	return c, nil
}

// OutputSize returns the output height and width.
func (c *Conv2D) OutputSize() (outH, outW int) { return c.shape.H.Out, c.shape.W.Out }

// ParamCount returns the layer's parameters as Keras's model.summary() counts them: the
// filter's KH·KW·InC·OutC, plus OutC if it was built with a bias.
func (c *Conv2D) ParamCount() int { return c.w.k*c.w.n + c.ep.params(c.shape.OutC) }

// Forward computes dst (n×outH×outW×OutC, NHWC) from src (n×InH×InW×InC).
// Safe for concurrent use by several goroutines with their own src/dst.
// dst and src may be longer than that: Forward uses their prefixes, as BLAS does, so
// that one buffer sized for the largest batch serves every call.
//
// It is one GEMM, dst (n·outH·outW × OutC) = A·W, A the im2col of src: each row the
// receptive field of one output pixel. Where the ISA has an indirect convolution kernel
// and the kernel is not 1×1 with unit strides, that kernel reads A's rows straight from
// src, with bias and activation fused into its store. Otherwise A is lowered one cache
// block at a time into pooled scratch (for a 1×1 kernel with unit strides A is src
// itself) and the bias and activation are applied to each tile of dst as it is finished.
// A layer built for Winograd (Conv2DConfig.Algorithm, ConvAlgorithm) runs that instead.
func (c *Conv2D) Forward(dst, src []float32, n int) error {
	s := &c.shape
	dst, src, err := checkForward("Conv2D.Forward", "n", n, dst, src, s.H.Out*s.W.Out*s.OutC, s.H.In*s.W.In*s.InC,
		"n·outH·outW·OutC", "n·InH·InW·InC")
	if err != nil {
		return err
	}
	if c.wino != nil {
		c.wino.forward(c.w.im, s, dst, src, n)
		return nil
	}
	if c.direct != nil {
		c.direct.forward(&c.w, dst, src, n)
		return nil
	}
	m := n * s.H.Out * s.W.Out
	a := lhs{src: src, ld: s.InC, rows: m}
	if !isPointwise(s) {
		a.conv = s
	}
	c.w.multiply(a, m, dst, s.OutC, c.ep)
	return nil
}
