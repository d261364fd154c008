package sqlwrap

import (
	"context"
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/keyprovider/local"
)

// The migration benchmarks time sealing an OpenEMR-shaped patient_data
// (migratebenchfixture_test.go: 8 protected columns, 6 unprotected ones)
// in place with MigrateRows, in batches of 1000 rows each in its own
// transaction as `phicrypt migrate` runs them, against the database's own
// write speed: a plain `UPDATE patient_data SET c_copy = c` of the same 8
// columns of the same table, timed in the same run just before. Each
// sub-benchmark reports rows/s; the phicrypt ones also report x_plain,
// their rows/s over the plain pass's of the same run.
//
//	plain                        the plain UPDATE pass
//	phicrypt                     MigrateRows with every token index kept up to date
//	phicrypt_deferred            DeferTokenIndexes, MigrateRows, CreateTokenIndexes (all timed)
//	substring/...                the same with a substring index on email
//	                             (SQLite FTS5 trigrams, PostgreSQL GIN Bloom array)
//
// cpu-µs/row is the CPU time of the benchmark's process per row: on
// SQLite all of the work, and a figure that does not depend on what else
// the machine runs; on PostgreSQL it leaves out the server's.
//
// PHICRYPT_BENCH_MIGRATE_ROWS sets the number of rows (default 10,000;
// the figure is 1,000,000: run that with -benchtime 1x).
func BenchmarkMigrateRows(b *testing.B) { benchMigrate(b, testdb.DialectSQLite) }

// BenchmarkMigrateRowsPostgres is BenchmarkMigrateRows on PostgreSQL.
func BenchmarkMigrateRowsPostgres(b *testing.B) { benchMigrate(b, testdb.DialectPostgres) }

// processCPU is the user and system CPU time of the process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func migrateBenchRows(b *testing.B) int {
	if s := os.Getenv("PHICRYPT_BENCH_MIGRATE_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("PHICRYPT_BENCH_MIGRATE_ROWS=%q: not a positive number", s)
		}
		return n
	}
	return 10_000
}

func benchMigrate(b *testing.B, d testdb.Dialect) {
	env := newMigBench(b, d, migrateBenchRows(b))
	var plainRate float64
	b.Run("plain", func(b *testing.B) {
		var cpu time.Duration
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			sqldb := env.freshPlain(b)
			b.StartTimer()
			c0 := processCPU()
			res, err := sqldb.ExecContext(context.Background(), env.plainUpdate())
			if err != nil {
				b.Fatal(err)
			}
			cpu += processCPU() - c0
			b.StopTimer()
			if n, _ := res.RowsAffected(); n != int64(env.rows) {
				b.Fatalf("updated %d rows", n)
			}
			env.done(sqldb)
			b.StartTimer()
		}
		plainRate = float64(env.rows*b.N) / b.Elapsed().Seconds()
		b.ReportMetric(plainRate, "rows/s")
		b.ReportMetric(cpu.Seconds()*1e6/float64(env.rows*b.N), "cpu-µs/row")
	})
	run := func(sub, deferred bool) func(b *testing.B) {
		return func(b *testing.B) {
			ctx := context.Background()
			var cpu time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				sqldb, db := env.freshWrapped(b, sub)
				pats, _ := db.Table("patient_data")
				// Keys loaded before the clock starts, as a long run has them.
				if _, err := pats.Get(ctx, int64(1)); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				c0 := processCPU()
				if deferred {
					if err := db.DeferTokenIndexes(ctx, "patient_data"); err != nil {
						b.Fatal(err)
					}
				}
				migrateAll(b, db, 1000)
				if deferred {
					if err := db.CreateTokenIndexes(ctx, "patient_data"); err != nil {
						b.Fatal(err)
					}
				}
				cpu += processCPU() - c0
				b.StopTimer()
				env.checkMigrated(b, sqldb)
				env.done(sqldb)
				b.StartTimer()
			}
			rate := float64(env.rows*b.N) / b.Elapsed().Seconds()
			b.ReportMetric(rate, "rows/s")
			b.ReportMetric(cpu.Seconds()*1e6/float64(env.rows*b.N), "cpu-µs/row")
			if plainRate > 0 {
				b.ReportMetric(rate/plainRate, "x_plain")
			}
		}
	}
	b.Run("phicrypt", run(false, false))
	b.Run("phicrypt_deferred", run(false, true))
	b.Run("substring/phicrypt", run(true, false))
	b.Run("substring/phicrypt_deferred", run(true, true))
}

// migrateAll runs MigrateRows over the whole table in batches of size
// rows, each in a transaction of its own.
func migrateAll(b *testing.B, db *DB, size int) {
	ctx := context.Background()
	var last any
	for {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		tp, _ := tx.Table("patient_data")
		res, err := tp.MigrateRows(ctx, MigrateRange{After: last, Limit: size})
		if err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		if len(res.Bad) > 0 {
			b.Fatalf("bad values: %v", res.Bad)
		}
		if res.Rows < size {
			return
		}
		last = res.Last
	}
}

// migBench is the benchmark's database of one dialect: SQLite template
// files copied for every run, or a PostgreSQL database whose
// patient_data is rebuilt from mb_src for every run.
type migBench struct {
	d    testdb.Dialect
	rows int
	kek  keyprovider.KEK
	// SQLite: the template files.
	dir                        string
	plainT, wrappedT, wrapSubT string
	// PostgreSQL: the database, with the plaintext rows in mb_src.
	pg *sql.DB
}

func newMigBench(b *testing.B, d testdb.Dialect, rows int) *migBench {
	ctx := context.Background()
	env := &migBench{d: d, rows: rows, dir: b.TempDir()}
	kekPath := filepath.Join(env.dir, "kek.json")
	if err := local.Create(kekPath); err != nil {
		b.Fatal(err)
	}
	kek, err := local.Open(kekPath)
	if err != nil {
		b.Fatal(err)
	}
	env.kek = kek
	if d == testdb.DialectPostgres {
		env.pg, _ = testdb.Open(b, d)
		mbCreate(b, d, env.pg, "mb_src")
		mbFill(b, d, env.pg, "mb_src", rows)
		return env
	}
	env.plainT = filepath.Join(env.dir, "plain.db")
	sqldb := env.openSQLite(b, "plain.db")
	mbCreate(b, d, sqldb, "patient_data")
	mbFill(b, d, sqldb, "patient_data", rows)
	sqldb.Close()
	for i, sub := range []bool{false, true} {
		name := []string{"wrapped.db", "wrapped_sub.db"}[i]
		sqldb := env.copyFile(b, env.plainT, name)
		mbRenameToPlain(b, d, sqldb)
		db := env.wrapper(b, sqldb, sub)
		if err := db.EnsureSchema(ctx); err != nil {
			b.Fatal(err)
		}
		sqldb.Close()
		if sub {
			env.wrapSubT = filepath.Join(env.dir, name)
		} else {
			env.wrappedT = filepath.Join(env.dir, name)
		}
	}
	// The plain pass's table gets its copy columns.
	sqldb = env.openSQLite(b, "plain.db")
	mbAddCopies(b, sqldb)
	sqldb.Close()
	return env
}

// plainUpdate copies the 8 columns the wrapper protects.
func (env *migBench) plainUpdate() string {
	var sets []string
	for _, c := range mbCols {
		sets = append(sets, c.name+"_copy = "+c.name)
	}
	return "UPDATE patient_data SET " + strings.Join(sets, ", ")
}

// freshPlain returns the plaintext table with its empty copy columns.
func (env *migBench) freshPlain(b *testing.B) *sql.DB {
	if env.pg == nil {
		return env.copyFile(b, env.plainT, "run.db")
	}
	env.pgFromSource(b)
	mbAddCopies(b, env.pg)
	env.pgVacuum(b)
	return env.pg
}

// freshWrapped returns the table in migrating mode, after EnsureSchema,
// with nothing sealed, and a wrapper over it.
func (env *migBench) freshWrapped(b *testing.B, sub bool) (*sql.DB, *DB) {
	if env.pg == nil {
		t := env.wrappedT
		if sub {
			t = env.wrapSubT
		}
		sqldb := env.copyFile(b, t, "run.db")
		return sqldb, env.wrapper(b, sqldb, sub)
	}
	env.pgFromSource(b)
	mbRenameToPlain(b, env.d, env.pg)
	db := env.wrapper(b, env.pg, sub)
	if err := db.EnsureSchema(context.Background()); err != nil {
		b.Fatal(err)
	}
	env.pgVacuum(b)
	return env.pg, env.wrapper(b, env.pg, sub)
}

// done releases a run's database.
func (env *migBench) done(sqldb *sql.DB) {
	if env.pg == nil {
		sqldb.Close()
	}
}

func (env *migBench) pgFromSource(b *testing.B) {
	ctx := context.Background()
	if _, err := env.pg.ExecContext(ctx, "DROP TABLE IF EXISTS patient_data"); err != nil {
		b.Fatal(err)
	}
	mbCreate(b, env.d, env.pg, "patient_data")
	if _, err := env.pg.ExecContext(ctx, "INSERT INTO patient_data SELECT * FROM mb_src"); err != nil {
		b.Fatal(err)
	}
}

// pgVacuum leaves the table as a long-loaded one is: visibility map and
// statistics up to date, for the plain pass and the migration alike.
func (env *migBench) pgVacuum(b *testing.B) {
	if _, err := env.pg.ExecContext(context.Background(), "VACUUM ANALYZE patient_data"); err != nil {
		b.Fatal(err)
	}
}

// checkMigrated fails the benchmark if a value was left unsealed.
func (env *migBench) checkMigrated(b *testing.B, sqldb *sql.DB) {
	var conds []string
	for _, c := range mbCols {
		conds = append(conds, "("+c.name+" IS NULL AND "+c.name+"__plain IS NOT NULL)")
	}
	var n int
	q := "SELECT COUNT(*) FROM patient_data WHERE " + strings.Join(conds, " OR ")
	if err := sqldb.QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		b.Fatal(err)
	}
	if n != 0 {
		b.Fatalf("%d rows with a value left unsealed", n)
	}
}

func (env *migBench) wrapper(b *testing.B, sqldb *sql.DB, sub bool) *DB {
	store, err := NewKeysetStore(sqldb, string(env.d))
	if err != nil {
		b.Fatal(err)
	}
	ring, err := cipher.NewKeyring(cipher.Config{KEK: env.kek, Store: store})
	if err != nil {
		b.Fatal(err)
	}
	db, err := Open(sqldb, string(env.d), mbSchema(sub), ring)
	if err != nil {
		b.Fatal(err)
	}
	return db
}

func (env *migBench) openSQLite(b *testing.B, name string) *sql.DB {
	sqldb, err := openBenchSQLite(env.dir, name)
	if err != nil {
		b.Fatal(err)
	}
	return sqldb
}

// copyFile copies the SQLite file template (closed, so without a WAL) to
// name beside it and opens the copy.
func (env *migBench) copyFile(b *testing.B, template, name string) *sql.DB {
	b.Helper()
	dst := filepath.Join(env.dir, name)
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
	return env.openSQLite(b, name)
}
