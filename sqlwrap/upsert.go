package sqlwrap

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
)

// Upsert writes row by its key: it inserts the row when no row has that
// key, and otherwise updates the row with the columns row holds (as
// Update: the others keep their values). Either way every token of every
// index the written columns take part in is computed afresh (equality,
// compound, prefix and substring, with SQLite FTS5 documents and MySQL
// side tables), so the old values are no longer found and the new ones
// are. It reports whether it inserted.
//
// The key must be in row. The lookup and the write run in one
// transaction (the caller's, for a table of a Tx), the existing row
// locked (SELECT … FOR UPDATE) on PostgreSQL and MySQL. Two concurrent
// Upserts of the same new key can still both see no row: one then fails
// with the database's duplicate-key error and may be retried. A
// row-binding column other than the key cannot change: giving a
// different value for an existing row is refused (ErrUnsupported).
func (ta *TableAccess) Upsert(ctx context.Context, row Row) (inserted bool, err error) {
	defer ta.auditUpsert(ctx, row, &inserted, &err)
	ctx, done, err := ta.enterWrite(ctx, keyNeed{rows: []Row{row}, partial: true})
	if err != nil {
		return false, err
	}
	defer done()
	rt := ta.rt
	key, ok := row[rt.t.Key]
	if !ok || key == nil {
		return false, ta.fail("upsert", rt.t.Key, fmt.Errorf("%w: Upsert needs the key in the row", ErrWrongType))
	}
	if key, err = rt.canonicalKey("upsert", key); err != nil {
		return false, err
	}
	row, err = rt.canonicalRow("upsert", row, true)
	if err != nil {
		return false, err
	}
	do := func(t *TableAccess) error {
		var err error
		inserted, err = t.upsert(ctx, key, row)
		return err
	}
	m, err := ta.mode(ctx)
	if err != nil {
		return false, err
	}
	once := func() error {
		if ta.tx != nil {
			return do(ta)
		}
		return ta.inTx(ctx, keyNeed{rows: []Row{row}, partial: true}, do)
	}
	err = once()
	if ta.again(ctx, m, err) {
		err = once()
	}
	return inserted, err
}

// upsert runs inside a transaction; key and row are canonical.
func (ta *TableAccess) upsert(ctx context.Context, key any, row Row) (bool, error) {
	if err := ta.ready(ctx); err != nil {
		return false, err
	}
	rt, d := ta.rt, ta.rt.d
	rb := rt.t.RowBinding
	otherRB := rb != "" && rb != rt.t.Key
	col := d.q(rt.t.Key)
	if otherRB {
		col = d.q(rb)
	}
	q := fmt.Sprintf("SELECT %s FROM %s WHERE %s = %s", col, d.q(rt.t.Name), d.q(rt.t.Key), d.ph(1))
	if d.name != "sqlite" {
		q += " FOR UPDATE"
	}
	var stored any
	err := ta.q().QueryRowContext(ctx, q, key).Scan(&stored)
	if errors.Is(err, sql.ErrNoRows) {
		full, err := rt.canonicalRow("upsert", row, false)
		if err != nil {
			return false, err
		}
		_, err = ta.insert(ctx, full)
		return err == nil, err
	}
	if err != nil {
		return false, ta.fail("upsert", "", err)
	}
	upd := maps.Clone(row)
	delete(upd, rt.t.Key)
	if v, ok := upd[rb]; ok && otherRB {
		same := false
		if sv, err := rt.canonical(rb, normalizeScanned(stored)); err == nil && v != nil {
			a, err1 := bindingBytes(v)
			b, err2 := bindingBytes(sv)
			same = err1 == nil && err2 == nil && bytes.Equal(a, b)
		}
		if !same {
			return false, ta.fail("upsert", rb, fmt.Errorf("%w: the row-binding column cannot change (it would orphan every ciphertext of the row)", ErrUnsupported))
		}
		delete(upd, rb)
	}
	if len(upd) == 0 {
		return false, nil
	}
	return false, ta.update(ctx, key, upd)
}
