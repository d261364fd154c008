// Command quickstart stores a few patients in an SQLite database with their
// PHI encrypted, searches them by SSN, by last-name prefix and by last name
// + date of birth, and prints one row as the database holds it.
//
//	go run ./examples/quickstart [-db PATH]
//
// The first run creates the database and, beside it, a local key file
// (development only: use AWS KMS or Vault for real data). Later runs reuse
// both, so the patients stored earlier still open.
package main

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/phicrypt/phicrypt"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/keyprovider/local"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

func main() {
	dbPath := flag.String("db", filepath.Join("quickstart-data", "patients.db"), "SQLite database file (created if absent)")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *dbPath, samplePatients); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// schemaYAML protects the identifiers of the patients table: each with an
// equality index, the last name also with a prefix index, and a compound
// index over last name and date of birth.
//
//go:embed schema.yaml
var schemaYAML []byte

// patient is the program's view of a row.
type patient struct {
	ID                         int64
	SSN, MRN, Last, First, Sex string
	DOB                        cipher.Date
}

var samplePatients = []patient{
	{1, "078-05-1120", "MRN-000101", "Núñez", "Ana María", "F", cipher.Date{Year: 1948, Month: 3, Day: 17}},
	{2, "219-09-9999", "MRN-000102", "Smith", "John", "M", cipher.Date{Year: 1990, Month: 11, Day: 2}},
	{3, "457-55-5462", "MRN-000103", "Smithers", "Wayland", "M", cipher.Date{Year: 1955, Month: 7, Day: 30}},
	{4, "323-45-6789", "MRN-000104", "Nguyễn", "Văn An", "M", cipher.Date{Year: 2001, Month: 7, Day: 30}},
	{5, "512-34-0987", "MRN-000105", "Nunes", "Rita", "F", cipher.Date{Year: 1948, Month: 3, Day: 17}},
}

func run(ctx context.Context, out io.Writer, dbPath string, patients []patient) error {
	if err := os.MkdirAll(filepath.Dir(dbPath), 0o700); err != nil {
		return err
	}
	keyPath := strings.TrimSuffix(dbPath, filepath.Ext(dbPath)) + ".key"
	if _, err := os.Stat(keyPath); errors.Is(err, fs.ErrNotExist) {
		if err := local.Create(keyPath); err != nil {
			return err
		}
		fmt.Fprintf(out, "created key file %s (local key files are for development only)\n", keyPath)
	}
	schema, err := sqlwrap.ParseSchema("examples/quickstart/schema.yaml", schemaYAML)
	if err != nil {
		return err
	}
	// One call opens SQLite with WAL, a busy timeout and BEGIN IMMEDIATE,
	// the key, the keysets stored in the same database, and creates the
	// tables, indexes and keysets the schema needs.
	db, err := phicrypt.Connect(ctx, "sqlite:"+dbPath, local.URI(keyPath), schema)
	if err != nil {
		return err
	}
	defer db.Close()
	pats, err := db.Table("patients")
	if err != nil {
		return err
	}

	var rows []sqlwrap.Row
	for _, p := range patients {
		if _, err := pats.Get(ctx, p.ID); err == nil {
			continue // stored by an earlier run
		} else if !errors.Is(err, sqlwrap.ErrNotFound) {
			return err
		}
		rows = append(rows, sqlwrap.Row{"id": p.ID, "ssn": p.SSN, "mrn": p.MRN, "last_name": p.Last, "first_name": p.First, "dob": p.DOB, "sex": p.Sex})
	}
	if _, err := pats.InsertBatch(ctx, rows); err != nil {
		return err
	}
	fmt.Fprintf(out, "stored %d new patients in %s\n", len(rows), dbPath)

	show := func(title string, q sqlwrap.Query) error {
		found, err := pats.Find(ctx, q)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "\n%s: %d found\n", title, len(found))
		for _, r := range found {
			fmt.Fprintf(out, "  found: id=%v %s, %s  SSN %s  MRN %s  born %s\n", r["id"], r["last_name"], r["first_name"], r["ssn"], r["mrn"], r["dob"])
		}
		return nil
	}
	first := patients[0]
	if err := show("by SSN (typed without dashes)", sqlwrap.Query{Where: []sqlwrap.Pred{sqlwrap.Eq("ssn", strings.ReplaceAll(first.SSN, "-", ""))}}); err != nil {
		return err
	}
	prefix := string([]rune(patients[1].Last)[:3])
	if err := show("by last-name prefix", sqlwrap.Query{Where: []sqlwrap.Pred{sqlwrap.Prefix("last_name", strings.ToLower(prefix))}, OrderBy: []sqlwrap.Order{{Col: "id"}}}); err != nil {
		return err
	}
	if err := show("by last name + date of birth", sqlwrap.Query{Where: []sqlwrap.Pred{sqlwrap.Eq("last_name", strings.ToUpper(first.Last)), sqlwrap.Eq("dob", first.DOB)}}); err != nil {
		return err
	}

	fmt.Fprintf(out, "\nrow id=%d as the database stores it:\n", first.ID)
	return printStoredRow(ctx, out, db.SQL(), first.ID)
}

// printStoredRow prints every column of a row straight from SQLite.
func printStoredRow(ctx context.Context, out io.Writer, db *sql.DB, id int64) error {
	rows, err := db.QueryContext(ctx, "SELECT * FROM patients WHERE id = ?", id)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	if !rows.Next() {
		return errors.New("row not found")
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return err
	}
	for i, c := range cols {
		switch v := vals[i].(type) {
		case []byte:
			fmt.Fprintf(out, "  %-18s %d bytes: %s…\n", c, len(v), hex.EncodeToString(v[:min(len(v), 24)]))
		default:
			fmt.Fprintf(out, "  %-18s %v\n", c, v)
		}
	}
	return rows.Err()
}
