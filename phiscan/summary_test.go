package phiscan

import (
	"bytes"
	"strings"
	"testing"
)

func TestVerdictCountsAndOrder(t *testing.T) {
	c := func(name string, v Verdict, sampled, nulls int64) ColumnReport {
		return ColumnReport{Name: name, Verdict: v, Sampled: sampled, Nulls: nulls, Types: []string{}}
	}
	rep := &Report{Tables: []TableReport{
		{Name: "a_empty", Kind: "table", Rows: 0, Columns: []ColumnReport{c("ssn", VerdictPHI, 0, 0)}},
		{Name: "b_none", Kind: "table", Rows: 50, Columns: []ColumnReport{c("x", VerdictNone, 50, 0)}},
		{Name: "c_staff", Kind: "table", Rows: 5, Columns: []ColumnReport{c("fname", "staff", 5, 0), c("org", "organisation", 5, 0)}},
		{Name: "d_nameonly", Kind: "table", Rows: 9, Columns: []ColumnReport{c("email_direct", VerdictPHI, 9, 9), c("k", VerdictNone, 9, 0)}},
		{Name: "e_phi", Kind: "table", Rows: 3, Columns: []ColumnReport{c("ssn", VerdictPHI, 3, 0), c("dob", VerdictPHI, 3, 1)}},
		{Name: "f_phi_more", Kind: "table", Rows: 3, Columns: []ColumnReport{c("ssn", VerdictPHI, 3, 0), c("a", VerdictPHI, 3, 0), c("b", VerdictPHI, 3, 0)}},
		{Name: "g_possible", Kind: "table", Rows: 3, Columns: []ColumnReport{c("nick", VerdictPossible, 3, 0)}},
		{Name: "h_broken", Kind: "table", Warnings: []string{"cannot read the table"}},
	}}
	counts, nameOnly := VerdictCounts(&rep.Tables[3])
	if counts[VerdictPHI] != 0 || nameOnly != 1 || counts[VerdictNone] != 1 {
		t.Errorf("d_nameonly: %v, name only %d", counts, nameOnly)
	}
	total, no := ReportCounts(rep)
	if total[VerdictPHI] != 5 || total["staff"] != 1 || total["organisation"] != 1 || no != 2 {
		t.Errorf("report counts %v, name only %d", total, no)
	}
	var got []string
	for _, i := range orderedTables(rep) {
		got = append(got, rep.Tables[i].Name)
	}
	want := "h_broken f_phi_more e_phi g_possible d_nameonly c_staff b_none a_empty"
	if strings.Join(got, " ") != want {
		t.Errorf("order %v, want %s", got, want)
	}
	if cats := verdictCategories(rep); len(cats) != 5 || cats[2] != "organisation" || cats[3] != "staff" || cats[4] != VerdictNone {
		t.Errorf("categories %v", cats)
	}
	var md bytes.Buffer
	if err := WriteMarkdown(&md, rep); err != nil {
		t.Fatal(err)
	}
	m := md.String()
	for _, s := range []string{"columns judged phi 5, possible 1, organisation 1, staff 1, none 2; 2 judged by their names only",
		"| **phi** (name only) |", "| d\\_nameonly | table | 9 |  |  | Possible PHI | 0 | 0 | 0 | 0 | 1 | 1 | 0 |"} {
		if !strings.Contains(m, s) {
			t.Errorf("Markdown lacks %q:\n%s", s, m)
		}
	}
	if strings.Index(m, "## f\\_phi\\_more") > strings.Index(m, "## a\\_empty") {
		t.Error("Markdown sections not in finding order")
	}
}
