package kernels

import (
	"sync"

	"github.com/simdnn/simdnn/generic"
)

// Conv2DTranspose is a Keras Conv2DTranspose layer with its filter packed for the
// micro-kernel. It is immutable once built, so Forward may run in several goroutines at
// once.
//
// The layer is the adjoint (the gradient with respect to the input) of the Conv2D with
// the same kernel size, strides, dilation and padding that maps the layer's output
// (outH×outW×OutC) back to its input (InH×InW×InC). The layer's filter
// [KH][KW][OutC][InC] is that Conv2D's HWIO filter as it stands: a Conv2D's kernel
// serves the matching Conv2DTranspose unchanged, as in TensorFlow.
type Conv2DTranspose struct {
	// fwd is that Conv2D's shape: fwd.H.In×fwd.W.In×fwd.InC is the layer's output,
	// fwd.H.Out×fwd.W.Out×fwd.OutC its input.
	fwd generic.Conv
	// w is the filter as the InC × KH·KW·OutC matrix (the layer's InC and OutC): row ic
	// holds what input channel ic contributes to each tap and filter. With direct, only
	// its sizes are kept: the sub-filters hold the weights.
	w  packedWeights
	ep epilogue
	// direct, when not nil, runs Forward as sub-convolutions on the indirect kernels
	// instead of a GEMM and col2im.
	direct *subconvTranspose
}

// NewConv2DTranspose: the Keras Conv2DTranspose layer (TF's conv2d_backprop_input, no
// kernel flip). filter has the Keras layout [KH][KW][OutC][InC]. Output size as Keras's
// deconv_output_length: with OutputPadding nil, valid: in*stride + max(dilated_k - stride, 0),
// same: in*stride; with op: (in-1)*stride + dilated_k - 2*pad + op, pad = dilated_k/2 for
// same, 0 for valid. The crop is the forward conv's padding: the extra row/col bottom/right.
//
// OutputPadding values must be in [0, stride), as Keras requires, and give a size that the
// forward convolution maps back to the input, as TensorFlow requires.
func NewConv2DTranspose(cfg Conv2DTransposeConfig, filter, bias []float32) (*Conv2DTranspose, error) {
	return newConv2DTranspose(cfg, filter, bias, active)
}

// newConv2DTranspose builds the layer for im. The layer keeps im: its filter is packed
// for im's micro-kernel.
func newConv2DTranspose(cfg Conv2DTransposeConfig, filter, bias []float32, im impl) (*Conv2DTranspose, error) {
	fwd, err := cfg.forwardShape()
	if err != nil {
		return nil, err
	}
	ep, err := checkWeights("Conv2DTranspose", cfg.Conv2DConfig, filter, bias)
	if err != nil {
		return nil, err
	}
	// The filter is the row-major (KH·KW·OutC) × InC matrix; w is its transpose.
	taps := fwd.H.K * fwd.W.K * fwd.InC
	t := &Conv2DTranspose{fwd: fwd, ep: ep}
	if useSubconv(im, &fwd) {
		t.direct = newSubconvTranspose(im, &fwd, filter, ep)
		t.w = packedWeights{im: im, k: fwd.OutC, n: taps} // for ParamCount
		return t, nil
	}
	t.w = packWeights(im, filter, fwd.OutC, true, fwd.OutC, taps)
	return t, nil
}

// OutputSize returns the output height and width.
func (t *Conv2DTranspose) OutputSize() (outH, outW int) { return t.fwd.H.In, t.fwd.W.In }

// ParamCount returns the layer's parameters as Keras's model.summary() counts them: the
// filter's KH·KW·OutC·InC, plus OutC (its filters) if it was built with a bias.
func (t *Conv2DTranspose) ParamCount() int { return t.w.k*t.w.n + t.ep.params(t.fwd.InC) }

// Forward computes dst (n×outH×outW×OutC, NHWC) from src (n×InH×InW×InC).
// Safe for concurrent use by several goroutines with their own src/dst.
// dst and src may be longer than that: Forward uses their prefixes, as BLAS does, so
// that one buffer sized for the largest batch serves every call.
//
// Where the ISA has an indirect convolution kernel, each output pixel gathers the taps
// that reach it: the stride² classes of output pixels are stride-1 convolutions of src
// with sub-filters (subconv.go), run as Conv2D's direct path, the epilogue in the store.
// Otherwise it runs the scatter form of the adjoint: a GEMM of a block of input pixels
// (rows of src, in place) against w gives every contribution of each pixel, KH·KW·OutC
// of them, in pooled scratch sized for L2; col2im adds them to the output pixels they
// land on, and output rows that no later input pixel reaches get the bias and activation
// at once, while they are in cache. Both split across threads. A 1×1 kernel with unit
// strides lands each contribution on one pixel: one GEMM then writes dst directly, the
// epilogue fused per tile as in Conv2D.
func (t *Conv2DTranspose) Forward(dst, src []float32, n int) error {
	f := &t.fwd
	dst, src, err := checkForward("Conv2DTranspose.Forward", "n", n, dst, src, f.H.In*f.W.In*f.InC, f.H.Out*f.W.Out*f.OutC,
		"n·outH·outW·OutC", "n·InH·InW·InC")
	if err != nil {
		return err
	}
	if t.direct != nil {
		t.direct.forward(dst, src, n)
		return nil
	}
	m := n * f.H.Out * f.W.Out // input pixels
	if isPointwise(f) {
		t.w.multiply(lhs{src: src, ld: f.OutC, rows: m}, m, dst, f.InC, t.ep)
		return nil
	}

	clear(dst)
	taps, mr := t.w.n, t.w.im.kernel.mr
	bl := t.w.im.blocking
	// Input pixels per block: the contributions take the L2 share Sgemm's packed A gets.
	block := min(max(bl.MC*bl.KC/taps/mr*mr, mr), m)
	s := getScratch(block * taps)
	defer putScratch(s)
	j := col2imJobPool.Get().(*col2imJob)
	*j = col2imJob{t: t, dst: dst, col: s.buf}
	for i0 := 0; i0 < m; i0 += block {
		rows := min(block, m-i0)
		a := lhs{src: src[i0*f.OutC:], ld: f.OutC, rows: m - i0}
		t.w.multiply(a, rows, j.col, taps, epilogue{})
		j.add(i0, rows, n)
	}
	*j = col2imJob{}
	col2imJobPool.Put(j)
	return nil
}

// col2imJob adds one block's contributions to the output, and applies the epilogue to
// the rows they complete. Threads split it by output rows: each adds, to the rows it
// owns, the contributions that land there in input-pixel order, the order one thread
// would add them in, so the sums are the same whatever the thread count.
type col2imJob struct {
	t        *Conv2DTranspose
	dst, col []float32
	i0, rows int // the block: input pixels [i0, i0+rows)
	done     int // output rows (of n×outH) that are final and have had the epilogue
	final    int // ... and after this block
	rowsTo   int // rows [done, rowsTo) are this block's to write
	span     int // output rows per task
}

var col2imJobPool = sync.Pool{New: func() any { return new(col2imJob) }}

// add adds the contributions in col of input pixels [i0, i0+rows), n images in all.
func (j *col2imJob) add(i0, rows, n int) {
	f := &j.t.fwd
	j.i0, j.rows = i0, rows
	j.final = j.t.finalRows(i0+rows, n)
	// The lowest row the block reaches: with dilation, not always one of its last
	// input row's taps.
	j.rowsTo = j.final
	first, last := pixelAt(f, i0), pixelAt(f, i0+rows-1)
	for b, y := first.b, first.y; b < last.b || b == last.b && y <= last.y; b, y = b+(y+1)/f.H.Out, (y+1)%f.H.Out {
		if lo, hi := f.H.Taps(y); lo < hi {
			j.rowsTo = max(j.rowsTo, b*f.H.In+f.H.Input(y, hi-1)+1)
		}
	}
	outRows := j.rowsTo - j.done
	if outRows == 0 {
		// Every tap of the block lands in padding (a dilated kernel taller than the
		// padded image), and no row became final.
		return
	}
	// Bound by memory, as the GEMV: each contribution is read, and added to dst.
	bytes := 12 * float64(rows) * float64(j.t.w.n)
	threads := threadsFor(bytes, gemvMinBytesPerThread, outRows)
	j.span = ceilDiv(outRows, min(outRows, tasksPerThread*threads))
	parallel(threads, j)
	j.done = j.final
}

func (j *col2imJob) run(t *team, id int) {
	f := &j.t.fwd
	rowLen := f.W.In * f.InC
	t.forEachTask(id, 1, ceilDiv(j.rowsTo-j.done, j.span), func(_, task int) {
		lo := j.done + task*j.span
		hi := min(lo+j.span, j.rowsTo)
		j.t.col2im(j.dst, j.col, j.i0, j.rows, lo, hi)
		if final := min(hi, j.final); lo < final {
			pixels := j.dst[lo*rowLen:]
			j.t.ep.apply(&j.t.w.im.isaKernels, pixels, f.InC, (final-lo)*f.W.In, f.InC)
			j.t.ep.finishRows(&j.t.w.im.isaKernels, pixels, f.InC, (final-lo)*f.W.In, f.InC)
		}
	})
}

// col2im adds the contributions col (rows×KH·KW·OutC, one row per input pixel from i0)
// that land on output rows [rowLo, rowHi) (counted over n×outH) to those rows: tap
// (ky, kx) of input pixel (b, y, x) lands on (b, fwd.H.Input(y, ky), fwd.W.Input(x, kx)),
// the pixel that tap of the forward convolution reads, unless that is padding. With unit
// dilation the taps kx that land form one contiguous run of both the row of col and dst.
func (t *Conv2DTranspose) col2im(dst, col []float32, i0, rows, rowLo, rowHi int) {
	f := &t.fwd
	taps, axpy := t.w.n, t.w.im.axpy
	px := pixelAt(f, i0)
	for i := range rows {
		contrib := col[i*taps : i*taps+taps]
		kyLo, kyHi := f.H.Taps(px.y)
		kxLo, kxHi := f.W.Taps(px.x)
		for ky := kyLo; ky < kyHi; ky++ {
			outRow := px.b*f.H.In + f.H.Input(px.y, ky)
			if outRow < rowLo || outRow >= rowHi {
				continue
			}
			add := func(kx, kxEnd int) {
				from := contrib[(ky*f.W.K+kx)*f.InC : (ky*f.W.K+kxEnd)*f.InC]
				axpy(1, from, dst[(outRow*f.W.In+f.W.Input(px.x, kx))*f.InC:])
			}
			if f.W.Dilation == 1 {
				add(kxLo, kxHi)
				continue
			}
			for kx := kxLo; kx < kxHi; kx++ {
				add(kx, kx+1)
			}
		}
		px.next(f)
	}
}

// finalRows returns how many output rows, counted over n×outH, no input pixel from next
// on contributes to: every row of the images before next's, and the rows of its image
// above the first one its row's lowest tap reaches. Input pixels are processed in order,
// so these rows are complete.
func (t *Conv2DTranspose) finalRows(next, n int) int {
	f := &t.fwd
	if next == n*f.H.Out*f.W.Out {
		return n * f.H.In
	}
	px := pixelAt(f, next)
	return px.b*f.H.In + min(max(f.H.Input(px.y, 0), 0), f.H.In)
}
