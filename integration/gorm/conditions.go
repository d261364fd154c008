package phigorm

import (
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/phicrypt/phicrypt/sqlwrap"
)

// Cond is a search condition on a column, protected or plain. It is a
// GORM clause.Expression, so gdb.Where(phigorm.Eq("ssn", v)) reads a
// phicrypt model through its tokens; several Cond in one Where, or
// several Where, are ANDed. On a table phicrypt does not protect it is
// the plain SQL condition (col = ?, col LIKE ?, col IS NULL, col IN ?).
type Cond struct {
	op   string
	col  string
	vals []any
	pred sqlwrap.Pred
}

// Eq matches rows whose column equals v (under the index's transforms).
// Several Eq on the parts of a compound index use that index.
func Eq(column string, v any) Cond {
	return Cond{op: "eq", col: column, vals: []any{v}, pred: sqlwrap.Eq(column, v)}
}

// In matches rows whose column equals one of vs.
func In(column string, vs ...any) Cond {
	return Cond{op: "in", col: column, vals: vs, pred: sqlwrap.In(column, vs...)}
}

// Prefix matches rows whose text column starts with s.
func Prefix(column, s string) Cond {
	return Cond{op: "prefix", col: column, vals: []any{s}, pred: sqlwrap.Prefix(column, s)}
}

// Contains matches rows whose text column holds s.
func Contains(column, s string) Cond {
	return Cond{op: "contains", col: column, vals: []any{s}, pred: sqlwrap.Contains(column, s)}
}

// IsNull matches rows whose column is NULL.
func IsNull(column string) Cond {
	return Cond{op: "null", col: column, pred: sqlwrap.IsNull(column)}
}

// String names the condition and its column, never its value.
func (c Cond) String() string { return c.op + "(" + c.col + ")" }

func preds(conds []Cond) []sqlwrap.Pred {
	out := make([]sqlwrap.Pred, len(conds))
	for i, c := range conds {
		out[i] = c.pred
	}
	return out
}

// Build writes the condition into SQL that GORM builds itself, which
// happens only on tables phicrypt does not protect: on a phicrypt table
// (which the plugin's callbacks read through the tokens) or a table it
// cannot tell, it adds an error wrapping sqlwrap.ErrUnsupported and
// writes nothing of the value.
func (c Cond) Build(b clause.Builder) {
	if c.op == "" {
		b.AddError(errors.New("phicrypt: phigorm: a zero Cond; use phigorm.Eq, In, Prefix, Contains or IsNull"))
		return
	}
	if table, protected := c.onProtected(b); protected {
		b.AddError(fmt.Errorf("phicrypt: phigorm: %s on table %s reached GORM's SQL builder, which would write the value in clear: %w", c, table, sqlwrap.ErrUnsupported))
		return
	}
	b.WriteQuoted(clause.Column{Name: c.col, Raw: false})
	switch c.op {
	case "eq":
		b.WriteString(" = ")
		b.AddVar(b, c.vals[0])
	case "in":
		b.WriteString(" IN ")
		b.AddVar(b, c.vals)
	case "prefix", "contains":
		b.WriteString(" LIKE ")
		pat := likeEscaper.Replace(c.vals[0].(string)) + "%"
		if c.op == "contains" {
			pat = "%" + pat
		}
		b.AddVar(b, pat)
		b.WriteString(" ESCAPE '!'")
	case "null":
		b.WriteString(" IS NULL")
	}
}

var likeEscaper = strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")

// onProtected reports whether the condition would be written into SQL
// for a phicrypt table, or a statement whose table cannot be told.
func (c Cond) onProtected(b clause.Builder) (string, bool) {
	stmt, ok := b.(*gorm.Statement)
	if !ok || stmt.DB == nil || stmt.DB.Config == nil {
		return "?", true
	}
	p, ok := stmt.DB.Config.Plugins[pluginName].(*Plugin)
	if !ok || p.db == nil {
		return "", false
	}
	table := stmt.Table
	if t, _, ok := strings.Cut(c.col, "."); ok {
		table = t
	}
	if table == "" {
		return "?", true
	}
	if e := stmt.TableExpr; e != nil {
		if _, protected := p.db.byTable[tableName(e.SQL)]; protected {
			return tableName(e.SQL), true
		}
	}
	_, protected := p.db.byTable[tableName(table)]
	return table, protected
}
