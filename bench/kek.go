package main

import (
	"context"
	"sync/atomic"

	"github.com/phicrypt/phicrypt/keyprovider"
)

// countingKEK counts the calls that reach the key service: every Wrap and
// Unwrap of the KEK it wraps.
type countingKEK struct {
	keyprovider.KEK
	calls atomic.Int64
}

func (k *countingKEK) Wrap(ctx context.Context, plaintext, ad []byte) ([]byte, error) {
	k.calls.Add(1)
	return k.KEK.Wrap(ctx, plaintext, ad)
}

func (k *countingKEK) Unwrap(ctx context.Context, wrapped, ad []byte) ([]byte, error) {
	k.calls.Add(1)
	return k.KEK.Unwrap(ctx, wrapped, ad)
}
