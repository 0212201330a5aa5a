package mnistgold

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goldDir = "../../testdata/mnist"

func load(t *testing.T) *Set {
	t.Helper()
	s, err := Load(goldDir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSet(t *testing.T) {
	s := load(t)
	if s.Count < 400 || s.H != 28 || s.W != 28 || s.C != 1 || s.Classes != 10 {
		t.Fatalf("count %d, shape %dx%dx%d, classes %d", s.Count, s.H, s.W, s.C, s.Classes)
	}
	perClass := make([]int, s.Classes)
	for _, l := range s.Labels {
		perClass[l]++
	}
	for c, n := range perClass {
		if n < s.Count/20 {
			t.Errorf("class %d has %d digits", c, n)
		}
	}
	for i := 0; i < s.Count; i++ {
		var ink float64
		for _, v := range s.Image(i) {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("digit %d: pixel %v outside [0, 1]", i, v)
			}
			ink += float64(v)
		}
		if ink < 10 {
			t.Errorf("digit %d: almost blank (ink %.1f)", i, ink)
		}
	}
	seen := map[[2]int]bool{}
	for i, src := range s.Source {
		if src[0] != s.Labels[i] || seen[src] {
			t.Errorf("digit %d: source %v, label %d", i, src, s.Labels[i])
		}
		seen[src] = true
	}
	t.Logf("%d digits, per class %v", s.Count, perClass)
}

// TestProbabilities checks TF.js's predictions: softmax rows, and the
// accuracy recorded in test.json.
func TestProbabilities(t *testing.T) {
	s := load(t)
	correct := 0
	for i := 0; i < s.Count; i++ {
		p := s.Prob(i)
		var sum float64
		for _, v := range p {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("digit %d: probability %v", i, v)
			}
			sum += float64(v)
		}
		if math.Abs(sum-1) > 1e-5 {
			t.Errorf("digit %d: probabilities sum to %v", i, sum)
		}
		if Argmax(p) == s.Labels[i] {
			correct++
		}
	}
	if correct != s.TFJSCorrect || math.Abs(float64(correct)/float64(s.Count)-s.TFJSAccuracy) > 1e-9 {
		t.Errorf("argmax agrees with the label on %d digits; test.json says %d (%v)", correct, s.TFJSCorrect, s.TFJSAccuracy)
	}
	if acc := float64(correct) / float64(s.Count); acc < 0.95 {
		t.Errorf("TF.js accuracy %.3f, want >= 0.95", acc)
	}
	t.Logf("TF.js: %d/%d correct (%.1f%%)", correct, s.Count, 100*float64(correct)/float64(s.Count))
}

// TestModelFiles checks the saved model's manifest against its shards: the
// weights, in manifest order, fill the concatenated shards exactly, and every
// shard but the last is 4 MiB.
func TestModelFiles(t *testing.T) {
	js, err := os.ReadFile(filepath.Join(goldDir, "model.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Format          string `json:"format"`
		WeightsManifest []struct {
			Paths   []string `json:"paths"`
			Weights []struct {
				Name  string `json:"name"`
				Shape []int  `json:"shape"`
				Dtype string `json:"dtype"`
			} `json:"weights"`
		} `json:"weightsManifest"`
	}
	if err := json.Unmarshal(js, &m); err != nil {
		t.Fatal(err)
	}
	if m.Format != "layers-model" || len(m.WeightsManifest) != 1 {
		t.Fatalf("format %q, %d manifest groups", m.Format, len(m.WeightsManifest))
	}
	g := m.WeightsManifest[0]
	params := 0
	for _, w := range g.Weights {
		n := 1
		for _, d := range w.Shape {
			n *= d
		}
		if w.Dtype != "float32" || !strings.Contains(w.Name, "/") {
			t.Errorf("weight %q dtype %q", w.Name, w.Dtype)
		}
		params += n
	}
	if params != 1199882 {
		t.Errorf("manifest has %d parameters, want 1199882", params)
	}
	total := 0
	for i, p := range g.Paths {
		fi, err := os.Stat(filepath.Join(goldDir, p))
		if err != nil {
			t.Fatal(err)
		}
		if i < len(g.Paths)-1 && fi.Size() != 4<<20 {
			t.Errorf("%s: %d bytes, want 4 MiB", p, fi.Size())
		}
		total += int(fi.Size())
	}
	if total != 4*params || len(g.Paths) != 2 {
		t.Errorf("%d shards of %d bytes in all, want 2 of %d", len(g.Paths), total, 4*params)
	}
}

// TestLoadErrors: a truncated or missing file is an error, never a panic.
func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"test.json", "test_images.bin", "test_labels.bin", "test_probs.bin"} {
		b, err := os.ReadFile(filepath.Join(goldDir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Load(dir); err != nil {
		t.Fatalf("copy: %v", err)
	}
	for _, f := range []string{"test_images.bin", "test_labels.bin", "test_probs.bin", "test.json"} {
		b, _ := os.ReadFile(filepath.Join(dir, f))
		cut := len(b) - 1
		if strings.HasSuffix(f, ".json") {
			cut = len(b) / 2
		}
		os.WriteFile(filepath.Join(dir, f), b[:cut], 0o644)
		if _, err := Load(dir); err == nil {
			t.Errorf("%s truncated: no error", f)
		} else {
			t.Logf("%s truncated: %v", f, err)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	os.Remove(filepath.Join(dir, "test_probs.bin"))
	if _, err := Load(dir); err == nil {
		t.Error("missing test_probs.bin: no error")
	}
}

func TestArgmax(t *testing.T) {
	for _, c := range []struct {
		p    []float32
		want int
	}{{nil, -1}, {[]float32{0.1}, 0}, {[]float32{0.2, 0.5, 0.3}, 1}, {[]float32{0.5, 0.5}, 0}} {
		if got := Argmax(c.p); got != c.want {
			t.Errorf("Argmax(%v) = %d, want %d", c.p, got, c.want)
		}
	}
}
