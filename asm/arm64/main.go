// Command arm64 generates simdnn's arm64 assembly: the NEON SGEMM micro-kernels
// (sgemm.go), the NEON indirect convolution micro-kernels (conv.go), the level-1 and
// epilogue kernels (vector.go), and their Go declarations.
//
// Avo has no arm64 back end, so this is a small emitter of the project's own, after Go's
// math/big/internal/asmgen: named registers, a method per instruction (asm.go), and WORD
// encodings with the instruction in a comment for what the Go assembler lacks
// (encode.go). encode_test.go assembles every emitted WORD's comment with binutils and
// compares; main_test.go fails when the committed output is stale.
package main

//go:generate go run . -out ../../kernels/sgemm_arm64.s -stubs ../../kernels/sgemm_arm64.go

import (
	"flag"
	"fmt"
	"log"
	"os"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("arm64: ")
	out := flag.String("out", "", "write the assembly to this file")
	stubs := flag.String("stubs", "", "write the Go declarations to this file")
	flag.Parse()
	if *out == "" || *stubs == "" {
		log.Fatal("usage: go run . -out file.s -stubs file.go")
	}
	file := generate(*out, *stubs)
	if err := os.WriteFile(*out, file.Assembly(), 0o666); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*stubs, file.Declarations(), 0o666); err != nil {
		log.Fatal(err)
	}
}

// generate emits every kernel; out and stubs only name the files in the header.
func generate(out, stubs string) *File {
	file := &File{command: fmt.Sprintf("go run . -out %s -stubs %s", out, stubs), pkg: "kernels"}
	for _, k := range sgemmKernels {
		file.Add(k.generate())
	}
	for _, k := range convKernels {
		file.Add(k.generate())
	}
	for _, k := range vectorKernels {
		file.Add(k())
	}
	return file
}
