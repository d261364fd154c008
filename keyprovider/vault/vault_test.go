package vault_test

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/keyprovider/vault"
)

const testToken = "hvs.unit-test-token-must-not-leak"

// isolate keeps the developer's own Vault environment out of a test.
func isolate(t *testing.T) {
	t.Helper()
	for _, v := range []string{"VAULT_ADDR", "VAULT_AGENT_ADDR", "VAULT_NAMESPACE", "VAULT_CACERT", "VAULT_CAPATH",
		"VAULT_CLIENT_CERT", "VAULT_CLIENT_KEY", "VAULT_SKIP_VERIFY", "VAULT_MAX_RETRIES", "VAULT_CLIENT_TIMEOUT", "VAULT_SRV_LOOKUP"} {
		t.Setenv(v, "")
	}
	t.Setenv("VAULT_TOKEN", testToken)
}

func TestURIParsing(t *testing.T) {
	isolate(t)
	good := []struct{ in, canonical string }{
		{"hcvault://vault.example:8200/transit/keys/phi", "hcvault://vault.example:8200/transit/keys/phi"},
		{"hcvault://h:8200/pki-transit/keys/k", "hcvault://h:8200/pki-transit/keys/k"},
		{"hcvault://h:8200/team/a/transit/keys/k-1.v2", "hcvault://h:8200/team/a/transit/keys/k-1.v2"},
		{"hcvault://h/keys/keys/k", "hcvault://h/keys/keys/k"},
		{"hcvault://127.0.0.1:8200/transit/keys/k?tls=false", "hcvault://127.0.0.1:8200/transit/keys/k?tls=false"},
		{"hcvault://h:8200/transit/keys/k?tls=true", "hcvault://h:8200/transit/keys/k"},
		{"hcvault://h:8200/transit/keys/k?namespace=clinic/eu&tls=0", "hcvault://h:8200/transit/keys/k?tls=false&namespace=clinic%2Feu"},
		{"hcvault://[::1]:8200/transit/keys/k?tls=false", "hcvault://[::1]:8200/transit/keys/k?tls=false"},
	}
	for _, tc := range good {
		kek, err := keyprovider.Open(context.Background(), tc.in)
		if err != nil {
			t.Errorf("Open(%q): %v", tc.in, err)
			continue
		}
		if got := kek.URI(); got != tc.canonical {
			t.Errorf("Open(%q).URI() = %q, want %q", tc.in, got, tc.canonical)
		}
		// The canonical form must open to itself.
		again, err := keyprovider.Open(context.Background(), tc.canonical)
		if err != nil || again.URI() != tc.canonical {
			t.Errorf("canonical %q does not round-trip: %v", tc.canonical, err)
		}
	}

	bad := []string{
		"hcvault://",
		"hcvault:///transit/keys/k",
		"hcvault://h:8200",
		"hcvault://h:8200/transit/k",
		"hcvault://h:8200/keys/k",
		"hcvault://h:8200/transit/keys/",
		"hcvault://h:8200/transit/keys/a/b",
		"hcvault://h:8200//transit/keys/k",
		"hcvault://h:8200/../transit/keys/k",
		"hcvault://h:8200/tr%2Fansit/keys/k",
		"hcvault://h:8200/transit/keys/k?tls=maybe",
		"hcvault://h:8200/transit/keys/k?tsl=false",
		"hcvault://h:8200/transit/keys/k?tls=false&tls=true",
		"hcvault://h:8200/transit/keys/k?namespace=",
		"hcvault://h:8200/transit/keys/k#frag",
		"hcvault://h:99999/transit/keys/k",
		"hcvault://root:" + testToken + "@h:8200/transit/keys/k",
		"hcvault:h:8200/transit/keys/k",
		"vault://h:8200/transit/keys/k",
	}
	for _, in := range bad {
		_, err := vault.New(context.Background(), in, vault.Config{})
		if !errors.Is(err, keyprovider.ErrBadURI) {
			t.Errorf("New(%q) = %v, want ErrBadURI", in, err)
			continue
		}
		var pe *keyprovider.Error
		if !errors.As(err, &pe) || pe.Provider != "hcvault" || pe.Op != "open" {
			t.Errorf("New(%q): error %#v lacks provider or op", in, err)
		}
		if strings.Contains(err.Error(), testToken) {
			t.Errorf("New(%q): error shows the token: %v", in, err)
		}
	}
}

func TestTLSAndClientAreExclusive(t *testing.T) {
	isolate(t)
	c, err := api.NewClient(api.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	_, err = vault.New(context.Background(), "hcvault://h:8200/transit/keys/k", vault.Config{Client: c, TLS: &api.TLSConfig{Insecure: true}})
	if !errors.Is(err, keyprovider.ErrBadURI) {
		t.Fatalf("got %v, want ErrBadURI", err)
	}
}

// vaultStub answers every request with one canned Vault response and
// records what arrived.
type vaultStub struct {
	status     int
	body       string
	retryAfter string
	delay      time.Duration

	hits      atomic.Int32
	path      atomic.Value
	token     atomic.Value
	namespace atomic.Value
	reqBody   atomic.Value
}

func (s *vaultStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.hits.Add(1)
	s.path.Store(r.Method + " " + r.URL.Path)
	s.token.Store(r.Header.Get("X-Vault-Token"))
	s.namespace.Store(r.Header.Get("X-Vault-Namespace"))
	var m map[string]any
	_ = json.NewDecoder(r.Body).Decode(&m)
	s.reqBody.Store(m)
	if s.delay > 0 {
		select {
		case <-time.After(s.delay):
		case <-r.Context().Done():
			return
		}
	}
	if s.retryAfter != "" {
		w.Header().Set("Retry-After", s.retryAfter)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(s.status)
	_, _ = w.Write([]byte(s.body))
}

func startStub(t *testing.T, s *vaultStub) string {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

const secret = "PHI-keyset-material-must-not-leak"

type call func(context.Context, *vault.KEK) error

var (
	wrap = func(ctx context.Context, k *vault.KEK) error {
		_, err := k.Wrap(ctx, []byte(secret), []byte("patient-42"))
		return err
	}
	unwrap = func(ctx context.Context, k *vault.KEK) error {
		_, err := k.Unwrap(ctx, []byte("vault:v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), []byte("patient-42"))
		return err
	}
	rewrap = func(ctx context.Context, k *vault.KEK) error {
		_, err := k.Rewrap(ctx, []byte("vault:v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), []byte("patient-42"))
		return err
	}
)

func TestErrorMapping(t *testing.T) {
	isolate(t)
	permDenied := `{"errors":["1 error occurred:\n\t* permission denied\n\n"]}`
	cases := []struct {
		name     string
		op       call
		opName   string
		status   int
		body     string
		attempts int32 // requests the stub must see with MaxAttempts 3
		want     error
		wantText string // the end of the error text, if checked
	}{
		{"auth failure", unwrap, "unwrap", 400, `{"errors":["cipher: message authentication failed"]}`, 1, keyprovider.ErrWrongKey, ""},
		{"malformed ciphertext", unwrap, "unwrap", 400, `{"errors":["invalid ciphertext: could not decode base64"]}`, 1, keyprovider.ErrWrongKey, ""},
		{"newer version", unwrap, "unwrap", 400, `{"errors":["invalid ciphertext: version is too new"]}`, 1, keyprovider.ErrWrongKey, ""},
		{"below min_decryption_version", rewrap, "rewrap", 400, `{"errors":["ciphertext or signature version is disallowed by policy (too old)"]}`, 1, keyprovider.ErrWrongKey, ""},
		{"unknown key on decrypt", unwrap, "unwrap", 400, `{"errors":["encryption key not found"]}`, 1, keyprovider.ErrKeyNotFound, ""},
		{"unknown key on rewrap", rewrap, "rewrap", 400, `{"errors":["encryption key not found"]}`, 1, keyprovider.ErrKeyNotFound, ""},
		{"refused upsert", wrap, "wrap", 400, `{"errors":["unknown key type phicrypt-refuses-to-create-key"]}`, 1, keyprovider.ErrKeyNotFound, ""},
		{"key cannot encrypt", wrap, "wrap", 400, `{"errors":["message encryption not supported for key type ed25519"]}`, 1, keyprovider.ErrKeyNotFound, ""},
		{"no such mount", wrap, "wrap", 404, `{"errors":["no handler for route \"nope/encrypt/k\". route entry not found."]}`, 1, keyprovider.ErrKeyNotFound, ""},
		{"404 without body", unwrap, "unwrap", 404, ``, 1, keyprovider.ErrKeyNotFound, ": Vault answered 404"},
		{"permission denied", wrap, "wrap", 403, permDenied, 1, keyprovider.ErrAccessDenied, ": Vault answered 403: permission denied"},
		{"revoked token", unwrap, "unwrap", 403, `{"errors":["2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n"]}`, 1, keyprovider.ErrAccessDenied, ": Vault answered 403: permission denied; invalid token"},
		{"sealed", wrap, "wrap", 503, `{"errors":["Vault is sealed"]}`, 3, keyprovider.ErrUnavailable, ": Vault answered 503: Vault is sealed"},
		{"internal error", unwrap, "unwrap", 500, `{"errors":["internal error"]}`, 3, keyprovider.ErrUnavailable, ""},
		{"throttled", rewrap, "rewrap", 429, `{"errors":["request path \"transit/rewrap/k\": rate limit quota exceeded"]}`, 3, keyprovider.ErrUnavailable, ""},
		{"not implemented is not retried", wrap, "wrap", 501, `{"errors":["not implemented"]}`, 1, keyprovider.ErrUnavailable, ""},
		{"non-JSON gateway error", wrap, "wrap", 502, `<html>bad gateway</html>`, 3, keyprovider.ErrUnavailable, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := &vaultStub{status: tc.status, body: tc.body}
			host := startStub(t, stub)
			uri := "hcvault://" + host + "/pki-transit/keys/k?tls=false"
			kek, err := vault.New(context.Background(), uri, vault.Config{Options: keyprovider.Options{MaxAttempts: 3}})
			if err != nil {
				t.Fatal(err)
			}
			err = tc.op(context.Background(), kek)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			for _, other := range []error{keyprovider.ErrWrongKey, keyprovider.ErrAccessDenied, keyprovider.ErrKeyNotFound, keyprovider.ErrUnavailable, keyprovider.ErrBadURI} {
				if other != tc.want && errors.Is(err, other) {
					t.Errorf("error also matches %v", other)
				}
			}
			if got := stub.hits.Load(); got != tc.attempts {
				t.Errorf("Vault saw %d attempts, want %d", got, tc.attempts)
			}
			var pe *keyprovider.Error
			if !errors.As(err, &pe) || pe.Provider != "hcvault" || pe.Op != tc.opName || pe.KeyID != kek.URI() {
				t.Errorf("error %#v does not name provider, op %q and key", err, tc.opName)
			}
			msg := err.Error()
			if !strings.Contains(msg, "hcvault") || !strings.Contains(msg, "pki-transit/keys/k") {
				t.Errorf("error %q does not name the provider and key path", msg)
			}
			if strings.Contains(msg, secret) || strings.Contains(msg, testToken) || strings.Contains(msg, "\n") {
				t.Errorf("error %q leaks a secret or spans lines", msg)
			}
			if tc.wantText != "" && !strings.HasSuffix(msg, tc.wantText) {
				t.Errorf("error %q does not end in %q", msg, tc.wantText)
			}
			if tc.status != 404 || tc.body != "" {
				var re *vault.ResponseError
				if !errors.As(err, &re) || re.StatusCode != tc.status {
					t.Errorf("error does not carry Vault's status %d: %v", tc.status, err)
				}
				var are *api.ResponseError
				if !errors.As(err, &are) {
					t.Errorf("error does not carry *api.ResponseError")
				}
			}
		})
	}
}

func TestRequestShape(t *testing.T) {
	isolate(t)
	t.Setenv("VAULT_NAMESPACE", "from-env")
	stub := &vaultStub{status: 403, body: `{"errors":["permission denied"]}`}
	host := startStub(t, stub)

	kek, err := vault.New(context.Background(), "hcvault://"+host+"/team/transit/keys/k?tls=false&namespace=clinic", vault.Config{})
	if err != nil {
		t.Fatal(err)
	}
	_ = wrap(context.Background(), kek)
	if got := stub.path.Load(); got != "PUT /v1/team/transit/encrypt/k" {
		t.Errorf("request %v, want PUT /v1/team/transit/encrypt/k", got)
	}
	if got := stub.token.Load(); got != testToken {
		t.Errorf("token header %q, want VAULT_TOKEN", got)
	}
	if got := stub.namespace.Load(); got != "clinic" {
		t.Errorf("namespace header %q, want the URI's", got)
	}
	body := stub.reqBody.Load().(map[string]any)
	if body["type"] != "phicrypt-refuses-to-create-key" {
		t.Errorf("encrypt body lacks the upsert guard: %v", body)
	}
	if pt, _ := body["plaintext"].(string); pt == "" || strings.Contains(pt, secret) {
		t.Errorf("encrypt body plaintext %q is not base64", pt)
	}

	// Without a namespace in the URI, Config wins over the environment,
	// and Config.Token over VAULT_TOKEN.
	kek, err = vault.New(context.Background(), "hcvault://"+host+"/transit/keys/k?tls=false", vault.Config{Namespace: "cfg", Token: "other"})
	if err != nil {
		t.Fatal(err)
	}
	_ = unwrap(context.Background(), kek)
	if got := stub.path.Load(); got != "PUT /v1/transit/decrypt/k" {
		t.Errorf("request %v, want PUT /v1/transit/decrypt/k", got)
	}
	if ns, tok := stub.namespace.Load(), stub.token.Load(); ns != "cfg" || tok != "other" {
		t.Errorf("namespace %q token %q, want cfg and other", ns, tok)
	}

	kek, err = vault.New(context.Background(), "hcvault://"+host+"/transit/keys/k?tls=false", vault.Config{})
	if err != nil {
		t.Fatal(err)
	}
	_ = rewrap(context.Background(), kek)
	if got := stub.path.Load(); got != "PUT /v1/transit/rewrap/k" {
		t.Errorf("request %v, want PUT /v1/transit/rewrap/k", got)
	}
	if got := stub.namespace.Load(); got != "from-env" {
		t.Errorf("namespace header %q, want VAULT_NAMESPACE", got)
	}
}

func TestHTTPSByDefault(t *testing.T) {
	isolate(t)
	srv := httptest.NewUnstartedServer(&vaultStub{status: 403, body: `{"errors":["permission denied"]}`})
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the rejected handshake is expected
	srv.StartTLS()
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "https://")

	// The test server's certificate is not trusted, so reaching it proves
	// that HTTPS was used; the failure is not retried.
	kek, err := vault.New(context.Background(), "hcvault://"+host+"/transit/keys/k", vault.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := wrap(context.Background(), kek); !errors.Is(err, keyprovider.ErrUnavailable) || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted HTTPS server: got %v, want ErrUnavailable about the certificate", err)
	}

	// Trusting it through Config.TLS reaches Vault's answer.
	ca := t.TempDir() + "/ca.pem"
	writePEM(t, ca, srv.Certificate().Raw)
	kek, err = vault.New(context.Background(), "hcvault://"+host+"/transit/keys/k", vault.Config{TLS: &api.TLSConfig{CACert: ca}})
	if err != nil {
		t.Fatal(err)
	}
	if err := wrap(context.Background(), kek); !errors.Is(err, keyprovider.ErrAccessDenied) {
		t.Errorf("trusted HTTPS server: got %v, want ErrAccessDenied", err)
	}
}

// countingTransport counts the HTTP attempts the client makes.
type countingTransport struct {
	next http.RoundTripper
	n    atomic.Int32
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

func TestConnectionRefused(t *testing.T) {
	isolate(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	conf := api.DefaultConfig()
	ct := &countingTransport{next: conf.HttpClient.Transport}
	conf.HttpClient.Transport = ct
	client, err := api.NewClient(conf)
	if err != nil {
		t.Fatal(err)
	}
	client.SetMaxRetries(0) // New must replace the caller's retry count.

	kek, err := vault.New(context.Background(), "hcvault://"+addr+"/transit/keys/k?tls=false", vault.Config{
		Options: keyprovider.Options{MaxAttempts: 4},
		Client:  client,
	})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = wrap(context.Background(), kek)
	if !errors.Is(err, keyprovider.ErrUnavailable) || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("got %v, want ErrUnavailable for a refused connection", err)
	}
	if got := ct.n.Load(); got != 4 {
		t.Errorf("%d attempts, want 4", got)
	}
	// Three waits of at most 200ms, 400ms and 800ms.
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("four attempts took %v", d)
	}
	if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), testToken) {
		t.Errorf("error leaks: %v", err)
	}
}

func TestTimeoutBoundsTheCall(t *testing.T) {
	isolate(t)
	stub := &vaultStub{status: 200, body: `{}`, delay: 5 * time.Second}
	host := startStub(t, stub)
	kek, err := vault.New(context.Background(), "hcvault://"+host+"/transit/keys/k?tls=false", vault.Config{
		Options: keyprovider.Options{Timeout: 300 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = unwrap(context.Background(), kek)
	if !errors.Is(err, keyprovider.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want ErrUnavailable caused by the deadline", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("call took %v with a 300ms timeout", d)
	}
}

func TestRetryAfterIsHonouredWithinBounds(t *testing.T) {
	isolate(t)
	stub := &vaultStub{status: 429, body: `{"errors":["rate limit quota exceeded"]}`, retryAfter: "60"}
	host := startStub(t, stub)
	kek, err := vault.New(context.Background(), "hcvault://"+host+"/transit/keys/k?tls=false", vault.Config{
		Options: keyprovider.Options{MaxAttempts: 2},
	})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = wrap(context.Background(), kek)
	d := time.Since(start)
	if !errors.Is(err, keyprovider.ErrUnavailable) || stub.hits.Load() != 2 {
		t.Fatalf("got %v after %d attempts, want ErrUnavailable after 2", err, stub.hits.Load())
	}
	// A server asking for a minute gets the 2s ceiling, not the minute.
	if d < 1500*time.Millisecond || d > 4*time.Second {
		t.Errorf("two attempts with Retry-After took %v, want about 2s", d)
	}
}

func TestUnwrapRejectsNonTransitValues(t *testing.T) {
	isolate(t)
	stub := &vaultStub{status: 500, body: `{"errors":["must not be reached"]}`}
	host := startStub(t, stub)
	kek, err := vault.New(context.Background(), "hcvault://"+host+"/transit/keys/k?tls=false", vault.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range [][]byte{nil, []byte("garbage"), []byte("aws:v1:x")} {
		if _, err := kek.Unwrap(context.Background(), v, nil); !errors.Is(err, keyprovider.ErrWrongKey) {
			t.Errorf("Unwrap(%q) = %v, want ErrWrongKey", v, err)
		}
		if _, err := kek.Rewrap(context.Background(), v, nil); !errors.Is(err, keyprovider.ErrWrongKey) {
			t.Errorf("Rewrap(%q) = %v, want ErrWrongKey", v, err)
		}
	}
	if n := stub.hits.Load(); n != 0 {
		t.Errorf("Vault was asked %d times about values that cannot be Transit ciphertexts", n)
	}
}

func writePEM(t *testing.T, path string, der []byte) {
	t.Helper()
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
