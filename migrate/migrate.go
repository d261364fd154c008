// Package migrate encrypts existing plaintext columns in place, as a
// phicrypt schema says, while the application keeps running: it is the
// library behind `phicrypt migrate`.
//
// A migration of a table has four steps:
//
//  1. Plan checks the table (it and its columns exist; its key is the
//     primary key or a unique NOT NULL column), counts its rows and lists
//     the DDL it will run. It changes nothing.
//  2. Prepare checks the key encryption key (a wrap/unwrap round trip and
//     the opening of the keysets that exist already) before anything is
//     changed, then renames each protected column c to c__plain, drops its
//     NOT NULL, and lets the wrapper's EnsureSchema add c as the
//     ciphertext column with its token columns, indexes, side tables and
//     the missing keysets (the new columns are empty, so EnsureSchema may
//     create them: `phicrypt keys init` beforehand is optional, and
//     keysets it made are used as they are). Every step checks whether it
//     is done, so Prepare is idempotent and resumes where it stopped.
//  3. Run walks the table in key order in batches, sealing with several
//     workers in parallel (sqlwrap.TableAccess.MigrateRows). Each batch
//     and its checkpoint in phicrypt_migrations commit in one transaction;
//     MigrateRows seals only values whose c is NULL, so a rerun after a
//     crash, a kill or Ctrl-C seals nothing twice. A final pass seals rows
//     that another writer inserted with plaintext meanwhile.
//  4. DropPlaintext verifies every row (the ciphertext opens and equals
//     c__plain), drops the c__plain columns and rewrites the table so that
//     the database keeps no copy of the plaintext (see Outside for what
//     stays out of its reach).
//
// A lock in phicrypt_migrations (owner and heartbeat) keeps a second
// migration of the same table out; a lock whose heartbeat is older than
// Options.LockTimeout (default DefaultLockTimeout) is taken over.
package migrate

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/phicrypt/phicrypt/sqlwrap"
)

// Defaults of Options.
const (
	DefaultBatch       = 1000
	DefaultLockTimeout = 2 * time.Minute
)

// ErrRefused is wrapped by the errors of a table the migration cannot
// take: a missing table or column, a key that is not unique and not null.
var ErrRefused = errors.New("refused")

// ErrLocked is wrapped by the error of a table another migration holds.
var ErrLocked = errors.New("another migration holds the table")

// ErrBadValue is wrapped by the error that stops a run at a value that does
// not fit its column's declared type (without Options.SkipBadRows).
var ErrBadValue = errors.New("value does not fit the column's type")

// ErrStopped is wrapped by the error of a run stopped by its context
// (Ctrl-C): the batches done are kept, and a rerun resumes.
var ErrStopped = errors.New("stopped")

// ErrVerify is wrapped by the error of DropPlaintext when a row fails the
// verification; nothing is dropped.
var ErrVerify = errors.New("verification failed")

// Options tunes a migration.
type Options struct {
	// Tables limits the migration to these tables of the schema (empty:
	// every table).
	Tables []string
	// Batch is the number of rows per transaction (default DefaultBatch).
	Batch int
	// Workers is the number of batches sealed in parallel (default: the
	// number of CPUs).
	Workers int
	// SkipBadRows records values that do not fit their declared type in
	// phicrypt_bad_rows (key, column and reason, never the value) and goes
	// on; without it the first one stops the run.
	SkipBadRows bool
	// KeepIndexes keeps the token indexes up to date during the run. By
	// default they are dropped before the first batch
	// (sqlwrap.DB.DeferTokenIndexes) and built once every row is sealed
	// (CreateTokenIndexes), which is several times faster on large tables;
	// searches stay exact either way, since a search on a migrating column
	// reads the rows not yet sealed anyway.
	KeepIndexes bool
	// LockTimeout is how old a lock's heartbeat must be before another
	// migration takes the lock over (default DefaultLockTimeout). The
	// holder beats every LockTimeout/6.
	LockTimeout time.Duration
	// Owner names this migration in the lock (default host:pid:random).
	Owner string
	// Progress, when set, is called after every batch.
	Progress func(Progress)
	// Logf, when set, receives notes for a person (a lock taken over, the
	// final pass).
	Logf func(format string, args ...any)
}

// Progress is the state of a run, reported after every batch.
type Progress struct {
	Table string
	// Total is the table's row count when the run started; Done counts
	// rows examined, including those before the checkpoint it resumed at.
	Total, Done int64
	// Sealed counts values sealed by this run; Batches its batches.
	Sealed  int64
	Batches int
	// LastKey is the checkpoint: every row up to it is done.
	LastKey string
}

// Migrator migrates the tables of a schema in one database.
type Migrator struct {
	db      *sql.DB
	dialect string
	schema  *sqlwrap.Schema
	opts    Options
	owner   string

	mu        sync.Mutex
	locks     map[string]*lock
	lostErr   error
	cancelRun context.CancelCauseFunc
	// sqliteWriter orders the batch transactions on SQLite.
	sqliteWriter sync.Mutex
	// forceRebuild makes SQLite drop NOT NULL by the twelve-step rebuild
	// even where ALTER COLUMN … DROP NOT NULL works (tests).
	forceRebuild bool
}

// New returns a Migrator of the tables of schema in db, an open database
// of dialect "sqlite", "postgres" or "mysql" (phicrypt.OpenSQL).
func New(db *sql.DB, dialect string, schema *sqlwrap.Schema, opts Options) (*Migrator, error) {
	switch dialect {
	case "sqlite", "postgres", "mysql":
	default:
		return nil, fmt.Errorf("phicrypt: migrate: unknown dialect %q (want sqlite, postgres or mysql)", dialect)
	}
	if db == nil || schema == nil {
		return nil, errors.New("phicrypt: migrate: New needs a database and a schema")
	}
	if err := schema.Validate(); err != nil {
		return nil, err
	}
	for _, n := range opts.Tables {
		found := false
		for _, t := range schema.Tables {
			found = found || t.Name == n
		}
		if !found {
			return nil, refusef(n, "table %s is not in the schema", n)
		}
	}
	if opts.Batch <= 0 {
		opts.Batch = DefaultBatch
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	owner := opts.Owner
	if owner == "" {
		host, _ := os.Hostname()
		var b [4]byte
		rand.Read(b[:])
		owner = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	return &Migrator{db: db, dialect: dialect, schema: schema, opts: opts, owner: owner}, nil
}

// SetProgress sets Options.Progress.
func (m *Migrator) SetProgress(f func(Progress)) { m.opts.Progress = f }

func (m *Migrator) tables() []*sqlwrap.Table {
	if len(m.opts.Tables) == 0 {
		return m.schema.Tables
	}
	var out []*sqlwrap.Table
	for _, t := range m.schema.Tables {
		for _, n := range m.opts.Tables {
			if t.Name == n {
				out = append(out, t)
			}
		}
	}
	return out
}

func (m *Migrator) table(name string) *sqlwrap.Table {
	for _, t := range m.schema.Tables {
		if t.Name == name {
			return t
		}
	}
	return nil
}

func (m *Migrator) workers() int {
	if m.opts.Workers > 0 {
		return m.opts.Workers
	}
	return runtime.NumCPU()
}

func (m *Migrator) logf(format string, args ...any) {
	if m.opts.Logf != nil {
		m.opts.Logf(format, args...)
	}
}

// Error is an error of the migration of one table.
type Error struct {
	Table string
	Err   error
}

func (e *Error) Error() string {
	msg := strings.ReplaceAll(e.Err.Error(), "phicrypt: ", "")
	if e.Table == "" {
		return "phicrypt: migrate: " + msg
	}
	return "phicrypt: migrate " + e.Table + ": " + msg
}

func (e *Error) Unwrap() error { return e.Err }

func (m *Migrator) fail(table string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Table: table, Err: err}
}

func refusef(table, format string, args ...any) error {
	return &Error{Table: table, Err: fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, args...))}
}

func now() string { return time.Now().UTC().Format(time.RFC3339) }
