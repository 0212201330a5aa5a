package kernels

import (
	"fmt"

	"github.com/simdnn/simdnn/dispatch"
	"github.com/simdnn/simdnn/generic"
)

// tileFunc is the contract every SGEMM micro-kernel shares; generic.SgemmTile2x4 documents it
// and is its reference.
type tileFunc func(k int, a []float32, rsA, csA int, b []float32, rsB int, c []float32, ldc int, alpha, beta float32, mr, nr int)

// columnFunc is the contract of the SGEMM kernels' column variants: tiles ≥ 1 whole
// MR-row tiles of tileFunc, nr columns each, down one panel of B, tile q's A q·aStep
// floats on and its C q·MR rows down. Unless bNext is 0, b[bNext:] is the next panel of
// B, k rows rsB apart, which the kernel prefetches (operand.next). Unless bCopy is nil,
// the first tile copies the panel there (k rows of NR floats) and the others read the
// copy; A is then packed (rsA = 1, csA = MR) or row-major (csA = 1).
type columnFunc func(tiles, k int, a []float32, rsA, csA, aStep int, b []float32, rsB, bNext int, bCopy, c []float32, ldc int, alpha, beta float32, nr int)

// gemmKernel is a micro-kernel and its register tile.
type gemmKernel struct {
	name   string
	mr, nr int
	tile   tileFunc
	// column, if not nil, runs a column of whole tiles in one call (macroKernel).
	column columnFunc
	// packRows, if not nil, packs a full MR-row panel of row-major A (k ≥ 1 columns):
	// dst[p*mr+i] = a[i*lda+p]. Without it packA copies in Go.
	packRows func(k int, a []float32, lda int, dst []float32)
	// packTransB, if not nil, packs a full NR-column panel of transposed B, NR rows of
	// B k long: dst[p*nr+j] = b[j*ldb+p]. Without it packB copies in Go.
	packTransB func(k int, b []float32, ldb int, dst []float32)
}

// convTileFunc is the contract of the indirect convolution micro-kernels;
// generic.ConvTile documents it and is its reference.
type convTileFunc func(taps, k int, ind []int32, src, zero, w, bias, c []float32, ldc, mr, nr int, relu bool)

// rowConvTileFunc is the contract of the row convolution micro-kernels;
// generic.ConvRowTile documents it and is its reference.
type rowConvTileFunc func(taps, k int, ind []int32, stride int, src, zero, w, bias, c []float32, ldc, pixels, nr int, relu bool)

// panelsTileFunc is the contract of the indirect kernels' row-of-panels variants: the
// tiles of convTileFunc for panels ≥ 1 whole weight panels side by side, all NR columns
// of each, panel q's weights, bias and C q·taps·k·NR, q·NR and q·NR floats on.
type panelsTileFunc func(panels, taps, k int, ind []int32, src, zero, w, bias, c []float32, ldc, mr int, relu bool)

// convKernel is a convolution micro-kernel and its tile: MR output pixels × NR output
// channels, NR the same as the ISA's SGEMM kernel's so that both read one packing of the
// weights. An indirect kernel has tile, and may have panelsTile; a row kernel rowTile.
type convKernel struct {
	name       string
	mr, nr     int
	tile       convTileFunc
	panelsTile panelsTileFunc
	rowTile    rowConvTileFunc
}

// isaKernels are one ISA's kernels.
type isaKernels struct {
	kernel gemmKernel
	// edges are kernels with fewer rows than kernel (and its NR), by increasing MR: the
	// last rows of a matrix run on the smallest that covers them (kernelFor).
	edges []gemmKernel
	// conv, if its tile is not nil, runs convolutions by indirect GEMM; without it they
	// take im2col and the SGEMM kernel. convEdges are its edges as edges are kernel's.
	conv      convKernel
	convEdges []convKernel
	// convStream, if its tile is not nil, is conv prefetching the weights ahead: the
	// full tiles of a layer whose weights do not stay in L2 (streamWeights).
	convStream convKernel
	// rowConv, if its rowTile is not nil, runs the tiles along one output row whose taps
	// lie inside the image, where the pixels' taps are a fixed stride apart and one
	// offset per tap locates them all (wideTaps layers: the first ones, few channels).
	rowConv convKernel
	dot     func(x, y []float32) float32                 // Σ x[i]·y[i] over len(x); len(y) ≥ len(x)
	dot4    func(x, a []float32, lda int, out []float32) // out[r] = Σ x[i]·a[r*lda+i] over len(x), r < 4
	axpy    func(alpha float32, x, y []float32)
	// axpy4: y[j] += Σ_{r<4} x[r]·b[r*ldb+j] over len(y); the GEMV's row loop (rowsTimes).
	axpy4 func(x, b []float32, ldb int, y []float32)
	// biasAct: c[i*ldc+j] = act(c[i*ldc+j] + bias[j]) over an m×n block, act ReLU when
	// relu; the layers' epilogue (generic.BiasAct is its reference).
	biasAct func(m, n int, c []float32, ldc int, bias []float32, relu bool)
	// copy2D: dst[i*ldd+j] = src[i*lds+j] for i < rows, j < cols; short rows are its
	// business (im2col of layers with few channels).
	copy2D copy2DFunc
	// activate[act]: dst[i] = act(src[i]) over len(dst), dst == src or disjoint; Softmax's
	// over the whole of dst, one row. generic's functions are the references.
	activate [activations]func(dst, src []float32)
	// maxInto: y[i] = max(y[i], x[i]) over len(y), NaN where either is; max pooling.
	maxInto func(x, y []float32)
	// leakyReLU: dst[i] = src[i], or alpha·src[i] below zero, over len(dst), for
	// 0 ≤ alpha ≤ 1; generic.LeakyReLU is its reference.
	leakyReLU func(dst, src []float32, alpha float32)
	// winograd[f]: the Winograd transforms of one tile, F(2×2,3×3) for f = 0 and
	// F(4×4,3×3) for f = 1 (winogradTransform.index), or nil: the transforms then run
	// on the SGEMM kernel.
	winograd [2]winogradKernels
}

// winogradKernels are the transforms of one Winograd algorithm; generic.WinogradInput and
// generic.WinogradOutput, on the algorithm's matrices, are their references.
type winogradKernels struct {
	// input: dst[ξ*ldv+c] = V_ξ = (Bᵀ d B)[ξ/α][ξ%α], d[y][x] = src[y*rowStride +
	// x*colStride + c], c < n.
	input func(n int, src []float32, rowStride, colStride int, dst []float32, ldv int)
	// output: dst[y*ldDst + x*pixelStride + c] = act((Aᵀ M A)[y][x] + bias[c]) for y <
	// rows, x < cols, c < n, M[y][x] = src[(y*α+x)*ldm + c], act ReLU when relu; bias
	// holds n values (−0 adds nothing, exactly).
	output func(n int, src []float32, ldm int, dst []float32, ldDst, pixelStride int, bias []float32, relu bool, rows, cols int)
}

// genericActivations are the references of every activate kernel.
var genericActivations = [activations]func(dst, src []float32){
	Linear:    func(dst, src []float32) { copy(dst, src[:len(dst)]) },
	ReLU:      generic.ReLU,
	ReLU6:     generic.ReLU6,
	LeakyReLU: func(dst, src []float32) { generic.LeakyReLU(dst, src, leakyReLUSlope) },
	Sigmoid:   generic.Sigmoid,
	Tanh:      generic.Tanh,
	Swish:     generic.Swish,
	GELU:      generic.GELU,
	Softmax:   generic.Softmax,
}

// activateRows applies act in place to each of the rows×cols block of C at c (row
// stride ldc), Softmax to each row.
func (k *isaKernels) activateRows(act Activation, c []float32, ldc, rows, cols int) {
	f := k.activate[act]
	for i := range rows {
		row := c[i*ldc : i*ldc+cols]
		f(row, row)
	}
}

// copy2DFunc copies rows runs of cols floats: dst[i*ldd+j] = src[i*lds+j].
type copy2DFunc func(rows, cols int, src []float32, lds int, dst []float32, ldd int)

// kernelFor returns the SGEMM kernel for a tile of rows rows: the smallest that covers
// them. A pointer, not a copy: the drivers look it up for every tile.
func (k *isaKernels) kernelFor(rows int) *gemmKernel {
	for i := range k.edges {
		if rows <= k.edges[i].mr {
			return &k.edges[i]
		}
	}
	return &k.kernel
}

// convFor is kernelFor for the convolution kernels.
func (k *isaKernels) convFor(rows int) convKernel {
	for _, e := range k.convEdges {
		if rows <= e.mr {
			return e
		}
	}
	return k.conv
}

// impl is everything the drivers need from one ISA.
type impl struct {
	isa dispatch.ISA
	isaKernels
	blocking dispatch.Blocking
}

var genericKernels = isaKernels{
	kernel:    gemmKernel{name: "generic.SgemmTile2x4", mr: 2, nr: 4, tile: generic.SgemmTile2x4},
	dot:       generic.Dot,
	dot4:      generic.Dot4,
	axpy:      generic.Axpy,
	axpy4:     generic.Axpy4,
	biasAct:   generic.BiasAct,
	copy2D:    generic.Copy2D,
	activate:  genericActivations,
	maxInto:   generic.MaxInto,
	leakyReLU: generic.LeakyReLU,
}

// kernelsFor returns the kernels of isa in this build.
func kernelsFor(isa dispatch.ISA) (isaKernels, bool) {
	if isa == dispatch.Generic {
		return genericKernels, true
	}
	k, ok := simdKernels[isa]
	return k, ok
}

// newImpl assembles the implementation of isa for the detected CPU.
func newImpl(isa dispatch.ISA) (impl, error) {
	k, ok := kernelsFor(isa)
	if !ok || !dispatch.DetectedCPU().Has(isa) {
		return impl{}, fmt.Errorf("kernels: ISA %q is not available in this build on this CPU", isa)
	}
	return impl{isa: isa, isaKernels: k, blocking: dispatch.BlockingFor(isa, dispatch.DetectedCPU().Caches)}, nil
}

// active is the implementation every call uses, chosen once at start-up. Tests swap it
// with useISA to run every path the machine has in one process.
var active = mustImpl(dispatch.SelectedISA())

func mustImpl(isa dispatch.ISA) impl {
	im, err := newImpl(isa)
	if err != nil {
		panic(err)
	}
	return im
}

// ISA names the instruction set the dispatcher chose: "avx512", "avx2", "neon" or "generic".
func ISA() string { return string(active.isa) }
