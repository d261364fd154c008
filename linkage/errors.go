package linkage

import (
	"errors"
	"fmt"
)

// Errors; match them with errors.Is. Every error this package returns
// wraps one of them behind a "phicrypt: linkage: " prefix. None carries a
// value.
var (
	// ErrBadConfig: a match key, transform, stretch or server setting is invalid.
	ErrBadConfig = errors.New("invalid configuration")
	// ErrBadKey: a key is missing, of the wrong size, or unreadable.
	ErrBadKey = errors.New("invalid key")
	// ErrProtocol: a request or an evaluation is malformed.
	ErrProtocol = errors.New("malformed request or evaluation")
	// ErrUnauthorized: the evaluator refused the bearer token (HTTP 401).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrRateLimited: the evaluator's rate limit was hit (HTTP 429).
	ErrRateLimited = errors.New("rate limited")
)

// errorf prefixes the message with "phicrypt: linkage: ".
func errorf(format string, args ...any) error {
	return fmt.Errorf("phicrypt: linkage: "+format, args...)
}
