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
	"github.com/tink-crypto/tink-go/v2/hybrid"
	"github.com/tink-crypto/tink-go/v2/insecuresecretdataaccess"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/prf"
	tinkpb "github.com/tink-crypto/tink-go/v2/proto/tink_go_proto"
	"golang.org/x/sync/singleflight"
)

// DefaultTTL is how long unwrapped keysets stay cached when Config.TTL is 0.
const DefaultTTL = 5 * time.Minute

// DefaultCheckInterval is how often a cached keyset is compared with the
// store when Config.CheckInterval is 0.
const DefaultCheckInterval = 5 * time.Second

// Config configures a Keyring.
type Config struct {
	// KEK wraps new and rotated keysets. Required.
	KEK keyprovider.KEK
	// PurposeKEKs, when set, wrap new and changed keysets of a purpose in
	// place of KEK (and unwrap them), so that a key service's policies can
	// tell the purposes apart: e.g. one Vault transit key for value and
	// seal-private keysets, one for seal-public and one for index keysets,
	// and each role's token allowed to decrypt with only some of them
	// (docs/SECURITY.md §9). Rewrap is refused while it is set.
	PurposeKEKs map[Purpose]keyprovider.KEK
	// PreviousKEKs can still unwrap keysets that a Rewrap has not moved yet.
	PreviousKEKs []keyprovider.KEK
	// Store keeps the wrapped keysets. Required.
	Store Store
	// TTL bounds how long an unwrapped keyset is used before it is loaded
	// and unwrapped again. 0 means DefaultTTL.
	TTL time.Duration
	// CheckInterval bounds how long a cached keyset is used before the
	// keyring reads its record from the store again, so that a rotation,
	// retirement or destruction by another process is seen within it. The
	// check is a store read; the KEK is called only when the record
	// changed. 0 means DefaultCheckInterval.
	CheckInterval time.Duration
	// Now replaces the clock that ends the TTL and the check interval, for
	// tests; nil means real time.
	Now func() time.Time
	// Grant limits the keyring to the scopes and permissions of one
	// principal (grant.go); nil holds every permission, including key
	// management.
	Grant *Grant
}

// Keyring hands out sealing keys per scope and purpose and caches them
// unwrapped for the TTL. It never creates a keyset as a side effect of a
// read or a write: CreateKeyset does, explicitly. It is safe for
// concurrent use.
type Keyring struct {
	store Store
	ttl   time.Duration
	check time.Duration
	now   func() time.Time
	// testClock: Config.Now was set, so expiry follows that clock.
	testClock bool
	// grant limits what the keyring unwraps; nil: everything.
	grant *Grant

	mu   sync.Mutex
	kek  keyprovider.KEK
	keks map[string]keyprovider.KEK
	// byPurpose replaces kek for the purposes it names (Config.PurposeKEKs).
	byPurpose map[Purpose]keyprovider.KEK
	cache     map[recordKey]*loaded
	// highest is the highest generation bound into a record this keyring
	// has unwrapped, per scope and purpose: a lower one is a rollback.
	highest map[recordKey]uint64
	unknown unknownIDs
	epoch   atomic.Uint64
	sf      singleflight.Group
}

// loaded is an unwrapped keyset in the cache.
type loaded struct {
	key     recordKey
	rec     *Record
	expires time.Time
	epoch   uint64
	// keys is nil once the entry expired or was replaced: the keyring then
	// holds no reference to the key material (Go gives no way to zero it).
	keys atomic.Pointer[keyMaterial]
	// recheck is set by a timer when the record is due to be compared
	// with the store: reading the clock on every Seal would cost more than
	// the AES-GCM itself on some virtual machines. checkAt is the same
	// deadline for the test clock.
	recheck atomic.Bool
	checkAt atomic.Int64
}

// keyMaterial holds the primitives of an unwrapped keyset.
type keyMaterial struct {
	handle *keyset.Handle
	// value keysets
	primaryID uint32
	primary   stdcipher.AEAD
	byID      map[uint32]stdcipher.AEAD
	// index keysets
	index *IndexKeys
	// write-only sealing keysets (writeonly.go)
	hybrid *hybridKeys
}

func (l *loaded) drop() {
	if m := l.keys.Swap(nil); m != nil && m.index != nil {
		m.index.expire()
	}
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
		store:   cfg.Store,
		ttl:     cfg.TTL,
		check:   cfg.CheckInterval,
		now:     cfg.Now,
		kek:     cfg.KEK,
		keks:    map[string]keyprovider.KEK{},
		cache:   map[recordKey]*loaded{},
		highest: map[recordKey]uint64{},
		grant:   cfg.Grant.clone(),
	}
	if r.ttl <= 0 {
		r.ttl = DefaultTTL
	}
	if r.check <= 0 {
		r.check = DefaultCheckInterval
	}
	r.testClock = r.now != nil
	if r.now == nil {
		r.now = time.Now
	}
	for _, k := range cfg.PreviousKEKs {
		r.keks[k.URI()] = k
	}
	r.keks[cfg.KEK.URI()] = cfg.KEK
	for p, k := range cfg.PurposeKEKs {
		if k == nil {
			return nil, fmt.Errorf("phicrypt: keyring: nil KEK for purpose %s", p)
		}
		if r.byPurpose == nil {
			r.byPurpose = map[Purpose]keyprovider.KEK{}
		}
		r.byPurpose[p] = k
		r.keks[k.URI()] = k
	}
	return r, nil
}

// errNoKeyring: a zero Keyring, Column or IndexKeysCache was used.
var errNoKeyring = errors.New("phicrypt: keyring not initialised (use NewKeyring and Keyring.Column)")

func (r *Keyring) usable() error {
	if r == nil || r.store == nil || r.kek == nil || r.keks == nil || r.cache == nil || r.highest == nil || r.now == nil {
		return errNoKeyring
	}
	return nil
}

// CheckInterval returns how long the keyring uses a cached keyset before
// it reads the record from the store again: a rotation or retirement by
// another keyring over the same store is seen within it.
func (r *Keyring) CheckInterval() time.Duration {
	if r == nil || r.check <= 0 {
		return DefaultCheckInterval
	}
	return r.check
}

// KEK returns the key-encryption key new keysets are wrapped with.
func (r *Keyring) KEK() keyprovider.KEK {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.kek
}

// kekOf returns the KEK that wraps new and changed keysets of purpose p.
func (r *Keyring) kekOf(p Purpose) keyprovider.KEK {
	r.mu.Lock()
	defer r.mu.Unlock()
	if k := r.byPurpose[p]; k != nil {
		return k
	}
	return r.kek
}

// Invalidate drops every cached keyset; the next use loads and unwraps
// again.
func (r *Keyring) Invalidate() {
	r.mu.Lock()
	for _, l := range r.cache {
		l.drop()
	}
	clear(r.cache)
	r.epoch.Add(1)
	r.mu.Unlock()
}

// forget drops the cached keyset of one scope and purpose.
func (r *Keyring) forget(k recordKey) {
	r.mu.Lock()
	if l := r.cache[k]; l != nil {
		l.drop()
		delete(r.cache, k)
	}
	r.mu.Unlock()
}

// current returns the key material of l if l may still be used without
// looking at the store.
func (r *Keyring) current(l *loaded) *keyMaterial {
	if l == nil || l.recheck.Load() || l.epoch != r.epoch.Load() {
		return nil
	}
	m := l.keys.Load()
	if m == nil {
		return nil
	}
	if r.testClock {
		now := r.now()
		if !now.Before(l.expires) || now.UnixNano() >= l.checkAt.Load() {
			return nil
		}
	}
	return m
}

// keyCache holds one keyset for a caller on the hot path: a fresh one is
// taken with an atomic load and no lock, a stale one is loaded again.
type keyCache struct {
	ring    *Keyring
	scope   string
	purpose Purpose
	cur     atomic.Pointer[loaded]
}

func (c *keyCache) get(ctx context.Context) (*keyMaterial, error) {
	if c.ring == nil {
		return nil, errNoKeyring
	}
	if m := c.ring.current(c.cur.Load()); m != nil {
		return m, nil
	}
	l, m, err := c.ring.load(ctx, c.scope, c.purpose)
	if err != nil {
		return nil, err
	}
	c.cur.Store(l)
	return m, nil
}

type loadResult struct {
	l *loaded
	m *keyMaterial
}

// load returns the unwrapped keyset for scope and purpose, from the cache
// when fresh. It never creates a keyset: a missing one is ErrKeysetMissing.
// Concurrent loads of one keyset share one store read and one unwrap,
// whatever the caller (Seal, Open, index keys).
func (r *Keyring) load(ctx context.Context, scope string, p Purpose) (*loaded, *keyMaterial, error) {
	if err := r.permit(scope, p); err != nil {
		return nil, nil, err
	}
	k := recordKey{scope, p}
	r.mu.Lock()
	l := r.cache[k]
	r.mu.Unlock()
	if m := r.current(l); m != nil {
		return l, m, nil
	}
	v, err, _ := r.sf.Do(fmt.Sprintf("%d/%s", p, scope), func() (any, error) {
		r.mu.Lock()
		l := r.cache[k]
		r.mu.Unlock()
		if m := r.current(l); m != nil {
			return loadResult{l, m}, nil
		}
		l, m, err := r.refresh(ctx, k, l)
		if err != nil {
			return nil, err
		}
		return loadResult{l, m}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	res := v.(loadResult)
	return res.l, res.m, nil
}

// missing turns the store's ErrKeysetNotFound into ErrKeysetMissing,
// naming scope and purpose.
func missing(k recordKey, err error) error {
	if errors.Is(err, ErrKeysetNotFound) {
		return fmt.Errorf("%w: scope %q, purpose %s: %w", ErrKeysetMissing, k.scope, k.purpose, err)
	}
	return err
}

// refresh reads the record of k from the store. When it is the record old
// already holds, old is kept (no unwrap); otherwise the record is checked
// against rollback, unwrapped and cached.
func (r *Keyring) refresh(ctx context.Context, k recordKey, old *loaded) (*loaded, *keyMaterial, error) {
	epoch := r.epoch.Load()
	rec, err := r.get(ctx, k.scope, k.purpose)
	if err != nil {
		return nil, nil, missing(k, err)
	}
	if old != nil && old.epoch == epoch && old.rec.equal(rec) {
		if m := old.keys.Load(); m != nil && (!r.testClock || r.now().Before(old.expires)) {
			r.scheduleCheck(old)
			return old, m, nil
		}
	}
	if err := r.checkRollback(rec); err != nil {
		return nil, nil, err
	}
	h, err := r.unwrap(ctx, rec)
	if err != nil {
		return nil, nil, err
	}
	return r.install(rec, h, epoch)
}

// install prepares an unwrapped keyset, records its generation and caches
// it in place of the previous one.
func (r *Keyring) install(rec *Record, h *keyset.Handle, epoch uint64) (*loaded, *keyMaterial, error) {
	m, err := prepare(rec, h)
	if err != nil {
		return nil, nil, err
	}
	k := recordKey{rec.Scope, rec.Purpose}
	l := &loaded{key: k, rec: rec, expires: r.now().Add(r.ttl), epoch: epoch}
	l.keys.Store(m)
	r.scheduleCheck(l)
	time.AfterFunc(r.ttl, func() { r.expire(l) })
	r.mu.Lock()
	r.noteGeneration(rec)
	prev := r.cache[k]
	if prev == nil || !prev.rec.equal(rec) {
		r.unknown.forgetScope(k)
	}
	if epoch == r.epoch.Load() {
		r.cache[k] = l
	}
	r.mu.Unlock()
	if prev != nil && prev != l {
		prev.drop()
	}
	return l, m, nil
}

// expire drops an entry at the end of its TTL.
func (r *Keyring) expire(l *loaded) {
	l.drop()
	r.mu.Lock()
	if r.cache[l.key] == l {
		delete(r.cache, l.key)
	}
	r.mu.Unlock()
}

// scheduleCheck sets when l is next compared with the store.
func (r *Keyring) scheduleCheck(l *loaded) {
	l.checkAt.Store(r.now().Add(r.check).UnixNano())
	l.recheck.Store(false)
	time.AfterFunc(r.check, func() { l.recheck.Store(true) })
}

// noteGeneration raises the highest generation seen for rec's scope and
// purpose. r.mu is held.
func (r *Keyring) noteGeneration(rec *Record) {
	k := recordKey{rec.Scope, rec.Purpose}
	if rec.Bound > r.highest[k] {
		r.highest[k] = rec.Bound
	}
}

// checkRollback refuses a record whose bound generation is lower than one
// this keyring has already unwrapped for the same scope and purpose.
func (r *Keyring) checkRollback(rec *Record) error {
	r.mu.Lock()
	seen := r.highest[recordKey{rec.Scope, rec.Purpose}]
	r.mu.Unlock()
	if rec.Bound < seen {
		return fmt.Errorf("%w: scope %q, purpose %s: record is at generation %d, this keyring has seen generation %d",
			ErrKeysetRollback, rec.Scope, rec.Purpose, rec.Bound, seen)
	}
	return nil
}

// get reads the record of scope and purpose from the store and checks that
// the store returned the record asked for: a keyset of another scope or
// purpose must not seal this scope's values.
func (r *Keyring) get(ctx context.Context, scope string, p Purpose) (*Record, error) {
	if err := r.usable(); err != nil {
		return nil, err
	}
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
	case PurposeSealPrivate:
		return hybrid.DHKEM_X25519_HKDF_SHA256_HKDF_SHA256_AES_256_GCM_Key_Template(), nil
	case PurposeSealPublic:
		return nil, fmt.Errorf("%w: a public sealing keyset is derived from its private keyset (CreateKeyset with PurposeSealPrivate)", ErrBadRecord)
	}
	return nil, fmt.Errorf("%w: unknown purpose %d", ErrBadRecord, p)
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

// wrap wraps h as the record of scope and purpose at generation gen, with
// gen bound into the associated data.
func (r *Keyring) wrap(ctx context.Context, scope string, p Purpose, h *keyset.Handle, kek keyprovider.KEK, gen uint64) (*Record, error) {
	if err := r.manage(scope); err != nil {
		return nil, err
	}
	rec := &Record{Scope: scope, Purpose: p, KEK: kek.URI(), Generation: gen, Bound: gen}
	var buf bytes.Buffer
	a := &kekAEAD{kek: kek}
	if err := h.WriteWithContext(ctx, keyset.NewBinaryWriter(&buf), a, rec.AD()); err != nil {
		if a.err != nil {
			return nil, a.err
		}
		return nil, fmt.Errorf("%w: %v", ErrBadRecord, err)
	}
	rec.EncryptedKeyset = buf.Bytes()
	return rec, nil
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
	// The one place key material is unwrapped: a keyset the grant does not
	// cover never reaches the process.
	if err := r.permit(rec.Scope, rec.Purpose); err != nil {
		return nil, err
	}
	kek, err := r.kekFor(rec)
	if err != nil {
		return nil, err
	}
	a := &kekAEAD{kek: kek}
	h, err := keyset.ReadWithContext(ctx, keyset.NewBinaryReader(bytes.NewReader(rec.EncryptedKeyset)), a, rec.AD())
	if err != nil {
		if a.err != nil {
			return nil, a.err
		}
		return nil, fmt.Errorf("%w: scope %s: %v", ErrBadRecord, rec.Scope, err)
	}
	return h, nil
}

// prepare builds the primitives of an unwrapped keyset.
func prepare(rec *Record, h *keyset.Handle) (*keyMaterial, error) {
	m := &keyMaterial{handle: h}
	switch rec.Purpose {
	case PurposeIndex:
		ik, err := newIndexKeys(rec.Scope, h)
		if err != nil {
			return nil, err
		}
		m.index = ik
		return m, nil
	case PurposeSealPrivate, PurposeSealPublic:
		return prepareHybrid(rec, h)
	}
	m.byID = make(map[uint32]stdcipher.AEAD, h.Len())
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
		m.byID[e.KeyID()] = g
		if e.IsPrimary() {
			m.primaryID, m.primary = e.KeyID(), g
		}
	}
	if m.primary == nil {
		return nil, fmt.Errorf("%w: scope %s: no enabled primary key", ErrBadRecord, rec.Scope)
	}
	return m, nil
}

func decodeEncryptedKeyset(b []byte) (*tinkpb.EncryptedKeyset, error) {
	ek, err := keyset.NewBinaryReader(bytes.NewReader(b)).ReadEncrypted()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRecord, err)
	}
	return ek, nil
}
