package keras

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/simdnn/simdnn/internal/mnistgold"
)

const mnistDir = "../testdata/mnist"

// mnistExact computes the MNIST CNN's probabilities for one image in float64 from the
// model's weights, by the definitions: the reference both simdnn's and TF.js's float32
// results are measured against.
func mnistExact(w map[string][]float32, img []float32) []float64 {
	conv := func(in []float64, h, wd, c int, kernel, bias []float32, oc int) []float64 {
		oh, ow := h-2, wd-2
		out := make([]float64, oh*ow*oc)
		for y := range oh {
			for x := range ow {
				for o := range oc {
					s := float64(bias[o])
					for ky := range 3 {
						for kx := range 3 {
							for i := range c {
								s += in[((y+ky)*wd+x+kx)*c+i] * float64(kernel[((ky*3+kx)*c+i)*oc+o])
							}
						}
					}
					out[(y*ow+x)*oc+o] = max(s, 0)
				}
			}
		}
		return out
	}
	dense := func(in []float64, kernel, bias []float32, units int) []float64 {
		out := make([]float64, units)
		for o := range units {
			s := float64(bias[o])
			for i, v := range in {
				s += v * float64(kernel[i*units+o])
			}
			out[o] = s
		}
		return out
	}
	x := make([]float64, 784)
	for i, v := range img {
		x[i] = float64(v)
	}
	a := conv(x, 28, 28, 1, w["conv2d/kernel"], w["conv2d/bias"], 32)
	b := conv(a, 26, 26, 32, w["conv2d_1/kernel"], w["conv2d_1/bias"], 64)
	p := make([]float64, 12*12*64)
	for y := range 12 {
		for x := range 12 {
			for c := range 64 {
				m := math.Inf(-1)
				for dy := range 2 {
					for dx := range 2 {
						m = max(m, b[((2*y+dy)*24+2*x+dx)*64+c])
					}
				}
				p[(y*12+x)*64+c] = m
			}
		}
	}
	d := dense(p, w["dense/kernel"], w["dense/bias"], 128)
	for i := range d {
		d[i] = max(d[i], 0)
	}
	z := dense(d, w["dense_1/kernel"], w["dense_1/bias"], 10)
	zmax, sum := math.Inf(-1), 0.0
	for _, v := range z {
		zmax = max(zmax, v)
	}
	for i := range z {
		z[i] = math.Exp(z[i] - zmax)
		sum += z[i]
	}
	for i := range z {
		z[i] /= sum
	}
	return z
}

// TestMNIST runs the MNIST CNN that TF.js 4.22 trained and saved (testdata/mnist) on
// every held-out digit (the first 100 with -short, and then no accuracy check).
//
// Tolerance: simdnn and TF.js both compute in float32, each summing in its own order
// (simdnn: blocked FMA kernels; TF.js's CPU backend: plain JavaScript loops rounded to
// float32 after each operation). The logits are sums of up to 9,216 products (the Dense
// layer after Flatten), and a float32 sum of K terms in any order is within K·u·Σ|terms|
// of the exact one (u = 2⁻²⁴ ≈ 6e-8), typically √K·u·Σ|terms| as the roundings
// cancel; the softmax then passes at most half a logit's error to a probability. On the
// first digits the test computes the model in float64 and bounds each implementation's
// own error from it: both stay below 1e-5, so they cannot differ by more than 2e-5, the
// tolerance on every digit. Measured (AVX-512, AVX2, NEON, generic, purego): errors
// from the float64 model of 1e-7 to 2e-7 for simdnn and for TF.js, and at most 5e-7
// between them, 40 times below the tolerance; a wrong weight layout computes another
// network, whose probabilities are nothing like these.
func TestMNIST(t *testing.T) {
	gold, err := mnistgold.Load(mnistDir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Load(mnistDir)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Summary(); got != mnistSummary {
		t.Fatalf("Summary:\n%s\nwant:\n%s", got, mnistSummary)
	}
	count := gold.Count
	if testing.Short() {
		count = 100 // 500 take 80 s under qemu's arm64
	}
	probs := make([]float32, count*10)
	if err := m.Predict(probs, gold.Images, count); err != nil {
		t.Fatal(err)
	}
	const tol = 2e-5
	correct, maxDiff := 0, 0.0
	for i := range count {
		p, q := probs[i*10:i*10+10], gold.Probs[i*10:i*10+10]
		if argmax(p) == gold.Labels[i] {
			correct++
		}
		if argmax(p) != argmax(q) {
			t.Errorf("digit %d: simdnn says %d, TF.js %d", i, argmax(p), argmax(q))
		}
		for k := range p {
			d := math.Abs(float64(p[k]) - float64(q[k]))
			maxDiff = max(maxDiff, d)
			if !(d <= tol) {
				t.Errorf("digit %d: p[%d] = %g, TF.js %g (|Δ| %.3g > %g)", i, k, p[k], q[k], d, tol)
			}
		}
	}
	accuracy := float64(correct) / float64(count)
	t.Logf("accuracy %.1f%% (%d of %d), max |Δp| from TF.js %.3g", 100*accuracy, correct, count, maxDiff)
	if count == gold.Count && accuracy < 0.95 {
		t.Errorf("accuracy %.1f%%, want ≥ 95%%", 100*accuracy)
	}

	// Each implementation's own error, from the float64 model, on the first digits.
	weights := mnistWeights(t)
	const exactDigits = 8
	var simdnnErr, tfjsErr float64
	for i := range exactDigits {
		exact := mnistExact(weights, gold.Images[i*784:(i+1)*784])
		for k, e := range exact {
			simdnnErr = max(simdnnErr, math.Abs(float64(probs[i*10+k])-e))
			tfjsErr = max(tfjsErr, math.Abs(float64(gold.Probs[i*10+k])-e))
		}
	}
	t.Logf("max |p - exact| on %d digits: simdnn %.3g, TF.js %.3g", exactDigits, simdnnErr, tfjsErr)
	if simdnnErr > tol/2 || tfjsErr > tol/2 {
		t.Errorf("errors from the float64 model: simdnn %.3g, TF.js %.3g, want ≤ %g", simdnnErr, tfjsErr, tol/2)
	}
}

// mnistWeights reads testdata/mnist's weights by name.
func mnistWeights(t *testing.T) map[string][]float32 {
	js, err := os.ReadFile(filepath.Join(mnistDir, "model.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		WeightsManifest []manifestGroup `json:"weightsManifest"`
	}
	if err := json.Unmarshal(js, &file); err != nil {
		t.Fatal(err)
	}
	ws, err := readWeights(os.DirFS(mnistDir), ".", file.WeightsManifest)
	if err != nil {
		t.Fatal(err)
	}
	w := map[string][]float32{}
	for name, v := range ws.byName {
		w[name] = v.data
	}
	return w
}

func argmax(p []float32) int {
	best := 0
	for k := range p {
		if p[k] > p[best] {
			best = k
		}
	}
	return best
}
