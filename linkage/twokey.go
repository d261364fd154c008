package linkage

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// KeySize is the size of every symmetric key of this package.
const KeySize = 32

// Token is one linkage token: 32 bytes, printed as lower-case hex.
type Token struct {
	Key   string // the match key it was made from
	Value [32]byte
}

// String returns the token's value in lower-case hex.
func (t Token) String() string { return hex.EncodeToString(t.Value[:]) }

// Labels of the two-key mode (docs/FORMAT.md).
const (
	twoKeySiteLabel    = "phicrypt-linkage two-key site"
	twoKeyCentralLabel = "phicrypt-linkage two-key central"
)

// TwoKeySite is the site's half of the two-key mode (MPOG's Blinded Record
// Index): a keyed, stretched PRF of the encoding. The site key is shared
// by every site of a network (else the same patient would get different
// values at two sites) and never held by the central service. Its output
// identifies the patient to whoever holds the site key: send it only to
// the central service.
type TwoKeySite struct {
	key     []byte
	stretch Stretch
}

// NewTwoKeySite returns a site with a 32-byte key and a stretch.
func NewTwoKeySite(key []byte, s Stretch) (*TwoKeySite, error) {
	if len(key) != KeySize {
		return nil, errorf("site key must be %d bytes: %w", KeySize, ErrBadKey)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &TwoKeySite{key: append([]byte(nil), key...), stretch: s}, nil
}

// Blind returns Stretch(HMAC-SHA256(site key, encoding), salt), with salt =
// label | lp(match key name) | lp(stretch parameters): 32 bytes.
func (s *TwoKeySite) Blind(e Encoded) ([]byte, error) {
	m := hmac.New(sha256.New, s.key)
	m.Write(e.Bytes)
	inner := m.Sum(nil)
	salt := appendLP([]byte(twoKeySiteLabel), e.Key)
	salt = appendLP(salt, s.stretch.String())
	return s.stretch.derive(inner, salt)
}

// TwoKeyCentral is the central service's half of the two-key mode.
type TwoKeyCentral struct {
	key []byte
}

// NewTwoKeyCentral returns the central half with a 32-byte key.
func NewTwoKeyCentral(key []byte) (*TwoKeyCentral, error) {
	if len(key) != KeySize {
		return nil, errorf("central key must be %d bytes: %w", KeySize, ErrBadKey)
	}
	return &TwoKeyCentral{key: append([]byte(nil), key...)}, nil
}

// Token returns HMAC-SHA256(central key, label | lp(match key name) |
// lp(blinded)), blinded being a site's TwoKeySite.Blind output.
func (c *TwoKeyCentral) Token(key string, blinded []byte) (Token, error) {
	if len(blinded) != 32 {
		return Token{}, errorf("a site value is 32 bytes: %w", ErrProtocol)
	}
	m := hmac.New(sha256.New, c.key)
	m.Write(appendLP(appendLP([]byte(twoKeyCentralLabel), key), blinded))
	t := Token{Key: key}
	m.Sum(t.Value[:0])
	return t, nil
}

// TwoKey runs both halves in one process (tests, benchmarks, a network
// that keeps both keys in one place, which loses the point of two).
func TwoKey(site *TwoKeySite, central *TwoKeyCentral, e Encoded) (Token, error) {
	b, err := site.Blind(e)
	if err != nil {
		return Token{}, err
	}
	return central.Token(e.Key, b)
}
