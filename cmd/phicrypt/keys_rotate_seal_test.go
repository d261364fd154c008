package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// TestKeysRotateSealing: keys rotate rotates a column's write-only sealing
// keyset with its value keyset. Values an importer sealed before the
// rotation still open; what it seals after uses the new key pair.
// (The rotation does not depend on the database: SQLite.)
func TestKeysRotateSealing(t *testing.T) {
	ctx := context.Background()
	dsn, kek, schema := cliFixture(t, testdb.DialectSQLite)
	s, err := sqlwrap.LoadSchemaFile(schema)
	if err != nil {
		t.Fatal(err)
	}
	c := &common{db: dsn, kek: kek}
	sqldb, dialect, _, err := c.openRing(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sqldb.Close()
	// importerWrites inserts a row as a fresh importer process would and
	// returns the stored ssn ciphertext.
	importerWrites := func(id int64, ssn string) []byte {
		t.Helper()
		k, err := keyprovider.Open(ctx, kek)
		if err != nil {
			t.Fatal(err)
		}
		store, err := sqlwrap.NewKeysetStore(sqldb, dialect)
		if err != nil {
			t.Fatal(err)
		}
		ring, err := cipher.NewKeyring(cipher.Config{KEK: k, Store: store,
			Grant: &cipher.Grant{Principal: "loader", Role: "importer", Default: cipher.PermEncrypt | cipher.PermIndex}})
		if err != nil {
			t.Fatal(err)
		}
		db, err := sqlwrap.Open(sqldb, dialect, s, ring)
		if err != nil {
			t.Fatal(err)
		}
		pats, err := db.Table("patients")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pats.Insert(ctx, sqlwrap.Row{"id": id, "ssn": ssn, "last_name": "Okafor"}); err != nil {
			t.Fatal(err)
		}
		var ct []byte
		if err := sqldb.QueryRowContext(ctx, "SELECT ssn FROM patients WHERE id = ?", id).Scan(&ct); err != nil {
			t.Fatal(err)
		}
		if ct[0] != cipher.FormatWriteOnly {
			t.Fatalf("importer stored format %#x", ct[0])
		}
		return ct
	}
	keyOf := func(ct []byte) uint32 { return binary.BigEndian.Uint32(ct[6:]) } // docs/FORMAT.md §1b
	before := importerWrites(10, "111-22-3333")

	code, out, stderr := runPhicrypt(t, "keys", "rotate", "--db", dsn, "--schema", schema, "--kek", kek,
		"--table", "patients", "--column", "ssn", "--purpose", "value", "--json")
	var rot struct {
		Rotated []struct {
			Scope, Purpose string
			KeyID          uint32 `json:"key_id"`
		}
		Notes []string
	}
	if err := json.Unmarshal([]byte(out), &rot); err != nil || code != 0 {
		t.Fatalf("rotate: exit %d %v: %s %s", code, err, out, stderr)
	}
	if len(rot.Rotated) != 2 || rot.Rotated[0].Purpose != "value" || rot.Rotated[1].Purpose != "seal-private" {
		t.Fatalf("rotated %+v, want the value and write-only sealing keysets of patients.ssn", rot.Rotated)
	}
	if !strings.Contains(strings.Join(rot.Notes, " "), "still open with the old private key") {
		t.Errorf("no note on the sealing rotation: %v", rot.Notes)
	}
	sealID := rot.Rotated[1].KeyID
	if sealID == keyOf(before) {
		t.Fatalf("rotation kept key %d primary", sealID)
	}
	_, l, _ := listKeysets(t, dsn, kek)
	for _, k := range l.Keysets {
		if k.Scope != "patients.ssn" || (k.Purpose != "seal-private" && k.Purpose != "seal-public") {
			continue
		}
		st := map[string]uint32{}
		for _, key := range k.Keys {
			st[key.Status] = key.ID
		}
		if len(k.Keys) != 2 || st["primary"] != sealID || st["enabled"] != keyOf(before) {
			t.Errorf("%s keys after the rotation: %+v, want %d primary and %d enabled", k.Purpose, k.Keys, sealID, keyOf(before))
		}
	}

	after := importerWrites(11, "444-55-6666")
	if keyOf(after) != sealID {
		t.Errorf("importer sealed under key %d after the rotation to %d", keyOf(after), sealID)
	}
	admin, err := phicrypt.Connect(ctx, dsn, kek, s, phicrypt.VerifyOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	pats, err := admin.Table("patients")
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[int64]string{10: "111-22-3333", 11: "444-55-6666"} {
		r, err := pats.Get(ctx, id)
		if err != nil || r["ssn"] != want {
			t.Errorf("admin read of row %d: %v, %v; want ssn %s", id, r, err, want)
		}
	}

	// A store from before write-only sealing has no sealing keysets: keys
	// rotate skips them with a note, unless --purpose seal asks for them.
	if _, err := sqldb.ExecContext(ctx, "DELETE FROM phicrypt_keysets WHERE scope = 'patients.visits' AND purpose IN (?, ?)",
		int(cipher.PurposeSealPrivate), int(cipher.PurposeSealPublic)); err != nil {
		t.Fatal(err)
	}
	code, out, stderr = runPhicrypt(t, "keys", "rotate", "--db", dsn, "--schema", schema, "--kek", kek, "--table", "patients", "--column", "visits")
	if code != 0 || !strings.Contains(out, "patients.visits has no write-only sealing keyset") || strings.Contains(out, "seal-private") {
		t.Errorf("rotate without a sealing keyset: exit %d: %s %s", code, out, stderr)
	}
	code, _, stderr = runPhicrypt(t, "keys", "rotate", "--db", dsn, "--schema", schema, "--kek", kek, "--table", "patients", "--column", "visits", "--purpose", "seal")
	if code != 1 || !strings.Contains(stderr, "patients.visits") || strings.Count(stderr, "phicrypt:") != 1 {
		t.Errorf("rotate --purpose seal without a sealing keyset: exit %d: %s", code, stderr)
	}
}
