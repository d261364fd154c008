package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRestart: a second run on the same data directory reuses the
// database, the key, the tokens and the audit log, seeds nothing, and the
// log of both runs verifies as one chain.
func TestRestart(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, options{data: dir})
	id := s.must(t, http.StatusCreated, "importer", "POST", "/v1/patients", newPatient).json["id"].(string)
	before := len(s.must(t, http.StatusOK, "researcher", "GET", "/v1/patients?limit=500", "").items(t))
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	s2 := startServer(t, options{data: dir})
	for name, tok := range s.tokens {
		if s2.tokens[name] != tok {
			t.Errorf("the token of %s changed", name)
		}
	}
	if got := s2.must(t, http.StatusOK, "admin", "GET", "/v1/patients/"+id, "").json; got["mrn"] != "MRN-7700001" {
		t.Fatalf("after the restart the admin reads %v", got)
	}
	if after := len(s2.must(t, http.StatusOK, "researcher", "GET", "/v1/patients?limit=500", "").items(t)); after != before {
		t.Errorf("%d patients before the restart, %d after", before, after)
	}
	lines, k := s2.stopAndReadLog(t)
	if res := verify(t, lines, k); !res.OK() || res.Verified < 2 {
		t.Fatalf("the log of two runs: %+v", res)
	}
}

// TestConfigRefused: a config file others may read, a repeated token, a
// short token and a file that is not a config are refused at start-up,
// and the message never quotes the file.
func TestConfigRefused(t *testing.T) {
	tok, _ := newToken()
	for name, c := range map[string]struct {
		text string
		mode os.FileMode
	}{
		"readable by others": {"principals:\n- {name: a, role: admin, token: " + tok + "}\n", 0o644},
		"repeated token":     {"principals:\n- {name: a, role: admin, token: " + tok + "}\n- {name: b, role: remote, token: " + tok + "}\n", 0o600},
		"short token":        {"principals:\n- {name: a, role: admin, token: emr_short}\n", 0o600},
		"not a config":       {"principals: [" + tok + "\n", 0o600},
		"unknown key":        {"principals:\n- {name: a, role: admin, token: " + tok + ", tokn: x}\n", 0o600},
		"no principals":      {"principals: []\n", 0o600},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.yaml")
			if err := os.WriteFile(path, []byte(c.text), c.mode); err != nil {
				t.Fatal(err)
			}
			os.Chmod(path, c.mode)
			_, _, err := loadOrCreateConfig(path)
			if err == nil {
				t.Fatal("accepted")
			}
			if strings.Contains(err.Error(), tok) {
				t.Errorf("the error quotes a token: %v", err)
			}
		})
	}
}

// TestSecondServerRefused: a second server on the same data directory,
// on the same address or another, stops before it writes anything, and
// the first one's audit chain stays whole.
func TestSecondServerRefused(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, options{data: dir})
	s.must(t, http.StatusOK, "admin", "GET", "/v1/patients?limit=5", "")
	host := strings.TrimPrefix(s.base, "http://")
	for _, addr := range []string{host, "127.0.0.1:0"} {
		o := options{data: dir, addr: addr, seed: 12}
		// Were it to start, it would serve until the deadline and return nil.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := run(ctx, o, slog.New(slog.NewJSONHandler(io.Discard, nil)), nil)
		cancel()
		if err == nil {
			t.Fatalf("a second server on %s started", addr)
		}
		if addr != host && !strings.Contains(err.Error(), "one writer per log") {
			t.Errorf("second server on another address: %v", err)
		}
	}
	s.must(t, http.StatusOK, "admin", "GET", "/v1/patients?limit=5", "")
	lines, k := s.stopAndReadLog(t)
	if res := verify(t, lines, k); !res.OK() {
		t.Fatalf("the first server's log after a second server tried: %+v", res)
	}
}
