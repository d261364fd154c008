package main

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/keyprovider/local"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

type listJSON struct {
	KEK     string `json:"kek"`
	Keysets []struct {
		Scope   string `json:"scope"`
		Purpose string `json:"purpose"`
		KEK     string `json:"kek"`
		Opens   bool   `json:"opens"`
		Error   string `json:"error"`
		Keys    []struct {
			ID     uint32 `json:"id"`
			Status string `json:"status"`
		} `json:"keys"`
	} `json:"keysets"`
}

func listKeysets(t *testing.T, dsn, kek string) (int, listJSON, string) {
	t.Helper()
	code, out, stderr := runPhicrypt(t, "keys", "list", "--db", dsn, "--kek", kek, "--json")
	var l listJSON
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatalf("keys list: exit %d, %v: %s %s", code, err, out, stderr)
	}
	return code, l, out
}

// readAll checks that every fixture row reads back through the wrapper
// under kek.
func readAll(t *testing.T, dsn, kek, schema string) {
	t.Helper()
	s, err := sqlwrap.LoadSchemaFile(schema)
	if err != nil {
		t.Fatal(err)
	}
	db, err := phicrypt.Connect(context.Background(), dsn, kek, s, phicrypt.VerifyOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pats, _ := db.Table("patients")
	rows, err := pats.Find(context.Background(), sqlwrap.Query{Where: []sqlwrap.Pred{sqlwrap.Eq("ssn", "078051120")}})
	if err != nil || len(rows) != 1 || rows[0]["last_name"] != "Smith" {
		t.Fatalf("find by ssn: %v %v", rows, err)
	}
	rows, err = pats.Find(context.Background(), sqlwrap.Query{Where: []sqlwrap.Pred{sqlwrap.Prefix("last_name", "smi")}})
	if err != nil || len(rows) != 2 {
		t.Fatalf("prefix: %v %v", rows, err)
	}
}

// TestKeysLifecycle runs keys init, list, rotate and rewrap through the
// CLI on every dialect.
func TestKeysLifecycle(t *testing.T) {
	for _, d := range testdb.All() {
		t.Run(string(d), func(t *testing.T) {
			dsn, kek, schema := cliFixture(t, d)
			s, _ := sqlwrap.LoadSchemaFile(schema)
			var want []string
			for _, k := range s.Keysets() {
				want = append(want, k.Purpose.String()+"/"+k.Scope)
			}
			sort.Strings(want)

			// init created exactly the schema's keysets; a rerun creates none.
			code, out, stderr := runPhicrypt(t, "keys", "init", "--db", dsn, "--schema", schema, "--kek", kek, "--json")
			var ini struct {
				Created, Existing int
				Keysets           []struct{ Scope, Purpose, Status string }
			}
			if err := json.Unmarshal([]byte(out), &ini); err != nil || code != 0 {
				t.Fatalf("keys init again: exit %d %v: %s", code, err, stderr)
			}
			if ini.Created != 0 || ini.Existing != len(want) || len(ini.Keysets) != len(want) || ini.Keysets[0].Status != "exists" {
				t.Fatalf("rerun of init: %+v", ini)
			}
			code, l, raw := listKeysets(t, dsn, kek)
			if code != 0 {
				t.Fatalf("keys list: exit %d", code)
			}
			var got []string
			for _, k := range l.Keysets {
				if k.Purpose == cipher.PurposeSealPublic.String() {
					// Stored with its private keyset, which the schema lists.
					continue
				}
				got = append(got, k.Purpose+"/"+k.Scope)
				if !k.Opens || k.KEK != kek || len(k.Keys) != 1 || k.Keys[0].Status != "primary" {
					t.Errorf("listed %+v", k)
				}
			}
			sort.Strings(got)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("stored keysets %v, schema needs %v", got, want)
			}
			noKeyMaterial(t, dsn, kek, raw)
			code, text, _ := runPhicrypt(t, "keys", "list", "--db", dsn, "--kek", kek)
			if code != 0 || !strings.Contains(text, "patients.ssn") || !strings.Contains(text, "primary") {
				t.Fatalf("keys list table: exit %d: %s", code, text)
			}
			noKeyMaterial(t, dsn, kek, text)

			// rotate one column's data keys (both formats) and index keys.
			code, out, stderr = runPhicrypt(t, "keys", "rotate", "--db", dsn, "--schema", schema, "--kek", kek, "--table", "patients", "--column", "ssn", "--json")
			var rot struct {
				Rotated []struct {
					Scope, Purpose string
					KeyID          uint32 `json:"key_id"`
					Reindexed      bool
				}
				Notes []string
			}
			if err := json.Unmarshal([]byte(out), &rot); err != nil || code != 0 {
				t.Fatalf("rotate: exit %d %v: %s", code, err, stderr)
			}
			if len(rot.Rotated) != 3 || rot.Rotated[0].Scope != "patients.ssn" || rot.Rotated[0].Purpose != "value" || rot.Rotated[1].Purpose != "seal-private" || rot.Rotated[2].Purpose != "index" {
				t.Fatalf("rotated %+v", rot.Rotated)
			}
			if !strings.Contains(strings.Join(rot.Notes, " "), "phicrypt reindex") {
				t.Errorf("no reindex note: %v", rot.Notes)
			}
			_, l, _ = listKeysets(t, dsn, kek)
			for _, k := range l.Keysets {
				n := 1
				if k.Scope == "patients.ssn" {
					n = 2 // every keyset of the column, the public sealing keyset following the private one
				}
				if len(k.Keys) != n {
					t.Errorf("%s %s: %d keys after rotating ssn", k.Scope, k.Purpose, len(k.Keys))
				}
				if k.Scope == "patients.ssn" && k.Purpose == "value" {
					if k.Keys[0].Status == k.Keys[1].Status {
						t.Errorf("keys %+v", k.Keys)
					}
					for _, key := range k.Keys {
						if key.Status == "primary" && key.ID != rot.Rotated[0].KeyID {
							t.Errorf("primary %d, rotate said %d", key.ID, rot.Rotated[0].KeyID)
						}
					}
				}
			}
			readAll(t, dsn, kek, schema)

			// rotate an index key and rewrite its tokens at once.
			code, out, stderr = runPhicrypt(t, "keys", "rotate", "--db", dsn, "--schema", schema, "--kek", kek,
				"--table", "patients", "--index", "last_name_prefix", "--reindex", "--wait", "1ms")
			if code != 0 || !strings.Contains(out, "old keys retired") {
				t.Fatalf("rotate --reindex: exit %d: %s %s", code, out, stderr)
			}
			_, l, _ = listKeysets(t, dsn, kek)
			for _, k := range l.Keysets {
				if k.Scope == "patients.last_name" && k.Purpose == "index" {
					st := map[string]int{}
					for _, key := range k.Keys {
						st[key.Status]++
					}
					if st["primary"] != 1 || st["retired"] != 1 {
						t.Errorf("last_name index keys after --reindex: %+v", k.Keys)
					}
				}
			}
			readAll(t, dsn, kek, schema)

			// rewrap to a second key file; afterwards only it opens the keysets.
			kek2 := newKeyFile(t, "kek2.json")
			code, out, stderr = runPhicrypt(t, "keys", "rewrap", "--db", dsn, "--kek", kek, "--new-kek", kek2, "--json")
			var rw struct {
				Keysets, Rewrapped int
				Left               int `json:"left_under_other_keks"`
			}
			if err := json.Unmarshal([]byte(out), &rw); err != nil || code != 0 {
				t.Fatalf("rewrap: exit %d %v: %s", code, err, stderr)
			}
			// Every keyset the schema lists, and the public half of each
			// write-only sealing keyset.
			stored := len(want)
			for _, w := range want {
				if strings.HasPrefix(w, cipher.PurposeSealPrivate.String()+"/") {
					stored++
				}
			}
			if rw.Keysets != stored || rw.Rewrapped != stored || rw.Left != 0 {
				t.Fatalf("rewrap %+v, want %d keysets", rw, stored)
			}
			code, l, _ = listKeysets(t, dsn, kek2)
			for _, k := range l.Keysets {
				if !k.Opens || k.KEK != kek2 {
					t.Errorf("after rewrap under the new KEK: %+v", k)
				}
			}
			if code != 0 {
				t.Errorf("keys list under the new KEK: exit %d", code)
			}
			code, l, _ = listKeysets(t, dsn, kek)
			if code != 1 {
				t.Errorf("keys list under the old KEK: exit %d", code)
			}
			for _, k := range l.Keysets {
				if k.Opens || k.Error == "" || len(k.Keys) != 0 {
					t.Errorf("opens under the old KEK after rewrap: %+v", k)
				}
			}
			readAll(t, dsn, kek2, schema)
			// A rerun converges: nothing left, exit 0.
			if code, out, stderr := runPhicrypt(t, "keys", "rewrap", "--db", dsn, "--kek", kek, "--new-kek", kek2); code != 0 || !strings.Contains(out, "0 left") {
				t.Fatalf("second rewrap: exit %d: %s %s", code, out, stderr)
			}
			// init under the old KEK is now refused, naming both KEKs.
			code, _, stderr = runPhicrypt(t, "keys", "init", "--db", dsn, "--schema", schema, "--kek", kek)
			if code != 1 || !strings.Contains(stderr, kek2) || !strings.Contains(stderr, "keys rewrap") || strings.Count(stderr, "phicrypt:") != 1 {
				t.Errorf("init under the old KEK: exit %d: %s", code, stderr)
			}
		})
	}
}

var longBase64 = regexp.MustCompile(`[A-Za-z0-9+/=_-]{40,}`)

// noKeyMaterial checks that out shows no key bytes: no long base64 run,
// nothing of the stored wrapped keysets, nothing of the KEK file.
func noKeyMaterial(t *testing.T, dsn, kek, out string) {
	t.Helper()
	if m := longBase64.FindString(strings.ReplaceAll(out, kek, "KEK")); m != "" {
		t.Errorf("output holds a long base64 run %q", m)
	}
	sqldb, dialect, err := phicrypt.OpenSQL(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer sqldb.Close()
	store, _ := sqlwrap.NewKeysetStore(sqldb, dialect)
	recs, err := store.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		for _, enc := range []string{base64.StdEncoding.EncodeToString(r.EncryptedKeyset), base64.RawURLEncoding.EncodeToString(r.EncryptedKeyset), hex.EncodeToString(r.EncryptedKeyset)} {
			if strings.Contains(out, enc[8:24]) {
				t.Errorf("output holds the wrapped keyset of %s", r.Scope)
			}
		}
	}
	kekFile, err := os.ReadFile(strings.TrimPrefix(kek, "local:"))
	if err != nil {
		t.Fatal(err)
	}
	var kf map[string]any
	if json.Unmarshal(kekFile, &kf) == nil {
		for _, v := range kf {
			if s, ok := v.(string); ok && len(s) > 16 && strings.Contains(out, s) {
				t.Errorf("output holds the key file's %q field", s[:4])
			}
		}
	}
}

// TestKeysInitRefusesBadKEK: a KEK that cannot be opened, or that does
// not open the keysets the database holds, is refused before anything is
// written, with an error that names the URI.
func TestKeysInitRefusesBadKEK(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "p.db")
	schema := writeFile(t, "schema.yaml", cliSchema)
	missing := local.URI(filepath.Join(dir, "missing.key"))
	code, out, stderr := runPhicrypt(t, "keys", "init", "--db", "sqlite:"+dbPath, "--schema", schema, "--kek", missing)
	if code != 1 || !strings.Contains(stderr, missing) || !strings.HasPrefix(stderr, "phicrypt: ") || strings.Count(stderr, "phicrypt:") != 1 {
		t.Fatalf("missing key file: exit %d: %q %q", code, out, stderr)
	}
	if _, err := os.Stat(dbPath); err == nil {
		t.Fatalf("database written before the KEK was checked")
	}

	dsn, kek, _ := cliFixture(t, testdb.DialectSQLite)
	_ = kek
	other := newKeyFile(t, "other.json")
	sqldb, dialect, err := phicrypt.OpenSQL(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer sqldb.Close()
	store, _ := sqlwrap.NewKeysetStore(sqldb, dialect)
	before, _ := store.List(context.Background())
	code, _, stderr = runPhicrypt(t, "keys", "init", "--db", dsn, "--schema", schema, "--kek", other)
	if code != 1 || !strings.Contains(stderr, other) {
		t.Fatalf("wrong KEK: exit %d: %s", code, stderr)
	}
	after, _ := store.List(context.Background())
	if len(after) != len(before) {
		t.Fatalf("keysets changed under a wrong KEK: %d -> %d", len(before), len(after))
	}
	for i := range after {
		if after[i].Generation != before[i].Generation || after[i].KEK != before[i].KEK {
			t.Fatalf("keyset %s changed under a wrong KEK", after[i].Scope)
		}
	}

	// A keyset lost while its column holds ciphertext is not recreated.
	if _, err := sqldb.Exec(`DELETE FROM phicrypt_keysets WHERE scope = 'patients.ssn' AND purpose = ?`, int(cipher.PurposeValue)); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runPhicrypt(t, "keys", "init", "--db", dsn, "--schema", schema, "--kek", kek)
	if code != 1 || !strings.Contains(stderr, "patients.ssn already holds ciphertext") || strings.Contains(stderr, "078") {
		t.Fatalf("lost keyset: exit %d: %s", code, stderr)
	}
	if has, _ := store.Get(context.Background(), "patients.ssn", cipher.PurposeValue); has != nil {
		t.Fatalf("keyset recreated for sealed data")
	}
}

func TestKeysInitOutAndUsage(t *testing.T) {
	p := filepath.Join(t.TempDir(), "dev.key")
	code, out, stderr := runPhicrypt(t, "keys", "init", "--out", p)
	if code != 0 || !strings.Contains(out, "created "+p) || !strings.Contains(out, "development only") || !strings.Contains(out, "no keyset created") {
		t.Fatalf("init --out: exit %d: %s %s", code, out, stderr)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	schema := writeFile(t, "schema.yaml", cliSchema)
	for _, args := range [][]string{
		{"keys", "init", "--out", p + "2", "--db", "sqlite:x.db"},
		{"keys", "init", "--db", "sqlite:x.db", "--kek", "local:x"},
		{"keys", "init", "--db", "sqlite:x.db", "--schema", writeFile(t, "bad.yaml", "version: 1\ntables: [{name: t, colums: []}]\n"), "--kek", "local:x"},
		{"keys", "rotate", "--db", "sqlite:x.db", "--schema", schema, "--kek", "local:x", "--column", "ssn"},
		{"keys", "rotate", "--db", "sqlite:x.db", "--schema", schema, "--kek", "local:x", "--table", "patients", "--index", "nope"},
		{"keys", "rotate", "--db", "sqlite:x.db", "--schema", schema, "--kek", "local:x", "--table", "patients", "--column", "city"},
		{"keys", "rotate", "--db", "sqlite:x.db", "--schema", schema, "--kek", "local:x", "--purpose", "data"},
		{"keys", "rotate", "--db", "sqlite:x.db", "--schema", schema, "--kek", "local:x", "--table", "nope"},
		{"keys", "rewrap", "--db", "sqlite:x.db", "--kek", "local:x"},
		{"keys", "list", "--kek", "local:x"},
		{"keys", "list", "--db", "sqlite:x.db", "--kek", "local:x", "extra"},
	} {
		if code, _, stderr := runPhicrypt(t, args...); code != 2 || !strings.HasPrefix(stderr, "phicrypt") {
			t.Errorf("%v: exit %d: %s", args, code, stderr)
		}
	}
	for _, sub := range []string{"init", "rotate", "rewrap", "list"} {
		code, _, stderr := runPhicrypt(t, "keys", sub, "--help")
		if code != 0 || !strings.Contains(stderr, "usage: phicrypt keys "+sub) || !strings.Contains(stderr, "-db") {
			t.Errorf("keys %s --help: exit %d: %s", sub, code, stderr)
		}
	}
	if code, out, _ := runPhicrypt(t, "keys", "--help"); code != 0 || !strings.Contains(out, "rewrap") || !strings.Contains(out, "init") {
		t.Errorf("keys --help: %d %s", code, out)
	}
}

// TestKeysRewrapRefusesBadNewKEK: a new KEK that does not work is refused
// before any keyset moves.
func TestKeysRewrapRefusesBadNewKEK(t *testing.T) {
	dsn, kek, _ := cliFixture(t, testdb.DialectSQLite)
	bad := local.URI(filepath.Join(t.TempDir(), "none.key"))
	code, _, stderr := runPhicrypt(t, "keys", "rewrap", "--db", dsn, "--kek", kek, "--new-kek", bad)
	if code != 1 || !strings.Contains(stderr, bad) {
		t.Fatalf("bad new KEK: exit %d: %s", code, stderr)
	}
	if code, l, _ := listKeysets(t, dsn, kek); code != 0 || l.Keysets[0].KEK != kek {
		t.Fatalf("keysets moved: %d %+v", code, l.Keysets[0])
	}
}
