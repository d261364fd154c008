package cipher

import (
	"encoding/binary"
	"fmt"
)

// CiphertextKeyID returns the id of the data key that sealed ct, read from
// its header (docs/FORMAT.md §1) without opening it: tools use it to find
// the values still sealed under an old key. It checks the version, the
// length and the prefix byte only; a value that passes may still fail to
// open.
func CiphertextKeyID(ct []byte) (uint32, error) {
	if len(ct) >= 1 && ct[0] != FormatVersion {
		return 0, fmt.Errorf("%w: %#x", ErrUnsupportedVersion, ct[0])
	}
	if len(ct) < minCTLength {
		return 0, fmt.Errorf("%w: %d bytes, at least %d", ErrTruncated, len(ct), minCTLength)
	}
	if ct[headerLen] != tinkPrefix {
		return 0, ErrTampered
	}
	return binary.BigEndian.Uint32(ct[headerLen+1:]), nil
}
