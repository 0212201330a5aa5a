//go:build unix

package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/simdnn/simdnn/generic"
	"github.com/simdnn/simdnn/internal/guard"
)

// FuzzDot4 drives random lengths, leading dimensions and values through every ISA's
// four-row dot against generic.Dot4, with the operands flush against unmapped pages, so
// that a read past any row or x faults. The length reaches past several loop steps of
// every ISA; the guard pages place each operand's start at a different alignment.
func FuzzDot4(f *testing.F) {
	f.Add(uint16(0), uint8(0), uint64(1))
	f.Add(uint16(7), uint8(3), uint64(2))
	f.Add(uint16(100), uint8(0), uint64(3))
	f.Add(uint16(517), uint8(9), uint64(4))
	f.Fuzz(func(t *testing.T, n16 uint16, pad uint8, seed uint64) {
		n := int(n16 % 1200)
		lda := n + int(pad%17)
		rng := rand.New(rand.NewPCG(seed, uint64(n)))
		x, a := randomMatrix(rng, 1, n, n), randomMatrix(rng, 4, n, lda)
		want := make([]float32, 4)
		generic.Dot4(x, a, lda, want)
		forEachISA(t, func(t *testing.T, im impl) {
			got := guard.Float32s(t, []float32{sentinel, sentinel, sentinel, sentinel})
			im.dot4(guard.Float32s(t, x), guard.Float32s(t, a), lda, got)
			for r := range want {
				if d := math.Abs(float64(got[r] - want[r])); !(d <= dot4Tolerance(x, a, lda, r)) {
					t.Fatalf("n=%d lda=%d: out[%d] = %g, want %g", n, lda, r, got[r], want[r])
				}
			}
		})
	})
}

// FuzzMaxInto drives any bit patterns (NaNs, infinities, zeros, subnormals) of any
// length through every ISA's max against generic.MaxInto, flush against unmapped pages.
func FuzzMaxInto(f *testing.F) {
	f.Add([]byte{}, uint64(1))
	f.Add([]byte("\x00\x00\xc0\x7f\x00\x00\x80\x3f\x00\x00\x80\xff\x00\x00\x00\x80"), uint64(2))
	f.Fuzz(func(t *testing.T, bits []byte, seed uint64) {
		n := len(bits) / 4
		x, y := make([]float32, n), make([]float32, n)
		rng := rand.New(rand.NewPCG(seed, 5))
		for i := range n {
			x[i] = math.Float32frombits(uint32(bits[4*i]) | uint32(bits[4*i+1])<<8 | uint32(bits[4*i+2])<<16 | uint32(bits[4*i+3])<<24)
			y[i] = float32(rng.NormFloat64())
			if i%2 == 1 {
				x[i], y[i] = y[i], x[i]
			}
		}
		want := append([]float32(nil), y...)
		generic.MaxInto(x, want)
		forEachISA(t, func(t *testing.T, im impl) {
			got := guard.Float32s(t, y)
			im.maxInto(guard.Float32s(t, x), got)
			for i := range want {
				if got[i] != want[i] && !(math.IsNaN(float64(got[i])) && math.IsNaN(float64(want[i]))) {
					t.Fatalf("n=%d: y[%d] = %g, want %g", n, i, got[i], want[i])
				}
			}
		})
	})
}
