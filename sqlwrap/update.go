package sqlwrap

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Update seals and writes the columns present in row for the row with the
// given key.
func (ta *TableAccess) Update(ctx context.Context, key any, row Row) error {
	ctx, done, err := ta.enter(ctx)
	if err != nil {
		return err
	}
	defer done()
	if err := ta.warm(ctx); err != nil {
		return err
	}
	if ta.tx == nil && len(ta.rt.side) > 0 {
		return ta.inTx(ctx, func(t *TableAccess) error { return t.update(ctx, key, row) })
	}
	return ta.update(ctx, key, row)
}

func (ta *TableAccess) update(ctx context.Context, key any, row Row) error {
	if err := ta.ready(ctx); err != nil {
		return err
	}
	rt, d := ta.rt, ta.rt.d
	if _, ok := row[rt.t.Key]; ok {
		return ta.fail("update", rt.t.Key, fmt.Errorf("%w: the key cannot change", ErrUnsupported))
	}
	full := Row{}
	for k, v := range row {
		full[k] = v
	}
	var binding []byte
	if rb := rt.t.RowBinding; rb != "" {
		if _, ok := row[rb]; ok && rb != rt.t.Key {
			return ta.fail("update", rb, fmt.Errorf("%w: the row-binding column cannot change (it would orphan every ciphertext of the row)", ErrUnsupported))
		}
		bv := key
		if rb != rt.t.Key {
			if err := ta.q().QueryRowContext(ctx, fmt.Sprintf("SELECT %s FROM %s WHERE %s = %s", d.q(rb), d.q(rt.t.Name), d.q(rt.t.Key), d.ph(1)), key).Scan(&bv); err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					return ta.fail("update", "", ErrNotFound)
				}
				return ta.fail("update", "", err)
			}
		}
		var err error
		if binding, err = bindingBytes(normalizeScanned(bv)); err != nil {
			return ta.fail("update", rb, err)
		}
	}
	w, err := ta.seal(ctx, full, binding, true)
	if err != nil {
		return err
	}
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
func (ta *TableAccess) Delete(ctx context.Context, key any) error {
	ctx, done, err := ta.enter(ctx)
	if err != nil {
		return err
	}
	defer done()
	if ta.tx == nil && len(ta.rt.side) > 0 {
		return ta.inTx(ctx, func(t *TableAccess) error { return t.delete(ctx, key) })
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
