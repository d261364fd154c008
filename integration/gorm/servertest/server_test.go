// Package servertest runs the phigorm suites on PostgreSQL and MariaDB
// through GORM's own drivers, over the databases of internal/testdb.
package servertest

import (
	"testing"

	"gorm.io/driver/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/phicrypt/phicrypt/integration/gorm/internal/gormsuite"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// openPostgres and openMariaDB open a fresh database of internal/testdb
// through GORM's own driver.
func openPostgres(t *testing.T) *gorm.DB {
	sqldb, _ := testdb.Open(t, testdb.DialectPostgres)
	gdb, err := gorm.Open(postgres.New(postgres.Config{Conn: sqldb}), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	return gdb
}

func openMariaDB(t *testing.T) *gorm.DB {
	sqldb, _ := testdb.Open(t, testdb.DialectMySQL)
	gdb, err := gorm.Open(mysql.New(mysql.Config{Conn: sqldb, SkipInitializeWithVersion: true}), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	return gdb
}

func TestIssue9_1_GORMPostgres(t *testing.T) { gormsuite.Run(t, openPostgres(t)) }

func TestIssue9_1_GORMMariaDB(t *testing.T) { gormsuite.Run(t, openMariaDB(t)) }

// The plugin: GORM's own API (gdb.Use, Create, Where(phigorm.Eq), …).
func TestIssue9_Plugin_GORMPostgres(t *testing.T) { gormsuite.RunNative(t, openPostgres(t)) }

func TestIssue9_Plugin_GORMMariaDB(t *testing.T) { gormsuite.RunNative(t, openMariaDB(t)) }
