package sqlwrap

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

// TestWriteOnlyValuesVerifyAndReencrypt: the admin's Verify opens
// write-only values and counts them as not under the primary data key;
// Reencrypt rewrites them in format 1.
func TestWriteOnlyValuesVerifyAndReencrypt(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, testdb.DialectSQLite, patientSchema(4))
	_, imp := asPrincipal(t, f, importerGrant)
	for _, r := range samplePatients {
		if _, err := imp.Insert(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := f.db.Verify(ctx, "patients", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Clean() || rep.Opened != rep.Values || rep.Values == 0 || rep.OldDataKey != rep.Values {
		t.Fatalf("verify: %+v", rep)
	}
	// Without a rotation there is nothing to move: the values stay
	// write-only and open.
	if err := f.db.Reencrypt(ctx, "patients", nil); err != nil {
		t.Fatal(err)
	}
	if r, err := f.pats.Get(ctx, int64(1)); err != nil || r["ssn"] != "078-05-1120" {
		t.Fatalf("admin read: %v, %v", r, err)
	}
	// After a rotation, Reencrypt rewrites every value not under the
	// primary data key, write-only ones included, in format 1.
	if _, err := f.db.ring.RotateKey(ctx, "patients.mrn", cipher.PurposeValue); err != nil {
		t.Fatal(err)
	}
	if err := f.db.Reencrypt(ctx, "patients", &ReencryptOptions{RotationWait: 1}); err != nil {
		t.Fatal(err)
	}
	formats := func() map[byte]int {
		out := map[byte]int{}
		rs, err := f.sql.QueryContext(ctx, "SELECT ssn, mrn, last_name, first_name, dob, notes FROM patients")
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Close()
		for rs.Next() {
			cols := make([][]byte, 6)
			ptrs := make([]any, 6)
			for i := range cols {
				ptrs[i] = &cols[i]
			}
			if err := rs.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, c := range cols {
				if c != nil {
					out[c[0]]++
				}
			}
		}
		return out
	}
	if got := formats(); got[cipher.FormatWriteOnly] != 0 || got[cipher.FormatVersion] == 0 {
		t.Fatalf("after Reencrypt formats %v", got)
	}
	rep, err = f.db.Verify(ctx, "patients", nil)
	if err != nil || !rep.Clean() || rep.OldDataKey != 0 {
		t.Fatalf("verify after reencrypt: %+v, %v", rep, err)
	}
	if r, err := f.pats.Get(ctx, int64(3)); err != nil || r["last_name"] != "Smithers" {
		t.Fatalf("admin read after reencrypt: %v, %v", r, err)
	}
}

// TestDamagedWriteOnlyValue: a damaged write-only value fails the admin's
// read with an error naming the row and column, never a value.
func TestDamagedWriteOnlyValue(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, testdb.DialectSQLite, patientSchema(4))
	_, imp := asPrincipal(t, f, importerGrant)
	if _, err := imp.Insert(ctx, samplePatients[0]); err != nil {
		t.Fatal(err)
	}
	var ct []byte
	if err := f.sql.QueryRowContext(ctx, "SELECT ssn FROM patients WHERE id = 1").Scan(&ct); err != nil {
		t.Fatal(err)
	}
	ct[len(ct)-3] ^= 0x40
	if _, err := f.sql.ExecContext(ctx, "UPDATE patients SET ssn = ? WHERE id = 1", ct); err != nil {
		t.Fatal(err)
	}
	_, err := f.pats.Get(ctx, int64(1))
	if !errors.Is(err, cipher.ErrTampered) || !strings.Contains(err.Error(), "patients.ssn") || !strings.Contains(err.Error(), "key 1") {
		t.Fatalf("damaged write-only value: %v", err)
	}
	noValues(t, err)
	// The importer reads a redaction: it never decrypts, damaged or not.
	if r, err := imp.Get(ctx, int64(1)); err != nil || r["ssn"] != (Redacted{Column: "ssn"}) {
		t.Fatalf("importer: %v, %v", r, err)
	}
}
