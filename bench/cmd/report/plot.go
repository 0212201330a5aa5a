package main

import (
	"cmp"
	"fmt"
	"image/color"
	"maps"
	"os"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

const (
	panelHeight  = 3.4 * vg.Inch
	legendWidth  = 2.4 * vg.Inch
	headerHeight = 0.45 * vg.Inch
	// barPitch is the width each bar needs for the figure to stay readable; the figure
	// grows with the widest panel, from minWidth.
	barPitch = 0.13 * vg.Inch
	minWidth = 11 * vg.Inch
	// yAxisWidth is about what the Y axis, its ticks and label take of a panel.
	yAxisWidth = 0.8 * vg.Inch
	dpi        = 96
)

// palette is Tableau 10 and two more: one colour per implementation, the same in every
// panel; its ×N columns get the colour lightened.
var palette = []color.RGBA{
	{0x4e, 0x79, 0xa7, 0xff}, {0xf2, 0x8e, 0x2b, 0xff}, {0xe1, 0x57, 0x59, 0xff}, {0x76, 0xb7, 0xb2, 0xff},
	{0x59, 0xa1, 0x4f, 0xff}, {0xed, 0xc9, 0x48, 0xff}, {0xb0, 0x7a, 0xa1, 0xff}, {0xff, 0x9d, 0xa7, 0xff},
	{0x9c, 0x75, 0x5f, 0xff}, {0xba, 0xb0, 0xac, 0xff}, {0x2f, 0x4b, 0x7c, 0xff}, {0x8c, 0x61, 0x3c, 0xff},
}

// writePlot draws the PNG at path: a panel per family, in each a group of bars per shape
// with a bar per column, and the FMA peak at each thread count shown as a dashed line.
func (r *results) writePlot(path string) error {
	columns := r.allColumns()
	colors := colorsFor(columns)
	peakLines := map[int]*plotter.Function{}
	for t, g := range r.peak {
		line := plotter.NewFunction(func(float64) float64 { return g })
		line.Color = color.Gray{0x30}
		line.Width = vg.Points(1.5)
		line.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		if t > 1 {
			line.Color = color.Gray{0x90}
			line.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
		}
		peakLines[t] = line
	}

	mostBars := 0
	for _, f := range r.families {
		mostBars = max(mostBars, len(f.shapes)*len(f.impls))
	}
	width := max(minWidth, vg.Length(mostBars)*barPitch+legendWidth+yAxisWidth)
	height := headerHeight + vg.Length(len(r.families))*panelHeight
	img := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(dpi))
	dc := draw.New(img)

	header := draw.TextStyle{Color: color.Black, Font: font.From(plot.DefaultFont, 14), Handler: plot.DefaultTextHandler,
		XAlign: draw.XLeft, YAlign: draw.YTop}
	title := fmt.Sprintf("Median GFLOPS (higher is better), %s; ×N: on N threads", cmp.Or(r.cpu, "this CPU"))
	if r.overPeak() {
		title += "; the peak was measured on busy cores"
	}
	dc.FillText(header, vg.Point{X: 0.2 * vg.Inch, Y: height - 0.12*vg.Inch}, title)

	panels := draw.Crop(dc, 0, -legendWidth, 0, -headerHeight)
	tiles := draw.Tiles{Rows: len(r.families), Cols: 1, PadY: 0.15 * vg.Inch, PadLeft: 0.1 * vg.Inch}
	for i, f := range r.families {
		p := f.panel(colors, peakLines, width-legendWidth-yAxisWidth)
		p.Draw(tiles.At(panels, 0, i))
	}

	legend := plot.NewLegend()
	legend.Top, legend.Left = true, true
	legend.TextStyle.Font.Size = 11
	legend.Padding = vg.Points(3)
	legend.ThumbnailWidth = vg.Points(18)
	for _, im := range columns {
		legend.Add(im.String(), swatch{colors[im]})
	}
	for _, t := range slices.Sorted(maps.Keys(peakLines)) {
		legend.Add(fmt.Sprintf("FMA peak, %s: %.0f", cores(t), r.peak[t]), peakLines[t])
	}
	legend.Draw(draw.Crop(dc, width-legendWidth+0.15*vg.Inch, 0, 0, -headerHeight-0.3*vg.Inch))

	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(out); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// panel is one family's plot; plotWidth, about the width of its data area, sizes the bars.
func (f *family) panel(colors map[impl]color.Color, peakLines map[int]*plotter.Function, plotWidth vg.Length) *plot.Plot {
	p := plot.New()
	p.Title.Text = f.title
	p.Y.Label.Text = "GFLOPS"
	p.Y.Tick.Marker = plot.DefaultTicks{}
	p.NominalX(f.shapes...)
	barWidth := plotWidth / vg.Length(len(f.shapes)) * 0.85 / vg.Length(len(f.impls))
	top := 0.0
	for i, im := range f.impls {
		heights := make(plotter.Values, len(f.shapes))
		for j, shape := range f.shapes {
			heights[j], _ = f.median(shape, im) // a bar of 0 where not measured
			top = max(top, heights[j])
		}
		bars, err := plotter.NewBarChart(heights, barWidth)
		if err != nil { // only for negative or NaN heights, which no benchmark reports
			panic(err)
		}
		bars.Color = colors[im]
		bars.LineStyle.Width = 0
		bars.Offset = (vg.Length(i) - vg.Length(len(f.impls)-1)/2) * barWidth
		p.Add(bars)
	}
	threads := map[int]bool{}
	for _, im := range f.impls {
		threads[im.threads] = true
	}
	for t, line := range peakLines {
		if threads[t] {
			p.Add(line)
			top = max(top, line.F(0))
		}
	}
	p.X.Min, p.X.Max = -0.5, float64(len(f.shapes))-0.5
	p.Y.Min, p.Y.Max = 0, top*1.05
	return p
}

// allColumns lists every family's columns once, in the tables' order.
func (r *results) allColumns() []impl {
	var all []impl
	for _, f := range r.families {
		for _, im := range f.impls {
			if !slices.Contains(all, im) {
				all = append(all, im)
			}
		}
	}
	slices.SortStableFunc(all, columnOrder)
	return all
}

// colorsFor gives each implementation a palette colour, its ×N columns a lighter one.
func colorsFor(columns []impl) map[impl]color.Color {
	var names []string
	for _, im := range columns {
		if !slices.Contains(names, im.name) {
			names = append(names, im.name)
		}
	}
	colors := map[impl]color.Color{}
	for _, im := range columns {
		c := palette[slices.Index(names, im.name)%len(palette)]
		if im.threads > 1 {
			c = color.RGBA{lighten(c.R), lighten(c.G), lighten(c.B), 0xff}
		}
		colors[im] = c
	}
	return colors
}

func lighten(v uint8) uint8 { return v + (0xff-v)/2 }

// swatch is a legend entry's filled square.
type swatch struct{ color.Color }

func (s swatch) Thumbnail(c *draw.Canvas) {
	r := c.Rectangle
	c.FillPolygon(s.Color, []vg.Point{r.Min, {X: r.Min.X, Y: r.Max.Y}, r.Max, {X: r.Max.X, Y: r.Min.Y}})
}
