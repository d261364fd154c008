package sqlwrap

import (
	"context"
	"encoding/binary"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/keyprovider/local"
)

// unwrapLog records the purpose and scope of every keyset record a KEK
// unwraps, read from the record's associated data (docs/FORMAT.md §4:
// "phicrypt-keyset" | version | purpose | u64 bound | u16 len | scope).
type unwrapLog struct {
	keyprovider.KEK
	mu  sync.Mutex
	got map[cipher.Purpose][]string
}

func (k *unwrapLog) Unwrap(ctx context.Context, w, ad []byte) ([]byte, error) {
	const pre = "phicrypt-keyset"
	if len(ad) > len(pre)+12 && strings.HasPrefix(string(ad), pre) {
		p := cipher.Purpose(ad[len(pre)+1])
		n := int(binary.BigEndian.Uint16(ad[len(pre)+10:]))
		scope := string(ad[len(pre)+12:][:n])
		k.mu.Lock()
		if k.got == nil {
			k.got = map[cipher.Purpose][]string{}
		}
		k.got[p] = append(k.got[p], scope)
		k.mu.Unlock()
	}
	return k.KEK.Unwrap(ctx, w, ad)
}

func (k *unwrapLog) scopes(p cipher.Purpose) []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := slices.Clone(k.got[p])
	slices.Sort(s)
	return s
}

func (k *unwrapLog) all() map[cipher.Purpose][]string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return maps.Clone(k.got)
}

// The write-only sealing keysets are unwrapped only where a write-only
// seal or the opening of a version-2 value needs them: not when the
// keysets are created, not by a keyring without a grant that writes and
// searches version-1 values, and by an importer only for the columns it
// writes. (Counting KEK calls does not depend on the database: SQLite.)
func TestSealingKeysetsUnwrappedOnlyWhenUsed(t *testing.T) {
	ctx := context.Background()
	d := testdb.DialectSQLite
	sqldb, _ := testdb.Open(t, d)
	kf := filepath.Join(t.TempDir(), "kek.json")
	if err := local.Create(kf); err != nil {
		t.Fatal(err)
	}
	base, err := local.Open(kf)
	if err != nil {
		t.Fatal(err)
	}
	store, err := NewKeysetStore(sqldb, string(d))
	if err != nil {
		t.Fatal(err)
	}
	open := func(g *cipher.Grant) (*unwrapLog, *TableAccess) {
		t.Helper()
		kek := &unwrapLog{KEK: base}
		ring, err := cipher.NewKeyring(cipher.Config{KEK: kek, Store: store, Grant: g})
		if err != nil {
			t.Fatal(err)
		}
		db, err := Open(sqldb, string(d), patientSchema(4), ring)
		if err != nil {
			t.Fatal(err)
		}
		ta, err := db.Table("patients")
		if err != nil {
			t.Fatal(err)
		}
		return kek, ta
	}
	noSealing := func(step string, kek *unwrapLog) {
		t.Helper()
		if n := len(kek.scopes(cipher.PurposeSealPrivate)) + len(kek.scopes(cipher.PurposeSealPublic)); n != 0 {
			t.Errorf("%s: %d sealing keysets unwrapped: %v", step, n, kek.all())
		}
	}
	work := func(ta *TableAccess, rows []Row) {
		t.Helper()
		for _, r := range rows {
			if _, err := ta.Insert(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		got, err := ta.Find(ctx, Query{Where: []Pred{Eq("ssn", "078-05-1120")}})
		if err != nil || len(got) == 0 {
			t.Fatalf("find: %v, %v", got, err)
		}
		for _, err := range ta.Rows(ctx, Query{Where: []Pred{Prefix("last_name", "smi")}}) {
			if err != nil {
				t.Fatal(err)
			}
		}
	}

	// The keyring that creates the keysets (EnsureSchema), then writes and
	// searches.
	kek, ta := open(nil)
	if err := ta.db.EnsureSchema(ctx); err != nil {
		t.Fatal(err)
	}
	noSealing("EnsureSchema", kek)
	work(ta, samplePatients[:3])
	noSealing("first keyring's insert and find", kek)
	t.Logf("creating keyring: %v", kek.all())

	// Another process with a full keyring: the value and index keysets
	// once each, nothing else.
	kek, ta = open(nil)
	work(ta, samplePatients[3:])
	noSealing("second keyring's insert and find", kek)
	if n := len(kek.scopes(cipher.PurposeValue)); n != 6 {
		t.Errorf("value keysets unwrapped %d times, want 6 (one per protected column): %v", n, kek.scopes(cipher.PurposeValue))
	}
	if n := len(kek.scopes(cipher.PurposeIndex)); n != 5 {
		t.Errorf("index keysets unwrapped %d times, want 5 (four indexed columns, one compound index): %v", n, kek.scopes(cipher.PurposeIndex))
	}
	t.Logf("second keyring: %v", kek.all())

	// An importer writing a row without ssn and notes unwraps the public
	// sealing keysets of the four columns it writes, and no decryption
	// keyset.
	kek, ta = open(importerGrant)
	if _, err := ta.Insert(ctx, Row{"id": int64(10), "ssn": nil, "mrn": "MRN-0010", "last_name": "Okafor",
		"first_name": "Ada", "dob": cipher.Date{Year: 1980, Month: 5, Day: 6}, "city": "Austin"}); err != nil {
		t.Fatal(err)
	}
	want := []string{"patients.dob", "patients.first_name", "patients.last_name", "patients.mrn"}
	if got := kek.scopes(cipher.PurposeSealPublic); !slices.Equal(got, want) {
		t.Errorf("importer unwrapped the public sealing keysets of %v, want %v", got, want)
	}
	if n := len(kek.scopes(cipher.PurposeValue)) + len(kek.scopes(cipher.PurposeSealPrivate)); n != 0 {
		t.Errorf("importer unwrapped %d decryption keysets: %v", n, kek.all())
	}
	t.Logf("importer: %v", kek.all())

	// The same with a pool of one connection, where the write's own
	// transaction (the substring index's side table) reloads its keys
	// before it begins.
	sqldb.SetMaxOpenConns(1)
	kek, ta = open(importerGrant)
	if _, err := ta.Insert(ctx, Row{"id": int64(11), "ssn": nil, "mrn": "MRN-0011", "last_name": "Okafor",
		"first_name": "Ben", "dob": cipher.Date{Year: 1982, Month: 5, Day: 6}}); err != nil {
		t.Fatal(err)
	}
	if got := kek.scopes(cipher.PurposeSealPublic); !slices.Equal(got, want) {
		t.Errorf("importer on one connection unwrapped the public sealing keysets of %v, want %v", got, want)
	}
	sqldb.SetMaxOpenConns(0)

	// The admin reading the importer's row unwraps the private sealing
	// keysets of the columns it opens, once each.
	kek, ta = open(nil)
	r, err := ta.Get(ctx, int64(10))
	if err != nil || r["last_name"] != "Okafor" {
		t.Fatalf("admin read %v, %v", r, err)
	}
	if got := kek.scopes(cipher.PurposeSealPrivate); !slices.Equal(got, want) {
		t.Errorf("admin unwrapped the private sealing keysets of %v, want %v", got, want)
	}
	if n := len(kek.scopes(cipher.PurposeSealPublic)); n != 0 {
		t.Errorf("admin unwrapped %d public sealing keysets", n)
	}
}
