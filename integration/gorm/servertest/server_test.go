// Package servertest runs the phigorm suite on PostgreSQL and MariaDB
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

func TestIssue9_1_GORMPostgres(t *testing.T) {
	sqldb, _ := testdb.Open(t, testdb.DialectPostgres)
	gdb, err := gorm.Open(postgres.New(postgres.Config{Conn: sqldb}), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	gormsuite.Run(t, gdb)
}

func TestIssue9_1_GORMMariaDB(t *testing.T) {
	sqldb, _ := testdb.Open(t, testdb.DialectMySQL)
	gdb, err := gorm.Open(mysql.New(mysql.Config{Conn: sqldb, SkipInitializeWithVersion: true}), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	gormsuite.Run(t, gdb)
}
