package sqlwrap

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
)

// Index-key rotation: rotate the keyset, wait until every process writes
// tokens under the new key, rewrite every row's tokens under it, and only
// then retire the old keys from queries. phicrypt_indexes records, per
// index, the primary key id under which a complete pass wrote every row
// (key_id) and the key id of the pass under way (pass_key_id, with its
// last key in progress_key), so that a retirement can be refused while
// any row may still carry only old-key tokens, and an interrupted
// rotation continues where it stopped.

// keyedIndex is one index of an index keyset with its recorded state.
type keyedIndex struct {
	ta  *TableAccess
	def *indexDef
	rec keyRecord
}

// keyRecord is an index's row in the state table, with its key columns.
type keyRecord struct {
	indexRecord
	found          bool
	keyID, passKey sql.NullInt64
}

// ready reports whether the index answers queries with this schema.
func (k *keyedIndex) ready() bool {
	return k.rec.found && k.rec.state == stateReady && k.rec.hash == k.def.hash
}

// ensureKeyColumns adds the key columns to a state table created before
// they existed.
func (db *DB) ensureKeyColumns(ctx context.Context) error {
	have, err := db.existingColumns(ctx, indexTable)
	if err != nil {
		return err
	}
	if len(have) == 0 {
		return fmt.Errorf("%w: no %s table; run EnsureSchema first", ErrMissingColumn, indexTable)
	}
	for _, c := range []string{"key_id", "pass_key_id"} {
		if have[c] {
			continue
		}
		if _, err := db.db.ExecContext(ctx, fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s BIGINT", indexTable, c)); err != nil {
			// Another process may have added it meanwhile.
			if again, aerr := db.existingColumns(ctx, indexTable); aerr != nil || !again[c] {
				return wrapf(err, "add %s to %s", c, indexTable)
			}
		}
	}
	return nil
}

// keysetIndexes resolves name (a protected column of table, or a compound
// index of table) to its index keyset, and lists every index of the schema
// that uses that keyset, in every table, with its recorded state.
func (db *DB) keysetIndexes(ctx context.Context, q querier, table, name string) (string, []*keyedIndex, error) {
	rt, ok := db.tables[table]
	if !ok {
		return "", nil, &Error{Op: "rotate index key", Table: table, Err: ErrUnknownTable}
	}
	scope := ""
	if cr, ok := rt.cols[name]; ok {
		scope = cr.seal.Scope()
	}
	for _, c := range rt.comp {
		if scope == "" && c.idx.Name == name {
			scope = c.scope
		}
	}
	if scope == "" {
		return "", nil, &Error{Op: "rotate index key", Table: table, Column: name, Err: fmt.Errorf("%w: %s is neither a protected column nor a compound index", ErrUnknownIndex, name)}
	}
	var out []*keyedIndex
	for _, tn := range db.tableNames() {
		trt := db.tables[tn]
		for _, def := range trt.indexes() {
			if def.scope != scope {
				continue
			}
			k := &keyedIndex{ta: &TableAccess{db: db, rt: trt}, def: def}
			err := q.QueryRowContext(ctx, fmt.Sprintf("SELECT definition_hash, state, progress_key, key_id, pass_key_id FROM %s WHERE table_name = %s AND index_name = %s", indexTable, db.d.ph(1), db.d.ph(2)),
				tn, def.name).Scan(&k.rec.hash, &k.rec.state, &k.rec.progress, &k.rec.keyID, &k.rec.passKey)
			switch {
			case errors.Is(err, sql.ErrNoRows):
			case err != nil:
				return "", nil, &Error{Op: "rotate index key", Table: tn, Column: def.name, Err: err}
			default:
				k.rec.found = true
			}
			out = append(out, k)
		}
	}
	return scope, out, nil
}

// valid is a key id as the state table records it.
func valid(id uint32) sql.NullInt64 { return sql.NullInt64{Int64: int64(id), Valid: true} }

// keyIDs splits a keyset's keys into the primary and the other keys that
// queries still use.
func keyIDs(keys []cipher.KeyInfo) (primary uint32, old []uint32) {
	for _, k := range keys {
		switch k.Status {
		case cipher.KeyPrimary:
			primary = k.ID
		case cipher.KeyEnabled:
			old = append(old, k.ID)
		}
	}
	return primary, old
}

// RotateIndexKey rotates the index keyset of name, a protected column of
// table (the keyset its equality, prefix and substring indexes share) or
// a compound index of table, and carries the rotation through to the end:
//
//  1. a new key becomes primary (Keyring.RotateKey);
//  2. it waits opts.RotationWait (twice the keyring's check interval by
//     default), until every process writes tokens under the new key;
//  3. it rewrites every row's tokens of every index of the keyset under
//     the new key, in batches as Reindex does, recording its progress;
//     the indexes keep answering throughout, since queries ask the tokens
//     of every key in use;
//  4. it retires the old keys (RetireIndexKeys), so queries stop asking
//     their tokens.
//
// When the keyset already has keys in use beside the primary (a rotation
// that was interrupted, by a cancelled context or a crash, or made with
// Keyring.RotateKey directly), it finishes that rotation instead of
// starting another, and skips the rows and indexes already rewritten.
// Every index of the keyset must be ready (ErrIndexNotReady: run Reindex
// first). Run one rotation of a keyset at a time. Destroying a retired key
// (Keyring.DestroyKey) is a separate step, for after the backups that
// hold tokens under it have been considered.
func (db *DB) RotateIndexKey(ctx context.Context, table, name string, opts *ReindexOptions) (err error) {
	defer db.auditKey(ctx, "rotate_index_key", table, name, &err)
	if db == nil || db.db == nil {
		return ErrUnbound
	}
	if ctx == nil {
		return errNilContext
	}
	fail := func(err error) error { return &Error{Op: "rotate index key", Table: table, Column: name, Err: err} }
	if err := db.ensureKeyColumns(ctx); err != nil {
		return fail(err)
	}
	scope, idx, err := db.keysetIndexes(ctx, db.db, table, name)
	if err != nil {
		return err
	}
	for _, k := range idx {
		if !k.ready() {
			return &Error{Op: "rotate index key", Table: k.ta.rt.t.Name, Column: k.def.name, Err: fmt.Errorf("%w: index %s does not cover every row; run DB.Reindex(ctx, %q, %q, nil) first",
				ErrIndexNotReady, k.def.name, k.ta.rt.t.Name, k.def.name)}
		}
		if err := k.ta.ready(ctx); err != nil {
			return err
		}
		if err := k.ta.warm(ctx); err != nil {
			return err
		}
	}
	keys, err := db.ring.Keys(ctx, scope, cipher.PurposeIndex)
	if err != nil {
		return fail(err)
	}
	primary, old := keyIDs(keys)
	started := false
	if len(old) == 0 {
		if primary, err = db.ring.RotateKey(ctx, scope, cipher.PurposeIndex); err != nil {
			return fail(err)
		}
	} else {
		for _, k := range idx {
			started = started || k.rec.keyID == valid(primary) || k.rec.passKey == valid(primary)
		}
	}
	// A recorded pass under the primary began after the wait.
	o := opts.withDefaults()
	if !started {
		wait := o.RotationWait
		if wait <= 0 {
			wait = 2 * db.ring.CheckInterval()
		}
		if err := sleep(ctx, wait); err != nil {
			return fail(err)
		}
	}
	for _, k := range idx {
		if k.rec.keyID == valid(primary) {
			continue
		}
		if err := k.pass(ctx, primary, o); err != nil {
			return err
		}
	}
	return db.RetireIndexKeys(ctx, table, name)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// pass rewrites the index's tokens of every row under key, from where a
// pass under the same key stopped, and records key as the index's key.
func (k *keyedIndex) pass(ctx context.Context, key uint32, o ReindexOptions) error {
	ta, def, db := k.ta, k.def, k.ta.db
	table := ta.rt.t.Name
	fail := func(err error) error { return &Error{Op: "rotate index key", Table: table, Column: def.name, Err: err} }
	var after any
	if k.rec.passKey == valid(key) && k.rec.progress.Valid {
		var err error
		if after, err = ta.rt.parseKey(k.rec.progress.String); err != nil {
			return fail(err)
		}
	} else if err := k.put(ctx, db.db, "progress_key = NULL, pass_key_id = %s", int64(key)); err != nil {
		return fail(err)
	}
	cache := def.keys()
	invalidated := false
	// Every batch is written under key: a keyring that has not seen the
	// rotation yet reads the keyset again, and a newer rotation stops
	// the pass.
	before := func(ctx context.Context) error {
		for {
			keys, err := cache.Get(ctx)
			if err != nil {
				return fail(err)
			}
			switch {
			case keys.Primary() == key:
				return nil
			case invalidated:
				return fail(fmt.Errorf("the primary index key is %d, not %d: the keyset was rotated again; run RotateIndexKey again", keys.Primary(), key))
			}
			db.ring.Invalidate()
			invalidated = true
		}
	}
	record := func(ctx context.Context, tx *sql.Tx, last any) error {
		return k.put(ctx, tx, "progress_key = %s", keyText(last))
	}
	if err := ta.rewrite(ctx, def, after, o, before, record); err != nil {
		return err
	}
	if err := k.put(ctx, db.db, "progress_key = NULL, pass_key_id = NULL, key_id = %s", int64(key)); err != nil {
		return fail(err)
	}
	k.rec.keyID = valid(key)
	return nil
}

// put updates the index's key columns (set, whose %s is arg) while it is
// ready under this schema's definition; an index that went building meanwhile (its
// definition changed) fails the pass.
func (k *keyedIndex) put(ctx context.Context, q querier, set string, arg any) error {
	d := k.ta.db.d
	var state, hash string
	err := q.QueryRowContext(ctx, fmt.Sprintf("SELECT state, definition_hash FROM %s WHERE table_name = %s AND index_name = %s", indexTable, d.ph(1), d.ph(2)),
		k.ta.rt.t.Name, k.def.name).Scan(&state, &hash)
	if err != nil {
		return err
	}
	if state != stateReady || hash != k.def.hash {
		return fmt.Errorf("%w: index %s changed during the rotation; run Reindex, then RotateIndexKey again", ErrIndexNotReady, k.def.name)
	}
	_, err = q.ExecContext(ctx, fmt.Sprintf("UPDATE %s SET %s, updated_at = %s WHERE table_name = %s AND index_name = %s", indexTable, fmt.Sprintf(set, d.ph(1)), d.ph(2), d.ph(3), d.ph(4)),
		arg, time.Now().Unix(), k.ta.rt.t.Name, k.def.name)
	return err
}

// keys returns the index keys the index's tokens are computed with.
func (def *indexDef) keys() *cipher.IndexKeysCache {
	if def.comp != nil {
		return def.comp.keys
	}
	return def.cols[0].keys
}

// RetireIndexKeys retires every key of the index keyset of name (a
// protected column of table, or a compound index of table) other than the
// primary, so that queries stop asking their tokens. It refuses with
// ErrBackfillIncomplete, retiring nothing, unless every index of the
// keyset, in every table of the schema, is ready and has rewritten every
// row's tokens under the current primary key since it became primary
// (RotateIndexKey does both): a row that still carried only old-key tokens
// would silently drop out of searches. Other processes stop querying the
// retired keys within their check interval. A retired key stays in the
// keyset until Keyring.DestroyKey removes it for good.
func (db *DB) RetireIndexKeys(ctx context.Context, table, name string) (err error) {
	defer db.auditKey(ctx, "retire_index_keys", table, name, &err)
	if db == nil || db.db == nil {
		return ErrUnbound
	}
	if ctx == nil {
		return errNilContext
	}
	fail := func(err error) error { return &Error{Op: "retire index keys", Table: table, Column: name, Err: err} }
	if err := db.ensureKeyColumns(ctx); err != nil {
		return fail(err)
	}
	scope, idx, err := db.keysetIndexes(ctx, db.db, table, name)
	if err != nil {
		return err
	}
	keys, err := db.ring.Keys(ctx, scope, cipher.PurposeIndex)
	if err != nil {
		return fail(err)
	}
	primary, old := keyIDs(keys)
	if len(old) == 0 {
		return nil
	}
	for _, k := range idx {
		if !k.ready() || k.rec.keyID != valid(primary) {
			return &Error{Op: "retire index keys", Table: k.ta.rt.t.Name, Column: k.def.name, Err: fmt.Errorf("%w: index %s has not rewritten every row under key %d, so rows may carry only tokens under keys %v; run DB.RotateIndexKey(ctx, %q, %q, nil)",
				ErrBackfillIncomplete, k.def.name, primary, old, table, name)}
		}
	}
	for _, id := range old {
		if err := db.ring.RetireKey(ctx, scope, cipher.PurposeIndex, id); err != nil {
			return fail(err)
		}
	}
	return nil
}
