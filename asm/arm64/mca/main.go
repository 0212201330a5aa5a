// Command mca models the inner loops of simdnn's NEON kernels on real arm64 cores: it
// disassembles each kernel from a built arm64 binary (binutils' aarch64-linux-gnu-objdump),
// cuts out every innermost loop, runs it through llvm-mca for each core model, and prints a
// table of cycles per iteration, FLOP per cycle, the fraction of the core's FMA peak, and
// what binds the loop (the busiest pipe group, or dispatch).
//
// It is a model, not a measurement: llvm-mca knows each core's pipes, latencies and
// dispatch width, not its caches, prefetchers or branch predictor, and it assumes every load
// hits L1. The loops are named after their labels in the generated .s file, in the order
// of their backward branches.
//
//	GOARCH=arm64 go test -c -o kernels.test ./kernels
//	cd asm && go run ./arm64/mca -bin ../kernels.test -s ../kernels/sgemm_arm64.s
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// core is one llvm-mca CPU model and the core's FP32 FMA peak: 128-bit FMA pipes × 4
// lanes × 2 FLOP.
type core struct {
	name  string // llvm-mca -mcpu
	short string
	peak  float64 // FLOP per cycle
	note  string
}

var cores = []core{
	{"neoverse-n1", "N1", 16, "2 × 128-bit FMA pipes (V0, V1)"},
	{"neoverse-v1", "V1", 32, "4 × 128-bit NEON FMA (2 × 256-bit SVE) pipes"},
	{"neoverse-v2", "V2", 32, "4 × 128-bit FMA pipes"},
	{"apple-m1", "M1", 32, "4 × 128-bit FMA pipes; LLVM's model (Cyclone's) has 3, so 75% is its ceiling"},
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("mca: ")
	bin := flag.String("bin", "", "the arm64 binary holding the kernels (e.g. kernels' test binary)")
	src := flag.String("s", "", "the generated .s file, for the kernels' names and loop labels")
	pkg := flag.String("pkg", "github.com/simdnn/simdnn/kernels", "the kernels' package path, as the symbols spell it")
	objdump := flag.String("objdump", "aarch64-linux-gnu-objdump", "binutils objdump for aarch64")
	mca := flag.String("mca", "llvm-mca-19", "llvm-mca (19 or newer knows neoverse-v2)")
	iterations := flag.Int("iterations", 500, "llvm-mca iterations per loop")
	flag.Parse()
	if *bin == "" || *src == "" {
		log.Fatal("usage: mca -bin kernels.test -s kernels/sgemm_arm64.s")
	}
	*mca = findTool(*mca, "/usr/lib/llvm-19/bin/llvm-mca")

	text, err := os.ReadFile(*src)
	if err != nil {
		log.Fatal(err)
	}
	funcs := loopLabels(string(text))
	dis, err := exec.Command(*objdump, "-d", "--no-show-raw-insn", *bin).Output()
	if err != nil {
		log.Fatalf("%s: %v", *objdump, err)
	}
	bodies := disassembly(string(dis), *pkg)

	var rows []row
	for _, fn := range funcs {
		insts, ok := bodies[fn.name]
		if !ok {
			log.Fatalf("%s is not in %s: build it for GOARCH=arm64", fn.name, *bin)
		}
		loops := findLoops(insts)
		if len(loops) != len(fn.labels) {
			log.Fatalf("%s: %d backward branches in the binary, %d in %s", fn.name, len(loops), len(fn.labels), *src)
		}
		for i, l := range loops {
			if !l.inner {
				continue
			}
			r := row{kernel: fn.name, loop: fn.labels[i], body: l.body}
			r.flop = flops(l.body)
			for _, c := range cores {
				r.results = append(r.results, analyse(*mca, c, l.body, *iterations))
			}
			rows = append(rows, r)
		}
	}
	print(rows)
}

// findTool returns name if it is on PATH, else fallback.
func findTool(name, fallback string) string {
	if _, err := exec.LookPath(name); err == nil {
		return name
	}
	return fallback
}

// asmFunc is one TEXT symbol of the .s file and the labels its backward branches jump to,
// in order.
type asmFunc struct {
	name   string
	labels []string
}

var (
	textLine   = regexp.MustCompile(`^TEXT\s+·(\w+)\(SB\)`)
	labelLine  = regexp.MustCompile(`^(\w+):`)
	branchLine = regexp.MustCompile(`^\s+(B\w*|CBN?ZW?|TBN?Z)\s+.*?(\w+)\s*$`)
)

// loopLabels finds every function and its backward branches in Go assembly.
func loopLabels(text string) []asmFunc {
	var funcs []asmFunc
	var cur *asmFunc
	defined := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		if m := textLine.FindStringSubmatch(line); m != nil {
			funcs = append(funcs, asmFunc{name: m[1]})
			cur = &funcs[len(funcs)-1]
			defined = map[string]bool{}
			continue
		}
		if cur == nil {
			continue
		}
		if m := labelLine.FindStringSubmatch(line); m != nil {
			defined[m[1]] = true
			continue
		}
		if m := branchLine.FindStringSubmatch(line); m != nil && defined[m[2]] {
			cur.labels = append(cur.labels, strings.TrimPrefix(m[2], cur.name+"_"))
		}
	}
	return funcs
}

// inst is one disassembled instruction.
type inst struct {
	addr   uint64
	text   string // mnemonic and operands, binutils syntax
	target uint64 // branch target, if a direct branch
	branch bool
}

var (
	symLine  = regexp.MustCompile(`^[0-9a-f]+ <(.+)>:$`)
	instLine = regexp.MustCompile(`^\s*([0-9a-f]+):\s+(.+?)\s*$`)
	branchOp = regexp.MustCompile(`^(b|b\.\w+|cbz|cbnz|tbz|tbnz)\s+(?:.*,\s*)?([0-9a-f]+)\s+<`)
)

// disassembly splits objdump's output into the kernels' instructions, by function name.
func disassembly(dis, pkg string) map[string][]inst {
	out := map[string][]inst{}
	var cur string
	sc := bufio.NewScanner(strings.NewReader(dis))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	prefix := pkg + "."
	for sc.Scan() {
		line := sc.Text()
		if m := symLine.FindStringSubmatch(line); m != nil {
			cur = ""
			if name, ok := strings.CutPrefix(m[1], prefix); ok {
				cur = strings.TrimSuffix(name, ".abi0")
			}
			continue
		}
		if cur == "" {
			continue
		}
		m := instLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		addr, _ := strconv.ParseUint(m[1], 16, 64)
		in := inst{addr: addr, text: strings.Join(strings.Fields(m[2]), " ")}
		if b := branchOp.FindStringSubmatch(in.text); b != nil {
			in.branch = true
			in.target, _ = strconv.ParseUint(b[2], 16, 64)
		}
		out[cur] = append(out[cur], in)
	}
	return out
}

// loop is the instructions from a backward branch's target to the branch, the branch
// turned into one to a local label that llvm-mca accepts.
type loop struct {
	start, end int // indexes of the first instruction and the branch
	body       []string
	inner      bool // no other backward branch inside
}

func findLoops(insts []inst) []loop {
	var loops []loop
	for i, in := range insts {
		if !in.branch || in.target > in.addr {
			continue
		}
		start := i
		for start > 0 && insts[start].addr > in.target {
			start--
		}
		loops = append(loops, loop{start: start, end: i})
	}
	for i := range loops {
		l := &loops[i]
		l.inner = true
		for _, o := range loops {
			if o.end >= l.start && o.end < l.end {
				l.inner = false
			}
		}
		l.body = append(l.body, ".Lloop:")
		for _, in := range insts[l.start:l.end] {
			l.body = append(l.body, in.text)
		}
		mn := strings.Fields(insts[l.end].text)[0]
		branch := insts[l.end].text
		if b := strings.LastIndex(branch, " <"); b >= 0 {
			branch = branch[:b]
		}
		ops := strings.Split(strings.TrimPrefix(branch, mn), ",")
		ops[len(ops)-1] = " .Lloop"
		l.body = append(l.body, mn+strings.Join(ops, ","))
	}
	return loops
}

var arrangement = regexp.MustCompile(`v\d+\.(\d+)([sdh])`)

// flops counts the floating-point operations of one pass through the loop: FMLA 2 per
// lane, FADD, FMUL and FADDP 1 (FMAX counts none).
func flops(body []string) int {
	n := 0
	for _, s := range body {
		f := strings.Fields(s)
		if len(f) < 2 {
			continue
		}
		per := map[string]int{"fmla": 2, "fmls": 2, "fadd": 1, "fmul": 1, "fsub": 1, "faddp": 1, "fmadd": 2}[f[0]]
		if per == 0 {
			continue
		}
		lanesN := 1
		if m := arrangement.FindStringSubmatch(s); m != nil {
			lanesN, _ = strconv.Atoi(m[1])
		}
		n += per * lanesN
	}
	return n
}

// result is one loop on one core.
type result struct {
	cycles   float64 // per iteration
	bound    string  // the busiest pipe group, or "dispatch"
	busy     float64 // its utilization
	dispatch float64 // dispatch slots used
	latency  bool    // nothing saturated: a chain of dependent instructions binds
}

// saturated is the utilization above which a pipe group or dispatch counts as what binds
// the loop; below it on every one, a dependency chain does.
const saturated = 0.9

type mcaOut struct {
	CodeRegions []struct {
		SummaryView struct {
			DispatchWidth float64
			Iterations    float64
			TotalCycles   float64
			TotaluOps     float64
		}
		Instructions         []string
		ResourcePressureView struct {
			ResourcePressureInfo []struct {
				InstructionIndex int
				ResourceIndex    int
				ResourceUsage    float64
			}
		}
	}
	TargetInfo struct {
		Resources []string
	}
}

func analyse(mca string, c core, body []string, iterations int) result {
	cmd := exec.Command(mca, "-mtriple=aarch64", "-mcpu="+c.name, "-iterations="+strconv.Itoa(iterations), "-json")
	cmd.Stdin = strings.NewReader(strings.Join(body, "\n") + "\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		log.Fatalf("%s -mcpu=%s: %v\n%s\n%s", mca, c.name, err, stderr.String(), strings.Join(body, "\n"))
	}
	var m mcaOut
	if err := json.Unmarshal(out, &m); err != nil {
		log.Fatalf("%s: %v", mca, err)
	}
	region := m.CodeRegions[0]
	sv := region.SummaryView
	r := result{cycles: sv.TotalCycles / sv.Iterations}
	r.dispatch = sv.TotaluOps / sv.Iterations / sv.DispatchWidth / r.cycles
	// Resource pressure is per iteration; group the units of one kind (N1UnitL.0, .1).
	group := map[string]float64{}
	units := map[string]int{}
	for _, res := range m.TargetInfo.Resources {
		units[unitGroup(res)]++
	}
	for _, p := range region.ResourcePressureView.ResourcePressureInfo {
		if p.InstructionIndex >= len(region.Instructions) {
			continue // the total over all instructions
		}
		group[unitGroup(m.TargetInfo.Resources[p.ResourceIndex])] += p.ResourceUsage
	}
	names := make([]string, 0, len(group))
	for g := range group {
		names = append(names, g)
	}
	sort.Strings(names)
	r.bound, r.busy = "dispatch", r.dispatch
	for _, g := range names {
		if u := group[g] / float64(units[g]) / r.cycles; u > r.busy+1e-9 {
			r.bound, r.busy = g, u
		}
	}
	if r.busy < saturated {
		r.latency = true
	}
	return r
}

// unitGroup is a resource's kind: "N1UnitL.\x00" → "L", "V1UnitV0" → "V0".
func unitGroup(res string) string {
	if i := strings.IndexByte(res, '.'); i >= 0 {
		res = res[:i]
	}
	if i := strings.Index(res, "Unit"); i >= 0 {
		res = res[i+len("Unit"):]
	}
	return res
}

// row is one inner loop on every core.
type row struct {
	kernel, loop string
	body         []string
	flop         int
	results      []result
}

func print(rows []row) {
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	fmt.Fprintln(w, "llvm-mca model (not a measurement) of each NEON kernel's inner loops: per core,")
	fmt.Fprintln(w, "cycles per iteration · FLOP per cycle · % of the FP32 FMA peak.")
	fmt.Fprintln(w)
	fmt.Fprint(w, "| kernel | loop | FLOP/iter |")
	for _, c := range cores {
		fmt.Fprintf(w, " %s (%g FLOP/c) |", c.short, c.peak)
	}
	fmt.Fprint(w, "\n|---|---|--:|")
	for range cores {
		fmt.Fprint(w, "--:|")
	}
	fmt.Fprintln(w)
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %d |", r.kernel, r.loop, r.flop)
		for i, c := range cores {
			res := r.results[i]
			fpc := float64(r.flop) / res.cycles
			fmt.Fprintf(w, " %.2f · %.1f · %.0f%% |", res.cycles, fpc, 100*fpc/c.peak)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "What binds each loop: the busiest pipe group (llvm-mca's unit names: V, V0, V1 vector;")
	fmt.Fprintln(w, "L, L01, LS load (and store); S, D store or address; I, M integer; B branch) and its")
	fmt.Fprintln(w, "utilization, then the dispatch (front-end) utilization; \"latency\" when none of them")
	fmt.Fprintf(w, "reaches %.0f%%, so a chain of dependent instructions binds. The loops named ...One,\n", 100*saturated)
	fmt.Fprintln(w, "dot1, axpy1 and the like run only the last k mod sets steps or n mod 32 floats.")
	fmt.Fprintln(w)
	fmt.Fprint(w, "| kernel | loop |")
	for _, c := range cores {
		fmt.Fprintf(w, " %s |", c.short)
	}
	fmt.Fprint(w, "\n|---|---|")
	for range cores {
		fmt.Fprint(w, "---|")
	}
	fmt.Fprintln(w)
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s |", r.kernel, r.loop)
		for _, res := range r.results {
			switch {
			case res.latency && res.bound == "dispatch":
				fmt.Fprintf(w, " latency · dispatch %.0f%% |", 100*res.dispatch)
			case res.bound == "dispatch":
				fmt.Fprintf(w, " dispatch %.0f%% |", 100*res.dispatch)
			case res.latency:
				fmt.Fprintf(w, " latency; %s %.0f%% · dispatch %.0f%% |", res.bound, 100*res.busy, 100*res.dispatch)
			default:
				fmt.Fprintf(w, " %s %.0f%% · dispatch %.0f%% |", res.bound, 100*res.busy, 100*res.dispatch)
			}
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Peaks:")
	for _, c := range cores {
		fmt.Fprintf(w, "- %s (-mcpu=%s): %g FLOP/cycle, %s.\n", c.short, c.name, c.peak, c.note)
	}
}
