// Package keyprovider defines the key-encryption key (KEK) that protects
// phicrypt's data keysets, and opens one from a URI.
//
// A KEK does two things: it wraps a secret (a serialized keyset) under
// associated data, and unwraps it again. Implementations live in the
// subpackages local (a key file, for development), awskms (AWS KMS) and
// vault (HashiCorp Vault Transit). Each registers its URI scheme when
// imported, so the usual first call is:
//
//	import (
//		"github.com/phicrypt/phicrypt/keyprovider"
//		_ "github.com/phicrypt/phicrypt/keyprovider/awskms"
//	)
//
//	kek, err := keyprovider.Open(ctx, "aws-kms://arn:aws:kms:eu-west-1:111122223333:key/…")
//
// Errors carry the provider name and key id, never key material, and match
// one of the sentinel errors below with errors.Is.
package keyprovider

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// KEK is a key-encryption key held by a key service.
//
// Wrap and Unwrap must be safe for concurrent use. The associated data is
// authenticated but not encrypted: Unwrap with other associated data than
// Wrap was given fails with ErrWrongKey.
type KEK interface {
	// Wrap encrypts plaintext (a data key or serialized keyset) under the
	// KEK, binding associatedData.
	Wrap(ctx context.Context, plaintext, associatedData []byte) ([]byte, error)
	// Unwrap reverses Wrap.
	Unwrap(ctx context.Context, wrapped, associatedData []byte) ([]byte, error)
	// URI names the key in the form Open accepts. It never holds secrets.
	URI() string
}

// Sentinel errors. Every error a provider returns matches exactly one of
// them with errors.Is.
var (
	// ErrBadURI: the key URI cannot be parsed or names an unknown scheme.
	ErrBadURI = errors.New("invalid key URI")
	// ErrWrongKey: the wrapped key did not open: another KEK wrapped it, the
	// associated data differs, or the wrapped bytes are damaged.
	ErrWrongKey = errors.New("wrapped key does not open with this key and associated data")
	// ErrAccessDenied: the key service refused the credentials or token.
	ErrAccessDenied = errors.New("access to the key denied")
	// ErrKeyNotFound: the key service does not know the key, or it is disabled.
	ErrKeyNotFound = errors.New("key not found or disabled")
	// ErrUnavailable: the key service could not be reached, timed out, or
	// kept failing or throttling after the bounded retries.
	ErrUnavailable = errors.New("key service unavailable")
	// ErrInvalidKeyFile: a local key file is missing, malformed or readable
	// by group or others.
	ErrInvalidKeyFile = errors.New("invalid key file")
)

// Error is the error type every provider returns.
type Error struct {
	Provider string // "local", "aws-kms", "hcvault"
	KeyID    string // key ARN, Vault key path or file path; never key material
	Op       string // "wrap", "unwrap", "open"
	Kind     error  // one of the sentinel errors
	Err      error  // the underlying cause, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "keyprovider %s: key %q: %s: %v", e.Provider, e.KeyID, e.Op, e.Kind)
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap lets errors.Is match both the sentinel kind and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// Options tune the network behaviour of a provider. The zero value means
// the defaults.
type Options struct {
	// Timeout bounds one Wrap or Unwrap, retries included. Default 10s.
	Timeout time.Duration
	// MaxAttempts bounds the tries of one call on throttling, 5xx and
	// network errors. Default 4. 1 disables retries.
	MaxAttempts int
}

// DefaultTimeout and DefaultMaxAttempts are used for zero Options fields.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultMaxAttempts = 4
)

// WithDefaults returns o with zero fields replaced by the defaults.
func (o Options) WithDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	return o
}

// Opener opens a KEK for a URI of its scheme.
type Opener func(ctx context.Context, uri string, opts Options) (KEK, error)

var (
	mu      sync.RWMutex
	openers = map[string]Opener{}
)

// Register makes a URI scheme (the part before "://" or ":") available to
// Open. Providers call it from init; registering a scheme twice panics.
func Register(scheme string, open Opener) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := openers[scheme]; dup {
		panic("keyprovider: scheme registered twice: " + scheme)
	}
	openers[scheme] = open
}

// Schemes lists the registered URI schemes, sorted.
func Schemes() []string {
	mu.RLock()
	defer mu.RUnlock()
	s := make([]string, 0, len(openers))
	for k := range openers {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}

// Scheme returns the scheme of a key URI: "aws-kms" for
// "aws-kms://arn:…", "local" for "local:PATH".
func Scheme(uri string) string {
	if i := strings.Index(uri, "://"); i > 0 {
		return uri[:i]
	}
	if i := strings.IndexByte(uri, ':'); i > 0 {
		return uri[:i]
	}
	return ""
}

// Open opens the KEK a URI names, with the provider registered for its
// scheme. At most one Options value may be given.
func Open(ctx context.Context, uri string, opts ...Options) (KEK, error) {
	var o Options
	if len(opts) > 1 {
		return nil, fmt.Errorf("keyprovider: Open takes at most one Options, got %d", len(opts))
	}
	if len(opts) == 1 {
		o = opts[0]
	}
	scheme := Scheme(uri)
	mu.RLock()
	open, ok := openers[scheme]
	mu.RUnlock()
	if !ok {
		return nil, &Error{Provider: scheme, KeyID: uri, Op: "open", Kind: ErrBadURI,
			Err: fmt.Errorf("no provider for scheme %q (registered: %s; import the provider package)", scheme, strings.Join(Schemes(), ", "))}
	}
	return open(ctx, uri, o.WithDefaults())
}

// Rewrapper is implemented by KEKs whose service can move a wrapped secret
// to the newest version of the key without revealing it to the caller
// (Vault Transit rewrap, AWS KMS ReEncrypt).
type Rewrapper interface {
	Rewrap(ctx context.Context, wrapped, associatedData []byte) ([]byte, error)
}
