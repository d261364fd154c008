package migrate

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// CheckKEK refuses a key encryption key that cannot serve the migration,
// before any row is touched: the KEK must wrap and unwrap a random key
// (the key service answers and the key works), and every keyset of the
// schema's scopes that exists already must open under it. When none of
// the schema's keysets exists yet, one keyset of the store (if any) must
// open, so that a KEK other than the one the database's keysets were made
// with is refused too. store lists the keysets (sqlwrap.KeysetStore).
func CheckKEK(ctx context.Context, ring *cipher.Keyring, store cipher.Store, schema *sqlwrap.Schema) error {
	kek := ring.KEK()
	probe := make([]byte, 32)
	rand.Read(probe)
	ad := []byte("phicrypt-migrate-kek-check")
	w, err := kek.Wrap(ctx, probe, ad)
	if err != nil {
		return fmt.Errorf("check the key encryption key %s: wrap: %w", kek.URI(), err)
	}
	back, err := kek.Unwrap(ctx, w, ad)
	if err != nil {
		return fmt.Errorf("check the key encryption key %s: unwrap: %w", kek.URI(), err)
	}
	if !bytes.Equal(back, probe) {
		return fmt.Errorf("check the key encryption key %s: a wrapped key came back different", kek.URI())
	}
	recs, err := store.List(ctx)
	if err != nil {
		return fmt.Errorf("check the key encryption key: list keysets: %w", err)
	}
	ours := map[string]bool{}
	for _, t := range schema.Tables {
		for _, c := range t.Columns {
			s := c.Scope
			if s == "" {
				s = cipher.DefaultScope(t.Name, c.Name)
			}
			ours[s] = true
		}
		for _, ci := range t.Compound {
			ours[cipher.DefaultScope(t.Name, ci.Name)] = true
		}
	}
	var check []*cipher.Record
	for _, r := range recs {
		if ours[r.Scope] {
			check = append(check, r)
		}
	}
	if len(check) == 0 && len(recs) > 0 {
		check = recs[:1]
	}
	for _, r := range check {
		if err := openKeyset(ctx, ring, r); err != nil {
			return fmt.Errorf("check the key encryption key %s: keyset %s (%s) does not open: %w (give the KEK the keysets were made with)", kek.URI(), r.Scope, r.Purpose, err)
		}
	}
	return nil
}

func openKeyset(ctx context.Context, ring *cipher.Keyring, r *cipher.Record) error {
	switch r.Purpose {
	case cipher.PurposeIndex:
		_, err := ring.IndexKeys(ctx, r.Scope)
		return err
	case cipher.PurposeSealPrivate, cipher.PurposeSealPublic:
		_, err := ring.Keys(ctx, r.Scope, r.Purpose)
		return err
	}
	col, err := ring.Column("phicrypt_kek_check", "x", cipher.WithScope(r.Scope))
	if err != nil {
		return err
	}
	_, err = col.Seal(ctx, "", nil)
	return err
}

// Prepare makes the tables ready for Run: it checks that the tables may be
// altered and written (ErrReadOnly) and the KEK (CheckKEK) before changing
// anything, creates the state tables, takes each table's
// lock, renames its plaintext columns (prepareDDL), and opens the wrapper
// over ring with EnsureSchema, which adds the ciphertext and token columns
// and creates the missing keysets (the new columns are empty). It returns
// the wrapper; Run and DropPlaintext use it. Every step is skipped when
// it is done, so Prepare resumes after a crash. The locks are held until
// Close.
func (m *Migrator) Prepare(ctx context.Context, ring *cipher.Keyring) (*sqlwrap.DB, error) {
	plan, err := m.Plan(ctx)
	if err != nil {
		return nil, err
	}
	for _, tp := range plan.Tables {
		if err := m.checkWritable(ctx, tp.Table, tp.Key); err != nil {
			return nil, err
		}
	}
	store, err := sqlwrap.NewKeysetStore(m.db, m.dialect)
	if err != nil {
		return nil, m.fail("", err)
	}
	if err := store.EnsureTable(ctx); err != nil {
		return nil, m.fail("", err)
	}
	if err := CheckKEK(ctx, ring, store, m.schema); err != nil {
		return nil, m.fail("", err)
	}
	if err := m.ensureStateTables(ctx); err != nil {
		return nil, m.fail("", err)
	}
	for _, tp := range plan.Tables {
		if err := m.lockTable(ctx, tp.Table); err != nil {
			return nil, err
		}
	}
	for _, tp := range plan.Tables {
		if err := m.runPrepareDDL(ctx, m.table(tp.Table)); err != nil {
			return nil, err
		}
	}
	w, err := sqlwrap.Open(m.db, m.dialect, m.schema, ring)
	if err != nil {
		return nil, m.fail("", err)
	}
	if err := w.EnsureSchema(ctx); err != nil {
		return nil, m.fail("", fmt.Errorf("ensure the wrapper's schema: %w", err))
	}
	for _, tp := range plan.Tables {
		st, err := m.readCheckpoint(ctx, tp.Table)
		if err != nil {
			return nil, m.fail(tp.Table, err)
		}
		if st.phase == "new" {
			if err := m.setPhase(ctx, tp.Table, PhasePrepared); err != nil {
				return nil, err
			}
		}
	}
	return w, nil
}

// lockTable takes the lock of table for the Migrator's life (until Close).
func (m *Migrator) lockTable(ctx context.Context, table string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.locks == nil {
		m.locks = map[string]*lock{}
	}
	if m.locks[table] != nil {
		return nil
	}
	l, err := m.acquire(ctx, table, m.lost)
	if err != nil {
		return err
	}
	m.locks[table] = l
	return nil
}

// lost records that a lock was lost: the running batches stop.
func (m *Migrator) lost(cause error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lostErr == nil {
		m.lostErr = cause
	}
	if m.cancelRun != nil {
		m.cancelRun(cause)
	}
}

func (m *Migrator) lockLost() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lostErr
}

// Close releases the locks the Migrator holds.
func (m *Migrator) Close() error {
	m.mu.Lock()
	locks := m.locks
	m.locks = nil
	m.mu.Unlock()
	for _, l := range locks {
		l.release()
	}
	return nil
}

var errNoLock = errors.New("Prepare first: the table is not locked by this migration")
