package kerasgold

import (
	"math"
	"testing"
)

const goldDir = "../../testdata/keras"

func load(t *testing.T) []Case {
	t.Helper()
	cases, err := Load(goldDir)
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

func prod(s []int) int {
	p := 1
	for _, v := range s {
		p *= v
	}
	return p
}

// samePad returns Keras/TF "same" padding before (top/left) for one spatial
// dimension: pad_total = max((ceil(in/s)-1)*s + (k-1)*d + 1 - in, 0), and the
// odd element goes after (bottom/right).
func samePad(in, k, s, d int) int {
	out := (in + s - 1) / s
	total := (out-1)*s + (k-1)*d + 1 - in
	if total < 0 {
		total = 0
	}
	return total / 2
}

func convOutLen(in, k, s, d int, padding string) int {
	if padding == "same" {
		return (in + s - 1) / s
	}
	ek := (k-1)*d + 1
	return (in - ek + s) / s
}

func deconvOutLen(in, k, s int, padding string) int {
	if padding == "same" {
		return in * s
	}
	return in*s + max(k-s, 0)
}

// activate applies a Keras activation in place to out, whose last axis has
// n elements (softmax normalises over it).
func activate(act string, out []float64, n int) {
	if act == "softmax" {
		for r := 0; r+n <= len(out); r += n {
			softmaxRow(out[r : r+n])
		}
		return
	}
	for i, v := range out {
		out[i] = activation(act, v)
	}
}

// activation is one elementwise Keras activation, by definition.
func activation(act string, v float64) float64 {
	switch act {
	case "relu":
		return math.Max(v, 0)
	case "relu6":
		return math.Min(math.Max(v, 0), 6)
	case "sigmoid":
		return 1 / (1 + math.Exp(-v))
	case "tanh":
		return math.Tanh(v)
	case "swish":
		return v / (1 + math.Exp(-v))
	case "gelu": // Keras's default, approximate=False
		return 0.5 * v * (1 + math.Erf(v/math.Sqrt2))
	}
	return v
}

// softmaxRow is the numerically stable softmax, in place.
func softmaxRow(x []float64) {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, v)
	}
	var s float64
	for i, v := range x {
		x[i] = math.Exp(v - m)
		s += x[i]
	}
	for i := range x {
		x[i] /= s
	}
}

// refConv2D is a plain-loop Keras Conv2D: NHWC input, HWIO kernel. It
// returns the pre-activations (after the bias); see activate.
func refConv2D(c *Case) []float64 {
	oh := convOutLen(c.InH, c.KH, c.StrideH, c.DilationH, c.Padding)
	ow := convOutLen(c.InW, c.KW, c.StrideW, c.DilationW, c.Padding)
	padT, padL := 0, 0
	if c.Padding == "same" {
		padT = samePad(c.InH, c.KH, c.StrideH, c.DilationH)
		padL = samePad(c.InW, c.KW, c.StrideW, c.DilationW)
	}
	out := make([]float64, c.Batch*oh*ow*c.OutC)
	for b := 0; b < c.Batch; b++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				for oc := 0; oc < c.OutC; oc++ {
					var acc float64
					if c.Bias != nil {
						acc = float64(c.Bias[oc])
					}
					for ky := 0; ky < c.KH; ky++ {
						iy := oy*c.StrideH + ky*c.DilationH - padT
						if iy < 0 || iy >= c.InH {
							continue
						}
						for kx := 0; kx < c.KW; kx++ {
							ix := ox*c.StrideW + kx*c.DilationW - padL
							if ix < 0 || ix >= c.InW {
								continue
							}
							for ic := 0; ic < c.InC; ic++ {
								x := c.Input[((b*c.InH+iy)*c.InW+ix)*c.InC+ic]
								w := c.Kernel[((ky*c.KW+kx)*c.InC+ic)*c.OutC+oc]
								acc += float64(x) * float64(w)
							}
						}
					}
					out[((b*oh+oy)*ow+ox)*c.OutC+oc] = acc
				}
			}
		}
	}
	return out
}

// refConv2DTranspose is a plain-loop Keras Conv2DTranspose (the gradient of
// Conv2D with respect to its input): kernel [KH][KW][OutC][InC]; "same"
// padding is that of the forward Conv2D from the output size to the input.
// It returns the pre-activations.
func refConv2DTranspose(c *Case) []float64 {
	oh := deconvOutLen(c.InH, c.KH, c.StrideH, c.Padding)
	ow := deconvOutLen(c.InW, c.KW, c.StrideW, c.Padding)
	padT, padL := 0, 0
	if c.Padding == "same" {
		padT = samePad(oh, c.KH, c.StrideH, 1)
		padL = samePad(ow, c.KW, c.StrideW, 1)
	}
	out := make([]float64, c.Batch*oh*ow*c.OutC)
	for b := 0; b < c.Batch; b++ {
		for iy := 0; iy < c.InH; iy++ {
			for ix := 0; ix < c.InW; ix++ {
				for ky := 0; ky < c.KH; ky++ {
					oy := iy*c.StrideH + ky - padT
					if oy < 0 || oy >= oh {
						continue
					}
					for kx := 0; kx < c.KW; kx++ {
						ox := ix*c.StrideW + kx - padL
						if ox < 0 || ox >= ow {
							continue
						}
						for oc := 0; oc < c.OutC; oc++ {
							var acc float64
							for ic := 0; ic < c.InC; ic++ {
								x := c.Input[((b*c.InH+iy)*c.InW+ix)*c.InC+ic]
								w := c.Kernel[((ky*c.KW+kx)*c.OutC+oc)*c.InC+ic]
								acc += float64(x) * float64(w)
							}
							out[((b*oh+oy)*ow+ox)*c.OutC+oc] += acc
						}
					}
				}
			}
		}
	}
	if c.Bias != nil {
		for i := range out {
			out[i] += float64(c.Bias[i%c.OutC])
		}
	}
	return out
}

// refDense is a plain-loop Keras Dense: kernel [In][Out]. It returns the
// pre-activations.
func refDense(c *Case) []float64 {
	out := make([]float64, c.Batch*c.Out)
	for b := 0; b < c.Batch; b++ {
		for o := 0; o < c.Out; o++ {
			var acc float64
			if c.Bias != nil {
				acc = float64(c.Bias[o])
			}
			for i := 0; i < c.In; i++ {
				acc += float64(c.Input[b*c.In+i]) * float64(c.Kernel[i*c.Out+o])
			}
			out[b*c.Out+o] = acc
		}
	}
	return out
}

func TestManifest(t *testing.T) {
	cases := load(t)
	if len(cases) < 70 {
		t.Fatalf("got %d cases, want at least 70", len(cases))
	}
	byLayer := map[string]int{}
	names := map[string]bool{}
	for i := range cases {
		c := &cases[i]
		byLayer[c.Layer]++
		if names[c.Name] {
			t.Errorf("duplicate case name %q", c.Name)
		}
		names[c.Name] = true
		if c.Batch < 1 {
			t.Errorf("%s: batch %d", c.Name, c.Batch)
		}
		if c.Activation != "linear" && c.Activation != "relu" {
			t.Errorf("%s: activation %q", c.Name, c.Activation)
		}
		var inLen, kLen, bLen int
		var wantOut []int
		switch c.Layer {
		case Dense:
			inLen = c.Batch * c.In
			kLen = c.In * c.Out
			bLen = c.Out
			wantOut = []int{c.Batch, c.Out}
		case Conv2D, Conv2DTranspose:
			if c.Padding != "valid" && c.Padding != "same" {
				t.Errorf("%s: padding %q", c.Name, c.Padding)
			}
			if c.OutputPadding != nil {
				t.Errorf("%s: unexpected outputPadding %v", c.Name, c.OutputPadding)
			}
			inLen = c.Batch * c.InH * c.InW * c.InC
			kLen = c.KH * c.KW * c.InC * c.OutC
			bLen = c.OutC
			if c.Layer == Conv2D {
				wantOut = []int{c.Batch,
					convOutLen(c.InH, c.KH, c.StrideH, c.DilationH, c.Padding),
					convOutLen(c.InW, c.KW, c.StrideW, c.DilationW, c.Padding), c.OutC}
			} else {
				wantOut = []int{c.Batch,
					deconvOutLen(c.InH, c.KH, c.StrideH, c.Padding),
					deconvOutLen(c.InW, c.KW, c.StrideW, c.Padding), c.OutC}
			}
		}
		if len(c.Input) != inLen {
			t.Errorf("%s: input length %d, want %d", c.Name, len(c.Input), inLen)
		}
		if len(c.Kernel) != kLen {
			t.Errorf("%s: kernel length %d, want %d", c.Name, len(c.Kernel), kLen)
		}
		if c.UseBias {
			if len(c.Bias) != bLen {
				t.Errorf("%s: bias length %d, want %d", c.Name, len(c.Bias), bLen)
			}
		} else if c.Bias != nil {
			t.Errorf("%s: bias present with useBias false", c.Name)
		}
		if len(c.Output) != prod(c.OutShape) {
			t.Errorf("%s: output length %d, want prod(%v)", c.Name, len(c.Output), c.OutShape)
		}
		if !equalInts(c.OutShape, wantOut) {
			t.Errorf("%s: outShape %v, want %v", c.Name, c.OutShape, wantOut)
		}
		if want := kLen + map[bool]int{true: bLen}[c.UseBias]; c.ParamCount != want {
			t.Errorf("%s: paramCount %d, want %d", c.Name, c.ParamCount, want)
		}
	}
	t.Logf("%d cases: %v", len(cases), byLayer)
	for _, l := range []string{Conv2D, Conv2DTranspose, Dense} {
		if byLayer[l] == 0 {
			t.Errorf("no %s cases", l)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRGB40404(t *testing.T) {
	for _, c := range load(t) {
		if c.Name != "conv2d_rgb_40404" {
			continue
		}
		if c.Layer != Conv2D || c.InH != 3 || c.InW != 3 || c.InC != 3 || c.OutC != 1 ||
			c.KH != 2 || c.KW != 2 || c.Padding != "valid" || c.Activation != "relu" {
			t.Fatalf("unexpected config %+v", c)
		}
		for i, v := range c.Input {
			if want := []float32{1, 100, 10000}[i%3]; v != want {
				t.Fatalf("input[%d] = %v, want %v", i, v, want)
			}
		}
		for i, v := range c.Kernel {
			if v != 1 {
				t.Fatalf("kernel[%d] = %v, want 1", i, v)
			}
		}
		if len(c.Bias) != 1 || c.Bias[0] != 0 {
			t.Fatalf("bias = %v, want [0]", c.Bias)
		}
		if !equalInts(c.OutShape, []int{1, 2, 2, 1}) {
			t.Fatalf("outShape %v", c.OutShape)
		}
		for i, v := range c.Output {
			if v != 40404 {
				t.Fatalf("output[%d] = %v, want 40404", i, v)
			}
		}
		return
	}
	t.Fatal("case conv2d_rgb_40404 not found")
}

// TestReference recomputes every case with plain loops in float64 and
// compares with tfjs, to within 1e-4 relative (absolute below magnitude 1).
func TestReference(t *testing.T) {
	counts := map[string]int{}
	cases := load(t)
	for i := range cases {
		c := &cases[i]
		want, _ := reference(c)
		if compare(t, c, want, 1e-4) {
			counts[c.Layer]++
		}
	}
	t.Logf("matched the reference: %v", counts)
}

// compare reports whether c.Output matches want to within tol relative
// (absolute below magnitude 1), and reports the first mismatches.
func compare(t *testing.T, c *Case, want []float64, tol float64) bool {
	t.Helper()
	if len(want) != len(c.Output) {
		t.Errorf("%s: reference has %d outputs, tfjs %d", c.Name, len(want), len(c.Output))
		return false
	}
	bad := 0
	for j, w := range want {
		got := float64(c.Output[j])
		if d := math.Abs(got - w); !(d <= tol*math.Max(1, math.Abs(w))) {
			if bad < 3 {
				t.Errorf("%s: output[%d] = %v, reference %v", c.Name, j, got, w)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d/%d outputs differ", c.Name, bad, len(want))
		return false
	}
	return true
}
