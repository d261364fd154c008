package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/audit"
)

// auditLog runs a few requests, stops the server and returns the audit
// log's lines and the KEK that checks it.
func auditLog(t *testing.T) ([]string, *keks) {
	t.Helper()
	s := startServer(t, options{})
	id := s.must(t, http.StatusCreated, "admin", "POST", "/v1/patients", newPatient).json["id"].(string)
	s.must(t, http.StatusOK, "researcher", "GET", "/v1/patients/"+id, "")
	s.must(t, http.StatusForbidden, "remote", "GET", "/v1/patients/"+id, "")
	s.must(t, http.StatusUnauthorized, "", "GET", "/v1/patients/"+id, "")
	return s.stopAndReadLog(t)
}

// stopAndReadLog stops the server and returns its audit log's lines and
// the KEK that checks them.
func (s *testServer) stopAndReadLog(t *testing.T) ([]string, *keks) {
	t.Helper()
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(s.o.data, "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.SplitAfter(strings.TrimSuffix(string(data), "\n"), "\n"), testKEKs(t, s.o)
}

func verify(t *testing.T, lines []string, k *keks) *audit.VerifyResult {
	t.Helper()
	res, err := audit.Verify(strings.NewReader(strings.Join(lines, "")+"\n"), k.kek)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestAuditLog: the log of a run verifies with the KEK, ends with a
// checkpoint, records the refusals with the principal and the request id,
// and breaks, saying where, when a record is edited, removed or reordered.
func TestAuditLog(t *testing.T) {
	lines, k := auditLog(t)
	res := verify(t, lines, k)
	if !res.OK() || res.Verified < 1 || res.AfterCheckpoint != 0 {
		t.Fatalf("the log of a run does not verify: %+v", res)
	}
	var sawRefusal, sawUnauth bool
	for _, l := range lines {
		var r audit.Record
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		if r.Op != audit.OpCheckpoint && r.RequestID == "" {
			t.Errorf("record %d has no request id", r.Seq)
		}
		sawRefusal = sawRefusal || r.Principal == "remote" && r.Role == "remote" && r.Outcome == audit.OutcomeRefused && r.Reason == "forbidden"
		sawUnauth = sawUnauth || r.Principal == "" && r.Outcome == audit.OutcomeRefused && r.Reason == "unauthenticated"
	}
	if !sawRefusal || !sawUnauth {
		t.Errorf("refusals not recorded (forbidden %v, unauthenticated %v)", sawRefusal, sawUnauth)
	}

	mid := len(lines) / 2
	for name, tamper := range map[string]func([]string) []string{
		"edited": func(l []string) []string {
			l[mid] = strings.Replace(l[mid], `"rows":`, `"rows":1`, 1)
			return l
		},
		"removed":   func(l []string) []string { return append(l[:mid], l[mid+1:]...) },
		"reordered": func(l []string) []string { l[mid], l[mid+1] = l[mid+1], l[mid]; return l },
	} {
		t.Run(name, func(t *testing.T) {
			res := verify(t, tamper(append([]string(nil), lines...)), k)
			if res.OK() {
				t.Fatal("the tampered log verifies")
			}
			if f := res.Findings[0]; f.Line != mid+1 && f.Line != mid+2 {
				t.Errorf("first finding %v is not at line %d or %d", f, mid+1, mid+2)
			}
		})
	}
	// A chain rewritten without the KEK: hashes recomputed, checkpoints not.
	t.Run("rewritten", func(t *testing.T) {
		var out []string
		prev := audit.GenesisPrev
		for _, l := range lines[1:] {
			var r audit.Record
			json.Unmarshal([]byte(l), &r)
			r.Seq--
			r.Prev = prev
			r.Hash = ""
			r.Hash, _ = r.ComputeHash()
			prev = r.Hash
			b, _ := r.Line()
			out = append(out, string(b)+"\n")
		}
		if res := verify(t, out, k); res.OK() || !bytes.Contains([]byte(res.Findings[0].String()), []byte("checkpoint")) {
			t.Fatalf("a rewritten chain verifies: %+v", res)
		}
	})
}
