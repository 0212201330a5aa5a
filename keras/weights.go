package keras

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"math"
	"path"
	"slices"
	"strings"
)

// manifestGroup is one entry of weightsManifest: the weights in paths, binary shards
// that, concatenated in order, hold each weight's values in turn (row-major,
// little-endian).
type manifestGroup struct {
	Paths   []string     `json:"paths"`
	Weights []weightSpec `json:"weights"`
}

type weightSpec struct {
	Name         string         `json:"name"`
	Shape        []int          `json:"shape"`
	Dtype        string         `json:"dtype"`
	Quantization map[string]any `json:"quantization"`
}

// weight is one weight's values, read from the shards.
type weight struct {
	name  string
	shape []int
	data  []float32
	used  bool
}

// weightSet holds a model's weights by name, for the layers to take.
type weightSet struct {
	byName map[string]*weight
}

// readWeights reads every group of the manifest from fsys, the shards' paths relative
// to dir. Only float32 weights are accepted.
func readWeights(fsys fs.FS, dir string, manifest []manifestGroup) (*weightSet, error) {
	ws := &weightSet{byName: map[string]*weight{}}
	for g, group := range manifest {
		field := fmt.Sprintf("weightsManifest[%d]", g)
		var need int
		var weights []*weight
		for i, spec := range group.Weights {
			wfield := fmt.Sprintf("%s.weights[%d]", field, i)
			if spec.Name == "" {
				return nil, modelErrorf(ErrFormat, wfield, "has no name")
			}
			wfield = fmt.Sprintf("weight %q", spec.Name)
			if spec.Quantization != nil {
				return nil, modelErrorf(ErrUnsupported, wfield, "quantization %v is not supported (only float32 weights)", spec.Quantization["dtype"])
			}
			if spec.Dtype != "float32" && spec.Dtype != "" {
				return nil, modelErrorf(ErrUnsupported, wfield, "dtype %q is not supported (only float32 weights)", spec.Dtype)
			}
			n, ok := shape(spec.Shape).sizeOK()
			if !ok {
				return nil, modelErrorf(ErrFormat, wfield, "shape %v is negative or too large", spec.Shape)
			}
			if _, dup := ws.byName[spec.Name]; dup {
				return nil, modelErrorf(ErrFormat, wfield, "appears twice in weightsManifest")
			}
			if need > math.MaxInt/8-4*n {
				return nil, modelErrorf(ErrFormat, field, "weights too large")
			}
			w := &weight{name: spec.Name, shape: slices.Clone(spec.Shape)}
			ws.byName[spec.Name] = w
			weights = append(weights, w)
			need += 4 * n
		}
		if len(group.Paths) == 0 && need > 0 {
			return nil, modelErrorf(ErrFormat, field+".paths", "is empty, but the group has %d bytes of weights", need)
		}
		buf, err := readShards(fsys, dir, group.Paths, need, field)
		if err != nil {
			return nil, err
		}
		if len(buf) < need {
			return nil, modelErrorf(ErrWeights, field+".paths", "shards %q are truncated: they hold %d bytes, the weights need %d%s",
				group.Paths, len(buf), need, firstShort(group.Weights, len(buf)))
		}
		// Allocated only now, when the shards have shown that the sizes are real.
		for i, w := range weights {
			w.data = make([]float32, shape(group.Weights[i].Shape).size())
			for i := range w.data {
				w.data[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
			}
			buf = buf[4*len(w.data):]
		}
	}
	return ws, nil
}

// firstShort names the first weight of specs that have bytes leave short.
func firstShort(specs []weightSpec, have int) string {
	off := 0
	for _, spec := range specs {
		n := 4 * shape(spec.Shape).size()
		if off+n > have {
			return fmt.Sprintf(" (weight %q, bytes %d to %d, is cut short)", spec.Name, off, off+n)
		}
		off += n
	}
	return ""
}

// readShards reads the shards paths (relative to dir), which must hold no more than need
// bytes in all; it returns what they hold, short when they are truncated.
func readShards(fsys fs.FS, dir string, paths []string, need int, field string) ([]byte, error) {
	// The buffer grows with what the shards hold, not with what the manifest claims.
	buf := make([]byte, 0, min(need, 1<<20))
	for _, p := range paths {
		name := path.Join(dir, p)
		if !fs.ValidPath(name) || strings.Contains(p, "\\") {
			return nil, modelErrorf(ErrFormat, field+".paths", "shard %q is not a path inside the model's directory", p)
		}
		f, err := fsys.Open(name)
		if err != nil {
			return nil, &Error{Field: field + ".paths", Msg: fmt.Sprintf("shard %q is missing", p), Kind: ErrWeights, Err: err}
		}
		w := bytes.NewBuffer(buf)
		_, err = io.CopyN(w, f, int64(need-len(buf)+1))
		f.Close()
		buf = w.Bytes()
		if err != nil && err != io.EOF {
			return nil, &Error{Field: field + ".paths", Msg: fmt.Sprintf("reading shard %q", p), Kind: ErrWeights, Err: err}
		}
		if len(buf) > need {
			return nil, modelErrorf(ErrWeights, field+".paths", "shard %q holds more bytes than the manifest's weights (%d in all)", p, need)
		}
	}
	return buf, nil
}

// take returns the values of the layer's weight short ("kernel", "bias"), checking its
// shape. The weight is named layer/short (TF.js), or ends in /layer/short (some
// converters prefix the model's name).
func (ws *weightSet) take(c *config, short string, want []int) ([]float32, error) {
	full := c.name + "/" + short
	w := ws.byName[full]
	if w == nil {
		var found []*weight
		for name, cand := range ws.byName {
			if strings.HasSuffix(name, "/"+full) {
				found = append(found, cand)
			}
		}
		switch len(found) {
		case 0:
			return nil, c.errorf(ErrWeights, "weight "+short, "missing: no weight %q in weightsManifest", full)
		case 1:
			w = found[0]
		default:
			return nil, c.errorf(ErrWeights, "weight "+short, "ambiguous: %d weights in weightsManifest end in %q", len(found), "/"+full)
		}
	}
	if !slices.Equal(w.shape, want) {
		return nil, c.errorf(ErrWeights, "weight "+short, "%q has shape %v, want %v", w.name, w.shape, want)
	}
	if w.used {
		return nil, c.errorf(ErrWeights, "weight "+short, "%q is already another layer's", w.name)
	}
	w.used = true
	return w.data, nil
}
