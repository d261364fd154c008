package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/audit"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine's writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startLinkageServe runs "phicrypt linkage serve" with args until the
// test ends and returns its URL and stderr.
func startLinkageServe(t *testing.T, args ...string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	serveContext = func() (context.Context, context.CancelFunc) { return ctx, cancel }
	serveListening = func(a string) { addr <- a }
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(append([]string{"linkage", "serve", "--addr", "127.0.0.1:0"}, args...), &bytes.Buffer{}, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("serve exited %d: %s", code, stderr.String())
		}
		serveContext, serveListening = signalContext, nil
	})
	select {
	case a := <-addr:
		return a, &stderr
	case code := <-done:
		t.Fatalf("serve exited %d: %s", code, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not start")
	}
	return "", nil
}

func runOK(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(args, &out, &errb); code != exitOK {
		t.Fatalf("phicrypt %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
	}
	return out.String()
}

func writeLinkageFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func readCSV(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// linkageKeys makes, in a temporary folder, an evaluator key, a network
// key and a token file admitting the principals, each bearer token in
// PRINCIPAL.bearer; it returns the folder's path function.
func linkageKeys(t *testing.T, principals ...string) func(string) string {
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	runOK(t, "linkage", "keygen", "--out", p("evaluator.key"))
	runOK(t, "linkage", "keygen", "--network", "--out", p("network.key"))
	for _, pr := range principals {
		tok := runOK(t, "linkage", "token", "--principal", pr, "--tokens", p("tokens.txt"))
		writeLinkageFile(t, p(pr+".bearer"), tok)
	}
	return p
}

func TestLinkageCLITwoSites(t *testing.T) {
	p := linkageKeys(t, "site-a", "site-b")
	tokA, _ := os.ReadFile(p("site-a.bearer"))
	tf, _ := os.ReadFile(p("tokens.txt"))
	if strings.Contains(string(tf), strings.TrimSpace(string(tokA))) || strings.Count(string(tf), "sha256:") != 2 {
		t.Fatalf("token file %q", tf)
	}
	url, stderr := startLinkageServe(t, "--key", p("evaluator.key"), "--tokens", p("tokens.txt"),
		"--audit-log", p("audit.jsonl"), "--rate", "100")
	if !strings.Contains(stderr.String(), "listening on "+url) {
		t.Errorf("serve said %q", stderr.String())
	}

	writeLinkageFile(t, p("a.csv"), "id,last,first,dob,sex,ssn\n"+
		"A1,Núñez,María,1980-03-07,F,123-45-6788\n"+
		"A2,Smith,John,1975-11-30,M,\n"+
		"A3,Lee,,1990-01-01,U,\n")
	writeLinkageFile(t, p("b.csv"), "mrn,name,dob,sex,ssn\n"+
		"B7,\"SMITH, JOHN\",11/30/1975,male,\n"+
		"B9,NUNEZ MARIA,03/07/1980,female,123456788\n")
	runOK(t, "linkage", "tokenize", "--url", url, "--bearer-file", p("site-a.bearer"), "--network-key", p("network.key"),
		"--in", p("a.csv"), "--out", p("a.tokens.csv"))
	runOK(t, "linkage", "tokenize", "--url", url, "--bearer-file", p("site-b.bearer"), "--network-key", p("network.key"),
		"--in", p("b.csv"), "--out", p("b.tokens.csv"), "--id", "mrn", "--full-name", "name")
	a, b := readCSV(t, p("a.tokens.csv")), readCSV(t, p("b.tokens.csv"))
	if a[0] != "id,ssn,name_dob_sex,phonetic_dob" || b[0] != "mrn,ssn,name_dob_sex,phonetic_dob" || len(a) != 4 || len(b) != 3 {
		t.Fatalf("outputs:\n%s\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
	}
	// A1 is B9 on every key, A2 is B7 on the name keys; A3 has no key.
	a1, b9 := strings.Split(a[1], ","), strings.Split(b[2], ",")
	a2, b7 := strings.Split(a[2], ","), strings.Split(b[1], ",")
	for i := 1; i <= 3; i++ {
		if len(a1[i]) != 64 || a1[i] != b9[i] {
			t.Errorf("key %d: A1 %q, B9 %q", i, a1[i], b9[i])
		}
	}
	if a2[1] != "" || b7[1] != "" || a2[2] == "" || a2[2] != b7[2] || a2[3] != b7[3] || a2[2] == a1[2] {
		t.Errorf("A2 %v, B7 %v", a2, b7)
	}
	if a[3] != "A3,,," {
		t.Errorf("A3 %q, want no tokens", a[3])
	}
	for _, s := range []string{"Núñez", "nunez", "123456788", "1980"} {
		if strings.Contains(strings.ToLower(strings.Join(a, "")+strings.Join(b, "")), strings.ToLower(s)) {
			t.Errorf("token output holds %q", s)
		}
	}

	// A wrong bearer token: exit 1, and an audit record of the refusal.
	writeLinkageFile(t, p("bad.bearer"), "not-a-token")
	var out, errb bytes.Buffer
	code := run([]string{"linkage", "tokenize", "--url", url, "--bearer-file", p("bad.bearer"), "--network-key", p("network.key"),
		"--in", p("a.csv")}, &out, &errb)
	if code != exitFinding || !strings.Contains(errb.String(), "unauthorized") || strings.Count(errb.String(), "phicrypt:") != 1 {
		t.Errorf("wrong token: exit %d, %q", code, errb.String())
	}

	f, err := os.Open(p("audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r audit.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		got = append(got, r.Principal+"/"+r.Op+"/"+r.Action+"/"+r.Outcome+"/"+r.Reason)
		if r.Outcome == audit.OutcomeOK && r.Rows != 5 {
			t.Errorf("audit rows %d for %s", r.Rows, r.Principal)
		}
	}
	want := "site-a/linkage/evaluate/ok/ site-b/linkage/evaluate/ok/ /linkage/evaluate/refused/unauthenticated"
	if strings.Join(got, " ") != want {
		t.Errorf("audit %q, want %q", strings.Join(got, " "), want)
	}
}

func TestLinkageCLIRateLimitAndUsage(t *testing.T) {
	p := linkageKeys(t, "site-a")
	url, _ := startLinkageServe(t, "--key", p("evaluator.key"), "--tokens", p("tokens.txt"), "--rate", "0.01", "--burst", "4")
	writeLinkageFile(t, p("a.csv"), "id,ssn\n1,123-45-6788\n2,123-45-6787\n")
	args := []string{"linkage", "tokenize", "--url", url, "--bearer-file", p("site-a.bearer"), "--network-key", p("network.key"), "--in", p("a.csv")}
	plain := runOK(t, args...)
	stretched := runOK(t, append(args, "--stretch", "pbkdf2-sha256:i=10")...)
	if plain == stretched || len(strings.Split(strings.TrimSpace(stretched), "\n")) != 3 {
		t.Errorf("stretched tokens:\n%s\nplain:\n%s", stretched, plain)
	}
	var out, errb bytes.Buffer
	if code := run(append(args, "--max-retries", "0"), &out, &errb); code != exitFinding || !strings.Contains(errb.String(), "rate limited") {
		t.Errorf("second run: exit %d, %q", code, errb.String())
	}

	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"linkage"}, exitUsage, "subcommands"},
		{[]string{"linkage", "nope"}, exitUsage, "unknown linkage subcommand"},
		{[]string{"linkage", "keygen"}, exitUsage, "--out FILE is required"},
		{[]string{"linkage", "keygen", "--out", p("evaluator.key")}, exitFinding, "never overwritten"},
		{[]string{"linkage", "serve", "--key", p("evaluator.key")}, exitUsage, "--tokens FILE"},
		{[]string{"linkage", "serve", "--key", p("network.key"), "--tokens", p("tokens.txt")}, exitFinding, "not a phicrypt-linkage-evaluator-key"},
		{[]string{"linkage", "token", "--principal", "site-a", "--tokens", p("tokens.txt")}, exitFinding, "listed twice"},
		{[]string{"linkage", "token", "--principal", "a b", "--tokens", p("tokens.txt")}, exitFinding, "principal"},
		{[]string{"linkage", "tokenize", "--url", url}, exitUsage, "required"},
		{append(args, "--stretch", "scrypt"), exitFinding, "invalid configuration"},
	} {
		var out, errb bytes.Buffer
		code := run(c.args, &out, &errb)
		if code != c.code || !strings.Contains(out.String()+errb.String(), c.msg) {
			t.Errorf("%v: exit %d, %q", c.args, code, out.String()+errb.String())
		}
	}
	if err := os.Chmod(p("evaluator.key"), 0o644); err != nil {
		t.Fatal(err)
	}
	var errb2 bytes.Buffer
	if code := run([]string{"linkage", "serve", "--key", p("evaluator.key"), "--tokens", p("tokens.txt")}, &bytes.Buffer{}, &errb2); code != exitFinding || !strings.Contains(errb2.String(), "readable by others") {
		t.Errorf("loose key file: exit %d, %q", code, errb2.String())
	}
}

// TestLinkageCLIWaitsOutRateLimit: tokenize splits its batches to the
// server's limit and waits as the server asks.
func TestLinkageCLIWaitsOutRateLimit(t *testing.T) {
	p := linkageKeys(t, "site-a")
	url, _ := startLinkageServe(t, "--key", p("evaluator.key"), "--tokens", p("tokens.txt"), "--rate", "2")
	writeLinkageFile(t, p("a.csv"), "id,ssn\n1,123-45-6788\n2,123-45-6787\n3,123-45-6786\n")
	out := runOK(t, "linkage", "tokenize", "--url", url, "--bearer-file", p("site-a.bearer"), "--network-key", p("network.key"), "--in", p("a.csv"))
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("output %q", out)
	}
	for _, l := range lines[1:] {
		if len(strings.Split(l, ",")[1]) != 64 {
			t.Errorf("row %q has no ssn token", l)
		}
	}
}
