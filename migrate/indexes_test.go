package migrate

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/phicrypt/phicrypt/internal/testdb"
)

// tokenIndexes lists the wrapper's indexes (named phx…) on patient_data.
func (f *fixture) tokenIndexes(t *testing.T) []string {
	t.Helper()
	q := map[testdb.Dialect]string{
		testdb.DialectSQLite:   "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'patient_data' AND name LIKE 'phx%'",
		testdb.DialectPostgres: "SELECT indexname FROM pg_indexes WHERE tablename = 'patient_data' AND indexname LIKE 'phx%'",
		testdb.DialectMySQL:    "SELECT DISTINCT index_name FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = 'patient_data' AND index_name LIKE 'phx%'",
	}[f.d]
	rows, err := f.db.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// stoppedRun prepares and runs a migration that is cancelled after its
// first batch, and returns the token indexes the table has then.
func (f *fixture) stoppedRun(t *testing.T, opts Options) (prepared, during []string) {
	t.Helper()
	ctx := context.Background()
	m := f.migrator(t, opts)
	w, err := m.Prepare(ctx, f.ring(t, f.kekURI))
	if err != nil {
		t.Fatal(err)
	}
	prepared = f.tokenIndexes(t)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var n atomic.Int32
	m.opts.Progress = func(Progress) {
		if n.Add(1) == 1 {
			cancel()
		}
	}
	if _, err := m.Run(cctx, w); !errors.Is(err, ErrStopped) {
		t.Fatalf("cancelled run: %v", err)
	}
	during = f.tokenIndexes(t)
	m.Close()
	return prepared, during
}

// TestTokenIndexesBuiltAtTheEnd: by default a run drops the token indexes
// before its first batch and builds the same ones once every row is
// sealed; KeepIndexes keeps them throughout. Values are exact either way.
func TestTokenIndexesBuiltAtTheEnd(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		f := newFixture(t, d, 600)
		want, during := f.stoppedRun(t, Options{Batch: 100, Workers: 1})
		if len(want) == 0 {
			t.Fatal("EnsureSchema made no token index")
		}
		if len(during) != 0 {
			t.Fatalf("token indexes kept during a default run: %v", during)
		}
		f.migrateAll(t, Options{Batch: 100})
		if got := f.tokenIndexes(t); !slices.Equal(got, want) {
			t.Fatalf("token indexes after the run: %v, want %v", got, want)
		}
		if valuesHash(f.readBack(t)) != valuesHash(f.rows) {
			t.Fatal("values differ after the migration")
		}
	})
	t.Run("keep", func(t *testing.T) {
		f := newFixture(t, testdb.DialectSQLite, 600)
		want, during := f.stoppedRun(t, Options{Batch: 100, Workers: 1, KeepIndexes: true})
		if len(want) == 0 || !slices.Equal(during, want) {
			t.Fatalf("KeepIndexes: indexes %v during the run, want %v", during, want)
		}
	})
}
