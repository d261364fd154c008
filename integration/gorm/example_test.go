package phigorm_test

import (
	"context"
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
	ID       int64  `db:"id,key,bind"`
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

	ctx := context.Background()
	db, err := phigorm.Open(ctx, gdb, kek, Patient{}) // creates the table and its indexes
	if err != nil {
		log.Fatal(err)
	}
	patients, _ := phigorm.For[Patient](db)
	if err := patients.Create(ctx, &Patient{SSN: "078-05-1120", LastName: "Núñez", City: "Boston"}); err != nil {
		log.Fatal(err)
	}
	var p Patient
	if err := patients.First(ctx, &p, phigorm.Eq("ssn", "078051120")); err != nil {
		log.Fatal(err)
	}
	if err := patients.Updates(ctx, &p, map[string]any{"city": "Austin"}); err != nil {
		log.Fatal(err)
	}
	var found []Patient
	if err := patients.Find(ctx, &found, phigorm.Prefix("last_name", "NÚ"), phigorm.Eq("city", "Austin")); err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(found), found[0].LastName, found[0].City)
	// Output: 1 Núñez Austin
}
