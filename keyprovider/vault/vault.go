// Package vault provides a keyprovider.KEK held by the Transit secrets
// engine of HashiCorp Vault. Importing it registers the URI scheme
// "hcvault":
//
//	hcvault://HOST[:PORT]/MOUNT/keys/NAME[?tls=false][&namespace=NS]
//
// MOUNT is the path the Transit engine is mounted at ("transit" by
// default; it may be nested, as in "team/transit"). Vault is reached over
// HTTPS unless tls=false is given, which is meant for loopback test servers:
// over plain HTTP the token and the secrets cross the network in clear.
// The token is Config.Token or the VAULT_TOKEN environment variable; TLS
// settings come from Config.TLS or the standard VAULT_CACERT, VAULT_CAPATH,
// VAULT_CLIENT_CERT, VAULT_CLIENT_KEY and VAULT_SKIP_VERIFY variables. The
// namespace is taken from the URI, then Config.Namespace, then
// VAULT_NAMESPACE.
//
// # Associated data
//
// Transit's encrypt and decrypt endpoints accept associated_data for AEAD
// keys, but its rewrap endpoint does not (up to and including Vault 1.21,
// hashicorp/vault#29532): a value encrypted with associated_data can only be
// moved to a new key version by decrypting it in the client, which defeats
// keyprovider.Rewrapper. This package therefore binds the associated data
// inside the Transit plaintext instead:
//
//	plaintext sent to Vault = 0x01 || SHA-256(associatedData) || secret
//
// Transit's AEAD (aes256-gcm96 and the like) authenticates the whole
// plaintext, so the digest cannot be altered, and Unwrap compares it with
// the digest of the associated data it is given (in constant time) before
// returning the secret. Rewrap uses transit/rewrap, which keeps the digest,
// so the secret never leaves Vault. Wrong associated data is thus caught
// here after Vault has decrypted rather than by Vault itself; that gives
// nothing away, as associated data is not secret and a token allowed to
// decrypt could pass the right one. Nil and empty associated data are the
// same. The wrapped value is the Transit ciphertext as Vault returns it
// ("vault:v1:…"); decrypting it with Vault's own tools yields the envelope,
// whose secret starts at byte 33.
//
// # Key creation
//
// Transit creates an unknown key on encrypt when the token may ("upsert").
// Wrap refuses that, so that a mistyped key name fails with
// keyprovider.ErrKeyNotFound instead of wrapping under a new key nobody
// provisioned. A token that lacks the create capability gets
// keyprovider.ErrAccessDenied for an unknown key on Wrap, because Vault
// checks that capability before the engine sees the request.
//
// # Policy
//
// A token needs "update" on MOUNT/encrypt/NAME for Wrap, on
// MOUNT/decrypt/NAME for Unwrap and on MOUNT/rewrap/NAME for Rewrap.
package vault

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/phicrypt/phicrypt/keyprovider"
)

// Scheme is the URI scheme this package registers.
const Scheme = "hcvault"

// Bounds of the wait between two attempts; see backoff.
const (
	minRetryWait = 200 * time.Millisecond
	maxRetryWait = 2 * time.Second
)

// envelopeVersion tags the layout of the plaintext handed to Transit, so
// that a later layout can be told apart from this one.
const envelopeVersion = 0x01

const envelopeHeader = 1 + sha256.Size

// noUpsertKeyType is sent as the "type" of every encrypt. Transit reads that
// field only when it is about to create the key; an unknown type makes the
// creation fail, and an existing key ignores it.
const noUpsertKeyType = "phicrypt-refuses-to-create-key"

func init() {
	keyprovider.Register(Scheme, func(ctx context.Context, uri string, opts keyprovider.Options) (keyprovider.KEK, error) {
		return New(ctx, uri, Config{Options: opts})
	})
}

// Config tunes New. The zero value reads everything from the URI and the
// environment.
type Config struct {
	// Options bounds the time and the attempts of each call.
	keyprovider.Options
	// Token authenticates to Vault. Empty means the token of Client, then
	// VAULT_TOKEN.
	Token string
	// Namespace is used when the URI names none. Empty means the namespace
	// of Client, then VAULT_NAMESPACE.
	Namespace string
	// TLS replaces the TLS settings read from the environment. It cannot be
	// combined with Client, whose transport is already built.
	TLS *api.TLSConfig
	// Client, if set, provides the HTTP transport (TLS, proxies). New works
	// on a clone: the address comes from the URI and the retries from
	// Options, and the caller's client is left unchanged.
	Client *api.Client
}

// KEK is a Vault Transit key. It implements keyprovider.KEK and
// keyprovider.Rewrapper and is safe for concurrent use.
type KEK struct {
	client *api.Client
	uri    string
	mount  string
	name   string
	opts   keyprovider.Options
}

var (
	_ keyprovider.KEK       = (*KEK)(nil)
	_ keyprovider.Rewrapper = (*KEK)(nil)
)

// keyURI is a parsed hcvault URI.
type keyURI struct {
	host      string
	tls       bool
	namespace string
	mount     string
	name      string
}

// Transit key names follow framework.GenericNameRegex; mount segments are
// held to the same characters so that a URI cannot smuggle in path tricks.
var segmentRE = regexp.MustCompile(`^[A-Za-z0-9_@.-]+$`)

func parseURI(raw string) (keyURI, error) {
	var k keyURI
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the whole URI; the caller's error already names it.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return k, err
	}
	if u.Scheme != Scheme {
		return k, fmt.Errorf("scheme %q is not %q", u.Scheme, Scheme)
	}
	if u.Opaque != "" || u.Host == "" {
		return k, fmt.Errorf("want %s://HOST:PORT/MOUNT/keys/NAME", Scheme)
	}
	if u.User != nil {
		return k, errors.New("user information is not allowed: pass the token in VAULT_TOKEN or Config.Token")
	}
	if u.Fragment != "" || u.RawFragment != "" {
		return k, errors.New("a fragment is not allowed")
	}
	if u.Hostname() == "" {
		return k, errors.New("missing host")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return k, fmt.Errorf("invalid port %q", p)
		}
	}
	k.host = u.Host
	if u.RawPath != "" {
		return k, errors.New("escaped characters are not allowed in the path")
	}
	i := strings.LastIndex(u.Path, "/keys/")
	if !strings.HasPrefix(u.Path, "/") || i < 1 {
		return k, fmt.Errorf("path %q is not /MOUNT/keys/NAME", u.Path)
	}
	k.mount, k.name = u.Path[1:i], u.Path[i+len("/keys/"):]
	for _, seg := range strings.Split(k.mount, "/") {
		if !segmentRE.MatchString(seg) || seg == "." || seg == ".." {
			return k, fmt.Errorf("invalid mount path %q", k.mount)
		}
	}
	if !segmentRE.MatchString(k.name) || k.name == "." || k.name == ".." {
		return k, fmt.Errorf("invalid key name %q", k.name)
	}

	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return k, fmt.Errorf("query: %w", err)
	}
	k.tls = true
	for key, vals := range q {
		if len(vals) != 1 {
			return k, fmt.Errorf("query parameter %q given %d times", key, len(vals))
		}
		switch v := vals[0]; key {
		case "tls":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return k, fmt.Errorf("tls=%q is not a boolean", v)
			}
			k.tls = b
		case "namespace":
			ns := strings.Trim(v, "/")
			if ns == "" {
				return k, errors.New("empty namespace")
			}
			for _, seg := range strings.Split(ns, "/") {
				if !segmentRE.MatchString(seg) || seg == "." || seg == ".." {
					return k, fmt.Errorf("invalid namespace %q", v)
				}
			}
			k.namespace = ns
		default:
			// A mistyped "tls" would otherwise silently keep HTTPS or, worse,
			// a mistyped namespace would address the root namespace.
			return k, fmt.Errorf("unknown query parameter %q (known: tls, namespace)", key)
		}
	}
	return k, nil
}

// String gives the canonical URI, which holds no secret.
func (k keyURI) String() string {
	s := Scheme + "://" + k.host + "/" + k.mount + "/keys/" + k.name
	var q []string
	if !k.tls {
		q = append(q, "tls=false")
	}
	if k.namespace != "" {
		q = append(q, "namespace="+url.QueryEscape(k.namespace))
	}
	if len(q) > 0 {
		s += "?" + strings.Join(q, "&")
	}
	return s
}

func (k keyURI) address() string {
	if k.tls {
		return "https://" + k.host
	}
	return "http://" + k.host
}

// New opens the Transit key a URI names. It does not contact Vault: a
// missing key, a bad token or an unreachable server show up on the first
// call. Configuration errors are reported as keyprovider.ErrBadURI.
func New(ctx context.Context, uri string, cfg Config) (*KEK, error) {
	badURI := func(keyID string, err error) error {
		return &keyprovider.Error{Provider: Scheme, KeyID: keyID, Op: "open", Kind: keyprovider.ErrBadURI, Err: err}
	}
	ku, err := parseURI(uri)
	if err != nil {
		return nil, badURI(redact(uri), err)
	}
	id := ku.String()
	if err := ctx.Err(); err != nil {
		return nil, &keyprovider.Error{Provider: Scheme, KeyID: id, Op: "open", Kind: keyprovider.ErrUnavailable, Err: err}
	}
	opts := cfg.Options.WithDefaults()

	var client *api.Client
	if cfg.Client != nil {
		if cfg.TLS != nil {
			return nil, badURI(id, errors.New("config: TLS cannot be combined with Config.Client: configure TLS on the client"))
		}
		client, err = cfg.Client.Clone()
		if err != nil {
			return nil, badURI(id, fmt.Errorf("cloning Config.Client: %w", err))
		}
		// Clone leaves out the token and headers unless the caller asked
		// for them, so carry them over here to keep the fallback order.
		if t := cfg.Client.Token(); t != "" {
			client.SetToken(t)
		}
		if ns := cfg.Client.Namespace(); ns != "" {
			client.SetNamespace(ns)
		}
		if err := client.SetAddress(ku.address()); err != nil {
			return nil, badURI(id, err)
		}
		client.SetMaxRetries(opts.MaxAttempts - 1)
		client.SetMinRetryWait(minRetryWait)
		client.SetMaxRetryWait(maxRetryWait)
		client.SetBackoff(backoff)
		client.SetClientTimeout(opts.Timeout)
	} else {
		conf := api.DefaultConfig()
		if conf.Error != nil {
			return nil, badURI(id, fmt.Errorf("vault client environment: %w", conf.Error))
		}
		if cfg.TLS != nil {
			if err := conf.ConfigureTLS(cfg.TLS); err != nil {
				return nil, badURI(id, fmt.Errorf("TLS configuration: %w", err))
			}
		}
		conf.Address = ku.address()
		// VAULT_AGENT_ADDR would take precedence over Address inside
		// NewClient; the URI names the server.
		conf.AgentAddress = ""
		conf.MaxRetries = opts.MaxAttempts - 1
		conf.MinRetryWait = minRetryWait
		conf.MaxRetryWait = maxRetryWait
		conf.Backoff = backoff
		// The client lays its own timeout over the context's; keep the two
		// equal so that Options.Timeout alone bounds a call, whatever
		// VAULT_CLIENT_TIMEOUT says.
		conf.Timeout = opts.Timeout
		client, err = api.NewClient(conf)
		if err != nil {
			return nil, badURI(id, err)
		}
	}
	// NewClient has already applied VAULT_TOKEN and VAULT_NAMESPACE, so
	// only the explicit settings need to be laid over them.
	if cfg.Token != "" {
		client.SetToken(cfg.Token)
	}
	switch {
	case ku.namespace != "":
		client.SetNamespace(ku.namespace)
	case cfg.Namespace != "":
		client.SetNamespace(cfg.Namespace)
	}
	return &KEK{client: client, uri: id, mount: ku.mount, name: ku.name, opts: opts}, nil
}

// backoff doubles the wait from lo up to hi, drawing each wait from its
// upper half so that clients failing together do not retry together. The
// client's default grows linearly and unbounded by hi, which with four
// attempts could outlast the per-call timeout. A Retry-After on 429 or 503
// is honoured up to hi, since the call's deadline is short anyway.
func backoff(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
			return min(time.Duration(s)*time.Second, hi)
		}
	}
	d := hi
	if attempt < 16 && lo<<attempt < hi {
		d = lo << attempt
	}
	return d/2 + rand.N(d/2+1)
}

// redact drops user information and the query from a URI that failed to
// parse as an hcvault URI, so that a token pasted into it stays out of the
// error.
func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		u.User = nil
		u.RawQuery = ""
		u.Fragment = ""
		return u.String()
	}
	if i := strings.IndexAny(raw, "@?#"); i >= 0 {
		return raw[:i] + "…"
	}
	return raw
}

// URI returns the canonical hcvault URI of the key.
func (k *KEK) URI() string { return k.uri }

// Wrap encrypts plaintext with the Transit key, binding associatedData as
// the package documentation describes. The result is the Transit
// ciphertext, "vault:vN:…".
func (k *KEK) Wrap(ctx context.Context, plaintext, associatedData []byte) ([]byte, error) {
	env := make([]byte, envelopeHeader+len(plaintext))
	env[0] = envelopeVersion
	digest := sha256.Sum256(associatedData)
	copy(env[1:], digest[:])
	copy(env[envelopeHeader:], plaintext)
	defer clear(env)

	data, err := k.write(ctx, "wrap", "encrypt", map[string]any{
		"plaintext": base64.StdEncoding.EncodeToString(env),
		"type":      noUpsertKeyType,
	})
	if err != nil {
		return nil, err
	}
	ct, err := ciphertextField(data)
	if err != nil {
		return nil, k.fail("wrap", keyprovider.ErrUnavailable, err)
	}
	return []byte(ct), nil
}

// Unwrap decrypts a value from Wrap or Rewrap and checks that it was bound
// to associatedData.
func (k *KEK) Unwrap(ctx context.Context, wrapped, associatedData []byte) ([]byte, error) {
	if err := checkCiphertext(wrapped); err != nil {
		return nil, k.fail("unwrap", keyprovider.ErrWrongKey, err)
	}
	data, err := k.write(ctx, "unwrap", "decrypt", map[string]any{
		"ciphertext": string(wrapped),
	})
	if err != nil {
		return nil, err
	}
	b64, ok := data["plaintext"].(string)
	if !ok {
		return nil, k.fail("unwrap", keyprovider.ErrUnavailable, errors.New("decrypt response from Vault has no plaintext"))
	}
	env, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, k.fail("unwrap", keyprovider.ErrUnavailable, errors.New("decrypt response from Vault is not base64"))
	}
	defer clear(env)
	if len(env) < envelopeHeader || env[0] != envelopeVersion {
		// Transit authenticated the value, so it was encrypted under this
		// key, but not by Wrap.
		return nil, k.fail("unwrap", keyprovider.ErrWrongKey, errors.New("the Transit plaintext is not a phicrypt envelope"))
	}
	digest := sha256.Sum256(associatedData)
	if subtle.ConstantTimeCompare(env[1:envelopeHeader], digest[:]) != 1 {
		return nil, k.fail("unwrap", keyprovider.ErrWrongKey, errors.New("associated data differs from the one given to Wrap"))
	}
	return bytes.Clone(env[envelopeHeader:]), nil
}

// Rewrap moves a wrapped value to the newest version of the Transit key
// with transit/rewrap, so the secret never leaves Vault. The binding to the
// associated data of the original Wrap is kept. Vault cannot check
// associatedData without revealing the secret, so Rewrap does not check it;
// a later Unwrap with other associated data still fails.
func (k *KEK) Rewrap(ctx context.Context, wrapped, associatedData []byte) ([]byte, error) {
	if err := checkCiphertext(wrapped); err != nil {
		return nil, k.fail("rewrap", keyprovider.ErrWrongKey, err)
	}
	data, err := k.write(ctx, "rewrap", "rewrap", map[string]any{
		"ciphertext": string(wrapped),
	})
	if err != nil {
		return nil, err
	}
	ct, err := ciphertextField(data)
	if err != nil {
		return nil, k.fail("rewrap", keyprovider.ErrUnavailable, err)
	}
	return []byte(ct), nil
}

// checkCiphertext rejects values that cannot be Transit ciphertexts before
// they reach Vault, so that damage is reported as such and not as whatever
// Vault makes of it.
func checkCiphertext(wrapped []byte) error {
	if !bytes.HasPrefix(wrapped, []byte("vault:v")) {
		return errors.New(`wrapped value is not a Transit ciphertext ("vault:vN:…")`)
	}
	return nil
}

func ciphertextField(data map[string]any) (string, error) {
	ct, ok := data["ciphertext"].(string)
	if !ok || !strings.HasPrefix(ct, "vault:v") {
		return "", errors.New("response from Vault has no Transit ciphertext")
	}
	return ct, nil
}

// write sends one Transit request under the per-call timeout and maps its
// failure.
func (k *KEK) write(ctx context.Context, op, endpoint string, body map[string]any) (map[string]any, error) {
	ctx, cancel := context.WithTimeout(ctx, k.opts.Timeout)
	defer cancel()
	secret, err := k.client.Logical().WriteWithContext(ctx, k.mount+"/"+endpoint+"/"+k.name, body)
	if err != nil {
		kind, cause := classify(op, err)
		return nil, k.fail(op, kind, cause)
	}
	if secret == nil || secret.Data == nil {
		// The client turns a 404 without a body into (nil, nil).
		return nil, k.fail(op, keyprovider.ErrKeyNotFound, errors.New("not found (HTTP 404 from Vault)"))
	}
	return secret.Data, nil
}

func (k *KEK) fail(op string, kind, cause error) error {
	return &keyprovider.Error{Provider: Scheme, KeyID: k.uri, Op: op, Kind: kind, Err: cause}
}

// ResponseError is the status and messages of a Vault error response. It
// replaces the multi-line text of api.ResponseError, which stays reachable
// with errors.As.
type ResponseError struct {
	StatusCode int
	Messages   []string
	resp       *api.ResponseError
}

// Error gives the status and Vault's messages on one line.
func (e *ResponseError) Error() string {
	var msgs []string
	for _, m := range e.Messages {
		// Vault reports several causes as a multierror text
		// ("2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n"),
		// which reads badly inside a one-line error.
		if head, items, ok := strings.Cut(m, "\n\t* "); ok && strings.Contains(head, "occurred") {
			for _, it := range strings.Split(items, "\n\t* ") {
				if it = strings.TrimSpace(it); it != "" {
					msgs = append(msgs, it)
				}
			}
			continue
		}
		if m = strings.Join(strings.Fields(m), " "); m != "" {
			msgs = append(msgs, m)
		}
	}
	if len(msgs) == 0 {
		return fmt.Sprintf("Vault answered %d", e.StatusCode)
	}
	return fmt.Sprintf("Vault answered %d: %s", e.StatusCode, strings.Join(msgs, "; "))
}

// Unwrap returns the *api.ResponseError the client reported.
func (e *ResponseError) Unwrap() error { return e.resp }

// classify maps a failed Transit call to a sentinel kind and a cause.
func classify(op string, err error) (kind, cause error) {
	var re *api.ResponseError
	if !errors.As(err, &re) {
		// No response: refused, reset, DNS, TLS or the deadline. The
		// client has already retried what was worth retrying.
		return keyprovider.ErrUnavailable, err
	}
	cause = &ResponseError{StatusCode: re.StatusCode, Messages: re.Errors, resp: re}
	text := strings.ToLower(strings.Join(re.Errors, " "))
	switch code := re.StatusCode; {
	case code == 401 || code == 403:
		// Vault answers 403 for a missing, bad, expired or revoked token
		// and for a policy that lacks the capability.
		return keyprovider.ErrAccessDenied, cause
	case code == 404:
		// An unknown mount or namespace.
		return keyprovider.ErrKeyNotFound, cause
	case code == 429 || code == 412 || code >= 500:
		// Throttling, a standby that lags (412), a sealed or failing
		// server, after the bounded retries.
		return keyprovider.ErrUnavailable, cause
	case strings.Contains(text, "encryption key not found"):
		return keyprovider.ErrKeyNotFound, cause
	case op == "wrap" && strings.Contains(text, noUpsertKeyType):
		return keyprovider.ErrKeyNotFound, fmt.Errorf("the Transit key does not exist and Wrap does not create keys (%w)", cause)
	case op == "wrap":
		// The key exists but cannot encrypt: a signing key, a derived key
		// that wants a context, a version policy that forbids it.
		return keyprovider.ErrKeyNotFound, cause
	default:
		// Decrypt and rewrap answer 400 for a ciphertext that fails
		// authentication, is malformed, belongs to a newer version or to a
		// version below min_decryption_version.
		return keyprovider.ErrWrongKey, cause
	}
}
