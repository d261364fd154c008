package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/phicrypt/phicrypt/sqlwrap"
)

// Result is what a run did to one table.
type Result struct {
	Table string `json:"table"`
	// Rows counts the rows this run examined, Sealed the values it sealed,
	// Bad the values it skipped (Options.SkipBadRows).
	Rows   int64 `json:"rows"`
	Sealed int64 `json:"sealed"`
	Bad    int64 `json:"bad"`
	// TotalSealed counts the values sealed by every run of the table (the
	// sealed counter of phicrypt_migrations).
	TotalSealed int64         `json:"total_sealed"`
	LastKey     string        `json:"last_key"`
	Phase       string        `json:"phase"`
	Elapsed     time.Duration `json:"elapsed_ns"`
}

// span is a range of keys (after, through] handed to a worker; through
// nil is unbounded.
type span struct {
	seq            int
	after, through any
}

// tracker keeps the checkpoint: the end of the longest run of committed
// spans from the first. It only moves forward, and never past a span that
// has not committed.
type tracker struct {
	mu   sync.Mutex
	next int
	done map[int]any // seq -> end key (nil: the span had no rows)
}

// advance returns the checkpoint if span seq, ending at end, were done;
// nil when it does not move the checkpoint.
func (tr *tracker) advance(seq int, end any) any {
	if tr == nil || seq != tr.next {
		return nil
	}
	p := end
	for j := seq + 1; ; j++ {
		e, ok := tr.done[j]
		if !ok {
			break
		}
		if e != nil {
			p = e
		}
	}
	return p
}

func (tr *tracker) commit(seq int, end any) {
	if tr == nil {
		return
	}
	tr.done[seq] = end
	for {
		if _, ok := tr.done[tr.next]; !ok {
			return
		}
		delete(tr.done, tr.next)
		tr.next++
	}
}

// Run seals every table Prepare prepared, through w (the wrapper Prepare
// returned). A table whose run fails or is stopped keeps its checkpoint:
// calling Prepare and Run again resumes after it.
func (m *Migrator) Run(ctx context.Context, w *sqlwrap.DB) ([]*Result, error) {
	var out []*Result
	for _, t := range m.tables() {
		r, err := m.runTable(ctx, w, t)
		if r != nil {
			out = append(out, r)
		}
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

func (m *Migrator) runTable(ctx context.Context, w *sqlwrap.DB, t *sqlwrap.Table) (*Result, error) {
	start := time.Now()
	m.mu.Lock()
	held := m.locks[t.Name] != nil
	m.mu.Unlock()
	if !held {
		return nil, m.fail(t.Name, errNoLock)
	}
	st, err := m.readCheckpoint(ctx, t.Name)
	if err != nil {
		return nil, m.fail(t.Name, err)
	}
	res := &Result{Table: t.Name, Phase: st.phase}
	plain, err := m.plainColumns(ctx, t)
	if err != nil {
		return nil, m.fail(t.Name, err)
	}
	if len(plain) == 0 {
		// Dropped, or never plaintext: nothing to seal. (A table marked
		// done still runs: a writer that bypassed the wrapper may have
		// added plaintext since, and the final pass finds it.)
		res.TotalSealed, res.LastKey = st.sealed, st.lastKey.String
		return res, nil
	}
	total, base, err := m.counts(ctx, t, st.lastKey)
	if err != nil {
		return nil, m.fail(t.Name, err)
	}
	if !m.opts.KeepIndexes {
		if err := w.DeferTokenIndexes(ctx, t.Name); err != nil {
			return nil, m.fail(t.Name, fmt.Errorf("defer the token indexes: %w", err))
		}
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	m.mu.Lock()
	m.cancelRun = cancel
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		m.cancelRun = nil
		m.mu.Unlock()
	}()

	var start0 any
	if st.lastKey.Valid {
		if start0, err = m.parseKey(t, st.lastKey.String); err != nil {
			return nil, m.fail(t.Name, err)
		}
	}
	var (
		errOnce  sync.Once
		firstErr error
		rows     atomic.Int64
		sealed   atomic.Int64
		bad      atomic.Int64
		batches  atomic.Int64
		pmu      sync.Mutex
	)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err })
		cancel(err)
	}
	report := func(b *batchResult) {
		rows.Add(int64(b.rows))
		sealed.Add(int64(b.sealed))
		bad.Add(int64(b.bad))
		n := batches.Add(1)
		if m.opts.Progress != nil {
			pmu.Lock()
			m.opts.Progress(Progress{Table: t.Name, Total: total, Done: base + rows.Load(), Sealed: sealed.Load(), Batches: int(n), LastKey: b.checkpoint})
			pmu.Unlock()
		}
	}
	tr := &tracker{done: map[int]any{}}
	spans := make(chan span)
	go func() {
		defer close(spans)
		after := start0
		for seq := 0; ; seq++ {
			if runCtx.Err() != nil {
				return
			}
			through, err := m.boundary(runCtx, t, after)
			if err != nil {
				if runCtx.Err() == nil {
					fail(m.explain(t.Name, fmt.Errorf("find the next batch: %w", err)))
				}
				return
			}
			select {
			case spans <- span{seq: seq, after: after, through: through}:
			case <-runCtx.Done():
				return
			}
			if through == nil {
				return
			}
			after = through
		}
	}()
	var wg sync.WaitGroup
	for i := 0; i < m.workers(); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range spans {
				if runCtx.Err() != nil {
					continue // stopping: start no new batch
				}
				b, err := m.batch(context.WithoutCancel(runCtx), w, t, s, tr)
				if err != nil {
					fail(err)
					continue
				}
				report(b)
			}
		}()
	}
	wg.Wait()
	res.Rows, res.Sealed, res.Bad = rows.Load(), sealed.Load(), bad.Load()
	if err := m.lockLost(); err != nil {
		return res, m.fail(t.Name, err)
	}
	if firstErr != nil {
		return res, m.resumeHint(ctx, t, firstErr)
	}
	if ctx.Err() != nil {
		return res, m.resumeHint(ctx, t, fmt.Errorf("%w by %v after the batches in flight", ErrStopped, context.Cause(ctx)))
	}
	// The final pass: rows another writer inserted with plaintext
	// meanwhile, anywhere in the table (also before the checkpoint).
	fin, err := m.finalPass(ctx, w, t, plain)
	if fin != nil {
		res.Rows += int64(fin.rows)
		res.Sealed += int64(fin.sealed)
		res.Bad += int64(fin.bad)
		if fin.sealed > 0 {
			m.logf("migrate %s: the final pass sealed %d values written meanwhile without the wrapper", t.Name, fin.sealed)
		}
	}
	if err != nil {
		return res, m.resumeHint(ctx, t, err)
	}
	// Every row is sealed: build the token indexes once, before the
	// table is marked done (a crash here leaves the phase as it was, and
	// the rerun builds what is missing).
	if err := w.CreateTokenIndexes(ctx, t.Name); err != nil {
		return res, m.resumeHint(ctx, t, fmt.Errorf("create the token indexes: %w", err))
	}
	if err := m.setPhase(ctx, t.Name, PhaseDone); err != nil {
		return res, err
	}
	st, err = m.readCheckpoint(ctx, t.Name)
	if err != nil {
		return res, m.fail(t.Name, err)
	}
	res.TotalSealed, res.LastKey, res.Phase, res.Elapsed = st.sealed, st.lastKey.String, st.phase, time.Since(start)
	return res, nil
}

// resumeHint wraps the error that stopped a run with the checkpoint and
// how to resume.
func (m *Migrator) resumeHint(ctx context.Context, t *sqlwrap.Table, err error) error {
	st, _ := m.readCheckpoint(context.WithoutCancel(ctx), t.Name)
	where := "from the start"
	if st != nil && st.lastKey.Valid {
		where = fmt.Sprintf("after %s = %s", t.Key, st.lastKey.String)
	}
	var e *Error
	if errors.As(err, &e) {
		err = e.Err
	}
	return &Error{Table: t.Name, Err: fmt.Errorf("%w; every batch done so far is kept: run the same command again to resume %s", err, where)}
}

// counts returns the table's row count and the rows up to the checkpoint.
func (m *Migrator) counts(ctx context.Context, t *sqlwrap.Table, last sql.NullString) (total, base int64, err error) {
	if err := m.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+m.q(t.Name)).Scan(&total); err != nil {
		return 0, 0, err
	}
	if !last.Valid {
		return total, 0, nil
	}
	k, err := m.parseKey(t, last.String)
	if err != nil {
		return 0, 0, err
	}
	err = m.db.QueryRowContext(ctx, m.rebind("SELECT COUNT(*) FROM "+m.q(t.Name)+" WHERE "+m.q(t.Key)+" <= ?"), k).Scan(&base)
	return total, base, err
}

// boundary returns the key that ends the batch after after: the Batch-th
// key after it, or nil when fewer rows are left (the last batch).
func (m *Migrator) boundary(ctx context.Context, t *sqlwrap.Table, after any) (any, error) {
	q := "SELECT " + m.q(t.Key) + " FROM " + m.q(t.Name)
	var args []any
	if after != nil {
		q += " WHERE " + m.q(t.Key) + " > ?"
		args = append(args, after)
	}
	q += fmt.Sprintf(" ORDER BY %s LIMIT 1 OFFSET %d", m.q(t.Key), m.opts.Batch-1)
	var k any
	err := m.db.QueryRowContext(ctx, m.rebind(q), args...).Scan(&k)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return m.normKey(t, k)
}

// batchResult is what one committed batch did.
type batchResult struct {
	rows, sealed, bad int
	checkpoint        string
}

// batch seals span s in one transaction with its checkpoint, retrying
// the whole transaction on a transient conflict (deadlock, busy).
func (m *Migrator) batch(ctx context.Context, w *sqlwrap.DB, t *sqlwrap.Table, s span, tr *tracker) (*batchResult, error) {
	pause := 10 * time.Millisecond
	for attempt := 0; ; attempt++ {
		b, err := m.batchOnce(ctx, w, t, s, tr)
		if err == nil || !sqlwrap.Transient(err) || attempt == 8 {
			if err != nil {
				return nil, m.explain(t.Name, err)
			}
			return b, nil
		}
		time.Sleep(pause)
		pause *= 2
	}
}

func (m *Migrator) batchOnce(ctx context.Context, w *sqlwrap.DB, t *sqlwrap.Table, s span, tr *tracker) (*batchResult, error) {
	if m.dialect == "sqlite" {
		// SQLite has one writer, and a batch holds the write lock from
		// BEGIN IMMEDIATE to COMMIT: workers take turns here rather than
		// in SQLite's busy handler, whose sleeps leave the database idle
		// and let one worker starve (holding the checkpoint back).
		m.sqliteWriter.Lock()
		defer m.sqliteWriter.Unlock()
	}
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	ta, err := tx.Table(t.Name)
	if err != nil {
		return nil, err
	}
	b := &batchResult{}
	after := s.after
	var last any
	var bad []sqlwrap.BadValue
	for {
		r, err := ta.MigrateRows(ctx, sqlwrap.MigrateRange{After: after, Through: s.through, Limit: m.opts.Batch})
		if err != nil {
			return nil, err
		}
		b.rows += r.Rows
		b.sealed += r.Sealed
		bad = append(bad, r.Bad...)
		if r.Rows > 0 {
			if last, err = m.normKey(t, r.Last); err != nil {
				return nil, err
			}
		}
		if r.Rows < m.opts.Batch || (s.through != nil && keyEqual(last, s.through)) {
			break
		}
		after = last
	}
	if len(bad) > 0 && !m.opts.SkipBadRows {
		v := bad[0]
		return nil, &Error{Table: t.Name, Err: fmt.Errorf("%w: row %s = %v, column %s: %s (the value is not shown; fix it, or rerun with --skip-bad-rows to record such values in %s and go on)",
			ErrBadValue, t.Key, v.Key, v.Column, v.Reason, BadRowsTable)}
	}
	for _, v := range bad {
		k, _ := m.normKey(t, v.Key)
		if _, err := tx.ExecContext(ctx, m.rebind(m.insertIgnore(BadRowsTable, "tbl, "+m.q("key")+", col, reason, seen_at", "?, ?, ?, ?, ?", "tbl, "+m.q("key")+", col")),
			t.Name, keyString(k), v.Column, v.Reason, now()); err != nil {
			return nil, fmt.Errorf("record a bad value: %w", err)
		}
	}
	b.bad = len(bad)
	end := s.through
	if end == nil {
		end = last
	}
	// The checkpoint moves in this transaction; the tracker's lock is held
	// until the commit so that checkpoints are written in order.
	if tr != nil {
		tr.mu.Lock()
		defer tr.mu.Unlock()
	}
	var cp any
	if p := tr.advance(s.seq, end); p != nil {
		cp = keyString(p)
		b.checkpoint = keyString(p)
	}
	phase := PhaseCopy
	if tr == nil {
		phase = "final"
	}
	res, err := tx.ExecContext(ctx, m.rebind("UPDATE "+StateTable+" SET last_key = COALESCE(?, last_key), rows_done = rows_done + ?, sealed = sealed + ?, phase = ?, updated_at = ? WHERE tbl = ? AND owner = ?"),
		cp, b.rows, b.sealed, phase, now(), t.Name, m.owner)
	if err != nil {
		return nil, fmt.Errorf("write the checkpoint: %w", err)
	}
	if !m.held(ctx, res, tx, t.Name) {
		return nil, fmt.Errorf("%w: the lock was taken over by another migration; this batch is rolled back", ErrLocked)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	tr.commit(s.seq, end)
	return b, nil
}

// finalPass seals the values left with c NULL and c__plain not NULL
// anywhere in the table: rows a writer that bypasses the wrapper inserted
// or updated during the run. Each such row is sealed as the one-row span
// (greatest key below it, its key]; the checkpoint stays.
func (m *Migrator) finalPass(ctx context.Context, w *sqlwrap.DB, t *sqlwrap.Table, plain []string) (*batchResult, error) {
	var conds []string
	for _, c := range plain {
		conds = append(conds, fmt.Sprintf("(%s IS NULL AND %s IS NOT NULL)", m.q(c), m.q(c+PlainSuffix)))
	}
	left := strings.Join(conds, " OR ")
	total := &batchResult{}
	var cursor any
	for {
		if ctx.Err() != nil {
			return total, fmt.Errorf("%w in the final pass", ErrStopped)
		}
		q := "SELECT " + m.q(t.Key) + " FROM " + m.q(t.Name) + " WHERE (" + left + ")"
		var args []any
		if cursor != nil {
			q += " AND " + m.q(t.Key) + " > ?"
			args = append(args, cursor)
		}
		q += fmt.Sprintf(" ORDER BY %s LIMIT %d", m.q(t.Key), m.opts.Batch)
		keys, err := m.keys(ctx, t, m.rebind(q), args...)
		if err != nil {
			return total, m.explain(t.Name, fmt.Errorf("final pass: %w", err))
		}
		if len(keys) == 0 {
			return total, nil
		}
		for _, k := range keys {
			var below any
			err := m.db.QueryRowContext(ctx, m.rebind("SELECT MAX("+m.q(t.Key)+") FROM "+m.q(t.Name)+" WHERE "+m.q(t.Key)+" < ?"), k).Scan(&below)
			if err != nil {
				return total, m.explain(t.Name, fmt.Errorf("final pass: %w", err))
			}
			if below != nil {
				if below, err = m.normKey(t, below); err != nil {
					return total, err
				}
			}
			b, err := m.batch(ctx, w, t, span{after: below, through: k}, nil)
			if err != nil {
				return total, err
			}
			total.rows += b.rows
			total.sealed += b.sealed
			total.bad += b.bad
		}
		cursor = keys[len(keys)-1]
	}
}

func (m *Migrator) keys(ctx context.Context, t *sqlwrap.Table, q string, args ...any) ([]any, error) {
	rows, err := m.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []any
	for rows.Next() {
		var k any
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		nk, err := m.normKey(t, k)
		if err != nil {
			return nil, err
		}
		out = append(out, nk)
	}
	return out, rows.Err()
}

// normKey turns a key from the driver into int64 (integer keys) or string.
func (m *Migrator) normKey(t *sqlwrap.Table, k any) (any, error) {
	if k == nil {
		return nil, nil
	}
	if t.KeyType == "text" {
		switch v := k.(type) {
		case []byte:
			return string(v), nil
		case string:
			return v, nil
		}
		return fmt.Sprint(k), nil
	}
	switch v := k.(type) {
	case int64:
		return v, nil
	case int32:
		return int64(v), nil
	case int:
		return int64(v), nil
	case uint64:
		return int64(v), nil
	case []byte:
		return strconv.ParseInt(string(v), 10, 64)
	case string:
		return strconv.ParseInt(v, 10, 64)
	}
	return nil, fmt.Errorf("key %s: unexpected type %T (the schema's key_type says integer)", t.Key, k)
}

func (m *Migrator) parseKey(t *sqlwrap.Table, s string) (any, error) {
	return m.normKey(t, s)
}

func keyString(k any) string {
	if k == nil {
		return ""
	}
	return fmt.Sprint(k)
}

func keyEqual(a, b any) bool {
	return a != nil && b != nil && keyString(a) == keyString(b)
}

// plainColumns lists the protected columns of t that still have a
// plaintext column.
func (m *Migrator) plainColumns(ctx context.Context, t *sqlwrap.Table) ([]string, error) {
	cols, err := m.columns(ctx, t.Name)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range t.Columns {
		if cols[strings.ToLower(c.Name+PlainSuffix)] != nil {
			out = append(out, c.Name)
		}
	}
	return out, nil
}
