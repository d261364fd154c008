package sqlwrap

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// migrateWriter writes the sealed rows of a MigrateRows batch. On SQLite
// and PostgreSQL, rows that write the same columns are gathered and
// written together, up to migrateChunk rows a statement:
//
//	UPDATE t SET c = v.column2, … FROM (VALUES (…), (…)) AS v
//	WHERE t.key = v.column1 AND t.c IS NULL … RETURNING t.key
//
// which keeps the guard of every row (a row whose ciphertext is no longer
// NULL is not written) and says which rows were written. One statement
// instead of one per row is most of the gain: the cost of a row's UPDATE
// was mostly the statement's, not the database's. MySQL has no RETURNING
// on UPDATE: there each row has its UPDATE.
type migrateWriter struct {
	ta *TableAccess
	// groups are the rows waiting, by the columns they write.
	groups map[string]*migrateGroup
	order  []string
	// written is called for each row whose UPDATE changed it.
	written func(s *migrateSealed) error
}

// migrateGroup is rows that write the same columns under the same guard.
type migrateGroup struct {
	rows []*migrateSealed
}

// migrateChunk is the most rows one batched UPDATE writes.
const migrateChunk = 128

func (mw *migrateWriter) batched() bool { return mw.ta.rt.d.name != "mysql" }

// add writes s, now or with the rows of its group.
func (mw *migrateWriter) add(ctx context.Context, s *migrateSealed) error {
	if !mw.batched() {
		n, err := mw.ta.writeMigrateRow(ctx, s)
		if err != nil || n == 0 {
			return err
		}
		return mw.written(s)
	}
	sig := mw.signature(s)
	g, ok := mw.groups[sig]
	if !ok {
		g = &migrateGroup{}
		mw.groups[sig] = g
		mw.order = append(mw.order, sig)
	}
	if len(g.rows) > 0 && !slices.Equal(g.rows[0].w.cols, s.w.cols) {
		// The columns a row writes follow from those it seals; a batched
		// UPDATE with misaligned values must never run.
		return mw.ta.fail("migrate", "", errors.New("rows sealing the same columns write different ones"))
	}
	g.rows = append(g.rows, s)
	if len(g.rows) >= mw.chunk(s) {
		if err := mw.write(ctx, g.rows); err != nil {
			return err
		}
		g.rows = g.rows[:0]
	}
	return nil
}

// flush writes the rows still waiting.
func (mw *migrateWriter) flush(ctx context.Context) error {
	for _, sig := range mw.order {
		g := mw.groups[sig]
		if len(g.rows) > 0 {
			if err := mw.write(ctx, g.rows); err != nil {
				return err
			}
			g.rows = g.rows[:0]
		}
	}
	return nil
}

// signature names the columns a row seals, which determine the columns
// it writes (their ciphertexts, tokens and compound tokens).
func (mw *migrateWriter) signature(s *migrateSealed) string {
	b := make([]byte, 0, 2*len(s.sealing))
	for _, cr := range s.sealing {
		b = append(b, byte(cr.pos>>8), byte(cr.pos))
	}
	return string(b)
}

// chunk is the most rows of s's kind one statement takes.
func (mw *migrateWriter) chunk(s *migrateSealed) int {
	return max(1, min(migrateChunk, maxParams/(len(s.w.cols)+1)))
}

// write runs one batched UPDATE of rows, which share their signature, and
// reports each row it changed.
func (mw *migrateWriter) write(ctx context.Context, rows []*migrateSealed) error {
	ta := mw.ta
	rt, d := ta.rt, ta.rt.d
	first := rows[0]
	ncols := len(first.w.cols) + 1
	// PostgreSQL types the VALUES columns from their first row.
	var types []string
	if d.name == "postgres" {
		types = mw.pgTypes(first.w.cols)
	}
	var q strings.Builder
	table := d.q(rt.t.Name)
	q.WriteString("UPDATE " + table + " SET ")
	for i, c := range first.w.cols {
		if i > 0 {
			q.WriteString(", ")
		}
		fmt.Fprintf(&q, "%s = v.column%d", d.q(c), i+2)
	}
	q.WriteString(" FROM (VALUES ")
	args := make([]any, 0, len(rows)*ncols)
	for r, s := range rows {
		if r > 0 {
			q.WriteString(", ")
		}
		q.WriteByte('(')
		for i := 0; i < ncols; i++ {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(d.ph(len(args) + i + 1))
			if r == 0 && types != nil {
				q.WriteString("::" + types[i])
			}
		}
		q.WriteByte(')')
		args = append(args, s.r.key)
		args = append(args, s.w.args...)
	}
	fmt.Fprintf(&q, ") AS v WHERE %s.%s = v.column1", table, d.q(rt.t.Key))
	for _, cr := range first.sealing {
		fmt.Fprintf(&q, " AND %s.%s IS NULL", table, d.q(cr.c.Name))
	}
	fmt.Fprintf(&q, " RETURNING %s.%s", table, d.q(rt.t.Key))
	text := q.String()
	var err error
	var out interface {
		Next() bool
		Scan(...any) error
		Err() error
		Close() error
	}
	if len(rows) == mw.chunk(first) {
		st, perr := ta.stmt(ctx, text)
		if perr != nil {
			return ta.fail("migrate", "", perr)
		}
		out, err = st.QueryContext(ctx, args...)
	} else {
		// A last, shorter chunk: not worth a prepared statement.
		out, err = ta.q().QueryContext(ctx, text, args...)
	}
	if err != nil {
		return ta.fail("migrate", "", err)
	}
	changed := make(map[any]bool, len(rows))
	for out.Next() {
		var k any
		if err := out.Scan(&k); err != nil {
			out.Close()
			return ta.fail("migrate", "", err)
		}
		if k, err = rt.scannedKey(k); err != nil {
			out.Close()
			return ta.fail("migrate", "", err)
		}
		changed[k] = true
	}
	if err := out.Err(); err != nil {
		out.Close()
		return ta.fail("migrate", "", err)
	}
	if err := out.Close(); err != nil {
		return ta.fail("migrate", "", err)
	}
	for _, s := range rows {
		if changed[s.r.key] {
			if err := mw.written(s); err != nil {
				return err
			}
		}
	}
	return nil
}

// pgTypes are the PostgreSQL types of the key and of cols, for the casts
// of a VALUES list's first row.
func (mw *migrateWriter) pgTypes(cols []string) []string {
	rt, d := mw.ta.rt, mw.ta.rt.d
	byName := map[string]string{}
	for _, c := range rt.storage() {
		byName[c.name] = c.typ
	}
	out := []string{d.keyRefType(rt.t.KeyType)}
	for _, c := range cols {
		out = append(out, byName[c])
	}
	return out
}
