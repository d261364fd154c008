package cipher_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"reflect"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/tink-crypto/tink-go/v2/hybrid"
	"github.com/tink-crypto/tink-go/v2/keyset"
)

var updateWriteOnly = flag.Bool("update-writeonly", false, "rewrite testdata/writeonly_vectors.json (changes the frozen format: never for a release)")

const woVectorsPath = "testdata/writeonly_vectors.json"

// woVectorFile is the layout of testdata/writeonly_vectors.json
// (docs/FORMAT.md §1b). Its records are wrapped by the KEK of
// testdata/vectors.json.
type woVectorFile struct {
	Comment string        `json:"comment"`
	Records []string      `json:"records"`
	Values  []valueVector `json:"values"`
	Errors  []errorVector `json:"errors"`
}

func TestWriteOnlyVectors(t *testing.T) {
	if *updateWriteOnly {
		generateWriteOnlyVectors(t)
	}
	_, kek := loadVectors(t)
	data, err := os.ReadFile(woVectorsPath)
	if err != nil {
		t.Fatal(err)
	}
	var vf woVectorFile
	if err := json.Unmarshal(data, &vf); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	store := cipher.NewMemStore()
	var privs []*keyset.Handle
	for _, enc := range vf.Records {
		b, _ := base64.StdEncoding.DecodeString(enc)
		var rec cipher.Record
		if err := rec.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if err := store.Put(ctx, &rec, 0); err != nil {
			t.Fatal(err)
		}
		h, err := keyset.ReadWithAssociatedData(keyset.NewBinaryReader(bytes.NewReader(rec.EncryptedKeyset)), kek.a, rec.AD())
		if err != nil {
			t.Fatalf("record %s/%s: %v", rec.Scope, rec.Purpose, err)
		}
		if rec.Purpose == cipher.PurposeSealPrivate {
			privs = append(privs, h)
		}
	}
	if len(vf.Values) < 7 || len(vf.Errors) < 5 || len(privs) == 0 {
		t.Fatalf("vector file too small: %d values, %d errors, %d private keysets", len(vf.Values), len(vf.Errors), len(privs))
	}
	ring := newRing(t, kek, store)
	importer, err := cipher.NewKeyring(cipher.Config{KEK: kek, Store: store, Grant: &cipher.Grant{Default: cipher.PermEncrypt}})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vf.Values {
		t.Run(fmt.Sprintf("value%d-%s", i, v.Type), func(t *testing.T) {
			want, err := parseValue(v.Type, v.Value)
			if err != nil {
				t.Fatal(err)
			}
			row := rowBytes(t, v.Row)
			ad := cipher.WriteOnlyAssociatedData(v.Table, v.Column, row)
			if hex.EncodeToString(ad) != v.AD {
				t.Fatalf("associated data %x, vector %s", ad, v.AD)
			}
			ct, _ := hex.DecodeString(v.Ciphertext)
			if ct[0] != cipher.FormatWriteOnly {
				t.Fatalf("vector version %#x", ct[0])
			}
			col := columnOnly(t, ring, v.Table, v.Column, cipher.WithPadding(v.Padding))
			got, err := col.Open(ctx, ct, row)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("opened %#v, want %#v", got, want)
			}
			// The bytes after the 5-byte header are Tink's own HPKE output,
			// with the associated data as HPKE info.
			var enc []byte
			for _, h := range privs {
				d, err := hybrid.NewHybridDecrypt(h)
				if err != nil {
					t.Fatal(err)
				}
				if enc, err = d.Decrypt(ct[5:], ad); err == nil {
					break
				}
			}
			if hex.EncodeToString(enc) != v.Encoded {
				t.Fatalf("Tink opens the vector to %x, vector %s", enc, v.Encoded)
			}
			// Sealing again (write-only: HPKE is randomized) gives the same
			// header and length.
			ct2, err := columnOnly(t, importer, v.Table, v.Column, cipher.WithPadding(v.Padding)).Seal(ctx, want, row)
			if err != nil {
				t.Fatal(err)
			}
			if len(ct2) != len(ct) || !bytes.Equal(ct2[:10], ct[:10]) {
				t.Fatalf("new ciphertext header %x, length %d; vector %x, %d", ct2[:10], len(ct2), ct[:10], len(ct))
			}
			if got, err := col.Open(ctx, ct2, row); err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("reopen: %#v, %v", got, err)
			}
		})
	}
	for _, e := range vf.Errors {
		t.Run("error-"+e.Name, func(t *testing.T) {
			ct, _ := hex.DecodeString(e.Ciphertext)
			_, err := columnOnly(t, ring, e.Table, e.Column).Open(ctx, ct, rowBytes(t, e.Row))
			if want := vectorErrors[e.Error]; want == nil || !errors.Is(err, want) {
				t.Fatalf("got %v, want %s", err, e.Error)
			}
		})
	}
}

// generateWriteOnlyVectors writes new write-only vectors under the KEK of
// testdata/vectors.json.
func generateWriteOnlyVectors(t *testing.T) {
	_, kek := loadVectors(t)
	ctx := context.Background()
	store := cipher.NewMemStore()
	ring := newRing(t, kek, store)
	importer, err := cipher.NewKeyring(cipher.Config{KEK: kek, Store: store, Grant: &cipher.Grant{Default: cipher.PermEncrypt}})
	if err != nil {
		t.Fatal(err)
	}
	hexp := func(s string) *string { return &s }
	inputs := []struct {
		table, column string
		row           *string
		pad           int
		typ, value    string
	}{
		{"patients", "ssn", nil, 0, "string", "123-45-6789"},
		{"patients", "ssn", hexp("3137"), 0, "string", "987-65-4321"},
		{"patients", "last_name", nil, 16, "string", "Núñez"},
		{"patients", "photo", nil, 0, "bytes", "00ff10"},
		{"patients", "weight_g", nil, 0, "int64", "-4200"},
		{"patients", "score", nil, 0, "float64", "98.6"},
		{"patients", "deceased", nil, 0, "bool", "true"},
		{"patients", "dob", hexp("000000000000002a"), 0, "date", "1931-02-28"},
		{"visits", "admitted_at", nil, 0, "timestamp", "2024-03-09T14:05:06.123456789Z"},
	}
	vf := woVectorFile{Comment: "phicrypt write-only ciphertext vectors (format version 2, docs/FORMAT.md §1b). Records are wrapped by the test KEK of vectors.json; never use these keys."}
	for _, i := range inputs {
		v, err := parseValue(i.typ, i.value)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ring.CreateKeyset(ctx, cipher.DefaultScope(i.table, i.column), cipher.PurposeSealPrivate); err != nil {
			t.Fatal(err)
		}
		row := rowBytes(t, i.row)
		ct, err := columnOnly(t, importer, i.table, i.column, cipher.WithPadding(i.pad)).Seal(ctx, v, row)
		if err != nil {
			t.Fatal(err)
		}
		vf.Values = append(vf.Values, valueVector{Table: i.table, Column: i.column, Row: i.row, Padding: i.pad, Type: i.typ, Value: i.value,
			AD: hex.EncodeToString(cipher.WriteOnlyAssociatedData(i.table, i.column, row)), Ciphertext: hex.EncodeToString(ct)})
	}
	recs, err := store.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	privs := map[string]*keyset.Handle{}
	for _, r := range recs {
		b, _ := r.MarshalBinary()
		vf.Records = append(vf.Records, base64.StdEncoding.EncodeToString(b))
		if r.Purpose == cipher.PurposeSealPrivate {
			if privs[r.Scope], err = keyset.ReadWithAssociatedData(keyset.NewBinaryReader(bytes.NewReader(r.EncryptedKeyset)), kek.a, r.AD()); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := range vf.Values {
		v := &vf.Values[i]
		ct, _ := hex.DecodeString(v.Ciphertext)
		d, err := hybrid.NewHybridDecrypt(privs[cipher.DefaultScope(v.Table, v.Column)])
		if err != nil {
			t.Fatal(err)
		}
		enc, err := d.Decrypt(ct[5:], cipher.WriteOnlyAssociatedData(v.Table, v.Column, rowBytes(t, v.Row)))
		if err != nil {
			t.Fatal(err)
		}
		v.Encoded = hex.EncodeToString(enc)
	}
	base, _ := hex.DecodeString(vf.Values[1].Ciphertext)
	mod := func(f func([]byte) []byte) string { return hex.EncodeToString(f(bytes.Clone(base))) }
	ssnRow := hexp("3137")
	vf.Errors = []errorVector{
		{"tampered", "patients", "ssn", ssnRow, mod(func(b []byte) []byte { b[len(b)-20] ^= 1; return b }), "ErrTampered"},
		{"encapsulated-key", "patients", "ssn", ssnRow, mod(func(b []byte) []byte { b[12] ^= 1; return b }), "ErrTampered"},
		{"other-row", "patients", "ssn", hexp("3138"), mod(func(b []byte) []byte { return b }), "ErrMisplaced"},
		{"other-column", "patients", "last_name", ssnRow, mod(func(b []byte) []byte { return b }), "ErrMisplaced"},
		{"truncated", "patients", "ssn", ssnRow, mod(func(b []byte) []byte { return b[:50] }), "ErrTruncated"},
		{"unknown-key", "patients", "ssn", ssnRow, mod(func(b []byte) []byte { b[9] ^= 0x5a; return b }), "ErrUnknownKey"},
		{"as-version-1", "patients", "ssn", ssnRow, mod(func(b []byte) []byte { b[0] = 1; return b }), "ErrMisplaced"},
	}
	out, err := json.MarshalIndent(vf, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(woVectorsPath, append(out, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}
