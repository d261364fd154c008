package main

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// runSize runs the whole suite on a table of n rows.
func runSize(ctx context.Context, c *config, n int, logf func(string, ...any)) (*Result, error) {
	start := time.Now()
	e, err := openEnv(ctx, c.db, n)
	if err != nil {
		return nil, err
	}
	defer e.close()
	r := &Result{DB: e.dialect, Rows: n, Queries: c.queries, Seed: c.seed, Kinds: map[string]*Kind{}, Machine: machine(), Started: start.UTC()}
	if r.DBVersion, err = e.version(ctx); err != nil {
		return nil, err
	}
	gen := NewGenerator(c.seed)
	logf("%s %d rows: inserting in batches of %d, plaintext and phicrypt in turn", e.dialect, n, c.batch)
	if r.Insert, err = e.insert(ctx, gen, n, c.batch); err != nil {
		return nil, fmt.Errorf("insert: %w", err)
	}
	logf("%s %d rows: insert plain %.0f rows/s, phicrypt %.0f rows/s (%.2f)", e.dialect, n, r.Insert.PlainRowsS, r.Insert.PhicryptRowsS, r.Insert.Ratio)
	if err := e.analyze(ctx); err != nil {
		return nil, fmt.Errorf("analyze: %w", err)
	}
	if r.Storage, err = e.storage(ctx, n); err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	logf("%s %d rows: storage plain %.0f B/row, phicrypt %.0f B/row", e.dialect, n, r.Storage.PlainBytesPerRow, r.Storage.PhicryptBytesPerRow)
	for _, kind := range KindNames {
		k, err := e.measure(ctx, c, gen, kind, n)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", kind, err)
		}
		r.Kinds[kind] = k
		logf("%s %d rows: %s p50 plain %.1f µs, phicrypt %.1f µs (%.2f), %.1f rows per query", e.dialect, n, kind, k.PlainP50US, k.PhicryptP50US, k.RatioP50, k.RowsPerQuery)
	}
	if err := e.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM phicrypt_keysets WHERE scope LIKE 'bench\\_%'"+e.escape()).Scan(&r.Keysets); err != nil {
		return nil, fmt.Errorf("counting keysets: %w", err)
	}
	r.KMSCalls = int(e.kek.calls.Load())
	r.KMSTTLSeconds = cipher.DefaultTTL.Seconds()
	r.Seconds = time.Since(start).Seconds()
	logf("%s %d rows: %d key-service calls for %d keysets; done in %.0f s", e.dialect, n, r.KMSCalls, r.Keysets, r.Seconds)
	return r, nil
}

func (e *env) version(ctx context.Context) (string, error) {
	q := "SELECT version()"
	switch e.dialect {
	case "sqlite":
		q = "SELECT 'SQLite ' || sqlite_version()"
	case "mysql":
		q = "SELECT VERSION()"
	}
	var v string
	err := e.db.QueryRowContext(ctx, q).Scan(&v)
	if e.dialect == "postgres" {
		v, _, _ = strings.Cut(v, " on ")
	}
	return v, err
}

// row is patient p as the wrapper takes it.
func phiRow(p Patient) sqlwrap.Row {
	var email any
	if p.Email != "" {
		email = p.Email
	}
	return sqlwrap.Row{"id": p.ID, "mrn": p.MRN, "ssn": p.SSN, "first_name": p.First, "last_name": p.Last,
		"dob": p.DOB, "email": email, "phone": p.Phone, "sex": p.Sex}
}

func plainArgs(p Patient) []any {
	var email any
	if p.Email != "" {
		email = p.Email
	}
	return []any{p.ID, p.MRN, p.SSN, p.First, p.Last, p.DOB.String(), email, p.Phone, p.Sex}
}

// insert fills the tables with patients 0..n-1 in batches, a plaintext
// batch (one multi-row INSERT in a transaction) and a phicrypt batch
// (InsertBatch) in turn, each timed on its own; the other tables of the
// run are filled untimed.
func (e *env) insert(ctx context.Context, gen *Generator, n, batch int) (Insert, error) {
	var plainT, phiT time.Duration
	stmts := map[int]*sql.Stmt{}
	defer func() {
		for _, st := range stmts {
			st.Close()
		}
	}()
	plainBatch := func(ps []Patient) error {
		st, ok := stmts[len(ps)]
		if !ok {
			var q strings.Builder
			fmt.Fprintf(&q, "INSERT INTO %s (%s) VALUES ", plainTable, strings.Join(columns, ", "))
			for i := range ps {
				if i > 0 {
					q.WriteString(", ")
				}
				q.WriteByte('(')
				for j := range columns {
					if j > 0 {
						q.WriteString(", ")
					}
					q.WriteString(e.ph(i*len(columns) + j + 1))
				}
				q.WriteByte(')')
			}
			var err error
			if st, err = e.plainDB.PrepareContext(ctx, q.String()); err != nil {
				return err
			}
			stmts[len(ps)] = st
		}
		args := make([]any, 0, len(ps)*len(columns))
		for _, p := range ps {
			args = append(args, plainArgs(p)...)
		}
		tx, err := e.plainDB.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.StmtContext(ctx, st).ExecContext(ctx, args...); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	}
	for lo := 0; lo < n; lo += batch {
		hi := min(n, lo+batch)
		ps := make([]Patient, 0, hi-lo)
		rows := make([]sqlwrap.Row, 0, hi-lo)
		for i := lo; i < hi; i++ {
			p := gen.Patient(i)
			ps = append(ps, p)
			rows = append(rows, phiRow(p))
		}
		doPlain := func() error {
			t0 := time.Now()
			err := plainBatch(ps)
			plainT += time.Since(t0)
			return err
		}
		doPhi := func() error {
			t0 := time.Now()
			_, err := e.phi.InsertBatch(ctx, rows)
			phiT += time.Since(t0)
			return err
		}
		first, second := doPlain, doPhi
		if (lo/batch)%2 == 1 {
			first, second = doPhi, doPlain
		}
		if err := first(); err != nil {
			return Insert{}, err
		}
		if err := second(); err != nil {
			return Insert{}, err
		}
		if e.cs != nil {
			if _, err := e.cs.InsertBatch(ctx, rows); err != nil {
				return Insert{}, fmt.Errorf("%s: %w", csTable, err)
			}
		}
		if err := ctx.Err(); err != nil {
			return Insert{}, err
		}
	}
	if e.dialect == "postgres" {
		if _, err := e.db.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s SELECT * FROM %s", trgmTable, plainTable)); err != nil {
			return Insert{}, err
		}
	}
	ins := Insert{Batch: batch, PlainRowsS: float64(n) / plainT.Seconds(), PhicryptRowsS: float64(n) / phiT.Seconds()}
	ins.Ratio = ins.PhicryptRowsS / ins.PlainRowsS
	return ins, nil
}

// analyze gathers the planner statistics of every table of the run.
func (e *env) analyze(ctx context.Context) error {
	switch e.dialect {
	case "sqlite":
		for _, db := range []*sql.DB{e.plainDB, e.db} {
			if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
				return err
			}
			if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
				return err
			}
		}
		return nil
	case "postgres":
		_, err := e.db.ExecContext(ctx, "VACUUM ANALYZE")
		return err
	}
	tables, err := e.benchTables(ctx, e.db)
	if err != nil {
		return err
	}
	for _, t := range tables {
		if _, err := e.db.ExecContext(ctx, "ANALYZE TABLE "+e.quote(t)); err != nil {
			return err
		}
	}
	return nil
}

// config of one measured configuration of a kind.
type measured struct {
	name  string
	q     query
	every bool // runs for every needle (else for the first naiveQueries)
	durs  []time.Duration
}

// measure runs the needles of kind on every configuration, interleaved:
// for each needle every configuration in turn, starting with a
// different one each time, so that drift of the machine falls on all of
// them alike. Every configuration must return the same number of rows
// as the plaintext query.
func (e *env) measure(ctx context.Context, c *config, gen *Generator, kind string, n int) (*Kind, error) {
	needles := gen.Needles(kind, n, c.queries)
	plainQ, closePlain, err := e.plainQuery(ctx, kind, plainTable)
	if err != nil {
		return nil, err
	}
	defer closePlain()
	phiQ, err := phiQuery(kind, e.phi)
	if err != nil {
		return nil, err
	}
	ms := []*measured{{name: "plain", q: plainQ, every: true}, {name: "phicrypt", q: phiQ, every: true}}
	if e.dialect == "postgres" && kind == "contains" {
		q, closeTrgm, err := e.plainQuery(ctx, kind, trgmTable)
		if err != nil {
			return nil, err
		}
		defer closeTrgm()
		ms = append(ms, &measured{name: "plain_trgm", q: q, every: true})
	}
	if e.cs != nil && (kind == "prefix3" || kind == "contains") {
		q, err := csQuery(kind, e.cs)
		if err != nil {
			return nil, err
		}
		ms = append(ms, &measured{name: "cipherstash", q: q, every: true})
	}
	naiveN := 0
	if n <= c.naiveMax {
		naiveN = min(c.naiveQueries, len(needles))
		if naiveN > 0 {
			ms = append(ms, &measured{name: "naive", q: naiveQuery(kind, e.phi)})
		}
	}
	// Warm-up: statements prepared, keys loaded, pages cached.
	for i := range min(20, len(needles)) {
		for _, m := range ms {
			if m.every {
				if _, err := m.q(ctx, needles[i]); err != nil {
					return nil, fmt.Errorf("%s: %w", m.name, err)
				}
			}
		}
	}
	k := &Kind{Queries: len(needles)}
	total := 0
	for i, nd := range needles {
		if nd.Miss {
			k.Misses++
		}
		want := -1
		for j := range ms {
			m := ms[(i+j)%len(ms)]
			if !m.every && i >= naiveN {
				continue
			}
			count, d, err := timed(ctx, m.q, nd)
			if err != nil {
				return nil, fmt.Errorf("%s, query %d: %w", m.name, i, err)
			}
			m.durs = append(m.durs, d)
			if m.name == "plain" {
				total += count
			}
			if want >= 0 && count != want {
				return nil, fmt.Errorf("query %d: the configurations disagree: %s found %d rows, another %d", i, m.name, count, want)
			}
			want = count
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	k.RowsPerQuery = float64(total) / float64(len(needles))
	for _, m := range ms {
		p50, p95, p99 := percentiles(m.durs)
		switch m.name {
		case "plain":
			k.PlainP50US, k.PlainP95US, k.PlainP99US = p50, p95, p99
		case "phicrypt":
			k.PhicryptP50US, k.PhicryptP95US, k.PhicryptP99US = p50, p95, p99
		default:
			if k.Alternatives == nil {
				k.Alternatives = map[string]*Alt{}
			}
			k.Alternatives[m.name] = &Alt{P50US: p50, P95US: p95, P99US: p99, Queries: len(m.durs)}
		}
	}
	k.RatioP50 = k.PhicryptP50US / k.PlainP50US
	k.RatioP99 = k.PhicryptP99US / k.PlainP99US
	for _, a := range k.Alternatives {
		a.RatioP50 = a.P50US / k.PlainP50US
	}
	return k, nil
}

// percentiles are the nearest-rank p50, p95 and p99 of ds in
// microseconds.
func percentiles(ds []time.Duration) (p50, p95, p99 float64) {
	if len(ds) == 0 {
		return 0, 0, 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(p float64) float64 {
		i := int(p*float64(len(s))+0.999999) - 1
		return float64(s[max(0, min(i, len(s)-1))]) / float64(time.Microsecond)
	}
	return at(0.50), at(0.95), at(0.99)
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
