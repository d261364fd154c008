// Package phicrypt opens a database with encrypted PHI columns in one call:
//
//	db, err := phicrypt.Connect(ctx, "sqlite:patients.db", "local:patients.key", schema)
//	if err != nil { … }
//	defer db.Close()
//	patients, err := db.Table("patients")
//
// Connect links the three database drivers (modernc.org/sqlite, pgx,
// go-sql-driver/mysql) and the three key providers (local, aws-kms,
// hcvault), so that every DSN and key URI it documents works without
// further imports. An application that wants only the driver and the
// provider it uses takes the long form instead, with package sqlwrap,
// which links no driver: sql.Open, sqlwrap.NewKeysetStore,
// cipher.NewKeyring, sqlwrap.Open and DB.EnsureSchema (see the README).
package phicrypt

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/phicrypt/phicrypt/internal/dsn"
	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/sqlwrap"

	_ "github.com/go-sql-driver/mysql" // registers the "mysql" driver
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	_ "github.com/phicrypt/phicrypt/keyprovider/awskms" // aws-kms://
	_ "github.com/phicrypt/phicrypt/keyprovider/local"  // local:PATH
	_ "github.com/phicrypt/phicrypt/keyprovider/vault"  // hcvault://
)

// ErrConnect is wrapped by the errors of Connect about its arguments: a
// DSN it cannot read, a key URI it cannot open, a missing schema. Errors
// of the database, the key provider or the schema also wrap their own
// sentinels (sqlwrap.ErrSchema, keyprovider.ErrBadURI, …).
var ErrConnect = errors.New("cannot connect")

// SQLiteBusyTimeout is how long an SQLite connection opened by Connect
// waits for another connection's write lock before it reports
// "database is locked".
const SQLiteBusyTimeout = 10 * time.Second

// Option tunes Connect.
type Option func(*config)

type config struct {
	key        keyprovider.Options
	verifyOnly bool
}

// WithKeyOptions passes timeouts and retries to the key provider.
func WithKeyOptions(o keyprovider.Options) Option {
	return func(c *config) { c.key = o }
}

// VerifyOnly makes Connect check the tables with DB.VerifySchema instead
// of creating what is missing with DB.EnsureSchema, for a service whose
// database user may not run DDL.
func VerifyOnly() Option {
	return func(c *config) { c.verifyOnly = true }
}

// Connect opens the database dsn names, the key encryption key kekURI
// names (keyprovider.Open), the keyset store in that same database and a
// keyring over both, wraps the database with schema and ensures its tables,
// indexes and keysets exist (DB.EnsureSchema). The DB's Close closes the
// database too. On error everything Connect opened is closed again.
//
// DSNs, with the defaults Connect adds:
//
//   - SQLite: "sqlite:PATH", "sqlite://PATH", a file: URI or a bare path
//     ending in .db, .sqlite, .sqlite3 or .db3. The file is created if
//     absent. Connections use WAL journaling, a busy timeout of
//     SQLiteBusyTimeout, foreign keys and BEGIN IMMEDIATE transactions
//     (_txlock=immediate), so concurrent writers wait for each other rather
//     than fail with "database is locked". A file: URI keeps the pragmas it
//     sets and gets the missing ones. ":memory:" is refused: every pooled
//     connection would see a database of its own.
//   - PostgreSQL: "postgres://…", "postgresql://…" or a key=value DSN
//     (host=… dbname=…), through pgx.
//   - MariaDB/MySQL: "mysql://user:pass@host:3306/db?params", the same
//     with a go-sql-driver address ("mysql://user:pass@tcp(host:3306)/db"),
//     or a go-sql-driver DSN. Connect sets parseTime=true, which the
//     wrapper's date and time columns need.
func Connect(ctx context.Context, dataSource, kekURI string, schema *sqlwrap.Schema, opts ...Option) (*sqlwrap.DB, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	var cfg config
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if schema == nil {
		return nil, &connectError{what: "schema", err: fmt.Errorf("%w: no schema given", ErrConnect)}
	}
	if err := schema.Validate(); err != nil {
		return nil, &connectError{what: "schema", err: err}
	}
	dialect, driver, driverDSN, err := openArgs(dataSource)
	shown := strings.TrimSpace(dialect + " database " + quoteDSN(dialect, dataSource))
	if err != nil {
		return nil, &connectError{what: shown, err: err}
	}
	sqldb, err := sql.Open(driver, driverDSN)
	if err != nil {
		return nil, &connectError{what: shown, err: dsn.RedactErr(err)}
	}
	db, err := connect(ctx, sqldb, dialect, shown, kekURI, schema, &cfg)
	if err != nil {
		sqldb.Close()
		return nil, err
	}
	return db, nil
}

func connect(ctx context.Context, sqldb *sql.DB, dialect, shown, kekURI string, schema *sqlwrap.Schema, cfg *config) (*sqlwrap.DB, error) {
	if err := sqldb.PingContext(ctx); err != nil {
		return nil, &connectError{what: shown, err: dsn.RedactErr(err)}
	}
	ring, err := OpenKeyring(ctx, sqldb, dialect, kekURI, func(c *config) { *c = *cfg })
	if err != nil {
		return nil, err
	}
	db, err := sqlwrap.OpenOwned(sqldb, dialect, schema, ring)
	if err != nil {
		return nil, &connectError{what: "schema", err: err}
	}
	check, op := db.EnsureSchema, "ensure schema"
	if cfg.verifyOnly {
		check, op = db.VerifySchema, "verify schema"
	}
	if err := check(ctx); err != nil {
		db.Close() // closes sqldb; closing it again in Connect is harmless
		return nil, &connectError{what: op, err: err}
	}
	return db, nil
}

// openArgs reads a DSN: the dialect, the driver and the DSN for the driver.
// The dialect is returned even on error when it could be told.
func openArgs(dataSource string) (dialect, driver, driverDSN string, err error) {
	if strings.TrimSpace(dataSource) == "" {
		return "", "", "", fmt.Errorf("%w: no DSN given (want sqlite:PATH, postgres://… or mysql://…)", ErrConnect)
	}
	dialect = dsn.Guess(dataSource)
	switch dialect {
	case "postgres":
		return dialect, "pgx", dataSource, nil
	case "mysql":
		c, err := dsn.MySQL(dataSource)
		if err != nil {
			return dialect, "", "", fmt.Errorf("%w: %v", ErrConnect, err)
		}
		c.ParseTime = true
		return dialect, "mysql", c.FormatDSN(), nil
	case "sqlite":
		out, err := sqliteDSN(dataSource)
		if err != nil {
			return dialect, "", "", err
		}
		return dialect, "sqlite", out, nil
	}
	return "", "", "", fmt.Errorf("%w: cannot tell the database from the DSN (want sqlite:PATH, postgres://… or mysql://…)", ErrConnect)
}

// sqliteDSN is the modernc.org/sqlite DSN with Connect's defaults.
func sqliteDSN(dataSource string) (string, error) {
	path, isPath := dsn.SQLitePath(dataSource)
	var base, query string
	if isPath {
		if path == "" {
			return "", fmt.Errorf("%w: no file named after \"sqlite:\"", ErrConnect)
		}
		if path == ":memory:" || strings.HasPrefix(path, "file::memory:") {
			return "", fmt.Errorf("%w: an in-memory SQLite database is refused (every pooled connection would have its own); use a file, e.g. in a temporary directory", ErrConnect)
		}
		base = (&url.URL{Scheme: "file", Path: path}).String()
		if !strings.HasPrefix(path, "/") {
			base = "file:" + (&url.URL{Path: path}).EscapedPath()
		}
	} else {
		base, query, _ = strings.Cut(dataSource, "?")
		if strings.Contains(base, ":memory:") || strings.Contains(query, "mode=memory") {
			return "", fmt.Errorf("%w: an in-memory SQLite database is refused (every pooled connection would have its own); use a file, e.g. in a temporary directory", ErrConnect)
		}
	}
	params := []string{}
	if query != "" {
		params = append(params, query)
	}
	has := func(s string) bool { return strings.Contains(query, s) }
	if !has("journal_mode") {
		params = append(params, "_pragma=journal_mode(WAL)")
	}
	if !has("busy_timeout") {
		params = append(params, fmt.Sprintf("_pragma=busy_timeout(%d)", SQLiteBusyTimeout.Milliseconds()))
	}
	if !has("foreign_keys") {
		params = append(params, "_pragma=foreign_keys(1)")
	}
	if !has("_txlock") {
		params = append(params, "_txlock=immediate")
	}
	return base + "?" + strings.Join(params, "&"), nil
}

func quoteDSN(dialect, dataSource string) string {
	return fmt.Sprintf("%q", dsn.Redact(dialect, dataSource))
}

// connectError names what Connect was doing and keeps one "phicrypt:"
// prefix in front of the inner error's text.
type connectError struct {
	what string
	err  error
}

func (e *connectError) Error() string {
	return "phicrypt: connect: " + e.what + ": " + strings.ReplaceAll(e.err.Error(), "phicrypt: ", "")
}

func (e *connectError) Unwrap() error { return e.err }

// ConnectFile is Connect with the schema read from a YAML file
// (sqlwrap.LoadSchemaFile, docs/SCHEMA.md).
func ConnectFile(ctx context.Context, dataSource, kekURI, schemaPath string, opts ...Option) (*sqlwrap.DB, error) {
	schema, err := sqlwrap.LoadSchemaFile(schemaPath)
	if err != nil {
		return nil, &connectError{what: "schema", err: err}
	}
	return Connect(ctx, dataSource, kekURI, schema, opts...)
}
