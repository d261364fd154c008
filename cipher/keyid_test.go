package cipher_test

import (
	"context"
	"errors"
	"testing"

	"github.com/phicrypt/phicrypt/cipher"
)

func TestCiphertextKeyID(t *testing.T) {
	ctx := context.Background()
	r := newRing(t, newLocalKEK(t), cipher.NewMemStore())
	col := mustColumn(t, r, "patients", "ssn")
	ct, err := col.Seal(ctx, "078-05-1120", nil)
	if err != nil {
		t.Fatal(err)
	}
	first, err := cipher.CiphertextKeyID(ct)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := r.Keys(ctx, col.Scope(), cipher.PurposeValue)
	if err != nil || len(keys) != 1 || keys[0].ID != first {
		t.Fatalf("key id %d, keys %v, %v", first, keys, err)
	}
	next, err := r.RotateKey(ctx, col.Scope(), cipher.PurposeValue)
	if err != nil {
		t.Fatal(err)
	}
	r.Invalidate()
	ct2, err := col.Seal(ctx, "078-05-1120", nil)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := cipher.CiphertextKeyID(ct2); err != nil || id != next || id == first {
		t.Fatalf("after rotation: %d, %v (want %d)", id, err, next)
	}
	for name, c := range map[string]struct {
		ct   []byte
		want error
	}{
		"plaintext": {[]byte("078-05-1120"), cipher.ErrUnsupportedVersion},
		"short":     {ct[:20], cipher.ErrTruncated},
		"prefix":    {append(append([]byte{}, ct[:5]...), append([]byte{0x00}, ct[6:]...)...), cipher.ErrTampered},
	} {
		if _, err := cipher.CiphertextKeyID(c.ct); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
}
