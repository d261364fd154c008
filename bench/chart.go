package main

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart size.
const (
	chartWidth  = 8 * vg.Inch
	chartHeight = 4.5 * vg.Inch
)

// series is one line (with points) of a chart.
type series struct {
	name string
	db   int // index of the DB, for the dash pattern
	pts  plotter.XYs
}

// ChartFiles returns the names of the chart files WriteResults writes for
// results: p50_<kind>.svg for each kind present, insert.svg and
// ratio_p50.svg.
func ChartFiles(results []*Result) []string {
	var names []string
	for _, k := range presentKinds(results) {
		names = append(names, "p50_"+k+".svg")
	}
	return append(names, "insert.svg", "ratio_p50.svg")
}

// presentKinds returns the kinds (in report order) some result holds.
func presentKinds(results []*Result) []string {
	var out []string
	for _, k := range kindNames(results) {
		if slices.ContainsFunc(results, func(r *Result) bool { return r.Kinds[k] != nil }) {
			out = append(out, k)
		}
	}
	return out
}

// renderCharts renders the SVG charts of results (sorted by DB, then Rows)
// for dir: per query kind p50_<kind>.svg (p50 latency against rows, for
// plaintext, phicrypt and each alternative), insert.svg (rows/s against
// rows) and ratio_p50.svg (phicrypt/plaintext p50 per kind against rows,
// with a reference line at 1).
func renderCharts(dir string, results []*Result) ([]file, error) {
	var out []file
	add := func(name, title, ylabel string, logY bool, ss []series, unity bool) error {
		b, err := drawChart(filepath.Join(dir, name), title, ylabel, logY, results, ss, unity)
		if err != nil {
			return err
		}
		out = append(out, file{name, b})
		return nil
	}
	groups := byDB(results)
	multi := len(groups) > 1
	label := func(name, db string) string {
		if multi {
			return name + " (" + db + ")"
		}
		return name
	}
	dbs := strings.Join(uniq(results, func(r *Result) string { return r.DB }), ", ")
	if dbs == "" {
		dbs = "no results"
	}

	for _, k := range presentKinds(results) {
		var ss []series
		for i, rs := range groups {
			db := rs[0].DB
			ss = append(ss,
				series{label("plaintext", db), i, points(rs, func(r *Result) float64 { return kindVal(r, k, func(kd *Kind) float64 { return kd.PlainP50US }) })},
				series{label("phicrypt", db), i, points(rs, func(r *Result) float64 { return kindVal(r, k, func(kd *Kind) float64 { return kd.PhicryptP50US }) })})
			for _, a := range altNames(rs, k) {
				ss = append(ss, series{label(a, db), i, points(rs, func(r *Result) float64 {
					return kindVal(r, k, func(kd *Kind) float64 {
						if al := kd.Alternatives[a]; al != nil {
							return al.P50US
						}
						return 0
					})
				})})
			}
		}
		title := fmt.Sprintf("%s: p50 latency, %s", k, dbs)
		if err := add("p50_"+k+".svg", title, "p50 latency (µs, log scale)", true, ss, false); err != nil {
			return nil, err
		}
	}

	var ins []series
	for i, rs := range groups {
		db := rs[0].DB
		ins = append(ins,
			series{label("plaintext", db), i, points(rs, func(r *Result) float64 { return r.Insert.PlainRowsS })},
			series{label("phicrypt", db), i, points(rs, func(r *Result) float64 { return r.Insert.PhicryptRowsS })})
	}
	if err := add("insert.svg", "insert throughput, "+dbs, "rows/s", false, ins, false); err != nil {
		return nil, err
	}

	var rat []series
	for i, rs := range groups {
		db := rs[0].DB
		for _, k := range presentKinds(rs) {
			rat = append(rat, series{label(k, db), i, points(rs, func(r *Result) float64 {
				if v, ok := ratioOf(r.Kinds[k]); ok {
					return v
				}
				return 0
			})})
		}
	}
	if err := add("ratio_p50.svg", "p50 ratio phicrypt / plaintext, "+dbs, "ratio p50 (phicrypt / plaintext)", false, rat, true); err != nil {
		return nil, err
	}
	return out, nil
}

func kindVal(r *Result, k string, f func(*Kind) float64) float64 {
	if kd := r.Kinds[k]; kd != nil {
		return f(kd)
	}
	return 0
}

// points returns (rows, f(r)) for the results where f is a positive number.
func points(rs []*Result, f func(*Result) float64) plotter.XYs {
	var xys plotter.XYs
	for _, r := range rs {
		if v := f(r); r.Rows > 0 && v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) {
			xys = append(xys, plotter.XY{X: float64(r.Rows), Y: v})
		}
	}
	return xys
}

// drawChart draws ss against rows (log x axis, ticks at the measured row
// counts) as an SVG document; path names the file in errors. logY makes the y axis logarithmic;
// unity adds a dashed horizontal reference line at y = 1.
func drawChart(path, title, ylabel string, logY bool, results []*Result, ss []series, unity bool) (svg []byte, err error) {
	defer func() {
		if e := recover(); e != nil {
			svg, err = nil, fmt.Errorf("draw %s: %v", path, e)
		}
	}()
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "rows (log scale)"
	p.Y.Label.Text = ylabel
	// The legend goes to the right of the plot, not over the data.
	leg := plot.NewLegend()
	leg.Top, leg.Left = true, true
	leg.YOffs = -vg.Points(24)
	p.Add(plotter.NewGrid())

	ymin, ymax := math.Inf(1), math.Inf(-1)
	for i, s := range ss {
		if len(s.pts) == 0 {
			continue
		}
		line, scatter, err := plotter.NewLinePoints(s.pts)
		if err != nil {
			return nil, fmt.Errorf("draw %s: %w", path, err)
		}
		line.Color = plotutil.Color(i)
		line.Dashes = plotutil.Dashes(s.db)
		scatter.Color = plotutil.Color(i)
		scatter.Shape = plotutil.Shape(i)
		scatter.Radius = vg.Points(3)
		p.Add(line, scatter)
		leg.Add(s.name, line, scatter)
		for _, pt := range s.pts {
			ymin, ymax = math.Min(ymin, pt.Y), math.Max(ymax, pt.Y)
		}
	}

	// x: log scale over the measured row counts, padded.
	var rows []int
	for _, r := range results {
		if r.Rows > 0 && !slices.Contains(rows, r.Rows) {
			rows = append(rows, r.Rows)
		}
	}
	slices.Sort(rows)
	xmin, xmax := 1000.0, 1_000_000.0
	if len(rows) > 0 {
		xmin, xmax = float64(rows[0]), float64(rows[len(rows)-1])
	}
	var xt plot.ConstantTicks
	for _, n := range rows {
		xt = append(xt, plot.Tick{Value: float64(n), Label: shortCount(n)})
	}
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = xt
	p.X.Min, p.X.Max = xmin/1.6, xmax*1.6

	if unity {
		ref, err := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: 1}, {X: p.X.Max, Y: 1}})
		if err != nil {
			return nil, fmt.Errorf("draw %s: %w", path, err)
		}
		ref.Color = color.Gray{Y: 96}
		ref.Dashes = []vg.Length{vg.Points(6), vg.Points(4)}
		p.Add(ref)
		leg.Add("parity (1)", ref)
		ymin, ymax = math.Min(ymin, 1), math.Max(ymax, 1)
	}
	if math.IsInf(ymin, 0) {
		ymin, ymax = 1, 10
	}

	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Min, p.Y.Max = ymin/2, ymax*2
		p.Y.Tick.Marker = plot.TickerFunc(logTicks)
	} else {
		p.Y.Min, p.Y.Max = 0, ymax*1.2
		p.Y.Tick.Marker = plot.TickerFunc(func(min, max float64) []plot.Tick {
			ts := plot.DefaultTicks{}.Ticks(min, max)
			for i := range ts {
				if ts[i].Label != "" {
					ts[i].Label = fmtTick(ts[i].Value)
				}
			}
			return ts
		})
	}
	// The x range was set before the reference line; plot.Add widens ranges
	// to the data, so set both again.
	p.X.Min, p.X.Max = xmin/1.6, xmax*1.6

	c := vgsvg.New(chartWidth, chartHeight)
	dc := draw.New(c)
	// Slack for viewers that lack the Liberation fonts the widths are
	// measured with and substitute wider ones.
	lw := leg.Rectangle(dc).Size().X*1.3 + vg.Points(12)
	p.Draw(draw.Crop(dc, 0, -lw, 0, 0))
	leg.Draw(draw.Crop(dc, chartWidth-lw+vg.Points(8), 0, 0, 0))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("draw %s: %w", path, err)
	}
	return buf.Bytes(), nil
}

// logTicks labels 1, 2 and 5 times each power of ten in [min, max] (only 1
// times when the range spans more than three decades) and marks the other
// integer multiples as minor ticks.
func logTicks(min, max float64) []plot.Tick {
	if min <= 0 || max <= min {
		return nil
	}
	wide := math.Log10(max/min) > 3
	var ts []plot.Tick
	for e := math.Floor(math.Log10(min)); e <= math.Ceil(math.Log10(max)); e++ {
		base := math.Pow(10, e)
		for m := 1; m < 10; m++ {
			v := base * float64(m)
			if v < min || v > max {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || (!wide && (m == 2 || m == 5)) {
				t.Label = fmtTick(v)
			}
			ts = append(ts, t)
		}
	}
	return ts
}

// fmtTick formats an axis value: thousands separators from 1,000 on, else
// up to two decimals.
func fmtTick(v float64) string {
	if math.Abs(v) >= 1000 {
		return printer.Sprintf("%.0f", v)
	}
	return trimFloat(v)
}

// shortCount formats a row count as 10k, 1M, 2.5M.
func shortCount(n int) string {
	switch {
	case n >= 1_000_000 && n%100_000 == 0:
		return trimFloat(float64(n)/1e6) + "M"
	case n >= 1000 && n%100 == 0:
		return trimFloat(float64(n)/1e3) + "k"
	default:
		return fmtCount(n)
	}
}
