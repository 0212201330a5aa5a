package kernels

// Dense is a Keras Dense layer with its kernel packed for the micro-kernel. It is
// immutable once built, so Forward may run in several goroutines at once.
type Dense struct {
	in, out int
	w       packedWeights
	ep      epilogue
}

// NewDense: the Keras Dense layer, kernel [in][out], bias [out] or nil.
func NewDense(in, out int, kernel, bias []float32, act Activation) (*Dense, error) {
	return newDense(in, out, kernel, bias, act, active)
}

// newDense builds the layer for im. The layer keeps im: its kernel is packed for im's
// micro-kernel.
func newDense(in, out int, kernel, bias []float32, act Activation, im impl) (*Dense, error) {
	for _, d := range []struct {
		name  string
		value int
	}{{"in", in}, {"out", out}} {
		if d.value < 1 || d.value > maxDim {
			return nil, layerErrorf(ErrConfig, "kernels: Dense %s is %d, want 1 to %d", d.name, d.value, maxDim)
		}
	}
	if err := checkActivation("Dense", "act", act); err != nil {
		return nil, err
	}
	if _, ok := product(in, out); !ok {
		return nil, layerErrorf(ErrConfig, "kernels: Dense kernel of in·out = %d·%d values is too large", in, out)
	}
	if len(kernel) != in*out {
		return nil, layerErrorf(ErrWeights, "kernels: Dense kernel has %d values, want %d (in·out)", len(kernel), in*out)
	}
	ep, err := newEpilogue("Dense", bias, out, "out", act)
	if err != nil {
		return nil, err
	}
	return &Dense{in: in, out: out, w: packWeights(im, kernel, out, false, in, out), ep: ep}, nil
}

// InputSize returns the values each input row has: in.
func (d *Dense) InputSize() int { return d.in }

// OutputSize returns the values each output row has: out.
func (d *Dense) OutputSize() int { return d.out }

// ParamCount returns the layer's parameters as Keras's model.summary() counts them:
// in·out, plus out if it was built with a bias.
func (d *Dense) ParamCount() int { return d.in*d.out + d.ep.params(d.out) }

// Forward computes dst (batch×out) from src (batch×in).
// Safe for concurrent use by several goroutines with their own src/dst.
// dst and src may be longer than that: Forward uses their prefixes, as BLAS does, so
// that one buffer sized for the largest batch serves every call.
//
// It is the GEMM dst = src·kernel, src read in place, the bias and activation applied to
// each tile of dst as it is finished; a batch of 1 is a GEMV that streams the kernel once.
func (d *Dense) Forward(dst, src []float32, batch int) error {
	dst, src, err := checkForward("Dense.Forward", "batch", batch, dst, src, d.out, d.in, "batch·out", "batch·in")
	if err != nil {
		return err
	}
	d.w.multiply(lhs{src: src, ld: d.in, rows: batch}, batch, dst, d.out, d.ep)
	return nil
}
