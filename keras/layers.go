package keras

import (
	"encoding/json"
	"math"

	"github.com/simdnn/simdnn/kernels"
)

// layer is one layer of a loaded model.
type layer struct {
	name, class string
	out         shape
	params      int
	trainable   bool
	// run computes the layer's output for batch examples; nil for the layers that are
	// identities at inference (Dropout, Flatten), which leave the data where it is, and
	// for an activation fused into the layer before.
	run func(dst, src []float32, batch int) error
	// act is the activation of an elementwise layer (Activation, Softmax, ReLU,
	// LeakyReLU of slope 0.2) when hasAct, which the layer before may fuse.
	act    kernels.Activation
	hasAct bool
	// fuse, on a Conv2D, Conv2DTranspose or Dense built with the linear activation,
	// returns the layer's run with act applied in its store instead; nil once loaded.
	fuse func(act kernels.Activation) (func(dst, src []float32, batch int) error, error)
}

// builder makes a layer from its config c, its input shape in and the model's weights.
type builder func(c *config, in shape, ws *weightSet) (layer, error)

// builders are the layer classes the package runs, by class_name.
var builders = map[string]builder{
	"Conv2D":                 buildConv2D,
	"Conv2DTranspose":        buildConv2DTranspose,
	"Dense":                  buildDense,
	"MaxPooling2D":           buildPool2D,
	"AveragePooling2D":       buildPool2D,
	"GlobalAveragePooling2D": buildGlobalAveragePooling2D,
	"Flatten":                buildFlatten,
	"Dropout":                buildIdentity,
	"SpatialDropout2D":       buildIdentity,
	"Activation":             buildActivation,
	"Softmax":                buildSoftmax,
	"ReLU":                   buildReLU,
	"LeakyReLU":              buildLeakyReLU,
}

// Aliases Keras accepts for some classes.
var classAliases = map[string]string{
	"Convolution2D":   "Conv2D",
	"Deconvolution2D": "Conv2DTranspose",
	"MaxPool2D":       "MaxPooling2D",
	"AvgPool2D":       "AveragePooling2D",
	"GlobalAvgPool2D": "GlobalAveragePooling2D",
}

// supportedClasses lists the classes for error messages.
func supportedClasses() string {
	return "InputLayer, Conv2D, Conv2DTranspose, Dense, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, Flatten, Dropout, SpatialDropout2D, Activation, Softmax, ReLU, LeakyReLU"
}

// activations maps Keras's activation names (TF.js's and Keras 3's) to simdnn's.
var activations = map[string]kernels.Activation{
	"linear":     kernels.Linear,
	"relu":       kernels.ReLU,
	"relu6":      kernels.ReLU6,
	"leaky_relu": kernels.LeakyReLU, // Keras 3's activation, slope 0.2
	"sigmoid":    kernels.Sigmoid,
	"tanh":       kernels.Tanh,
	"swish":      kernels.Swish,
	"silu":       kernels.Swish,
	"gelu":       kernels.GELU, // approximate=False, as Keras's default and TF.js's "gelu"
	"softmax":    kernels.Softmax,
}

// activation reads the field "activation": absent or null is linear, as in Keras.
func (c *config) activation() (kernels.Activation, error) {
	r := c.raw("activation")
	if r == nil {
		return kernels.Linear, nil
	}
	var name string
	if err := c.decode("activation", &name, "an activation name"); err != nil {
		return 0, err
	}
	a, ok := activations[name]
	if !ok {
		return 0, c.errorf(ErrUnsupported, "activation", "%q is not supported (simdnn has %s)", name, activationNames())
	}
	return a, nil
}

func activationNames() string {
	return "linear, relu, relu6, leaky_relu, sigmoid, tanh, swish, silu, gelu, softmax"
}

// common reads the fields every layer may have and returns the layer with its name,
// class and trainability.
func (c *config) common() (layer, error) {
	if err := c.dtype(); err != nil {
		return layer{}, err
	}
	trainable, err := c.boolean("trainable", true)
	return layer{name: c.name, class: c.class, trainable: trainable}, err
}

// image checks that in is an NHWC image and returns its height, width and channels.
func (c *config) image(in shape) (h, w, ch int, err error) {
	if len(in) != 3 {
		return 0, 0, 0, c.errorf(ErrUnsupported, "input shape", "%v is not an image: want (None, height, width, channels) (NHWC)", in)
	}
	return in[0], in[1], in[2], nil
}

// padding reads "padding": valid or same.
func (c *config) padding() (kernels.Padding, error) {
	p, err := c.enum("padding", "simdnn has valid and same", "valid", "same")
	if p == "same" {
		return kernels.Same, err
	}
	return kernels.Valid, err
}

// wrap turns an error of the kernels package into one naming the layer.
func (c *config) wrap(err error) error {
	return &Error{Layer: c.name, Class: c.class, Msg: "simdnn refuses the layer", Kind: ErrUnsupported, Err: err}
}

// convConfig reads what Conv2D and Conv2DTranspose share.
func (c *config) convConfig(in shape) (cfg kernels.Conv2DConfig, useBias bool, err error) {
	if cfg.InH, cfg.InW, cfg.InC, err = c.image(in); err != nil {
		return cfg, false, err
	}
	if err = c.dataFormat(); err != nil {
		return cfg, false, err
	}
	if cfg.OutC, err = c.positive("filters"); err != nil {
		return cfg, false, err
	}
	k, ok, err := c.pair("kernel_size", [2]int{})
	if err != nil {
		return cfg, false, err
	}
	if !ok {
		return cfg, false, c.errorf(ErrFormat, "kernel_size", "missing")
	}
	s, _, err := c.pair("strides", [2]int{1, 1})
	if err != nil {
		return cfg, false, err
	}
	d, _, err := c.pair("dilation_rate", [2]int{1, 1})
	if err != nil {
		return cfg, false, err
	}
	if (s[0] > 1 || s[1] > 1) && (d[0] > 1 || d[1] > 1) {
		return cfg, false, c.errorf(ErrUnsupported, "dilation_rate", "%v with strides %v is not supported (Keras refuses strides > 1 with dilation_rate > 1)", d, s)
	}
	cfg.KH, cfg.KW, cfg.StrideH, cfg.StrideW, cfg.DilationH, cfg.DilationW = k[0], k[1], s[0], s[1], d[0], d[1]
	if cfg.Padding, err = c.padding(); err != nil {
		return cfg, false, err
	}
	if cfg.Activation, err = c.activation(); err != nil {
		return cfg, false, err
	}
	var groups float64
	if groups, err = c.number("groups", 1); err == nil && groups != 1 {
		err = c.errorf(ErrUnsupported, "groups", "%v is not supported (simdnn has groups = 1)", groups)
	}
	if err != nil {
		return cfg, false, err
	}
	useBias, err = c.boolean("use_bias", true)
	return cfg, useBias, err
}

// bias takes the layer's bias of n values, if it has one.
func (c *config) bias(ws *weightSet, useBias bool, n int) ([]float32, error) {
	if !useBias {
		return nil, nil
	}
	return ws.take(c, "bias", []int{n})
}

func buildConv2D(c *config, in shape, ws *weightSet) (layer, error) {
	l, err := c.common()
	if err != nil {
		return l, err
	}
	cfg, useBias, err := c.convConfig(in)
	if err != nil {
		return l, err
	}
	if h, w := cfg.OutputSize(); h == 0 || w == 0 {
		// The configuration is refused: let the kernels package say why.
		_, err := kernels.NewConv2D(cfg, nil, nil)
		return l, c.wrap(err)
	}
	kernel, err := ws.take(c, "kernel", []int{cfg.KH, cfg.KW, cfg.InC, cfg.OutC})
	if err != nil {
		return l, err
	}
	bias, err := c.bias(ws, useBias, cfg.OutC)
	if err != nil {
		return l, err
	}
	conv, err := kernels.NewConv2D(cfg, kernel, bias)
	if err != nil {
		return l, c.wrap(err)
	}
	h, w := conv.OutputSize()
	l.out, l.params, l.run = shape{h, w, cfg.OutC}, conv.ParamCount(), conv.Forward
	if cfg.Activation == kernels.Linear {
		l.fuse = func(act kernels.Activation) (func(dst, src []float32, batch int) error, error) {
			cfg.Activation = act
			conv, err := kernels.NewConv2D(cfg, kernel, bias)
			if err != nil {
				return nil, err
			}
			return conv.Forward, nil
		}
	}
	return l, nil
}

func buildConv2DTranspose(c *config, in shape, ws *weightSet) (layer, error) {
	l, err := c.common()
	if err != nil {
		return l, err
	}
	conv, useBias, err := c.convConfig(in)
	if err != nil {
		return l, err
	}
	cfg := kernels.Conv2DTransposeConfig{Conv2DConfig: conv}
	if c.has("output_padding") {
		op, err := c.pairAllowZero("output_padding")
		if err != nil {
			return l, err
		}
		cfg.OutputPadding = op[:]
	}
	if h, w := cfg.OutputSize(); h == 0 || w == 0 {
		_, err := kernels.NewConv2DTranspose(cfg, nil, nil)
		return l, c.wrap(err)
	}
	// Keras's Conv2DTranspose kernel is [kh][kw][filters][in], which is what
	// NewConv2DTranspose takes.
	kernel, err := ws.take(c, "kernel", []int{cfg.KH, cfg.KW, cfg.OutC, cfg.InC})
	if err != nil {
		return l, err
	}
	bias, err := c.bias(ws, useBias, cfg.OutC)
	if err != nil {
		return l, err
	}
	t, err := kernels.NewConv2DTranspose(cfg, kernel, bias)
	if err != nil {
		return l, c.wrap(err)
	}
	h, w := t.OutputSize()
	l.out, l.params, l.run = shape{h, w, cfg.OutC}, t.ParamCount(), t.Forward
	if cfg.Activation == kernels.Linear {
		l.fuse = func(act kernels.Activation) (func(dst, src []float32, batch int) error, error) {
			cfg.Activation = act
			t, err := kernels.NewConv2DTranspose(cfg, kernel, bias)
			if err != nil {
				return nil, err
			}
			return t.Forward, nil
		}
	}
	return l, nil
}

// pairAllowZero reads a pair of integers ≥ 0 (output_padding): an integer or a list of 2.
func (c *config) pairAllowZero(field string) ([2]int, error) {
	r := c.raw(field)
	var list []int
	var one int
	switch {
	case json2(r, &one):
		list = []int{one, one}
	case !json2(r, &list) || len(list) != 2:
		return [2]int{}, c.errorf(ErrFormat, field, "is %s, want an integer or a list of 2", clip(r))
	}
	for _, v := range list {
		if v < 0 || v > maxDim {
			return [2]int{}, c.errorf(ErrFormat, field, "is %s, want values from 0 to %d", clip(r), maxDim)
		}
	}
	return [2]int{list[0], list[1]}, nil
}

func buildDense(c *config, in shape, ws *weightSet) (layer, error) {
	l, err := c.common()
	if err != nil {
		return l, err
	}
	units, err := c.positive("units")
	if err != nil {
		return l, err
	}
	act, err := c.activation()
	if err != nil {
		return l, err
	}
	useBias, err := c.boolean("use_bias", true)
	if err != nil {
		return l, err
	}
	// Keras's Dense multiplies the last axis; the others are rows, as the batch.
	inputs := in[len(in)-1]
	rows := in[:len(in)-1].size()
	out := append(shape{}, in...)
	out[len(out)-1] = units
	if _, ok := out.sizeOK(); !ok {
		return l, c.errorf(ErrUnsupported, "units", "output shape %v is too large", out)
	}
	kernel, err := ws.take(c, "kernel", []int{inputs, units})
	if err != nil {
		return l, err
	}
	bias, err := c.bias(ws, useBias, units)
	if err != nil {
		return l, err
	}
	dense := func(act kernels.Activation) (func(dst, src []float32, batch int) error, error) {
		d, err := kernels.NewDense(inputs, units, kernel, bias, act)
		if err != nil {
			return nil, err
		}
		if rows > 1 {
			return func(dst, src []float32, batch int) error { return d.Forward(dst, src, batch*rows) }, nil
		}
		return d.Forward, nil
	}
	if l.run, err = dense(act); err != nil {
		return l, c.wrap(err)
	}
	l.out, l.params = out, inputs*units
	if useBias {
		l.params += units
	}
	if act == kernels.Linear {
		l.fuse = dense
	}
	return l, nil
}

func buildPool2D(c *config, in shape, _ *weightSet) (layer, error) {
	l, err := c.common()
	if err != nil {
		return l, err
	}
	var cfg kernels.Pool2DConfig
	if cfg.InH, cfg.InW, cfg.C, err = c.image(in); err != nil {
		return l, err
	}
	if err = c.dataFormat(); err != nil {
		return l, err
	}
	p, _, err := c.pair("pool_size", [2]int{2, 2})
	if err != nil {
		return l, err
	}
	s, _, err := c.pair("strides", [2]int{}) // None: the pool size
	if err != nil {
		return l, err
	}
	cfg.PoolH, cfg.PoolW, cfg.StrideH, cfg.StrideW = p[0], p[1], s[0], s[1]
	if cfg.Padding, err = c.padding(); err != nil {
		return l, err
	}
	var forward func(dst, src []float32, n int) error
	if c.class == "MaxPooling2D" {
		m, e := kernels.NewMaxPooling2D(cfg)
		if e == nil {
			forward = m.Forward
		}
		err = e
	} else {
		a, e := kernels.NewAveragePooling2D(cfg)
		if e == nil {
			forward = a.Forward
		}
		err = e
	}
	if err != nil {
		return l, c.wrap(err)
	}
	h, w := cfg.OutputSize()
	l.out, l.run = shape{h, w, cfg.C}, forward
	return l, nil
}

func buildGlobalAveragePooling2D(c *config, in shape, _ *weightSet) (layer, error) {
	l, err := c.common()
	if err != nil {
		return l, err
	}
	h, w, ch, err := c.image(in)
	if err != nil {
		return l, err
	}
	if err = c.dataFormat(); err != nil {
		return l, err
	}
	keep, err := c.boolean("keepdims", false)
	if err != nil {
		return l, err
	}
	g, err := kernels.NewGlobalAveragePooling2D(h, w, ch)
	if err != nil {
		return l, c.wrap(err)
	}
	l.out, l.run = shape{ch}, g.Forward
	if keep {
		l.out = shape{1, 1, ch}
	}
	return l, nil
}

func buildFlatten(c *config, in shape, _ *weightSet) (layer, error) {
	l, err := c.common()
	if err != nil {
		return l, err
	}
	// NHWC memory order is Keras's channels_last flatten order: nothing moves.
	if err = c.dataFormat(); err != nil {
		return l, err
	}
	l.out = shape{in.size()}
	return l, nil
}

func buildIdentity(c *config, in shape, _ *weightSet) (layer, error) {
	l, err := c.common()
	l.out = in
	return l, err
}

// elementwise returns a layer that applies act over the last axis of in.
func elementwise(l layer, in shape, act kernels.Activation) layer {
	cols := in[len(in)-1]
	rows := in.size() / cols
	l.out, l.act, l.hasAct = in, act, true
	l.run = func(dst, src []float32, batch int) error {
		return kernels.Activate(dst, src, batch*rows, cols, act)
	}
	return l
}

func buildActivation(c *config, in shape, _ *weightSet) (layer, error) {
	l, err := c.common()
	if err != nil {
		return l, err
	}
	if !c.has("activation") {
		return l, c.errorf(ErrFormat, "activation", "missing")
	}
	act, err := c.activation()
	if err != nil {
		return l, err
	}
	return elementwise(l, in, act), nil
}

func buildSoftmax(c *config, in shape, _ *weightSet) (layer, error) {
	l, err := c.common()
	if err != nil {
		return l, err
	}
	// axis: -1, or the last axis counted with the batch, or a list of one of those.
	if r := c.raw("axis"); r != nil {
		var axis int
		var list []int
		if json2(r, &list) && len(list) == 1 {
			axis = list[0]
		} else if !json2(r, &axis) {
			return l, c.errorf(ErrFormat, "axis", "is %s, want an integer", clip(r))
		}
		if axis != -1 && axis != len(in) {
			return l, c.errorf(ErrUnsupported, "axis", "%s is not supported (simdnn normalises over the last axis, -1)", clip(r))
		}
	}
	return elementwise(l, in, kernels.Softmax), nil
}

func buildReLU(c *config, in shape, _ *weightSet) (layer, error) {
	l, err := c.common()
	if err != nil {
		return l, err
	}
	act := kernels.ReLU
	maxValue, err := c.number("max_value", math.Inf(1))
	if err != nil {
		return l, err
	}
	switch maxValue {
	case math.Inf(1):
	case 6:
		act = kernels.ReLU6
	default:
		return l, c.errorf(ErrUnsupported, "max_value", "%v is not supported (simdnn has none, or 6)", maxValue)
	}
	for _, f := range []string{"negative_slope", "threshold"} {
		v, err := c.number(f, 0)
		if err != nil {
			return l, err
		}
		if v != 0 {
			return l, c.errorf(ErrUnsupported, f, "%v is not supported (simdnn has 0)", v)
		}
	}
	return elementwise(l, in, act), nil
}

func buildLeakyReLU(c *config, in shape, _ *weightSet) (layer, error) {
	l, err := c.common()
	if err != nil {
		return l, err
	}
	// TF.js and Keras 2 name the slope alpha, Keras 3 negative_slope; the default is 0.3.
	field := "alpha"
	if !c.has(field) && c.has("negative_slope") {
		field = "negative_slope"
	}
	alpha, err := c.number(field, 0.3)
	if err != nil {
		return l, err
	}
	if math.IsNaN(alpha) || math.IsInf(alpha, 0) {
		return l, c.errorf(ErrFormat, field, "is %v, want a finite number", alpha)
	}
	a, n := float32(alpha), in.size()
	l.out = in
	l.run = func(dst, src []float32, batch int) error { return kernels.LeakyReLUAlpha(dst, src, batch*n, a) }
	// The activation LeakyReLU has Keras's slope for the activation, 0.2.
	l.act, l.hasAct = kernels.LeakyReLU, a == 0.2
	return l, nil
}

// unknownClass is the error for a class the package does not run.
func unknownClass(c *config) error {
	return c.errorf(ErrUnsupported, "class_name", "%q is not supported (simdnn runs %s)", c.class, supportedClasses())
}

// json2 reports whether r unmarshals into v.
func json2(r json.RawMessage, v any) bool { return json.Unmarshal(r, v) == nil }
