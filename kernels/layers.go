package kernels

import (
	"math"
	"strconv"

	"github.com/simdnn/simdnn/generic"
)

// Padding is a convolution's padding mode, with Keras semantics.
type Padding int

const (
	Valid Padding = iota // no padding: out = ceil((in - dilated_k + 1) / stride)
	Same                 // out = ceil(in / stride); any odd pad goes to the bottom/right
)

func (p Padding) String() string {
	switch p {
	case Valid:
		return "valid"
	case Same:
		return "same"
	}
	return "Padding(" + strconv.Itoa(int(p)) + ")"
}

// Activation is what a layer applies to each output after adding the bias, with the
// definition of the Keras activation of the same name. NaN stays NaN.
type Activation int

const (
	Linear      Activation = iota // the identity
	ReLU                          // max(x, 0)
	ReLU6                         // min(max(x, 0), 6)
	LeakyReLU                     // x, or 0.2·x below 0: Keras's "leaky_relu" (for other slopes see LeakyReLUAlpha)
	Sigmoid                       // 1/(1 + e^−x)
	Tanh                          // tanh(x)
	Swish                         // x·sigmoid(x): Keras's "swish", also named "silu"
	GELU                          // x·Φ(x) = x/2·(1 + erf(x/√2)): Keras's "gelu", approximate=False
	Softmax                       // e^x / Σ e^x over the last axis: a pixel's channels, a Dense row
	activations                   // the number of activations
)

// leakyReLUSlope is the slope of LeakyReLU below zero: Keras's default for the activation
// "leaky_relu" (keras.activations.leaky_relu, negative_slope=0.2).
const leakyReLUSlope = 0.2

var activationNames = [activations]string{"linear", "relu", "relu6", "leaky_relu", "sigmoid", "tanh", "swish", "gelu", "softmax"}

// String returns the activation's Keras name.
func (a Activation) String() string {
	if a.valid() {
		return activationNames[a]
	}
	return "Activation(" + strconv.Itoa(int(a)) + ")"
}

func (a Activation) valid() bool { return a >= Linear && a < activations }

// checkActivation returns an error naming field of layer unless a is an activation.
func checkActivation(layer, field string, a Activation) error {
	if !a.valid() {
		return layerErrorf(ErrConfig, "kernels: %s %s is %v, want one of Linear … Softmax", layer, field, a)
	}
	return nil
}

// Conv2DConfig is a Keras Conv2D layer's configuration (NHWC tensors, HWIO filter).
// Strides and dilations above 1 may be combined, which Keras refuses ("strides > 1 not
// supported in conjunction with dilation_rate > 1"); the layer is then the convolution
// its definition gives.
type Conv2DConfig struct {
	InH, InW, InC        int // input height, width, channels (NHWC)
	OutC                 int // filters
	KH, KW               int // kernel size
	StrideH, StrideW     int // 0 means 1
	DilationH, DilationW int // 0 means 1
	Padding              Padding
	Activation           Activation // applied after the bias
	// Algorithm chooses how a Conv2D computes (see ConvAlgorithm); the zero value,
	// AutoAlgorithm, lets NewConv2D choose. A Conv2DTranspose takes only AutoAlgorithm
	// or Direct, its one way.
	Algorithm ConvAlgorithm
}

// OutputSize returns the output height and width Keras gives the Conv2D layer, or (0, 0)
// when NewConv2D refuses cfg.
func (c Conv2DConfig) OutputSize() (outH, outW int) {
	s, err := c.conv2DShape()
	if err != nil {
		return 0, 0
	}
	return s.H.Out, s.W.Out
}

// ParamCount returns the number of parameters Keras's model.summary() counts for the
// layer: the filter's KH·KW·InC·OutC, plus OutC with a bias. A Conv2DTranspose counts
// the same, OutC being its filters.
func (c Conv2DConfig) ParamCount(useBias bool) int {
	n := c.KH * c.KW * c.InC * c.OutC
	if useBias {
		n += c.OutC
	}
	return n
}

// Limits on sizes, so that no index the layers compute overflows an int: a dimension is
// below 2^(bits/2 − 2), so that the product of two plus a few more fits (a dilated
// kernel, a transpose's output length); a tensor holds at most a sixteenth of an int's
// range, room for rounding up to whole tiles.
const (
	maxDim   = 1 << (strconv.IntSize/2 - 2)
	maxElems = math.MaxInt / 16
)

// product returns Π dims, or ok = false when it exceeds maxElems. dims are positive.
func product(dims ...int) (p int, ok bool) {
	p = 1
	for _, d := range dims {
		if p > maxElems/d {
			return 0, false
		}
		p *= d
	}
	return p, true
}

// normalized returns c with zero strides and dilations read as 1.
func (c Conv2DConfig) normalized() Conv2DConfig {
	for _, v := range []*int{&c.StrideH, &c.StrideW, &c.DilationH, &c.DilationW} {
		if *v == 0 {
			*v = 1
		}
	}
	return c
}

// check validates the fields that Conv2D and Conv2DTranspose share; layer names the
// layer in the error.
func (c Conv2DConfig) check(layer string) error {
	for _, f := range []struct {
		name  string
		value int
		min   int
	}{
		{"InH", c.InH, 1}, {"InW", c.InW, 1}, {"InC", c.InC, 1}, {"OutC", c.OutC, 1},
		{"KH", c.KH, 1}, {"KW", c.KW, 1},
		{"StrideH", c.StrideH, 0}, {"StrideW", c.StrideW, 0},
		{"DilationH", c.DilationH, 0}, {"DilationW", c.DilationW, 0},
	} {
		switch {
		case f.value < f.min && f.min == 0:
			return layerErrorf(ErrConfig, "kernels: %s %s is %d, want ≥ 1 (or 0, meaning 1)", layer, f.name, f.value)
		case f.value < f.min:
			return layerErrorf(ErrConfig, "kernels: %s %s is %d, want ≥ 1", layer, f.name, f.value)
		case f.value > maxDim:
			return layerErrorf(ErrConfig, "kernels: %s %s is %d, larger than the limit %d", layer, f.name, f.value, maxDim)
		}
	}
	if c.Padding != Valid && c.Padding != Same {
		return layerErrorf(ErrConfig, "kernels: %s Padding is %v, want Valid or Same", layer, c.Padding)
	}
	if err := checkActivation(layer, "Activation", c.Activation); err != nil {
		return err
	}
	if _, ok := product(c.KH, c.KW, c.InC, c.OutC); !ok {
		return layerErrorf(ErrConfig, "kernels: %s filter of KH·KW·InC·OutC = %d·%d·%d·%d values is too large", layer, c.KH, c.KW, c.InC, c.OutC)
	}
	return nil
}

// conv2DShape validates c as a Conv2D and returns its shape.
func (c Conv2DConfig) conv2DShape() (generic.Conv, error) {
	if err := c.check("Conv2D"); err != nil {
		return generic.Conv{}, err
	}
	n := c.normalized()
	same := n.Padding == Same
	s := generic.Conv{
		InC: n.InC, OutC: n.OutC,
		H: generic.ConvAxis(n.InH, n.KH, n.StrideH, n.DilationH, same),
		W: generic.ConvAxis(n.InW, n.KW, n.StrideW, n.DilationW, same),
	}
	if s.H.Out <= 0 {
		return s, layerErrorf(ErrConfig, "kernels: Conv2D kernel height %d (dilated) is larger than InH %d with Valid padding", s.H.DilatedK(), c.InH)
	}
	if s.W.Out <= 0 {
		return s, layerErrorf(ErrConfig, "kernels: Conv2D kernel width %d (dilated) is larger than InW %d with Valid padding", s.W.DilatedK(), c.InW)
	}
	if err := c.checkAlgorithm(&s); err != nil {
		return s, err
	}
	return s, checkTensors("Conv2D", s)
}

// checkTensors refuses shapes whose input or output tensors exceed maxElems.
func checkTensors(layer string, s generic.Conv) error {
	if _, ok := product(s.H.In, s.W.In, s.InC); !ok {
		return layerErrorf(ErrConfig, "kernels: %s convolution input %d×%d×%d is too large", layer, s.H.In, s.W.In, s.InC)
	}
	if _, ok := product(s.H.Out, s.W.Out, s.OutC); !ok {
		return layerErrorf(ErrConfig, "kernels: %s convolution output %d×%d×%d is too large", layer, s.H.Out, s.W.Out, s.OutC)
	}
	return nil
}

// Conv2DTransposeConfig: InC is the layer's input channels, OutC its filters.
type Conv2DTransposeConfig struct {
	Conv2DConfig
	OutputPadding []int // Keras output_padding {rows, cols}; nil means Keras's None
}

// OutputSize returns the output height and width Keras gives the Conv2DTranspose layer,
// or (0, 0) when NewConv2DTranspose refuses cfg. (It hides the embedded Conv2DConfig's
// method, which would give the size of a Conv2D.)
func (c Conv2DTransposeConfig) OutputSize() (outH, outW int) {
	s, err := c.forwardShape()
	if err != nil {
		return 0, 0
	}
	return s.H.In, s.W.In
}

// forwardShape validates c and returns the shape of the Conv2D that the layer is the
// adjoint of: it maps the transpose's output (H.In×W.In×InC = the layer's filters) to
// its input (H.Out×W.Out×OutC = the layer's input channels).
func (c Conv2DTransposeConfig) forwardShape() (generic.Conv, error) {
	if err := c.check("Conv2DTranspose"); err != nil {
		return generic.Conv{}, err
	}
	if err := checkTransposeAlgorithm(c.Algorithm); err != nil {
		return generic.Conv{}, err
	}
	n := c.normalized()
	opH, opW := generic.NoOutputPadding, generic.NoOutputPadding
	if c.OutputPadding != nil {
		if len(c.OutputPadding) != 2 {
			return generic.Conv{}, layerErrorf(ErrConfig, "kernels: Conv2DTranspose OutputPadding has %d values, want 2 {rows, cols} or nil", len(c.OutputPadding))
		}
		// Keras's own check: output_padding must be smaller than the stride.
		for i, stride := range []int{n.StrideH, n.StrideW} {
			if op := c.OutputPadding[i]; op < 0 || op >= stride {
				return generic.Conv{}, layerErrorf(ErrConfig, "kernels: Conv2DTranspose OutputPadding[%d] is %d, want 0 ≤ it < stride %d (Keras requires output_padding < strides)", i, op, stride)
			}
		}
		opH, opW = c.OutputPadding[0], c.OutputPadding[1]
	}
	same := n.Padding == Same
	h, okH := generic.TransposeAxis(n.InH, n.KH, n.StrideH, n.DilationH, same, opH)
	w, okW := generic.TransposeAxis(n.InW, n.KW, n.StrideW, n.DilationW, same, opW)
	s := generic.Conv{InC: n.OutC, OutC: n.InC, H: h, W: w}
	for _, a := range []struct {
		name string
		ok   bool
		axis generic.Axis
		in   int
	}{{"height", okH, h, n.InH}, {"width", okW, w, n.InW}} {
		if !a.ok {
			return s, layerErrorf(ErrConfig, "kernels: Conv2DTranspose OutputPadding %v gives output %s %d, which a forward convolution maps to %d, not to the input's %d (TensorFlow refuses this layer too)",
				c.OutputPadding, a.name, a.axis.In, a.axis.Out, a.in)
		}
	}
	return s, checkTensors("Conv2DTranspose", s)
}

// checkWeights checks the lengths of a convolution layer's filter (KH·KW·InC·OutC values
// in either layout) and bias (OutC values, the layer's filters, or nil), and returns the
// layer's epilogue, holding a copy of the bias.
func checkWeights(layer string, cfg Conv2DConfig, filter, bias []float32) (epilogue, error) {
	if want := cfg.ParamCount(false); len(filter) != want {
		return epilogue{}, layerErrorf(ErrWeights, "kernels: %s filter has %d values, want %d (KH·KW·InC·OutC)", layer, len(filter), want)
	}
	return newEpilogue(layer, bias, cfg.OutC, "OutC", cfg.Activation)
}

// isPointwise reports whether the convolution s maps each input pixel to the output pixel
// at the same place and nothing else (1×1 kernel, unit strides, hence no padding): then
// it is a matrix product on the pixels, in place.
func isPointwise(s *generic.Conv) bool {
	return s.H.K == 1 && s.W.K == 1 && s.H.Stride == 1 && s.W.Stride == 1
}

// checkForward validates a Forward call: n (named nName) positive, and dst and src of
// at least n·dstPer and n·srcPer values, their shapes spelled out by dstDims and
// srcDims. It returns the prefixes of dst and src that the call uses: as with BLAS
// slices, longer ones are fine, so that one buffer sized for the largest batch serves
// every call, and nothing past the prefix is read or written.
func checkForward(call, nName string, n int, dst, src []float32, dstPer, srcPer int, dstDims, srcDims string) (dstUsed, srcUsed []float32, err error) {
	switch {
	case n <= 0:
		return nil, nil, layerErrorf(ErrShape, "kernels: %s %s is %d, want ≥ 1", call, nName, n)
	case n > maxElems/max(dstPer, srcPer):
		return nil, nil, layerErrorf(ErrShape, "kernels: %s %s is %d, too large", call, nName, n)
	case len(src) < n*srcPer:
		return nil, nil, layerErrorf(ErrShape, "kernels: %s src has %d values, want %d (%s)", call, len(src), n*srcPer, srcDims)
	case len(dst) < n*dstPer:
		return nil, nil, layerErrorf(ErrShape, "kernels: %s dst has %d values, want %d (%s)", call, len(dst), n*dstPer, dstDims)
	}
	return dst[:n*dstPer], src[:n*srcPer], nil
}
