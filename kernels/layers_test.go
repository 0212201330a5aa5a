package kernels

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/simdnn/simdnn/dispatch"
	"github.com/simdnn/simdnn/generic"
)

// Tests of the Keras layers: every fast path against the definitions in generic/, on
// every ISA, with the real cache blocking and with tiny blocks that make small layers
// cross many blocks and K slices.

// blockings returns im, and im with MC = MR and KC = 5, as pathTinyBlocks does for Sgemm,
// and without its indirect convolution kernel and Winograd transform kernels, so that
// Conv2D takes im2col and the GEMM driver, and Winograd its transforms on the SGEMM
// kernel, on every ISA too. A layer keeps the impl it was built with, so tests pass these
// to the constructors.
func blockings(im impl) []impl {
	tiny := im
	tiny.blocking.MC, tiny.blocking.KC = tiny.blocking.MR, 5
	tiny.blocking.PackedMC, tiny.blocking.PackedKC = tiny.blocking.MR, 5
	tiny.conv = convKernel{}
	tiny.winograd = [2]winogradKernels{} // the Winograd transforms on the SGEMM kernel
	return []impl{im, tiny}
}

// supportedImpls returns the implementation of every ISA this CPU and build can run, for
// the fuzz targets, which cannot use forEachISA's subtests.
func supportedImpls(t testing.TB) []impl {
	var ims []impl
	for _, isa := range dispatch.DetectedCPU().Supported {
		im, err := newImpl(isa)
		if err != nil {
			t.Fatalf("%s is detected but has no implementation: %v", isa, err)
		}
		ims = append(ims, im)
	}
	return ims
}

// uniform returns n values uniform in [-1, 1).
func uniform(rng *rand.Rand, n int) []float32 { return randomMatrix(rng, 1, n, n) }

// nans returns n NaNs: a layer output that Forward leaves unwritten stays NaN.
func nans(n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(math.NaN())
	}
	return s
}

// abs returns |s| elementwise; nil stays nil.
func abs(s []float32) []float32 {
	if s == nil {
		return nil
	}
	r := make([]float32, len(s))
	for i, v := range s {
		r[i] = float32(math.Abs(float64(v)))
	}
	return r
}

// unitRoundoff is u = 2⁻²⁴, the relative rounding error of float32.
const unitRoundoff = 1.0 / (1 << 24)

// checkWithin compares a layer's output with the float64 reference want, element by
// element, within the rounding-error bound of a float32 sum of terms products and a
// bias, in any order: |got - want| ≤ (terms+3)·u·mag, mag the same layer on |src|,
// |weights| and |bias| without activation. ReLU does not widen an error. A lost or
// doubled product, a stale accumulator or a wrong pixel is off by far more.
func checkWithin(t testing.TB, what fmt.Stringer, got, want, mag []float32, terms int) {
	t.Helper()
	checkActivated(t, what, got, want, mag, terms, Linear, 1)
}

// activationSlope bounds |act'|: how much an activation can grow an error in its input.
// GELU's steepest slope is 1.129, Swish's 1.100.
var activationSlope = [activations]float64{Linear: 1, ReLU: 1, ReLU6: 1, LeakyReLU: 1, Sigmoid: 0.25, Tanh: 1, Swish: 1.1, GELU: 1.13}

// checkActivated compares got with act(pre), pre the reference without activation
// (rows of cols values) and mag its magnitude (the same on |operands|), which bounds
// pre's error by (terms+3)·u·mag. The activation carries that error over scaled by its
// slope (Softmax: each output by 2·p times the row's largest), and adds its own rounding,
// a few units in the last place.
func checkActivated(t testing.TB, what fmt.Stringer, got, pre, mag []float32, terms int, act Activation, cols int) {
	t.Helper()
	want := slices.Clone(pre)
	rows := len(want) / cols
	for r := range rows {
		row := want[r*cols : r*cols+cols]
		genericActivations[act](row, row)
	}
	for r := range rows {
		worst := 0.0 // the row's largest bound on pre's error
		for _, m := range mag[r*cols : r*cols+cols] {
			worst = max(worst, float64(m))
		}
		for i := r * cols; i < r*cols+cols; i++ {
			preBound := float64(terms+3) * unitRoundoff * float64(mag[i]) * 1.0001
			bound := activationSlope[act] * preBound
			if act == Softmax {
				bound = 2.02 * float64(terms+3) * unitRoundoff * worst * float64(want[i])
			}
			if act != Linear && act != ReLU {
				// The kernels' own error: GELU's measured worst is 5.56·u·|want| (4 ulps;
				// TestActivationAccuracy), the others' under 4.
				bound += 6 * unitRoundoff * math.Abs(float64(want[i]))
			}
			bound += 1e-30
			if d := math.Abs(float64(got[i]) - float64(want[i])); !(d <= bound) {
				t.Fatalf("%v: output[%d] = %g, want %g (error %g > bound %g)", what, i, got[i], want[i], d, bound)
			}
		}
	}
}

// convCase is one convolution layer and call, for Conv2D or, read as the transpose's
// configuration, Conv2DTranspose.
type convCase struct {
	Conv2DConfig
	op   []int // OutputPadding, for Conv2DTranspose
	n    int
	bias bool
}

func (c convCase) String() string {
	return fmt.Sprintf("in %d×%d×%d, %d filters %d×%d, stride %d,%d, dilation %d,%d, %v, %v, op %v, n %d, bias %v",
		c.InH, c.InW, c.InC, c.OutC, c.KH, c.KW, c.StrideH, c.StrideW, c.DilationH, c.DilationW,
		c.Padding, c.Activation, c.op, c.n, c.bias)
}

func (c convCase) transposeConfig() Conv2DTransposeConfig {
	return Conv2DTransposeConfig{Conv2DConfig: c.Conv2DConfig, OutputPadding: c.op}
}

// weights draws a filter and, if the case has one, a bias, each passed through place.
func (c convCase) weights(rng *rand.Rand, place func([]float32) []float32) (filter, bias []float32) {
	filter = place(uniform(rng, c.ParamCount(false)))
	if c.bias {
		bias = place(uniform(rng, c.OutC))
	}
	return filter, bias
}

// asIs leaves a slice where it is.
func asIs(s []float32) []float32 { return s }

// checkConv2D runs the case's Conv2D, built for im, on random data and compares it with
// generic.Conv2D. place puts every slice the layer sees where the test wants it.
func (c convCase) checkConv2D(t testing.TB, im impl, rng *rand.Rand, place func([]float32) []float32) {
	t.Helper()
	s, err := c.conv2DShape()
	if err != nil {
		t.Fatalf("%v: %v", c, err)
	}
	filter, bias := c.weights(rng, place)
	layer, err := newConv2D(c.Conv2DConfig, filter, bias, im)
	if err != nil {
		t.Fatalf("%v: %v", c, err)
	}
	src := place(uniform(rng, c.n*s.H.In*s.W.In*s.InC))
	dst := place(nans(c.n * s.H.Out * s.W.Out * s.OutC))
	if err := layer.Forward(dst, src, c.n); err != nil {
		t.Fatalf("%v: Forward: %v", c, err)
	}
	want, mag := make([]float32, len(dst)), make([]float32, len(dst))
	generic.Conv2D(want, src, filter, bias, c.n, s, false)
	generic.Conv2D(mag, abs(src), abs(filter), abs(bias), c.n, s, false)
	checkActivated(t, c, dst, want, mag, s.H.K*s.W.K*s.InC, c.Activation, s.OutC)
}

// checkConv2DTranspose is checkConv2D for the case's Conv2DTranspose.
func (c convCase) checkConv2DTranspose(t testing.TB, im impl, rng *rand.Rand, place func([]float32) []float32) {
	t.Helper()
	f, err := c.transposeConfig().forwardShape()
	if err != nil {
		t.Fatalf("%v: %v", c, err)
	}
	filter, bias := c.weights(rng, place)
	layer, err := newConv2DTranspose(c.transposeConfig(), filter, bias, im)
	if err != nil {
		t.Fatalf("%v: %v", c, err)
	}
	src := place(uniform(rng, c.n*f.H.Out*f.W.Out*f.OutC))
	dst := place(nans(c.n * f.H.In * f.W.In * f.InC))
	if err := layer.Forward(dst, src, c.n); err != nil {
		t.Fatalf("%v: Forward: %v", c, err)
	}
	want, mag := make([]float32, len(dst)), make([]float32, len(dst))
	generic.Conv2DTranspose(want, src, filter, bias, c.n, f, false)
	generic.Conv2DTranspose(mag, abs(src), abs(filter), abs(bias), c.n, f, false)
	checkActivated(t, c, dst, want, mag, f.H.K*f.W.K*f.OutC, c.Activation, f.InC)
}

// denseCase is one Dense layer and call.
type denseCase struct {
	in, out, batch int
	act            Activation
	bias           bool
}

func (c denseCase) String() string {
	return fmt.Sprintf("dense %d→%d, batch %d, %v, bias %v", c.in, c.out, c.batch, c.act, c.bias)
}

func (c denseCase) check(t testing.TB, im impl, rng *rand.Rand, place func([]float32) []float32) {
	t.Helper()
	kernel := place(uniform(rng, c.in*c.out))
	var bias []float32
	if c.bias {
		bias = place(uniform(rng, c.out))
	}
	layer, err := newDense(c.in, c.out, kernel, bias, c.act, im)
	if err != nil {
		t.Fatalf("%v: %v", c, err)
	}
	src := place(uniform(rng, c.batch*c.in))
	dst := place(nans(c.batch * c.out))
	if err := layer.Forward(dst, src, c.batch); err != nil {
		t.Fatalf("%v: Forward: %v", c, err)
	}
	want, mag := make([]float32, len(dst)), make([]float32, len(dst))
	generic.Dense(want, src, kernel, bias, c.batch, c.in, c.out, false)
	generic.Dense(mag, abs(src), abs(kernel), abs(bias), c.batch, c.in, c.out, false)
	checkActivated(t, c, dst, want, mag, c.in, c.act, c.out)
}

// Sizes the table tests draw from: channel counts around every tile width (4, 8, 16, 32)
// and kernel shapes square and not.
var (
	tileWidths  = []int{1, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33}
	kernelSizes = [][2]int{{1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 5}, {1, 7}, {7, 1}}
)

func pick[T any](rng *rand.Rand, s []T) T { return s[rng.IntN(len(s))] }

// randomConv returns a convolution with the given kernel, padding, strides and dilations
// and the rest drawn at random: spatial sizes 1 to 9 (at least the dilated kernel with
// valid padding), channels from tileWidths, batch 1 or 3, activation, bias.
func randomConv(rng *rand.Rand, kh, kw int, pad Padding, sh, sw, dh, dw int) convCase {
	in := func(k, d int) int {
		v := 1 + rng.IntN(9)
		if pad == Valid {
			v = max(v, (k-1)*d+1)
		}
		return v
	}
	return convCase{
		Conv2DConfig: Conv2DConfig{
			InH: in(kh, dh), InW: in(kw, dw), InC: pick(rng, tileWidths), OutC: pick(rng, tileWidths),
			KH: kh, KW: kw, StrideH: sh, StrideW: sw, DilationH: dh, DilationW: dw,
			Padding: pad, Activation: Activation(rng.IntN(int(activations))),
		},
		n:    pick(rng, []int{1, 3}),
		bias: rng.IntN(2) == 0,
	}
}

// convSweep lists the table cases: every kernel size × padding × stride × dilation, the
// other axis's stride and dilation and the remaining sizes drawn at random, rounds
// times; then every pair of channel counts on a few fixed geometries, one of them
// pointwise (the in-place path).
func convSweep(rng *rand.Rand, rounds int) []convCase {
	var cases []convCase
	for range rounds {
		for _, k := range kernelSizes {
			for _, pad := range []Padding{Valid, Same} {
				for s := 1; s <= 3; s++ {
					for d := 1; d <= 2; d++ {
						cases = append(cases, randomConv(rng, k[0], k[1], pad, s, 1+rng.IntN(3), d, 1+rng.IntN(2)))
					}
				}
			}
		}
	}
	for i, inC := range tileWidths {
		for j, outC := range tileWidths {
			geometry := [][4]int{{3, 3, 1, 1}, {1, 1, 1, 1}, {2, 2, 2, 2}}[(i+j)%3] // kh, kw, sh, sw
			c := randomConv(rng, geometry[0], geometry[1], Padding((i*7+j)%2), geometry[2], geometry[3], 1, 1)
			c.InC, c.OutC = inC, outC
			cases = append(cases, c)
		}
	}
	return cases
}

func TestConv2DTable(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		rng := rand.New(rand.NewPCG(11, 12))
		cases := convSweep(rng, 2)
		for _, bim := range blockings(im) {
			for _, c := range cases {
				c.checkConv2D(t, bim, rng, asIs)
			}
		}
	})
}

// TestConvIm2colTable runs the convolution and transpose tables with the indirection
// buffer's limit at zero, so that every ISA takes im2col (and col2im), the path of the
// images too large for the buffer.
func TestConvIm2colTable(t *testing.T) {
	defer func(limit int) { maxIndirectOffsets = limit }(maxIndirectOffsets)
	maxIndirectOffsets = 0
	forEachISA(t, func(t *testing.T, im impl) {
		rng := rand.New(rand.NewPCG(17, 18))
		cases := transposeCases(rng, convSweep(rng, 1))
		for _, c := range cases {
			c.checkConv2D(t, im, rng, asIs)
			c.checkConv2DTranspose(t, im, rng, asIs)
		}
	})
}

// transposeCases turns convolution cases into Conv2DTranspose cases: half keep Keras's
// OutputPadding None, the others get values drawn from [0, stride); those TensorFlow
// refuses (see generic.TransposeAxis) go back to None.
func transposeCases(rng *rand.Rand, cases []convCase) []convCase {
	for i := range cases {
		c := &cases[i]
		if i%2 == 0 {
			continue
		}
		c.op = []int{rng.IntN(max(c.StrideH, 1)), rng.IntN(max(c.StrideW, 1))}
		if _, err := c.transposeConfig().forwardShape(); err != nil {
			c.op = nil
		}
	}
	return cases
}

func TestConv2DTransposeTable(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		rng := rand.New(rand.NewPCG(13, 14))
		cases := transposeCases(rng, convSweep(rng, 2))
		explicit := 0
		for _, bim := range blockings(im) {
			for _, c := range cases {
				if c.op != nil {
					explicit++
				}
				c.checkConv2DTranspose(t, bim, rng, asIs)
			}
		}
		if explicit < len(cases)/4 {
			t.Errorf("only %d of %d cases have an explicit OutputPadding", explicit, 2*len(cases))
		}
	})
}

func TestDenseTable(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		rng := rand.New(rand.NewPCG(15, 16))
		sizes := append(slices.Clone(tileWidths), 100, 300) // 300 crosses KC
		for _, bim := range blockings(im) {
			for i, in := range sizes {
				for j, out := range sizes {
					c := denseCase{in: in, out: out, batch: []int{1, 2, 3, 13}[(i+j)%4],
						act: Activation((i + j) % int(activations)), bias: j%2 == 0}
					c.check(t, bim, rng, asIs)
				}
			}
		}
	})
}

// TestConvOutputSize checks the Keras shape rules on hand-worked cases, and that the
// layers report what their configurations do.
func TestConvOutputSize(t *testing.T) {
	for _, tc := range []struct {
		cfg        Conv2DConfig
		op         []int
		conv, tran [2]int // Conv2D's and Conv2DTranspose's output sizes
	}{
		// valid: ceil((in - dk + 1)/s); transpose in·s + max(dk - s, 0).
		{Conv2DConfig{InH: 7, InW: 5, KH: 3, KW: 2, StrideH: 2, StrideW: 3}, nil, [2]int{3, 2}, [2]int{15, 15}},
		// same: ceil(in/s); transpose in·s.
		{Conv2DConfig{InH: 7, InW: 5, KH: 3, KW: 2, StrideH: 2, StrideW: 3, Padding: Same}, nil, [2]int{4, 2}, [2]int{14, 15}},
		// dilation 2 makes a 3-tap kernel span 5.
		{Conv2DConfig{InH: 9, InW: 6, KH: 3, KW: 3, DilationH: 2, DilationW: 2}, nil, [2]int{5, 2}, [2]int{13, 10}},
		// explicit output padding: (in-1)·s + dk - 2·pad + op.
		{Conv2DConfig{InH: 4, InW: 4, KH: 3, KW: 3, StrideH: 2, StrideW: 2, Padding: Same}, []int{1, 0}, [2]int{2, 2}, [2]int{8, 7}},
		{Conv2DConfig{InH: 4, InW: 4, KH: 3, KW: 3, StrideH: 3, StrideW: 2}, []int{2, 1}, [2]int{1, 1}, [2]int{14, 10}},
		// a 1×1 kernel smaller than the stride leaves bias-only rows in the transpose.
		{Conv2DConfig{InH: 3, InW: 2, KH: 1, KW: 1, StrideH: 2, StrideW: 2}, nil, [2]int{2, 1}, [2]int{6, 4}},
	} {
		tc.cfg.InC, tc.cfg.OutC = 2, 3
		if h, w := tc.cfg.OutputSize(); [2]int{h, w} != tc.conv {
			t.Errorf("%+v: Conv2D OutputSize %d×%d, want %v", tc.cfg, h, w, tc.conv)
		}
		tcfg := Conv2DTransposeConfig{Conv2DConfig: tc.cfg, OutputPadding: tc.op}
		if h, w := tcfg.OutputSize(); [2]int{h, w} != tc.tran {
			t.Errorf("%+v: Conv2DTranspose OutputSize %d×%d, want %v", tcfg, h, w, tc.tran)
		}
		layer, err := NewConv2DTranspose(tcfg, make([]float32, tc.cfg.ParamCount(false)), nil)
		if err != nil {
			t.Fatalf("%+v: %v", tcfg, err)
		}
		if h, w := layer.OutputSize(); [2]int{h, w} != tc.tran {
			t.Errorf("%+v: layer OutputSize %d×%d, want %v", tcfg, h, w, tc.tran)
		}
	}
}

// TestParamCount checks the counts Keras's model.summary() prints for the layers of its
// MNIST convnet example; a Dense layer counts as a 1×1 Conv2D on a 1×1 image.
func TestParamCount(t *testing.T) {
	for _, tc := range []struct {
		cfg  Conv2DConfig
		want int
	}{
		{Conv2DConfig{InH: 28, InW: 28, InC: 1, OutC: 32, KH: 3, KW: 3}, 320},
		{Conv2DConfig{InH: 26, InW: 26, InC: 32, OutC: 64, KH: 3, KW: 3}, 18496},
		{Conv2DConfig{InH: 1, InW: 1, InC: 9216, OutC: 128, KH: 1, KW: 1}, 1179776},
	} {
		if got := tc.cfg.ParamCount(true); got != tc.want {
			t.Errorf("%+v: ParamCount(true) = %d, want %d", tc.cfg, got, tc.want)
		}
	}
}

// TestConvAdjoint checks that a Conv2D's HWIO filter, used unchanged as the filter of the
// Conv2DTranspose going back (InC and OutC swapped, same strides, dilations and padding,
// output size matched with OutputPadding), gives its adjoint:
// ⟨conv(x), y⟩ = ⟨x, convT(y)⟩, up to the rounding of both layers:
// (Kconv + Ktransposed + 6)·u·⟨|W|·|x|, |y|⟩.
func TestConvAdjoint(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		rng := rand.New(rand.NewPCG(17, 18))
		cases, checked := convSweep(rng, 2), 0
		for _, c := range cases {
			c.Activation, c.bias = Linear, false
			s, err := c.conv2DShape()
			if err != nil {
				t.Fatalf("%v: %v", c, err)
			}
			back, ok := adjointConfig(c.Conv2DConfig, s)
			if !ok {
				continue // no Keras Conv2DTranspose has exactly this shape
			}
			filter := uniform(rng, c.ParamCount(false))
			conv, err := newConv2D(c.Conv2DConfig, filter, nil, im)
			if err != nil {
				t.Fatal(err)
			}
			convT, err := newConv2DTranspose(back, filter, nil, im)
			if err != nil {
				t.Fatalf("%v: transpose %+v: %v", c, back, err)
			}
			if h, w := convT.OutputSize(); h != c.InH || w != c.InW {
				t.Fatalf("%v: transpose %+v has output %d×%d", c, back, h, w)
			}
			x := uniform(rng, c.n*s.H.In*s.W.In*s.InC)
			y := uniform(rng, c.n*s.H.Out*s.W.Out*s.OutC)
			cx, cty := make([]float32, len(y)), make([]float32, len(x))
			if err := conv.Forward(cx, x, c.n); err != nil {
				t.Fatal(err)
			}
			if err := convT.Forward(cty, y, c.n); err != nil {
				t.Fatal(err)
			}
			mag := make([]float32, len(y))
			generic.Conv2D(mag, abs(x), abs(filter), nil, c.n, s, false)
			lhs, rhs, scale := dot64(cx, y), dot64(x, cty), dot64(mag, abs(y))
			terms := s.H.K*s.W.K*s.InC + s.H.K*s.W.K*s.OutC
			if bound := float64(terms+6) * unitRoundoff * scale * 1.0001; math.Abs(lhs-rhs) > bound {
				t.Fatalf("%v: ⟨conv(x), y⟩ = %g, ⟨x, convT(y)⟩ = %g, differ by %g > %g", c, lhs, rhs, math.Abs(lhs-rhs), bound)
			}
			checked++
		}
		if checked < len(cases)*3/4 {
			t.Errorf("only %d of %d configurations have a Keras transpose", checked, len(cases))
		}
	})
}

// adjointConfig returns the Conv2DTranspose whose forward convolution is the Conv2D of
// cfg (shape s), taking Keras's OutputPadding None when it gives cfg's input size and an
// explicit one otherwise. ok is false when no OutputPadding Keras accepts does.
func adjointConfig(cfg Conv2DConfig, s generic.Conv) (back Conv2DTransposeConfig, ok bool) {
	back.Conv2DConfig = cfg
	back.InH, back.InW, back.InC, back.OutC = s.H.Out, s.W.Out, cfg.OutC, cfg.InC
	if h, w := back.OutputSize(); h == cfg.InH && w == cfg.InW {
		return back, true
	}
	// Solve (out-1)·stride + dk - 2·pad + op = in for op, pad as in deconv_output_length.
	op := func(a generic.Axis) int {
		pad := 0
		if cfg.Padding == Same {
			pad = a.DilatedK() / 2
		}
		return a.In - (a.Out-1)*a.Stride - a.DilatedK() + 2*pad
	}
	back.OutputPadding = []int{op(s.H), op(s.W)}
	if _, err := back.forwardShape(); err != nil {
		return back, false
	}
	return back, true
}

func dot64(x, y []float32) float64 {
	var s float64
	for i := range x {
		s += float64(x[i]) * float64(y[i])
	}
	return s
}

// layerCall is a built layer and a batch to call it on, for the tests that treat every
// kind of layer alike.
type layerCall struct {
	name           string
	forward        func(dst, src []float32, n int) error
	srcPer, dstPer int // values per image or row, in and out
	n              int
}

// oneOfEach builds, with random weights, the Conv2D of c and the Conv2DTranspose of the
// same configuration, called on c.n images, and a Dense in→out with bias and ReLU,
// called on batch rows and, as a GEMV, on one.
func oneOfEach(t *testing.T, rng *rand.Rand, c convCase, in, out, batch int) []layerCall {
	t.Helper()
	filter, bias := c.weights(rng, asIs)
	conv, err := NewConv2D(c.Conv2DConfig, filter, bias)
	if err != nil {
		t.Fatal(err)
	}
	convT, err := NewConv2DTranspose(c.transposeConfig(), filter, bias)
	if err != nil {
		t.Fatal(err)
	}
	dense, err := NewDense(in, out, uniform(rng, in*out), uniform(rng, out), ReLU)
	if err != nil {
		t.Fatal(err)
	}
	oh, ow := conv.OutputSize()
	th, tw := convT.OutputSize()
	image := c.InH * c.InW * c.InC
	return []layerCall{
		{"Conv2D", conv.Forward, image, oh * ow * c.OutC, c.n},
		{"Conv2DTranspose", convT.Forward, image, th * tw * c.OutC, c.n},
		{"Dense", dense.Forward, in, out, batch},
		{"DenseGEMV", dense.Forward, in, out, 1},
	}
}

// TestLayersConcurrentForward runs Forward on one layer of each kind from several
// goroutines at once; each result must equal the one computed alone. Run it with -race.
func TestLayersConcurrentForward(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	c := convCase{Conv2DConfig: Conv2DConfig{InH: 9, InW: 7, InC: 17, OutC: 33, KH: 3, KW: 3, StrideH: 2,
		Padding: Same, Activation: ReLU}, n: 3, bias: true}
	for _, l := range oneOfEach(t, rng, c, 40, 33, 5) {
		src := uniform(rng, l.n*l.srcPer)
		want := make([]float32, l.n*l.dstPer)
		if err := l.forward(want, src, l.n); err != nil {
			t.Fatalf("%s: %v", l.name, err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				dst := make([]float32, len(want))
				for range 20 {
					if err := l.forward(dst, src, l.n); err != nil {
						errs <- err
						return
					}
					if !slices.Equal(dst, want) {
						errs <- fmt.Errorf("%s: concurrent result differs", l.name)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
}

// TestLayersNoAllocs: in steady state Forward allocates nothing; scratch comes from the
// pool. (The race detector makes sync.Pool drop items at random, so it is skipped there.)
func TestLayersNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	forEachISA(t, func(t *testing.T, im impl) {
		rng := rand.New(rand.NewPCG(21, 22))
		for _, c := range []convCase{
			{Conv2DConfig: Conv2DConfig{InH: 12, InW: 10, InC: 16, OutC: 33, KH: 3, KW: 3, Padding: Same, Activation: ReLU}, n: 2, bias: true},
			{Conv2DConfig: Conv2DConfig{InH: 12, InW: 10, InC: 16, OutC: 33, KH: 1, KW: 1}, n: 2, bias: true},
			{Conv2DConfig: Conv2DConfig{InH: 5, InW: 6, InC: 200, OutC: 9, KH: 4, KW: 4, StrideH: 2, StrideW: 2, Padding: Same}, n: 1},
		} {
			filter, bias := c.weights(rng, asIs)
			conv, err := newConv2D(c.Conv2DConfig, filter, bias, im)
			if err != nil {
				t.Fatal(err)
			}
			convT, err := newConv2DTranspose(c.transposeConfig(), filter, bias, im)
			if err != nil {
				t.Fatal(err)
			}
			oh, ow := conv.OutputSize()
			th, tw := convT.OutputSize()
			src := uniform(rng, c.n*c.InH*c.InW*c.InC)
			checkNoAllocs(t, c.String()+" Conv2D", conv.Forward, make([]float32, c.n*oh*ow*c.OutC), src, c.n)
			checkNoAllocs(t, c.String()+" Conv2DTranspose", convT.Forward, make([]float32, c.n*th*tw*c.OutC), src, c.n)
		}
		dense, err := newDense(300, 70, uniform(rng, 300*70), uniform(rng, 70), ReLU, im)
		if err != nil {
			t.Fatal(err)
		}
		for _, batch := range []int{1, 7} {
			checkNoAllocs(t, fmt.Sprintf("Dense batch %d", batch), dense.Forward, make([]float32, batch*70), uniform(rng, batch*300), batch)
		}
	})
}

func checkNoAllocs(t *testing.T, what string, forward func(dst, src []float32, n int) error, dst, src []float32, n int) {
	t.Helper()
	if err := forward(dst, src, n); err != nil { // warm-up: fills the scratch pool
		t.Fatalf("%s: %v", what, err)
	}
	if allocs := testing.AllocsPerRun(10, func() { forward(dst, src, n) }); allocs != 0 {
		t.Errorf("%s: %v allocations per Forward, want 0", what, allocs)
	}
}

// TestLayerErrors checks that every bad configuration, weight and call is an error that
// names the argument, and that a failed Forward leaves dst alone.
func TestLayerErrors(t *testing.T) {
	good := Conv2DConfig{InH: 5, InW: 4, InC: 3, OutC: 2, KH: 3, KW: 3}
	with := func(f func(*Conv2DConfig)) Conv2DConfig {
		c := good
		f(&c)
		return c
	}
	filter := make([]float32, good.ParamCount(false))
	for _, tc := range []struct {
		name   string
		cfg    Conv2DConfig
		filter []float32
		bias   []float32
		want   string
	}{
		{"InH0", with(func(c *Conv2DConfig) { c.InH = 0 }), filter, nil, "Conv2D InH is 0, want ≥ 1"},
		{"InWNeg", with(func(c *Conv2DConfig) { c.InW = -3 }), filter, nil, "Conv2D InW is -3"},
		{"InC0", with(func(c *Conv2DConfig) { c.InC = 0 }), filter, nil, "Conv2D InC is 0"},
		{"OutC0", with(func(c *Conv2DConfig) { c.OutC = 0 }), filter, nil, "Conv2D OutC is 0"},
		{"KH0", with(func(c *Conv2DConfig) { c.KH = 0 }), filter, nil, "Conv2D KH is 0"},
		{"KWNeg", with(func(c *Conv2DConfig) { c.KW = -1 }), filter, nil, "Conv2D KW is -1"},
		{"StrideHNeg", with(func(c *Conv2DConfig) { c.StrideH = -1 }), filter, nil, "Conv2D StrideH is -1, want ≥ 1 (or 0, meaning 1)"},
		{"StrideWNeg", with(func(c *Conv2DConfig) { c.StrideW = -2 }), filter, nil, "Conv2D StrideW is -2"},
		{"DilationHNeg", with(func(c *Conv2DConfig) { c.DilationH = -1 }), filter, nil, "Conv2D DilationH is -1"},
		{"DilationWNeg", with(func(c *Conv2DConfig) { c.DilationW = -1 }), filter, nil, "Conv2D DilationW is -1"},
		{"Padding", with(func(c *Conv2DConfig) { c.Padding = 2 }), filter, nil, "Conv2D Padding is Padding(2), want Valid or Same"},
		{"Activation", with(func(c *Conv2DConfig) { c.Activation = -1 }), filter, nil, "Conv2D Activation is Activation(-1), want one of Linear … Softmax"},
		{"KernelTallerThanInput", with(func(c *Conv2DConfig) { c.KH = 6 }), make([]float32, 6*3*3*2), nil,
			"Conv2D kernel height 6 (dilated) is larger than InH 5 with Valid padding"},
		{"DilatedKernelWiderThanInput", with(func(c *Conv2DConfig) { c.DilationW = 2 }), filter, nil,
			"Conv2D kernel width 5 (dilated) is larger than InW 4 with Valid padding"},
		{"HugeInH", with(func(c *Conv2DConfig) { c.InH = maxDim + 1 }), filter, nil, "Conv2D InH is"},
		{"HugeFilter", with(func(c *Conv2DConfig) { c.InC, c.OutC, c.KH, c.KW = maxDim, maxDim, maxDim, maxDim }), filter, nil, "Conv2D filter of KH·KW·InC·OutC"},
		{"HugeInput", with(func(c *Conv2DConfig) { c.InH, c.InW, c.InC = maxDim, maxDim, maxDim }), filter, nil, "Conv2D convolution input"},
		{"FilterShort", Conv2DConfig{InH: 3, InW: 3, InC: 3, OutC: 1, KH: 3, KW: 3}, make([]float32, 26), nil,
			"kernels: Conv2D filter has 26 values, want 27 (KH·KW·InC·OutC)"},
		{"FilterLong", good, make([]float32, len(filter)+1), nil, "Conv2D filter has 55 values, want 54"},
		{"FilterNil", good, nil, nil, "Conv2D filter has 0 values"},
		{"BiasShort", good, filter, make([]float32, 1), "kernels: Conv2D bias has 1 values, want 2 (OutC) or nil"},
		{"BiasEmpty", good, filter, []float32{}, "Conv2D bias has 0 values"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			layer, err := NewConv2D(tc.cfg, tc.filter, tc.bias)
			checkError(t, layer == nil, err, tc.want)
			refusedConfig := !strings.Contains(tc.want, "filter has") && !strings.Contains(tc.want, "bias has")
			if h, w := tc.cfg.OutputSize(); refusedConfig && (h != 0 || w != 0) {
				t.Errorf("OutputSize of a refused config = %d×%d, want 0×0", h, w)
			}
			// The same fields are checked, with the layer's name, for Conv2DTranspose.
			if strings.HasPrefix(tc.want, "Conv2D ") && !strings.Contains(tc.want, "kernel") && !strings.Contains(tc.want, "convolution input") {
				tl, err := NewConv2DTranspose(Conv2DTransposeConfig{Conv2DConfig: tc.cfg}, tc.filter, tc.bias)
				checkError(t, tl == nil, err, "Conv2DTranspose"+strings.TrimPrefix(tc.want, "Conv2D"))
			}
		})
	}

	tgood := Conv2DTransposeConfig{Conv2DConfig: Conv2DConfig{InH: 4, InW: 4, InC: 3, OutC: 2, KH: 3, KW: 3, StrideH: 2, StrideW: 3}}
	tfilter := make([]float32, tgood.ParamCount(false))
	for _, tc := range []struct {
		name string
		cfg  Conv2DTransposeConfig
		want string
	}{
		{"OutputPaddingEmpty", withOP(tgood, []int{}), "Conv2DTranspose OutputPadding has 0 values, want 2 {rows, cols} or nil"},
		{"OutputPaddingOne", withOP(tgood, []int{1}), "Conv2DTranspose OutputPadding has 1 values"},
		{"OutputPaddingThree", withOP(tgood, []int{1, 1, 1}), "Conv2DTranspose OutputPadding has 3 values"},
		{"OutputPaddingNeg", withOP(tgood, []int{-1, 0}), "Conv2DTranspose OutputPadding[0] is -1, want 0 ≤ it < stride 2"},
		{"OutputPaddingIsStride", withOP(tgood, []int{2, 0}), "OutputPadding[0] is 2, want 0 ≤ it < stride 2 (Keras requires output_padding < strides)"},
		{"OutputPaddingBeyondStride", withOP(tgood, []int{0, 3}), "OutputPadding[1] is 3, want 0 ≤ it < stride 3"},
		{"OutputPaddingStride1", Conv2DTransposeConfig{Conv2DConfig: good, OutputPadding: []int{1, 0}}, "OutputPadding[0] is 1, want 0 ≤ it < stride 1"},
		// same, even kernel, op 0: (4-1)·1 + 2 - 2 + 0 = 3 rows, which a same Conv2D maps
		// to 3, not 4.
		{"OutputPaddingRefusedByTF", Conv2DTransposeConfig{Conv2DConfig: Conv2DConfig{InH: 4, InW: 4, InC: 3, OutC: 2, KH: 2, KW: 3,
			Padding: Same}, OutputPadding: []int{0, 0}},
			"Conv2DTranspose OutputPadding [0 0] gives output height 3, which a forward convolution maps to 3, not to the input's 4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			layer, err := NewConv2DTranspose(tc.cfg, make([]float32, tc.cfg.ParamCount(false)), nil)
			checkError(t, layer == nil, err, tc.want)
			if h, w := tc.cfg.OutputSize(); h != 0 || w != 0 {
				t.Errorf("OutputSize of a refused config = %d×%d, want 0×0", h, w)
			}
		})
	}
	t.Run("TransposeFilter", func(t *testing.T) {
		layer, err := NewConv2DTranspose(tgood, tfilter[1:], nil)
		checkError(t, layer == nil, err, "kernels: Conv2DTranspose filter has 53 values, want 54 (KH·KW·InC·OutC)")
		layer, err = NewConv2DTranspose(tgood, tfilter, make([]float32, 3))
		checkError(t, layer == nil, err, "kernels: Conv2DTranspose bias has 3 values, want 2 (OutC) or nil")
	})

	for _, tc := range []struct {
		name         string
		in, out      int
		kernel, bias []float32
		act          Activation
		want         string
	}{
		{"In0", 0, 3, nil, nil, Linear, "kernels: Dense in is 0, want 1 to"},
		{"OutNeg", 2, -3, nil, nil, Linear, "kernels: Dense out is -3"},
		{"HugeIn", maxDim + 1, 1, nil, nil, Linear, "Dense in is"},
		{"Act", 2, 3, make([]float32, 6), nil, 9, "kernels: Dense act is Activation(9), want one of Linear … Softmax"},
		{"KernelShort", 2, 3, make([]float32, 5), nil, Linear, "kernels: Dense kernel has 5 values, want 6 (in·out)"},
		{"BiasLong", 2, 3, make([]float32, 6), make([]float32, 4), ReLU, "kernels: Dense bias has 4 values, want 3 (out) or nil"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			layer, err := NewDense(tc.in, tc.out, tc.kernel, tc.bias, tc.act)
			checkError(t, layer == nil, err, tc.want)
		})
	}

	conv, err := NewConv2D(good, filter, nil)
	if err != nil {
		t.Fatal(err)
	}
	convT, err := NewConv2DTranspose(tgood, tfilter, nil)
	if err != nil {
		t.Fatal(err)
	}
	dense, err := NewDense(3, 2, make([]float32, 6), nil, Linear)
	if err != nil {
		t.Fatal(err)
	}
	th, tw := convT.OutputSize()
	for _, l := range []struct {
		name           string
		forward        func(dst, src []float32, n int) error
		srcPer, dstPer int
		dims           [3]string // n, src, dst
	}{
		{"Conv2D.Forward", conv.Forward, 5 * 4 * 3, 3 * 2 * 2, [3]string{"n", "n·InH·InW·InC", "n·outH·outW·OutC"}},
		{"Conv2DTranspose.Forward", convT.Forward, 4 * 4 * 3, th * tw * 2, [3]string{"n", "n·InH·InW·InC", "n·outH·outW·OutC"}},
		{"Dense.Forward", dense.Forward, 3, 2, [3]string{"batch", "batch·in", "batch·out"}},
	} {
		for _, tc := range []struct {
			name     string
			n        int
			src, dst int
			want     string
		}{
			{"n0", 0, 0, 0, fmt.Sprintf("kernels: %s %s is 0, want ≥ 1", l.name, l.dims[0])},
			{"nNeg", -2, 2 * l.srcPer, 2 * l.dstPer, fmt.Sprintf("%s %s is -2", l.name, l.dims[0])},
			{"nHuge", maxElems, 2 * l.srcPer, 2 * l.dstPer, "too large"},
			{"srcShort", 2, 2*l.srcPer - 1, 2 * l.dstPer, fmt.Sprintf("kernels: %s src has %d values, want %d (%s)", l.name, 2*l.srcPer-1, 2*l.srcPer, l.dims[1])},
			{"dstShort", 2, 2 * l.srcPer, 2*l.dstPer - 1, fmt.Sprintf("kernels: %s dst has %d values, want %d (%s)", l.name, 2*l.dstPer-1, 2*l.dstPer, l.dims[2])},
			{"dstNil", 2, 2 * l.srcPer, 0, fmt.Sprintf("%s dst has 0 values", l.name)},
		} {
			t.Run(l.name+"/"+tc.name, func(t *testing.T) {
				dst := make([]float32, tc.dst)
				for i := range dst {
					dst[i] = sentinel
				}
				err := l.forward(dst, make([]float32, tc.src), tc.n)
				checkError(t, true, err, tc.want)
				for i, v := range dst {
					if v != sentinel {
						t.Fatalf("dst[%d] changed to %g by a failed Forward", i, v)
					}
				}
			})
		}
	}
}

// TestForwardLongSlices: Forward takes dst and src longer than the batch needs, as
// BLAS slices are, computes exactly what the exact-length call does, and leaves the
// rest of dst alone.
func TestForwardLongSlices(t *testing.T) {
	rng := rand.New(rand.NewPCG(45, 46))
	c := convCase{Conv2DConfig: Conv2DConfig{InH: 6, InW: 5, InC: 7, OutC: 9, KH: 3, KW: 3, StrideH: 2, StrideW: 2,
		Padding: Same, Activation: ReLU}, n: 2, bias: true}
	for _, l := range oneOfEach(t, rng, c, 11, 13, 2) {
		n := l.n
		src := uniform(rng, 4*l.srcPer) // room for 4, the call uses n
		want := make([]float32, n*l.dstPer)
		if err := l.forward(want, src[:n*l.srcPer], n); err != nil {
			t.Fatalf("%s: %v", l.name, err)
		}
		got := make([]float32, 4*l.dstPer)
		for i := range got {
			got[i] = sentinel
		}
		if err := l.forward(got, src, n); err != nil {
			t.Fatalf("%s with longer slices: %v", l.name, err)
		}
		if i := sameBits(got[:len(want)], want); i >= 0 {
			t.Errorf("%s with longer slices: dst[%d] = %g, want %g", l.name, i, got[i], want[i])
		}
		for i, v := range got[len(want):] {
			if v != sentinel {
				t.Fatalf("%s: dst[%d], past the batch, changed to %g", l.name, len(want)+i, v)
			}
		}
	}
}

func withOP(c Conv2DTransposeConfig, op []int) Conv2DTransposeConfig {
	c.OutputPadding = op
	return c
}

// checkError checks that a call failed with an error containing want and no layer.
func checkError(t *testing.T, noLayer bool, err error, want string) {
	t.Helper()
	switch {
	case err == nil:
		t.Errorf("no error, want %q", want)
	case !strings.Contains(err.Error(), want):
		t.Errorf("error %q, want it to contain %q", err, want)
	case !strings.HasPrefix(err.Error(), "kernels: "):
		t.Errorf("error %q does not start with \"kernels: \"", err)
	case !noLayer:
		t.Errorf("a layer came with the error %q", err)
	case !errors.Is(err, errorKind(err.Error())):
		t.Errorf("error %q does not wrap %v", err, errorKind(err.Error()))
	}
}

// errorKind is the sentinel an error with message msg must wrap: ErrShape for the
// arguments of Forward, Activate and LeakyReLUAlpha, ErrWeights for a filter, kernel or bias of the wrong length, else ErrConfig.
func errorKind(msg string) error {
	switch {
	case strings.Contains(msg, ".Forward "),
		strings.HasPrefix(msg, "kernels: Activate ") && !strings.Contains(msg, " act is "),
		strings.HasPrefix(msg, "kernels: LeakyReLUAlpha "):
		return ErrShape
	case strings.Contains(msg, " filter has ") || strings.Contains(msg, " kernel has ") || strings.Contains(msg, " bias has "):
		return ErrWeights
	}
	return ErrConfig
}

// TestConv2DWideTaps runs the first layers' path, where each kernel row is one tap of
// KW·InC floats (wideTaps), against the reference: channel counts on both sides of
// wideTapsMaxInC and wideRowTapsMaxInC; images as narrow as the kernel and one narrower
// (narrow taps throughout); strides and row dilations; the edge pixels whose rows the
// padding cuts, which read the part of each kernel row inside the image as one tap, at
// both ends of rows long enough for several wide tiles; and a dilated width, which keeps
// every tap narrow. Past wideRowTapsMaxInC, 32 channels, where the model of
// tilingTime decides. It also checks that a layer that took wide taps ran them, and the
// edge columns' own, wherever a pixel could take them.
func TestConv2DWideTaps(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		if im.conv.tile == nil {
			t.Skip("no indirect kernel")
		}
		rng := rand.New(rand.NewPCG(91, 92))
		for _, inC := range []int{1, 3, wideTapsMaxInC, wideTapsMaxInC + 1, wideRowTapsMaxInC, wideRowTapsMaxInC + 1, 32} {
			for _, k := range []int{2, 3, 7} {
				for _, w := range []int{k - 1, k, 2*im.conv.mr + k + 3} {
					for _, pad := range []Padding{Valid, Same} {
						c := randomConv(rng, k, k, pad, 1+rng.IntN(2), 1+rng.IntN(3), 1+rng.IntN(2), 1+rng.IntN(4)/3)
						if pad == Valid && w < (k-1)*c.DilationW+1 {
							continue
						}
						c.InW, c.InC = w, inC
						c.InH = max(c.InH, (k-1)*c.DilationH+1)
						c.Algorithm = Direct // 3×3 stride 1 with 16 channels would take Winograd
						c.checkConv2D(t, im, rng, asIs)
						s, err := c.conv2DShape()
						if err != nil {
							t.Fatal(err)
						}
						layer, err := newConv2D(c.Conv2DConfig, make([]float32, c.ParamCount(false)), nil, im)
						if err != nil {
							t.Fatal(err)
						}
						wide, edge := 0, 0 // tiles of whole kernel rows, and of edge columns' cut rows
						for _, tile := range layer.direct.tiles {
							switch {
							case tile.w != nil:
								edge++
							case tile.k > inC:
								wide++
							}
						}
						inside := 0 // output columns whose kernel rows lie inside the image
						for ox := range s.W.Out {
							if wideInside(&s, ox) {
								inside++
							}
						}
						if wideTaps(im, &s) && !layer.direct.wide {
							t.Errorf("%v: narrow taps, want wide (wideTaps)", c)
						}
						if want := layer.direct.wide && inside > 0; want != (wide > 0) {
							t.Errorf("%v: %d wide tiles, want some: %v", c, wide, want)
						}
						if want := layer.direct.wide && inside < s.W.Out; want != (edge > 0) {
							t.Errorf("%v: %d edge-column tiles, want some: %v", c, edge, want)
						}
					}
				}
			}
		}
	})
}

// TestConv2DWideTapsChosen checks layers past wideRowTapsMaxInC, which take wide taps
// where tilingTime finds them faster: that the model chooses as measured on AVX-512
// (wideMinGain's layers), and, on every ISA, that a layer that chose them matches the
// reference and, where the kernel sums each output in one chain (not NEON, whose
// kernels sum a tap's channels in sets of accumulators that a longer tap fills
// otherwise), computes bit for bit what its narrow tiles compute.
func TestConv2DWideTapsChosen(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		if im.conv.tile == nil {
			t.Skip("no indirect kernel")
		}
		rng := rand.New(rand.NewPCG(93, 94))
		for _, l := range []struct {
			size, inC, outC, k, stride int
			wide                       bool // on AVX-512
		}{
			{28, 32, 32, 5, 1, true}, {40, 32, 32, 5, 1, true}, {14, 64, 64, 3, 1, true}, {14, 32, 32, 7, 1, true},
			{14, 64, 64, 5, 1, false}, {7, 64, 64, 5, 1, false}, {28, 64, 64, 3, 2, false}, {28, 32, 32, 3, 1, false},
			{28, 128, 64, 5, 1, false}, // a tap deeper than KC
		} {
			c := convCase{Conv2DConfig: Conv2DConfig{InH: l.size, InW: l.size, InC: l.inC, OutC: l.outC, KH: l.k, KW: l.k,
				StrideH: l.stride, StrideW: l.stride, Padding: Same, Algorithm: Direct}, n: 1, bias: true}
			filter, bias := uniform(rng, l.k*l.k*l.inC*l.outC), uniform(rng, l.outC)
			layer, err := newConv2D(c.Conv2DConfig, filter, bias, im)
			if err != nil {
				t.Fatal(err)
			}
			if im.isa == dispatch.AVX512 && layer.direct.wide != l.wide {
				t.Errorf("%+v: wide taps %v, want %v", l, layer.direct.wide, l.wide)
			}
			if !layer.direct.wide {
				continue
			}
			s := &layer.shape
			src := uniform(rng, s.H.In*s.W.In*s.InC)
			got, want, mag := make([]float32, s.H.Out*s.W.Out*s.OutC), make([]float32, s.H.Out*s.W.Out*s.OutC), make([]float32, s.H.Out*s.W.Out*s.OutC)
			layer.direct.forward(&layer.w, got, src, 1)
			generic.Conv2D(want, src, filter, bias, 1, *s, false)
			generic.Conv2D(mag, abs(src), abs(filter), abs(bias), 1, *s, false)
			checkActivated(t, c, got, want, mag, s.H.K*s.W.K*s.InC, Linear, s.OutC)
			if im.isa == dispatch.NEON {
				continue
			}
			narrow := tileIndirect(im, s, filter, layer.ep, false, false)
			narrow.weighTiles(true)
			narrow.forward(&layer.w, want, src, 1)
			if i := sameBits(got, want); i >= 0 {
				t.Errorf("%+v: dst[%d] = %v with wide taps, %v with narrow ones", l, i, got[i], want[i])
			}
		}
	})
}

// TestConv2DTransposeColumnTiles checks transposes whose sub-convolutions tile their
// last columns downwards (subconvGrid.addTiles): grids at least MR tall whose width
// leaves a few columns over, with padding, dilation, output padding and a class that no
// tap reaches.
func TestConv2DTransposeColumnTiles(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		if im.conv.tile == nil {
			t.Skip("no indirect kernel: transposes take im2col")
		}
		rng := rand.New(rand.NewPCG(41, 42))
		cfg := func(h, w, s, k, d int, pad Padding) Conv2DConfig {
			return Conv2DConfig{InH: h, InW: w, InC: 5, OutC: 35, KH: k, KW: k, StrideH: s, StrideW: s,
				DilationH: d, DilationW: d, Padding: pad, Activation: ReLU}
		}
		cases := []convCase{
			{Conv2DConfig: cfg(14, 14, 2, 3, 1, Same), n: 2, bias: true},
			{Conv2DConfig: cfg(13, 25, 1, 3, 1, Valid), n: 1, bias: true},
			{Conv2DConfig: cfg(26, 14, 2, 3, 2, Same), op: []int{1, 0}, n: 1},
			{Conv2DConfig: cfg(25, 13, 3, 2, 1, Valid), op: []int{2, 1}, n: 2, bias: true}, // kernel < stride: bias-only classes
			{Conv2DConfig: cfg(7, 7, 2, 3, 1, Same), n: 1, bias: true},
		}
		down := 0
		for _, c := range cases {
			c.checkConv2DTranspose(t, im, rng, asIs)
			layer, err := newConv2DTranspose(c.transposeConfig(), make([]float32, c.ParamCount(false)), nil, im)
			if err != nil {
				t.Fatal(err)
			}
			for _, tile := range layer.direct.tiles {
				if tile.ldc > c.StrideW*c.OutC {
					down++
				}
			}
		}
		if down == 0 {
			t.Errorf("no case tiled columns downwards")
		}
	})
}

// TestLineTile: lineTile covers every line of 1–40 pixels exactly once, in tiles of at
// most MR pixels whose kernels cover no more rows than tiles of MR would; and on amd64,
// whose kernels cover the halves, a line longer than MR never ends on a tile of MR/3
// pixels or fewer.
func TestLineTile(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		if im.conv.tile == nil {
			t.Skipf("%s has no indirect convolution kernel", im.isa)
		}
		mr := im.conv.mr
		for n := 1; n <= 40; n++ {
			var tiles []int
			for q := 0; q < n; q += tiles[len(tiles)-1] {
				tiles = append(tiles, lineTile(im, q, n))
				if last := tiles[len(tiles)-1]; last < 1 || last > mr {
					t.Fatalf("n=%d: tiles %v: one of %d pixels", n, tiles, last)
				}
			}
			sum, covered := 0, 0
			for _, p := range tiles {
				sum, covered = sum+p, covered+im.convFor(p).mr
			}
			amd64 := im.isa == dispatch.AVX512 || im.isa == dispatch.AVX2
			if sum != n || covered > coveredRows(im, n) || amd64 && n > mr && tiles[len(tiles)-1] <= mr/3 {
				t.Errorf("n=%d: tiles %v, kernels of %d rows in all", n, tiles, covered)
			}
		}
	})
}
