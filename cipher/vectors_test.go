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
	"strconv"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json (changes the frozen format: never for a release)")

const vectorsPath = "testdata/vectors.json"

// vectorFile is the layout of testdata/vectors.json (docs/FORMAT.md).
type vectorFile struct {
	Comment   string          `json:"comment"`
	KEKURI    string          `json:"kek_uri"`
	KEKKeyset json.RawMessage `json:"kek_keyset"`
	Records   []string        `json:"records"`
	RecordsV1 []string        `json:"records_v1"`
	Values    []valueVector   `json:"values"`
	Errors    []errorVector   `json:"errors"`
}

type valueVector struct {
	Table      string  `json:"table"`
	Column     string  `json:"column"`
	Row        *string `json:"row_hex"`
	Padding    int     `json:"padding"`
	Type       string  `json:"type"`
	Value      string  `json:"value"`
	AD         string  `json:"ad_hex"`
	Encoded    string  `json:"encoded_hex"`
	Ciphertext string  `json:"ciphertext_hex"`
}

type errorVector struct {
	Name       string  `json:"name"`
	Table      string  `json:"table"`
	Column     string  `json:"column"`
	Row        *string `json:"row_hex"`
	Ciphertext string  `json:"ciphertext_hex"`
	Error      string  `json:"error"`
}

var vectorErrors = map[string]error{
	"ErrTampered":           cipher.ErrTampered,
	"ErrMisplaced":          cipher.ErrMisplaced,
	"ErrTruncated":          cipher.ErrTruncated,
	"ErrUnknownKey":         cipher.ErrUnknownKey,
	"ErrUnsupportedVersion": cipher.ErrUnsupportedVersion,
}

// tinkKEK is a KEK over a cleartext Tink keyset, so the vectors need no
// key file with 0600 permissions in the repository.
type tinkKEK struct {
	uri string
	a   tink.AEAD
}

func (k tinkKEK) Wrap(_ context.Context, pt, ad []byte) ([]byte, error) { return k.a.Encrypt(pt, ad) }
func (k tinkKEK) Unwrap(_ context.Context, ct, ad []byte) ([]byte, error) {
	return k.a.Decrypt(ct, ad)
}
func (k tinkKEK) URI() string { return k.uri }

func parseValue(typ, s string) (any, error) {
	switch typ {
	case "string":
		return s, nil
	case "bytes":
		return hex.DecodeString(s)
	case "int64":
		return strconv.ParseInt(s, 10, 64)
	case "float64":
		return strconv.ParseFloat(s, 64)
	case "bool":
		return strconv.ParseBool(s)
	case "date":
		t, err := time.Parse(time.DateOnly, s)
		return cipher.DateOf(t), err
	case "timestamp":
		return time.Parse(time.RFC3339Nano, s)
	}
	return nil, fmt.Errorf("unknown vector type %q", typ)
}

func rowBytes(t *testing.T, h *string) []byte {
	t.Helper()
	if h == nil {
		return nil
	}
	b, err := hex.DecodeString(*h)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// loadVectors reads testdata/vectors.json and its test KEK.
func loadVectors(tb testing.TB) (vectorFile, tinkKEK) {
	tb.Helper()
	data, err := os.ReadFile(vectorsPath)
	if err != nil {
		tb.Fatal(err)
	}
	var vf vectorFile
	if err := json.Unmarshal(data, &vf); err != nil {
		tb.Fatal(err)
	}
	kh, err := insecurecleartextkeyset.Read(keyset.NewJSONReader(bytes.NewReader(vf.KEKKeyset)))
	if err != nil {
		tb.Fatal(err)
	}
	a, err := aead.New(kh)
	if err != nil {
		tb.Fatal(err)
	}
	return vf, tinkKEK{uri: vf.KEKURI, a: a}
}

func TestVectors(t *testing.T) {
	if *update {
		generateVectors(t)
	}
	vf, kek := loadVectors(t)
	kekAEAD := kek.a
	store := cipher.NewMemStore()
	handles := map[string]tink.AEAD{}
	for _, enc := range vf.Records {
		b, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			t.Fatal(err)
		}
		var rec cipher.Record
		if err := rec.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if b[0] != 0x02 || rec.Bound != rec.Generation {
			t.Fatalf("record %s: version %#x, bound generation %d, want version 2 bound to generation %d", rec.Scope, b[0], rec.Bound, rec.Generation)
		}
		if again, _ := rec.MarshalBinary(); !bytes.Equal(again, b) {
			t.Fatalf("record %s does not re-encode to the same bytes", rec.Scope)
		}
		if err := store.Put(context.Background(), &rec, 0); err != nil {
			t.Fatal(err)
		}
		// The record opens with plain Tink: its keyset is Tink's
		// EncryptedKeyset, wrapped with the record's associated data, which
		// binds the generation.
		h, err := keyset.ReadWithAssociatedData(keyset.NewBinaryReader(bytes.NewReader(rec.EncryptedKeyset)), kekAEAD, rec.AD())
		if err != nil {
			t.Fatalf("record %s: %v", rec.Scope, err)
		}
		if _, err := keyset.ReadWithAssociatedData(keyset.NewBinaryReader(bytes.NewReader(rec.EncryptedKeyset)), kekAEAD, cipher.KeysetAD(rec.Scope, rec.Purpose)); err == nil {
			t.Fatalf("record %s opens without its generation in the associated data", rec.Scope)
		}
		if rec.Purpose == cipher.PurposeValue {
			if handles[rec.Scope], err = aead.New(h); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Version-1 records (no generation bound) still open the same values.
	legacy := cipher.NewMemStore()
	for _, enc := range vf.RecordsV1 {
		b, _ := base64.StdEncoding.DecodeString(enc)
		var rec cipher.Record
		if err := rec.UnmarshalBinary(b); err != nil || b[0] != 0x01 || rec.Bound != 0 {
			t.Fatalf("legacy record: version %#x, bound %d, %v", b[0], rec.Bound, err)
		}
		if again, _ := rec.MarshalBinary(); !bytes.Equal(again, b) {
			t.Fatalf("legacy record %s does not re-encode to the same bytes", rec.Scope)
		}
		if _, err := keyset.ReadWithAssociatedData(keyset.NewBinaryReader(bytes.NewReader(rec.EncryptedKeyset)), kekAEAD, cipher.KeysetAD(rec.Scope, rec.Purpose)); err != nil {
			t.Fatalf("legacy record %s: %v", rec.Scope, err)
		}
		legacy.Put(context.Background(), &rec, 0)
	}
	if len(vf.RecordsV1) != len(vf.Records) {
		t.Fatalf("%d legacy records, %d records", len(vf.RecordsV1), len(vf.Records))
	}
	legacyRing := newRing(t, kek, legacy)
	ring := newRing(t, kek, store)
	ctx := context.Background()
	if len(vf.Values) < 10 || len(vf.Errors) < 5 {
		t.Fatalf("vector file too small: %d values, %d errors", len(vf.Values), len(vf.Errors))
	}
	for i, v := range vf.Values {
		t.Run(fmt.Sprintf("value%d-%s", i, v.Type), func(t *testing.T) {
			want, err := parseValue(v.Type, v.Value)
			if err != nil {
				t.Fatal(err)
			}
			row := rowBytes(t, v.Row)
			if got := hex.EncodeToString(cipher.AssociatedData(v.Table, v.Column, row)); got != v.AD {
				t.Fatalf("associated data %s, vector %s", got, v.AD)
			}
			col := mustColumn(t, ring, v.Table, v.Column, cipher.WithPadding(v.Padding))
			ct, _ := hex.DecodeString(v.Ciphertext)
			got, err := col.Open(ctx, ct, row)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("opened %#v, want %#v", got, want)
			}
			if got, err := columnOnly(t, legacyRing, v.Table, v.Column, cipher.WithPadding(v.Padding)).Open(ctx, ct, row); err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("with the version-1 record: %#v, %v", got, err)
			}
			// The bytes after the 5-byte header are Tink's own AES-GCM
			// output: Tink opens them to the encoded value.
			enc, err := handles[v.Table+"."+v.Column].Decrypt(ct[5:], cipher.AssociatedData(v.Table, v.Column, row))
			if err != nil {
				t.Fatalf("Tink cannot open the vector: %v", err)
			}
			if hex.EncodeToString(enc) != v.Encoded {
				t.Fatalf("encoded value %x, vector %s", enc, v.Encoded)
			}
			// Sealing the same value again gives the same encoding.
			ct2, err := col.Seal(ctx, want, row)
			if err != nil {
				t.Fatal(err)
			}
			if len(ct2) != len(ct) || !bytes.Equal(ct2[:10], ct[:10]) {
				t.Fatalf("new ciphertext header %x or length %d differs from vector %x, %d", ct2[:10], len(ct2), ct[:10], len(ct))
			}
			enc2, _ := handles[v.Table+"."+v.Column].Decrypt(ct2[5:], cipher.AssociatedData(v.Table, v.Column, row))
			if hex.EncodeToString(enc2) != v.Encoded {
				t.Fatalf("encoding changed: %x, vector %s", enc2, v.Encoded)
			}
		})
	}
	for _, e := range vf.Errors {
		t.Run("error-"+e.Name, func(t *testing.T) {
			ct, _ := hex.DecodeString(e.Ciphertext)
			_, err := mustColumn(t, ring, e.Table, e.Column).Open(ctx, ct, rowBytes(t, e.Row))
			if want := vectorErrors[e.Error]; want == nil || !errors.Is(err, want) {
				t.Fatalf("got %v, want %s", err, e.Error)
			}
		})
	}
}

// generateVectors writes a new vector file with a new test KEK and keysets.
func generateVectors(t *testing.T) {
	kh, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		t.Fatal(err)
	}
	var kekJSON bytes.Buffer
	if err := insecurecleartextkeyset.Write(kh, keyset.NewJSONWriter(&kekJSON)); err != nil {
		t.Fatal(err)
	}
	a, _ := aead.New(kh)
	kek := tinkKEK{uri: "local:testdata/vector-kek.json", a: a}
	store := cipher.NewMemStore()
	ring := newRing(t, kek, store)
	ctx := context.Background()
	hexp := func(s string) *string { return &s }
	vf := vectorFile{
		Comment:   "Known-answer vectors for the phicrypt ciphertext, associated data, value encoding and keyset record (docs/FORMAT.md). The KEK keyset is a test key: never use it for data.",
		KEKURI:    kek.uri,
		KEKKeyset: json.RawMessage(kekJSON.Bytes()),
	}
	type in struct {
		table, column string
		row           *string
		pad           int
		typ, value    string
	}
	inputs := []in{
		{"patients", "ssn", nil, 0, "string", "078-05-1120"},
		{"patients", "ssn", hexp("3137"), 0, "string", "219-09-9999"},
		{"patients", "last_name", nil, 16, "string", "Núñez"},
		{"patients", "last_name", hexp(""), 16, "string", ""},
		{"patients", "photo", nil, 0, "bytes", "00ff10"},
		{"patients", "weight_g", nil, 0, "int64", "-4200"},
		{"patients", "score", nil, 0, "float64", "98.6"},
		{"patients", "deceased", nil, 0, "bool", "true"},
		{"patients", "dob", hexp("000000000000002a"), 0, "date", "1931-02-28"},
		{"patients", "dob", nil, 0, "date", "1969-12-31"},
		{"visits", "admitted_at", nil, 0, "timestamp", "2024-03-09T14:05:06.123456789Z"},
	}
	for _, i := range inputs {
		v, err := parseValue(i.typ, i.value)
		if err != nil {
			t.Fatal(err)
		}
		col := mustColumn(t, ring, i.table, i.column, cipher.WithPadding(i.pad))
		row := rowBytes(t, i.row)
		ct, err := col.Seal(ctx, v, row)
		if err != nil {
			t.Fatal(err)
		}
		vf.Values = append(vf.Values, valueVector{Table: i.table, Column: i.column, Row: i.row, Padding: i.pad, Type: i.typ, Value: i.value,
			AD: hex.EncodeToString(cipher.AssociatedData(i.table, i.column, row)), Ciphertext: hex.EncodeToString(ct)})
	}
	recs, err := store.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	handles := map[string]tink.AEAD{}
	for _, r := range recs {
		b, _ := r.MarshalBinary()
		vf.Records = append(vf.Records, base64.StdEncoding.EncodeToString(b))
		h, err := keyset.ReadWithAssociatedData(keyset.NewBinaryReader(bytes.NewReader(r.EncryptedKeyset)), a, r.AD())
		if err != nil {
			t.Fatal(err)
		}
		handles[r.Scope], _ = aead.New(h)
		// The same keyset as a version-1 record, as older releases wrote it.
		var buf bytes.Buffer
		if err := h.WriteWithAssociatedData(keyset.NewBinaryWriter(&buf), a, cipher.KeysetAD(r.Scope, r.Purpose)); err != nil {
			t.Fatal(err)
		}
		v1 := &cipher.Record{Scope: r.Scope, Purpose: r.Purpose, KEK: r.KEK, Generation: r.Generation, EncryptedKeyset: buf.Bytes()}
		b, _ = v1.MarshalBinary()
		vf.RecordsV1 = append(vf.RecordsV1, base64.StdEncoding.EncodeToString(b))
	}
	for i := range vf.Values {
		v := &vf.Values[i]
		ct, _ := hex.DecodeString(v.Ciphertext)
		enc, err := handles[v.Table+"."+v.Column].Decrypt(ct[5:], cipher.AssociatedData(v.Table, v.Column, rowBytes(t, v.Row)))
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
		{"other-row", "patients", "ssn", hexp("3138"), mod(func(b []byte) []byte { return b }), "ErrMisplaced"},
		{"other-column", "patients", "last_name", ssnRow, mod(func(b []byte) []byte { return b }), "ErrMisplaced"},
		{"truncated", "patients", "ssn", ssnRow, mod(func(b []byte) []byte { return b[:30] }), "ErrTruncated"},
		{"unknown-key", "patients", "ssn", ssnRow, mod(func(b []byte) []byte { b[9] ^= 0x5a; return b }), "ErrUnknownKey"},
		{"version-3", "patients", "ssn", ssnRow, mod(func(b []byte) []byte { b[0] = 3; return b }), "ErrUnsupportedVersion"},
	}
	out, err := json.MarshalIndent(vf, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(vectorsPath, append(out, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}
