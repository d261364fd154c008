package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/internal/testdb"
)

// TestDropPlaintextNamesServerLogs: the note that `migrate
// --drop-plaintext` prints at the end names the server files where the
// canary grep of migrate's TestDropPlaintextServerFiles still finds (or,
// without a superuser, may find) plaintext: PostgreSQL's pg_wal and
// archived WAL, MariaDB's redo log, undo logs and binary logs.
func TestDropPlaintextNamesServerLogs(t *testing.T) {
	want := map[testdb.Dialect][]string{
		testdb.DialectPostgres: {"pg_wal", "archived WAL", "replication slot"},
		testdb.DialectMySQL:    {"ib_logfile0", "ibdata1", "undo", "doublewrite", "binary logs"},
	}
	for d, words := range want {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			db, dsn := testdb.Open(t, d)
			openEMRPatients(t, db, d, 50)
			dir := t.TempDir()
			schema := filepath.Join(dir, "schema.yaml")
			if err := os.WriteFile(schema, []byte(`version: 1
tables:
  - name: patient_data
    key: pid
    row_binding: pid
    columns:
      - {name: ss, type: string, nullable: true}
      - {name: email, type: string, nullable: true}
`), 0o644); err != nil {
				t.Fatal(err)
			}
			key := filepath.Join(dir, "dev.key")
			if code, _, stderr := runCmd(t, "keys", "new-local", "--out", key); code != 0 {
				t.Fatal(stderr)
			}
			code, stdout, stderr := runCmd(t, "migrate", "--db", dsn, "--schema", schema, "--kek", "local:"+key, "--drop-plaintext")
			if code != 0 {
				t.Fatalf("migrate --drop-plaintext: exit %d\n%s%s", code, stdout, stderr)
			}
			i := strings.Index(stdout, "Outside phicrypt's reach")
			if i < 0 {
				t.Fatalf("no note on what stays outside:\n%s", stdout)
			}
			for _, w := range words {
				if !strings.Contains(stdout[i:], w) {
					t.Errorf("the note does not name %q:\n%s", w, stdout[i:])
				}
			}
		})
	}
}
