package keras

import (
	"slices"
	"testing"

	"github.com/simdnn/simdnn/internal/kerasgold"
)

// goldenModel writes the layer of a golden case as the only layer of a TF.js Sequential
// model, with its weights, the config as TF.js serialises it.
func goldenModel(t *testing.T, c kerasgold.Case) savedModel {
	cfg := map[string]any{"name": "layer", "trainable": true, "dtype": "float32"}
	var class string
	var in []int
	s := savedModel{}
	switch c.Layer {
	case kerasgold.Conv2D, kerasgold.Conv2DTranspose:
		class = "Conv2D"
		kernel := []int{c.KH, c.KW, c.InC, c.OutC}
		if c.Layer == kerasgold.Conv2DTranspose {
			class = "Conv2DTranspose"
			kernel = []int{c.KH, c.KW, c.OutC, c.InC}
			if c.OutputPadding != nil {
				cfg["output_padding"] = c.OutputPadding
			}
		}
		in = []int{c.InH, c.InW, c.InC}
		cfg["filters"] = c.OutC
		cfg["kernel_size"] = []int{c.KH, c.KW}
		cfg["strides"] = []int{c.StrideH, c.StrideW}
		cfg["dilation_rate"] = []int{c.DilationH, c.DilationW}
		cfg["padding"] = c.Padding
		cfg["data_format"] = "channels_last"
		cfg["activation"] = c.Activation
		cfg["use_bias"] = c.UseBias
		s.weights = append(s.weights, savedWeight{"layer/kernel", kernel, c.Kernel})
		if c.UseBias {
			s.weights = append(s.weights, savedWeight{"layer/bias", []int{c.OutC}, c.Bias})
		}
	case kerasgold.Dense:
		class, in = "Dense", []int{c.In}
		cfg["units"] = c.Out
		cfg["activation"] = c.Activation
		cfg["use_bias"] = c.UseBias
		s.weights = append(s.weights, savedWeight{"layer/kernel", []int{c.In, c.Out}, c.Kernel})
		if c.UseBias {
			s.weights = append(s.weights, savedWeight{"layer/bias", []int{c.Out}, c.Bias})
		}
	case kerasgold.LeakyReLU:
		class, in = "LeakyReLU", c.InShape[1:]
		cfg["alpha"] = c.Alpha
	case kerasgold.ActivationLayer:
		class, in = "Activation", c.InShape[1:]
		cfg["activation"] = c.Activation
	case kerasgold.Softmax:
		class, in = "Softmax", c.InShape[1:]
		cfg["axis"] = c.Axis
	case kerasgold.MaxPooling2D, kerasgold.AveragePooling2D:
		class, in = "MaxPooling2D", []int{c.InH, c.InW, c.InC}
		if c.Layer == kerasgold.AveragePooling2D {
			class = "AveragePooling2D"
		}
		cfg["pool_size"] = []int{c.PoolH, c.PoolW}
		cfg["strides"] = []int{c.StrideH, c.StrideW}
		cfg["padding"] = c.Padding
		cfg["data_format"] = "channels_last"
	case kerasgold.GlobalAveragePooling2D:
		class, in = "GlobalAveragePooling2D", []int{c.InH, c.InW, c.InC}
		cfg["data_format"] = "channels_last"
	default:
		t.Fatalf("%s: unknown layer %q", c.Name, c.Layer)
	}
	batchInput := append([]any{nil}, anys(in)...)
	cfg["batch_input_shape"] = batchInput
	s.layers = []map[string]any{layerEntry(class, cfg)}
	return s
}

func anys(v []int) []any {
	a := make([]any, len(v))
	for i, x := range v {
		a[i] = x
	}
	return a
}

// TestGolden runs every golden case of testdata/keras (TF.js 4.22's outputs) as a
// one-layer model read from model.json: each layer class's config fields and weight
// layouts map onto simdnn's layers as TF.js reads them. The kernels package bounds the
// layers' rounding errors; here a wrong mapping (a transposed kernel, a swapped stride)
// gives errors of the size of the outputs, far above 1e-4 of them.
func TestGolden(t *testing.T) {
	var cases []kerasgold.Case
	for _, set := range []string{"cases", "extra"} {
		cs, err := kerasgold.LoadFile("../testdata/keras", set)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, cs...)
	}
	seen := map[string]bool{}
	for _, c := range cases {
		m, err := LoadFS(goldenModel(t, c).fs(t), "model.json")
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if got, want := m.OutputShape(), c.OutShape[1:]; !slices.Equal(got, want) {
			t.Fatalf("%s: output shape %v, want %v", c.Name, got, want)
		}
		if got := m.ParamCount(); got != c.ParamCount {
			t.Fatalf("%s: %d params, want %d", c.Name, got, c.ParamCount)
		}
		dst := make([]float32, c.Batch*m.OutputSize())
		if err := m.Predict(dst, c.Input, c.Batch); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		within(t, c.Name, dst, c.Output, 1e-4)
		seen[c.Layer] = true
	}
	if len(seen) != 9 {
		t.Fatalf("golden cases cover %d layer kinds, want 9: %v", len(seen), seen)
	}
}
