package keras

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The loader's errors wrap one of these, for errors.Is, and are *Error values, for
// errors.As; their messages name the layer and the field or weight at fault.
var (
	// ErrFormat: the file is not a TF.js Layers model: corrupt JSON, a field of the
	// wrong type, a missing modelTopology or weightsManifest.
	ErrFormat = errors.New("keras: not a TF.js Layers model")
	// ErrUnsupported: valid Keras that this package does not run: a layer class, a
	// data_format, an activation, a dtype or a quantization, a model that is not
	// Sequential.
	ErrUnsupported = errors.New("keras: unsupported model")
	// ErrWeights: the weights do not fit the topology: a weight missing, of the wrong
	// shape, or a shard missing, truncated or longer than its manifest says.
	ErrWeights = errors.New("keras: weights do not fit the model")
	// ErrShape: a Predict call whose batch, dst or src does not fit the model.
	ErrShape = errors.New("keras: Predict arguments do not fit the model")
)

// Error is what Load, LoadFS and Predict return: what went wrong, and where.
type Error struct {
	Layer string // the layer's name, "" for the model as a whole
	Class string // the layer's class_name, "" for the model as a whole
	Field string // the config field, weight name, manifest entry or argument at fault
	Msg   string // what is wrong with it
	Kind  error  // ErrFormat, ErrUnsupported, ErrWeights or ErrShape
	Err   error  // the underlying error (reading a file, decoding JSON), or nil
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("keras: ")
	if e.Layer != "" || e.Class != "" {
		b.WriteString("layer " + strconv.Quote(e.Layer))
		if e.Class != "" {
			b.WriteString(" (" + e.Class + ")")
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the sentinel and the underlying error.
func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Kind}
}

// modelErrorf returns an error about the model as a whole (field may be "").
func modelErrorf(kind error, field, format string, args ...any) *Error {
	return &Error{Field: field, Msg: fmt.Sprintf(format, args...), Kind: kind}
}
