// Command sqlx writes patients with the wrapper and reads them with sqlx:
// Select scans the PHI columns into sqlwrap.Sealed fields, and
// TableAccess.Open opens each field once the row's key, which every
// ciphertext of the row is bound to, is known.
//
//	go run ./examples/sqlx [-db DSN] [-key FILE]
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

	"github.com/jmoiron/sqlx"

	"github.com/phicrypt/phicrypt"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/keyprovider/local"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

const schemaYAML = `
version: 1
tables:
  - name: patients
    key: id
    row_binding: id
    plain: [{name: city, type: text}]
    columns:
      - {name: ssn, type: string, equality: {name: ssn_eq, transforms: digits, bits: 18}}
      - {name: last_name, type: string, prefix: {name: last_name_prefix, min: 2, max: 3}}
      - {name: dob, type: date}
`

// patient is a row as sqlx scans it: its PHI stays sealed until opened.
type patient struct {
	ID       int64          `db:"id"`
	City     string         `db:"city"`
	SSN      sqlwrap.Sealed `db:"ssn"`
	LastName sqlwrap.Sealed `db:"last_name"`
	DOB      sqlwrap.Sealed `db:"dob"`
}

var samples = []sqlwrap.Row{
	{"ssn": "078-05-1120", "last_name": "Núñez", "dob": cipher.Date{Year: 1948, Month: 3, Day: 17}, "city": "Boston"},
	{"ssn": "219-09-9999", "last_name": "Nunes", "dob": cipher.Date{Year: 1990, Month: 11, Day: 2}, "city": "Boston"},
	{"ssn": "457-55-5462", "last_name": "Smith", "dob": cipher.Date{Year: 1955, Month: 7, Day: 30}, "city": "Boston"},
	{"ssn": "323-45-6789", "last_name": "Nguyen", "dob": cipher.Date{Year: 2001, Month: 7, Day: 30}, "city": "Lagos"},
}

func main() {
	dsn := flag.String("db", "sqlite:sqlx-data/patients.db", "database: sqlite:PATH, postgres://… or mysql://…")
	key := flag.String("key", "sqlx-data/patients.key", "local key file, created if absent (development only)")
	flag.Parse()
	if err := createKey(*key); err != nil {
		fmt.Fprintln(os.Stderr, "sqlx:", err)
		os.Exit(1)
	}
	if err := run(context.Background(), os.Stdout, *dsn, local.URI(*key)); err != nil {
		fmt.Fprintln(os.Stderr, "sqlx:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, dsn, keyURI string) error {
	schema, err := sqlwrap.ParseSchema("examples/sqlx", []byte(schemaYAML))
	if err != nil {
		return err
	}
	db, err := phicrypt.Connect(ctx, dsn, keyURI, schema)
	if err != nil {
		return err
	}
	defer db.Close()
	pats, err := db.Table("patients")
	if err != nil {
		return err
	}
	// Write with the wrapper, which seals every value and writes its
	// tokens; the database assigns the ids.
	n, err := pats.Count(ctx, sqlwrap.Query{})
	for i := n; i < int64(len(samples)) && err == nil; i++ { // none after the first run
		_, err = pats.Insert(ctx, samples[i])
	}
	if err != nil {
		return err
	}

	// Read with sqlx: patients of Boston whose last name starts with
	// "nu". Filter gives the tokens' condition for the WHERE clause (it
	// may select false positives; Match drops them).
	flt, err := pats.Filter(ctx, "", 2, sqlwrap.Prefix("last_name", "nu"))
	if err != nil {
		return err
	}
	xdb := sqlx.NewDb(db.SQL(), db.Dialect())
	var found []patient
	q := xdb.Rebind("SELECT id, city, ssn, last_name, dob FROM patients WHERE city = ?") + " AND " + flt.Where + " ORDER BY id"
	if err := xdb.SelectContext(ctx, &found, q, append([]any{"Boston"}, flt.Args...)...); err != nil {
		return err
	}
	for _, p := range found {
		r := sqlwrap.Row{}
		for col, s := range map[string]sqlwrap.Sealed{"ssn": p.SSN, "last_name": p.LastName, "dob": p.DOB} {
			if r[col], err = pats.Open(ctx, col, s, p.ID); err != nil {
				return err
			}
		}
		if ok, err := flt.Match(r); err != nil {
			return err
		} else if ok {
			fmt.Fprintf(out, "id=%d %s  SSN %s  born %s  %s\n", p.ID, r["last_name"], r["ssn"], r["dob"], p.City)
		}
	}
	return nil
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
