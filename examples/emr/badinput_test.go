package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/audit"
)

// TestBadInput: each bad request gets a clear 4xx JSON error naming no
// value, writes nothing, and leaves an audit record of the refusal with
// its request id.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	cfg, err := newConfig()
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := newToken()
	cfg.Principals = append(cfg.Principals, principal{Name: "auditor", Role: "auditor", Token: tok})
	if err := writeConfig(filepath.Join(dir, "config.yaml"), cfg); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, options{data: dir})
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "emr.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func() (n int) {
		var p, e int
		if err := db.QueryRow("SELECT (SELECT COUNT(*) FROM patients), (SELECT COUNT(*) FROM encounters)").Scan(&p, &e); err != nil {
			t.Fatal(err)
		}
		return p*100000 + e
	}
	// Every value below holds the marker, which no answer may repeat.
	const marker = "Qzxbadinput"
	ok := `"mrn":"MRN-Qzxbadinput","first_name":"Qzxbadinput","last_name":"Qzxbadinput","dob":"1961-09-14"`
	demo := "/v1/patients/" + demoPatients[0]["id"].(string)
	for _, c := range []struct {
		name, who, method, path, body string
		status                        int
		code                          string
	}{
		{"malformed JSON", "admin", "POST", "/v1/patients", `{` + ok + `,`, 400, "malformed_json"},
		{"syntax error", "admin", "POST", "/v1/patients", `{"mrn": Qzxbadinput}`, 400, "malformed_json"},
		{"two objects", "admin", "POST", "/v1/patients", `{` + ok + `} {"mrn":"Qzxbadinput"}`, 400, "malformed_json"},
		{"empty body", "admin", "POST", "/v1/patients", ``, 400, "malformed_json"},
		{"unknown field", "admin", "POST", "/v1/patients", `{` + ok + `,"nickname":"Qzxbadinput"}`, 400, "unknown_field"},
		{"oversized body", "admin", "POST", "/v1/patients", `{` + ok + `,"address":"` + strings.Repeat(marker, 2000) + `"}`, 413, "body_too_large"},
		{"wrong type", "admin", "POST", "/v1/patients", `{` + ok + `,"ssn":987654329}`, 400, "wrong_type"},
		{"not an object", "admin", "POST", "/v1/patients", `["Qzxbadinput"]`, 400, "wrong_type"},
		{"missing field", "admin", "POST", "/v1/patients", `{"mrn":"MRN-Qzxbadinput"}`, 400, "missing_field"},
		{"impossible date", "admin", "POST", "/v1/patients", `{` + strings.Replace(ok, "1961-09-14", "1961-02-30", 1) + `}`, 400, "invalid_value"},
		{"empty name", "admin", "PATCH", demo, `{"last_name":"  "}`, 400, "invalid_value"},
		{"bad sex", "admin", "PATCH", demo, `{"sex":"Qzxbadinput"}`, 400, "invalid_value"},
		{"bad kind", "admin", "POST", demo + "/encounters", `{"date":"2024-01-01","kind":"Qzxbadinput"}`, 400, "invalid_value"},
		{"too-short prefix", "admin", "POST", "/v1/patients/search", `{"last_name_prefix":"Q"}`, 400, "needle_too_short"},
		{"too-short fragment", "admin", "POST", "/v1/patients/search", `{"name_contains":"Qz"}`, 400, "needle_too_short"},
		{"two search kinds", "admin", "POST", "/v1/patients/search", `{"ssn":"Qzxbadinput","mrn":"Qzxbadinput"}`, 400, "invalid_search"},
		{"bad limit", "admin", "GET", "/v1/patients?limit=0", ``, 400, "invalid_value"},
		{"missing credentials", "", "POST", "/v1/patients", `{` + ok + `}`, 401, "unauthenticated"},
		{"invalid token", "emr_Qzxbadinput-not-a-token-000000000000", "POST", "/v1/patients", `{` + ok + `}`, 401, "unauthenticated"},
		{"unknown role", "auditor", "POST", "/v1/patients", `{` + ok + `}`, 403, "unknown_role"},
		{"role may not", "researcher", "POST", "/v1/patients", `{` + ok + `}`, 403, "forbidden"},
		{"no such route", "admin", "PUT", "/v1/patients", `{` + ok + `}`, 404, "no_route"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := count()
			a := s.call(t, c.who, c.method, c.path, c.body)
			if a.status != c.status {
				t.Fatalf("status %d, want %d: %s", a.status, c.status, a.raw)
			}
			if strings.Contains(strings.ToLower(a.raw), strings.ToLower(marker)) {
				t.Errorf("the answer repeats a value: %s", a.raw)
			}
			if after := count(); after != before {
				t.Errorf("rows written: %d -> %d", before, after)
			}
			if a.json["error"] != c.code || a.json["message"] == "" || a.json["request_id"] != a.rid || a.rid == "" {
				t.Errorf("answer %s, want error %q with a message and the request id %s", a.raw, c.code, a.rid)
			}
			recs, err := readRecords(filepath.Join(dir, "audit.log"), 0, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			var got []audit.Record
			for _, r := range recs {
				if r.RequestID == a.rid {
					got = append(got, r)
				}
			}
			if len(got) != 1 || got[0].Outcome != audit.OutcomeRefused || got[0].Reason != c.code || got[0].Rows != 0 {
				t.Errorf("audit records of request %s: %+v; want one refusal %q", a.rid, got, c.code)
			}
		})
	}
	data, _ := os.ReadFile(filepath.Join(dir, "audit.log"))
	if strings.Contains(strings.ToLower(string(data)), strings.ToLower(marker)) || strings.Contains(s.logs.String(), tok) {
		t.Error("the audit log or the server log holds a value or a token")
	}
}
