package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// TestScanEmitMigrateUniqueKey follows OpenEMR's own declaration of
// patient_data (no primary key, pid UNIQUE NOT NULL, id with a plain
// index) through scan --emit-schema and migrate, and checks that the
// columns judged "possible" survive as plain columns, and that the
// summary does not count an empty table's name-only verdicts as PHI.
func TestScanEmitMigrateUniqueKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "openemr.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	openEMRPatients(t, db, testdb.DialectSQLite, 200)
	for _, q := range []string{
		`CREATE TABLE pd (id INTEGER NOT NULL, pid INTEGER NOT NULL UNIQUE, fname VARCHAR(255), lname VARCHAR(255),
			mname VARCHAR(255), DOB DATE, ss VARCHAR(255), email VARCHAR(255), status VARCHAR(255), note VARCHAR(255))`,
		`CREATE INDEX pd_id ON pd (id)`,
		// A note without identifiers in it: "possible" by its name.
		`INSERT INTO pd SELECT id, pid, fname, lname, mname, DOB, ss, email, status,
			CASE id % 3 WHEN 0 THEN 'follow up in three months' WHEN 1 THEN 'no show' ELSE 'labs pending' END
			FROM patient_data`,
		`DROP TABLE patient_data`,
		`ALTER TABLE pd RENAME TO patient_data`,
		`CREATE TABLE patient_contacts (id INTEGER PRIMARY KEY, pid INTEGER, ssn VARCHAR(11), email VARCHAR(255))`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	var ss, mname string
	if err := db.QueryRow("SELECT ss, coalesce(mname, '') FROM patient_data WHERE pid = 9").Scan(&ss, &mname); err != nil {
		t.Fatal(err)
	}
	db.Close()

	schema := filepath.Join(dir, "schema.yaml")
	code, _, stderr := runCmd(t, "scan", "--db", path, "--out", filepath.Join(dir, "r.json"), "--emit-schema", schema, "--sample", "0")
	if code != 0 {
		t.Fatalf("scan: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "judged by their names only (empty)") {
		t.Errorf("the summary does not set the empty table's name-only verdicts apart: %s", stderr)
	}
	s, err := sqlwrap.LoadSchemaFile(schema)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := os.ReadFile(schema)
	st, ok := s.Table("patient_data")
	if !ok || st.Key != "pid" {
		t.Fatalf("patient_data: key from the UNIQUE NOT NULL column expected:\n%s", text)
	}
	listed := map[string]bool{st.Key: true}
	for _, c := range st.Columns {
		listed[c.Name] = true
	}
	for _, p := range st.Plain {
		listed[p.Name] = true
	}
	if !strings.Contains(string(text), "} # possibly PHI: ") {
		t.Errorf("no column judged possible listed as plain: the test does not exercise them:\n%s", text)
	}
	for _, c := range []string{"id", "fname", "lname", "mname", "DOB", "ss", "email", "status", "note"} {
		if !listed[c] {
			t.Errorf("column %s is not in the emitted schema:\n%s", c, text)
		}
	}

	key := filepath.Join(dir, "dev.key")
	if code, _, stderr := runCmd(t, "keys", "new-local", "--out", key); code != 0 {
		t.Fatalf("keys new-local: %s", stderr)
	}
	kek := "local:" + key
	dsn := "sqlite:" + path
	if code, _, stderr := runCmd(t, "migrate", "--db", dsn, "--schema", schema, "--kek", kek); code != 0 {
		t.Fatalf("migrate: exit %d: %s", code, stderr)
	}
	w, err := (&common{db: dsn, schema: schema, kek: kek}).connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	pd, err := w.Table("patient_data")
	if err != nil {
		t.Fatal(err)
	}
	row, err := pd.Get(context.Background(), int64(9))
	if err != nil {
		t.Fatal(err)
	}
	gotMname, _ := row["mname"].(string)
	if row["ss"] != ss || gotMname != mname {
		t.Errorf("row 9 after migrate: ss %v, mname %q (want %q)", row["ss"] == ss, gotMname, mname)
	}
}
