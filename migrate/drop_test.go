package migrate

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/internal/testdb"
)

// TestDropPlaintext drops the __plain columns after a verify and leaves no
// fixture SSN or email in the SQLite file or its WAL.
func TestDropPlaintext(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, 600)
		var canaries [][]byte
		for _, p := range f.rows {
			canaries = append(canaries, []byte(p.vals["ss"].(string)), []byte(p.vals["email"].(string)))
		}
		var files []string
		if d == testdb.DialectSQLite {
			var path string
			if err := f.db.QueryRow("SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&path); err != nil {
				t.Fatal(err)
			}
			files = []string{path, path + "-wal"}
			if found := grep(t, files, canaries); found == 0 {
				t.Fatal("the canary grep finds nothing before the drop: it tests nothing")
			}
		}
		f.migrateAll(t, Options{Workers: 2})
		m := f.migrator(t, Options{})
		w, err := m.Prepare(ctx, f.ring(t, f.kekURI))
		if err != nil {
			t.Fatal(err)
		}
		dropped, err := m.DropPlaintext(ctx, w)
		if err != nil {
			t.Fatal(err)
		}
		if len(dropped) != 1 || len(dropped[0].Dropped) != len(protected) || !dropped[0].Verify.OK() {
			t.Fatalf("drop: %+v", dropped[0])
		}
		if cols := f.columnNames(t); strings.Contains(cols, "__plain") {
			t.Fatalf("columns left: %s", cols)
		}
		if valuesHash(f.readBack(t)) != valuesHash(f.rows) {
			t.Fatal("values differ after the drop")
		}
		if d == testdb.DialectSQLite {
			if found := grep(t, files, canaries); found != 0 {
				t.Fatalf("%d canaries still in the database files", found)
			}
		}
		// Running again is a no-op.
		if _, err := m.Run(ctx, w); err != nil {
			t.Fatal(err)
		}
		if _, err := m.DropPlaintext(ctx, w); err != nil {
			t.Fatal(err)
		}
	})
}

func grep(t *testing.T, files []string, canaries [][]byte) int {
	t.Helper()
	n := 0
	for _, p := range files {
		b, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range canaries {
			if bytes.Contains(b, c) {
				n++
			}
		}
	}
	return n
}

// TestSkipBadRows: a value that does not fit its type stops the run by
// key and column (never the value); with SkipBadRows it is recorded and
// the run goes on, and --drop-plaintext refuses while it is left.
func TestSkipBadRows(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, 400)
		const bad = "123-45-6789-0000-99999" // longer than max_length 16
		if _, err := f.db.Exec(f.rebind("UPDATE patient_data SET ss = ? WHERE pid = 301"), bad); err != nil {
			t.Fatal(err)
		}
		m := f.migrator(t, Options{Batch: 50, Workers: 1})
		w, err := m.Prepare(ctx, f.ring(t, f.kekURI))
		if err != nil {
			t.Fatal(err)
		}
		_, err = m.Run(ctx, w)
		if !errors.Is(err, ErrBadValue) || !strings.Contains(err.Error(), "pid = 301") || !strings.Contains(err.Error(), "column ss") || strings.Contains(err.Error(), bad) {
			t.Fatalf("bad value: %v", err)
		}
		m.Close()
		m = f.migrator(t, Options{Batch: 50, Workers: 2, SkipBadRows: true})
		if w, err = m.Prepare(ctx, f.ring(t, f.kekURI)); err != nil {
			t.Fatal(err)
		}
		res, err := m.Run(ctx, w)
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Bad < 1 {
			t.Fatalf("result: %+v", res[0])
		}
		var key, col, reason string
		if err := f.db.QueryRow("SELECT "+m.q("key")+", col, reason FROM "+BadRowsTable).Scan(&key, &col, &reason); err != nil {
			t.Fatal(err)
		}
		if key != "301" || col != "ss" || strings.Contains(reason, bad) {
			t.Fatalf("bad row: %s %s %s", key, col, reason)
		}
		if got := f.sealedTotal(t); got != nonNull(f.rows)-1 {
			t.Fatalf("sealed %d, want %d", got, nonNull(f.rows)-1)
		}
		_, err = m.DropPlaintext(ctx, w)
		if !errors.Is(err, ErrVerify) || !strings.Contains(err.Error(), "1 values not sealed") {
			t.Fatalf("drop with a bad row left: %v", err)
		}
		if !strings.Contains(f.columnNames(t), "ss__plain") {
			t.Fatal("a failed verify dropped columns")
		}
	})
}

func (f *fixture) rebind(q string) string {
	return (&Migrator{dialect: f.dialect}).rebind(q)
}
