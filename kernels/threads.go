package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// This file is the thread pool every call shares: persistent helper goroutines, started
// the first time a call wants them, that join a call only when they are idle. The calling
// goroutine always works on its own call, so a call never waits for a busy pool; when
// many goroutines call at once each finds few idle helpers and runs mostly alone, and the
// machine is not oversubscribed.
//
// A call splits its output into tasks, and no task splits a sum over K: each output
// element is computed by the same instructions in the same order whatever the thread
// count and whichever thread runs it (the cache blocks, tiles and kernels depend on the
// shape alone), so results are bit-for-bit the same for every cap and under any
// concurrency.

// maxThreads is the cap SetMaxThreads set; 0 means runtime.GOMAXPROCS(0) at each call.
var maxThreads atomic.Int64

// SetMaxThreads caps the threads one call may use and returns the previous cap; n < 1
// restores the default, runtime.GOMAXPROCS(0) at the time of each call. Results are
// bit-for-bit the same for every cap and any number of concurrent callers.
//
// previous is 0 when the default was in force, so that SetMaxThreads(previous) always
// restores what was there. The cap may change while calls are in flight: each call reads
// it once, when it starts.
func SetMaxThreads(n int) (previous int) {
	return int(maxThreads.Swap(int64(max(n, 0))))
}

// threadCap returns the threads a call may use now.
func threadCap() int {
	if n := int(maxThreads.Load()); n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}

// splitAll, for tests, gives every call as many threads as it has tasks, within the cap,
// however small: so that small problems exercise the threaded paths.
var splitAll atomic.Bool

// threadsFor returns how many threads a call should use for work units of work, at most
// tasks (its independent pieces): one per minWork units, so that a second thread is only
// woken when its share pays for the wake-up, within the cap.
func threadsFor(work, minWork float64, tasks int) int {
	split := minWork > 0 && !splitAll.Load()
	if split && work < 2*minWork {
		return 1 // without threadCap's runtime.GOMAXPROCS, which takes a lock
	}
	n := threadCap()
	if split {
		n = min(n, int(work/minWork))
	}
	return max(1, min(n, tasks))
}

// taskGrid is how a call's tiles are grouped into tasks: groups (blocks of A, images, ...)
// of perGroup tasks, each of span units (NR panels, tiles, outputs).
type taskGrid struct{ groups, perGroup, span int }

// newTaskGrid groups units in each of groups groups into tasks for threads threads:
// whole groups when there are enough of them for perThread each, otherwise cut into
// chunks of equal span, at least as many as asked. The span rounds down: ten panels in
// eight chunks are ten tasks, which two threads share evenly, where a span rounded up
// made five (Sgemm on two threads, calls alternating in one process: 128×320×256
// 1.12–1.16×, 64×3136×576 1.03–1.04×, the layers 1.00×).
func newTaskGrid(groups, units, threads, perThread int) taskGrid {
	chunks := 1
	if threads > 1 {
		chunks = min(units, ceilDiv(perThread*threads, groups))
	}
	span := max(1, units/chunks)
	return taskGrid{groups: groups, perGroup: ceilDiv(units, span), span: span}
}

// tasksPerThread is how many tasks a call cuts per thread where a task costs nothing
// more for being small: enough that uneven tiles and a thread slowed by a neighbour on
// a shared core balance out (XNNPACK's target_tiles_per_thread is 5). Where each task
// rereads a shared operand, fewer (layerGemm).
const tasksPerThread = 4

// parallelJob is one call's work. run is called once by every participant of the team,
// id 0 being the caller; it claims its share of the tasks from the team.
type parallelJob interface {
	run(t *team, id int)
}

// team is the set of threads working on one call: the caller and the helpers that were
// idle when it started. Its size is fixed before any of them runs.
type team struct {
	job     parallelJob
	size    int
	slots   [phaseSlots]phaseSlot
	pending atomic.Int32  // helpers still running job, + callerAsleep once the caller blocks
	done    chan struct{} // the last helper's signal to a caller that blocked
	helpers []*worker
	own     []float32 // the caller's buffer (buffer)
	tight   bool      // whether each participant has a core to poll on (poll)
}

// buffer returns participant id's private buffer of n floats, its contents undefined.
// Each helper keeps its own from call to call, and the caller's belongs to the team, so
// a call in steady state allocates none.
func (t *team) buffer(id, n int) []float32 {
	buf := &t.own
	if id > 0 {
		buf = &t.helpers[id-1].buf
	}
	if cap(*buf) < n {
		*buf = make([]float32, n)
	}
	return (*buf)[:n]
}

var teamPool = sync.Pool{New: func() any { return &team{done: make(chan struct{}, 1)} }}

// forEachTask runs do(group, task) for this participant's share of a one-phase job's
// tasks: groups of perGroup tasks each, every task run once by one participant.
func (t *team) forEachTask(id, groups, perGroup int, do func(group, task int)) {
	s := t.enter(0)
	s.forEachTask(t, id, groups, perGroup, do)
	s.leave(t, 0)
}

// A job of several phases (Sgemm's KC×NC blocks of B) runs them as a pipeline: in each,
// the threads first prepare a shared operand together (pack the block of B), claiming
// pieces of it, then share out the tasks that read it. A thread waits only for what it
// needs: for the operand to be whole before its tasks, and, before preparing phase i
// into the buffer that phase i−2 read, for phase i−2's tasks to be done. It never waits
// for a slower thread to arrive anywhere, as a barrier would make it: a thread that
// finishes phase i's tasks early packs phase i+1's operand while the others finish theirs.
//
// Each phase counts its claims in a slot of a ring, which the last thread to leave the
// phase clears and hands to phase i+len(slots).
const phaseSlots = 4

// phaseSlot holds one phase's counters.
type phaseSlot struct {
	phase    atomic.Int64 // the phase whose counters these are
	prepNext atomic.Int64 // the next unclaimed piece of the shared operand
	prepDone atomic.Int64 // pieces prepared
	taskDone atomic.Int64 // tasks finished
	left     atomic.Int64 // participants that have left the phase
	claims   []taskClaims // per participant, the claims on its range of the tasks
}

// forEachTask runs do(group, task) for this participant's share of the phase's tasks:
// groups of perGroup tasks each, every task run once by one participant. The tasks, in
// order, are cut into one contiguous range per participant, as OpenMP's static schedule
// would; participant id runs its own range from the front, then takes tasks from the
// back of the others' ranges, one at a time, until none are left. So a participant
// mostly stays in one or two groups, whose operands (a packed block of A, a weight
// panel) it prepares once, and a call repeated on the same operands gives each thread
// the same tasks, its tiles of C still in its own L2; a thread slowed by a neighbour on
// its core (here the two vCPUs' tasks often run at 0.64 and 0.9 of peak) still hands
// its last tasks over. Against claiming each group's tasks in turn from one shared
// counter, two threads, calls alternating in one process: Sgemm 192³ 1.03×, 256³
// 1.03–1.04×, 128³ 1.01–1.02×, 512³ and 64×3136×576 1.00×.
func (s *phaseSlot) forEachTask(t *team, id, groups, perGroup int, do func(group, task int)) {
	total, ran := groups*perGroup, int64(0)
	for i := range t.size {
		owner := (id + i) % t.size
		lo, hi := owner*total/t.size, (owner+1)*total/t.size
		own := i == 0
		for task := s.claims[owner].claim(hi-lo, own); task >= 0; task = s.claims[owner].claim(hi-lo, own) {
			do((lo+task)/perGroup, (lo+task)%perGroup)
			ran++
		}
	}
	// Once, not per task: every participant writing one shared line per task costs a
	// transfer between cores each time.
	s.taskDone.Add(ran)
}

// taskClaims counts the tasks claimed from one participant's range: by the participant,
// from the front (the high 32 bits), and by others, from the back (the low 32).
type taskClaims struct {
	claimed atomic.Uint64
	_       [56]byte // a cache line each, so that owners claim without contention
}

// claim takes the next task of a range of n from the front (its owner) or the back
// (another participant), and returns its offset in the range, or -1 when none is left.
func (c *taskClaims) claim(n int, front bool) int {
	for {
		v := c.claimed.Load()
		f, b := int(v>>32), int(uint32(v))
		switch {
		case f+b >= n:
			return -1
		case front && c.claimed.CompareAndSwap(v, v+1<<32):
			return f
		case !front && c.claimed.CompareAndSwap(v, v+1):
			return n - 1 - b
		}
	}
}

// enter waits until phase's slot is free for it and returns the slot.
func (t *team) enter(phase int) *phaseSlot {
	s := &t.slots[phase%phaseSlots]
	t.waitUntil(func() bool { return s.phase.Load() == int64(phase) })
	return s
}

// prepare runs prep(piece) for this participant's share of the phase's pieces, then waits
// until every piece is done.
func (s *phaseSlot) prepare(t *team, pieces int, prep func(piece int)) {
	for p := int(s.prepNext.Add(1) - 1); p < pieces; p = int(s.prepNext.Add(1) - 1) {
		prep(p)
		s.prepDone.Add(1)
	}
	t.waitUntil(func() bool { return s.prepDone.Load() == int64(pieces) })
}

// leave marks this participant done with the phase; the last to leave clears the slot
// for phase+phaseSlots.
func (s *phaseSlot) leave(t *team, phase int) {
	if s.left.Add(1) == int64(t.size) {
		s.clear()
		s.phase.Store(int64(phase + phaseSlots))
	}
}

func (s *phaseSlot) clear() {
	s.prepNext.Store(0)
	s.prepDone.Store(0)
	s.taskDone.Store(0)
	s.left.Store(0)
	for i := range s.claims {
		s.claims[i].claimed.Store(0)
	}
}

// tasksDone waits until phase's tasks, tasks of them, are finished.
func (t *team) tasksDone(phase, tasks int) {
	s := &t.slots[phase%phaseSlots]
	// A slot handed on means that every participant has left the phase.
	t.waitUntil(func() bool { return s.phase.Load() != int64(phase) || s.taskDone.Load() == int64(tasks) })
}

// waitUntil waits until done reports true: what it waits for is another thread's piece
// of the same call, usually microseconds away, so it polls (poll) and only then sleeps
// between polls, in case that thread has lost its core.
func (t *team) waitUntil(done func() bool) {
	if poll(t.tight, done) {
		return
	}
	for !done() {
		time.Sleep(20 * time.Microsecond)
	}
}

// poll calls done until it reports true, or spinTime passes, and reports which. When
// there is a core for every thread that may be polling (tight), it polls without
// yielding: runtime.Gosched puts the goroutine on the scheduler's global queue, from
// which it may come back only tens of microseconds later, or on another core (measured:
// with yielding helpers, 30 to 60% of back-to-back 1 ms convolutions on two threads
// found the helper parked), but with PAUSE on each turn (spinPause), which leaves the
// core to a hyperthread beside it that may be the thread it waits for: SGEMM on two
// threads, GFLOPS, medians of calls alternating in one process, without and with PAUSE:
// 128³ 211 → 226, 256³ 148 → 187 and 163 → 210; one thread right after a two-thread
// call, its helper still polling: 128³ 137 → 150. Otherwise it yields between polls,
// so that the threads it waits for can run.
func poll(tight bool, done func() bool) bool {
	if done() {
		return true
	}
	deadline := time.Now().Add(spinTime)
	for i := 1; ; i++ {
		if done() {
			return true
		}
		if !tight {
			runtime.Gosched()
		} else {
			spinPause()
		}
		if i%64 == 0 && time.Now().After(deadline) {
			return false
		}
	}
}

// parallel runs job on up to threads threads, the caller among them, and returns when
// every participant has returned from job.run.
func parallel(threads int, job parallelJob) {
	t := teamPool.Get().(*team)
	t.run(threads, job)
	teamPool.Put(t)
}

// run runs job on t: the caller and up to threads−1 helpers.
func (t *team) run(threads int, job parallelJob) {
	t.job = job
	t.helpers = recruit(t.helpers[:0], threads-1)
	t.size = 1 + len(t.helpers)
	// Every counter is zero between calls: the last thread to leave a phase clears its
	// slot, claims included, and new claims start at zero.
	for i := range t.slots {
		s := &t.slots[i]
		if cap(s.claims) < t.size {
			s.claims = make([]taskClaims, t.size)
		}
		s.claims = s.claims[:t.size]
		s.phase.Store(int64(i))
	}
	t.tight = t.size <= runtime.GOMAXPROCS(0)
	t.pending.Store(int32(len(t.helpers)))
	for i, w := range t.helpers {
		w.assign(t, i+1)
	}
	job.run(t, 0)
	if len(t.helpers) > 0 {
		t.await()
	}
	clear(t.helpers)
	t.job = nil
}

// await waits for the helpers: polling, since they usually finish within microseconds
// of the caller, then blocking.
func (t *team) await() {
	if poll(t.tight, func() bool { return t.pending.Load() == 0 }) {
		return
	}
	if t.pending.Add(callerAsleep) != callerAsleep {
		<-t.done
	}
}

// callerAsleep, added to team.pending, tells the last helper to finish that the caller
// is blocked on team.done; a caller that finds its helpers done while polling skips the
// channel and its lock (two threads, an empty job: 2.0 → 1.55 µs a call, with forEachTask's single taskDone).
const callerAsleep = 1 << 30

// spinTime is how long an idle helper, or a thread waiting on another, polls before it
// blocks. A helper that blocks takes tens of microseconds to wake (a futex and an OS
// thread), which would be most of a 256³ product's time on two threads; one that polls
// keeps its core busy for no more than this after each call.
const spinTime = 100 * time.Microsecond

// worker is a helper goroutine's mailbox.
type worker struct {
	state  atomic.Int32
	team   atomic.Pointer[team] // set, with id, by the caller that claimed it
	id     int
	parked bool          // whether it was parked when claimed (then it needs wake)
	wake   chan struct{} // a parked worker's signal
	buf    []float32     // its private buffer (team.buffer)
}

const (
	workerSpinning = iota // idle, polling team
	workerParked          // idle, blocked on wake
	workerClaimed         // a caller has it, or it is running a job
)

// workers holds every helper started so far; it only grows, copied on write under
// workersMu, so that callers read it without a lock.
var (
	workers   atomic.Pointer[[]*worker]
	workersMu sync.Mutex
)

// recruit claims up to n idle helpers, starting more when fewer than n exist, and
// appends them to dst.
func recruit(dst []*worker, n int) []*worker {
	if n <= 0 {
		return dst
	}
	all := workers.Load()
	if all == nil || len(*all) < n {
		all = startWorkers(n)
	}
	for _, w := range *all {
		if len(dst) == n {
			break
		}
		if w.claim() {
			dst = append(dst, w)
		}
	}
	return dst
}

// startWorkers makes sure at least n helpers exist and returns them all.
func startWorkers(n int) *[]*worker {
	workersMu.Lock()
	defer workersMu.Unlock()
	all := workers.Load()
	if all != nil && len(*all) >= n {
		return all
	}
	grown := make([]*worker, 0, n)
	if all != nil {
		grown = append(grown, *all...)
	}
	for len(grown) < n {
		w := &worker{wake: make(chan struct{}, 1)}
		grown = append(grown, w)
		go w.loop()
	}
	workers.Store(&grown)
	return &grown
}

// claim takes w for a caller if it is idle.
func (w *worker) claim() bool {
	for {
		switch s := w.state.Load(); s {
		case workerSpinning, workerParked:
			if w.state.CompareAndSwap(s, workerClaimed) {
				w.parked = s == workerParked
				return true
			}
		default:
			return false
		}
	}
}

// assign hands the claimed w its place in t. It reads w.parked before it publishes t:
// from then on w may finish t's job and be claimed, parked rewritten, by another caller.
func (w *worker) assign(t *team, id int) {
	parked := w.parked
	w.id = id
	w.team.Store(t)
	if parked {
		w.wake <- struct{}{}
	}
}

func (w *worker) loop() {
	for {
		t := w.await()
		t.job.run(t, w.id)
		// Idle again before signalling, so that a caller that returns and calls again at
		// once finds this helper free.
		w.team.Store(nil)
		w.state.Store(workerSpinning)
		if t.pending.Add(-1) == callerAsleep {
			t.done <- struct{}{}
		}
	}
}

// await returns the next team w is assigned to: polling for spinTime, then parked. At
// most GOMAXPROCS−1 helpers poll without yielding at once, leaving a core to callers.
func (w *worker) await() *team {
	tight := pollingHelpers.Add(1) < int32(runtime.GOMAXPROCS(0))
	assigned := poll(tight, func() bool { return w.team.Load() != nil })
	pollingHelpers.Add(-1)
	if !assigned && w.state.CompareAndSwap(workerSpinning, workerParked) {
		<-w.wake
	}
	// Assigned, or claimed while it stopped polling: the team is on its way.
	for w.team.Load() == nil {
		runtime.Gosched()
	}
	return w.team.Load()
}

// pollingHelpers counts the helpers polling for work (worker.await).
var pollingHelpers atomic.Int32
