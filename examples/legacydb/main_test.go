package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt"
)

// TestWritesPlaintextTable checks the table the README migrates: OpenEMR's
// columns as NOT NULL text with an empty default, pid unique, the README's
// patient first, the same rows on every run, and no overwrite.
func TestWritesPlaintextTable(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "legacy.db")
	var out bytes.Buffer
	if err := run(context.Background(), &out, path, 300); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "300 plaintext patients") {
		t.Fatalf("output: %s", out.String())
	}
	db, _, err := phicrypt.OpenSQL(context.Background(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n, pids int
	if err := db.QueryRow("SELECT COUNT(*), COUNT(DISTINCT pid) FROM patient_data").Scan(&n, &pids); err != nil {
		t.Fatal(err)
	}
	if n != 300 || pids != 300 {
		t.Fatalf("%d rows, %d distinct pids", n, pids)
	}
	var lname, ss, dob, dobType, email string
	if err := db.QueryRow("SELECT lname, ss, DOB || '', typeof(DOB), email FROM patient_data WHERE pid = 1").Scan(&lname, &ss, &dob, &dobType, &email); err != nil {
		t.Fatal(err)
	}
	if lname != "Núñez" || ss != "078-05-1120" || dob != "1948-03-17" || dobType != "text" || email != "ana.nunez@example.org" {
		t.Fatalf("pid 1 is %q %q %q (%s) %q", lname, ss, dob, dobType, email)
	}
	// OpenEMR's declarations: text NOT NULL DEFAULT '', DOB nullable, pid
	// unique (so either id or pid can key the migration).
	decl := map[string]struct {
		typ     string
		notNull bool
		def     any
	}{}
	rows, err := db.Query("SELECT name, type, \"notnull\", dflt_value FROM pragma_table_info('patient_data')")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name, typ string
		var nn bool
		var def any
		if err := rows.Scan(&name, &typ, &nn, &def); err != nil {
			t.Fatal(err)
		}
		decl[name] = struct {
			typ     string
			notNull bool
			def     any
		}{typ, nn, def}
	}
	rows.Close()
	for _, c := range []string{"pubpid", "fname", "lname", "mname", "ss", "street", "postal_code", "city", "state", "phone_home", "phone_cell", "email", "sex"} {
		d, ok := decl[c]
		if !ok || d.typ != "VARCHAR(255)" || !d.notNull || d.def != "''" {
			t.Errorf("column %s declared %+v", c, d)
		}
	}
	if d := decl["DOB"]; d.typ != "DATE" || d.notNull {
		t.Errorf("DOB declared %+v", d)
	}
	var uniquePid int
	if err := db.QueryRow(`SELECT COUNT(*) FROM pragma_index_list('patient_data') l, pragma_index_info(l.name) i WHERE l."unique" AND i.name = 'pid'`).Scan(&uniquePid); err != nil || uniquePid != 1 {
		t.Fatalf("pid unique: %d, %v", uniquePid, err)
	}

	// Deterministic: a second database holds the same rows.
	other := filepath.Join(dir, "other.db")
	if err := run(context.Background(), &out, other, 300); err != nil {
		t.Fatal(err)
	}
	if a, b := tableHash(t, path), tableHash(t, other); a != b {
		t.Fatal("two runs wrote different rows")
	}

	// No overwrite: the file is left as it was.
	before, _ := os.ReadFile(path)
	err = run(context.Background(), &out, path, 10)
	if err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("second run over the same file: %v", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Fatal("the existing database was changed")
	}
}

func tableHash(t *testing.T, path string) string {
	t.Helper()
	db, _, err := phicrypt.OpenSQL(context.Background(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT * FROM patient_data ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	h := sha256.New()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(h, "%q\n", vals)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}
