//go:build unix

package kernels

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/simdnn/simdnn/internal/guard"
)

// TestActivationGuardPages runs every activation of every ISA with src and dst each
// ending flush against an unmapped page, out of place and in place, over every length
// up to several vectors: a kernel that reads or writes one element past either faults.
func TestActivationGuardPages(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		rng := rand.New(rand.NewPCG(25, 26))
		for act := range activations {
			for _, n := range activationLengths() {
				src := activationInput(rng, n, 20, act != Softmax)
				gsrc, gdst := guard.Float32s(t, src), guard.Float32s(t, make([]float32, n))
				im.activate[act](gdst, gsrc)
				what := fmt.Sprintf("guarded n=%d", n)
				if act == Softmax {
					checkSoftmax(t, what, gdst, src)
				} else {
					checkActivationOut(t, what, act, gdst, src)
				}
				im.activate[act](gsrc, gsrc)
				if !slices.Equal(math32Bits(gsrc), math32Bits(gdst)) {
					t.Fatalf("%s: %v in place differs from out of place", what, act)
				}
			}
		}
	})
}
