package sqlwrap

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// stored reads, for an update of the row with key, what the write needs
// and the caller does not give: the row-binding bytes, and the opened
// values of parts (protected columns of compound indexes the update
// recomputes). On PostgreSQL and MySQL the read locks the row until the
// transaction ends, so the parts cannot change before the new tokens are
// written; SQLite has one writer at a time.
//
// In migrating mode m, a part without ciphertext takes the value of its
// plaintext column, as reads do.
func (ta *TableAccess) stored(ctx context.Context, m *migration, key any, parts []*colRT) ([]byte, Row, error) {
	rt, d := ta.rt, ta.rt.d
	rb := rt.t.RowBinding
	readBinding := rb != "" && rb != rt.t.Key
	if !readBinding && len(parts) == 0 {
		if rb == "" {
			return nil, nil, nil
		}
		b, err := bindingBytes(key)
		if err != nil {
			return nil, nil, ta.fail("update", rb, err)
		}
		return b, nil, nil
	}
	cols := make([]string, 0, len(parts)+1)
	cols = append(cols, d.q(rt.t.Key))
	if readBinding {
		cols = append(cols, d.q(rb))
	}
	for _, cr := range parts {
		cols = append(cols, d.q(cr.c.Name))
	}
	var plains []*colRT
	for _, cr := range parts {
		if m.migrating(cr) {
			cols = append(cols, rt.plainRef(cr))
			plains = append(plains, cr)
		}
	}
	q := fmt.Sprintf("SELECT %s FROM %s WHERE %s = %s", strings.Join(cols, ", "), d.q(rt.t.Name), d.q(rt.t.Key), d.ph(1))
	if len(parts) > 0 && d.name != "sqlite" {
		q += " FOR UPDATE"
	}
	raw := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	if err := ta.q().QueryRowContext(ctx, q, key).Scan(ptrs...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil, ta.fail("update", "", ErrNotFound)
		}
		return nil, nil, ta.fail("update", "", err)
	}
	var binding []byte
	if rb != "" {
		bv := key
		if readBinding {
			bv = normalizeScanned(raw[1])
		}
		var err error
		if binding, err = bindingBytes(bv); err != nil {
			return nil, nil, ta.fail("update", rb, err)
		}
	}
	known := make(Row, len(parts))
	plain := map[*colRT]any{}
	for i, cr := range plains {
		plain[cr] = raw[len(cols)-len(plains)+i]
	}
	raw = raw[len(cols)-len(plains)-len(parts):]
	for i, cr := range parts {
		v, err := ta.openMigrating(ctx, m, cr, raw[i], plain[cr], binding)
		if err != nil {
			return nil, nil, ta.damaged("update", key, cr.c.Name, err)
		}
		known[cr.c.Name] = v
	}
	return binding, known, nil
}

// openStored opens the stored value raw of a protected column: nil for
// NULL (an error if the column is not nullable), else the canonical value.
func (ta *TableAccess) openStored(ctx context.Context, cr *colRT, raw any, binding []byte) (any, error) {
	var ct []byte
	switch x := raw.(type) {
	case nil:
		if !cr.c.Nullable {
			return nil, fmt.Errorf("%w: found NULL in the database", ErrNotNull)
		}
		return nil, nil
	case []byte:
		ct = x
	case string:
		ct = []byte(x)
	default:
		return nil, fmt.Errorf("%w: stored value is %T, not ciphertext", ErrWrongType, raw)
	}
	v, err := cr.seal.Open(ctx, ct, binding)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, nil
	}
	if _, err := checkValue(cr.c.Type, v); err != nil {
		return nil, err
	}
	return v, nil
}

// damaged is the error of a row that does not open: it names the table,
// column and the row's key, never a value.
func (ta *TableAccess) damaged(op string, key any, col string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Op: op, Table: ta.rt.t.Name, Column: col, Key: key, Err: err}
}
