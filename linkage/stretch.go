package linkage

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Stretching algorithms.
const (
	StretchPBKDF2   = "pbkdf2-sha256"
	StretchArgon2id = "argon2id"
)

// Stretch makes every guess of a brute-force search cost a sized amount of
// work. It is applied by the site, after its key (TwoKeySite), so that it
// only matters to someone who holds the site key: without it no guess can
// be checked at all.
type Stretch struct {
	// Algorithm is StretchArgon2id or StretchPBKDF2.
	Algorithm string `yaml:"algorithm" json:"algorithm"`
	// Iterations is PBKDF2's iteration count, or Argon2id's time (passes).
	Iterations uint32 `yaml:"iterations" json:"iterations"`
	// MemoryKiB is Argon2id's memory in KiB (unused by PBKDF2).
	MemoryKiB uint32 `yaml:"memory_kib" json:"memory_kib"`
	// Threads is Argon2id's parallelism (unused by PBKDF2).
	Threads uint8 `yaml:"threads" json:"threads"`
}

// DefaultStretch is Argon2id with 2 passes over 19 MiB and one thread
// (OWASP's minimum for passwords). docs/LINKAGE.md gives its cost per
// guess on the reference machine.
var DefaultStretch = Stretch{Algorithm: StretchArgon2id, Iterations: 2, MemoryKiB: 19 * 1024, Threads: 1}

// String is the canonical spelling of the parameters, e.g.
// "argon2id:t=2,m=19456,p=1" or "pbkdf2-sha256:i=600000".
func (s Stretch) String() string {
	if s.Algorithm == StretchPBKDF2 {
		return fmt.Sprintf("%s:i=%d", s.Algorithm, s.Iterations)
	}
	return fmt.Sprintf("%s:t=%d,m=%d,p=%d", s.Algorithm, s.Iterations, s.MemoryKiB, s.Threads)
}

// ParseStretch reads the String form back: "pbkdf2-sha256:i=N" or
// "argon2id:t=N,m=KIB,p=N".
func ParseStretch(spec string) (Stretch, error) {
	alg, params, _ := strings.Cut(spec, ":")
	var s Stretch
	var err error
	switch alg {
	case StretchPBKDF2:
		s.Algorithm = alg
		_, err = fmt.Sscanf(params, "i=%d", &s.Iterations)
	case StretchArgon2id:
		s.Algorithm = alg
		_, err = fmt.Sscanf(params, "t=%d,m=%d,p=%d", &s.Iterations, &s.MemoryKiB, &s.Threads)
	default:
		err = errors.New("unknown algorithm")
	}
	if err != nil || s.String() != spec {
		return Stretch{}, errorf("stretch %q: want %s:i=N or %s:t=N,m=KIB,p=N: %w", spec, StretchPBKDF2, StretchArgon2id, ErrBadConfig)
	}
	return s, s.Validate()
}

// Validate checks the parameters.
func (s Stretch) Validate() error {
	switch s.Algorithm {
	case StretchPBKDF2:
		if s.Iterations < 1 || s.MemoryKiB != 0 || s.Threads != 0 {
			return errorf("stretch %s: iterations >= 1, no memory or threads: %w", s.Algorithm, ErrBadConfig)
		}
	case StretchArgon2id:
		if s.Iterations < 1 || s.Threads < 1 || s.MemoryKiB < 8*uint32(s.Threads) {
			return errorf("stretch %s: iterations >= 1, threads >= 1, memory_kib >= 8 x threads: %w", s.Algorithm, ErrBadConfig)
		}
	default:
		return errorf("stretch algorithm %q: want %s or %s: %w", s.Algorithm, StretchArgon2id, StretchPBKDF2, ErrBadConfig)
	}
	return nil
}

// derive returns 32 bytes stretched from secret under salt.
func (s Stretch) derive(secret, salt []byte) ([]byte, error) {
	if s.Algorithm == StretchPBKDF2 {
		k, err := pbkdf2.Key(sha256.New, string(secret), salt, int(s.Iterations), 32)
		if err != nil {
			return nil, errorf("stretch: %w", err)
		}
		return k, nil
	}
	return argon2.IDKey(secret, salt, s.Iterations, s.MemoryKiB, s.Threads, 32), nil
}
