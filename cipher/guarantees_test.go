// Guarantees of the cipher package (issue 8). Each test names the item it
// covers; a test fails if its guarantee breaks.
//
// Key lifecycle:
//   - 15: the keyring checks that a record the Store returns is the scope
//     and purpose it asked for; a mismatch is ErrBadRecord, never a panic.
package cipher_test

import (
	"context"
	"errors"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
)

// --- item 15: the keyring does not trust the Store ---

// swappingStore serves the record of another scope or purpose.
type swappingStore struct {
	cipher.Store
	scope   string
	purpose cipher.Purpose
}

func (s swappingStore) Get(ctx context.Context, _ string, _ cipher.Purpose) (*cipher.Record, error) {
	return s.Store.Get(ctx, s.scope, s.purpose)
}

func TestIssue8_15_StoreServesWrongRecord(t *testing.T) {
	ctx := context.Background()
	kek := newLocalKEK(t)
	store := cipher.NewMemStore()
	setup := newRing(t, kek, store)
	if _, err := setup.IndexKeys(ctx, "patients.ssn"); err != nil {
		t.Fatal(err)
	}
	if _, err := mustColumn(t, setup, "patients", "mrn").Seal(ctx, "x", nil); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		scope   string
		purpose cipher.Purpose
		use     func(*cipher.Keyring) error
	}{
		{"index record for a value request", "patients.ssn", cipher.PurposeIndex, func(r *cipher.Keyring) error {
			_, err := mustColumn(t, r, "patients", "ssn").Seal(ctx, "078-05-1120", nil)
			return err
		}},
		{"other scope for a value request", "patients.mrn", cipher.PurposeValue, func(r *cipher.Keyring) error {
			_, err := mustColumn(t, r, "patients", "ssn").Seal(ctx, "078-05-1120", nil)
			return err
		}},
		{"value record for an index request", "patients.mrn", cipher.PurposeValue, func(r *cipher.Keyring) error {
			_, err := r.IndexKeys(ctx, "patients.mrn")
			return err
		}},
		{"rotation of a swapped record", "patients.ssn", cipher.PurposeIndex, func(r *cipher.Keyring) error {
			_, err := r.RotateKey(ctx, "patients.mrn", cipher.PurposeValue)
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ring := newRing(t, kek, swappingStore{Store: store, scope: c.scope, purpose: c.purpose})
			var err error
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("panic: %v", p)
					}
				}()
				err = c.use(ring)
			}()
			if !errors.Is(err, cipher.ErrBadRecord) {
				t.Fatalf("got %v, want ErrBadRecord", err)
			}
		})
	}
}
