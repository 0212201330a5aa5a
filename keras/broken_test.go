package keras

import (
	"encoding/json"
	"errors"
	"io/fs"
	"regexp"
	"slices"
	"testing"
	"testing/fstest"
)

// tiny is a small model to break: 6×6×1 images → Conv2D(2, 3×3) → Flatten → Dense(3).
func tiny() savedModel {
	r := rng(7)
	return savedModel{
		layers: []map[string]any{
			layerEntry("Conv2D", map[string]any{"name": "conv", "batch_input_shape": []any{nil, 6, 6, 1}, "filters": 2,
				"kernel_size": []int{3, 3}, "strides": []int{1, 1}, "padding": "valid", "data_format": "channels_last",
				"dilation_rate": []int{1, 1}, "activation": "relu", "use_bias": true, "dtype": "float32"}),
			layerEntry("Flatten", map[string]any{"name": "flat"}),
			layerEntry("Dense", map[string]any{"name": "dense", "units": 3, "activation": "softmax", "use_bias": true}),
		},
		weights: []savedWeight{
			{"conv/kernel", []int{3, 3, 1, 2}, r.fill(18)},
			{"conv/bias", []int{2}, r.fill(2)},
			{"dense/kernel", []int{32, 3}, r.fill(96)},
			{"dense/bias", []int{3}, r.fill(3)},
		},
		shards: 2,
	}
}

// doc returns tiny's model.json as generic JSON, to edit.
func doc(t *testing.T) map[string]any {
	js, err := json.Marshal(tiny().modelJSON())
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := json.Unmarshal(js, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// layerConfig returns the config of layer i in d.
func layerConfig(d map[string]any, i int) map[string]any {
	layers := d["modelTopology"].(map[string]any)["config"].(map[string]any)["layers"].([]any)
	return layers[i].(map[string]any)["config"].(map[string]any)
}

// firstWeight returns the first weight spec of d's manifest.
func weightSpecs(d map[string]any) []any {
	return d["weightsManifest"].([]any)[0].(map[string]any)["weights"].([]any)
}

// TestBroken loads broken variants of tiny: each an *Error of the right kind, naming
// the layer and the field at fault, and no panic.
func TestBroken(t *testing.T) {
	if _, err := LoadFS(tiny().fs(t), "model.json"); err != nil {
		t.Fatalf("the unbroken model: %v", err)
	}
	for _, c := range []struct {
		name         string
		edit         func(d map[string]any) // edits model.json
		files        func(f fstest.MapFS)   // edits the files
		kind         error
		layer, field string
		msg          string
	}{
		{name: "corrupt JSON", files: func(f fstest.MapFS) { f["model.json"].Data = f["model.json"].Data[:100] },
			kind: ErrFormat, msg: "not valid model.json"},
		{name: "no model.json", files: func(f fstest.MapFS) { delete(f, "model.json") },
			kind: ErrFormat, msg: `reading "model.json"`},
		{name: "no topology", edit: func(d map[string]any) { delete(d, "modelTopology") },
			kind: ErrFormat, field: "modelTopology", msg: "missing"},
		{name: "no manifest", edit: func(d map[string]any) { delete(d, "weightsManifest") },
			kind: ErrFormat, field: "weightsManifest", msg: "missing"},
		{name: "graph model", edit: func(d map[string]any) { d["format"] = "graph-model" },
			kind: ErrUnsupported, field: "format", msg: "graph-model"},
		{name: "functional", edit: func(d map[string]any) { d["modelTopology"].(map[string]any)["class_name"] = "Functional" },
			kind: ErrUnsupported, field: "modelTopology.class_name", msg: "only Sequential"},
		{name: "no layers", edit: func(d map[string]any) {
			d["modelTopology"].(map[string]any)["config"] = map[string]any{"layers": []any{}}
		},
			kind: ErrFormat, field: "modelTopology.config.layers", msg: "empty"},
		{name: "missing shard", files: func(f fstest.MapFS) { delete(f, "group1-shard2of2.bin") },
			kind: ErrWeights, field: "weightsManifest[0].paths", msg: `shard "group1-shard2of2.bin" is missing`},
		{name: "truncated shard", files: func(f fstest.MapFS) { b := f["group1-shard2of2.bin"]; b.Data = b.Data[:len(b.Data)-5] },
			kind: ErrWeights, field: "weightsManifest[0].paths", msg: `weight "dense/bias", bytes 464 to 476, is cut short`},
		{name: "empty shard", files: func(f fstest.MapFS) { f["group1-shard1of2.bin"].Data = nil },
			kind: ErrWeights, field: "weightsManifest[0].paths", msg: `truncated: they hold 238 bytes, the weights need 476 (weight "dense/kernel", bytes 80 to 464`},
		{name: "long shard", files: func(f fstest.MapFS) {
			b := f["group1-shard2of2.bin"]
			b.Data = append(b.Data[:len(b.Data):len(b.Data)], 0)
		},
			kind: ErrWeights, field: "weightsManifest[0].paths", msg: "more bytes than the manifest's weights"},
		{name: "shard outside", edit: func(d map[string]any) {
			d["weightsManifest"].([]any)[0].(map[string]any)["paths"].([]any)[0] = "../group1-shard1of2.bin"
		}, kind: ErrFormat, field: "weightsManifest[0].paths", msg: "not a path inside"},
		{name: "shape mismatch", edit: func(d map[string]any) { weightSpecs(d)[2].(map[string]any)["shape"] = []int{3, 32} },
			kind: ErrWeights, layer: "dense", field: "weight kernel", msg: `"dense/kernel" has shape [3 32], want [32 3]`},
		{name: "missing weight", edit: func(d map[string]any) { weightSpecs(d)[1].(map[string]any)["name"] = "conv/beta" },
			kind: ErrWeights, layer: "conv", field: "weight bias", msg: `no weight "conv/bias"`},
		{name: "duplicate weight", edit: func(d map[string]any) { weightSpecs(d)[1].(map[string]any)["name"] = "conv/kernel" },
			kind: ErrFormat, field: `weight "conv/kernel"`, msg: "twice"},
		{name: "negative shape", edit: func(d map[string]any) { weightSpecs(d)[1].(map[string]any)["shape"] = []int{-2} },
			kind: ErrFormat, field: `weight "conv/bias"`, msg: "negative"},
		{name: "float16 weight", edit: func(d map[string]any) { weightSpecs(d)[0].(map[string]any)["dtype"] = "float16" },
			kind: ErrUnsupported, field: `weight "conv/kernel"`, msg: `dtype "float16"`},
		{name: "quantized weight", edit: func(d map[string]any) {
			weightSpecs(d)[2].(map[string]any)["quantization"] = map[string]any{"dtype": "uint8", "scale": 0.1, "min": -1}
		}, kind: ErrUnsupported, field: `weight "dense/kernel"`, msg: "quantization uint8"},
		{name: "unknown class", edit: func(d map[string]any) {
			d["modelTopology"].(map[string]any)["config"].(map[string]any)["layers"].([]any)[1].(map[string]any)["class_name"] = "LSTM"
		}, kind: ErrUnsupported, layer: "flat", field: "class_name", msg: `"LSTM" is not supported`},
		{name: "channels_first", edit: func(d map[string]any) { layerConfig(d, 0)["data_format"] = "channels_first" },
			kind: ErrUnsupported, layer: "conv", field: "data_format", msg: "channels_last (NHWC) only"},
		{name: "flatten channels_first", edit: func(d map[string]any) { layerConfig(d, 1)["data_format"] = "channels_first" },
			kind: ErrUnsupported, layer: "flat", field: "data_format", msg: "channels_first"},
		{name: "layer dtype", edit: func(d map[string]any) { layerConfig(d, 0)["dtype"] = "float16" },
			kind: ErrUnsupported, layer: "conv", field: "dtype", msg: `"float16"`},
		{name: "mixed precision policy", edit: func(d map[string]any) {
			layerConfig(d, 2)["dtype"] = map[string]any{"module": "keras", "class_name": "DTypePolicy", "config": map[string]any{"name": "mixed_float16"}}
		}, kind: ErrUnsupported, layer: "dense", field: "dtype", msg: `"mixed_float16"`},
		{name: "dilation with strides", edit: func(d map[string]any) {
			layerConfig(d, 0)["dilation_rate"] = []int{2, 2}
			layerConfig(d, 0)["strides"] = []int{2, 1}
		}, kind: ErrUnsupported, layer: "conv", field: "dilation_rate", msg: "strides [2 1]"},
		{name: "input not NHWC", edit: func(d map[string]any) { layerConfig(d, 0)["batch_input_shape"] = []any{nil, 36} },
			kind: ErrUnsupported, layer: "conv", field: "input shape", msg: "not an image"},
		{name: "input 5-D", edit: func(d map[string]any) { layerConfig(d, 0)["batch_input_shape"] = []any{nil, 2, 6, 6, 1} },
			kind: ErrUnsupported, layer: "conv", field: "batch_input_shape", msg: "NHWC"},
		{name: "input size unknown", edit: func(d map[string]any) { layerConfig(d, 0)["batch_input_shape"] = []any{nil, nil, nil, 1} },
			kind: ErrUnsupported, layer: "conv", field: "batch_input_shape", msg: "unknown dimension 1"},
		{name: "no input shape", edit: func(d map[string]any) { delete(layerConfig(d, 0), "batch_input_shape") },
			kind: ErrFormat, layer: "conv", field: "batch_input_shape", msg: "input shape is unknown"},
		{name: "activation elu", edit: func(d map[string]any) { layerConfig(d, 0)["activation"] = "elu" },
			kind: ErrUnsupported, layer: "conv", field: "activation", msg: `"elu"`},
		{name: "activation selu", edit: func(d map[string]any) { layerConfig(d, 2)["activation"] = "selu" },
			kind: ErrUnsupported, layer: "dense", field: "activation", msg: `"selu"`},
		{name: "activation softplus", edit: func(d map[string]any) { layerConfig(d, 2)["activation"] = "softplus" },
			kind: ErrUnsupported, layer: "dense", field: "activation", msg: `"softplus"`},
		{name: "activation gelu_new", edit: func(d map[string]any) { layerConfig(d, 2)["activation"] = "gelu_new" },
			kind: ErrUnsupported, layer: "dense", field: "activation", msg: `"gelu_new"`},
		{name: "activation object", edit: func(d map[string]any) { layerConfig(d, 2)["activation"] = map[string]any{"class_name": "Swish"} },
			kind: ErrFormat, layer: "dense", field: "activation", msg: "want an activation name"},
		{name: "padding causal", edit: func(d map[string]any) { layerConfig(d, 0)["padding"] = "causal" },
			kind: ErrUnsupported, layer: "conv", field: "padding", msg: `"causal"`},
		{name: "groups", edit: func(d map[string]any) { layerConfig(d, 0)["groups"] = 2 },
			kind: ErrUnsupported, layer: "conv", field: "groups", msg: "2"},
		{name: "filters a string", edit: func(d map[string]any) { layerConfig(d, 0)["filters"] = "2" },
			kind: ErrFormat, layer: "conv", field: "filters", msg: `"2", want an integer`},
		{name: "no filters", edit: func(d map[string]any) { delete(layerConfig(d, 0), "filters") },
			kind: ErrFormat, layer: "conv", field: "filters", msg: "missing"},
		{name: "kernel_size 0", edit: func(d map[string]any) { layerConfig(d, 0)["kernel_size"] = []int{0, 3} },
			kind: ErrFormat, layer: "conv", field: "kernel_size", msg: "want values from 1"},
		{name: "kernel_size 3-D", edit: func(d map[string]any) { layerConfig(d, 0)["kernel_size"] = []int{3, 3, 3} },
			kind: ErrFormat, layer: "conv", field: "kernel_size", msg: "a list of 2"},
		{name: "kernel larger than input", edit: func(d map[string]any) { layerConfig(d, 0)["kernel_size"] = []int{7, 3} },
			kind: ErrUnsupported, layer: "conv", msg: "kernel height 7 (dilated) is larger than InH 6"},
		{name: "units 0", edit: func(d map[string]any) { layerConfig(d, 2)["units"] = 0 },
			kind: ErrFormat, layer: "dense", field: "units", msg: "is 0"},
		{name: "no name", edit: func(d map[string]any) { delete(layerConfig(d, 2), "name") },
			kind: ErrFormat, layer: "#2", field: "name", msg: "missing"},
		{name: "input layer later", edit: func(d map[string]any) {
			d["modelTopology"].(map[string]any)["config"].(map[string]any)["layers"].([]any)[1].(map[string]any)["class_name"] = "InputLayer"
		}, kind: ErrUnsupported, layer: "flat", field: "class_name", msg: "InputLayer after the first"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := doc(t)
			if c.edit != nil {
				c.edit(d)
			}
			f := tiny().fsWith(t, d)
			if c.files != nil {
				c.files(f)
			}
			_, err := LoadFS(f, "model.json")
			checkErr(t, err, c.kind, c.layer, c.field, c.msg)
		})
	}
}

// TestLayerOptions loads the variants of each layer's config that Keras and TF.js
// write: aliases, an explicit InputLayer (Keras 2 and 3), integers for pairs, softmax's
// axis as the last axis counted with the batch, the model_config of
// tensorflowjs_converter, weight names prefixed by the model's, the old list config.
func TestLayerOptions(t *testing.T) {
	base := tiny()
	want := make([]float32, 3)
	m0 := base.load(t)
	src := make([]float32, 36)
	for i := range src {
		src[i] = float32(i%7) / 7
	}
	if err := m0.Predict(want, src, 1); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		edit  func(d map[string]any)
		files func(f fstest.MapFS)
	}{
		{"Keras 2 InputLayer", func(d map[string]any) {
			cfg := d["modelTopology"].(map[string]any)["config"].(map[string]any)
			delete(layerConfig(d, 0), "batch_input_shape")
			in := map[string]any{"class_name": "InputLayer", "config": map[string]any{"batch_input_shape": []any{nil, 6, 6, 1}, "dtype": "float32", "sparse": false, "name": "input_1"}}
			cfg["layers"] = append([]any{in}, cfg["layers"].([]any)...)
		}, nil},
		{"Keras 3 InputLayer", func(d map[string]any) {
			cfg := d["modelTopology"].(map[string]any)["config"].(map[string]any)
			delete(layerConfig(d, 0), "batch_input_shape")
			in := map[string]any{"module": "keras.layers", "class_name": "InputLayer", "registered_name": nil,
				"config": map[string]any{"batch_shape": []any{nil, 6, 6, 1}, "dtype": "float32", "sparse": false, "name": "input_layer"}}
			cfg["layers"] = append([]any{in}, cfg["layers"].([]any)...)
			layerConfig(d, 1)["dtype"] = map[string]any{"module": "keras", "class_name": "DTypePolicy", "config": map[string]any{"name": "float32"}}
		}, nil},
		{"integer pairs", func(d map[string]any) {
			layerConfig(d, 0)["kernel_size"] = 3
			layerConfig(d, 0)["strides"] = 1
			layerConfig(d, 0)["dilation_rate"] = []int{1}
		}, nil},
		{"alias", func(d map[string]any) {
			d["modelTopology"].(map[string]any)["config"].(map[string]any)["layers"].([]any)[0].(map[string]any)["class_name"] = "Convolution2D"
		}, nil},
		{"converter", func(d map[string]any) {
			top := d["modelTopology"].(map[string]any)
			d["modelTopology"] = map[string]any{"keras_version": "2.15.0", "backend": "tensorflow", "model_config": top}
			for _, w := range weightSpecs(d) {
				w.(map[string]any)["name"] = "sequential/" + w.(map[string]any)["name"].(string)
			}
		}, nil},
		{"old list config", func(d map[string]any) {
			top := d["modelTopology"].(map[string]any)
			top["config"] = top["config"].(map[string]any)["layers"]
		}, nil},
		{"no format", func(d map[string]any) { delete(d, "format") }, nil},
		{"extra weights", func(d map[string]any) {
			d["weightsManifest"] = append(d["weightsManifest"].([]any), map[string]any{"paths": []any{"group2-shard1of1.bin"},
				"weights": []any{map[string]any{"name": "optimizer/iter", "shape": []int{}, "dtype": "float32"}}})
		}, func(f fstest.MapFS) { f["group2-shard1of1.bin"] = &fstest.MapFile{Data: []byte{0, 0, 128, 63}} }},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := doc(t)
			c.edit(d)
			f := base.fsWith(t, d)
			if c.files != nil {
				c.files(f)
			}
			m, err := LoadFS(f, "model.json")
			if err != nil {
				t.Fatal(err)
			}
			got := make([]float32, 3)
			if err := m.Predict(got, src, 1); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("Predict %v, want %v", got, want)
			}
		})
	}
}

// FuzzLoadFS loads mutated model.json files and shards: an error or a model, never a
// panic, and a model that loads runs.
func FuzzLoadFS(f *testing.F) {
	s := tiny()
	js, _ := json.Marshal(s.modelJSON())
	_, files := s.manifest()
	f.Add(js, files["group1-shard1of2.bin"], files["group1-shard2of2.bin"])
	js, _ = json.Marshal(everyLayer().modelJSON())
	f.Add(js, files["group1-shard1of2.bin"], files["group1-shard2of2.bin"])
	bigNumber := regexp.MustCompile(`[0-9]{4}`)
	f.Fuzz(func(t *testing.T, js, shard1, shard2 []byte) {
		if bigNumber.Match(js) {
			return // a large layer, whose construction takes long (and is valid)
		}
		fsys := fstest.MapFS{"model.json": {Data: js}, "group1-shard1of2.bin": {Data: shard1}, "group1-shard2of2.bin": {Data: shard2}}
		m, err := LoadFS(fsys, "model.json")
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("%v: not an *Error", err)
			}
			return
		}
		if m.InputSize() > 1<<16 || m.OutputSize() > 1<<16 {
			return // too large to run here
		}
		dst := make([]float32, 2*m.OutputSize())
		if err := m.Predict(dst, make([]float32, 2*m.InputSize()), 2); err != nil {
			t.Fatal(err)
		}
		_ = m.Summary()
	})
}

var _ fs.FS = fstest.MapFS{}
