package sqlwrap

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ReindexOptions tunes Reindex; the zero value (or nil) uses the defaults.
type ReindexOptions struct {
	// BatchSize is how many rows one transaction rewrites (default 500).
	BatchSize int
	// Progress, if set, is called after each committed batch with the
	// number of rows this call has rewritten so far (in the index being
	// rewritten, for RotateIndexKey).
	Progress func(rows int64)
	// RotationWait is how long RotateIndexKey waits between the rotation
	// and the rewrite, so that every process has started writing tokens
	// under the new key (a process that still wrote under the old key after
	// the rewrite passed its row would leave that row unfindable once the
	// old key is retired). 0 means twice the keyring's check interval: one
	// interval for every keyring to read the rotated keyset, one for
	// writes that loaded their keys just before to commit. Set it higher
	// when other processes use a longer Config.CheckInterval or keep write
	// transactions open longer.
	RotationWait time.Duration
}

const defaultReindexBatch = 500

func (opts *ReindexOptions) withDefaults() ReindexOptions {
	var o ReindexOptions
	if opts != nil {
		o = *opts
	}
	if o.BatchSize <= 0 {
		o.BatchSize = defaultReindexBatch
	}
	return o
}

// Reindex writes the tokens of one index into every row of a table, then
// marks the index ready so that queries may use it. It is the backfill of
// an index that EnsureSchema added to a table that already had rows, or
// whose definition (bits, transforms, partitions, grams) changed: until it
// has run, queries through that index fail with ErrIndexNotReady.
//
// It walks the table in key order, in batches, each in its own
// transaction: it reads the ciphertexts the index needs, opens them and
// writes the index's tokens (token columns, PostgreSQL Bloom arrays,
// SQLite FTS5 documents, MySQL side tables). The last key of each
// committed batch is recorded, so a Reindex that was stopped (a cancelled
// context, a crash) continues where it stopped. Rows written meanwhile get
// the index's tokens from the write itself. Run on a ready index, it
// rewrites every row's tokens and leaves the index ready throughout; to
// move an index to a new key and retire the old one, use RotateIndexKey.
func (db *DB) Reindex(ctx context.Context, table, index string, opts *ReindexOptions) (err error) {
	defer db.auditKey(ctx, "reindex", table, index, &err)
	if db == nil || db.db == nil {
		return ErrUnbound
	}
	if ctx == nil {
		return errNilContext
	}
	ta, err := db.Table(table)
	if err != nil {
		return err
	}
	rt := ta.rt
	def := rt.index(index)
	if def == nil {
		return &Error{Op: "reindex", Table: table, Column: index, Err: ErrUnknownIndex}
	}
	fail := func(err error) error { return ta.fail("reindex", index, err) }
	if err := ta.ready(ctx); err != nil {
		return err
	}
	if err := ta.warm(ctx); err != nil {
		return err
	}
	o := opts.withDefaults()
	if have, err := db.existingColumns(ctx, indexTable); err != nil {
		return fail(err)
	} else if len(have) == 0 {
		return fail(fmt.Errorf("%w: no %s table; run EnsureSchema first", ErrMissingColumn, indexTable))
	}
	rec, found, err := db.readIndexRecord(ctx, db.db, table, index)
	if err != nil {
		return fail(err)
	}
	building := !found || rec.state != stateReady || rec.hash != def.hash
	var after any
	if building && found && rec.hash == def.hash && rec.state == stateBuilding && rec.progress.Valid {
		if after, err = rt.parseKey(rec.progress.String); err != nil {
			return fail(err)
		}
	} else if building {
		// Not recorded, or recorded under another definition: start over.
		if err := db.putIndexRecord(ctx, db.db, table, index, indexRecord{hash: def.hash, state: stateBuilding}); err != nil {
			return fail(err)
		}
		rt.idx.markBuilding(index)
	}
	var record func(context.Context, *sql.Tx, any) error
	if building {
		record = func(ctx context.Context, tx *sql.Tx, last any) error {
			return db.putIndexRecord(ctx, tx, table, index, indexRecord{hash: def.hash, state: stateBuilding, progress: sql.NullString{String: keyText(last), Valid: true}})
		}
	}
	if err := ta.rewrite(ctx, def, after, o, nil, record); err != nil {
		return err
	}
	if building {
		if err := db.putIndexRecord(ctx, db.db, table, index, indexRecord{hash: def.hash, state: stateReady}); err != nil {
			return fail(err)
		}
		rt.idx.setReady(index)
	}
	return nil
}

// rewrite writes the index's tokens into every row with a key after after
// (every row when nil), batch by batch. before, if set, runs before each
// batch; record, if set, records each batch's last key inside its
// transaction.
func (ta *TableAccess) rewrite(ctx context.Context, def *indexDef, after any, o ReindexOptions, before func(context.Context) error, record func(context.Context, *sql.Tx, any) error) error {
	var done int64
	for {
		if before != nil {
			if err := before(ctx); err != nil {
				return err
			}
		}
		// A batch is one transaction: one that lost a deadlock to the
		// application's writes is run again.
		var n int
		var last any
		err := retryTransient(ctx, func() error {
			var err error
			n, last, err = ta.reindexBatch(ctx, def, after, o.BatchSize, record)
			return err
		})
		if err != nil {
			return err
		}
		done += int64(n)
		if n > 0 && o.Progress != nil {
			o.Progress(done)
		}
		if n < o.BatchSize {
			return nil
		}
		after = last
	}
}

// parseKey reads a key recorded as progress.
func (rt *tableRT) parseKey(s string) (any, error) {
	if rt.t.KeyType == "text" {
		return s, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("recorded progress key is not an integer")
	}
	return n, nil
}

// keyText is a key as progress records it.
func keyText(k any) string {
	switch x := k.(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case string:
		return x
	}
	return fmt.Sprint(k)
}

// scannedKey converts a key read back from the database to the Go type
// writes use.
func (rt *tableRT) scannedKey(v any) (any, error) {
	v = normalizeScanned(v)
	if rt.t.KeyType == "text" {
		if s, ok := v.(string); ok {
			return s, nil
		}
		return nil, fmt.Errorf("%w: key of type %T", ErrWrongType, v)
	}
	switch x := v.(type) {
	case int64:
		return x, nil
	case int32:
		return int64(x), nil
	case string:
		return strconv.ParseInt(x, 10, 64)
	}
	return nil, fmt.Errorf("%w: key of type %T", ErrWrongType, v)
}

// reindexRow is one row of a batch: its key, SQLite rowid and the
// ciphertexts the index reads.
type reindexRow struct {
	key, rowid any
	binding    any
	cts        []any
}

// reindexBatch rewrites the index's tokens of up to n rows with keys after
// after (all rows from the start when nil), in one transaction that also
// records the progress (record, if set). It returns the number of rows and
// the last key.
func (ta *TableAccess) reindexBatch(ctx context.Context, def *indexDef, after any, n int, record func(context.Context, *sql.Tx, any) error) (int, any, error) {
	rt, d := ta.rt, ta.rt.d
	tx, err := ta.db.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, nil, ta.fail("reindex", def.name, err)
	}
	defer tx.Rollback()
	t := &TableAccess{db: ta.db, rt: rt, tx: tx, tc: newTxConn(tx)}
	// Keysets reloaded while the batch holds the pool's last connection
	// are read through the batch's transaction (KeysetStore.reader); the
	// rows are all read before any value is opened.
	ctx = context.WithValue(ctx, storeTxKey{}, storeTx{db: ta.db.db, tx: tx})

	rb := rt.t.RowBinding
	fields := []string{d.q(rt.t.Key)}
	withRowid := d.fts && def.side != ""
	if withRowid {
		fields = append(fields, "rowid")
	}
	if rb != "" && rb != rt.t.Key {
		fields = append(fields, d.q(rb))
	}
	for _, cr := range def.cols {
		fields = append(fields, d.q(cr.c.Name))
	}
	var q strings.Builder
	var args []any
	fmt.Fprintf(&q, "SELECT %s FROM %s", strings.Join(fields, ", "), d.q(rt.t.Name))
	if after != nil {
		fmt.Fprintf(&q, " WHERE %s > %s", d.q(rt.t.Key), d.ph(1))
		args = append(args, after)
	}
	fmt.Fprintf(&q, " ORDER BY %s LIMIT %d", d.q(rt.t.Key), n)
	if d.name != "sqlite" {
		// A write that lands between the read and the rewrite would have
		// its tokens overwritten by the old value's.
		q.WriteString(" FOR UPDATE")
	}
	batch, err := t.readBatch(ctx, q.String(), args, def, withRowid)
	if err != nil {
		return 0, nil, ta.fail("reindex", def.name, err)
	}
	for _, r := range batch {
		if err := t.reindexRow(ctx, def, r); err != nil {
			return 0, nil, &Error{Op: "reindex", Table: rt.t.Name, Column: def.name, Err: fmt.Errorf("row with key %s: %w", keyText(r.key), err)}
		}
	}
	var last any
	if len(batch) > 0 {
		last = batch[len(batch)-1].key
		if record != nil {
			if err := record(ctx, tx, last); err != nil {
				return 0, nil, ta.fail("reindex", def.name, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, nil, ta.fail("reindex", def.name, err)
	}
	return len(batch), last, nil
}

// readBatch runs the batch's SELECT and reads every row before any write:
// a connection cannot run a statement while rows are open on it.
func (ta *TableAccess) readBatch(ctx context.Context, query string, args []any, def *indexDef, withRowid bool) ([]reindexRow, error) {
	rt := ta.rt
	rows, err := ta.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []reindexRow
	for rows.Next() {
		var r reindexRow
		dest := []any{&r.key}
		if withRowid {
			dest = append(dest, &r.rowid)
		}
		if rb := rt.t.RowBinding; rb != "" && rb != rt.t.Key {
			dest = append(dest, &r.binding)
		}
		r.cts = make([]any, len(def.cols))
		for i := range r.cts {
			dest = append(dest, &r.cts[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		if r.key, err = rt.scannedKey(r.key); err != nil {
			return nil, err
		}
		if rt.t.RowBinding == rt.t.Key {
			r.binding = r.key
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// reindexRow opens the row's values and writes the index's tokens, with
// the same writers as Insert and Update.
func (ta *TableAccess) reindexRow(ctx context.Context, def *indexDef, r reindexRow) error {
	rt, d := ta.rt, ta.rt.d
	var binding []byte
	if rt.t.RowBinding != "" {
		var err error
		if binding, err = bindingBytes(normalizeScanned(r.binding)); err != nil {
			return err
		}
	}
	if m := rt.mig.Load(); m != nil {
		for i, cr := range def.cols {
			if r.cts[i] == nil && m.migrating(cr) {
				// Not migrated yet: reads find the row through its
				// plaintext, and MigrateRows writes its tokens.
				return nil
			}
		}
	}
	vals := make([]any, len(def.cols))
	for i, cr := range def.cols {
		raw := normalizeScanned(r.cts[i])
		if raw == nil {
			continue
		}
		ct, ok := raw.([]byte)
		if !ok {
			s, isStr := raw.(string)
			if !isStr {
				return fmt.Errorf("%w: %s holds %T, not ciphertext", ErrWrongType, cr.c.Name, raw)
			}
			ct = []byte(s)
		}
		v, err := cr.seal.Open(ctx, ct, binding)
		if err != nil {
			return fmt.Errorf("%s: %w", cr.c.Name, err)
		}
		vals[i] = v
	}
	w := &written{side: map[*bloomRT][]int64{}, fts: map[*bloomRT]string{}}
	if def.comp != nil {
		if err := ta.compoundToken(ctx, w, def.comp, vals, binding); err != nil {
			return err
		}
	} else {
		// sealColumn writes the ciphertext and every index of the column;
		// a copy with only this index gives its tokens alone.
		only := *def.cols[0]
		only.eq, only.pre, only.sub = nil, nil, nil
		switch {
		case def.eq != nil:
			only.eq = []*eqRT{def.eq}
		case def.br == def.cols[0].pre:
			only.pre = def.br
		default:
			only.sub = def.br
		}
		if err := ta.sealColumn(ctx, w, &only, vals[0], binding); err != nil {
			return err
		}
		w.cols, w.args = w.cols[1:], w.args[1:]
	}
	if len(w.cols) > 0 {
		sets := make([]string, len(w.cols))
		for i, c := range w.cols {
			sets[i] = d.q(c) + " = " + d.ph(i+1)
		}
		q := fmt.Sprintf("UPDATE %s SET %s WHERE %s = %s", d.q(rt.t.Name), strings.Join(sets, ", "), d.q(rt.t.Key), d.ph(len(w.cols)+1))
		if _, err := ta.tx.ExecContext(ctx, q, append(w.args, r.key)...); err != nil {
			return err
		}
	}
	if err := ta.writeSide(ctx, r.key, w, true); err != nil {
		return err
	}
	if len(w.fts) == 0 {
		return nil
	}
	if err := ta.deleteFTS(ctx, r.key, w.fts); err != nil {
		return err
	}
	return ta.writeFTS(ctx, []any{r.rowid}, []*written{w})
}

// compoundToken adds the compound index's token of the opened values to w,
// as Insert writes it: NULL when a part is NULL.
func (ta *TableAccess) compoundToken(ctx context.Context, w *written, c *compoundRT, vals []any, binding []byte) error {
	strs := make([]string, len(vals))
	for i, v := range vals {
		if v == nil {
			w.cols, w.args = append(w.cols, c.idx.Name), append(w.args, nil)
			return nil
		}
		strs[i] = tokenText(v)
	}
	keys, err := c.keys.Get(ctx)
	if err != nil {
		return err
	}
	tok, err := c.c.WriteToken(keys, binding, strs...)
	if err != nil {
		return err
	}
	w.cols, w.args = append(w.cols, c.idx.Name), append(w.args, tok)
	return nil
}
