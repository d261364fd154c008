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

func TestIssue9_Plugin_GORMPostgres(t *testing.T) {
	sqldb, _ := testdb.Open(t, testdb.DialectPostgres)
	gdb, err := gorm.Open(postgres.New(postgres.Config{Conn: sqldb}), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	gormsuite.RunNative(t, gdb)
}

func TestIssue9_Plugin_GORMMariaDB(t *testing.T) {
	sqldb, _ := testdb.Open(t, testdb.DialectMySQL)
	gdb, err := gorm.Open(mysql.New(mysql.Config{Conn: sqldb, SkipInitializeWithVersion: true}), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	gormsuite.RunNative(t, gdb)
}
