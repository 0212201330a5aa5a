// Command report reads `go test -bench` output and, optionally, the output of
// ../shared/peers/run.sh, and prints one table per family (SGEMM, Conv2D, Conv2DTranspose,
// Dense, ...) with the median GFLOPS of every implementation on every shape simdnn was
// measured on, then draws the same figures as grouped bars in a PNG. A go test run with
// GOMAXPROCS = N > 1 (the "-N" suffix) makes columns of their own, "impl×N"; so does a
// peers' run after a "# peers threads=N" line. `make bench` runs it:
//
//	go run ./cmd/report [-peers peers.txt] [-png gflops.png] out.txt...   (stdin without files)
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	peers := flag.String("peers", "", "output of ../shared/peers/run.sh, or a `file` whose \"# peers skipped: why\" says why not")
	png := flag.String("png", "", "write the bar chart to this PNG `file`")
	flag.Parse()
	if err := run(*peers, *png, flag.Args(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(peersPath, pngPath string, benchPaths []string, w io.Writer) error {
	r := newResults()
	if len(benchPaths) == 0 {
		if err := r.readGoBench(os.Stdin); err != nil {
			return err
		}
	}
	for _, path := range benchPaths {
		if err := readFile(path, r.readGoBench); err != nil {
			return err
		}
	}
	if len(r.families) == 0 {
		return fmt.Errorf("no benchmark reported GFLOPS")
	}
	if peersPath != "" {
		if err := readFile(peersPath, r.readPeers); err != nil {
			return err
		}
	}
	r.sortColumns()
	r.writeTables(w)
	if pngPath != "" {
		if err := r.writePlot(pngPath); err != nil {
			return err
		}
		fmt.Fprintf(w, "\nplot: %s\n", pngPath)
	}
	if len(r.failures) > 0 {
		return fmt.Errorf("%d benchmarks failed, the first: %s", len(r.failures), r.failures[0])
	}
	return nil
}

func readFile(path string, read func(io.Reader) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := read(f); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}
