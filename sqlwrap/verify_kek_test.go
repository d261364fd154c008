package sqlwrap

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/keyprovider/local"
)

// verifyFailingKEK wraps n times, then its service fails: a rewrap that
// stops part way.
type verifyFailingKEK struct {
	keyprovider.KEK
	mu sync.Mutex
	n  int
}

func (k *verifyFailingKEK) Wrap(ctx context.Context, pt, ad []byte) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.n == 0 {
		return nil, &keyprovider.Error{Provider: "test", KeyID: "k", Op: "wrap", Kind: keyprovider.ErrUnavailable}
	}
	k.n--
	return k.KEK.Wrap(ctx, pt, ad)
}

func verifyLocalKEK(t *testing.T) *local.KEK {
	t.Helper()
	p := filepath.Join(t.TempDir(), "kek2.json")
	if err := local.Create(p); err != nil {
		t.Fatal(err)
	}
	k, err := local.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestVerifyKeysetsUnderOldKEK(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(24))
		if _, err := f.pats.InsertBatch(ctx, samplePatients); err != nil {
			t.Fatal(err)
		}
		store, err := NewKeysetStore(f.sql, string(d))
		if err != nil {
			t.Fatal(err)
		}
		kek2 := verifyLocalKEK(t)
		open := func(kek keyprovider.KEK, prev ...keyprovider.KEK) (*cipher.Keyring, *DB) {
			ring, err := cipher.NewKeyring(cipher.Config{KEK: kek, PreviousKEKs: prev, Store: store})
			if err != nil {
				t.Fatal(err)
			}
			db, err := Open(f.sql, string(d), patientSchema(24), ring)
			if err != nil {
				t.Fatal(err)
			}
			return ring, db
		}
		// A rewrap that stops after moving 3 of the 25 keysets (13, and
		// the 6 write-only sealing keysets with their public halves).
		partial, _ := open(&verifyFailingKEK{KEK: kek2, n: 3}, f.kek)
		if n, err := partial.Rewrap(ctx, &verifyFailingKEK{KEK: kek2, n: 3}); err == nil || n != 3 {
			t.Fatalf("partial rewrap: %d, %v", n, err)
		}
		// Given the old KEK too, every value opens; 16 of the 19 keysets
		// the schema uses are flagged.
		both, bothDB := open(kek2, f.kek)
		rep, err := bothDB.Verify(ctx, "patients", nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Keysets != 19 || rep.KeysetProblems != 16 || rep.ProblemCount != 16 || rep.Opened != 28 || rep.TokensOK != 35 {
			t.Fatalf("with both KEKs: %+v", rep.VerifyCounts)
		}
		for _, p := range rep.Problems {
			if p.Kind != ProblemKeysetOldKEK || p.Key != nil || p.Column == "" {
				t.Fatalf("problem %+v", p)
			}
		}
		// With the new KEK only, those keysets do not load: one problem
		// each, and their values are not checked.
		_, newDB := open(kek2)
		rep, err = newDB.Verify(ctx, "patients", nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.KeysetProblems != 16 || rep.ProblemCount != 32 || rep.Opened+rep.Unchecked != 28 || rep.Unchecked == 0 {
			t.Fatalf("with the new KEK only: %+v", rep.VerifyCounts)
		}
		// The rewrap finished, everything is clean.
		if _, err := both.Rewrap(ctx, kek2); err != nil {
			t.Fatal(err)
		}
		_, newDB = open(kek2)
		rep, err = newDB.Verify(ctx, "patients", nil)
		if err != nil || !rep.Clean() || rep.Opened != 28 {
			t.Fatalf("after the rewrap: %+v, %v", rep, err)
		}
	})
}

func TestVerifyMigratingMode(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(24))
		if _, err := f.pats.InsertBatch(ctx, samplePatients); err != nil {
			t.Fatal(err)
		}
		text := "TEXT"
		if d == testdb.DialectMySQL {
			text = "VARCHAR(64)"
		}
		f.verifyExec(t, "ALTER TABLE patients ADD COLUMN ssn__plain "+text)
		f.verifyExec(t, "ALTER TABLE patients ADD COLUMN dob__plain DATE")
		// Row 1: both migrated and equal to their plaintext; row 2: a
		// migrated ssn that differs from it; row 3: not migrated yet.
		f.verifyExec(t, "UPDATE patients SET ssn__plain = '078-05-1120', dob__plain = '1948-03-17' WHERE id = 1")
		f.verifyExec(t, "UPDATE patients SET ssn__plain = '999-99-9999' WHERE id = 2")
		f.verifyExec(t, "UPDATE patients SET ssn = NULL, ssn_eq = NULL, ssn_last4 = NULL, ssn__plain = '457-55-5462' WHERE id = 3")
		rep, err := f.db.Verify(ctx, "patients", nil)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Migrating || rep.NotMigrated != 1 || rep.PlaintextMatches != 2 || rep.PlaintextDiffers != 1 || rep.ProblemCount != 1 {
			t.Fatalf("migrating: %+v %v", rep.VerifyCounts, verifyProblemKeys(rep))
		}
		if got := verifyProblemKeys(rep); len(got) != 1 || got[0] != "2 ssn  plaintext_differs" {
			t.Fatalf("problems %v", got)
		}
		// Row 3's ssn indexes are not checked until it is migrated.
		if rep.Tokens != 33 || rep.TokensOK != 33 {
			t.Fatalf("tokens %+v", rep.VerifyCounts)
		}
	})
}

func TestPlainEquals(t *testing.T) {
	date := cipher.Date{Year: 1948, Month: 3, Day: 17}
	for _, c := range []struct {
		t    ValueType
		val  any
		raw  any
		want bool
	}{
		{TypeString, "a b", "a b", true},
		{TypeString, "a b", "a b ", false},
		{TypeString, "ab", []byte("ab"), true},
		{TypeInt64, int64(42), "42", true},
		{TypeInt64, int64(42), int64(42), true},
		{TypeInt64, int64(42), "43", false},
		{TypeFloat64, 1.5, "1.5", true},
		{TypeFloat64, 1.5, 1.5, true},
		{TypeBool, true, "1", true},
		{TypeBool, true, int64(0), false},
		{TypeDate, date, "1948-03-17", true},
		{TypeDate, date, date.Time(), true},
		{TypeDate, date, "1948-03-18", false},
		{TypeDate, date, "17/03/1948", false},
		{TypeBytes, []byte{1, 2}, []byte{1, 2}, true},
	} {
		if got := verifyPlainEquals(c.t, c.val, c.raw); got != c.want {
			t.Errorf("%s %v vs %v: %v", c.t, c.val, c.raw, got)
		}
	}
	if !verifyPlainNull(TypeDate, "") || verifyPlainNull(TypeString, "") || !verifyPlainNull(TypeString, nil) {
		t.Error("verifyPlainNull")
	}
}
