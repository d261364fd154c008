package phiscan

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Formats of Render.
const (
	FormatJSON     = "json"
	FormatMarkdown = "md"
	FormatHTML     = "html"
)

// Render writes r in format "json", "md" (or "markdown") or "html".
//
// None of the formats holds more than the report: column names, verdicts,
// evidence, counts, warnings and masked examples. The scanner never puts
// a detected value into the report, so neither can a rendering.
func Render(w io.Writer, r *Report, format string) error {
	switch strings.ToLower(format) {
	case FormatJSON:
		return WriteJSON(w, r)
	case FormatMarkdown, "markdown":
		return WriteMarkdown(w, r)
	case FormatHTML:
		return WriteHTML(w, r)
	}
	return fmt.Errorf("phiscan: unknown report format %q (want json, md or html)", format)
}

// WriteJSON writes r as indented JSON; docs/SCAN.md documents the fields.
// Lists are never null, so that consumers can iterate without checks.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(normalized(r))
}

// normalized returns a copy of r whose nil lists are empty and whose
// minimums are left out except on proven surrogate keys (shownMin).
func normalized(r *Report) *Report {
	c := *r
	if c.Tables == nil {
		c.Tables = []TableReport{}
	}
	if c.Files == nil {
		c.Files = []FileReport{}
	}
	c.Tables = append(make([]TableReport, 0, len(c.Tables)), c.Tables...)
	for i := range c.Tables {
		t := &c.Tables[i]
		if t.Warnings == nil {
			t.Warnings = []string{}
		}
		t.Columns = append([]ColumnReport{}, t.Columns...)
		for j := range t.Columns {
			col := &t.Columns[j]
			if col.Types == nil {
				col.Types = []string{}
			}
			if col.Evidence == nil {
				col.Evidence = []Evidence{}
			}
			col.Min = shownMin(t, col)
		}
	}
	return &c
}

// shownMin is the minimum a rendering may show of column c of table t:
// none, unless c is a proven surrogate key. The smallest value of any
// other column can be a value of a person: a ZIP code or record number
// held as digits in a VARCHAR, a lab value, an identifier no detector
// knows. A proven surrogate key is the table's only primary-key column,
// declared with an integer type and judged "none"; its smallest value
// says nothing about anyone.
func shownMin(t *TableReport, c *ColumnReport) *float64 {
	if c.Min == nil || c.Verdict != VerdictNone || t.Kind != "table" ||
		!isPrimaryKey(c) || plainType(c) != "integer" {
		return nil
	}
	keys := 0
	for i := range t.Columns {
		if isPrimaryKey(&t.Columns[i]) {
			keys++
		}
	}
	if keys != 1 {
		return nil
	}
	return c.Min
}

// isPrimaryKey reports the mark ScanDB puts on primary-key columns.
func isPrimaryKey(c *ColumnReport) bool {
	return strings.HasSuffix(strings.ToUpper(strings.TrimSpace(c.SQLType)), "PRIMARY KEY")
}

// tableCounts tallies the verdicts of a table.
func tableCounts(t *TableReport) (phi, possible int) {
	for _, c := range t.Columns {
		switch c.Verdict {
		case VerdictPHI:
			phi++
		case VerdictPossible:
			possible++
		}
	}
	return phi, possible
}

func fmtTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func fmtMin(m *float64) string {
	if m == nil {
		return ""
	}
	if math.Abs(*m) < 1e15 {
		return strconv.FormatFloat(*m, 'f', -1, 64)
	}
	return strconv.FormatFloat(*m, 'g', -1, 64)
}

func fmtEvidence(e Evidence) string {
	s := e.Check
	if e.Type != "" {
		s += ":" + e.Type
	}
	if e.Check != "name" || e.Share != 1 {
		s += fmt.Sprintf(" %.0f%%", 100*e.Share)
	}
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

func fmtSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// mdCell escapes text for a Markdown table cell: pipes and line breaks
// would break the table, and markup characters or HTML in a column name
// would be interpreted by the viewer.
func mdCell(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\n', '\r', '\t':
			b.WriteByte(' ')
		case '|', '\\', '`', '*', '_', '[', ']', '<', '>':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdCode writes a masked value as a code span, which shows it verbatim;
// only a pipe needs escaping there, and the fence is longer than any run
// of backticks inside.
func mdCode(s string) string {
	if s == "" {
		return ""
	}
	s = strings.NewReplacer("\n", " ", "\r", " ", "|", "\\|").Replace(s)
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// WriteMarkdown writes r as a Markdown document: an overview of every data
// set and file, then one section per data set.
func WriteMarkdown(w io.Writer, r *Report) error {
	r = normalized(r)
	ew := &errWriter{w: w}
	p := ew.printf
	p("# PHI scan report\n\n")
	p("Source: %s  \nScanned: %s\n\n", mdCell(r.Source), fmtTime(&r.ScannedAt))
	phi, possible := 0, 0
	for i := range r.Tables {
		a, b := tableCounts(&r.Tables[i])
		phi, possible = phi+a, possible+b
	}
	p("%d data sets, %d files not scanned as tables; %d columns judged PHI, %d possible.\n\n", len(r.Tables), len(r.Files), phi, possible)

	if len(r.Tables) > 0 {
		p("## Data sets\n\n")
		p("| Data set | Type | Rows | Created | Modified | PHI columns | Possible | Warnings |\n")
		p("|---|---|---:|---|---|---:|---:|---:|\n")
		for i := range r.Tables {
			t := &r.Tables[i]
			a, b := tableCounts(t)
			p("| %s | %s | %d | %s | %s | %d | %d | %d |\n", mdCell(t.Name), mdCell(t.Kind), t.Rows,
				fmtTime(t.Created), fmtTime(t.Modified), a, b, len(t.Warnings))
		}
		p("\n")
	}
	if len(r.Files) > 0 {
		p("## Other files\n\n")
		p("| File | Type | Size | Created | Modified | Warning |\n")
		p("|---|---|---:|---|---|---|\n")
		for _, f := range r.Files {
			warn := mdCell(f.Warning)
			if warn != "" {
				warn = "**" + warn + "**"
			}
			p("| %s | %s | %s | %s | %s | %s |\n", mdCell(f.Name), mdCell(f.Kind), fmtSize(f.Size),
				fmtTime(f.Created), fmtTime(f.Modified), warn)
		}
		p("\n")
	}
	for i := range r.Tables {
		t := &r.Tables[i]
		p("## %s\n\n", mdCell(t.Name))
		p("Type: %s · rows: %d", mdCell(t.Kind), t.Rows)
		if s := fmtTime(t.Created); s != "" {
			p(" · created: %s", s)
		}
		if s := fmtTime(t.Modified); s != "" {
			p(" · modified: %s", s)
		}
		p("\n\n")
		if len(t.Warnings) > 0 {
			p("Warnings:\n\n")
			for _, wn := range t.Warnings {
				p("- %s\n", mdCell(wn))
			}
			p("\n")
		}
		if len(t.Columns) > 0 {
			p("| Column | SQL type | Verdict | Types | Confidence | Min | Sampled | Nulls | Example | Evidence |\n")
			p("|---|---|---|---|---:|---:|---:|---:|---|---|\n")
			for _, c := range t.Columns {
				ev := make([]string, len(c.Evidence))
				for k, e := range c.Evidence {
					ev[k] = mdCell(fmtEvidence(e))
				}
				verdict := string(c.Verdict)
				if c.Verdict == VerdictPHI {
					verdict = "**phi**"
				}
				p("| %s | %s | %s | %s | %.2f | %s | %d | %d | %s | %s |\n", mdCell(c.Name), mdCell(c.SQLType), verdict,
					mdCell(strings.Join(c.Types, ", ")), c.Confidence, fmtMin(c.Min), c.Sampled, c.Nulls,
					mdCode(c.Example), strings.Join(ev, "; "))
			}
			p("\n")
		}
		if len(t.Examples) > 0 && len(t.Columns) > 0 {
			p("Example records (masked):\n\n|")
			for _, c := range t.Columns {
				p(" %s |", mdCell(c.Name))
			}
			p("\n|")
			for range t.Columns {
				p("---|")
			}
			p("\n")
			for _, ex := range t.Examples {
				p("|")
				for j := range t.Columns {
					v := ""
					if j < len(ex) {
						v = ex[j]
					}
					p(" %s |", mdCode(v))
				}
				p("\n")
			}
			p("\n")
		}
	}
	return ew.err
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

// WriteHTML writes r as one self-contained HTML page: inline CSS, no
// scripts, no external resources, every value escaped by html/template.
func WriteHTML(w io.Writer, r *Report) error {
	return htmlReport.Execute(w, normalized(r))
}

var htmlReport = template.Must(template.New("report").Funcs(template.FuncMap{
	"time": func(v any) string {
		switch t := v.(type) {
		case time.Time:
			return fmtTime(&t)
		case *time.Time:
			return fmtTime(t)
		}
		return ""
	},
	"min":      fmtMin,
	"evidence": fmtEvidence,
	"size":     fmtSize,
	"counts": func(t TableReport) [2]int {
		a, b := tableCounts(&t)
		return [2]int{a, b}
	},
	"totals": func(r *Report) [2]int {
		var s [2]int
		for i := range r.Tables {
			a, b := tableCounts(&r.Tables[i])
			s[0], s[1] = s[0]+a, s[1]+b
		}
		return s
	},
	"pct":  func(f float64) string { return fmt.Sprintf("%.2f", f) },
	"join": strings.Join,
	"cell": func(row []string, j int) string {
		if j < len(row) {
			return row[j]
		}
		return ""
	},
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>PHI scan report</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1d2329;background:#fff}
h1{font-size:1.6rem;margin:0 0 .3rem}h2{font-size:1.25rem;margin:2.2rem 0 .4rem;border-bottom:1px solid #d5dae0;padding-bottom:.2rem}
.meta{color:#56606b;margin:.2rem 0 1rem}
table{border-collapse:collapse;margin:.6rem 0 1rem;font-size:13px}
th,td{border:1px solid #d5dae0;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f2f4f7}td.n{text-align:right;font-variant-numeric:tabular-nums}
code{font:12px ui-monospace,Menlo,Consolas,monospace;background:#f2f4f7;padding:0 .2rem}
.v{display:inline-block;border-radius:3px;padding:0 .4rem;font-weight:600;font-size:12px}
.v-phi{background:#fbd5d5;color:#8a1c1c}.v-possible{background:#fdebc8;color:#7a4b00}.v-none{background:#e3e8ee;color:#3b4550}
.warn{color:#8a4b00}tr.flag td{background:#fff6e5}
ul.w{margin:.3rem 0 .8rem;padding-left:1.2rem}ul.w li{color:#8a4b00}
.ev{margin:0;padding-left:1rem}
</style>
</head>
<body>
<h1>PHI scan report</h1>
<p class="meta">Source: <code>{{.Source}}</code> · scanned {{time .ScannedAt}}</p>
{{$t := totals .}}<p>{{len .Tables}} data sets, {{len .Files}} files not scanned as tables; <strong>{{index $t 0}}</strong> columns judged PHI, {{index $t 1}} possible.</p>
{{if .Tables}}<h2>Data sets</h2>
<table>
<tr><th>Data set</th><th>Type</th><th>Rows</th><th>Created</th><th>Modified</th><th>PHI columns</th><th>Possible</th><th>Warnings</th></tr>
{{range $i, $t := .Tables}}{{$c := counts $t}}<tr{{if $t.Warnings}} class="flag"{{end}}><td><a href="#t{{$i}}">{{$t.Name}}</a></td><td>{{$t.Kind}}</td><td class="n">{{$t.Rows}}</td><td>{{time $t.Created}}</td><td>{{time $t.Modified}}</td><td class="n">{{index $c 0}}</td><td class="n">{{index $c 1}}</td><td class="n">{{len $t.Warnings}}</td></tr>
{{end}}</table>{{end}}
{{if .Files}}<h2>Other files</h2>
<table>
<tr><th>File</th><th>Type</th><th>Size</th><th>Created</th><th>Modified</th><th>Warning</th></tr>
{{range .Files}}<tr{{if .Warning}} class="flag"{{end}}><td>{{.Name}}</td><td>{{.Kind}}</td><td class="n">{{size .Size}}</td><td>{{time .Created}}</td><td>{{time .Modified}}</td><td class="warn">{{.Warning}}</td></tr>
{{end}}</table>{{end}}
{{range $i, $t := .Tables}}
<h2 id="t{{$i}}">{{$t.Name}}</h2>
<p class="meta">Type: {{$t.Kind}} · rows: {{$t.Rows}}{{with time $t.Created}} · created: {{.}}{{end}}{{with time $t.Modified}} · modified: {{.}}{{end}}</p>
{{if $t.Warnings}}<ul class="w">{{range $t.Warnings}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if $t.Columns}}<table>
<tr><th>Column</th><th>SQL type</th><th>Verdict</th><th>Types</th><th>Confidence</th><th>Min</th><th>Sampled</th><th>Nulls</th><th>Example</th><th>Evidence</th></tr>
{{range $t.Columns}}<tr><td>{{.Name}}</td><td>{{.SQLType}}</td><td><span class="v v-{{.Verdict}}">{{.Verdict}}</span></td><td>{{join .Types ", "}}</td><td class="n">{{pct .Confidence}}</td><td class="n">{{min .Min}}</td><td class="n">{{.Sampled}}</td><td class="n">{{.Nulls}}</td><td><code>{{.Example}}</code></td><td>{{if .Evidence}}<ul class="ev">{{range .Evidence}}<li>{{evidence .}}</li>{{end}}</ul>{{end}}</td></tr>
{{end}}</table>
{{if $t.Examples}}<p>Example records (masked):</p>
<table>
<tr>{{range $t.Columns}}<th>{{.Name}}</th>{{end}}</tr>
{{range $ex := $t.Examples}}<tr>{{range $j, $c := $t.Columns}}<td><code>{{cell $ex $j}}</code></td>{{end}}</tr>
{{end}}</table>{{end}}{{end}}{{end}}
</body>
</html>
`))
