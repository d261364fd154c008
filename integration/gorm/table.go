package phigorm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"

	"gorm.io/gorm"

	"github.com/phicrypt/phicrypt/sqlwrap"
)

// Table reads and writes the model T through phicrypt.
type Table[T any] struct {
	w     *sqlwrap.DB
	m     *model
	ta    *sqlwrap.TableAccess
	typed *sqlwrap.Typed[T]
}

// For returns the table of model T, which must have been given to Open.
func For[T any](db *DB) (*Table[T], error) {
	rt := reflect.TypeFor[T]()
	if db == nil || db.w == nil {
		return nil, fmt.Errorf("phicrypt: phigorm.For[%v]: get a DB from phigorm.Open", rt)
	}
	m, ok := db.tables[rt]
	if !ok {
		return nil, fmt.Errorf("phicrypt: phigorm.For[%v]: model not given to phigorm.Open", rt)
	}
	ta, err := db.w.Table(m.table)
	if err != nil {
		return nil, err
	}
	typed, err := sqlwrap.For[T](db.w, m.table)
	if err != nil {
		return nil, err
	}
	return &Table[T]{w: db.w, m: m, ta: ta, typed: typed}, nil
}

// WithTx returns the table inside tx, a GORM transaction (from
// gorm.DB.Begin or inside gorm.DB.Transaction): its reads and writes run
// on tx's connection and commit or roll back with tx, together with what
// GORM writes through tx to plain tables. Use the two one after the
// other, not from concurrent goroutines: they share one connection.
func (t *Table[T]) WithTx(tx *gorm.DB) (*Table[T], error) {
	if err := t.ok(tx, tx == nil || tx.Statement == nil); err != nil {
		return nil, err
	}
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return nil, fmt.Errorf("phicrypt: phigorm table %s: WithTx needs a GORM transaction on a *sql.Tx, got %T", t.m.table, tx.Statement.ConnPool)
	}
	stx, err := t.w.WithTx(sqlTx)
	if err != nil {
		return nil, err
	}
	ta, err := stx.Table(t.m.table)
	if err != nil {
		return nil, err
	}
	typed, err := sqlwrap.ForTable[T](ta)
	if err != nil {
		return nil, err
	}
	return &Table[T]{w: t.w, m: t.m, ta: ta, typed: typed}, nil
}

func (t *Table[T]) ok(v any, isNil bool) error {
	if t == nil || t.typed == nil {
		return errors.New("phicrypt: phigorm: get a Table from phigorm.For")
	}
	if isNil {
		return fmt.Errorf("phicrypt: phigorm table %s: nil %T", t.m.table, v)
	}
	return nil
}

// key returns the key field of v and whether it is set.
func (t *Table[T]) key(v *T) (reflect.Value, any, bool) {
	fv := reflect.ValueOf(v).Elem().FieldByIndex(t.m.index)
	return fv, fv.Interface(), !fv.IsZero()
}

// Create inserts v; a zero key is assigned by the database and set in v.
func (t *Table[T]) Create(ctx context.Context, v *T) error {
	if err := t.ok(v, v == nil); err != nil {
		return err
	}
	k, err := t.typed.Insert(ctx, v)
	if err != nil {
		return err
	}
	return t.setKey(v, k)
}

func (t *Table[T]) setKey(v *T, k any) error {
	fv, _, set := t.key(v)
	if set || k == nil {
		return nil
	}
	kv := reflect.ValueOf(k)
	if !kv.CanConvert(fv.Type()) {
		return fmt.Errorf("phicrypt: phigorm table %s: key %s: a %T does not fit a field of type %v", t.m.table, t.m.key, k, fv.Type())
	}
	fv.Set(kv.Convert(fv.Type()))
	return nil
}

// CreateInBatches inserts vs in one transaction (all or nothing), sealing
// and writing them in chunks; the keys the database assigns are set in vs.
func (t *Table[T]) CreateInBatches(ctx context.Context, vs []T) error {
	if err := t.ok(vs, false); err != nil {
		return err
	}
	keys, err := t.typed.InsertBatch(ctx, vs)
	if err != nil {
		return err
	}
	for i := range vs {
		if i < len(keys) {
			if err := t.setKey(&vs[i], keys[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// Save writes every column of v: an insert when its key is zero or the
// row does not exist, an update of every column otherwise (every token
// recomputed).
func (t *Table[T]) Save(ctx context.Context, v *T) error {
	if err := t.ok(v, v == nil); err != nil {
		return err
	}
	_, k, set := t.key(v)
	if !set {
		return t.Create(ctx, v)
	}
	n, err := t.ta.Count(ctx, sqlwrap.Query{Where: []sqlwrap.Pred{sqlwrap.Eq(t.m.key, k)}})
	if err != nil {
		return err
	}
	if n == 0 {
		return t.Create(ctx, v)
	}
	return t.typed.Update(ctx, k, v)
}

// Updates writes only the given columns (name → value) of the row of v,
// whose key must be set; the other columns, their ciphertexts and
// tokens stay as they are. v itself is not changed: read it again.
func (t *Table[T]) Updates(ctx context.Context, v *T, columns map[string]any) error {
	if err := t.ok(v, v == nil); err != nil {
		return err
	}
	_, k, set := t.key(v)
	if !set {
		return fmt.Errorf("phicrypt: phigorm table %s: Updates needs the key %s set: %w", t.m.table, t.m.key, gorm.ErrMissingWhereClause)
	}
	if len(columns) == 0 {
		return nil
	}
	return t.ta.Update(ctx, k, sqlwrap.Row(columns))
}

// First fills dest with the matching row of smallest key; with no
// conditions, the first row. It returns gorm.ErrRecordNotFound when no
// row matches.
func (t *Table[T]) First(ctx context.Context, dest *T, conds ...Cond) error {
	if err := t.ok(dest, dest == nil); err != nil {
		return err
	}
	got, err := t.typed.Find(ctx, sqlwrap.Query{Where: preds(conds), OrderBy: []sqlwrap.Order{{Col: t.m.key}}, Limit: 1})
	if err != nil {
		return err
	}
	if len(got) == 0 {
		return fmt.Errorf("phicrypt: phigorm table %s: %w", t.m.table, gorm.ErrRecordNotFound)
	}
	*dest = got[0]
	return nil
}

// Find fills dest with every matching row in key order (all rows when no
// condition is given).
func (t *Table[T]) Find(ctx context.Context, dest *[]T, conds ...Cond) error {
	if err := t.ok(dest, dest == nil); err != nil {
		return err
	}
	got, err := t.typed.Find(ctx, sqlwrap.Query{Where: preds(conds), OrderBy: []sqlwrap.Order{{Col: t.m.key}}})
	if err != nil {
		return err
	}
	*dest = got
	return nil
}

// Delete removes the row of v, whose key must be set.
func (t *Table[T]) Delete(ctx context.Context, v *T) error {
	if err := t.ok(v, v == nil); err != nil {
		return err
	}
	_, k, set := t.key(v)
	if !set {
		return fmt.Errorf("phicrypt: phigorm table %s: Delete needs the key %s set: %w", t.m.table, t.m.key, gorm.ErrMissingWhereClause)
	}
	return t.typed.Delete(ctx, k)
}

// Count returns the number of matching rows, exactly: the rows whose
// tokens match but whose values do not are not counted.
func (t *Table[T]) Count(ctx context.Context, conds ...Cond) (int64, error) {
	if err := t.ok(nil, false); err != nil {
		return 0, err
	}
	return t.ta.Count(ctx, sqlwrap.Query{Where: preds(conds)})
}
