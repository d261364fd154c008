package blindindex_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
)

// testPRF is a PRF over fixed HMAC-SHA256 keys, so vectors can name them.
type testPRF struct {
	primary uint32
	ids     []uint32
	keys    map[uint32][]byte
}

func (p *testPRF) Primary() uint32  { return p.primary }
func (p *testPRF) KeyIDs() []uint32 { return p.ids }
func (p *testPRF) Sum(id uint32, dst, msg []byte) ([]byte, error) {
	k, ok := p.keys[id]
	if !ok {
		return nil, fmt.Errorf("no key %d", id)
	}
	m := hmac.New(sha256.New, k)
	m.Write(msg)
	return m.Sum(dst), nil
}

func newTestPRF(t testing.TB, keys map[uint32]string, ids ...uint32) *testPRF {
	t.Helper()
	p := &testPRF{primary: ids[0], ids: ids, keys: map[uint32][]byte{}}
	for id, h := range keys {
		b, err := hex.DecodeString(h)
		if err != nil {
			t.Fatal(err)
		}
		p.keys[id] = b
	}
	return p
}

var (
	keyA = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	keyB = "f0e0d0c0b0a090807060504030201000ffeeddccbbaa99887766554433221100"
)

func defaultPRF(t testing.TB) *testPRF {
	return newTestPRF(t, map[uint32]string{7: keyA, 9: keyB}, 7)
}
