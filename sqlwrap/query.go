package sqlwrap

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/phicrypt/phicrypt/blindindex"
	"github.com/phicrypt/phicrypt/cipher"
)

// Pred is one condition of a Find; conditions are ANDed.
type Pred struct {
	op    string
	col   string
	vals  []any
	index string // EqVia: the equality index to use
}

// Eq matches rows whose column equals v. On a protected column it uses
// the column's first equality index (or a compound index when every part
// has an Eq) and compares under that index's transforms: with "casefold",
// Eq("last_name", "smith") matches "Smith".
func Eq(col string, v any) Pred { return Pred{op: "eq", col: col, vals: []any{v}} }

// EqVia matches rows whose protected column equals v under the named
// equality index, e.g. EqVia("ssn", "ssn_last4", "1120") finds every SSN
// ending in 1120 through an index with the transforms "digits,last:4".
func EqVia(col, index string, v any) Pred {
	return Pred{op: "eq", col: col, vals: []any{v}, index: index}
}

// In matches rows whose column equals any of vs.
func In(col string, vs ...any) Pred { return Pred{op: "in", col: col, vals: vs} }

// Prefix matches rows whose protected column starts with s, under the
// prefix index's transforms. s must have at least the index's minimum
// gram length.
func Prefix(col, s string) Pred { return Pred{op: "prefix", col: col, vals: []any{s}} }

// Contains matches rows whose protected column contains s, through a
// substring index.
func Contains(col, s string) Pred { return Pred{op: "contains", col: col, vals: []any{s}} }

// IsNull matches rows where the column is NULL.
func IsNull(col string) Pred { return Pred{op: "isnull", col: col} }

// NotNull matches rows where the column is not NULL.
func NotNull(col string) Pred { return Pred{op: "notnull", col: col} }

// Ne, Lt, Le, Gt and Ge compare an unprotected column; on a protected
// column they are refused (ErrUnsupported).
func Ne(col string, v any) Pred { return Pred{op: "<>", col: col, vals: []any{v}} }

// Lt is col < v on an unprotected column.
func Lt(col string, v any) Pred { return Pred{op: "<", col: col, vals: []any{v}} }

// Le is col <= v on an unprotected column.
func Le(col string, v any) Pred { return Pred{op: "<=", col: col, vals: []any{v}} }

// Gt is col > v on an unprotected column.
func Gt(col string, v any) Pred { return Pred{op: ">", col: col, vals: []any{v}} }

// Ge is col >= v on an unprotected column.
func Ge(col string, v any) Pred { return Pred{op: ">=", col: col, vals: []any{v}} }

// Like is col LIKE pattern on an unprotected column; on a protected column
// use Prefix or Contains.
func Like(col, pattern string) Pred { return Pred{op: "like", col: col, vals: []any{pattern}} }

// Order sorts by an unprotected column.
type Order struct {
	Col  string
	Desc bool
}

// Query is a Find: conditions, ordering and a limit.
type Query struct {
	Where   []Pred
	OrderBy []Order
	// GroupBy is refused on protected columns and not supported otherwise;
	// it exists so that the refusal is explicit.
	GroupBy []string
	// Limit is the most rows returned (0: no limit), counted after the
	// false positives of the tokens are dropped.
	Limit int
	// Offset skips that many matching rows first. With only conditions
	// the database answers exactly (plain columns, IsNull, NotNull) it is
	// the SELECT's OFFSET. With a protected predicate the skipped rows are still read and decrypted (the
	// database cannot tell a match from a false positive), so the cost of
	// page n grows with n: prefer After for deep pages.
	Offset int
	// After is keyset pagination: only rows whose key is greater than
	// After, in key order (OrderBy must be empty or the key ascending).
	// Give the last key of a page to get the next one; each page costs
	// the same however deep.
	After any
	// Unconfirmed accepts the token matches of protected columns the
	// principal may search (index) but not decrypt (value-decrypt, see
	// ErrNotPermitted): such a column cannot be decrypted to drop the
	// false positives of its tokens, so the rows returned are candidates
	// that may include a few non-matches (docs/SECURITY.md "Principals").
	// Without it such a search fails with ErrNotPermitted. It changes
	// nothing for columns the principal may decrypt.
	Unconfirmed bool
}

// check is a post-filter on decrypted values.
type check struct {
	cr    *colRT
	match func(v any) bool
	// unconfirmed: the principal may not decrypt cr and the query accepts
	// token matches unconfirmed (Query.Unconfirmed).
	unconfirmed bool
	// null: the row matches only if the value is NULL (IsNull in
	// migrating mode, where c IS NULL also selects unmigrated rows).
	null bool
}

type builder struct {
	ta     *TableAccess
	where  []string
	args   []any
	checks []check
	// alias qualifies column references when set (TableAccess.Filter);
	// argBase is the number of placeholders before the first of b.args.
	alias   string
	argBase int
	// m is the table's migrating mode the query is built for.
	m *migration
}

// fallback is the condition that selects the rows whose value of one of
// cols is still only in its plaintext column (migrating mode), "" if none
// of cols is migrating.
func (b *builder) fallback(cols ...*colRT) string {
	var ors []string
	for _, cr := range cols {
		if b.m.migrating(cr) {
			ors = append(ors, fmt.Sprintf("(%s IS NULL AND %s IS NOT NULL)", b.col(cr.c.Name), b.plainCol(cr)))
		}
	}
	return strings.Join(ors, " OR ")
}

// plainCol is cr's plaintext column, always qualified (see plainRef).
func (b *builder) plainCol(cr *colRT) string {
	return b.table() + "." + b.ta.rt.d.q(plainName(cr.c.Name))
}

// orFallback widens the conditions added since b.where[from] with the
// fallback of cols: the tokens find the sealed rows, the fallback the
// unmigrated ones, and the checks filter both exactly.
func (b *builder) orFallback(from int, cols ...*colRT) {
	fb := b.fallback(cols...)
	if fb == "" || len(b.where) == from {
		return
	}
	cond := strings.Join(b.where[from:], " AND ")
	b.where = append(b.where[:from], "(("+cond+") OR "+fb+")")
}

func (b *builder) arg(v any) string {
	b.args = append(b.args, v)
	return b.ta.rt.d.ph(b.argBase + len(b.args))
}

// col is a column of the table, qualified with the alias if there is one.
func (b *builder) col(name string) string {
	if b.alias != "" {
		return b.table() + "." + b.ta.rt.d.q(name)
	}
	return b.ta.rt.d.q(name)
}

// table is how the conditions name the table: its alias, or its name.
func (b *builder) table() string {
	if b.alias != "" {
		return b.ta.rt.d.q(b.alias)
	}
	return b.ta.rt.d.q(b.ta.rt.t.Name)
}

func (b *builder) unsupported(col, reason string) error {
	return &Error{Op: "find", Table: b.ta.rt.t.Name, Column: col, Err: fmt.Errorf("%w: %s", ErrUnsupported, reason)}
}

// normText applies a chain to the token text of v, for exact comparison.
func normText(ch blindindex.Chain, v any) (string, bool) {
	out, err := ch.Append(nil, []byte(tokenText(v)))
	if err != nil {
		return "", false
	}
	return string(out), true
}

func (b *builder) build(ctx context.Context, q Query) error {
	rt := b.ta.rt
	b.m = rt.mig.Load()
	if len(q.GroupBy) > 0 {
		g := q.GroupBy[0]
		if _, ok := rt.cols[g]; ok {
			return b.unsupported(g, "GROUP BY on ciphertext")
		}
		return b.unsupported(g, "GROUP BY is not supported by Find")
	}
	if q.After != nil {
		k, err := rt.canonicalKey("find", q.After)
		if err != nil {
			return err
		}
		b.where = append(b.where, b.col(rt.t.Key)+" > "+b.arg(k))
	}
	// Eq on every part of a compound index uses it.
	used := map[int]bool{}
	for _, c := range rt.comp {
		vals := make([]any, len(c.cols))
		idx := make([]int, len(c.cols))
		ok := true
		for i, cr := range c.cols {
			found := false
			for j, p := range q.Where {
				if p.op == "eq" && p.col == cr.c.Name && !used[j] && p.index == "" {
					vals[i], idx[i], found = p.vals[0], j, true
					break
				}
			}
			ok = ok && found
		}
		if !ok {
			continue
		}
		if err := b.ta.indexReady(ctx, c.idx.Name); err != nil {
			return err
		}
		strs := make([]string, len(vals))
		for i, v := range vals {
			if v == nil {
				return b.unsupported(c.cols[i].c.Name, "Eq with NULL (use IsNull)")
			}
			// The tokens and the post-filter both see the canonical value.
			cv, err := checkValue(c.cols[i].c.Type, v)
			if err != nil {
				return &Error{Op: "find", Table: rt.t.Name, Column: c.cols[i].c.Name, Err: err}
			}
			vals[i], strs[i] = cv, tokenText(cv)
		}
		keys, err := c.keys.Get(ctx)
		if err != nil {
			return err
		}
		toks, err := c.c.QueryTokens(keys, strs...)
		if err != nil {
			return &Error{Op: "find", Table: rt.t.Name, Column: c.idx.Name, Err: err}
		}
		from := len(b.where)
		b.where = append(b.where, fmt.Sprintf("%s IN (%s)", b.col(c.idx.Name), b.tokens(toks)))
		// A part's own equality index under the same transforms narrows
		// the candidates further without changing what matches: the
		// planner sizes a compound beside such indexes with few bits.
		for i, cr := range c.cols {
			for _, e := range cr.eq {
				if e.ch.Spec() != c.chs[i].Spec() {
					continue
				}
				// A part index still building would drop the rows it does
				// not cover yet: it is only a narrowing, so leave it out.
				if err := b.ta.indexReady(ctx, e.idx.Name); errors.Is(err, ErrIndexNotReady) {
					continue
				} else if err != nil {
					return err
				}
				ckeys, err := cr.keys.Get(ctx)
				if err != nil {
					return err
				}
				etoks, err := e.e.QueryTokens(ckeys, strs[i])
				if err != nil {
					return &Error{Op: "find", Table: rt.t.Name, Column: cr.c.Name, Err: err}
				}
				b.where = append(b.where, fmt.Sprintf("%s IN (%s)", b.col(e.idx.Name), b.tokens(etoks)))
				break
			}
		}
		b.orFallback(from, c.cols...)
		for i, cr := range c.cols {
			used[idx[i]] = true
			want, ok := normText(c.chs[i], vals[i])
			ch := c.chs[i]
			b.checks = append(b.checks, check{cr: cr, match: func(v any) bool {
				got, ok2 := normText(ch, v)
				return ok && ok2 && got == want
			}})
		}
	}
	for j, p := range q.Where {
		if used[j] {
			continue
		}
		cr, pc, err := rt.column("find", p.col)
		if err != nil {
			return err
		}
		if pc != nil {
			if p.index != "" {
				return &Error{Op: "find", Table: rt.t.Name, Column: p.col, Err: fmt.Errorf("%w: EqVia needs a protected column", ErrUnknownColumn)}
			}
			if err := b.plain(p); err != nil {
				return err
			}
			continue
		}
		if err := b.protected(ctx, cr, p); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) tokens(toks []int64) string {
	ph := make([]string, len(toks))
	for i, t := range toks {
		ph[i] = b.arg(t)
	}
	return strings.Join(ph, ", ")
}

func (b *builder) plain(p Pred) error {
	rt := b.ta.rt
	c := b.col(p.col)
	// Values go to the database as writes store them (canonical).
	val := func(v any) (string, error) {
		if v == nil {
			return "", b.unsupported(p.col, "comparison with NULL (use IsNull or NotNull)")
		}
		cv, err := rt.canonical(p.col, v)
		if err != nil {
			return "", &Error{Op: "find", Table: rt.t.Name, Column: p.col, Err: err}
		}
		return b.arg(cv), nil
	}
	switch p.op {
	case "eq", "<>", "<", "<=", ">", ">=":
		ph, err := val(p.vals[0])
		if err != nil {
			return err
		}
		op := p.op
		if op == "eq" {
			op = "="
		}
		b.where = append(b.where, c+" "+op+" "+ph)
	case "in":
		if len(p.vals) == 0 {
			b.where = append(b.where, "1 = 0")
			return nil
		}
		ph := make([]string, len(p.vals))
		for i, v := range p.vals {
			var err error
			if ph[i], err = val(v); err != nil {
				return err
			}
		}
		b.where = append(b.where, c+" IN ("+strings.Join(ph, ", ")+")")
	case "isnull":
		b.where = append(b.where, c+" IS NULL")
	case "notnull":
		b.where = append(b.where, c+" IS NOT NULL")
	case "like":
		b.where = append(b.where, c+" LIKE "+b.arg(p.vals[0]))
	default:
		return b.unsupported(p.col, p.op+" needs a protected column with that index")
	}
	return nil
}

func (b *builder) protected(ctx context.Context, cr *colRT, p Pred) error {
	rt := b.ta.rt
	col := cr.c.Name
	switch p.op {
	case "isnull":
		b.where = append(b.where, b.col(col)+" IS NULL")
		if b.m.migrating(cr) {
			// Unmigrated rows have a NULL ciphertext too: their plaintext
			// decides ('' of a date is NULL, as reads say).
			b.checks = append(b.checks, check{cr: cr, null: true})
		}
		return nil
	case "notnull":
		if b.m.migrating(cr) {
			b.where = append(b.where, fmt.Sprintf("(%s IS NOT NULL OR %s IS NOT NULL)", b.col(col), b.plainCol(cr)))
			b.checks = append(b.checks, check{cr: cr, match: func(any) bool { return true }})
			return nil
		}
		b.where = append(b.where, b.col(col)+" IS NOT NULL")
		return nil
	case "<>", "<", "<=", ">", ">=":
		return b.unsupported(col, "comparison "+p.op+" on ciphertext (tokens answer equality only)")
	case "like":
		return b.unsupported(col, "LIKE on ciphertext (use Prefix or Contains)")
	}
	keys, err := cr.keys.Get(ctx)
	if err != nil {
		return err
	}
	fail := func(err error) error { return &Error{Op: "find", Table: rt.t.Name, Column: col, Err: err} }
	switch p.op {
	case "eq", "in":
		if len(cr.eq) == 0 {
			return b.unsupported(col, "no equality index")
		}
		e := cr.eq[0]
		if p.index != "" {
			e = nil
			for _, x := range cr.eq {
				if x.idx.Name == p.index {
					e = x
				}
			}
			if e == nil {
				return b.unsupported(col, fmt.Sprintf("no equality index named %s on this column", p.index))
			}
		}
		if err := b.ta.indexReady(ctx, e.idx.Name); err != nil {
			return err
		}
		var all []int64
		var wants []string
		for _, v := range p.vals {
			if v == nil {
				return b.unsupported(col, "Eq with NULL (use IsNull)")
			}
			v, err := checkValue(cr.c.Type, v)
			if err != nil {
				return fail(err)
			}
			toks, err := e.e.QueryTokens(keys, tokenText(v))
			if errors.Is(err, blindindex.ErrEmptyValue) {
				return b.unsupported(col, "Eq with a value that is empty after normalization (it has no token)")
			}
			if err != nil {
				return fail(err)
			}
			all = append(all, toks...)
			if w, ok := normText(e.ch, v); ok {
				wants = append(wants, w)
			}
		}
		if len(all) == 0 {
			b.where = append(b.where, "1 = 0")
			return nil
		}
		from := len(b.where)
		b.where = append(b.where, fmt.Sprintf("%s IN (%s)", b.col(e.idx.Name), b.tokens(all)))
		b.orFallback(from, cr)
		b.checks = append(b.checks, check{cr: cr, match: func(v any) bool {
			got, ok := normText(e.ch, v)
			if !ok {
				return false
			}
			for _, w := range wants {
				if got == w {
					return true
				}
			}
			return false
		}})
		return nil
	case "prefix", "contains":
		br := cr.pre
		if p.op == "contains" {
			br = cr.sub
		}
		if br == nil {
			return b.unsupported(col, fmt.Sprintf("no %s index", map[string]string{"prefix": "prefix", "contains": "substring"}[p.op]))
		}
		if err := b.ta.indexReady(ctx, br.idx.Name); err != nil {
			return err
		}
		needle, ok := p.vals[0].(string)
		if !ok {
			return fail(fmt.Errorf("%w: %s needs a string", ErrWrongType, p.op))
		}
		norm, err := br.ch.Append(nil, []byte(needle))
		if err != nil {
			return fail(err)
		}
		runes := []rune(string(norm))
		if len(runes) < br.idx.MinGram {
			return fail(fmt.Errorf("%w: %d characters, minimum %d", blindindex.ErrNeedleTooShort, len(runes), br.idx.MinGram))
		}
		from := len(b.where)
		if err := b.bloomCond(br, keys, runes); err != nil {
			return fail(err)
		}
		b.orFallback(from, cr)
		want := string(norm)
		contains := p.op == "contains"
		ch := br.ch
		b.checks = append(b.checks, check{cr: cr, match: func(v any) bool {
			got, ok := normText(ch, v)
			if !ok {
				return false
			}
			if contains {
				return strings.Contains(got, want)
			}
			return strings.HasPrefix(got, want)
		}})
		return nil
	}
	return b.unsupported(col, "unknown predicate")
}

func (b *builder) bloomCond(br *bloomRT, keys blindindex.PRF, runes []rune) error {
	d := b.ta.rt.d
	if d.pgBloom {
		sets, err := br.bloom.Needle(keys, string(runes))
		if err != nil {
			return err
		}
		var ors []string
		for _, s := range sets {
			ors = append(ors, fmt.Sprintf("%s @> %s::integer[]", b.col(br.idx.Name), b.arg(pgIntArray(s))))
		}
		b.where = append(b.where, "("+strings.Join(ors, " OR ")+")")
		return nil
	}
	g := min(len(runes), br.idx.MaxGram)
	if d.fts {
		var ors []string
		for _, id := range keys.KeyIDs() {
			var ands []string
			if br.idx.Kind == blindindex.Prefix {
				tok, err := br.grams[g-br.idx.MinGram].TokenFor(keys, id, 0, string(runes))
				if err != nil {
					return err
				}
				ands = append(ands, `"`+ftsWord(g, tok)+`"`)
			} else {
				toks, err := gramTokens(br, keys, id, runes, g, map[int64]bool{}, nil)
				if err != nil {
					return err
				}
				for _, t := range toks {
					ands = append(ands, `"`+ftsWord(0, t)+`"`)
				}
			}
			ors = append(ors, "("+strings.Join(ands, " AND ")+")")
		}
		b.where = append(b.where, fmt.Sprintf("%s.rowid IN (SELECT rowid FROM %s WHERE %s MATCH %s)",
			b.table(), d.q(br.table), d.q(br.table), b.arg(strings.Join(ors, " OR "))))
		return nil
	}
	if br.idx.Kind == blindindex.Prefix {
		toks, err := br.grams[g-br.idx.MinGram].QueryTokens(keys, string(runes))
		if err != nil {
			return err
		}
		b.where = append(b.where, fmt.Sprintf("%s IN (%s)", b.col(prefixColumn(br.idx, g)), b.tokens(toks)))
		return nil
	}
	var ors []string
	for _, id := range keys.KeyIDs() {
		toks, err := gramTokens(br, keys, id, runes, g, map[int64]bool{}, nil)
		if err != nil {
			return err
		}
		ors = append(ors, fmt.Sprintf("%s IN (SELECT k FROM %s WHERE tok IN (%s) GROUP BY k HAVING COUNT(*) = %d)",
			b.col(b.ta.rt.t.Key), d.q(br.table), b.tokens(toks), len(toks)))
	}
	b.where = append(b.where, "("+strings.Join(ors, " OR ")+")")
	return nil
}

// sqlText builds the SELECT of a query.
func (b *builder) sqlText(q Query) (string, error) {
	rt := b.ta.rt
	d := rt.d
	var s strings.Builder
	fmt.Fprintf(&s, "SELECT %s FROM %s", rt.selectList(b.m), d.q(rt.t.Name))
	if len(b.where) > 0 {
		s.WriteString(" WHERE " + strings.Join(b.where, " AND "))
	}
	if q.After != nil {
		if len(q.OrderBy) > 1 || len(q.OrderBy) == 1 && (q.OrderBy[0].Col != rt.t.Key || q.OrderBy[0].Desc) {
			return "", b.unsupported(rt.t.Key, "After pages in ascending key order: OrderBy must be empty or the key ascending")
		}
		s.WriteString(" ORDER BY " + d.q(rt.t.Key))
	} else if len(q.OrderBy) > 0 {
		parts := make([]string, len(q.OrderBy))
		for i, o := range q.OrderBy {
			cr, _, err := rt.column("find", o.Col)
			if err != nil {
				return "", err
			}
			if cr != nil {
				return "", b.unsupported(o.Col, "ORDER BY on ciphertext")
			}
			parts[i] = d.q(o.Col)
			if o.Desc {
				parts[i] += " DESC"
			}
		}
		s.WriteString(" ORDER BY " + strings.Join(parts, ", "))
	}
	return s.String(), nil
}

// Find returns the rows matching every condition, decrypted, with false
// positives of the tokens removed. The limit applies after that filtering.
// A row that does not open (a damaged, moved or tampered ciphertext, a
// NULL in a non-nullable column) fails the whole Find with an *Error that
// names the row's key and column, never a value; FindPartial returns the
// other rows instead.
func (ta *TableAccess) Find(ctx context.Context, q Query) (rows []Row, err error) {
	defer ta.auditFind(ctx, &rows, &err)
	res, err := ta.find(ctx, q, false)
	if err != nil {
		return nil, err
	}
	return res.Rows, nil
}

// FindResult is the answer of FindPartial: the rows that opened, and the
// rows that did not.
type FindResult struct {
	Rows    []Row
	Damaged []DamagedRow
}

// DamagedRow is a row FindPartial could not open.
type DamagedRow struct {
	// Key is the row's key, as the database returned it.
	Key any
	// Column is the column that failed to open (a protected column, or
	// the row-binding column).
	Column string
	// Err says why, as an *Error naming table, column and key; match it
	// with errors.Is (cipher.ErrTampered, cipher.ErrMisplaced,
	// ErrNotNull, ...).
	Err error
}

// FindPartial is Find that does not stop at a row that does not open: it
// returns the rows that open and match, and in Damaged the key and column
// of every row that does not. A damaged row is one the tokens and plain
// conditions selected; since it cannot be decrypted it cannot be checked,
// so it may be a false positive of the tokens. Only the row's own data
// makes it damaged: a key-service outage, a cancelled context or a
// database error still fail the whole call. The limit counts the rows
// returned, not the damaged ones.
func (ta *TableAccess) FindPartial(ctx context.Context, q Query) (res *FindResult, err error) {
	defer ta.auditFindPartial(ctx, &res, &err)
	return ta.find(ctx, q, true)
}

// rowDamage lists the errors that come from a row's own stored data;
// anything else (the key service, the context, the database) is not the
// row's fault.
var rowDamage = []error{
	cipher.ErrTruncated, cipher.ErrUnsupportedVersion, cipher.ErrMisplaced, cipher.ErrUnknownKey,
	cipher.ErrTampered, cipher.ErrMalformedValue, cipher.ErrUnsupportedType, ErrWrongType, ErrNotNull,
	// A plaintext value of a table being migrated that its column's
	// max_length refuses.
	cipher.ErrValueTooLong,
}

func isRowDamage(err error) (*Error, bool) {
	var e *Error
	if !errors.As(err, &e) || e.Key == nil {
		return nil, false
	}
	for _, d := range rowDamage {
		if errors.Is(err, d) {
			return e, true
		}
	}
	return nil, false
}

func (ta *TableAccess) find(ctx context.Context, q Query, partial bool) (*FindResult, error) {
	ctx, done, err := ta.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	res := &FindResult{}
	err = ta.stream(ctx, q, partial, func(r Row, dmg *DamagedRow) bool {
		if dmg != nil {
			res.Damaged = append(res.Damaged, *dmg)
		} else {
			res.Rows = append(res.Rows, r)
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// Explain returns the database's plan for the SELECT a Find would run,
// so tests and operators can see that the indexes are used.
func (ta *TableAccess) Explain(ctx context.Context, q Query) (string, error) {
	ctx, done, err := ta.enter(ctx)
	if err != nil {
		return "", err
	}
	defer done()
	b := &builder{ta: ta}
	if err := b.build(ctx, q); err != nil {
		return "", err
	}
	text, err := b.sqlText(q)
	if err != nil {
		return "", err
	}
	prefix := "EXPLAIN "
	if ta.rt.d.name == "sqlite" {
		prefix = "EXPLAIN QUERY PLAN "
	}
	rows, err := ta.q().QueryContext(ctx, prefix+text, b.args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		for _, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			fmt.Fprint(&out, v, " ")
		}
		out.WriteByte('\n')
	}
	return out.String(), rows.Err()
}

// Get returns the row with the given key.
func (ta *TableAccess) Get(ctx context.Context, key any) (row Row, err error) {
	defer ta.auditGet(ctx, &row, &err)
	ctx, done, err := ta.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	m, err := ta.mode(ctx)
	if err != nil {
		return nil, err
	}
	key, err = ta.rt.canonicalKey("get", key)
	if err != nil {
		return nil, err
	}
	r, err := ta.get(ctx, m, key)
	if ta.again(ctx, m, err) {
		r, err = ta.get(ctx, ta.rt.mig.Load(), key)
	}
	return r, err
}

func (ta *TableAccess) get(ctx context.Context, m *migration, key any) (Row, error) {
	rt, d := ta.rt, ta.rt.d
	text := fmt.Sprintf("SELECT %s FROM %s WHERE %s = %s", rt.selectList(m), d.q(rt.t.Name), d.q(rt.t.Key), d.ph(1))
	rows, _, err := ta.run(ctx, text, []any{key})
	if err != nil {
		return nil, ta.fail("get", "", err)
	}
	if rows == nil {
		return nil, ta.fail("get", "", ErrNotFound)
	}
	defer rows.Close()
	return ta.scan(ctx, rows, nil, m)
}

// normalizeScanned turns driver values into the Go types rows carry.
func normalizeScanned(v any) any {
	if b, ok := v.([]byte); ok {
		if utf8.Valid(b) {
			return string(b)
		}
		return bytes.Clone(b)
	}
	return v
}

// scan reads one row, opens its protected columns, and applies the
// checks; it returns nil for a false positive.
func (ta *TableAccess) scan(ctx context.Context, rows *sql.Rows, checks []check, m *migration) (Row, error) {
	rt := ta.rt
	nplain := 0
	if m != nil {
		nplain = len(m.cols)
	}
	raw := make([]any, len(rt.fields)+nplain)
	ptrs := make([]any, len(raw))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, ta.fail("read", "", err)
	}
	r := make(Row, len(raw))
	var binding []byte
	// The key and plain columns come first, the protected ones last.
	for i, f := range rt.fields[:len(rt.fields)-len(rt.order)] {
		v := raw[i]
		if p, ok := rt.plain[f]; ok && p.Type == "bytes" {
			if bs, ok := v.([]byte); ok {
				v = bytes.Clone(bs)
			}
		} else {
			v = normalizeScanned(v)
		}
		if t, ok := v.(time.Time); ok {
			v = t.UTC()
		}
		r[f] = v
		if f == rt.t.RowBinding {
			var err error
			if binding, err = bindingBytes(v); err != nil {
				return nil, ta.damaged("read", r[rt.t.Key], f, err)
			}
		}
	}
	// A column a check opened is not opened again for the result.
	opened := make([]any, len(rt.order))
	done := make([]bool, len(rt.order))
	open := func(cr *colRT) (any, error) {
		if done[cr.pos] {
			return opened[cr.pos], nil
		}
		var plain any
		if m.migrating(cr) {
			plain = raw[len(rt.fields)+m.at[cr.pos]]
		}
		if !cr.readable() {
			// The keyring does not hold the column's decryption keys.
			opened[cr.pos], done[cr.pos] = redact(cr, raw[cr.field], plain), true
			return opened[cr.pos], nil
		}
		v, err := ta.openMigrating(ctx, m, cr, raw[cr.field], plain, binding)
		if err != nil {
			return nil, ta.damaged("read", r[rt.t.Key], cr.c.Name, err)
		}
		opened[cr.pos], done[cr.pos] = v, true
		return v, nil
	}
	for _, c := range checks {
		v, err := open(c.cr)
		if err != nil {
			return nil, err
		}
		if _, ok := v.(Redacted); ok && !c.null {
			if c.unconfirmed {
				continue
			}
			return nil, ta.fail("find", c.cr.c.Name, fmt.Errorf("%w: cannot confirm a match without value-decrypt", ErrNotPermitted))
		}
		if c.null {
			if v != nil {
				return nil, nil
			}
			continue
		}
		if v == nil || !c.match(v) {
			return nil, nil
		}
	}
	for _, cr := range rt.order {
		v, err := open(cr)
		if err != nil {
			return nil, err
		}
		r[cr.c.Name] = v
	}
	return r, nil
}
