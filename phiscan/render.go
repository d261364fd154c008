package phiscan

import (
	"encoding/json"
	"fmt"
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
	cats := verdictCategories(r)
	counts, nameOnly := ReportCounts(r)
	var parts []string
	for _, c := range cats {
		parts = append(parts, fmt.Sprintf("%s %d", c, counts[c]))
	}
	p("%d data sets, %d files not scanned as tables; columns judged %s", len(r.Tables), len(r.Files), mdCell(strings.Join(parts, ", ")))
	if nameOnly > 0 {
		p("; %d judged by their names only (empty columns), not counted as PHI", nameOnly)
	}
	p(".\n\n")
	order := orderedTables(r)

	if len(r.Tables) > 0 {
		p("## Data sets\n\n")
		p("Grouped by what was found: PHI first, then possible PHI, other categories, nothing found, empty tables.\n\n")
		p("| Data set | Type | Rows | Created | Modified | Finding |")
		for _, c := range cats {
			p(" %s |", mdCell(string(c)))
		}
		p(" name only | Warnings |\n|---|---|---:|---|---|---|")
		for range cats {
			p("---:|")
		}
		p("---:|---:|\n")
		for _, i := range order {
			t := &r.Tables[i]
			tc, no := VerdictCounts(t)
			p("| %s | %s | %d | %s | %s | %s |", mdCell(t.Name), mdCell(t.Kind), t.Rows,
				fmtTime(t.Created), fmtTime(t.Modified), groupTitles[tableGroup(t)][0])
			for _, c := range cats {
				p(" %d |", tc[c])
			}
			p(" %d | %d |\n", no, len(t.Warnings))
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
	for _, i := range order {
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
				verdict := mdCell(string(c.Verdict))
				if c.Verdict == VerdictPHI {
					verdict = "**phi**"
				}
				if NameOnly(&c) {
					verdict += " (name only)"
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
