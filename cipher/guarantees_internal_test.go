package cipher

// Guarantees of the cipher package that need its internals (issue 8); the
// list is in guarantees_test.go.

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/keyprovider/local"
)

// --- item 19: keys dropped after the TTL, malformed values, decodeValue fuzzing ---

func internalRing(t *testing.T, cfg Config) *Keyring {
	t.Helper()
	p := filepath.Join(t.TempDir(), "kek.json")
	if err := local.Create(p); err != nil {
		t.Fatal(err)
	}
	kek, err := local.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	cfg.KEK = kek
	if cfg.Store == nil {
		cfg.Store = NewMemStore()
	}
	r, err := NewKeyring(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestIssue8_19_KeysUnreachableAfterTTL(t *testing.T) {
	ctx := context.Background()
	ring := internalRing(t, Config{TTL: 20 * time.Millisecond})
	if _, err := ring.CreateKeyset(ctx, "patients.ssn", PurposeValue); err != nil {
		t.Fatal(err)
	}
	col, err := ring.Column("patients", "ssn")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := col.Seal(ctx, "078-05-1120", nil); err != nil {
		t.Fatal(err)
	}
	held := col.keys.cur.Load()
	if held == nil || held.keys.Load() == nil {
		t.Fatal("no keys cached after a seal")
	}
	// Wait (without asserting how long it takes) for the expiry timer.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		ring.mu.Lock()
		n := len(ring.cache)
		ring.mu.Unlock()
		if n == 0 && held.keys.Load() == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the TTL the keyring still holds %d cached keysets, column keys dropped: %v", n, held.keys.Load() == nil)
		}
	}
	// The column loads the keys again on its next use.
	if _, err := col.Seal(ctx, "x", nil); err != nil {
		t.Fatal(err)
	}
}

func TestIssue8_19_ErrMalformedValue(t *testing.T) {
	for name, b := range map[string][]byte{
		"empty":            {},
		"unknown tag":      {0x7f, 1, 2},
		"short int64":      {tagInt64, 1, 2, 3},
		"long float64":     append([]byte{tagFloat64}, make([]byte, 9)...),
		"bool byte 2":      {tagBool, 2},
		"short date":       {tagDate, 0, 0, 1},
		"timestamp nanos":  append(append([]byte{tagTimestamp}, make([]byte, 8)...), 0x3b, 0x9a, 0xca, 0x00),
		"padding no mark":  {tagString | flagPadded, 'a', 0, 0},
		"padding all zero": {tagBytes | flagPadded, 0, 0},
	} {
		if v, err := decodeValue(b); !errors.Is(err, ErrMalformedValue) || v != nil {
			t.Errorf("%s: decodeValue(%x) = %v, %v; want ErrMalformedValue", name, b, v, err)
		}
	}

	// A well-authenticated ciphertext whose plaintext does not decode (only
	// a bug or a forged keyset can make one) is ErrMalformedValue on Open.
	ctx := context.Background()
	ring := internalRing(t, Config{})
	if _, err := ring.CreateKeyset(ctx, "patients.ssn", PurposeValue); err != nil {
		t.Fatal(err)
	}
	col, err := ring.Column("patients", "ssn")
	if err != nil {
		t.Fatal(err)
	}
	m, err := col.keys.get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ct := []byte{FormatVersion, 0, 0, 0, 0, tinkPrefix, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(ct[1:], col.place)
	binary.BigEndian.PutUint32(ct[headerLen+1:], m.primaryID)
	nonce := make([]byte, nonceLen)
	ct = append(ct, nonce...)
	ct = m.primary.Seal(ct, nonce, []byte{tagBool, 7}, col.ad)
	if v, err := col.Open(ctx, ct, nil); !errors.Is(err, ErrMalformedValue) || v != nil {
		t.Fatalf("Open of a malformed encoding: %v, %v; want ErrMalformedValue", v, err)
	}
}

// FuzzDecodeValue feeds arbitrary plaintexts to the value decoder, which
// FuzzOpen cannot reach past GCM. It must never panic; a value it accepts
// must encode back to exactly the same bytes, and an error must be
// ErrMalformedValue.
func FuzzDecodeValue(f *testing.F) {
	for _, v := range []any{"Núñez", "", []byte{0, 0x80}, int64(-4200), 98.6, true, Date{1931, 2, 28}, time.Unix(1710000000, 123456789).UTC()} {
		n, _ := encodedLen(v)
		for _, size := range []int{n, paddedLen(n, 16)} {
			b := make([]byte, size)
			if err := encodeValue(b, v, n); err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in := bytes.Clone(b)
		v, err := decodeValue(b)
		if err != nil {
			if !errors.Is(err, ErrMalformedValue) || v != nil {
				t.Fatalf("decodeValue(%x) = %v, %v", in, v, err)
			}
			return
		}
		n, err := encodedLen(v)
		if err != nil {
			t.Fatalf("decoded %T does not encode: %v", v, err)
		}
		if len(in) < n {
			t.Fatalf("decoded %d bytes into a value of %d", len(in), n)
		}
		out := make([]byte, len(in))
		if err := encodeValue(out, v, n); err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if !bytes.Equal(out, in) {
			t.Fatalf("decodeValue(%x) = %#v re-encodes to %x", in, v, out)
		}
	})
}
