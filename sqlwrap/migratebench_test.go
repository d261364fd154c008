package sqlwrap

import (
	"context"
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/keyprovider/local"
)

// migrateBenchRows is the size of the patient_data table the migration
// benchmark encrypts, with its 8 protected columns.
const migrateBenchRows = 10_000

// BenchmarkMigrateRows compares sealing patient_data in place with
// MigrateRows (batches of 1000 rows, each in its own transaction, as
// `phicrypt migrate` runs them) against the database's own write speed: a
// plain `UPDATE patient_data SET c_copy = c` of the same 8 columns, on the
// same SQLite table in the same run. Both report rows/s.
func BenchmarkMigrateRows(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	rows := pdRows(migrateBenchRows)

	// Templates, copied for every run: the plaintext table with 8 copy
	// columns, and the same table renamed to c__plain with the wrapper's
	// columns added by EnsureSchema.
	plainT := filepath.Join(dir, "plain.db")
	sqldb, err := openBenchSQLite(dir, "plain.db")
	if err != nil {
		b.Fatal(err)
	}
	createPlainPatientData(b, "sqlite", sqldb, rows)
	for _, c := range pdCols {
		if _, err := sqldb.ExecContext(ctx, "ALTER TABLE patient_data ADD COLUMN "+c.name+"_copy TEXT"); err != nil {
			b.Fatal(err)
		}
	}
	sqldb.Close()
	// The same with a btree index on each copy column: the wrapper keeps
	// 8 token indexes, which the plain pass does not maintain.
	indexedT := filepath.Join(dir, "indexed.db")
	sqldb = copyBenchDB(b, plainT, "indexed.db")
	for _, c := range pdCols {
		if _, err := sqldb.ExecContext(ctx, "CREATE INDEX "+c.name+"_copy_ix ON patient_data ("+c.name+"_copy)"); err != nil {
			b.Fatal(err)
		}
	}
	sqldb.Close()

	wrappedT := filepath.Join(dir, "wrapped.db")
	kekPath := filepath.Join(dir, "kek.json")
	if err := local.Create(kekPath); err != nil {
		b.Fatal(err)
	}
	if sqldb, err = openBenchSQLite(dir, "wrapped.db"); err != nil {
		b.Fatal(err)
	}
	createPlainPatientData(b, "sqlite", sqldb, rows)
	renameToPlain(b, "sqlite", sqldb)
	db, err := openBenchWrapper(sqldb, kekPath)
	if err != nil {
		b.Fatal(err)
	}
	if err := db.EnsureSchema(ctx); err != nil {
		b.Fatal(err)
	}
	sqldb.Close()

	var sets []string
	for _, c := range pdCols {
		sets = append(sets, c.name+"_copy = "+c.name)
	}
	update := "UPDATE patient_data SET " + strings.Join(sets, ", ")
	plain := func(template string) func(b *testing.B) {
		return func(b *testing.B) { benchPlainUpdate(b, template, update) }
	}
	b.Run("plain", plain(plainT))
	b.Run("plain_indexed", plain(indexedT))

	b.Run("phicrypt", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			sqldb := copyBenchDB(b, wrappedT, "run.db")
			db, err := openBenchWrapper(sqldb, kekPath)
			if err != nil {
				b.Fatal(err)
			}
			pats, _ := db.Table("patient_data")
			// Keys loaded before the clock starts, as a long run has them.
			if _, err := pats.Get(ctx, int64(1)); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			var last any
			sealed := 0
			for {
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				tp, _ := tx.Table("patient_data")
				res, err := tp.MigrateRows(ctx, MigrateRange{After: last, Limit: 1000})
				if err != nil {
					b.Fatal(err)
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
				sealed += res.Sealed
				if res.Rows < 1000 {
					break
				}
				last = res.Last
			}
			b.StopTimer()
			if sealed < 7*migrateBenchRows {
				b.Fatalf("sealed %d values", sealed)
			}
			sqldb.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(migrateBenchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

// benchPlainUpdate times the plain UPDATE pass on copies of template.
func benchPlainUpdate(b *testing.B, template, update string) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		sqldb := copyBenchDB(b, template, "run.db")
		b.StartTimer()
		res, err := sqldb.ExecContext(context.Background(), update)
		if err != nil {
			b.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != migrateBenchRows {
			b.Fatalf("updated %d rows", n)
		}
		b.StopTimer()
		sqldb.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(migrateBenchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

func openBenchWrapper(sqldb *sql.DB, kekPath string) (*DB, error) {
	kek, err := local.Open(kekPath)
	if err != nil {
		return nil, err
	}
	store, err := NewKeysetStore(sqldb, "sqlite")
	if err != nil {
		return nil, err
	}
	ring, err := cipher.NewKeyring(cipher.Config{KEK: kek, Store: store})
	if err != nil {
		return nil, err
	}
	return Open(sqldb, "sqlite", pdSchema(), ring)
}

// copyBenchDB copies the SQLite file template (closed, so without a WAL)
// to name beside it and opens the copy.
func copyBenchDB(b *testing.B, template, name string) *sql.DB {
	b.Helper()
	dst := filepath.Join(filepath.Dir(template), name)
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(dst + suffix)
	}
	in, err := os.Open(template)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
	db, err := openBenchSQLite(filepath.Dir(template), name)
	if err != nil {
		b.Fatal(err)
	}
	return db
}
