package phicrypt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/keyprovider/local"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

func TestMain(m *testing.M) { testdb.Main(m) }

const connectSchemaYAML = `
version: 1
tables:
  - name: patients
    key: id
    row_binding: id
    columns:
      - name: ssn
        type: string
        equality: {name: ssn_eq, transforms: "digits", bits: 16}
      - name: last_name
        type: string
        equality: {name: last_name_eq, transforms: "nfkc,casefold,trim,nodiacritics", bits: 16}
`

func connectSchema(t *testing.T) *sqlwrap.Schema {
	t.Helper()
	s, err := sqlwrap.ParseSchema("connect_test.yaml", []byte(connectSchemaYAML))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func keyURI(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.key")
	if err := local.Create(path); err != nil {
		t.Fatal(err)
	}
	return local.URI(path)
}

// connectDSNs gives, per dialect, the DSN forms Connect documents.
func connectDSNs(t *testing.T, d testdb.Dialect) []string {
	switch d {
	case testdb.DialectSQLite:
		return []string{"sqlite:" + filepath.Join(t.TempDir(), "p.db"), "sqlite://" + filepath.Join(t.TempDir(), "p.db")}
	case testdb.DialectPostgres:
		return []string{testdb.PostgresDSN(t)}
	default:
		raw := testdb.MySQLDSN(t)
		return []string{raw, "mysql://" + raw}
	}
}

func TestIssue9_5_ConnectOpensEachDialect(t *testing.T) {
	ctx := context.Background()
	for _, d := range testdb.All() {
		t.Run(string(d), func(t *testing.T) {
			key := keyURI(t)
			for i, dsn := range connectDSNs(t, d) {
				db, err := Connect(ctx, dsn, key, connectSchema(t))
				if err != nil {
					t.Fatalf("DSN form %d: %v", i, err)
				}
				pats, err := db.Table("patients")
				if err != nil {
					t.Fatal(err)
				}
				if _, err := pats.Insert(ctx, sqlwrap.Row{"id": int64(i + 1), "ssn": fmt.Sprintf("078-05-112%d", i), "last_name": "Núñez"}); err != nil {
					t.Fatalf("DSN form %d: insert: %v", i, err)
				}
				found, err := pats.Find(ctx, sqlwrap.Query{Where: []sqlwrap.Pred{sqlwrap.Eq("ssn", fmt.Sprintf("07805112%d", i))}})
				if err != nil || len(found) != 1 || found[0]["last_name"] != "Núñez" {
					t.Fatalf("DSN form %d: Find = %v, %v", i, found, err)
				}
				sqldb := db.SQL()
				if err := db.Close(); err != nil {
					t.Fatal(err)
				}
				if err := sqldb.Ping(); err == nil {
					t.Fatalf("DSN form %d: the *sql.DB Connect opened is still open after DB.Close", i)
				}
				// A second Connect on the same database and key reads what
				// the first wrote: the keysets live in the database.
				db2, err := Connect(ctx, dsn, key, connectSchema(t))
				if err != nil {
					t.Fatalf("DSN form %d: reconnect: %v", i, err)
				}
				pats2, _ := db2.Table("patients")
				row, err := pats2.Get(ctx, int64(i+1))
				if err != nil || row["ssn"] != fmt.Sprintf("078-05-112%d", i) {
					t.Fatalf("DSN form %d: Get after reconnect = %v, %v", i, row, err)
				}
				db2.Close()
			}
		})
	}
}

// TestIssue9_5_ConnectSQLiteConcurrentWriters: 8 goroutines inserting at
// once through a Connect'ed SQLite database meet no "database is locked".
func TestIssue9_5_ConnectSQLiteConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	db, err := Connect(ctx, "sqlite:"+filepath.Join(t.TempDir(), "p.db"), keyURI(t), connectSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pats, err := db.Table("patients")
	if err != nil {
		t.Fatal(err)
	}
	const workers, perWorker = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				id := int64(w*perWorker + i + 1)
				if _, err := pats.Insert(ctx, sqlwrap.Row{"id": id, "ssn": fmt.Sprintf("%09d", id), "last_name": "Doe"}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	n := 0
	for err := range errs {
		if n == 0 {
			t.Errorf("insert: %v", err)
		}
		n++
	}
	if n > 0 {
		t.Fatalf("%d of %d inserts failed", n, workers*perWorker)
	}
	var count int
	if err := db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM patients").Scan(&count); err != nil || count != workers*perWorker {
		t.Fatalf("rows = %d, %v; want %d", count, err, workers*perWorker)
	}
}

// TestIssue9_5_ConnectNamesWhatWasWrong: a bad DSN, a bad key URI and a
// broken schema each give an error that says which, without a password.
func TestIssue9_5_ConnectNamesWhatWasWrong(t *testing.T) {
	ctx := context.Background()
	good := "sqlite:" + filepath.Join(t.TempDir(), "p.db")
	broken := connectSchema(t)
	broken.Tables[0].Columns[0].Equality[0].Transforms = "nosuchtransform"
	cases := []struct {
		name, dsn, key string
		schema         *sqlwrap.Schema
		want           []string
		is             error
	}{
		{"unknown DSN", "oracle://scott:tiger@db/x", keyURI(t), connectSchema(t), []string{"database", "cannot tell the database", "sqlite:PATH"}, ErrConnect},
		{"empty DSN", "", keyURI(t), connectSchema(t), []string{"no DSN"}, ErrConnect},
		{"memory", "sqlite::memory:", keyURI(t), connectSchema(t), []string{"in-memory"}, ErrConnect},
		{"bad mysql", "mysql://u:hunter2@tcp(h:3306/db", keyURI(t), connectSchema(t), []string{"mysql database", "not a MySQL DSN"}, ErrConnect},
		{"unreachable postgres", "postgres://u:hunter2@127.0.0.1:1/db?connect_timeout=2", keyURI(t), connectSchema(t), []string{"postgres database"}, nil},
		{"unknown key scheme", good, "gcp-kms://projects/x", connectSchema(t), []string{`key URI "gcp-kms://projects/x"`, "no provider"}, keyprovider.ErrBadURI},
		{"missing key file", good, "local:" + filepath.Join(t.TempDir(), "absent.key"), connectSchema(t), []string{"key URI", "absent.key"}, nil},
		{"empty key", good, "", connectSchema(t), []string{"no key URI"}, ErrConnect},
		{"broken schema", good, keyURI(t), broken, []string{"schema", "patients.ssn", "nosuchtransform"}, sqlwrap.ErrSchema},
		{"nil schema", good, keyURI(t), nil, []string{"schema", "no schema"}, ErrConnect},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db, err := Connect(ctx, c.dsn, c.key, c.schema)
			if err == nil {
				db.Close()
				t.Fatal("Connect succeeded")
			}
			msg := err.Error()
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", msg, w)
				}
			}
			if strings.Contains(msg, "hunter2") {
				t.Errorf("error %q shows the password", msg)
			}
			if strings.Count(msg, "phicrypt:") != 1 {
				t.Errorf("error %q: want one phicrypt: prefix", msg)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error %q does not wrap %v", msg, c.is)
			}
		})
	}
}

func TestIssue9_5_ConnectFileReadsTheSchema(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "phi.yaml")
	if err := os.WriteFile(path, []byte(connectSchemaYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := ConnectFile(ctx, "sqlite:"+filepath.Join(dir, "p.db"), keyURI(t), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Table("patients"); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("version: 1\ntables:\n  - name: patients\n    colums: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{bad, filepath.Join(dir, "absent.yaml")} {
		_, err := ConnectFile(ctx, "sqlite:"+filepath.Join(dir, "p.db"), keyURI(t), p)
		if err == nil || !strings.Contains(err.Error(), "schema") || !strings.Contains(err.Error(), filepath.Base(p)) || strings.Count(err.Error(), "phicrypt:") != 1 {
			t.Errorf("ConnectFile with %s: %v", filepath.Base(p), err)
		}
	}
}
