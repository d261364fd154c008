package phigorm_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	phigorm "github.com/phicrypt/phicrypt/integration/gorm"
	"github.com/phicrypt/phicrypt/integration/gorm/internal/gormsuite"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

func TestIssue9_Plugin_GORMSQLite(t *testing.T) {
	gormsuite.RunNative(t, openSQLite(t))
}

// The suite again with GORM's prepared statements (its transactions are
// then not a bare *sql.Tx) and without its default transactions.
func TestIssue9_Plugin_GORMSQLiteSessions(t *testing.T) {
	for name, cfg := range map[string]*gorm.Config{
		"prepared statements":     {PrepareStmt: true},
		"no default transaction":  {SkipDefaultTransaction: true},
		"prepared, no default tx": {PrepareStmt: true, SkipDefaultTransaction: true},
	} {
		t.Run(name, func(t *testing.T) {
			cfg.Logger = logger.Discard
			dsn := filepath.Join(t.TempDir(), "emr.db") + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_txlock=immediate"
			gdb, err := gorm.Open(sqlite.Open(dsn), cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if s, err := gdb.DB(); err == nil {
					s.Close()
				}
			})
			gormsuite.RunNative(t, gdb)
		})
	}
}

type Clinic struct {
	ID   int64
	Name string
}

type badIgnored struct {
	ID  int64
	SSN string `gorm:"-" phi:"eq"`
}

type badRelation struct {
	ID       int64
	ClinicID int64
	Clinic   Clinic `phi:""`
}

type badTwoKeys struct {
	A   int64  `gorm:"primaryKey"`
	B   int64  `gorm:"primaryKey"`
	SSN string `phi:"eq"`
}

type badType struct {
	ID   int64
	Tags []string `gorm:"serializer:json" phi:""`
}

func TestIssue9_Plugin_RefusesModels(t *testing.T) {
	for _, m := range []any{&badIgnored{}, &badRelation{}, &badTwoKeys{}, &badType{}} {
		gdb := openSQLite(t)
		err := gdb.Use(phigorm.New(gormsuite.KEK(t), m))
		if !errors.Is(err, sqlwrap.ErrSchema) || strings.Count(err.Error(), "phicrypt:") != 1 {
			t.Errorf("%T: %v, want ErrSchema", m, err)
		}
	}
}
