package phigorm

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"

	"gorm.io/gorm"

	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

const pluginName = "phicrypt"

// Plugin is phicrypt as a GORM plugin: register it with gdb.Use and GORM's
// own Create, Save, Updates, Update, First, Take, Last, Find, Count and
// Delete read and write its models through phicrypt. Other models and
// tables go through GORM unchanged.
type Plugin struct {
	kek    keyprovider.KEK
	models []any
	db     *DB
	// origs are GORM's callbacks that the plugin's replace.
	origs map[string]func(*gorm.DB)
}

// New returns the plugin for models (values or pointers of structs whose
// PHI is declared by phi tags). gdb.Use(phigorm.New(kek, &Patient{}))
// builds the phicrypt schema from GORM's parse of the models, opens the
// keyset store in the same database under kek, creates the tables and
// their index tables when missing (not GORM's AutoMigrate: leave the
// models out of it), and replaces GORM's create, query, update and
// delete callbacks by ones that serve these models through phicrypt.
func New(kek keyprovider.KEK, models ...any) *Plugin {
	return &Plugin{kek: kek, models: models}
}

// Name is the plugin's name in GORM's registry.
func (p *Plugin) Name() string { return pluginName }

// Initialize is called by gdb.Use.
func (p *Plugin) Initialize(gdb *gorm.DB) error {
	if p.db == nil {
		db, err := open(context.Background(), gdb, p.kek, p.models)
		if err != nil {
			return err
		}
		p.db = db
	}
	return p.register(gdb)
}

// DB is phicrypt underneath the plugin (its Wrapper reaches the sqlwrap
// DB, for key rotation and reindexing); nil before gdb.Use.
func (p *Plugin) DB() *DB { return p.db }

// Close releases the prepared statements of the wrapper; GORM's pool
// stays open.
func (p *Plugin) Close() error { return p.db.Close() }

func (p *Plugin) register(gdb *gorm.DB) error {
	cb := gdb.Callback()
	type proc interface {
		Get(string) func(*gorm.DB)
		Replace(string, func(*gorm.DB)) error
	}
	p.origs = map[string]func(*gorm.DB){}
	for _, r := range []struct {
		p    proc
		name string
		fn   func(*gorm.DB, *gmodel)
	}{
		{cb.Create(), "create", p.create},
		{cb.Query(), "query", p.query},
		{cb.Update(), "update", p.update},
		{cb.Delete(), "delete", p.delete},
		{cb.Row(), "row", p.row},
	} {
		r.name = "gorm:" + r.name
		orig := r.p.Get(r.name)
		if orig == nil {
			return fmt.Errorf("phicrypt: GORM has no %s callback to wrap", r.name)
		}
		p.origs[r.name] = orig
		fn := r.fn
		if err := r.p.Replace(r.name, func(db *gorm.DB) {
			if m := p.model(db); m != nil {
				switch {
				case db.Error != nil:
				case db.DryRun:
					// Nothing of a phicrypt statement is GORM's SQL.
					fail(db, unsupported(m, "DryRun and ToSQL"))
				default:
					fn(db, m)
				}
				return
			}
			orig(db)
		}); err != nil {
			return err
		}
	}
	return nil
}

// model returns the phicrypt table a statement works on, or nil.
func (p *Plugin) model(db *gorm.DB) *gmodel {
	if p.db == nil || db.Statement == nil {
		return nil
	}
	if m, ok := p.db.byTable[tableName(db.Statement.Table)]; ok {
		return m
	}
	if e := db.Statement.TableExpr; e != nil {
		// Table("people AS p"): GORM's Table is then the alias.
		if m, ok := p.db.byTable[tableName(e.SQL)]; ok {
			return m
		}
	}
	if s := db.Statement.Schema; s != nil {
		if m, ok := p.db.byTable[s.Table]; ok && db.Statement.Table == "" {
			return m
		}
	}
	return nil
}

// sameModel reports whether the statement's schema is the model's, not
// a map or another struct over the same table.
func sameModel(db *gorm.DB, m *gmodel) bool {
	s := db.Statement.Schema
	return s != nil && s.ModelType == m.schema.ModelType
}

// destIsModel reports whether rv (the statement's destination) is a
// struct of the model or a slice of them or of pointers to them.
func destIsModel(rv reflect.Value, m *gmodel) bool {
	t := rv.Type()
	if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		t = t.Elem()
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
	}
	return t == m.schema.ModelType
}

// access returns the table, on the statement's transaction when GORM runs
// in one.
func (p *Plugin) access(db *gorm.DB, m *gmodel) (*sqlwrap.TableAccess, error) {
	switch pool := db.Statement.ConnPool.(type) {
	case *sql.Tx:
		tx, err := p.db.w.WithTx(pool)
		if err != nil {
			return nil, err
		}
		return tx.Table(m.table)
	case *gorm.PreparedStmtTX:
		if sqlTx, ok := pool.Tx.(*sql.Tx); ok {
			tx, err := p.db.w.WithTx(sqlTx)
			if err != nil {
				return nil, err
			}
			return tx.Table(m.table)
		}
		return nil, fmt.Errorf("phicrypt: table %s: a GORM transaction on %T cannot be joined (want a *sql.Tx): %w", m.table, pool.Tx, sqlwrap.ErrUnsupported)
	case gorm.TxCommitter:
		return nil, fmt.Errorf("phicrypt: table %s: a GORM transaction on %T cannot be joined (want a *sql.Tx): %w", m.table, pool, sqlwrap.ErrUnsupported)
	}
	return p.db.w.Table(m.table)
}

// unsupported is the error of a statement phicrypt refuses: it names the
// table and what is refused, never a value.
func unsupported(m *gmodel, format string, args ...any) error {
	return fmt.Errorf("phicrypt: table %s: %s: %w", m.table, fmt.Sprintf(format, args...), sqlwrap.ErrUnsupported)
}

// orig runs GORM's own callback.
func (p *Plugin) orig(db *gorm.DB, name string) { p.origs["gorm:"+name](db) }

// fail records err on db, with the phicrypt prefix once.
func fail(db *gorm.DB, err error) {
	if err != nil && !strings.HasPrefix(err.Error(), "phicrypt:") {
		err = fmt.Errorf("phicrypt: %w", err)
	}
	db.AddError(err)
}

// tableName is the table of a GORM table reference ("people",
// "people AS p", "`people`").
func tableName(ref string) string {
	if f := strings.Fields(ref); len(f) > 0 {
		ref = f[0]
	}
	return strings.Trim(ref, "`\"")
}
