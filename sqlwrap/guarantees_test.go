// The guarantees of package sqlwrap: what the wrapper promises never to do
// (a silent wrong answer, a hang, a panic, a key created behind the
// user's back). Each is kept by tests named TestIssue8_<item>_… that fail
// if it breaks, on SQLite, PostgreSQL and MariaDB; they live beside this
// file, one file per area:
//
// guarantees_queries_test.go
//   - 1: every Go type a write takes for a column is taken by every
//     predicate with the same meaning (Eq, In, EqVia, compound, Prefix,
//     Contains).
//   - 2: Update of any subset of columns recomputes every token it
//     touches, compound ones included.
//   - 6: keys and row-binding values take the declared key type on every
//     path (db.Field too), or are refused.
//   - 7: plain columns are type-checked and NOT NULL where declared; a
//     NULL in a non-nullable protected column is an error.
//   - 8: a damaged row is named by its key, never a value; FindPartial
//     returns the good rows and the damaged keys.
//   - 18: a compound search also narrows by its parts' own equality
//     indexes, never by one still building.
//
// guarantees_txindex_test.go
//   - 3: an index never answers before it covers every row (building /
//     ready in phicrypt_indexes, ErrIndexNotReady, resumable Reindex).
//   - 4: db.Field writes only columns whose tokens it writes in full.
//   - 9: no public method panics on a zero value or bad input.
//   - 10: a Tx runs on its own connection (a pool of one works).
//   - 11: one Tx's tables may be shared by goroutines.
//
// guarantees_keysets_test.go
//   - 5: no keyset is created for a column that holds ciphertext
//     (ErrKeysetMissing); EnsureSchema creates them for empty columns.
//
// guarantees_rotation_test.go
//   - 12: index-key rotation through the wrapper rewrites every row's
//     tokens before the old key leaves queries (RotateIndexKey); retiring
//     earlier is refused (ErrBackfillIncomplete).
//
// guarantees_planner_test.go
//   - 17: the indexes of a column are planned together; prefix grams are
//     bounded; substring indexes need reveals: equality.
//   - 18: near-deterministic indexes are refused without force; default
//     bits come from the planner.
//   - 19: the SQLite/MariaDB gram tokens are frozen by vectors.
//
// The keyring's own guarantees (items 5, 12–16, 19) are in
// cipher/guarantees_test.go, the tokens' in blindindex/guarantees_test.go.
package sqlwrap
