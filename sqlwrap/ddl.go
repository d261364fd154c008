package sqlwrap

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// EnsureSchema creates every table of the schema, adds the columns and
// indexes it lacks, creates the keyset table, and creates the keysets of
// columns and indexes that hold no data yet. A missing keyset whose column
// already holds ciphertext or tokens is an error (cipher.ErrKeysetMissing):
// keysets are never created for data sealed under other keys. It is
// idempotent and never drops or changes an existing column.
func (db *DB) EnsureSchema(ctx context.Context) error {
	if db == nil || db.db == nil || db.keysets == nil {
		return ErrUnbound
	}
	if err := db.keysets.EnsureTable(ctx); err != nil {
		return err
	}
	if err := db.ensureIndexTable(ctx); err != nil {
		return err
	}
	for _, rt := range db.tables {
		types, err := db.columnTypes(ctx, rt.t.Name)
		if err != nil {
			return &Error{Op: "ensure schema", Table: rt.t.Name, Err: err}
		}
		if err := db.checkPlaintext(ctx, "ensure schema", rt, types); err != nil {
			return err
		}
		if err := db.recordIndexes(ctx, rt); err != nil {
			return &Error{Op: "ensure schema", Table: rt.t.Name, Err: err}
		}
		if err := db.ensureTable(ctx, rt); err != nil {
			return &Error{Op: "ensure schema", Table: rt.t.Name, Err: err}
		}
	}
	if err := db.ensureKeysets(ctx); err != nil {
		return err
	}
	for _, rt := range db.tables {
		if err := db.warmTable(ctx, rt); err != nil {
			return err
		}
	}
	return db.VerifySchema(ctx)
}

func (db *DB) ensureTable(ctx context.Context, rt *tableRT) error {
	d, t := rt.d, rt.t
	cols := rt.storage()
	defs := []string{d.q(t.Key) + " " + d.keyDef(t.KeyType)}
	for _, c := range cols {
		def := d.q(c.name) + " " + c.typ
		if c.notNull {
			def += " NOT NULL"
		}
		defs = append(defs, def)
	}
	if _, err := db.db.ExecContext(ctx, fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (%s)", d.q(t.Name), strings.Join(defs, ", "))); err != nil {
		return err
	}
	have, err := db.existingColumns(ctx, t.Name)
	if err != nil {
		return err
	}
	for _, c := range cols {
		if have[strings.ToLower(c.name)] {
			continue
		}
		if _, err := db.db.ExecContext(ctx, fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s", d.q(t.Name), d.q(c.name), c.typ)); err != nil {
			return fmt.Errorf("add column %s: %w", c.name, err)
		}
	}
	if err := db.createTokenIndexes(ctx, rt); err != nil {
		return err
	}
	for _, br := range rt.side {
		if d.fts {
			// Contentless: the table keeps only the inverted index of the
			// tokens, keyed by the data table's rowid.
			stmt := fmt.Sprintf("CREATE VIRTUAL TABLE IF NOT EXISTS %s USING fts5(toks, content='', contentless_delete=1, detail=none, tokenize='ascii')", d.q(br.table))
			if _, err := db.db.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("create FTS5 table %s: %w", br.table, err)
			}
			continue
		}
		kt := d.keyRefType(t.KeyType)
		stmt := fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (tok BIGINT NOT NULL, k %s NOT NULL, PRIMARY KEY (tok, k))", d.q(br.table), kt)
		if _, err := db.db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("create side table %s: %w", br.table, err)
		}
		stmt = fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (k)", d.q(indexName(br.table, "k")), d.q(br.table))
		if _, err := db.db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("create index on %s: %w", br.table, err)
		}
	}
	return nil
}

// createTokenIndexes creates the indexes of rt's token columns that do
// not exist.
func (db *DB) createTokenIndexes(ctx context.Context, rt *tableRT) error {
	d, t := rt.d, rt.t
	for _, c := range rt.storage() {
		if c.index == "" {
			continue
		}
		name := indexName(t.Name, c.name)
		var stmt string
		switch {
		case c.index == "gin":
			// fastupdate off: rows go straight into the index instead of a
			// pending list, which the planner costs as a full scan until the
			// next vacuum, so searches right after a bulk load stayed slow.
			stmt = fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s USING GIN (%s) WITH (fastupdate = off)", d.q(name), d.q(t.Name), d.q(c.name))
		default:
			stmt = fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s)", d.q(name), d.q(t.Name), d.q(c.name))
		}
		if _, err := db.db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("create index %s: %w", name, err)
		}
	}
	return nil
}

// indexName keeps index names unique per database (PostgreSQL and SQLite
// share one namespace across tables) and within 64 bytes.
func indexName(table, col string) string {
	n := "phx_" + table + "_" + col
	if len(n) > 63 {
		n = n[:54] + fmt.Sprintf("_%08x", fnv32(n))
	}
	return n
}

func fnv32(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

func (db *DB) existingColumns(ctx context.Context, table string) (map[string]bool, error) {
	var rows *sql.Rows
	var err error
	q := db.reader(ctx)
	switch db.d.name {
	case "sqlite":
		rows, err = q.QueryContext(ctx, "SELECT name FROM pragma_table_info(?)", table)
	case "postgres":
		rows, err = q.QueryContext(ctx, "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1", table)
	default:
		rows, err = q.QueryContext(ctx, "SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ?", table)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		have[strings.ToLower(n)] = true
	}
	return have, rows.Err()
}

// VerifySchema checks that every column the schema needs exists in the
// database. The wrapper refuses to use a table that fails it: writing a
// row without its token columns would make it unsearchable, and reading
// one without its ciphertext column would return nothing for PHI.
func (db *DB) VerifySchema(ctx context.Context) error {
	if db == nil || db.db == nil {
		return ErrUnbound
	}
	for _, rt := range db.tables {
		if err := db.verifyTable(ctx, rt); err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) verifyTable(ctx context.Context, rt *tableRT) error {
	types, err := db.columnTypes(ctx, rt.t.Name)
	if err != nil {
		return &Error{Op: "verify schema", Table: rt.t.Name, Err: err}
	}
	have := make(map[string]bool, len(types))
	for n := range types {
		have[n] = true
	}
	if err := db.checkPlaintext(ctx, "verify schema", rt, types); err != nil {
		return err
	}
	need := append([]string{rt.t.Key}, func() []string {
		var n []string
		for _, c := range rt.storage() {
			n = append(n, c.name)
		}
		return n
	}()...)
	for _, n := range need {
		if !have[strings.ToLower(n)] {
			return &Error{Op: "verify schema", Table: rt.t.Name, Column: n, Err: ErrMissingColumn}
		}
	}
	for _, br := range rt.side {
		have, err := db.existingColumns(ctx, br.table)
		if err != nil || !(have["tok"] && have["k"] || db.d.fts && have["toks"]) {
			return &Error{Op: "verify schema", Table: br.table, Column: "tok", Err: ErrMissingColumn}
		}
	}
	if err := db.loadIndexStates(ctx, rt); err != nil {
		return err
	}
	rt.mig.Store(rt.detectMigration(have))
	rt.verified.Store(true)
	return nil
}
