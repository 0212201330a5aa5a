package keras

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/simdnn/simdnn/kernels"
)

// everyLayer is a model of every supported class: 9×7×3 images → Conv2D(8, 3×3, same,
// relu) → LeakyReLU(0.1) → Conv2DTranspose(4, 3×3, s2, valid) → AveragePooling2D(2) →
// MaxPooling2D(2, s1, same) → ReLU(max 6) → Dropout → Conv2D(6, 1×1, no bias) →
// Activation(tanh) → GlobalAveragePooling2D → Dense(7) → Softmax, with random weights.
func everyLayer() savedModel {
	r := rng(1)
	cfg := func(name string, kv ...any) map[string]any {
		c := map[string]any{"name": name, "trainable": true, "dtype": "float32"}
		for i := 0; i < len(kv); i += 2 {
			c[kv[i].(string)] = kv[i+1]
		}
		return c
	}
	return savedModel{
		name: "every_layer",
		layers: []map[string]any{
			layerEntry("Conv2D", cfg("conv", "batch_input_shape", []any{nil, 9, 7, 3}, "filters", 8, "kernel_size", []int{3, 3},
				"strides", []int{1, 1}, "padding", "same", "data_format", "channels_last", "dilation_rate", []int{1, 1},
				"activation", "relu", "use_bias", true)),
			layerEntry("LeakyReLU", cfg("leaky", "alpha", 0.1)),
			layerEntry("Conv2DTranspose", cfg("deconv", "filters", 4, "kernel_size", []int{3, 3}, "strides", []int{2, 2},
				"padding", "valid", "activation", "linear", "use_bias", true)),
			layerEntry("AveragePooling2D", cfg("avg", "pool_size", []int{2, 2}, "strides", nil, "padding", "valid")),
			layerEntry("MaxPooling2D", cfg("max", "pool_size", []int{2, 2}, "strides", []int{1, 1}, "padding", "same")),
			layerEntry("ReLU", cfg("relu6", "max_value", 6)),
			layerEntry("Dropout", cfg("drop", "rate", 0.5)),
			layerEntry("Conv2D", cfg("pointwise", "filters", 6, "kernel_size", 1, "activation", nil, "use_bias", false)),
			layerEntry("Activation", cfg("tanh", "activation", "tanh")),
			layerEntry("GlobalAveragePooling2D", cfg("gap")),
			layerEntry("Dense", cfg("dense", "units", 7, "activation", "linear", "use_bias", true)),
			layerEntry("Softmax", cfg("softmax", "axis", -1)),
		},
		weights: []savedWeight{
			// In an order of their own: the loader matches them by name.
			{"dense/kernel", []int{6, 7}, r.fill(42)},
			{"conv/kernel", []int{3, 3, 3, 8}, r.fill(216)},
			{"conv/bias", []int{8}, r.fill(8)},
			{"deconv/kernel", []int{3, 3, 4, 8}, r.fill(288)},
			{"deconv/bias", []int{4}, r.fill(4)},
			{"pointwise/kernel", []int{1, 1, 4, 6}, r.fill(24)},
			{"dense/bias", []int{7}, r.fill(7)},
		},
		shards: 3,
	}
}

// reference runs everyLayer's layers on the kernels package by hand.
func reference(t *testing.T, s savedModel, src []float32, n int) []float32 {
	w := map[string][]float32{}
	for _, sw := range s.weights {
		w[sw.name] = sw.data
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	conv, err := kernels.NewConv2D(kernels.Conv2DConfig{InH: 9, InW: 7, InC: 3, OutC: 8, KH: 3, KW: 3, Padding: kernels.Same, Activation: kernels.ReLU},
		w["conv/kernel"], w["conv/bias"])
	must(err)
	x := make([]float32, n*9*7*8)
	must(conv.Forward(x, src, n))
	must(kernels.LeakyReLUAlpha(x, x, len(x), 0.1))
	deconv, err := kernels.NewConv2DTranspose(kernels.Conv2DTransposeConfig{Conv2DConfig: kernels.Conv2DConfig{
		InH: 9, InW: 7, InC: 8, OutC: 4, KH: 3, KW: 3, StrideH: 2, StrideW: 2}}, w["deconv/kernel"], w["deconv/bias"])
	must(err)
	y := make([]float32, n*19*15*4)
	must(deconv.Forward(y, x, n))
	avg, err := kernels.NewAveragePooling2D(kernels.Pool2DConfig{InH: 19, InW: 15, C: 4, PoolH: 2, PoolW: 2})
	must(err)
	z := make([]float32, n*9*7*4)
	must(avg.Forward(z, y, n))
	mx, err := kernels.NewMaxPooling2D(kernels.Pool2DConfig{InH: 9, InW: 7, C: 4, PoolH: 2, PoolW: 2, StrideH: 1, StrideW: 1, Padding: kernels.Same})
	must(err)
	z2 := make([]float32, n*9*7*4)
	must(mx.Forward(z2, z, n))
	must(kernels.Activate(z2, z2, n*9*7, 4, kernels.ReLU6))
	pw, err := kernels.NewConv2D(kernels.Conv2DConfig{InH: 9, InW: 7, InC: 4, OutC: 6, KH: 1, KW: 1}, w["pointwise/kernel"], nil)
	must(err)
	p := make([]float32, n*9*7*6)
	must(pw.Forward(p, z2, n))
	must(kernels.Activate(p, p, n*9*7, 6, kernels.Tanh))
	gap, err := kernels.NewGlobalAveragePooling2D(9, 7, 6)
	must(err)
	g := make([]float32, n*6)
	must(gap.Forward(g, p, n))
	d, err := kernels.NewDense(6, 7, w["dense/kernel"], w["dense/bias"], kernels.Linear)
	must(err)
	out := make([]float32, n*7)
	must(d.Forward(out, g, n))
	must(kernels.Activate(out, out, n, 7, kernels.Softmax))
	return out
}

func TestEveryLayer(t *testing.T) {
	s := everyLayer()
	m := s.load(t)
	if got, want := m.InputShape(), []int{9, 7, 3}; !slices.Equal(got, want) {
		t.Fatalf("InputShape %v, want %v", got, want)
	}
	if got, want := m.OutputShape(), []int{7}; !slices.Equal(got, want) {
		t.Fatalf("OutputShape %v, want %v", got, want)
	}
	if m.InputSize() != 189 || m.OutputSize() != 7 || m.Name() != "every_layer" {
		t.Fatalf("InputSize %d, OutputSize %d, Name %q", m.InputSize(), m.OutputSize(), m.Name())
	}
	wantShapes := [][]int{{9, 7, 8}, {9, 7, 8}, {19, 15, 4}, {9, 7, 4}, {9, 7, 4}, {9, 7, 4}, {9, 7, 4}, {9, 7, 6}, {9, 7, 6}, {6}, {7}, {7}}
	wantParams := []int{224, 0, 292, 0, 0, 0, 0, 24, 0, 0, 49, 0}
	layers := m.Layers()
	if len(layers) != len(wantShapes) {
		t.Fatalf("%d layers, want %d", len(layers), len(wantShapes))
	}
	for i, l := range layers {
		if !slices.Equal(l.OutputShape, wantShapes[i]) || l.Params != wantParams[i] || !l.Trainable {
			t.Errorf("layer %d %s (%s): shape %v, params %d, trainable %v; want %v, %d, true", i, l.Name, l.Class, l.OutputShape, l.Params, l.Trainable, wantShapes[i], wantParams[i])
		}
	}
	if m.ParamCount() != 589 {
		t.Errorf("ParamCount %d, want 589", m.ParamCount())
	}
	r := rng(2)
	for _, n := range []int{1, 4, 2} {
		src := r.fill(n * 189)
		want := reference(t, s, src, n)
		// dst and src longer than the batch needs: the rest of dst is untouched.
		dst := make([]float32, n*7+5)
		for i := range dst {
			dst[i] = -7
		}
		if err := m.Predict(dst, append(src, 1, 2, 3), n); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(dst[:n*7], want) {
			t.Fatalf("batch %d: Predict %v, the layers by hand %v", n, dst[:n*7], want)
		}
		for _, v := range dst[n*7:] {
			if v != -7 {
				t.Fatalf("batch %d: Predict wrote past the batch: %v", n, dst[n*7:])
			}
		}
	}
}

// TestChunks runs a batch larger than a chunk: the same as the chunks run one by one.
func TestChunks(t *testing.T) {
	m := everyLayer().load(t)
	if m.chunk < 100 || m.chunk*2*4*m.scratch > scratchBytes {
		t.Fatalf("chunk %d of %d-value examples", m.chunk, m.scratch)
	}
	m.chunk = 3
	r := rng(6)
	const n = 8
	src := r.fill(n * m.InputSize())
	want := reference(t, everyLayer(), src, n)
	got := make([]float32, n*m.OutputSize())
	if err := m.Predict(got, src, n); err != nil {
		t.Fatal(err)
	}
	// The reference ran all 8 at once: equal within rounding (a Dense of batch 2 is a
	// GEMM, of batch 1 a GEMV, which add in different orders).
	within(t, "chunks", got, want, 1e-6)
	for i := 0; i < n; i += 3 {
		k := min(3, n-i)
		part := reference(t, everyLayer(), src[i*m.InputSize():(i+k)*m.InputSize()], k)
		if !slices.Equal(got[i*m.OutputSize():(i+k)*m.OutputSize()], part) {
			t.Fatalf("chunk at %d differs from its own run", i)
		}
	}
}

// TestConcurrentPredict runs Predict from several goroutines at once, with batches of
// different sizes, against the results of one goroutine: bit-for-bit the same (the
// kernels' results do not depend on the threads), and race-free under -race.
func TestConcurrentPredict(t *testing.T) {
	m := everyLayer().load(t)
	r := rng(3)
	type job struct {
		n        int
		src, out []float32
	}
	var jobs []job
	for i := range 8 {
		n := 1 + i%3
		j := job{n: n, src: r.fill(n * m.InputSize()), out: make([]float32, n*m.OutputSize())}
		if err := m.Predict(j.out, j.src, n); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, j)
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(jobs)*10)
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dst := make([]float32, len(j.out))
			for range 10 {
				if err := m.Predict(dst, j.src, j.n); err != nil {
					errs <- err
					return
				}
				if !slices.Equal(dst, j.out) {
					errs <- errors.New("concurrent Predict differs from a lone one")
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestPredictAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops buffers at random under the race detector")
	}
	m := everyLayer().load(t)
	const n = 3
	r := rng(4)
	src, dst := r.fill(n*m.InputSize()), make([]float32, n*m.OutputSize())
	elapsed := make([]time.Duration, len(m.Layers()))
	if err := m.Predict(dst, src, n); err != nil {
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(20, func() { m.Predict(dst, src, n) }); a != 0 {
		t.Errorf("Predict allocates %v times a call, want 0", a)
	}
	if a := testing.AllocsPerRun(20, func() { m.PredictTimed(dst, src, n, elapsed) }); a != 0 {
		t.Errorf("PredictTimed allocates %v times a call, want 0", a)
	}
	// A smaller batch reuses the buffers too.
	if a := testing.AllocsPerRun(20, func() { m.Predict(dst, src, 1) }); a != 0 {
		t.Errorf("Predict of a smaller batch allocates %v times a call, want 0", a)
	}
}

func TestPredictTimed(t *testing.T) {
	m := everyLayer().load(t)
	r := rng(5)
	src, dst := r.fill(2*m.InputSize()), make([]float32, 2*m.OutputSize())
	want := make([]float32, len(dst))
	if err := m.Predict(want, src, 2); err != nil {
		t.Fatal(err)
	}
	elapsed := make([]time.Duration, len(m.Layers()))
	for range 3 {
		if err := m.PredictTimed(dst, src, 2, elapsed); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(dst, want) {
		t.Fatal("PredictTimed differs from Predict")
	}
	// Dropout is the identity; the Activation after the linear pointwise Conv2D and the
	// Softmax after the linear Dense are fused into them.
	idle := map[int]bool{6: true, 8: true, 11: true}
	for i, l := range m.Layers() {
		if (elapsed[i] == 0) != idle[i] || (m.layers[i].run == nil) != idle[i] {
			t.Errorf("layer %d (%s) took %v", i, l.Class, elapsed[i])
		}
	}
	err := m.PredictTimed(dst, src, 2, elapsed[:3])
	checkErr(t, err, ErrShape, "", "elapsed", "has 3 values, want 12")
}

func TestPredictErrors(t *testing.T) {
	m := everyLayer().load(t)
	in, out := m.InputSize(), m.OutputSize()
	for _, c := range []struct {
		dst, src []float32
		n        int
		field    string
	}{
		{make([]float32, out), make([]float32, in), 0, "batch"},
		{make([]float32, out), make([]float32, in), -1, "batch"},
		{make([]float32, 2*out), make([]float32, 2*in-1), 2, "src"},
		{make([]float32, 2*out-1), make([]float32, 2*in), 2, "dst"},
		{nil, nil, 1, "src"},
		{make([]float32, out), make([]float32, in), math.MaxInt, "batch"},
	} {
		err := m.Predict(c.dst, c.src, c.n)
		checkErr(t, err, ErrShape, "", c.field, "")
	}
}

// checkErr fails the test unless err is an *Error of kind about layer and field whose
// message contains msg.
func checkErr(t *testing.T, err error, kind error, layer, field, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one about %q %q", layer, field)
	}
	var e *Error
	if !errors.Is(err, kind) || !errors.As(err, &e) {
		t.Fatalf("%v: want an *Error wrapping %v", err, kind)
	}
	if e.Layer != layer || e.Field != field || !strings.Contains(err.Error(), msg) {
		t.Fatalf("%v: want layer %q, field %q, %q in the message (got layer %q, field %q)", err, layer, field, msg, e.Layer, e.Field)
	}
	if layer != "" && !strings.Contains(err.Error(), `"`+layer+`"`) || !strings.Contains(err.Error(), field) {
		t.Fatalf("%v: the message does not name layer %q and field %q", err, layer, field)
	}
}

// TestLoadDir reads a model from disk, by its directory and by model.json.
func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	for name, f := range everyLayer().fs(t) {
		if err := os.WriteFile(filepath.Join(dir, name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{dir, filepath.Join(dir, "model.json")} {
		m, err := Load(p)
		if err != nil {
			t.Fatal(err)
		}
		if m.ParamCount() != 589 {
			t.Fatalf("Load(%q): %d params", p, m.ParamCount())
		}
	}
	_, err := Load(filepath.Join(dir, "nothing.json"))
	checkErr(t, err, ErrFormat, "", "", "nothing.json")
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%v: want os.ErrNotExist", err)
	}
}

func TestSummary(t *testing.T) {
	m := everyLayer().load(t)
	want := `Model: "every_layer"
_________________________________________________________________
Layer (type)                 Output Shape              Param #
=================================================================
conv (Conv2D)                (None, 9, 7, 8)           224
_________________________________________________________________
leaky (LeakyReLU)            (None, 9, 7, 8)           0
_________________________________________________________________
deconv (Conv2DTranspose)     (None, 19, 15, 4)         292
_________________________________________________________________
avg (AveragePooling2D)       (None, 9, 7, 4)           0
_________________________________________________________________
max (MaxPooling2D)           (None, 9, 7, 4)           0
_________________________________________________________________
relu6 (ReLU)                 (None, 9, 7, 4)           0
_________________________________________________________________
drop (Dropout)               (None, 9, 7, 4)           0
_________________________________________________________________
pointwise (Conv2D)           (None, 9, 7, 6)           24
_________________________________________________________________
tanh (Activation)            (None, 9, 7, 6)           0
_________________________________________________________________
gap (GlobalAveragePooling2D) (None, 6)                 0
_________________________________________________________________
dense (Dense)                (None, 7)                 49
_________________________________________________________________
softmax (Softmax)            (None, 7)                 0
=================================================================
Total params: 589
Trainable params: 589
Non-trainable params: 0
_________________________________________________________________
`
	if got := m.Summary(); got != want {
		t.Fatalf("Summary:\n%s\nwant:\n%s", got, want)
	}
}
