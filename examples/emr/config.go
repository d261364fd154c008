package main

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/goccy/go-yaml"
)

// principal is one entry of config.yaml: who holds a bearer token and in
// which role.
type principal struct {
	Name  string `yaml:"name"`
	Role  string `yaml:"role"`
	Token string `yaml:"token"`
}

// config is config.yaml.
type config struct {
	Principals []principal `yaml:"principals"`
}

const configHeader = `# Principals of the EMR example and their bearer tokens (secret: keep this
# file mode 0600). Roles: admin, importer, researcher, remote (roles.go).
# A principal whose role the server does not know is refused (403).
`

// minTokenLen is the shortest token accepted: 32 characters.
const minTokenLen = 32

// loadOrCreateConfig reads the config file at path, or creates it with one
// principal per role and random tokens when it does not exist. created
// says which.
func loadOrCreateConfig(path string) (cfg *config, created bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		cfg, err := newConfig()
		if err != nil {
			return nil, false, err
		}
		return cfg, true, writeConfig(path, cfg)
	}
	if err != nil {
		return nil, false, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, false, err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, false, fmt.Errorf("%s: mode %v lets others read the tokens: chmod 600 it", path, fi.Mode().Perm())
	}
	cfg = &config{}
	if err := yaml.UnmarshalWithOptions(data, cfg, yaml.Strict()); err != nil {
		// The decoder's message may quote the file, tokens included.
		return nil, false, fmt.Errorf("%s: not a valid config (want principals: a list of name, role, token)", path)
	}
	return cfg, false, cfg.check()
}

// newConfig returns one principal per role, each with a random token.
func newConfig() (*config, error) {
	cfg := &config{}
	for _, r := range roleNames {
		tok, err := newToken()
		if err != nil {
			return nil, err
		}
		cfg.Principals = append(cfg.Principals, principal{Name: r, Role: r, Token: tok})
	}
	return cfg, nil
}

// writeConfig creates the file with mode 0600; it never overwrites one.
func writeConfig(path string, cfg *config) error {
	data, err := yaml.Marshal(cfg)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(append([]byte(configHeader), data...))
	return errors.Join(err, f.Close())
}

// newToken returns 32 random bytes, base64url encoded, with a prefix that
// makes a leaked token easy to find.
func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "emr_" + base64.RawURLEncoding.EncodeToString(b), nil
}

// check refuses empty or repeated names, and short or repeated tokens.
func (c *config) check() error {
	if len(c.Principals) == 0 {
		return errors.New("config: no principals")
	}
	names, toks := map[string]bool{}, map[string]bool{}
	for i, p := range c.Principals {
		switch {
		case p.Name == "":
			return fmt.Errorf("config: principal %d has no name", i+1)
		case names[p.Name]:
			return fmt.Errorf("config: principal %q is listed twice", p.Name)
		case len(p.Token) < minTokenLen:
			return fmt.Errorf("config: principal %q: token shorter than %d characters", p.Name, minTokenLen)
		case toks[p.Token]:
			return fmt.Errorf("config: principal %q shares its token with another", p.Name)
		}
		names[p.Name], toks[p.Token] = true, true
	}
	return nil
}

// tokenHash is what the server keeps of a token to compare in constant time.
func tokenHash(tok string) [32]byte { return sha256.Sum256([]byte(tok)) }

// sameToken compares two token hashes in constant time.
func sameToken(a, b [32]byte) bool {
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// principalToken returns the token of the principal named name in the
// config file at path.
func principalToken(path, name string) (string, error) {
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("%s: %w (start the server once to create it)", path, err)
	}
	cfg, _, err := loadOrCreateConfig(path)
	if err != nil {
		return "", err
	}
	for _, p := range cfg.Principals {
		if p.Name == name {
			return p.Token, nil
		}
	}
	return "", fmt.Errorf("%s: no principal %q", path, name)
}
