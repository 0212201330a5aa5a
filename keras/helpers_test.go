package keras

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"testing/fstest"
)

// savedModel is a model as TF.js's model.save writes it: model.json and its weight
// shards, built in memory for the tests.
type savedModel struct {
	name    string
	layers  []map[string]any // each {"class_name": ..., "config": {...}}
	weights []savedWeight
	shards  int // the weight bytes split into this many shards (0 means 1)
}

type savedWeight struct {
	name  string
	shape []int
	data  []float32
}

// layerEntry returns a layer's entry in modelTopology.
func layerEntry(class string, config map[string]any) map[string]any {
	return map[string]any{"class_name": class, "config": config}
}

// manifest returns the weightsManifest and the shards' contents by path.
func (s savedModel) manifest() ([]map[string]any, map[string][]byte) {
	var bin []byte
	specs := []map[string]any{}
	for _, w := range s.weights {
		specs = append(specs, map[string]any{"name": w.name, "shape": w.shape, "dtype": "float32"})
		for _, v := range w.data {
			bin = binary.LittleEndian.AppendUint32(bin, math.Float32bits(v))
		}
	}
	n := max(s.shards, 1)
	files := map[string][]byte{}
	var paths []string
	per := (len(bin) + n - 1) / n
	for i := range n {
		p := fmt.Sprintf("group1-shard%dof%d.bin", i+1, n)
		lo, hi := min(i*per, len(bin)), min((i+1)*per, len(bin))
		files[p] = bin[lo:hi]
		paths = append(paths, p)
	}
	return []map[string]any{{"paths": paths, "weights": specs}}, files
}

// modelJSON returns the model.json document.
func (s savedModel) modelJSON() map[string]any {
	manifest, _ := s.manifest()
	name := s.name
	if name == "" {
		name = "sequential_1"
	}
	return map[string]any{
		"format":      "layers-model",
		"generatedBy": "TensorFlow.js tfjs-layers v4.22.0",
		"convertedBy": nil,
		"modelTopology": map[string]any{
			"class_name":    "Sequential",
			"config":        map[string]any{"name": name, "layers": s.layers},
			"keras_version": "tfjs-layers 4.22.0",
			"backend":       "tensor_flow.js",
		},
		"weightsManifest": manifest,
	}
}

// fs returns the model's files: model.json and the shards.
func (s savedModel) fs(t testing.TB) fstest.MapFS {
	return s.fsWith(t, s.modelJSON())
}

// fsWith returns the model's shards with doc as model.json.
func (s savedModel) fsWith(t testing.TB, doc any) fstest.MapFS {
	t.Helper()
	js, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{"model.json": {Data: js}}
	_, files := s.manifest()
	for p, b := range files {
		fsys[p] = &fstest.MapFile{Data: b}
	}
	return fsys
}

// load loads the model from memory, failing the test on an error.
func (s savedModel) load(t testing.TB) *Model {
	t.Helper()
	m, err := LoadFS(s.fs(t), "model.json")
	if err != nil {
		t.Fatalf("LoadFS: %v", err)
	}
	return m
}

// rng is a small deterministic generator of test values in [-1, 1).
type rng uint64

func (r *rng) next() float32 {
	*r = *r*6364136223846793005 + 1442695040888963407
	return float32(int32(uint64(*r)>>40)-1<<23) / (1 << 23)
}

func (r *rng) fill(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = r.next()
	}
	return v
}

// within fails the test unless got and want agree within tol·(1 + max |want|).
func within(t testing.TB, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	scale := 0.0
	for _, w := range want {
		scale = math.Max(scale, math.Abs(float64(w)))
	}
	bound := tol * (1 + scale)
	for i := range got {
		if d := math.Abs(float64(got[i]) - float64(want[i])); !(d <= bound) {
			t.Fatalf("%s: [%d] = %g, want %g (|Δ| %g > %g)", what, i, got[i], want[i], d, bound)
		}
	}
}
