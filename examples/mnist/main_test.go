package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/simdnn/simdnn/internal/mnistgold"
	"github.com/simdnn/simdnn/keras"
)

// TestRun runs the example on testdata/mnist, without the speed measurements, on the
// first 64 digits (keras's TestMNIST runs them all): the summary's total and the
// digits classified as TF.js classifies them.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-speed=false", "-n", "64"}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Total params: 1,199,882", "64 test digits: accuracy", "the same class for 64 of 64 digits"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in the output:\n%s", want, out.String())
		}
	}
	if err := run([]string{"-model", t.TempDir()}, &out); err == nil {
		t.Error("no error for a directory without a model")
	}
}

// TestSpeed measures batch 1 briefly (batch 64 takes seconds under purego).
func TestSpeed(t *testing.T) {
	m, err := keras.Load("../../testdata/mnist")
	if err != nil {
		t.Fatal(err)
	}
	test, err := mnistgold.Load("../../testdata/mnist")
	if err != nil {
		t.Fatal(err)
	}
	median, best, layers, err := speed(m, test, 1, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if !(median > 0 && best >= median) || len(layers) != len(m.Layers()) || layers[1] <= 0 {
		t.Fatalf("median %v, best %v images/s, layers %v", median, best, layers)
	}
}
