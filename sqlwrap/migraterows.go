package sqlwrap

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
)

// MigrateRange selects the rows MigrateRows works on: those with a key
// greater than After and at most Through (nil: unbounded on that side),
// in key order, at most Limit of them (0: no limit).
type MigrateRange struct {
	After, Through any
	Limit          int
}

// MigrateResult is what one MigrateRows call did.
type MigrateResult struct {
	// Last is the key of the last row examined (nil if none): give it as
	// the next call's After.
	Last any
	// Rows is the number of rows examined; fewer than the range's Limit
	// means the range holds no more rows.
	Rows int
	// Sealed is the number of values sealed (a row counts once per
	// column).
	Sealed int
	// Bad lists the plaintext values that do not fit their column's
	// declared type: they were not written and stay in the plaintext
	// column.
	Bad []BadValue
}

// BadValue is a plaintext value MigrateRows could not seal: the row's key
// and the column, never the value.
type BadValue struct {
	Key    any
	Column string
	// Reason says why (an unparseable date or integer, longer than
	// max_length, invalid UTF-8, empty in a column that is not nullable),
	// without the value.
	Reason string
}

// MigrateRows seals the plaintext of a table in migrating mode (see
// docs/SCHEMA.md, "Migrating mode"): for each row of the range, in key
// order, every protected column c whose ciphertext is NULL and whose
// plaintext column c__plain is not gets c sealed and every token of its
// indexes written (token columns, compound indexes, PostgreSQL Bloom
// arrays, SQLite FTS5 documents, MySQL side tables), as Update writes
// them. The plaintext column is left as it is; reads prefer the
// ciphertext. Each row's UPDATE is guarded by c IS NULL for the columns
// it seals, so a value is never sealed twice: a second run over the same
// rows, or a wrapper write that got there first, wins.
//
// It reads the whole range with one SELECT (locking its rows on
// PostgreSQL and MySQL), seals the rows with a worker per core, and writes
// them with one UPDATE per row on MySQL and one UPDATE of up to 128 rows
// that write the same columns on SQLite and PostgreSQL (each row still
// guarded on its own). On
// a table from a Tx (DB.BeginTx, DB.WithTx) it runs inside that
// transaction, so that a batch and its checkpoint commit together;
// otherwise in a transaction of its own.
//
// A plaintext value that does not fit its column's declared type is not
// written and is reported in Bad with the row's key and the column. Any
// other failure (a key-service outage, a ciphertext of the row that does
// not open, a database error) is returned and nothing of the call is
// written. A table with no plaintext column left is refused
// (ErrUnsupported).
func (ta *TableAccess) MigrateRows(ctx context.Context, r MigrateRange) (*MigrateResult, error) {
	ctx, done, err := ta.enterWrite(ctx, keyNeed{all: true})
	if err != nil {
		return nil, err
	}
	defer done()
	m, err := ta.mode(ctx)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, ta.fail("migrate", "", fmt.Errorf("%w: no protected column of the table has a %s column: nothing to migrate", ErrUnsupported, plainSuffix))
	}
	if r.Limit < 0 {
		return nil, ta.fail("migrate", "", errors.New("negative limit"))
	}
	var after, through any
	if r.After != nil {
		if after, err = ta.rt.canonicalKey("migrate", r.After); err != nil {
			return nil, err
		}
	}
	if r.Through != nil {
		if through, err = ta.rt.canonicalKey("migrate", r.Through); err != nil {
			return nil, err
		}
	}
	var res *MigrateResult
	do := func(t *TableAccess) error {
		var err error
		res, err = t.migrate(ctx, m, after, through, r.Limit)
		return err
	}
	if ta.tx != nil {
		err = do(ta)
	} else {
		err = ta.inTx(ctx, keyNeed{all: true}, do)
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// migrateRow is one row of a MigrateRows batch as read.
type migrateRow struct {
	key, rowid any
	binding    any
	// cts holds each protected column's stored value, plains each
	// migrating column's plaintext (by migration.at).
	cts, plains []any
}

// migrate runs one MigrateRows call inside ta's transaction.
func (ta *TableAccess) migrate(ctx context.Context, m *migration, after, through any, limit int) (*MigrateResult, error) {
	rt, d := ta.rt, ta.rt.d
	rb := rt.t.RowBinding
	otherRB := rb != "" && rb != rt.t.Key
	withRowid := d.fts && len(rt.side) > 0
	fields := []string{d.q(rt.t.Key)}
	if withRowid {
		fields = append(fields, "rowid")
	}
	if otherRB {
		fields = append(fields, d.q(rb))
	}
	for _, cr := range rt.order {
		fields = append(fields, d.q(cr.c.Name))
	}
	for _, cr := range m.cols {
		fields = append(fields, rt.plainRef(cr))
	}
	var q strings.Builder
	var args []any
	var conds []string
	fmt.Fprintf(&q, "SELECT %s FROM %s", strings.Join(fields, ", "), d.q(rt.t.Name))
	if after != nil {
		args = append(args, after)
		conds = append(conds, d.q(rt.t.Key)+" > "+d.ph(len(args)))
	}
	if through != nil {
		args = append(args, through)
		conds = append(conds, d.q(rt.t.Key)+" <= "+d.ph(len(args)))
	}
	if len(conds) > 0 {
		q.WriteString(" WHERE " + strings.Join(conds, " AND "))
	}
	q.WriteString(" ORDER BY " + d.q(rt.t.Key))
	if limit > 0 {
		fmt.Fprintf(&q, " LIMIT %d", limit)
	}
	if d.name != "sqlite" {
		// A write landing between the read and the UPDATE would have its
		// compound tokens computed from values no longer there.
		q.WriteString(" FOR UPDATE")
	}
	batch, err := ta.readMigrateBatch(ctx, q.String(), args, m, withRowid, otherRB)
	if err != nil {
		return nil, ta.fail("migrate", "", err)
	}
	if f := ta.db.migrateAfterRead; f != nil {
		f(ctx, ta)
	}
	res := &MigrateResult{Rows: len(batch)}
	if len(batch) > 0 {
		res.Last = batch[len(batch)-1].key
	}
	// The rows are sealed by a worker per core, ahead of the writes: the
	// database writes each row as soon as it and the rows before it are
	// sealed.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sealed := ta.sealMigrateBatch(ctx, m, batch)
	var rowids []any
	var ws []*written
	mw := &migrateWriter{ta: ta, groups: map[string]*migrateGroup{}, written: func(s *migrateSealed) error {
		res.Sealed += len(s.sealing)
		if err := ta.writeSide(ctx, s.r.key, s.w, true); err != nil {
			return err
		}
		if withRowid && len(s.w.fts) > 0 {
			rowids, ws = append(rowids, s.r.rowid), append(ws, s.w)
			if len(ws) == multiRowChunk {
				if err := ta.writeFTS(ctx, rowids, ws); err != nil {
					return err
				}
				rowids, ws = rowids[:0], ws[:0]
			}
		}
		return nil
	}}
	for s := range sealed {
		if s.err != nil {
			return nil, s.err
		}
		res.Bad = append(res.Bad, s.bad...)
		if s.w == nil {
			continue
		}
		if err := mw.add(ctx, s); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := mw.flush(ctx); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(ws) > 0 {
		if err := ta.writeFTS(ctx, rowids, ws); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// readMigrateBatch reads every row of the batch before any write: a
// connection cannot run a statement while rows are open on it.
func (ta *TableAccess) readMigrateBatch(ctx context.Context, query string, args []any, m *migration, withRowid, otherRB bool) ([]migrateRow, error) {
	rt := ta.rt
	rows, err := ta.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []migrateRow
	for rows.Next() {
		r := migrateRow{cts: make([]any, len(rt.order)), plains: make([]any, len(m.cols))}
		dest := make([]any, 0, 3+len(r.cts)+len(r.plains))
		dest = append(dest, &r.key)
		if withRowid {
			dest = append(dest, &r.rowid)
		}
		if otherRB {
			dest = append(dest, &r.binding)
		}
		for i := range r.cts {
			dest = append(dest, &r.cts[i])
		}
		for i := range r.plains {
			dest = append(dest, &r.plains[i])
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

// sealMigrateBatch seals the rows of batch with one worker per core and
// returns them in batch order on the channel, which is closed after the
// last row, after a row with an error, or when ctx is done.
func (ta *TableAccess) sealMigrateBatch(ctx context.Context, m *migration, batch []migrateRow) <-chan *migrateSealed {
	out := make(chan *migrateSealed, 64)
	n := len(batch)
	workers := min(runtime.GOMAXPROCS(0), n)
	if n == 0 {
		close(out)
		return out
	}
	// done[i] is closed once results[i] is set; at most window rows are
	// sealed ahead of the one the writer waits for.
	results := make([]*migrateSealed, n)
	done := make([]chan struct{}, n)
	for i := range done {
		done[i] = make(chan struct{})
	}
	window := make(chan struct{}, 2*workers+64)
	var next atomic.Int64
	for range workers {
		go func() {
			for {
				select {
				case window <- struct{}{}:
				case <-ctx.Done():
					return
				}
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				results[i] = ta.sealMigrateRow(ctx, m, &batch[i])
				close(done[i])
			}
		}()
	}
	go func() {
		defer close(out)
		for i := range batch {
			select {
			case <-done[i]:
			case <-ctx.Done():
				return
			}
			<-window
			s := results[i]
			select {
			case out <- s:
			case <-ctx.Done():
				return
			}
			if s.err != nil {
				return
			}
		}
	}()
	return out
}

// migrateSealed is one row of a batch, sealed: what its UPDATE writes
// (nil w: nothing to write), the columns it seals, and its bad values.
type migrateSealed struct {
	r       *migrateRow
	w       *written
	sealing []*colRT
	bad     []BadValue
	err     error
}

// sealMigrateRow seals the plaintext of one row whose ciphertext is
// missing, with the sealing Update uses. It touches no database.
func (ta *TableAccess) sealMigrateRow(ctx context.Context, m *migration, r *migrateRow) *migrateSealed {
	rt := ta.rt
	s := &migrateSealed{r: r}
	bad := func(col string, err error) {
		s.bad = append(s.bad, BadValue{Key: r.key, Column: col, Reason: nested(err)})
	}
	var binding []byte
	if rb := rt.t.RowBinding; rb != "" {
		var err error
		if binding, err = bindingBytes(normalizeScanned(r.binding)); err != nil {
			bad(rb, err)
			return s
		}
	}
	row := Row{}
	for _, cr := range m.cols {
		plain := r.plains[m.at[cr.pos]]
		if r.cts[cr.pos] != nil || plain == nil {
			continue
		}
		v, err := fromPlain(cr.c, plain)
		if err != nil {
			bad(cr.c.Name, err)
			continue
		}
		if v == nil {
			if !cr.c.Nullable {
				bad(cr.c.Name, fmt.Errorf("%w: the plaintext is empty", ErrNotNull))
			}
			continue
		}
		row[cr.c.Name] = v
		s.sealing = append(s.sealing, cr)
	}
	if len(s.sealing) == 0 {
		return s
	}
	// The compound indexes the row's new values take part in are
	// recomputed with their other parts' values, as Update does.
	var known Row
	for _, cr := range rt.storedParts(row) {
		if known == nil {
			known = Row{}
		}
		var plain any
		if m.migrating(cr) {
			plain = r.plains[m.at[cr.pos]]
		}
		v, err := ta.openMigrating(ctx, m, cr, r.cts[cr.pos], plain, binding)
		if err != nil && r.cts[cr.pos] == nil {
			// A bad or missing plaintext part (a bad one is reported on
			// its own): the compound token is NULL, and reads find the
			// row through that part's plaintext.
			v, err = nil, nil
		}
		if err != nil {
			s.err = ta.damaged("migrate", r.key, cr.c.Name, err)
			return s
		}
		known[cr.c.Name] = v
	}
	s.w, s.err = ta.seal(ctx, row, known, binding, true)
	return s
}

// writeMigrateRow runs the guarded UPDATE of a sealed row. It returns the
// number of values sealed: 0 when another write got there first.
func (ta *TableAccess) writeMigrateRow(ctx context.Context, s *migrateSealed) (int, error) {
	rt, d := ta.rt, ta.rt.d
	w := s.w
	sets := make([]string, len(w.cols))
	for i, c := range w.cols {
		sets[i] = d.q(c) + " = " + d.ph(i+1)
	}
	guards := make([]string, len(s.sealing))
	for i, cr := range s.sealing {
		guards[i] = d.q(cr.c.Name) + " IS NULL"
	}
	text := fmt.Sprintf("UPDATE %s SET %s WHERE %s = %s AND %s", d.q(rt.t.Name), strings.Join(sets, ", "), d.q(rt.t.Key), d.ph(len(w.cols)+1), strings.Join(guards, " AND "))
	st, err := ta.stmt(ctx, text)
	if err != nil {
		return 0, ta.fail("migrate", "", err)
	}
	out, err := st.ExecContext(ctx, append(w.args, s.r.key)...)
	if err != nil {
		return 0, ta.fail("migrate", "", err)
	}
	if n, err := out.RowsAffected(); err != nil {
		return 0, ta.fail("migrate", "", err)
	} else if n == 0 {
		return 0, nil
	}
	return len(s.sealing), nil
}
