package sqlwrap

import (
	"context"
	"database/sql/driver"
	"fmt"
)

// Field is one protected value for code that uses database/sql (or sqlx,
// GORM) directly: as a query argument it seals V (driver.Valuer), as a
// Scan destination it opens the stored ciphertext into V (sql.Scanner).
// A column with equality indexes also needs its tokens written: Tokens
// returns them, by column name, to put beside the ciphertext in the same
// statement. A Field writes only columns whose every token Tokens covers:
// it refuses (ErrUnsupported) to seal a column with a prefix or substring
// index, or one that is part of a compound index, whose tokens need side
// tables or the row's other columns; write those with TableAccess.Insert
// or Update. Reading any protected column through Scan works.
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
	if rb := ta.rt.t.RowBinding; rb != "" {
		// The binding takes the declared type, as on every other path: a
		// "0077" for an integer key would seal under a binding no read
		// reproduces.
		if row == nil {
			return nil, &Error{Op: "field", Table: table, Column: rb, Err: fmt.Errorf("%w: the row-binding value is NULL", ErrWrongType)}
		}
		cv, err := ta.rt.canonical(rb, row)
		if err != nil {
			return nil, &Error{Op: "field", Table: table, Column: rb, Err: err}
		}
		if f.binding, err = bindingBytes(cv); err != nil {
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

// writable refuses a column whose tokens a Field cannot write in full.
func (f *Field) writable(op string) error {
	var why string
	switch {
	case f.cr.pre != nil:
		why = "prefix index " + f.cr.pre.idx.Name
	case f.cr.sub != nil:
		why = "substring index " + f.cr.sub.idx.Name
	default:
		for _, c := range f.ta.rt.comp {
			for _, p := range c.cols {
				if p == f.cr {
					why = "compound index " + c.idx.Name
				}
			}
		}
	}
	if why == "" {
		return nil
	}
	return f.ta.fail(op, f.cr.c.Name, fmt.Errorf("%w: a Field cannot write the tokens of %s; write this column with TableAccess.Insert or Update", ErrUnsupported, why))
}

// Value seals V.
func (f *Field) Value() (driver.Value, error) {
	if err := f.bound(); err != nil {
		return nil, err
	}
	if err := f.writable("seal"); err != nil {
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

// Tokens returns the equality token columns of V as the wrapper would
// write them, by column name. It refuses the columns Value refuses.
func (f *Field) Tokens() (map[string]any, error) {
	if err := f.bound(); err != nil {
		return nil, err
	}
	if err := f.writable("tokens"); err != nil {
		return nil, err
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
