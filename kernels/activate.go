package kernels

import "github.com/simdnn/simdnn/generic"

// Activate is a Keras Activation or Softmax layer on its own: dst = act(src), both read
// as rows×cols with the last axis of cols values (Softmax normalises each row; the other
// activations ignore the shape). dst may be src itself, or must not overlap it. dst and
// src may be longer: Activate uses their prefixes.
func Activate(dst, src []float32, rows, cols int, act Activation) error {
	if err := checkActivation("Activate", "act", act); err != nil {
		return err
	}
	if cols < 1 {
		return layerErrorf(ErrShape, "kernels: Activate cols is %d, want ≥ 1", cols)
	}
	dst, src, err := checkForward("Activate", "rows", rows, dst, src, cols, cols, "rows·cols", "rows·cols")
	if err != nil {
		return err
	}
	f := active.activate[act]
	if act != Softmax {
		f(dst, src) // one pass over the whole tensor
		return nil
	}
	for r := range rows {
		f(dst[r*cols:(r+1)*cols], src[r*cols:(r+1)*cols])
	}
	return nil
}

// LeakyReLUAlpha is a Keras LeakyReLU layer with slope alpha below zero (Keras's default
// for the layer is 0.3; the activation LeakyReLU is alpha 0.2): dst[i] = src[i], or
// alpha·src[i] when src[i] < 0. dst may be src itself, or must not overlap it; dst and
// src may be longer than n, the values to compute.
func LeakyReLUAlpha(dst, src []float32, n int, alpha float32) error {
	dst, src, err := checkForward("LeakyReLUAlpha", "n", n, dst, src, 1, 1, "n", "n")
	if err != nil {
		return err
	}
	if 0 <= alpha && alpha <= 1 { // the vector kernels' max(x, alpha·x)
		active.leakyReLU(dst, src, alpha)
		return nil
	}
	generic.LeakyReLU(dst, src, alpha)
	return nil
}
