package phiscan

import (
	"math"
	"slices"
	"testing"
)

// TestSplitSQL checks the statement splitter the real-schema tests load
// their DDL with: semicolons inside quotes and comments do not split.
func TestSplitSQL(t *testing.T) {
	script := "-- header; not a statement\n" +
		"CREATE TABLE a (x int COMMENT 'one; two', y text DEFAULT '');\n" +
		"/* block; comment */ INSERT INTO a VALUES (1, 'it''s; fine');\n" +
		"# mysql comment; too\n" +
		"INSERT INTO a VALUES (2, 'back\\'slash; ok');\n" +
		"CREATE TABLE `b;c` (\"d;e\" int);\n\n;  ;\n"
	got := splitSQL(script, true)
	want := []string{
		"CREATE TABLE a (x int COMMENT 'one; two', y text DEFAULT '')",
		"INSERT INTO a VALUES (1, 'it''s; fine')",
		"INSERT INTO a VALUES (2, 'back\\'slash; ok')",
		"CREATE TABLE `b;c` (\"d;e\" int)",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("splitSQL:\n got %q\nwant %q", got, want)
	}
	// Without backslash escapes (PostgreSQL), '#' is not a comment and a
	// backslash does not escape the quote.
	got = splitSQL("SELECT '#a\\'; SELECT 2", false)
	if !slices.Equal(got, []string{`SELECT '#a\'`, "SELECT 2"}) {
		t.Fatalf("splitSQL, no backslash: %q", got)
	}
}

// TestScoreReal checks the column-level scoring: "possible" counted both
// ways, staff columns scored as not patient PHI, and the findings listed.
func TestScoreReal(t *testing.T) {
	col := func(name string, v Verdict) ColumnReport { return ColumnReport{Name: name, Verdict: v, Sampled: 10} }
	staffCol := func(name string, v Verdict, subject string) ColumnReport {
		c := col(name, v)
		c.Subject = subject
		return c
	}
	empty := col("email_direct", VerdictPHI)
	empty.Nulls = 10
	rep := &Report{Tables: []TableReport{
		{Name: "pt", Rows: 10, Columns: []ColumnReport{
			col("name", VerdictPHI), col("dob", VerdictPossible), col("zip", VerdictNone),
			col("id", VerdictPossible), col("note", VerdictNone), col("doctor", VerdictPHI),
			staffCol("prov_name", VerdictPHI, SubjectStaff), staffCol("fac_name", VerdictNone, SubjectOrganisation),
			staffCol("pharmacy", VerdictPHI, SubjectStaff), empty,
		}},
		{Name: "stock", Rows: 0, Columns: []ColumnReport{col("ssn", VerdictPossible), col("code", VerdictNone)}},
	}}
	labels := []realLabel{
		{"pt", "name", "phi", "name", "patient"},
		{"pt", "DOB", "phi", "date", "patient"},
		{"pt", "zip", "phi", "zip", "patient"},
		{"pt", "id", "none", "", ""},
		{"pt", "note", "none", "", ""},
		{"pt", "doctor", "none", "name", "staff"},
		{"pt", "prov_name", "none", "name", "staff"},
		{"pt", "fac_name", "none", "name", "organisation"},
		{"pt", "pharmacy", "none", "name", "organisation"},
		{"pt", "email_direct", "none", "", ""},
	}
	s := scoreReal(t, "toy", rep, labels)
	near := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("%s: %v, want %v", what, got, want)
		}
	}
	// Possible as phi: tp name, dob; fn zip; fp id, doctor.
	near("recall, possible as phi", s.recallPossiblePHI(), 2.0/3)
	near("precision, possible as phi", s.precisionPossiblePHI(), 2.0/4)
	// Possible as none: tp name; fn dob, zip; fp doctor.
	near("recall, possible as none", s.recallPossibleNone(), 1.0/3)
	near("precision, possible as none", s.precisionPossibleNone(), 1.0/2)
	// Staff and organisation columns: right when reported with their
	// subject (prov_name, fac_name), wrong otherwise (doctor without a
	// subject, pharmacy as staff); never patient PHI when they have one.
	near("staff/organisation accuracy", s.staffOrgAccuracy(), 2.0/4)
	// A column without values is left out of the score, and listed.
	if len(s.noValues) != 1 || s.noValues[0].label.Column != "email_direct" {
		t.Errorf("columns without values: %v", s.noValues)
	}
	if s.labelled != 10 || s.phi != 3 || s.staffOrg != 4 || s.tables != 1 {
		t.Errorf("counts: labelled %d, phi %d, staff %d, tables %d", s.labelled, s.phi, s.staffOrg, s.tables)
	}
	if len(s.misses) != 1 || s.misses[0].label.Column != "zip" || len(s.possibles) != 1 || len(s.falsePos) != 2 {
		t.Errorf("findings: misses %v, possibles %v, false positives %v", s.misses, s.possibles, s.falsePos)
	}
	if len(s.emptyFlagged) != 1 {
		t.Errorf("empty-table flags: %v", s.emptyFlagged)
	}
	if s.unlabelled != nil {
		t.Errorf("unlabelled: %v", s.unlabelled)
	}
	// A column of a labelled table without a label is an error of the
	// labels, reported as a test failure.
	q := &quietTB{TB: t}
	s = scoreReal(q, "toy", rep, append(labels[:5:5], labels[6:]...))
	if !slices.Equal(s.unlabelled, []string{"pt.doctor"}) || q.errors != 1 {
		t.Errorf("unlabelled: %v (%d errors), want pt.doctor", s.unlabelled, q.errors)
	}
}

// quietTB records Errorf instead of failing the test.
type quietTB struct {
	testing.TB
	errors int
}

func (q *quietTB) Errorf(string, ...any) { q.errors++ }
func (q *quietTB) Helper()               {}
