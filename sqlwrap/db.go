package sqlwrap

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/phicrypt/phicrypt/audit"
	"github.com/phicrypt/phicrypt/cipher"
)

// Row holds the plaintext values of one row by column name: the key,
// plain columns and protected columns (string, []byte, int64, float64,
// bool, cipher.Date or time.Time as the schema says; nil for NULL).
type Row map[string]any

// DB is a database whose protected columns the wrapper seals and indexes.
// It is safe for concurrent use.
type DB struct {
	// migrateAfterRead, when set (by tests), runs between a MigrateRows
	// batch's read and its writes: a write it makes is one that got
	// there first.
	migrateAfterRead func(ctx context.Context, ta *TableAccess)

	db      *sql.DB
	d       *dialect
	ring    *cipher.Keyring
	schema  *Schema
	tables  map[string]*tableRT
	keysets *KeysetStore
	stmts   sync.Map // SQL text -> *sql.Stmt
	owned   bool     // Close closes db: see OpenOwned
	// auditLog receives the audit records (audit.go), nil: none.
	auditLog  atomic.Pointer[audit.Logger]
	auditCols sync.Map // *tableRT -> protected column names, for records
}

// Open wraps db, an open database of dialect "sqlite", "postgres" or
// "mysql", with the schema and the keyring. It does not touch the
// database: call EnsureSchema to create tables, or VerifySchema to check
// existing ones (each table is verified on first use anyway).
func Open(db *sql.DB, dialectName string, schema *Schema, ring *cipher.Keyring) (*DB, error) {
	d, err := lookupDialect(dialectName)
	if err != nil {
		return nil, err
	}
	if schema == nil || ring == nil {
		return nil, errors.New("phicrypt: Open needs a schema and a keyring")
	}
	if err := schema.Validate(); err != nil {
		return nil, err
	}
	ks, err := NewKeysetStore(db, dialectName)
	if err != nil {
		return nil, err
	}
	w := &DB{db: db, d: d, ring: ring, schema: schema, tables: map[string]*tableRT{}, keysets: ks}
	for _, t := range schema.Tables {
		rt, err := newTableRT(t, d, ring)
		if err != nil {
			return nil, err
		}
		w.tables[t.Name] = rt
	}
	return w, nil
}

// OpenConnector is Open over a driver.Connector, as sql.OpenDB takes it.
func OpenConnector(c driver.Connector, dialectName string, schema *Schema, ring *cipher.Keyring) (*DB, error) {
	return Open(sql.OpenDB(c), dialectName, schema, ring)
}

// KeysetStore returns the store of wrapped keysets in this database, for
// building the keyring passed to Open.
func (db *DB) KeysetStore() *KeysetStore {
	if db == nil {
		return nil
	}
	return db.keysets
}

// SQL returns the wrapped *sql.DB.
func (db *DB) SQL() *sql.DB {
	if db == nil {
		return nil
	}
	return db.db
}

// Close closes the cached prepared statements, and the *sql.DB too when
// the DB was opened by OpenOwned (as phicrypt.Connect does); a *sql.DB
// passed to Open stays open for its owner to close.
func (db *DB) Close() error {
	if db == nil {
		return nil
	}
	db.stmts.Range(func(k, v any) bool {
		v.(*sql.Stmt).Close()
		db.stmts.Delete(k)
		return true
	})
	if db.owned && db.db != nil {
		return db.db.Close()
	}
	return nil
}

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Table returns access to one table of the schema.
func (db *DB) Table(name string) (*TableAccess, error) {
	if db == nil || db.db == nil {
		return nil, ErrUnbound
	}
	rt, ok := db.tables[name]
	if !ok {
		return nil, &Error{Op: "table", Table: name, Err: ErrUnknownTable}
	}
	return &TableAccess{db: db, rt: rt}, nil
}
