package sqlwrap

import (
	"context"
)

// Insert seals and writes one row. It returns the key: the row's own, or
// the one the database generated.
func (ta *TableAccess) Insert(ctx context.Context, row Row) (key any, err error) {
	defer ta.auditWrite(ctx, "insert", "insert", row, &err)
	ctx, done, err := ta.enterWrite(ctx, keyNeed{rows: []Row{row}})
	if err != nil {
		return nil, err
	}
	defer done()
	row, err = ta.rt.canonicalRow("insert", row, false)
	if err != nil {
		return nil, err
	}
	m, err := ta.mode(ctx)
	if err != nil {
		return nil, err
	}
	key, err = ta.insertOne(ctx, row)
	if ta.again(ctx, m, err) {
		key, err = ta.insertOne(ctx, row)
	}
	return key, err
}

func (ta *TableAccess) insertOne(ctx context.Context, row Row) (any, error) {
	if ta.tx != nil || len(ta.rt.side) == 0 && !ta.rt.needsKeyFirst(row) {
		return ta.insert(ctx, row)
	}
	// Side-table tokens and the row must land together, as must a
	// database-assigned key and the row sealed under it.
	var key any
	err := ta.inTx(ctx, keyNeed{rows: []Row{row}}, func(t *TableAccess) error {
		var err error
		key, err = t.insert(ctx, row)
		return err
	})
	return key, err
}

// insert writes one row of canonical values.
func (ta *TableAccess) insert(ctx context.Context, row Row) (any, error) {
	if err := ta.ready(ctx); err != nil {
		return nil, err
	}
	rt, d := ta.rt, ta.rt.d
	m := rt.mig.Load()
	if rt.needsKeyFirst(row) {
		var err error
		if row, err = ta.assignKey(ctx, row); err != nil {
			return nil, err
		}
	}
	binding, err := ta.binding(row)
	if err != nil {
		return nil, err
	}
	w, err := ta.seal(ctx, row, nil, binding, false)
	if err != nil {
		return nil, err
	}
	rt.clearPlain(w, m, row, false)
	key, hasKey := row[rt.t.Key]
	cols, args := w.cols, w.args
	if hasKey && key != nil {
		cols = append([]string{rt.t.Key}, cols...)
		args = append([]any{key}, args...)
	}
	query := d.insertSQL(rt.t.Name, cols, 1)
	if d.name == "postgres" && !(hasKey && key != nil) {
		query += " RETURNING " + d.q(rt.t.Key)
	}
	st, err := ta.stmt(ctx, query)
	if err != nil {
		return nil, ta.fail("insert", "", err)
	}
	var rowid int64
	switch {
	case hasKey && key != nil:
		res, err := st.ExecContext(ctx, args...)
		if err != nil {
			return nil, ta.fail("insert", "", err)
		}
		if d.fts && len(w.fts) > 0 {
			if rowid, err = res.LastInsertId(); err != nil {
				return nil, ta.fail("insert", "", err)
			}
		}
	case d.name == "postgres":
		var id int64
		if err := st.QueryRowContext(ctx, args...).Scan(&id); err != nil {
			return nil, ta.fail("insert", "", err)
		}
		key = id
	default:
		res, err := st.ExecContext(ctx, args...)
		if err != nil {
			return nil, ta.fail("insert", "", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return nil, ta.fail("insert", "", err)
		}
		key, rowid = id, id
	}
	if err := ta.writeSide(ctx, key, w, false); err != nil {
		return nil, err
	}
	if err := ta.writeFTS(ctx, []any{rowid}, []*written{w}); err != nil {
		return nil, err
	}
	return key, nil
}

// InsertBatch seals and writes rows in one transaction (the caller's, if
// the table came from a Tx). If any row fails, for any reason (a bad
// value, a key-service outage), nothing is written.
func (ta *TableAccess) InsertBatch(ctx context.Context, rows []Row) (keys []any, err error) {
	defer ta.auditBatch(ctx, rows, &err)
	ctx, done, err := ta.enterWrite(ctx, keyNeed{rows: rows})
	if err != nil {
		return nil, err
	}
	defer done()
	canon := make([]Row, len(rows))
	for i, r := range rows {
		var err error
		if canon[i], err = ta.rt.canonicalRow("insert", r, false); err != nil {
			return nil, err
		}
	}
	rows = canon
	m, err := ta.mode(ctx)
	if err != nil {
		return nil, err
	}
	keys, err = ta.insertBatch(ctx, rows)
	if ta.again(ctx, m, err) {
		keys, err = ta.insertBatch(ctx, rows)
	}
	return keys, err
}

func (ta *TableAccess) insertBatch(ctx context.Context, rows []Row) ([]any, error) {
	keys := make([]any, 0, len(rows))
	do := func(t *TableAccess) error {
		if t.multiRowOK(rows) {
			if err := t.insertChunks(ctx, rows); err != nil {
				return err
			}
			for _, r := range rows {
				keys = append(keys, r[t.rt.t.Key])
			}
			return nil
		}
		for _, r := range rows {
			k, err := t.insert(ctx, r)
			if err != nil {
				return err
			}
			keys = append(keys, k)
		}
		return nil
	}
	if ta.tx != nil {
		return keys, do(ta)
	}
	if err := ta.inTx(ctx, keyNeed{rows: rows}, do); err != nil {
		return nil, err
	}
	return keys, nil
}

// multiRowChunk is how many rows one multi-row INSERT carries at most:
// 200-row statements were 1.5x faster than 64-row ones on SQLite, and
// larger ones gained nothing. maxParams keeps wide tables below every
// engine's limit on bound parameters (SQLite 32,766; PostgreSQL and MySQL
// 65,535).
const (
	multiRowChunk = 256
	maxParams     = 30000
)

// multiRowOK reports whether rows can go in multi-row INSERTs: every row
// brings its key (so no generated key has to be read back per row) and
// side tokens need no per-row lookup (SQLite FTS5 documents are keyed by
// rowid, which is the key only for integer keys; MySQL side tables take the
// key directly).
func (ta *TableAccess) multiRowOK(rows []Row) bool {
	if len(rows) < 2 {
		return false
	}
	if ta.rt.d.fts && len(ta.rt.side) > 0 && ta.rt.t.KeyType == "text" {
		return false
	}
	for _, r := range rows {
		if k, ok := r[ta.rt.t.Key]; !ok || k == nil {
			return false
		}
	}
	return true
}

// sealedChunk is a chunk of rows ready for one multi-row INSERT.
type sealedChunk struct {
	rows []Row
	cols []string
	args []any
	ws   []*written
}

// sealChunk seals and tokenizes rows of canonical values, which all
// bring their keys.
func (ta *TableAccess) sealChunk(ctx context.Context, rows []Row) (*sealedChunk, error) {
	c := &sealedChunk{rows: rows, args: make([]any, 0, len(rows)*16), ws: make([]*written, len(rows))}
	// Every row of the chunk has the same columns: one mode for all.
	m := ta.rt.mig.Load()
	for i, row := range rows {
		binding, err := ta.binding(row)
		if err != nil {
			return nil, err
		}
		w, err := ta.seal(ctx, row, nil, binding, false)
		if err != nil {
			return nil, err
		}
		ta.rt.clearPlain(w, m, row, false)
		c.ws[i] = w
		if c.cols == nil {
			c.cols = append([]string{ta.rt.t.Key}, w.cols...)
		}
		c.args = append(c.args, row[ta.rt.t.Key])
		c.args = append(c.args, w.args...)
	}
	return c, nil
}

// insertChunks writes rows in multi-row INSERTs, sealing the next chunk
// while the database writes the current one: sealing and SQLite's write
// path each take a core.
func (ta *TableAccess) insertChunks(ctx context.Context, rows []Row) error {
	if err := ta.ready(ctx); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		c   *sealedChunk
		err error
	}
	ch := make(chan result, 1)
	go func() {
		defer close(ch)
		chunk := min(multiRowChunk, max(1, maxParams/(len(ta.rt.storage())+1)))
		for i := 0; i < len(rows); i += chunk {
			c, err := ta.sealChunk(ctx, rows[i:min(i+chunk, len(rows))])
			select {
			case ch <- result{c, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	for r := range ch {
		if r.err != nil {
			return r.err
		}
		if err := ta.execChunk(ctx, r.c); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// execChunk writes one sealed chunk with one INSERT per table (and per
// FTS5 index).
func (ta *TableAccess) execChunk(ctx context.Context, c *sealedChunk) error {
	rt, d := ta.rt, ta.rt.d
	st, err := ta.stmt(ctx, d.insertSQL(rt.t.Name, c.cols, len(c.rows)))
	if err != nil {
		return ta.fail("insert", "", err)
	}
	if _, err := st.ExecContext(ctx, c.args...); err != nil {
		return ta.fail("insert", "", err)
	}
	for i, w := range c.ws {
		if err := ta.writeSide(ctx, c.rows[i][rt.t.Key], w, false); err != nil {
			return err
		}
	}
	if !d.fts {
		return nil
	}
	// Integer keys are the rowids (multiRowOK checks it).
	rowids := make([]any, len(c.rows))
	for i, r := range c.rows {
		rowids[i] = r[rt.t.Key]
	}
	return ta.writeFTS(ctx, rowids, c.ws)
}
