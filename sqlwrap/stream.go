package sqlwrap

import (
	"context"
	"database/sql"
	"errors"
	"iter"
	"strconv"
)

// prepare checks q and builds its SELECT. With sqlPage, a query whose
// every condition the database answers exactly (no protected predicate to
// re-check after decryption) gets its Offset and Limit in the SELECT, so
// skipped rows are neither read nor decrypted; pushed reports it.
func (ta *TableAccess) prepare(ctx context.Context, q Query, sqlPage bool) (b *builder, text string, pushed bool, err error) {
	if err := ta.ready(ctx); err != nil {
		return nil, "", false, err
	}
	if q.Limit < 0 {
		return nil, "", false, ta.fail("find", "", errors.New("negative limit"))
	}
	if q.Offset < 0 {
		return nil, "", false, ta.fail("find", "", errors.New("negative offset"))
	}
	b = &builder{ta: ta}
	if err := b.build(ctx, q); err != nil {
		return nil, "", false, err
	}
	if err := b.checkReadable(q); err != nil {
		return nil, "", false, err
	}
	if text, err = b.sqlText(q); err != nil {
		return nil, "", false, err
	}
	if sqlPage && len(b.checks) == 0 && (q.Limit > 0 || q.Offset > 0) {
		limit := strconv.Itoa(q.Limit)
		if q.Limit == 0 {
			// "No limit" as each engine spells it with an OFFSET.
			limit = map[string]string{"sqlite": "-1", "mysql": "18446744073709551615", "postgres": "ALL"}[ta.rt.d.name]
		}
		text += " LIMIT " + limit + " OFFSET " + strconv.Itoa(q.Offset)
		pushed = true
	}
	return b, text, pushed, nil
}

// stream runs q and hands yield each matching row, decrypted, one at a
// time: the false positives of the tokens are dropped, then q.Offset rows
// skipped, then at most q.Limit rows given. With partial, a row that does
// not open is given as a DamagedRow (not counted by Offset nor Limit);
// without, it ends the stream with its error. yield returning false stops
// the stream and closes the database rows. The caller has entered ta.
func (ta *TableAccess) stream(ctx context.Context, q Query, partial bool, yield func(Row, *DamagedRow) bool) error {
	// A damaged row must not count in Offset and Limit when partial.
	b, text, pushed, err := ta.prepare(ctx, q, !partial)
	if err != nil {
		return err
	}
	rows, more, err := ta.run(ctx, text, b.args)
	if ta.again(ctx, b.m, err) {
		// A plaintext column the SELECT named was dropped: build it again
		// for the table as it is now.
		if b, text, pushed, err = ta.prepare(ctx, q, !partial); err != nil {
			return err
		}
		rows, more, err = ta.run(ctx, text, b.args)
	}
	if err != nil {
		return ta.fail("find", "", err)
	}
	if rows == nil {
		return nil
	}
	defer rows.Close()
	if pushed {
		q.Offset, q.Limit = 0, 0
	}
	skip, given := q.Offset, 0
	for ; more; more = rows.Next() {
		r, err := ta.scan(ctx, rows, b.checks, b.m)
		if err != nil {
			if e, ok := isRowDamage(err); ok && partial {
				if !yield(nil, &DamagedRow{Key: e.Key, Column: e.Column, Err: err}) {
					return nil
				}
				continue
			}
			return err
		}
		if r == nil {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		given++
		if !yield(r, nil) {
			return nil
		}
		if q.Limit > 0 && given == q.Limit {
			return nil
		}
	}
	if err := rows.Err(); err != nil {
		return ta.fail("find", "", err)
	}
	return nil
}

// run runs a read's SELECT and moves to its first row: it returns the
// rows and whether there is one (nil rows when there is none). A statement
// that fails at once (at preparation, at execution or on its first row)
// returns its error, so that the caller may build it again.
func (ta *TableAccess) run(ctx context.Context, text string, args []any) (*sql.Rows, bool, error) {
	st, err := ta.stmt(ctx, text)
	if err != nil {
		return nil, false, err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, false, err
	}
	if rows.Next() {
		return rows, true, nil
	}
	err = rows.Err()
	rows.Close()
	return nil, false, err
}

// Rows is Find as an iterator: it reads and decrypts one row at a time,
// so memory stays bounded however many rows match. The rows come in the
// query's order, false positives dropped, Offset and Limit applied as by
// Find; a row that does not open ends the iteration with its error, as
// does a database error (the pair then carries a nil Row). Breaking out
// of the loop closes the database rows.
//
// The keys of the table are loaded before the first row is read. While
// the loop runs, the rows hold a database connection (inside a Tx, the
// transaction's): on SQLite, PostgreSQL and MySQL that connection cannot
// run another statement until the loop ends, so write through another
// handle, or collect keys and write after the loop. Inside a Tx, another
// operation of the same Tx waits for the loop to end: calling one from
// the loop's body waits until its context ends.
func (ta *TableAccess) Rows(ctx context.Context, q Query) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		yield, finish := ta.auditRows(ctx, yield)
		defer finish()
		ctx, done, err := ta.enter(ctx)
		if err != nil {
			yield(nil, err)
			return
		}
		defer done()
		// Keys are loaded now: loading one while the rows are open would
		// need a second statement on a connection that may be the only one.
		if err := ta.db.warmRead(ctx, ta.rt); err != nil {
			yield(nil, err)
			return
		}
		stopped := false
		err = ta.stream(ctx, q, false, func(r Row, _ *DamagedRow) bool {
			if !yield(r, nil) {
				stopped = true
				return false
			}
			return true
		})
		if err != nil && !stopped {
			yield(nil, err)
		}
	}
}
