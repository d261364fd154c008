// Package vault_test runs the hcvault key provider against a real, in-process
// Vault server with the Transit engine mounted.
package vault_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	"github.com/hashicorp/vault/api"
	"github.com/hashicorp/vault/builtin/logical/transit"
	vaulthttp "github.com/hashicorp/vault/http"
	"github.com/hashicorp/vault/sdk/logical"
	"github.com/hashicorp/vault/vault"

	"github.com/phicrypt/phicrypt/keyprovider"
	hcvault "github.com/phicrypt/phicrypt/keyprovider/vault"
)

// Values that must never show up in an error.
var (
	secret = []byte("PHI keyset: 0123456789abcdef patient=Jane Roe")
	ad     = []byte("phicrypt keyset v1 tenant=clinic-7")
)

// server is one Vault core, unsealed, with Transit mounted at "transit"
// and the key "phi" created.
type server struct {
	core  *vault.Core
	ln    net.Listener
	host  string // 127.0.0.1:PORT
	root  string
	admin *api.Client // root token
}

func startVault(t *testing.T) *server {
	t.Helper()
	// The developer's own Vault settings must not redirect the provider.
	for _, v := range []string{"VAULT_ADDR", "VAULT_AGENT_ADDR", "VAULT_NAMESPACE", "VAULT_MAX_RETRIES", "VAULT_CLIENT_TIMEOUT"} {
		t.Setenv(v, "")
	}
	// Vault's core logs at TRACE by default, which drowns the test output.
	logger := hclog.New(&hclog.LoggerOptions{Name: "vault", Level: hclog.Error, Output: os.Stderr})
	core, _, root := vault.TestCoreUnsealedWithConfig(t, &vault.CoreConfig{
		Logger:          logger,
		LogicalBackends: map[string]logical.Factory{"transit": transit.Factory},
	})
	ln, addr := vaulthttp.TestServer(t, core)
	t.Cleanup(func() { ln.Close() })

	conf := api.DefaultConfig()
	conf.Address = addr
	admin, err := api.NewClient(conf)
	if err != nil {
		t.Fatal(err)
	}
	admin.SetToken(root)
	s := &server{core: core, ln: ln, host: strings.TrimPrefix(addr, "http://"), root: root, admin: admin}
	s.mountTransit(t, "transit")
	s.createKey(t, "transit", "phi")
	return s
}

func (s *server) mountTransit(t *testing.T, path string) {
	t.Helper()
	if err := s.admin.Sys().Mount(path, &api.MountInput{Type: "transit"}); err != nil {
		t.Fatalf("mount transit at %s: %v", path, err)
	}
}

func (s *server) createKey(t *testing.T, mount, name string) {
	t.Helper()
	if _, err := s.admin.Logical().Write(mount+"/keys/"+name, map[string]any{"type": "aes256-gcm96"}); err != nil {
		t.Fatalf("create key %s/%s: %v", mount, name, err)
	}
}

func (s *server) uri(mount, name string) string {
	return "hcvault://" + s.host + "/" + mount + "/keys/" + name + "?tls=false"
}

// token creates a token with one policy for the key, holding the given
// Transit capabilities.
func (s *server) token(t *testing.T, name string, endpoints ...string) string {
	t.Helper()
	var p strings.Builder
	for _, e := range endpoints {
		fmt.Fprintf(&p, "path %q { capabilities = [\"update\"] }\n", "transit/"+e+"/phi")
	}
	if err := s.admin.Sys().PutPolicy(name, p.String()); err != nil {
		t.Fatal(err)
	}
	sec, err := s.admin.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{name}, NoDefaultPolicy: true})
	if err != nil {
		t.Fatal(err)
	}
	return sec.Auth.ClientToken
}

// open opens a key URI with the token in VAULT_TOKEN, as a deployment would.
func open(t *testing.T, uri, token string, opts ...keyprovider.Options) keyprovider.KEK {
	t.Helper()
	t.Setenv("VAULT_TOKEN", token)
	kek, err := keyprovider.Open(context.Background(), uri, opts...)
	if err != nil {
		t.Fatalf("Open(%s): %v", uri, err)
	}
	return kek
}

// wantErr checks that err is a *keyprovider.Error of the given kind whose
// text names the provider and key and leaks neither the secret nor a token.
func wantErr(t *testing.T, err error, kind error, keyPath string, tokens ...string) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("got error %v, want %v", err, kind)
	}
	var pe *keyprovider.Error
	if !errors.As(err, &pe) || pe.Provider != "hcvault" {
		t.Errorf("error %#v is not a hcvault *keyprovider.Error", err)
	}
	msg := err.Error()
	t.Logf("%v", msg)
	if !strings.Contains(msg, "hcvault") || !strings.Contains(msg, keyPath) {
		t.Errorf("error %q does not name hcvault and %s", msg, keyPath)
	}
	if bytes.Contains([]byte(msg), secret) || strings.Contains(msg, base64.StdEncoding.EncodeToString(secret)) {
		t.Errorf("error %q contains the plaintext", msg)
	}
	for _, tok := range tokens {
		if tok != "" && strings.Contains(msg, tok) {
			t.Errorf("error %q contains a token", msg)
		}
	}
}

func TestWrapUnwrapRoundTrip(t *testing.T) {
	s := startVault(t)
	kek := open(t, s.uri("transit", "phi"), s.root)
	ctx := context.Background()

	for _, tc := range []struct {
		name   string
		pt, ad []byte
	}{
		{"keyset", secret, ad},
		{"empty plaintext", []byte{}, ad},
		{"no associated data", secret, nil},
		{"binary", bytes.Repeat([]byte{0, 0xff, 0x80}, 3000), []byte{0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := kek.Wrap(ctx, tc.pt, tc.ad)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(w, []byte("vault:v1:")) {
				t.Errorf("wrapped value %q is not a v1 Transit ciphertext", w)
			}
			if len(tc.pt) > 8 && bytes.Contains(w, tc.pt) {
				t.Error("wrapped value contains the plaintext")
			}
			got, err := kek.Unwrap(ctx, w, tc.ad)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.pt) {
				t.Errorf("Unwrap = %x, want %x", got, tc.pt)
			}
		})
	}

	w1, _ := kek.Wrap(ctx, secret, ad)
	w2, _ := kek.Wrap(ctx, secret, ad)
	if bytes.Equal(w1, w2) {
		t.Error("two wraps of the same secret are equal")
	}

	// Transit sees only the envelope, never the secret as such.
	sec, err := s.admin.Logical().Write("transit/decrypt/phi", map[string]any{"ciphertext": string(w1)})
	if err != nil {
		t.Fatal(err)
	}
	env, _ := base64.StdEncoding.DecodeString(sec.Data["plaintext"].(string))
	if len(env) != 1+32+len(secret) || env[0] != 1 || !bytes.Equal(env[33:], secret) {
		t.Errorf("Transit plaintext is not 0x01 || SHA-256(ad) || secret: %x", env)
	}
}

func TestNestedMount(t *testing.T) {
	s := startVault(t)
	s.mountTransit(t, "team/pki-transit")
	s.createKey(t, "team/pki-transit", "k")
	kek := open(t, s.uri("team/pki-transit", "k"), s.root)
	ctx := context.Background()
	w, err := kek.Wrap(ctx, secret, ad)
	if err != nil {
		t.Fatal(err)
	}
	got, err := kek.Unwrap(ctx, w, ad)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Unwrap = %q, %v", got, err)
	}
	// The same name under the default mount is another key.
	other := open(t, s.uri("transit", "phi"), s.root)
	_, err = other.Unwrap(ctx, w, ad)
	wantErr(t, err, keyprovider.ErrWrongKey, "transit/keys/phi", s.root)
}

func TestWrongAssociatedData(t *testing.T) {
	s := startVault(t)
	kek := open(t, s.uri("transit", "phi"), s.root)
	ctx := context.Background()
	w, err := kek.Wrap(ctx, secret, ad)
	if err != nil {
		t.Fatal(err)
	}
	for _, other := range [][]byte{nil, []byte("phicrypt keyset v1 tenant=clinic-8"), append(bytes.Clone(ad), 0)} {
		_, err := kek.Unwrap(ctx, w, other)
		wantErr(t, err, keyprovider.ErrWrongKey, "transit/keys/phi", s.root)
	}
}

func TestAnotherKeyOrDamage(t *testing.T) {
	s := startVault(t)
	s.createKey(t, "transit", "other")
	kek := open(t, s.uri("transit", "phi"), s.root)
	other := open(t, s.uri("transit", "other"), s.root)
	ctx := context.Background()
	w, err := kek.Wrap(ctx, secret, ad)
	if err != nil {
		t.Fatal(err)
	}
	_, err = other.Unwrap(ctx, w, ad)
	wantErr(t, err, keyprovider.ErrWrongKey, "transit/keys/other", s.root)

	// Flip one bit of the GCM ciphertext, cut it short, or break the
	// base64 or the prefix.
	raw, err := base64.StdEncoding.DecodeString(string(w[len("vault:v1:"):]))
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 1
	flipped := "vault:v1:" + base64.StdEncoding.EncodeToString(raw)
	for _, bad := range []string{flipped, string(w[:len(w)-8]), string(w[:12]), "vault:v1:%%%", "vault:v9:" + string(w[9:]), "vault:w1:" + string(w[9:]), ""} {
		_, err := kek.Unwrap(ctx, []byte(bad), ad)
		wantErr(t, err, keyprovider.ErrWrongKey, "transit/keys/phi", s.root)
	}

	// A Transit ciphertext of this key that Wrap did not make.
	sec, err := s.admin.Logical().Write("transit/encrypt/phi", map[string]any{"plaintext": base64.StdEncoding.EncodeToString(secret)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = kek.Unwrap(ctx, []byte(sec.Data["ciphertext"].(string)), ad)
	wantErr(t, err, keyprovider.ErrWrongKey, "transit/keys/phi", s.root)
}

func TestUnknownKey(t *testing.T) {
	s := startVault(t)
	ctx := context.Background()
	// The root token may create keys; Wrap must still not create one.
	kek := open(t, s.uri("transit", "nope"), s.root)
	_, err := kek.Wrap(ctx, secret, ad)
	wantErr(t, err, keyprovider.ErrKeyNotFound, "transit/keys/nope", s.root)
	if sec, err := s.admin.Logical().Read("transit/keys/nope"); err != nil || sec != nil {
		t.Fatalf("Wrap created the key: %v, %v", sec, err)
	}

	good := open(t, s.uri("transit", "phi"), s.root)
	w, err := good.Wrap(ctx, secret, ad)
	if err != nil {
		t.Fatal(err)
	}
	_, err = kek.Unwrap(ctx, w, ad)
	wantErr(t, err, keyprovider.ErrKeyNotFound, "transit/keys/nope", s.root)
	_, err = kek.(keyprovider.Rewrapper).Rewrap(ctx, w, ad)
	wantErr(t, err, keyprovider.ErrKeyNotFound, "transit/keys/nope", s.root)

	// An unknown mount.
	nomount := open(t, s.uri("no-such-mount", "phi"), s.root)
	_, err = nomount.Wrap(ctx, secret, ad)
	wantErr(t, err, keyprovider.ErrKeyNotFound, "no-such-mount/keys/phi", s.root)
	_, err = nomount.Unwrap(ctx, w, ad)
	wantErr(t, err, keyprovider.ErrKeyNotFound, "no-such-mount/keys/phi", s.root)
}

func TestRevokedToken(t *testing.T) {
	s := startVault(t)
	ctx := context.Background()
	tok := s.token(t, "transit-phi", "encrypt", "decrypt", "rewrap")
	kek := open(t, s.uri("transit", "phi"), tok)
	w, err := kek.Wrap(ctx, secret, ad)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kek.Unwrap(ctx, w, ad); err != nil {
		t.Fatal(err)
	}

	if err := s.admin.Auth().Token().RevokeTree(tok); err != nil {
		t.Fatal(err)
	}
	_, err = kek.Unwrap(ctx, w, ad)
	wantErr(t, err, keyprovider.ErrAccessDenied, "transit/keys/phi", tok, s.root)
	_, err = kek.Wrap(ctx, secret, ad)
	wantErr(t, err, keyprovider.ErrAccessDenied, "transit/keys/phi", tok, s.root)
	_, err = kek.(keyprovider.Rewrapper).Rewrap(ctx, w, ad)
	wantErr(t, err, keyprovider.ErrAccessDenied, "transit/keys/phi", tok, s.root)

	// A token Vault never issued, and none at all.
	bogus := open(t, s.uri("transit", "phi"), "hvs.not-a-real-token")
	_, err = bogus.Unwrap(ctx, w, ad)
	wantErr(t, err, keyprovider.ErrAccessDenied, "transit/keys/phi", "hvs.not-a-real-token")
	none := open(t, s.uri("transit", "phi"), "")
	_, err = none.Wrap(ctx, secret, ad)
	wantErr(t, err, keyprovider.ErrAccessDenied, "transit/keys/phi")
}

func TestPolicyWithoutDecrypt(t *testing.T) {
	s := startVault(t)
	ctx := context.Background()
	tok := s.token(t, "transit-phi-encrypt", "encrypt")
	kek := open(t, s.uri("transit", "phi"), tok)
	w, err := kek.Wrap(ctx, secret, ad)
	if err != nil {
		t.Fatalf("encrypt-only token cannot wrap: %v", err)
	}
	_, err = kek.Unwrap(ctx, w, ad)
	wantErr(t, err, keyprovider.ErrAccessDenied, "transit/keys/phi", tok, s.root)
	_, err = kek.(keyprovider.Rewrapper).Rewrap(ctx, w, ad)
	wantErr(t, err, keyprovider.ErrAccessDenied, "transit/keys/phi", tok, s.root)

	// Without the create capability Vault refuses an unknown key before
	// Transit sees the request, so this is access denied, not not found.
	unknown := open(t, s.uri("transit", "nope"), tok)
	_, err = unknown.Wrap(ctx, secret, ad)
	wantErr(t, err, keyprovider.ErrAccessDenied, "transit/keys/nope", tok, s.root)

	// Config.Token takes precedence over VAULT_TOKEN.
	t.Setenv("VAULT_TOKEN", tok)
	viaConfig, err := hcvault.New(ctx, s.uri("transit", "phi"), hcvault.Config{Token: s.root})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := viaConfig.Unwrap(ctx, w, ad); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Unwrap with Config.Token = %q, %v", got, err)
	}
}

func TestRotationAndRewrap(t *testing.T) {
	s := startVault(t)
	ctx := context.Background()
	kek := open(t, s.uri("transit", "phi"), s.root)
	rw, ok := kek.(keyprovider.Rewrapper)
	if !ok {
		t.Fatal("the hcvault KEK does not implement keyprovider.Rewrapper")
	}
	v1, err := kek.Wrap(ctx, secret, ad)
	if err != nil {
		t.Fatal(err)
	}

	if _, err := s.admin.Logical().Write("transit/keys/phi/rotate", nil); err != nil {
		t.Fatal(err)
	}
	if got, err := kek.Unwrap(ctx, v1, ad); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("v1 after rotation: %q, %v", got, err)
	}
	v2, err := rw.Rewrap(ctx, v1, ad)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(v2, []byte("vault:v2:")) {
		t.Fatalf("Rewrap gave %q, want a vault:v2: value", v2)
	}
	if got, err := kek.Unwrap(ctx, v2, ad); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("rewrapped value: %q, %v", got, err)
	}
	// Rewrap keeps the binding to the associated data.
	_, err = kek.Unwrap(ctx, v2, []byte("other"))
	wantErr(t, err, keyprovider.ErrWrongKey, "transit/keys/phi", s.root)
	// New wraps use the new version.
	if w, err := kek.Wrap(ctx, secret, ad); err != nil || !bytes.HasPrefix(w, []byte("vault:v2:")) {
		t.Fatalf("Wrap after rotation = %q, %v", w, err)
	}
	// Rewrapping the newest version is harmless.
	if again, err := rw.Rewrap(ctx, v2, ad); err != nil || !bytes.HasPrefix(again, []byte("vault:v2:")) {
		t.Fatalf("Rewrap of v2 = %q, %v", again, err)
	}

	if _, err := s.admin.Logical().Write("transit/keys/phi/config", map[string]any{"min_decryption_version": 2}); err != nil {
		t.Fatal(err)
	}
	_, err = kek.Unwrap(ctx, v1, ad)
	wantErr(t, err, keyprovider.ErrWrongKey, "transit/keys/phi", s.root)
	if !strings.Contains(err.Error(), "disallowed by policy") {
		t.Errorf("error for a retired version does not say why: %v", err)
	}
	_, err = rw.Rewrap(ctx, v1, ad)
	wantErr(t, err, keyprovider.ErrWrongKey, "transit/keys/phi", s.root)
	if got, err := kek.Unwrap(ctx, v2, ad); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("v2 after min_decryption_version=2: %q, %v", got, err)
	}
}

func TestSealedAndStoppedServer(t *testing.T) {
	s := startVault(t)
	ctx := context.Background()
	opts := keyprovider.Options{MaxAttempts: 2, Timeout: 5 * time.Second}
	kek := open(t, s.uri("transit", "phi"), s.root, opts)
	w, err := kek.Wrap(ctx, secret, ad)
	if err != nil {
		t.Fatal(err)
	}

	if err := s.core.Seal(s.root); err != nil {
		t.Fatal(err)
	}
	_, err = kek.Unwrap(ctx, w, ad)
	wantErr(t, err, keyprovider.ErrUnavailable, "transit/keys/phi", s.root)
	if !strings.Contains(err.Error(), "503") {
		t.Errorf("sealed Vault: %v, want the 503 in the cause", err)
	}

	s.ln.Close()
	// A fresh client, so that no pooled connection to the old listener
	// is reused.
	stopped := open(t, s.uri("transit", "phi"), s.root, opts)
	start := time.Now()
	_, err = stopped.Wrap(ctx, secret, ad)
	wantErr(t, err, keyprovider.ErrUnavailable, "transit/keys/phi", s.root)
	if !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("stopped Vault: %v, want connection refused", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("two attempts against a stopped server took %v", d)
	}
}

func TestConcurrentUse(t *testing.T) {
	s := startVault(t)
	kek := open(t, s.uri("transit", "phi"), s.root)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				pt := fmt.Appendf(nil, "secret %d/%d", g, i)
				a := fmt.Appendf(nil, "ad %d/%d", g, i)
				w, err := kek.Wrap(ctx, pt, a)
				if err != nil {
					errs <- err
					return
				}
				got, err := kek.Unwrap(ctx, w, a)
				if err != nil || !bytes.Equal(got, pt) {
					errs <- fmt.Errorf("round trip %d/%d: %q, %v", g, i, got, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
