// Package cipher seals and opens PHI values, field by field.
//
// A Keyring holds one Tink keyset per key scope and purpose (by default the
// scope is "table.column"), stored in a Store wrapped by a key-encryption key
// from package keyprovider. Keysets are created only explicitly
// (CreateKeyset, or sqlwrap's EnsureSchema for empty columns). Unwrapped
// keys are cached for a TTL, so the key service sees one call per keyset per
// TTL, never one per value; the store is read at most every check interval
// to see rotations by other processes.
//
// A Column seals typed values (string, []byte, int64, float64, bool, Date,
// time.Time) into ciphertexts bound to their table, column and, optionally,
// row; Open returns the same Go type. The byte formats are specified in
// docs/FORMAT.md and frozen by the vectors in testdata/.
//
//	ring, err := cipher.NewKeyring(cipher.Config{KEK: kek, Store: store})
//	_, err = ring.CreateKeyset(ctx, "patients.ssn", cipher.PurposeValue) // once
//	ssn, err := ring.Column("patients", "ssn")
//	ct, err := ssn.Seal(ctx, "123-45-6789", rowID)
//	v, err := ssn.Open(ctx, ct, rowID) // v.(string) == "123-45-6789"
//
// # Principals
//
// A keyring opened with Config.Grant serves one principal: per key scope it
// holds some of the permissions value-decrypt (PermDecrypt), value-encrypt
// (PermEncrypt) and index (PermIndex). It unwraps only the keysets those
// permissions cover, so a column the principal may not read never has its
// keys in the process; Open, Seal and IndexKeys then fail with
// ErrNotPermitted. A principal with value-encrypt but not value-decrypt
// seals write-only (FormatWriteOnly, docs/FORMAT.md §1b): to the public half
// of the scope's HPKE keyset (PurposeSealPublic), whose private half
// (PurposeSealPrivate) it never holds, so it cannot open what it or anyone
// else wrote. Readers with value-decrypt open both formats. Config.PurposeKEKs
// wraps each purpose under its own KEK, so that a key service's policies
// enforce the same split (docs/SECURITY.md §9).
//
//	importer, err := cipher.NewKeyring(cipher.Config{KEK: kek, Store: store,
//		Grant: &cipher.Grant{Principal: "loader", Default: cipher.PermEncrypt | cipher.PermIndex}})
package cipher
