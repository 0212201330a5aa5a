//go:build unix

package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/simdnn/simdnn/generic"
	"github.com/simdnn/simdnn/internal/guard"
)

// convTileCase is one call of an indirect convolution micro-kernel, every operand exactly
// as long as the contract reads and flush against an unmapped page.
type convTileCase struct {
	MR, NR  int
	taps, k int
	ind     []int32
	src     []float32
	zero    []float32
	w, bias []float32
	ldc     int
	mr, nr  int
	relu    bool
}

// newConvTileCase draws the operands of calls with taps taps of k channels: offsets
// anywhere in src (the last k floats included, so a kernel reading one float more
// crashes), a quarter of them padding, and the rows past mr either padding or real
// pixels (the contract lets the driver use both). Each call then sets mr, nr, ldc, relu.
func newConvTileCase(t *testing.T, rng *rand.Rand, MR, NR, taps, k int) convTileCase {
	pixels := 1 + rng.IntN(3*MR)
	src := randomSlice(rng, pixels*k+rng.IntN(3))
	last := int32(len(src) - k)
	ind := make([]int32, taps*MR)
	for i := range ind {
		switch {
		case rng.IntN(4) == 0:
			ind[i] = -1
		case i == 0:
			ind[i] = last
		default:
			ind[i] = rng.Int32N(last + 1)
		}
	}
	return convTileCase{
		MR: MR, NR: NR, taps: taps, k: k,
		ind:  guard.Slice(t, ind),
		src:  guard.Float32s(t, src),
		zero: guard.Float32s(t, make([]float32, k)),
		w:    guard.Float32s(t, randomSlice(rng, taps*k*NR)),
		bias: guard.Float32s(t, randomSlice(rng, NR)),
	}
}

// check runs tile and compares every element of C with a float64 sum within the
// rounding bound of a sum of taps·k+1 terms; C past mr rows and nr columns must keep
// the sentinel.
func (tc convTileCase) check(t *testing.T, name string, tile convTileFunc) {
	t.Helper()
	describe := fmt.Sprintf("taps=%d k=%d mr=%d nr=%d ldc=%d relu=%v", tc.taps, tc.k, tc.mr, tc.nr, tc.ldc, tc.relu)
	c := make([]float32, (tc.mr-1)*tc.ldc+tc.nr)
	for i := range c {
		c[i] = sentinel
	}
	c = guard.Float32s(t, c)
	tile(tc.taps, tc.k, tc.ind, tc.src, tc.zero, tc.w, tc.bias, c, tc.ldc, tc.mr, tc.nr, tc.relu)
	const u = 1.0 / (1 << 24)
	for i := range c {
		row, col := i/tc.ldc, i%tc.ldc
		if col >= tc.nr {
			if c[i] != sentinel {
				t.Fatalf("%s %s: C[%d][%d], past column nr, changed to %g", name, describe, row, col, c[i])
			}
			continue
		}
		want, mag := float64(tc.bias[col]), math.Abs(float64(tc.bias[col]))
		for tap := range tc.taps {
			off := tc.ind[tap*tc.MR+row]
			if off < 0 {
				continue
			}
			for p := range tc.k {
				prod := float64(tc.src[int(off)+p]) * float64(tc.w[(tap*tc.k+p)*tc.NR+col])
				want += prod
				mag += math.Abs(prod)
			}
		}
		if tc.relu && want < 0 {
			want, mag = 0, 0
		}
		bound := float64(tc.taps*tc.k+3)*u*mag*1.0001 + 1e-30
		got := float64(c[i])
		if math.IsNaN(want) != math.IsNaN(got) || !math.IsNaN(want) && !(math.Abs(got-want) <= bound) {
			t.Fatalf("%s %s: C[%d][%d] = %g, want %g (bound %g)", name, describe, row, col, got, want, bound)
		}
	}
}

// TestConvTile checks each ISA's indirect convolution micro-kernel, and the generic
// reference itself, for every mr ≤ MR and nr ≤ NR, over tap counts and channel counts
// that cover each unrolled loop's tail.
func TestConvTile(t *testing.T) {
	ref := convKernel{name: "generic.ConvTile", mr: 5, nr: 3}
	ref.tile = func(taps, k int, ind []int32, src, zero, w, bias, c []float32, ldc, mr, nr int, relu bool) {
		generic.ConvTile(ref.mr, ref.nr, taps, k, ind, src, zero, w, bias, c, ldc, mr, nr, relu)
	}
	testConvTile(t, ref)
	forEachISA(t, func(t *testing.T, im impl) {
		if im.conv.tile == nil {
			t.Skipf("%s has no indirect convolution kernel", im.isa)
		}
		kerns := append(im.convEdges, im.conv)
		if im.convStream.tile != nil {
			kerns = append(kerns, im.convStream)
		}
		for _, kern := range kerns {
			if kern.nr != im.kernel.nr {
				t.Fatalf("%s: NR %d, the SGEMM kernel's %d: the weights have one packing", kern.name, kern.nr, im.kernel.nr)
			}
			t.Run(kern.name, func(t *testing.T) { testConvTile(t, kern) })
		}
	})
}

func testConvTile(t *testing.T, kern convKernel) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, taps := range []int{1, 2, 9} {
		for _, k := range []int{1, 2, 3, 4, 5, 7, 8, 9, 17} {
			// A subtest per operand set releases its guarded mappings when it ends.
			t.Run(fmt.Sprintf("taps=%d/k=%d", taps, k), func(t *testing.T) {
				tc := newConvTileCase(t, rng, kern.mr, kern.nr, taps, k)
				bias := tc.bias
				nanBias := guard.Float32s(t, bias)
				nanBias[kern.nr-1] = float32(math.NaN()) // must come out NaN, with or without relu
				for mr := 1; mr <= kern.mr; mr++ {
					for nr := 1; nr <= kern.nr; nr++ {
						tc.mr, tc.nr, tc.ldc, tc.relu = mr, nr, nr+rng.IntN(3), (mr+nr)%2 == 0
						tc.bias = bias
						if nr == kern.nr && mr%2 == 1 {
							tc.bias = nanBias
						}
						tc.check(t, kern.name, kern.tile)
					}
				}
			})
		}
	}
}

// TestConvPanelsTile checks each ISA's row-of-panels kernels (panelsTile) as TestConvTile
// checks the indirect ones: each panel's tile against the float64 sum, for every mr ≤ MR,
// one to three panels, tap and channel counts that cover each unrolled loop's tail; C
// flush against an unmapped page, and the columns between its rows left alone.
func TestConvPanelsTile(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		kern := im.conv
		if kern.panelsTile == nil {
			t.Skipf("%s has no row-of-panels convolution kernel", im.isa)
		}
		rng := rand.New(rand.NewPCG(25, 26))
		for _, taps := range []int{1, 2} {
			for _, k := range []int{1, 3, 4, 5, 17} {
				for panels := 1; panels <= 3; panels++ {
					t.Run(fmt.Sprintf("taps=%d/k=%d/panels=%d", taps, k, panels), func(t *testing.T) {
						testConvPanelsTile(t, rng, kern, taps, k, panels)
					})
				}
			}
		}
	})
}

func testConvPanelsTile(t *testing.T, rng *rand.Rand, kern convKernel, taps, k, panels int) {
	tc := newConvTileCase(t, rng, kern.mr, kern.nr, taps, k)
	panelLen := taps * k * kern.nr
	w := guard.Float32s(t, randomSlice(rng, panels*panelLen))
	bias := guard.Float32s(t, randomSlice(rng, panels*kern.nr))
	bias[len(bias)-1] = float32(math.NaN()) // must come out NaN, with or without relu
	width := panels * kern.nr
	for mr := 1; mr <= kern.mr; mr++ {
		ldc, relu := width+rng.IntN(3), mr%2 == 0
		c := make([]float32, (mr-1)*ldc+width)
		for i := range c {
			c[i] = sentinel
		}
		c = guard.Float32s(t, c)
		kern.panelsTile(panels, taps, k, tc.ind, tc.src, tc.zero, w, bias, c, ldc, mr, relu)
		for i := range c {
			if i%ldc >= width && c[i] != sentinel {
				t.Fatalf("%s mr=%d ldc=%d: C[%d][%d], past the panels, changed to %g", kern.name, mr, ldc, i/ldc, i%ldc, c[i])
			}
		}
		for q := range panels {
			tc.mr, tc.nr, tc.ldc, tc.relu = mr, kern.nr, ldc, relu
			tc.w, tc.bias = w[q*panelLen:(q+1)*panelLen], bias[q*kern.nr:(q+1)*kern.nr]
			// The panel's tile, as the kernel wrote it.
			written := func(_, _ int, _ []int32, _, _, _, _, dst []float32, ldc, mr, nr int, _ bool) {
				for i := range mr {
					copy(dst[i*ldc:i*ldc+nr], c[i*ldc+q*nr:])
				}
			}
			tc.check(t, fmt.Sprintf("%s panel %d of %d", kern.name, q, panels), written)
		}
	}
}

// TestConvRowTile checks each ISA's row convolution micro-kernel, and the generic
// reference itself, as TestConvTile does the indirect ones: every pixel count up to MR
// and every nr ≤ NR, then up to three tiles; tap and channel counts that cover each
// unrolled loop's tail; pixels that overlap (stride 1), abut (stride k) and skip floats
// (2k + 1, as a strided layer's do).
func TestConvRowTile(t *testing.T) {
	ref := convKernel{name: "generic.ConvRowTile", mr: 5, nr: 3}
	ref.rowTile = func(taps, k int, ind []int32, stride int, src, zero, w, bias, c []float32, ldc, pixels, nr int, relu bool) {
		generic.ConvRowTile(ref.mr, ref.nr, taps, k, ind, stride, src, zero, w, bias, c, ldc, pixels, nr, relu)
	}
	testConvRowTile(t, ref)
	forEachISA(t, func(t *testing.T, im impl) {
		kern := im.rowConv
		if kern.rowTile == nil {
			t.Skipf("%s has no row convolution kernel", im.isa)
		}
		if kern.nr != im.kernel.nr {
			t.Fatalf("%s: NR %d, the SGEMM kernel's %d: the weights have one packing", kern.name, kern.nr, im.kernel.nr)
		}
		testConvRowTile(t, kern)
	})
}

func testConvRowTile(t *testing.T, kern convKernel) {
	const tiles = 3
	rng := rand.New(rand.NewPCG(23, 24))
	for _, taps := range []int{1, 3, 7} {
		for _, k := range []int{1, 2, 3, 4, 5, 9, 21} {
			for _, stride := range []int{1, k, 2*k + 1} {
				t.Run(fmt.Sprintf("taps=%d/k=%d/stride=%d", taps, k, stride), func(t *testing.T) {
					tc, ind := newConvRowTileCase(t, rng, kern.mr, kern.nr, tiles, taps, k, stride)
					tile := func(taps, k int, _ []int32, src, zero, w, bias, c []float32, ldc, pixels, nr int, relu bool) {
						kern.rowTile(taps, k, ind, stride, src, zero, w, bias, c, ldc, pixels, nr, relu)
					}
					bias := tc.bias
					nanBias := guard.Float32s(t, bias)
					nanBias[kern.nr-1] = float32(math.NaN())
					for pixels := 1; pixels <= tiles*kern.mr; pixels++ {
						for nr := 1; nr <= kern.nr; nr++ {
							if pixels > kern.mr && nr > 1 && nr < kern.nr-1 {
								continue
							}
							tc.mr, tc.nr, tc.ldc, tc.relu = pixels, nr, nr+rng.IntN(3), (pixels+nr)%2 == 0
							tc.bias = bias
							if nr == kern.nr && pixels%2 == 1 {
								tc.bias = nanBias
							}
							tc.check(t, kern.name, tile)
						}
					}
				})
			}
		}
	}
}

// newConvRowTileCase draws the operands of row-kernel calls of up to tiles tiles: one
// offset per tap, a quarter of them padding and the first reading the last float of
// src with the last tile's last pixel, and zero exactly as long as the contract says.
// It returns the case, whose offsets are every pixel's as the check reads them, and the
// kernel's offsets.
func newConvRowTileCase(t *testing.T, rng *rand.Rand, MR, NR, tiles, taps, k, stride int) (convTileCase, []int32) {
	pixels := tiles * MR
	span := (pixels-1)*stride + k
	src := randomSlice(rng, span+rng.IntN(3*k+3))
	last := int32(len(src) - span)
	ind := make([]int32, taps)
	rows := make([]int32, taps*pixels)
	for tap := range ind {
		switch {
		case tap == 0:
			ind[tap] = last
		case rng.IntN(4) == 0:
			ind[tap] = -1
		default:
			ind[tap] = rng.Int32N(last + 1)
		}
		for i := range pixels {
			rows[tap*pixels+i] = -1
			if ind[tap] >= 0 {
				rows[tap*pixels+i] = ind[tap] + int32(i*stride)
			}
		}
	}
	tc := convTileCase{
		MR: pixels, NR: NR, taps: taps, k: k,
		ind:  rows,
		src:  guard.Float32s(t, src),
		zero: guard.Float32s(t, make([]float32, (MR-1)*stride+k)),
		w:    guard.Float32s(t, randomSlice(rng, taps*k*NR)),
		bias: guard.Float32s(t, randomSlice(rng, NR)),
	}
	return tc, guard.Slice(t, ind)
}
