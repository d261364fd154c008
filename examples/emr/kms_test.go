package main

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/phicrypt/phicrypt/internal/kmstest"
)

// TestKMS: --kek aws-kms://ARN (here a local endpoint speaking the AWS KMS
// protocol) wraps the keysets and the audit checkpoints; no key file is
// created.
func TestKMS(t *testing.T) {
	srv := kmstest.New()
	defer srv.Close()
	arn := srv.CreateKey()
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, v := range []string{"AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ENDPOINT_URL",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_MAX_ATTEMPTS"} {
		t.Setenv(v, "")
	}
	t.Setenv("AWS_ENDPOINT_URL_KMS", srv.URL())
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEMRTEST01")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "emr-example-test-secret")

	s := startServer(t, options{kek: "aws-kms://" + arn})
	id := s.must(t, http.StatusCreated, "importer", "POST", "/v1/patients", newPatient).json["id"].(string)
	if got := s.must(t, http.StatusOK, "admin", "GET", "/v1/patients/"+id, "").json; got["ssn"] != "955-44-3322" {
		t.Fatalf("admin reads %v", got)
	}
	if r := redacted(s.must(t, http.StatusOK, "researcher", "GET", "/v1/patients/"+id, "").json); len(r) != len(phiFields) {
		t.Fatalf("researcher's redactions: %v", r)
	}
	lines, k := s.stopAndReadLog(t)
	if res := verify(t, lines, k); !res.OK() || res.Verified == 0 {
		t.Fatalf("audit log under KMS: %+v", res)
	}
	if _, err := os.Stat(filepath.Join(s.o.data, "emr.key")); !os.IsNotExist(err) {
		t.Errorf("a local key file was created beside a KMS KEK: %v", err)
	}
}
