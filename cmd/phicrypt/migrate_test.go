package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/internal/testdb"
)

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestMigrateNewcomerChain is the README's path on an OpenEMR-shaped
// SQLite database: scan --emit-schema, keys new-local, keys init,
// migrate --dry-run, migrate, migrate --drop-plaintext.
func TestMigrateNewcomerChain(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "openemr.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	openEMRPatients(t, db, testdb.DialectSQLite, 300)
	var ss, email string
	if err := db.QueryRow("SELECT ss, email FROM patient_data WHERE pid = 7").Scan(&ss, &email); err != nil {
		t.Fatal(err)
	}
	db.Close()
	cfg := filepath.Join(dir, "scan.yaml")
	if err := os.WriteFile(cfg, []byte("site_terms: [pubpid]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	schema := filepath.Join(dir, "schema.yaml")
	dsn := "sqlite:" + path
	if code, _, stderr := runCmd(t, "scan", "--db", path, "--out", filepath.Join(dir, "r.html"), "--emit-schema", schema, "--sample", "0", "--config", cfg); code != 0 {
		t.Fatalf("scan: exit %d: %s", code, stderr)
	}
	key := filepath.Join(dir, "dev.key")
	if code, _, stderr := runCmd(t, "keys", "new-local", "--out", key); code != 0 {
		t.Fatalf("keys new-local: %s", stderr)
	}
	kek := "local:" + key
	// keys init is optional before migrate (migrate creates the missing
	// keysets itself); a newcomer following the README runs it.
	if code, _, stderr := runCmd(t, "keys", "init", "--db", dsn, "--schema", schema, "--kek", kek); code != 0 {
		t.Fatalf("keys init: exit %d: %s", code, stderr)
	}

	code, stdout, stderr := runCmd(t, "migrate", "--db", dsn, "--schema", schema, "--dry-run")
	if code != 0 {
		t.Fatalf("dry run: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"table patient_data (sqlite): 300 rows, key pid", `RENAME COLUMN "ss" TO "ss__plain"`, `ADD COLUMN "ss" BLOB`, "estimated time", "nothing was changed"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("dry run lacks %q:\n%s", want, stdout)
		}
	}
	code, stdout, _ = runCmd(t, "migrate", "--db", dsn, "--schema", schema, "--dry-run", "--json")
	var plan struct {
		Tables []struct {
			Rows int64
			DDL  []string
		}
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &plan) != nil || len(plan.Tables) != 1 || plan.Tables[0].Rows != 300 || len(plan.Tables[0].DDL) == 0 {
		t.Fatalf("dry run --json: exit %d: %s", code, stdout)
	}
	if cols := sqliteColumns(t, path); strings.Contains(cols, "__plain") {
		t.Fatalf("the dry run changed the table: %s", cols)
	}

	old := logEvery
	logEvery = 0
	defer func() { logEvery = old }()
	code, stdout, stderr = runCmd(t, "migrate", "--db", dsn, "--schema", schema, "--kek", kek, "--batch", "50", "--workers", "2")
	if code != 0 {
		t.Fatalf("migrate: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "patient_data: done, 300 rows examined") || !strings.Contains(stderr, "rows/s, ETA") {
		t.Fatalf("migrate output:\n%s\n%s", stdout, stderr)
	}
	code, stdout, stderr = runCmd(t, "migrate", "--db", dsn, "--schema", schema, "--kek", kek, "--drop-plaintext")
	if code != 0 {
		t.Fatalf("drop: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"verified 300 rows", "dropped ", "VACUUM", "wal_checkpoint(TRUNCATE)", "Outside phicrypt's reach"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("drop output lacks %q:\n%s", want, stdout)
		}
	}
	if cols := sqliteColumns(t, path); strings.Contains(cols, "__plain") {
		t.Fatalf("plaintext columns left: %s", cols)
	}
	for _, f := range []string{path, path + "-wal"} {
		b, _ := os.ReadFile(f)
		if bytes.Contains(b, []byte(ss)) || bytes.Contains(b, []byte(email)) {
			t.Fatalf("%s still holds a plaintext value", f)
		}
	}
	// The wrapper reads the row as it was.
	w, err := (&common{db: dsn, schema: schema, kek: kek}).connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	pd, _ := w.Table("patient_data")
	row, err := pd.Get(context.Background(), int64(7))
	if err != nil || row["ss"] != ss || row["email"] != email {
		t.Fatalf("row 7 after migrate: %v", err)
	}
}

func sqliteColumns(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT name FROM pragma_table_info('patient_data')")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	return strings.Join(names, ",")
}

func TestMigrateUsage(t *testing.T) {
	t.Setenv("PHICRYPT_KEK", "")
	if code, _, stderr := runCmd(t, "migrate", "--help"); code != 0 || !strings.Contains(stderr, "--drop-plaintext") {
		t.Fatalf("--help: exit %d: %s", code, stderr)
	}
	for _, args := range [][]string{
		{"migrate"},
		{"migrate", "--db", "sqlite:x.db"},
		{"migrate", "--db", "sqlite:x.db", "--schema", "s.yaml"},
		{"migrate", "--db", "sqlite:x.db", "--schema", "s.yaml", "--kek", "local:k", "--batch", "0"},
		{"migrate", "--db", "sqlite:x.db", "--schema", "s.yaml", "--dry-run", "--drop-plaintext"},
		{"migrate", "--bogus"},
	} {
		if code, _, stderr := runCmd(t, args...); code != 2 || !strings.Contains(stderr, "phicrypt: ") {
			t.Errorf("%v: exit %d, %s", args, code, stderr)
		}
	}
}

// A --table the schema does not name is a mistake on the command line:
// exit 2, naming the table.
func TestMigrateUnknownTableIsUsage(t *testing.T) {
	dsn, kek, schema := cliFixture(t, testdb.DialectSQLite)
	for _, extra := range [][]string{{"--dry-run"}, {"--kek", kek}} {
		args := append([]string{"migrate", "--db", dsn, "--schema", schema, "--table", "patients,nope"}, extra...)
		code, _, stderr := runCmd(t, args...)
		if code != 2 || !strings.Contains(stderr, "nope") {
			t.Errorf("%v: exit %d, %s", extra, code, stderr)
		}
	}
}
