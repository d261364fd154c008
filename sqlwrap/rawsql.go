package sqlwrap

import (
	"context"
	"fmt"
	"strings"
)

// Filter is the search of some predicates on one table, for a statement
// written by hand (a JOIN, a report): Where and Args go into its WHERE
// clause, and Match, given the opened values of the rows it returns,
// drops the false positives of the tokens.
type Filter struct {
	// Where is an SQL condition on the table's columns, each qualified
	// with the alias given to TableAccess.Filter.
	Where string
	// Args are the arguments of Where's placeholders, in order.
	Args []any

	ta     *TableAccess
	checks []check
}

// Filter returns the SQL condition and arguments that select the rows
// matching every predicate (as Find does), for a hand-written statement
// where the table is named alias (its own name when alias is empty).
// Placeholders fit the dialect; on PostgreSQL they are numbered from
// firstArg ($firstArg, $firstArg+1, ...), so the statement's own
// arguments can come before. The condition may select false positives:
// open the columns Filter.Columns names in each row and keep the rows
// Filter.Match accepts.
func (ta *TableAccess) Filter(ctx context.Context, alias string, firstArg int, preds ...Pred) (*Filter, error) {
	ctx, done, err := ta.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	if alias == "" {
		alias = ta.rt.t.Name
	}
	if !validIdent(alias) {
		return nil, ta.fail("filter", "", fmt.Errorf("%w: alias must be letters, digits and underscores", ErrUnsupported))
	}
	if firstArg < 1 {
		return nil, ta.fail("filter", "", fmt.Errorf("%w: first placeholder number %d, want 1 or more", ErrUnsupported, firstArg))
	}
	if err := ta.ready(ctx); err != nil {
		return nil, err
	}
	if err := ta.notMigrating(ctx, preds); err != nil {
		return nil, err
	}
	// The rows will be opened by Open, which does not wait for a
	// transaction's turn: load the keys now, while it is ours.
	if err := ta.db.warmRead(ctx, ta.rt); err != nil {
		return nil, err
	}
	b := &builder{ta: ta, alias: alias, argBase: firstArg - 1}
	if err := b.build(ctx, Query{Where: preds}); err != nil {
		return nil, err
	}
	where := "1 = 1"
	if len(b.where) > 0 {
		where = "(" + strings.Join(b.where, " AND ") + ")"
	}
	return &Filter{Where: where, Args: b.args, ta: ta, checks: b.checks}, nil
}

// notMigrating refuses predicates on a column with plaintext left
// (migrating mode): Open sees only ciphertexts, so the rows whose value is
// still in the plaintext column would be missed. Before refusing, it
// checks that the plaintext column was not dropped meanwhile.
func (ta *TableAccess) notMigrating(ctx context.Context, preds []Pred) error {
	for retried := false; ; retried = true {
		m := ta.rt.mig.Load()
		var col string
		for _, p := range preds {
			if cr, ok := ta.rt.cols[p.col]; ok && m.migrating(cr) {
				col = p.col
				break
			}
		}
		if col == "" {
			return nil
		}
		if retried || !ta.db.plainDropped(ctx, ta.rt, m) {
			return ta.fail("filter", col, fmt.Errorf("%w: the column is being migrated (it has a %s column); use Find until the migration ends", ErrUnsupported, plainName(col)))
		}
	}
}

func validIdent(s string) bool {
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

// Columns returns the protected columns whose opened values Match needs.
func (f *Filter) Columns() []string {
	if f == nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, c := range f.checks {
		if n := c.cr.c.Name; !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// Match reports whether a row the condition selected really matches:
// row holds, by column name, the opened values of the columns Columns
// names (from TableAccess.Open). A missing column is an error, never a
// match.
func (f *Filter) Match(row Row) (bool, error) {
	if f == nil || f.ta == nil {
		return false, ErrUnbound
	}
	for _, c := range f.checks {
		v, ok := row[c.cr.c.Name]
		if !ok {
			return false, f.ta.fail("filter", c.cr.c.Name, fmt.Errorf("%w: Match needs the opened value of this column", ErrUnknownColumn))
		}
		if v == nil {
			return false, nil
		}
		cv, err := checkValue(c.cr.c.Type, v)
		if err != nil {
			return false, f.ta.fail("filter", c.cr.c.Name, err)
		}
		if !c.match(cv) {
			return false, nil
		}
	}
	return true, nil
}

// Open opens the stored value of a protected column, as a hand-written
// query scanned it ([]byte, string, nil, or a Sealed), in the row whose
// row-binding value is binding (ignored when the table has no row
// binding). It returns the plaintext in the column's Go type, or nil for
// NULL. A ciphertext moved from another row or column fails
// (cipher.ErrMisplaced). Open does not wait for a transaction's turn, so
// it may be called while the rows of a query are still open; the keys it
// needs are loaded by Filter, or by any earlier operation on the table.
func (ta *TableAccess) Open(ctx context.Context, column string, stored, binding any) (any, error) {
	if ta == nil || ta.db == nil || ta.rt == nil {
		return nil, ErrUnbound
	}
	if ctx == nil {
		return nil, ta.fail("open", column, errNilContext)
	}
	cr, ok := ta.rt.cols[column]
	if !ok {
		return nil, ta.fail("open", column, fmt.Errorf("%w: not a protected column", ErrUnknownColumn))
	}
	var bb []byte
	if rb := ta.rt.t.RowBinding; rb != "" {
		if binding == nil {
			return nil, ta.fail("open", rb, fmt.Errorf("%w: give the row's %s", ErrRowBinding, rb))
		}
		cv, err := ta.rt.canonical(rb, binding)
		if err != nil {
			return nil, ta.fail("open", rb, err)
		}
		if bb, err = bindingBytes(cv); err != nil {
			return nil, ta.fail("open", rb, err)
		}
	}
	switch s := stored.(type) {
	case Sealed:
		stored = s.raw()
	case *Sealed:
		if s == nil {
			return nil, ta.fail("open", column, fmt.Errorf("%w: nil *Sealed", ErrUnbound))
		}
		stored = s.raw()
	}
	v, err := ta.openStored(ctx, cr, stored, bb)
	if err != nil {
		return nil, ta.fail("open", column, err)
	}
	return v, nil
}

// Dialect returns the name of the database's dialect, "sqlite",
// "postgres" or "mysql", for hand-written statements that must choose
// their placeholders ($1 on PostgreSQL, ? elsewhere) or a driver name
// (sqlx.NewDb(db.SQL(), db.Dialect()) binds correctly on all three). A
// nil DB gives "".
func (db *DB) Dialect() string {
	if db == nil || db.d == nil {
		return ""
	}
	return db.d.name
}
