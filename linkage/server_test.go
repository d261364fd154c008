package linkage

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/phicrypt/phicrypt/audit"
)

// recorder keeps every request body the evaluator receives.
type recorder struct {
	mu     sync.Mutex
	bodies [][]byte
	auth   []string
}

func (rc *recorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.bodies = append(rc.bodies, body)
		rc.auth = append(rc.auth, r.Header.Get("Authorization"))
		rc.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, r)
	})
}

type testServer struct {
	url     string
	ev      *Evaluator
	rec     *recorder
	logPath string
	logger  *audit.Logger
	tokens  map[string]string // principal → bearer token
}

func startServer(t *testing.T, cfg ServerConfig) *testServer {
	t.Helper()
	ts := &testServer{rec: &recorder{}, tokens: map[string]string{}}
	var lines []string
	for _, p := range []string{"site-a", "site-b"} {
		tok, line, err := NewBearerToken(p)
		if err != nil {
			t.Fatal(err)
		}
		ts.tokens[p] = tok
		lines = append(lines, line)
	}
	pr, err := ParsePrincipals([]byte("# sites\n" + strings.Join(lines, "\n") + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Evaluator == nil {
		cfg.Evaluator = testEvaluator(t)
	}
	ts.ev = cfg.Evaluator
	cfg.Principals = pr
	if cfg.Audit == nil {
		ts.logPath = filepath.Join(t.TempDir(), "audit.jsonl")
		ts.logger, err = audit.OpenFile(context.Background(), ts.logPath, audit.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ts.logger.Close() })
		cfg.Audit = ts.logger
	}
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(ts.rec.wrap(srv))
	t.Cleanup(hs.Close)
	ts.url = hs.URL
	return ts
}

func (ts *testServer) client(t *testing.T, principal string) *Client {
	t.Helper()
	site, err := NewObliviousSite(testNetworkKey)
	if err != nil {
		t.Fatal(err)
	}
	return &Client{URL: ts.url, Token: ts.tokens[principal], Site: site}
}

// auditRecords reads the audit log back.
func (ts *testServer) auditRecords(t *testing.T) []audit.Record {
	t.Helper()
	f, err := os.Open(ts.logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []audit.Record
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r audit.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func TestServerTwoSitesOverLoopback(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	k := defaultKeys(t)
	a, b := twoSites()
	var encA, encB []Encoded
	for i := range a {
		encA = append(encA, k.Encode(a[i])...)
		encB = append(encB, k.Encode(b[i])...)
	}
	ctx := context.Background()
	ca := ts.client(t, "site-a")
	ca.BatchSize = 4 // several requests
	tokA, err := ca.Tokens(ctx, encA)
	if err != nil {
		t.Fatal(err)
	}
	tokB, err := ts.client(t, "site-b").Tokens(ctx, encB)
	if err != nil {
		t.Fatal(err)
	}
	local, _ := NewObliviousSite(testNetworkKey)
	want := oblivious(t, local, ts.ev, encA)
	for i := range tokA {
		if tokA[i] != tokB[i] || tokA[i] != want[i] {
			t.Errorf("token %d (%s): site A %s, site B %s, in process %s", i, encA[i].Key, tokA[i], tokB[i], want[i])
		}
	}
	for i := range tokA {
		for j := range tokA {
			if i != j && tokA[i] == tokA[j] {
				t.Errorf("tokens %d and %d coincide", i, j)
			}
		}
	}
	// What the evaluator received: blinded elements only. Neither the
	// encoding, nor a normalised value, nor an unkeyed hash of the
	// encoding, nor its hash to the group (the unblinded element), nor
	// the OPRF output appears, raw, in hex or in base64.
	var forbidden [][]byte
	h2g := suite.Group()
	dst := []byte("HashToGroup-OPRFV1-\x00-" + SuiteID)
	for _, e := range append(encA, encB...) {
		s256 := sha256.Sum256(e.Bytes)
		s512 := sha512.Sum512(e.Bytes)
		s1 := sha1.Sum(e.Bytes)
		el, err := h2g.HashToElement(e.Bytes, dst).MarshalBinaryCompress()
		if err != nil {
			t.Fatal(err)
		}
		out, err := ts.ev.fullEvaluate(e.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		forbidden = append(forbidden, e.Bytes, s256[:], s512[:], s512[:32], s1[:], el, out, out[:32])
	}
	for _, v := range []string{"nunez", "maria", "1980-03-07", "123456788", "smith", "john", "1975-11-30", "234567890"} {
		forbidden = append(forbidden, []byte(v))
	}
	if len(ts.rec.bodies) != 4 {
		t.Fatalf("%d requests, want 4 (3 of site A, 1 of site B)", len(ts.rec.bodies))
	}
	for i, body := range ts.rec.bodies {
		var req evalRequest
		if err := json.Unmarshal(body, &req); err != nil {
			t.Fatal(err)
		}
		lower := bytes.ToLower(body)
		for _, f := range forbidden {
			for _, form := range [][]byte{f, []byte(hex.EncodeToString(f)), []byte(base64.StdEncoding.EncodeToString(f))} {
				if bytes.Contains(body, form) || bytes.Contains(lower, form) {
					t.Errorf("request %d holds %q", i, form)
				}
			}
			for _, el := range req.Elements {
				if bytes.Equal(el, f) || (len(f) >= 32 && bytes.Equal(el, f[:32])) {
					t.Errorf("request %d sent a forbidden value as an element", i)
				}
			}
		}
	}
	// Sending the same encodings again sends other elements (fresh blinds).
	before := len(ts.rec.bodies)
	if _, err := ts.client(t, "site-a").Tokens(ctx, encA[:1]); err != nil {
		t.Fatal(err)
	}
	var first, again evalRequest
	_ = json.Unmarshal(ts.rec.bodies[0], &first)
	_ = json.Unmarshal(ts.rec.bodies[before], &again)
	if bytes.Equal(first.Elements[0], again.Elements[0]) {
		t.Error("the same input was blinded to the same element twice")
	}
	// The audit trail: one ok record per request, counts only.
	recs := ts.auditRecords(t)
	if len(recs) != 5 {
		t.Fatalf("%d audit records, want 5", len(recs))
	}
	rows := map[string]int64{}
	for _, r := range recs {
		if r.Op != AuditOp || r.Action != AuditAction || r.Outcome != audit.OutcomeOK {
			t.Errorf("audit record %+v", r)
		}
		rows[r.Principal] += r.Rows
	}
	if rows["site-a"] != int64(len(encA)+1) || rows["site-b"] != int64(len(encB)) {
		t.Errorf("audited rows %v", rows)
	}
	raw, _ := os.ReadFile(ts.logPath)
	for _, body := range ts.rec.bodies {
		var req evalRequest
		_ = json.Unmarshal(body, &req)
		for _, el := range req.Elements {
			if bytes.Contains(raw, []byte(base64.StdEncoding.EncodeToString(el))) || bytes.Contains(raw, []byte(hex.EncodeToString(el))) {
				t.Error("the audit log holds an element")
			}
		}
	}
	for _, tok := range ts.tokens {
		if bytes.Contains(raw, []byte(tok)) {
			t.Error("the audit log holds a bearer token")
		}
	}
}

func post(t *testing.T, url, auth string, body []byte) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+EvaluatePath, bytes.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func blindedBody(t *testing.T, n int) []byte {
	t.Helper()
	site, _ := NewObliviousSite(testNetworkKey)
	encs := make([]Encoded, n)
	for i := range encs {
		encs[i] = Encoded{Key: "k", Bytes: []byte{byte(i), byte(i >> 8)}}
	}
	b, err := site.Blind(encs)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(evalRequest{Suite: SuiteID, Elements: b.Elements})
	return body
}

func TestServerRefusesUnauthenticated(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	body := blindedBody(t, 2)
	for _, auth := range []string{"", "Bearer", "Bearer wrong", "Basic " + ts.tokens["site-a"], ts.tokens["site-a"]} {
		if resp := post(t, ts.url, auth, body); resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("auth %q: %d", auth, resp.StatusCode)
		}
	}
	recs := ts.auditRecords(t)
	if len(recs) != 5 {
		t.Fatalf("%d audit records, want 5", len(recs))
	}
	for _, r := range recs {
		if r.Principal != "" || r.Op != AuditOp || r.Outcome != audit.OutcomeRefused || r.Reason != "unauthenticated" {
			t.Errorf("audit record %+v", r)
		}
	}
	c := ts.client(t, "site-a")
	c.Token = "wrong"
	if _, err := c.Tokens(context.Background(), []Encoded{{Key: "k", Bytes: []byte("x")}}); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("client with a wrong token: %v", err)
	}
	if resp := post(t, ts.url, "bearer "+ts.tokens["site-b"], body); resp.StatusCode != http.StatusOK {
		t.Errorf("valid token (lower-case scheme): %d", resp.StatusCode)
	}
}

func TestServerRateLimit(t *testing.T) {
	ts := startServer(t, ServerConfig{Rate: 0.5, Burst: 4})
	auth := "Bearer " + ts.tokens["site-a"]
	if resp := post(t, ts.url, auth, blindedBody(t, 4)); resp.StatusCode != http.StatusOK {
		t.Fatalf("first batch: %d", resp.StatusCode)
	}
	resp := post(t, ts.url, auth, blindedBody(t, 1))
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "2" {
		t.Errorf("second batch: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Limits are per principal.
	if resp := post(t, ts.url, "Bearer "+ts.tokens["site-b"], blindedBody(t, 1)); resp.StatusCode != http.StatusOK {
		t.Errorf("other principal: %d", resp.StatusCode)
	}
	// A batch above the burst can never pass: 413, not 429.
	if resp := post(t, ts.url, "Bearer "+ts.tokens["site-b"], blindedBody(t, 5)); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("batch above burst: %d", resp.StatusCode)
	}
	if _, err := ts.client(t, "site-a").Tokens(context.Background(), []Encoded{{Key: "k", Bytes: []byte("x")}}); !errors.Is(err, ErrRateLimited) {
		t.Errorf("client: %v", err)
	}
	var got []string
	for _, r := range ts.auditRecords(t) {
		got = append(got, r.Principal+"/"+r.Outcome+"/"+r.Reason)
	}
	want := "site-a/ok/ site-a/refused/rate_limited site-b/ok/ site-b/refused/too_large site-a/refused/rate_limited"
	if strings.Join(got, " ") != want {
		t.Errorf("audit %q\nwant  %q", strings.Join(got, " "), want)
	}
}

func TestServerRefusesMalformed(t *testing.T) {
	ts := startServer(t, ServerConfig{MaxBatch: 3})
	auth := "Bearer " + ts.tokens["site-a"]
	idEl := base64.StdEncoding.EncodeToString(make([]byte, 32))
	for name, c := range map[string]struct {
		body   string
		status int
	}{
		"not json":      {"{", http.StatusBadRequest},
		"unknown field": {`{"suite":"ristretto255-SHA512","elements":[],"x":1}`, http.StatusBadRequest},
		"wrong suite":   {`{"suite":"P256-SHA256","elements":["` + idEl + `"]}`, http.StatusBadRequest},
		"no elements":   {`{"suite":"ristretto255-SHA512","elements":[]}`, http.StatusBadRequest},
		"identity":      {`{"suite":"ristretto255-SHA512","elements":["` + idEl + `"]}`, http.StatusBadRequest},
		"too many":      {string(blindedBody(t, 4)), http.StatusRequestEntityTooLarge},
		"too long":      {`{"suite":"` + strings.Repeat("x", 1000) + `"}`, http.StatusRequestEntityTooLarge},
	} {
		if resp := post(t, ts.url, auth, []byte(c.body)); resp.StatusCode != c.status {
			t.Errorf("%s: %d, want %d", name, resp.StatusCode, c.status)
		}
	}
	for _, r := range ts.auditRecords(t) {
		if r.Principal != "site-a" || r.Outcome != audit.OutcomeRefused || r.Reason == "" {
			t.Errorf("audit record %+v", r)
		}
	}
	resp, _ := http.Get(ts.url + EvaluatePath)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET without token: %d", resp.StatusCode)
	}
}

type failingAuditor struct{}

func (failingAuditor) Log(context.Context, audit.Record) (audit.Record, error) {
	return audit.Record{}, errors.New("disk full")
}

// TestServerFailsClosedWithoutAudit: no record, no evaluation.
func TestServerFailsClosedWithoutAudit(t *testing.T) {
	ts := startServer(t, ServerConfig{Audit: failingAuditor{}})
	if resp := post(t, ts.url, "Bearer "+ts.tokens["site-a"], blindedBody(t, 1)); resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", resp.StatusCode)
	}
}

func TestParsePrincipals(t *testing.T) {
	tok, line, err := NewBearerToken("site-a")
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParsePrincipals([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if name, ok := p.lookup(tok); !ok || name != "site-a" {
		t.Errorf("lookup = %q, %v", name, ok)
	}
	if _, ok := p.lookup(tok + "x"); ok {
		t.Error("another token admitted")
	}
	h := sha256.Sum256([]byte("t"))
	hx := hex.EncodeToString(h[:])
	for _, bad := range []string{"", "# only\n", "site-a " + hx, "site-a sha256:abcd", "bad name sha256:" + hx,
		"a sha256:" + hx + "\nb sha256:" + hx, "a sha256:" + hx + "\na sha256:" + strings.Repeat("0", 64)} {
		if _, err := ParsePrincipals([]byte(bad)); !errors.Is(err, ErrBadConfig) {
			t.Errorf("ParsePrincipals(%q) = %v", bad, err)
		}
	}
	if _, _, err := NewBearerToken("a b"); !errors.Is(err, ErrBadConfig) {
		t.Error("principal with a space accepted")
	}
}

// TestClientFollowsServerLimits: a client whose batches exceed the
// server's limit splits them, and waits out 429s when told to.
func TestClientFollowsServerLimits(t *testing.T) {
	ts := startServer(t, ServerConfig{Rate: 50, Burst: 5})
	encs := make([]Encoded, 12)
	for i := range encs {
		encs[i] = Encoded{Key: "k", Bytes: []byte{byte(i)}}
	}
	c := ts.client(t, "site-a")
	c.MaxRetries = -1
	got, err := c.Tokens(context.Background(), encs)
	if err != nil {
		t.Fatal(err)
	}
	local, _ := NewObliviousSite(testNetworkKey)
	want := oblivious(t, local, ts.ev, encs)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("token %d differs", i)
		}
	}
	var ok int64
	reasons := map[string]int{}
	for _, r := range ts.auditRecords(t) {
		reasons[r.Reason]++
		if r.Outcome == audit.OutcomeOK {
			ok += r.Rows
		}
	}
	if ok != 12 || reasons["too_large"] != 1 || reasons["rate_limited"] == 0 {
		t.Errorf("evaluated %d elements; reasons %v", ok, reasons)
	}
}

// TestServerConcurrentClients runs clients of both principals at once
// (go test -race checks the evaluator, limiters and audit logger).
func TestServerConcurrentClients(t *testing.T) {
	ts := startServer(t, ServerConfig{Rate: 10000})
	encs := make([]Encoded, 20)
	for i := range encs {
		encs[i] = Encoded{Key: "k", Bytes: []byte{byte(i)}}
	}
	local, _ := NewObliviousSite(testNetworkKey)
	want := oblivious(t, local, ts.ev, encs)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := ts.client(t, []string{"site-a", "site-b"}[g%2])
			c.BatchSize = 3
			got, err := c.Tokens(context.Background(), encs)
			if err == nil {
				for i := range want {
					if got[i] != want[i] {
						err = errors.New("token differs")
					}
				}
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := len(ts.auditRecords(t)); n != 8*7 {
		t.Errorf("%d audit records, want %d", n, 8*7)
	}
}
