package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/simdnn/simdnn/generic"
)

// The Winograd transform kernels (isaKernels.winograd) against generic.WinogradInput and
// generic.WinogradOutput on kernels' own matrices, so that a kernel passes only if its
// generator derived the same Bᵀ and Aᵀ (asm/winograd.go builds them from the points).

// winogradKernelTol bounds a transform kernel's error relative to the sum of the
// magnitudes it adds (Σ|coefficient products|·|x|, plus |bias|): each output is a sum of
// at most α² terms rounded along the way, two passes of at most α terms each; 2α
// roundings of relative 2⁻²⁴ at most. Over these tests the kernels measured at most
// 3.3·2⁻²⁴ (F(2×2) output), 3.1 (F(4×4) output) and 2.3 (F(4×4) input), the reference's
// own roundings (before and after the bias) included.
func winogradKernelTol(alpha int) float64 { return float64(2*alpha) * float32Roundoff }

// winogradKernelCase is one call of a transform kernel: n channels, the tile's strides
// (input) or ldm and the output's strides, the output tile's corner.
type winogradKernelCase struct {
	tr                   *winogradTransform
	n                    int
	rowStride, colStride int // input; output: ldDst, pixelStride
	ld                   int // ldv (input) or ldm (output)
	rows, cols           int
	relu, bias           bool
}

func (c winogradKernelCase) String() string {
	return fmt.Sprintf("F(%d×%d) n=%d strides %d,%d ld %d rows %d cols %d relu %v bias %v",
		c.tr.m, c.tr.m, c.n, c.rowStride, c.colStride, c.ld, c.rows, c.cols, c.relu, c.bias)
}

// winoSentinel fills the parts of dst a kernel must leave alone.
const winoSentinel = float32(-1234.5)

func absAll(s []float32) []float32 {
	r := make([]float32, len(s))
	for i, v := range s {
		r[i] = float32(math.Abs(float64(v)))
	}
	return r
}

// checkInput runs im's input transform on c with src and dst placed by place, and
// compares it with the reference; dst must keep winoSentinel outside the positions written.
func (c winogradKernelCase) checkInput(t testing.TB, im impl, rng *rand.Rand, place func([]float32) []float32) {
	t.Helper()
	a := c.tr.alpha
	kern := im.winograd[c.tr.index()].input
	src := place(uniform(rng, (a-1)*(c.rowStride+c.colStride)+c.n))
	dstLen := (a*a-1)*c.ld + c.n
	dst := make([]float32, dstLen)
	for i := range dst {
		dst[i] = winoSentinel
	}
	dst = place(dst)
	want, mag := make([]float32, dstLen), make([]float32, dstLen)
	generic.WinogradInput(c.tr.bt, a, c.n, src, c.rowStride, c.colStride, want, c.ld)
	generic.WinogradInput(absAll(c.tr.bt), a, c.n, absAll(src), c.rowStride, c.colStride, mag, c.ld)
	kern(c.n, src, c.rowStride, c.colStride, dst, c.ld)
	for xi := range a * a {
		for ch := range c.ld {
			i := xi*c.ld + ch
			if i >= dstLen {
				break
			}
			if ch >= c.n {
				if dst[i] != winoSentinel {
					t.Fatalf("%v: input transform wrote dst[%d] (ξ %d, channel %d)", c, i, xi, ch)
				}
				continue
			}
			if err := math.Abs(float64(dst[i] - want[i])); err > winogradKernelTol(a)*float64(mag[i]) {
				t.Fatalf("%v: V_%d channel %d = %v, want %v (error %.3g of %.3g)", c, xi, ch, dst[i], want[i], err, mag[i])
			}
		}
	}
}

// checkOutput is checkInput for the output transform.
func (c winogradKernelCase) checkOutput(t testing.TB, im impl, rng *rand.Rand, place func([]float32) []float32) {
	t.Helper()
	a, m := c.tr.alpha, c.tr.m
	kern := im.winograd[c.tr.index()].output
	src := place(uniform(rng, (a*a-1)*c.ld+c.n))
	var bias []float32
	kbias := make([]float32, c.n)
	for i := range kbias {
		kbias[i] = float32(math.Copysign(0, -1))
	}
	if c.bias {
		bias = uniform(rng, c.n)
		kbias = bias
	}
	kbias = place(kbias)
	ldDst, ps := c.rowStride, c.colStride
	dstLen := (c.rows-1)*ldDst + (c.cols-1)*ps + c.n
	dst := make([]float32, dstLen)
	for i := range dst {
		dst[i] = winoSentinel
	}
	dst = place(dst)
	want, mag := make([]float32, dstLen), make([]float32, dstLen)
	generic.WinogradOutput(c.tr.at, m, a, c.n, src, c.ld, want, ldDst, ps, bias, c.relu, c.rows, c.cols)
	var absBias []float32
	if bias != nil {
		absBias = absAll(bias)
	}
	generic.WinogradOutput(absAll(c.tr.at), m, a, c.n, absAll(src), c.ld, mag, ldDst, ps, absBias, false, c.rows, c.cols)
	kern(c.n, src, c.ld, dst, ldDst, ps, kbias, c.relu, c.rows, c.cols)
	written := make([]bool, dstLen)
	for y := range c.rows {
		for x := range c.cols {
			for ch := range c.n {
				i := y*ldDst + x*ps + ch
				written[i] = true
				if err := math.Abs(float64(dst[i] - want[i])); err > winogradKernelTol(a)*float64(mag[i]) || (c.relu && dst[i] < 0) {
					t.Fatalf("%v: Y[%d][%d] channel %d = %v, want %v (error %.3g of %.3g)", c, y, x, ch, dst[i], want[i], err, mag[i])
				}
			}
		}
	}
	for i, w := range written {
		if !w && dst[i] != winoSentinel {
			t.Fatalf("%v: output transform wrote dst[%d], outside the tile", c, i)
		}
	}
}

// winogradKernelLengths returns the channel counts the kernel tests take: every n up to
// three vectors and every tail after them.
func winogradKernelLengths(im impl) []int {
	vl := im.kernel.nr / 2 // the ISA's vector length: its SGEMM kernels are two vectors wide
	var ns []int
	for n := 1; n < 4*vl; n++ {
		ns = append(ns, n)
	}
	return ns
}

// forEachWinogradKernel runs f on every ISA with transform kernels, for both transforms.
func forEachWinogradKernel(t *testing.T, f func(t *testing.T, im impl, tr *winogradTransform)) {
	forEachISA(t, func(t *testing.T, im impl) {
		for _, tr := range []*winogradTransform{winograd2x2, winograd4x4} {
			if im.winograd[tr.index()].input == nil {
				t.Skipf("%s has no Winograd transform kernels", im.isa)
			}
			t.Run(fmt.Sprintf("F%dx%d", tr.m, tr.m), func(t *testing.T) { f(t, im, tr) })
		}
	})
}

// TestWinogradInputKernel: every channel count up to three vectors and every tail, a
// tile in place in an NHWC image (padded strides) and a packed copy, ldv above n.
func TestWinogradInputKernel(t *testing.T) {
	forEachWinogradKernel(t, func(t *testing.T, im impl, tr *winogradTransform) {
		rng := rand.New(rand.NewPCG(71, 72))
		for _, n := range winogradKernelLengths(im) {
			for _, c := range []winogradKernelCase{
				{n: n, colStride: n, rowStride: tr.alpha * n, ld: n},
				{n: n, colStride: n + 3, rowStride: 9*(n+3) + 1, ld: 3*n + 5},
			} {
				c.tr = tr
				c.checkInput(t, im, rng, asIs)
			}
		}
	})
}

// TestWinogradOutputKernel: every channel count up to three vectors and every tail,
// every corner rows × cols of the tile, with and without bias and ReLU.
func TestWinogradOutputKernel(t *testing.T) {
	forEachWinogradKernel(t, func(t *testing.T, im impl, tr *winogradTransform) {
		rng := rand.New(rand.NewPCG(73, 74))
		for _, n := range winogradKernelLengths(im) {
			for rows := 1; rows <= tr.m; rows++ {
				for cols := 1; cols <= tr.m; cols++ {
					c := winogradKernelCase{tr: tr, n: n, rows: rows, cols: cols,
						colStride: n + n%3, rowStride: 7*(n+n%3) + n%2, ld: n + 2*(n%5),
						relu: (n+rows)%2 == 0, bias: (n+cols)%2 == 1}
					c.checkOutput(t, im, rng, asIs)
				}
			}
		}
	})
}
