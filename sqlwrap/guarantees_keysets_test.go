package sqlwrap

// Guarantees of sqlwrap about keysets (issue 8):
//   - 5: a keyset is never created for a column that already holds
//     ciphertext or tokens. EnsureSchema creates keysets only for empty
//     columns and indexes; reads and writes never create one; a missing
//     keyset under existing data is cipher.ErrKeysetMissing naming the
//     scope and purpose.

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

// --- item 5: no silent keyset creation under existing ciphertext ---

func TestIssue8_5_KeysetTableEmptiedRefused(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(16))
		if _, err := f.pats.InsertBatch(ctx, samplePatients); err != nil {
			t.Fatal(err)
		}
		if _, err := f.sql.ExecContext(ctx, "DELETE FROM "+ksTable); err != nil {
			t.Fatal(err)
		}
		store := f.db.KeysetStore()
		ring, err := cipher.NewKeyring(cipher.Config{KEK: f.kek, Store: store})
		if err != nil {
			t.Fatal(err)
		}
		db, err := Open(f.sql, string(d), patientSchema(16), ring)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		pats, _ := db.Table("patients")
		missing := func(what string, err error) {
			t.Helper()
			if !errors.Is(err, cipher.ErrKeysetMissing) || !strings.Contains(err.Error(), "patients.") {
				t.Fatalf("%s with the keyset table emptied: %v, want ErrKeysetMissing naming the scope", what, err)
			}
		}
		_, err = pats.Find(ctx, Query{Where: []Pred{Eq("mrn", "MRN-0001")}})
		missing("Find", err)
		_, err = pats.Get(ctx, int64(1))
		missing("Get", err)
		_, err = pats.Insert(ctx, Row{"id": int64(9), "mrn": "MRN-0009", "last_name": "Doe", "first_name": "Jo", "dob": cipher.Date{Year: 1970, Month: 1, Day: 1}})
		missing("Insert", err)
		missing("EnsureSchema", db.EnsureSchema(ctx))
		if recs, err := store.List(ctx); err != nil || len(recs) != 0 {
			t.Fatalf("keysets were created under existing ciphertext: %d records, %v", len(recs), err)
		}
	})
}

func TestIssue8_5_OneScopeMissing(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(16))
		if _, err := f.pats.InsertBatch(ctx, samplePatients); err != nil {
			t.Fatal(err)
		}
		store := f.db.KeysetStore()
		before, err := store.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		q := store.ksRebind("DELETE FROM " + ksTable + " WHERE scope = ? AND purpose = ?")
		if _, err := f.sql.ExecContext(ctx, q, "patients.name_dob", int64(cipher.PurposeIndex)); err != nil {
			t.Fatal(err)
		}
		ring, _ := cipher.NewKeyring(cipher.Config{KEK: f.kek, Store: store})
		db, err := Open(f.sql, string(d), patientSchema(16), ring)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		err = db.EnsureSchema(ctx)
		if !errors.Is(err, cipher.ErrKeysetMissing) || !strings.Contains(err.Error(), `"patients.name_dob", purpose index`) {
			t.Fatalf("EnsureSchema with the compound index keyset missing: %v", err)
		}
		if after, _ := store.List(ctx); len(after) != len(before)-1 {
			t.Fatalf("%d keysets after the refusal, want %d", len(after), len(before)-1)
		}

		// An index added to a populated table holds no tokens yet: its
		// keyset is created.
		s := patientSchema(16)
		s.Tables[0].Compound = append(s.Tables[0].Compound, &CompoundIndex{Name: "first_dob", Bits: 16,
			Parts: []CompoundPart{{Column: "first_name"}, {Column: "dob"}}})
		s.Tables[0].Compound = s.Tables[0].Compound[1:]
		db2, err := Open(f.sql, string(d), s, ring)
		if err != nil {
			t.Fatal(err)
		}
		defer db2.Close()
		if err := db2.EnsureSchema(ctx); err != nil {
			t.Fatalf("EnsureSchema adding an index to a populated table: %v", err)
		}
		if ok, err := ring.HasKeyset(ctx, "patients.first_dob", cipher.PurposeIndex); !ok || err != nil {
			t.Fatalf("new index keyset not created: %v, %v", ok, err)
		}
	})
}
