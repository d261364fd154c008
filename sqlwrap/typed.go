package sqlwrap

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode"

	"github.com/phicrypt/phicrypt/cipher"
)

// Typed reads and writes a table as values of a Go struct type T. Fields
// map to columns by their `db:"name"` tag (or the snake_case field name;
// `db:"-"` skips a field); a pointer field holds a nullable column, nil
// for NULL.
type Typed[T any] struct {
	ta     *TableAccess
	fields []typedField
}

type typedField struct {
	index []int
	col   string
	key   bool
}

// For returns typed access to a table of db.
func For[T any](db *DB, table string) (*Typed[T], error) {
	ta, err := db.Table(table)
	if err != nil {
		return nil, err
	}
	return ForTable[T](ta)
}

// ForTable returns typed access through ta: a table of a DB, or of a Tx
// (then every operation runs inside that transaction).
func ForTable[T any](ta *TableAccess) (*Typed[T], error) {
	if ta == nil || ta.rt == nil {
		return nil, fmt.Errorf("%w: get a TableAccess from DB.Table or Tx.Table", ErrUnbound)
	}
	rt := reflect.TypeFor[T]()
	if rt.Kind() != reflect.Struct {
		return nil, fmt.Errorf("phicrypt: For needs a struct type, got %v", rt)
	}
	t := &Typed[T]{ta: ta}
	for _, f := range reflect.VisibleFields(rt) {
		if !f.IsExported() || f.Anonymous {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("db"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = typedSnake(f.Name)
		}
		if _, _, err := ta.rt.column("map", name); err != nil {
			return nil, wrapf(err, "%v field %s", rt, f.Name)
		}
		t.fields = append(t.fields, typedField{index: f.Index, col: name, key: name == ta.rt.t.Key})
	}
	return t, nil
}

func typedSnake(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		if unicode.IsUpper(r) {
			if i > 0 && (unicode.IsLower(rs[i-1]) || i+1 < len(rs) && unicode.IsLower(rs[i+1])) {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// row converts a struct to a Row; zero keys are left out so the database
// generates them. A nil pointer is NULL; a driver.Valuer (sql.NullString,
// sql.NullInt64, sql.NullTime, sql.Null[T], …) gives its Value, nil for
// NULL; other values go as they are and the column's mapping converts
// them (cipher.Date and time.Time for dates, any Go integer type, named
// string types).
func (t *Typed[T]) row(op string, v *T) (Row, error) {
	rv := reflect.ValueOf(v).Elem()
	r := Row{}
	for _, f := range t.fields {
		fv := rv.FieldByIndex(f.index)
		if f.key && fv.IsZero() {
			continue
		}
		if fv.Kind() == reflect.Pointer {
			if fv.IsNil() {
				r[f.col] = nil
				continue
			}
			fv = fv.Elem()
		}
		x := fv.Interface()
		if _, isDate := x.(cipher.Date); isDate {
			// A date is a date, not the text its Value gives.
			r[f.col] = x
			continue
		}
		if vr, ok := x.(driver.Valuer); ok {
			dv, err := vr.Value()
			if err != nil {
				return nil, &Error{Op: op, Table: t.ta.rt.t.Name, Column: f.col, Err: fmt.Errorf("%w: %T gave no value", ErrWrongType, x)}
			}
			r[f.col] = dv
			continue
		}
		switch fv.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			r[f.col] = fv.Int()
		default:
			r[f.col] = x
		}
	}
	return r, nil
}

var scannerType = reflect.TypeFor[sql.Scanner]()

// value fills a struct from a Row. NULL leaves a field zero (a nil
// pointer, an invalid sql.Null*). Besides assignable values and numeric
// conversions that fit, it maps a date column to cipher.Date or time.Time
// (midnight UTC), a boolean stored as 0 or 1 to bool, and fills any
// sql.Scanner field through Scan.
func (t *Typed[T]) value(r Row) (T, error) {
	var out T
	rv := reflect.ValueOf(&out).Elem()
	for _, f := range t.fields {
		v, ok := r[f.col]
		if !ok || v == nil {
			continue
		}
		fv := rv.FieldByIndex(f.index)
		if rd, ok := v.(Redacted); ok && !reflect.TypeOf(rd).AssignableTo(fv.Type()) {
			return out, &Error{Op: "read", Table: t.ta.rt.t.Name, Column: f.col, Err: fmt.Errorf("%w: the column is redacted for this principal (lacks value-decrypt)", ErrNotPermitted)}
		}
		target := fv
		if fv.Kind() == reflect.Pointer {
			fv.Set(reflect.New(fv.Type().Elem()))
			target = fv.Elem()
		}
		if err := assign(target, v); err != nil {
			if fv.Kind() == reflect.Pointer {
				fv.SetZero()
			}
			return out, &Error{Op: "read", Table: t.ta.rt.t.Name, Column: f.col, Err: fmt.Errorf("%w: %T does not fit field of type %v", ErrWrongType, v, target.Type())}
		}
	}
	return out, nil
}

// assign sets target to v, a value read from a column (never nil).
func assign(target reflect.Value, v any) error {
	tt := target.Type()
	if d, ok := v.(cipher.Date); ok && tt != typeDate && !typeDate.AssignableTo(tt) {
		v = d.Time() // time.Time, sql.NullTime
	}
	if tm, ok := v.(time.Time); ok && tt == typeDate {
		target.Set(reflect.ValueOf(cipher.DateOf(tm)))
		return nil
	}
	if reflect.PointerTo(tt).Implements(scannerType) {
		return target.Addr().Interface().(sql.Scanner).Scan(v)
	}
	val := reflect.ValueOf(v)
	switch {
	case val.Type().AssignableTo(tt):
		target.Set(val)
		return nil
	case tt.Kind() == reflect.Bool:
		if n, ok := v.(int64); ok && (n == 0 || n == 1) {
			target.SetBool(n == 1)
			return nil
		}
	case tt.Kind() == reflect.String || val.Kind() == reflect.String:
		if tt.Kind() == val.Kind() {
			target.Set(val.Convert(tt))
			return nil
		}
	case val.CanConvert(tt) && tt != typeTime && tt != typeDate:
		c := val.Convert(tt)
		// A numeric conversion must keep the value (no silent overflow).
		if back := c.Convert(val.Type()); back.Equal(val) {
			target.Set(c)
			return nil
		}
	}
	return errType
}

// Insert seals and writes v and returns its key. When v's key field is
// zero the database assigns the key, and Insert writes it into v.
func (t *Typed[T]) Insert(ctx context.Context, v *T) (any, error) {
	if err := t.bound(v != nil); err != nil {
		return nil, err
	}
	r, err := t.row("insert", v)
	if err != nil {
		return nil, err
	}
	key, err := t.ta.Insert(ctx, r)
	if err != nil {
		return nil, err
	}
	return key, t.setKey(v, key)
}

// setKey writes a key the database assigned into v's zero key field.
func (t *Typed[T]) setKey(v *T, key any) error {
	if key == nil {
		return nil
	}
	rv := reflect.ValueOf(v).Elem()
	for _, f := range t.fields {
		if !f.key {
			continue
		}
		fv := rv.FieldByIndex(f.index)
		if !fv.IsZero() {
			return nil
		}
		target := fv
		if fv.Kind() == reflect.Pointer {
			fv.Set(reflect.New(fv.Type().Elem()))
			target = fv.Elem()
		}
		if err := assign(target, key); err != nil {
			fv.SetZero()
			return &Error{Op: "insert", Table: t.ta.rt.t.Name, Column: f.col, Err: fmt.Errorf("%w: the row was written, but its key (%T) does not fit field of type %v", ErrWrongType, key, target.Type())}
		}
	}
	return nil
}

// bound checks that t came from For and that the value given is not nil.
func (t *Typed[T]) bound(haveValue bool) error {
	if t == nil || t.ta == nil || t.ta.rt == nil {
		return fmt.Errorf("%w: get a Typed from For", ErrUnbound)
	}
	if !haveValue {
		return &Error{Op: "write", Table: t.ta.rt.t.Name, Err: fmt.Errorf("%w: nil %v", ErrWrongType, reflect.TypeFor[*T]())}
	}
	return nil
}

// InsertBatch writes vs in one transaction: all or nothing. Keys the
// database assigns are written into the elements of vs whose key was zero.
func (t *Typed[T]) InsertBatch(ctx context.Context, vs []T) ([]any, error) {
	if err := t.bound(true); err != nil {
		return nil, err
	}
	rows := make([]Row, len(vs))
	for i := range vs {
		r, err := t.row("insert", &vs[i])
		if err != nil {
			return nil, err
		}
		rows[i] = r
	}
	keys, err := t.ta.InsertBatch(ctx, rows)
	if err != nil {
		return nil, err
	}
	for i := range vs {
		if i < len(keys) {
			if err := t.setKey(&vs[i], keys[i]); err != nil {
				return keys, err
			}
		}
	}
	return keys, nil
}

// Update writes every mapped column of v to the row with the given key.
func (t *Typed[T]) Update(ctx context.Context, key any, v *T) error {
	if err := t.bound(v != nil); err != nil {
		return err
	}
	r, err := t.row("update", v)
	if err != nil {
		return err
	}
	delete(r, t.ta.rt.t.Key)
	return t.ta.Update(ctx, key, r)
}

// Delete removes the row with the given key.
func (t *Typed[T]) Delete(ctx context.Context, key any) error {
	if err := t.bound(true); err != nil {
		return err
	}
	return t.ta.Delete(ctx, key)
}

// Get returns the row with the given key.
func (t *Typed[T]) Get(ctx context.Context, key any) (T, error) {
	if err := t.bound(true); err != nil {
		var zero T
		return zero, err
	}
	r, err := t.ta.Get(ctx, key)
	if err != nil {
		var zero T
		return zero, err
	}
	return t.value(r)
}

// Find returns the rows matching q (see TableAccess.Find).
func (t *Typed[T]) Find(ctx context.Context, q Query) ([]T, error) {
	if err := t.bound(true); err != nil {
		return nil, err
	}
	rows, err := t.ta.Find(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(rows))
	for _, r := range rows {
		v, err := t.value(r)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
