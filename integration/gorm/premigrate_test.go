package phigorm_test

import (
	"testing"

	phigorm "github.com/phicrypt/phicrypt/integration/gorm"
	"github.com/phicrypt/phicrypt/integration/gorm/internal/gormsuite"
)

// A table GORM's AutoMigrate created before the plugin: phicrypt adds its
// token columns and the model then works through phicrypt.
func TestIssue9_Plugin_AfterAutoMigrate(t *testing.T) {
	gdb := openSQLite(t)
	if err := gdb.AutoMigrate(&gormsuite.Person{}); err != nil {
		t.Fatal(err)
	}
	if err := gdb.Use(phigorm.New(gormsuite.KEK(t), &gormsuite.Person{})); err != nil {
		t.Fatal(err)
	}
	p := gormsuite.Person{SSN: "078-05-1120", Surname: "Nunes"}
	if err := gdb.Create(&p).Error; err != nil {
		t.Fatal(err)
	}
	var got gormsuite.Person
	if err := gdb.Where(phigorm.Prefix("last_name", "nun")).First(&got).Error; err != nil || got.SSN != p.SSN {
		t.Fatalf("%+v %v", got, err)
	}
	var raw string
	if err := gdb.Raw("SELECT ssn FROM people").Row().Scan(&raw); err != nil || raw == p.SSN {
		t.Fatalf("raw ssn: %v", err)
	}
}
