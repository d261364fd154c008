package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// exportSchema is a small OpenEMR-shaped schema: patients and their notes.
const exportSchema = `version: 1
tables:
  - name: patient_data
    key: pid
    row_binding: pid
    plain:
      - {name: state, type: text, nullable: true}
    columns:
      - {name: fname, type: string, max_length: 64}
      - {name: lname, type: string, max_length: 64, equality: {bits: 8}}
      - {name: DOB, type: date, nullable: true}
      - {name: ss, type: string, nullable: true, max_length: 11, equality: {name: ss_eq, transforms: digits, bits: 8}}
      - {name: postal_code, type: string, nullable: true, max_length: 10}
      - {name: phone_home, type: string, nullable: true, max_length: 32}
  - name: pnotes
    key: id
    row_binding: id
    plain:
      - {name: pid, type: integer}
      - {name: date, type: date}
    columns:
      - {name: body, type: string, nullable: true, max_length: 4096}
`

// exportFixture writes 30 patients and a note each; it returns the DSN,
// the schema file, the KEK URI and the SSNs.
func exportFixture(t *testing.T) (dsn, schema, kek string, ssns []string) {
	t.Helper()
	ctx := context.Background()
	dsn = "sqlite:" + filepath.Join(t.TempDir(), "emr.db")
	schema = writeFile(t, "phi.yaml", exportSchema)
	kek = newKeyFile(t, "dev.key")
	s, err := sqlwrap.LoadSchemaFile(schema)
	if err != nil {
		t.Fatal(err)
	}
	db, err := phicrypt.Connect(ctx, dsn, kek, s)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pd, _ := db.Table("patient_data")
	notes, _ := db.Table("pnotes")
	names := []string{"Núñez", "Peña", "Ibáñez", "Castañeda", "Müller"}
	for i := 1; i <= 30; i++ {
		ss := fmt.Sprintf("%03d-%02d-%04d", 300+i, 20+i, 4000+i*11)
		ssns = append(ssns, ss)
		ln := names[i%len(names)]
		phone := fmt.Sprintf("(617) 4%02d-%04d", 10+i, 3000+i*7)
		if _, err := pd.Insert(ctx, sqlwrap.Row{"pid": int64(i), "fname": "Ana", "lname": ln, "state": "MA",
			"DOB": cipher.Date{Year: 1925 + i*2, Month: time.March, Day: 1 + i%27}, "ss": ss, "postal_code": "03601",
			"phone_home": phone}); err != nil {
			t.Fatal(err)
		}
		body := fmt.Sprintf("Mrs %s called from %s about her SSN %s.", strings.ToUpper(ln), phone, ss)
		if _, err := notes.Insert(ctx, sqlwrap.Row{"id": int64(i), "pid": int64(i), "date": cipher.Date{Year: 2024, Month: time.May, Day: i%28 + 1},
			"body": body}); err != nil {
			t.Fatal(err)
		}
	}
	return dsn, schema, kek, ssns
}

func TestExportCLI(t *testing.T) {
	dsn, schema, kek, ssns := exportFixture(t)
	out := filepath.Join(t.TempDir(), "out")
	logPath := filepath.Join(t.TempDir(), "audit.log")
	code, stdout, stderr := runPhicrypt(t, "export", "--db", dsn, "--schema", schema, "--kek", kek, "--profile", "safe-harbor",
		"--out", out, "--audit-log", logPath)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "gate: pass") || !strings.Contains(stdout, "patient_data") {
		t.Errorf("stdout: %s", stdout)
	}
	var all strings.Builder
	for _, n := range []string{"patient_data.csv", "pnotes.csv", "manifest.json"} {
		b, err := os.ReadFile(filepath.Join(out, n))
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
	}
	for _, s := range append(ssns, "Núñez", "NÚÑEZ", "(617) 4") {
		if strings.Contains(all.String(), s) {
			t.Errorf("%q in the export", s)
		}
	}
	if !strings.Contains(all.String(), "[NAME]") || !strings.Contains(all.String(), ",000") {
		t.Errorf("no scrubbed note or restricted ZIP3 in the export")
	}
	// The audit log has an export record per table, outcome ok.
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	exports := 0
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r struct{ Op, Table, Outcome, Purpose string }
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		if r.Op == "export" {
			exports++
			if r.Outcome != "ok" || r.Purpose != "export:safe-harbor" {
				t.Errorf("record %s", line)
			}
		}
	}
	if exports != 2 {
		t.Errorf("%d export records, want 2", exports)
	}
	if code, _, stderr := runPhicrypt(t, "audit", "verify", "--log", logPath, "--kek", kek); code != exitOK {
		t.Errorf("audit verify: exit %d: %s", code, stderr)
	}
	// --json prints the manifest.
	out2 := filepath.Join(t.TempDir(), "out2")
	code, stdout, stderr = runPhicrypt(t, "export", "--db", dsn, "--schema", schema, "--kek", kek, "--profile", "relative-dates",
		"--out", out2, "--json")
	var m struct {
		Profile struct{ Name string }
		Gate    struct{ Verdict string }
	}
	if code != exitOK || json.Unmarshal([]byte(stdout), &m) != nil || m.Profile.Name != "relative-dates" || m.Gate.Verdict != "pass" {
		t.Errorf("--json: exit %d %s %s", code, stdout, stderr)
	}
}

func TestExportCLIGateFailsKeptSSN(t *testing.T) {
	dsn, schema, kek, ssns := exportFixture(t)
	// The README's way: print the built-in profile, keep ss.
	code, yaml, stderr := runPhicrypt(t, "export", "--print-profile", "safe-harbor")
	if code != exitOK || !strings.Contains(yaml, "name: safe-harbor") {
		t.Fatalf("--print-profile: exit %d: %s", code, stderr)
	}
	profile := writeFile(t, "keep-ss.yaml", yaml+"columns:\n  patient_data.ss: keep\n")
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	logPath := filepath.Join(t.TempDir(), "audit.log")
	code, _, stderr = runPhicrypt(t, "export", "--db", dsn, "--schema", schema, "--kek", kek, "--profile", profile,
		"--out", out, "--audit-log", logPath)
	if code != exitFinding {
		t.Fatalf("exit %d, want 1: %s", code, stderr)
	}
	if !strings.Contains(stderr, "patient_data.ss: judged phi (ssn)") || strings.Count(stderr, "phicrypt:") != 1 {
		t.Errorf("stderr: %s", stderr)
	}
	for _, s := range ssns {
		if strings.Contains(stderr, s) {
			t.Fatal("stderr quotes an SSN")
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files left: %v", entries)
	}
	b, _ := os.ReadFile(logPath)
	if !strings.Contains(string(b), `"op":"export"`) || !strings.Contains(string(b), `"outcome":"error"`) {
		t.Errorf("no failed export record: %s", b)
	}
}

func TestExportCLIUsageErrors(t *testing.T) {
	dsn, schema, kek, _ := exportFixture(t)
	base := []string{"export", "--db", dsn, "--schema", schema, "--kek", kek}
	notEmpty := t.TempDir()
	os.WriteFile(filepath.Join(notEmpty, "x.csv"), []byte("a\n1\n"), 0o600)
	broken := writeFile(t, "broken.yaml", "version: 1\nname: b\ntypes:\n  none: keep\n  identifier: [drop\n")
	unknownCol := writeFile(t, "col.yaml", "version: 1\nname: c\ntypes:\n  none: keep\n  identifier: drop\ncolumns:\n  patient_data.nosuch: keep\n")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--profile", "safe-harbour", "--out", filepath.Join(t.TempDir(), "o")}, `unknown profile "safe-harbour"`},
		{[]string{"--profile", broken, "--out", filepath.Join(t.TempDir(), "o")}, "broken.yaml:5"},
		{[]string{"--profile", unknownCol, "--out", filepath.Join(t.TempDir(), "o")}, "col.yaml:7: columns: patient_data.nosuch: table patient_data has no column nosuch"},
		{[]string{"--profile", "limited", "--out", notEmpty}, "is not empty"},
		{[]string{"--out", filepath.Join(t.TempDir(), "o")}, "--profile P is required"},
		{[]string{"--profile", "limited"}, "--out DIR is required"},
		{[]string{"--print-profile", "safe-harbour"}, `unknown built-in profile "safe-harbour"`},
	} {
		code, _, stderr := runPhicrypt(t, append(base, c.args...)...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %s", c.args, code, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(notEmpty, "x.csv")); errors.Is(err, os.ErrNotExist) {
		t.Error("the existing file was removed")
	}
}
