// Command asm generates simdnn's amd64 assembly with Avo: the SGEMM micro-kernels of
// every ISA from one parameterised generator (sgemm.go), the indirect convolution
// kernels on the same tiles (conv.go), the taller row kernel of the first layers
// (convrow.go), the level-1 kernels of the GEMV path and the layers (vector.go), the
// activations' vectorised passes (activation.go), the Winograd transforms (winograd.go),
// with their Go declarations.
//
// It is its own module so that users of simdnn never download Avo. Run `go generate` here
// (or `make generate` at the root); CI fails when the committed output differs.
package main

//go:generate go run . -out ../kernels/sgemm_amd64.s -stubs ../kernels/sgemm_amd64.go -pkg kernels

import (
	. "github.com/mmcloughlin/avo/build"
)

func main() {
	ConstraintExpr("!purego,!noasm")
	for _, k := range sgemmKernels {
		for _, t := range k.withEdges() {
			t.generate()
		}
		k.generateColumn()
		k.generatePack()
	}
	for _, k := range convKernels {
		k.generate()
	}
	for _, k := range rowConvKernels {
		k.generate()
	}
	for _, v := range vectorFamilies {
		v.generate()
	}
	for _, a := range activationFamilies {
		a.generate()
	}
	for _, w := range winogradFamilies {
		w.generate()
	}
	generateSpinPause()
	Generate()
}
