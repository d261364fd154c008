package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// syncBuffer is the server's log output, written by its goroutines.
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

// testServer is the example's server, started by run on 127.0.0.1:0 as
// main starts it.
type testServer struct {
	base   string
	o      options
	logs   *syncBuffer
	tokens map[string]string // principal name -> token
	stop   func() error      // stops the server and closes everything (once)
}

// startServer runs the server with o (defaults: a fresh data directory,
// SQLite, a local key file, 12 seeded patients) until the test ends.
func startServer(t *testing.T, o options) *testServer {
	t.Helper()
	if o.data == "" {
		o.data = t.TempDir()
	}
	if o.seed == 0 {
		o.seed = 12
	}
	o.addr = "127.0.0.1:0"
	s := &testServer{o: o, logs: &syncBuffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, o, slog.New(slog.NewJSONHandler(s.logs, nil)), func(a net.Addr) { addr <- a })
	}()
	select {
	case a := <-addr:
		s.base = "http://" + a.String()
	case err := <-done:
		cancel()
		t.Fatalf("server did not start: %v\n%s", err, s.logs)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("server did not start within 30s")
	}
	var once sync.Once
	var stopErr error
	s.stop = func() error {
		once.Do(func() {
			cancel()
			stopErr = <-done
		})
		return stopErr
	}
	t.Cleanup(func() {
		if err := s.stop(); err != nil {
			t.Errorf("server stopped with %v", err)
		}
	})
	cfg, _, err := loadOrCreateConfig(filepath.Join(o.data, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s.tokens = map[string]string{}
	for _, p := range cfg.Principals {
		s.tokens[p.Name] = p.Token
	}
	return s
}

// answer is a response: status, request id, raw body and decoded JSON.
type answer struct {
	status int
	rid    string
	raw    string
	json   map[string]any
}

// call makes a request as the principal who ("" sends no credentials; a
// name not in the config is sent as the token itself).
func (s *testServer) call(t *testing.T, who, method, path, body string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if who != "" {
		tok, ok := s.tokens[who]
		if !ok {
			tok = who
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, rid: resp.Header.Get("X-Request-Id"), raw: string(raw)}
	if err := json.Unmarshal(raw, &a.json); err != nil {
		t.Fatalf("%s %s: answer is not a JSON object: %q", method, path, raw)
	}
	return a
}

// must calls and fails the test unless the status is want.
func (s *testServer) must(t *testing.T, want int, who, method, path, body string) answer {
	t.Helper()
	a := s.call(t, who, method, path, body)
	if a.status != want {
		t.Fatalf("%s %s %s as %q: status %d, want %d: %s", method, path, body, who, a.status, want, a.raw)
	}
	return a
}

// items are the "items" of a list answer.
func (a answer) items(t *testing.T) []map[string]any {
	t.Helper()
	raw, ok := a.json["items"].([]any)
	if !ok {
		t.Fatalf("no items in %s", a.raw)
	}
	out := make([]map[string]any, len(raw))
	for i, r := range raw {
		out[i] = r.(map[string]any)
	}
	return out
}

// redacted returns the "redacted" list of an answer's object.
func redacted(obj map[string]any) []string {
	var out []string
	l, _ := obj["redacted"].([]any)
	for _, x := range l {
		out = append(out, x.(string))
	}
	return out
}

// testKEKs opens the KEKs o names, as the server does.
func testKEKs(t *testing.T, o options) *keks {
	t.Helper()
	k, err := openKEKs(context.Background(), o, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// direct is the server's SQLite database opened by the test beside it.
type direct struct {
	sqldb   *sql.DB
	dialect string
	store   *sqlwrap.KeysetStore
}

func openDirect(t *testing.T, data string) *direct {
	t.Helper()
	sqldb, dialect, err := phicrypt.OpenSQL(context.Background(), "sqlite:"+filepath.Join(data, "emr.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sqldb.Close() })
	store, err := sqlwrap.NewKeysetStore(sqldb, dialect)
	if err != nil {
		t.Fatal(err)
	}
	return &direct{sqldb, dialect, store}
}

// patients opens the patients table through a keyring over store with
// k's KEKs, limited to g (nil: none), as the server opens a principal's.
func (d *direct) patients(t *testing.T, k *keks, store cipher.Store, g *cipher.Grant) (*sqlwrap.TableAccess, *cipher.Keyring) {
	t.Helper()
	ring, err := k.ring(store, g)
	if err != nil {
		t.Fatal(err)
	}
	schema, err := sqlwrap.ParseSchema("schema.yaml", schemaYAML)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlwrap.Open(d.sqldb, d.dialect, schema, ring)
	if err != nil {
		t.Fatal(err)
	}
	ta, err := db.Table("patients")
	if err != nil {
		t.Fatal(err)
	}
	return ta, ring
}
