package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"
)

// selfSignedCert writes a certificate for 127.0.0.1 and its key.
func selfSignedCert(t *testing.T, certPath, keyPath string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "linkage test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kd, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writeLinkageFile(t, certPath, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeLinkageFile(t, keyPath, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd})))
}

func TestLinkageCLITLS(t *testing.T) {
	p := linkageKeys(t, "site-a")
	selfSignedCert(t, p("cert.pem"), p("key.pem"))
	url, _ := startLinkageServe(t, "--key", p("evaluator.key"), "--tokens", p("tokens.txt"),
		"--tls-cert", p("cert.pem"), "--tls-key", p("key.pem"))
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("url %q", url)
	}
	writeLinkageFile(t, p("a.csv"), "id,ssn\n1,123-45-6788\n")
	args := []string{"linkage", "tokenize", "--url", url, "--bearer-file", p("site-a.bearer"), "--network-key", p("network.key"), "--in", p("a.csv")}
	out := runOK(t, append(args, "--ca", p("cert.pem"))...)
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 || len(lines[1]) != len("1,")+64+2 {
		t.Errorf("output %q", out)
	}
	var o, e bytes.Buffer
	if code := run(args, &o, &e); code != exitFinding || !strings.Contains(e.String(), "certificate") {
		t.Errorf("without --ca: exit %d, %q", code, e.String())
	}
	if code := run([]string{"linkage", "serve", "--key", p("evaluator.key"), "--tokens", p("tokens.txt"), "--tls-cert", p("cert.pem")}, &o, &e); code != exitUsage {
		t.Errorf("--tls-cert alone: exit %d", code)
	}
}
