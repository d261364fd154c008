package migrate

import (
	"context"
	"fmt"
	"strings"

	"github.com/phicrypt/phicrypt/blindindex"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// prepareDDL is what prepare still has to run on the table: rename each
// plaintext column c to c__plain and drop its NOT NULL (the wrapper writes
// NULL there for every value it seals). Steps already done are left out,
// so the list is empty once prepare has run.
//
// SQLite drops NOT NULL with ALTER TABLE … ALTER COLUMN … DROP NOT NULL,
// which the SQLite linked into phicrypt (modernc.org/sqlite, SQLite 3.54)
// has: it changes the schema in place, keeping the table's rows, rowids,
// indexes and triggers, where older SQLite needed the twelve-step rebuild
// of https://sqlite.org/lang_altertable.html#otheralter. MariaDB renames
// and drops NOT NULL in one ALTER TABLE (CHANGE with the column's type,
// character set, collation, default and comment, minus NOT NULL), then
// adds each ciphertext column c as a BLOB itself: the VARBINARY(4096)
// EnsureSchema would add counts 4 KB towards MariaDB's 65,535-byte row
// size limit, and a wide table such as OpenEMR's patient_data (dozens of
// VARCHAR(255) utf8mb4 columns) fails with "Row size too large" after a
// dozen of them, while a BLOB counts a few bytes. EnsureSchema adds only
// missing columns, so it keeps the BLOB.
func (m *Migrator) prepareDDL(t *sqlwrap.Table, tp *TablePlan, cols map[string]*column) []string {
	tbl := m.q(t.Name)
	var out, mysql, mysqlAdd []string
	for _, cp := range tp.Columns {
		if m.dialect == "mysql" && (cp.State == StatePlaintext || cp.State == StateRenamed && cols[strings.ToLower(cp.Name)] == nil) {
			mysqlAdd = append(mysqlAdd, fmt.Sprintf("ADD COLUMN %s BLOB", m.q(cp.Name)))
		}
		switch cp.State {
		case StatePlaintext:
			cur := cols[strings.ToLower(cp.Name)]
			if m.dialect == "mysql" {
				if cur.notNull {
					mysql = append(mysql, fmt.Sprintf("CHANGE COLUMN %s %s %s", m.q(cur.name), m.q(cp.Plain), mysqlNullDef(cur)))
				} else {
					mysql = append(mysql, fmt.Sprintf("RENAME COLUMN %s TO %s", m.q(cur.name), m.q(cp.Plain)))
				}
				continue
			}
			out = append(out, fmt.Sprintf("ALTER TABLE %s RENAME COLUMN %s TO %s", tbl, m.q(cur.name), m.q(cp.Plain)))
			if cur.notNull {
				out = append(out, fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL", tbl, m.q(cp.Plain)))
			}
		case StateRenamed:
			if !cp.NotNull {
				continue
			}
			plain := cols[strings.ToLower(cp.Plain)]
			if m.dialect == "mysql" {
				mysql = append(mysql, fmt.Sprintf("MODIFY COLUMN %s %s", m.q(plain.name), mysqlNullDef(plain)))
				continue
			}
			out = append(out, fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL", tbl, m.q(plain.name)))
		}
	}
	if len(mysql) > 0 {
		out = append(out, fmt.Sprintf("ALTER TABLE %s %s", tbl, strings.Join(mysql, ", ")))
	}
	if len(mysqlAdd) > 0 {
		out = append(out, fmt.Sprintf("ALTER TABLE %s %s", tbl, strings.Join(mysqlAdd, ", ")))
	}
	return out
}

// mysqlNullDef is the definition of a MariaDB column as it is, but
// nullable.
func mysqlNullDef(c *column) string {
	def := c.colType
	if c.charset != "" {
		def += " CHARACTER SET " + c.charset
	}
	if c.collation != "" {
		def += " COLLATE " + c.collation
	}
	def += " NULL"
	if c.dflt.Valid {
		// MariaDB's information_schema gives the default as an SQL
		// expression ('' for an empty string, NULL for none).
		def += " DEFAULT " + c.dflt.String
	}
	if c.comment != "" {
		def += " COMMENT '" + strings.ReplaceAll(strings.ReplaceAll(c.comment, `\`, `\\`), "'", "''") + "'"
	}
	return def
}

// ensureDDL describes what the wrapper's EnsureSchema will add to the
// table once prepare has run (sqlwrap/ddl.go does the same): the
// ciphertext column of every protected column, the token columns of its
// indexes with their btree or GIN indexes, and the side tables of prefix
// and substring indexes (SQLite FTS5; MariaDB substring). It runs none of
// it.
func (m *Migrator) ensureDDL(t *sqlwrap.Table, tp *TablePlan, cols map[string]*column) []string {
	tbl := m.q(t.Name)
	var out []string
	have := func(n string) bool {
		if c := cols[strings.ToLower(n)]; c != nil {
			// After prepare, c itself is gone unless it is already the
			// ciphertext column.
			for _, cp := range tp.Columns {
				if strings.EqualFold(cp.Name, n) {
					return cp.State != StatePlaintext
				}
			}
			return true
		}
		return false
	}
	add := func(name, typ, index string) {
		if !have(name) {
			out = append(out, fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s", tbl, m.q(name), typ))
		}
		switch index {
		case "btree":
			out = append(out, fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s)", m.q(indexName(t.Name, name)), tbl, m.q(name)))
		case "gin":
			out = append(out, fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s USING GIN (%s) WITH (fastupdate = off)", m.q(indexName(t.Name, name)), tbl, m.q(name)))
		}
	}
	blob := map[string]string{"sqlite": "BLOB", "postgres": "BYTEA", "mysql": "VARBINARY(4096)"}[m.dialect]
	keyRef := "BIGINT"
	if t.KeyType == "text" {
		keyRef = map[string]string{"sqlite": "TEXT", "postgres": "TEXT", "mysql": "VARCHAR(191)"}[m.dialect]
	}
	var side []string
	for _, c := range t.Columns {
		if m.dialect != "mysql" { // MariaDB: prepareDDL adds it
			add(c.Name, blob, "")
		}
		for _, e := range c.Equality {
			add(e.Name, "BIGINT", "btree")
		}
		for _, b := range c.Bloom {
			switch {
			case m.dialect == "postgres":
				add(b.Name, "INTEGER[]", "gin")
			case m.dialect == "sqlite":
				side = append(side, fmt.Sprintf("CREATE VIRTUAL TABLE IF NOT EXISTS %s USING fts5(toks, content='', contentless_delete=1, detail=none, tokenize='ascii')", m.q(t.Name+"__"+b.Name)))
			case b.Kind == blindindex.Prefix:
				for g := b.MinGram; g <= b.MaxGram; g++ {
					add(fmt.Sprintf("%s_%d", b.Name, g), "BIGINT", "btree")
				}
			default:
				st := t.Name + "__" + b.Name
				side = append(side, fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (tok BIGINT NOT NULL, k %s NOT NULL, PRIMARY KEY (tok, k))", m.q(st), keyRef),
					fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (k)", m.q(indexName(st, "k")), m.q(st)))
			}
		}
	}
	for _, ci := range t.Compound {
		add(ci.Name, "BIGINT", "btree")
	}
	return append(out, side...)
}

// indexName is sqlwrap's name for the index of a token column.
func indexName(table, col string) string {
	n := "phx_" + table + "_" + col
	if len(n) > 63 {
		h := uint32(2166136261)
		for i := 0; i < len(n); i++ {
			h ^= uint32(n[i])
			h *= 16777619
		}
		n = n[:54] + fmt.Sprintf("_%08x", h)
	}
	return n
}

// runPrepareDDL runs the renames and NOT NULL removals of tp: in one
// transaction on SQLite and PostgreSQL (whose DDL is transactional), in one
// ALTER TABLE on MariaDB. It recomputes what is left first, so that a rerun
// after a crash does only the rest.
func (m *Migrator) runPrepareDDL(ctx context.Context, t *sqlwrap.Table) error {
	tp, err := m.planTable(ctx, t)
	if err != nil {
		return err
	}
	cols, err := m.columns(ctx, t.Name)
	if err != nil {
		return m.fail(t.Name, err)
	}
	ddl := m.prepareDDL(t, tp, cols)
	if len(ddl) == 0 {
		return nil
	}
	var notNull []string
	if m.dialect == "sqlite" {
		// NOT NULL goes after the renames, by sqliteDropNotNull.
		var renames []string
		for _, s := range ddl {
			if strings.HasSuffix(s, " DROP NOT NULL") {
				continue
			}
			renames = append(renames, s)
		}
		ddl = renames
		for _, cp := range tp.Columns {
			if cp.NotNull && cp.State != StateEncrypted {
				notNull = append(notNull, cp.Plain)
			}
		}
	}
	if m.dialect == "mysql" {
		for _, s := range ddl {
			if _, err := m.db.ExecContext(ctx, s); err != nil {
				return m.fail(t.Name, fmt.Errorf("%s: %w", s, err))
			}
		}
		return nil
	}
	tx, err := m.db.BeginTx(ctx, nil)
	if err != nil {
		return m.fail(t.Name, err)
	}
	defer tx.Rollback()
	for _, s := range ddl {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return m.fail(t.Name, fmt.Errorf("%s: %w", s, err))
		}
	}
	if err := tx.Commit(); err != nil {
		return m.fail(t.Name, err)
	}
	if err := m.sqliteDropNotNull(ctx, t.Name, notNull); err != nil {
		return m.fail(t.Name, fmt.Errorf("drop NOT NULL: %w", err))
	}
	return nil
}
