//go:build unix

package kernels

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/simdnn/simdnn/internal/guard"
)

// FuzzActivate drives arbitrary float32 values (every bit pattern: NaNs, infinities,
// subnormals) and lengths through every ISA's activations against the references, with
// src and dst flush against unmapped pages, in place or not. The bytes are the values,
// four a value, little-endian.
func FuzzActivate(f *testing.F) {
	f.Add([]byte{}, uint8(Sigmoid), false)
	f.Add(floatBytes(1, -1, 0.5, 88.7, -88.7, 1e30, -1e30, 3), uint8(Softmax), false)
	f.Add(floatBytes(-0.0, 1e-40, -5, 5, 9, -9, 14.5, -14.5, 0.1, -0.1, 100, -100, 20, -20, 7, -7, 1), uint8(GELU), true)
	f.Add(floatBytes(float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 2, -2), uint8(Swish), false)
	f.Add(floatBytes(0.001, -0.001, 0.2, -0.2, 4, -4, 10, -10, 0.17, 0.18), uint8(Tanh), true)
	f.Fuzz(func(t *testing.T, data []byte, act8 uint8, inPlace bool) {
		act := Activation(act8 % uint8(activations))
		src := make([]float32, len(data)/4)
		for i := range src {
			src[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		}
		forEachISA(t, func(t *testing.T, im impl) {
			gsrc := guard.Float32s(t, src)
			gdst := gsrc
			if !inPlace {
				gdst = guard.Float32s(t, make([]float32, len(src)))
			}
			im.activate[act](gdst, gsrc)
			if act == Softmax {
				checkSoftmax(t, "fuzz", gdst, src)
				return
			}
			checkActivationOut(t, "fuzz", act, gdst, src)
		})
	})
}

// floatBytes returns xs as FuzzActivate's bytes.
func floatBytes(xs ...float32) []byte {
	b := make([]byte, 0, 4*len(xs))
	for _, x := range xs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}
