package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestMain reads SIMDNN_TEST_THREADS: with n set, every test runs with the thread cap at
// n and every call split into as many threads as it has tasks, however small (splitAll),
// so that the whole suite (sweeps, golden vectors, guard pages, fuzz seeds) runs on the
// threaded paths. `make test` runs it at several n, under -race too.
func TestMain(m *testing.M) {
	if v := os.Getenv("SIMDNN_TEST_THREADS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "SIMDNN_TEST_THREADS=%q: want a positive integer\n", v)
			os.Exit(2)
		}
		SetMaxThreads(n)
		splitAll.Store(true)
	}
	os.Exit(m.Run())
}

// withThreads runs f with the cap at n and every call split as finely as it can be.
func withThreads(n int, f func()) {
	prevCap, prevSplit := SetMaxThreads(n), splitAll.Swap(true)
	defer func() {
		SetMaxThreads(prevCap)
		splitAll.Store(prevSplit)
	}()
	f()
}

// threadCounts are the caps the determinism tests compare: one, both cores of the
// development machine, an odd count, and more than the cores.
var threadCounts = []int{1, 2, 3, 8}

// sameBits reports the first index where got and want differ in any bit, or -1.
func sameBits(got, want []float32) int {
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			return i
		}
	}
	return -1
}

// TestSetMaxThreads checks the cap's bookkeeping: previous values, the default and its
// restoration.
func TestSetMaxThreads(t *testing.T) {
	saved := SetMaxThreads(3)
	defer SetMaxThreads(saved)
	if got := threadCap(); got != 3 {
		t.Errorf("cap 3: threadCap() = %d", got)
	}
	if prev := SetMaxThreads(0); prev != 3 {
		t.Errorf("SetMaxThreads(0) returned %d, want 3", prev)
	}
	if got, want := threadCap(), runtime.GOMAXPROCS(0); got != want {
		t.Errorf("default: threadCap() = %d, want GOMAXPROCS %d", got, want)
	}
	if prev := SetMaxThreads(-5); prev != 0 {
		t.Errorf("SetMaxThreads(-5) after the default returned %d, want 0 (the default)", prev)
	}
	if prev := SetMaxThreads(SetMaxThreads(7)); prev != 7 {
		t.Errorf("restoring returned %d, want 7", prev)
	}
	if got, want := threadCap(), runtime.GOMAXPROCS(0); got != want {
		t.Errorf("restored default: threadCap() = %d, want %d", got, want)
	}
}

// TestSgemmThreadsBitExact: Sgemm's result is bit-for-bit the same at every thread count,
// over the tail, scalar and block sweeps' shapes, every path.
func TestSgemmThreadsBitExact(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		bl := im.blocking
		rng := rand.New(rand.NewPCG(31, 32))
		cases := []sgemmCase{
			{m: bl.MR + 1, n: 5*bl.NR - 3, k: 2*bl.KC + 5},
			{m: 3*bl.MC + 7, n: 3*bl.NR + 1, k: 33},
			{m: 101, n: 203, k: 307},
			{m: 64, n: 40 * bl.NR, k: 70},
			{m: 1, n: 1000, k: 77}, {m: 999, n: 1, k: 45}, {m: 1, n: 3, k: 1000},
		}
		for i := range cases {
			c := &cases[i]
			c.transA, c.transB = transCombos[i%4][0], transCombos[i%4][1]
			c.alpha, c.beta = alphas[i%2], betas[i%3]
			c.padA, c.padB, c.padC = i%3, 1, 2
		}
		// A deep, narrow B that one thread packs and several read in place (bInPlace):
		// the slices of k must be the same.
		cases = append(cases, sgemmCase{m: bl.PackedMC + 300, n: 2*bl.NR + 5, k: bl.PackedKC + 9, alpha: 1, padA: 1, padB: 3})
		// A product split into parts, each packing its B (splitParts), deeper than KC: the
		// parts must take the whole product's slices of k.
		cases = append(cases, sgemmCase{m: 700, n: 3*bl.NR + 5, k: bl.PackedKC + 50, alpha: 1, beta: 1, padA: 2, padC: 1})
		for _, c := range cases {
			for _, path := range pathsFor(c.transB, c.m, c.n) {
				a, lda, b, ldb, c0, ldc := c.operands(rng)
				var want []float32
				for _, threads := range threadCounts {
					got := append([]float32(nil), c0...)
					withThreads(threads, func() { c.run(path, a, lda, b, ldb, got, ldc) })
					if want == nil {
						want = got
						continue
					}
					if i := sameBits(got, want); i >= 0 {
						t.Fatalf("%v %s: %d threads: C[%d] = %g, 1 thread: %g", c, path, threads, i, got[i], want[i])
					}
				}
			}
		}
	})
}

// bothOrders returns forward, which runs on the indirect path d (if not nil), checked
// against the other order of d's work, tiles or panels outer: each call runs the layer's
// own order, then the other, and fails unless they agree to the bit.
func bothOrders(t *testing.T, name string, d *indirectConv, forward func(dst, src []float32, n int) error) func(dst, src []float32, n int) error {
	if d == nil {
		return forward
	}
	return func(dst, src []float32, n int) error {
		if err := forward(dst, src, n); err != nil {
			return err
		}
		other := nans(len(dst))
		d.tilesOuter = !d.tilesOuter
		defer func() { d.tilesOuter = !d.tilesOuter }()
		if err := forward(other, src, n); err != nil {
			return err
		}
		if i := sameBits(other, dst); i >= 0 {
			t.Fatalf("%s: tilesOuter %v: output[%d] = %g, the other order: %g", name, d.tilesOuter, i, other[i], dst[i])
		}
		return nil
	}
}

// TestLayersThreadsBitExact: every layer's output is bit-for-bit the same at every
// thread count, over a sweep of convolutions (both blockings, so im2col too; both orders
// of the indirect path's work), their transposes (both orders too) and Dense layers.
func TestLayersThreadsBitExact(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		rng := rand.New(rand.NewPCG(33, 34))
		cases := convSweep(rng, 1)
		if testing.Short() {
			cases = cases[:len(cases)/4]
		}
		for _, bim := range blockings(im) {
			for _, c := range cases {
				c.n = 3
				filter, bias := c.weights(rng, asIs)
				conv, err := newConv2D(c.Conv2DConfig, filter, bias, bim)
				if err != nil {
					t.Fatalf("%v: %v", c, err)
				}
				oh, ow := conv.OutputSize()
				src := uniform(rng, c.n*c.InH*c.InW*c.InC)
				name := c.String() + " Conv2D"
				checkThreadsBitExact(t, name, bothOrders(t, name, conv.direct, conv.Forward), oh*ow*c.OutC*c.n, src, c.n)
				c = transposeCases(rng, []convCase{c})[0]
				convT, err := newConv2DTranspose(c.transposeConfig(), filter, bias, bim)
				if err != nil {
					t.Fatalf("%v: %v", c, err)
				}
				th, tw := convT.OutputSize()
				name = c.String() + " Conv2DTranspose"
				forward := convT.Forward
				if convT.direct != nil {
					forward = bothOrders(t, name, convT.direct.indirectConv, forward)
				}
				checkThreadsBitExact(t, name, forward, th*tw*c.OutC*c.n, src, c.n)
			}
			for _, d := range []denseCase{{in: 300, out: 200, batch: 1}, {in: 77, out: 65, batch: 37, act: ReLU, bias: true}, {in: 1000, out: 9, batch: 5}} {
				dense, err := newDense(d.in, d.out, uniform(rng, d.in*d.out), uniform(rng, d.out), d.act, bim)
				if err != nil {
					t.Fatal(err)
				}
				checkThreadsBitExact(t, d.String(), dense.Forward, d.batch*d.out, uniform(rng, d.batch*d.in), d.batch)
			}
		}
	})
}

func checkThreadsBitExact(t *testing.T, what string, forward func(dst, src []float32, n int) error, dstLen int, src []float32, n int) {
	t.Helper()
	var want []float32
	for _, threads := range threadCounts {
		got := nans(dstLen)
		withThreads(threads, func() {
			if err := forward(got, src, n); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		})
		if want == nil {
			want = got
			continue
		}
		if i := sameBits(got, want); i >= 0 {
			t.Fatalf("%s: %d threads: output[%d] = %g, 1 thread: %g", what, threads, i, got[i], want[i])
		}
	}
}

// TestThreadsHammer: 8 goroutines share one Conv2D and one Dense and call Sgemm on
// operands of their own, while another changes the thread cap; every result must be
// the one computed alone, bit for bit. Run it with -race.
func TestThreadsHammer(t *testing.T) {
	saved := SetMaxThreads(0)
	defer SetMaxThreads(saved)
	rng := rand.New(rand.NewPCG(35, 36))
	cfg := Conv2DConfig{InH: 20, InW: 17, InC: 24, OutC: 40, KH: 3, KW: 3, Padding: Same, Activation: ReLU}
	conv, err := NewConv2D(cfg, uniform(rng, cfg.ParamCount(false)), uniform(rng, cfg.OutC))
	if err != nil {
		t.Fatal(err)
	}
	dense, err := NewDense(500, 130, uniform(rng, 500*130), uniform(rng, 130), ReLU)
	if err != nil {
		t.Fatal(err)
	}
	oh, ow := conv.OutputSize()
	const n, batch, m, k, nn = 2, 9, 150, 170, 190
	convSrc, denseSrc := uniform(rng, n*cfg.InH*cfg.InW*cfg.InC), uniform(rng, batch*500)
	convWant, denseWant := make([]float32, n*oh*ow*cfg.OutC), make([]float32, batch*130)
	withThreads(1, func() {
		conv.Forward(convWant, convSrc, n)
		dense.Forward(denseWant, denseSrc, batch)
	})

	var stop atomic.Bool
	var changer sync.WaitGroup
	changer.Add(1)
	go func() {
		defer changer.Done()
		for i := 0; !stop.Load(); i++ {
			SetMaxThreads(i % 9) // 0: the default
			time.Sleep(50 * time.Microsecond)
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(37, uint64(g)))
			a, b := uniform(rng, m*k), uniform(rng, k*nn)
			sgemmWant := make([]float32, m*nn)
			Sgemm(false, false, m, nn, k, 1, a, k, b, nn, 0, sgemmWant, nn)
			convDst, denseDst, c := make([]float32, len(convWant)), make([]float32, len(denseWant)), make([]float32, m*nn)
			for range 30 {
				conv.Forward(convDst, convSrc, n)
				dense.Forward(denseDst, denseSrc, batch)
				Sgemm(false, false, m, nn, k, 1, a, k, b, nn, 0, c, nn)
				for _, r := range []struct {
					name      string
					got, want []float32
				}{{"Conv2D", convDst, convWant}, {"Dense", denseDst, denseWant}, {"Sgemm", c, sgemmWant}} {
					if i := sameBits(r.got, r.want); i >= 0 {
						errs <- fmt.Errorf("goroutine %d: %s output[%d] = %g, want %g", g, r.name, i, r.got[i], r.want[i])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	stop.Store(true)
	changer.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// countingJob records which participant ran each task of a groups×perGroup grid, and
// slows participant 0 so that the others take tasks from its range.
type countingJob struct {
	groups, perGroup int
	ranBy            []atomic.Int32 // 1 + the participant, per task; 0 if none ran it
	runs             []atomic.Int32 // how many times each task ran
	first            []atomic.Int32 // 1 + the first task each participant ran
	size             atomic.Int32   // the team's size: fewer than asked if helpers were busy
}

func (j *countingJob) run(t *team, id int) {
	j.size.Store(int32(t.size))
	first := true
	t.forEachTask(id, j.groups, j.perGroup, func(group, task int) {
		i := group*j.perGroup + task
		if first {
			j.first[id].Store(int32(i + 1))
			first = false
		}
		j.ranBy[i].Store(int32(id + 1))
		j.runs[i].Add(1)
		if id == 0 {
			time.Sleep(50 * time.Microsecond)
		}
	})
}

// TestForEachTask: every task of a phase runs exactly once, whatever the team's size and
// the grid's shape; each participant starts at the front of its own range (the static
// schedule); and a slow participant's tasks are taken over by the others.
func TestForEachTask(t *testing.T) {
	for _, threads := range []int{1, 2, 3, 5} {
		for _, grid := range [][2]int{{1, 1}, {1, 7}, {3, 1}, {2, 9}, {7, 5}, {4, 64}} {
			j := &countingJob{groups: grid[0], perGroup: grid[1]}
			total := grid[0] * grid[1]
			j.ranBy, j.runs, j.first = make([]atomic.Int32, total), make([]atomic.Int32, total), make([]atomic.Int32, threads)
			withThreads(threads, func() { parallel(threads, j) })
			size := int(j.size.Load())
			others := 0
			for i := range total {
				if n := j.runs[i].Load(); n != 1 {
					t.Fatalf("%d threads, %v grid: task %d ran %d times", threads, grid, i, n)
				}
				if j.ranBy[i].Load() != 1 {
					others++
				}
			}
			for id := range size {
				// Unless the others had taken its whole range before it began.
				lo, hi := id*total/size, (id+1)*total/size
				if f := int(j.first[id].Load()) - 1; f >= lo && f < hi && f != lo {
					t.Errorf("%d threads, %v grid: participant %d began at task %d, not its range's first, %d", threads, grid, id, f, lo)
				}
			}
			if size > 1 && total >= 4*threads && others <= total-total/size {
				t.Errorf("%d threads, %v grid: the slow participant ran %d of %d tasks, no fewer than its share", threads, grid, total-others, total)
			}
		}
	}
}

// nestedJob calls Sgemm from inside a pool thread, as a layer called from a user's
// parallel code would.
type nestedJob struct {
	a, b []float32
	out  [][]float32
	size int
}

func (j *nestedJob) run(t *team, id int) {
	t.forEachTask(id, 1, len(j.out), func(_, task int) {
		Sgemm(false, false, j.size, j.size, j.size, 1, j.a, j.size, j.b, j.size, 0, j.out[task], j.size)
	})
}

// TestThreadsNested: calls made from inside another call's threads, with every helper
// busy, finish (they run on their caller) and compute the same result.
func TestThreadsNested(t *testing.T) {
	const size = 70
	rng := rand.New(rand.NewPCG(39, 40))
	j := &nestedJob{a: uniform(rng, size*size), b: uniform(rng, size*size), size: size, out: make([][]float32, 12)}
	for i := range j.out {
		j.out[i] = make([]float32, size*size)
	}
	want := make([]float32, size*size)
	withThreads(1, func() { Sgemm(false, false, size, size, size, 1, j.a, size, j.b, size, 0, want, size) })
	done := make(chan struct{})
	go func() {
		withThreads(4, func() { parallel(4, j) })
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("nested calls did not finish within a minute")
	}
	for i, got := range j.out {
		if k := sameBits(got, want); k >= 0 {
			t.Fatalf("nested call %d: C[%d] = %g, want %g", i, k, got[k], want[k])
		}
	}
}

// TestThreadsNoAllocs: at several thread counts, Sgemm, its GEMV and every layer allocate
// nothing in steady state.
func TestThreadsNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	rng := rand.New(rand.NewPCG(41, 42))
	const m, n, k = 200, 300, 150
	a, b, c := uniform(rng, m*k), uniform(rng, k*n), make([]float32, m*n)
	cfg := Conv2DConfig{InH: 14, InW: 14, InC: 32, OutC: 48, KH: 3, KW: 3, Padding: Same, Activation: ReLU}
	conv, err := NewConv2D(cfg, uniform(rng, cfg.ParamCount(false)), uniform(rng, cfg.OutC))
	if err != nil {
		t.Fatal(err)
	}
	convT, err := NewConv2DTranspose(Conv2DTransposeConfig{Conv2DConfig: Conv2DConfig{InH: 7, InW: 7, InC: 48, OutC: 32, KH: 3, KW: 3, StrideH: 2, StrideW: 2, Padding: Same}}, uniform(rng, 9*48*32), nil)
	if err != nil {
		t.Fatal(err)
	}
	dense, err := NewDense(400, 200, uniform(rng, 400*200), nil, ReLU)
	if err != nil {
		t.Fatal(err)
	}
	th, tw := convT.OutputSize()
	for _, threads := range []int{1, 2, 3} {
		withThreads(threads, func() {
			for _, call := range []struct {
				name string
				f    func()
			}{
				{"Sgemm", func() { Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n) }},
				{"SgemmTrans", func() { Sgemm(true, true, m, n, k, 1, a, m, b, k, 0, c, n) }},
				{"SgemmSmall", func() { Sgemm(false, false, 64, 64, 64, 1, a, 64, b, 64, 0, c, 64) }},
				{"SgemmSwappedNT", func() { Sgemm(false, true, 64, n, k, 1, a, k, b, k, 0, c, n) }}, // swaps
				{"SgemmSwappedTN", func() { Sgemm(true, false, m, 48, k, 1, a, m, b, 48, 0, c, 48) }},
				{"GEMV", func() { Sgemm(false, false, 1, n, k, 1, a, k, b, n, 0, c, n) }},
				{"GEMVTrans", func() { Sgemm(false, false, m, 1, k, 1, a, k, b, 1, 0, c, 1) }},
				{"Conv2D", func() { conv.Forward(c[:14*14*48], a[:14*14*32], 1) }},
				{"Conv2DTranspose", func() { convT.Forward(c[:th*tw*32], a[:7*7*48], 1) }},
				{"Dense", func() { dense.Forward(c[:7*200], a[:7*400], 7) }},
				{"DenseGEMV", func() { dense.Forward(c[:200], a[:400], 1) }},
			} {
				for range 5 { // every helper's buffers grown, every pool filled
					call.f()
				}
				if allocs := testing.AllocsPerRun(20, call.f); allocs != 0 {
					t.Errorf("%d threads: %s: %v allocations per call, want 0", threads, call.name, allocs)
				}
			}
		})
	}
}

// TestTileRuns: the runs of an indirect convolution's tiles that threads claim cover
// every tile once, in order, and each holds its share of the FMAs to within one tile,
// for every run count up to more runs than tiles.
func TestTileRuns(t *testing.T) {
	forEachISA(t, func(t *testing.T, im impl) {
		if im.conv.tile == nil {
			t.Skipf("%s has no indirect convolution kernel", im.isa)
		}
		rng := rand.New(rand.NewPCG(35, 36))
		for _, c := range []convCase{
			{Conv2DConfig: Conv2DConfig{InH: 40, InW: 44, InC: 3, OutC: 8, KH: 3, KW: 3, StrideH: 2, StrideW: 2, Padding: Same}},
			{Conv2DConfig: Conv2DConfig{InH: 11, InW: 9, InC: 20, OutC: 8, KH: 5, KW: 5, Padding: Same}},
		} {
			s, err := c.conv2DShape()
			if err != nil {
				t.Fatal(err)
			}
			f, err := c.transposeConfig().forwardShape()
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range []*indirectConv{
				newIndirectConv(im, &s, uniform(rng, c.ParamCount(false)), epilogue{}),
				newSubconvTranspose(im, &f, uniform(rng, c.ParamCount(false)), epilogue{}).indirectConv,
			} {
				total, heaviest := d.workBefore[len(d.tiles)], int64(0)
				for i := range d.tiles {
					heaviest = max(heaviest, d.workBefore[i+1]-d.workBefore[i])
				}
				for runs := 1; runs <= 3*len(d.tiles); runs++ {
					end := 0
					for r := range runs {
						lo, hi := d.tileRun(r, runs), d.tileRun(r+1, runs)
						if lo != end || hi < lo {
							t.Fatalf("%v: %d runs: run %d is tiles [%d, %d), after tile %d", c, runs, r, lo, hi, end)
						}
						if work := d.workBefore[hi] - d.workBefore[lo]; work > total/int64(runs)+heaviest {
							t.Fatalf("%v: %d runs: run %d does %d of %d FMAs", c, runs, r, work, total)
						}
						end = hi
					}
					if end != len(d.tiles) {
						t.Fatalf("%v: %d runs end at tile %d of %d", c, runs, end, len(d.tiles))
					}
				}
			}
		}
	})
}
