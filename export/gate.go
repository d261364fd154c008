package export

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/phicrypt/phicrypt/phiscan"
)

// ErrGate is wrapped by the error of an export the gate refused: its
// files were removed. errors.As gives the *GateError with the findings.
var ErrGate = errors.New("the export gate found identifiers in the export")

// Finding is one reason the gate refused an export: a column and why,
// with masked patterns only, never a value.
type Finding struct {
	Table  string `json:"table"`
	Column string `json:"column"`
	Reason string `json:"reason"`
}

// GateError is the error of a refused export.
type GateError struct{ Findings []Finding }

func (e *GateError) Error() string {
	var b strings.Builder
	b.WriteString("phicrypt: export: ")
	b.WriteString(ErrGate.Error())
	b.WriteString("; nothing was written:")
	for _, f := range e.Findings {
		fmt.Fprintf(&b, "\n  %s.%s: %s", f.Table, f.Column, f.Reason)
	}
	return b.String()
}

func (e *GateError) Unwrap() error { return ErrGate }

// GateReport is the gate's verdict, recorded in the manifest.
type GateReport struct {
	// Verdict is "pass" or "fail".
	Verdict string `json:"verdict"`
	// Columns is the number of columns scanned, Rows the rows read per
	// file (0: every row).
	Columns    int       `json:"columns"`
	SampleRows int       `json:"sample_rows"`
	Findings   []Finding `json:"findings"`
}

// Gate scans the CSV files of dir with phiscan.ScanDir, as
// `phicrypt scan --dir` does, and judges them: a column judged phi whose
// types the profile does not allow, a free-text column that still holds
// an identifier the detectors find, and an aggregate column of small
// counts (1 to 5) are findings. The study_id columns of plan are the one
// exception to the first rule: a study id is a code drawn for the export,
// not derived from an identifier (HIPAA's re-identification code), which
// the scanner rightly sees as a distinct number on every row. sample is
// the rows read per file (0: every row); now is "today" for the age
// checks. plan may hold only a Profile.
func Gate(ctx context.Context, dir string, plan *Plan, sample int, now time.Time) (*GateReport, error) {
	p := plan.Profile
	codes := map[string]bool{}
	for _, tp := range plan.Tables {
		for _, c := range tp.Columns {
			if c.Action == StudyID {
				codes[tp.Name+"."+c.Output] = true
			}
		}
	}
	rep, err := phiscan.ScanDir(ctx, dir, &phiscan.Config{Sample: sample, AgeLimit: p.AgeLimit, ScanDate: now})
	if err != nil {
		return nil, fmt.Errorf("phicrypt: export: gate: %w", err)
	}
	g := &GateReport{Verdict: "pass", SampleRows: sample, Findings: []Finding{}}
	for _, t := range rep.Tables {
		table := strings.TrimSuffix(t.Name, ".csv")
		for _, c := range t.Columns {
			g.Columns++
			g.Findings = append(g.Findings, judge(table, &c, p.Allow, codes[table+"."+c.Name])...)
		}
	}
	for _, f := range rep.Files {
		g.Findings = append(g.Findings, Finding{Table: f.Name, Column: "-", Reason: "unexpected file in the export (" + f.Kind + ")"})
	}
	if len(g.Findings) > 0 {
		g.Verdict = "fail"
	}
	sort.SliceStable(g.Findings, func(i, j int) bool {
		a, b := g.Findings[i], g.Findings[j]
		return a.Table < b.Table || a.Table == b.Table && a.Column < b.Column
	})
	return g, nil
}

// judge returns the findings of one scanned column.
func judge(table string, c *phiscan.ColumnReport, allow []string, code bool) []Finding {
	var out []Finding
	add := func(format string, args ...any) {
		out = append(out, Finding{Table: table, Column: c.Name, Reason: fmt.Sprintf(format, args...)})
	}
	if phiscan.NameOnly(c) {
		// No value was read (an empty table): the verdict says what the
		// column is for, and nothing in it can leak.
		return nil
	}
	if c.Verdict == phiscan.VerdictPHI && !code {
		var bad []string
		for _, t := range c.Types {
			if !slices.Contains(allow, t) && t != "free_text" && t != "small_cell" {
				bad = append(bad, t)
			}
		}
		if len(bad) > 0 {
			add("judged phi (%s)%s", strings.Join(bad, ", "), evidence(c, bad))
		}
	}
	var text []string
	small := false
	for _, e := range c.Evidence {
		switch e.Check {
		case "free_text":
			if !slices.Contains(allow, e.Type) {
				s := e.Type
				if e.Detail != "" {
					s += " like " + e.Detail
				}
				text = append(text, s)
			}
		case "small_cell":
			small = true
		}
	}
	if len(text) > 0 {
		add("free text still holds identifiers: %s", strings.Join(text, "; "))
	}
	if small {
		add("aggregate with small cells (counts from 1 to 5)")
	}
	return out
}

// evidence is the masked evidence of the types, for a finding.
func evidence(c *phiscan.ColumnReport, types []string) string {
	var s []string
	for _, e := range c.Evidence {
		if slices.Contains(types, e.Type) && e.Detail != "" && e.Check != "free_text" {
			s = append(s, e.Check+": "+e.Detail)
		}
	}
	if len(s) == 0 {
		return ""
	}
	return ": " + strings.Join(s, "; ")
}
