// Guarantees of the cipher package (issue 8). Each test names the item it
// covers; a test fails if its guarantee breaks.
//
// Key lifecycle:
//   - 5: Seal, Open and index keys never create a keyset; a missing one is
//     ErrKeysetMissing naming scope and purpose; CreateKeyset is explicit
//     and idempotent.
//   - 12: a keyring sees an index-key rotation, retirement or destruction
//     by another process within its check interval; RetireKey takes a key
//     out of queries (or of opening, for values), DestroyKey removes a
//     retired key.
//   - 13: a keyset record's generation is bound into its wrapping, and a
//     keyring refuses a record older than one it has seen
//     (ErrKeysetRollback), including a version-1 record after a version-2.
//   - 14: a ciphertext naming an unknown key id refreshes only its own
//     keyset, rate-limited per keyset and globally, unwraps only if the
//     record changed, and is remembered as unknown.
//   - 15: the keyring checks that a record the Store returns is the scope
//     and purpose it asked for; a mismatch is ErrBadRecord, never a panic;
//     zero values of Keyring, Column and IndexKeysCache return errors.
//   - 16: when Rewrap succeeds no keyset in the store is wrapped by another
//     KEK, even one created during the rewrap; VerifyKEK lists any
//     keyset under another KEK.
//   - 19: keys are unreachable from the keyring after the TTL; a Seal and
//     an Open racing on a cold cache unwrap once; default scopes of
//     distinct columns never collide; a malformed decrypted value is
//     ErrMalformedValue (and decodeValue is fuzzed directly).
package cipher_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
)

// --- item 15: the keyring does not trust the Store ---

// swappingStore serves the record of another scope or purpose.
type swappingStore struct {
	cipher.Store
	scope   string
	purpose cipher.Purpose
}

func (s swappingStore) Get(ctx context.Context, _ string, _ cipher.Purpose) (*cipher.Record, error) {
	return s.Store.Get(ctx, s.scope, s.purpose)
}

func TestIssue8_15_StoreServesWrongRecord(t *testing.T) {
	ctx := context.Background()
	kek := newLocalKEK(t)
	store := cipher.NewMemStore()
	setup := newRing(t, kek, store)
	if _, err := setup.CreateKeyset(ctx, "patients.ssn", cipher.PurposeIndex); err != nil {
		t.Fatal(err)
	}
	if _, err := mustColumn(t, setup, "patients", "mrn").Seal(ctx, "x", nil); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		scope   string
		purpose cipher.Purpose
		use     func(*cipher.Keyring) error
	}{
		{"index record for a value request", "patients.ssn", cipher.PurposeIndex, func(r *cipher.Keyring) error {
			_, err := columnOnly(t, r, "patients", "ssn").Seal(ctx, "078-05-1120", nil)
			return err
		}},
		{"other scope for a value request", "patients.mrn", cipher.PurposeValue, func(r *cipher.Keyring) error {
			_, err := columnOnly(t, r, "patients", "ssn").Seal(ctx, "078-05-1120", nil)
			return err
		}},
		{"value record for an index request", "patients.mrn", cipher.PurposeValue, func(r *cipher.Keyring) error {
			_, err := r.IndexKeys(ctx, "patients.mrn")
			return err
		}},
		{"rotation of a swapped record", "patients.ssn", cipher.PurposeIndex, func(r *cipher.Keyring) error {
			_, err := r.RotateKey(ctx, "patients.mrn", cipher.PurposeValue)
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ring := newRing(t, kek, swappingStore{Store: store, scope: c.scope, purpose: c.purpose})
			var err error
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("panic: %v", p)
					}
				}()
				err = c.use(ring)
			}()
			if !errors.Is(err, cipher.ErrBadRecord) {
				t.Fatalf("got %v, want ErrBadRecord", err)
			}
		})
	}
}

// --- item 19: one unwrap for racing Seal and Open, injective default scopes ---

// gateStore holds every Get until a second one arrives or a moment
// passes, so that callers racing on a cold cache overlap.
type gateStore struct {
	cipher.Store
	mu      sync.Mutex
	waiting chan struct{}
	gets    atomic.Int64
}

func (s *gateStore) Get(ctx context.Context, scope string, p cipher.Purpose) (*cipher.Record, error) {
	s.gets.Add(1)
	s.mu.Lock()
	if s.waiting == nil {
		ch := make(chan struct{})
		s.waiting = ch
		s.mu.Unlock()
		select {
		case <-ch:
		case <-time.After(200 * time.Millisecond):
		}
	} else {
		close(s.waiting)
		s.waiting = nil
		s.mu.Unlock()
	}
	return s.Store.Get(ctx, scope, p)
}

func TestIssue8_19_ColdSealAndOpenUnwrapOnce(t *testing.T) {
	ctx := context.Background()
	kek := newLocalKEK(t)
	mem := cipher.NewMemStore()
	ct, err := mustColumn(t, newRing(t, kek, mem), "patients", "ssn").Seal(ctx, "078-05-1120", nil)
	if err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 5; round++ {
		before := kek.unwraps.Load()
		ring := newRing(t, kek, &gateStore{Store: mem})
		col := columnOnly(t, ring, "patients", "ssn")
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			if _, err := col.Seal(ctx, "219-09-9999", nil); err != nil {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			if _, err := col.Open(ctx, ct, nil); err != nil {
				t.Error(err)
			}
		}()
		wg.Wait()
		if n := kek.unwraps.Load() - before; n != 1 {
			t.Fatalf("round %d: a Seal and an Open racing on a cold cache made %d unwraps, want 1", round, n)
		}
	}
}

func TestIssue8_19_DefaultScopesDoNotCollide(t *testing.T) {
	ctx := context.Background()
	ring := newRing(t, newLocalKEK(t), cipher.NewMemStore())
	ab := mustColumn(t, ring, "a.b", "c")
	a := mustColumn(t, ring, "a", "b.c")
	if ab.Scope() == a.Scope() {
		t.Fatalf("a.b/c and a/b.c share the default scope %q", a.Scope())
	}
	if got := columnOnly(t, ring, "patients", "ssn").Scope(); got != "patients.ssn" {
		t.Fatalf("default scope of an identifier changed: %q", got)
	}
	for _, pair := range [][2]string{{"a.b", "c"}, {"a", "b.c"}, {`a"`, "b"}, {"a", `"b`}, {"a", "b"}} {
		if got := cipher.DefaultScope(pair[0], pair[1]); got == ab.Scope() && pair != [2]string{"a.b", "c"} {
			t.Fatalf("DefaultScope(%q, %q) = %q, the scope of a.b/c", pair[0], pair[1], got)
		}
	}
	ct, err := ab.Seal(ctx, "x", nil)
	if err != nil {
		t.Fatal(err)
	}
	rec1, _ := ring.Keys(ctx, ab.Scope(), cipher.PurposeValue)
	rec2, _ := ring.Keys(ctx, a.Scope(), cipher.PurposeValue)
	if len(rec1) != 1 || len(rec2) != 1 || rec1[0].ID == rec2[0].ID {
		t.Fatalf("the two columns do not have keysets of their own: %v, %v", rec1, rec2)
	}
	if _, err := a.Open(ctx, ct, nil); err == nil {
		t.Fatal("a value of a.b/c opened as a/b.c")
	}
}

// --- item 13: keyset rollback ---

// aeadOf adapts a KEK to tink.AEAD, to write records by hand.
type aeadOf struct{ kek keyprovider.KEK }

func (a aeadOf) Encrypt(pt, ad []byte) ([]byte, error) {
	return a.kek.Wrap(context.Background(), pt, ad)
}
func (a aeadOf) Decrypt(ct, ad []byte) ([]byte, error) {
	return a.kek.Unwrap(context.Background(), ct, ad)
}

func TestIssue8_13_KeysetRollbackRefused(t *testing.T) {
	ctx := context.Background()
	kek := newLocalKEK(t)
	store := cipher.NewMemStore()
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	ring, err := cipher.NewKeyring(cipher.Config{KEK: kek, Store: store, Now: clock.now, CheckInterval: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	col := mustColumn(t, ring, "patients", "ssn")
	if _, err := col.Seal(ctx, "078-05-1120", nil); err != nil {
		t.Fatal(err)
	}
	old, err := store.Get(ctx, "patients.ssn", cipher.PurposeValue)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ring.RotateKey(ctx, "patients.ssn", cipher.PurposeValue); err != nil {
		t.Fatal(err)
	}
	if _, err := col.Seal(ctx, "078-05-1120", nil); err != nil {
		t.Fatal(err)
	}
	rotated, _ := store.Get(ctx, "patients.ssn", cipher.PurposeValue)

	// Someone who can write the keyset table restores the pre-rotation
	// record, as it was or with its generation raised.
	restore := func(rec *cipher.Record) {
		t.Helper()
		cur, _ := store.Get(ctx, "patients.ssn", cipher.PurposeValue)
		if err := store.Put(ctx, rec, cur.Generation); err != nil {
			t.Fatal(err)
		}
		clock.advance(6 * time.Second) // past the check interval
	}
	restore(old)
	if _, err := col.Seal(ctx, "078-05-1120", nil); !errors.Is(err, cipher.ErrKeysetRollback) {
		t.Fatalf("seal after the record was rolled back: %v, want ErrKeysetRollback", err)
	}
	if _, err := ring.RotateKey(ctx, "patients.ssn", cipher.PurposeValue); !errors.Is(err, cipher.ErrKeysetRollback) {
		t.Fatalf("rotate after the record was rolled back: %v, want ErrKeysetRollback", err)
	}
	forged := *old
	forged.Generation, forged.Bound = 7, 7
	restore(&forged)
	if _, err := col.Seal(ctx, "078-05-1120", nil); err == nil || errors.Is(err, cipher.ErrKeysetRollback) {
		t.Fatalf("seal with the old record's generation raised: %v, want an unwrap failure", err)
	}

	// A version-1 record (no generation bound) after a version-2 one.
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := h.WriteWithAssociatedData(keyset.NewBinaryWriter(&buf), aeadOf{kek}, cipher.KeysetAD("patients.ssn", cipher.PurposeValue)); err != nil {
		t.Fatal(err)
	}
	restore(&cipher.Record{Scope: "patients.ssn", Purpose: cipher.PurposeValue, KEK: kek.URI(), Generation: 9, EncryptedKeyset: buf.Bytes()})
	if _, err := col.Seal(ctx, "078-05-1120", nil); !errors.Is(err, cipher.ErrKeysetRollback) {
		t.Fatalf("seal after a version-1 record replaced a version-2 one: %v, want ErrKeysetRollback", err)
	}

	// The restored record back in place: the keyring works again.
	restore(rotated)
	if _, err := col.Seal(ctx, "078-05-1120", nil); err != nil {
		t.Fatalf("after the rotated record came back: %v", err)
	}

	// The documented window: a keyring that never saw the newer record
	// accepts the old one.
	restore(old)
	if _, err := mustColumn(t, newRing(t, kek, store), "patients", "ssn").Seal(ctx, "x", nil); err != nil {
		t.Fatalf("a new keyring refused the only record it has seen: %v", err)
	}
}

// --- item 16: Rewrap converges; VerifyKEK ---

// racingStore lets another process create a keyset under the old KEK
// while the first listing is in flight: the listing does not show it.
type racingStore struct {
	cipher.Store
	lists  int
	during func()
}

func (s *racingStore) List(ctx context.Context) ([]*cipher.Record, error) {
	recs, err := s.Store.List(ctx)
	s.lists++
	if s.lists == 1 && s.during != nil {
		s.during()
	}
	return recs, err
}

func TestIssue8_16_RewrapConverges(t *testing.T) {
	ctx := context.Background()
	oldKEK, newKEK := newLocalKEK(t), newLocalKEK(t)
	mem := cipher.NewMemStore()
	other := newRing(t, oldKEK, mem) // a process not yet given the new KEK
	for _, name := range []string{"ssn", "mrn"} {
		mustColumn(t, other, "patients", name)
	}
	store := &racingStore{Store: mem, during: func() {
		if _, err := other.CreateKeyset(ctx, "patients.late", cipher.PurposeValue); err != nil {
			t.Error(err)
		}
	}}
	ring := newRing(t, oldKEK, store)
	n, err := ring.Rewrap(ctx, newKEK)
	if err != nil || n != 3 {
		t.Fatalf("rewrap: %d, %v; want 3 records moved", n, err)
	}
	recs, _ := mem.List(ctx)
	for _, r := range recs {
		if r.KEK != newKEK.URI() {
			t.Fatalf("after a successful Rewrap, %s is still wrapped by %s", r.Scope, r.KEK)
		}
	}
	if left, err := ring.VerifyKEK(ctx); err != nil || len(left) != 0 {
		t.Fatalf("VerifyKEK after Rewrap: %v, %v", left, err)
	}
	// The late keyset opens with the new KEK alone.
	late := mustColumn(t, newRing(t, newKEK, mem), "patients", "late")
	if _, err := late.Seal(ctx, "x", nil); err != nil {
		t.Fatal(err)
	}
	// A process still on the old KEK creates another: VerifyKEK names it.
	if _, err := other.CreateKeyset(ctx, "patients.later", cipher.PurposeIndex); err != nil {
		t.Fatal(err)
	}
	left, err := ring.VerifyKEK(ctx)
	if err != nil || len(left) != 1 || left[0].Scope != "patients.later" || left[0].KEK != oldKEK.URI() {
		t.Fatalf("VerifyKEK: %v, %v; want patients.later under the old KEK", left, err)
	}
}

// --- item 14: unknown key ids do not amplify into unwraps ---

type countingStore struct {
	cipher.Store
	gets atomic.Int64
}

func (s *countingStore) Get(ctx context.Context, scope string, p cipher.Purpose) (*cipher.Record, error) {
	s.gets.Add(1)
	return s.Store.Get(ctx, scope, p)
}

func TestIssue8_14_ForgedKeyIDsDoNotAmplify(t *testing.T) {
	ctx := context.Background()
	kek := newLocalKEK(t)
	mem := cipher.NewMemStore()
	writer := newRing(t, kek, mem)
	const columns = 20
	var forged [][]byte
	for i := range columns {
		ct, err := mustColumn(t, writer, "patients", fmt.Sprintf("c%02d", i)).Seal(ctx, "x", nil)
		if err != nil {
			t.Fatal(err)
		}
		forged = append(forged, ct)
	}
	store := &countingStore{Store: mem}
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	ring, err := cipher.NewKeyring(cipher.Config{KEK: kek, Store: store, Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	cols := make([]*cipher.Column, columns)
	for i := range cols {
		cols[i] = columnOnly(t, ring, "patients", fmt.Sprintf("c%02d", i))
	}
	before := kek.unwraps.Load()
	const (
		span = 10 * time.Minute
		step = 250 * time.Millisecond
	)
	id := uint32(0x5eed0000)
	for elapsed := time.Duration(0); elapsed < span; elapsed += step {
		for i, c := range cols {
			ct := bytes.Clone(forged[i])
			id++
			ct[6], ct[7], ct[8], ct[9] = byte(id>>24), byte(id>>16), byte(id>>8), byte(id)
			if _, err := c.Open(ctx, ct, nil); !errors.Is(err, cipher.ErrUnknownKey) {
				t.Fatalf("forged key id: %v, want ErrUnknownKey", err)
			}
		}
		clock.advance(step)
	}
	// One unwrap per keyset per TTL (DefaultTTL), however many forged ids.
	ttls := int64(span/cipher.DefaultTTL) + 1
	if u := kek.unwraps.Load() - before; u > columns*ttls {
		t.Fatalf("%d forged key ids in %d columns over %v made %d unwraps, want at most %d (one per keyset per TTL)",
			int64(span/step)*columns, columns, span, u, columns*ttls)
	}
	// Store reads are bounded too: one per keyset per refresh interval
	// (unknownKeyRefresh, 1 s) and per check interval.
	if g, limit := store.gets.Load(), int64(columns)*(int64(span/time.Second)+int64(span/cipher.DefaultCheckInterval)+ttls); g > limit {
		t.Fatalf("%d store reads, want at most %d", g, limit)
	}
	t.Logf("%d forged opens: %d unwraps, %d store reads", int64(span/step)*columns, kek.unwraps.Load()-before, store.gets.Load())
}

// --- item 12: index-key rotation across processes and its lifecycle ---

func TestIssue8_12_RotationSeenAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	kek := newLocalKEK(t)
	store := cipher.NewMemStore()
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	const check = 3 * time.Second
	cfg := cipher.Config{KEK: kek, Store: store, Now: clock.now, CheckInterval: check}
	a, _ := cipher.NewKeyring(cfg)
	b, _ := cipher.NewKeyring(cfg)
	if a.CheckInterval() != check || (&cipher.Keyring{}).CheckInterval() != cipher.DefaultCheckInterval {
		t.Fatalf("CheckInterval: %v, zero keyring %v", a.CheckInterval(), (&cipher.Keyring{}).CheckInterval())
	}
	const scope = "patients.last_name"
	if _, err := a.CreateKeyset(ctx, scope, cipher.PurposeIndex); err != nil {
		t.Fatal(err)
	}
	bKeys := b.IndexKeysCache(scope)
	ids := func(c *cipher.IndexKeysCache) []uint32 {
		t.Helper()
		k, err := c.Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return k.KeyIDs()
	}
	first := ids(bKeys)
	if len(first) != 1 {
		t.Fatalf("new keyset has keys %v", first)
	}

	// A rotates; B sees the new primary within the check interval (well
	// before the TTL), with one unwrap.
	newID, err := a.RotateKey(ctx, scope, cipher.PurposeIndex)
	if err != nil {
		t.Fatal(err)
	}
	unwraps := kek.unwraps.Load()
	clock.advance(check)
	got := ids(bKeys)
	if len(got) != 2 || got[0] != newID || got[1] != first[0] {
		t.Fatalf("B's index keys %v one check interval after A's rotation, want [%d %d]", got, newID, first[0])
	}
	if u := kek.unwraps.Load() - unwraps; u != 1 {
		t.Fatalf("B made %d unwraps to see the rotation, want 1", u)
	}
	// Unchanged records cost a store read, not an unwrap.
	for range 10 {
		clock.advance(check)
		ids(bKeys)
	}
	if u := kek.unwraps.Load() - unwraps; u != 1 {
		t.Fatalf("%d unwraps with the record unchanged, want still 1", u)
	}
	ak, _ := a.IndexKeys(ctx, scope)
	bk, _ := bKeys.Get(ctx)
	ta, _ := ak.Sum(newID, nil, []byte("garcia"))
	tb, _ := bk.Sum(newID, nil, []byte("garcia"))
	if !bytes.Equal(ta, tb) {
		t.Fatal("A and B compute different tokens under the new key")
	}

	// Lifecycle: after the backfill, the old key is retired from queries,
	// then destroyed. The primary cannot be retired; a key in use cannot
	// be destroyed.
	if err := a.RetireKey(ctx, scope, cipher.PurposeIndex, newID); err == nil {
		t.Fatal("retired the primary key")
	}
	if err := a.DestroyKey(ctx, scope, cipher.PurposeIndex, first[0]); err == nil {
		t.Fatal("destroyed a key still queried")
	}
	if err := a.RetireKey(ctx, scope, cipher.PurposeIndex, first[0]); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.IndexKeys(ctx, scope); len(got.KeyIDs()) != 1 || got.KeyIDs()[0] != newID {
		t.Fatalf("A still queries %v after retiring %d", got.KeyIDs(), first[0])
	}
	clock.advance(check)
	if got := ids(bKeys); len(got) != 1 || got[0] != newID {
		t.Fatalf("B still queries %v one check interval after the retirement", got)
	}
	infos, err := a.Keys(ctx, scope, cipher.PurposeIndex)
	if err != nil || len(infos) != 2 {
		t.Fatalf("keys: %v, %v", infos, err)
	}
	for _, k := range infos {
		want := map[uint32]cipher.KeyStatus{newID: cipher.KeyPrimary, first[0]: cipher.KeyRetired}[k.ID]
		if k.Status != want {
			t.Fatalf("key %d is %s, want %s", k.ID, k.Status, want)
		}
	}
	if err := a.DestroyKey(ctx, scope, cipher.PurposeIndex, first[0]); err != nil {
		t.Fatal(err)
	}
	if infos, _ := a.Keys(ctx, scope, cipher.PurposeIndex); len(infos) != 1 || infos[0].ID != newID {
		t.Fatalf("keys after destroying %d: %v", first[0], infos)
	}
	clock.advance(check)
	if bk, _ := bKeys.Get(ctx); bk == nil {
		t.Fatal("no keys")
	} else if _, err := bk.Sum(first[0], nil, []byte("garcia")); !errors.Is(err, cipher.ErrUnknownKey) {
		t.Fatalf("B still computes tokens under the destroyed key: %v", err)
	}
}

func TestIssue8_12_RetiredValueKeyNoLongerOpens(t *testing.T) {
	ctx := context.Background()
	ring := newRing(t, newLocalKEK(t), cipher.NewMemStore())
	col := mustColumn(t, ring, "patients", "ssn")
	old, _ := col.Seal(ctx, "078-05-1120", nil)
	oldID := uint32(old[6])<<24 | uint32(old[7])<<16 | uint32(old[8])<<8 | uint32(old[9])
	if _, err := ring.RotateKey(ctx, "patients.ssn", cipher.PurposeValue); err != nil {
		t.Fatal(err)
	}
	fresh, _ := col.Seal(ctx, "078-05-1120", nil)
	if err := ring.RetireKey(ctx, "patients.ssn", cipher.PurposeValue, oldID); err != nil {
		t.Fatal(err)
	}
	if _, err := col.Open(ctx, old, nil); !errors.Is(err, cipher.ErrUnknownKey) {
		t.Fatalf("value under a retired key: %v, want ErrUnknownKey", err)
	}
	if v, err := col.Open(ctx, fresh, nil); err != nil || v != "078-05-1120" {
		t.Fatalf("value under the primary key: %v, %v", v, err)
	}
	if err := ring.RetireKey(ctx, "patients.none", cipher.PurposeValue, oldID); !errors.Is(err, cipher.ErrKeysetMissing) {
		t.Fatalf("retire in a missing keyset: %v", err)
	}
}

// --- item 15 (continued): no panic on zero values ---

func TestIssue8_15_ZeroValuesDoNotPanic(t *testing.T) {
	ctx := context.Background()
	var ring cipher.Keyring
	zeroCol, _ := ring.Column("patients", "ssn")
	calls := map[string]func() error{
		"CreateKeyset": func() error { _, err := ring.CreateKeyset(ctx, "s", cipher.PurposeValue); return err },
		"HasKeyset":    func() error { _, err := ring.HasKeyset(ctx, "s", cipher.PurposeValue); return err },
		"RotateKey":    func() error { _, err := ring.RotateKey(ctx, "s", cipher.PurposeValue); return err },
		"RetireKey":    func() error { return ring.RetireKey(ctx, "s", cipher.PurposeIndex, 1) },
		"DestroyKey":   func() error { return ring.DestroyKey(ctx, "s", cipher.PurposeIndex, 1) },
		"Keys":         func() error { _, err := ring.Keys(ctx, "s", cipher.PurposeIndex); return err },
		"Rewrap":       func() error { _, err := ring.Rewrap(ctx, newLocalKEK(t)); return err },
		"VerifyKEK":    func() error { _, err := ring.VerifyKEK(ctx); return err },
		"IndexKeys":    func() error { _, err := ring.IndexKeys(ctx, "s"); return err },
		"IndexKeysCache.Get": func() error {
			_, err := ring.IndexKeysCache("s").Get(ctx)
			return err
		},
		"zero IndexKeysCache.Get": func() error { _, err := (&cipher.IndexKeysCache{}).Get(ctx); return err },
		"Column.Seal":             func() error { _, err := zeroCol.Seal(ctx, "x", []byte("1")); return err },
		"zero Column.Seal":        func() error { _, err := (&cipher.Column{}).Seal(ctx, "x", []byte("1")); return err },
		"zero Column.Open":        func() error { _, err := (&cipher.Column{}).Open(ctx, make([]byte, 64), []byte("1")); return err },
		"zero IndexKeys.Sum":      func() error { _, err := (&cipher.IndexKeys{}).Sum(1, nil, nil); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("panic: %v", p)
				}
			}()
			if err := call(); err == nil {
				t.Fatal("no error from a zero value")
			}
		})
	}
	ring.Invalidate()
	if ring.KEK() != nil {
		t.Fatal("zero keyring has a KEK")
	}
}

// --- item 5: the keyring never creates a keyset implicitly ---

func TestIssue8_5_KeyringNeverCreatesImplicitly(t *testing.T) {
	ctx := context.Background()
	store := cipher.NewMemStore()
	ring := newRing(t, newLocalKEK(t), store)
	col := columnOnly(t, ring, "patients", "ssn")
	_, err := col.Seal(ctx, "078-05-1120", nil)
	if !errors.Is(err, cipher.ErrKeysetMissing) || !strings.Contains(err.Error(), `"patients.ssn", purpose value`) {
		t.Fatalf("Seal without a keyset: %v, want ErrKeysetMissing naming scope and purpose", err)
	}
	if _, err := ring.IndexKeys(ctx, "patients.ssn"); !errors.Is(err, cipher.ErrKeysetMissing) {
		t.Fatalf("IndexKeys without a keyset: %v", err)
	}
	if _, err := ring.IndexKeysCache("patients.ssn").Get(ctx); !errors.Is(err, cipher.ErrKeysetMissing) {
		t.Fatalf("IndexKeysCache.Get without a keyset: %v", err)
	}
	if recs, _ := store.List(ctx); len(recs) != 0 {
		t.Fatalf("%d keysets created implicitly", len(recs))
	}
	created, err := ring.CreateKeyset(ctx, "patients.ssn", cipher.PurposeValue)
	if err != nil || !created {
		t.Fatalf("CreateKeyset: %v, %v", created, err)
	}
	if again, err := ring.CreateKeyset(ctx, "patients.ssn", cipher.PurposeValue); err != nil || again {
		t.Fatalf("second CreateKeyset: %v, %v; want no new keyset", again, err)
	}
	if _, err := col.Seal(ctx, "078-05-1120", nil); err != nil {
		t.Fatal(err)
	}
}
