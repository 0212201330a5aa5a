package kernels

import (
	"errors"
	"fmt"
)

// Panic messages of Sgemm, phrased as gonum's blas package phrases them, so that callers
// moving from gonum recognise them.
const (
	mLT0   = "kernels: m < 0"
	nLT0   = "kernels: n < 0"
	kLT0   = "kernels: k < 0"
	badLdA = "kernels: bad leading dimension of A"
	badLdB = "kernels: bad leading dimension of B"
	badLdC = "kernels: bad leading dimension of C"
	shortA = "kernels: insufficient length of a"
	shortB = "kernels: insufficient length of b"
	shortC = "kernels: insufficient length of c"
)

// The layers' errors wrap one of these, for errors.Is; their messages say which argument
// is wrong and why.
var (
	// ErrConfig: a layer's configuration (Conv2DConfig, Conv2DTransposeConfig, Dense's
	// sizes or activation) that Keras, or simdnn's size limits, refuse.
	ErrConfig = errors.New("kernels: invalid layer configuration")
	// ErrWeights: a filter, kernel or bias of the wrong length.
	ErrWeights = errors.New("kernels: weights of the wrong length")
	// ErrShape: a Forward call whose batch, dst or src does not fit the layer.
	ErrShape = errors.New("kernels: Forward arguments do not fit the layer")
)

// layerError is an error with its own message that wraps one of the sentinels.
type layerError struct {
	msg  string
	kind error
}

func (e *layerError) Error() string { return e.msg }
func (e *layerError) Unwrap() error { return e.kind }

// layerErrorf formats an error of kind (ErrConfig, ErrWeights or ErrShape).
func layerErrorf(kind error, format string, args ...any) error {
	return &layerError{msg: fmt.Sprintf(format, args...), kind: kind}
}
