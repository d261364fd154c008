package sqlwrap

import (
	"fmt"

	"github.com/phicrypt/phicrypt/cipher"
)

// ErrNotPermitted is cipher.ErrNotPermitted: the DB's keyring was opened
// for a principal (cipher.Config.Grant) that lacks the permission the
// operation needs on a column: value-decrypt to read it back (Open,
// Field.Scan, typed reads into a field that cannot hold a Redacted,
// a search that must decrypt candidates to drop false positives),
// value-encrypt to write it, index to search it or to write its tokens.
// The error names the table and column, never a value.
var ErrNotPermitted = cipher.ErrNotPermitted

// Redacted stands in a Row for the value of a protected column whose
// value-decrypt permission the principal lacks: Find, Get, Rows and
// FindPartial return it in place of the value, so that a redacted column
// is never mistaken for an empty one. The ciphertext was not decrypted
// (the principal's keyring does not hold the key). A NULL stays nil: the
// database shows which ciphertext columns are NULL to anyone who can read
// it.
type Redacted struct {
	// Column is the protected column's name.
	Column string
}

func (r Redacted) String() string { return "[redacted " + r.Column + "]" }

// readable reports whether the DB's keyring may decrypt cr.
func (cr *colRT) readable() bool { return cr.seal.Allows(cipher.PermDecrypt) }

// redact is what a principal without value-decrypt reads for cr: nil for
// NULL, else Redacted.
func redact(cr *colRT, ct, plain any) any {
	if ct == nil && plain == nil {
		return nil
	}
	return Redacted{Column: cr.c.Name}
}

// checkReadable refuses a search whose candidates must be decrypted to drop
// the false positives of the tokens when the principal may not decrypt
// them, unless the query accepts unconfirmed matches.
func (b *builder) checkReadable(q Query) error {
	for i := range b.checks {
		c := &b.checks[i]
		if c.null || c.cr.readable() {
			continue
		}
		if !q.Unconfirmed {
			return &Error{Op: "find", Table: b.ta.rt.t.Name, Column: c.cr.c.Name,
				Err: fmt.Errorf("%w: the principal may search the column but not decrypt it, so the false positives of its tokens cannot be dropped (set Query.Unconfirmed to accept them)", ErrNotPermitted)}
		}
		c.unconfirmed = true
	}
	return nil
}
