package kerasgold

import (
	"math"
	"strings"
	"testing"
)

func loadExtra(t *testing.T) []Case {
	t.Helper()
	cases, err := LoadExtra(goldDir)
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

// reference recomputes a case of any layer kind in float64. pre is what the
// activation (or the elementwise layer) was applied to: the pre-activations of
// Conv2D, Conv2DTranspose and Dense, the input of the weightless layers.
func reference(c *Case) (out, pre []float64) {
	switch c.Layer {
	case Conv2D, Conv2DTranspose, Dense:
		switch c.Layer {
		case Conv2D:
			pre = refConv2D(c)
		case Conv2DTranspose:
			pre = refConv2DTranspose(c)
		default:
			pre = refDense(c)
		}
		out = append([]float64(nil), pre...)
		activate(c.Activation, out, c.OutShape[len(c.OutShape)-1])
		return out, pre
	case MaxPooling2D, AveragePooling2D:
		return refPool(c), nil
	case GlobalAveragePooling2D:
		return refGlobalAvgPool(c), nil
	}
	pre = make([]float64, len(c.Input))
	for i, v := range c.Input {
		pre[i] = float64(v)
	}
	out = append([]float64(nil), pre...)
	switch c.Layer {
	case LeakyReLU:
		for i, v := range out {
			if v < 0 {
				out[i] = c.Alpha * v
			}
		}
	case ActivationLayer:
		activate(c.Activation, out, c.InShape[len(c.InShape)-1])
	case Softmax:
		activate("softmax", out, c.InShape[len(c.InShape)-1])
	}
	return out, pre
}

// refPool is a plain-loop Keras MaxPooling2D / AveragePooling2D: windows are
// clipped to the input, so padding never enters a max or an average (the
// count is that of the input elements in the window).
func refPool(c *Case) []float64 {
	oh := convOutLen(c.InH, c.PoolH, c.StrideH, 1, c.Padding)
	ow := convOutLen(c.InW, c.PoolW, c.StrideW, 1, c.Padding)
	padT, padL := 0, 0
	if c.Padding == "same" {
		padT = samePad(c.InH, c.PoolH, c.StrideH, 1)
		padL = samePad(c.InW, c.PoolW, c.StrideW, 1)
	}
	out := make([]float64, c.Batch*oh*ow*c.InC)
	for b := 0; b < c.Batch; b++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				for ch := 0; ch < c.InC; ch++ {
					m, sum, n := math.Inf(-1), 0.0, 0
					for ky := 0; ky < c.PoolH; ky++ {
						iy := oy*c.StrideH + ky - padT
						if iy < 0 || iy >= c.InH {
							continue
						}
						for kx := 0; kx < c.PoolW; kx++ {
							ix := ox*c.StrideW + kx - padL
							if ix < 0 || ix >= c.InW {
								continue
							}
							v := float64(c.Input[((b*c.InH+iy)*c.InW+ix)*c.InC+ch])
							m = math.Max(m, v)
							sum += v
							n++
						}
					}
					o := &out[((b*oh+oy)*ow+ox)*c.InC+ch]
					if c.Layer == MaxPooling2D {
						*o = m
					} else {
						*o = sum / float64(n)
					}
				}
			}
		}
	}
	return out
}

// refGlobalAvgPool is Keras GlobalAveragePooling2D: the mean over H and W.
func refGlobalAvgPool(c *Case) []float64 {
	out := make([]float64, c.Batch*c.InC)
	hw := c.InH * c.InW
	for b := 0; b < c.Batch; b++ {
		for p := 0; p < hw; p++ {
			for ch := 0; ch < c.InC; ch++ {
				out[b*c.InC+ch] += float64(c.Input[(b*hw+p)*c.InC+ch])
			}
		}
	}
	for i := range out {
		out[i] /= float64(hw)
	}
	return out
}

func TestExtraManifest(t *testing.T) {
	cases := loadExtra(t)
	byLayer := map[string]int{}
	acts := map[string]int{}
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
		var inLen, paramCount int
		var wantOut []int
		switch c.Layer {
		case Conv2D, Dense:
			acts[c.Activation]++
			if c.Activation == "linear" || c.Activation == "relu" {
				t.Errorf("%s: activation %q belongs in cases.json", c.Name, c.Activation)
			}
			kLen, bLen := c.In*c.Out, c.Out
			inLen = c.Batch * c.In
			wantOut = []int{c.Batch, c.Out}
			if c.Layer == Conv2D {
				kLen, bLen = c.KH*c.KW*c.InC*c.OutC, c.OutC
				inLen = c.Batch * c.InH * c.InW * c.InC
				wantOut = []int{c.Batch,
					convOutLen(c.InH, c.KH, c.StrideH, c.DilationH, c.Padding),
					convOutLen(c.InW, c.KW, c.StrideW, c.DilationW, c.Padding), c.OutC}
			}
			if len(c.Kernel) != kLen || (c.UseBias && len(c.Bias) != bLen) || (!c.UseBias && c.Bias != nil) {
				t.Errorf("%s: kernel %d, bias %d floats", c.Name, len(c.Kernel), len(c.Bias))
			}
			paramCount = kLen + map[bool]int{true: bLen}[c.UseBias]
		case LeakyReLU, ActivationLayer, Softmax:
			inLen, wantOut = prod(c.InShape), c.InShape
			if c.InShape[0] != c.Batch || (len(c.InShape) != 2 && len(c.InShape) != 4) {
				t.Errorf("%s: inShape %v, batch %d", c.Name, c.InShape, c.Batch)
			}
			if c.Layer == LeakyReLU && !(c.Alpha > 0 && c.Alpha < 1) {
				t.Errorf("%s: alpha %v", c.Name, c.Alpha)
			}
			if c.Layer == Softmax && c.Axis != -1 {
				t.Errorf("%s: axis %d", c.Name, c.Axis)
			}
		case MaxPooling2D, AveragePooling2D:
			inLen = c.Batch * c.InH * c.InW * c.InC
			wantOut = []int{c.Batch,
				convOutLen(c.InH, c.PoolH, c.StrideH, 1, c.Padding),
				convOutLen(c.InW, c.PoolW, c.StrideW, 1, c.Padding), c.InC}
			if c.Padding != "valid" && c.Padding != "same" {
				t.Errorf("%s: padding %q", c.Name, c.Padding)
			}
		case GlobalAveragePooling2D:
			inLen = c.Batch * c.InH * c.InW * c.InC
			wantOut = []int{c.Batch, c.InC}
		default:
			t.Errorf("%s: layer %q in extra.json", c.Name, c.Layer)
		}
		if !hasWeights(c.Layer) && (c.Kernel != nil || c.Bias != nil) {
			t.Errorf("%s: weights on a weightless layer", c.Name)
		}
		if len(c.Input) != inLen {
			t.Errorf("%s: input length %d, want %d", c.Name, len(c.Input), inLen)
		}
		if !equalInts(c.OutShape, wantOut) {
			t.Errorf("%s: outShape %v, want %v", c.Name, c.OutShape, wantOut)
		}
		if len(c.Output) != prod(c.OutShape) {
			t.Errorf("%s: output length %d, want prod(%v)", c.Name, len(c.Output), c.OutShape)
		}
		if c.ParamCount != paramCount {
			t.Errorf("%s: paramCount %d, want %d", c.Name, c.ParamCount, paramCount)
		}
	}
	t.Logf("%d cases: %v; conv2d/dense activations %v", len(cases), byLayer, acts)
	for _, l := range []string{Conv2D, Dense, LeakyReLU, ActivationLayer, Softmax,
		MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D} {
		if byLayer[l] == 0 {
			t.Errorf("no %s cases", l)
		}
	}
	for _, a := range []string{"relu6", "sigmoid", "tanh", "swish", "gelu", "softmax"} {
		if acts[a] < 4 {
			t.Errorf("%d conv2d/dense cases with %s, want at least 4", acts[a], a)
		}
	}
}

// TestExtraReference recomputes every extra case in float64 and compares with
// tfjs: 1e-4 relative (absolute below 1) for the layers with weights, 1e-5
// for the weightless ones, which see exactly tfjs's input.
func TestExtraReference(t *testing.T) {
	counts := map[string]int{}
	cases := loadExtra(t)
	for i := range cases {
		c := &cases[i]
		want, pre := reference(c)
		tol := 1e-5
		if hasWeights(c.Layer) {
			tol = 1e-4
		}
		if !compare(t, c, want, tol) {
			continue
		}
		counts[c.Layer]++
		// The saturating cases must reach the flat parts of the functions.
		if strings.HasSuffix(c.Name, "_sat") || strings.HasSuffix(c.Name, "_grid") {
			m := 0.0
			for _, v := range pre {
				m = math.Max(m, math.Abs(v))
			}
			if m < 20 {
				t.Errorf("%s: largest |pre-activation| %.3g, want >= 20", c.Name, m)
			}
		}
		if strings.HasSuffix(c.Name, "_neg") {
			for j, v := range c.Output {
				if v >= -1 {
					t.Errorf("%s: output[%d] = %v on an all-negative input", c.Name, j, v)
					break
				}
			}
		}
	}
	t.Logf("matched the reference: %v", counts)
}

// TestGELUIsExact checks that tfjs's 'gelu' is Keras's default, the erf form,
// and not the tanh approximation (which differs by up to ~5e-4 on the grid).
func TestGELUIsExact(t *testing.T) {
	for _, c := range loadExtra(t) {
		if c.Name != "activation_gelu_1x1x5x77_grid" {
			continue
		}
		var errExact, errTanh float64
		for i, x32 := range c.Input {
			x := float64(x32)
			got := float64(c.Output[i])
			exact := 0.5 * x * (1 + math.Erf(x/math.Sqrt2))
			approx := 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
			errExact = math.Max(errExact, math.Abs(got-exact))
			errTanh = math.Max(errTanh, math.Abs(got-approx))
		}
		t.Logf("gelu grid: max |tfjs - erf form| %.3g, max |tfjs - tanh form| %.3g", errExact, errTanh)
		if errExact > 1e-5 || errTanh < 1e-4 {
			t.Errorf("tfjs gelu is not the exact erf form")
		}
		return
	}
	t.Fatal("case activation_gelu_1x1x5x77_grid not found")
}
