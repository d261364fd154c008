package migrate

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// benchColumns are the 8 protected columns of the benchmark.
var benchColumns = []string{"fname", "lname", "mname", "dob", "ss", "street", "phone_home", "email"}

func benchSchema(b *testing.B) *sqlwrap.Schema {
	var keep []string
	for _, line := range strings.Split(schemaYAML, "\n") {
		if strings.HasPrefix(line, "      - {name: ") {
			name := strings.TrimSuffix(strings.Fields(line)[2], ",")
			if !contains(benchColumns, name) {
				continue
			}
		}
		keep = append(keep, line)
	}
	s, err := sqlwrap.ParseSchema("bench", []byte(strings.ReplaceAll(strings.Join(keep, "\n"), "rows: 5000", "rows: 1000000")))
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func contains(l []string, s string) bool {
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}

// BenchmarkMigrate compares migrate's throughput with the database's own
// write speed over the same table: plain is one UPDATE t SET c_copy = c
// for the 8 columns, phicrypt is Prepare and Run with the default workers.
// SQLite, 100,000 rows (PHICRYPT_BENCH_ROWS overrides; the figure
// is 1,000,000):
//
//	go test -run '^$' -bench 'BenchmarkMigrate(Postgres)?$' -benchtime 1x ./migrate/
func BenchmarkMigrate(b *testing.B) { benchMigrate(b, testdb.DialectSQLite) }

// BenchmarkMigratePostgres is BenchmarkMigrate on PostgreSQL.
func BenchmarkMigratePostgres(b *testing.B) { benchMigrate(b, testdb.DialectPostgres) }

func benchMigrate(b *testing.B, d testdb.Dialect) {
	n := 100_000
	if s := os.Getenv("PHICRYPT_BENCH_ROWS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	ctx := context.Background()
	var plainRate float64
	b.Run("plain", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			f := newFixture(b, d, n)
			var sets []string
			for _, c := range benchColumns {
				typ := "VARCHAR(255)"
				if c == "dob" {
					typ = "DATE"
				}
				if _, err := f.db.Exec("ALTER TABLE patient_data ADD COLUMN " + c + "_copy " + typ); err != nil {
					b.Fatal(err)
				}
				sets = append(sets, c+"_copy = "+c)
			}
			b.StartTimer()
			if _, err := f.db.ExecContext(ctx, "UPDATE patient_data SET "+strings.Join(sets, ", ")); err != nil {
				b.Fatal(err)
			}
		}
		plainRate = float64(n) * float64(b.N) / b.Elapsed().Seconds()
		b.ReportMetric(plainRate, "rows/s")
	})
	b.Run("phicrypt", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			f := newFixture(b, d, n)
			m, err := New(f.db, f.dialect, benchSchema(b), Options{Workers: benchWorkers()})
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			w, err := m.Prepare(ctx, f.ring(b, f.kekURI))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := m.Run(ctx, w); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			m.Close()
		}
		rate := float64(n) * float64(b.N) / b.Elapsed().Seconds()
		b.ReportMetric(rate, "rows/s")
		if plainRate > 0 {
			b.ReportMetric(rate/plainRate, "x_plain")
		}
	})
}

// benchWorkers is PHICRYPT_BENCH_WORKERS, or 0 (the default).
func benchWorkers() int {
	n, _ := strconv.Atoi(os.Getenv("PHICRYPT_BENCH_WORKERS"))
	return n
}
