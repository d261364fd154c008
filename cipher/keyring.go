package cipher

import (
	"bytes"
	"context"
	"crypto/aes"
	stdcipher "crypto/cipher"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/aead/aesgcm"
	"github.com/tink-crypto/tink-go/v2/insecuresecretdataaccess"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/prf"
	tinkpb "github.com/tink-crypto/tink-go/v2/proto/tink_go_proto"
	"golang.org/x/sync/singleflight"
)

// DefaultTTL is how long unwrapped keysets stay cached when Config.TTL is 0.
const DefaultTTL = 5 * time.Minute

// unknownKeyRefresh bounds how often an unknown key id may trigger a
// reload, so junk ciphertexts cannot put the KMS on the hot path.
const unknownKeyRefresh = time.Second

// Config configures a Keyring.
type Config struct {
	// KEK wraps new and rotated keysets. Required.
	KEK keyprovider.KEK
	// PreviousKEKs can still unwrap keysets that a Rewrap has not moved yet.
	PreviousKEKs []keyprovider.KEK
	// Store keeps the wrapped keysets. Required.
	Store Store
	// TTL bounds how long an unwrapped keyset is used before it is loaded
	// and unwrapped again. 0 means DefaultTTL.
	TTL time.Duration
	// Now replaces the clock that ends the TTL, for tests; nil means real
	// time.
	Now func() time.Time
}

// Keyring hands out sealing keys per scope and purpose, creating keysets on
// first use and caching them unwrapped for the TTL. It is safe for
// concurrent use.
type Keyring struct {
	store Store
	ttl   time.Duration
	now   func() time.Time
	// testClock: Config.Now was set, so expiry follows that clock.
	testClock bool

	mu    sync.Mutex
	kek   keyprovider.KEK
	keks  map[string]keyprovider.KEK
	cache map[recordKey]*loaded
	epoch atomic.Uint64
	sf    singleflight.Group
}

// loaded is an unwrapped keyset.
type loaded struct {
	rec     *Record
	handle  *keyset.Handle
	expires time.Time
	epoch   uint64
	// stale is set by a timer at expiry: reading the clock on every Seal
	// would cost more than the AES-GCM itself on some virtual machines.
	stale atomic.Bool
	// value keysets
	primaryID uint32
	primary   stdcipher.AEAD
	byID      map[uint32]stdcipher.AEAD
	// index keysets
	index *IndexKeys
}

// NewKeyring returns a Keyring over cfg.Store wrapped by cfg.KEK.
func NewKeyring(cfg Config) (*Keyring, error) {
	if cfg.KEK == nil {
		return nil, errors.New("phicrypt: keyring needs a KEK")
	}
	if cfg.Store == nil {
		return nil, errors.New("phicrypt: keyring needs a keyset store")
	}
	r := &Keyring{
		store: cfg.Store,
		ttl:   cfg.TTL,
		now:   cfg.Now,
		kek:   cfg.KEK,
		keks:  map[string]keyprovider.KEK{},
		cache: map[recordKey]*loaded{},
	}
	if r.ttl <= 0 {
		r.ttl = DefaultTTL
	}
	r.testClock = r.now != nil
	if r.now == nil {
		r.now = time.Now
	}
	for _, k := range cfg.PreviousKEKs {
		r.keks[k.URI()] = k
	}
	r.keks[cfg.KEK.URI()] = cfg.KEK
	return r, nil
}

// KEK returns the key-encryption key new keysets are wrapped with.
func (r *Keyring) KEK() keyprovider.KEK {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.kek
}

// Invalidate drops every cached keyset; the next use loads and unwraps
// again.
func (r *Keyring) Invalidate() {
	r.mu.Lock()
	clear(r.cache)
	r.epoch.Add(1)
	r.mu.Unlock()
}

func (r *Keyring) fresh(l *loaded) bool {
	if l == nil || l.stale.Load() || l.epoch != r.epoch.Load() {
		return false
	}
	return !r.testClock || r.now().Before(l.expires)
}

// keyCache holds one keyset for a caller on the hot path: a fresh one is
// taken with an atomic load and no lock, a stale one is loaded again.
type keyCache struct {
	ring    *Keyring
	scope   string
	purpose Purpose
	cur     atomic.Pointer[loaded]
}

func (c *keyCache) get(ctx context.Context, create bool) (*loaded, error) {
	if l := c.cur.Load(); c.ring.fresh(l) {
		return l, nil
	}
	l, err := c.ring.load(ctx, c.scope, c.purpose, create)
	if err != nil {
		return nil, err
	}
	c.cur.Store(l)
	return l, nil
}

// load returns the unwrapped keyset for scope and purpose, from the cache
// when fresh. With create, a missing keyset is generated and stored.
func (r *Keyring) load(ctx context.Context, scope string, p Purpose, create bool) (*loaded, error) {
	k := recordKey{scope, p}
	r.mu.Lock()
	l := r.cache[k]
	r.mu.Unlock()
	if r.fresh(l) {
		return l, nil
	}
	sfKey := fmt.Sprintf("%d/%t/%s", p, create, scope)
	v, err, _ := r.sf.Do(sfKey, func() (any, error) {
		r.mu.Lock()
		l := r.cache[k]
		r.mu.Unlock()
		if r.fresh(l) {
			return l, nil
		}
		l, err := r.fetch(ctx, scope, p, create)
		if err != nil {
			return nil, err
		}
		r.mu.Lock()
		r.cache[k] = l
		r.mu.Unlock()
		return l, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*loaded), nil
}

// fetch reads and unwraps a keyset from the store, bypassing the cache.
func (r *Keyring) fetch(ctx context.Context, scope string, p Purpose, create bool) (*loaded, error) {
	for attempt := 0; ; attempt++ {
		epoch := r.epoch.Load()
		rec, err := r.get(ctx, scope, p)
		if errors.Is(err, ErrKeysetNotFound) && create {
			l, err := r.create(ctx, scope, p)
			if errors.Is(err, ErrConflict) && attempt < 3 {
				continue // another writer created it first: read theirs
			}
			return l, err
		}
		if err != nil {
			return nil, err
		}
		h, err := r.unwrap(ctx, rec)
		if err != nil {
			return nil, err
		}
		return r.prepare(rec, h, epoch)
	}
}

// get reads the record of scope and purpose from the store and checks that
// the store returned the record asked for: a keyset of another scope or
// purpose must not seal this scope's values.
func (r *Keyring) get(ctx context.Context, scope string, p Purpose) (*Record, error) {
	rec, err := r.store.Get(ctx, scope, p)
	if err != nil {
		return nil, err
	}
	if rec == nil || rec.Scope != scope || rec.Purpose != p {
		got := "no record"
		if rec != nil {
			got = fmt.Sprintf("scope %q, purpose %s", rec.Scope, rec.Purpose)
		}
		return nil, fmt.Errorf("%w: asked the store for scope %q, purpose %s, got %s", ErrBadRecord, scope, p, got)
	}
	return rec, nil
}

func template(p Purpose) (*tinkpb.KeyTemplate, error) {
	switch p {
	case PurposeValue:
		return aead.AES256GCMKeyTemplate(), nil
	case PurposeIndex:
		return prf.HMACSHA256PRFKeyTemplate(), nil
	}
	return nil, fmt.Errorf("%w: unknown purpose %d", ErrBadRecord, p)
}

func (r *Keyring) create(ctx context.Context, scope string, p Purpose) (*loaded, error) {
	t, err := template(p)
	if err != nil {
		return nil, err
	}
	epoch := r.epoch.Load()
	h, err := keyset.NewHandle(t)
	if err != nil {
		return nil, err
	}
	rec, err := r.wrap(ctx, scope, p, h, r.KEK(), 1)
	if err != nil {
		return nil, err
	}
	if err := r.store.Put(ctx, rec, 0); err != nil {
		return nil, err
	}
	return r.prepare(rec, h, epoch)
}

// kekAEAD adapts a KEK to Tink's AEADWithContext and keeps the KEK's own
// error, which Tink flattens to text.
type kekAEAD struct {
	kek keyprovider.KEK
	err error
}

func (a *kekAEAD) EncryptWithContext(ctx context.Context, pt, ad []byte) ([]byte, error) {
	ct, err := a.kek.Wrap(ctx, pt, ad)
	a.err = err
	return ct, err
}

func (a *kekAEAD) DecryptWithContext(ctx context.Context, ct, ad []byte) ([]byte, error) {
	pt, err := a.kek.Unwrap(ctx, ct, ad)
	a.err = err
	return pt, err
}

func (r *Keyring) wrap(ctx context.Context, scope string, p Purpose, h *keyset.Handle, kek keyprovider.KEK, gen uint64) (*Record, error) {
	var buf bytes.Buffer
	a := &kekAEAD{kek: kek}
	if err := h.WriteWithContext(ctx, keyset.NewBinaryWriter(&buf), a, KeysetAD(scope, p)); err != nil {
		if a.err != nil {
			return nil, a.err
		}
		return nil, fmt.Errorf("%w: %v", ErrBadRecord, err)
	}
	return &Record{Scope: scope, Purpose: p, KEK: kek.URI(), Generation: gen, EncryptedKeyset: buf.Bytes()}, nil
}

func (r *Keyring) kekFor(rec *Record) (keyprovider.KEK, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if k, ok := r.keks[rec.KEK]; ok {
		return k, nil
	}
	return nil, &keyprovider.Error{Provider: keyprovider.Scheme(rec.KEK), KeyID: rec.KEK, Op: "unwrap", Kind: keyprovider.ErrWrongKey,
		Err: errors.New("the keyset was wrapped by a KEK this keyring was not given (add it to PreviousKEKs)")}
}

func (r *Keyring) unwrap(ctx context.Context, rec *Record) (*keyset.Handle, error) {
	kek, err := r.kekFor(rec)
	if err != nil {
		return nil, err
	}
	a := &kekAEAD{kek: kek}
	h, err := keyset.ReadWithContext(ctx, keyset.NewBinaryReader(bytes.NewReader(rec.EncryptedKeyset)), a, KeysetAD(rec.Scope, rec.Purpose))
	if err != nil {
		if a.err != nil {
			return nil, a.err
		}
		return nil, fmt.Errorf("%w: scope %s: %v", ErrBadRecord, rec.Scope, err)
	}
	return h, nil
}

// prepare builds the primitives of an unwrapped keyset.
func (r *Keyring) prepare(rec *Record, h *keyset.Handle, epoch uint64) (*loaded, error) {
	l := &loaded{rec: rec, handle: h, expires: r.now().Add(r.ttl), epoch: epoch}
	time.AfterFunc(r.ttl, func() { l.stale.Store(true) })
	if rec.Purpose == PurposeIndex {
		ik, err := newIndexKeys(rec.Scope, h)
		if err != nil {
			return nil, err
		}
		l.index = ik
		return l, nil
	}
	l.byID = make(map[uint32]stdcipher.AEAD, h.Len())
	for i := 0; i < h.Len(); i++ {
		e, err := h.Entry(i)
		if err != nil {
			return nil, err
		}
		if e.KeyStatus() != keyset.Enabled {
			continue
		}
		k, ok := e.Key().(*aesgcm.Key)
		if !ok {
			return nil, fmt.Errorf("%w: scope %s: key %d is %T, want AES-GCM", ErrBadRecord, rec.Scope, e.KeyID(), e.Key())
		}
		params := k.Parameters().(*aesgcm.Parameters)
		if params.Variant() != aesgcm.VariantTink || params.IVSizeInBytes() != nonceLen || params.TagSizeInBytes() != tagLen || params.KeySizeInBytes() != 32 {
			return nil, fmt.Errorf("%w: scope %s: key %d is not AES-256-GCM with the TINK prefix", ErrBadRecord, rec.Scope, e.KeyID())
		}
		// The same construction as Tink's aesgcm.NewAEAD, kept unwrapped so
		// that Seal and Open write straight into one buffer.
		block, err := aes.NewCipher(k.KeyBytes().Data(insecuresecretdataaccess.Token{}))
		if err != nil {
			return nil, err
		}
		g, err := stdcipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		l.byID[e.KeyID()] = g
		if e.IsPrimary() {
			l.primaryID, l.primary = e.KeyID(), g
		}
	}
	if l.primary == nil {
		return nil, fmt.Errorf("%w: scope %s: no enabled primary key", ErrBadRecord, rec.Scope)
	}
	return l, nil
}

// RotateKey adds a new key to the keyset of scope and purpose and makes it
// primary. Values sealed before keep opening by their key id; new values
// use the new key. It returns the new key id.
func (r *Keyring) RotateKey(ctx context.Context, scope string, p Purpose) (uint32, error) {
	fail := func(err error) (uint32, error) {
		return 0, &Error{Op: "rotate", Scope: scope, Err: err}
	}
	t, err := template(p)
	if err != nil {
		return fail(err)
	}
	rec, err := r.get(ctx, scope, p)
	if err != nil {
		return fail(err)
	}
	h, err := r.unwrap(ctx, rec)
	if err != nil {
		return fail(err)
	}
	m := keyset.NewManagerFromHandle(h)
	id, err := m.Add(t)
	if err != nil {
		return fail(err)
	}
	if err := m.SetPrimary(id); err != nil {
		return fail(err)
	}
	if h, err = m.Handle(); err != nil {
		return fail(err)
	}
	nrec, err := r.wrap(ctx, scope, p, h, r.KEK(), rec.Generation+1)
	if err != nil {
		return fail(err)
	}
	if err := r.store.Put(ctx, nrec, rec.Generation); err != nil {
		return fail(err)
	}
	r.Invalidate()
	return id, nil
}

// Rewrap moves every keyset in the store under newKEK without touching any
// sealed value, and makes newKEK the keyring's KEK. When newKEK already
// wrapped a record and can rewrap on the service side (Vault Transit after
// a key rotation, AWS KMS ReEncrypt), the keyset never leaves the service.
// It returns how many records were rewritten.
func (r *Keyring) Rewrap(ctx context.Context, newKEK keyprovider.KEK) (int, error) {
	r.mu.Lock()
	r.keks[newKEK.URI()] = newKEK
	r.mu.Unlock()
	recs, err := r.store.List(ctx)
	if err != nil {
		return 0, &Error{Op: "rewrap", Err: err}
	}
	n := 0
	for _, rec := range recs {
		nrec, err := r.rewrapOne(ctx, rec, newKEK)
		if err != nil {
			return n, &Error{Op: "rewrap", Scope: rec.Scope, Err: err}
		}
		if err := r.store.Put(ctx, nrec, rec.Generation); err != nil {
			return n, &Error{Op: "rewrap", Scope: rec.Scope, Err: err}
		}
		n++
	}
	r.mu.Lock()
	r.kek = newKEK
	r.mu.Unlock()
	r.Invalidate()
	return n, nil
}

func (r *Keyring) rewrapOne(ctx context.Context, rec *Record, newKEK keyprovider.KEK) (*Record, error) {
	if rw, ok := newKEK.(keyprovider.Rewrapper); ok && rec.KEK == newKEK.URI() {
		ek, err := decodeEncryptedKeyset(rec.EncryptedKeyset)
		if err != nil {
			return nil, err
		}
		w, err := rw.Rewrap(ctx, ek.EncryptedKeyset, KeysetAD(rec.Scope, rec.Purpose))
		if err != nil {
			return nil, err
		}
		ek.EncryptedKeyset = w
		var buf bytes.Buffer
		if err := keyset.NewBinaryWriter(&buf).WriteEncrypted(ek); err != nil {
			return nil, err
		}
		return &Record{Scope: rec.Scope, Purpose: rec.Purpose, KEK: rec.KEK, Generation: rec.Generation + 1, EncryptedKeyset: buf.Bytes()}, nil
	}
	h, err := r.unwrap(ctx, rec)
	if err != nil {
		return nil, err
	}
	return r.wrap(ctx, rec.Scope, rec.Purpose, h, newKEK, rec.Generation+1)
}

func decodeEncryptedKeyset(b []byte) (*tinkpb.EncryptedKeyset, error) {
	ek, err := keyset.NewBinaryReader(bytes.NewReader(b)).ReadEncrypted()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRecord, err)
	}
	return ek, nil
}
