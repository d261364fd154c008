package sqlwrap

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"unicode"
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
// generates them.
func (t *Typed[T]) row(v *T) Row {
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
		switch fv.Kind() {
		case reflect.Int, reflect.Int32, reflect.Int64:
			r[f.col] = fv.Int()
		default:
			r[f.col] = fv.Interface()
		}
	}
	return r
}

// value fills a struct from a Row.
func (t *Typed[T]) value(r Row) (T, error) {
	var out T
	rv := reflect.ValueOf(&out).Elem()
	for _, f := range t.fields {
		v, ok := r[f.col]
		if !ok || v == nil {
			continue
		}
		fv := rv.FieldByIndex(f.index)
		target := fv
		if fv.Kind() == reflect.Pointer {
			fv.Set(reflect.New(fv.Type().Elem()))
			target = fv.Elem()
		}
		val := reflect.ValueOf(v)
		switch {
		case val.Type().AssignableTo(target.Type()):
			target.Set(val)
		case val.CanConvert(target.Type()) && val.Kind() != reflect.String && target.Kind() != reflect.String:
			target.Set(val.Convert(target.Type()))
		default:
			return out, &Error{Op: "read", Table: t.ta.rt.t.Name, Column: f.col, Err: fmt.Errorf("%w: %T does not fit field of type %v", ErrWrongType, v, target.Type())}
		}
	}
	return out, nil
}

// Insert seals and writes v and returns its key.
func (t *Typed[T]) Insert(ctx context.Context, v *T) (any, error) {
	if err := t.bound(v != nil); err != nil {
		return nil, err
	}
	return t.ta.Insert(ctx, t.row(v))
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

// InsertBatch writes vs in one transaction: all or nothing.
func (t *Typed[T]) InsertBatch(ctx context.Context, vs []T) ([]any, error) {
	if err := t.bound(true); err != nil {
		return nil, err
	}
	rows := make([]Row, len(vs))
	for i := range vs {
		rows[i] = t.row(&vs[i])
	}
	return t.ta.InsertBatch(ctx, rows)
}

// Update writes every mapped column of v to the row with the given key.
func (t *Typed[T]) Update(ctx context.Context, key any, v *T) error {
	if err := t.bound(v != nil); err != nil {
		return err
	}
	r := t.row(v)
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
