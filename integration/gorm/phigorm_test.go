package phigorm_test

import (
	"path/filepath"
	"testing"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/phicrypt/phicrypt/integration/gorm/internal/gormsuite"
)

// openSQLite opens a fresh SQLite file with the settings that avoid
// "database is locked": WAL, a busy timeout, immediate transactions.
func openSQLite(t testing.TB) *gorm.DB {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "emr.db") + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_txlock=immediate"
	gdb, err := gorm.Open(sqlite.Open(dsn), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s, err := gdb.DB(); err == nil {
			s.Close()
		}
	})
	return gdb
}

func TestIssue9_1_GORMSQLite(t *testing.T) {
	gormsuite.Run(t, openSQLite(t))
}
