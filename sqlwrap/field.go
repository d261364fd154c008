package sqlwrap

import (
	"context"
	"database/sql/driver"
	"fmt"
)

// Field is one protected value for code that uses database/sql (or sqlx,
// GORM) directly: as a query argument it seals V (driver.Valuer), as a
// Scan destination it opens the stored ciphertext into V (sql.Scanner).
// A column with indexes also needs its tokens written: Tokens returns
// them, by column name, to put beside the ciphertext in the same statement.
type Field struct {
	// V is the plaintext: the column's Go type, or nil for NULL.
	V any

	ctx     context.Context
	ta      *TableAccess
	cr      *colRT
	binding []byte
}

// Field returns a Field for table.column in the row whose row-binding
// value is row (nil when the table has no row binding).
func (db *DB) Field(ctx context.Context, table, column string, row any) (*Field, error) {
	if ctx == nil {
		return nil, &Error{Op: "field", Table: table, Column: column, Err: errNilContext}
	}
	ta, err := db.Table(table)
	if err != nil {
		return nil, err
	}
	cr, ok := ta.rt.cols[column]
	if !ok {
		return nil, &Error{Op: "field", Table: table, Column: column, Err: fmt.Errorf("%w: not a protected column", ErrUnknownColumn)}
	}
	f := &Field{ctx: ctx, ta: ta, cr: cr}
	if ta.rt.t.RowBinding != "" {
		if f.binding, err = bindingBytes(row); err != nil {
			return nil, &Error{Op: "field", Table: table, Column: column, Err: err}
		}
	}
	return f, nil
}

// bound reports whether f came from DB.Field.
func (f *Field) bound() error {
	if f == nil || f.ta == nil || f.cr == nil || f.ctx == nil {
		return fmt.Errorf("%w: get a Field from DB.Field", ErrUnbound)
	}
	return nil
}

// Value seals V.
func (f *Field) Value() (driver.Value, error) {
	if err := f.bound(); err != nil {
		return nil, err
	}
	if f.V == nil {
		if !f.cr.c.Nullable {
			return nil, f.ta.fail("seal", f.cr.c.Name, ErrNotNull)
		}
		return nil, nil
	}
	v, err := checkValue(f.cr.c.Type, f.V)
	if err != nil {
		return nil, f.ta.fail("seal", f.cr.c.Name, err)
	}
	ct, err := f.cr.seal.Seal(f.ctx, v, f.binding)
	if err != nil {
		return nil, f.ta.fail("seal", f.cr.c.Name, err)
	}
	return ct, nil
}

// Scan opens a stored ciphertext into V.
func (f *Field) Scan(src any) error {
	if err := f.bound(); err != nil {
		return err
	}
	switch s := src.(type) {
	case nil:
		f.V = nil
		return nil
	case []byte:
		v, err := f.cr.seal.Open(f.ctx, s, f.binding)
		if err != nil {
			return f.ta.fail("open", f.cr.c.Name, err)
		}
		f.V = v
		return nil
	case string:
		return f.Scan([]byte(s))
	}
	return f.ta.fail("open", f.cr.c.Name, fmt.Errorf("%w: stored value is %T, not ciphertext", ErrWrongType, src))
}

// Tokens returns the equality and prefix token columns of V as the
// wrapper would write them (PostgreSQL Bloom positions as array literals).
// Substring side tables cannot be written through a Field: use the
// wrapper's Insert or Update for such columns.
func (f *Field) Tokens() (map[string]any, error) {
	if err := f.bound(); err != nil {
		return nil, err
	}
	if (f.cr.sub != nil || f.cr.pre != nil) && f.ta.rt.d.fts || f.cr.sub != nil && !f.ta.rt.d.pgBloom {
		return nil, f.ta.fail("tokens", f.cr.c.Name, fmt.Errorf("%w: substring tokens live in a side table; write this column with Insert or Update", ErrUnsupported))
	}
	w := &written{side: map[*bloomRT][]int64{}, fts: map[*bloomRT]string{}}
	if err := f.ta.sealColumn(f.ctx, w, f.cr, f.V, f.binding); err != nil {
		return nil, f.ta.fail("tokens", f.cr.c.Name, err)
	}
	out := map[string]any{}
	for i, c := range w.cols {
		if c != f.cr.c.Name {
			out[c] = w.args[i]
		}
	}
	return out, nil
}
