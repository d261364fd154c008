package phigorm

import (
	"database/sql"
	"database/sql/driver"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/schema"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// filter is the conditions of a statement on a phicrypt model.
type filter struct {
	preds []sqlwrap.Pred
	// none: a condition no row meets (IN of nothing).
	none bool
	// given: the statement has conditions of its own (not only the soft
	// delete's), which update and delete require as GORM does.
	given bool
}

// where translates the WHERE clause of stmt: phigorm conditions, and
// GORM's own clause.Eq and clause.IN on columns of the model (what
// First(&p, id), Where(&Patient{…}), Where(map…), a struct's primary key
// and soft delete produce), ANDed. Anything else is refused.
func where(db *gorm.DB, m *gmodel, f *filter) error {
	c, ok := db.Statement.Clauses["WHERE"]
	if !ok {
		return nil
	}
	w, ok := c.Expression.(clause.Where)
	if !ok {
		return unsupported(m, "a WHERE clause of type %T", c.Expression)
	}
	for _, e := range w.Exprs {
		if err := f.add(m, e); err != nil {
			return err
		}
	}
	return nil
}

func (f *filter) add(m *gmodel, e clause.Expression) error {
	switch x := e.(type) {
	case Cond:
		if x.op == "" {
			return unsupported(m, "a zero phigorm.Cond")
		}
		col, err := m.column(x.col)
		if err != nil {
			return err
		}
		// The values as GORM's own conditions take them: pointers
		// followed, Valuers by their value, nil as NULL.
		vals := make([]any, len(x.vals))
		for i, v := range x.vals {
			if vals[i], err = plainOf(m, col, v); err != nil {
				return err
			}
		}
		if x.op == "eq" && vals[0] == nil {
			x = IsNull(col)
		} else {
			x.vals = vals
			x = x.on(col)
		}
		f.preds, f.given = append(f.preds, x.pred), true
	case *Cond:
		return f.add(m, *x)
	case clause.Eq:
		col, err := m.column(x.Column)
		if err != nil {
			return err
		}
		if isNull(x.Value) {
			if col == m.softDelete {
				f.preds = append(f.preds, sqlwrap.IsNull(col))
				return nil
			}
			f.preds, f.given = append(f.preds, sqlwrap.IsNull(col)), true
			return nil
		}
		if rv := reflect.ValueOf(x.Value); rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() != reflect.Uint8 {
			return f.add(m, clause.IN{Column: x.Column, Values: expand(rv)})
		}
		v, err := plainOf(m, col, x.Value)
		if err != nil {
			return err
		}
		f.preds, f.given = append(f.preds, sqlwrap.Eq(col, v)), true
	case clause.IN:
		cols, ok := x.Column.([]clause.Column)
		if ok {
			if len(cols) != 1 {
				return unsupported(m, "IN over several columns")
			}
			x.Column = cols[0]
		}
		col, err := m.column(x.Column)
		if err != nil {
			return err
		}
		f.given = true
		var vs []any
		for _, v := range x.Values {
			if rv := reflect.ValueOf(v); len(x.Values) == 1 && rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() != reflect.Uint8 {
				return f.add(m, clause.IN{Column: x.Column, Values: expand(rv)})
			}
			if isNull(v) {
				return unsupported(m, "IN with NULL on column %s", col)
			}
			pv, err := plainOf(m, col, v)
			if err != nil {
				return err
			}
			vs = append(vs, pv)
		}
		if len(vs) == 0 {
			f.none = true
			return nil
		}
		f.preds = append(f.preds, sqlwrap.In(col, vs...))
	case clause.Gt:
		return f.cmp(m, x.Column, x.Value, sqlwrap.Gt)
	case clause.Gte:
		return f.cmp(m, x.Column, x.Value, sqlwrap.Ge)
	case clause.Lt:
		return f.cmp(m, x.Column, x.Value, sqlwrap.Lt)
	case clause.Lte:
		return f.cmp(m, x.Column, x.Value, sqlwrap.Le)
	case clause.AndConditions:
		for _, e := range x.Exprs {
			if err := f.add(m, e); err != nil {
				return err
			}
		}
	case clause.Expr:
		return f.sqlCond(m, x)
	case clause.OrConditions:
		return unsupported(m, "OR conditions")
	case clause.NotConditions:
		return unsupported(m, "NOT conditions")
	default:
		return unsupported(m, "a condition of type %T", e)
	}
	return nil
}

func expand(rv reflect.Value) []any {
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out
}

// on returns the condition on column col (the name GORM maps a field
// name to).
func (c Cond) on(col string) Cond {
	switch c.op {
	case "eq":
		return Eq(col, c.vals[0])
	case "in":
		return In(col, c.vals...)
	case "prefix":
		s, _ := c.vals[0].(string)
		return Prefix(col, s)
	case "contains":
		s, _ := c.vals[0].(string)
		return Contains(col, s)
	}
	return IsNull(col)
}

func isNull(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case sql.NullString:
		return !x.Valid
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

// column resolves a column reference of a condition (a name, a field
// name, or clause.Column of the current table) to a column of the model.
func (m *gmodel) column(c any) (string, error) {
	var name string
	switch x := c.(type) {
	case string:
		name = x
		if t, col, ok := strings.Cut(x, "."); ok {
			if strings.Trim(t, "`\"") != m.table {
				return "", unsupported(m, "a condition on another table's column")
			}
			name = col
		}
		name = strings.Trim(name, "`\"")
	case clause.Column:
		if x.Raw || x.Alias != "" || (x.Table != "" && x.Table != clause.CurrentTable && x.Table != m.table) {
			return "", unsupported(m, "a condition on a raw or foreign column")
		}
		name = x.Name
		if name == clause.PrimaryKey {
			return m.key, nil
		}
	default:
		return "", unsupported(m, "a column reference of type %T", c)
	}
	if f := m.schema.LookUpField(name); f != nil && f.DBName != "" {
		name = f.DBName
	}
	if !m.columns[name] {
		return "", unsupported(m, "no column %q", name)
	}
	return name, nil
}

// plainOf turns the value of a GORM field or argument into what sqlwrap
// takes: pointers followed (nil is NULL), dates and times as they are,
// other driver.Valuers (gorm.DeletedAt, sql.Null*) by their Value.
func plainOf(m *gmodel, col string, v any) (any, error) {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return nil, nil
	}
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil, nil
		}
		v = rv.Elem().Interface()
	}
	switch v.(type) {
	case cipher.Date, time.Time, []byte:
		return v, nil
	case clause.Expression, *gorm.DB:
		return nil, unsupported(m, "a SQL expression as the value of column %s", col)
	}
	if s, ok := v.(string); ok && col == m.key && m.intKey {
		// First(&p, "10") gives the key as text, as SQL would take it.
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, unsupported(m, "a key %s that is not an integer", m.key)
		}
		return n, nil
	}
	if vr, ok := v.(driver.Valuer); ok {
		dv, err := vr.Value()
		if err != nil {
			return nil, unsupported(m, "column %s: %T gave no value", col, v)
		}
		return dv, nil
	}
	return v, nil
}

// setField writes a value read from the table into field f of rv (a
// struct of the model): NULL is the field's zero value.
func setField(db *gorm.DB, f *schema.Field, rv reflect.Value, v any) error {
	if v == nil {
		fv := f.ReflectValueOf(db.Statement.Context, rv)
		fv.SetZero()
		return nil
	}
	return f.Set(db.Statement.Context, rv, v)
}

// simpleSQL is the SQL conditions read on columns phicrypt does not
// protect: "col = ?", "col IN ?", "col IN (?)", "col IS NULL".
var simpleSQL = regexp.MustCompile(`(?i)^\s*[` + "`" + `"]?(\w+)[` + "`" + `"]?\s*(=\s*\?|in\s*\(?\s*\?\s*\)?|is\s+null)\s*$`)

// sqlCond reads a SQL condition (Where("city = ?", v)) on a plain column
// or the key; on a protected column, or any other SQL, it refuses: the
// database cannot compare a value with a ciphertext.
func (f *filter) sqlCond(m *gmodel, x clause.Expr) error {
	sub := simpleSQL.FindStringSubmatch(x.SQL)
	if sub == nil {
		return unsupported(m, "a SQL condition (Where(\"…\", …)) it cannot read; use phigorm.Eq, In, Prefix, Contains, IsNull, a struct or a map")
	}
	col, err := m.column(sub[1])
	if err != nil {
		return err
	}
	if m.protected[col] {
		return unsupported(m, "a SQL condition on protected column %s; use phigorm.Eq, In, Prefix, Contains or IsNull", col)
	}
	op := strings.ToLower(strings.Join(strings.Fields(sub[2]), ""))
	switch {
	case op == "isnull" && len(x.Vars) == 0:
		return f.add(m, clause.Eq{Column: col, Value: nil})
	case op == "=?" && len(x.Vars) == 1:
		return f.add(m, clause.Eq{Column: col, Value: x.Vars[0]})
	case strings.HasPrefix(op, "in") && len(x.Vars) == 1:
		rv := reflect.ValueOf(x.Vars[0])
		if rv.Kind() != reflect.Slice || rv.Type().Elem().Kind() == reflect.Uint8 {
			return f.add(m, clause.IN{Column: col, Values: x.Vars})
		}
		return f.add(m, clause.IN{Column: col, Values: expand(rv)})
	}
	return unsupported(m, "a SQL condition it cannot read")
}

// cmp is a comparison GORM builds (FindInBatches pages by key > last);
// sqlwrap refuses it on protected columns.
func (f *filter) cmp(m *gmodel, column, value any, pred func(string, any) sqlwrap.Pred) error {
	col, err := m.column(column)
	if err != nil {
		return err
	}
	if m.protected[col] {
		return unsupported(m, "an order comparison on protected column %s", col)
	}
	v, err := plainOf(m, col, value)
	if err != nil {
		return err
	}
	if v == nil {
		return unsupported(m, "an order comparison with NULL on column %s", col)
	}
	f.preds, f.given = append(f.preds, pred(col, v)), true
	return nil
}
