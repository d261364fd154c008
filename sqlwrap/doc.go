// Package sqlwrap keeps PHI columns of an ordinary SQL database encrypted
// and searchable, on SQLite, PostgreSQL and MariaDB/MySQL.
//
// A schema (Go struct tags or a YAML file, docs/SCHEMA.md) names the
// protected columns and their indexes. The wrapper seals values before they
// reach the database, stores blind-index and Bloom tokens beside them, and
// answers Eq, In, Prefix and Contains through those tokens, decrypting the
// candidates and dropping false positives so that answers are exact.
// Anything it cannot answer safely is an error, never a silent wrong answer.
package sqlwrap
