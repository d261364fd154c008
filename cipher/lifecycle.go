package cipher

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/tink-crypto/tink-go/v2/keyset"
)

// CreateKeyset creates the keyset of scope and purpose unless the store
// already holds one, and reports whether it created it. It is the only way
// the keyring creates keysets: call it for a scope that holds no
// ciphertext or token yet (sqlwrap's EnsureSchema does so for empty
// columns). A keyset created for a scope that already holds data would
// leave the old values unreadable and new ones under keys nobody backed
// up. Concurrent calls, in one process or several, create one keyset.
func (r *Keyring) CreateKeyset(ctx context.Context, scope string, p Purpose) (bool, error) {
	fail := func(err error) (bool, error) {
		return false, &Error{Op: "create keyset", Scope: scope, Err: err}
	}
	t, err := template(p)
	if err != nil {
		return fail(err)
	}
	if scope == "" {
		return fail(fmt.Errorf("%w: empty scope", ErrBadRecord))
	}
	if err := r.manage(scope); err != nil {
		return fail(err)
	}
	k := recordKey{scope, p}
	if _, err := r.get(ctx, scope, p); err == nil {
		if p == PurposeSealPrivate {
			// A crash may have come between the private keyset and its
			// public half.
			if _, err := r.get(ctx, scope, PurposeSealPublic); errors.Is(err, ErrKeysetNotFound) {
				if err := r.publish(ctx, scope, nil); err != nil {
					return fail(err)
				}
			} else if err != nil {
				return fail(err)
			}
		}
		return false, nil
	} else if !errors.Is(err, ErrKeysetNotFound) {
		return fail(err)
	}
	epoch := r.epoch.Load()
	h, err := keyset.NewHandle(t)
	if err != nil {
		return fail(err)
	}
	rec, err := r.wrap(ctx, scope, p, h, r.kekOf(p), 1)
	if err != nil {
		return fail(err)
	}
	if err := r.store.Put(ctx, rec, 0); err != nil {
		if errors.Is(err, ErrConflict) {
			return false, nil // another writer created it first
		}
		return fail(err)
	}
	r.forget(k)
	if p == PurposeSealPrivate {
		if err := r.publish(ctx, scope, h); err != nil {
			_, err = fail(err)
			return true, err
		}
		// The private keyset opens only write-only values, which a new
		// scope has none of: it is not kept in memory until one is opened.
		r.mu.Lock()
		r.noteGeneration(rec)
		r.mu.Unlock()
		return true, nil
	}
	if _, _, err := r.install(rec, h, epoch); err != nil {
		return true, &Error{Op: "create keyset", Scope: scope, Err: err}
	}
	return true, nil
}

// HasKeyset reports whether the store holds the keyset of scope and
// purpose (a store read; nothing is unwrapped or cached).
func (r *Keyring) HasKeyset(ctx context.Context, scope string, p Purpose) (bool, error) {
	_, err := r.get(ctx, scope, p)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrKeysetNotFound):
		return false, nil
	}
	return false, &Error{Op: "find keyset", Scope: scope, Err: err}
}

// modify applies f to the keyset of scope and purpose and stores the
// result as the next generation, wrapped by the current KEK.
func (r *Keyring) modify(ctx context.Context, scope string, p Purpose, f func(*keyset.Manager, *keyset.Handle) error) error {
	if p == PurposeSealPublic {
		return fmt.Errorf("%w: the public sealing keyset follows its private keyset: change that one (PurposeSealPrivate)", ErrBadRecord)
	}
	if err := r.manage(scope); err != nil {
		return err
	}
	k := recordKey{scope, p}
	rec, err := r.get(ctx, scope, p)
	if err != nil {
		return missing(k, err)
	}
	if err := r.checkRollback(rec); err != nil {
		return err
	}
	h, err := r.unwrap(ctx, rec)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.noteGeneration(rec)
	r.mu.Unlock()
	m := keyset.NewManagerFromHandle(h)
	if err := f(m, h); err != nil {
		return err
	}
	if h, err = m.Handle(); err != nil {
		return err
	}
	nrec, err := r.wrap(ctx, scope, p, h, r.kekOf(p), rec.Generation+1)
	if err != nil {
		return err
	}
	if err := r.store.Put(ctx, nrec, rec.Generation); err != nil {
		return err
	}
	r.mu.Lock()
	r.noteGeneration(nrec)
	r.mu.Unlock()
	r.forget(k)
	if p == PurposeSealPrivate {
		return r.publish(ctx, scope, h)
	}
	return nil
}

// RotateKey adds a new key to the keyset of scope and purpose and makes it
// primary. Values sealed before keep opening by their key id; new values
// and tokens use the new key. It returns the new key id. Other keyrings
// over the same store see the rotation within their check interval.
func (r *Keyring) RotateKey(ctx context.Context, scope string, p Purpose) (uint32, error) {
	t, err := template(p)
	if err != nil {
		return 0, &Error{Op: "rotate", Scope: scope, Err: err}
	}
	var id uint32
	err = r.modify(ctx, scope, p, func(m *keyset.Manager, _ *keyset.Handle) error {
		if id, err = m.Add(t); err != nil {
			return err
		}
		return m.SetPrimary(id)
	})
	if err != nil {
		return 0, &Error{Op: "rotate", Scope: scope, Err: err}
	}
	return id, nil
}

// KeyStatus is the state of one key of a keyset.
type KeyStatus string

// Key states, in the order of a key's life.
const (
	// KeyPrimary seals new values and computes new tokens.
	KeyPrimary KeyStatus = "primary"
	// KeyEnabled opens values and is queried by indexes, alongside the
	// primary (after a rotation, until the key is retired).
	KeyEnabled KeyStatus = "enabled"
	// KeyRetired is kept in the keyset but used for nothing: an index no
	// longer queries its tokens, a value keyset no longer opens with it.
	KeyRetired KeyStatus = "retired"
)

// KeyInfo describes one key of a keyset; it holds no secret.
type KeyInfo struct {
	ID     uint32
	Status KeyStatus
}

// Keys lists the keys of the keyset of scope and purpose as the store
// holds it now (one unwrap).
func (r *Keyring) Keys(ctx context.Context, scope string, p Purpose) ([]KeyInfo, error) {
	fail := func(err error) ([]KeyInfo, error) { return nil, &Error{Op: "list keys", Scope: scope, Err: err} }
	// A keyset outside the grant is not even read from the store.
	if err := r.permit(scope, p); err != nil {
		return fail(err)
	}
	rec, err := r.get(ctx, scope, p)
	if err != nil {
		return fail(missing(recordKey{scope, p}, err))
	}
	if err := r.checkRollback(rec); err != nil {
		return fail(err)
	}
	h, err := r.unwrap(ctx, rec)
	if err != nil {
		return fail(err)
	}
	var out []KeyInfo
	for i := 0; i < h.Len(); i++ {
		e, err := h.Entry(i)
		if err != nil {
			return fail(err)
		}
		s := KeyRetired
		switch {
		case e.IsPrimary():
			s = KeyPrimary
		case e.KeyStatus() == keyset.Enabled:
			s = KeyEnabled
		}
		out = append(out, KeyInfo{ID: e.KeyID(), Status: s})
	}
	return out, nil
}

// RetireKey takes a non-primary key out of use. For an index keyset the
// key's tokens are no longer queried, so call it once every row carries
// tokens under the primary key (after the backfill that follows
// RotateKey). For a value keyset, values sealed under the key no longer
// open, so call it only after every value was sealed again. The key stays
// in the keyset until DestroyKey; other keyrings over the same store stop
// using it within their check interval.
func (r *Keyring) RetireKey(ctx context.Context, scope string, p Purpose, keyID uint32) error {
	err := r.modify(ctx, scope, p, func(m *keyset.Manager, h *keyset.Handle) error {
		_, primary, err := keyStatus(h, keyID)
		if err != nil {
			return err
		}
		if primary {
			return fmt.Errorf("key %d is the primary key: rotate first", keyID)
		}
		return m.Disable(keyID)
	})
	if err != nil {
		return &Error{Op: "retire key", Scope: scope, Err: err}
	}
	return nil
}

// DestroyKey removes a retired key from the keyset for good. Anything
// sealed or tokenized under it can no longer be opened or found by
// anyone, from this generation of the keyset on; older copies of the
// keyset record (backups) still hold it.
func (r *Keyring) DestroyKey(ctx context.Context, scope string, p Purpose, keyID uint32) error {
	err := r.modify(ctx, scope, p, func(m *keyset.Manager, h *keyset.Handle) error {
		st, _, err := keyStatus(h, keyID)
		if err != nil {
			return err
		}
		if st != keyset.Disabled {
			return fmt.Errorf("key %d is in use: retire it before destroying it", keyID)
		}
		return m.Delete(keyID)
	})
	if err != nil {
		return &Error{Op: "destroy key", Scope: scope, Err: err}
	}
	return nil
}

func keyStatus(h *keyset.Handle, id uint32) (keyset.KeyStatus, bool, error) {
	for i := 0; i < h.Len(); i++ {
		e, err := h.Entry(i)
		if err != nil {
			return 0, false, err
		}
		if e.KeyID() == id {
			return e.KeyStatus(), e.IsPrimary(), nil
		}
	}
	return 0, false, fmt.Errorf("%w: the keyset has no key %d", ErrUnknownKey, id)
}

// maxRewrapRounds bounds how often Rewrap lists the store again while
// other writers keep adding keysets under the old KEK.
const maxRewrapRounds = 16

// Rewrap moves every keyset in the store under newKEK without touching any
// sealed value, and makes newKEK the keyring's KEK. When newKEK already
// wrapped a record and can rewrap on the service side (Vault Transit after
// a key rotation, AWS KMS ReEncrypt), the keyset never leaves the service.
// It lists the store again until a listing finds nothing left to move, so
// keysets created meanwhile are moved too; when it returns nil, no keyset
// in the store was wrapped by another KEK at its last listing. Keyrings of
// other processes must be given newKEK first, or they keep creating and
// rotating keysets under the old one (VerifyKEK finds those). It returns
// how many records were rewritten.
func (r *Keyring) Rewrap(ctx context.Context, newKEK keyprovider.KEK) (int, error) {
	if err := r.usable(); err != nil {
		return 0, &Error{Op: "rewrap", Err: err}
	}
	if newKEK == nil {
		return 0, &Error{Op: "rewrap", Err: errors.New("no new KEK")}
	}
	if err := r.manage("*"); err != nil {
		return 0, &Error{Op: "rewrap", Err: err}
	}
	r.mu.Lock()
	split := len(r.byPurpose) > 0
	r.mu.Unlock()
	if split {
		return 0, &Error{Op: "rewrap", Err: errors.New("the keyring wraps keysets under one KEK per purpose (Config.PurposeKEKs); Rewrap would move them all under one")}
	}
	r.mu.Lock()
	r.keks[newKEK.URI()] = newKEK
	r.kek = newKEK
	r.mu.Unlock()
	defer r.Invalidate()
	done := map[recordKey]bool{}
	n := 0
	for round := 0; ; round++ {
		recs, err := r.store.List(ctx)
		if err != nil {
			return n, &Error{Op: "rewrap", Err: err}
		}
		var todo []*Record
		for _, rec := range recs {
			if rec.KEK != newKEK.URI() || !done[recordKey{rec.Scope, rec.Purpose}] {
				todo = append(todo, rec)
			}
		}
		if len(todo) == 0 {
			return n, nil
		}
		if round == maxRewrapRounds {
			return n, &Error{Op: "rewrap", Scope: todo[0].Scope, Err: fmt.Errorf("%d keysets still need moving after %d listings: other writers keep using the old KEK", len(todo), round)}
		}
		for _, rec := range todo {
			nrec, err := r.rewrapOne(ctx, rec, newKEK)
			if err != nil {
				return n, &Error{Op: "rewrap", Scope: rec.Scope, Err: err}
			}
			if err := r.store.Put(ctx, nrec, rec.Generation); err != nil {
				if errors.Is(err, ErrConflict) {
					continue // changed meanwhile: the next listing shows it again
				}
				return n, &Error{Op: "rewrap", Scope: rec.Scope, Err: err}
			}
			r.mu.Lock()
			r.noteGeneration(nrec)
			r.mu.Unlock()
			done[recordKey{rec.Scope, rec.Purpose}] = true
			n++
		}
	}
}

// VerifyKEK lists the keysets in the store that the keyring's KEK did not
// wrap, such as keysets created under the old KEK by a process that had
// not been given the new one when Rewrap ran. Retire an old KEK only when
// it returns none.
func (r *Keyring) VerifyKEK(ctx context.Context) ([]*Record, error) {
	if err := r.usable(); err != nil {
		return nil, &Error{Op: "verify KEK", Err: err}
	}
	recs, err := r.store.List(ctx)
	if err != nil {
		return nil, &Error{Op: "verify KEK", Err: err}
	}
	var out []*Record
	for _, rec := range recs {
		if rec.KEK != r.kekOf(rec.Purpose).URI() {
			out = append(out, rec)
		}
	}
	return out, nil
}

func (r *Keyring) rewrapOne(ctx context.Context, rec *Record, newKEK keyprovider.KEK) (*Record, error) {
	if err := r.checkRollback(rec); err != nil {
		return nil, err
	}
	// A service-side rewrap keeps the associated data, hence the bound
	// generation: only a version-2 record can keep it.
	if rw, ok := newKEK.(keyprovider.Rewrapper); ok && rec.KEK == newKEK.URI() && rec.Bound != 0 {
		ek, err := decodeEncryptedKeyset(rec.EncryptedKeyset)
		if err != nil {
			return nil, err
		}
		w, err := rw.Rewrap(ctx, ek.EncryptedKeyset, rec.AD())
		if err != nil {
			return nil, err
		}
		ek.EncryptedKeyset = w
		var buf bytes.Buffer
		if err := keyset.NewBinaryWriter(&buf).WriteEncrypted(ek); err != nil {
			return nil, err
		}
		return &Record{Scope: rec.Scope, Purpose: rec.Purpose, KEK: rec.KEK, Generation: rec.Generation + 1, Bound: rec.Bound, EncryptedKeyset: buf.Bytes()}, nil
	}
	h, err := r.unwrap(ctx, rec)
	if err != nil {
		return nil, err
	}
	return r.wrap(ctx, rec.Scope, rec.Purpose, h, newKEK, rec.Generation+1)
}
