// Package cipher seals and opens PHI values, field by field.
//
// A Keyring holds one Tink keyset per key scope and purpose (by default the
// scope is "table.column"), stored in a Store wrapped by a key-encryption key
// from package keyprovider. Unwrapped keys are cached for a TTL, so the key
// service sees one call per keyset per TTL, never one per value.
//
// A Column seals typed values (string, []byte, int64, float64, bool, Date,
// time.Time) into ciphertexts bound to their table, column and, optionally,
// row; Open returns the same Go type. The byte formats are specified in
// docs/FORMAT.md and frozen by the vectors in testdata/.
//
//	ring, err := cipher.NewKeyring(cipher.Config{KEK: kek, Store: store})
//	ssn := ring.Column("patients", "ssn")
//	ct, err := ssn.Seal(ctx, "123-45-6789", rowID)
//	v, err := ssn.Open(ctx, ct, rowID) // v.(string) == "123-45-6789"
package cipher
