package blindindex

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"reflect"
	"sync"
	"sync/atomic"
)

// Each index derives its own HMAC key from every key of the PRF:
//
//	k_index = HMAC(k, "phicrypt-bidx" | version | kind | u16 len(name) | name)
//
// Tokens are then HMACs under k_index of a short message, so the domain is
// hashed once per key instead of once per token, and the index keeps
// pooled HMAC states of its own key (one pool operation per token).
type domainMACs struct {
	domain []byte
	cur    atomic.Pointer[macSet]
}

// macSet holds the derived keys of one PRF value. A PRF is replaced as a
// whole (key rotation, cache refresh), so a new PRF value starts a new set.
type macSet struct {
	prf   PRF
	pools map[uint32]*sync.Pool
}

// macState is a keyed HMAC with scratch buffers for the message and MAC.
type macState struct {
	h   hash.Hash
	msg []byte
	mac []byte
}

func newDomainMACs(kind byte, name string) *domainMACs {
	d := append([]byte(tokenDomain), tokenVersion, kind)
	d = binary.BigEndian.AppendUint16(d, uint16(len(name)))
	return &domainMACs{domain: append(d, name...)}
}

// pool returns the pool of HMAC states under the index key derived from
// key id of prf. The cached set is found by comparing PRF values, so a
// PRF whose dynamic type is not comparable is refused here, before it is
// ever stored: comparing two such values would panic.
func (d *domainMACs) pool(prf PRF, id uint32) (*sync.Pool, error) {
	if s := d.cur.Load(); s != nil && s.prf == prf {
		if p := s.pools[id]; p != nil {
			return p, nil
		}
	}
	if prf == nil {
		return nil, fmt.Errorf("%w: nil PRF", ErrBadConfig)
	}
	if t := reflect.TypeOf(prf); !t.Comparable() {
		return nil, fmt.Errorf("%w: PRF type %s is not comparable (use a pointer)", ErrBadConfig, t)
	}
	key, err := prf.Sum(id, nil, d.domain)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnknownKey, err)
	}
	p := &sync.Pool{New: func() any {
		return &macState{h: hmac.New(sha256.New, key), msg: make([]byte, 0, 128), mac: make([]byte, 0, sha256.Size)}
	}}
	next := &macSet{prf: prf, pools: map[uint32]*sync.Pool{id: p}}
	s := d.cur.Load()
	if s != nil && s.prf == prf {
		for k, v := range s.pools {
			if k != id {
				next.pools[k] = v
			}
		}
	}
	d.cur.Store(next)
	if e, ok := prf.(Expiring); ok && (s == nil || s.prf != prf) {
		e.AfterExpiry(func() { d.forget(prf) })
	}
	return p, nil
}

// Expiring is a PRF whose keys are dropped at the end of a lifetime
// (cipher.IndexKeys at the keyring's TTL, rotation or retirement). An
// index forgets the keys it derived from such a PRF when it expires, so
// that they do not stay reachable after the keyring dropped the PRF.
type Expiring interface {
	AfterExpiry(f func())
}

// forget drops the derived keys of prf, if they are the cached ones.
func (d *domainMACs) forget(prf PRF) {
	for {
		s := d.cur.Load()
		if s == nil || s.prf != prf || d.cur.CompareAndSwap(s, nil) {
			return
		}
	}
}

// checkPRF refuses a nil PRF before any of its methods is called.
func checkPRF(prf PRF, name string) error {
	if prf == nil {
		return fmt.Errorf("%w: index %s: nil PRF", ErrBadConfig, name)
	}
	return nil
}

// sum computes the MAC of st.msg into st.mac.
func (st *macState) sum() {
	st.h.Reset()
	st.h.Write(st.msg)
	st.mac = st.h.Sum(st.mac[:0])
}
