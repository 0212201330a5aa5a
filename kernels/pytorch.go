package kernels

import "unsafe"

// Converters from PyTorch's weight layouts to the ones the layers take. PyTorch's
// convolutions are cross-correlations, as Keras's are: neither flips the kernel, so a
// converted filter is the same numbers in another order, and the layers then compute what
// the PyTorch modules compute, up to padding (each converter says how to match it).

// Panic messages of the converters, phrased as Sgemm's are: they name the argument.
const (
	negOutC         = "kernels: outC < 0"
	negInC          = "kernels: inC < 0"
	negKH           = "kernels: kh < 0"
	negKW           = "kernels: kw < 0"
	negIn           = "kernels: in < 0"
	negOut          = "kernels: out < 0"
	badLenWeight    = "kernels: bad length of weight"
	badLenDst       = "kernels: bad length of dst"
	dstWeightShared = "kernels: dst and weight overlap"
)

// Conv2DFilterFromPyTorch converts the weight of a PyTorch torch.nn.Conv2d(inC, outC,
// (kh, kw)), laid out [outC][inC][kh][kw] (OIHW, as weight.detach().numpy() flattens it),
// to the Keras Conv2D filter [kh][kw][inC][outC] (HWIO) that NewConv2D takes:
//
//	dst[((ky·kw + kx)·inC + ic)·outC + oc] = weight[((oc·inC + ic)·kh + ky)·kw + kx]
//
// PyTorch's bias ([outC]) is the layer's bias as it stands. weight and dst must both have
// outC·inC·kh·kw values and must not overlap; otherwise, or for a negative size, it panics
// with a message naming the argument. Grouped convolutions (groups > 1) have no layer here.
//
// Padding: PyTorch pads explicitly, padding zeros on both sides of each axis, where Keras
// chooses: Valid pads nothing and Same pads as TensorFlow does (total zeros
// max((ceil(in/stride)−1)·stride + dk − in, 0) for a dilated kernel of dk = (k−1)·dilation+1
// rows, half before the input and the odd one after). So, per axis:
//
//   - padding=0 or "valid": Valid.
//   - padding="same" (stride 1 only in PyTorch): Same; both put the odd zero after.
//   - padding=p: Same when Keras's total above equals 2p for the input size (always with
//     stride 1 and dk = 2p+1, e.g. a 3×3 kernel with padding=1); otherwise copy the NHWC
//     input into one p zeros larger on every side and use Valid on it.
//   - padding_mode other than "zeros": pad the input that way yourself and use Valid.
//
// Strides and dilations carry over unchanged, and PyTorch's NCHW tensors must be
// transposed to the layers' NHWC.
func Conv2DFilterFromPyTorch(dst, weight []float32, outC, inC, kh, kw int) {
	checkConvSizes(outC, inC, kh, kw)
	oihwToHWIO(dst, weight, outC, inC, kh, kw)
}

// Conv2DTransposeFilterFromPyTorch converts the weight of a PyTorch
// torch.nn.ConvTranspose2d(inC, outC, (kh, kw)), laid out [inC][outC][kh][kw], to the
// Keras Conv2DTranspose filter [kh][kw][outC][inC] that NewConv2DTranspose takes, inC
// being the layer's input channels (Conv2DTransposeConfig.InC) and outC its filters
// (Conv2DTransposeConfig.OutC):
//
//	dst[((ky·kw + kx)·outC + oc)·inC + ic] = weight[((ic·outC + oc)·kh + ky)·kw + kx]
//
// This is Conv2DFilterFromPyTorch's reordering with the channel roles swapped: in both
// frameworks a transpose convolution's weight is laid out as the weight of the
// convolution it is the adjoint of. PyTorch's bias ([outC]) is the layer's bias as it
// stands. weight and dst must both have inC·outC·kh·kw values and must not overlap;
// otherwise, or for a negative size, it panics with a message naming the argument.
// Grouped transposes (groups > 1) have no layer here.
//
// Padding: both frameworks scatter input pixel iy through tap ky to output row
// iy·stride + ky·dilation − top, with no kernel flip; they differ in top and in the
// output size. PyTorch's top is padding=p, and its output (in−1)·stride + dk − 2p + op
// rows, dk = (k−1)·dilation+1: p rows cropped from each side of the full scatter, then
// output_padding=op rows given back at the bottom.
// Per axis (OutputPadding holds {rows, columns}):
//
//   - p = 0: Valid with OutputPadding op (Keras needs op < stride); with op = 0 and
//     dk ≥ stride, a nil OutputPadding gives the same.
//   - op = 0 and dk − stride = 2p (e.g. kernel 4, stride 2, padding 1): Same with a nil
//     OutputPadding.
//   - otherwise (e.g. kernel 3, stride 2, padding 1, output_padding 1): Valid with
//     OutputPadding op, then keep rows and columns [p, p + PyTorch's size) of the
//     layer's output. (Keras's Same gives PyTorch's size there but drops the odd row at
//     the bottom, where PyTorch drops it at the top.)
func Conv2DTransposeFilterFromPyTorch(dst, weight []float32, inC, outC, kh, kw int) {
	checkConvSizes(outC, inC, kh, kw)
	// PyTorch's [inC][outC][kh][kw] is the OIHW weight of the forward Conv2d from outC to
	// inC channels, and Keras's [kh][kw][outC][inC] that convolution's HWIO filter.
	oihwToHWIO(dst, weight, inC, outC, kh, kw)
}

// DenseKernelFromPyTorch converts the weight of a PyTorch torch.nn.Linear(in, out), laid
// out [out][in] (y = x·weightᵀ + bias), to the Keras Dense kernel [in][out] that NewDense
// takes:
//
//	dst[i·out + o] = weight[o·in + i]
//
// PyTorch's bias ([out]) is the layer's bias as it stands. weight and dst must both have
// in·out values and must not overlap; otherwise, or for a negative size, it panics with
// a message naming the argument.
func DenseKernelFromPyTorch(dst, weight []float32, out, in int) {
	switch {
	case out < 0:
		panic(negOut)
	case in < 0:
		panic(negIn)
	}
	checkConvertedLengths(dst, weight, out, in)
	for i := 0; i < in; i++ {
		row := dst[i*out : (i+1)*out]
		for o := range row {
			row[o] = weight[o*in+i]
		}
	}
}

// checkConvSizes panics, naming the argument, when a convolution weight's size is
// negative.
func checkConvSizes(outC, inC, kh, kw int) {
	switch {
	case outC < 0:
		panic(negOutC)
	case inC < 0:
		panic(negInC)
	case kh < 0:
		panic(negKH)
	case kw < 0:
		panic(negKW)
	}
}

// oihwToHWIO writes weight [nO][nI][kh][kw] to dst as [kh][kw][nI][nO], in dst's order
// so that each destination line is written once, front to back.
func oihwToHWIO(dst, weight []float32, nO, nI, kh, kw int) {
	checkConvertedLengths(dst, weight, nO, nI, kh, kw)
	taps := kh * kw
	for t := 0; t < taps; t++ { // t = ky·kw + kx, which is also its offset in an [kh][kw] plane
		for i := 0; i < nI; i++ {
			line := dst[(t*nI+i)*nO : (t*nI+i+1)*nO]
			for o := range line {
				line[o] = weight[(o*nI+i)*taps+t]
			}
		}
	}
}

// checkConvertedLengths panics unless dst and weight both hold Π dims values (dims are
// not negative) and do not share memory: a converter reading its own output would
// return garbage without a sign of it.
func checkConvertedLengths(dst, weight []float32, dims ...int) {
	n := 1
	for _, d := range dims {
		if d == 0 {
			n = 0
			break
		}
		if n > maxElems/d {
			panic(badLenWeight) // no slice is that long
		}
		n *= d
	}
	switch {
	case len(weight) != n:
		panic(badLenWeight)
	case len(dst) != n:
		panic(badLenDst)
	case n > 0 && overlap(dst, weight):
		panic(dstWeightShared)
	}
}

// overlap reports whether the non-empty slices a and b share an element.
func overlap(a, b []float32) bool {
	const size = unsafe.Sizeof(float32(0))
	aLo, bLo := uintptr(unsafe.Pointer(&a[0])), uintptr(unsafe.Pointer(&b[0]))
	return aLo < bLo+uintptr(len(b))*size && bLo < aLo+uintptr(len(a))*size
}
