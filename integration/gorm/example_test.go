package phigorm_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"

	phigorm "github.com/phicrypt/phicrypt/integration/gorm"
	"github.com/phicrypt/phicrypt/keyprovider/local"
)

// Patient is a GORM model whose PHI is declared by its phi tags.
type Patient struct {
	ID       int64
	SSN      string `phi:"max_length=11; eq(transforms=digits)"`
	LastName string `phi:"max_length=64; eq; prefix"`
	City     string
}

func Example() {
	dir, _ := os.MkdirTemp("", "phigorm")
	defer os.RemoveAll(dir)
	kekPath := filepath.Join(dir, "kek.json")
	if err := local.Create(kekPath); err != nil {
		log.Fatal(err)
	}
	kek, _ := local.Open(kekPath)
	gdb, _ := gorm.Open(sqlite.Open(filepath.Join(dir, "emr.db")), &gorm.Config{})

	// Creates the table and its indexes; GORM's own API then seals,
	// indexes and searches the model.
	if err := gdb.Use(phigorm.New(kek, &Patient{})); err != nil {
		log.Fatal(err)
	}
	if err := gdb.Create(&Patient{SSN: "078-05-1120", LastName: "Núñez", City: "Boston"}).Error; err != nil {
		log.Fatal(err)
	}
	var p Patient
	if err := gdb.Where(phigorm.Eq("ssn", "078051120")).First(&p).Error; err != nil {
		log.Fatal(err)
	}
	if err := gdb.Model(&p).Updates(Patient{City: "Austin"}).Error; err != nil {
		log.Fatal(err)
	}
	var found []Patient
	if err := gdb.Where(phigorm.Prefix("last_name", "NÚ"), phigorm.Eq("city", "Austin")).Find(&found).Error; err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(found), found[0].LastName, found[0].City)
	// Output: 1 Núñez Austin
}
