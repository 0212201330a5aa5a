package main

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// writeTables prints one table per family as padded Markdown: aligned in a terminal,
// and pasted into a README as it is.
func (r *results) writeTables(w io.Writer) {
	fmt.Fprintf(w, "\nmedian GFLOPS on %s; a column marked ×N ran on N threads (GOMAXPROCS=N), the others on 1;\n", cmp.Or(r.cpu, "this CPU"))
	fmt.Fprintln(w, "the ratios compare the best simdnn column with gonum, the best C peer and the FMA peak, on 1 thread")
	for _, f := range r.families {
		fmt.Fprintf(w, "\n%s%s\n", f.title, r.peakNote())
		rows := [][]string{f.header(r.peak[1] > 0)}
		for _, shape := range f.shapes {
			row := []string{shape}
			for _, im := range f.impls {
				if g, ok := f.median(shape, im); ok {
					row = append(row, fmt.Sprintf("%.1f", g))
				} else {
					row = append(row, "")
				}
			}
			rows = append(rows, append(row, f.ratios(shape, r.peak[1])...))
		}
		writeMarkdown(w, rows)
	}
	if r.overPeak() {
		fmt.Fprintln(w, "\nA figure above the one-core peak means that peak.c (run by run.sh) ran while the cores were busy: rerun.")
	}
	if r.peersNote != "" {
		fmt.Fprintf(w, "\nC peers and FMA peak skipped: %s\n", r.peersNote)
	}
}

func (r *results) peakNote() string {
	var parts []string
	for _, t := range slices.Sorted(maps.Keys(r.peak)) {
		parts = append(parts, fmt.Sprintf("%.0f on %s", r.peak[t], cores(t)))
	}
	if parts == nil {
		return ""
	}
	return "; FP32 FMA peak " + strings.Join(parts, ", ")
}

// overPeak reports whether some one-thread figure, simdnn's or a peer's, beats the
// one-core FMA peak measured.
func (r *results) overPeak() bool {
	for _, f := range r.families {
		for _, shape := range f.shapes {
			if g, ok := f.best(shape, 1, func(impl) bool { return true }); ok && r.peak[1] > 0 && g > r.peak[1] {
				return true
			}
		}
	}
	return false
}

func isSimdnn(im impl) bool { return im.kind() == simdnnColumn }
func isPeer(im impl) bool   { return im.kind() == peerColumn }

// isGonum is gonum's default build, not gonum-purego.
func isGonum(im impl) bool { return im.name == "gonum" }

// has reports whether the family has a one-thread column that keep accepts.
func (f *family) has(keep func(impl) bool) bool {
	return slices.ContainsFunc(f.impls, func(im impl) bool { return im.threads == 1 && keep(im) })
}

func (f *family) header(withPeak bool) []string {
	h := []string{"shape"}
	for _, im := range f.impls {
		h = append(h, im.String())
	}
	if f.has(isGonum) {
		h = append(h, "÷ gonum")
	}
	if f.has(isPeer) {
		h = append(h, "÷ best peer")
	}
	if withPeak {
		h = append(h, "% of peak")
	}
	return h
}

// ratios are the cells of the columns header adds after the figures, empty where a
// figure is missing.
func (f *family) ratios(shape string, peak float64) []string {
	ours, haveOurs := f.best(shape, 1, isSimdnn)
	var cells []string
	for _, keep := range []func(impl) bool{isGonum, isPeer} {
		if !f.has(keep) {
			continue
		}
		theirs, ok := f.best(shape, 1, keep)
		cells = append(cells, ratio(ours, theirs, haveOurs && ok, "%.2f"))
	}
	if peak > 0 {
		cells = append(cells, ratio(100*ours, peak, haveOurs, "%.0f%%"))
	}
	return cells
}

func ratio(a, b float64, ok bool, format string) string {
	if !ok || b == 0 {
		return ""
	}
	return fmt.Sprintf(format, a/b)
}

// writeMarkdown pads every column to its widest cell, counting runes (× is one).
func writeMarkdown(w io.Writer, rows [][]string) {
	width := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, cell := range row {
			width[i] = max(width[i], utf8.RuneCountInString(cell))
		}
	}
	line := func(cells []string, pad func(i int, cell string) string) {
		var b strings.Builder
		for i, cell := range cells {
			b.WriteString("| " + pad(i, cell) + " ")
		}
		fmt.Fprintln(w, b.String()+"|")
	}
	fill := func(i int, cell string) string { return strings.Repeat(" ", width[i]-utf8.RuneCountInString(cell)) }
	line(rows[0], func(i int, cell string) string { return cell + fill(i, cell) })
	line(rows[0], func(i int, _ string) string { return strings.Repeat("-", width[i]) })
	for _, row := range rows[1:] {
		// Shapes to the left, numbers to the right.
		line(row, func(i int, cell string) string {
			if i == 0 {
				return cell + fill(i, cell)
			}
			return fill(i, cell) + cell
		})
	}
}

func cores(n int) string {
	if n == 1 {
		return "1 core"
	}
	return fmt.Sprintf("%d cores", n)
}
