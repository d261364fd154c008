package migrate

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// column is what the database says about one column of a table.
type column struct {
	name    string // as the database spells it
	typ     string // declared type (SQLite), data type (PostgreSQL, MariaDB)
	notNull bool
	// MariaDB only: what MODIFY needs to keep the column as it is.
	colType, charset, collation, comment string
	dflt                                 sql.NullString
}

// binary reports whether the column holds bytes (ciphertext, or a bytes
// column of the application).
func (c *column) binary() bool {
	t := strings.ToLower(c.typ + " " + c.colType)
	return strings.Contains(t, "blob") || strings.Contains(t, "bytea") || strings.Contains(t, "binary")
}

// columns lists the columns of table by lower-cased name; nil when the
// table does not exist.
func (m *Migrator) columns(ctx context.Context, table string) (map[string]*column, error) {
	var rows *sql.Rows
	var err error
	switch m.dialect {
	case "sqlite":
		rows, err = m.db.QueryContext(ctx, `SELECT name, type, "notnull", dflt_value FROM pragma_table_info(?)`, table)
	case "postgres":
		rows, err = m.db.QueryContext(ctx, `SELECT column_name, data_type, is_nullable = 'NO', column_default FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1`, table)
	default:
		rows, err = m.db.QueryContext(ctx, `SELECT COLUMN_NAME, DATA_TYPE, IS_NULLABLE = 'NO', COLUMN_DEFAULT, COLUMN_TYPE,
			COALESCE(CHARACTER_SET_NAME, ''), COALESCE(COLLATION_NAME, ''), COLUMN_COMMENT
			FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`, table)
	}
	if err != nil {
		return nil, fmt.Errorf("read the columns of %s: %w", table, err)
	}
	defer rows.Close()
	out := map[string]*column{}
	for rows.Next() {
		c := &column{}
		dest := []any{&c.name, &c.typ, &c.notNull, &c.dflt}
		if m.dialect == "mysql" {
			dest = append(dest, &c.colType, &c.charset, &c.collation, &c.comment)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("read the columns of %s: %w", table, err)
		}
		out[strings.ToLower(c.name)] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the columns of %s: %w", table, err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// keyIsUnique reports whether key is the table's single-column primary key
// or a unique NOT NULL column (a single-column unique index or constraint
// without a predicate).
func (m *Migrator) keyIsUnique(ctx context.Context, table, key string, cols map[string]*column) (bool, error) {
	kc := cols[strings.ToLower(key)]
	if kc == nil {
		return false, nil
	}
	switch m.dialect {
	case "sqlite":
		// The primary key: pk is its position in a (possibly compound) key.
		var pkCols, keyPos int
		rows, err := m.db.QueryContext(ctx, `SELECT name, pk FROM pragma_table_info(?) WHERE pk > 0`, table)
		if err != nil {
			return false, err
		}
		for rows.Next() {
			var n string
			var pos int
			if err := rows.Scan(&n, &pos); err != nil {
				rows.Close()
				return false, err
			}
			pkCols++
			if strings.EqualFold(n, key) {
				keyPos = pos
			}
		}
		rows.Close()
		if pkCols == 1 && keyPos == 1 {
			return true, nil
		}
		if !kc.notNull {
			return false, nil
		}
		var n int
		err = m.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_index_list(?) AS il
			WHERE il."unique" = 1 AND il.partial = 0
			AND (SELECT COUNT(*) FROM pragma_index_info(il.name)) = 1
			AND (SELECT name FROM pragma_index_info(il.name)) = ? COLLATE NOCASE`, table, kc.name).Scan(&n)
		return n > 0, err
	case "postgres":
		var n int
		err := m.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_index i
			JOIN pg_class t ON t.oid = i.indrelid
			JOIN pg_namespace ns ON ns.oid = t.relnamespace AND ns.nspname = current_schema()
			JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]
			WHERE t.relname = $1 AND i.indnkeyatts = 1 AND i.indpred IS NULL AND i.indexprs IS NULL
			AND a.attname = $2 AND (i.indisprimary OR (i.indisunique AND a.attnotnull))`, table, kc.name).Scan(&n)
		return n > 0, err
	default:
		var n int
		err := m.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.STATISTICS s
			WHERE s.TABLE_SCHEMA = DATABASE() AND s.TABLE_NAME = ? AND s.NON_UNIQUE = 0 AND s.COLUMN_NAME = ?
			AND s.SUB_PART IS NULL AND (s.INDEX_NAME = 'PRIMARY' OR ?)
			AND (SELECT COUNT(*) FROM information_schema.STATISTICS o WHERE o.TABLE_SCHEMA = s.TABLE_SCHEMA
				AND o.TABLE_NAME = s.TABLE_NAME AND o.INDEX_NAME = s.INDEX_NAME) = 1`, table, kc.name, kc.notNull).Scan(&n)
		return n > 0, err
	}
}

// q quotes an identifier (schema names are letters, digits and
// underscores, so quoting only guards against reserved words).
func (m *Migrator) q(id string) string {
	if m.dialect == "mysql" {
		return "`" + id + "`"
	}
	return `"` + id + `"`
}

// rebind turns ? placeholders into $n on PostgreSQL.
func (m *Migrator) rebind(q string) string {
	if m.dialect != "postgres" {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
