package cipher

import (
	"encoding/binary"
	"fmt"
)

// CiphertextKeyID returns the id of the data key that sealed ct, read from
// its header (docs/FORMAT.md §1) without opening it: tools use it to find
// the values still sealed under an old key. It checks the version, the
// length and the prefix byte only; a value that passes may still fail to
// open. For a write-only value (FormatWriteOnly) it is the id of the key in
// the scope's sealing keyset, which is never the id of a value key: such a
// value counts as not under the primary data key, and a reencryption
// rewrites it in format 1.
func CiphertextKeyID(ct []byte) (uint32, error) {
	least := minCTLength
	switch {
	case len(ct) >= 1 && ct[0] == FormatWriteOnly:
		least = woMinCTLength
	case len(ct) >= 1 && ct[0] != FormatVersion:
		return 0, fmt.Errorf("%w: %#x", ErrUnsupportedVersion, ct[0])
	}
	if len(ct) < least {
		return 0, fmt.Errorf("%w: %d bytes, at least %d", ErrTruncated, len(ct), least)
	}
	if ct[headerLen] != tinkPrefix {
		return 0, ErrTampered
	}
	return binary.BigEndian.Uint32(ct[headerLen+1:]), nil
}
