package cipher_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/keyprovider"
)

// fakeClock is a settable clock for TTL tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestKMSCallsPerTTL(t *testing.T) {
	ctx := context.Background()
	kek := newLocalKEK(t)
	store := cipher.NewMemStore()
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	ring, err := cipher.NewKeyring(cipher.Config{KEK: kek, Store: store, TTL: time.Minute, Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	ssn := mustColumn(t, ring, "patients", "ssn")
	var cts [][]byte
	var wg sync.WaitGroup
	var mu sync.Mutex
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				ct, err := ssn.Seal(ctx, fmt.Sprintf("%03d-00-%04d", g, i), nil)
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := ssn.Open(ctx, ct, nil); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				cts = append(cts, ct)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if w, u := kek.wraps.Load(), kek.unwraps.Load(); w != 1 || u != 0 {
		t.Fatalf("4000 seals and opens made %d wraps and %d unwraps, want 1 and 0", w, u)
	}

	// Another process (a new keyring) unwraps once, then never again
	// within the TTL.
	ring2, _ := cipher.NewKeyring(cipher.Config{KEK: kek, Store: store, TTL: time.Minute, Now: clock.now})
	ssn2 := mustColumn(t, ring2, "patients", "ssn")
	for _, ct := range cts {
		if _, err := ssn2.Open(ctx, ct, nil); err != nil {
			t.Fatal(err)
		}
	}
	if u := kek.unwraps.Load(); u != 1 {
		t.Fatalf("%d unwraps for 4000 opens in a new keyring, want 1", u)
	}
	clock.advance(59 * time.Second)
	ssn2.Open(ctx, cts[0], nil)
	if u := kek.unwraps.Load(); u != 1 {
		t.Fatalf("unwrapped again before the TTL: %d", u)
	}
	clock.advance(2 * time.Second)
	for _, ct := range cts[:100] {
		if _, err := ssn2.Open(ctx, ct, nil); err != nil {
			t.Fatal(err)
		}
	}
	if u := kek.unwraps.Load(); u != 2 {
		t.Fatalf("%d unwraps after the TTL, want 2", u)
	}

	// After the TTL, an outage fails closed rather than serving stale keys.
	clock.advance(2 * time.Minute)
	kek.setDown(true)
	if _, err := ssn2.Open(ctx, cts[0], nil); !errors.Is(err, keyprovider.ErrUnavailable) {
		t.Fatalf("outage after TTL: %v", err)
	}
	kek.setDown(false)
	if _, err := ssn2.Open(ctx, cts[0], nil); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
}

func TestConcurrentCreateAcrossKeyrings(t *testing.T) {
	ctx := context.Background()
	kek := newLocalKEK(t)
	store := cipher.NewFileStore(filepath.Join(t.TempDir(), "keysets.json"))
	var wg sync.WaitGroup
	cts := make([][]byte, 6)
	for i := range cts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ring := newRing(t, kek, store)
			ct, err := mustColumn(t, ring, "patients", "mrn").Seal(ctx, "MRN-000123", nil)
			if err != nil {
				t.Error(err)
			}
			cts[i] = ct
		}()
	}
	wg.Wait()
	recs, err := store.List(ctx)
	if err != nil || len(recs) != 1 {
		t.Fatalf("records %d, %v; want exactly one keyset", len(recs), err)
	}
	col := mustColumn(t, newRing(t, kek, store), "patients", "mrn")
	for _, ct := range cts {
		if v, err := col.Open(ctx, ct, nil); err != nil || v != "MRN-000123" {
			t.Fatalf("open: %v, %v", v, err)
		}
	}
}

func TestRotateKey(t *testing.T) {
	ctx := context.Background()
	kek := newLocalKEK(t)
	store := cipher.NewMemStore()
	ring := newRing(t, kek, store)
	other := newRing(t, kek, store) // another process sharing the store
	col := mustColumn(t, ring, "patients", "ssn")
	otherCol := mustColumn(t, other, "patients", "ssn")
	old, err := col.Seal(ctx, "old value", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := otherCol.Open(ctx, old, nil); err != nil {
		t.Fatal(err)
	}
	id, err := ring.RotateKey(ctx, "patients.ssn", cipher.PurposeValue)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := col.Seal(ctx, "new value", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := uint32(fresh[6])<<24 | uint32(fresh[7])<<16 | uint32(fresh[8])<<8 | uint32(fresh[9]); got != id {
		t.Fatalf("new ciphertext uses key %d, want the new primary %d", got, id)
	}
	for _, c := range []*cipher.Column{col, otherCol} {
		for ct, want := range map[string]string{string(old): "old value", string(fresh): "new value"} {
			v, err := c.Open(ctx, []byte(ct), nil)
			if err != nil || v != want {
				t.Fatalf("after rotation: %v, %v", v, err)
			}
		}
	}
	rec, _ := store.Get(ctx, "patients.ssn", cipher.PurposeValue)
	if rec.Generation != 2 {
		t.Fatalf("generation %d after one rotation", rec.Generation)
	}
	if _, err := ring.RotateKey(ctx, "patients.none", cipher.PurposeValue); !errors.Is(err, cipher.ErrKeysetNotFound) {
		t.Fatalf("rotate missing keyset: %v", err)
	}
}

func TestRewrapUnderNewKEK(t *testing.T) {
	ctx := context.Background()
	oldKEK := newLocalKEK(t)
	store := cipher.NewFileStore(filepath.Join(t.TempDir(), "keysets.json"))
	ring := newRing(t, oldKEK, store)
	var cts [][]byte
	for _, name := range []string{"ssn", "mrn", "last_name"} {
		ct, err := mustColumn(t, ring, "patients", name).Seal(ctx, "v-"+name, nil)
		if err != nil {
			t.Fatal(err)
		}
		cts = append(cts, ct)
	}
	newKEK := newLocalKEK(t)
	n, err := ring.Rewrap(ctx, newKEK)
	if err != nil || n != 3 {
		t.Fatalf("rewrap: %d, %v", n, err)
	}
	recs, _ := store.List(ctx)
	for _, r := range recs {
		if r.KEK != newKEK.URI() {
			t.Fatalf("record %s still wrapped by %s", r.Scope, r.KEK)
		}
	}
	// Only the new KEK is needed now; no value was touched.
	only := newRing(t, newKEK, store)
	for i, name := range []string{"ssn", "mrn", "last_name"} {
		v, err := mustColumn(t, only, "patients", name).Open(ctx, cts[i], nil)
		if err != nil || v != "v-"+name {
			t.Fatalf("%s after rewrap: %v, %v", name, v, err)
		}
	}
	// The old KEK alone no longer opens anything.
	stale := newRing(t, oldKEK, store)
	if _, err := mustColumn(t, stale, "patients", "ssn").Open(ctx, cts[0], nil); !errors.Is(err, cipher.ErrWrongKEK) {
		t.Fatalf("old KEK after rewrap: %v", err)
	}
}

func TestFileStore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keysets.json")
	s := cipher.NewFileStore(path)
	if _, err := s.Get(ctx, "a.b", cipher.PurposeValue); !errors.Is(err, cipher.ErrKeysetNotFound) {
		t.Fatal(err)
	}
	rec := &cipher.Record{Scope: "a.b", Purpose: cipher.PurposeIndex, KEK: "local:x", Generation: 1, EncryptedKeyset: []byte{1, 2, 3}}
	if err := s.Put(ctx, rec, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, rec, 0); !errors.Is(err, cipher.ErrConflict) {
		t.Fatalf("lost update allowed: %v", err)
	}
	got, err := s.Get(ctx, "a.b", cipher.PurposeIndex)
	if err != nil || got.KEK != "local:x" || got.Generation != 1 || string(got.EncryptedKeyset) != "\x01\x02\x03" {
		t.Fatalf("get: %+v, %v", got, err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("store file mode %o", fi.Mode().Perm())
	}
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "a.b", cipher.PurposeIndex); !errors.Is(err, cipher.ErrBadRecord) || !containsPath(err, path) {
		t.Fatalf("broken file: %v", err)
	}
}

func containsPath(err error, p string) bool { return err != nil && strings.Contains(err.Error(), p) }

func TestRecordDecodeRejects(t *testing.T) {
	good, _ := (&cipher.Record{Scope: "p.s", Purpose: cipher.PurposeValue, KEK: "local:k", Generation: 3, EncryptedKeyset: []byte("x")}).MarshalBinary()
	var r cipher.Record
	if err := r.UnmarshalBinary(good); err != nil || r.Generation != 3 {
		t.Fatalf("good record: %v", err)
	}
	for i := 0; i < len(good); i++ {
		if err := r.UnmarshalBinary(good[:i]); !errors.Is(err, cipher.ErrBadRecord) {
			t.Fatalf("prefix of %d bytes: %v", i, err)
		}
	}
	bad := append([]byte{0x09}, good[1:]...)
	if err := r.UnmarshalBinary(bad); !errors.Is(err, cipher.ErrBadRecord) {
		t.Fatal(err)
	}
}

func TestTTLRealClock(t *testing.T) {
	ctx := context.Background()
	kek := newLocalKEK(t)
	store := cipher.NewMemStore()
	ring, err := cipher.NewKeyring(cipher.Config{KEK: kek, Store: store, TTL: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	col := mustColumn(t, ring, "patients", "ssn")
	ct, err := col.Seal(ctx, "x", nil)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if _, err := col.Open(ctx, ct, nil); err != nil {
		t.Fatal(err)
	}
	if u := kek.unwraps.Load(); u != 1 {
		t.Fatalf("%d unwraps after the TTL ran out, want 1", u)
	}
}
