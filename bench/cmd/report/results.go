// Command gflopstable reads `go test -bench` output on stdin and prints one row per shape
// with the median GFLOPS of each implementation, the implementations as columns, in the
// order they first appear. A run with GOMAXPROCS = N > 1 (go test's "-N" suffix) is its
// own column, "impl×N": simdnn's calls use GOMAXPROCS threads by default.
//
//	go test -bench . -count 5 | go run ./cmd/gflopstable
package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// A benchmark line: Benchmark<Group>/<impl>/<shape>-<procs> <iters> <ns> ns/op <g> GFLOPS
var line = regexp.MustCompile(`^Benchmark(\w+)/([^/\s]+)/(\S+?)(?:-(\d+))?\s.*?([\d.]+) GFLOPS`)

func main() {
	type key struct{ group, shape, impl string }
	samples := map[key][]float64{}
	var rows []key // group+shape, first-seen order
	var impls []string
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		g, _ := strconv.ParseFloat(m[5], 64)
		impl := m[2]
		if m[4] != "" {
			impl += "×" + m[4]
		}
		k := key{m[1], m[3], impl}
		samples[k] = append(samples[k], g)
		if row := (key{group: m[1], shape: m[3]}); !slices.Contains(rows, row) {
			rows = append(rows, row)
		}
		if !slices.Contains(impls, impl) {
			impls = append(impls, impl)
		}
	}
	fmt.Printf("%-28s", "median GFLOPS")
	for _, im := range impls {
		fmt.Printf(" %15s", im)
	}
	fmt.Println()
	for _, r := range rows {
		fmt.Printf("%-28s", strings.ToLower(r.group)+" "+r.shape)
		for _, im := range impls {
			s := samples[key{r.group, r.shape, im}]
			if len(s) == 0 {
				fmt.Printf(" %15s", "-")
				continue
			}
			fmt.Printf(" %15.1f", median(s))
		}
		fmt.Println()
	}
}

func median(s []float64) float64 {
	s = slices.Clone(s)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
