package generic

// Axis is one spatial axis (height or width) of a 2-D convolution, read in the forward
// (Conv2D) direction: output o sees the inputs o·Stride − Pad + t·Dilation for the taps
// t < K, and inputs outside [0, In) are zeros. Pad zeros come before the input (top or
// left); the zeros after it are however many the last window needs.
type Axis struct {
	In, Out  int // input and output lengths
	K        int // taps
	Stride   int // between consecutive outputs
	Dilation int // between consecutive taps
	Pad      int // zeros before the input
}

// DilatedK is the span the K taps cover: (K−1)·Dilation + 1.
func (a Axis) DilatedK() int { return (a.K-1)*a.Dilation + 1 }

// Input returns the input index that tap t of output o reads; it may fall in the padding.
func (a Axis) Input(o, t int) int { return o*a.Stride - a.Pad + t*a.Dilation }

// Taps returns the taps [lo, hi) of output o that read the input rather than padding:
// Input(o, t) is in [0, In) exactly for lo ≤ t < hi.
func (a Axis) Taps(o int) (lo, hi int) {
	first := a.Input(o, 0)
	lo = min(max(ceilDiv(-first, a.Dilation), 0), a.K)
	hi = min(max(ceilDiv(a.In-first, a.Dilation), lo), a.K)
	return lo, hi
}

// ConvAxis returns the axis of a Keras Conv2D over an input of length in. This is the one
// place simdnn spells out Keras's shape rules:
//
//   - valid: no padding, Out = ceil((in − dilatedK + 1) / stride), which is ≤ 0 when the
//     dilated kernel is longer than the input (Keras refuses that layer).
//   - same: Out = ceil(in / stride), padded as TensorFlow pads: total =
//     max((Out−1)·stride + dilatedK − in, 0) zeros, total/2 of them before the input and
//     the odd one after it (bottom/right).
func ConvAxis(in, k, stride, dilation int, same bool) Axis {
	a := Axis{In: in, K: k, Stride: stride, Dilation: dilation}
	if !same {
		a.Out = ceilDiv(in-a.DilatedK()+1, stride)
		return a
	}
	a.Out = ceilDiv(in, stride)
	a.Pad = max((a.Out-1)*stride+a.DilatedK()-in, 0) / 2
	return a
}

// NoOutputPadding stands for Keras's output_padding=None in TransposeAxis.
const NoOutputPadding = -1

// TransposeAxis returns the axis of a Keras Conv2DTranspose over an input of length in,
// as the forward convolution it is the adjoint of, so that Axis.Out == in and Axis.In
// is the transpose's output length:
//
//   - The output length is Keras's deconv_output_length: with outputPadding
//     NoOutputPadding, in·stride + max(dilatedK − stride, 0) for valid and in·stride for
//     same; with an outputPadding op, (in−1)·stride + dilatedK − 2·pad + op, pad =
//     dilatedK/2 for same and 0 for valid.
//   - The padding is the forward Conv2D's over that length (ConvAxis), which is what
//     TensorFlow's conv2d_transpose crops: the odd row or column at the bottom/right.
//
// ok is false when that forward Conv2D does not map the output length back to in;
// TensorFlow refuses such a layer ("Conv2DSlowBackpropInput: Size of out_backprop doesn't
// match computed"). It happens only with an explicit outputPadding, e.g. same padding,
// an even kernel and op = 0, or op ≥ stride, which Keras refuses up front.
func TransposeAxis(in, k, stride, dilation int, same bool, outputPadding int) (a Axis, ok bool) {
	dk := (k-1)*dilation + 1
	var length int
	switch {
	case outputPadding == NoOutputPadding && same:
		length = in * stride
	case outputPadding == NoOutputPadding:
		length = in*stride + max(dk-stride, 0)
	case same:
		length = (in-1)*stride + dk - 2*(dk/2) + outputPadding
	default:
		length = (in-1)*stride + dk + outputPadding
	}
	a = ConvAxis(length, k, stride, dilation, same)
	return a, length > 0 && a.Out == in
}

// ceilDiv is ⌈a/b⌉ for b > 0 and any a: Go's division truncates toward zero, which is
// the ceiling once a+b−1 ≤ 0.
func ceilDiv(a, b int) int { return (a + b - 1) / b }

// Conv is the shape of a 2-D convolution on NHWC tensors with an HWIO filter
// [KH][KW][InC][OutC]: InC input channels, OutC filters, and the height and width axes.
type Conv struct {
	InC, OutC int
	H, W      Axis
}

// Conv2D is the Keras Conv2D layer as its definition reads: for image b, output pixel
// (oy, ox) and filter oc,
//
//	dst[b][oy][ox][oc] = act(bias[oc] + Σ_{ky,kx,ic} src[b][iy][ix][ic] · filter[ky][kx][ic][oc]),
//	iy = c.H.Input(oy, ky), ix = c.W.Input(ox, kx), padding taps contributing zero,
//
// with src n×H.In×W.In×InC, dst n×H.Out×W.Out×OutC and act ReLU or the identity. bias has OutC
// values or is nil. Sums are accumulated in float64, so that the reference is closer to
// the exact result than any float32 kernel. Arguments are trusted: check them before
// calling.
func Conv2D(dst, src, filter, bias []float32, n int, c Conv, relu bool) {
	for b := 0; b < n; b++ {
		for oy := 0; oy < c.H.Out; oy++ {
			for ox := 0; ox < c.W.Out; ox++ {
				for oc := 0; oc < c.OutC; oc++ {
					var sum float64
					if bias != nil {
						sum = float64(bias[oc])
					}
					for ky := 0; ky < c.H.K; ky++ {
						iy := c.H.Input(oy, ky)
						if iy < 0 || iy >= c.H.In {
							continue
						}
						for kx := 0; kx < c.W.K; kx++ {
							ix := c.W.Input(ox, kx)
							if ix < 0 || ix >= c.W.In {
								continue
							}
							for ic := 0; ic < c.InC; ic++ {
								x := src[((b*c.H.In+iy)*c.W.In+ix)*c.InC+ic]
								w := filter[((ky*c.W.K+kx)*c.InC+ic)*c.OutC+oc]
								sum += float64(x) * float64(w)
							}
						}
					}
					dst[((b*c.H.Out+oy)*c.W.Out+ox)*c.OutC+oc] = activate(sum, relu)
				}
			}
		}
	}
}

// Conv2DTranspose is the Keras Conv2DTranspose layer (TensorFlow's conv2d_backprop_input,
// no kernel flip) whose forward convolution is c: the adjoint of Conv2D(c), then the bias
// and activation. Its input src is n×H.Out×W.Out×c.OutC, its output dst n×H.In×W.In×c.InC: every
// input pixel scatters its product with each tap of the filter to the pixel that tap of
// the forward convolution would have read,
//
//	dst[b][iy][ix][ic] = act(bias[ic] + Σ src[b][oy][ox][oc] · filter[ky][kx][ic][oc])
//	over every (oy, ox, ky, kx) with c.H.Input(oy, ky) = iy and c.W.Input(ox, kx) = ix.
//
// filter is c's HWIO filter [KH][KW][c.InC][c.OutC], which is Keras's Conv2DTranspose
// layout [KH][KW][filters][input channels] as it stands: the layer's filters are c.InC
// and its input channels c.OutC. bias has c.InC values or is nil. Sums are accumulated in
// float64. Arguments are trusted: check them before calling.
func Conv2DTranspose(dst, src, filter, bias []float32, n int, c Conv, relu bool) {
	sum := make([]float64, len(dst))
	for b := 0; b < n; b++ {
		for oy := 0; oy < c.H.Out; oy++ {
			for ox := 0; ox < c.W.Out; ox++ {
				for ky := 0; ky < c.H.K; ky++ {
					iy := c.H.Input(oy, ky)
					if iy < 0 || iy >= c.H.In {
						continue
					}
					for kx := 0; kx < c.W.K; kx++ {
						ix := c.W.Input(ox, kx)
						if ix < 0 || ix >= c.W.In {
							continue
						}
						for ic := 0; ic < c.InC; ic++ {
							for oc := 0; oc < c.OutC; oc++ {
								y := src[((b*c.H.Out+oy)*c.W.Out+ox)*c.OutC+oc]
								w := filter[((ky*c.W.K+kx)*c.InC+ic)*c.OutC+oc]
								sum[((b*c.H.In+iy)*c.W.In+ix)*c.InC+ic] += float64(y) * float64(w)
							}
						}
					}
				}
			}
		}
	}
	for i, s := range sum {
		if bias != nil {
			s += float64(bias[i%c.InC])
		}
		dst[i] = activate(s, relu)
	}
}

// Dense is the Keras Dense layer as its definition reads: for each of the batch rows,
//
//	dst[b][o] = act(bias[o] + Σ_i src[b][i] · kernel[i][o]),
//
// src batch×in, kernel in×out, dst batch×out, bias out values or nil. Sums are
// accumulated in float64. Arguments are trusted: check them before calling.
func Dense(dst, src, kernel, bias []float32, batch, in, out int, relu bool) {
	for b := 0; b < batch; b++ {
		for o := 0; o < out; o++ {
			var sum float64
			if bias != nil {
				sum = float64(bias[o])
			}
			for i := 0; i < in; i++ {
				sum += float64(src[b*in+i]) * float64(kernel[i*out+o])
			}
			dst[b*out+o] = activate(sum, relu)
		}
	}
}

// activate rounds the sum to float32 after the activation: ReLU, or the identity.
func activate(sum float64, relu bool) float32 {
	if relu && sum < 0 {
		return 0
	}
	return float32(sum)
}
