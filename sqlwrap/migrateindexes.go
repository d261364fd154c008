package sqlwrap

import (
	"context"
	"fmt"
)

// DeferTokenIndexes drops the database indexes the wrapper keeps on the
// token columns of table (the btree indexes of equality, compound and
// MySQL prefix-gram token columns, the PostgreSQL GIN indexes of Bloom
// arrays), for a bulk migration: MigrateRows then writes each row without
// updating them, which is most of the database's work on a table with
// several indexes. CreateTokenIndexes (or EnsureSchema) builds them again,
// each in one pass, once the table's migration is complete.
//
// Every token is still written, and searches stay exact while the indexes
// are missing: they run the same statements, which the database answers
// by scanning the table instead of an index. In migrating mode that costs
// searches on a migrating column little: their condition already ORs the
// token lookup with the rows not yet sealed (c IS NULL AND c__plain IS
// NOT NULL), which no index finds, so they read the whole table anyway.
// SQLite FTS5 tables and MySQL side tables are kept (they are the tokens,
// not an index of them).
//
// It is idempotent (a migration resumed after a crash calls it again),
// and EnsureSchema, run by any process over the table, builds the indexes
// again: correct, only slower for the migration's remaining rows.
//
// Only a table in migrating mode (a protected column with its plaintext
// column beside it) is accepted; any other is refused with ErrUnsupported,
// so an application's indexes are never dropped by mistake.
func (db *DB) DeferTokenIndexes(ctx context.Context, table string) error {
	rt, err := db.migratingTable(ctx, "defer token indexes", table)
	if err != nil {
		return err
	}
	d := rt.d
	for _, c := range rt.storage() {
		if c.index == "" {
			continue
		}
		name := indexName(rt.t.Name, c.name)
		stmt := "DROP INDEX IF EXISTS " + d.q(name)
		if d.name == "mysql" {
			stmt += " ON " + d.q(rt.t.Name)
		}
		if _, err := db.db.ExecContext(ctx, stmt); err != nil {
			return &Error{Op: "defer token indexes", Table: table, Column: c.name, Err: err}
		}
	}
	return nil
}

// CreateTokenIndexes creates the token indexes of table that do not exist,
// as EnsureSchema does: after DeferTokenIndexes, once MigrateRows has
// sealed every row. Each index is built in one pass over the table. On
// PostgreSQL writes to the table wait while an index is built; reads do
// not.
func (db *DB) CreateTokenIndexes(ctx context.Context, table string) error {
	if db == nil || db.db == nil {
		return ErrUnbound
	}
	rt, ok := db.tables[table]
	if !ok {
		return &Error{Op: "create token indexes", Table: table, Err: ErrUnknownTable}
	}
	if err := db.createTokenIndexes(ctx, rt); err != nil {
		return &Error{Op: "create token indexes", Table: table, Err: err}
	}
	return nil
}

// migratingTable returns the runtime of table after checking from the
// database's columns that it is in migrating mode.
func (db *DB) migratingTable(ctx context.Context, op, table string) (*tableRT, error) {
	if db == nil || db.db == nil {
		return nil, ErrUnbound
	}
	rt, ok := db.tables[table]
	if !ok {
		return nil, &Error{Op: op, Table: table, Err: ErrUnknownTable}
	}
	have, err := db.existingColumns(ctx, table)
	if err != nil {
		return nil, &Error{Op: op, Table: table, Err: err}
	}
	if rt.detectMigration(have) == nil {
		return nil, &Error{Op: op, Table: table, Err: fmt.Errorf("%w: no protected column of the table has a %s column: the table is not being migrated", ErrUnsupported, plainSuffix)}
	}
	return rt, nil
}
