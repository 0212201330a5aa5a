package kernels

import (
	"math"
	"sync"
	"sync/atomic"
)

// Sgemm computes C = alpha*op(A)*op(B) + beta*C for row-major float32 matrices,
// op(X) = X, or Xᵀ when trans is true. op(A) is m×k, op(B) is k×n, C is m×n.
// Argument checks and panics follow gonum's blas.Float32Level3.Sgemm; beta == 0
// means C is not read (NaN in C does not propagate).
func Sgemm(transA, transB bool, m, n, k int, alpha float32,
	a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkSgemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if alpha == 0 || k == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	local := gemm{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
		a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, impl: active}
	gemv, swapped, threads := m == 1 || n == 1, local.swaps(), 0
	if !gemv && !swapped {
		threads = local.planBlocks()
		if local.oneBlock(threads) {
			// On the stack, without the pool: a product of one block on one thread takes
			// a few microseconds, which the pool and a second planning lengthened (with
			// threadsFor's shortcut, AVX-512, one thread, calls alternating in one
			// process: 32³ 1.11×, 48³ 1.03×, 64³ 1.02×, 96³ and 128³ 1.00×).
			local.singleBlock()
			return
		}
	}
	// The threads share g, so it lives on the heap, recycled.
	g := gemmPool.Get().(*gemm)
	kept := g.plan.gemmKept
	*g = local
	g.plan.gemmKept = kept
	switch {
	case gemv:
		g.gemv()
	case swapped:
		g.swapped()
	default:
		g.blocked(threads)
	}
	*g = gemm{plan: gemmPlan{gemmKept: g.plan.gemmKept}} // drop the caller's slices, keep the counters
	gemmPool.Put(g)
}

// gemmPool recycles the state of Sgemm calls, which their threads share, so that a call
// allocates nothing.
var gemmPool = sync.Pool{New: func() any { return new(gemm) }}

// checkSgemm panics, in gonum's order and with its wording, on the first bad argument.
func checkSgemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	switch {
	case m < 0:
		panic(mLT0)
	case n < 0:
		panic(nLT0)
	case k < 0:
		panic(kLT0)
	}
	rowA, colA := m, k
	if transA {
		rowA, colA = k, m
	}
	rowB, colB := k, n
	if transB {
		rowB, colB = n, k
	}
	switch {
	case lda < max(1, colA):
		panic(badLdA)
	case ldb < max(1, colB):
		panic(badLdB)
	case ldc < max(1, n):
		panic(badLdC)
	}
	if m == 0 || n == 0 {
		return
	}
	switch {
	case rowA > 0 && colA > 0 && len(a) < lda*(rowA-1)+colA:
		panic(shortA)
	case rowB > 0 && colB > 0 && len(b) < ldb*(rowB-1)+colB:
		panic(shortB)
	case len(c) < ldc*(m-1)+n:
		panic(shortC)
	}
}

// scaleC sets C = beta*C, without reading C when beta == 0.
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// gemm is one Sgemm call, checked, with at least one full multiply to do.
type gemm struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
	impl           impl
	// partKC, for a part of a product split among threads (splitParts), is the whole
	// product's deepest slice of k, which the part keeps on its one thread so that every
	// element is the same sum whatever the split; 0 for a whole product.
	partKC int
	plan   gemmPlan // the blocked path's, shared by its threads
}

// bInPlace reports whether op(B) is read in place rather than packed, by a product on
// threads threads: when the product is this small its rows already sit in L1/L2 as they
// are, or when A is this short, each panel of B passes too few tiles to win back its
// O(kn) copy (the kernels prefetch B's rows ahead, which its row stride does not hide
// from them). Only an untransposed B has the unit column stride the micro-kernel needs.
//
// On several threads, a deep, narrow B (k ≥ 2n, n at most one piece of packing,
// gemmPackPanels panels) also stays in place when it fits in half of L2 and A is not
// much taller (inPlaceBMaxMThreaded): packed, each of its slices would be one piece that
// one thread packs while the others wait. Each thread's column kernel copies the panel
// it reads for its tiles instead (copyFor), in the slices of k that one thread's packed
// product takes (planBlocks), so that the sums do not depend on the thread count. Two
// threads, calls alternating in one process, AVX-512: 512×64×2048 1.09×, 640×128×640
// 1.08×, 800×96×500 1.06×, 784×128×1152 1.05×, 1024×256×576 1.04×, 1024×128×1152 1.03×.
// Measured without those bounds (and at KC): taller A lost (3136×64×576 0.97×,
// 4096×128×512 0.97×, 2048×64×2048 0.95×: each of its many blocks reads B from L2
// again), so did one thread, whose first block packs B as it reads it (fusedPackMaxLdB;
// 784×128×1152 0.97×), and a shallow B (1000×192×300 0.93×).
func (g *gemm) bInPlace(threads int) bool {
	bl := g.impl.blocking
	small := g.k <= bl.KC && g.m <= bl.MC && g.n <= bl.NC
	shared := threads > 1 && g.m <= inPlaceBMaxMThreaded && g.k*g.n <= 2*bl.MC*bl.KC &&
		g.n <= gemmPackPanels*bl.NR && g.k >= 2*g.n
	return !g.transB && !bl.PackSmallB && (small || g.m <= inPlaceBMaxM || shared)
}

// inPlaceBMaxMThreaded is the tallest A for which a product on several threads reads a B
// that fits in half of L2 in place (bInPlace).
const inPlaceBMaxMThreaded = 1024

// swaps reports whether C = op(A)·op(B), with exactly one operand transposed, is
// computed as Cᵀ = op(B)ᵀ·op(A)ᵀ (swapped): when the untransposed operand is short and
// deep, so that packing the transposed one whole costs more than the pass over C that
// the swap adds. In the swapped product the transposed operand is untransposed, and read
// in place.
//
// C = A·Bᵀ (a PyTorch layout's linear layer): A is m×k, short when m is small; B is read
// in place as the left operand, and only A is packed. Calls alternating in one process,
// AVX-512, one thread and two: 64×3136×576 1.30–1.37× and 1.32×, 64×1024×1024
// 1.16–1.40× and 1.42×, 32×512×2048 1.44–1.75× and 1.70×, 256×1024×1024 1.06–1.10× and
// 1.09×; 200×800×300 (k < 2m, not swapped) 0.89–0.91× and 0.86×.
//
// C = Aᵀ·B (a weight gradient, Xᵀ·dY): B is k×n, short when n is small; A, k×m, is then
// the swapped product's right operand, read in place, and only B (k·n floats) is packed,
// not Aᵀ (k·m). Calls alternating in one process, AVX-512, one thread and two:
// 576×64×3136 1.41× and 1.32×, 4096×32×4096 1.29× and 1.37×, 1024×64×512 1.22× and
// 1.08×, 1152×128×784 1.14× and 1.03×, 784×128×1152 1.07× and 1.09×. Shallower than
// k = 6n two threads lose (1024×128×256 0.87–0.88×, 300×64×256 0.82×, 512×128×512
// 0.95–0.98×), one mostly wins.
func (g *gemm) swaps() bool {
	if g.beta != 0 || g.transA == g.transB || g.impl.kernel.packTransB == nil {
		return false
	}
	if !g.transA {
		return g.m <= inPlaceBMaxM && g.n >= 4*g.m && g.k >= 2*g.m
	}
	return g.n <= swapTNMaxN && g.m >= 4*g.n && g.k >= 6*g.n
}

// swapTNMaxN is the widest B for which C = Aᵀ·B is swapped: the swapped product reads A
// in place as its right operand, which pays only this short (bInPlace,
// inPlaceBMaxM's measurements); 1024×256×1024 lost 0.93–0.94×.
const swapTNMaxN = 128

// swapped computes C = alpha·op(A)·op(B) (beta == 0) as Cᵀ = alpha·op(B)ᵀ·op(A)ᵀ into
// scratch, then transposes Cᵀ into C (transposeInto). Each element is the same sum, term
// for term, as the unswapped product's.
func (g *gemm) swapped() {
	m, n := g.m, g.n
	s := getScratch(n * m)
	defer putScratch(s)
	ct := s.buf
	// g itself becomes the swapped product, so that no other gemm escapes to the heap.
	orig := *g
	*g = gemm{transA: !orig.transB, transB: !orig.transA, m: n, n: m, k: orig.k, alpha: orig.alpha,
		a: orig.b, lda: orig.ldb, b: orig.a, ldb: orig.lda, c: ct, ldc: m, impl: orig.impl, plan: gemmPlan{gemmKept: orig.plan.gemmKept}}
	g.blocked(g.planBlocks())
	orig.plan.gemmKept = g.plan.gemmKept
	*g = orig
	g.transposeInto(ct)
}

// transposeInto writes Cᵀ, n×m in ct, into C, NR rows of Cᵀ at a time with the kernel that
// packs transposed B. The threads share it as they share a GEMV, which it resembles in
// reading and writing C once; on the caller alone it would bound the swapped product's
// speed-up on many cores (two threads, calls alternating in one process: 64×3136×576 NT
// 1.03×, four other swapped shapes 1.00×).
func (g *gemm) transposeInto(ct []float32) {
	nr := g.impl.kernel.nr
	if panels := g.n / nr; panels > 0 {
		threads := threadsFor(8*float64(g.m)*float64(panels*nr), gemvMinBytesPerThread, panels)
		g.plan.ct, g.plan.ctSpan = ct, newTaskGrid(1, panels, threads, tasksPerThread).span
		parallel(threads, transposeJob{g})
	}
	for j := g.n / nr * nr; j < g.n; j++ {
		for i := range g.m {
			g.c[i*g.ldc+j] = ct[j*g.m+i]
		}
	}
	g.plan.ct = nil
}

// transposeJob is transposeInto as the threads see it.
type transposeJob struct{ g *gemm }

func (j transposeJob) run(t *team, id int) {
	g, m := j.g, j.g.m
	nr, span := g.impl.kernel.nr, g.plan.ctSpan
	block := t.buffer(id, nr*m)
	t.forEachTask(id, 1, ceilDiv(g.n/nr, span), func(_, task int) {
		for j0 := task * span * nr; j0 < min(g.n/nr, (task+1)*span)*nr; j0 += nr {
			// block[i*nr + jj] = Cᵀ[j0+jj][i] = C[i][j0+jj].
			g.impl.kernel.packTransB(m, g.plan.ct[j0*m:], m, block)
			g.impl.copy2D(m, nr, block, nr, g.c[j0:], g.ldc)
		}
	})
}

// inPlaceBMaxM is the most rows of A for which op(B) is read in place whatever its size.
// Measured on AVX-512 (m×3136×576, GFLOPS, medians of six interleaved runs, packed
// against in place): m = 24 56 → 71, 64 74 → 85, 128 80 → 123, 192 86 → 104, 256 87
// → 88, 336 87 → 85; and deeper, in place against packed in calls alternating in one
// process: 196×256×2304 1.03–1.05×, 196×512×2304 1.04–1.06×, 256×256×2304 1.02–1.05×.
const inPlaceBMaxM = 256

// aStrides gives op(A)'s element strides: (i, p) is at a[i*rs + p*cs].
func (g *gemm) aStrides() (rs, cs int) {
	if g.transA {
		return 1, g.lda
	}
	return g.lda, 1
}

// planBlocks sets the blocked product's cache blocks and packing, and returns the
// threads it gets.
func (g *gemm) planBlocks() (threads int) {
	bl := g.impl.blocking
	mr, nr := bl.MR, bl.NR
	p := &g.plan
	flops := 2 * float64(g.m) * float64(g.n) * float64(g.k)
	// The threads it would get if split finely enough, which decides whether B is packed.
	maxThreads := 1
	if g.partKC == 0 {
		maxThreads = threadsFor(flops, bl.MinFlopsPerThread, math.MaxInt)
	}
	p.packAllA, p.packAllB = g.packsA(), !g.bInPlace(maxThreads)
	kc, mc := bl.KC, bl.MC
	if !g.bInPlace(1) && !g.transA {
		// Slices of k as one thread's packed B takes them, whether or not these threads
		// pack it, so that every thread count sums each element alike. Transposed A keeps
		// KC, so that C = Aᵀ·B computed swapped (its right operand read in place, at KC)
		// sums each element as the unswapped product does.
		kc, mc = bl.PackedKC, bl.PackedMC
	}
	if g.partKC > 0 {
		kc = g.partKC
	}
	p.kc = kc
	kcMax := min(kc, g.k)
	p.aLen = mr * kcMax // the edge panel
	p.bLen = nr * kcMax
	p.mc, p.blocksA = blocksOf(g.m, mc, mr)
	if p.packAllA {
		p.aLen = p.mc * kcMax
	}
	ncMax := min(bl.NC, roundUp(g.n, nr))
	p.copyLen = 0
	if p.packAllB {
		p.bLen = ncMax * kcMax
	} else if g.impl.kernel.column != nil {
		p.copyLen = nr * kcMax
	}
	threads = 1
	if g.partKC == 0 {
		threads = threadsFor(flops, bl.MinFlopsPerThread, p.blocksA*ncMax/nr)
	}
	// The column kernel packs B in the first block of A's whole tiles: B must be
	// readable in place, and that block at least a tile tall.
	p.fusedPack = threads == 1 && p.packAllB && !g.transB && g.impl.kernel.column != nil &&
		g.m >= mr && g.ldb < fusedPackMaxLdB
	if panels := ncMax / nr; threads > 1 && !p.packAllA && p.blocksA*panels < 2*threads {
		// Too few tasks to balance (96³: three panels for two threads): cut A, read in
		// place, into smaller blocks, of at least minSplitRows rows (two threads, calls
		// alternating in one process: 96³ 1.08–1.10×).
		blocks := ceilDiv(2*threads, panels)
		p.mc, p.blocksA = blocksOf(g.m, max(roundUp(ceilDiv(g.m, blocks), mr), minSplitRows), mr)
	}
	return threads
}

// minSplitRows is the fewest rows of A that planBlocks cuts a block to for threads: four
// AVX-512 tiles, so that the column kernel still runs its loop.
const minSplitRows = 48

// packsA reports whether the product packs op(A) rather than reading its rows in place:
// always when transposed; when row-major, once n is large enough that the copy is
// amortised over n/NR panels of B (Blocking.PackAMinN), or sooner when the MR rows of A
// would each fall in the same set of L1, their stride a multiple of its 4 KiB set span.
// With a power-of-two stride the rows then evict each other and the B panel's lines
// (AVX-512, calls alternating in one process, one thread and two, packed against in
// place: 1024³ 1.01× and 1.015×, 2048³ 1.01× and 1.00×); with fewer B panels to share
// the copy, in place still wins (1024×256×1024 1.04×, 256×256×1024 1.04× and 1.11×,
// 784×128×2048 1.11×, 3136×64×1024 1.21×).
func (g *gemm) packsA() bool {
	minN := g.impl.blocking.PackAMinN
	if g.lda%l1SetSpanFloats == 0 {
		minN = min(minN, setConflictPackAMinN)
	}
	return g.transA || g.n >= minN
}

// l1SetSpanFloats is the stride, in floats, at which addresses share a set of L1D: 4 KiB
// on the x86 cores the kernels target (48 KiB 12-way, 32 KiB 8-way).
const l1SetSpanFloats = 1024

// setConflictPackAMinN is packsA's n from which row-major A whose rows share an L1 set
// is packed: 16 AVX-512 panels of B.
const setConflictPackAMinN = 512

// oneBlock reports whether the planned product is one block of A, one of B and one
// slice of k on one thread: singleBlock's.
func (g *gemm) oneBlock(threads int) bool {
	bl := g.impl.blocking
	return threads == 1 && g.plan.blocksA == 1 && g.k <= g.plan.kc && g.n <= bl.NC
}

// blocked is the GotoBLAS/BLIS algorithm: for each NC-column block of op(B) and each
// KC-deep slice of it (sized for L3), then each MC-row block of op(A) (sized for L2), the
// micro-kernel sweeps every MR×NR tile, each B micro-panel staying in L1 while the A
// micro-panels pass it.
//
// Unlike BLIS, row-major A is read in place unless n is large (packsA): the
// micro-kernel streams its MR rows nearly as fast as a packed panel, and packing would
// cost as much as the multiply when n is small (3136×64×576: 128 FLOPs per element of
// A). Transposed A is always packed, and so is op(B) unless bInPlace. An
// edge panel, whose rows or columns run past the matrix, is always packed with zero
// padding, so that the kernel never reads past a slice.
//
// Threads split it as BLIS does (Smith et al., "Anatomy of high-performance many-threaded
// matrix multiplication"): they pack each KC×NC block of B together, into a shared
// buffer, then share out its tasks, an MC-row block of A against a chunk of NR panels;
// each thread packs the A blocks it works on into its own buffer, in its own L2. The
// chunks split the JR loop too, so that a short, wide product (64×3136×576, one block
// of A) still gives every thread a share. The blocks of B are the phases of a pipeline
// (team.enter), with two buffers, so that no thread waits for a slower one to finish
// its tasks before packing the next block. A product whose B each thread would pack
// for a part of C of its own first takes that route (splitParts), faster on two threads.
func (g *gemm) blocked(threads int) {
	if g.oneBlock(threads) {
		g.singleBlock()
		return
	}
	if threads > 1 && g.splitParts(threads) {
		return
	}
	bl := g.impl.blocking
	p := &g.plan
	panels := min(bl.NC, roundUp(g.n, bl.NR)) / bl.NR
	p.chunkPanels = newTaskGrid(p.blocksA, panels, threads, tasksPerThread).span
	buffers := 1
	if threads > 1 {
		buffers = 2
	}
	p.chunksMax = ceilDiv(panels, p.chunkPanels)
	tasks := 2 * p.blocksA * p.chunksMax
	if cap(p.sliceDone) < tasks {
		p.sliceDone = make([]atomic.Int64, tasks)
	}
	p.sliceDone = p.sliceDone[:tasks]
	for i := range p.sliceDone {
		p.sliceDone[i].Store(0)
	}
	s := g.scratch(buffers * p.bLen)
	defer g.release(s)
	p.bufB = s.buf
	if g.partKC > 0 {
		// A part runs on its thread with a team of its own, kept from call to call: the
		// pool's are per P, which a helper does not keep.
		p.partTeam().run(1, g)
	} else {
		parallel(threads, g)
	}
	p.bufB = nil
}

// splitParts computes the product as a grid of parts of C, one per thread, each a
// one-thread product of its rows of op(A) and columns of op(B) with blocks and packing
// of its own, and reports true; or, where C has too few tiles for a grid of threads
// parts or the best grid's parts would read B in place, reports false.
//
// Each part packs the B it reads, in its first block of A as one thread does
// (gemmPlan.fusedPack), and no thread waits for another: the pipeline below packs B
// first, its threads together, and its tasks wait for the packing and for each other's
// slices of k. That costs each part the packing of its own A, or its own B, where the
// pipeline shares it (partCost picks the grid that costs least), and won on two
// threads wherever it was measured. Parts against the pipeline, calls alternating in
// one process: by columns 384³ 1.15×, 512³ 1.10–1.11×, 640³ 1.07×, 1024³ 1.03×, 2048³
// 0.99×, NT 512³ 1.10×, 1024³ 1.04×; by rows 3136×64×576 1.03×, 784×128×1152 1.04× (NT
// 1.08×), 1024×256×576 1.05×, 256×512×2048 1.05×, 2048×512×512 0.99×, 576×64×3136 NT
// 1.09×; the TN products 0.99–1.02×. BLIS shares the packed B among threads to spare
// L3; this L3 holds every part's.
func (g *gemm) splitParts(threads int) bool {
	bl := g.impl.blocking
	tiles, panels := ceilDiv(g.m, bl.MR), ceilDiv(g.n, bl.NR)
	rowParts, best := 0, math.Inf(1)
	for rows := 1; rows <= threads; rows++ {
		cols := threads / rows
		if rows*cols != threads || rows > tiles || cols > panels {
			continue
		}
		// Ties go to fewer rows of parts, more columns: each part's B is then its own
		// (512³ by columns 1.10×, by rows 1.04×).
		if cost := partCost(ceilDiv(tiles, rows)*bl.MR, ceilDiv(panels, cols)*bl.NR); cost < best {
			rowParts, best = rows, cost
		}
	}
	if rowParts == 0 {
		return false
	}
	// Parts that would read B in place, A too short to pay for packing it, gain nothing
	// and lose where B is larger than L2 (128×784×1152 0.92×, 128×3136×576 0.99×,
	// 784×128×1152 TN, swapped into such a product, 0.83×): the pipeline keeps them.
	part := gemm{transB: g.transB, m: ceilDiv(tiles, rowParts) * bl.MR, n: ceilDiv(panels, threads/rowParts) * bl.NR, k: g.k, impl: g.impl}
	if part.bInPlace(1) {
		return false
	}
	p := &g.plan
	p.rowParts, p.colParts = rowParts, threads/rowParts
	if len(p.parts) < threads {
		p.parts = make([]gemm, threads)
	}
	parallel(threads, partsJob{g})
	return true
}

// partCost is what a part of rows×cols of C costs its thread, for every step of k: its
// FMAs, and the elements of A and B it reads or packs, which cost movedFloatFMAs each.
func partCost(rows, cols int) float64 {
	return float64(rows)*float64(cols) + movedFloatFMAs*float64(rows+cols)
}

// movedFloatFMAs is how many FMAs a float of A or B that a part reads costs: a core's
// FMAs run at 100 G a second, and a copy from L3 at 4–9 G floats. With 16, two threads
// split 3136×64×576, 784×128×1152 and 1024×256×576 by rows (1.02–1.05× against the
// pipeline; by columns 0.96–1.04×) and 128³ to 2048³ by columns.
const movedFloatFMAs = 16

// partsJob is splitParts as the threads see it.
type partsJob struct{ g *gemm }

func (j partsJob) run(t *team, id int) {
	g := j.g
	p := &g.plan
	t.forEachTask(id, p.rowParts, p.colParts, func(row, col int) {
		bl := g.impl.blocking
		tiles, panels := ceilDiv(g.m, bl.MR), ceilDiv(g.n, bl.NR)
		i0, i1 := row*tiles/p.rowParts*bl.MR, min(g.m, (row+1)*tiles/p.rowParts*bl.MR)
		j0, j1 := col*panels/p.colParts*bl.NR, min(g.n, (col+1)*panels/p.colParts*bl.NR)
		a, b := g.a[i0:], g.b[j0:] // op(A)'s rows, op(B)'s columns, as columns in storage
		if !g.transA {
			a = g.a[i0*g.lda:]
		}
		if g.transB {
			b = g.b[j0*g.ldb:]
		}
		part := &p.parts[row*p.colParts+col]
		*part = gemm{transA: g.transA, transB: g.transB, m: i1 - i0, n: j1 - j0, k: g.k, alpha: g.alpha,
			a: a, lda: g.lda, b: b, ldb: g.ldb, beta: g.beta, c: g.c[i0*g.ldc+j0:], ldc: g.ldc, impl: g.impl,
			partKC: p.kc, plan: gemmPlan{gemmKept: part.plan.gemmKept}}
		part.blocked(part.planBlocks())
		*part = gemm{plan: gemmPlan{gemmKept: part.plan.gemmKept}}
	})
}

// singleBlock computes a product that is one block of A, one of B and one slice of k on
// the calling thread alone: the macro-kernel once, without the team, its phases and
// counters (AVX-512, GFLOPS, medians of calls alternating in one process: 32³ 75 → 96,
// 64³ 136 → 143, 96³ 151 → 154; 128³ and 256³ unchanged).
func (g *gemm) singleBlock() {
	p := &g.plan
	s := g.scratch(p.aLen + p.bLen + p.copyLen)
	defer g.release(s)
	buf := s.buf
	av := g.prepareA(buf[:p.aLen], 0, 0, g.m, g.k)
	bv := g.operandB(buf[p.aLen:p.aLen+p.bLen], 0, 0, g.n)
	bv.copy = buf[p.aLen+p.bLen:]
	for piece := range g.packPieces(bv, g.n) {
		g.packBPiece(bv, piece, 0, 0, g.k, g.n)
	}
	g.macroKernel(av, bv, 0, 0, g.m, 0, g.n, g.k, g.beta)
}

// gemmPlan is what the threads of one blocked Sgemm call share.
type gemmPlan struct {
	packAllA, packAllB bool
	// fusedPack: on one thread, B is packed as the first block of A reads it in place
	// (operand.packing), not before.
	fusedPack   bool
	aLen, bLen  int       // floats in each thread's A buffer, and in each B buffer
	copyLen     int       // floats in each thread's copy of a B panel read in place (operand.copy)
	kc          int       // the deepest slice of k (Blocking.KC or PackedKC)
	mc, blocksA int       // rows per block of A (a multiple of MR), and how many blocks
	chunkPanels int       // NR panels of B per task
	bufB        []float32 // one B buffer, or two that alternate with threads
	chunksMax   int       // the most chunks of any NC block
	gemmKept

	// splitParts's grid of parts of C.
	rowParts, colParts int

	// The GEMV's: the vector op(A) or op(B) is multiplied by, the outputs before alpha
	// and beta, and the outputs per task.
	vec, acc []float32
	run      int

	// The swapped product's: Cᵀ, and the NR-row panels of it per task (transposeInto).
	ct     []float32
	ctSpan int
}

// gemmKept is what a gemm keeps from call to call, so that a call in steady state
// allocates nothing.
type gemmKept struct {
	// sliceDone[task], for the tasks of a block of B: 1 + the last phase that ran it.
	// The phases of one NC block are its slices of k, which must reach each tile of C in
	// order: a thread ahead in the pipeline waits for the tile's previous slice. Two
	// NC blocks may be in flight at once (the last slice of one, the first of the
	// next), so there is a set of tasks for even blocks and one for odd.
	sliceDone []atomic.Int64
	parts     []gemm // splitParts's parts, row-major

	// A part's own one-member team and scratch (blocked, gemm.scratch).
	team        *team
	partScratch *scratch
}

// scratch returns scratch of exactly n floats, its contents undefined, for release to
// take back: the pool's, or a part's own, kept from call to call, since the pool's is
// per P, which a helper does not keep (with the pool, TestSgemmNoAllocs at two threads
// saw an allocation in one run of five).
func (g *gemm) scratch(n int) *scratch {
	if g.partKC == 0 {
		return getScratch(n)
	}
	// A pointer, not a value in g: returning the address of a field of g would move a
	// gemm on the caller's stack (Sgemm's local) to the heap.
	if g.plan.partScratch == nil {
		g.plan.partScratch = new(scratch)
	}
	s := g.plan.partScratch
	s.resize(n)
	return s
}

// release takes back what scratch returned.
func (g *gemm) release(s *scratch) {
	if g.partKC == 0 {
		putScratch(s)
	}
}

// partTeam returns the part's own team.
func (k *gemmKept) partTeam() *team {
	if k.team == nil {
		k.team = &team{done: make(chan struct{}, 1)}
	}
	return k.team
}

// run is one thread's share of the blocked product.
func (g *gemm) run(t *team, id int) {
	bl := g.impl.blocking
	nr := bl.NR
	p := &g.plan
	bufA := t.buffer(id, p.aLen+p.copyLen)
	bufA, bufCopy := bufA[:p.aLen], bufA[p.aLen:]
	phase, tasksBefore := 0, [2]int{} // tasksBefore[i%2]: phase i−2's task count, when it shares i's buffer
	for jc := 0; jc < g.n; jc += bl.NC {
		nc := min(bl.NC, g.n-jc)
		panels := ceilDiv(nc, nr)
		chunks := ceilDiv(panels, p.chunkPanels)
		for pc, kc := 0, 0; pc < g.k; pc, phase = pc+kc, phase+1 {
			kc = balancedStep(g.k-pc, p.kc)
			beta := g.beta
			if pc > 0 {
				beta = 1 // later slices of k accumulate onto the first's result
			}
			bufB := p.bufB[phase%(len(p.bufB)/p.bLen)*p.bLen:][:p.bLen]
			bv := g.operandB(bufB, jc, pc, nc)
			bv.copy = bufCopy
			slot := t.enter(phase)
			if phase >= 2 {
				t.tasksDone(phase-2, tasksBefore[phase%2]) // its readers are done with bufB
			}
			slot.prepare(t, g.packPieces(bv, nc), func(piece int) { g.packBPiece(bv, piece, jc, pc, kc, nc) })
			var av operand
			prepared := -1 // the block of A in av
			slot.forEachTask(t, id, p.blocksA, chunks, func(block, chunk int) {
				ic := block * p.mc
				mc := min(p.mc, g.m-ic)
				if block != prepared {
					av, prepared = g.prepareA(bufA, ic, pc, mc, kc), block
				}
				// The tile's previous slice of k, in the previous phase, goes first.
				done := &p.sliceDone[(jc/bl.NC%2*p.blocksA+block)*p.chunksMax+chunk]
				if pc > 0 {
					t.waitUntil(func() bool { return done.Load() == int64(phase) })
				}
				jr := chunk * p.chunkPanels * nr
				b := bv
				b.packing = p.fusedPack && block == 0
				g.macroKernel(av, b, ic, jc, mc, jr, min(nc, jr+p.chunkPanels*nr), kc, beta)
				done.Store(int64(phase + 1))
			})
			tasksBefore[phase%2] = p.blocksA * chunks
			slot.leave(t, phase)
		}
	}
}

// packPieces returns how many pieces the packing of a block of op(B) nc wide is cut into
// for the threads to share: runs of gemmPackPanels NR panels when B is packed, the edge
// panel alone when B is read in place, or none.
func (g *gemm) packPieces(bv operand, nc int) int {
	switch {
	case bv.all && g.plan.fusedPack:
		if bv.full < nc {
			return 1
		}
		return 0
	case bv.all:
		return ceilDiv(ceilDiv(nc, g.impl.blocking.NR), gemmPackPanels)
	case bv.full < nc:
		return 1
	}
	return 0
}

// gemmPackPanels is how many NR panels of B one piece of packing covers: 8 panels of
// KC = 384 rows is 384 KiB to read and write, long enough to amortise its claim and
// short enough that 16 threads share a 1024-wide block.
const gemmPackPanels = 8

// packBPiece packs one piece (packPieces) of the kc×nc block of op(B) from (pc, jc).
func (g *gemm) packBPiece(bv operand, piece, jc, pc, kc, nc int) {
	nr := g.impl.blocking.NR
	if !bv.all || g.plan.fusedPack {
		edge := bv.packed
		if bv.all {
			edge = bv.packed[bv.full*kc:]
		}
		packB(g.impl.copy2D, nil, edge, false, g.b, g.ldb, pc, jc+bv.full, kc, nc-bv.full, nr)
		return
	}
	lo := piece * gemmPackPanels * nr
	cols := min(lo+gemmPackPanels*nr, nc) - lo
	packB(g.impl.copy2D, g.impl.kernel.packTransB, bv.packed[lo*kc:], g.transB, g.b, g.ldb, pc, jc+lo, kc, cols, nr)
}

// operandB returns the operand for the kc×nc block of op(B) at (pc, jc): packed into
// buf when B is packed, else read in place with only its edge panel packed into buf.
func (g *gemm) operandB(buf []float32, jc, pc, nc int) operand {
	nr := g.impl.blocking.NR
	bv := operand{packed: buf, all: g.plan.packAllB, full: nc / nr * nr, step: 1}
	if !bv.all || g.plan.fusedPack {
		bv.inPlace = g.b[pc*g.ldb+jc:]
	}
	return bv
}

// prepareA returns the operand for the mc×kc block of op(A) at (ic, pc): packed into buf,
// or read in place with only its edge rows, if the edge kernel has more rows than are
// left, packed into buf.
func (g *gemm) prepareA(buf []float32, ic, pc, mc, kc int) operand {
	mr := g.impl.blocking.MR
	av := operand{packed: buf, all: g.plan.packAllA, full: mc / mr * mr, step: g.lda}
	// The edge rows run on the smallest kernel that covers them, edgeMR rows.
	edge := mc - av.full
	edgeMR := g.impl.kernelFor(edge).mr
	switch {
	case av.all:
		packA(g.impl.kernel.packRows, g.impl.copy2D, buf, g.transA, g.a, g.lda, ic, pc, mc, kc, mr, edgeMR)
	case edge == edgeMR:
		av.inPlace, av.full = g.a[ic*g.lda+pc:], mc
	default:
		av.inPlace = g.a[ic*g.lda+pc:]
		packA(nil, nil, buf, false, g.a, g.lda, ic+av.full, pc, edge, kc, mr, edgeMR)
	}
	return av
}

// operand says where the micro-kernel finds the panel at offset r (rows of A, columns of
// B) of the current block: in the packing buffer, or in place.
type operand struct {
	packed  []float32 // every panel when all, else only the edge panel, at offset full
	all     bool
	full    int       // offset of the edge panel: panels before it are whole
	inPlace []float32 // the block in the caller's row-major matrix
	step    int       // offset in inPlace per unit of r: lda for rows of A, 1 for columns of B
	// copy, for B read in place, holds a copy of the panel the column kernel is on, which
	// its first tile makes for the others (copyFor).
	copy []float32
	// packing: B is packed, all but its edge panel by the column kernel as the first
	// block of A reads it in place (gemmPlan.fusedPack).
	packing bool
}

// copyFor returns where the column kernel copies the panel at offset r of a block of B,
// kc deep, that it reads in place for tiles tiles, or nil. When B is being packed
// (packing), that is the panel's place in the packed block. Otherwise the copy is the
// thread's buffer, and the tiles after the first then read the panel's rows
// contiguous rather than ldb apart, where they share a few sets of L1 and a TLB entry
// each (AVX-512, calls alternating in one process, one thread and two: 64×3136×576
// 1.02× and 1.02×, 196×256×2304 1.04× and 1.02×, 128×3136×576 and 256×3136×576
// 1.03–1.04× and 1.03×, 64×1024×1024 1.05–1.06× and 1.04×, 200×1000×1000 1.02–1.05× and
// 1.04×, 256³ 1.02×, 128³ and 192³ 1.01–1.02×). A panel shallower than copyMinK is not
// copied: it stays in L1 as it is (64³ 0.99×, 96³ 0.99× when copied).
func (o operand) copyFor(r, tiles, kc, nr int) []float32 {
	if o.packing {
		return o.packed[r*kc:][:kc*nr]
	}
	if tiles < 2 || kc < copyMinK || len(o.copy) < kc*nr {
		return nil
	}
	return o.copy[:kc*nr]
}

// copyMinK is the shallowest panel of B read in place that the column kernel copies
// (copyFor).
const copyMinK = 128

// fusedPackMaxLdB bounds the row stride of B that a one-thread product packs as its first
// block of A reads it (gemmPlan.fusedPack): the first tile of each panel then reads B's
// rows in place, which from a 4 KiB stride on are a page each and, at powers of two, share
// a few sets of L1 (1024³ 1.00× fused, 2048³ 0.99×). Packing as the product runs rather
// than before it, the copy's loads from L3 overlap the tiles' FMAs (AVX-512, one thread,
// calls alternating in one process: 384³ 1.04×, 512³ 1.03×, 768³ 1.02×, 960³ 1.02×,
// 784×128×1152 1.02×, 300×200×500 1.02×, 1024×512×512 1.01×, 3136×64×576 1.01×). Two
// threads and more keep packing first, together, into the buffer they share.
const fusedPackMaxLdB = 1024

// at returns the panel at offset r of a block kc deep, and whether it is packed.
func (o operand) at(r, kc int) ([]float32, bool) {
	switch {
	case o.packing && r < o.full:
		return o.inPlace[r*o.step:], false
	case o.all:
		return o.packed[r*kc:], true
	case r >= o.full:
		return o.packed, true
	}
	return o.inPlace[r*o.step:], false
}

// next returns how far past the panel at offset r, of a block kc deep, the panel at r+nr
// lies in the same storage, for the column kernel to prefetch while it runs (0: none,
// when r+nr reaches hi, past which the panels are another task's, or the edge panel).
// Fetching the next panel of B a row at a time under the current one's tiles, rather
// than when its first tile starts, took the stalls on L3 out of that tile (AVX-512, calls
// alternating in one process, one thread and two: B in place 64×3136×576 1.06× and
// 1.05×, 48×3136×576 1.07–1.10×, 128×3136×576 1.04–1.05× and 1.03×; B packed 1024³
// 1.02× and 1.05×, 2048³ 1.02× and 1.04×, 512³ 1.00× and 1.03×; 64³–256³ and the other
// DL shapes 0.99–1.01×. AVX2, one thread: 64×3136×576 1.17×).
func (o operand) next(r, hi, kc, nr int) int {
	switch {
	case r+nr >= hi:
		return 0
	case o.all && !o.packing:
		return nr * kc
	case r+nr < o.full: // in place, as at reads it
		return nr * o.step
	}
	return 0
}

// macroKernel sweeps the micro-kernel over an mc×kc block of A and columns [jrLo, jrHi)
// of a kc×nc block of B (jrLo a multiple of NR), updating C[ic:ic+mc, jc+jrLo:jc+jrHi].
// The last rows, when fewer than MR, take the smallest edge kernel that covers them; a
// packed panel is as tall as the kernel that reads it.
func (g *gemm) macroKernel(av, bv operand, ic, jc, mc, jrLo, jrHi, kc int, beta float32) {
	mr, nr := g.impl.kernel.mr, g.impl.kernel.nr
	for jr := jrLo; jr < jrHi; jr += nr {
		b, packedB := bv.at(jr, kc)
		rsB := g.ldb
		if packedB {
			rsB = nr
		}
		ir := 0
		if whole := mc / mr; g.impl.kernel.column != nil && whole > 0 {
			// The whole tiles in one call, where the kernel has a loop for them: the Go
			// call, its wrapper and the kernel's entry are paid once a panel (calls
			// alternating in one process, AVX-512 and AVX2, one thread: 64³ 1.02× and
			// 1.06×, 128³ 1.03×, 512³ 1.01×, 1024³ 1.01×, the DL shapes 1.005–1.026×;
			// two threads 1.005–1.026×).
			a, packedA := av.at(0, kc)
			rsA, csA, step := g.lda, 1, mr*g.lda
			if packedA {
				rsA, csA, step = 1, mr, mr*kc
			}
			var bCopy []float32
			if !packedB {
				bCopy = bv.copyFor(jr, whole, kc, nr)
			}
			g.impl.kernel.column(whole, kc, a, rsA, csA, step, b, rsB, bv.next(jr, jrHi, kc, nr), bCopy, g.c[ic*g.ldc+jc+jr:], g.ldc, g.alpha, beta, min(nr, jrHi-jr))
			ir = whole * mr
		}
		for ; ir < mc; ir += mr {
			rows := min(mr, mc-ir)
			kern := g.impl.kernelFor(rows)
			a, packedA := av.at(ir, kc)
			rsA, csA := g.lda, 1
			if packedA {
				rsA, csA = 1, kern.mr
			}
			c := g.c[(ic+ir)*g.ldc+jc+jr:]
			kern.tile(kc, a, rsA, csA, b, rsB, c, g.ldc, g.alpha, beta, rows, min(nr, jrHi-jr))
		}
	}
}

// balancedStep splits the remaining length into steps of at most limit that are as equal
// as possible, and returns the next one: k = limit+1 becomes two halves, not limit and a
// sliver that would run the micro-kernel at a fraction of its speed.
func balancedStep(remaining, limit int) int {
	steps := (remaining + limit - 1) / limit
	return (remaining + steps - 1) / steps
}

// blocksOf cuts length into blocks of at most limit, a multiple of multiple (limit is
// one too), as equal as whole multiples allow, and returns their size and count: 1024 rows
// of A are four blocks of 256, not three of 336 and a sliver of 16 that would leave
// threads idle.
func blocksOf(length, limit, multiple int) (size, count int) {
	size = roundUp(balancedStep(length, limit), multiple)
	return size, ceilDiv(length, size)
}

func roundUp(v, multiple int) int { return (v + multiple - 1) / multiple * multiple }

func ceilDiv(v, d int) int { return (v + d - 1) / d }

// packA copies op(A)[i0:i0+mc, p0:p0+kc] into MR-row panels: panel r holds rows
// r*MR..r*MR+MR-1 with element (i, p) at dst[r*MR*kc + p*MR + i]. A last panel of fewer
// rows is edgeMR rows tall (the edge kernel's MR, ≤ MR), its rows past mc zero, so that
// the micro-kernel may read a whole panel.
// A full panel of untransposed A goes to packRows when the kernel has one; of transposed
// A, whose panel is kc runs of MR floats lda apart, to copy2D when there is one (calls
// alternating in one process, against a copy call per run, AVX-512 and AVX2: 64³
// 1.34× and 1.44×, 1024³ 1.10× and 1.08×, 576×64×3136 1.34× and 1.49×).
func packA(packRows func(k int, a []float32, lda int, dst []float32), copy2D copy2DFunc, dst []float32, transA bool, a []float32, lda, i0, p0, mc, kc, mr, edgeMR int) {
	for ir := 0; ir < mc; ir += mr {
		rows, h := min(mr, mc-ir), mr // h: the panel's height
		if rows < mr {
			h = edgeMR
		}
		panel := dst[ir*kc : ir*kc+h*kc]
		if transA && rows == h && copy2D != nil {
			copy2D(kc, h, a[p0*lda+i0+ir:], lda, panel, h)
			continue
		}
		if transA {
			for p := 0; p < kc; p++ {
				src := a[(p0+p)*lda+i0+ir:]
				copy(panel[p*h:p*h+rows], src[:rows])
				clear(panel[p*h+rows : p*h+h])
			}
			continue
		}
		if rows == mr && packRows != nil {
			packRows(kc, a[(i0+ir)*lda+p0:], lda, panel)
			continue
		}
		// Read the rows as parallel streams and write the panel in order: strided
		// writes, one per 4·MR bytes, cost several times more.
		var src [maxMR][]float32
		for i := 0; i < rows; i++ {
			src[i] = a[(i0+ir+i)*lda+p0:][:kc]
		}
		for p := 0; p < kc; p++ {
			col := panel[p*h : p*h+h]
			for i := range col {
				if i < rows {
					col[i] = src[i][p]
				} else {
					col[i] = 0
				}
			}
		}
	}
}

// maxMR bounds the register tile height of every micro-kernel (packA's row streams).
const maxMR = 16

// packB copies op(B)[p0:p0+kc, j0:j0+nc] into NR-column panels: panel r holds columns
// r*NR..r*NR+NR-1 with element (p, j) at dst[r*NR*kc + p*NR + j]. Columns past nc in the
// last panel are zero.
//
// Untransposed B is copied a row of B at a time, into every panel at once with copy2D
// (the implementation's strided copy): the reads then stream along rows of B, where
// panel-by-panel copying would read kc rows ldb apart for every NR floats. A full panel
// of transposed B, NR rows of B, goes to packTransB when the kernel has one: it reads
// the NR rows as parallel streams and writes the panel in order, where the Go loop
// writes each row down a column of the panel, NR floats a step (Sgemm with transB
// against without, calls alternating in one process, AVX-512 and AVX2: 64³ 0.40 → 0.76
// and 0.54 → 0.87, 512³ 0.83 → 0.97 and 0.92 → 1.00, 64×3136×576 0.39 → 0.76 and 0.64
// → 0.95).
func packB(copy2D copy2DFunc, packTransB func(k int, b []float32, ldb int, dst []float32), dst []float32, transB bool, b []float32, ldb, p0, j0, kc, nc, nr int) {
	if !transB {
		full := nc / nr
		edge := dst[full*nr*kc:]
		for p := 0; p < kc; p++ {
			src := b[(p0+p)*ldb+j0:]
			if full > 0 {
				copy2D(full, nr, src, nr, dst[p*nr:], kc*nr)
			}
			if cols := nc - full*nr; cols > 0 {
				copy(edge[p*nr:p*nr+cols], src[full*nr:full*nr+cols])
				clear(edge[p*nr+cols : p*nr+nr])
			}
		}
		return
	}
	for jr := 0; jr < nc; jr += nr {
		panel := dst[jr*kc : jr*kc+nr*kc]
		cols := min(nr, nc-jr)
		if cols == nr && packTransB != nil {
			packTransB(kc, b[(j0+jr)*ldb+p0:], ldb, panel)
			continue
		}
		for j := 0; j < cols; j++ {
			src := b[(j0+jr+j)*ldb+p0:]
			src = src[:kc]
			for p, v := range src {
				panel[p*nr+j] = v
			}
		}
		for j := cols; j < nr; j++ {
			for p := 0; p < kc; p++ {
				panel[p*nr+j] = 0
			}
		}
	}
}

// scratch is a pooled float32 buffer: packing panels live here, so that steady-state
// calls allocate nothing.
type scratch struct{ buf []float32 }

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// getScratch returns a buffer of exactly n floats, its contents undefined.
func getScratch(n int) *scratch {
	s := scratchPool.Get().(*scratch)
	s.resize(n)
	return s
}

// resize makes s.buf exactly n floats long, its contents undefined.
func (s *scratch) resize(n int) {
	if cap(s.buf) < n {
		s.buf = make([]float32, n)
	}
	s.buf = s.buf[:n]
}

func putScratch(s *scratch) { scratchPool.Put(s) }
