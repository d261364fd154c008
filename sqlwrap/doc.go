// Package sqlwrap keeps PHI columns of an ordinary SQL database encrypted
// and searchable, on SQLite, PostgreSQL and MariaDB/MySQL.
//
// A schema (Go struct tags or a YAML file, docs/SCHEMA.md) names the
// protected columns and their indexes. The wrapper seals values before they
// reach the database, stores blind-index and Bloom tokens beside them, and
// answers Eq, In, Prefix and Contains through those tokens, decrypting the
// candidates and dropping false positives so that answers are exact.
// Anything it cannot answer safely is an error, never a silent wrong answer.
//
// Opened with a keyring limited to one principal (cipher.Config.Grant), the
// wrapper does what that principal's keys allow: a protected column it may
// not decrypt reads as Redacted, never as ciphertext or "", asking for its
// value is ErrNotPermitted, searching a column needs the index permission,
// and a principal that may encrypt but not decrypt writes values sealed
// write-only, which it cannot read back (docs/SECURITY.md §9).
package sqlwrap
