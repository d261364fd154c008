package phiscan

import (
	"context"
	"strings"
	"testing"
)

func TestValidateConfigColumns(t *testing.T) {
	ok := &Config{Columns: map[string]string{
		"patient_data.guardiancity": "address", "list_options.notes": "none", "exports/p.csv.MRN": "MRN",
		"insurance_data.policy_number": "account", "t.c": "zip",
	}}
	if err := ValidateConfig(ok); err != nil {
		t.Fatal(err)
	}
	for key, typ := range map[string]string{
		"guardiancity": "address", ".notes": "none", "patient_data.": "city", "a.b": "adress", "x.y": "phi", "x.z": "",
	} {
		err := ValidateConfig(&Config{Columns: map[string]string{key: typ}})
		if err == nil {
			t.Errorf("%s: %s accepted", key, typ)
			continue
		}
		if !strings.Contains(err.Error(), key) || strings.Count(err.Error(), "phiscan:") != 1 {
			t.Errorf("%s: %s: error %q does not name the key once", key, typ, err)
		}
	}
}

func TestApplyOverrides(t *testing.T) {
	m := 3.0
	rep := &Report{Tables: []TableReport{
		{Name: "patient_data", Kind: "table", Columns: []ColumnReport{
			{Name: "guardiancity", Verdict: VerdictNone, Types: []string{}, Confidence: 0.8, Min: &m},
			{Name: "Notes", Verdict: VerdictPHI, Types: []string{"free_text"}, Confidence: 0.7,
				Evidence: []Evidence{{Check: "name", Type: "free_text", Share: 1}}},
		}},
		{Name: "dir/Export 2024.csv", Kind: "csv", Columns: []ColumnReport{{Name: "Member No", Verdict: VerdictPossible}}},
		{Name: "other", Kind: "table", Columns: []ColumnReport{{Name: "guardiancity", Verdict: VerdictNone}}},
	}}
	cfg := &Config{Columns: map[string]string{"patient_data.guardiancity": "address", "PATIENT_DATA.notes": "none",
		"export_2024.member_no": "account", "patient_data.no_such": "zip"}}
	for range 2 { // idempotent
		ApplyOverrides(rep, cfg)
	}
	g := rep.Tables[0].Columns[0]
	if g.Verdict != VerdictPHI || g.Types[0] != "address" || g.Confidence != 1 || g.Min != nil || len(g.Evidence) != 1 ||
		g.Evidence[0].Detail != "override in config" {
		t.Errorf("guardiancity: %+v", g)
	}
	n := rep.Tables[0].Columns[1]
	if n.Verdict != VerdictNone || len(n.Types) != 0 || len(n.Evidence) != 2 || !strings.Contains(n.Evidence[0].Detail, "override in config") {
		t.Errorf("notes: %+v", n)
	}
	if f := rep.Tables[1].Columns[0]; f.Verdict != VerdictPHI || f.Types[0] != "account" {
		t.Errorf("file column: %+v", f)
	}
	if o := rep.Tables[2].Columns[0]; o.Verdict != VerdictNone {
		t.Errorf("another table's column changed: %+v", o)
	}
	if w := rep.Tables[0].Warnings; len(w) != 1 || !strings.Contains(w[0], "patient_data.no_such") {
		t.Errorf("warnings %v", w)
	}
}

// TestScanDirOverrides checks that ScanDir follows overrides keyed by a
// file's name without directory and extension.
func TestScanDirOverrides(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "exports/patients.csv", []byte("id,status,notes\n1,active,called back\n2,inactive,no answer\n3,active,left message\n"))
	rep, err := ScanDir(context.Background(), dir, &Config{Columns: map[string]string{"patients.status": "mrn", "exports/patients.csv.notes": "none"}})
	if err != nil {
		t.Fatal(err)
	}
	tr := findTable(t, rep, "exports/patients.csv")
	if c := findColumn(t, tr, "status"); c.Verdict != VerdictPHI || c.Types[0] != "mrn" || c.Evidence[0].Detail != overrideDetail {
		t.Errorf("status: %+v", c)
	}
	if c := findColumn(t, tr, "notes"); c.Verdict != VerdictNone || c.Evidence[0].Check != overrideCheck {
		t.Errorf("notes: %+v", c)
	}
}
