package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/phicrypt/phicrypt"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/keyprovider/local"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// cliSchema is the schema of the keys and find tests: every index kind.
const cliSchema = `version: 1
tables:
  - name: patients
    key: id
    row_binding: id
    plain:
      - {name: city, type: text, nullable: true}
      - {name: age, type: integer, nullable: true}
    columns:
      - name: ssn
        type: string
        nullable: true
        max_length: 16
        equality: {transforms: digits, bits: 8}
      - name: last_name
        type: string
        equality: {name: last_name_eq, bits: 6}
        prefix: {max: 4}
      - name: notes
        type: string
        nullable: true
        substring: {reveals: equality}
      - name: dob
        type: date
        nullable: true
      - name: visits
        type: int64
        nullable: true
        equality: {bits: 4, force: true}
    compound:
      - name: name_dob
        bits: 8
        parts: [{column: last_name}, {column: dob}]
`

// runPhicrypt runs the CLI in-process.
func runPhicrypt(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// newKeyFile creates a local key file and returns its URI.
func newKeyFile(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := local.Create(p); err != nil {
		t.Fatal(err)
	}
	return local.URI(p)
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// cliPatients are the rows of the fixture.
var cliPatients = []sqlwrap.Row{
	{"id": int64(1), "ssn": "078-05-1120", "last_name": "Smith", "notes": "allergic to penicillin", "dob": cipher.Date{Year: 1950, Month: 3, Day: 4}, "visits": int64(3), "city": "Springfield", "age": int64(75)},
	{"id": int64(2), "ssn": "123-45-6789", "last_name": "Smithers", "notes": "diabetic", "dob": cipher.Date{Year: 1961, Month: 7, Day: 9}, "visits": int64(12), "city": "Austin", "age": int64(64)},
	{"id": int64(3), "ssn": nil, "last_name": "Müller", "notes": nil, "dob": nil, "visits": nil, "city": "Madison", "age": nil},
	{"id": int64(4), "ssn": "555-12-3434", "last_name": "Nguyen", "notes": "Penicillin again", "dob": cipher.Date{Year: 1950, Month: 3, Day: 4}, "visits": int64(3), "city": "Austin", "age": int64(75)},
}

// cliFixture is a database of dialect d whose keysets keys init created
// under a local key file, with cliPatients written through the wrapper.
func cliFixture(t *testing.T, d testdb.Dialect) (dsn, kek, schema string) {
	t.Helper()
	_, dsn = testdb.Open(t, d)
	kek = newKeyFile(t, "kek.json")
	schema = writeFile(t, "schema.yaml", cliSchema)
	if code, _, stderr := runPhicrypt(t, "keys", "init", "--db", dsn, "--schema", schema, "--kek", kek); code != 0 {
		t.Fatalf("keys init: exit %d: %s", code, stderr)
	}
	s, err := sqlwrap.LoadSchemaFile(schema)
	if err != nil {
		t.Fatal(err)
	}
	db, err := phicrypt.Connect(context.Background(), dsn, kek, s)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pats, err := db.Table("patients")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pats.InsertBatch(context.Background(), cliPatients); err != nil {
		t.Fatal(err)
	}
	return dsn, kek, schema
}
