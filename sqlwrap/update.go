package sqlwrap

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"strings"
)

// Update seals and writes the columns present in row for the row with the
// given key. Any subset of columns may be given: the compound indexes the
// subset takes part in are recomputed with their other parts read from
// the row and opened, in the same transaction. The key cannot change; the
// row-binding column may be given only with the value the row has.
func (ta *TableAccess) Update(ctx context.Context, key any, row Row) (err error) {
	defer ta.auditWrite(ctx, "update", "update", row, &err)
	ctx, done, err := ta.enterWrite(ctx, keyNeed{rows: []Row{row}, partial: true})
	if err != nil {
		return err
	}
	defer done()
	key, err = ta.rt.canonicalKey("update", key)
	if err != nil {
		return err
	}
	row, err = ta.rt.canonicalRow("update", row, true)
	if err != nil {
		return err
	}
	m, err := ta.mode(ctx)
	if err != nil {
		return err
	}
	err = ta.updateOne(ctx, key, row)
	if ta.again(ctx, m, err) {
		err = ta.updateOne(ctx, key, row)
	}
	return err
}

func (ta *TableAccess) updateOne(ctx context.Context, key any, row Row) error {
	if ta.tx == nil && (len(ta.rt.side) > 0 || len(ta.rt.storedParts(row)) > 0) {
		return ta.inTx(ctx, keyNeed{rows: []Row{row}, partial: true}, func(t *TableAccess) error { return t.update(ctx, key, row) })
	}
	return ta.update(ctx, key, row)
}

// storedParts returns the protected columns an update of row has to read:
// the parts row lacks of every compound index it writes a part of.
func (rt *tableRT) storedParts(row Row) []*colRT {
	var out []*colRT
	seen := map[*colRT]bool{}
	for _, c := range rt.comp {
		if !c.touched(row) {
			continue
		}
		for _, cr := range c.cols {
			if _, ok := row[cr.c.Name]; !ok && !seen[cr] {
				seen[cr] = true
				out = append(out, cr)
			}
		}
	}
	return out
}

// update writes row, of canonical values, to the row with key (canonical).
func (ta *TableAccess) update(ctx context.Context, key any, row Row) error {
	if err := ta.ready(ctx); err != nil {
		return err
	}
	rt, d := ta.rt, ta.rt.d
	if _, ok := row[rt.t.Key]; ok {
		return ta.fail("update", rt.t.Key, fmt.Errorf("%w: the key cannot change", ErrUnsupported))
	}
	// The row-binding value may be given (a whole struct written back)
	// but not changed: a new one would orphan every ciphertext of the row.
	rb := rt.t.RowBinding
	var given []byte
	gv, hasBinding := row[rb]
	hasBinding = hasBinding && rb != "" && rb != rt.t.Key
	if hasBinding {
		var err error
		if given, err = bindingBytes(gv); err != nil {
			return ta.fail("update", rb, err)
		}
	}
	m := rt.mig.Load()
	binding, known, err := ta.stored(ctx, m, key, rt.storedParts(row))
	if err != nil {
		return err
	}
	if hasBinding {
		if !bytes.Equal(given, binding) {
			return ta.fail("update", rb, fmt.Errorf("%w: the row-binding column cannot change (it would orphan every ciphertext of the row)", ErrUnsupported))
		}
		row = maps.Clone(row)
		delete(row, rb)
	}
	w, err := ta.seal(ctx, row, known, binding, true)
	if err != nil {
		return err
	}
	rt.clearPlain(w, m, row, true)
	if len(w.cols) > 0 {
		sets := make([]string, len(w.cols))
		for i, c := range w.cols {
			sets[i] = d.q(c) + " = " + d.ph(i+1)
		}
		q := fmt.Sprintf("UPDATE %s SET %s WHERE %s = %s", d.q(rt.t.Name), strings.Join(sets, ", "), d.q(rt.t.Key), d.ph(len(w.cols)+1))
		res, err := ta.q().ExecContext(ctx, q, append(w.args, key)...)
		if err != nil {
			return ta.fail("update", "", err)
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 && d.name != "mysql" {
			return ta.fail("update", "", ErrNotFound)
		}
	}
	if err := ta.writeSide(ctx, key, w, true); err != nil {
		return err
	}
	if len(w.fts) == 0 {
		return nil
	}
	if err := ta.deleteFTS(ctx, key, w.fts); err != nil {
		return err
	}
	var rowid int64
	q := fmt.Sprintf("SELECT rowid FROM %s WHERE %s = ?", d.q(rt.t.Name), d.q(rt.t.Key))
	if err := ta.q().QueryRowContext(ctx, q, key).Scan(&rowid); err != nil {
		return ta.fail("update", "", err)
	}
	return ta.writeFTS(ctx, []any{rowid}, []*written{w})
}

// Delete removes the row with the given key.
func (ta *TableAccess) Delete(ctx context.Context, key any) (err error) {
	defer ta.auditWrite(ctx, "delete", "delete", nil, &err)
	ctx, done, err := ta.enter(ctx)
	if err != nil {
		return err
	}
	defer done()
	key, err = ta.rt.canonicalKey("delete", key)
	if err != nil {
		return err
	}
	if ta.tx == nil && len(ta.rt.side) > 0 {
		// A delete seals nothing: no keys to load.
		return ta.inTx(ctx, keyNeed{}, func(t *TableAccess) error { return t.delete(ctx, key) })
	}
	return ta.delete(ctx, key)
}

func (ta *TableAccess) delete(ctx context.Context, key any) error {
	if err := ta.ready(ctx); err != nil {
		return err
	}
	rt, d := ta.rt, ta.rt.d
	if d.fts {
		if err := ta.deleteFTS(ctx, key, nil); err != nil {
			return err
		}
	} else {
		for _, br := range rt.side {
			if _, err := ta.q().ExecContext(ctx, fmt.Sprintf("DELETE FROM %s WHERE k = %s", d.q(br.table), d.ph(1)), key); err != nil {
				return ta.fail("delete", br.idx.Name, err)
			}
		}
	}
	res, err := ta.q().ExecContext(ctx, fmt.Sprintf("DELETE FROM %s WHERE %s = %s", d.q(rt.t.Name), d.q(rt.t.Key), d.ph(1)), key)
	if err != nil {
		return ta.fail("delete", "", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ta.fail("delete", "", ErrNotFound)
	}
	return nil
}
