package phigorm_test

import (
	"path/filepath"
	"testing"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/phicrypt/phicrypt/integration/gorm/internal/gormsuite"
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
