// Command databasesql uses phicrypt from plain database/sql: one adopted
// transaction (DB.WithTx) writes a patient with encrypted PHI, its
// encounter (a plain table) and an audit row, which commit or roll back
// together; a hand-written JOIN then searches the encrypted SSN column
// exactly with TableAccess.Filter (Where, Args, then Match).
//
//	go run ./examples/databasesql [-db DSN] [-key FILE]
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
    columns:
      - {name: ssn, type: string, equality: {name: ssn_eq, transforms: digits, bits: 18}}
      - {name: last_name, type: string, prefix: {name: last_name_prefix, min: 2, max: 3}}
      - {name: dob, type: date}
`

// The plain tables, which the application owns.
var plainDDL = []string{
	"CREATE TABLE IF NOT EXISTS encounters (id INTEGER PRIMARY KEY, patient_id INTEGER NOT NULL, reason VARCHAR(64) NOT NULL)",
	"CREATE TABLE IF NOT EXISTS audit_log (patient_id INTEGER NOT NULL, action VARCHAR(64) NOT NULL)",
}

// admission is a new patient and the encounter that brings them in.
type admission struct {
	patient     sqlwrap.Row
	encounterID int64
	reason      string
}

var admissions = []admission{
	{sqlwrap.Row{"ssn": "078-05-1120", "last_name": "Núñez", "dob": cipher.Date{Year: 1948, Month: 3, Day: 17}}, 100, "checkup"},
	{sqlwrap.Row{"ssn": "219-09-9999", "last_name": "Smith", "dob": cipher.Date{Year: 1990, Month: 11, Day: 2}}, 101, "checkup"},
	{sqlwrap.Row{"ssn": "457-55-5462", "last_name": "Nunes", "dob": cipher.Date{Year: 1955, Month: 7, Day: 30}}, 102, "checkup"},
}

func main() {
	dsn := flag.String("db", "sqlite:databasesql-data/patients.db", "database: sqlite:PATH, postgres://… or mysql://…")
	key := flag.String("key", "databasesql-data/patients.key", "local key file, created if absent (development only)")
	flag.Parse()
	err := createKey(*key)
	if err == nil {
		err = run(context.Background(), os.Stdout, *dsn, local.URI(*key))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "databasesql:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, dsn, keyURI string) error {
	schema, err := sqlwrap.ParseSchema("examples/databasesql", []byte(schemaYAML))
	if err != nil {
		return err
	}
	db, err := phicrypt.Connect(ctx, dsn, keyURI, schema)
	if err != nil {
		return err
	}
	defer db.Close()
	var stored int
	for _, ddl := range plainDDL {
		if _, err := db.SQL().ExecContext(ctx, ddl); err != nil {
			return err
		}
	}
	if err := db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM encounters").Scan(&stored); err != nil {
		return err
	}
	for _, a := range admissions[min(stored, len(admissions)):] { // none after the first run
		if err := admit(ctx, db, a); err != nil {
			return err
		}
	}
	return checkups(ctx, out, db, sqlwrap.Prefix("last_name", "nu"))
}

// admit writes a patient, their encounter and an audit row in one
// transaction of the caller's, adopted by the wrapper.
func admit(ctx context.Context, db *sqlwrap.DB, a admission) error {
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // after Commit, does nothing
	wtx, err := db.WithTx(tx)
	if err != nil {
		return err
	}
	pats, err := wtx.Table("patients")
	if err != nil {
		return err
	}
	id, err := pats.Insert(ctx, a.patient) // sealed, with its tokens; the database assigns the id
	if err != nil {
		return err
	}
	if _, err := wtx.ExecContext(ctx, "INSERT INTO encounters (id, patient_id, reason) VALUES ("+ph(db, 1)+", "+ph(db, 2)+", "+ph(db, 3)+")",
		a.encounterID, id, a.reason); err != nil {
		return err
	}
	if _, err := wtx.ExecContext(ctx, "INSERT INTO audit_log (patient_id, action) VALUES ("+ph(db, 1)+", "+ph(db, 2)+")", id, "admit"); err != nil {
		return err
	}
	return tx.Commit()
}

// checkups prints the checkups of the patients matching preds, from a
// JOIN of the encrypted patients and the plain encounters.
func checkups(ctx context.Context, out io.Writer, db *sqlwrap.DB, preds ...sqlwrap.Pred) error {
	pats, err := db.Table("patients")
	if err != nil {
		return err
	}
	// Where selects by the tokens, so it may let through false positives;
	// Match drops them. Its placeholders start at 2, after the reason's.
	flt, err := pats.Filter(ctx, "p", 2, preds...)
	if err != nil {
		return err
	}
	rows, err := db.SQL().QueryContext(ctx, "SELECT e.id, e.reason, p.id, p.ssn, p.last_name FROM patients p JOIN encounters e ON e.patient_id = p.id"+
		" WHERE e.reason = "+ph(db, 1)+" AND "+flt.Where+" ORDER BY e.id", append([]any{"checkup"}, flt.Args...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var encID, patID int64
		var reason string
		var ssn, last sqlwrap.Sealed
		if err := rows.Scan(&encID, &reason, &patID, &ssn, &last); err != nil {
			return err
		}
		r := sqlwrap.Row{}
		if r["ssn"], err = pats.Open(ctx, "ssn", ssn, patID); err != nil {
			return err
		}
		if r["last_name"], err = pats.Open(ctx, "last_name", last, patID); err != nil {
			return err
		}
		if ok, err := flt.Match(r); err != nil {
			return err
		} else if ok {
			fmt.Fprintf(out, "encounter %d (%s): patient %d %s, SSN %s\n", encID, reason, patID, r["last_name"], r["ssn"])
		}
	}
	return rows.Err()
}

// ph is the placeholder of argument n in db's dialect.
func ph(db *sqlwrap.DB, n int) string {
	if db.Dialect() == "postgres" {
		return fmt.Sprintf("$%d", n)
	}
	return "?"
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
