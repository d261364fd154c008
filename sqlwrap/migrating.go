package sqlwrap

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/phicrypt/phicrypt/cipher"
)

// plainSuffix ends the name of the column that holds a protected column's
// plaintext while its table is migrated (docs/SCHEMA.md, "Migrating
// mode"): `phicrypt migrate` renames the plaintext column c to c__plain
// and EnsureSchema adds c as the ciphertext column.
const plainSuffix = "__plain"

// plainName is the plaintext column of protected column col.
func plainName(col string) string { return col + plainSuffix }

// migration is a table's migrating mode: the protected columns that still
// have their plaintext column. A table without any has none (nil).
type migration struct {
	// cols are the migrating columns in schema order; reads select their
	// plaintext columns after the table's fields, in this order.
	cols []*colRT
	// at is, by colRT.pos, the column's place in cols, or -1.
	at []int
}

// migrating reports whether cr has a plaintext column.
func (m *migration) migrating(cr *colRT) bool { return m != nil && m.at[cr.pos] >= 0 }

// detectMigration returns the migrating mode of a table with the columns
// have (lower-case names), nil when no protected column has a plaintext
// column.
func (rt *tableRT) detectMigration(have map[string]bool) *migration {
	var m *migration
	for _, cr := range rt.order {
		if !have[strings.ToLower(plainName(cr.c.Name))] {
			continue
		}
		if m == nil {
			m = &migration{at: make([]int, len(rt.order))}
			for i := range m.at {
				m.at[i] = -1
			}
		}
		m.at[cr.pos] = len(m.cols)
		m.cols = append(m.cols, cr)
	}
	return m
}

// plainRef names cr's plaintext column in an expression, qualified with
// the table: SQLite reads an unqualified double-quoted name that matches
// no column as a string literal, so a dropped column would read as its
// own name instead of failing.
func (rt *tableRT) plainRef(cr *colRT) string {
	return rt.d.q(rt.t.Name) + "." + rt.d.q(plainName(cr.c.Name))
}

// selectList is the SELECT list of a read: the table's fields, then the
// plaintext columns of m.
func (rt *tableRT) selectList(m *migration) string {
	s := rt.quotedFields()
	if m == nil {
		return s
	}
	var b strings.Builder
	b.WriteString(s)
	for _, cr := range m.cols {
		b.WriteString(", " + rt.plainRef(cr))
	}
	return b.String()
}

// plainDropped re-reads the columns of a table that was in migrating mode
// m after a statement naming its plaintext columns failed. It records the
// table's mode as it is now and reports whether a plaintext column of m is
// gone (dropped by `phicrypt migrate --drop-plaintext`), in which case the
// statement should be built again without it.
func (db *DB) plainDropped(ctx context.Context, rt *tableRT, m *migration) bool {
	if m == nil || ctx.Err() != nil {
		return false
	}
	have, err := db.existingColumns(ctx, rt.t.Name)
	if err != nil || len(have) == 0 {
		return false
	}
	next := rt.detectMigration(have)
	for _, cr := range m.cols {
		if !next.migrating(cr) {
			rt.mig.Store(next)
			return true
		}
	}
	return false
}

// mode returns the table's migrating mode once the table is verified.
func (ta *TableAccess) mode(ctx context.Context) (*migration, error) {
	if err := ta.ready(ctx); err != nil {
		return nil, err
	}
	return ta.rt.mig.Load(), nil
}

// again reports whether an operation that failed with err, built for the
// migrating mode m, should run once more: a plaintext column it named has
// been dropped meanwhile. A PostgreSQL transaction is aborted by the
// failed statement, so an operation inside one is not run again (the
// next one sees the new mode).
func (ta *TableAccess) again(ctx context.Context, m *migration, err error) bool {
	if err == nil || m == nil || errors.Is(err, ErrNotFound) {
		return false
	}
	if _, ok := isRowDamage(err); ok {
		return false
	}
	if !ta.db.plainDropped(ctx, ta.rt, m) {
		return false
	}
	return ta.tx == nil || ta.rt.d.name != "postgres"
}

// clearPlain adds to w the plaintext columns of the protected columns it
// writes, set to NULL: a write leaves no stale plaintext behind it. With
// partial (an Update), only the columns present in row are written.
func (rt *tableRT) clearPlain(w *written, m *migration, row Row, partial bool) {
	if m == nil {
		return
	}
	for _, cr := range m.cols {
		if _, ok := row[cr.c.Name]; ok || !partial {
			w.cols = append(w.cols, plainName(cr.c.Name))
			w.args = append(w.args, nil)
		}
	}
}

// openMigrating is the value of a protected column in migrating mode:
// its ciphertext opened when it has one, else its plaintext converted to
// the declared type (fromPlain), else NULL.
func (ta *TableAccess) openMigrating(ctx context.Context, m *migration, cr *colRT, ct, plain any, binding []byte) (any, error) {
	if ct == nil && plain != nil && m.migrating(cr) {
		v, err := fromPlain(cr.c, plain)
		if err != nil {
			return nil, err
		}
		if v != nil {
			return v, nil
		}
	}
	return ta.openStored(ctx, cr, ct, binding)
}

// errPlain is why a plaintext value does not fit its column's declared
// type; the text names the type and the rule, never the value.
func errPlain(format string, args ...any) error {
	return fmt.Errorf("%w: plaintext %s", ErrWrongType, fmt.Sprintf(format, args...))
}

// fromPlain converts a value read from a plaintext column to the canonical
// Go value of the protected column c: strings as stored (valid UTF-8, at
// most MaxLength bytes), dates from 'YYYY-MM-DD' or the driver's date,
// numbers and booleans parsed from text or taken from the driver's
// numeric value. An empty string in a column of another type than string
// or bytes is NULL (nil, nil). Errors wrap ErrWrongType or
// cipher.ErrValueTooLong and never name the value.
func fromPlain(c *Column, raw any) (any, error) {
	raw = normalizeScanned(raw)
	if raw == nil {
		return nil, nil
	}
	if s, ok := raw.(string); ok && s == "" && c.Type != TypeString && c.Type != TypeBytes {
		return nil, nil
	}
	text, isText := raw.(string)
	switch c.Type {
	case TypeString:
		var s string
		switch x := raw.(type) {
		case string:
			s = x
		case []byte:
			return nil, errPlain("is not valid UTF-8")
		case int64:
			s = strconv.FormatInt(x, 10)
		case float64:
			s = strconv.FormatFloat(x, 'g', -1, 64)
		case time.Time:
			if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
				s = x.Format(time.DateOnly)
			} else {
				s = x.Format(time.RFC3339Nano)
			}
		default:
			return nil, errPlain("of type %T is not a string", raw)
		}
		if !utf8.ValidString(s) {
			return nil, errPlain("is not valid UTF-8")
		}
		if c.MaxLength > 0 && len(s) > c.MaxLength {
			return nil, fmt.Errorf("%w: %d bytes, maximum %d", cipher.ErrValueTooLong, len(s), c.MaxLength)
		}
		return s, nil
	case TypeBytes:
		var b []byte
		switch x := raw.(type) {
		case string:
			b = []byte(x)
		case []byte:
			b = x
		default:
			return nil, errPlain("of type %T is not bytes", raw)
		}
		if c.MaxLength > 0 && len(b) > c.MaxLength {
			return nil, fmt.Errorf("%w: %d bytes, maximum %d", cipher.ErrValueTooLong, len(b), c.MaxLength)
		}
		return b, nil
	case TypeInt64:
		switch x := raw.(type) {
		case int64:
			return x, nil
		case float64:
			if x == math.Trunc(x) && math.Abs(x) <= maxExactFloat {
				return int64(x), nil
			}
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		}
		if isText {
			if n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64); err == nil {
				return n, nil
			}
		}
		return nil, errPlain("is not an integer")
	case TypeFloat64:
		switch x := raw.(type) {
		case float64:
			return x, nil
		case int64:
			if x <= maxExactFloat && x >= -maxExactFloat {
				return float64(x), nil
			}
		}
		if isText {
			if f, err := strconv.ParseFloat(strings.TrimSpace(text), 64); err == nil {
				return f, nil
			}
		}
		return nil, errPlain("is not a number")
	case TypeBool:
		switch x := raw.(type) {
		case bool:
			return x, nil
		case int64:
			if x == 0 || x == 1 {
				return x == 1, nil
			}
		}
		if isText {
			if b, err := strconv.ParseBool(strings.TrimSpace(text)); err == nil {
				return b, nil
			}
		}
		return nil, errPlain("is not a boolean")
	case TypeDate:
		if t, ok := raw.(time.Time); ok {
			if t.IsZero() {
				return nil, errPlain("is the zero date")
			}
			return cipher.DateOf(t), nil
		}
		if isText {
			if t, err := time.Parse(time.DateOnly, strings.TrimSpace(text)); err == nil {
				return cipher.DateOf(t), nil
			}
		}
		return nil, errPlain("is not a date of the form YYYY-MM-DD")
	case TypeTimestamp:
		if t, ok := raw.(time.Time); ok {
			if t.IsZero() {
				return nil, errPlain("is the zero time")
			}
			return t.UTC(), nil
		}
		if isText {
			for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
				if t, err := time.Parse(layout, strings.TrimSpace(text)); err == nil {
					return t.UTC(), nil
				}
			}
		}
		return nil, errPlain("is not a timestamp")
	}
	return nil, errPlain("has an unknown column type")
}

// columnTypes returns the columns of a table with their data types, both
// in lower case; an empty map when the table does not exist.
func (db *DB) columnTypes(ctx context.Context, table string) (map[string]string, error) {
	var rows *sql.Rows
	var err error
	q := db.reader(ctx)
	switch db.d.name {
	case "sqlite":
		rows, err = q.QueryContext(ctx, "SELECT name, type FROM pragma_table_info(?)", table)
	case "postgres":
		rows, err = q.QueryContext(ctx, "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1", table)
	default:
		rows, err = q.QueryContext(ctx, "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ?", table)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var n, typ string
		if err := rows.Scan(&n, &typ); err != nil {
			return nil, err
		}
		out[strings.ToLower(n)] = strings.ToLower(typ)
	}
	return out, rows.Err()
}

// binaryType reports whether a declared data type holds bytes, as
// ciphertext columns do.
func binaryType(typ string) bool {
	if t, _, ok := strings.Cut(typ, "("); ok {
		typ = strings.TrimSpace(t)
	}
	switch typ {
	case "bytea", "binary", "varbinary", "blob", "tinyblob", "mediumblob", "longblob":
		return true
	}
	return false
}

// errHoldsPlaintext is the refusal of a table whose protected column still
// holds the plaintext the migration would seal.
func errHoldsPlaintext(op, table, col string) error {
	return &Error{Op: op, Table: table, Column: col, Err: fmt.Errorf("%w: column %s holds plaintext: run phicrypt migrate", ErrSchema, col)}
}

// checkPlaintext refuses a table whose protected column holds plaintext
// without a c__plain column beside it: a table that was never migrated,
// whose values would otherwise fail at read time as ciphertexts of an
// unknown format. types are the table's columns (columnTypes).
func (db *DB) checkPlaintext(ctx context.Context, op string, rt *tableRT, types map[string]string) error {
	d := db.d
	for _, cr := range rt.order {
		name := strings.ToLower(cr.c.Name)
		typ, ok := types[name]
		if !ok {
			continue
		}
		if _, ok := types[strings.ToLower(plainName(cr.c.Name))]; ok {
			continue
		}
		var q string
		switch {
		case binaryType(typ) || d.name == "sqlite" && typ == "":
			// A ciphertext column as EnsureSchema creates it: checking its
			// values would scan the table on every first use.
			continue
		case d.name == "sqlite":
			// SQLite keeps each value's own type: ciphertext is a blob
			// whatever the column was declared as.
			q = fmt.Sprintf("SELECT 1 FROM %s WHERE typeof(%s) IN ('text', 'integer', 'real') LIMIT 1", d.q(rt.t.Name), d.q(cr.c.Name))
		default:
			q = fmt.Sprintf("SELECT 1 FROM %s WHERE %s IS NOT NULL LIMIT 1", d.q(rt.t.Name), d.q(cr.c.Name))
		}
		var one int
		err := db.reader(ctx).QueryRowContext(ctx, q).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return &Error{Op: op, Table: rt.t.Name, Column: cr.c.Name, Err: err}
		}
		return errHoldsPlaintext(op, rt.t.Name, cr.c.Name)
	}
	return nil
}
