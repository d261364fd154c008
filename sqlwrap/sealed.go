package sqlwrap

import (
	"bytes"
	"fmt"
)

// Sealed is a protected column's stored value as a query scanned it
// (sql.Scanner), for code that scans rows itself (database/sql, sqlx
// StructScan and Select): it holds the ciphertext until the row's binding
// is known, then TableAccess.Open opens it. Its zero value is NULL.
type Sealed struct {
	ct    []byte
	valid bool
}

// Scan implements sql.Scanner: it keeps a copy of the ciphertext.
func (s *Sealed) Scan(src any) error {
	if s == nil {
		return fmt.Errorf("%w: Scan into a nil *Sealed", ErrUnbound)
	}
	switch x := src.(type) {
	case nil:
		*s = Sealed{}
	case []byte:
		*s = Sealed{ct: bytes.Clone(x), valid: true}
	case string:
		*s = Sealed{ct: []byte(x), valid: true}
	default:
		return fmt.Errorf("%w: stored value is %T, not ciphertext", ErrWrongType, src)
	}
	return nil
}

// Null reports whether the stored value was NULL.
func (s Sealed) Null() bool { return !s.valid }

// raw is the value openStored takes.
func (s Sealed) raw() any {
	if !s.valid {
		return nil
	}
	return s.ct
}
