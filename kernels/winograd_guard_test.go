//go:build unix

package kernels

import (
	"math/rand/v2"
	"testing"

	"github.com/simdnn/simdnn/internal/guard"
)

// TestWinogradGuarded runs Winograd layers with src, filter, bias and dst each ending
// flush against an unmapped page, on every ISA and blocking: a read or write one element
// past any of them crashes. The layers end on partial tiles, channel counts off the
// kernels' NR (the transforms' whole-row reads), valid and same padding, the last tile of
// the last image in a corner.
func TestWinogradGuarded(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		rng := rand.New(rand.NewPCG(61, 62))
		place := func(s []float32) []float32 { return guard.Float32s(t, s) }
		convs := []convCase{
			{Conv2DConfig: Conv2DConfig{InH: 7, InW: 5, InC: 3, OutC: 17, KH: 3, KW: 3, Padding: Same, Activation: ReLU}, n: 3, bias: true},
			{Conv2DConfig: Conv2DConfig{InH: 9, InW: 10, InC: 33, OutC: 7, KH: 3, KW: 3, Padding: Valid}, n: 1, bias: true},
			{Conv2DConfig: Conv2DConfig{InH: 3, InW: 3, InC: 1, OutC: 1, KH: 3, KW: 3, Padding: Valid}, n: 2},
			{Conv2DConfig: Conv2DConfig{InH: 1, InW: 1, InC: 5, OutC: 40, KH: 3, KW: 3, Padding: Same, Activation: Softmax}, n: 1, bias: true},
			{Conv2DConfig: Conv2DConfig{InH: 11, InW: 6, InC: 40, OutC: 33, KH: 3, KW: 3, Padding: Same, Activation: Tanh}, n: 2, bias: true},
		}
		for _, bim := range blockings(im) {
			for _, c := range convs {
				for _, alg := range []ConvAlgorithm{Winograd, Winograd2x2} {
					winogradCase{convCase: c, alg: alg}.check(t, bim, rng, place)
				}
			}
		}
	})
}
