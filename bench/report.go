package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// ResultsFile is the name of the JSON results file in an output directory.
const ResultsFile = "results.json"

// ReportFile is the name of the markdown report in an output directory.
const ReportFile = "results.md"

// WriteResults merges results into dir/results.json (creating dir): an
// existing entry with the same DB and Rows as a new one is replaced, the
// others are kept, and the list is sorted by DB, then Rows. It then writes
// results.json, results.md and the charts (see renderCharts) from the merged
// list. Each file is written to a temporary file in dir and renamed into
// place. An existing results.json that does not parse is an error naming it,
// and then nothing is written.
func WriteResults(dir string, results []*Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	old, err := ReadResults(dir)
	if err != nil {
		return err
	}
	merged := MergeResults(old, results)
	js, err := json.MarshalIndent(merged, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", filepath.Join(dir, ResultsFile), err)
	}
	// Render everything before writing anything.
	charts, err := renderCharts(dir, merged)
	if err != nil {
		return err
	}
	files := []file{
		{ResultsFile, append(js, '\n')},
		{ReportFile, []byte(Markdown(merged))},
	}
	for _, f := range append(files, charts...) {
		if err := writeFileAtomic(filepath.Join(dir, f.name), f.data); err != nil {
			return err
		}
	}
	return nil
}

// file is the name and content of an output file.
type file struct {
	name string
	data []byte
}

// ReadResults reads dir/results.json. A missing file is no results and no
// error; a file that does not parse is an error naming it.
func ReadResults(dir string) ([]*Result, error) {
	path := filepath.Join(dir, ResultsFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var rs []*Result
	if err := json.Unmarshal(b, &rs); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	return slices.DeleteFunc(rs, func(r *Result) bool { return r == nil }), nil
}

// MergeResults returns old with the entries of add replacing those of the
// same DB and Rows, sorted by DB, then Rows. Nil entries are dropped; of
// several new entries with the same key the last wins.
func MergeResults(old, add []*Result) []*Result {
	type key struct {
		db   string
		rows int
	}
	byKey := map[key]*Result{}
	for _, rs := range [][]*Result{old, add} {
		for _, r := range rs {
			if r != nil {
				byKey[key{r.DB, r.Rows}] = r
			}
		}
	}
	out := make([]*Result, 0, len(byKey))
	for _, r := range byKey {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].DB != out[j].DB {
			return out[i].DB < out[j].DB
		}
		return out[i].Rows < out[j].Rows
	})
	return out
}

// writeFileAtomic writes data to a temporary file beside path and renames it
// to path, so that a reader never sees a half-written file.
func writeFileAtomic(path string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			err = fmt.Errorf("write %s: %w", path, err)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// byDB groups sorted results by DB, keeping the order.
func byDB(results []*Result) [][]*Result {
	var groups [][]*Result
	for _, r := range results {
		if n := len(groups); n > 0 && groups[n-1][0].DB == r.DB {
			groups[n-1] = append(groups[n-1], r)
			continue
		}
		groups = append(groups, []*Result{r})
	}
	return groups
}

// kindNames returns KindNames followed by any other kinds the results hold,
// sorted.
func kindNames(results []*Result) []string {
	names := slices.Clone(KindNames)
	var extra []string
	for _, r := range results {
		for k := range r.Kinds {
			if !slices.Contains(names, k) && !slices.Contains(extra, k) {
				extra = append(extra, k)
			}
		}
	}
	sort.Strings(extra)
	return append(names, extra...)
}

// altNames returns the sorted names of the alternatives of kind k in results.
func altNames(results []*Result, k string) []string {
	var names []string
	for _, r := range results {
		if kd := r.Kinds[k]; kd != nil {
			for a := range kd.Alternatives {
				if !slices.Contains(names, a) {
					names = append(names, a)
				}
			}
		}
	}
	sort.Strings(names)
	return names
}

var printer = message.NewPrinter(language.English)

// fmtUS formats microseconds: one decimal under 100, else an integer with
// thousands separators; "—" for no value.
func fmtUS(v float64) string {
	switch {
	case v <= 0 || math.IsNaN(v) || math.IsInf(v, 0):
		return "—"
	case v < 100:
		return fmt.Sprintf("%.1f", v)
	default:
		return printer.Sprintf("%.0f", v)
	}
}

// fmtRatio formats a ratio with two decimals (and thousands separators);
// "—" for no value.
func fmtRatio(v float64) string {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	return printer.Sprintf("%.2f", v)
}

// fmtInt formats a number as an integer with thousands separators; "—" for
// no value.
func fmtInt(v float64) string {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	return printer.Sprintf("%.0f", v)
}

// fmtCount formats a count with thousands separators (0 included).
func fmtCount(n int) string { return printer.Sprintf("%d", n) }

// fmtMean formats a mean row count: two decimals under 100, else an integer.
func fmtMean(v float64) string {
	if v < 100 {
		return fmt.Sprintf("%.2f", v)
	}
	return printer.Sprintf("%.0f", v)
}

func lat3(p50, p95, p99 float64) string {
	return fmtUS(p50) + " / " + fmtUS(p95) + " / " + fmtUS(p99)
}

// uniq returns the distinct non-empty strings of f over rs, in order.
func uniq(rs []*Result, f func(*Result) string) []string {
	var out []string
	for _, r := range rs {
		if s := f(r); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func machineString(m Machine) string {
	var parts []string
	if m.OS != "" || m.Arch != "" {
		parts = append(parts, m.OS+"/"+m.Arch)
	}
	if m.CPUModel != "" {
		parts = append(parts, m.CPUModel)
	}
	if m.CPUs > 0 {
		parts = append(parts, fmt.Sprintf("%d CPUs", m.CPUs))
	}
	if m.MemoryGiB > 0 {
		parts = append(parts, fmt.Sprintf("%d GiB", m.MemoryGiB))
	}
	if m.GoVersion != "" {
		parts = append(parts, m.GoVersion)
	}
	return strings.Join(parts, ", ")
}

// Markdown renders results (sorted by DB, then Rows, as MergeResults
// returns them) as the results.md report.
func Markdown(results []*Result) string {
	var b strings.Builder
	b.WriteString("# phicrypt benchmark results\n\n")
	if len(results) == 0 {
		b.WriteString("No results.\n")
		return b.String()
	}
	b.WriteString("Latencies are end to end (query, fetch, decrypt, drop false positives) in µs, " +
		"as p50 / p95 / p99; ratios are phicrypt over plaintext.\n")
	for _, rs := range byDB(results) {
		writeDBSection(&b, rs)
	}
	return b.String()
}

func writeDBSection(b *strings.Builder, rs []*Result) {
	db := rs[0].DB
	fmt.Fprintf(b, "\n## %s", db)
	if v := uniq(rs, func(r *Result) string { return r.DBVersion }); len(v) > 0 {
		fmt.Fprintf(b, " — %s", strings.Join(v, ", "))
	}
	b.WriteString("\n\n")
	if m := uniq(rs, func(r *Result) string { return machineString(r.Machine) }); len(m) > 0 {
		fmt.Fprintf(b, "Machine: %s.\n", strings.Join(m, "; "))
	}

	kinds := kindNames(rs)
	for _, r := range rs {
		fmt.Fprintf(b, "\n### %s rows\n\n", fmtCount(r.Rows))
		var run []string
		if !r.Started.IsZero() {
			run = append(run, "started "+r.Started.UTC().Format(time.RFC3339))
		}
		if r.Seconds > 0 {
			run = append(run, fmt.Sprintf("%.0f s", r.Seconds))
		}
		if r.Queries > 0 {
			run = append(run, fmtCount(r.Queries)+" queries per kind")
		}
		run = append(run, fmt.Sprintf("seed %d", r.Seed))
		fmt.Fprintf(b, "Run: %s.\n\n", strings.Join(run, ", "))

		b.WriteString("| kind | plaintext p50 / p95 / p99 µs | phicrypt p50 / p95 / p99 µs | ratio p50 | ratio p99 | rows/query | misses |\n")
		b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
		var alts []string
		for _, k := range kinds {
			kd := r.Kinds[k]
			if kd == nil {
				continue
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s |\n", k,
				lat3(kd.PlainP50US, kd.PlainP95US, kd.PlainP99US),
				lat3(kd.PhicryptP50US, kd.PhicryptP95US, kd.PhicryptP99US),
				fmtRatio(kd.RatioP50), fmtRatio(kd.RatioP99), fmtMean(kd.RowsPerQuery), fmtCount(kd.Misses))
			for _, a := range altNames([]*Result{r}, k) {
				al := kd.Alternatives[a]
				if al == nil {
					continue
				}
				alts = append(alts, fmt.Sprintf("| %s — %s | %s | %s |\n", k, a,
					lat3(al.P50US, al.P95US, al.P99US), fmtRatio(al.RatioP50)))
			}
		}
		if len(alts) > 0 {
			b.WriteString("\nAlternatives (ratio over the plaintext p50 of the same kind):\n\n")
			b.WriteString("| kind — alternative | p50 / p95 / p99 µs | ratio p50 |\n")
			b.WriteString("| --- | ---: | ---: |\n")
			for _, a := range alts {
				b.WriteString(a)
			}
		}
	}

	b.WriteString("\n### Insert\n\n")
	b.WriteString("| rows | plaintext rows/s | phicrypt rows/s | ratio | batch |\n")
	b.WriteString("| ---: | ---: | ---: | ---: | ---: |\n")
	for _, r := range rs {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", fmtCount(r.Rows),
			fmtInt(r.Insert.PlainRowsS), fmtInt(r.Insert.PhicryptRowsS), fmtRatio(r.Insert.Ratio), fmtCount(r.Insert.Batch))
	}

	cipherstash := slices.ContainsFunc(rs, func(r *Result) bool { return r.Storage.CipherstashBytesPerRow > 0 })
	b.WriteString("\n### Storage (bytes per row, table and indexes)\n\n")
	if cipherstash {
		b.WriteString("| rows | plaintext | phicrypt | ratio | cipherstash |\n| ---: | ---: | ---: | ---: | ---: |\n")
	} else {
		b.WriteString("| rows | plaintext | phicrypt | ratio |\n| ---: | ---: | ---: | ---: |\n")
	}
	for _, r := range rs {
		fmt.Fprintf(b, "| %s | %s | %s | %s |", fmtCount(r.Rows),
			fmtInt(r.Storage.PlainBytesPerRow), fmtInt(r.Storage.PhicryptBytesPerRow), fmtRatio(r.Storage.Ratio))
		if cipherstash {
			fmt.Fprintf(b, " %s |", fmtInt(r.Storage.CipherstashBytesPerRow))
		}
		b.WriteString("\n")
	}

	b.WriteString("\n### Key-service calls\n\n")
	b.WriteString("| rows | kms_calls | keysets |\n| ---: | ---: | ---: |\n")
	for _, r := range rs {
		fmt.Fprintf(b, "| %s | %s | %s |\n", fmtCount(r.Rows), fmtCount(r.KMSCalls), fmtCount(r.Keysets))
	}

	goals := GoalRows(rs)
	b.WriteString("\n### Goals\n\n")
	if n := rs[len(rs)-1].Rows; n > 0 {
		fmt.Fprintf(b, "The goals are stated at 1,000,000 rows; here they are evaluated at %s rows, the largest row count measured", fmtCount(n))
		if n != goalRows {
			b.WriteString(" (not the stated size)")
		}
		b.WriteString(".\n\n")
	}
	b.WriteString("| goal | measured | target | verdict |\n| --- | --- | --- | --- |\n")
	for _, g := range goals {
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", g.Goal, g.Measured, g.Target, g.Verdict)
	}
}

// FormatGoals renders goal rows as a plain-text table (for a terminal).
func FormatGoals(goals []GoalRow) string {
	var buf bytes.Buffer
	w := [5]int{len("db"), len("rows"), len("goal"), len("measured"), len("target")}
	cells := func(g GoalRow) [6]string {
		rows := "—"
		if g.Rows > 0 {
			rows = fmtCount(g.Rows)
		}
		return [6]string{g.DB, rows, g.Goal, g.Measured, g.Target, g.Verdict}
	}
	for _, g := range goals {
		c := cells(g)
		for i := range w {
			w[i] = max(w[i], len([]rune(c[i])))
		}
	}
	line := func(c [6]string) {
		for i := range w {
			buf.WriteString(c[i])
			buf.WriteString(strings.Repeat(" ", w[i]-len([]rune(c[i]))+2))
		}
		buf.WriteString(c[5])
		buf.WriteString("\n")
	}
	line([6]string{"db", "rows", "goal", "measured", "target", "verdict"})
	for _, g := range goals {
		line(cells(g))
	}
	return buf.String()
}

// Goal verdicts.
const (
	Met         = "met"
	Missed      = "missed"
	NotMeasured = "not measured"
)

// goalRows is the table size the goals are stated at; growthBaseRows the
// size the equality growth goal compares against.
const (
	goalRows       = 1_000_000
	growthBaseRows = 10_000
)

// GoalRow is one goal of BENCH11 evaluated on one database's results.
type GoalRow struct {
	DB string
	// Rows is the row count the goal was evaluated at (the largest one of
	// the DB's results; for the growth goals 1,000,000), 0 when not
	// measured.
	Rows     int
	Goal     string
	Measured string
	Target   string
	// Verdict is Met, Missed or NotMeasured.
	Verdict string
}

// GoalRows evaluates the goals of BENCH11 on results, per DB (sorted by
// name), each at the DB's largest row count; the growth goals compare
// 1,000,000 rows with 10,000 rows and are not measured unless both are
// present. Of several results with the same DB and Rows the last counts.
func GoalRows(results []*Result) []GoalRow {
	rs := MergeResults(nil, results)
	var out []GoalRow
	for _, g := range byDB(rs) {
		out = append(out, dbGoals(g)...)
	}
	return out
}

func verdict(ok bool) string {
	if ok {
		return Met
	}
	return Missed
}

// ratioOf returns kd's p50 ratio, computing it from the p50s if it is not
// set; ok is false when it cannot be known.
func ratioOf(kd *Kind) (float64, bool) {
	if kd == nil {
		return 0, false
	}
	if kd.RatioP50 > 0 {
		return kd.RatioP50, true
	}
	if kd.PlainP50US > 0 && kd.PhicryptP50US > 0 {
		return kd.PhicryptP50US / kd.PlainP50US, true
	}
	return 0, false
}

// dbGoals evaluates the goals on the results of one DB, sorted by Rows.
func dbGoals(rs []*Result) []GoalRow {
	top := rs[len(rs)-1]
	db := top.DB
	var out []GoalRow
	add := func(rows int, goal, measured, target, v string) {
		if v == NotMeasured {
			rows = 0
			if measured == "" {
				measured = "—"
			}
		}
		out = append(out, GoalRow{DB: db, Rows: rows, Goal: goal, Measured: measured, Target: target, Verdict: v})
	}

	ratioGoal := func(k string, limit float64) {
		goal := k + " ratio p50"
		target := "≤ " + trimFloat(limit)
		if r, ok := ratioOf(top.Kinds[k]); ok {
			add(top.Rows, goal, fmtRatio(r), target, verdict(r <= limit))
		} else {
			add(0, goal, "", target, NotMeasured)
		}
	}
	ratioGoal("eq_ssn", 1.5)
	ratioGoal("eq_compound", 1.5)
	ratioGoal("prefix3", 3)
	ratioGoal("prefix5", 3)

	for _, k := range []string{"prefix3", "prefix5"} {
		goal := k + " phicrypt p50 vs cipherstash"
		target := "< cipherstash p50"
		kd := top.Kinds[k]
		var alt *Alt
		if kd != nil {
			alt = kd.Alternatives["cipherstash"]
		}
		switch {
		case kd != nil && alt != nil && kd.PhicryptP50US > 0 && alt.P50US > 0:
			add(top.Rows, goal, fmtUS(kd.PhicryptP50US)+" vs "+fmtUS(alt.P50US)+" µs", target,
				verdict(kd.PhicryptP50US < alt.P50US))
		case k == "prefix5":
			// CipherStash is measured on prefix3 only; no row unless present.
		case db != "postgres":
			add(0, goal, "postgres only", target, NotMeasured)
		default:
			add(0, goal, "", target, NotMeasured)
		}
	}

	{
		goal := "contains phicrypt p50 vs plaintext"
		target := "< plaintext p50 (LIKE, no trigram index)"
		if kd := top.Kinds["contains"]; kd != nil && kd.PhicryptP50US > 0 && kd.PlainP50US > 0 {
			add(top.Rows, goal, fmtUS(kd.PhicryptP50US)+" vs "+fmtUS(kd.PlainP50US)+" µs", target,
				verdict(kd.PhicryptP50US < kd.PlainP50US))
		} else {
			add(0, goal, "", target, NotMeasured)
		}
	}

	{
		goal := "insert ratio"
		target := "≥ 0.5"
		r := top.Insert.Ratio
		if r <= 0 && top.Insert.PlainRowsS > 0 && top.Insert.PhicryptRowsS > 0 {
			r = top.Insert.PhicryptRowsS / top.Insert.PlainRowsS
		}
		if r > 0 {
			add(top.Rows, goal, fmtRatio(r), target, verdict(r >= 0.5))
		} else {
			add(0, goal, "", target, NotMeasured)
		}
	}

	{
		goal := "kms_calls vs keysets"
		if top.Keysets > 0 {
			add(top.Rows, goal, fmtCount(top.KMSCalls), fmt.Sprintf("≤ %s keysets", fmtCount(top.Keysets)),
				verdict(top.KMSCalls <= top.Keysets))
		} else {
			add(0, goal, "", "≤ keysets", NotMeasured)
		}
	}

	var base, big *Result
	for _, r := range rs {
		switch r.Rows {
		case growthBaseRows:
			base = r
		case goalRows:
			big = r
		}
	}
	for _, k := range []string{"eq_ssn", "eq_compound"} {
		goal := k + " phicrypt p50 growth 10,000 → 1,000,000 rows"
		target := "≤ 2.00"
		var b, g *Kind
		if base != nil && big != nil {
			b, g = base.Kinds[k], big.Kinds[k]
		}
		if b != nil && g != nil && b.PhicryptP50US > 0 && g.PhicryptP50US > 0 {
			f := g.PhicryptP50US / b.PhicryptP50US
			add(goalRows, goal, fmt.Sprintf("%s (%s vs %s µs)", fmtRatio(f), fmtUS(g.PhicryptP50US), fmtUS(b.PhicryptP50US)),
				target, verdict(f <= 2))
		} else {
			add(0, goal, "needs 10,000 and 1,000,000 rows", target, NotMeasured)
		}
	}
	return out
}

// trimFloat formats a limit without trailing zeros: 1.5, 3.
func trimFloat(v float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}
