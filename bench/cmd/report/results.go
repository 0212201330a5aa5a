package main

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The lines read, as ../shared/peers/sidebyside.py reads them:
//
//	go test: Benchmark<Group>/<impl>/<shape>[-<GOMAXPROCS>] ... <g> GFLOPS
//	peers:   <lib> M=.. N=.. K=.. ... median <g> GFLOPS          (sgemm.c)
//	         <lib> H=.. Cin=.. Cout=.. s=.. [k=..] ... median <g> (conv_dnnl.c, conv_xnn.c)
//	peak:    <avx2_256|avx512_512> threads=<t> best <g> GFLOPS    (peak.c)
//
// and two lines the Makefile writes into the peers' file: "# peers threads=<t>" before
// each run of run.sh, or "# peers skipped: <why>".
var (
	goBench     = regexp.MustCompile(`^Benchmark(\w+)/([^/\s]+)/(\S+?)(?:-(\d+))?\s.*?([\d.]+) GFLOPS`)
	peerGemm    = regexp.MustCompile(`^(\S+)\s+M=(\d+)\s+N=(\d+)\s+K=(\d+).*?median\s+([\d.]+)`)
	peerConv    = regexp.MustCompile(`^(\S+)\s+H=(\d+)\s+Cin=(\d+)\s+Cout=(\d+)\s+s=(\d+)(?:\s+k=(\d+))?.*?median\s+([\d.]+)`)
	peerPeak    = regexp.MustCompile(`^(?:avx2_256|avx512_512)\s+threads=(\d+)\s+best\s+([\d.]+)`)
	peerThreads = regexp.MustCompile(`^# peers threads=(\d+)`)
	peerSkipped = regexp.MustCompile(`^# peers skipped: (.*)`)
	goCPU       = regexp.MustCompile(`^cpu: (.*)`)
)

// families are the tables, in the order printed; a benchmark group goes to the one that
// lists it, any other to a table of its own, after these.
var families = []struct {
	key, title string
	groups     []string
}{
	{"sgemm", "SGEMM, C = A·B, shape M×N×K", []string{"Sgemm"}},
	{"sgemmtrans", "SGEMM with one operand transposed, NT: C = A·Bᵀ, TN: C = Aᵀ·B, shape M×N×K-op", []string{"SgemmTrans"}},
	{"conv", "Conv2D 3×3 same, batch 1, shape H×W×Cin-Cout-stride", []string{"Conv", "Conv2D"}},
	{"deconv", "Conv2DTranspose 3×3 same, batch 1, shape H×W×Cin-Cout-stride", []string{"Deconv", "Conv2DTranspose"}},
	{"dense", "Dense with bias and ReLU, shape in×out-batch", []string{"Dense"}},
	{"concurrent", "Concurrent: GOMAXPROCS callers at once, aggregate GFLOPS", []string{"Concurrent"}},
}

// An impl is one column: an implementation at a thread count.
type impl struct {
	name    string // as the benchmark or the peer names it: simdnn-avx512, gonum, openblas
	threads int
}

// The kinds of column, in the tables' order.
const (
	simdnnColumn = iota
	gonumColumn
	peerColumn
)

func (im impl) kind() int {
	switch {
	case strings.HasPrefix(im.name, "simdnn"):
		return simdnnColumn
	case strings.HasPrefix(im.name, "gonum"):
		return gonumColumn
	}
	return peerColumn
}

// String is the column's heading: "×N" marks N threads, as go test's "-N" suffix does.
func (im impl) String() string {
	if im.threads > 1 {
		return fmt.Sprintf("%s×%d", im.name, im.threads)
	}
	return im.name
}

type family struct {
	key, title string
	rank       int      // its place in families
	shapes     []string // rows: the shapes simdnn was measured on, in the order run
	impls      []impl
	// samples holds every figure for a shape and column: one per go test -count run, one
	// (the median of its batches) per run of a peer.
	samples map[string]map[impl][]float64
}

// median is the column's figure for a shape; ok is false when it was not measured.
func (f *family) median(shape string, im impl) (g float64, ok bool) {
	s := slices.Clone(f.samples[shape][im])
	if len(s) == 0 {
		return 0, false
	}
	slices.Sort(s)
	return (s[(len(s)-1)/2] + s[len(s)/2]) / 2, true
}

// best is the highest median among the columns at threads that keep.
func (f *family) best(shape string, threads int, keep func(impl) bool) (g float64, ok bool) {
	for _, im := range f.impls {
		if im.threads != threads || !keep(im) {
			continue
		}
		if v, found := f.median(shape, im); found && v > g {
			g, ok = v, true
		}
	}
	return g, ok
}

type results struct {
	families []*family
	byKey    map[string]*family
	// peak is peak.c's best FP32 FMA rate by thread count: the physical limit.
	peak      map[int]float64
	cpu       string
	peersNote string   // why there are no peer figures, when the peers' file says
	failures  []string // go test's FAIL lines: a benchmark that failed measured nothing
}

func newResults() *results {
	return &results{byKey: map[string]*family{}, peak: map[int]float64{}}
}

func (r *results) family(group string) *family {
	key, title, rank := strings.ToLower(group), group, len(families)
	for i, fam := range families {
		if slices.Contains(fam.groups, group) {
			key, title, rank = fam.key, fam.title, i
		}
	}
	f := r.byKey[key]
	if f == nil {
		f = &family{key: key, title: title, rank: rank, samples: map[string]map[impl][]float64{}}
		r.byKey[key] = f
		r.families = append(r.families, f)
		slices.SortStableFunc(r.families, func(a, b *family) int { return cmp.Compare(a.rank, b.rank) })
	}
	return f
}

func (f *family) add(shape string, im impl, g float64) {
	if f.samples[shape] == nil {
		f.samples[shape] = map[impl][]float64{}
	}
	f.samples[shape][im] = append(f.samples[shape][im], g)
	if !slices.Contains(f.impls, im) {
		f.impls = append(f.impls, im)
	}
}

// readGoBench adds the GFLOPS lines of `go test -bench` output.
func (r *results) readGoBench(in io.Reader) error {
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		if m := goCPU.FindStringSubmatch(sc.Text()); m != nil {
			r.cpu = m[1]
		}
		if strings.HasPrefix(sc.Text(), "--- FAIL") {
			r.failures = append(r.failures, sc.Text())
		}
		m := goBench.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		threads := 1
		if m[4] != "" {
			threads, _ = strconv.Atoi(m[4])
		}
		f := r.family(m[1])
		if !slices.Contains(f.shapes, m[3]) {
			f.shapes = append(f.shapes, m[3])
		}
		f.add(m[3], impl{m[2], threads}, parseFloat(m[5]))
	}
	return sc.Err()
}

// readPeers adds the peers' lines, each run's thread count taken from the marker before
// it; only shapes that simdnn was measured on make rows, so read go test's output first.
func (r *results) readPeers(in io.Reader) error {
	threads := 1
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		line := sc.Text()
		if m := peerThreads.FindStringSubmatch(line); m != nil {
			threads, _ = strconv.Atoi(m[1])
		} else if m := peerSkipped.FindStringSubmatch(line); m != nil {
			r.peersNote = m[1]
		} else if m := peerPeak.FindStringSubmatch(line); m != nil {
			t, _ := strconv.Atoi(m[1])
			r.peak[t] = max(r.peak[t], parseFloat(m[2]))
		} else if m := peerGemm.FindStringSubmatch(line); m != nil {
			r.addPeer("sgemm", fmt.Sprintf("%sx%sx%s", m[2], m[3], m[4]), impl{m[1], threads}, parseFloat(m[5]))
		} else if m := peerConv.FindStringSubmatch(line); m != nil && (m[6] == "" || m[6] == "3") {
			key := "conv"
			if strings.Contains(m[1], "deconv") {
				key = "deconv"
			}
			shape := fmt.Sprintf("%sx%sx%s-%s-s%s", m[2], m[2], m[3], m[4], m[5])
			r.addPeer(key, shape, impl{m[1], threads}, parseFloat(m[7]))
		}
	}
	return sc.Err()
}

func (r *results) addPeer(key, shape string, im impl, g float64) {
	if f := r.byKey[key]; f != nil && slices.Contains(f.shapes, shape) {
		f.add(shape, im, g)
	}
}

// sortColumns orders each family's columns by columnOrder.
func (r *results) sortColumns() {
	for _, f := range r.families {
		slices.SortStableFunc(f.impls, columnOrder)
	}
}

// columnOrder sorts by thread count, then simdnn, gonum and the peers, so that each
// thread count's figures sit side by side; a stable sort keeps the rest as first seen.
func columnOrder(a, b impl) int {
	return cmp.Or(cmp.Compare(a.threads, b.threads), cmp.Compare(a.kind(), b.kind()))
}

func parseFloat(s string) float64 {
	g, _ := strconv.ParseFloat(s, 64)
	return g
}
