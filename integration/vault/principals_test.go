package vault_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/vault/api"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/keyprovider"
)

// policyDir holds the Vault policies shipped with the EMR example: the
// test reads the files the example documents, not copies of them.
var policyDir = filepath.Join("..", "..", "examples", "emr", "vault")

// roleToken installs the policy policyDir/ROLE.hcl and returns a token
// holding it alone.
func (s *server) roleToken(t *testing.T, role string) string {
	t.Helper()
	hcl, err := os.ReadFile(filepath.Join(policyDir, role+".hcl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.admin.Sys().PutPolicy("phicrypt-"+role, string(hcl)); err != nil {
		t.Fatal(err)
	}
	sec, err := s.admin.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"phicrypt-" + role}, NoDefaultPolicy: true})
	if err != nil {
		t.Fatal(err)
	}
	return sec.Auth.ClientToken
}

// roleRing opens a keyring with one Transit key per purpose, all reached
// with token, limited to g (nil: no grant).
func (s *server) roleRing(t *testing.T, store cipher.Store, token string, g *cipher.Grant) *cipher.Keyring {
	t.Helper()
	secretKEK := open(t, s.uri("transit", "phi-secret"), token)
	ring, err := cipher.NewKeyring(cipher.Config{KEK: secretKEK, Store: store, Grant: g,
		PurposeKEKs: map[cipher.Purpose]keyprovider.KEK{
			cipher.PurposeSealPublic: open(t, s.uri("transit", "phi-public"), token),
			cipher.PurposeIndex:      open(t, s.uri("transit", "phi-index"), token),
		}})
	if err != nil {
		t.Fatal(err)
	}
	return ring
}

// TestRolePolicies: with the policies shipped in examples/emr/vault, Vault
// itself refuses the importer's token the decryption keysets, the
// researcher's token every value keyset and the remote's token every
// keyset, whatever keyring the token is used from.
func TestRolePolicies(t *testing.T) {
	ctx := context.Background()
	s := startVault(t)
	for _, k := range []string{"phi-secret", "phi-public", "phi-index"} {
		s.createKey(t, "transit", k)
	}
	adminTok, importerTok, researcherTok, remoteTok := s.roleToken(t, "admin"), s.roleToken(t, "importer"), s.roleToken(t, "researcher"), s.roleToken(t, "remote")
	store := cipher.NewMemStore()
	admin := s.roleRing(t, store, adminTok, nil)
	for _, p := range []cipher.Purpose{cipher.PurposeValue, cipher.PurposeSealPrivate, cipher.PurposeIndex} {
		if _, err := admin.CreateKeyset(ctx, "patients.ssn", p); err != nil {
			t.Fatal(err)
		}
	}
	row := []byte("17")
	adminCT, err := mustCol(t, admin).Seal(ctx, "987-65-4321", row)
	if err != nil {
		t.Fatal(err)
	}

	// The importer, as deployed: a grant and its own token.
	importer := s.roleRing(t, store, importerTok, &cipher.Grant{Principal: "loader", Role: "importer", Default: cipher.PermEncrypt | cipher.PermIndex})
	ct, err := mustCol(t, importer).Seal(ctx, "123-45-6789", row)
	if err != nil || ct[0] != cipher.FormatWriteOnly {
		t.Fatalf("importer seal: %v", err)
	}
	if _, err := importer.IndexKeys(ctx, "patients.ssn"); err != nil {
		t.Fatalf("importer index keys: %v", err)
	}
	// The importer's token in a keyring without a grant: Vault refuses.
	rogue := s.roleRing(t, store, importerTok, nil)
	for name, c := range map[string][]byte{"write-only value": ct, "admin's value": adminCT} {
		if _, err := mustCol(t, rogue).Open(ctx, c, row); !errors.Is(err, keyprovider.ErrAccessDenied) {
			t.Fatalf("importer token opened the %s: %v", name, err)
		}
	}
	for _, p := range []cipher.Purpose{cipher.PurposeValue, cipher.PurposeSealPrivate} {
		if _, err := rogue.Keys(ctx, "patients.ssn", p); !errors.Is(err, keyprovider.ErrAccessDenied) {
			t.Fatalf("importer token unwrapped the %s keyset: %v", p, err)
		}
	}

	// The researcher's token unwraps no value keyset of any kind.
	res := s.roleRing(t, store, researcherTok, nil)
	for _, p := range []cipher.Purpose{cipher.PurposeValue, cipher.PurposeSealPrivate, cipher.PurposeSealPublic} {
		if _, err := res.Keys(ctx, "patients.ssn", p); !errors.Is(err, keyprovider.ErrAccessDenied) {
			t.Fatalf("researcher token unwrapped the %s keyset: %v", p, err)
		}
	}
	if _, err := mustCol(t, res).Open(ctx, adminCT, row); !errors.Is(err, keyprovider.ErrAccessDenied) {
		t.Fatalf("researcher token opened a value: %v", err)
	}
	if _, err := mustCol(t, res).Seal(ctx, "x", row); !errors.Is(err, keyprovider.ErrAccessDenied) {
		t.Fatalf("researcher token sealed: %v", err)
	}
	if _, err := res.IndexKeys(ctx, "patients.ssn"); err != nil {
		t.Fatalf("researcher index keys: %v", err)
	}

	// The remote's token unwraps no keyset at all.
	rem := s.roleRing(t, store, remoteTok, nil)
	for _, p := range []cipher.Purpose{cipher.PurposeValue, cipher.PurposeSealPrivate, cipher.PurposeSealPublic, cipher.PurposeIndex} {
		if _, err := rem.Keys(ctx, "patients.ssn", p); !errors.Is(err, keyprovider.ErrAccessDenied) {
			t.Fatalf("remote token unwrapped the %s keyset: %v", p, err)
		}
	}

	// The admin opens both formats.
	for want, c := range map[string][]byte{"123-45-6789": ct, "987-65-4321": adminCT} {
		if v, err := mustCol(t, admin).Open(ctx, c, row); err != nil || v != want {
			t.Fatalf("admin open: %v, %v", v, err)
		}
	}
}

func mustCol(t *testing.T, r *cipher.Keyring) *cipher.Column {
	t.Helper()
	c, err := r.Column("patients", "ssn")
	if err != nil {
		t.Fatal(err)
	}
	return c
}
