// Command gorm keeps patients' PHI encrypted under GORM: the model
// declares its PHI with phi tags, gdb.Use(phigorm.New(…)) sets phicrypt up,
// and GORM's own Create, Where(phigorm.Prefix(…)).Find and Updates seal,
// index and search it.
//
//	go run . [-db DSN] [-key FILE]     (in examples/gorm, a module of its own)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/phicrypt/phicrypt/cipher"
	phigorm "github.com/phicrypt/phicrypt/integration/gorm"
	"github.com/phicrypt/phicrypt/internal/dsn"
	"github.com/phicrypt/phicrypt/keyprovider/local"
)

// Patient is the whole model: GORM's own fields, and the PHI declared by
// its phi tags (docs/SCHEMA.md). The ciphertexts are bound to the id.
type Patient struct {
	gorm.Model
	SSN      string      `phi:"max_length=11; eq(transforms=digits, bits=18)"`
	LastName string      `phi:"max_length=64; prefix(min=2, max=3)"`
	DOB      cipher.Date `phi:""`
	City     string
}

var samples = []Patient{
	{SSN: "078-05-1120", LastName: "Núñez", DOB: cipher.Date{Year: 1948, Month: 3, Day: 17}, City: "Boston"},
	{SSN: "219-09-9999", LastName: "Nunes", DOB: cipher.Date{Year: 1990, Month: 11, Day: 2}, City: "Boston"},
	{SSN: "457-55-5462", LastName: "Smith", DOB: cipher.Date{Year: 1955, Month: 7, Day: 30}, City: "Boston"},
	{SSN: "323-45-6789", LastName: "Nguyen", DOB: cipher.Date{Year: 2001, Month: 7, Day: 30}, City: "Lagos"},
}

func main() {
	db := flag.String("db", "sqlite:gorm-data/patients.db", "database: sqlite:PATH, postgres://… or mysql://…")
	key := flag.String("key", "gorm-data/patients.key", "local key file, created if absent (development only)")
	flag.Parse()
	if err := createKey(*key); err != nil {
		fmt.Fprintln(os.Stderr, "gorm:", err)
		os.Exit(1)
	}
	if err := run(context.Background(), os.Stdout, *db, *key); err != nil {
		fmt.Fprintln(os.Stderr, "gorm:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, dataSource, keyFile string) error {
	dialector, err := open(dataSource)
	if err != nil {
		return err
	}
	gdb, err := gorm.Open(dialector, &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return err
	}
	kek, err := local.Open(keyFile)
	if err != nil {
		return err
	}
	gdb = gdb.WithContext(ctx)

	// Everything phicrypt needs: the plugin creates the table, its index
	// columns and keysets; GORM's own API does the rest.
	if err := gdb.Use(phigorm.New(kek, &Patient{})); err != nil {
		return err
	}
	var n int64
	if err := gdb.Model(&Patient{}).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 { // none after the first run
		if err := gdb.Create(samples).Error; err != nil {
			return err
		}
	}
	var ssn Patient
	if err := gdb.Where(phigorm.Eq("ssn", "457555462")).First(&ssn).Error; err != nil {
		return err
	}
	if err := gdb.Model(&ssn).Updates(Patient{City: "Boston"}).Error; err != nil { // tokens recomputed
		return err
	}
	var found []Patient // accents and case ignored; exact: false positives dropped
	if err := gdb.Where(phigorm.Prefix("last_name", "nu"), phigorm.Eq("city", "Boston")).Order("id").Find(&found).Error; err != nil {
		return err
	}
	for _, p := range found {
		fmt.Fprintf(out, "id=%d %s  SSN %s  born %s  %s\n", p.ID, p.LastName, p.SSN, p.DOB, p.City)
	}
	return nil
}

// open returns GORM's dialector for a DSN in the forms phicrypt takes.
func open(dataSource string) (gorm.Dialector, error) {
	switch dsn.Guess(dataSource) {
	case "postgres":
		return postgres.Open(dataSource), nil
	case "mysql":
		c, err := dsn.MySQL(dataSource)
		if err != nil {
			return nil, err
		}
		c.ParseTime = true
		return mysql.Open(c.FormatDSN()), nil
	case "sqlite":
		path, _ := dsn.SQLitePath(dataSource)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		return sqlite.Open("file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)"), nil
	}
	return nil, fmt.Errorf("cannot tell the database from %q (want sqlite:PATH, postgres://… or mysql://…)", strings.SplitN(dataSource, "@", 2)[0])
}

// createKey creates a local key file at path unless one is there.
func createKey(path string) error {
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return local.Create(path)
}
