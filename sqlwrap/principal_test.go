package sqlwrap

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

// asPrincipal opens the fixture's database again with a keyring limited
// to g, over the same KEK and keyset store.
func asPrincipal(t *testing.T, f *fixture, g *cipher.Grant) (*cipher.Keyring, *TableAccess) {
	t.Helper()
	ring, err := cipher.NewKeyring(cipher.Config{KEK: f.kek, Store: f.db.KeysetStore(), Grant: g})
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(f.sql, string(f.d), f.db.schema, ring)
	if err != nil {
		t.Fatal(err)
	}
	ta, err := db.Table("patients")
	if err != nil {
		t.Fatal(err)
	}
	return ring, ta
}

var (
	importerGrant   = &cipher.Grant{Principal: "loader", Role: "importer", Default: cipher.PermEncrypt | cipher.PermIndex}
	researcherGrant = &cipher.Grant{Principal: "ana", Role: "researcher"}
)

// noValues fails if err's text holds any protected value of the sample.
func noValues(t *testing.T, err error) {
	t.Helper()
	for _, r := range samplePatients {
		for _, c := range []string{"ssn", "mrn", "last_name", "first_name", "notes"} {
			if s, ok := r[c].(string); ok && len(s) > 3 && strings.Contains(err.Error(), s) {
				t.Fatalf("error names a value of %s: %v", c, err)
			}
		}
	}
}

func TestImporterWritesWhatItCannotRead(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(4))
		ring, imp := asPrincipal(t, f, importerGrant)
		for _, r := range samplePatients {
			if _, err := imp.Insert(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		// Every stored value is write-only.
		var stored []byte
		if err := f.sql.QueryRowContext(ctx, "SELECT ssn FROM patients WHERE id = 1").Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored[0] != cipher.FormatWriteOnly {
			t.Fatalf("importer stored format %#x", stored[0])
		}
		// Reading back gives redactions, never ciphertext or "".
		r, err := imp.Get(ctx, int64(1))
		if err != nil {
			t.Fatal(err)
		}
		if r["ssn"] != (Redacted{Column: "ssn"}) || r["notes"] != (Redacted{Column: "notes"}) || r["city"] != "Boston" || r["age"] != int64(77) {
			t.Fatalf("importer read %v", r)
		}
		if r4, err := imp.Get(ctx, int64(4)); err != nil || r4["ssn"] != nil || r4["last_name"] != (Redacted{Column: "last_name"}) {
			t.Fatalf("importer read row 4: %v, %v", r4, err)
		}
		// Nor can a Field of its DB scan it.
		fld, err := imp.db.Field(ctx, "patients", "ssn", int64(1))
		if err != nil {
			t.Fatal(err)
		}
		if err := fld.Scan(stored); !errors.Is(err, ErrNotPermitted) || fld.V != nil {
			t.Fatalf("importer scanned a field: %v, %v", fld.V, err)
		}
		// The keyring it was given cannot open the value either.
		_, err = imp.Open(ctx, "ssn", stored, int64(1))
		if !errors.Is(err, ErrNotPermitted) || !strings.Contains(err.Error(), "ssn") {
			t.Fatalf("importer opened through the table: %v", err)
		}
		noValues(t, err)
		col, err := ring.Column("patients", "ssn")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := col.Open(ctx, stored, []byte{0, 0, 0, 0, 0, 0, 0, 1}); !errors.Is(err, cipher.ErrNotPermitted) {
			t.Fatalf("importer's keyring opened the value: %v", err)
		}
		// Searches need Unconfirmed: the importer cannot decrypt the
		// candidates to drop false positives.
		_, err = imp.Find(ctx, Query{Where: []Pred{Eq("ssn", "078-05-1120")}})
		if !errors.Is(err, ErrNotPermitted) || !strings.Contains(err.Error(), "patients.ssn") {
			t.Fatalf("importer search without Unconfirmed: %v", err)
		}
		noValues(t, err)
		rows, err := imp.Find(ctx, Query{Where: []Pred{Eq("ssn", "078-05-1120")}, Unconfirmed: true})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(rows); !containsAll(got, 1, 5) {
			t.Fatalf("importer Eq found %v, want 1 and 5 among them", got)
		}
		for _, r := range rows {
			if _, ok := r["ssn"].(Redacted); !ok {
				t.Fatalf("importer search returned %T for ssn", r["ssn"])
			}
		}
		rows, err = imp.Find(ctx, Query{Where: []Pred{Prefix("last_name", "smi")}, Unconfirmed: true})
		if err != nil || !containsAll(ids(rows), 2, 3) {
			t.Fatalf("importer Prefix: %v, %v", ids(rows), err)
		}
		// A plain condition needs no key.
		rows, err = imp.Find(ctx, Query{Where: []Pred{Eq("city", "Boston")}})
		if err != nil || fmt.Sprint(ids(rows)) != "[1 3]" {
			t.Fatalf("importer plain search: %v, %v", ids(rows), err)
		}
		// The admin reads everything, through the same searches.
		got, err := f.pats.Get(ctx, int64(1))
		if err != nil || got["ssn"] != "078-05-1120" || got["notes"] != "Allergic to penicillin" || got["dob"] != (cipher.Date{Year: 1948, Month: 3, Day: 17}) {
			t.Fatalf("admin read %v, %v", got, err)
		}
		for _, q := range []struct {
			p    Pred
			want string
		}{
			{Eq("ssn", "078-05-1120"), "[1 5]"},
			{Prefix("last_name", "smi"), "[2 3]"},
			{Contains("notes", "penicillin"), "[1 4]"},
		} {
			rows, err := f.pats.Find(ctx, Query{Where: []Pred{q.p}})
			if err != nil || fmt.Sprint(ids(rows)) != q.want {
				t.Fatalf("admin %v: %v, %v; want %s", q.p, ids(rows), err, q.want)
			}
		}
		rows, err = f.pats.Find(ctx, Query{Where: []Pred{Eq("last_name", "nunez"), Eq("dob", cipher.Date{Year: 1948, Month: 3, Day: 17})}})
		if err != nil || fmt.Sprint(ids(rows)) != "[1]" {
			t.Fatalf("admin compound: %v, %v", ids(rows), err)
		}
		// The admin updates a row the importer wrote; the importer still
		// reads a redaction.
		if err := f.pats.Update(ctx, int64(2), Row{"ssn": "111-22-3333"}); err != nil {
			t.Fatal(err)
		}
		if r, err := imp.Get(ctx, int64(2)); err != nil || r["ssn"] != (Redacted{Column: "ssn"}) {
			t.Fatalf("importer read the admin's value: %v, %v", r["ssn"], err)
		}
	})
}

func TestResearcherSeesRedactions(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(4))
		for _, r := range samplePatients {
			if _, err := f.pats.Insert(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		_, res := asPrincipal(t, f, researcherGrant)
		rows, err := res.Find(ctx, Query{Where: []Pred{Eq("city", "Boston")}})
		if err != nil || len(rows) != 2 {
			t.Fatalf("researcher plain search: %v, %v", ids(rows), err)
		}
		for _, c := range []string{"ssn", "mrn", "last_name", "first_name", "dob", "notes"} {
			if rows[0][c] != (Redacted{Column: c}) {
				t.Fatalf("researcher read %s as %#v", c, rows[0][c])
			}
		}
		if rows[0]["city"] != "Boston" || rows[0]["age"] != int64(77) || rows[0]["id"] != int64(1) {
			t.Fatalf("researcher plain columns: %v", rows[0])
		}
		// Searching a protected column needs the index permission.
		for _, p := range []Pred{Eq("ssn", "078-05-1120"), Prefix("last_name", "smi"), Contains("notes", "penicillin")} {
			_, err := res.Find(ctx, Query{Where: []Pred{p}, Unconfirmed: true})
			if !errors.Is(err, ErrNotPermitted) || !strings.Contains(err.Error(), "patients.") {
				t.Fatalf("researcher %v: %v", p, err)
			}
			noValues(t, err)
		}
		_, err = res.Find(ctx, Query{Where: []Pred{Eq("last_name", "Smith"), Eq("dob", cipher.Date{Year: 1990, Month: 11, Day: 2})}})
		if !errors.Is(err, ErrNotPermitted) {
			t.Fatalf("researcher compound search: %v", err)
		}
		// Nor may it write protected values.
		_, err = res.Insert(ctx, Row{"id": int64(9), "mrn": "MRN-9", "last_name": "X", "first_name": "Y", "dob": cipher.Date{Year: 2000, Month: 1, Day: 1}})
		if !errors.Is(err, ErrNotPermitted) {
			t.Fatalf("researcher insert: %v", err)
		}
		if n, err := f.pats.Count(ctx, Query{}); err != nil || n != int64(len(samplePatients)) {
			t.Fatalf("count after refused insert: %d, %v", n, err)
		}
		// A typed read into a string field is an explicit error, a field
		// that can hold a Redacted gets it.
		type strict struct {
			ID  int64  `db:"id"`
			SSN string `db:"ssn"`
		}
		ts, err := ForTable[strict](res)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ts.Get(ctx, int64(1)); !errors.Is(err, ErrNotPermitted) || !strings.Contains(err.Error(), "ssn") {
			t.Fatalf("typed read of a redacted column: %v", err)
		}
		type loose struct {
			ID   int64  `db:"id"`
			SSN  any    `db:"ssn"`
			City string `db:"city"`
		}
		tl, err := ForTable[loose](res)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := tl.Get(ctx, int64(1)); err != nil || v.SSN != (Redacted{Column: "ssn"}) || v.City != "Boston" {
			t.Fatalf("typed read into any: %+v, %v", v, err)
		}
	})
}

// TestPrincipalsMixedFormats: both formats in one column open for the
// admin, and a grant on some scopes only decrypts those.
func TestPrincipalsMixedFormats(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, testdb.DialectSQLite, patientSchema(4))
	_, imp := asPrincipal(t, f, importerGrant)
	for i, r := range samplePatients {
		ta := f.pats
		if i%2 == 0 {
			ta = imp
		}
		if _, err := ta.Insert(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	formats := map[byte]int{}
	rs, err := f.sql.QueryContext(ctx, "SELECT mrn FROM patients")
	if err != nil {
		t.Fatal(err)
	}
	for rs.Next() {
		var b []byte
		if err := rs.Scan(&b); err != nil {
			t.Fatal(err)
		}
		formats[b[0]]++
		if bytes.Contains(b, []byte("MRN-")) {
			t.Fatal("plaintext in the database")
		}
	}
	rs.Close()
	if formats[cipher.FormatVersion] != 2 || formats[cipher.FormatWriteOnly] != 3 {
		t.Fatalf("formats %v", formats)
	}
	rows, err := f.pats.Find(ctx, Query{})
	if err != nil || len(rows) != len(samplePatients) {
		t.Fatalf("admin: %d rows, %v", len(rows), err)
	}
	for i, r := range rows {
		if r["mrn"] != samplePatients[i]["mrn"] || r["last_name"] != samplePatients[i]["last_name"] {
			t.Fatalf("admin row %d: %v", i, r)
		}
	}
	// A clinician may read mrn and nothing else.
	_, clin := asPrincipal(t, f, &cipher.Grant{Principal: "doc", Scopes: map[string]cipher.Permission{"patients.mrn": cipher.PermDecrypt | cipher.PermIndex}})
	rows, err = clin.Find(ctx, Query{Where: []Pred{Eq("mrn", "MRN-0003")}})
	if err != nil || fmt.Sprint(ids(rows)) != "[3]" || rows[0]["mrn"] != "MRN-0003" || rows[0]["ssn"] != (Redacted{Column: "ssn"}) {
		t.Fatalf("clinician: %v, %v", rows, err)
	}
}

func containsAll(got []int64, want ...int64) bool {
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			return false
		}
	}
	return true
}
