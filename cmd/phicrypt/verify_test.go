package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/phicrypt/phicrypt"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/keyprovider/local"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// Tests of phicrypt verify, reencrypt and reindex (issue 10, items 5
// and 6) through the command's entry point, on every dialect.

const batchCLISchema = `version: 1
tables:
  - name: patients
    key: id
    key_type: integer
    row_binding: id
    columns:
      - name: ssn
        type: string
        nullable: true
        max_length: 16
        equality: {transforms: "digits", bits: %d}
      - name: lname
        type: string
        max_length: 64
        equality: {transforms: "nfkc,casefold,trim", bits: 12}
        prefix: {transforms: "nfkc,casefold,letters", max: 4}
`

// batchCLIDB is a database with 30 patients written through the wrapper.
type batchCLIDB struct {
	d                   testdb.Dialect
	dsn, schema, kek    string
	kekPath             string
	sql                 *sql.DB
	common              []string // --db --schema --kek
	ssns, names         []string
	rewriteSchemaBitsTo func(bits int)
}

func newBatchCLIDB(t *testing.T, d testdb.Dialect) *batchCLIDB {
	t.Helper()
	dir := t.TempDir()
	c := &batchCLIDB{d: d, schema: filepath.Join(dir, "schema.yaml"), kekPath: filepath.Join(dir, "kek.json")}
	if d == testdb.DialectSQLite {
		c.dsn = "sqlite:" + filepath.Join(dir, "cli.db")
		var err error
		if c.sql, _, err = phicrypt.OpenSQL(context.Background(), c.dsn); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.sql.Close() })
	} else {
		c.sql, c.dsn = testdb.Open(t, d)
	}
	if err := local.Create(c.kekPath); err != nil {
		t.Fatal(err)
	}
	c.kek = local.URI(c.kekPath)
	c.rewriteSchemaBitsTo = func(bits int) {
		if err := os.WriteFile(c.schema, fmt.Appendf(nil, batchCLISchema, bits), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c.rewriteSchemaBitsTo(16)
	c.common = []string{"--db", c.dsn, "--schema", c.schema, "--kek", c.kek}
	db := c.wrapper(t)
	defer db.Close()
	pats, err := db.Table("patients")
	if err != nil {
		t.Fatal(err)
	}
	var rows []sqlwrap.Row
	for i := 1; i <= 30; i++ {
		ssn := fmt.Sprintf("%03d-%02d-%04d", 100+i, 10+i, 1000+i)
		name := fmt.Sprintf("Canary%c%c", 'A'+i%26, 'a'+i%26)
		c.ssns, c.names = append(c.ssns, ssn), append(c.names, name)
		rows = append(rows, sqlwrap.Row{"id": int64(i), "ssn": ssn, "lname": name})
	}
	if _, err := pats.InsertBatch(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	return c
}

// wrapper connects through the wrapper, creating what the schema needs.
func (c *batchCLIDB) wrapper(t *testing.T) *sqlwrap.DB {
	t.Helper()
	db, err := phicrypt.ConnectFile(context.Background(), c.dsn, c.kek, c.schema)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// exec runs q with "?" placeholders.
func (c *batchCLIDB) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if c.d == testdb.DialectPostgres {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
		}
	}
	if _, err := c.sql.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func (c *batchCLIDB) ciphertext(t *testing.T, col string, id int) []byte {
	t.Helper()
	var b []byte
	if err := c.sql.QueryRowContext(context.Background(), fmt.Sprintf("SELECT %s FROM patients WHERE id = %d", col, id)).Scan(&b); err != nil {
		t.Fatal(err)
	}
	return b
}

// run runs phicrypt with args and the database's common flags.
func (c *batchCLIDB) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(append(args, c.common...), &out, &errOut)
	return code, out.String(), errOut.String()
}

// leaks fails if text holds a value of the table.
func (c *batchCLIDB) leaks(t *testing.T, what, text string) {
	t.Helper()
	for _, v := range append(append([]string{}, c.ssns...), c.names...) {
		if strings.Contains(text, v) {
			t.Fatalf("%s shows the value %q:\n%s", what, v, text)
		}
	}
}

func TestVerifyCommand(t *testing.T) {
	for _, d := range testdb.All() {
		t.Run(string(d), func(t *testing.T) {
			c := newBatchCLIDB(t, d)
			code, out, stderr := c.run(t, "verify")
			if code != 0 || !strings.Contains(out, "verify: clean") || !strings.Contains(out, "patients") {
				t.Fatalf("clean: exit %d\n%s\n%s", code, out, stderr)
			}
			code, out, _ = c.run(t, "verify", "--json", "--table", "patients")
			var res struct {
				Clean  bool                    `json:"clean"`
				Tables []*sqlwrap.VerifyReport `json:"tables"`
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || !res.Clean || len(res.Tables) != 1 || res.Tables[0].Rows != 30 || res.Tables[0].Opened != 60 {
				t.Fatalf("clean json: exit %d, %v\n%s", code, err, out)
			}

			// A tampered ciphertext, a wrong token, and plaintext written
			// by raw SQL.
			ct := c.ciphertext(t, "lname", 2)
			ct[len(ct)-1] ^= 0x80
			c.exec(t, "UPDATE patients SET lname = ? WHERE id = 2", ct)
			c.exec(t, "UPDATE patients SET ssn_eq = ssn_eq + 1 WHERE id = 3")
			c.exec(t, "UPDATE patients SET ssn = '"+c.ssns[3]+"' WHERE id = 4")
			code, out, stderr = c.run(t, "verify")
			if code != 1 || !strings.Contains(out, "PROBLEMS FOUND") {
				t.Fatalf("damaged: exit %d\n%s\n%s", code, out, stderr)
			}
			for _, want := range []string{"patients key 2 column lname: does_not_open (failed authentication)", "patients key 3 column ssn index ssn_eq: token_mismatch", "patients key 4 column ssn: plaintext"} {
				if !strings.Contains(out, want) {
					t.Errorf("no %q in\n%s", want, out)
				}
			}
			c.leaks(t, "verify", out+stderr)
			code, out, _ = c.run(t, "verify", "--json")
			if err := json.Unmarshal([]byte(out), &res); err != nil || code != 1 || res.Clean || res.Tables[0].ProblemCount != 3 {
				t.Fatalf("damaged json: exit %d, %v\n%s", code, err, out)
			}
			c.leaks(t, "verify --json", out)

			for _, bad := range [][]string{{"verify", "--table", "nope"}, {"verify", "--batch", "0"}} {
				if code, _, stderr := c.run(t, bad...); code != 2 {
					t.Errorf("%v: exit %d, %s", bad, code, stderr)
				}
			}
		})
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"verify", "--help"}, &out, &errOut); code != 0 || !strings.Contains(errOut.String(), "usage: phicrypt verify") {
		t.Fatalf("help: exit %d, %s", code, errOut.String())
	}
	if code := run([]string{"verify", "--db", "sqlite:x.db"}, &out, &errOut); code != 2 {
		t.Fatalf("missing flags: exit %d", code)
	}
}

// kekStopsAfter is a KEK whose service fails after n wraps.
type kekStopsAfter struct {
	keyprovider.KEK
	mu sync.Mutex
	n  int
}

func (k *kekStopsAfter) Wrap(ctx context.Context, pt, ad []byte) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.n == 0 {
		return nil, &keyprovider.Error{Provider: "test", KeyID: "k", Op: "wrap", Kind: keyprovider.ErrUnavailable}
	}
	k.n--
	return k.KEK.Wrap(ctx, pt, ad)
}

func TestVerifyCommandPartialRewrap(t *testing.T) {
	for _, d := range testdb.All() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			c := newBatchCLIDB(t, d)
			newPath := filepath.Join(t.TempDir(), "kek2.json")
			if err := local.Create(newPath); err != nil {
				t.Fatal(err)
			}
			oldKEK, err := keyprovider.Open(ctx, c.kek)
			if err != nil {
				t.Fatal(err)
			}
			newKEK, err := keyprovider.Open(ctx, local.URI(newPath))
			if err != nil {
				t.Fatal(err)
			}
			store, err := sqlwrap.NewKeysetStore(c.sql, string(d))
			if err != nil {
				t.Fatal(err)
			}
			ring, err := cipher.NewKeyring(cipher.Config{KEK: oldKEK, Store: store})
			if err != nil {
				t.Fatal(err)
			}
			// The rewrap moves 2 of the 8 keysets (value, index and
			// write-only sealing keysets, the last with their public halves),
			// then the service fails: 4 the schema uses stay under the old KEK.
			if n, err := ring.Rewrap(ctx, &kekStopsAfter{KEK: newKEK, n: 2}); err == nil || n != 2 {
				t.Fatalf("partial rewrap: %d, %v", n, err)
			}
			c.common[5] = local.URI(newPath)
			code, out, stderr := c.run(t, "verify")
			if code != 1 || strings.Count(out, "keyset_old_kek") != 4 {
				t.Fatalf("partial rewrap: exit %d\n%s\n%s", code, out, stderr)
			}
			c.leaks(t, "verify", out+stderr)
			ring2, err := cipher.NewKeyring(cipher.Config{KEK: newKEK, PreviousKEKs: []keyprovider.KEK{oldKEK}, Store: store})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ring2.Rewrap(ctx, newKEK); err != nil {
				t.Fatal(err)
			}
			if code, out, stderr := c.run(t, "verify"); code != 0 {
				t.Fatalf("after the rewrap: exit %d\n%s\n%s", code, out, stderr)
			}
		})
	}
}

func TestVerifyCommandProgress(t *testing.T) {
	c := newBatchCLIDB(t, testdb.DialectSQLite)
	every := batchProgressEvery
	batchProgressEvery = 0
	t.Cleanup(func() { batchProgressEvery = every })
	code, out, stderr := c.run(t, "verify", "--batch", "10")
	if code != 0 || !strings.Contains(stderr, "verify patients: 10 rows") || !strings.Contains(stderr, "verify patients: 30 rows") {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	batchProgressEvery = every
	if code, _, stderr := c.run(t, "verify", "--batch", "10"); code != 0 || stderr != "" {
		t.Fatalf("a short check prints progress: %q", stderr)
	}
}
