package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fakeKind returns a Kind with plaintext p50 plain and phicrypt p50 phi
// (p95 and p99 derived from them).
func fakeKind(plain, phi float64) *Kind {
	return &Kind{
		PlainP50US: plain, PlainP95US: plain * 1.5, PlainP99US: plain * 2,
		PhicryptP50US: phi, PhicryptP95US: phi * 1.5, PhicryptP99US: phi * 2,
		RatioP50: phi / plain, RatioP99: phi / plain,
		Queries: 200, Misses: 3, RowsPerQuery: 1.25,
	}
}

func fakeResult(db string, rows int, eqSSN, eqCompound float64) *Result {
	return &Result{
		DB: db, DBVersion: db + " 1.0", Rows: rows, Queries: 200, Seed: 7,
		Kinds: map[string]*Kind{
			"eq_ssn":      fakeKind(40, eqSSN),
			"eq_compound": fakeKind(50, eqCompound),
			"prefix3":     fakeKind(100, 400),  // ratio 4: missed
			"prefix5":     fakeKind(100, 250),  // ratio 2.5: met
			"contains":    fakeKind(5000, 800), // phicrypt faster: met
		},
		Insert:   Insert{PlainRowsS: 20000, PhicryptRowsS: 8000, Ratio: 0.4, Batch: 1000},
		Storage:  Storage{PlainBytesPerRow: 120, PhicryptBytesPerRow: 480, Ratio: 4},
		KMSCalls: 3, Keysets: 4,
		Machine: Machine{GoVersion: "go1.26.8", OS: "linux", Arch: "amd64", CPUs: 2, CPUModel: "Test CPU", MemoryGiB: 24},
		Started: time.Date(2026, 12, 3, 6, 0, rows%60, 0, time.UTC),
		Seconds: 12.5,
	}
}

func fakePostgres() *Result {
	r := fakeResult("postgres", 100_000, 50, 60)
	r.Kinds["prefix3"].Alternatives = map[string]*Alt{
		"cipherstash": {P50US: 900, P95US: 1200, P99US: 1500, RatioP50: 9},
	}
	r.Kinds["contains"].Alternatives = map[string]*Alt{
		"cipherstash": {P50US: 1100, P95US: 1400, P99US: 1900, RatioP50: 0.22},
		"plain_trgm":  {P50US: 300, P95US: 450, P99US: 600, RatioP50: 0.06},
	}
	r.Kinds["eq_ssn"].Alternatives = map[string]*Alt{
		"naive": {P50US: 250000, P95US: 260000, P99US: 270000, RatioP50: 6250},
	}
	r.Storage.CipherstashBytesPerRow = 900
	return r
}

func readResultsFile(t *testing.T, dir string) []Result {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	var rs []Result
	if err := json.Unmarshal(b, &rs); err != nil {
		t.Fatalf("results.json does not parse: %v", err)
	}
	return rs
}

func keys(rs []Result) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.DB+"/"+fmtCount(r.Rows))
	}
	return out
}

func TestWriteResultsMerges(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out", "sqlite")
	sqlite10k := fakeResult("sqlite", 10_000, 40, 50)
	sqlite1M := fakeResult("sqlite", 1_000_000, 48, 200) // eq_ssn ratio 1.2, eq_compound 4
	pg := fakePostgres()
	if err := WriteResults(dir, []*Result{sqlite1M, pg, sqlite10k}); err != nil {
		t.Fatal(err)
	}
	first := readResultsFile(t, dir)
	if got, want := keys(first), []string{"postgres/100,000", "sqlite/10,000", "sqlite/1,000,000"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("first write: entries %v, want %v", got, want)
	}

	// Second run: sqlite at 1M again with other numbers, and a new size.
	sqlite1Mb := fakeResult("sqlite", 1_000_000, 90, 60) // eq_ssn ratio 2.25: missed
	sqlite1Mb.Seed = 99
	sqlite100k := fakeResult("sqlite", 100_000, 45, 55)
	if err := WriteResults(dir, []*Result{sqlite100k, sqlite1Mb}); err != nil {
		t.Fatal(err)
	}
	got := readResultsFile(t, dir)
	want := []Result{*pg, *sqlite10k, *sqlite100k, *sqlite1Mb}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("merged results.json:\n got %v\nwant %v", keys(got), keys(want))
	}
	if got[3].Seed != 99 || got[3].Kinds["eq_ssn"].PhicryptP50US != 90 {
		t.Fatalf("sqlite 1M not replaced: %+v", got[3])
	}
	if got[0].Kinds["prefix3"].Alternatives["cipherstash"].P50US != 900 {
		t.Fatalf("postgres entry not kept whole: %+v", got[0].Kinds["prefix3"])
	}

	// No temporary files left behind.
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left in dir: %s", e.Name())
		}
	}
}

func TestResultsJSONKeys(t *testing.T) {
	dir := t.TempDir()
	if err := WriteResults(dir, []*Result{fakePostgres()}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	var raw []map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw) != 1 {
		t.Fatalf("%d entries, want 1", len(raw))
	}
	paths := []string{
		"db", "rows", "queries", "kms_calls", "keysets", "db_version", "machine.cpus",
		"kinds.eq_ssn.plain_p50_us", "kinds.eq_ssn.phicrypt_p50_us", "kinds.eq_ssn.ratio_p50",
		"kinds.eq_ssn.plain_p99_us", "kinds.eq_ssn.phicrypt_p99_us", "kinds.eq_ssn.ratio_p99",
		"kinds.prefix3.alternatives.cipherstash.p50_us",
		"insert.plain_rows_s", "insert.phicrypt_rows_s", "insert.ratio", "insert.batch",
		"storage.plain_bytes_per_row", "storage.phicrypt_bytes_per_row", "storage.ratio",
		"storage.cipherstash_bytes_per_row",
	}
	for _, p := range paths {
		var v any = raw[0]
		for _, part := range strings.Split(p, ".") {
			m, ok := v.(map[string]any)
			if !ok {
				v = nil
				break
			}
			v = m[part]
		}
		if v == nil {
			t.Errorf("results.json lacks key %s", p)
		}
	}
	if raw[0]["db"] != "postgres" || raw[0]["rows"] != float64(100_000) {
		t.Errorf("db, rows = %v, %v", raw[0]["db"], raw[0]["rows"])
	}
}

func TestResultsMarkdown(t *testing.T) {
	dir := t.TempDir()
	rs := []*Result{
		fakeResult("sqlite", 10_000, 40, 50),
		fakeResult("sqlite", 1_000_000, 48, 200),
		fakePostgres(),
	}
	if err := WriteResults(dir, rs); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	md := string(b)
	for _, s := range []string{
		"## postgres — postgres 1.0", "## sqlite — sqlite 1.0",
		"Machine: linux/amd64, Test CPU, 2 CPUs, 24 GiB, go1.26.8.",
		"### 10,000 rows", "### 1,000,000 rows", "### 100,000 rows",
		// eq_ssn at 1M: plain 40/60/80, phicrypt 48/72/96, ratio 1.20.
		"| eq_ssn | 40.0 / 60.0 / 80.0 | 48.0 / 72.0 / 96.0 | 1.20 | 1.20 | 1.25 | 3 |",
		// µs of 100 and more are integers with separators.
		"| contains | 5,000 / 7,500 / 10,000 | 800 / 1,200 / 1,600 | 0.16 | 0.16 | 1.25 | 3 |",
		"| prefix3 — cipherstash | 900 / 1,200 / 1,500 | 9.00 |",
		"| contains — plain_trgm | 300 / 450 / 600 | 0.06 |",
		"| eq_ssn — naive | 250,000 / 260,000 / 270,000 | 6,250.00 |",
		"| 1,000,000 | 20,000 | 8,000 | 0.40 | 1,000 |",
		"| 100,000 | 120 | 480 | 4.00 | 900 |",
		"| 10,000 | 3 | 4 |",
		"evaluated at 1,000,000 rows",
		"evaluated at 100,000 rows, the largest row count measured (not the stated size)",
	} {
		if !strings.Contains(md, s) {
			t.Errorf("results.md lacks %q", s)
		}
	}
	for _, k := range KindNames {
		if !strings.Contains(md, "| "+k+" |") {
			t.Errorf("results.md lacks kind %s", k)
		}
	}

	want := map[[2]string]GoalRow{
		{"sqlite", "eq_ssn ratio p50"}:      {Rows: 1_000_000, Measured: "1.20", Target: "≤ 1.5", Verdict: Met},
		{"sqlite", "eq_compound ratio p50"}: {Rows: 1_000_000, Measured: "4.00", Target: "≤ 1.5", Verdict: Missed},
		{"sqlite", "prefix3 ratio p50"}:     {Rows: 1_000_000, Measured: "4.00", Target: "≤ 3", Verdict: Missed},
		{"sqlite", "prefix5 ratio p50"}:     {Rows: 1_000_000, Measured: "2.50", Target: "≤ 3", Verdict: Met},
		{"sqlite", "prefix3 phicrypt p50 vs cipherstash"}: {
			Measured: "postgres only", Target: "< cipherstash p50", Verdict: NotMeasured},
		{"sqlite", "contains phicrypt p50 vs plaintext"}: {
			Rows: 1_000_000, Measured: "800 vs 5,000 µs", Target: "< plaintext p50 (LIKE, no trigram index)", Verdict: Met},
		{"sqlite", "insert ratio"}:         {Rows: 1_000_000, Measured: "0.40", Target: "≥ 0.5", Verdict: Missed},
		{"sqlite", "kms_calls vs keysets"}: {Rows: 1_000_000, Measured: "3", Target: "≤ 4 keysets", Verdict: Met},
		{"sqlite", "eq_ssn phicrypt p50 growth 10,000 → 1,000,000 rows"}: {
			Rows: 1_000_000, Measured: "1.20 (48.0 vs 40.0 µs)", Target: "≤ 2.00", Verdict: Met},
		{"sqlite", "eq_compound phicrypt p50 growth 10,000 → 1,000,000 rows"}: {
			Rows: 1_000_000, Measured: "4.00 (200 vs 50.0 µs)", Target: "≤ 2.00", Verdict: Missed},
		{"postgres", "eq_ssn ratio p50"}: {Rows: 100_000, Measured: "1.25", Target: "≤ 1.5", Verdict: Met},
		{"postgres", "prefix3 phicrypt p50 vs cipherstash"}: {
			Rows: 100_000, Measured: "400 vs 900 µs", Target: "< cipherstash p50", Verdict: Met},
		{"postgres", "eq_ssn phicrypt p50 growth 10,000 → 1,000,000 rows"}: {
			Measured: "needs 10,000 and 1,000,000 rows", Target: "≤ 2.00", Verdict: NotMeasured},
	}
	goals := GoalRows(rs)
	seen := map[[2]string]bool{}
	for _, g := range goals {
		k := [2]string{g.DB, g.Goal}
		seen[k] = true
		w, ok := want[k]
		if !ok {
			continue
		}
		w.DB, w.Goal = g.DB, g.Goal
		if g != w {
			t.Errorf("goal %v = %+v, want %+v", k, g, w)
		}
		line := "| " + g.Goal + " | " + g.Measured + " | " + g.Target + " | " + g.Verdict + " |"
		if !strings.Contains(md, line) {
			t.Errorf("results.md lacks goal line %q", line)
		}
	}
	for k := range want {
		if !seen[k] {
			t.Errorf("no goal %v", k)
		}
	}
	// postgres has no prefix5 cipherstash row, sqlite none either.
	for _, g := range goals {
		if g.Goal == "prefix5 phicrypt p50 vs cipherstash" {
			t.Errorf("unexpected goal row %+v", g)
		}
	}
	text := FormatGoals(goals)
	if !strings.Contains(text, "eq_compound ratio p50") || !strings.Contains(text, "missed") ||
		strings.Count(text, "\n") != len(goals)+1 {
		t.Errorf("FormatGoals:\n%s", text)
	}
}

// svgRoot returns the name of the root element of an XML document.
func svgRoot(t *testing.T, b []byte) string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	root := ""
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("chart does not parse as XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	return root
}

func TestCharts(t *testing.T) {
	for _, tc := range []struct {
		name string
		rs   []*Result
	}{
		{"several sizes and dbs", []*Result{fakeResult("sqlite", 10_000, 40, 50), fakeResult("sqlite", 1_000_000, 48, 200), fakePostgres()}},
		{"one size", []*Result{fakePostgres()}},
		{"no kinds", []*Result{{DB: "mysql", Rows: 1000}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := WriteResults(dir, tc.rs); err != nil {
				t.Fatal(err)
			}
			files := ChartFiles(tc.rs)
			if len(tc.rs[0].Kinds) > 0 {
				for _, k := range KindNames {
					if !strings.Contains(strings.Join(files, " "), "p50_"+k+".svg") {
						t.Errorf("no chart for %s in %v", k, files)
					}
				}
			}
			for _, f := range files {
				b, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil {
					t.Fatal(err)
				}
				if len(b) == 0 {
					t.Fatalf("%s is empty", f)
				}
				if root := svgRoot(t, b); root != "svg" {
					t.Errorf("%s: root element %q, want svg", f, root)
				}
				if !strings.Contains(string(b), tc.rs[0].DB) {
					t.Errorf("%s does not name the db", f)
				}
			}
		})
	}
}

func TestChartContents(t *testing.T) {
	dir := t.TempDir()
	if err := WriteResults(dir, []*Result{fakePostgres()}); err != nil {
		t.Fatal(err)
	}
	read := func(f string) string {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for f, want := range map[string][]string{
		"p50_contains.svg": {"plaintext", "phicrypt", "cipherstash", "plain_trgm", "p50 latency (µs, log scale)", "rows (log scale)", "100k"},
		"p50_eq_ssn.svg":   {"naive"},
		"insert.svg":       {"rows/s", "plaintext", "phicrypt"},
		"ratio_p50.svg":    {"parity (1)", "eq_ssn", "contains"},
	} {
		s := read(f)
		for _, w := range want {
			if !strings.Contains(s, w) {
				t.Errorf("%s lacks %q", f, w)
			}
		}
	}
}

func TestWriteResultsBrokenFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ResultsFile)
	broken := []byte(`[{"db": "sqlite", "rows": 10`)
	if err := os.WriteFile(path, broken, 0o644); err != nil {
		t.Fatal(err)
	}
	err := WriteResults(dir, []*Result{fakeResult("sqlite", 10_000, 40, 50)})
	if err == nil {
		t.Fatal("no error for a broken results.json")
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name %s", err, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, broken) {
		t.Errorf("results.json changed to %q", b)
	}
	for _, f := range []string{ReportFile, "insert.svg"} {
		if _, err := os.Stat(filepath.Join(dir, f)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s written despite the error (stat: %v)", f, err)
		}
	}
}

func TestFormatNumbers(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{fmtUS(0), "—"}, {fmtUS(9.94), "9.9"}, {fmtUS(99.94), "99.9"}, {fmtUS(100.4), "100"}, {fmtUS(123456.7), "123,457"},
		{fmtRatio(1.234), "1.23"}, {fmtRatio(0), "—"},
		{fmtInt(1234567.4), "1,234,567"},
		{shortCount(10_000), "10k"}, {shortCount(1_000_000), "1M"}, {shortCount(2_500_000), "2.5M"}, {shortCount(999), "999"},
		{fmtTick(2000), "2,000"}, {fmtTick(0.5), "0.5"}, {fmtTick(20), "20"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestWriteResultsErrorNamesFile(t *testing.T) {
	dir := t.TempDir()
	// A non-empty directory where results.md should go: the rename fails.
	md := filepath.Join(dir, ReportFile)
	if err := os.MkdirAll(filepath.Join(md, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := WriteResults(dir, []*Result{fakePostgres()})
	if err == nil || !strings.Contains(err.Error(), md) {
		t.Fatalf("error %v does not name %s", err, md)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left in dir: %s", e.Name())
		}
	}
}

func TestGoalsNotMeasured(t *testing.T) {
	r := &Result{DB: "mysql", Rows: 1000, Kinds: map[string]*Kind{"eq_ssn": fakeKind(40, 50)}}
	goals := GoalRows([]*Result{r})
	if len(goals) == 0 {
		t.Fatal("no goals")
	}
	for _, g := range goals {
		want := NotMeasured
		if g.Goal == "eq_ssn ratio p50" {
			want = Met
		}
		if g.Verdict != want {
			t.Errorf("%s: verdict %q, want %q", g.Goal, g.Verdict, want)
		}
		if (g.Verdict == NotMeasured) != (g.Rows == 0) {
			t.Errorf("%s: rows %d with verdict %q", g.Goal, g.Rows, g.Verdict)
		}
	}
}
