package kmstest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/phicrypt/phicrypt/internal/kmstest"
)

// client is the real SDK client pointed at srv, with retries off so each
// call is one request.
func client(t *testing.T, srv *kmstest.Server, region string) *kms.Client {
	t.Helper()
	return kms.New(kms.Options{
		Region:           region,
		BaseEndpoint:     aws.String(srv.URL()),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDKMSTEST", "secret", ""),
		RetryMaxAttempts: 1,
	})
}

func start(t *testing.T) (*kmstest.Server, *kms.Client) {
	t.Helper()
	srv := kmstest.New()
	t.Cleanup(srv.Close)
	return srv, client(t, srv, kmstest.Region)
}

func errorCode(t *testing.T, err error) string {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("want an API error, got %v", err)
	}
	return apiErr.ErrorCode()
}

func TestEncryptDecryptWithoutKeyID(t *testing.T) {
	srv, c := start(t)
	ctx := context.Background()
	arn := srv.CreateKey()
	if !strings.HasPrefix(arn, "arn:aws:kms:us-east-1:111122223333:key/") {
		t.Fatalf("CreateKey() = %q", arn)
	}
	ec := map[string]string{"tenant": "a", "purpose": "test"}
	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("secret"), EncryptionContext: ec})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(enc.KeyId) != arn || enc.EncryptionAlgorithm != types.EncryptionAlgorithmSpecSymmetricDefault {
		t.Fatalf("Encrypt output = %q %q", aws.ToString(enc.KeyId), enc.EncryptionAlgorithm)
	}
	if bytes.Contains(enc.CiphertextBlob, []byte("secret")) {
		t.Fatal("ciphertext blob holds the plaintext")
	}
	if got, v, ok := kmstest.BlobKey(enc.CiphertextBlob); !ok || got != arn || v != 1 {
		t.Fatalf("BlobKey = %q %d %v", got, v, ok)
	}

	dec, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
	if err != nil {
		t.Fatal(err)
	}
	if string(dec.Plaintext) != "secret" || aws.ToString(dec.KeyId) != arn {
		t.Fatalf("Decrypt = %q under %q", dec.Plaintext, aws.ToString(dec.KeyId))
	}
}

func TestDecryptFailures(t *testing.T) {
	srv, c := start(t)
	ctx := context.Background()
	arn, other := srv.CreateKey(), srv.CreateKey()
	ec := map[string]string{"a": "1", "b": "2"}
	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x"), EncryptionContext: ec})
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Clone(enc.CiphertextBlob)
	tampered[len(tampered)-1] ^= 1
	badARN := bytes.Replace(enc.CiphertextBlob, []byte(arn), []byte(arn[:len(arn)-1]+"x"), 1)

	for _, tc := range []struct {
		name string
		in   kms.DecryptInput
		want error
	}{
		{"other context", kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"a": "1", "b": "3"}}, &types.InvalidCiphertextException{}},
		{"no context", kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}, &types.InvalidCiphertextException{}},
		// Length prefixes keep {"a":"1b","":"2"}-style shifts apart.
		{"shifted context", kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"a": "1b", "": "2"}}, &types.InvalidCiphertextException{}},
		{"tampered", kms.DecryptInput{CiphertextBlob: tampered, EncryptionContext: ec}, &types.InvalidCiphertextException{}},
		{"damaged key name", kms.DecryptInput{CiphertextBlob: badARN, EncryptionContext: ec}, &types.InvalidCiphertextException{}},
		{"garbage", kms.DecryptInput{CiphertextBlob: []byte("not a blob")}, &types.InvalidCiphertextException{}},
		{"other key id", kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec, KeyId: aws.String(other)}, &types.IncorrectKeyException{}},
		{"unknown key id", kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec, KeyId: aws.String(arn + "0")}, &types.NotFoundException{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Decrypt(ctx, &tc.in)
			if err == nil {
				t.Fatal("Decrypt succeeded")
			}
			if got, want := errorCode(t, err), tc.want.(smithy.APIError).ErrorCode(); got != want {
				t.Fatalf("error code %q, want %q (%v)", got, want, err)
			}
		})
	}
}

func TestKeyLifecycleOverTheWire(t *testing.T) {
	_, c := start(t)
	ctx := context.Background()
	created, err := c.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("wire")})
	if err != nil {
		t.Fatal(err)
	}
	md := created.KeyMetadata
	arn := aws.ToString(md.Arn)
	if !strings.HasSuffix(arn, ":key/"+aws.ToString(md.KeyId)) || !md.Enabled || md.KeyState != types.KeyStateEnabled ||
		md.CreationDate == nil || time.Since(*md.CreationDate) > time.Minute {
		t.Fatalf("CreateKey metadata = %+v", md)
	}

	if _, err := c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	desc, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: md.KeyId})
	if err != nil {
		t.Fatal(err)
	}
	if desc.KeyMetadata.Enabled || desc.KeyMetadata.KeyState != types.KeyStateDisabled || aws.ToString(desc.KeyMetadata.Description) != "wire" {
		t.Fatalf("DescribeKey after disable = %+v", desc.KeyMetadata)
	}
	_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x")})
	var disabled *types.DisabledException
	if !errors.As(err, &disabled) {
		t.Fatalf("Encrypt with disabled key: %v", err)
	}

	if _, err := c.EnableKey(ctx, &kms.EnableKeyInput{KeyId: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/wire"), TargetKeyId: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/wire"), Plaintext: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(enc.KeyId) != arn {
		t.Fatalf("Encrypt via alias used %q, want %q", aws.ToString(enc.KeyId), arn)
	}
	_, err = c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/none")})
	var notFound *types.NotFoundException
	if !errors.As(err, &notFound) {
		t.Fatalf("DescribeKey of a missing alias: %v", err)
	}
}

func TestGenerateDataKey(t *testing.T) {
	srv, c := start(t)
	ctx := context.Background()
	arn := srv.CreateKey()
	ec := map[string]string{"k": "v"}
	out, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(arn), KeySpec: types.DataKeySpecAes256, EncryptionContext: ec})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Plaintext) != 32 || aws.ToString(out.KeyId) != arn {
		t.Fatalf("GenerateDataKey: %d bytes under %q", len(out.Plaintext), aws.ToString(out.KeyId))
	}
	dec, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: out.CiphertextBlob, EncryptionContext: ec, KeyId: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(dec.Plaintext, out.Plaintext) {
		t.Fatal("Decrypt of the data key blob differs from the data key")
	}

	short, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(arn), NumberOfBytes: aws.Int32(7)})
	if err != nil {
		t.Fatal(err)
	}
	if len(short.Plaintext) != 7 {
		t.Fatalf("NumberOfBytes 7 gave %d bytes", len(short.Plaintext))
	}
	_, err = c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(arn)})
	if got := errorCode(t, err); got != "ValidationException" {
		t.Fatalf("GenerateDataKey without size: %q", got)
	}
}

func TestReEncrypt(t *testing.T) {
	srv, c := start(t)
	ctx := context.Background()
	src, dst := srv.CreateKey(), srv.CreateKey()
	srcCtx, dstCtx := map[string]string{"from": "src"}, map[string]string{"to": "dst"}
	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(src), Plaintext: []byte("moved"), EncryptionContext: srcCtx})
	if err != nil {
		t.Fatal(err)
	}

	re, err := c.ReEncrypt(ctx, &kms.ReEncryptInput{
		CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: srcCtx, SourceKeyId: aws.String(src),
		DestinationKeyId: aws.String(dst), DestinationEncryptionContext: dstCtx,
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(re.SourceKeyId) != src || aws.ToString(re.KeyId) != dst {
		t.Fatalf("ReEncrypt keys %q -> %q", aws.ToString(re.SourceKeyId), aws.ToString(re.KeyId))
	}
	dec, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: re.CiphertextBlob, EncryptionContext: dstCtx, KeyId: aws.String(dst)})
	if err != nil {
		t.Fatal(err)
	}
	if string(dec.Plaintext) != "moved" {
		t.Fatalf("Decrypt after ReEncrypt = %q", dec.Plaintext)
	}

	_, err = c.ReEncrypt(ctx, &kms.ReEncryptInput{
		CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: srcCtx, SourceKeyId: aws.String(dst), DestinationKeyId: aws.String(dst),
	})
	var incorrect *types.IncorrectKeyException
	if !errors.As(err, &incorrect) {
		t.Fatalf("ReEncrypt with the wrong SourceKeyId: %v", err)
	}

	// ReEncrypt to the same key after rotation moves the blob to the new
	// material, and the old blob still opens.
	if _, err := c.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: aws.String(src)}); err != nil {
		t.Fatal(err)
	}
	same, err := c.ReEncrypt(ctx, &kms.ReEncryptInput{
		CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: srcCtx, DestinationKeyId: aws.String(src), DestinationEncryptionContext: srcCtx,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, v, _ := kmstest.BlobKey(same.CiphertextBlob); v != 2 {
		t.Fatalf("ReEncrypt after rotation used material version %d, want 2", v)
	}
	for _, blob := range [][]byte{enc.CiphertextBlob, same.CiphertextBlob} {
		if _, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: srcCtx}); err != nil {
			t.Fatal(err)
		}
	}
}

// post sends a raw request, as a client that does not sign would.
func post(t *testing.T, srv *kmstest.Server, target, auth string) (int, map[string]string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL(), strings.NewReader(`{"KeyId":"alias/x","Plaintext":"eA=="}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", target)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

func TestAuthentication(t *testing.T) {
	srv, c := start(t)
	status, body := post(t, srv, "TrentService.Encrypt", "")
	if status != http.StatusBadRequest || body["__type"] != "MissingAuthenticationTokenException" {
		t.Fatalf("unsigned request: %d %v", status, body)
	}
	status, body = post(t, srv, "TrentService.Encrypt", "Bearer abc")
	if status != http.StatusBadRequest || body["__type"] != "IncompleteSignatureException" {
		t.Fatalf("non-SigV4 Authorization: %d %v", status, body)
	}
	status, body = post(t, srv, "TrentService.Frobnicate", "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/kms/aws4_request")
	if status != http.StatusBadRequest || body["__type"] != "UnknownOperationException" {
		t.Fatalf("unknown operation: %d %v", status, body)
	}

	ctx := context.Background()
	arn := srv.CreateKey()
	_, err := client(t, srv, "eu-west-1").Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x")})
	if got := errorCode(t, err); got != "InvalidSignatureException" {
		t.Fatalf("request signed for another region: %q", got)
	}

	srv.RequireAccessKeys("AKIDSOMEONEELSE")
	_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x")})
	if got := errorCode(t, err); got != "UnrecognizedClientException" {
		t.Fatalf("unknown access key: %q", got)
	}
	srv.RequireAccessKeys()

	srv.SetDenied(arn, true)
	_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x")})
	if got := errorCode(t, err); got != "AccessDeniedException" {
		t.Fatalf("denied key: %q", got)
	}
	srv.SetDenied(arn, false)
	if _, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x")}); err != nil {
		t.Fatal(err)
	}
}

func TestFaultInjectionAndCounts(t *testing.T) {
	srv, c := start(t)
	ctx := context.Background()
	arn := srv.CreateKey()
	encrypt := func() error {
		_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x")})
		return err
	}

	srv.Throttle(2)
	for range 2 {
		var re interface{ HTTPStatusCode() int }
		err := encrypt()
		if got := errorCode(t, err); got != "ThrottlingException" || !errors.As(err, &re) || re.HTTPStatusCode() != 400 {
			t.Fatalf("throttled call: %v", err)
		}
	}
	if err := encrypt(); err != nil {
		t.Fatal(err)
	}
	if got := srv.Calls("Encrypt"); got != 3 {
		t.Fatalf("Calls(Encrypt) = %d, want 3", got)
	}

	srv.SetOutage(true)
	var re interface{ HTTPStatusCode() int }
	if err := encrypt(); !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusServiceUnavailable {
		t.Fatalf("call during outage: %v", err)
	}
	srv.SetOutage(false)

	srv.SetLatency(2 * time.Second)
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	start := time.Now()
	_, err := c.Encrypt(short, &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x")})
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Fatalf("slow call returned after %v: %v", time.Since(start), err)
	}
	srv.SetLatency(0)

	if _, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	if got, want := srv.TotalCalls(), 6; got != want {
		t.Fatalf("TotalCalls() = %d, want %d", got, want)
	}
	srv.ResetCounts()
	if srv.TotalCalls() != 0 || srv.Calls("Encrypt") != 0 {
		t.Fatal("ResetCounts left counts")
	}

	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if err := encrypt(); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := srv.Calls("Encrypt"); got != 16 {
		t.Fatalf("Calls(Encrypt) after 16 concurrent calls = %d", got)
	}
}
