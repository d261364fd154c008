package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/phicrypt/phicrypt"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/dsn"
	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/keyprovider/local"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// The tables of a run. Every name starts with benchPrefix: a run drops
// every table so named (and the keysets of their scopes) before it
// starts, so --db must name a database the benchmark may fill.
const (
	benchPrefix = "bench_"
	plainTable  = "bench_plain"
	// trgmTable is plainTable's copy with a pg_trgm GIN index
	// (PostgreSQL), for the plain_trgm alternative of contains.
	trgmTable = "bench_plain_trgm"
	phiTable  = "bench_phi"
	// csTable is the CipherStash-style configuration (PostgreSQL): a
	// trigram Bloom filter of 2048 bits and 6 hash functions per trigram
	// on last_name, and no other index.
	csTable = "bench_cs"
)

// columns are the columns of every table of a run, in insert order.
var columns = []string{"id", "mrn", "ssn", "first_name", "last_name", "dob", "email", "phone", "sex"}

// env is one run's database, wrapper and key service.
type env struct {
	dialect string
	db      *sql.DB
	// plainDB holds the plaintext tables: db, except on SQLite, where
	// they are in a file of their own beside it (PATH-plain.db), so that
	// each side's storage is its file's pages.
	plainDB *sql.DB
	wrapped *sqlwrap.DB
	phi, cs *sqlwrap.TableAccess
	kek     *countingKEK
	keyDir  string
}

// phiSchema is the phicrypt configuration measured: SSN and MRN by
// equality, last name and date of birth as a compound index, last name
// by prefix (grams of 1 to 4 letters) and substring (trigrams), the
// other identifiers sealed. The token sizes are the planner's for rows
// rows. Transforms fold case only, so that the answers equal the
// plaintext queries' (case-insensitive LIKE) exactly.
func phiSchema(rows int, cs bool) string {
	s := fmt.Sprintf(`version: 1
tables:
  - name: %s
    key: id
    row_binding: id
    rows: %d
    plain:
      - {name: sex, type: text}
    columns:
      - {name: mrn, type: string, max_length: 16, equality: true}
      - {name: ssn, type: string, max_length: 11, equality: {transforms: digits}}
      - {name: first_name, type: string, max_length: 64}
      - name: last_name
        type: string
        max_length: 64
        distinct: 4000
        prefix: {transforms: "nfkc,casefold"}
        substring: {transforms: "nfkc,casefold", reveals: equality}
      - {name: dob, type: date}
      - {name: email, type: string, nullable: true, max_length: 254}
      - {name: phone, type: string, max_length: 32}
    compound:
      - name: lname_dob
        parts: [{column: last_name, transforms: "nfkc,casefold"}, {column: dob}]
`, phiTable, rows)
	if cs {
		s += fmt.Sprintf(`  - name: %s
    key: id
    row_binding: id
    rows: %d
    plain:
      - {name: sex, type: text}
    columns:
      - {name: mrn, type: string, max_length: 16}
      - {name: ssn, type: string, max_length: 11}
      - {name: first_name, type: string, max_length: 64}
      - name: last_name
        type: string
        max_length: 64
        substring: {transforms: "nfkc,casefold", min: 3, max: 3, m: 2048, k: 6, max_grams: 32, reveals: equality, force: true}
      - {name: dob, type: date}
      - {name: email, type: string, nullable: true, max_length: 254}
      - {name: phone, type: string, max_length: 32}
`, csTable, rows)
	}
	return s
}

// openEnv opens dsn, drops what an earlier run left, creates the
// plaintext tables and opens the wrapper over new tables with a new key.
func openEnv(ctx context.Context, dsnArg string, rows int) (*env, error) {
	db, dialect, err := phicrypt.OpenSQL(ctx, dsnArg)
	if err != nil {
		return nil, err
	}
	e := &env{dialect: dialect, db: db, plainDB: db}
	if dialect == "sqlite" {
		path, ok := dsn.SQLitePath(dsnArg)
		if !ok {
			db.Close()
			return nil, fmt.Errorf("--db %s: give SQLite as sqlite:PATH (the plaintext tables go to PATH-plain.db beside it)", dsnArg)
		}
		if e.plainDB, _, err = phicrypt.OpenSQL(ctx, "sqlite:"+strings.TrimSuffix(path, ".db")+"-plain.db"); err != nil {
			db.Close()
			return nil, err
		}
	}
	if err := e.setup(ctx, rows); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

func (e *env) setup(ctx context.Context, rows int) error {
	if err := e.dropAll(ctx); err != nil {
		return fmt.Errorf("dropping the tables of an earlier run: %w", err)
	}
	if err := e.createPlain(ctx); err != nil {
		return fmt.Errorf("creating the plaintext tables: %w", err)
	}
	dir, err := os.MkdirTemp("", "phicrypt-bench-key-")
	if err != nil {
		return err
	}
	e.keyDir = dir
	path := filepath.Join(dir, "kek.json")
	if err := local.Create(path); err != nil {
		return err
	}
	inner, err := keyprovider.Open(ctx, local.URI(path))
	if err != nil {
		return err
	}
	e.kek = &countingKEK{KEK: inner}
	store, err := sqlwrap.NewKeysetStore(e.db, e.dialect)
	if err != nil {
		return err
	}
	if err := store.EnsureTable(ctx); err != nil {
		return err
	}
	ring, err := cipher.NewKeyring(cipher.Config{KEK: e.kek, Store: store})
	if err != nil {
		return err
	}
	schema, err := sqlwrap.ParseSchema("bench schema", []byte(phiSchema(rows, e.dialect == "postgres")))
	if err != nil {
		return err
	}
	if e.wrapped, err = sqlwrap.Open(e.db, e.dialect, schema, ring); err != nil {
		return err
	}
	if err := e.wrapped.EnsureSchema(ctx); err != nil {
		return err
	}
	if e.phi, err = e.wrapped.Table(phiTable); err != nil {
		return err
	}
	if e.dialect == "postgres" {
		if e.cs, err = e.wrapped.Table(csTable); err != nil {
			return err
		}
	}
	return nil
}

func (e *env) close() {
	if e.wrapped != nil {
		e.wrapped.Close()
	}
	if e.plainDB != e.db {
		e.plainDB.Close()
	}
	e.db.Close()
	if e.keyDir != "" {
		os.RemoveAll(e.keyDir)
	}
}

// benchTables lists the tables whose names start with benchPrefix.
func (e *env) benchTables(ctx context.Context, db *sql.DB) ([]string, error) {
	var q string
	switch e.dialect {
	case "sqlite":
		q = "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'bench\\_%' ESCAPE '\\'"
	case "postgres":
		q = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'bench\\_%'"
	default:
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE 'bench\\_%'"
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// dropAll drops the tables of an earlier run and the keysets of their
// scopes.
func (e *env) dropAll(ctx context.Context) error {
	for _, db := range []*sql.DB{e.plainDB, e.db} {
		tables, err := e.benchTables(ctx, db)
		if err != nil {
			return err
		}
		for _, t := range tables {
			// FTS5 shadow tables go with their virtual table.
			if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS "+e.quote(t)); err != nil {
				return err
			}
		}
	}
	var n int
	if err := e.db.QueryRowContext(ctx, e.existsKeysets()).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		if _, err := e.db.ExecContext(ctx, "DELETE FROM phicrypt_keysets WHERE scope LIKE 'bench\\_%'"+e.escape()); err != nil {
			return err
		}
	}
	return nil
}

func (e *env) existsKeysets() string {
	switch e.dialect {
	case "sqlite":
		return "SELECT COUNT(*) FROM sqlite_master WHERE name = 'phicrypt_keysets'"
	case "postgres":
		return "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'phicrypt_keysets'"
	default:
		return "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'phicrypt_keysets'"
	}
}

func (e *env) escape() string {
	if e.dialect == "sqlite" {
		return " ESCAPE '\\'"
	}
	return ""
}

func (e *env) quote(name string) string {
	if e.dialect == "mysql" {
		return "`" + name + "`"
	}
	return `"` + name + `"`
}

// ph is the i-th placeholder (from 1).
func (e *env) ph(i int) string {
	if e.dialect == "postgres" {
		return fmt.Sprintf("$%d", i)
	}
	return "?"
}

// createPlain creates the plaintext table as an application would index
// it: SSN, last name with date of birth, last name for LIKE 'abc%'.
func (e *env) createPlain(ctx context.Context) error {
	text, date := "TEXT", "DATE"
	if e.dialect == "mysql" {
		text = "VARCHAR(255)"
	}
	var stmts []string
	for _, t := range e.plainTables() {
		stmts = append(stmts, fmt.Sprintf("CREATE TABLE %[1]s (id BIGINT PRIMARY KEY, mrn %[2]s, ssn %[2]s, first_name %[2]s, last_name %[2]s, dob %[3]s, email %[2]s, phone %[2]s, sex %[2]s)", t, text, date),
			fmt.Sprintf("CREATE INDEX %[1]s_ssn ON %[1]s (ssn)", t),
			fmt.Sprintf("CREATE INDEX %[1]s_mrn ON %[1]s (mrn)", t),
			fmt.Sprintf("CREATE INDEX %[1]s_last_dob ON %[1]s (last_name, dob)", t))
		switch e.dialect {
		case "sqlite":
			// SQLite's LIKE folds ASCII case: an index in NOCASE order
			// serves LIKE 'abc%'.
			stmts = append(stmts, fmt.Sprintf("CREATE INDEX %[1]s_last_like ON %[1]s (last_name COLLATE NOCASE)", t))
		case "postgres":
			stmts = append(stmts, fmt.Sprintf("CREATE INDEX %[1]s_last_like ON %[1]s (lower(last_name) text_pattern_ops)", t))
		}
		// MariaDB's default collation folds case: the (last_name, dob)
		// index serves LIKE 'abc%'.
	}
	if e.dialect == "postgres" {
		stmts = append(stmts, "CREATE EXTENSION IF NOT EXISTS pg_trgm",
			fmt.Sprintf("CREATE INDEX %[1]s_last_trgm ON %[1]s USING gin (lower(last_name) gin_trgm_ops)", trgmTable))
	}
	for _, s := range stmts {
		if _, err := e.plainDB.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", strings.SplitN(s, "(", 2)[0], err)
		}
	}
	return nil
}

// plainTables are the plaintext tables of the dialect.
func (e *env) plainTables() []string {
	if e.dialect == "postgres" {
		return []string{plainTable, trgmTable}
	}
	return []string{plainTable}
}
