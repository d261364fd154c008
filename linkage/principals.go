package linkage

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"regexp"
	"strings"
)

// Principals maps bearer tokens to the principals (sites) that present
// them. The token file holds only SHA-256 hashes of the tokens, one
// principal a line:
//
//	# comment
//	site-a sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//
// NewBearerToken makes a token and its line.
type Principals struct {
	byHash map[[32]byte]string
}

var principalRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// ParsePrincipals reads the token file format. A malformed line, a
// repeated principal or a repeated hash is an error naming the line.
func ParsePrincipals(data []byte) (*Principals, error) {
	p := &Principals{byHash: map[[32]byte]string{}}
	names := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 || !principalRE.MatchString(f[0]) || !strings.HasPrefix(f[1], "sha256:") {
			return nil, errorf("token file line %d: want PRINCIPAL sha256:HEX: %w", n, ErrBadConfig)
		}
		h, err := hex.DecodeString(f[1][len("sha256:"):])
		if err != nil || len(h) != 32 {
			return nil, errorf("token file line %d: the hash is not 64 hex digits: %w", n, ErrBadConfig)
		}
		var k [32]byte
		copy(k[:], h)
		if names[f[0]] {
			return nil, errorf("token file line %d: principal %q listed twice: %w", n, f[0], ErrBadConfig)
		}
		if _, dup := p.byHash[k]; dup {
			return nil, errorf("token file line %d: the token of another principal: %w", n, ErrBadConfig)
		}
		names[f[0]] = true
		p.byHash[k] = f[0]
	}
	if err := sc.Err(); err != nil {
		return nil, errorf("token file: %w", err)
	}
	if len(p.byHash) == 0 {
		return nil, errorf("token file lists no principal: %w", ErrBadConfig)
	}
	return p, nil
}

// LoadPrincipals reads a token file.
func LoadPrincipals(path string) (*Principals, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, errorf("token file: %w", err)
	}
	return ParsePrincipals(data)
}

// lookup returns the principal of a bearer token.
func (p *Principals) lookup(token string) (string, bool) {
	if p == nil || token == "" {
		return "", false
	}
	name, ok := p.byHash[sha256.Sum256([]byte(token))]
	return name, ok
}

// NewBearerToken returns a random bearer token for principal and the line
// of the token file that admits it.
func NewBearerToken(principal string) (token, line string, err error) {
	if !principalRE.MatchString(principal) {
		return "", "", errorf("principal %q: letters, digits, . _ @ - only, 64 at most: %w", principal, ErrBadConfig)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", errorf("bearer token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	h := sha256.Sum256([]byte(token))
	return token, principal + " sha256:" + hex.EncodeToString(h[:]), nil
}
