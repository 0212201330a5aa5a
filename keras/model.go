package keras

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Model is a Sequential Keras model loaded from the TF.js Layers format, its weights
// packed for simdnn's kernels. It is immutable once loaded: Predict may run in several
// goroutines at once.
type Model struct {
	name   string
	in     shape
	layers []layer
	// ops are the indices of the layers that compute (not identities).
	ops []int
	// scratch is the largest intermediate tensor of one example, and scratches holds
	// *scratch buffers for the calls, two tensors of chunk examples each.
	scratch   int
	scratches sync.Pool
	// chunk is the most examples a pass through the layers takes: a larger batch runs
	// in chunks, so that the scratch tensors stay within scratchBytes.
	chunk int
}

// scratchBytes bounds the intermediate tensors of one Predict call: with a batch
// larger than fits, the layers run on chunks of it in turn. Large enough that a chunk
// keeps the GEMMs efficient (the MNIST CNN: 227 images, 36,864 values each).
const scratchBytes = 64 << 20

// scratch holds two intermediate tensors of a Predict call, which the layers write to
// and read from in turn.
type scratch struct {
	buf [2][]float32
}

// LayerInfo describes one layer of a model, as Keras's model.summary() lists it.
type LayerInfo struct {
	Name        string // the layer's name, as in model.json
	Class       string // its class, e.g. "Conv2D"
	OutputShape []int  // its output shape without the batch dimension, e.g. [26 26 32]
	Params      int    // its parameters (weights), as Keras counts them
	Trainable   bool   // whether Keras would train them (config trainable)
}

// Load reads a model saved in the TF.js Layers format: path names model.json, or the
// directory holding it; the weight shards are read from its directory.
func Load(path string) (*Model, error) {
	name := filepath.Base(path)
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return LoadFS(os.DirFS(path), "model.json")
	}
	return LoadFS(os.DirFS(filepath.Dir(path)), name)
}

// LoadFS reads a model saved in the TF.js Layers format from fsys (an embed.FS, a
// zip.Reader, os.DirFS...): name is the path of model.json in fsys, and the weight
// shards are read from its directory, as their paths in weightsManifest say.
//
// The model must be Sequential, of the layers InputLayer, Conv2D, Conv2DTranspose,
// Dense, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, Flatten, Dropout,
// SpatialDropout2D, Activation, Softmax, ReLU and LeakyReLU, in channels_last (NHWC)
// format, with float32 weights, its input shape fixed but for the batch. Anything else
// is refused with an *Error naming the layer and the field, which wraps ErrFormat,
// ErrUnsupported or ErrWeights. Weights are matched by name (layer/kernel,
// layer/bias) and shape; weights in the manifest that no layer takes (an optimizer's)
// are ignored.
func LoadFS(fsys fs.FS, name string) (*Model, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, &Error{Msg: "reading " + strconv.Quote(name), Kind: ErrFormat, Err: err}
	}
	var file struct {
		Format          string          `json:"format"`
		ModelTopology   json.RawMessage `json:"modelTopology"`
		WeightsManifest []manifestGroup `json:"weightsManifest"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		return nil, &Error{Msg: strconv.Quote(name) + " is not valid model.json", Kind: ErrFormat, Err: err}
	}
	if file.Format != "" && file.Format != "layers-model" {
		return nil, modelErrorf(ErrUnsupported, "format", "%q is not supported (only \"layers-model\", a Keras model; a graph model has no layers to map)", file.Format)
	}
	layers, modelName, err := parseTopology(file.ModelTopology)
	if err != nil {
		return nil, err
	}
	if file.WeightsManifest == nil {
		return nil, modelErrorf(ErrFormat, "weightsManifest", "missing")
	}
	ws, err := readWeights(fsys, path.Dir(name), file.WeightsManifest)
	if err != nil {
		return nil, err
	}
	return build(modelName, layers, ws)
}

// parseTopology returns the layers of the Sequential model in modelTopology, as TF.js
// writes it ({"class_name": "Sequential", "config": ...}) or tensorflowjs_converter
// does ({"model_config": {...}, "keras_version": ...}).
func parseTopology(raw json.RawMessage) ([]layerJSON, string, error) {
	if len(raw) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, "", modelErrorf(ErrFormat, "modelTopology", "missing")
	}
	var top struct {
		ClassName   string          `json:"class_name"`
		Config      json.RawMessage `json:"config"`
		ModelConfig *struct {
			ClassName string          `json:"class_name"`
			Config    json.RawMessage `json:"config"`
		} `json:"model_config"`
	}
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, "", &Error{Field: "modelTopology", Msg: "is not a Keras model config", Kind: ErrFormat, Err: err}
	}
	field := "modelTopology"
	if top.ModelConfig != nil {
		top.ClassName, top.Config = top.ModelConfig.ClassName, top.ModelConfig.Config
		field += ".model_config"
	}
	if top.ClassName != "Sequential" {
		return nil, "", modelErrorf(ErrUnsupported, field+".class_name", "%q is not supported (only Sequential models)", top.ClassName)
	}
	// The config is {"name": ..., "layers": [...]}, or the list of layers (Keras < 2.2).
	var seq struct {
		Name   string      `json:"name"`
		Layers []layerJSON `json:"layers"`
	}
	if err := json.Unmarshal(top.Config, &seq.Layers); err != nil {
		if err := json.Unmarshal(top.Config, &seq); err != nil {
			return nil, "", &Error{Field: field + ".config", Msg: "is not a Sequential config", Kind: ErrFormat, Err: err}
		}
	}
	if len(seq.Layers) == 0 {
		return nil, "", modelErrorf(ErrFormat, field+".config.layers", "missing or empty")
	}
	if seq.Name == "" {
		seq.Name = "sequential"
	}
	return seq.Layers, seq.Name, nil
}

// build makes the model's layers, each from its config, its input shape (the previous
// layer's output) and its weights.
func build(name string, specs []layerJSON, ws *weightSet) (*Model, error) {
	m := &Model{name: name}
	var in shape
	for i, spec := range specs {
		c, err := newConfig(i, spec)
		if err != nil {
			return nil, err
		}
		if canon, ok := classAliases[c.class]; ok {
			c.class = canon
		}
		if i == 0 {
			s, ok, err := c.batchShape()
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, c.errorf(ErrFormat, "batch_input_shape", "missing on the first layer: the model's input shape is unknown")
			}
			m.in, in = s, s
		}
		if c.class == "InputLayer" {
			if i > 0 {
				return nil, c.errorf(ErrUnsupported, "class_name", "an InputLayer after the first layer is not supported")
			}
			if err := c.dtype(); err != nil {
				return nil, err
			}
			continue
		}
		b, ok := builders[c.class]
		if !ok {
			return nil, unknownClass(c)
		}
		l, err := b(c, in, ws)
		if err != nil {
			return nil, err
		}
		if _, ok := l.out.sizeOK(); !ok || len(l.out) == 0 {
			return nil, c.errorf(ErrUnsupported, "output shape", "%v is too large", l.out)
		}
		if k := len(m.layers) - 1; k >= 0 && l.hasAct && m.layers[k].fuse != nil {
			// An activation layer right after a linear Conv2D, Conv2DTranspose or Dense:
			// applied in that layer's store instead of in a pass of its own.
			if run, err := m.layers[k].fuse(l.act); err == nil {
				m.layers[k].run, l.run = run, nil
			}
		}
		m.layers = append(m.layers, l)
		in = l.out
	}
	for i := range m.layers {
		m.layers[i].fuse = nil // frees the weights it holds
	}
	if len(m.layers) == 0 {
		return nil, modelErrorf(ErrFormat, "modelTopology", "the model has no layers but its input")
	}
	for i, l := range m.layers {
		if l.run == nil {
			continue
		}
		if len(m.ops) > 0 {
			// The previous op's output lives in scratch.
			m.scratch = max(m.scratch, m.layers[m.ops[len(m.ops)-1]].out.size())
		}
		m.ops = append(m.ops, i)
	}
	m.chunk = max(1, scratchBytes/(2*4*max(m.scratch, 1)))
	return m, nil
}

// Name returns the model's name, as in model.json.
func (m *Model) Name() string { return m.name }

// InputShape returns the shape of one input example, without the batch dimension:
// [height width channels] for images (NHWC), [features] for vectors.
func (m *Model) InputShape() []int { return slices.Clone(m.in) }

// OutputShape returns the shape of one output example, without the batch dimension.
func (m *Model) OutputShape() []int { return slices.Clone(m.layers[len(m.layers)-1].out) }

// InputSize returns the values of one input example: the product of InputShape.
func (m *Model) InputSize() int { return m.in.size() }

// OutputSize returns the values of one output example: the product of OutputShape.
func (m *Model) OutputSize() int { return m.layers[len(m.layers)-1].out.size() }

// Layers describes the model's layers in order, as model.summary() lists them (an
// InputLayer is not one).
func (m *Model) Layers() []LayerInfo {
	info := make([]LayerInfo, len(m.layers))
	for i, l := range m.layers {
		info[i] = LayerInfo{Name: l.name, Class: l.class, OutputShape: slices.Clone(l.out), Params: l.params, Trainable: l.trainable}
	}
	return info
}

// ParamCount returns the model's parameters, as Keras's model.count_params().
func (m *Model) ParamCount() int {
	n := 0
	for _, l := range m.layers {
		n += l.params
	}
	return n
}

// Predict computes the model's output for batch examples: dst (batch × OutputSize
// values) from src (batch × InputSize values, NHWC images or vectors, as the model's
// input). dst and src may be longer, as BLAS slices: Predict uses their prefixes. They
// must not overlap. Predict is safe for concurrent use by several goroutines with their
// own dst, and allocates nothing once a call of the same batch size or larger has
// returned (its intermediate tensors come from a pool). A batch whose intermediate
// tensors would take more than 64 MiB runs in chunks that fit.
func (m *Model) Predict(dst, src []float32, batch int) error {
	return m.predict(dst, src, batch, nil)
}

// PredictTimed is Predict that also adds, to elapsed[i], the wall time layer i (as
// Layers numbers them) took; elapsed must have a value for each layer. The layers that
// are identities at inference (Dropout, Flatten) take none, and so does an activation
// layer (Activation, Softmax, ReLU, LeakyReLU of slope 0.2) right after a linear
// Conv2D, Conv2DTranspose or Dense: that layer applies it as it stores its outputs, and
// its time counts the activation's. Predict itself reads no clock.
func (m *Model) PredictTimed(dst, src []float32, batch int, elapsed []time.Duration) error {
	if len(elapsed) < len(m.layers) {
		return modelErrorf(ErrShape, "elapsed", "has %d values, want %d (one per layer)", len(elapsed), len(m.layers))
	}
	return m.predict(dst, src, batch, elapsed)
}

func (m *Model) predict(dst, src []float32, batch int, elapsed []time.Duration) error {
	in, out := m.InputSize(), m.OutputSize()
	switch {
	case batch < 1:
		return modelErrorf(ErrShape, "batch", "is %d, want ≥ 1", batch)
	case batch > maxElems/max(in, out, m.scratch):
		return modelErrorf(ErrShape, "batch", "is %d, too large", batch)
	case len(src) < batch*in:
		return modelErrorf(ErrShape, "src", "has %d values, want %d (batch·%d)", len(src), batch*in, in)
	case len(dst) < batch*out:
		return modelErrorf(ErrShape, "dst", "has %d values, want %d (batch·%d)", len(dst), batch*out, out)
	}
	src, dst = src[:batch*in], dst[:batch*out]
	if len(m.ops) == 0 {
		copy(dst, src)
		return nil
	}
	var s *scratch
	if len(m.ops) > 1 {
		s = m.getScratch(min(batch, m.chunk) * m.scratch)
		defer m.scratches.Put(s)
	}
	for i := 0; i < batch; i += m.chunk {
		n := min(m.chunk, batch-i)
		if err := m.pass(dst[i*out:(i+n)*out], src[i*in:(i+n)*in], n, s, elapsed); err != nil {
			return err
		}
	}
	return nil
}

// pass runs the layers on batch examples, the intermediate tensors in s.
func (m *Model) pass(dst, src []float32, batch int, s *scratch, elapsed []time.Duration) error {
	from := src
	for k, i := range m.ops {
		to := dst
		if k < len(m.ops)-1 {
			to = s.buf[k%2]
		}
		var start time.Time
		if elapsed != nil {
			start = time.Now()
		}
		if err := m.layers[i].run(to, from, batch); err != nil {
			l := &m.layers[i]
			return &Error{Layer: l.name, Class: l.class, Msg: "running the layer", Kind: ErrShape, Err: err}
		}
		if elapsed != nil {
			elapsed[i] += time.Since(start)
		}
		from = to
	}
	return nil
}

// getScratch returns two buffers of at least n values each.
func (m *Model) getScratch(n int) *scratch {
	s, _ := m.scratches.Get().(*scratch)
	if s == nil || cap(s.buf[0]) < n {
		s = &scratch{buf: [2][]float32{make([]float32, n), make([]float32, n)}}
	}
	s.buf[0], s.buf[1] = s.buf[0][:cap(s.buf[0])], s.buf[1][:cap(s.buf[1])]
	return s
}

// Summary returns what Keras's model.summary() prints for the model: each layer's
// name and class, output shape and parameters, then the totals.
func (m *Model) Summary() string {
	const width = 65
	cols := []int{29, 55, 65} // Keras's positions for a Sequential model: .45, .85, 1
	var b strings.Builder
	row := func(fields ...string) {
		line := ""
		for i, f := range fields {
			if i > 0 {
				line = line[:len(line)-1] + " "
			}
			line += f
			if len(line) > cols[i] {
				line = line[:cols[i]]
			}
			line += strings.Repeat(" ", cols[i]-len(line))
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	rule := func(c string) { b.WriteString(strings.Repeat(c, width) + "\n") }
	fmt.Fprintf(&b, "Model: %q\n", m.name)
	rule("_")
	row("Layer (type)", "Output Shape", "Param #")
	rule("=")
	trainable, total := 0, 0
	for i, l := range m.layers {
		row(l.name+" ("+l.class+")", l.out.String(), strconv.Itoa(l.params))
		if i < len(m.layers)-1 {
			rule("_")
		}
		total += l.params
		if l.trainable {
			trainable += l.params
		}
	}
	rule("=")
	fmt.Fprintf(&b, "Total params: %s\n", thousands(total))
	fmt.Fprintf(&b, "Trainable params: %s\n", thousands(trainable))
	fmt.Fprintf(&b, "Non-trainable params: %s\n", thousands(total-trainable))
	rule("_")
	return b.String()
}

// thousands formats n with commas: 1,199,882.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
