package cipher

import (
	"errors"
	"fmt"
	"strings"
)

// Permission is what a principal may do with the keys of one scope. It is
// a bit set; see Grant.
type Permission uint8

const (
	// PermDecrypt (value-decrypt) lets the keyring unwrap the scope's value
	// keyset (AES-256-GCM) and its write-only private keyset (HPKE), so
	// that it can open values of both formats.
	PermDecrypt Permission = 1 << iota
	// PermEncrypt (value-encrypt) lets the keyring seal values. Without
	// PermDecrypt it unwraps only the scope's public sealing keyset and
	// seals write-only (format version 2): it cannot open what it wrote.
	PermEncrypt
	// PermIndex (index) lets the keyring unwrap the scope's index (PRF)
	// keyset: compute search tokens to write and to search.
	PermIndex

	// PermAll is every permission: what a keyring without a Grant holds.
	PermAll = PermDecrypt | PermEncrypt | PermIndex
)

func (p Permission) String() string {
	var s []string
	for _, x := range []struct {
		p    Permission
		name string
	}{{PermDecrypt, "value-decrypt"}, {PermEncrypt, "value-encrypt"}, {PermIndex, "index"}} {
		if p&x.p != 0 {
			s = append(s, x.name)
		}
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, "+")
}

// ErrNotPermitted: the keyring's Grant does not hold the permission the
// operation needs for the scope (value-decrypt to open, value-encrypt to
// seal, index for tokens, a keyring without a Grant to create, rotate,
// retire, destroy or rewrap keysets). The key material was not unwrapped.
var ErrNotPermitted = errors.New("not permitted by the keyring's grant")

// Grant is what a principal holds: permissions per key scope. A keyring
// opened with a Grant (Config.Grant) unwraps only the keysets the grant
// covers, so a column the principal may not read never has its value
// keyset in the process: the refusal is the absence of the key, not a
// check a caller could skip. With a KEK whose key service enforces
// policies per key (Vault transit, a cloud KMS), the same split is made
// again by the service: see docs/SECURITY.md "Principals".
type Grant struct {
	// Principal names who holds the grant (for errors and audit records).
	Principal string
	// Role is the principal's role, free text (for audit records).
	Role string
	// Default applies to every scope not listed in Scopes.
	Default Permission
	// Scopes lists permissions per key scope (cipher.DefaultScope of the
	// column, or the scope the schema names). A compound index has a scope
	// of its own, DefaultScope(table, index name), where only PermIndex
	// matters.
	Scopes map[string]Permission
}

// Allows reports whether g holds all of want for scope. A nil Grant holds
// everything.
func (g *Grant) Allows(scope string, want Permission) bool {
	if g == nil {
		return true
	}
	have, ok := g.Scopes[scope]
	if !ok {
		have = g.Default
	}
	return have&want == want
}

// clone copies g, so that the caller's later changes do not reach the
// keyring.
func (g *Grant) clone() *Grant {
	if g == nil {
		return nil
	}
	c := *g
	c.Scopes = make(map[string]Permission, len(g.Scopes))
	for k, v := range g.Scopes {
		c.Scopes[k] = v
	}
	return &c
}

// needs is the permission that unwrapping a keyset of purpose p requires.
func needs(p Purpose) Permission {
	switch p {
	case PurposeIndex:
		return PermIndex
	case PurposeSealPublic:
		return PermEncrypt
	}
	// A value keyset is symmetric: holding it is being able to decrypt.
	return PermDecrypt
}

// Grant returns a copy of the keyring's grant, nil when it holds every
// permission.
func (r *Keyring) Grant() *Grant {
	if r == nil {
		return nil
	}
	return r.grant.clone()
}

// Allows reports whether the keyring's grant holds want for scope.
func (r *Keyring) Allows(scope string, want Permission) bool {
	return r != nil && r.grant.Allows(scope, want)
}

// permit refuses to unwrap a keyset of scope and purpose p the grant does
// not cover.
func (r *Keyring) permit(scope string, p Purpose) error {
	if r.grant.Allows(scope, needs(p)) {
		return nil
	}
	return r.notPermitted(scope, needs(p))
}

func (r *Keyring) notPermitted(scope string, want Permission) error {
	who := "the principal"
	if r.grant != nil && r.grant.Principal != "" {
		who = fmt.Sprintf("principal %q", r.grant.Principal)
	}
	return fmt.Errorf("%w: %s lacks %s on scope %q", ErrNotPermitted, who, want, scope)
}

// manage refuses key management to a keyring opened with a Grant.
func (r *Keyring) manage(scope string) error {
	if r.grant == nil {
		return nil
	}
	return fmt.Errorf("%w: key management of scope %q needs a keyring without a grant", ErrNotPermitted, scope)
}

// Allows reports whether the column's keyring holds want for the column's
// scope: PermDecrypt to Open, PermEncrypt to Seal.
func (c *Column) Allows(want Permission) bool {
	return c != nil && c.ring.Allows(c.scope, want)
}
