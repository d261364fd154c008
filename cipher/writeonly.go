package cipher

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/tink-crypto/tink-go/v2/hybrid"
	"github.com/tink-crypto/tink-go/v2/hybrid/hpke"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// Write-only ciphertext layout, version 2 (docs/FORMAT.md §1b):
//
//	0x02 | place(4) | 0x01 | key id(4) | enc(32) | ciphertext | tag(16)
//
// Everything from the 0x01 on is exactly Tink's HPKE output
// (DHKEM-X25519-HKDF-SHA256, HKDF-SHA256, AES-256-GCM, TINK prefix) with the
// version-2 associated data as HPKE info. place is CRC-32C of that
// associated data.
const (
	// FormatWriteOnly is the format of values sealed write-only, to a
	// public key.
	FormatWriteOnly = 0x02

	hpkeEncLen     = 32
	woPrefixLen    = headerLen + tinkHdrLen
	woMinCTLength  = woPrefixLen + hpkeEncLen + tagLen + 1
	woOverheadSize = woPrefixLen + hpkeEncLen + tagLen
)

// hybridKeys are the primitives of a sealing keyset: enc of a public one,
// dec of a private one.
type hybridKeys struct {
	enc tink.HybridEncrypt
	dec tink.HybridDecrypt
	ids map[uint32]bool
}

// prepareHybrid checks that every enabled key is HPKE X25519 / HKDF-SHA256 /
// AES-256-GCM with the TINK prefix and builds the primitive.
func prepareHybrid(rec *Record, h *keyset.Handle) (*keyMaterial, error) {
	hk := &hybridKeys{ids: map[uint32]bool{}}
	for i := 0; i < h.Len(); i++ {
		e, err := h.Entry(i)
		if err != nil {
			return nil, err
		}
		if e.KeyStatus() != keyset.Enabled {
			continue
		}
		var params *hpke.Parameters
		switch k := e.Key().(type) {
		case *hpke.PrivateKey:
			if rec.Purpose == PurposeSealPrivate {
				params, _ = k.Parameters().(*hpke.Parameters)
			}
		case *hpke.PublicKey:
			if rec.Purpose == PurposeSealPublic {
				params, _ = k.Parameters().(*hpke.Parameters)
			}
		}
		if params == nil || params.KEMID() != hpke.DHKEM_X25519_HKDF_SHA256 || params.KDFID() != hpke.HKDFSHA256 ||
			params.AEADID() != hpke.AES256GCM || params.Variant() != hpke.VariantTink {
			return nil, fmt.Errorf("%w: scope %s: key %d is not an HPKE X25519/HKDF-SHA256/AES-256-GCM %s key with the TINK prefix",
				ErrBadRecord, rec.Scope, e.KeyID(), rec.Purpose)
		}
		hk.ids[e.KeyID()] = true
	}
	var err error
	if rec.Purpose == PurposeSealPrivate {
		hk.dec, err = hybrid.NewHybridDecrypt(h)
	} else {
		hk.enc, err = hybrid.NewHybridEncrypt(h)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: scope %s: %v", ErrBadRecord, rec.Scope, err)
	}
	return &keyMaterial{handle: h, hybrid: hk}, nil
}

// publish derives the public sealing keyset of scope from its private
// keyset and stores it, wrapped by the KEK. priv is the private keyset the
// caller has just stored (CreateKeyset, a rotation, retirement or
// destruction): its public half is new, so it is written without reading
// the private keyset back or unwrapping the public one. With priv nil (a
// public half found missing, or another writer published meanwhile) the
// private keyset is read from the store and unwrapped, and the public one
// is written unless the store already holds it.
func (r *Keyring) publish(ctx context.Context, scope string, priv *keyset.Handle) error {
	fresh := priv != nil
	if !fresh {
		rec, err := r.get(ctx, scope, PurposeSealPrivate)
		if err != nil {
			return missing(recordKey{scope, PurposeSealPrivate}, err)
		}
		if priv, err = r.unwrap(ctx, rec); err != nil {
			return err
		}
	}
	pub, err := priv.Public()
	if err != nil {
		return fmt.Errorf("%w: scope %s: %v", ErrBadRecord, scope, err)
	}
	var prev uint64
	old, err := r.get(ctx, scope, PurposeSealPublic)
	switch {
	case err == nil:
		if !fresh {
			oh, err := r.unwrap(ctx, old)
			if err == nil && samePublic(oh, pub) {
				return nil
			}
		}
		prev = old.Generation
	case !errors.Is(err, ErrKeysetNotFound):
		return err
	}
	nrec, err := r.wrap(ctx, scope, PurposeSealPublic, pub, r.kekOf(PurposeSealPublic), prev+1)
	if err != nil {
		return err
	}
	if err := r.store.Put(ctx, nrec, prev); err != nil {
		if errors.Is(err, ErrConflict) {
			if fresh {
				// Another writer published meanwhile, perhaps from an
				// older private keyset: publish what the store holds now.
				return r.publish(ctx, scope, nil)
			}
			return nil // another writer published first
		}
		return err
	}
	r.forget(recordKey{scope, PurposeSealPublic})
	return nil
}

// samePublic reports whether two public keysets hold the same keys.
func samePublic(a, b *keyset.Handle) bool {
	if a.Len() != b.Len() {
		return false
	}
	for i := 0; i < a.Len(); i++ {
		ea, err1 := a.Entry(i)
		eb, err2 := b.Entry(i)
		if err1 != nil || err2 != nil || ea.KeyID() != eb.KeyID() || ea.IsPrimary() != eb.IsPrimary() ||
			ea.KeyStatus() != eb.KeyStatus() || !ea.Key().Equal(eb.Key()) {
			return false
		}
	}
	return true
}

// woAD is the associated data of a write-only value: the version-1
// associated data with FormatWriteOnly as its first byte.
func woAD(base []byte) ([]byte, uint32) {
	ad := append([]byte(nil), base...)
	ad[0] = FormatWriteOnly
	return ad, placeCheck(ad)
}

// sealWriteOnly seals the encoded value to the scope's public keyset.
func (c *Column) sealWriteOnly(ctx context.Context, v any, n int, row []byte) ([]byte, error) {
	k, err := c.pub.get(ctx)
	if err != nil {
		return nil, c.fail("seal", err)
	}
	base, _ := c.adFor(row)
	ad, place := woAD(base)
	pt := make([]byte, paddedLen(n, c.pad))
	if err := encodeValue(pt, v, n); err != nil {
		return nil, c.fail("seal", err)
	}
	ct, err := k.hybrid.enc.Encrypt(pt, ad)
	if err != nil {
		return nil, c.fail("seal", err)
	}
	out := make([]byte, headerLen, headerLen+len(ct))
	out[0] = FormatWriteOnly
	binary.BigEndian.PutUint32(out[1:], place)
	return append(out, ct...), nil
}

// openWriteOnly opens a version-2 ciphertext with the scope's private
// sealing keyset.
func (c *Column) openWriteOnly(ctx context.Context, ct, row []byte) (any, error) {
	if len(ct) < woMinCTLength {
		return nil, c.fail("open", fmt.Errorf("%w: %d bytes, at least %d", ErrTruncated, len(ct), woMinCTLength))
	}
	base, _ := c.adFor(row)
	ad, place := woAD(base)
	if binary.BigEndian.Uint32(ct[1:]) != place {
		return nil, c.fail("open", ErrMisplaced)
	}
	if ct[headerLen] != tinkPrefix {
		return nil, c.fail("open", ErrTampered)
	}
	id := binary.BigEndian.Uint32(ct[headerLen+1:])
	k, err := c.priv.get(ctx)
	if err != nil {
		return nil, c.fail("open", err)
	}
	if !k.hybrid.ids[id] {
		var ok bool
		k, ok, err = c.ring.refreshFor(ctx, &c.priv, id)
		if err != nil {
			return nil, c.fail("open", err)
		}
		if !ok {
			return nil, c.fail("open", fmt.Errorf("%w: %d", ErrUnknownKey, id))
		}
	}
	pt, err := k.hybrid.dec.Decrypt(ct[headerLen:], ad)
	if err != nil {
		return nil, c.fail("open", ErrTampered)
	}
	v, err := decodeValue(pt)
	if err != nil {
		return nil, c.fail("open", err)
	}
	return v, nil
}

// WriteOnlyAssociatedData returns the associated data (HPKE info) that
// binds a version-2 ciphertext to its table, column and row. It is
// exported for tools that check vectors.
func WriteOnlyAssociatedData(table, column string, row []byte) []byte {
	ad, _ := woAD(appendAD(nil, table, column, row))
	return ad
}
