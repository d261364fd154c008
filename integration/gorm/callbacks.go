package phigorm

import (
	"fmt"
	"reflect"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/callbacks"
	"gorm.io/gorm/clause"

	"github.com/phicrypt/phicrypt/sqlwrap"
)

// create inserts the statement's struct, pointer or slice of structs
// through phicrypt (one transaction for a slice), and writes the keys the
// database assigns back into them. GORM sets the autoCreateTime and
// autoUpdateTime fields as it does for any model.
func (p *Plugin) create(db *gorm.DB, m *gmodel) {
	stmt := db.Statement
	if !sameModel(db, m) || !destIsModel(stmt.ReflectValue, m) {
		fail(db, unsupported(m, "create from a %T: give the model", stmt.Dest))
		return
	}
	upsert := false
	if c, ok := stmt.Clauses["ON CONFLICT"]; ok {
		oc, _ := c.Expression.(clause.OnConflict)
		if !oc.UpdateAll || len(oc.Columns) > 0 || oc.Where.Exprs != nil || oc.DoNothing {
			fail(db, unsupported(m, "ON CONFLICT other than Save's update-all"))
			return
		}
		upsert = true
	}
	values := callbacks.ConvertToCreateValues(stmt)
	if db.Error != nil {
		return
	}
	rows := make([]sqlwrap.Row, len(values.Values))
	for i, vs := range values.Values {
		rows[i] = sqlwrap.Row{}
		for j, c := range values.Columns {
			if !m.columns[c.Name] {
				continue
			}
			if _, isDefault := vs[j].(clause.Expr); isDefault && c.Name == m.key {
				// A slice mixing rows with and without keys: the database
				// assigns the missing ones.
				continue
			}
			v, err := plainOf(m, c.Name, vs[j])
			if err != nil {
				fail(db, err)
				return
			}
			rows[i][c.Name] = v
		}
	}
	if len(rows) == 0 {
		return
	}
	ta, err := p.access(db, m)
	if err != nil {
		fail(db, err)
		return
	}
	ctx := stmt.Context
	var keys []any
	switch {
	case upsert:
		for _, r := range rows {
			if r[m.key] == nil {
				k, err := ta.Insert(ctx, r)
				if err != nil {
					fail(db, err)
					return
				}
				keys = append(keys, k)
				continue
			}
			if _, err := ta.Upsert(ctx, r); err != nil {
				fail(db, err)
				return
			}
			keys = append(keys, r[m.key])
		}
	case len(rows) == 1:
		k, err := ta.Insert(ctx, rows[0])
		if err != nil {
			fail(db, err)
			return
		}
		keys = []any{k}
	default:
		if keys, err = ta.InsertBatch(ctx, rows); err != nil {
			fail(db, err)
			return
		}
	}
	db.RowsAffected = int64(len(rows))
	pk := m.schema.PrioritizedPrimaryField
	set := func(rv reflect.Value, k any) {
		if k == nil {
			return
		}
		if _, zero := pk.ValueOf(ctx, rv); zero {
			db.AddError(pk.Set(ctx, rv, k))
		}
	}
	switch rv := stmt.ReflectValue; rv.Kind() {
	case reflect.Struct:
		set(rv, keys[0])
	case reflect.Slice, reflect.Array:
		for i := 0; i < rv.Len() && i < len(keys); i++ {
			set(reflect.Indirect(rv.Index(i)), keys[i])
		}
	}
}

// query answers First, Take, Last, Find and Count through phicrypt.
func (p *Plugin) query(db *gorm.DB, m *gmodel) {
	stmt := db.Statement
	if !sameModel(db, m) {
		// A read of the table's stored bytes (gdb.Table(…).Find(&maps))
		// with no condition shows ciphertexts only; with one it would put
		// a value in clear into SQL, or miss.
		if _, ok := stmt.Clauses["WHERE"]; !ok && stmt.Schema == nil {
			p.orig(db, "query")
			return
		}
		fail(db, unsupported(m, "a query into a %T: read the model", stmt.Dest))
		return
	}
	q, count, err := p.readQuery(db, m)
	if err != nil {
		fail(db, err)
		return
	}
	ta, err := p.access(db, m)
	if err != nil {
		fail(db, err)
		return
	}
	ctx := stmt.Context
	if count != nil {
		n := int64(0)
		if q.none {
			*count = 0
		} else if n, err = ta.Count(ctx, q.Query); err != nil {
			fail(db, err)
			return
		}
		*count, db.RowsAffected = n, n
		return
	}
	var rows []sqlwrap.Row
	if !q.none {
		if rows, err = ta.Find(ctx, q.Query); err != nil {
			fail(db, err)
			return
		}
	}
	db.RowsAffected = int64(len(rows))
	selected := map[string]bool{}
	for _, s := range stmt.Selects {
		if f := m.schema.LookUpField(s); f != nil {
			selected[f.DBName] = true
		}
	}
	fill := func(rv reflect.Value, r sqlwrap.Row) error {
		for _, f := range m.schema.Fields {
			if f.DBName == "" || !f.Readable {
				continue
			}
			v, ok := r[f.DBName]
			if !ok || len(selected) > 0 && !selected[f.DBName] {
				continue
			}
			if err := setField(db, f, rv, v); err != nil {
				return fmt.Errorf("phicrypt: table %s: column %s does not fit field %s", m.table, f.DBName, f.Name)
			}
		}
		return nil
	}
	switch rv := stmt.ReflectValue; rv.Kind() {
	case reflect.Struct:
		if len(rows) == 0 {
			if stmt.RaiseErrorOnNotFound {
				db.AddError(gorm.ErrRecordNotFound)
			}
			return
		}
		if err := fill(rv, rows[0]); err != nil {
			fail(db, err)
		}
	case reflect.Slice:
		et := rv.Type().Elem()
		isPtr := et.Kind() == reflect.Pointer
		out := reflect.MakeSlice(rv.Type(), 0, len(rows))
		for _, r := range rows {
			ev := reflect.New(m.schema.ModelType)
			if err := fill(ev.Elem(), r); err != nil {
				fail(db, err)
				return
			}
			if isPtr {
				out = reflect.Append(out, ev)
			} else {
				out = reflect.Append(out, ev.Elem())
			}
		}
		rv.Set(out)
	default:
		fail(db, unsupported(m, "a query into a %T", stmt.Dest))
	}
}

// readQuery is a query's conditions, order, limit and offset; count is
// the destination of a Count.
type readQuery struct {
	sqlwrap.Query
	none bool
}

func (p *Plugin) readQuery(db *gorm.DB, m *gmodel) (readQuery, *int64, error) {
	stmt := db.Statement
	var q readQuery
	var count *int64
	if sel, ok := stmt.Clauses["SELECT"]; ok {
		// GORM keeps a Select with an expression as the expression.
		e, ok := sel.Expression.(clause.Expr)
		if s, isSelect := sel.Expression.(clause.Select); isSelect && len(s.Columns) == 0 && !s.Distinct {
			e, ok = s.Expression.(clause.Expr)
		}
		n, isCount := stmt.Dest.(*int64)
		if !ok || !isCount || strings.ToLower(strings.TrimSpace(e.SQL)) != "count(*)" || len(e.Vars) > 0 {
			return q, nil, unsupported(m, "a SELECT expression")
		}
		count = n
	}
	for _, s := range stmt.Selects {
		if f := m.schema.LookUpField(s); s != "*" && (f == nil || f.DBName == "") {
			return q, nil, unsupported(m, "a select of something other than the model's columns")
		}
	}
	if count == nil && (stmt.ReflectValue.Kind() != reflect.Struct && stmt.ReflectValue.Kind() != reflect.Slice || !destIsModel(stmt.ReflectValue, m)) {
		return q, nil, unsupported(m, "a query into a %T", stmt.Dest)
	}
	for _, name := range []string{"GROUP BY", "FOR", "FROM"} {
		if c, ok := stmt.Clauses[name]; ok {
			if from, isFrom := c.Expression.(clause.From); isFrom && len(from.Joins) == 0 && len(from.Tables) == 0 {
				continue
			}
			return q, nil, unsupported(m, "%s", name)
		}
	}
	if len(stmt.Joins) > 0 || stmt.Distinct || stmt.TableExpr != nil || len(stmt.Omits) > 0 {
		return q, nil, unsupported(m, "joins, DISTINCT, Omit or a table expression")
	}
	f := &filter{}
	if err := where(db, m, f); err != nil {
		return q, nil, err
	}
	// As GORM does: a struct destination with its primary key set is that
	// row.
	if rv := stmt.ReflectValue; count == nil && rv.Kind() == reflect.Struct {
		if v, zero := m.schema.PrioritizedPrimaryField.ValueOf(stmt.Context, rv); !zero {
			if err := f.add(m, clause.Eq{Column: clause.PrimaryColumn, Value: v}); err != nil {
				return q, nil, err
			}
		}
	}
	if m.softDelete != "" && !stmt.Unscoped {
		f.preds = append(f.preds, sqlwrap.IsNull(m.softDelete))
	}
	q.Where, q.none = f.preds, f.none
	if c, ok := stmt.Clauses["ORDER BY"]; ok && count == nil {
		ob, _ := c.Expression.(clause.OrderBy)
		if ob.Expression != nil {
			return q, nil, unsupported(m, "an ORDER BY expression")
		}
		for _, oc := range ob.Columns {
			orders, err := orderOf(m, oc)
			if err != nil {
				return q, nil, err
			}
			q.OrderBy = append(q.OrderBy, orders...)
		}
	}
	if c, ok := stmt.Clauses["LIMIT"]; ok && count == nil {
		l, _ := c.Expression.(clause.Limit)
		if l.Limit != nil {
			if *l.Limit < 0 {
				return q, nil, unsupported(m, "a negative LIMIT")
			}
			q.Limit = *l.Limit
			if q.Limit == 0 {
				q.none = true
			}
		}
		q.Offset = l.Offset
	}
	return q, count, nil
}

// orderOf reads one ORDER BY item: a column (First and Last order by the
// primary key), or the text "col", "col asc", "col desc" with commas.
func orderOf(m *gmodel, oc clause.OrderByColumn) ([]sqlwrap.Order, error) {
	if !oc.Column.Raw {
		col, err := m.column(oc.Column)
		if err != nil {
			return nil, err
		}
		return []sqlwrap.Order{{Col: col, Desc: oc.Desc}}, nil
	}
	var out []sqlwrap.Order
	for _, part := range strings.Split(oc.Column.Name, ",") {
		words := strings.Fields(part)
		if len(words) == 0 || len(words) > 2 {
			return nil, unsupported(m, "an ORDER BY expression")
		}
		col, err := m.column(words[0])
		if err != nil {
			return nil, err
		}
		o := sqlwrap.Order{Col: col}
		if len(words) == 2 {
			switch strings.ToLower(words[1]) {
			case "asc":
			case "desc":
				o.Desc = true
			default:
				return nil, unsupported(m, "an ORDER BY expression")
			}
		}
		out = append(out, o)
	}
	if oc.Desc {
		return nil, unsupported(m, "an ORDER BY expression")
	}
	return out, nil
}

// keysOf finds the keys of the rows the conditions of an update or
// delete select: its WHERE, the primary keys of the model or the
// destination, and soft delete.
func (p *Plugin) keysOf(db *gorm.DB, m *gmodel, ta *sqlwrap.TableAccess) ([]any, error) {
	stmt := db.Statement
	f := &filter{}
	if err := where(db, m, f); err != nil {
		return nil, err
	}
	pk := m.schema.PrioritizedPrimaryField
	addKeys := func(rv reflect.Value) error {
		var ks []any
		switch rv.Kind() {
		case reflect.Struct:
			if rv.Type() != m.schema.ModelType {
				return nil
			}
			if v, zero := pk.ValueOf(stmt.Context, rv); !zero {
				ks = append(ks, v)
			}
		case reflect.Slice, reflect.Array:
			for i := 0; i < rv.Len(); i++ {
				ev := reflect.Indirect(rv.Index(i))
				if ev.Kind() != reflect.Struct || ev.Type() != m.schema.ModelType {
					return nil
				}
				if v, zero := pk.ValueOf(stmt.Context, ev); !zero {
					ks = append(ks, v)
				}
			}
		}
		if len(ks) == 0 {
			return nil
		}
		return f.add(m, clause.IN{Column: clause.PrimaryColumn, Values: ks})
	}
	if err := addKeys(stmt.ReflectValue); err != nil {
		return nil, err
	}
	if stmt.Model != nil && !sameValue(stmt.Dest, stmt.Model) {
		if err := addKeys(reflect.Indirect(reflect.ValueOf(stmt.Model))); err != nil {
			return nil, err
		}
	}
	if !f.given && !db.AllowGlobalUpdate {
		return nil, gorm.ErrMissingWhereClause
	}
	if m.softDelete != "" && !stmt.Unscoped {
		f.preds = append(f.preds, sqlwrap.IsNull(m.softDelete))
	}
	if f.none {
		return nil, nil
	}
	rows, err := ta.Find(stmt.Context, sqlwrap.Query{Where: f.preds, OrderBy: []sqlwrap.Order{{Col: m.key}}})
	if err != nil {
		return nil, err
	}
	keys := make([]any, len(rows))
	for i, r := range rows {
		keys[i] = r[m.key]
	}
	return keys, nil
}

// update answers Updates, Update, UpdateColumn(s) and Save: the columns
// given (a struct's non-zero fields, a map's entries, all with Save,
// as Select and Omit say) of every row the conditions select, each
// row's ciphertexts and every token recomputed.
func (p *Plugin) update(db *gorm.DB, m *gmodel) {
	stmt := db.Statement
	if !sameModel(db, m) {
		fail(db, unsupported(m, "update of a %T: give the model", stmt.Model))
		return
	}
	var set clause.Set
	if c, ok := stmt.Clauses["SET"]; ok {
		set, _ = c.Expression.(clause.Set)
	} else {
		set = callbacks.ConvertToAssignments(stmt)
		if db.Error != nil {
			return
		}
	}
	if len(set) == 0 {
		return
	}
	row := sqlwrap.Row{}
	var keyValue any
	for _, a := range set {
		col := a.Column.Name
		if !m.columns[col] {
			fail(db, unsupported(m, "update of %q, not a column", col))
			return
		}
		v, err := plainOf(m, col, a.Value)
		if err != nil {
			fail(db, err)
			return
		}
		if col == m.key {
			keyValue = v
			continue
		}
		row[col] = v
	}
	ta, err := p.access(db, m)
	if err != nil {
		fail(db, err)
		return
	}
	keys, err := p.keysOf(db, m, ta)
	if err != nil {
		fail(db, err)
		return
	}
	for _, k := range keys {
		if keyValue != nil && fmt.Sprint(keyValue) != fmt.Sprint(k) {
			fail(db, unsupported(m, "a change of the key %s", m.key))
			return
		}
	}
	if len(row) == 0 {
		db.RowsAffected = int64(len(keys))
		return
	}
	if err := p.inTx(db, m, ta, len(keys), func(ta *sqlwrap.TableAccess) error {
		for _, k := range keys {
			if err := ta.Update(stmt.Context, k, row); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		fail(db, err)
		return
	}
	db.RowsAffected = int64(len(keys))
}

// delete removes the rows the conditions select, or sets their
// deleted_at when the model has a gorm.DeletedAt (unless Unscoped).
func (p *Plugin) delete(db *gorm.DB, m *gmodel) {
	stmt := db.Statement
	if !sameModel(db, m) {
		fail(db, unsupported(m, "delete of a %T: give the model", stmt.Dest))
		return
	}
	ta, err := p.access(db, m)
	if err != nil {
		fail(db, err)
		return
	}
	keys, err := p.keysOf(db, m, ta)
	if err != nil {
		fail(db, err)
		return
	}
	soft := m.softDelete != "" && !stmt.Unscoped
	now := db.NowFunc()
	if err := p.inTx(db, m, ta, len(keys), func(ta *sqlwrap.TableAccess) error {
		for _, k := range keys {
			var err error
			if soft {
				err = ta.Update(stmt.Context, k, sqlwrap.Row{m.softDelete: now})
			} else {
				err = ta.Delete(stmt.Context, k)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		fail(db, err)
		return
	}
	if soft {
		stmt.SetColumn(m.softDelete, now, true)
	}
	db.RowsAffected = int64(len(keys))
}

// inTx runs fn on ta when it is in a transaction already or touches one
// row, and in a new transaction otherwise.
func (p *Plugin) inTx(db *gorm.DB, m *gmodel, ta *sqlwrap.TableAccess, n int, fn func(*sqlwrap.TableAccess) error) error {
	if n <= 1 {
		return fn(ta)
	}
	if _, inTx := db.Statement.ConnPool.(gorm.TxCommitter); inTx {
		return fn(ta)
	}
	tx, err := p.db.w.BeginTx(db.Statement.Context, nil)
	if err != nil {
		return err
	}
	tta, err := tx.Table(m.table)
	if err == nil {
		err = fn(tta)
	}
	if err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// row refuses Row, Rows, Scan and Pluck with conditions on a phicrypt
// table: GORM would write the values into SQL in clear.
func (p *Plugin) row(db *gorm.DB, m *gmodel) {
	if _, ok := db.Statement.Clauses["WHERE"]; ok || db.Statement.Schema != nil && sameModel(db, m) {
		fail(db, unsupported(m, "Row, Rows, Scan or Pluck: use Find or First into the model"))
		return
	}
	p.orig(db, "row")
}

// sameValue reports whether a and b are the same value, without the
// panic of == on uncomparable types (a slice given by value).
func sameValue(a, b any) bool {
	if reflect.TypeOf(a) != reflect.TypeOf(b) {
		return false
	}
	if t := reflect.TypeOf(a); t != nil && !t.Comparable() {
		return false
	}
	return a == b
}
