package cipher

import (
	"encoding/binary"
	"hash/crc32"
)

// Ciphertext layout, version 1 (docs/FORMAT.md):
//
//	version(1) | place(4) | 0x01 | key id(4) | nonce(12) | ciphertext | tag(16)
//
// Everything from the 0x01 on is exactly Tink's AES-GCM output for a key
// with the TINK prefix variant.
const (
	// FormatVersion is the ciphertext format this build writes.
	FormatVersion = 0x01

	placeLen    = 4
	tinkPrefix  = 0x01
	keyIDLen    = 4
	nonceLen    = 12
	tagLen      = 16
	headerLen   = 1 + placeLen           // version + place
	tinkHdrLen  = 1 + keyIDLen           // Tink prefix
	prefixLen   = headerLen + tinkHdrLen // bytes before the nonce
	overhead    = prefixLen + nonceLen + tagLen
	minCTLength = overhead + 1 // every encoded value has a type byte
)

// Overhead is how many bytes a ciphertext adds to the encoded value.
const Overhead = overhead

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// appendAD appends the associated data of a value in table.column (and row,
// when row is non-nil) to dst.
//
//	version(1) | len(table)(2) | table | len(column)(2) | column | row flag(1) [| len(row)(4) | row]
func appendAD(dst []byte, table, column string, row []byte) []byte {
	dst = append(dst, FormatVersion)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(table)))
	dst = append(dst, table...)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(column)))
	dst = append(dst, column...)
	if row == nil {
		return append(dst, 0)
	}
	dst = append(dst, 1)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(row)))
	return append(dst, row...)
}

// placeCheck is CRC-32C of the associated data. It is a diagnostic, not a
// security mechanism: GCM authenticates the associated data. It lets Open
// tell a value copied to another place from one that was altered. Every
// input is already visible in the row (table, column, row-binding value).
func placeCheck(ad []byte) uint32 { return crc32.Checksum(ad, castagnoli) }

// AssociatedData returns the associated data that binds a version-1
// ciphertext to its table, column and row (nil row: no row binding). It is
// exported for tools that check vectors; Seal and Open compute it.
func AssociatedData(table, column string, row []byte) []byte {
	return appendAD(nil, table, column, row)
}
