package cipher

import (
	"encoding/binary"
	"fmt"
)

// Purpose says what a keyset is for.
type Purpose uint8

const (
	// PurposeValue keysets hold AES-256-GCM keys that seal values.
	PurposeValue Purpose = 1
	// PurposeIndex keysets hold HMAC-SHA256 PRF keys for blind indexes.
	PurposeIndex Purpose = 2
)

func (p Purpose) String() string {
	switch p {
	case PurposeValue:
		return "value"
	case PurposeIndex:
		return "index"
	}
	return fmt.Sprintf("purpose(%d)", uint8(p))
}

const recordVersion = 0x01

// Record is a wrapped keyset as a Store keeps it. Its binary form is
// specified in docs/FORMAT.md.
type Record struct {
	Scope   string
	Purpose Purpose
	// KEK is the URI of the key-encryption key that wrapped the keyset.
	KEK string
	// Generation counts the changes to this record, starting at 1; a Store
	// uses it to refuse lost updates.
	Generation uint64
	// EncryptedKeyset is Tink's EncryptedKeyset protobuf, its keyset
	// encrypted by the KEK with KeysetAD(Scope, Purpose) as associated data.
	EncryptedKeyset []byte
}

// KeysetAD returns the associated data a keyset is wrapped with:
//
//	"phicrypt-keyset" | 0x01 | purpose(1) | len(scope)(2) | scope
func KeysetAD(scope string, p Purpose) []byte {
	b := append([]byte("phicrypt-keyset"), recordVersion, byte(p))
	b = binary.BigEndian.AppendUint16(b, uint16(len(scope)))
	return append(b, scope...)
}

// MarshalBinary encodes the record:
//
//	0x01 | purpose(1) | len(scope)(2) | scope | len(kek)(2) | kek |
//	generation(8) | len(keyset)(4) | keyset
func (r *Record) MarshalBinary() ([]byte, error) {
	if len(r.Scope) == 0 || len(r.Scope) > 0xffff || len(r.KEK) > 0xffff {
		return nil, fmt.Errorf("%w: scope or KEK URI length out of range", ErrBadRecord)
	}
	b := make([]byte, 0, 18+len(r.Scope)+len(r.KEK)+len(r.EncryptedKeyset))
	b = append(b, recordVersion, byte(r.Purpose))
	b = binary.BigEndian.AppendUint16(b, uint16(len(r.Scope)))
	b = append(b, r.Scope...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(r.KEK)))
	b = append(b, r.KEK...)
	b = binary.BigEndian.AppendUint64(b, r.Generation)
	b = binary.BigEndian.AppendUint32(b, uint32(len(r.EncryptedKeyset)))
	return append(b, r.EncryptedKeyset...), nil
}

// UnmarshalBinary decodes what MarshalBinary produced.
func (r *Record) UnmarshalBinary(b []byte) error {
	bad := func(what string) error { return fmt.Errorf("%w: %s", ErrBadRecord, what) }
	if len(b) < 2 {
		return bad("too short")
	}
	if b[0] != recordVersion {
		return bad(fmt.Sprintf("unknown record version %#x", b[0]))
	}
	p := Purpose(b[1])
	if p != PurposeValue && p != PurposeIndex {
		return bad(fmt.Sprintf("unknown purpose %d", b[1]))
	}
	b = b[2:]
	str := func(n int) (string, bool) {
		if len(b) < n {
			return "", false
		}
		s := string(b[:n])
		b = b[n:]
		return s, true
	}
	u16 := func() (int, bool) {
		if len(b) < 2 {
			return 0, false
		}
		n := int(binary.BigEndian.Uint16(b))
		b = b[2:]
		return n, true
	}
	n, ok := u16()
	if !ok || n == 0 {
		return bad("scope")
	}
	scope, ok := str(n)
	if !ok {
		return bad("scope")
	}
	n, ok = u16()
	if !ok {
		return bad("KEK URI")
	}
	kek, ok := str(n)
	if !ok || len(b) < 12 {
		return bad("KEK URI")
	}
	gen := binary.BigEndian.Uint64(b)
	klen := binary.BigEndian.Uint32(b[8:])
	b = b[12:]
	if uint64(len(b)) != uint64(klen) {
		return bad("keyset length")
	}
	*r = Record{Scope: scope, Purpose: p, KEK: kek, Generation: gen, EncryptedKeyset: append([]byte(nil), b...)}
	return nil
}
