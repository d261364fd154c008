package cipher

import (
	"bytes"
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
	// PurposeSealPrivate keysets hold the HPKE private keys (X25519,
	// HKDF-SHA256, AES-256-GCM) that open values sealed write-only
	// (ciphertext format version 2).
	PurposeSealPrivate Purpose = 3
	// PurposeSealPublic keysets hold the public half of the scope's
	// PurposeSealPrivate keyset: a principal with value-encrypt but not
	// value-decrypt seals with it. Not secret, but wrapped by the KEK like
	// every record, so that nobody who can write the store can substitute
	// a public key of their own.
	PurposeSealPublic Purpose = 4
)

func (p Purpose) String() string {
	switch p {
	case PurposeValue:
		return "value"
	case PurposeIndex:
		return "index"
	case PurposeSealPrivate:
		return "seal-private"
	case PurposeSealPublic:
		return "seal-public"
	}
	return fmt.Sprintf("purpose(%d)", uint8(p))
}

// Record versions (docs/FORMAT.md §4). Version 1 wraps the keyset with
// associated data that binds no generation; it is still read, and written
// again as version 2 by the next rotation or rewrap.
const (
	recordV1 = 0x01
	recordV2 = 0x02
)

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
	// Bound is the generation bound into the wrapping's associated data:
	// the generation at which the keyset was last wrapped by the keyring.
	// A service-side rewrap keeps it while Generation moves on, so
	// 1 <= Bound <= Generation. 0 marks a version-1 record, whose wrapping
	// binds no generation. A keyring refuses a record whose Bound is lower
	// than one it has already seen for the scope (ErrKeysetRollback).
	Bound uint64
	// EncryptedKeyset is Tink's EncryptedKeyset protobuf, its keyset
	// encrypted by the KEK with AD() as associated data.
	EncryptedKeyset []byte
}

// KeysetAD returns the associated data of a version-1 record, which binds
// no generation:
//
//	"phicrypt-keyset" | 0x01 | purpose(1) | len(scope)(2) | scope
func KeysetAD(scope string, p Purpose) []byte {
	b := append([]byte("phicrypt-keyset"), recordV1, byte(p))
	b = binary.BigEndian.AppendUint16(b, uint16(len(scope)))
	return append(b, scope...)
}

// AD returns the associated data the record's keyset is wrapped with. For
// a version-2 record (Bound > 0):
//
//	"phicrypt-keyset" | 0x02 | purpose(1) | bound(8) | len(scope)(2) | scope
func (r *Record) AD() []byte {
	if r.Bound == 0 {
		return KeysetAD(r.Scope, r.Purpose)
	}
	b := append([]byte("phicrypt-keyset"), recordV2, byte(r.Purpose))
	b = binary.BigEndian.AppendUint64(b, r.Bound)
	b = binary.BigEndian.AppendUint16(b, uint16(len(r.Scope)))
	return append(b, r.Scope...)
}

// equal reports whether o is the same stored record as r.
func (r *Record) equal(o *Record) bool {
	return r.Scope == o.Scope && r.Purpose == o.Purpose && r.KEK == o.KEK && r.Generation == o.Generation &&
		r.Bound == o.Bound && bytes.Equal(r.EncryptedKeyset, o.EncryptedKeyset)
}

// MarshalBinary encodes the record; version 2 (Bound > 0):
//
//	0x02 | purpose(1) | len(scope)(2) | scope | len(kek)(2) | kek |
//	generation(8) | bound(8) | len(keyset)(4) | keyset
//
// and version 1 (Bound == 0) the same without bound.
func (r *Record) MarshalBinary() ([]byte, error) {
	if len(r.Scope) == 0 || len(r.Scope) > 0xffff || len(r.KEK) > 0xffff {
		return nil, fmt.Errorf("%w: scope or KEK URI length out of range", ErrBadRecord)
	}
	if r.Bound > r.Generation {
		return nil, fmt.Errorf("%w: bound generation %d above generation %d", ErrBadRecord, r.Bound, r.Generation)
	}
	v := byte(recordV1)
	if r.Bound != 0 {
		v = recordV2
	}
	b := make([]byte, 0, 26+len(r.Scope)+len(r.KEK)+len(r.EncryptedKeyset))
	b = append(b, v, byte(r.Purpose))
	b = binary.BigEndian.AppendUint16(b, uint16(len(r.Scope)))
	b = append(b, r.Scope...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(r.KEK)))
	b = append(b, r.KEK...)
	b = binary.BigEndian.AppendUint64(b, r.Generation)
	if v == recordV2 {
		b = binary.BigEndian.AppendUint64(b, r.Bound)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(r.EncryptedKeyset)))
	return append(b, r.EncryptedKeyset...), nil
}

// UnmarshalBinary decodes what MarshalBinary produced, of either version.
func (r *Record) UnmarshalBinary(b []byte) error {
	bad := func(what string) error { return fmt.Errorf("%w: %s", ErrBadRecord, what) }
	if len(b) < 2 {
		return bad("too short")
	}
	v := b[0]
	if v != recordV1 && v != recordV2 {
		return bad(fmt.Sprintf("unknown record version %#x", b[0]))
	}
	p := Purpose(b[1])
	if p < PurposeValue || p > PurposeSealPublic {
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
	fixed := 12
	if v == recordV2 {
		fixed = 20
	}
	if !ok || len(b) < fixed {
		return bad("KEK URI")
	}
	gen := binary.BigEndian.Uint64(b)
	b = b[8:]
	var bound uint64
	if v == recordV2 {
		bound = binary.BigEndian.Uint64(b)
		b = b[8:]
		if bound == 0 || bound > gen {
			return bad(fmt.Sprintf("bound generation %d outside 1..%d", bound, gen))
		}
	}
	klen := binary.BigEndian.Uint32(b)
	b = b[4:]
	if uint64(len(b)) != uint64(klen) {
		return bad("keyset length")
	}
	*r = Record{Scope: scope, Purpose: p, KEK: kek, Generation: gen, Bound: bound, EncryptedKeyset: append([]byte(nil), b...)}
	return nil
}
