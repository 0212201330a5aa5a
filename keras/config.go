package keras

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// A layer's entry in modelTopology: {"class_name": ..., "config": {...}}. Keras 3 adds
// "module" and "registered_name", which say nothing the class name does not.
type layerJSON struct {
	ClassName string                     `json:"class_name"`
	Config    map[string]json.RawMessage `json:"config"`
}

// config reads the fields of one layer's config, each error naming the layer and the
// field. A field that is absent or null has its default.
type config struct {
	name   string // "#i", the layer's place in the model, until its name is read
	class  string
	fields map[string]json.RawMessage
}

func newConfig(index int, l layerJSON) (*config, error) {
	c := &config{name: fmt.Sprintf("#%d", index), class: l.ClassName, fields: l.Config}
	if c.class == "" {
		return nil, modelErrorf(ErrFormat, fmt.Sprintf("layers[%d].class_name", index), "missing")
	}
	name, err := c.str("name", "")
	if err != nil {
		return nil, err
	}
	if name == "" {
		return nil, c.errorf(ErrFormat, "name", "missing")
	}
	c.name = name
	return c, nil
}

func (c *config) errorf(kind error, field, format string, args ...any) *Error {
	return &Error{Layer: c.name, Class: c.class, Field: field, Msg: fmt.Sprintf(format, args...), Kind: kind}
}

// raw returns the field's JSON, or nil when it is absent or null.
func (c *config) raw(field string) json.RawMessage {
	r, ok := c.fields[field]
	if !ok || bytes.Equal(bytes.TrimSpace(r), []byte("null")) {
		return nil
	}
	return r
}

func (c *config) has(field string) bool { return c.raw(field) != nil }

// decode unmarshals the field into v, leaving v alone when it is absent or null.
func (c *config) decode(field string, v any, want string) error {
	r := c.raw(field)
	if r == nil {
		return nil
	}
	if err := json.Unmarshal(r, v); err != nil {
		return c.errorf(ErrFormat, field, "is %s, want %s", clip(r), want)
	}
	return nil
}

func (c *config) str(field, def string) (string, error) {
	v := def
	return v, c.decode(field, &v, "a string")
}

func (c *config) boolean(field string, def bool) (bool, error) {
	v := def
	return v, c.decode(field, &v, "true or false")
}

func (c *config) number(field string, def float64) (float64, error) {
	v := def
	return v, c.decode(field, &v, "a number")
}

// positive reads a required integer ≥ 1.
func (c *config) positive(field string) (int, error) {
	if !c.has(field) {
		return 0, c.errorf(ErrFormat, field, "missing")
	}
	var v int
	if err := c.decode(field, &v, "an integer"); err != nil {
		return 0, err
	}
	if v < 1 || v > maxDim {
		return 0, c.errorf(ErrFormat, field, "is %d, want 1 to %d", v, maxDim)
	}
	return v, nil
}

// pair reads a 2-D size: an integer n (meaning n, n), [n] or [h, w], each ≥ 1, as Keras
// normalises kernel_size, strides, dilation_rate and pool_size. ok is false when the
// field is absent or null (and def is returned).
func (c *config) pair(field string, def [2]int) (p [2]int, ok bool, err error) {
	r := c.raw(field)
	if r == nil {
		return def, false, nil
	}
	var list []int
	var one int
	switch {
	case json.Unmarshal(r, &one) == nil:
		list = []int{one}
	case json.Unmarshal(r, &list) != nil || len(list) < 1 || len(list) > 2:
		return def, false, c.errorf(ErrFormat, field, "is %s, want an integer or a list of 2", clip(r))
	}
	if len(list) == 1 {
		list = append(list, list[0])
	}
	for _, v := range list {
		if v < 1 || v > maxDim {
			return def, false, c.errorf(ErrFormat, field, "is %s, want values from 1 to %d", clip(r), maxDim)
		}
	}
	return [2]int{list[0], list[1]}, true, nil
}

// enum reads a string field that must be one of allowed (its first is the default when
// the field is absent); others are refused as unsupported, with why.
func (c *config) enum(field, why string, allowed ...string) (string, error) {
	v, err := c.str(field, allowed[0])
	if err != nil {
		return "", err
	}
	for _, a := range allowed {
		if v == a {
			return v, nil
		}
	}
	return "", c.errorf(ErrUnsupported, field, "%q is not supported (%s)", v, why)
}

// dataFormat refuses channels_first: simdnn's tensors are NHWC.
func (c *config) dataFormat() error {
	_, err := c.enum("data_format", "simdnn runs channels_last (NHWC) only", "channels_last")
	return err
}

// dtype refuses a layer computing in anything but float32: the field is a string in
// TF.js and Keras 2, a DTypePolicy object in Keras 3.
func (c *config) dtype() error {
	r := c.raw("dtype")
	if r == nil {
		return nil
	}
	var name string
	if json.Unmarshal(r, &name) != nil {
		var policy struct {
			Config struct {
				Name string `json:"name"`
			} `json:"config"`
		}
		if json.Unmarshal(r, &policy) != nil || policy.Config.Name == "" {
			return c.errorf(ErrFormat, "dtype", "is %s, want a dtype name or a DTypePolicy", clip(r))
		}
		name = policy.Config.Name
	}
	if name != "float32" {
		return c.errorf(ErrUnsupported, "dtype", "%q is not supported (simdnn computes in float32)", name)
	}
	return nil
}

// batchShape reads the batch input shape a layer may carry (batch_input_shape in TF.js
// and Keras 2, batch_shape in Keras 3, or input_shape without the batch) and returns it
// without the batch dimension; ok is false when the layer has none.
func (c *config) batchShape() (s shape, ok bool, err error) {
	for _, f := range []struct {
		field string
		batch bool
	}{{"batch_input_shape", true}, {"batch_shape", true}, {"input_shape", false}} {
		r := c.raw(f.field)
		if r == nil {
			continue
		}
		var dims []*int
		if json.Unmarshal(r, &dims) != nil {
			return nil, false, c.errorf(ErrFormat, f.field, "is %s, want a list of dimensions", clip(r))
		}
		if f.batch {
			if len(dims) == 0 {
				return nil, false, c.errorf(ErrFormat, f.field, "is empty, want (batch, ...)")
			}
			dims = dims[1:]
		}
		s = make(shape, len(dims))
		for i, d := range dims {
			if d == nil {
				return nil, false, c.errorf(ErrUnsupported, f.field, "%s has an unknown dimension %d: simdnn needs a fixed input size", clip(r), i+1)
			}
			if *d < 1 || *d > maxDim {
				return nil, false, c.errorf(ErrFormat, f.field, "%s has dimension %d = %d, want 1 to %d", clip(r), i+1, *d, maxDim)
			}
			s[i] = *d
		}
		if len(s) == 0 || len(s) > 3 {
			return nil, false, c.errorf(ErrUnsupported, f.field, "%s is not an input simdnn runs: want (None, height, width, channels) (NHWC) or (None, features)", clip(r))
		}
		if _, ok := s.sizeOK(); !ok {
			return nil, false, c.errorf(ErrUnsupported, f.field, "%s is too large", clip(r))
		}
		return s, true, nil
	}
	return nil, false, nil
}

// clip returns JSON for a message, cut short when long.
func clip(r json.RawMessage) string {
	s := strings.Join(strings.Fields(string(r)), " ")
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

// shape is a tensor's shape without the batch dimension.
type shape []int

// maxElems bounds the values of one example's tensor, and maxDim every dimension, so
// that no product the loader computes overflows an int, even on 32-bit platforms.
const (
	maxElems = 1 << 28
	maxDim   = maxElems
)

// size returns the values one example of the shape holds.
func (s shape) size() int { n, _ := s.sizeOK(); return n }

func (s shape) sizeOK() (int, bool) {
	n := 1
	for _, d := range s {
		if d < 0 || d > maxDim || (d > 0 && n > maxElems/d) {
			return 0, false
		}
		n *= d
	}
	return n, true
}

// String formats the shape as Keras's summary does: (None, 26, 26, 32).
func (s shape) String() string {
	var b strings.Builder
	b.WriteString("(None")
	for _, d := range s {
		b.WriteString(", " + strconv.Itoa(d))
	}
	b.WriteString(")")
	return b.String()
}
