package sqlwrap

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/phicrypt/phicrypt/blindindex"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

// TestSchemaKeysetsMatchEnsureSchema checks that Schema.Keysets lists
// exactly the keysets EnsureSchema creates and the wrapper uses, shared
// scopes merged, in the same order.
func TestSchemaKeysetsMatchEnsureSchema(t *testing.T) {
	s := patientSchema(12)
	// A second table whose column shares a scope with the first.
	s.Tables = append(s.Tables, &Table{Name: "contacts", Key: "id", Columns: []*Column{
		{Name: "ssn", Type: TypeString, Nullable: true, Scope: "patients.ssn", Equality: []*EqualityIndex{{Name: "c_ssn_eq", Transforms: "digits", Bits: 12}}},
		{Name: "phone", Type: TypeString, Nullable: true},
	}})
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	got := s.Keysets()
	f := newFixture(t, testdb.DialectSQLite, s)

	var uses []string
	for _, u := range f.db.keysetUses() {
		uses = append(uses, fmt.Sprintf("%s/%s", u.purpose, u.scope))
	}
	var listed []string
	for _, k := range got {
		listed = append(listed, fmt.Sprintf("%s/%s", k.Purpose, k.Scope))
	}
	if fmt.Sprint(uses) != fmt.Sprint(listed) {
		t.Fatalf("Keysets %v, wrapper uses %v", listed, uses)
	}

	recs, err := f.db.KeysetStore().List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var stored []string
	for _, r := range recs {
		if r.Purpose == cipher.PurposeSealPublic {
			continue // stored with its private keyset, not listed
		}
		stored = append(stored, fmt.Sprintf("%s/%s", r.Purpose, r.Scope))
	}
	sort.Strings(stored)
	sort.Strings(listed)
	if fmt.Sprint(stored) != fmt.Sprint(listed) {
		t.Fatalf("EnsureSchema created %v, Keysets lists %v", stored, listed)
	}
	for _, k := range got {
		if k.Scope == "patients.ssn" && k.Purpose == cipher.PurposeValue {
			if fmt.Sprint(k.Uses) != "[patients.ssn contacts.ssn]" {
				t.Errorf("shared scope uses %v", k.Uses)
			}
		}
		if k.Scope == "patients.name_dob" && (k.Purpose != cipher.PurposeIndex || fmt.Sprint(k.Uses) != "[patients.name_dob]") {
			t.Errorf("compound keyset %+v", k)
		}
	}
}

func TestPrefixGramClassesExported(t *testing.T) {
	ix := &BloomIndex{Name: "p", Kind: blindindex.Prefix, Transforms: "letters", MinGram: 1, MaxGram: 2}
	if got := PrefixGramClasses(ix, 1e6); got != 26*26 {
		t.Errorf("letters max 2 over 1e6 values: %v classes, want 676", got)
	}
	if got := PrefixGramClasses(ix, 100); got != 100 {
		t.Errorf("over 100 values: %v", got)
	}
	if got := PrefixGramClasses(&BloomIndex{Kind: blindindex.Substring}, 100); got != 0 {
		t.Errorf("substring: %v", got)
	}
}
