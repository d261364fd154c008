package migrate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/keyprovider/local"
	"github.com/phicrypt/phicrypt/sqlwrap"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

func forEachDialect(t *testing.T, f func(t *testing.T, d testdb.Dialect)) {
	for _, d := range testdb.All() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			f(t, d)
		})
	}
}

// TestMigrateOpenEMR migrates the fixture and reads every row back
// through the wrapper: the values hash the same, every non-NULL value was
// sealed exactly once, and a second run seals nothing.
func TestMigrateOpenEMR(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, 2000)
		before := valuesHash(f.rows)

		plan, err := f.migrator(t, Options{}).Plan(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tp := plan.Tables[0]
		if tp.Rows != 2000 || tp.Key != "pid" || len(tp.Columns) != len(protected) {
			t.Fatalf("plan: %+v", tp)
		}
		ddl := strings.Join(tp.DDL, "\n")
		for _, want := range []string{"ss__plain", "ADD COLUMN " + quoteFor(d, "ss"), "ss_eq", "NULL"} {
			if !strings.Contains(ddl, want) {
				t.Errorf("plan DDL lacks %q:\n%s", want, ddl)
			}
		}
		if got := f.columnNames(t); strings.Contains(got, "__plain") {
			t.Fatalf("Plan changed the table: %s", got)
		}

		res := f.migrateAll(t, Options{Workers: 3})
		if res[0].Sealed != nonNull(f.rows) || res[0].Rows < 2000 {
			t.Fatalf("run: %+v, want %d sealed", res[0], nonNull(f.rows))
		}
		if got := valuesHash(f.readBack(t)); got != before {
			t.Fatalf("values differ after migrate: %s != %s", got, before)
		}
		// Every ciphertext column is filled and no value was sealed twice.
		var empty int
		if err := f.db.QueryRow("SELECT COUNT(*) FROM patient_data WHERE ss IS NULL OR email IS NULL").Scan(&empty); err != nil || empty != 0 {
			t.Fatalf("%d rows without ciphertext (%v)", empty, err)
		}
		again := f.migrateAll(t, Options{Workers: 2})
		if again[0].Sealed != 0 {
			t.Fatalf("second run sealed %d values", again[0].Sealed)
		}
		if got := f.sealedTotal(t); got != nonNull(f.rows) {
			t.Fatalf("sealed total %d, want %d", got, nonNull(f.rows))
		}
		// Searches through the wrapper find migrated rows by their tokens.
		m := f.migrator(t, Options{})
		w, err := m.Prepare(ctx, f.ring(t, f.kekURI))
		if err != nil {
			t.Fatal(err)
		}
		vr, err := m.Verify(ctx, w, "patient_data")
		if err != nil || !vr.OK() || vr.Compared != nonNull(f.rows) || vr.Rows != 2000 {
			t.Fatalf("verify: %+v, %v", vr, err)
		}
	})
}

func quoteFor(d testdb.Dialect, id string) string {
	if d == testdb.DialectMySQL {
		return "`" + id + "`"
	}
	return `"` + id + `"`
}

// TestResumeAfterCancel stops a run after a few batches, as Ctrl-C does,
// and resumes it with a new Migrator: nothing is sealed twice and the
// values are intact.
func TestResumeAfterCancel(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, 1500)
		for _, stopAfter := range []int{2, 3} {
			m := f.migrator(t, Options{Batch: 100, Workers: 2})
			w, err := m.Prepare(ctx, f.ring(t, f.kekURI))
			if err != nil {
				t.Fatal(err)
			}
			cctx, cancel := context.WithCancel(ctx)
			var n atomic.Int32
			m.opts.Progress = func(p Progress) {
				if int(n.Add(1)) == stopAfter {
					cancel()
				}
			}
			_, err = m.Run(cctx, w)
			cancel()
			if !errors.Is(err, ErrStopped) || !strings.Contains(err.Error(), "run the same command again to resume") {
				t.Fatalf("cancelled run: %v", err)
			}
			m.Close()
		}
		if f.sealedTotal(t) >= nonNull(f.rows) {
			t.Fatalf("the cancelled runs sealed everything (%d): nothing to resume", f.sealedTotal(t))
		}
		f.migrateAll(t, Options{Batch: 100, Workers: 3})
		if got := f.sealedTotal(t); got != nonNull(f.rows) {
			t.Fatalf("sealed %d values over the runs, want exactly %d", got, nonNull(f.rows))
		}
		if valuesHash(f.readBack(t)) != valuesHash(f.rows) {
			t.Fatal("values differ after the resumed migration")
		}
	})
}

// TestSecondMigrateRefused: a second migration of a locked table is
// refused; a lock whose heartbeat went stale is taken over.
func TestSecondMigrateRefused(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, 50)
		m1 := f.migrator(t, Options{Owner: "first"})
		if _, err := m1.Prepare(ctx, f.ring(t, f.kekURI)); err != nil {
			t.Fatal(err)
		}
		m2 := f.migrator(t, Options{Owner: "second"})
		_, err := m2.Prepare(ctx, f.ring(t, f.kekURI))
		if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "first is migrating it") {
			t.Fatalf("second migrate: %v", err)
		}
		// The first one dies without releasing: its heartbeat stops.
		m1.mu.Lock()
		l := m1.locks["patient_data"]
		m1.locks = nil
		m1.mu.Unlock()
		close(l.stop)
		<-l.done
		if _, err := f.db.Exec("UPDATE " + StateTable + " SET heartbeat = heartbeat - 600000"); err != nil {
			t.Fatal(err)
		}
		var notes []string
		m3 := f.migrator(t, Options{Owner: "third", Logf: func(format string, args ...any) { notes = append(notes, format) }})
		w, err := m3.Prepare(ctx, f.ring(t, f.kekURI))
		if err != nil {
			t.Fatalf("stale lock not taken over: %v", err)
		}
		if _, err := m3.Run(ctx, w); err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(notes, func(s string) bool { return strings.Contains(s, "took over") }) {
			t.Errorf("no note about the lock taken over: %q", notes)
		}
		m3.Close()
		// A holder of this host whose process is gone (kill -9) is taken
		// over at once, whatever its heartbeat says.
		dead := exec.Command("true")
		if err := dead.Run(); err != nil {
			t.Fatal(err)
		}
		host, _ := os.Hostname()
		gone := fmt.Sprintf("%s:%d:deadbeef", host, dead.Process.Pid)
		if _, err := f.db.Exec(f.rebind("UPDATE "+StateTable+" SET owner = ?, heartbeat = ?"), gone, time.Now().UnixMilli()); err != nil {
			t.Fatal(err)
		}
		notes = nil
		m4 := f.migrator(t, Options{Owner: "fourth", Logf: func(format string, args ...any) { notes = append(notes, fmt.Sprintf(format, args...)) }})
		if _, err := m4.Prepare(ctx, f.ring(t, f.kekURI)); err != nil {
			t.Fatalf("lock of a dead process not taken over: %v", err)
		}
		if !slices.ContainsFunc(notes, func(s string) bool { return strings.Contains(s, "a process of this host that is gone") }) {
			t.Errorf("notes: %q", notes)
		}
		// A live holder of this host is not.
		m4.Close()
		live := fmt.Sprintf("%s:%d:cafe", host, os.Getppid())
		if _, err := f.db.Exec(f.rebind("UPDATE "+StateTable+" SET owner = ?, heartbeat = ?"), live, time.Now().UnixMilli()); err != nil {
			t.Fatal(err)
		}
		if _, err := f.migrator(t, Options{Owner: "fifth"}).Prepare(ctx, f.ring(t, f.kekURI)); !errors.Is(err, ErrLocked) {
			t.Fatalf("live holder: %v", err)
		}
	})
}

// TestRefusals: a missing table or column, and a key that is neither the
// primary key nor unique and not null, are refused by name before any
// change.
func TestRefusals(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, 10)
		cols := f.columnNames(t)
		for name, c := range map[string]struct{ from, to, want string }{
			"missing column": {"name: email,", "name: emails,", "column patient_data.emails does not exist"},
			"missing table":  {"name: patient_data", "name: patient_datum", "table patient_datum does not exist"},
			"no unique key":  {"key: pid", "key: fname", "key column patient_data.fname is neither the primary key nor a unique NOT NULL column"},
			"missing key":    {"key: pid", "key: chart_no", "key column patient_data.chart_no does not exist"},
		} {
			s := strings.Replace(strings.Replace(schemaYAML, c.from, c.to, 1), "row_binding: pid", "", 1)
			if c.from == "key: pid" && c.to == "key: fname" {
				s = strings.Replace(s, "      - {name: fname, type: string, equality: true}\n", "", 1)
			}
			sch, err := parseSchema(s)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			m, err := New(f.db, f.dialect, sch, Options{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = m.Prepare(ctx, f.ring(t, f.kekURI))
			if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: %v", name, err)
			}
			m.Close()
		}
		if got := f.columnNames(t); got != cols {
			t.Fatalf("a refused migration changed the table: %s", got)
		}
	})
}

// TestWrongKEKRefused: keysets made under one KEK, migrate given another:
// refused before the table changes.
func TestWrongKEKRefused(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, 20)
		right := f.ring(t, f.kekURI)
		for _, s := range []string{"patient_data.ss"} {
			if _, err := right.CreateKeyset(ctx, s, cipher.PurposeValue); err != nil {
				t.Fatal(err)
			}
		}
		other := newKEK(t)
		cols := f.columnNames(t)
		m := f.migrator(t, Options{})
		_, err := m.Prepare(ctx, f.ring(t, other))
		if err == nil || !strings.Contains(err.Error(), "does not open") || !strings.Contains(err.Error(), "patient_data.ss") {
			t.Fatalf("wrong KEK: %v", err)
		}
		if got := f.columnNames(t); got != cols {
			t.Fatalf("the table changed under a wrong KEK: %s", got)
		}
		var n int
		if err := f.db.QueryRow("SELECT COUNT(*) FROM patient_data WHERE ss <> ''").Scan(&n); err != nil || n != 20 {
			t.Fatalf("rows changed: %d, %v", n, err)
		}
	})
}

func parseSchema(y string) (*sqlwrap.Schema, error) { return sqlwrap.ParseSchema("test", []byte(y)) }

// newKEK creates another local KEK and returns its URI.
func newKEK(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "other.json")
	if err := local.Create(p); err != nil {
		t.Fatal(err)
	}
	return local.URI(p)
}
