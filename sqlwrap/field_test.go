package sqlwrap

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

// TestFieldWithPlainDatabaseSQL writes and reads a protected column with
// database/sql directly, through Field as Valuer and Scanner.
func TestFieldWithPlainDatabaseSQL(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(24))
		if _, err := f.pats.Insert(ctx, Row{"id": int64(1), "mrn": "MRN-1", "last_name": "Old", "first_name": "A", "dob": cipher.Date{Year: 1950, Month: 1, Day: 1}}); err != nil {
			t.Fatal(err)
		}
		ssn, err := f.db.Field(ctx, "patients", "ssn", int64(1))
		if err != nil {
			t.Fatal(err)
		}
		ssn.V = "078-05-1120"
		toks, err := ssn.Tokens()
		if err != nil {
			t.Fatal(err)
		}
		ph := func(i int) string { return f.db.d.ph(i) }
		q := fmt.Sprintf("UPDATE patients SET ssn = %s, ssn_eq = %s WHERE id = %s", ph(1), ph(2), ph(3))
		if _, err := f.sql.ExecContext(ctx, q, ssn, toks["ssn_eq"], 1); err != nil {
			t.Fatal(err)
		}
		var raw []byte
		f.sql.QueryRowContext(ctx, "SELECT ssn FROM patients WHERE id = 1").Scan(&raw)
		if len(raw) < cipher.Overhead || string(raw) == "078-05-1120" {
			t.Fatalf("stored %d bytes, not a ciphertext", len(raw))
		}
		rows, err := f.pats.Find(ctx, Query{Where: []Pred{Eq("ssn", "078051120")}})
		if err != nil || len(rows) != 1 {
			t.Fatalf("find after a plain write: %v, %v", rows, err)
		}
		back, _ := f.db.Field(ctx, "patients", "ssn", int64(1))
		if err := f.sql.QueryRowContext(ctx, "SELECT ssn FROM patients WHERE id = 1").Scan(back); err != nil || back.V != "078-05-1120" {
			t.Fatalf("scan: %v, %v", back.V, err)
		}
		// Scanning with the wrong row binding fails closed.
		wrong, _ := f.db.Field(ctx, "patients", "ssn", int64(2))
		if err := f.sql.QueryRowContext(ctx, "SELECT ssn FROM patients WHERE id = 1").Scan(wrong); !errors.Is(err, cipher.ErrMisplaced) || wrong.V != nil {
			t.Fatalf("wrong row: %v, %v", wrong.V, err)
		}
		bad, _ := f.db.Field(ctx, "patients", "ssn", int64(1))
		bad.V = 12345
		if _, err := f.sql.ExecContext(ctx, "UPDATE patients SET ssn = "+ph(1)+" WHERE id = "+ph(2), bad, 1); !errors.Is(err, ErrWrongType) {
			t.Fatalf("wrong type through Valuer: %v", err)
		}
		notes, _ := f.db.Field(ctx, "patients", "notes", int64(1))
		notes.V = "x"
		if _, err := notes.Tokens(); !errors.Is(err, ErrUnsupported) {
			t.Fatalf("substring tokens through a Field: %v", err)
		}
		if _, err := f.db.Field(ctx, "patients", "city", 1); !errors.Is(err, ErrUnknownColumn) {
			t.Fatalf("plain column as Field: %v", err)
		}
	})
}
