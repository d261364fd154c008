package cipher

import (
	"errors"
	"fmt"
	"strings"

	"github.com/phicrypt/phicrypt/keyprovider"
)

// Errors returned by Seal, Open and the Keyring; match them with errors.Is.
// Key-service failures also match the keyprovider sentinels
// (keyprovider.ErrWrongKey for the wrong KEK, keyprovider.ErrUnavailable for
// an outage), re-exported here for convenience.
var (
	// ErrTruncated: the ciphertext is shorter than the smallest valid one.
	ErrTruncated = errors.New("ciphertext is truncated")
	// ErrUnsupportedVersion: the first byte names a format this build does
	// not know.
	ErrUnsupportedVersion = errors.New("unsupported ciphertext format version")
	// ErrMisplaced: the ciphertext was sealed for another table, column or
	// row (its place check does not match).
	ErrMisplaced = errors.New("ciphertext belongs to another table, column or row")
	// ErrUnknownKey: no key of the keyset has the ciphertext's key id.
	ErrUnknownKey = errors.New("ciphertext names a key id the keyset does not have")
	// ErrTampered: authentication failed; the ciphertext was altered.
	ErrTampered = errors.New("ciphertext failed authentication (tampered or damaged)")
	// ErrMalformedValue: the decrypted value does not decode. Only a bug or
	// a forged keyset can cause it.
	ErrMalformedValue = errors.New("decrypted value is malformed")
	// ErrUnsupportedType: Seal was given a Go type it cannot encode.
	ErrUnsupportedType = errors.New("unsupported value type")
	// ErrValueTooLong: the value is longer than the column allows.
	ErrValueTooLong = errors.New("value longer than the column's maximum")
	// ErrKeysetNotFound: the store holds no keyset for the scope.
	ErrKeysetNotFound = errors.New("no keyset for this scope")
	// ErrKeysetMissing: the keyring was asked for a keyset the store does
	// not hold. The keyring never creates one implicitly (that would leave
	// existing values unreadable and seal new ones under keys nobody backed
	// up); the error names the scope and purpose, and also matches
	// ErrKeysetNotFound.
	ErrKeysetMissing = errors.New("keyset missing (keysets are created only explicitly: sqlwrap EnsureSchema on an empty column, Keyring.CreateKeyset, or phicrypt keys init)")
	// ErrKeysetRollback: the store serves a keyset record older than one
	// this keyring has already seen for the scope, such as a pre-rotation
	// record restored by someone who can write the keyset table.
	ErrKeysetRollback = errors.New("keyset record rolled back to an older generation")
	// ErrConflict: a Store.Put lost a race with another writer.
	ErrConflict = errors.New("keyset record changed concurrently")
	// ErrBadRecord: a stored keyset record does not parse or does not match
	// its scope.
	ErrBadRecord = errors.New("malformed keyset record")

	// ErrWrongKEK is keyprovider.ErrWrongKey: the KEK cannot unwrap the keyset.
	ErrWrongKEK = keyprovider.ErrWrongKey
	// ErrKMSUnavailable is keyprovider.ErrUnavailable.
	ErrKMSUnavailable = keyprovider.ErrUnavailable
)

// Error describes a failure to seal or open a value, or to load a keyset.
// It names the place, never the value.
type Error struct {
	Op     string // "seal", "open", "load index keys", "create keyset", "rotate", "retire key", "destroy key", "rewrap"
	Table  string
	Column string
	Scope  string
	Err    error
}

func (e *Error) Error() string {
	where := e.Scope
	if e.Table != "" || e.Column != "" {
		where = e.Table + "." + e.Column
	}
	return fmt.Sprintf("phicrypt: %s %s: %s", e.Op, where, nested(e.Err))
}

// nested is the text of a wrapped error without its "phicrypt: "
// prefixes: a chain of errors prints the prefix once, at its start.
func nested(err error) string {
	if err == nil {
		return "<nil>"
	}
	return strings.ReplaceAll(err.Error(), "phicrypt: ", "")
}

func (e *Error) Unwrap() error { return e.Err }
