package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// TestMigrateKilled runs the real binary on an OpenEMR-shaped table of
// each dialect, kills it with SIGKILL at five random moments and resumes:
// at the end every value was sealed exactly once (the sealed counter,
// which commits with each batch, equals the number of non-NULL plaintext
// values), a SHA-256 over the plaintext before equals the one over the
// decrypted values after, and --drop-plaintext's full verify passes.
func TestMigrateKilled(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "phicrypt")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, d := range testdb.All() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			killAndResume(t, bin, d)
		})
	}
}

func killAndResume(t *testing.T, bin string, d testdb.Dialect) {
	dir := t.TempDir()
	db, dsn := testdb.Open(t, d)
	const n = 40000
	openEMRPatients(t, db, d, n)
	cfg := filepath.Join(dir, "scan.yaml")
	os.WriteFile(cfg, []byte("site_terms: [pubpid]\n"), 0o644)
	schemaPath := filepath.Join(dir, "schema.yaml")
	if code, _, stderr := runCmd(t, "scan", "--db", dsn, "--table", "patient_data", "--out", filepath.Join(dir, "r.html"), "--emit-schema", schemaPath, "--sample", "0", "--config", cfg); code != 0 {
		t.Fatalf("scan: %s", stderr)
	}
	schema, err := sqlwrap.LoadSchemaFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	st := schema.Tables[0]
	before, values := plaintextHash(t, db, d, st)
	key := filepath.Join(dir, "dev.key")
	if code, _, stderr := runCmd(t, "keys", "new-local", "--out", key); code != 0 {
		t.Fatal(stderr)
	}
	args := []string{"migrate", "--db", dsn, "--schema", schemaPath, "--kek", "local:" + key, "--batch", "200", "--workers", "2"}

	seed := uint64(time.Now().UnixNano())
	t.Logf("kill moments seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	hits := 0
	for i := 0; i < 5; i++ {
		cmd := exec.Command(bin, args...)
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(150+rng.IntN(1150)) * time.Millisecond)
		if cmd.Process.Signal(syscall.SIGKILL) == nil {
			hits++
		}
		err := cmd.Wait()
		t.Logf("run %d: %v; state %s\n%s", i, err, migrationState(db), lastLines(out.String(), 3))
		// The next run takes the killed one's lock over at once: its
		// process is gone (same host), whatever its heartbeat says.
	}
	if hits < 3 {
		t.Fatalf("only %d of 5 kills hit a running migration: make the table larger", hits)
	}
	out, err := exec.Command(bin, append(args, "--drop-plaintext")...).CombinedOutput()
	if err != nil {
		t.Fatalf("final run: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), fmt.Sprintf("verified %d rows", n)) {
		t.Fatalf("final run:\n%s", out)
	}
	var sealed int64
	if err := db.QueryRow("SELECT sealed FROM phicrypt_migrations WHERE tbl = 'patient_data'").Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if sealed != values {
		t.Fatalf("sealed %d values over the runs, want exactly %d", sealed, values)
	}
	w, err := (&common{db: dsn, schema: schemaPath, kek: "local:" + key}).connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if after := decryptedHash(t, w, st); after != before {
		t.Fatalf("hash after %s != before %s", after, before)
	}
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

func canonValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "\x00"
	case time.Time:
		return x.Format(time.DateOnly)
	case cipher.Date:
		return fmt.Sprintf("%04d-%02d-%02d", x.Year, x.Month, x.Day)
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

// plaintextHash hashes the protected values of st in key order, read with
// plain SQL, and counts the non-NULL ones.
func plaintextHash(t *testing.T, db *sql.DB, d testdb.Dialect, st *sqlwrap.Table) (string, int64) {
	t.Helper()
	var cols []string
	for _, c := range st.Columns {
		if d == testdb.DialectMySQL {
			cols = append(cols, "`"+c.Name+"`")
		} else {
			cols = append(cols, `"`+c.Name+`"`)
		}
	}
	rows, err := db.Query("SELECT " + strings.Join(cols, ", ") + " FROM " + st.Name + " ORDER BY " + st.Key)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	h := sha256.New()
	var n int64
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if s, ok := v.(string); ok && s == "" && st.Columns[i].Type != sqlwrap.TypeString {
				v = nil
			}
			if v != nil {
				n++
			}
			fmt.Fprintf(h, "%s|", canonValue(v))
		}
	}
	return hex.EncodeToString(h.Sum(nil)), n
}

func decryptedHash(t *testing.T, w *sqlwrap.DB, st *sqlwrap.Table) string {
	t.Helper()
	ta, err := w.Table(st.Name)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	for r, err := range ta.Rows(context.Background(), sqlwrap.Query{OrderBy: []sqlwrap.Order{{Col: st.Key}}}) {
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range st.Columns {
			fmt.Fprintf(h, "%s|", canonValue(r[c.Name]))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// migrationState is the phase, checkpoint and sealed counter of
// patient_data ("-" before the state table exists).
func migrationState(db *sql.DB) string {
	var phase string
	var last sql.NullString
	var sealed int64
	if err := db.QueryRow("SELECT phase, last_key, sealed FROM phicrypt_migrations WHERE tbl = 'patient_data'").Scan(&phase, &last, &sealed); err != nil {
		return "-"
	}
	return fmt.Sprintf("phase %s, checkpoint %s, %d sealed", phase, last.String, sealed)
}
