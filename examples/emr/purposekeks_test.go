package main

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/keyprovider/local"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// TestPurposeKEKs: with --kek-public and --kek-index each purpose's
// keysets are wrapped by its own KEK, and an importer given only those
// two KEKs (as a Vault token with the importer policy is) writes, while a
// keyring without a grant holding the same two KEKs opens nothing.
func TestPurposeKEKs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	uri := map[string]string{}
	for _, n := range []string{"secret", "public", "index", "other"} {
		p := filepath.Join(dir, n+".key")
		if err := local.Create(p); err != nil {
			t.Fatal(err)
		}
		uri[n] = local.URI(p)
	}
	s := startServer(t, options{data: filepath.Join(dir, "data"), kek: uri["secret"], kekPublic: uri["public"], kekIndex: uri["index"]})
	id := s.must(t, http.StatusCreated, "importer", "POST", "/v1/patients", newPatient).json["id"].(string)
	if got := s.must(t, http.StatusOK, "admin", "GET", "/v1/patients/"+id, "").json; got["ssn"] != "955-44-3322" {
		t.Fatalf("admin reads %v", got)
	}

	d := openDirect(t, s.o.data)
	recs, err := d.store.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[cipher.Purpose]string{cipher.PurposeValue: uri["secret"], cipher.PurposeSealPrivate: uri["secret"],
		cipher.PurposeSealPublic: uri["public"], cipher.PurposeIndex: uri["index"]}
	for _, r := range recs {
		if r.KEK != want[r.Purpose] {
			t.Errorf("%s keyset of %s wrapped by %s, want %s", r.Purpose, r.Scope, r.KEK, want[r.Purpose])
		}
	}

	// The importer's deployment: the public and index KEKs, not the secret one.
	o := options{data: s.o.data, kek: uri["other"], kekPublic: uri["public"], kekIndex: uri["index"]}
	k := testKEKs(t, o)
	open := func(g *cipher.Grant) *sqlwrap.TableAccess {
		ta, _ := d.patients(t, k, d.store, g)
		return ta
	}
	imp := open(roles["importer"].grant("importer"))
	if _, err := imp.Insert(ctx, sqlwrap.Row{"id": "pt_purposekektest001", "mrn": "MRN-7700011", "ssn": "955-44-0011",
		"first_name": "Ines", "last_name": "Ortiz", "dob": cipher.Date{Year: 1980, Month: 1, Day: 2}}); err != nil {
		t.Fatalf("importer with the public and index KEKs only: %v", err)
	}
	rogue := open(nil)
	for _, key := range []string{id, "pt_purposekektest001"} {
		if row, err := rogue.Get(ctx, key); err == nil {
			t.Fatalf("a keyring without the secret KEK read %v", row["ssn"])
		}
	}
	if got := s.must(t, http.StatusOK, "admin", "GET", "/v1/patients/pt_purposekektest001", "").json; got["ssn"] != "955-44-0011" {
		t.Fatalf("admin reads %v", got)
	}
}
