package migrate

import (
	"context"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/internal/testdb"
)

// TestPrepare renames the plaintext columns, drops their NOT NULL, keeps
// the table's indexes and rows, adds the wrapper's columns, and is a
// no-op the second time.
func TestPrepare(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) { checkPrepare(t, d, false) })
}

// TestPrepareSQLiteRebuild drops NOT NULL by the twelve-step rebuild, as
// on an SQLite without ALTER COLUMN … DROP NOT NULL.
func TestPrepareSQLiteRebuild(t *testing.T) {
	checkPrepare(t, testdb.DialectSQLite, true)
}

func checkPrepare(t *testing.T, d testdb.Dialect, rebuild bool) {
	{
		ctx := context.Background()
		f := newFixture(t, d, 30)
		if d == testdb.DialectSQLite {
			if _, err := f.db.Exec(`CREATE TRIGGER patient_audit AFTER UPDATE OF lname ON patient_data BEGIN SELECT 1; END`); err != nil {
				t.Fatal(err)
			}
		}
		var rowids string
		if d == testdb.DialectSQLite {
			rowids = sqliteRowids(t, f)
		}
		m := f.migrator(t, Options{})
		m.forceRebuild = rebuild
		if _, err := m.Prepare(ctx, f.ring(t, f.kekURI)); err != nil {
			t.Fatal(err)
		}
		if d == testdb.DialectSQLite {
			if got := sqliteRowids(t, f); got != rowids {
				t.Fatalf("rowids changed: %s -> %s", rowids, got)
			}
			// The other constraints stay: pid is still unique.
			if _, err := f.db.Exec("INSERT INTO patient_data (pid) VALUES (1)"); err == nil || !strings.Contains(err.Error(), "UNIQUE") {
				t.Fatalf("duplicate pid: %v", err)
			}
		}
		cols, err := m.columns(ctx, "patient_data")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range protected {
			p := cols[c+PlainSuffix]
			if p == nil || p.notNull {
				t.Fatalf("%s__plain: %+v", c, p)
			}
			if cols[c] == nil || !cols[c].binary() {
				t.Fatalf("%s: %+v, want the ciphertext column", c, cols[c])
			}
		}
		if cols["ss_eq"] == nil || cols["city"] == nil || cols["id"] == nil {
			t.Fatalf("columns: %v", f.columnNames(t))
		}
		// The plaintext stays where it was, and NULL may go in now.
		var n int
		if err := f.db.QueryRow("SELECT COUNT(*) FROM patient_data WHERE ss__plain LIKE '9%' AND ss IS NULL").Scan(&n); err != nil || n != 30 {
			t.Fatalf("rows after prepare: %d, %v", n, err)
		}
		if _, err := f.db.Exec("UPDATE patient_data SET fname__plain = NULL WHERE pid = 1"); err != nil {
			t.Fatalf("NOT NULL kept: %v", err)
		}
		if _, err := f.db.Exec("UPDATE patient_data SET fname__plain = 'James' WHERE pid = 1"); err != nil {
			t.Fatal(err)
		}
		var idx string
		q := map[testdb.Dialect]string{
			testdb.DialectSQLite:   "SELECT sql FROM sqlite_schema WHERE name = 'patient_data_lname'",
			testdb.DialectPostgres: "SELECT indexdef FROM pg_indexes WHERE indexname = 'patient_data_lname'",
			testdb.DialectMySQL:    "SELECT COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME = 'patient_data_lname'",
		}[d]
		if err := f.db.QueryRow(q).Scan(&idx); err != nil || !strings.Contains(idx, "lname__plain") {
			t.Fatalf("index on lname: %q, %v", idx, err)
		}
		if d == testdb.DialectSQLite {
			var trig string
			if err := f.db.QueryRow("SELECT sql FROM sqlite_schema WHERE name = 'patient_audit'").Scan(&trig); err != nil || !strings.Contains(trig, "lname__plain") {
				t.Fatalf("trigger: %q, %v", trig, err)
			}
		}
		m.Close()
		m2 := f.migrator(t, Options{})
		plan, err := m2.Plan(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range plan.Tables[0].DDL {
			if strings.Contains(s, "RENAME") || strings.Contains(s, "NOT NULL") && !strings.Contains(s, "CREATE TABLE") || strings.Contains(s, "ADD COLUMN") {
				t.Errorf("prepared table still plans %s", s)
			}
		}
		if plan.Tables[0].Phase != PhasePrepared {
			t.Errorf("phase %q", plan.Tables[0].Phase)
		}
		if _, err := m2.Prepare(ctx, f.ring(t, f.kekURI)); err != nil {
			t.Fatalf("second prepare: %v", err)
		}
	}
}

func sqliteRowids(t *testing.T, f *fixture) string {
	t.Helper()
	var s string
	if err := f.db.QueryRow("SELECT group_concat(rowid || ':' || pid) FROM (SELECT rowid, pid FROM patient_data ORDER BY pid)").Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestReviseCreate(t *testing.T) {
	in := `CREATE TABLE "pd" (id INTEGER PRIMARY KEY AUTOINCREMENT, -- the id
	"a__plain" VARCHAR(255) NOT NULL DEFAULT '' CHECK (a__plain <> 'NOT NULL'),
	[b__plain] TEXT CONSTRAINT bnn NOT NULL ON CONFLICT REPLACE DEFAULT 'x, y',
	c TEXT NOT NULL /* stays */, UNIQUE (c))`
	got, err := reviseCreate(in, `"tmp"`, []string{"a__plain", "b__plain"})
	if err != nil {
		t.Fatal(err)
	}
	want := `CREATE TABLE "tmp" (id INTEGER PRIMARY KEY AUTOINCREMENT, -- the id
	"a__plain" VARCHAR(255)   DEFAULT '' CHECK (a__plain <> 'NOT NULL'),
	[b__plain] TEXT        DEFAULT 'x, y',
	c TEXT NOT NULL /* stays */, UNIQUE (c))`
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}
