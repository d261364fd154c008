package awskms_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/phicrypt/phicrypt/internal/kmstest"
	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/keyprovider/awskms"
)

const (
	accessKeyID = "AKIDPHICRYPTTEST"
	secretKey   = "phicrypt-test-secret"
)

var allKinds = []error{
	keyprovider.ErrBadURI, keyprovider.ErrWrongKey, keyprovider.ErrAccessDenied,
	keyprovider.ErrKeyNotFound, keyprovider.ErrUnavailable, keyprovider.ErrInvalidKeyFile,
}

func staticConfig() *aws.Config {
	return &aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(accessKeyID, secretKey, ""),
	}
}

// testConfig points the real SDK client at srv with short retry delays.
func testConfig(srv *kmstest.Server) awskms.Config {
	return awskms.Config{
		Options:    keyprovider.Options{Timeout: 5 * time.Second, MaxAttempts: 3},
		AWS:        staticConfig(),
		Endpoint:   srv.URL(),
		MaxBackoff: 10 * time.Millisecond,
	}
}

func start(t *testing.T) *kmstest.Server {
	t.Helper()
	srv := kmstest.New()
	t.Cleanup(srv.Close)
	return srv
}

func open(t *testing.T, arn string, cfg awskms.Config) *awskms.KEK {
	t.Helper()
	k, err := awskms.New(context.Background(), "aws-kms://"+arn, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// wantKind checks that err is a *keyprovider.Error of kind for this
// provider and key, matching no other sentinel.
func wantKind(t *testing.T, err, kind error, keyID, op string) *keyprovider.Error {
	t.Helper()
	var kpErr *keyprovider.Error
	if !errors.As(err, &kpErr) {
		t.Fatalf("want *keyprovider.Error of kind %q, got %T %v", kind, err, err)
	}
	for _, k := range allKinds {
		if errors.Is(err, k) != (k == kind) {
			t.Fatalf("errors.Is(err, %q) = %v; err = %v", k, errors.Is(err, k), err)
		}
	}
	if kpErr.Provider != "aws-kms" || kpErr.KeyID != keyID || kpErr.Op != op {
		t.Fatalf("error names provider %q key %q op %q, want aws-kms %q %q", kpErr.Provider, kpErr.KeyID, kpErr.Op, keyID, op)
	}
	if msg := err.Error(); !strings.Contains(msg, "aws-kms") || !strings.Contains(msg, keyID) {
		t.Fatalf("error text does not name provider and key: %s", msg)
	}
	return kpErr
}

func TestWrapUnwrapRoundTrip(t *testing.T) {
	srv := start(t)
	arn := srv.CreateKey()
	k := open(t, arn, testConfig(srv))
	ctx := context.Background()
	if got := k.URI(); got != "aws-kms://"+arn {
		t.Fatalf("URI() = %q", got)
	}

	for _, ad := range [][]byte{nil, []byte("patient/123#record"), {0, 1, 2, 0xff}} {
		plaintext := []byte("serialized keyset " + hex.EncodeToString(ad))
		wrapped, err := k.Wrap(ctx, plaintext, ad)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(wrapped, plaintext) {
			t.Fatal("wrapped key holds the plaintext")
		}
		got, err := k.Unwrap(ctx, wrapped, ad)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, plaintext) {
			t.Fatalf("Unwrap = %q, want %q", got, plaintext)
		}
	}
}

// TestTinkEncryptionContext checks the wire format against Tink's AWS KMS
// AEAD: hex associated data under "additionalData", no context without
// associated data. A plain SDK Decrypt with that context must open the
// blob.
func TestTinkEncryptionContext(t *testing.T) {
	srv := start(t)
	arn := srv.CreateKey()
	k := open(t, arn, testConfig(srv))
	ctx := context.Background()
	raw := kms.NewFromConfig(*staticConfig(), func(o *kms.Options) { o.BaseEndpoint = aws.String(srv.URL()) })

	ad := []byte("associated \x00 data")
	wrapped, err := k.Wrap(ctx, []byte("dek"), ad)
	if err != nil {
		t.Fatal(err)
	}
	out, err := raw.Decrypt(ctx, &kms.DecryptInput{
		CiphertextBlob:    wrapped,
		EncryptionContext: map[string]string{"additionalData": hex.EncodeToString(ad)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if string(out.Plaintext) != "dek" {
		t.Fatalf("Decrypt = %q", out.Plaintext)
	}

	// And the other way round: a blob made as Tink makes it unwraps.
	enc, err := raw.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("from tink")})
	if err != nil {
		t.Fatal(err)
	}
	got, err := k.Unwrap(ctx, enc.CiphertextBlob, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "from tink" {
		t.Fatalf("Unwrap = %q", got)
	}
}

func TestWrongAssociatedData(t *testing.T) {
	srv := start(t)
	arn := srv.CreateKey()
	k := open(t, arn, testConfig(srv))
	ctx := context.Background()
	wrapped, err := k.Wrap(ctx, []byte("dek"), []byte("record-1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, ad := range [][]byte{[]byte("record-2"), nil, []byte("record-1\x00")} {
		_, err := k.Unwrap(ctx, wrapped, ad)
		wantKind(t, err, keyprovider.ErrWrongKey, arn, "unwrap")
	}
	// Damaged and empty blobs are wrong keys too, not service failures.
	damaged := bytes.Clone(wrapped)
	damaged[len(damaged)/2] ^= 0x40
	for _, blob := range [][]byte{damaged, []byte("junk"), bytes.Repeat(wrapped, 100)} {
		_, err := k.Unwrap(ctx, blob, []byte("record-1"))
		wantKind(t, err, keyprovider.ErrWrongKey, arn, "unwrap")
	}
	srv.ResetCounts()
	for _, blob := range [][]byte{{}, nil} {
		_, err := k.Unwrap(ctx, blob, []byte("record-1"))
		wantKind(t, err, keyprovider.ErrWrongKey, arn, "unwrap")
		_, err = k.Rewrap(ctx, blob, []byte("record-1"))
		wantKind(t, err, keyprovider.ErrWrongKey, arn, "rewrap")
	}
	if n := srv.TotalCalls(); n != 0 {
		t.Fatalf("%d requests for empty blobs", n)
	}
}

func TestBlobFromAnotherKey(t *testing.T) {
	srv := start(t)
	arnA, arnB := srv.CreateKey(), srv.CreateKey()
	a, b := open(t, arnA, testConfig(srv)), open(t, arnB, testConfig(srv))
	ctx := context.Background()
	wrapped, err := b.Wrap(ctx, []byte("dek"), []byte("ad"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Unwrap(ctx, wrapped, []byte("ad"))
	wantKind(t, err, keyprovider.ErrWrongKey, arnA, "unwrap")
	_, err = a.Rewrap(ctx, wrapped, []byte("ad"))
	wantKind(t, err, keyprovider.ErrWrongKey, arnA, "rewrap")
}

func TestDisabledAndMissingKey(t *testing.T) {
	srv := start(t)
	arn := srv.CreateKey()
	k := open(t, arn, testConfig(srv))
	ctx := context.Background()
	wrapped, err := k.Wrap(ctx, []byte("dek"), nil)
	if err != nil {
		t.Fatal(err)
	}

	srv.DisableKey(arn)
	_, err = k.Wrap(ctx, []byte("dek"), nil)
	wantKind(t, err, keyprovider.ErrKeyNotFound, arn, "wrap")
	_, err = k.Unwrap(ctx, wrapped, nil)
	wantKind(t, err, keyprovider.ErrKeyNotFound, arn, "unwrap")
	if got := srv.Calls("Encrypt") + srv.Calls("Decrypt"); got != 3 {
		t.Fatalf("disabled key: %d calls, want 3 (no retries)", got)
	}

	srv.EnableKey(arn)
	if _, err := k.Unwrap(ctx, wrapped, nil); err != nil {
		t.Fatal(err)
	}

	missing := "arn:aws:kms:us-east-1:111122223333:key/00000000-0000-4000-8000-000000000000"
	_, err = open(t, missing, testConfig(srv)).Wrap(ctx, []byte("dek"), nil)
	wantKind(t, err, keyprovider.ErrKeyNotFound, missing, "wrap")
}

func TestAccessDenied(t *testing.T) {
	srv := start(t)
	arn := srv.CreateKey()
	ctx := context.Background()

	srv.SetDenied(arn, true)
	_, err := open(t, arn, testConfig(srv)).Wrap(ctx, []byte("dek"), nil)
	wantKind(t, err, keyprovider.ErrAccessDenied, arn, "wrap")
	srv.SetDenied(arn, false)

	srv.RequireAccessKeys("AKIDSOMEONEELSE")
	_, err = open(t, arn, testConfig(srv)).Wrap(ctx, []byte("dek"), nil)
	wantKind(t, err, keyprovider.ErrAccessDenied, arn, "wrap")
	srv.RequireAccessKeys()

	// Unsigned requests, as with anonymous credentials.
	cfg := testConfig(srv)
	cfg.AWS = &aws.Config{Credentials: aws.AnonymousCredentials{}}
	_, err = open(t, arn, cfg).Wrap(ctx, []byte("dek"), nil)
	wantKind(t, err, keyprovider.ErrAccessDenied, arn, "wrap")

	// No credentials at all: the request never leaves.
	srv.ResetCounts()
	cfg.AWS = &aws.Config{Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{}, errors.New("no credential source configured")
	})}
	_, err = open(t, arn, cfg).Wrap(ctx, []byte("dek"), nil)
	wantKind(t, err, keyprovider.ErrAccessDenied, arn, "wrap")
	if n := srv.TotalCalls(); n != 0 {
		t.Fatalf("%d requests without credentials", n)
	}
}

func TestThrottlingIsRetried(t *testing.T) {
	srv := start(t)
	arn := srv.CreateKey()
	k := open(t, arn, testConfig(srv))
	srv.Throttle(2)
	wrapped, err := k.Wrap(context.Background(), []byte("dek"), []byte("ad"))
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Calls("Encrypt"); got != 3 {
		t.Fatalf("Calls(Encrypt) = %d, want 3", got)
	}
	if _, err := k.Unwrap(context.Background(), wrapped, []byte("ad")); err != nil {
		t.Fatal(err)
	}
}

func TestPersistentFailureStopsAfterMaxAttempts(t *testing.T) {
	for _, maxAttempts := range []int{1, 3, 5} {
		t.Run(fmt.Sprintf("throttled/%d", maxAttempts), func(t *testing.T) {
			srv := start(t)
			arn := srv.CreateKey()
			cfg := testConfig(srv)
			cfg.Options.MaxAttempts = maxAttempts
			srv.Throttle(1000)
			_, err := open(t, arn, cfg).Wrap(context.Background(), []byte("dek"), nil)
			wantKind(t, err, keyprovider.ErrUnavailable, arn, "wrap")
			if got := srv.Calls("Encrypt"); got != maxAttempts {
				t.Fatalf("Calls(Encrypt) = %d, want %d", got, maxAttempts)
			}
		})
	}
	t.Run("outage", func(t *testing.T) {
		srv := start(t)
		arn := srv.CreateKey()
		k := open(t, arn, testConfig(srv))
		wrapped, err := k.Wrap(context.Background(), []byte("dek"), nil)
		if err != nil {
			t.Fatal(err)
		}
		srv.SetOutage(true)
		srv.ResetCounts()
		_, err = k.Unwrap(context.Background(), wrapped, nil)
		wantKind(t, err, keyprovider.ErrUnavailable, arn, "unwrap")
		if got := srv.Calls("Decrypt"); got != 3 {
			t.Fatalf("Calls(Decrypt) = %d, want 3", got)
		}
		srv.SetOutage(false)
		if _, err := k.Unwrap(context.Background(), wrapped, nil); err != nil {
			t.Fatal(err)
		}
	})
}

func TestTimeoutCoversRetries(t *testing.T) {
	srv := start(t)
	arn := srv.CreateKey()
	cfg := testConfig(srv)
	cfg.Options.Timeout = 200 * time.Millisecond
	k := open(t, arn, cfg)
	srv.SetLatency(3 * time.Second)

	begin := time.Now()
	_, err := k.Wrap(context.Background(), []byte("dek"), nil)
	elapsed := time.Since(begin)
	wantKind(t, err, keyprovider.ErrUnavailable, arn, "wrap")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cause is not the deadline: %v", err)
	}
	if elapsed > time.Second {
		t.Fatalf("Wrap returned after %v with a 200ms timeout", elapsed)
	}
}

func TestCallerCancellation(t *testing.T) {
	srv := start(t)
	arn := srv.CreateKey()
	k := open(t, arn, testConfig(srv))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := k.Wrap(ctx, []byte("dek"), nil)
	wantKind(t, err, keyprovider.ErrUnavailable, arn, "wrap")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cause is not the cancellation: %v", err)
	}
}

func TestConnectionRefused(t *testing.T) {
	srv := kmstest.New()
	arn := srv.CreateKey()
	k := open(t, arn, testConfig(srv))
	srv.Close()
	begin := time.Now()
	_, err := k.Wrap(context.Background(), []byte("dek"), nil)
	wantKind(t, err, keyprovider.ErrUnavailable, arn, "wrap")
	if time.Since(begin) > 2*time.Second {
		t.Fatalf("connection refused took %v", time.Since(begin))
	}
}

func TestBadURI(t *testing.T) {
	for _, uri := range []string{
		"",
		"aws-kms://",
		"aws-kms:arn:aws:kms:us-east-1:111122223333:key/abc",
		"awskms://arn:aws:kms:us-east-1:111122223333:key/abc",
		"aws-kms://1234abcd-12ab-34cd-56ef-1234567890ab",
		"aws-kms://alias/phicrypt",
		"aws-kms://arn:aws:s3:us-east-1:111122223333:key/abc",
		"aws-kms://arn:aws:kms::111122223333:key/abc",
		"aws-kms://arn:aws:kms:us-east-1:1111:key/abc",
		"aws-kms://arn:aws:kms:us-east-1:111122223333:key/",
		"aws-kms://arn:aws:kms:us-east-1:111122223333:key/abc/def",
		"aws-kms://arn:aws:kms:us-east-1:111122223333:secret/abc",
		"aws-kms://arn:aws:kms:us-east-1:111122223333:key/abc?x=1",
		"aws-kms://arn:gcp:kms:us-east-1:111122223333:key/abc",
		"aws-kms://arn:aws:kms:us-east-1:111122223333",
	} {
		_, err := awskms.New(context.Background(), uri, awskms.Config{AWS: staticConfig()})
		wantKind(t, err, keyprovider.ErrBadURI, uri, "open")
	}

	arn := "arn:aws:kms:us-east-1:111122223333:key/abc"
	_, err := awskms.New(context.Background(), "aws-kms://"+arn, awskms.Config{AWS: staticConfig(), Endpoint: "127.0.0.1:1234"})
	wantKind(t, err, keyprovider.ErrBadURI, arn, "open")

	for _, uri := range []string{
		"aws-kms://arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		"aws-kms://arn:aws:kms:eu-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab",
		"aws-kms://arn:aws:kms:us-gov-west-1:111122223333:alias/team/phicrypt_prod",
		"aws-kms://arn:aws-cn:kms:cn-north-1:111122223333:alias/phicrypt",
	} {
		k, err := awskms.New(context.Background(), uri, awskms.Config{AWS: staticConfig()})
		if err != nil {
			t.Fatalf("New(%q): %v", uri, err)
		}
		if k.URI() != uri {
			t.Fatalf("URI() = %q, want %q", k.URI(), uri)
		}
	}
}

func TestAliasURI(t *testing.T) {
	srv := start(t)
	arn := srv.CreateKey()
	alias := srv.CreateAlias("phicrypt", arn)
	k := open(t, alias, testConfig(srv))
	ctx := context.Background()
	wrapped, err := k.Wrap(ctx, []byte("dek"), []byte("ad"))
	if err != nil {
		t.Fatal(err)
	}
	if got, _, _ := kmstest.BlobKey(wrapped); got != arn {
		t.Fatalf("alias wrapped under %q, want %q", got, arn)
	}
	got, err := k.Unwrap(ctx, wrapped, []byte("ad"))
	if err != nil || string(got) != "dek" {
		t.Fatalf("Unwrap via alias = %q, %v", got, err)
	}
	// The key ARN opens what the alias wrapped: same key.
	if _, err := open(t, arn, testConfig(srv)).Unwrap(ctx, wrapped, []byte("ad")); err != nil {
		t.Fatal(err)
	}
}

// isolateAWSEnv keeps the developer's own AWS setup out of the test.
func isolateAWSEnv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, v := range []string{"AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_ENDPOINT_URL", "AWS_MAX_ATTEMPTS"} {
		t.Setenv(v, "")
	}
}

func TestOpenThroughRegistryWithEnvironment(t *testing.T) {
	srv := start(t)
	arn := srv.CreateKey()
	isolateAWSEnv(t)
	t.Setenv("AWS_ENDPOINT_URL_KMS", srv.URL())
	t.Setenv("AWS_ACCESS_KEY_ID", accessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secretKey)
	// The key's region must win over the environment's: the server
	// rejects requests signed for another region.
	t.Setenv("AWS_REGION", "eu-west-1")
	// More attempts in the environment than in Options must not count.
	t.Setenv("AWS_MAX_ATTEMPTS", "10")
	srv.RequireAccessKeys(accessKeyID)

	ctx := context.Background()
	kek, err := keyprovider.Open(ctx, "aws-kms://"+arn, keyprovider.Options{MaxAttempts: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := kek.(keyprovider.Rewrapper); !ok {
		t.Fatal("registry KEK does not implement Rewrapper")
	}
	wrapped, err := kek.Wrap(ctx, []byte("dek"), []byte("ad"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := kek.Unwrap(ctx, wrapped, []byte("ad"))
	if err != nil || string(got) != "dek" {
		t.Fatalf("Unwrap = %q, %v", got, err)
	}

	srv.SetOutage(true)
	srv.ResetCounts()
	_, err = kek.Wrap(ctx, []byte("dek"), nil)
	wantKind(t, err, keyprovider.ErrUnavailable, arn, "wrap")
	if n := srv.Calls("Encrypt"); n != 2 {
		t.Fatalf("%d attempts, want Options.MaxAttempts = 2", n)
	}

	_, err = keyprovider.Open(ctx, "aws-kms://not-an-arn")
	wantKind(t, err, keyprovider.ErrBadURI, "aws-kms://not-an-arn", "open")
}

func TestRewrap(t *testing.T) {
	srv := start(t)
	arn := srv.CreateKey()
	k := open(t, arn, testConfig(srv))
	ctx := context.Background()
	ad := []byte("record-9")
	wrapped, err := k.Wrap(ctx, []byte("dek"), ad)
	if err != nil {
		t.Fatal(err)
	}

	srv.RotateKey(arn)
	rewrapped, err := k.Rewrap(ctx, wrapped, ad)
	if err != nil {
		t.Fatal(err)
	}
	if _, v, _ := kmstest.BlobKey(rewrapped); v != 2 {
		t.Fatalf("rewrapped under key material version %d, want 2", v)
	}
	if srv.Calls("ReEncrypt") != 1 || srv.Calls("Decrypt") != 0 {
		t.Fatal("Rewrap did not go through a single ReEncrypt")
	}
	for _, blob := range [][]byte{wrapped, rewrapped} {
		got, err := k.Unwrap(ctx, blob, ad)
		if err != nil || string(got) != "dek" {
			t.Fatalf("Unwrap = %q, %v", got, err)
		}
	}
	_, err = k.Unwrap(ctx, rewrapped, []byte("record-8"))
	wantKind(t, err, keyprovider.ErrWrongKey, arn, "unwrap")

	_, err = k.Rewrap(ctx, wrapped, []byte("record-8"))
	wantKind(t, err, keyprovider.ErrWrongKey, arn, "rewrap")
}

func TestErrorsNeverHoldPlaintext(t *testing.T) {
	srv := start(t)
	arn := srv.CreateKey()
	k := open(t, arn, testConfig(srv))
	ctx := context.Background()
	secret := []byte("PHI-SECRET-9f8e7d6c5b4a")
	wrapped, err := k.Wrap(ctx, secret, []byte("ad"))
	if err != nil {
		t.Fatal(err)
	}
	forms := []string{string(secret), hex.EncodeToString(secret), base64.StdEncoding.EncodeToString(secret), fmt.Sprint(secret)}

	var errs []error
	_, err = k.Unwrap(ctx, wrapped, []byte("other"))
	errs = append(errs, err)
	srv.DisableKey(arn)
	_, err = k.Wrap(ctx, secret, []byte("ad"))
	errs = append(errs, err)
	srv.EnableKey(arn)
	srv.SetOutage(true)
	_, err = k.Wrap(ctx, secret, []byte("ad"))
	errs = append(errs, err)
	srv.SetOutage(false)
	_, err = k.Wrap(ctx, bytes.Repeat(secret, 300), nil) // over the 4096-byte limit
	errs = append(errs, err)

	for _, err := range errs {
		if err == nil {
			t.Fatal("want an error")
		}
		for _, msg := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			for _, f := range forms {
				if strings.Contains(msg, f) {
					t.Fatalf("error text holds the plaintext: %s", msg)
				}
			}
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	srv := start(t)
	arn := srv.CreateKey()
	k := open(t, arn, testConfig(srv))
	ctx := context.Background()
	// Some callers go through the retryer at the same time. Fewer throttled
	// responses than the retryer's 3 attempts, so that no caller can draw
	// all of them and fail.
	srv.Throttle(2)
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			ad := fmt.Appendf(nil, "record-%d", i)
			plaintext := fmt.Appendf(nil, "dek-%d", i)
			wrapped, err := k.Wrap(ctx, plaintext, ad)
			if err != nil {
				t.Error(err)
				return
			}
			got, err := k.Unwrap(ctx, wrapped, ad)
			if err != nil {
				t.Error(err)
				return
			}
			if !bytes.Equal(got, plaintext) {
				t.Errorf("Unwrap = %q, want %q", got, plaintext)
			}
		})
	}
	wg.Wait()
	if got := srv.TotalCalls(); got != 64+2 {
		t.Fatalf("TotalCalls() = %d, want %d", got, 64+2)
	}
}
