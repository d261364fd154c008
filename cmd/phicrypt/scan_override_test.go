package main

import (
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/phiscan"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// TestScanConfigColumnOverrides runs scan with a config file that sets the
// verdict of two columns, and checks the report and the emitted schema.
func TestScanConfigColumnOverrides(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "openemr.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	openEMRPatients(t, db, testdb.DialectSQLite, 150)
	db.Close()

	cfg := filepath.Join(dir, "scan.yaml")
	os.WriteFile(cfg, []byte("columns:\n  patient_data.status: name\n  patient_data.email: none\n"), 0o644)
	report := filepath.Join(dir, "report.json")
	schemaPath := filepath.Join(dir, "schema.yaml")
	code, _, stderr := runScan(t, "--db", path, "--out", report, "--emit-schema", schemaPath, "--config", cfg)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep phiscan.Report
	data, _ := os.ReadFile(report)
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	got := map[string]phiscan.ColumnReport{}
	for _, c := range rep.Tables[0].Columns {
		got[c.Name] = c
	}
	if c := got["status"]; c.Verdict != phiscan.VerdictPHI || len(c.Types) != 1 || c.Types[0] != "name" ||
		len(c.Evidence) == 0 || c.Evidence[0].Detail != "override in config" {
		t.Errorf("status: %+v", c)
	}
	if c := got["email"]; c.Verdict != phiscan.VerdictNone || !strings.Contains(c.Evidence[0].Detail, "override in config") {
		t.Errorf("email: %+v", c)
	}
	schema, err := sqlwrap.LoadSchemaFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := schema.Table("patient_data")
	if c, ok := st.Column("status"); !ok || len(c.Equality) == 0 {
		t.Errorf("status (override name): protected %v", ok)
	}
	if _, ok := st.Column("email"); ok {
		t.Error("email (override none) is protected")
	}
	plain := false
	for _, p := range st.Plain {
		plain = plain || p.Name == "email"
	}
	if !plain {
		t.Error("email (override none) is not plain")
	}
}

// TestScanConfigColumnErrors checks that a malformed key or an unknown
// type in the columns of the config file is a usage error naming the key.
func TestScanConfigColumnErrors(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"patient_data.guardiancity": "columns:\n  patient_data.guardiancity: adress\n",
		"guardiancity":              "columns:\n  guardiancity: address\n",
		"list_options.":             "columns:\n  list_options.: none\n",
	} {
		p := filepath.Join(dir, "c.yaml")
		os.WriteFile(p, []byte(text), 0o644)
		code, _, stderr := runScan(t, "--dir", dir, "--config", p)
		if code != 2 || !strings.Contains(stderr, `"`+name+`"`) && !strings.Contains(stderr, name+":") {
			t.Errorf("%s: exit %d: %s", name, code, stderr)
		}
		if strings.Count(stderr, "phiscan:") > 0 {
			t.Errorf("%s: the package prefix leaks into the message: %s", name, stderr)
		}
	}
	p := filepath.Join(dir, "ok.yaml")
	os.WriteFile(p, []byte("columns: {patient_data.guardiancity: address, list_options.notes: none}\n"), 0o644)
	if cfg, err := loadScanConfig(p); err != nil || cfg.Columns["list_options.notes"] != "none" {
		t.Errorf("flow form: %+v %v", cfg, err)
	}
}
