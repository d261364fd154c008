package sqlwrap

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
)

// ErrReencryptIncomplete: a data key cannot be retired yet, because some
// value of its keyset is still sealed under it (or is not a ciphertext at
// all); DB.Reencrypt moves the values to the primary key.
var ErrReencryptIncomplete = errors.New("values still sealed under a key other than the primary")

// ReencryptOptions tunes Reencrypt; the zero value (or nil) uses the
// defaults.
type ReencryptOptions struct {
	// BatchSize is how many rows one transaction reads (default 1000).
	BatchSize int
	// Progress, if set, is called after each committed batch with the
	// number of rows this call has examined so far.
	Progress func(rows int64)
	// RotationWait is how long a new pass waits before it starts, so
	// that every process has seen the rotation and seals under the new
	// primary key (a value sealed under the old key after the pass passed
	// its row would stay there). 0 means twice the keyring's check
	// interval. A pass that resumes does not wait.
	RotationWait time.Duration
}

const defaultReencryptBatch = 1000

func (opts *ReencryptOptions) withDefaults() ReencryptOptions {
	var o ReencryptOptions
	if opts != nil {
		o = *opts
	}
	if o.BatchSize <= 0 {
		o.BatchSize = defaultReencryptBatch
	}
	return o
}

// reencryptTable holds, per table, the checkpoint of a Reencrypt pass: the
// primary data keys it moves values to (target) and the last key of its
// last committed batch.
const reencryptTable = "phicrypt_reencrypt"

// reencryptHookKey carries, in the context of a test, a function that
// runs after a batch has read its rows and before it writes them.
type reencryptHookKey struct{}

// Reencrypt seals again, under the current primary data key of its
// column, every protected value of table that was sealed under another
// key (after Keyring.RotateKey of a value keyset), so that the old key can
// be retired (RetireDataKeys). Tokens do not change: index keys are
// separate.
//
// It walks the table in key order, in batches, each in its own
// transaction that also records the batch's last key in
// phicrypt_reencrypt: a Reencrypt that stopped (a cancelled context, a
// crash) continues where it stopped, as long as the primary keys have not
// changed since; a completed pass removes its checkpoint. Each value is
// written only if the row still holds the ciphertext the batch read, so
// a value the application wrote meanwhile is never overwritten with an
// older one. A value that is not a ciphertext, or does not open, stops the
// pass with an error that names the row (run Verify). When no column's
// keyset has an enabled key besides the primary, there is nothing to move
// and it returns at once.
func (db *DB) Reencrypt(ctx context.Context, table string, opts *ReencryptOptions) (err error) {
	defer db.auditKey(ctx, "reencrypt", table, "", &err)
	if db == nil || db.db == nil {
		return ErrUnbound
	}
	if ctx == nil {
		return errNilContext
	}
	ta, err := db.Table(table)
	if err != nil {
		return err
	}
	fail := func(err error) error { return ta.fail("reencrypt", "", err) }
	if err := ta.ready(ctx); err != nil {
		return err
	}
	if err := ta.warm(ctx); err != nil {
		return err
	}
	o := opts.withDefaults()
	if err := db.ensureReencryptTable(ctx); err != nil {
		return fail(err)
	}
	rt := ta.rt
	target := make([]uint32, len(rt.order))
	parts := make([]string, len(rt.order))
	rotated := false
	for i, cr := range rt.order {
		keys, err := db.ring.Keys(ctx, cr.seal.Scope(), cipher.PurposeValue)
		if err != nil {
			return ta.fail("reencrypt", cr.c.Name, err)
		}
		var old []uint32
		target[i], old = keyIDs(keys)
		rotated = rotated || len(old) > 0
		parts[i] = fmt.Sprintf("%s=%d", cr.c.Name, target[i])
	}
	want := strings.Join(parts, ";")
	if !rotated {
		// No key but the primary opens anything: no value can move.
		if _, err := db.db.ExecContext(ctx, fmt.Sprintf("DELETE FROM %s WHERE table_name = %s", reencryptTable, db.d.ph(1)), table); err != nil {
			return fail(err)
		}
		return nil
	}
	var after any
	var have string
	var progress sql.NullString
	err = db.db.QueryRowContext(ctx, fmt.Sprintf("SELECT target, progress_key FROM %s WHERE table_name = %s", reencryptTable, db.d.ph(1)), table).Scan(&have, &progress)
	switch {
	case err == nil && have == want && progress.Valid:
		if after, err = rt.parseKey(progress.String); err != nil {
			return fail(err)
		}
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return fail(err)
	default:
		if err := db.putReencrypt(ctx, db.db, table, want, nil); err != nil {
			return fail(err)
		}
		wait := o.RotationWait
		if wait <= 0 {
			wait = 2 * db.ring.CheckInterval()
		}
		if err := sleep(ctx, wait); err != nil {
			return fail(err)
		}
	}
	var done int64
	for {
		if err := ta.sealsUnder(ctx, target); err != nil {
			return err
		}
		var n int
		var last any
		err := retryTransient(ctx, func() error {
			var err error
			n, last, err = ta.reencryptBatch(ctx, after, o.BatchSize, target, want)
			return err
		})
		if err != nil {
			return err
		}
		done += int64(n)
		if n > 0 && o.Progress != nil {
			o.Progress(done)
		}
		if n < o.BatchSize {
			break
		}
		after = last
	}
	if _, err := db.db.ExecContext(ctx, fmt.Sprintf("DELETE FROM %s WHERE table_name = %s", reencryptTable, db.d.ph(1)), table); err != nil {
		return fail(err)
	}
	return nil
}

// sealsUnder checks that this keyring seals every column under its target
// key, reading the keysets again once if it does not (another process
// rotated them); a keyset rotated again since the pass began stops it.
func (ta *TableAccess) sealsUnder(ctx context.Context, target []uint32) error {
	for attempt := 0; ; attempt++ {
		stale := ""
		for i, cr := range ta.rt.order {
			ct, err := cr.seal.Seal(ctx, zeroValue(cr.c.Type), nil)
			if err != nil {
				return ta.fail("reencrypt", cr.c.Name, err)
			}
			if id, err := cipher.CiphertextKeyID(ct); err != nil || id != target[i] {
				stale = cr.c.Name
				break
			}
		}
		switch {
		case stale == "":
			return nil
		case attempt > 0:
			return ta.fail("reencrypt", stale, fmt.Errorf("the primary data key is no longer the one this pass began with: the keyset was rotated again; run Reencrypt again"))
		}
		ta.db.ring.Invalidate()
	}
}

// reencryptBatch seals again the values of up to n rows with keys after
// after that are not under their column's target key, in one transaction
// that records the progress. It returns the number of rows read and the
// last key.
func (ta *TableAccess) reencryptBatch(ctx context.Context, after any, n int, target []uint32, want string) (int, any, error) {
	rt, d, db := ta.rt, ta.rt.d, ta.db
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, nil, ta.fail("reencrypt", "", err)
	}
	defer tx.Rollback()
	t := &TableAccess{db: db, rt: rt, tx: tx, tc: newTxConn(tx)}
	// Keysets reloaded while the batch holds the pool's last connection
	// are read through the batch's transaction; the rows are all read
	// before any value is opened.
	ctx = context.WithValue(ctx, storeTxKey{}, storeTx{db: db.db, tx: tx})
	fields := []string{d.q(rt.t.Key)}
	rb := rt.t.RowBinding
	if rb != "" && rb != rt.t.Key {
		fields = append(fields, d.q(rb))
	}
	for _, cr := range rt.order {
		fields = append(fields, d.q(cr.c.Name))
	}
	var q strings.Builder
	var args []any
	fmt.Fprintf(&q, "SELECT %s FROM %s", strings.Join(fields, ", "), d.q(rt.t.Name))
	if after != nil {
		fmt.Fprintf(&q, " WHERE %s > %s", d.q(rt.t.Key), d.ph(1))
		args = append(args, after)
	}
	fmt.Fprintf(&q, " ORDER BY %s LIMIT %d", d.q(rt.t.Key), n)
	def := &indexDef{cols: rt.order}
	batch, err := t.readBatch(ctx, q.String(), args, def, false)
	if err != nil {
		return 0, nil, ta.fail("reencrypt", "", err)
	}
	if h, ok := ctx.Value(reencryptHookKey{}).(func()); ok {
		h()
	}
	for _, r := range batch {
		if err := t.reencryptRow(ctx, r, target); err != nil {
			return 0, nil, err
		}
	}
	var last any
	if len(batch) > 0 {
		last = batch[len(batch)-1].key
		if err := db.putReencrypt(ctx, tx, rt.t.Name, want, last); err != nil {
			return 0, nil, ta.fail("reencrypt", "", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, nil, ta.fail("reencrypt", "", err)
	}
	return len(batch), last, nil
}

// reencryptRow seals again each value of r not under its target key, and
// writes it where the row still holds the value read.
func (ta *TableAccess) reencryptRow(ctx context.Context, r reindexRow, target []uint32) error {
	rt, d := ta.rt, ta.rt.d
	var binding []byte
	if rt.t.RowBinding != "" {
		var err error
		if binding, err = bindingBytes(normalizeScanned(r.binding)); err != nil {
			return ta.damaged("reencrypt", r.key, rt.t.RowBinding, err)
		}
	}
	for i, cr := range rt.order {
		if r.cts[i] == nil {
			continue
		}
		ct, _ := ciphertextBytes(r.cts[i])
		id, err := cipher.CiphertextKeyID(ct)
		if err != nil {
			return ta.damaged("reencrypt", r.key, cr.c.Name, fmt.Errorf("%w (run phicrypt verify)", err))
		}
		if id == target[i] {
			continue
		}
		v, err := cr.seal.Open(ctx, ct, binding)
		if err != nil {
			return ta.damaged("reencrypt", r.key, cr.c.Name, err)
		}
		nct, err := cr.seal.Seal(ctx, v, binding)
		if err != nil {
			return ta.damaged("reencrypt", r.key, cr.c.Name, err)
		}
		q := fmt.Sprintf("UPDATE %s SET %s = %s WHERE %s = %s AND %s = %s", d.q(rt.t.Name), d.q(cr.c.Name), d.ph(1), d.q(rt.t.Key), d.ph(2), d.q(cr.c.Name), d.ph(3))
		if _, err := ta.tx.ExecContext(ctx, q, nct, r.key, ct); err != nil {
			return ta.damaged("reencrypt", r.key, cr.c.Name, err)
		}
	}
	return nil
}

func (db *DB) ensureReencryptTable(ctx context.Context) error {
	name, text := "TEXT", "TEXT"
	suffix := ""
	if db.d.name == "mysql" {
		name, text = "VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", "VARCHAR(4096) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
		suffix = " ENGINE=InnoDB"
	}
	ddl := fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (
	table_name   %s NOT NULL PRIMARY KEY,
	target       %s NOT NULL,
	progress_key %s,
	updated_at   BIGINT NOT NULL
)%s`, reencryptTable, name, text, text, suffix)
	if _, err := db.db.ExecContext(ctx, ddl); err != nil {
		// A PostgreSQL process that loses a race on CREATE TABLE IF NOT
		// EXISTS fails instead of seeing the table.
		if have, perr := db.existingColumns(ctx, reencryptTable); perr != nil || len(have) == 0 {
			return wrapf(err, "create %s", reencryptTable)
		}
	}
	return nil
}

// putReencrypt records a pass toward target and its last key (nil: none
// yet).
func (db *DB) putReencrypt(ctx context.Context, q querier, table, target string, last any) error {
	d := db.d
	upsert := " ON CONFLICT (table_name) DO UPDATE SET target = excluded.target, progress_key = excluded.progress_key, updated_at = excluded.updated_at"
	if d.name == "mysql" {
		upsert = " ON DUPLICATE KEY UPDATE target = VALUES(target), progress_key = VALUES(progress_key), updated_at = VALUES(updated_at)"
	}
	var progress sql.NullString
	if last != nil {
		progress = sql.NullString{String: keyText(last), Valid: true}
	}
	_, err := q.ExecContext(ctx, d.insertSQL(reencryptTable, []string{"table_name", "target", "progress_key", "updated_at"}, 1)+upsert,
		table, target, progress, time.Now().Unix())
	if err != nil {
		return fmt.Errorf("record the progress of reencrypt: %w", err)
	}
	return nil
}

// RetireDataKeys retires every key of the value keyset of table.column
// other than the primary, so that nothing opens with them any more. It
// refuses with ErrReencryptIncomplete, retiring nothing, while any column
// of the schema that shares the keyset holds a value whose header does
// not name the primary key (Reencrypt moves them; a value that is not a
// ciphertext is refused too: run Verify). Retiring a value key with
// Keyring.RetireKey directly, while values remain under it, makes them
// unreadable. A retired key stays in the keyset until Keyring.DestroyKey.
func (db *DB) RetireDataKeys(ctx context.Context, table, column string) (err error) {
	defer db.auditKey(ctx, "retire_data_keys", table, column, &err)
	if db == nil || db.db == nil {
		return ErrUnbound
	}
	if ctx == nil {
		return errNilContext
	}
	rt, ok := db.tables[table]
	if !ok {
		return &Error{Op: "retire data keys", Table: table, Err: ErrUnknownTable}
	}
	cr, ok := rt.cols[column]
	if !ok {
		return &Error{Op: "retire data keys", Table: table, Column: column, Err: ErrUnknownColumn}
	}
	fail := func(err error) error { return &Error{Op: "retire data keys", Table: table, Column: column, Err: err} }
	scope := cr.seal.Scope()
	keys, err := db.ring.Keys(ctx, scope, cipher.PurposeValue)
	if err != nil {
		return fail(err)
	}
	primary, old := keyIDs(keys)
	if len(old) == 0 {
		return nil
	}
	id := binary.BigEndian.AppendUint32(nil, primary)
	d := db.d
	for _, u := range db.keysetUses() {
		if u.scope != scope || u.purpose != cipher.PurposeValue {
			continue
		}
		for _, pl := range u.places {
			trt := db.tables[pl.table]
			c := d.q(pl.column)
			// Bytes 7 to 10 of a ciphertext name its key (docs/FORMAT.md §1).
			header := fmt.Sprintf("substr(%s, 7, 4)", c)
			var key any
			err := db.db.QueryRowContext(ctx, fmt.Sprintf("SELECT %s FROM %s WHERE %s IS NOT NULL AND %s <> %s LIMIT 1", d.q(trt.t.Key), d.q(pl.table), c, header, d.ph(1)), id).Scan(&key)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				continue
			case err != nil:
				return fail(err)
			}
			if k, err := trt.scannedKey(key); err == nil {
				key = k
			}
			return &Error{Op: "retire data keys", Table: pl.table, Column: pl.column, Key: key, Err: fmt.Errorf("%w: keys %v; run DB.Reencrypt(ctx, %q, nil) first", ErrReencryptIncomplete, old, pl.table)}
		}
	}
	for _, k := range old {
		if err := db.ring.RetireKey(ctx, scope, cipher.PurposeValue, k); err != nil {
			return fail(err)
		}
	}
	return nil
}
