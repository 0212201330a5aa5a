package main

import (
	"bytes"
	"os"
	"testing"
)

// TestGeneratedFilesFresh fails when the committed assembly or declarations differ from
// what the generator emits now: run `go generate` here.
func TestGeneratedFilesFresh(t *testing.T) {
	const out, stubs = "../../kernels/sgemm_arm64.s", "../../kernels/sgemm_arm64.go"
	file := generate(out, stubs)
	for name, want := range map[string][]byte{out: file.Assembly(), stubs: file.Declarations()} {
		got, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate in asm/arm64", name)
		}
	}
}
