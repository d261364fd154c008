// Package phigorm uses phicrypt from GORM. The struct that GORM maps
// declares its PHI with `phi:"…"` tags (the grammar of docs/SCHEMA.md);
// Open builds the phicrypt schema from those tags over the connection pool
// of a *gorm.DB, and For[T] reads and writes the model through phicrypt:
// every protected value sealed, every token of every index written, and
// searches (Eq, Prefix, Contains, several Eq for a compound index) exact,
// the false positives of the tokens dropped after decryption. Plain tables
// keep going through GORM as before; Table.WithTx joins a GORM
// transaction, so that a patient, its visits and an audit row commit
// together.
//
// GORM's own query builder (gdb.Where(…).Find) does not read these models:
// their protected columns hold ciphertexts and blind-index tokens, and
// GORM cannot parse a field such as cipher.Date. gorm.Model cannot be
// embedded (its key is a uint and its soft delete would not be honoured):
// declare an int64 key (db:"id,key,bind") and plain time fields instead.
//
// Column names follow both GORM and phicrypt: the snake_case field name
// (SSN → ssn, LastName → last_name) or a `db:"name"` tag that GORM would
// also name so (`gorm:"column:…"` is not read by phicrypt). Every exported
// field of the model is a column of the table; the table is created by
// Open (EnsureSchema), not by GORM's AutoMigrate.
package phigorm

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"gorm.io/gorm"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// DB is phicrypt over the connection pool of a *gorm.DB.
type DB struct {
	gdb     *gorm.DB
	w       *sqlwrap.DB
	tables  map[reflect.Type]*model
	byTable map[string]*gmodel
}

type model struct {
	table string
	key   string
	index []int // of the key field
}

// Open builds the phicrypt schema from the phi tags of models (values or
// pointers of structs; each table named as GORM names it), opens the
// keyset store in the same database (table phicrypt_keysets) under kek,
// and creates the tables and their index tables when missing. The
// dialect is GORM's ("sqlite", "postgres" or "mysql"). Unless a phicrypt
// plugin is registered on gdb already, Open registers one for these
// models, so that GORM's own API (gdb.Create, gdb.Where(phigorm.Eq(…)).
// First, …) works on them as with New.
func Open(ctx context.Context, gdb *gorm.DB, kek keyprovider.KEK, models ...any) (*DB, error) {
	db, err := open(ctx, gdb, kek, models)
	if err != nil {
		return nil, err
	}
	if _, ok := gdb.Config.Plugins[pluginName]; !ok {
		if err := gdb.Use(&Plugin{db: db}); err != nil {
			db.Close()
			return nil, fmt.Errorf("phicrypt: registering the GORM plugin: %w", err)
		}
	}
	return db, nil
}

func open(ctx context.Context, gdb *gorm.DB, kek keyprovider.KEK, models []any) (*DB, error) {
	if gdb == nil || gdb.Dialector == nil || gdb.Config == nil || kek == nil {
		return nil, errors.New("phicrypt: phigorm needs a *gorm.DB and a KEK")
	}
	sqldb, err := gdb.DB()
	if err != nil {
		return nil, fmt.Errorf("phicrypt: GORM connection pool: %w", err)
	}
	dialect := gdb.Dialector.Name()
	db := &DB{gdb: gdb, tables: map[reflect.Type]*model{}, byTable: map[string]*gmodel{}}
	s := &sqlwrap.Schema{Source: "phigorm models"}
	for _, m := range models {
		rt := reflect.TypeOf(m)
		for rt != nil && rt.Kind() == reflect.Pointer {
			rt = rt.Elem()
		}
		if rt == nil || rt.Kind() != reflect.Struct {
			return nil, fmt.Errorf("phicrypt: phigorm: model %T is not a struct", m)
		}
		tb, gm, err := parseModel(gdb, reflect.New(rt).Interface())
		if err != nil {
			return nil, err
		}
		if _, dup := db.byTable[tb.Name]; dup {
			return nil, fmt.Errorf("phicrypt: phigorm: two models for table %s: %w", tb.Name, sqlwrap.ErrSchema)
		}
		index := keyField(gdb, rt, tb.Key)
		if index == nil {
			index = gm.index
		}
		s.Tables = append(s.Tables, tb)
		db.tables[rt] = &model{table: tb.Name, key: tb.Key, index: index}
		db.byTable[tb.Name] = gm
	}
	store, err := sqlwrap.NewKeysetStore(sqldb, dialect)
	if err != nil {
		return nil, err
	}
	if err := store.EnsureTable(ctx); err != nil {
		return nil, err
	}
	ring, err := cipher.NewKeyring(cipher.Config{KEK: kek, Store: store})
	if err != nil {
		return nil, err
	}
	if db.w, err = sqlwrap.Open(sqldb, dialect, s, ring); err != nil {
		return nil, err
	}
	if err := db.w.EnsureSchema(ctx); err != nil {
		db.w.Close()
		return nil, err
	}
	return db, nil
}

// Wrapper is the sqlwrap.DB underneath, for what phigorm does not cover
// (Count, streaming, rotation, raw-SQL filters).
func (db *DB) Wrapper() *sqlwrap.DB {
	if db == nil {
		return nil
	}
	return db.w
}

// Close releases the wrapper's prepared statements; GORM's connection pool
// stays open.
func (db *DB) Close() error {
	if db == nil || db.w == nil {
		return nil
	}
	return db.w.Close()
}

// keyField finds the field of rt that holds column key: named so by its db
// tag, or by GORM's naming of the field name.
func keyField(gdb *gorm.DB, rt reflect.Type, key string) []int {
	for _, f := range reflect.VisibleFields(rt) {
		if !f.IsExported() || f.Anonymous {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("db"), ",")
		if name == "" {
			name = gdb.NamingStrategy.ColumnName("", f.Name)
		}
		if name == key {
			return f.Index
		}
	}
	return nil
}
