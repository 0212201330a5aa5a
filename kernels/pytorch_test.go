package kernels_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/simdnn/simdnn/kernels"
)

// indexed returns n values that each say where they were: v[i] = i.
func indexed(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i)
	}
	return v
}

func TestConv2DFilterFromPyTorchLayout(t *testing.T) {
	for _, s := range [][4]int{{1, 1, 1, 1}, {5, 3, 3, 1}, {3, 7, 2, 5}, {2, 1, 5, 3}, {0, 3, 3, 3}, {4, 2, 0, 3}} {
		outC, inC, kh, kw := s[0], s[1], s[2], s[3]
		weight := indexed(outC * inC * kh * kw)
		dst := make([]float32, len(weight))
		kernels.Conv2DFilterFromPyTorch(dst, weight, outC, inC, kh, kw)
		for oc := 0; oc < outC; oc++ {
			for ic := 0; ic < inC; ic++ {
				for ky := 0; ky < kh; ky++ {
					for kx := 0; kx < kw; kx++ {
						got := dst[((ky*kw+kx)*inC+ic)*outC+oc]
						want := weight[((oc*inC+ic)*kh+ky)*kw+kx]
						if got != want {
							t.Fatalf("%v: HWIO[%d][%d][%d][%d] = %v, want OIHW[%d][%d][%d][%d] = %v", s, ky, kx, ic, oc, got, oc, ic, ky, kx, want)
						}
					}
				}
			}
		}
	}
}

func TestConv2DTransposeFilterFromPyTorchLayout(t *testing.T) {
	for _, s := range [][4]int{{1, 1, 1, 1}, {5, 3, 3, 1}, {3, 7, 2, 5}, {2, 1, 5, 3}, {0, 3, 3, 3}} {
		inC, outC, kh, kw := s[0], s[1], s[2], s[3]
		weight := indexed(inC * outC * kh * kw)
		dst := make([]float32, len(weight))
		kernels.Conv2DTransposeFilterFromPyTorch(dst, weight, inC, outC, kh, kw)
		for ic := 0; ic < inC; ic++ {
			for oc := 0; oc < outC; oc++ {
				for ky := 0; ky < kh; ky++ {
					for kx := 0; kx < kw; kx++ {
						got := dst[((ky*kw+kx)*outC+oc)*inC+ic]
						want := weight[((ic*outC+oc)*kh+ky)*kw+kx]
						if got != want {
							t.Fatalf("%v: Keras[%d][%d][%d][%d] = %v, want PyTorch[%d][%d][%d][%d] = %v", s, ky, kx, oc, ic, got, ic, oc, ky, kx, want)
						}
					}
				}
			}
		}
	}
}

func TestDenseKernelFromPyTorchLayout(t *testing.T) {
	for _, s := range [][2]int{{1, 1}, {5, 3}, {3, 7}, {1, 9}, {0, 4}, {4, 0}} {
		out, in := s[0], s[1]
		weight := indexed(out * in)
		dst := make([]float32, len(weight))
		kernels.DenseKernelFromPyTorch(dst, weight, out, in)
		for o := 0; o < out; o++ {
			for i := 0; i < in; i++ {
				if got, want := dst[i*out+o], weight[o*in+i]; got != want {
					t.Fatalf("%v: kernel[%d][%d] = %v, want weight[%d][%d] = %v", s, i, o, got, o, i, want)
				}
			}
		}
	}
}

func TestPyTorchConverterPanics(t *testing.T) {
	w := make([]float32, 24) // a 2×3×2×2 weight
	d := make([]float32, 24)
	for _, c := range []struct {
		name string
		call func()
		want string
	}{
		{"conv outC", func() { kernels.Conv2DFilterFromPyTorch(d, w, -2, 3, 2, 2) }, "kernels: outC < 0"},
		{"conv inC", func() { kernels.Conv2DFilterFromPyTorch(d, w, 2, -3, 2, 2) }, "kernels: inC < 0"},
		{"conv kh", func() { kernels.Conv2DFilterFromPyTorch(d, w, 2, 3, -2, 2) }, "kernels: kh < 0"},
		{"conv kw", func() { kernels.Conv2DFilterFromPyTorch(d, w, 2, 3, 2, -2) }, "kernels: kw < 0"},
		{"conv short weight", func() { kernels.Conv2DFilterFromPyTorch(d, w[:23], 2, 3, 2, 2) }, "kernels: bad length of weight"},
		{"conv long weight", func() { kernels.Conv2DFilterFromPyTorch(d, w, 2, 3, 2, 1) }, "kernels: bad length of weight"},
		{"conv huge", func() { kernels.Conv2DFilterFromPyTorch(d, w, math.MaxInt/2, 3, 2, 2) }, "kernels: bad length of weight"},
		{"conv short dst", func() { kernels.Conv2DFilterFromPyTorch(d[:23], w, 2, 3, 2, 2) }, "kernels: bad length of dst"},
		{"conv long dst", func() { kernels.Conv2DFilterFromPyTorch(make([]float32, 25), w, 2, 3, 2, 2) }, "kernels: bad length of dst"},
		{"conv in place", func() { kernels.Conv2DFilterFromPyTorch(w, w, 2, 3, 2, 2) }, "kernels: dst and weight overlap"},
		{"transpose inC", func() { kernels.Conv2DTransposeFilterFromPyTorch(d, w, -2, 3, 2, 2) }, "kernels: inC < 0"},
		{"transpose outC", func() { kernels.Conv2DTransposeFilterFromPyTorch(d, w, 2, -3, 2, 2) }, "kernels: outC < 0"},
		{"transpose short dst", func() { kernels.Conv2DTransposeFilterFromPyTorch(d[1:], w, 2, 3, 2, 2) }, "kernels: bad length of dst"},
		{"transpose overlap", func() {
			buf := make([]float32, 40)
			kernels.Conv2DTransposeFilterFromPyTorch(buf[16:40], buf[:24], 2, 3, 2, 2)
		}, "kernels: dst and weight overlap"},
		{"dense out", func() { kernels.DenseKernelFromPyTorch(d, w, -4, 6) }, "kernels: out < 0"},
		{"dense in", func() { kernels.DenseKernelFromPyTorch(d, w, 4, -6) }, "kernels: in < 0"},
		{"dense weight", func() { kernels.DenseKernelFromPyTorch(d, w, 4, 5) }, "kernels: bad length of weight"},
		{"dense dst", func() { kernels.DenseKernelFromPyTorch(d[:20], w, 4, 6) }, "kernels: bad length of dst"},
		{"dense in place", func() { kernels.DenseKernelFromPyTorch(w[:], w, 4, 6) }, "kernels: dst and weight overlap"},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != c.want {
					t.Errorf("panic %v, want %q", r, c.want)
				}
			}()
			c.call()
		})
	}
	// Slices next to each other in one array share no element.
	buf := make([]float32, 48)
	kernels.Conv2DFilterFromPyTorch(buf[24:], buf[:24], 2, 3, 2, 2)
}

// The end-to-end tests below run PyTorch's definitions, written here on NCHW tensors and
// PyTorch's weight layouts, against the layers built from the converted weights.

// torchConv is the geometry of a PyTorch Conv2d or ConvTranspose2d: explicit symmetric
// padding, and the transpose's output_padding.
type torchConv struct {
	n, inC, outC, inH, inW int
	kh, kw                 int
	strideH, strideW       int
	dilationH, dilationW   int
	padH, padW             int
	outPadH, outPadW       int  // ConvTranspose2d only
	same                   bool // Conv2d's padding="same" (stride 1): padH and padW are ignored
}

// samePads returns the zeros Conv2d's padding="same" puts before the input: of the
// dilation·(k−1) in all, half, the odd one going after.
func (c torchConv) samePads() (top, left int) {
	return c.dilationH * (c.kh - 1) / 2, c.dilationW * (c.kw - 1) / 2
}

func (c torchConv) convOut() (h, w int) {
	if c.same {
		return c.inH, c.inW
	}
	h = (c.inH+2*c.padH-c.dilationH*(c.kh-1)-1)/c.strideH + 1
	w = (c.inW+2*c.padW-c.dilationW*(c.kw-1)-1)/c.strideW + 1
	return h, w
}

func (c torchConv) transposeOut() (h, w int) {
	h = (c.inH-1)*c.strideH - 2*c.padH + c.dilationH*(c.kh-1) + c.outPadH + 1
	w = (c.inW-1)*c.strideW - 2*c.padW + c.dilationW*(c.kw-1) + c.outPadW + 1
	return h, w
}

// torchConv2d is torch.nn.functional.conv2d: x NCHW, weight [outC][inC][kh][kw], out NCHW,
// a cross-correlation. It returns each output and the sum of its terms' magnitudes, the
// scale of its rounding error.
func torchConv2d(c torchConv, x, weight, bias []float32) (out, scale []float64) {
	outH, outW := c.convOut()
	padH, padW := c.padH, c.padW
	if c.same {
		padH, padW = c.samePads()
	}
	out = make([]float64, c.n*c.outC*outH*outW)
	scale = make([]float64, len(out))
	for b := 0; b < c.n; b++ {
		for oc := 0; oc < c.outC; oc++ {
			for oy := 0; oy < outH; oy++ {
				for ox := 0; ox < outW; ox++ {
					at := ((b*c.outC+oc)*outH+oy)*outW + ox
					out[at], scale[at] = float64(bias[oc]), math.Abs(float64(bias[oc]))
					for ic := 0; ic < c.inC; ic++ {
						for ky := 0; ky < c.kh; ky++ {
							iy := oy*c.strideH - padH + ky*c.dilationH
							for kx := 0; kx < c.kw; kx++ {
								ix := ox*c.strideW - padW + kx*c.dilationW
								if iy < 0 || iy >= c.inH || ix < 0 || ix >= c.inW {
									continue
								}
								term := float64(x[((b*c.inC+ic)*c.inH+iy)*c.inW+ix]) * float64(weight[((oc*c.inC+ic)*c.kh+ky)*c.kw+kx])
								out[at] += term
								scale[at] += math.Abs(term)
							}
						}
					}
				}
			}
		}
	}
	return out, scale
}

// torchConvTranspose2d is torch.nn.functional.conv_transpose2d: x NCHW with c.inC
// channels, weight [inC][outC][kh][kw], out NCHW; input pixel iy reaches output row
// iy·stride + ky·dilation − pad through tap ky, and rows past the end are dropped.
func torchConvTranspose2d(c torchConv, x, weight, bias []float32) (out, scale []float64) {
	outH, outW := c.transposeOut()
	out = make([]float64, c.n*c.outC*outH*outW)
	scale = make([]float64, len(out))
	for b := 0; b < c.n; b++ {
		for oc := 0; oc < c.outC; oc++ {
			for i := 0; i < outH*outW; i++ {
				at := (b*c.outC+oc)*outH*outW + i
				out[at], scale[at] = float64(bias[oc]), math.Abs(float64(bias[oc]))
			}
		}
		for ic := 0; ic < c.inC; ic++ {
			for iy := 0; iy < c.inH; iy++ {
				for ix := 0; ix < c.inW; ix++ {
					v := float64(x[((b*c.inC+ic)*c.inH+iy)*c.inW+ix])
					for oc := 0; oc < c.outC; oc++ {
						for ky := 0; ky < c.kh; ky++ {
							oy := iy*c.strideH + ky*c.dilationH - c.padH
							for kx := 0; kx < c.kw; kx++ {
								ox := ix*c.strideW + kx*c.dilationW - c.padW
								if oy < 0 || oy >= outH || ox < 0 || ox >= outW {
									continue
								}
								term := v * float64(weight[((ic*c.outC+oc)*c.kh+ky)*c.kw+kx])
								at := ((b*c.outC+oc)*outH+oy)*outW + ox
								out[at] += term
								scale[at] += math.Abs(term)
							}
						}
					}
				}
			}
		}
	}
	return out, scale
}

// nchwToNHWC returns x, n×c×h×w, as n×h×w×c.
func nchwToNHWC(x []float32, n, c, h, w int) []float32 {
	y := make([]float32, len(x))
	for b := 0; b < n; b++ {
		for ch := 0; ch < c; ch++ {
			for p := 0; p < h*w; p++ {
				y[(b*h*w+p)*c+ch] = x[(b*c+ch)*h*w+p]
			}
		}
	}
	return y
}

// zeroPadNHWC returns x, n×h×w×c, with pad zero rows and columns on every side.
func zeroPadNHWC(x []float32, n, h, w, c, padH, padW int) []float32 {
	ph, pw := h+2*padH, w+2*padW
	y := make([]float32, n*ph*pw*c)
	for b := 0; b < n; b++ {
		for r := 0; r < h; r++ {
			copy(y[((b*ph+r+padH)*pw+padW)*c:], x[(b*h+r)*w*c:(b*h+r+1)*w*c])
		}
	}
	return y
}

func randomValues(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = 2*r.Float32() - 1
	}
	return v
}

// compareNHWC checks got (NHWC, the layer's output cropped at top/left to want's height
// and width, from a gotH×gotW image) against want (NCHW, PyTorch's).
func compareNHWC(t *testing.T, got []float32, gotH, gotW, top, left int, want, scale []float64, n, c, h, w int) {
	t.Helper()
	bad := 0
	for b := 0; b < n; b++ {
		for ch := 0; ch < c; ch++ {
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					g := float64(got[((b*gotH+y+top)*gotW+x+left)*c+ch])
					at := ((b*c+ch)*h+y)*w + x
					// Room for float32 sums and Winograd's transforms, far below what a
					// misplaced weight changes (a term of order 0.1).
					if math.Abs(g-want[at]) > 1e-4*scale[at]+1e-6 {
						if bad++; bad <= 5 {
							t.Errorf("image %d channel %d (%d, %d): layer %v, PyTorch %v", b, ch, y, x, g, want[at])
						}
					}
				}
			}
		}
	}
}

// TestConv2DFromPyTorch checks that a Conv2D built from a converted PyTorch Conv2d weight
// computes what the Conv2d does, with each padding recipe Conv2DFilterFromPyTorch gives.
func TestConv2DFromPyTorch(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 1))
	for _, c := range []struct {
		name    string
		torch   torchConv
		padding kernels.Padding
		padSrc  bool // zero-pad the input by the PyTorch padding, then Valid
	}{
		{"valid", torchConv{n: 2, inC: 3, outC: 5, inH: 7, inW: 6, kh: 3, kw: 2}, kernels.Valid, false},
		{"valid strided dilated", torchConv{n: 1, inC: 4, outC: 7, inH: 11, inW: 9, kh: 3, kw: 3, strideH: 2, strideW: 3, dilationH: 1, dilationW: 2}, kernels.Valid, false},
		{"3×3 padding 1 is same", torchConv{n: 2, inC: 5, outC: 3, inH: 6, inW: 5, kh: 3, kw: 3, padH: 1, padW: 1}, kernels.Same, false},
		{"5×3 padding (2,1) is same", torchConv{n: 1, inC: 2, outC: 4, inH: 5, inW: 7, kh: 5, kw: 3, padH: 2, padW: 1}, kernels.Same, false},
		{`padding "same", 4×4 kernel dilated (1, 2)`, torchConv{n: 2, inC: 3, outC: 2, inH: 6, inW: 9, kh: 4, kw: 4, dilationW: 2, same: true}, kernels.Same, false},
		{"padding 2 stride 2 on a padded input", torchConv{n: 2, inC: 3, outC: 4, inH: 8, inW: 7, kh: 3, kw: 4, strideH: 2, strideW: 2, padH: 2, padW: 1}, kernels.Valid, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			tc := c.torch
			for _, v := range []*int{&tc.strideH, &tc.strideW, &tc.dilationH, &tc.dilationW} {
				*v = max(*v, 1)
			}
			x := randomValues(r, tc.n*tc.inC*tc.inH*tc.inW)
			weight := randomValues(r, tc.outC*tc.inC*tc.kh*tc.kw)
			bias := randomValues(r, tc.outC)
			want, scale := torchConv2d(tc, x, weight, bias)
			outH, outW := tc.convOut()

			filter := make([]float32, len(weight))
			kernels.Conv2DFilterFromPyTorch(filter, weight, tc.outC, tc.inC, tc.kh, tc.kw)
			src, inH, inW := nchwToNHWC(x, tc.n, tc.inC, tc.inH, tc.inW), tc.inH, tc.inW
			if c.padSrc {
				src = zeroPadNHWC(src, tc.n, tc.inH, tc.inW, tc.inC, tc.padH, tc.padW)
				inH, inW = inH+2*tc.padH, inW+2*tc.padW
			}
			cfg := kernels.Conv2DConfig{InH: inH, InW: inW, InC: tc.inC, OutC: tc.outC, KH: tc.kh, KW: tc.kw,
				StrideH: tc.strideH, StrideW: tc.strideW, DilationH: tc.dilationH, DilationW: tc.dilationW, Padding: c.padding}
			if h, w := cfg.OutputSize(); h != outH || w != outW {
				t.Fatalf("layer output %d×%d, PyTorch's %d×%d", h, w, outH, outW)
			}
			conv, err := kernels.NewConv2D(cfg, filter, bias)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]float32, tc.n*outH*outW*tc.outC)
			if err := conv.Forward(got, src, tc.n); err != nil {
				t.Fatal(err)
			}
			compareNHWC(t, got, outH, outW, 0, 0, want, scale, tc.n, tc.outC, outH, outW)
		})
	}
}

// TestConv2DTransposeFromPyTorch checks that a Conv2DTranspose built from a converted
// PyTorch ConvTranspose2d weight computes what the ConvTranspose2d does, with each
// padding recipe Conv2DTransposeFilterFromPyTorch gives.
func TestConv2DTransposeFromPyTorch(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 2))
	for _, c := range []struct {
		name          string
		torch         torchConv
		padding       kernels.Padding
		outputPadding []int
		crop          bool // keep rows and columns from the PyTorch padding on
	}{
		{"padding 0", torchConv{n: 2, inC: 3, outC: 5, inH: 4, inW: 5, kh: 3, kw: 3, strideH: 2, strideW: 2}, kernels.Valid, []int{0, 0}, false},
		{"padding 0 with nil output padding", torchConv{n: 2, inC: 3, outC: 5, inH: 4, inW: 5, kh: 3, kw: 2, strideH: 2, strideW: 2}, kernels.Valid, nil, false},
		{"padding 0 kernel shorter than stride", torchConv{n: 1, inC: 4, outC: 2, inH: 3, inW: 4, kh: 2, kw: 1, strideH: 3, strideW: 2}, kernels.Valid, []int{0, 0}, false},
		{"output padding (1,2)", torchConv{n: 1, inC: 3, outC: 4, inH: 5, inW: 3, kh: 3, kw: 2, strideH: 2, strideW: 3, outPadH: 1, outPadW: 2}, kernels.Valid, []int{1, 2}, false},
		{"dilated", torchConv{n: 2, inC: 2, outC: 3, inH: 4, inW: 3, kh: 3, kw: 2, strideH: 1, strideW: 2, dilationH: 2, dilationW: 3}, kernels.Valid, []int{0, 0}, false},
		{"4×4 stride 2 padding 1 is same", torchConv{n: 2, inC: 6, outC: 3, inH: 5, inW: 4, kh: 4, kw: 4, strideH: 2, strideW: 2, padH: 1, padW: 1}, kernels.Same, nil, false},
		{"3×3 stride 1 padding 1 is same", torchConv{n: 1, inC: 3, outC: 5, inH: 5, inW: 6, kh: 3, kw: 3, padH: 1, padW: 1}, kernels.Same, nil, false},
		{"3×3 stride 2 padding 1 output padding 1 cropped", torchConv{n: 2, inC: 4, outC: 3, inH: 4, inW: 5, kh: 3, kw: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, outPadH: 1, outPadW: 1}, kernels.Valid, []int{1, 1}, true},
		{"5×4 stride (3,2) padding (2,1) cropped", torchConv{n: 1, inC: 2, outC: 3, inH: 3, inW: 4, kh: 5, kw: 4, strideH: 3, strideW: 2, padH: 2, padW: 1}, kernels.Valid, []int{0, 0}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			tc := c.torch
			for _, v := range []*int{&tc.strideH, &tc.strideW, &tc.dilationH, &tc.dilationW} {
				*v = max(*v, 1)
			}
			x := randomValues(r, tc.n*tc.inC*tc.inH*tc.inW)
			weight := randomValues(r, tc.inC*tc.outC*tc.kh*tc.kw)
			bias := randomValues(r, tc.outC)
			want, scale := torchConvTranspose2d(tc, x, weight, bias)
			outH, outW := tc.transposeOut()

			filter := make([]float32, len(weight))
			kernels.Conv2DTransposeFilterFromPyTorch(filter, weight, tc.inC, tc.outC, tc.kh, tc.kw)
			cfg := kernels.Conv2DTransposeConfig{Conv2DConfig: kernels.Conv2DConfig{
				InH: tc.inH, InW: tc.inW, InC: tc.inC, OutC: tc.outC, KH: tc.kh, KW: tc.kw,
				StrideH: tc.strideH, StrideW: tc.strideW, DilationH: tc.dilationH, DilationW: tc.dilationW,
				Padding: c.padding}, OutputPadding: c.outputPadding}
			layer, err := kernels.NewConv2DTranspose(cfg, filter, bias)
			if err != nil {
				t.Fatal(err)
			}
			layerH, layerW := layer.OutputSize()
			top, left := 0, 0
			if c.crop {
				top, left = tc.padH, tc.padW
			}
			if layerH < top+outH || layerW < left+outW || !c.crop && (layerH != outH || layerW != outW) {
				t.Fatalf("layer output %d×%d, PyTorch's %d×%d from (%d, %d)", layerH, layerW, outH, outW, top, left)
			}
			got := make([]float32, tc.n*layerH*layerW*tc.outC)
			if err := layer.Forward(got, nchwToNHWC(x, tc.n, tc.inC, tc.inH, tc.inW), tc.n); err != nil {
				t.Fatal(err)
			}
			compareNHWC(t, got, layerH, layerW, top, left, want, scale, tc.n, tc.outC, outH, outW)
		})
	}
}

// TestDenseFromPyTorch checks that a Dense built from a converted PyTorch Linear weight
// computes x·weightᵀ + bias, as the Linear does.
func TestDenseFromPyTorch(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 3))
	const batch, in, out = 3, 37, 19
	x := randomValues(r, batch*in)
	weight := randomValues(r, out*in)
	bias := randomValues(r, out)
	kernel := make([]float32, len(weight))
	kernels.DenseKernelFromPyTorch(kernel, weight, out, in)
	dense, err := kernels.NewDense(in, out, kernel, bias, kernels.Linear)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]float32, batch*out)
	if err := dense.Forward(got, x, batch); err != nil {
		t.Fatal(err)
	}
	for b := 0; b < batch; b++ {
		for o := 0; o < out; o++ {
			want, scale := float64(bias[o]), math.Abs(float64(bias[o]))
			for i := 0; i < in; i++ {
				term := float64(x[b*in+i]) * float64(weight[o*in+i])
				want += term
				scale += math.Abs(term)
			}
			if g := float64(got[b*out+o]); math.Abs(g-want) > 1e-5*scale+1e-6 {
				t.Errorf("row %d output %d: Dense %v, Linear %v", b, o, g, want)
			}
		}
	}
}

// A PyTorch Conv2d(1, 2, kernel_size=(1, 2), bias=False) whose two filters weigh a pixel
// and its right neighbour 1:2 and 10:20, run as a Keras Conv2D over a 1×3 image.
func ExampleConv2DFilterFromPyTorch() {
	weight := []float32{ // conv.weight, [out_channels=2][in_channels=1][1][2]
		1, 2,
		10, 20,
	}
	filter := make([]float32, len(weight))
	kernels.Conv2DFilterFromPyTorch(filter, weight, 2, 1, 1, 2)
	fmt.Println("HWIO filter:", filter)

	conv, err := kernels.NewConv2D(kernels.Conv2DConfig{
		InH: 1, InW: 3, InC: 1, OutC: 2, KH: 1, KW: 2, Padding: kernels.Valid, // PyTorch's padding=0
	}, filter, nil)
	if err != nil {
		panic(err)
	}
	dst := make([]float32, 1*2*2) // NHWC: 1 image, 1×2 pixels, 2 channels
	if err := conv.Forward(dst, []float32{1, 2, 3}, 1); err != nil {
		panic(err)
	}
	fmt.Println("output:", dst)
	// Output:
	// HWIO filter: [1 10 2 20]
	// output: [5 50 8 80]
}

// A PyTorch Linear(3, 2) as a Keras Dense layer.
func ExampleDenseKernelFromPyTorch() {
	weight := []float32{ // linear.weight, [out_features=2][in_features=3]
		1, 2, 3,
		4, 5, 6,
	}
	bias := []float32{0.5, -0.5} // linear.bias, as it stands
	kernel := make([]float32, len(weight))
	kernels.DenseKernelFromPyTorch(kernel, weight, 2, 3)
	fmt.Println("kernel [in][out]:", kernel)

	dense, err := kernels.NewDense(3, 2, kernel, bias, kernels.Linear)
	if err != nil {
		panic(err)
	}
	y := make([]float32, 2)
	if err := dense.Forward(y, []float32{1, 1, 1}, 1); err != nil {
		panic(err)
	}
	fmt.Println("y = x·weightᵀ + bias:", y)
	// Output:
	// kernel [in][out]: [1 4 2 5 3 6]
	// y = x·weightᵀ + bias: [6.5 14.5]
}

// A PyTorch ConvTranspose2d(1, 2, kernel_size=(1, 2), stride=(1, 2), bias=False), which
// spreads each pixel over two, weighted 1:2 and 10:20, run as a Keras Conv2DTranspose.
func ExampleConv2DTransposeFilterFromPyTorch() {
	weight := []float32{ // deconv.weight, [in_channels=1][out_channels=2][1][2]
		1, 2,
		10, 20,
	}
	filter := make([]float32, len(weight))
	kernels.Conv2DTransposeFilterFromPyTorch(filter, weight, 1, 2, 1, 2)
	fmt.Println("[KH][KW][OutC][InC] filter:", filter)

	deconv, err := kernels.NewConv2DTranspose(kernels.Conv2DTransposeConfig{
		Conv2DConfig: kernels.Conv2DConfig{
			InH: 1, InW: 2, InC: 1, OutC: 2, KH: 1, KW: 2, StrideW: 2, Padding: kernels.Valid,
		},
		OutputPadding: []int{0, 0}, // PyTorch's padding=0, output_padding=0
	}, filter, nil)
	if err != nil {
		panic(err)
	}
	outH, outW := deconv.OutputSize()
	dst := make([]float32, 1*outH*outW*2) // NHWC
	if err := deconv.Forward(dst, []float32{1, 3}, 1); err != nil {
		panic(err)
	}
	fmt.Printf("output %d×%d: %v\n", outH, outW, dst)
	// Output:
	// [KH][KW][OutC][InC] filter: [1 10 2 20]
	// output 1×4: [1 10 2 20 3 30 6 60]
}
