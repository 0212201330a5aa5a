package kernels

import (
	"sync"

	"github.com/simdnn/simdnn/generic"
)

// This file is the GEMM driver the layers share: C = A·W with the weights W packed once,
// when the layer is built, and A either a matrix read in place or a convolution's input
// lowered (im2col) one cache block at a time.

// packedWeights is a layer's weight matrix W (k×n), packed once as the B operand of one
// implementation's micro-kernel: NR-column panels of the full depth k, panel r holding
// W(p, r·NR+j) at data[r·NR·k + p·NR + j], columns past n zero (packB's layout with
// KC = k, NC = n). A KC-deep slice of a panel from depth p is data[r·NR·k + p·NR:] with
// row stride NR, so Forward takes its slices in place and never repacks, as Sgemm must.
type packedWeights struct {
	im     impl          // the implementation whose NR the panels have
	finish fusedTileFunc // im's micro-kernel with the epilogue fused into its store
	k, n   int
	data   []float32
	// biased, if not nil, runs a shallow product's whole tiles on the indirect
	// convolution kernel, which adds the bias and applies ReLU as it stores.
	biased *biasedTiles
}

// packWeights packs op(W) (k×n; W itself or, with trans, the n×k matrix transposed),
// row stride ld, for im.
func packWeights(im impl, w []float32, ld int, trans bool, k, n int) packedWeights {
	nr := im.kernel.nr
	data := make([]float32, roundUp(n, nr)*k)
	packB(im.copy2D, im.kernel.packTransB, data, trans, w, ld, 0, 0, k, n, nr)
	return packedWeights{im: im, finish: fusedTileFor(im), k: k, n: n, data: data, biased: newBiasedTiles(im, k)}
}

// biasedTiles runs a tile of a shallow product (k ≤ KC, one slice of k: 1×1
// convolutions, Dense) as a one-tap convolution tile, row i of A its pixel i, on the
// indirect kernel: the SGEMM kernel's FMAs, but starting from the bias rather than
// adding it last, and ReLU in the store, where the SGEMM kernel's tile is stored, then
// reread by the epilogue. Which tiles take this path depends on the shape alone, so
// results stay the same for every thread count. AVX-512, 1×1 layers with bias and
// ReLU, GFLOPS, medians of calls alternating in one process: 56²×64→256 131 → 139,
// 28²×64→256 146 → 156, 28²×128→256 155 → 163, 56²×256→64 145 → 151.
type biasedTiles struct {
	starts []int32   // the tile's row offsets in A, row i at i·k
	zero   []float32 // the padding row the kernel's contract asks for: no offset is negative
}

// newBiasedTiles returns the biasedTiles of a product k deep on im, or nil when im's
// indirect kernel cannot run its tiles: it has none, its tile is not the SGEMM
// kernel's, or the product is not shallow.
func newBiasedTiles(im impl, k int) *biasedTiles {
	mr := im.kernel.mr
	if im.conv.tile == nil || im.conv.mr != mr || im.conv.nr != im.kernel.nr || k > im.blocking.KC {
		return nil
	}
	b := &biasedTiles{starts: make([]int32, mr), zero: make([]float32, k)}
	for i := range b.starts {
		b.starts[i] = int32(i * k)
	}
	return b
}

// epilogue is what a layer does to its GEMM's result: add bias[j] to column j (nothing
// when bias is nil), then apply the activation. ReLU is the epilogue kernel's (relu), as
// the convolution kernels' stores; the other elementwise activations run on each tile
// right after it (elementwise); Softmax needs whole rows and runs once they are done
// (finishRows).
type epilogue struct {
	bias    []float32
	relu    bool
	act     Activation
	hasBias bool // the layer's own bias, not zeros standing in for one
}

// newEpilogue returns the epilogue of a layer with activation act and bias, which has
// out values (outName in the error) or is nil. It holds a copy of bias, so that the layer
// does not change when the caller's slice does.
func newEpilogue(layer string, bias []float32, out int, outName string, act Activation) (epilogue, error) {
	ep := epilogue{relu: act == ReLU, act: act, hasBias: bias != nil}
	switch {
	case bias != nil && len(bias) != out:
		return epilogue{}, layerErrorf(ErrWeights, "kernels: %s bias has %d values, want %d (%s) or nil", layer, len(bias), out, outName)
	case bias != nil:
		ep.bias = append([]float32(nil), bias...)
	case ep.relu:
		ep.bias = make([]float32, out) // the epilogue kernel always adds a bias
	}
	return ep, nil
}

// params returns how many parameters the bias adds to a layer with out outputs, as
// Keras counts them.
func (e epilogue) params(out int) int {
	if e.hasBias {
		return out
	}
	return 0
}

// elementwise reports whether the activation runs on each tile after the epilogue
// kernel: every one but the identity, ReLU (the kernel's) and Softmax (by rows).
func (e epilogue) elementwise() bool { return e.act != Linear && e.act != ReLU && e.act != Softmax }

// none reports whether the epilogue leaves a tile as it is.
func (e epilogue) none() bool { return e.bias == nil && !e.relu && !e.elementwise() }

// cols returns the epilogue of the columns from j on.
func (e epilogue) cols(j int) epilogue {
	if e.bias != nil {
		e.bias = e.bias[j:]
	}
	return e
}

// apply runs the epilogue, but for a Softmax, over the rows×cols block of C at c (row
// stride ldc) with k's kernels.
func (e epilogue) apply(k *isaKernels, c []float32, ldc, rows, cols int) {
	if e.bias != nil || e.relu {
		k.biasAct(rows, cols, c, ldc, e.bias, e.relu)
	}
	if e.elementwise() {
		k.activateRows(e.act, c, ldc, rows, cols)
	}
}

// finishRows applies a Softmax activation to the rows×cols block of C at c, once its
// rows are complete; other activations are done by then.
func (e epilogue) finishRows(k *isaKernels, c []float32, ldc, rows, cols int) {
	if e.act == Softmax {
		k.activateRows(Softmax, c, ldc, rows, cols)
	}
}

// fusedTileFunc is a micro-kernel whose store applies a layer's epilogue: with the
// arguments of tileFunc (alpha fixed at 1) it computes the mr×nr tile C ← A·B + beta·C,
// then applies ep (its bias starting at the tile's first column) before storing.
type fusedTileFunc func(k int, a []float32, rsA, csA int, b []float32, rsB int, c []float32, ldc int, beta float32, mr, nr int, ep epilogue)

// fusedTileFor returns im's micro-kernel with the epilogue after its store: the
// implementation's epilogue kernels on the tile it has just written, while the tile is still
// in L1, which costs about 1% of a 3×3 convolution's tile. Keeping the epilogue out of the
// micro-kernels leaves them one contract for Sgemm and the layers.
func fusedTileFor(im impl) fusedTileFunc {
	return func(k int, a []float32, rsA, csA int, b []float32, rsB int, c []float32, ldc int, beta float32, mr, nr int, ep epilogue) {
		im.kernelFor(mr).tile(k, a, rsA, csA, b, rsB, c, ldc, 1, beta, mr, nr)
		ep.apply(&im.isaKernels, c, ldc, mr, nr)
	}
}

// lhs is the A operand (m×k, row-major) of a layer's GEMM. Without a convolution, A is
// src itself, row i at src[i*ld:], read in place; rows counts the rows that src holds
// from the first, which may be more than the m a call computes. With a convolution, A
// is the im2col of src under it: row (b, oy, ox) is the receptive field of that output
// pixel, ordered (ky, kx, ic) like the rows of the HWIO filter, with zeros for padding.
type lhs struct {
	src  []float32
	ld   int
	rows int
	conv *generic.Conv
}

// scratchLen is the number of floats block needs for an mc×kc block.
func (a lhs) scratchLen(mc, kc int) int {
	if a.conv == nil {
		return 0
	}
	return mc * kc
}

// block returns rows [i0, i0+mc) × columns [p0, p0+kc) of A as a row-major view, row i
// at data[i*ld:], in which avail rows exist (avail ≥ mc). In place it is a window on src;
// an im2col block is built in buf (room for mcPad ≥ mc rows), its rows from mc to mcPad
// zero, so that whole tiles may be read.
func (a lhs) block(im impl, buf []float32, i0, p0, mc, kc, mcPad int) (data []float32, ld, avail int) {
	if a.conv == nil {
		return a.src[i0*a.ld+p0:], a.ld, a.rows - i0
	}
	data = buf[:mcPad*kc]
	im2col(im, data, a.src, a.conv, i0, p0, mc, kc)
	clear(data[mc*kc:])
	return data, kc, mcPad
}

// multiply computes C = A·W (m×n, row stride ldc), applying ep to each tile of C as its
// last KC slice is stored. The loops are the BLIS ones less the NC loop, since the whole
// of W is packed already: for each MC-row block of A and each KC-deep slice of it, get
// the block (in place, or lowered into L2-sized scratch), then sweep the micro-kernel
// over every MR×NR tile, each KC×NR slice of a weight panel staying in L1 while the A
// rows pass it.
//
// Threads share out tasks of one block of A against a chunk of the weight panels, each
// task running the whole depth k for its tiles, so that no two threads write one tile.
func (w *packedWeights) multiply(a lhs, m int, c []float32, ldc int, ep epilogue) {
	j := layerGemmPool.Get().(*layerGemm)
	*j = layerGemm{w: w, a: a, m: m, c: c, ldc: ldc, ep: ep}
	j.start()
	ep.finishRows(&w.im.isaKernels, c, ldc, m, w.n)
	*j = layerGemm{}
	layerGemmPool.Put(j)
}

// layerGemm is one multiply call, shared by its threads.
type layerGemm struct {
	w     *packedWeights
	a     lhs
	m     int
	c     []float32
	ldc   int
	ep    epilogue
	mc    int // rows per block of A, a multiple of MR
	tasks taskGrid
}

var layerGemmPool = sync.Pool{New: func() any { return new(layerGemm) }}

// minFlopsPerThread is the least work worth a thread in a layer: Sgemm's threshold, for
// the same hand-over cost.
func (w *packedWeights) minFlopsPerThread() float64 { return w.im.blocking.MinFlopsPerThread }

func (j *layerGemm) start() {
	w := j.w
	nr := w.im.kernel.nr
	panels := ceilDiv(w.n, nr)
	if j.m == 1 && j.a.conv == nil {
		// The GEMV: one panel's worth of weights per task at most.
		threads := threadsFor(4*float64(w.k)*float64(w.n), gemvMinBytesPerThread, panels)
		j.tasks = newTaskGrid(1, panels, threads, tasksPerThread)
		parallel(threads, j)
		return
	}
	bl := w.im.blocking
	mc, blocks := blocksOf(j.m, bl.MC, bl.MR)
	j.mc = mc
	flops := 2 * float64(j.m) * float64(w.k) * float64(w.n)
	threads := threadsFor(flops, w.minFlopsPerThread(), blocks*panels)
	// Each task runs the whole depth k and rereads its block of A for it, so a block
	// that does not fit in L2 is cut into no more chunks than there are threads to
	// share it: Dense 9216→128 at batch 64 (one block, four panels) on two threads reads
	// A twice, not four times (two threads against two single-threaded processes: 0.61
	// → 0.91). One that fits in half of L2 (MC·KC is a quarter) and is read in place,
	// not lowered again by each task, is cut as finely as the tasks of a convolution,
	// so that a thread slowed by its neighbours does not hold up the call (1×1 layers,
	// two threads, GFLOPS, medians of calls alternating in one process: 28²×128→512,
	// three blocks, 181 → 198 and 190 → 196; 14²×1024→256 180 → 191 and 281 → 276).
	perThread := 1
	if j.a.conv == nil && mc*w.k <= 2*bl.MC*bl.KC {
		perThread = tasksPerThread
	}
	j.tasks = newTaskGrid(blocks, panels, threads, perThread)
	parallel(threads, j)
}

func (j *layerGemm) run(t *team, id int) {
	w := j.w
	nr := w.im.kernel.nr
	if j.m == 1 && j.a.conv == nil {
		t.forEachTask(id, 1, j.tasks.perGroup, func(_, task int) {
			jr := task * j.tasks.span * nr
			w.gemv(j.a.src[:w.k], j.c[:w.n], j.ep, jr, min(w.n, jr+j.tasks.span*nr))
		})
		return
	}
	mr := w.im.kernel.mr
	kcMax := min(w.im.blocking.KC, w.k)
	blockLen := j.a.scratchLen(j.mc, kcMax)
	buf := t.buffer(id, blockLen+mr*kcMax)
	blockBuf, edgeBuf := buf[:blockLen], buf[blockLen:]
	t.forEachTask(id, j.tasks.groups, j.tasks.perGroup, func(block, task int) {
		ic := block * j.mc
		jr := task * j.tasks.span * nr
		w.multiplyTiles(j.a, blockBuf, edgeBuf, ic, min(j.mc, j.m-ic), jr, min(w.n, jr+j.tasks.span*nr), j.c, j.ldc, j.ep)
	})
}

// multiplyTiles computes the tiles of C in rows [ic, ic+mc) and columns [jrLo, jrHi)
// (jrLo a multiple of NR), over the whole depth k, lowering blocks of A into blockBuf
// and its edge tile into edgeBuf as needed.
func (w *packedWeights) multiplyTiles(a lhs, blockBuf, edgeBuf []float32, ic, mc, jrLo, jrHi int, c []float32, ldc int, ep epilogue) {
	bl := w.im.blocking
	mr, nr := w.im.kernel.mr, w.im.kernel.nr
	for pc, kc := 0, 0; pc < w.k; pc += kc {
		kc = balancedStep(w.k-pc, bl.KC)
		data, ld, avail := a.block(w.im, blockBuf, ic, pc, mc, kc, roundUp(mc, mr))
		// A micro-kernel reads whole tiles, the last one on the smallest kernel that
		// covers its rows. Only that tile of A can lack rows, and only in place: copy
		// what it has into a zero-padded tile.
		var edge []float32
		last := (mc - 1) / mr * mr
		if lastMR := w.im.kernelFor(mc - last).mr; last+lastMR > avail {
			edge = edgeBuf[:lastMR*kc]
			for i := range lastMR {
				row := edge[i*kc : i*kc+kc]
				if last+i < mc {
					copy(row, data[(last+i)*ld:])
				} else {
					clear(row)
				}
			}
		}
		beta := float32(1) // later slices of k accumulate onto the first's result
		if pc == 0 {
			beta = 0
		}
		// The epilogue runs after the last slice of k, on each tile while it is in L1, or
		// on a row of tiles at once.
		final := pc+kc == w.k
		finishTiles := func(ir, jr, jrEnd int) {
			ep.cols(jr).apply(&w.im.isaKernels, c[(ic+ir)*ldc+jr:], ldc, min(mr, mc-ir), jrEnd-jr)
		}
		tile := func(ir, jr int) {
			tileA, rsA := data[ir*ld:], ld
			if edge != nil && ir == last {
				tileA, rsA = edge, kc
			}
			b, tileC := w.data[jr*w.k+pc*nr:], c[(ic+ir)*ldc+jr:]
			rows, cols := min(mr, mc-ir), min(nr, jrHi-jr)
			w.im.kernelFor(rows).tile(kc, tileA, rsA, 1, b, nr, tileC, ldc, 1, beta, rows, cols)
		}
		if w.k <= bl.KC {
			// A shallow product (a 1×1 convolution: k = InC) is bound by writing C, not
			// by its few FMAs a tile: a block's rows of C are written left to right, so
			// that the prefetchers stream each row (56²×64→256, one thread: 108 → 124
			// GFLOPS), B's few panels coming from L2. The epilogue takes each row of
			// tiles in one call, its MR rows of C still in L1, not each tile (115 → 134,
			// medians of six interleaved runs); the whole tiles of a biased product
			// take theirs in the store (biasedTiles), all but an elementwise activation.
			biased := w.biased != nil && ep.bias != nil && ld == w.k
			jrBiased := jrLo // whole panels end here
			if biased {
				jrBiased += (jrHi - jrLo) / nr * nr
			}
			for ir := 0; ir < mc; ir += mr {
				if !biased || mc-ir < mr {
					for jr := jrLo; jr < jrHi; jr += nr {
						tile(ir, jr)
					}
					finishTiles(ir, jrLo, jrHi)
					continue
				}
				// The row of whole panels in one call where the kernel has a loop for it:
				// the calls, their wrappers and the kernel's entry cost these short tiles
				// a tenth of their time (calls alternating in one process, one thread,
				// AVX-512 and AVX2: 56²×64→256 1.10–1.15× and 1.09×, 28²×128→512 1.05×
				// and 1.05×, 112²×32→64 1.07–1.08× and 1.14×; two threads 1.06–1.14×).
				if panels := (jrBiased - jrLo) / nr; w.im.conv.panelsTile != nil && panels > 0 {
					w.im.conv.panelsTile(panels, 1, kc, w.biased.starts, data[ir*ld:], w.biased.zero, w.data[jrLo*w.k:], ep.bias[jrLo:],
						c[(ic+ir)*ldc+jrLo:], ldc, mr, ep.relu)
				} else {
					for jr := jrLo; jr < jrBiased; jr += nr {
						w.im.conv.tile(1, kc, w.biased.starts, data[ir*ld:], w.biased.zero, w.data[jr*w.k:], ep.bias[jr:],
							c[(ic+ir)*ldc+jr:], ldc, mr, nr, ep.relu)
					}
				}
				if ep.elementwise() {
					epilogue{act: ep.act}.apply(&w.im.isaKernels, c[(ic+ir)*ldc+jrLo:], ldc, mr, jrBiased-jrLo)
				}
				for jr := jrBiased; jr < jrHi; jr += nr {
					tile(ir, jr)
					finishTiles(ir, jr, jrHi)
				}
			}
			continue
		}
		// Otherwise each B micro-panel stays in L1 while the block's A tiles pass it,
		// the whole tiles in one call where the kernel has a column loop (as Sgemm's
		// macroKernel; 1×1 14²×1024→256, 28²×512→128 and 7²×512→2048 1.01–1.02×, Dense
		// 1024→1024 at batch 64 1.01×, calls alternating in one process).
		whole := mc / mr // the tiles the column kernel can take: whole, and not the edge copy
		if edge != nil {
			whole = min(whole, last/mr)
		}
		for jr := jrLo; jr < jrHi; jr += nr {
			ir := 0
			if column := w.im.kernel.column; column != nil && whole > 0 {
				cols := min(nr, jrHi-jr)
				// The kernel prefetches the next weight panel's slice under this one's
				// tiles (1×1 7²×512→2048 1.04× one thread, 1.02× two; Dense 1024→1024 at
				// batch 64 1.02×, 1.00×; calls alternating in one process).
				next := 0
				if jr+nr < jrHi {
					next = w.k * nr
				}
				column(whole, kc, data, ld, 1, mr*ld, w.data[jr*w.k+pc*nr:], nr, next, nil, c[ic*ldc+jr:], ldc, 1, beta, cols)
				ir = whole * mr
				if final {
					ep.cols(jr).apply(&w.im.isaKernels, c[ic*ldc+jr:], ldc, ir, cols)
				}
			}
			for ; ir < mc; ir += mr {
				tile(ir, jr)
				if final {
					finishTiles(ir, jr, min(jr+nr, jrHi))
				}
			}
		}
	}
}

// gemv computes columns [jrLo, jrHi) of the single row y = x·W (jrLo a multiple of NR),
// then ep. It is bound by streaming W once, so it takes each weight panel at its full
// depth in one micro-kernel call, with no KC slices to store and reload, on the smallest
// edge kernel. x is read with row stride 0: every row of the tile is x, so the kernel
// needs no padded copy of it; the redundant rows cost FMAs that a memory-bound product
// has to spare.
func (w *packedWeights) gemv(x, y []float32, ep epilogue, jrLo, jrHi int) {
	nr := w.im.kernel.nr
	for jr := jrLo; jr < jrHi; jr += nr {
		w.finish(w.k, x, 0, 1, w.data[jr*w.k:], nr, y[jr:], w.n, 0, 1, min(nr, jrHi-jr), ep.cols(jr))
	}
}

// pixel is a position (b, y, x) among the n×H.Out×W.Out output pixels of a convolution,
// which are the rows of its im2col matrix.
type pixel struct{ b, y, x int }

// pixelAt returns output pixel i of c, counting in row-major order.
func pixelAt(c *generic.Conv, i int) pixel {
	per := c.H.Out * c.W.Out
	return pixel{b: i / per, y: i % per / c.W.Out, x: i % c.W.Out}
}

// next moves p to the following output pixel of c.
func (p *pixel) next(c *generic.Conv) {
	if p.x++; p.x == c.W.Out {
		if p.x, p.y = 0, p.y+1; p.y == c.H.Out {
			p.y, p.b = 0, p.b+1
		}
	}
}

// im2col writes rows [i0, i0+mc) × columns [p0, p0+kc) of the lowered input of the
// convolution c into dst (row stride kc). Row i is output pixel i; column p is
// (ky, kx, ic) = p in row-major order over KH×KW×InC. Within one ky, the taps kx that
// fall inside the input form one range, with zeros on either side; with unit dilation
// that range is one contiguous run of src and one copy.
func im2col(im impl, dst, src []float32, c *generic.Conv, i0, p0, mc, kc int) {
	rowLen := c.W.K * c.InC // columns per ky
	px := pixelAt(c, i0)
	for i := 0; i < mc; {
		if p0 == 0 && kc == c.H.K*rowLen && c.W.Dilation == 1 {
			if run := im2colInterior(im, dst[i*kc:], src, c, px, mc-i); run > 0 {
				i += run
				for range run {
					px.next(c)
				}
				continue
			}
		}
		row := dst[i*kc : i*kc+kc]
		// put copies src[from:] to columns [lo, hi) of A, clipped to [p0, p0+kc).
		put := func(lo, hi int, from int) {
			lo, hi, skip := max(lo, p0), min(hi, p0+kc), max(p0-lo, 0)
			if lo < hi {
				copy(row[lo-p0:hi-p0], src[from+skip:])
			}
		}
		zero := func(lo, hi int) {
			if lo, hi = max(lo, p0), min(hi, p0+kc); lo < hi {
				clear(row[lo-p0 : hi-p0])
			}
		}
		kxLo, kxHi := c.W.Taps(px.x)
		for ky := p0 / rowLen; ky*rowLen < p0+kc; ky++ {
			start := ky * rowLen
			iy := c.H.Input(px.y, ky)
			if iy < 0 || iy >= c.H.In {
				zero(start, start+rowLen)
				continue
			}
			at := func(kx int) int { return ((px.b*c.H.In+iy)*c.W.In + c.W.Input(px.x, kx)) * c.InC }
			zero(start, start+kxLo*c.InC)
			if c.W.Dilation == 1 && kxLo < kxHi {
				put(start+kxLo*c.InC, start+kxHi*c.InC, at(kxLo))
			} else {
				for kx := kxLo; kx < kxHi; kx++ {
					put(start+kx*c.InC, start+(kx+1)*c.InC, at(kx))
				}
			}
			zero(start+kxHi*c.InC, start+rowLen)
		}
		px.next(c)
		i++
	}
}

// im2colInterior lowers whole rows (all of K) for the run of at most limit pixels from px
// along its output row whose taps all fall inside the input columns: the common case,
// done without the per-tap clipping of im2col. Each kernel row of such a pixel is one
// contiguous run of KW·InC floats of src (unit dilation), or zeros where the kernel row
// falls in the top or bottom padding. It returns how many pixels it lowered, 0 when px
// itself touches the left or right padding.
func im2colInterior(im impl, dst, src []float32, c *generic.Conv, px pixel, limit int) int {
	rowLen := c.W.K * c.InC
	kLen := c.H.K * rowLen
	// Interior x: Input(x, 0) = x·s − pad ≥ 0 and Input(x, KW−1) = x·s − pad + KW−1 < In.
	w := c.W
	if w.Input(px.x, 0) < 0 {
		return 0
	}
	last := (w.In - w.K + w.Pad) / w.Stride // the last interior x, when In−K+Pad ≥ 0
	if w.In-w.K+w.Pad < 0 || px.x > last {
		return 0
	}
	run := min(limit, last-px.x+1, w.Out-px.x)
	for ky := range c.H.K {
		iy := c.H.Input(px.y, ky)
		if iy < 0 || iy >= c.H.In {
			for r := range run {
				clear(dst[r*kLen+ky*rowLen : r*kLen+(ky+1)*rowLen])
			}
			continue
		}
		from := ((px.b*c.H.In+iy)*c.W.In + c.W.Input(px.x, 0)) * c.InC
		im.copy2D(run, rowLen, src[from:], c.W.Stride*c.InC, dst[ky*rowLen:], kLen)
	}
	return run
}
