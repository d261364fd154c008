package cipher

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"hash"
	"sort"
	"sync"

	"github.com/tink-crypto/tink-go/v2/insecuresecretdataaccess"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/prf/hmacprf"
)

// IndexKeys are the HMAC-SHA256 PRF keys of one index keyset, by Tink key
// id. They compute MACs; the key bytes never leave them. IndexKeys
// implements blindindex.PRF and is safe for concurrent use.
type IndexKeys struct {
	primary uint32
	ids     []uint32 // enabled keys, primary first
	macs    map[uint32]*macPool

	mu       sync.Mutex
	expired  bool
	onExpiry []func()
}

// AfterExpiry registers f to run once the keyring drops these keys (TTL
// expiry, rotation, retirement, Invalidate), or at once if it already
// has. Holders of keys derived from them (blindindex's per-index keys)
// forget them then, so that no long-lived object keeps key material
// reachable beyond the keyring's own cache. Go gives no way to zero it.
func (k *IndexKeys) AfterExpiry(f func()) {
	k.mu.Lock()
	if !k.expired {
		k.onExpiry = append(k.onExpiry, f)
		k.mu.Unlock()
		return
	}
	k.mu.Unlock()
	f()
}

// expire runs the AfterExpiry functions once.
func (k *IndexKeys) expire() {
	k.mu.Lock()
	fs := k.onExpiry
	k.expired, k.onExpiry = true, nil
	k.mu.Unlock()
	for _, f := range fs {
		f()
	}
}

// macPool reuses keyed HMAC states: Reset restores the keyed state, which
// costs far less than hmac.New (Tink's PRF builds a new HMAC per call).
type macPool struct{ pool sync.Pool }

func newMACPool(key []byte) *macPool {
	k := append([]byte(nil), key...)
	return &macPool{pool: sync.Pool{New: func() any { return hmac.New(sha256.New, k) }}}
}

// Primary returns the id of the key new tokens use.
func (k *IndexKeys) Primary() uint32 { return k.primary }

// KeyIDs returns the enabled key ids, primary first, then newest id last
// among the others in ascending order.
func (k *IndexKeys) KeyIDs() []uint32 { return k.ids }

// Sum appends HMAC-SHA256 of msg under key id to dst.
func (k *IndexKeys) Sum(id uint32, dst, msg []byte) ([]byte, error) {
	p := k.macs[id]
	if p == nil {
		return nil, fmt.Errorf("%w: index key %d", ErrUnknownKey, id)
	}
	h := p.pool.Get().(hash.Hash)
	h.Write(msg)
	dst = h.Sum(dst)
	h.Reset()
	p.pool.Put(h)
	return dst, nil
}

func newIndexKeys(scope string, h *keyset.Handle) (*IndexKeys, error) {
	k := &IndexKeys{macs: map[uint32]*macPool{}}
	for i := 0; i < h.Len(); i++ {
		e, err := h.Entry(i)
		if err != nil {
			return nil, err
		}
		if e.KeyStatus() != keyset.Enabled {
			continue
		}
		hk, ok := e.Key().(*hmacprf.Key)
		if !ok {
			return nil, fmt.Errorf("%w: scope %s: key %d is %T, want HMAC PRF", ErrBadRecord, scope, e.KeyID(), e.Key())
		}
		if p := hk.Parameters().(*hmacprf.Parameters); p.HashType() != hmacprf.SHA256 || p.KeySizeInBytes() < 32 {
			return nil, fmt.Errorf("%w: scope %s: key %d is not HMAC-SHA256 with a 32-byte key", ErrBadRecord, scope, e.KeyID())
		}
		k.macs[e.KeyID()] = newMACPool(hk.KeyBytes().Data(insecuresecretdataaccess.Token{}))
		if e.IsPrimary() {
			k.primary = e.KeyID()
		} else {
			k.ids = append(k.ids, e.KeyID())
		}
	}
	if _, ok := k.macs[k.primary]; !ok {
		return nil, fmt.Errorf("%w: scope %s: no enabled primary index key", ErrBadRecord, scope)
	}
	sort.Slice(k.ids, func(i, j int) bool { return k.ids[i] < k.ids[j] })
	k.ids = append([]uint32{k.primary}, k.ids...)
	return k, nil
}

// IndexKeys returns the index (PRF) keys of scope; the keyset must exist
// (Keyring.CreateKeyset). Like value keys, they are cached for the TTL: one
// key-service call per keyset per TTL, and a store read per check
// interval to see rotations and retirements by other processes. Callers
// should not keep the result beyond one operation.
func (r *Keyring) IndexKeys(ctx context.Context, scope string) (*IndexKeys, error) {
	_, m, err := r.load(ctx, scope, PurposeIndex)
	if err != nil {
		return nil, &Error{Op: "load index keys", Scope: scope, Err: err}
	}
	return m.index, nil
}

// IndexKeysCache keeps the IndexKeys of one scope for a caller on the hot
// path, checking freshness without a lock.
type IndexKeysCache struct{ c keyCache }

// IndexKeysCache returns a cache of the index keys of scope.
func (r *Keyring) IndexKeysCache(scope string) *IndexKeysCache {
	return &IndexKeysCache{c: keyCache{ring: r, scope: scope, purpose: PurposeIndex}}
}

// Get returns the current index keys; the keyset must exist.
func (c *IndexKeysCache) Get(ctx context.Context) (*IndexKeys, error) {
	m, err := c.c.get(ctx)
	if err != nil {
		return nil, &Error{Op: "load index keys", Scope: c.c.scope, Err: err}
	}
	return m.index, nil
}
