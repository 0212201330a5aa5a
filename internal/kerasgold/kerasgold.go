// Package kerasgold reads the golden test vectors in testdata/keras, produced
// by the Keras layers API of TensorFlow.js (Conv2D, Conv2DTranspose, Dense).
//
// The vectors live in two files: cases.json, an array of case descriptions,
// and cases.bin, raw little-endian float32 values that every case's tensors
// point into by offset and length (counted in float32 elements).
//
// Layouts follow Keras (channels last):
//
//	Input   conv: [Batch][InH][InW][InC]      dense: [Batch][In]
//	Kernel  conv2d: [KH][KW][InC][OutC]
//	        conv2d_transpose: [KH][KW][OutC][InC]
//	        dense: [In][Out]
//	Bias    [OutC] or [Out]; nil when UseBias is false
//	Output  OutShape, i.e. [Batch][OH][OW][OutC] or [Batch][Out]
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
	Conv2D          = "conv2d"
	Conv2DTranspose = "conv2d_transpose"
	Dense           = "dense"
)

// Case is one golden vector: a layer configuration, its weights, an input
// and the output Keras (tfjs) computed for it.
type Case struct {
	Name  string
	Layer string // Conv2D, Conv2DTranspose or Dense
	Batch int

	// Convolution fields (Conv2D and Conv2DTranspose).
	InH, InW, InC, OutC int
	KH, KW              int
	StrideH, StrideW    int
	DilationH           int
	DilationW           int
	Padding             string // "valid" or "same"
	OutputPadding       []int  // nil: none (tfjs has no output_padding)

	// Dense fields.
	In, Out int

	Activation string // "linear" or "relu"
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
	Name          string `json:"name"`
	Layer         string `json:"layer"`
	Batch         int    `json:"batch"`
	InH           int    `json:"inH"`
	InW           int    `json:"inW"`
	InC           int    `json:"inC"`
	OutC          int    `json:"outC"`
	KH            int    `json:"kh"`
	KW            int    `json:"kw"`
	StrideH       int    `json:"strideH"`
	StrideW       int    `json:"strideW"`
	DilationH     int    `json:"dilationH"`
	DilationW     int    `json:"dilationW"`
	Padding       string `json:"padding"`
	OutputPadding []int  `json:"outputPadding"`
	In            int    `json:"in"`
	Out           int    `json:"out"`
	Activation    string `json:"activation"`
	UseBias       bool   `json:"useBias"`
	OutShape      []int  `json:"outShape"`
	ParamCount    int    `json:"paramCount"`
	Input         *span  `json:"input"`
	Kernel        *span  `json:"kernel"`
	Bias          *span  `json:"bias"`
	Output        *span  `json:"output"`
}

// Load reads cases.json and cases.bin from dir.
func Load(dir string) ([]Case, error) {
	js, err := os.ReadFile(filepath.Join(dir, "cases.json"))
	if err != nil {
		return nil, err
	}
	bin, err := os.ReadFile(filepath.Join(dir, "cases.bin"))
	if err != nil {
		return nil, err
	}
	if len(bin)%4 != 0 {
		return nil, fmt.Errorf("kerasgold: cases.bin has %d bytes, not a multiple of 4", len(bin))
	}
	data := make([]float32, len(bin)/4)
	for i := range data {
		data[i] = math.Float32frombits(binary.LittleEndian.Uint32(bin[4*i:]))
	}

	var raws []rawCase
	if err := json.Unmarshal(js, &raws); err != nil {
		return nil, fmt.Errorf("kerasgold: cases.json: %w", err)
	}

	slice := func(name, what string, s *span, required bool) ([]float32, error) {
		if s == nil {
			if required {
				return nil, fmt.Errorf("kerasgold: case %q: missing %s", name, what)
			}
			return nil, nil
		}
		if s.Offset < 0 || s.Length < 0 || s.Offset+s.Length > len(data) {
			return nil, fmt.Errorf("kerasgold: case %q: %s [%d, +%d) outside cases.bin (%d floats)",
				name, what, s.Offset, s.Length, len(data))
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
			Activation: r.Activation, UseBias: r.UseBias,
			OutShape: r.OutShape, ParamCount: r.ParamCount,
		}
		switch c.Layer {
		case Conv2D, Conv2DTranspose, Dense:
		default:
			return nil, fmt.Errorf("kerasgold: case %q: unknown layer %q", c.Name, c.Layer)
		}
		if c.Input, err = slice(c.Name, "input", r.Input, true); err != nil {
			return nil, err
		}
		if c.Kernel, err = slice(c.Name, "kernel", r.Kernel, true); err != nil {
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
