package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestRun runs the example on testdata/mnist: the summary's total, every test digit
// classified, and (unless -short) the speed table.
func TestRun(t *testing.T) {
	args := []string{"-time", "10ms"}
	if testing.Short() {
		args = append(args, "-speed=false")
	}
	var out bytes.Buffer
	if err := run(args, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Total params: 1,199,882", "test digits: accuracy", "agreement with TF.js"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in the output:\n%s", want, out.String())
		}
	}
	if !testing.Short() && !strings.Contains(out.String(), "dense (Dense)") {
		t.Errorf("no time per layer in the output:\n%s", out.String())
	}
	if err := run([]string{"-model", t.TempDir()}, &out); err == nil {
		t.Error("no error for a directory without a model")
	}
}
