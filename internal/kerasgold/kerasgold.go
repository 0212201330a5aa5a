// Package kerasgold reads the golden test vectors in testdata/keras, produced
// by the Keras layers API of TensorFlow.js.
//
// A set of vectors lives in two files: NAME.json, an array of case
// descriptions, and NAME.bin, raw little-endian float32 values that every
// case's tensors point into by offset and length (counted in float32
// elements). Two sets exist: "cases" (Conv2D, Conv2DTranspose, Dense with
// linear or relu; Load) and "extra" (the other activations, LeakyReLU,
// Activation, Softmax and the pooling layers; LoadExtra).
//
// Layouts follow Keras (channels last):
//
//	Input   conv, pooling: [Batch][InH][InW][InC]      dense: [Batch][In]
//	        leaky_relu, activation, softmax: InShape (batch first)
//	Kernel  conv2d: [KH][KW][InC][OutC]
//	        conv2d_transpose: [KH][KW][OutC][InC]
//	        dense: [In][Out]
//	        nil for the layers without weights
//	Bias    [OutC] or [Out]; nil when UseBias is false
//	Output  OutShape, e.g. [Batch][OH][OW][OutC], [Batch][Out], [Batch][InC]
//	        (global_average_pooling2d) or InShape (elementwise, softmax)
package kerasgold

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
)

// Layer kinds.
const (
	Conv2D                 = "conv2d"
	Conv2DTranspose        = "conv2d_transpose"
	Dense                  = "dense"
	LeakyReLU              = "leaky_relu"               // InShape, Alpha
	ActivationLayer        = "activation"               // InShape, Activation
	Softmax                = "softmax"                  // InShape, Axis (always -1)
	MaxPooling2D           = "max_pooling2d"            // InH..InC, PoolH, PoolW, strides, Padding
	AveragePooling2D       = "average_pooling2d"        // as MaxPooling2D
	GlobalAveragePooling2D = "global_average_pooling2d" // InH, InW, InC
)

// hasWeights reports whether a layer kind has a kernel (and maybe a bias).
func hasWeights(layer string) bool {
	return layer == Conv2D || layer == Conv2DTranspose || layer == Dense
}

// Case is one golden vector: a layer configuration, its weights, an input
// and the output Keras (tfjs) computed for it.
type Case struct {
	Name  string
	Layer string // one of the layer kinds above
	Batch int

	// Convolution fields (Conv2D and Conv2DTranspose); pooling layers use
	// InH, InW, InC, StrideH, StrideW (resolved: Keras's strides=None is the
	// pool size) and Padding.
	InH, InW, InC, OutC int
	KH, KW              int
	StrideH, StrideW    int
	DilationH           int
	DilationW           int
	Padding             string // "valid" or "same"
	OutputPadding       []int  // nil: none (tfjs has no output_padding)

	// Dense fields.
	In, Out int

	// Pooling window (MaxPooling2D, AveragePooling2D).
	PoolH, PoolW int

	// Elementwise layers and Softmax: the input shape, batch first (2-D or
	// 4-D), the LeakyReLU slope for negative inputs and the softmax axis.
	InShape []int
	Alpha   float64
	Axis    int

	// Activation: "linear" or "relu" in "cases"; also "relu6", "sigmoid",
	// "tanh", "swish", "gelu" (exact, erf) and "softmax" (last axis) in "extra".
	Activation string
	UseBias    bool

	OutShape   []int // including the batch dimension
	ParamCount int   // model.countParams()

	Input, Kernel, Bias, Output []float32
}

type span struct {
	Offset int `json:"offset"`
	Length int `json:"length"`
}

type rawCase struct {
	Name          string  `json:"name"`
	Layer         string  `json:"layer"`
	Batch         int     `json:"batch"`
	InH           int     `json:"inH"`
	InW           int     `json:"inW"`
	InC           int     `json:"inC"`
	OutC          int     `json:"outC"`
	KH            int     `json:"kh"`
	KW            int     `json:"kw"`
	StrideH       int     `json:"strideH"`
	StrideW       int     `json:"strideW"`
	DilationH     int     `json:"dilationH"`
	DilationW     int     `json:"dilationW"`
	Padding       string  `json:"padding"`
	OutputPadding []int   `json:"outputPadding"`
	In            int     `json:"in"`
	Out           int     `json:"out"`
	PoolH         int     `json:"poolH"`
	PoolW         int     `json:"poolW"`
	InShape       []int   `json:"inShape"`
	Alpha         float64 `json:"alpha"`
	Axis          int     `json:"axis"`
	Activation    string  `json:"activation"`
	UseBias       bool    `json:"useBias"`
	OutShape      []int   `json:"outShape"`
	ParamCount    int     `json:"paramCount"`
	Input         *span   `json:"input"`
	Kernel        *span   `json:"kernel"`
	Bias          *span   `json:"bias"`
	Output        *span   `json:"output"`
}

// Load reads cases.json and cases.bin from dir: Conv2D, Conv2DTranspose and
// Dense with linear or relu activations.
func Load(dir string) ([]Case, error) {
	return LoadFile(dir, "cases")
}

// LoadExtra reads extra.json and extra.bin from dir: Conv2D and Dense with the
// other activations, and the LeakyReLU, Activation, Softmax, MaxPooling2D,
// AveragePooling2D and GlobalAveragePooling2D layers.
func LoadExtra(dir string) ([]Case, error) {
	return LoadFile(dir, "extra")
}

// LoadFile reads the set name (name.json and name.bin) from dir.
func LoadFile(dir, name string) ([]Case, error) {
	js, err := os.ReadFile(filepath.Join(dir, name+".json"))
	if err != nil {
		return nil, err
	}
	bin, err := os.ReadFile(filepath.Join(dir, name+".bin"))
	if err != nil {
		return nil, err
	}
	if len(bin)%4 != 0 {
		return nil, fmt.Errorf("kerasgold: %s.bin has %d bytes, not a multiple of 4", name, len(bin))
	}
	data := make([]float32, len(bin)/4)
	for i := range data {
		data[i] = math.Float32frombits(binary.LittleEndian.Uint32(bin[4*i:]))
	}

	var raws []rawCase
	if err := json.Unmarshal(js, &raws); err != nil {
		return nil, fmt.Errorf("kerasgold: %s.json: %w", name, err)
	}

	slice := func(cname, what string, s *span, required bool) ([]float32, error) {
		if s == nil {
			if required {
				return nil, fmt.Errorf("kerasgold: case %q: missing %s", cname, what)
			}
			return nil, nil
		}
		if s.Offset < 0 || s.Length < 0 || s.Offset+s.Length > len(data) {
			return nil, fmt.Errorf("kerasgold: case %q: %s [%d, +%d) outside %s.bin (%d floats)",
				cname, what, s.Offset, s.Length, name, len(data))
		}
		return data[s.Offset : s.Offset+s.Length : s.Offset+s.Length], nil
	}

	cases := make([]Case, 0, len(raws))
	for _, r := range raws {
		c := Case{
			Name: r.Name, Layer: r.Layer, Batch: r.Batch,
			InH: r.InH, InW: r.InW, InC: r.InC, OutC: r.OutC,
			KH: r.KH, KW: r.KW, StrideH: r.StrideH, StrideW: r.StrideW,
			DilationH: r.DilationH, DilationW: r.DilationW,
			Padding: r.Padding, OutputPadding: r.OutputPadding,
			In: r.In, Out: r.Out,
			PoolH: r.PoolH, PoolW: r.PoolW,
			InShape: r.InShape, Alpha: r.Alpha, Axis: r.Axis,
			Activation: r.Activation, UseBias: r.UseBias,
			OutShape: r.OutShape, ParamCount: r.ParamCount,
		}
		switch c.Layer {
		case Conv2D, Conv2DTranspose, Dense, LeakyReLU, ActivationLayer, Softmax,
			MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D:
		default:
			return nil, fmt.Errorf("kerasgold: case %q: unknown layer %q", c.Name, c.Layer)
		}
		if c.Input, err = slice(c.Name, "input", r.Input, true); err != nil {
			return nil, err
		}
		if c.Kernel, err = slice(c.Name, "kernel", r.Kernel, hasWeights(c.Layer)); err != nil {
			return nil, err
		}
		if c.Bias, err = slice(c.Name, "bias", r.Bias, c.UseBias); err != nil {
			return nil, err
		}
		if c.Output, err = slice(c.Name, "output", r.Output, true); err != nil {
			return nil, err
		}
		cases = append(cases, c)
	}
	return cases, nil
}
