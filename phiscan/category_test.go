package phiscan

import (
	"bytes"
	"strings"
	"testing"
)

// Staff and organisation identifiers are counted by their subject in the
// overviews, neither as patient PHI nor as nothing.
func TestCategoryCountsBySubject(t *testing.T) {
	col := func(name string, v Verdict, subject string) ColumnReport {
		return ColumnReport{Name: name, Verdict: v, Subject: subject, Sampled: 10, Types: []string{"name"}}
	}
	rep := &Report{Tables: []TableReport{
		{Name: "users", Kind: "table", Rows: 10, Columns: []ColumnReport{
			col("fname", VerdictPHI, SubjectStaff), col("npi", VerdictPossible, SubjectStaff), col("id", VerdictNone, "")}},
		{Name: "facility", Kind: "table", Rows: 10, Columns: []ColumnReport{
			col("name", VerdictNone, SubjectOrganisation), col("street", VerdictPHI, SubjectOrganisation)}},
		{Name: "patient", Kind: "table", Rows: 10, Columns: []ColumnReport{
			col("fname", VerdictPHI, SubjectPatient), col("nick", VerdictPossible, SubjectPatient)}},
	}}
	if got := Category(&rep.Tables[0].Columns[0]); got != "staff" {
		t.Errorf("staff name: category %q", got)
	}
	if got := Category(&rep.Tables[2].Columns[0]); got != VerdictPHI {
		t.Errorf("patient name: category %q", got)
	}
	counts, _ := ReportCounts(rep)
	if counts[VerdictPHI] != 1 || counts[VerdictPossible] != 1 || counts["staff"] != 2 || counts["organisation"] != 2 || counts[VerdictNone] != 1 {
		t.Errorf("report counts %v", counts)
	}
	if g := tableGroup(&rep.Tables[0]); g != groupOther {
		t.Errorf("users: group %d, want %d (other categories)", g, groupOther)
	}
	if g := tableGroup(&rep.Tables[1]); g != groupOther {
		t.Errorf("facility: group %d, want %d (other categories)", g, groupOther)
	}
	if cats := verdictCategories(rep); len(cats) != 5 || cats[2] != "organisation" || cats[3] != "staff" {
		t.Errorf("categories %v", cats)
	}
	var md bytes.Buffer
	if err := WriteMarkdown(&md, rep); err != nil {
		t.Fatal(err)
	}
	if s := "columns judged phi 1, possible 1, organisation 2, staff 2, none 1"; !strings.Contains(md.String(), s) {
		t.Errorf("Markdown lacks %q:\n%s", s, md.String())
	}
	var html bytes.Buffer
	if err := WriteHTML(&html, rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html.String(), "staff 2") {
		t.Errorf("HTML lacks the staff count")
	}
}
