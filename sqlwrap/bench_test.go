package sqlwrap

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/audit"
	"github.com/phicrypt/phicrypt/blindindex"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/keyprovider/local"
)

// The benchmarks compare the wrapper with the same queries on a plaintext
// table with ordinary btree indexes, both on SQLite with benchRows rows,
// measured in the same run.
const benchRows = 100_000

var benchSyl = []string{"ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "bo", "da", "fi", "go", "hu", "je", "pa", "qui", "ster", "man", "son"}

func benchName(rng *rand.Rand) string {
	var b strings.Builder
	for p := 0; p < 3+rng.IntN(2); p++ {
		b.WriteString(benchSyl[rng.IntN(len(benchSyl))])
	}
	s := b.String()
	return strings.ToUpper(s[:1]) + s[1:]
}

type benchPatient struct {
	ssn, last string
	dob       cipher.Date
}

func benchData(n int, seed uint64) []benchPatient {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]benchPatient, n)
	for i := range out {
		out[i] = benchPatient{
			ssn:  fmt.Sprintf("%03d-%02d-%04d", 1+rng.IntN(899), 1+rng.IntN(99), 1+rng.IntN(9999)),
			last: benchName(rng),
			dob:  cipher.Date{Year: 1930 + rng.IntN(90), Month: time.Month(1 + rng.IntN(12)), Day: 1 + rng.IntN(28)},
		}
	}
	return out
}

func benchSchema() *Schema {
	return &Schema{Source: "bench_test.go", Tables: []*Table{{
		Name: "patients", Key: "id", RowBinding: "id",
		Columns: []*Column{
			{Name: "ssn", Type: TypeString, Equality: []*EqualityIndex{{Name: "ssn_eq", Transforms: "digits", Bits: 24}}},
			{Name: "last_name", Type: TypeString,
				Bloom: []*BloomIndex{{Name: "last_name_prefix", Kind: blindindex.Prefix, Transforms: "casefold", MinGram: 3, MaxGram: 6, M: 65536, K: 2, Force: true}}},
			{Name: "dob", Type: TypeDate},
		},
	}}}
}

type benchEnv struct {
	plain   *sql.DB
	wrapped *DB
	pats    *TableAccess
	data    []benchPatient
	err     error
}

var (
	benchOnce sync.Once
	bench     benchEnv
)

const plainDDL = `CREATE TABLE patients_plain (id INTEGER PRIMARY KEY, ssn TEXT, last_name TEXT, dob TEXT);
CREATE INDEX plain_ssn ON patients_plain (ssn);
CREATE INDEX plain_last ON patients_plain (last_name)`

func openBenchSQLite(dir, name string) (*sql.DB, error) {
	dsn := "file:" + filepath.Join(dir, name) + "?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-65536)&_pragma=busy_timeout(10000)&_txlock=immediate"
	return sql.Open("sqlite", dsn)
}

func newBenchWrapped(b *testing.B, dir, name string) (*DB, *TableAccess, error) {
	sqldb, err := openBenchSQLite(dir, name)
	if err != nil {
		return nil, nil, err
	}
	p := filepath.Join(dir, name+".kek")
	if err := local.Create(p); err != nil {
		return nil, nil, err
	}
	kek, err := local.Open(p)
	if err != nil {
		return nil, nil, err
	}
	store, _ := NewKeysetStore(sqldb, "sqlite")
	ring, _ := cipher.NewKeyring(cipher.Config{KEK: kek, Store: store})
	db, err := Open(sqldb, "sqlite", benchSchema(), ring)
	if err != nil {
		return nil, nil, err
	}
	if err := db.EnsureSchema(context.Background()); err != nil {
		return nil, nil, err
	}
	pats, err := db.Table("patients")
	return db, pats, err
}

func plainInsert(ctx context.Context, db *sql.DB, rows []benchPatient, firstID int) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	st, err := tx.PrepareContext(ctx, "INSERT INTO patients_plain (id, ssn, last_name, dob) VALUES (?, ?, ?, ?)")
	if err != nil {
		tx.Rollback()
		return err
	}
	for i, r := range rows {
		if _, err := st.ExecContext(ctx, firstID+i, r.ssn, r.last, r.dob.String()); err != nil {
			tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}

func wrappedRows(rows []benchPatient, firstID int) []Row {
	out := make([]Row, len(rows))
	for i, r := range rows {
		out[i] = Row{"id": int64(firstID + i), "ssn": r.ssn, "last_name": r.last, "dob": r.dob}
	}
	return out
}

func setupBench(b *testing.B) *benchEnv {
	b.Helper()
	benchOnce.Do(func() {
		ctx := context.Background()
		dir, err := benchDir()
		if err != nil {
			bench.err = err
			return
		}
		bench.data = benchData(benchRows, 42)
		if bench.plain, err = openBenchSQLite(dir, "plain.db"); err == nil {
			for _, s := range strings.Split(plainDDL, ";") {
				if _, err = bench.plain.ExecContext(ctx, s); err != nil {
					break
				}
			}
		}
		if err == nil {
			for i := 0; i < benchRows && err == nil; i += 10_000 {
				err = plainInsert(ctx, bench.plain, bench.data[i:i+10_000], i+1)
			}
		}
		if err == nil {
			bench.wrapped, bench.pats, err = newBenchWrapped(b, dir, "wrapped.db")
		}
		for i := 0; i < benchRows && err == nil; i += 10_000 {
			_, err = bench.pats.InsertBatch(ctx, wrappedRows(bench.data[i:i+10_000], i+1))
		}
		if err == nil {
			_, err = bench.plain.ExecContext(ctx, "ANALYZE")
		}
		if err == nil {
			_, err = bench.wrapped.SQL().ExecContext(ctx, "ANALYZE")
		}
		bench.err = err
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return &bench
}

// benchDir is a directory that outlives one benchmark function, since the
// 100,000-row tables are shared by all of them.
var benchDir = sync.OnceValues(func() (string, error) {
	return testdbTempDir("phicrypt-bench")
})

func testdbTempDir(prefix string) (string, error) {
	dir, err := mkdirTemp(prefix)
	return dir, err
}

// readPlain reads every row of a plaintext query, as the wrapper reads
// every candidate.
func readPlain(b *testing.B, rows *sql.Rows) {
	n := 0
	for rows.Next() {
		var id int64
		var s, l, d string
		if err := rows.Scan(&id, &s, &l, &d); err != nil {
			b.Fatal(err)
		}
		n++
	}
	rows.Close()
	if n == 0 {
		b.Fatal("no row")
	}
}

func BenchmarkFindEq(b *testing.B) {
	env := setupBench(b)
	ctx := context.Background()
	b.Run("plain", func(b *testing.B) {
		st, err := env.plain.PrepareContext(ctx, "SELECT id, ssn, last_name, dob FROM patients_plain WHERE ssn = ?")
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		i := 0
		for b.Loop() {
			p := env.data[(i*7919)%benchRows]
			i++
			rows, err := st.QueryContext(ctx, p.ssn)
			if err != nil {
				b.Fatal(err)
			}
			readPlain(b, rows)
		}
	})
	b.Run("phicrypt", func(b *testing.B) {
		i := 0
		for b.Loop() {
			benchFindOne(b, env, ctx, i)
			i++
		}
	})
	// The same queries with every Find recorded in a JSON-lines audit
	// log: each record written as it is logged (the default), and
	// buffered, written every 100ms.
	logs := []struct {
		name  string
		flush time.Duration
	}{{"", 0}, {"_buffered", 100 * time.Millisecond}}
	for _, c := range logs {
		b.Run("phicrypt_audit"+c.name, func(b *testing.B) {
			actx := benchAuditLog(b, env, c.flush)
			i := 0
			for b.Loop() {
				benchFindOne(b, env, actx, i)
				i++
			}
		})
	}
	// The overhead measured in one loop: the same Find alternately
	// without and with the audit log, so that a machine's load falls on
	// both alike; x_audit is their ratio.
	for _, c := range logs {
		b.Run("audit_overhead"+c.name, func(b *testing.B) {
			actx := benchAuditLog(b, env, c.flush)
			l := env.wrapped.Audit()
			var spent [2]time.Duration
			var n [2]int
			i := 0
			for b.Loop() {
				k := i & 1
				if k == 1 {
					env.wrapped.SetAudit(l)
				} else {
					env.wrapped.SetAudit(nil)
				}
				start := time.Now()
				benchFindOne(b, env, actx, i)
				spent[k] += time.Since(start)
				n[k]++
				i++
			}
			if n[0] > 0 && n[1] > 0 {
				without := float64(spent[0]) / float64(n[0])
				with := float64(spent[1]) / float64(n[1])
				b.ReportMetric(without, "ns/find")
				b.ReportMetric(with, "ns/find_audited")
				b.ReportMetric(with/without, "x_audit")
			}
		})
	}
}

// benchFindOne finds the i-th stored patient of the run by SSN.
func benchFindOne(b *testing.B, env *benchEnv, ctx context.Context, i int) {
	p := env.data[(i*7919)%benchRows]
	rows, err := env.pats.Find(ctx, Query{Where: []Pred{Eq("ssn", p.ssn)}})
	if err != nil {
		b.Fatal(err)
	}
	if len(rows) == 0 {
		b.Fatal("no row")
	}
}

// benchAuditLog sets a new audit log on env's DB for the rest of b, its
// sink flushed every flush (0: each record as it is logged), and returns
// a context carrying an actor.
func benchAuditLog(b *testing.B, env *benchEnv, flush time.Duration) context.Context {
	ctx := context.Background()
	l, err := audit.OpenFile(ctx, filepath.Join(b.TempDir(), "audit.jsonl"), audit.Options{FlushInterval: flush})
	if err != nil {
		b.Fatal(err)
	}
	env.wrapped.SetAudit(l)
	b.Cleanup(func() {
		env.wrapped.SetAudit(nil)
		l.Close()
	})
	return audit.WithActor(ctx, audit.Actor{Principal: "bench", Role: "admin", Purpose: "benchmark", RequestID: "req-1"})
}

func BenchmarkFindPrefix(b *testing.B) {
	env := setupBench(b)
	ctx := context.Background()
	// Five-letter prefixes of stored names: each matches a handful of rows.
	needle := func(i int) string { return env.data[(i*7919)%benchRows].last[:5] }
	b.Run("plain", func(b *testing.B) {
		st, err := env.plain.PrepareContext(ctx, "SELECT id, ssn, last_name, dob FROM patients_plain WHERE last_name >= ? AND last_name < ?")
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		i := 0
		for b.Loop() {
			p := needle(i)
			i++
			rows, err := st.QueryContext(ctx, p, p+"\U0010FFFF")
			if err != nil {
				b.Fatal(err)
			}
			readPlain(b, rows)
		}
	})
	b.Run("phicrypt", func(b *testing.B) {
		i := 0
		for b.Loop() {
			p := needle(i)
			i++
			rows, err := env.pats.Find(ctx, Query{Where: []Pred{Prefix("last_name", p)}})
			if err != nil {
				b.Fatal(err)
			}
			if len(rows) == 0 {
				b.Fatal("no row")
			}
		}
	})
}

// BenchmarkInsertBatch inserts batches of 1,000 rows in one transaction.
func BenchmarkInsertBatch(b *testing.B) {
	ctx := context.Background()
	const batch = 1000
	data := benchData(batch, 7)
	b.Run("plain", func(b *testing.B) {
		db, err := openBenchSQLite(b.TempDir(), "plain.db")
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		for _, s := range strings.Split(plainDDL, ";") {
			if _, err := db.ExecContext(ctx, s); err != nil {
				b.Fatal(err)
			}
		}
		id := 1
		for b.Loop() {
			if err := plainInsert(ctx, db, data, id); err != nil {
				b.Fatal(err)
			}
			id += batch
		}
		b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("phicrypt", func(b *testing.B) {
		db, pats, err := newBenchWrapped(b, b.TempDir(), "wrapped.db")
		if err != nil {
			b.Fatal(err)
		}
		defer db.SQL().Close()
		id := 1
		for b.Loop() {
			if _, err := pats.InsertBatch(ctx, wrappedRows(data, id)); err != nil {
				b.Fatal(err)
			}
			id += batch
		}
		b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "rows/s")
	})
}

func mkdirTemp(prefix string) (string, error) { return os.MkdirTemp("", prefix) }
