package cipher_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/keyprovider"
)

func TestSealOpenTypes(t *testing.T) {
	ctx := context.Background()
	ring := newRing(t, newLocalKEK(t), cipher.NewMemStore())
	col := mustColumn(t, ring, "patients", "anything")
	ts := time.Date(2024, 3, 9, 14, 5, 6, 123456789, time.UTC)
	for _, v := range []any{
		"Zoë O'Brien-Núñez", "", []byte{0, 1, 2, 255}, []byte{},
		int64(0), int64(-1), int64(math.MaxInt64), int64(math.MinInt64),
		3.25, math.Inf(-1), math.Copysign(0, -1), true, false,
		cipher.Date{Year: 1931, Month: 2, Day: 28}, cipher.Date{Year: 1969, Month: 12, Day: 31}, cipher.Date{Year: 2040, Month: 1, Day: 1},
		ts, time.Unix(-12345, 7).UTC(),
	} {
		for _, row := range [][]byte{nil, {}, []byte("row-42")} {
			ct, err := col.Seal(ctx, v, row)
			if err != nil {
				t.Fatalf("seal %#v: %v", v, err)
			}
			got, err := col.Open(ctx, ct, row)
			if err != nil {
				t.Fatalf("open %#v: %v", v, err)
			}
			if !reflect.DeepEqual(got, v) {
				t.Fatalf("round trip: got %#v (%T), want %#v (%T)", got, got, v, v)
			}
		}
	}
	// Two seals of one value differ (random nonce).
	a, _ := col.Seal(ctx, "same", nil)
	b, _ := col.Seal(ctx, "same", nil)
	if bytes.Equal(a, b) {
		t.Fatal("two seals of one value are equal")
	}
	if len(a) != cipher.Overhead+1+len("same") {
		t.Fatalf("ciphertext length %d, want %d", len(a), cipher.Overhead+1+len("same"))
	}
}

func TestPaddingHidesLength(t *testing.T) {
	ctx := context.Background()
	ring := newRing(t, newLocalKEK(t), cipher.NewMemStore())
	col := mustColumn(t, ring, "patients", "last_name", cipher.WithPadding(16))
	lengths := map[int]bool{}
	for _, s := range []string{"", "Li", "Smith", "Garcia-Lopez", "Abcdefghijklmn"} {
		ct, err := col.Seal(ctx, s, nil)
		if err != nil {
			t.Fatal(err)
		}
		lengths[len(ct)] = true
		got, err := col.Open(ctx, ct, nil)
		if err != nil || got != s {
			t.Fatalf("open %q: %q, %v", s, got, err)
		}
	}
	if len(lengths) != 1 {
		t.Fatalf("padded lengths differ: %v", lengths)
	}
	ct, _ := col.Seal(ctx, strings.Repeat("x", 15), nil)
	if len(ct) != cipher.Overhead+32 {
		t.Fatalf("15-byte string padded to %d bytes of plaintext", len(ct)-cipher.Overhead)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	kek := newLocalKEK(t)
	store := cipher.NewMemStore()
	ring := newRing(t, kek, store)
	ssn := mustColumn(t, ring, "patients", "ssn")
	mrn := mustColumn(t, ring, "patients", "mrn", cipher.WithScope("patients.ssn"))
	other := mustColumn(t, ring, "visits", "ssn", cipher.WithScope("patients.ssn"))
	const secret = "078-05-1120"
	row := []byte("17")
	ct, err := ssn.Seal(ctx, secret, row)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		c := bytes.Clone(ct)
		c[i] ^= 0x01
		return c
	}
	withKeyID := bytes.Clone(ct)
	withKeyID[6] ^= 0xff
	cases := []struct {
		name string
		col  *cipher.Column
		ct   []byte
		row  []byte
		want error
	}{
		{"tampered body", ssn, flip(len(ct) - 20), row, cipher.ErrTampered},
		{"tampered tag", ssn, flip(len(ct) - 1), row, cipher.ErrTampered},
		{"tampered nonce", ssn, flip(12), row, cipher.ErrTampered},
		{"other row", ssn, ct, []byte("18"), cipher.ErrMisplaced},
		{"row binding dropped", ssn, ct, nil, cipher.ErrMisplaced},
		{"other column", mrn, ct, row, cipher.ErrMisplaced},
		{"other table", other, ct, row, cipher.ErrMisplaced},
		{"truncated", ssn, ct[:len(ct)-17], row, cipher.ErrTruncated},
		{"empty", ssn, nil, row, cipher.ErrTruncated},
		{"unknown key id", ssn, withKeyID, row, cipher.ErrUnknownKey},
		{"future version", ssn, append([]byte{0x03}, ct[1:]...), row, cipher.ErrUnsupportedVersion},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := tc.col.Open(ctx, tc.ct, tc.row)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, %v; want %v", v, err, tc.want)
			}
			if v != nil {
				t.Fatalf("returned a value with the error: %v", v)
			}
			for _, other := range []error{cipher.ErrTampered, cipher.ErrMisplaced, cipher.ErrTruncated, cipher.ErrUnknownKey, cipher.ErrUnsupportedVersion} {
				if other != tc.want && errors.Is(err, other) {
					t.Fatalf("error %v also matches %v", err, other)
				}
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("error reveals the value: %v", err)
			}
			if !strings.Contains(err.Error(), tc.col.Table()+"."+tc.col.Name()) {
				t.Fatalf("error does not name the column: %v", err)
			}
		})
	}

	// A keyring with the wrong KEK cannot open the keyset.
	wrong := newRing(t, newLocalKEK(t), store)
	_, err = mustColumn(t, wrong, "patients", "ssn").Open(ctx, ct, row)
	if !errors.Is(err, cipher.ErrWrongKEK) || strings.Contains(err.Error(), secret) {
		t.Fatalf("wrong KEK: %v", err)
	}

	// A KMS outage on a cold cache fails closed.
	cold := newRing(t, kek, store)
	kek.setDown(true)
	_, err = mustColumn(t, cold, "patients", "ssn").Open(ctx, ct, row)
	if !errors.Is(err, cipher.ErrKMSUnavailable) || errors.Is(err, cipher.ErrWrongKEK) {
		t.Fatalf("outage: %v", err)
	}
	_, err = cold.CreateKeyset(ctx, "patients.dob", cipher.PurposeValue)
	if !errors.Is(err, keyprovider.ErrUnavailable) {
		t.Fatalf("outage on create: %v", err)
	}
	kek.setDown(false)
	// Nothing was stored for the failed creation.
	if _, err := store.Get(ctx, "patients.dob", cipher.PurposeValue); !errors.Is(err, cipher.ErrKeysetNotFound) {
		t.Fatalf("failed seal left a keyset: %v", err)
	}

	// Opening a column that never had a keyset does not create one.
	_, err = columnOnly(t, ring, "patients", "never").Open(ctx, ct, row)
	if !errors.Is(err, cipher.ErrMisplaced) {
		t.Fatalf("never: %v", err)
	}
	never := columnOnly(t, ring, "patients", "never")
	nct := bytes.Clone(ct)
	copy(nct[1:5], mustSealPlace(t, ring, "patients", "never", row))
	if _, err := never.Open(ctx, nct, row); !errors.Is(err, cipher.ErrKeysetNotFound) || !errors.Is(err, cipher.ErrKeysetMissing) {
		t.Fatalf("no keyset: %v", err)
	}
	if _, err := store.Get(ctx, "patients.never", cipher.PurposeValue); !errors.Is(err, cipher.ErrKeysetNotFound) {
		t.Fatalf("open created a keyset: %v", err)
	}
}

// mustSealPlace returns the place check bytes of a value sealed for
// table.column and row, using a throwaway scope.
func mustSealPlace(t *testing.T, ring *cipher.Keyring, table, column string, row []byte) []byte {
	t.Helper()
	c := mustColumn(t, ring, table, column, cipher.WithScope("throwaway"))
	ct, err := c.Seal(context.Background(), "x", row)
	if err != nil {
		t.Fatal(err)
	}
	return ct[1:5]
}

func TestSealRefuses(t *testing.T) {
	ctx := context.Background()
	ring := newRing(t, newLocalKEK(t), cipher.NewMemStore())
	col := mustColumn(t, ring, "patients", "first_name", cipher.WithMaxLength(8))
	for _, v := range []any{nil, 42, int32(1), uint64(1), struct{}{}, []string{"a"}} {
		if _, err := col.Seal(ctx, v, nil); !errors.Is(err, cipher.ErrUnsupportedType) {
			t.Fatalf("%T: %v", v, err)
		}
	}
	if _, err := col.Seal(ctx, "Bartholomew", nil); !errors.Is(err, cipher.ErrValueTooLong) || strings.Contains(err.Error(), "Bartholomew") {
		t.Fatalf("too long: %v", err)
	}
	if _, err := col.Seal(ctx, "Barthold", nil); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
	if _, err := ring.Column("", "x"); err == nil {
		t.Fatal("empty table accepted")
	}
	if _, err := ring.Column("t", "c", cipher.WithPadding(-1)); err == nil {
		t.Fatal("negative padding accepted")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := ring.CreateKeyset(cctx, "patients.fresh", cipher.PurposeValue); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
}
