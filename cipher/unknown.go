package cipher

import (
	"context"
	"time"
)

// A ciphertext naming a key id the cached keyset lacks may come from a
// rotation in another process, or may be forged. Either way it must not
// put the KEK on the hot path: it refreshes only its own keyset, at most
// once per unknownKeyRefresh per keyset and unknownBurst times per
// unknownKeyRefresh in all, and the refresh reads the store but unwraps
// only if the record changed. An id still unknown after a refresh is
// remembered until the keyset changes, so it costs nothing more.
const (
	unknownKeyRefresh = time.Second
	unknownBurst      = 8
	// unknownMax bounds the negative cache; when full it starts over.
	unknownMax = 4096
)

type unknownID struct {
	k  recordKey
	id uint32
}

// unknownIDs is the negative cache and the rate limit of refreshes
// triggered by unknown key ids. Keyring.mu guards it.
type unknownIDs struct {
	ids  map[unknownID]bool
	last map[recordKey]time.Time
	// tokens of the keyring-wide limit, refilled at unknownBurst per
	// unknownKeyRefresh.
	tokens   float64
	tokensAt time.Time
}

func (u *unknownIDs) forgetScope(k recordKey) {
	for x := range u.ids {
		if x.k == k {
			delete(u.ids, x)
		}
	}
}

// allow reports whether an unknown id in k may refresh k now.
func (u *unknownIDs) allow(k recordKey, now time.Time) bool {
	if u.last == nil {
		u.last = map[recordKey]time.Time{}
		u.tokens, u.tokensAt = unknownBurst, now
	}
	if last, ok := u.last[k]; ok && now.Sub(last) < unknownKeyRefresh {
		return false
	}
	if d := now.Sub(u.tokensAt); d > 0 {
		u.tokens = min(unknownBurst, u.tokens+float64(d)/float64(unknownKeyRefresh)*unknownBurst)
		u.tokensAt = now
	}
	if u.tokens < 1 {
		return false
	}
	u.tokens--
	u.last[k] = now
	return true
}

func (u *unknownIDs) add(x unknownID) {
	if u.ids == nil || len(u.ids) >= unknownMax {
		u.ids = map[unknownID]bool{}
	}
	u.ids[x] = true
}

// refreshFor reloads the keyset of c after a ciphertext or token named key
// id, which c's keys lack. It returns the keys, refreshed if the limits
// allowed, and whether they have id.
func (r *Keyring) refreshFor(ctx context.Context, c *keyCache, id uint32) (*keyMaterial, bool, error) {
	k := recordKey{c.scope, c.purpose}
	x := unknownID{k, id}
	r.mu.Lock()
	known := r.unknown.ids[x]
	ok := !known && r.unknown.allow(k, r.now())
	l := r.cache[k]
	r.mu.Unlock()
	if !ok {
		return nil, false, nil
	}
	if l != nil {
		l.recheck.Store(true)
	}
	if l := c.cur.Load(); l != nil {
		l.recheck.Store(true)
	}
	m, err := c.get(ctx)
	if err != nil {
		return nil, false, err
	}
	if m.has(id) {
		return m, true, nil
	}
	r.mu.Lock()
	r.unknown.add(x)
	r.mu.Unlock()
	return m, false, nil
}

func (m *keyMaterial) has(id uint32) bool {
	if m.index != nil {
		return m.index.macs[id] != nil
	}
	if m.hybrid != nil {
		return m.hybrid.ids[id]
	}
	return m.byID[id] != nil
}
