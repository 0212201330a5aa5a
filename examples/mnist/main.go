// Command mnist runs the Keras MNIST CNN that TF.js trained and saved in
// testdata/mnist on simdnn: it loads model.json and its weight shards as they are,
// prints the model's summary, classifies the held-out test digits, compares the
// probabilities with those TF.js computed for the same digits, and measures images per
// second at batch 1 and 64 on one thread and on every core, with the share of the time
// each layer takes.
//
//	cd examples/mnist && go run .
//	go run ./examples/mnist -model testdata/mnist -time 2s
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/simdnn/simdnn/internal/mnistgold"
	"github.com/simdnn/simdnn/keras"
	"github.com/simdnn/simdnn/kernels"
)

func main() {
	log.SetFlags(0)
	if err := run(os.Args[1:], os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("mnist", flag.ContinueOnError)
	dir := flags.String("model", "", "the directory of model.json, its shards and test.json (default: testdata/mnist of the module, found from the working directory up)")
	minTime := flags.Duration("time", time.Second, "how long each speed measurement runs at least")
	measure := flags.Bool("speed", true, "measure the speed")
	digits := flags.Int("n", 0, "classify only the first n test digits (0: all)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		var err error
		if *dir, err = findTestdata(); err != nil {
			return err
		}
	}

	m, err := keras.Load(*dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "simdnn on %s, %d cores (GOMAXPROCS %d); model %s\n\n", kernels.ISA(), runtime.NumCPU(), runtime.GOMAXPROCS(0), filepath.Join(*dir, "model.json"))
	fmt.Fprint(stdout, m.Summary())

	test, err := mnistgold.Load(*dir)
	if err != nil {
		return err
	}
	if size := test.H * test.W * test.C; size != m.InputSize() || test.Classes != m.OutputSize() {
		return fmt.Errorf("test set of %d-value images and %d classes, model of %d and %d", size, test.Classes, m.InputSize(), m.OutputSize())
	}
	if *digits > 0 && *digits < test.Count {
		test.Count = *digits
	}
	if err := classify(stdout, m, test); err != nil {
		return err
	}
	if !*measure {
		return nil
	}

	fmt.Fprintf(stdout, "\nImages per second, the median (and best) of 5 rounds, %v in all:\n", *minTime)
	threads := []int{1}
	if n := runtime.GOMAXPROCS(0); n > 1 {
		threads = append(threads, n)
	}
	batches := []int{1, 64}
	share := map[[2]int][]time.Duration{}
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "threads\tbatch 1\tbatch 64\t")
	for _, th := range threads {
		kernels.SetMaxThreads(th)
		fmt.Fprintf(w, "%d\t", th)
		for _, b := range batches {
			median, best, elapsed, err := speed(m, test, b, *minTime)
			if err != nil {
				return err
			}
			share[[2]int{th, b}] = elapsed
			fmt.Fprintf(w, "%.0f (%.0f)\t", median, best)
		}
		fmt.Fprintln(w)
	}
	kernels.SetMaxThreads(0)
	w.Flush()

	fmt.Fprintln(stdout, "\nShare of Predict's time per layer (PredictTimed):")
	fmt.Fprintf(stdout, "%-30s", "layer")
	for _, th := range threads {
		for _, b := range batches {
			fmt.Fprintf(stdout, "%14s", fmt.Sprintf("%d thr, b%d", th, b))
		}
	}
	fmt.Fprintln(stdout)
	for i, l := range m.Layers() {
		fmt.Fprintf(stdout, "%-30s", l.Name+" ("+l.Class+")")
		for _, th := range threads {
			for _, b := range batches {
				e := share[[2]int{th, b}]
				var total time.Duration
				for _, d := range e {
					total += d
				}
				fmt.Fprintf(stdout, "%13.1f%%", 100*float64(e[i])/float64(total))
			}
		}
		fmt.Fprintln(stdout)
	}
	return nil
}

// classify runs the model on every test digit and prints the accuracy and the
// agreement with TF.js's probabilities.
func classify(stdout io.Writer, m *keras.Model, test *mnistgold.Set) error {
	const batch = 64
	probs := make([]float32, test.Count*test.Classes)
	for i := 0; i < test.Count; i += batch {
		n := min(batch, test.Count-i)
		if err := m.Predict(probs[i*test.Classes:], test.Images[i*m.InputSize():], n); err != nil {
			return err
		}
	}
	correct, agree, tfjsCorrect := 0, 0, 0
	maxDiff := 0.0
	for i := range test.Count {
		p, q := probs[i*test.Classes:(i+1)*test.Classes], test.Prob(i)
		if mnistgold.Argmax(p) == test.Labels[i] {
			correct++
		}
		if mnistgold.Argmax(q) == test.Labels[i] {
			tfjsCorrect++
		}
		if mnistgold.Argmax(p) == mnistgold.Argmax(q) {
			agree++
		}
		for k := range p {
			maxDiff = math.Max(maxDiff, math.Abs(float64(p[k])-float64(q[k])))
		}
	}
	fmt.Fprintf(stdout, "\n%d test digits: accuracy %.1f%% (%d correct; TF.js %d)\n", test.Count, 100*float64(correct)/float64(test.Count), correct, tfjsCorrect)
	fmt.Fprintf(stdout, "agreement with TF.js: the same class for %d of %d digits, probabilities within max |Δp| = %.2g\n", agree, test.Count, maxDiff)
	return nil
}

// speed runs Predict on batches of test digits, after a warm-up call, in five rounds
// of at least minTime/5 each, and returns the median and the best round's images per
// second (on a shared machine, the best is the closest to what the code can do), and
// the time each layer took in a few more calls (PredictTimed).
func speed(m *keras.Model, test *mnistgold.Set, batch int, minTime time.Duration) (median, best float64, layers []time.Duration, err error) {
	size := m.InputSize()
	src := make([]float32, batch*size)
	for i := range batch {
		copy(src[i*size:], test.Image(i%test.Count))
	}
	dst := make([]float32, batch*m.OutputSize())
	if err := m.Predict(dst, src, batch); err != nil {
		return 0, 0, nil, err
	}
	var rates []float64
	calls := 0
	for range 5 {
		n := 0
		start := time.Now()
		for time.Since(start) < minTime/5 || n < 2 {
			m.Predict(dst, src, batch)
			n++
		}
		rates = append(rates, float64(batch*n)/time.Since(start).Seconds())
		calls += n
	}
	slices.Sort(rates)
	elapsed := make([]time.Duration, len(m.Layers()))
	for range max(calls/5, 3) {
		m.PredictTimed(dst, src, batch, elapsed)
	}
	return rates[len(rates)/2], rates[len(rates)-1], elapsed, nil
}

// findTestdata returns testdata/mnist of the module, looked for from the working
// directory up (examples/mnist, the module root, or anywhere in between).
func findTestdata() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		p := filepath.Join(d, "testdata", "mnist")
		if _, err := os.Stat(filepath.Join(p, "model.json")); err == nil {
			if rel, err := filepath.Rel(wd, p); err == nil {
				return rel, nil
			}
			return p, nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("testdata/mnist/model.json not found from the working directory up: give -model")
		}
	}
}
