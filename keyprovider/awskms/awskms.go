// Package awskms is the keyprovider for AWS KMS symmetric keys.
//
// Importing it registers the URI scheme "aws-kms":
//
//	aws-kms://arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
//	aws-kms://arn:aws:kms:eu-west-1:111122223333:alias/phicrypt
//
// Wrap calls Encrypt and Unwrap calls Decrypt with the same encryption
// context Tink's AWS KMS AEAD uses (key "additionalData", the hex of the
// associated data, no context for empty associated data), so keys wrapped
// here open with Tink's KMS envelope and the other way round.
//
// Credentials come from the standard AWS chain (environment, shared files,
// SSO, web identity, container and instance roles) unless Config.AWS is
// given. The region is always the one in the ARN. AWS_ENDPOINT_URL_KMS
// redirects the client, as in every AWS SDK.
package awskms

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"

	"github.com/phicrypt/phicrypt/keyprovider"
)

// Scheme is the URI scheme this package registers.
const Scheme = "aws-kms"

// ContextKey is the encryption context key that carries the hex-encoded
// associated data, the name Tink's AWS KMS AEAD uses by default.
const ContextKey = "additionalData"

// DefaultMaxBackoff caps the delay between retries when Config.MaxBackoff
// is zero. With the default four attempts and ten second timeout it leaves
// room for every retry within one call.
const DefaultMaxBackoff = 2 * time.Second

// baseBackoff is the delay cap of the first retry; it doubles per retry up
// to the max backoff.
const baseBackoff = 100 * time.Millisecond

const (
	opOpen   = "open"
	opWrap   = "wrap"
	opUnwrap = "unwrap"
	opRewrap = "rewrap"
)

func init() {
	keyprovider.Register(Scheme, func(ctx context.Context, uri string, opts keyprovider.Options) (keyprovider.KEK, error) {
		k, err := New(ctx, uri, Config{Options: opts})
		if err != nil {
			return nil, err // not k: a nil *KEK in a KEK interface is not nil
		}
		return k, nil
	})
}

// Config configures New. The zero value uses the standard AWS credential
// chain and the default options.
type Config struct {
	// Options bounds each call's duration and attempts.
	Options keyprovider.Options
	// AWS, if set, supplies credentials, HTTP client and other SDK settings
	// instead of config.LoadDefaultConfig. Its region is ignored: the key
	// ARN names the region.
	AWS *aws.Config
	// Endpoint, if set, replaces the KMS endpoint URL, e.g. a VPC endpoint
	// or a local test server. It takes precedence over AWS_ENDPOINT_URL_KMS.
	Endpoint string
	// MaxBackoff caps the randomized delay between retries. Zero means
	// DefaultMaxBackoff.
	MaxBackoff time.Duration
}

// KEK is an AWS KMS symmetric key. It implements keyprovider.KEK and
// keyprovider.Rewrapper and is safe for concurrent use.
type KEK struct {
	client *kms.Client
	arn    string
	opts   keyprovider.Options
}

var (
	_ keyprovider.KEK       = (*KEK)(nil)
	_ keyprovider.Rewrapper = (*KEK)(nil)
)

// New returns the KEK for an aws-kms:// URI. It does not contact KMS, so a
// missing or disabled key shows up on the first Wrap or Unwrap.
func New(ctx context.Context, uri string, cfg Config) (*KEK, error) {
	arn, region, err := parseURI(uri)
	if err != nil {
		return nil, &keyprovider.Error{Provider: Scheme, KeyID: uri, Op: opOpen, Kind: keyprovider.ErrBadURI, Err: err}
	}
	if cfg.Endpoint != "" {
		if u, err := url.Parse(cfg.Endpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, &keyprovider.Error{Provider: Scheme, KeyID: arn, Op: opOpen, Kind: keyprovider.ErrBadURI,
				Err: fmt.Errorf("endpoint %q is not an http(s) URL", cfg.Endpoint)}
		}
	}

	var awsCfg aws.Config
	if cfg.AWS != nil {
		awsCfg = *cfg.AWS
	} else {
		awsCfg, err = config.LoadDefaultConfig(ctx, config.WithRegion(region))
		if err != nil {
			// A broken shared config or credential source: the
			// credentials cannot be used, whatever the key.
			return nil, &keyprovider.Error{Provider: Scheme, KeyID: arn, Op: opOpen, Kind: keyprovider.ErrAccessDenied,
				Err: fmt.Errorf("loading AWS configuration: %w", err)}
		}
	}

	opts := cfg.Options.WithDefaults()
	maxBackoff := cfg.MaxBackoff
	if maxBackoff <= 0 {
		maxBackoff = DefaultMaxBackoff
	}
	client := kms.NewFromConfig(awsCfg, func(o *kms.Options) {
		// A KMS key lives in one region; signing for any other fails.
		o.Region = region
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		if o.Credentials != nil {
			o.Credentials = markedCredentials{o.Credentials}
		}
		// Our Options decide the attempts, not AWS_MAX_ATTEMPTS or the
		// shared config, so the bound documented in keyprovider holds.
		o.RetryMode = aws.RetryModeStandard
		o.RetryMaxAttempts = 0
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = opts.MaxAttempts
			so.MaxBackoff = maxBackoff
			so.Backoff = fullJitter(maxBackoff)
		})
	})
	return &KEK{client: client, arn: arn, opts: opts}, nil
}

// URI returns the aws-kms:// URI of the key.
func (k *KEK) URI() string { return Scheme + "://" + k.arn }

// KeyARN returns the key or alias ARN the KEK uses.
func (k *KEK) KeyARN() string { return k.arn }

// Wrap encrypts plaintext (at most 4096 bytes, the KMS limit) under the key,
// binding associatedData through the encryption context.
func (k *KEK) Wrap(ctx context.Context, plaintext, associatedData []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, k.opts.Timeout)
	defer cancel()
	out, err := k.client.Encrypt(ctx, &kms.EncryptInput{
		KeyId:             aws.String(k.arn),
		Plaintext:         plaintext,
		EncryptionContext: encryptionContext(associatedData),
	})
	if err != nil {
		return nil, k.fail(opWrap, err)
	}
	return out.CiphertextBlob, nil
}

// Unwrap decrypts a blob made by Wrap with the same associated data. The
// request names this key, so a blob from any other key fails with
// keyprovider.ErrWrongKey rather than opening under whichever key made it.
func (k *KEK) Unwrap(ctx context.Context, wrapped, associatedData []byte) ([]byte, error) {
	if len(wrapped) == 0 {
		return nil, k.fail(opUnwrap, errEmpty)
	}
	ctx, cancel := context.WithTimeout(ctx, k.opts.Timeout)
	defer cancel()
	out, err := k.client.Decrypt(ctx, &kms.DecryptInput{
		KeyId:             aws.String(k.arn),
		CiphertextBlob:    wrapped,
		EncryptionContext: encryptionContext(associatedData),
	})
	if err != nil {
		return nil, k.fail(opUnwrap, err)
	}
	return out.Plaintext, nil
}

// Rewrap moves a blob made by this key to the key's current backing
// material (and, for an alias, to the key the alias names now) with
// ReEncrypt, so the secret never leaves KMS. The associated data stays the
// same.
func (k *KEK) Rewrap(ctx context.Context, wrapped, associatedData []byte) ([]byte, error) {
	if len(wrapped) == 0 {
		return nil, k.fail(opRewrap, errEmpty)
	}
	ctx, cancel := context.WithTimeout(ctx, k.opts.Timeout)
	defer cancel()
	ec := encryptionContext(associatedData)
	out, err := k.client.ReEncrypt(ctx, &kms.ReEncryptInput{
		CiphertextBlob:               wrapped,
		SourceKeyId:                  aws.String(k.arn),
		SourceEncryptionContext:      ec,
		DestinationKeyId:             aws.String(k.arn),
		DestinationEncryptionContext: ec,
	})
	if err != nil {
		return nil, k.fail(opRewrap, err)
	}
	return out.CiphertextBlob, nil
}

// encryptionContext is Tink's mapping of associated data to an encryption
// context; hex keeps arbitrary bytes within the context's string type.
func encryptionContext(associatedData []byte) map[string]string {
	if len(associatedData) == 0 {
		return nil
	}
	return map[string]string{ContextKey: hex.EncodeToString(associatedData)}
}

// errEmpty spares KMS a request that can only fail.
var errEmpty = errors.New("empty wrapped key")

func (k *KEK) fail(op string, err error) error {
	return &keyprovider.Error{Provider: Scheme, KeyID: k.arn, Op: op, Kind: classify(op, err), Err: err}
}

// classify maps an SDK error to a keyprovider sentinel. The retryer has
// already spent the attempts on the transient kinds.
func classify(op string, err error) error {
	if err == errEmpty {
		return keyprovider.ErrWrongKey
	}
	var credErr *credentialsError
	if errors.As(err, &credErr) {
		return keyprovider.ErrAccessDenied
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "InvalidCiphertextException", "IncorrectKeyException":
			return keyprovider.ErrWrongKey
		case "AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException",
			"IncompleteSignatureException", "MissingAuthenticationTokenException", "ExpiredTokenException",
			"InvalidClientTokenId", "SignatureDoesNotMatch", "InvalidGrantTokenException":
			return keyprovider.ErrAccessDenied
		case "NotFoundException", "DisabledException", "KMSInvalidStateException", "InvalidKeyUsageException":
			return keyprovider.ErrKeyNotFound
		case "InvalidArnException":
			return keyprovider.ErrBadURI
		case "ValidationException":
			if op != opWrap {
				// The request is fixed but for the blob and the
				// context: the blob is longer than any KMS makes, or
				// the associated data too long to have been wrapped.
				return keyprovider.ErrWrongKey
			}
		}
	}
	// Throttling and 5xx after the last attempt, timeouts, cancellation,
	// network errors, and requests KMS refused for a reason none of the
	// sentinels describes (such as an oversized plaintext).
	return keyprovider.ErrUnavailable
}

// credentialsError marks a failure to obtain credentials, which the SDK
// reports as plain text, so classify can tell it from a network error.
type credentialsError struct{ err error }

func (e *credentialsError) Error() string { return "retrieving AWS credentials: " + e.err.Error() }
func (e *credentialsError) Unwrap() error { return e.err }

type markedCredentials struct{ aws.CredentialsProvider }

func (m markedCredentials) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c, err := m.CredentialsProvider.Retrieve(ctx)
	if err != nil {
		return c, &credentialsError{err}
	}
	return c, nil
}

// IsCredentialsProvider lets the SDK still recognise the wrapped provider,
// notably anonymous credentials, which disable signing.
func (m markedCredentials) IsCredentialsProvider(target aws.CredentialsProvider) bool {
	return aws.IsCredentialsProvider(m.CredentialsProvider, target)
}

// ProviderSources passes the credential source through for the SDK's
// user agent metrics.
func (m markedCredentials) ProviderSources() []aws.CredentialSource {
	if s, ok := m.CredentialsProvider.(aws.CredentialProviderSource); ok {
		return s.ProviderSources()
	}
	return nil
}

// fullJitter is exponential backoff with full jitter: a uniform delay up to
// baseBackoff·2^(attempt-1), capped at max. The SDK's own backoff starts at
// one second, too slow for a key unwrap on a request path.
func fullJitter(max time.Duration) retry.BackoffDelayerFunc {
	return func(attempt int, _ error) (time.Duration, error) {
		ceiling := max
		if attempt >= 1 && attempt < 31 {
			if d := baseBackoff << (attempt - 1); d < max {
				ceiling = d
			}
		}
		return rand.N(ceiling) + 1, nil
	}
}

var (
	regionRE   = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	accountRE  = regexp.MustCompile(`^[0-9]{12}$`)
	partRE     = regexp.MustCompile(`^aws(-[a-z]+)*$`)
	keyIDRE    = regexp.MustCompile(`^key/[A-Za-z0-9-]+$`)
	aliasRE    = regexp.MustCompile(`^alias/[A-Za-z0-9/_-]+$`)
	uriExample = Scheme + "://arn:aws:kms:REGION:ACCOUNT:key/ID"
)

// parseURI splits aws-kms://ARN into the ARN and its region, accepting key
// and alias ARNs only: bare key ids and alias names would leave the region
// to the environment.
func parseURI(uri string) (arn, region string, err error) {
	arn, ok := strings.CutPrefix(uri, Scheme+"://")
	if !ok {
		return "", "", fmt.Errorf("want %s", uriExample)
	}
	f := strings.SplitN(arn, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[2] != "kms" {
		return "", "", fmt.Errorf("not a KMS ARN; want %s", uriExample)
	}
	switch {
	case !partRE.MatchString(f[1]):
		return "", "", fmt.Errorf("bad partition %q in ARN", f[1])
	case !regionRE.MatchString(f[3]):
		return "", "", fmt.Errorf("bad region %q in ARN", f[3])
	case !accountRE.MatchString(f[4]):
		return "", "", fmt.Errorf("bad account %q in ARN: want 12 digits", f[4])
	case !keyIDRE.MatchString(f[5]) && !aliasRE.MatchString(f[5]):
		return "", "", fmt.Errorf("bad resource %q in ARN: want key/ID or alias/NAME", f[5])
	}
	return arn, f[3], nil
}
