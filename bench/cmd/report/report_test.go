package main

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// goTestOutput is `go test -bench` output as make bench writes it: a one-thread run and a
// two-thread run (the -2 suffix), families out of the tables' order.
const goTestOutput = `goos: linux
goarch: amd64
pkg: github.com/simdnn/simdnn/bench
cpu: Test CPU
BenchmarkConv/simdnn-avx512/56x56x64-64-s1         	     100	    100 ns/op	       150.0 GFLOPS
BenchmarkDense/simdnn-avx512/9216x128-batch1       	    1844	 193564 ns/op	        24.38 GB/s	        12.0 GFLOPS
BenchmarkDense/gonum/9216x128-batch1               	    1170	 291831 ns/op	        16.17 GB/s	         8.0 GFLOPS
BenchmarkSgemm/simdnn-avx512/256x256x256           	     100	    100 ns/op	       170.0 GFLOPS
BenchmarkSgemm/simdnn-avx512/256x256x256           	     100	    100 ns/op	       160.0 GFLOPS
BenchmarkSgemm/simdnn-avx512/256x256x256           	     100	    100 ns/op	       100.0 GFLOPS
BenchmarkSgemm/gonum/256x256x256                   	     100	    100 ns/op	        10.0 GFLOPS
BenchmarkSgemm/simdnn-avx512/1x4096x4096           	     100	    100 ns/op	        12.0 GFLOPS
PASS
BenchmarkSgemm/simdnn-avx512/256x256x256-2         	     100	    100 ns/op	       300.0 GFLOPS
BenchmarkConv/simdnn-avx512/56x56x64-64-s1-2       	     100	    100 ns/op	       280.0 GFLOPS
PASS
`

// peersOutput is what the Makefile writes from run.sh, trimmed: the thread marker, the
// peak, a shape simdnn did not run, and a 1×1 conv whose H, Cin, Cout match a 3×3 row.
const peersOutput = `# peers threads=1
clock_est_GHz(dependent-add chain, best of 3) 1.375
avx2_256   threads=1 best 90.0 GFLOPS median 88.0 GFLOPS | per-core best 90.0
avx512_512 threads=1 best 180.0 GFLOPS median 170.0 GFLOPS | per-core best 180.0
avx512_512 threads=2 best 360.0 GFLOPS median 350.0 GFLOPS | per-core best 180.0
# OpenBLAS config: OpenBLAS 0.3.21 | corename: SkylakeX | threads: 1
openblas  M=256   N=256   K=256   best   152.4  median   145.0 GFLOPS  (batches=180 x7)
openblas  M=512   N=512   K=512   best   154.7  median   148.6 GFLOPS  (batches=81 x2)
onednn    M=256   N=256   K=256   best   170.9  median   140.0 GFLOPS  (batches=97 x11)
dnnl-direct H=56  Cin=64  Cout=64  s=1 k=3 ->  56x56  best   167.6  median   148.0 GFLOPS  [brgconv:avx512_core]
dnnl-direct H=56  Cin=64  Cout=64  s=1 k=1 ->  56x56  best   172.1  median   999.0 GFLOPS  [brgconv_1x1:avx512_core]
xnnpack     H=56  Cin=64  Cout=64  s=1 ->  56x56  best   140.0  median   120.0 GFLOPS  (batches=88 x2)
`

func report(t *testing.T, bench, peers string, withPNG bool) (out string, pngPath string, err error) {
	t.Helper()
	dir := t.TempDir()
	benchPath := filepath.Join(dir, "out.txt")
	if err := os.WriteFile(benchPath, []byte(bench), 0o644); err != nil {
		t.Fatal(err)
	}
	var peersPath string
	if peers != "" {
		peersPath = filepath.Join(dir, "peers.txt")
		if err := os.WriteFile(peersPath, []byte(peers), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if withPNG {
		pngPath = filepath.Join(dir, "gflops.png")
	}
	var b strings.Builder
	err = run(peersPath, pngPath, []string{benchPath}, &b)
	return b.String(), pngPath, err
}

// row returns the table line of shape under the heading that starts with title.
func row(t *testing.T, out, title, shape string) string {
	t.Helper()
	_, table, ok := strings.Cut(out, "\n"+title)
	if !ok {
		t.Fatalf("no table %q in\n%s", title, out)
	}
	table, _, _ = strings.Cut(table, "\n\n")
	for _, line := range strings.Split(table, "\n") {
		if strings.HasPrefix(line, "| "+shape+" ") {
			return strings.Join(strings.Fields(line), " ")
		}
	}
	t.Fatalf("no row %q in table %q:\n%s", shape, title, table)
	return ""
}

func TestTablesWithPeers(t *testing.T) {
	out, _, err := report(t, goTestOutput, peersOutput, false)
	if err != nil {
		t.Fatal(err)
	}
	// Columns: one thread (simdnn, gonum, peers), then two; then the ratios. The median of
	// 170, 160, 100 is 160; the best peer is OpenBLAS's 145; the peak 180.
	for _, c := range []struct{ title, shape, want string }{
		{"SGEMM", "shape", "| shape | simdnn-avx512 | gonum | openblas | onednn | simdnn-avx512×2 | ÷ gonum | ÷ best peer | % of peak |"},
		{"SGEMM", "256x256x256", "| 256x256x256 | 160.0 | 10.0 | 145.0 | 140.0 | 300.0 | 16.00 | 1.10 | 89% |"},
		{"SGEMM", "1x4096x4096", "| 1x4096x4096 | 12.0 | | | | | | | 7% |"},
		// The 1×1 layer's 999 is not the 3×3 row's.
		{"Conv2D", "56x56x64-64-s1", "| 56x56x64-64-s1 | 150.0 | 148.0 | 120.0 | 280.0 | 1.01 | 83% |"},
		{"Dense", "9216x128-batch1", "| 9216x128-batch1 | 12.0 | 8.0 | 1.50 | 7% |"},
	} {
		if got := row(t, out, c.title, c.shape); got != c.want {
			t.Errorf("%s %s:\n got %s\nwant %s", c.title, c.shape, got, c.want)
		}
	}
	// Tables in the order SGEMM, Conv2D, Dense whatever the order run; no peer-only rows.
	if s, c, d := strings.Index(out, "\nSGEMM"), strings.Index(out, "\nConv2D"), strings.Index(out, "\nDense"); !(s < c && c < d) {
		t.Errorf("tables out of order:\n%s", out)
	}
	if strings.Contains(out, "512x512x512") {
		t.Errorf("a shape simdnn did not run has a row:\n%s", out)
	}
	if !strings.Contains(out, "FP32 FMA peak 180 on 1 core, 360 on 2 cores") {
		t.Errorf("peak missing:\n%s", out)
	}
	if strings.Contains(out, "skipped") || strings.Contains(out, "above the one-core peak") {
		t.Errorf("notes that do not apply:\n%s", out)
	}
}

func TestPeersSkipped(t *testing.T) {
	out, _, err := report(t, goTestOutput, "# peers skipped: ../shared/peers/run.sh not found\n", false)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "C peers and FMA peak skipped: ../shared/peers/run.sh not found") {
		t.Errorf("no note:\n%s", out)
	}
	if got, want := row(t, out, "SGEMM", "shape"), "| shape | simdnn-avx512 | gonum | simdnn-avx512×2 | ÷ gonum |"; got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

func TestPeakBelowAFigure(t *testing.T) {
	peers := "# peers threads=1\navx512_512 threads=1 best 110.0 GFLOPS median 88.5 GFLOPS\n"
	out, _, err := report(t, goTestOutput, peers, false)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "above the one-core peak") {
		t.Errorf("160 GFLOPS against a 110 peak without a word:\n%s", out)
	}
}

func TestFailedBenchmark(t *testing.T) {
	_, _, err := report(t, goTestOutput+"--- FAIL: BenchmarkConv/simdnn-avx512/7x7x512-512-s1\nFAIL\n", "", false)
	if err == nil || !strings.Contains(err.Error(), "BenchmarkConv/simdnn-avx512/7x7x512-512-s1") {
		t.Errorf("err = %v, want the failed benchmark", err)
	}
}

func TestNoBenchmarks(t *testing.T) {
	if _, _, err := report(t, "PASS\n", "", false); err == nil {
		t.Error("no error for output without GFLOPS")
	}
}

func TestPlot(t *testing.T) {
	_, path, err := report(t, goTestOutput, peersOutput, true)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// Three panels of 3.4 in and the header, at 96 dpi; the minimum width.
	if b := img.Bounds(); b.Dx() != 11*dpi || b.Dy() < 3*326 {
		t.Errorf("image %v, want 1056 wide and three panels high", b)
	}
}
