// Package phigorm uses phicrypt from GORM. A model declares its PHI with
// `phi:"…"` tags (the grammar of docs/SCHEMA.md) and a compound index on
// a blank field (_ struct{} `phi:"compound(…)"`); registering the plugin
//
//	gdb.Use(phigorm.New(kek, &Patient{}))
//
// builds the phicrypt schema from GORM's own parse of the models, opens
// the keyset store in the same database (table phicrypt_keysets), creates
// the tables and their index tables (not AutoMigrate: leave these models
// out of it) and serves them through GORM's own API:
//
//	gdb.Create(&p)                                   // one, a slice, CreateInBatches
//	gdb.Where(phigorm.Eq("ssn", v)).First(&p)        // also Take, Last, Find
//	gdb.Where(phigorm.Prefix("last_name", "nu")).Find(&ps)
//	gdb.Model(&Patient{}).Where(phigorm.Contains("last_name", "ez")).Count(&n)
//	gdb.Model(&p).Updates(map[string]any{"city": "Austin"}) // or a struct, Update
//	gdb.Save(&p)
//	gdb.Delete(&p)                                   // soft with gorm.DeletedAt
//
// Every protected value is sealed and every token of every index written;
// updates recompute the tokens of what they change (compound indexes
// included). Searches are exact: the false positives of the tokens are
// dropped after decryption, and Count counts only true matches.
//
// Conditions: phigorm.Eq, In, Prefix, Contains and IsNull (several are
// ANDed; Eq on each part of a compound index uses it), conditions from a
// struct or map (Where(&Patient{City: "x"})), First(&p, id), Find(&ps,
// ids), and on columns that are not protected the SQL "col = ?", "col IN
// ?" and "col IS NULL" and GORM's comparisons (FindInBatches). Order,
// Limit, Offset, Select of columns, Unscoped, Scopes, FindInBatches,
// FirstOrCreate, Preload of plain associations, hooks (BeforeCreate,
// AfterFind, …) and transactions (gdb.Transaction, Begin: phicrypt works
// on GORM's *sql.Tx, prepared statements included) work as in GORM. gorm.Model can be embedded; gorm:"column:…" names a column;
// fields GORM ignores (gorm:"-", relationships) are not columns. The key
// is the model's primary key, and the ciphertexts are bound to it (a
// ciphertext copied to another row does not open) unless a field names
// another binding with db:",bind". GORM's AutoMigrate leaves the
// columns of these models alone (it migrates them along with a model
// that refers to them); a foreign key to a uint key is unsigned in
// MariaDB while phicrypt's key is a signed BIGINT: give such a
// relationship constraint:- or an int64 key. A zero cipher.Date in a
// non-pointer field is stored as the date Date{}.Time() is
// (-0001-11-30); use *cipher.Date for a date that may be unknown.
//
// Refused, with an error wrapping sqlwrap.ErrUnsupported that names the
// table and never a value: SQL conditions on protected columns
// (Where("ssn = ?", v)) or any other SQL condition, Or and Not, Joins,
// Group, Having, locking, ORDER BY expressions or on protected columns,
// SELECT expressions other than Count's, Row, Rows, Scan and Pluck with
// conditions, reads into maps or other structs with conditions, writes
// from maps or other structs (gdb.Table("patients").Create(map…)), SQL
// expressions as values (gorm.Expr) and ON CONFLICT other than Save's. A
// phigorm condition that reaches GORM's SQL builder on a phicrypt table
// adds that error instead of writing its value. On tables phicrypt does
// not protect, GORM works as before and phigorm conditions are plain SQL
// (col = ?, col LIKE ? with the pattern escaped, col IS NULL, col IN ?).
//
// Open is the same with a handle: it registers the plugin when none is,
// and For[T] gives a typed table (Create, Find, … taking a context) for
// code written before the plugin.
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
