package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// recordingStore records the purposes of the keyset records read.
type recordingStore struct {
	cipher.Store
	mu   sync.Mutex
	gets []cipher.Purpose
}

func (s *recordingStore) Get(ctx context.Context, scope string, p cipher.Purpose) (*cipher.Record, error) {
	s.mu.Lock()
	s.gets = append(s.gets, p)
	s.mu.Unlock()
	return s.Store.Get(ctx, scope, p)
}

// recordingKEK records the associated data of every unwrap.
type recordingKEK struct {
	keyprovider.KEK
	mu  sync.Mutex
	ads [][]byte
}

func (k *recordingKEK) Unwrap(ctx context.Context, w, ad []byte) ([]byte, error) {
	k.mu.Lock()
	k.ads = append(k.ads, bytes.Clone(ad))
	k.mu.Unlock()
	return k.KEK.Unwrap(ctx, w, ad)
}

var protectedScopes = []string{"patients.mrn", "patients.ssn", "patients.first_name", "patients.last_name", "patients.dob",
	"patients.email", "patients.phone", "patients.address", "encounters.enc_date", "encounters.reason"}

// TestImporterCannotRead: with direct access to the keyring the importer
// is given (opened as the server opens it), it writes, but it cannot open
// what it wrote, and its keyring never reads nor unwraps a keyset that
// opens values.
func TestImporterCannotRead(t *testing.T) {
	ctx := context.Background()
	s := startServer(t, options{})
	id := s.must(t, http.StatusCreated, "importer", "POST", "/v1/patients", newPatient).json["id"].(string)

	k := testKEKs(t, s.o)
	kek := &recordingKEK{KEK: k.kek}
	k.kek = kek
	d := openDirect(t, s.o.data)
	store := &recordingStore{Store: d.store}
	pats, ring := d.patients(t, k, store, roles["importer"].grant("importer"))
	sqldb := d.sqldb

	// It writes, write-only.
	mine := "pt_importertest00001"
	if _, err := pats.Insert(ctx, sqlwrap.Row{"id": mine, "mrn": "MRN-7700009", "ssn": "955-44-0009", "first_name": "Ines",
		"last_name": "Ortiz", "dob": cipher.Date{Year: 1980, Month: 1, Day: 2}}); err != nil {
		t.Fatalf("importer insert: %v", err)
	}
	for _, key := range []string{id, mine} {
		var ct []byte
		if err := sqldb.QueryRowContext(ctx, "SELECT ssn FROM patients WHERE id = ?", key).Scan(&ct); err != nil {
			t.Fatal(err)
		}
		if len(ct) == 0 || ct[0] != cipher.FormatWriteOnly {
			t.Fatalf("the importer's SSN of %s is not sealed write-only", key)
		}
		row, err := pats.Get(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := row["ssn"].(sqlwrap.Redacted); !ok {
			t.Fatalf("importer's Get gives ssn %T", row["ssn"])
		}
		if _, err := pats.Open(ctx, "ssn", ct, key); !errors.Is(err, sqlwrap.ErrNotPermitted) {
			t.Fatalf("TableAccess.Open: %v", err)
		}
		col, err := ring.Column("patients", "ssn")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := col.Open(ctx, ct, []byte(key)); !errors.Is(err, cipher.ErrNotPermitted) {
			t.Fatalf("Column.Open: %v", err)
		}
	}
	eq := []sqlwrap.Pred{sqlwrap.Eq("ssn", "955-44-3322")}
	if _, err := pats.Find(ctx, sqlwrap.Query{Where: eq}); !errors.Is(err, sqlwrap.ErrNotPermitted) {
		t.Fatalf("importer's search: %v", err)
	}
	// Its index keys still match tokens, unconfirmed, the value redacted:
	// what docs/SECURITY.md §9 says an importer with index learns.
	rows, err := pats.Find(ctx, sqlwrap.Query{Where: eq, Unconfirmed: true})
	if err != nil || len(rows) == 0 {
		t.Fatalf("unconfirmed search: %d rows, %v", len(rows), err)
	}
	for _, r := range rows {
		if _, ok := r["ssn"].(sqlwrap.Redacted); !ok {
			t.Fatalf("unconfirmed search gives ssn %T", r["ssn"])
		}
	}

	if len(store.gets) == 0 || len(kek.ads) == 0 {
		t.Fatal("the keyring read no keyset: the recording proves nothing")
	}
	for _, p := range store.gets {
		if p == cipher.PurposeValue || p == cipher.PurposeSealPrivate {
			t.Errorf("the importer's keyring read a %s keyset record", p)
		}
	}
	// Asked for the keys by name, it refuses. (Keyring.Keys reads the
	// record before it refuses, but never unwraps it: checked below.)
	for _, p := range []cipher.Purpose{cipher.PurposeValue, cipher.PurposeSealPrivate} {
		if _, err := ring.Keys(ctx, "patients.ssn", p); !errors.Is(err, cipher.ErrNotPermitted) {
			t.Fatalf("Keys(%s): %v", p, err)
		}
	}
	for _, ad := range kek.ads {
		for _, sc := range protectedScopes {
			for _, p := range []cipher.Purpose{cipher.PurposeValue, cipher.PurposeSealPrivate} {
				if bytes.Equal(ad, cipher.KeysetAD(sc, p)) {
					t.Errorf("the importer's keyring unwrapped the %s keyset of %s", p, sc)
				}
			}
		}
	}
}

// TestKeysRefuseBelowHTTP: the principals' database handles, which the
// HTTP layer calls, refuse what the HTTP layer refuses early.
func TestKeysRefuseBelowHTTP(t *testing.T) {
	ctx := context.Background()
	a, err := openApp(ctx, options{data: t.TempDir(), seed: 5}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	by := map[string]*user{}
	for _, u := range a.users {
		by[u.Name] = u
	}
	demo := demoPatients[0]["id"]
	for _, name := range []string{"importer", "researcher", "remote"} {
		u := by[name]
		if _, err := u.pats.Find(ctx, sqlwrap.Query{Where: []sqlwrap.Pred{sqlwrap.Eq("ssn", "900-12-3456")}}); !errors.Is(err, sqlwrap.ErrNotPermitted) {
			t.Errorf("%s's search: %v", name, err)
		}
		row, err := u.pats.Get(ctx, demo)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range phiFields {
			if _, ok := row[f].(sqlwrap.Redacted); !ok {
				t.Errorf("%s reads %s as %T", name, f, row[f])
			}
		}
	}
	for _, name := range []string{"researcher", "remote"} {
		if _, err := by[name].pats.Insert(ctx, sqlwrap.Row{"id": "pt_x" + name, "mrn": "M", "first_name": "A", "last_name": "B",
			"dob": cipher.Date{Year: 1990, Month: 1, Day: 1}}); !errors.Is(err, sqlwrap.ErrNotPermitted) {
			t.Errorf("%s's insert: %v", name, err)
		}
	}
	if row, err := by["admin"].pats.Get(ctx, demo); err != nil || row["mrn"] != "MRN-0000101" {
		t.Errorf("admin reads %v, %v", row["mrn"], err)
	}
}
