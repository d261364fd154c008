package cipher_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/kmstest"
	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/keyprovider/awskms"
)

func kmsKEK(t *testing.T, srv *kmstest.Server, arn string) *awskms.KEK {
	t.Helper()
	k, err := awskms.New(context.Background(), "aws-kms://"+arn, awskms.Config{
		Options: keyprovider.Options{Timeout: 2 * time.Second, MaxAttempts: 3},
		AWS: &aws.Config{Region: kmstest.Region,
			Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")},
		Endpoint:   srv.URL(),
		MaxBackoff: 10 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestAWSKMSKeyring runs the keyring over the real AWS SDK against the
// local KMS endpoint and counts the calls that reach it.
func TestAWSKMSKeyring(t *testing.T) {
	ctx := context.Background()
	srv := kmstest.New()
	t.Cleanup(srv.Close)
	arn := srv.CreateKey()
	store := cipher.NewMemStore()
	ring := newRing(t, kmsKEK(t, srv, arn), store)
	cols := map[string]*cipher.Column{}
	for _, name := range []string{"ssn", "mrn", "email"} {
		cols[name] = mustColumn(t, ring, "patients", name)
	}
	cts := map[string][][]byte{}
	for i := 0; i < 2000; i++ {
		for name, c := range cols {
			ct, err := c.Seal(ctx, fmt.Sprintf("%s-%d", name, i), []byte(fmt.Sprint(i)))
			if err != nil {
				t.Fatal(err)
			}
			cts[name] = append(cts[name], ct)
		}
	}
	if enc, dec := srv.Calls("Encrypt"), srv.Calls("Decrypt"); enc != 3 || dec != 0 {
		t.Fatalf("6000 seals over 3 columns made %d Encrypt and %d Decrypt calls, want 3 and 0", enc, dec)
	}

	// A second process opens everything with one Decrypt per keyset.
	srv.ResetCounts()
	reader := newRing(t, kmsKEK(t, srv, arn), store)
	for name, list := range cts {
		c := mustColumn(t, reader, "patients", name)
		for i, ct := range list {
			v, err := c.Open(ctx, ct, []byte(fmt.Sprint(i)))
			if err != nil || v != fmt.Sprintf("%s-%d", name, i) {
				t.Fatalf("open %s %d: %v, %v", name, i, v, err)
			}
		}
	}
	if got := srv.TotalCalls(); got != 3 {
		t.Fatalf("6000 opens made %d KMS calls, want 3", got)
	}

	// An outage: a cold keyring fails closed with ErrKMSUnavailable; the
	// warm one keeps working from its cache.
	srv.SetOutage(true)
	cold := newRing(t, kmsKEK(t, srv, arn), store)
	_, err := mustColumn(t, cold, "patients", "ssn").Open(ctx, cts["ssn"][0], []byte("0"))
	if !errors.Is(err, cipher.ErrKMSUnavailable) {
		t.Fatalf("outage: %v", err)
	}
	if _, err := cols["ssn"].Open(ctx, cts["ssn"][0], []byte("0")); err != nil {
		t.Fatalf("warm cache during outage: %v", err)
	}
	srv.SetOutage(false)

	// Another KMS key cannot open the keysets.
	wrong := newRing(t, kmsKEK(t, srv, srv.CreateKey()), store)
	_, err = mustColumn(t, wrong, "patients", "ssn").Open(ctx, cts["ssn"][0], []byte("0"))
	if !errors.Is(err, cipher.ErrWrongKEK) {
		t.Fatalf("other KMS key: %v", err)
	}

	// KMS-side rotation then a service-side rewrap (ReEncrypt).
	srv.RotateKey(arn)
	srv.ResetCounts()
	n, err := ring.Rewrap(ctx, kmsKEK(t, srv, arn))
	if err != nil || n != 3 {
		t.Fatalf("rewrap: %d, %v", n, err)
	}
	if srv.Calls("ReEncrypt") != 3 || srv.Calls("Decrypt") != 0 {
		t.Fatalf("rewrap made %d ReEncrypt and %d Decrypt calls", srv.Calls("ReEncrypt"), srv.Calls("Decrypt"))
	}
	after := newRing(t, kmsKEK(t, srv, arn), store)
	if v, err := mustColumn(t, after, "patients", "mrn").Open(ctx, cts["mrn"][7], []byte("7")); err != nil || v != "mrn-7" {
		t.Fatalf("after rewrap: %v, %v", v, err)
	}
}
