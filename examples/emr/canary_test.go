package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/internal/testdb"
)

// canaries are distinctive plaintext values, with the forms the indexes'
// transforms give them.
var canaries = []string{"987-65-4329", "987654329", "MRN-QZX-CANARY-7", "mrnqzxcanary7", "Qzxcanaryalpha", "qzxcanaryalpha",
	"Wvucanaryfirst", "qzx.canary@example.org", "(998) 555-0199", "9985550199", "77 Canarystraße", "canarystrasse",
	"Qzxcanarybeta", "1931-02-28", "canaryreasonxyz"}

const canaryPatient = `{"mrn":"MRN-QZX-CANARY-7","ssn":"987-65-4329","first_name":"Wvucanaryfirst","last_name":"Qzxcanaryalpha",
	"dob":"1931-02-28","sex":"F","email":"qzx.canary@example.org","phone":"(998) 555-0199","address":"77 Canarystraße"}`

// TestCanary writes canary values through the API, searches them, sends
// bad requests that carry them, and then checks that none appears in the
// SQLite database, its WAL, the server's log, the audit log, or an error
// answer.
func TestCanary(t *testing.T) {
	s := startServer(t, options{})
	// Keeps the WAL, so that it is checked too.
	testdb.KeepWAL(t, filepath.Join(s.o.data, "emr.db"))

	id := s.must(t, http.StatusCreated, "admin", "POST", "/v1/patients", canaryPatient).json["id"].(string)
	imp := s.must(t, http.StatusCreated, "importer", "POST", "/v1/patients",
		strings.NewReplacer("MRN-QZX-CANARY-7", "MRN-QZX-CANARY-8", "Qzxcanaryalpha", "Qzxcanarybeta").Replace(canaryPatient)).json["id"].(string)
	s.must(t, http.StatusCreated, "importer", "POST", "/v1/patients/"+imp+"/encounters", `{"date":"2022-03-04","kind":"inpatient","reason":"canaryreasonxyz"}`)
	for _, q := range []string{`{"ssn":"987654329"}`, `{"mrn":"mrn-qzx-canary-7"}`, `{"email":"qzx.canary@example.org"}`, `{"phone":"998 555 0199"}`,
		`{"last_name_prefix":"qzx"}`, `{"name_contains":"canaryalpha"}`, `{"last_name":"qzxcanaryalpha","dob":"1931-02-28"}`} {
		if len(s.must(t, http.StatusOK, "admin", "POST", "/v1/patients/search", q).items(t)) == 0 {
			t.Errorf("search %s found nothing", q)
		}
	}
	if got := s.must(t, http.StatusOK, "admin", "GET", "/v1/patients/"+id, "").raw; !strings.Contains(got, "Qzxcanaryalpha") {
		t.Fatalf("admin does not read the canary back: %s", got)
	}
	var refusals []answer
	for _, c := range []struct {
		who, method, path, body string
		status                  int
	}{
		{"importer", "POST", "/v1/patients/search", `{"ssn":"987-65-4329"}`, http.StatusForbidden},
		{"researcher", "POST", "/v1/patients/search", `{"name_contains":"qzxcanaryalpha"}`, http.StatusForbidden},
		{"admin", "POST", "/v1/patients", `{"ssn":"987-65-4329"`, http.StatusBadRequest},
		{"admin", "POST", "/v1/patients", `{"ssn":"987-65-4329","qzxcanaryalpha":1}`, http.StatusBadRequest},
		{"admin", "POST", "/v1/patients", `{"mrn":"MRN-QZX-CANARY-9","ssn":987654329}`, http.StatusBadRequest},
		{"admin", "POST", "/v1/patients/search", `{"name_contains":"qz"}`, http.StatusBadRequest},
		{"admin", "POST", "/v1/patients/search", `{"last_name":"Qzxcanaryalpha","dob":"1931-02-30"}`, http.StatusBadRequest},
		{"", "POST", "/v1/patients/search", `{"ssn":"987-65-4329"}`, http.StatusUnauthorized},
		{"admin", "PATCH", "/v1/patients/" + id, `{"dob":"Qzxcanaryalpha"}`, http.StatusBadRequest},
	} {
		refusals = append(refusals, s.must(t, c.status, c.who, c.method, c.path, c.body))
	}
	s.must(t, http.StatusOK, "researcher", "GET", "/v1/patients/"+imp+"/encounters", "")
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}

	places := map[string]string{"server log": s.logs.String()}
	for _, a := range refusals {
		places["answer "+a.rid] = a.raw
	}
	files, _ := filepath.Glob(filepath.Join(s.o.data, "*"))
	var sawWAL bool
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		places[filepath.Base(f)] = string(data)
		sawWAL = sawWAL || strings.HasSuffix(f, "-wal") && len(data) > 0
	}
	if !sawWAL || places["audit.log"] == "" || places["server log"] == "" {
		t.Fatalf("expected a WAL, an audit log and a server log, have %v", files)
	}
	for where, text := range places {
		lower := strings.ToLower(text)
		for _, c := range canaries {
			if strings.Contains(lower, strings.ToLower(c)) {
				t.Errorf("%s holds %q", where, c)
			}
		}
	}
	// Nor a token: in the log, the audit log or the database.
	for name, tok := range s.tokens {
		for _, where := range []string{"server log", "audit.log", "emr.db", "emr.db-wal"} {
			if strings.Contains(places[where], tok) {
				t.Errorf("%s holds the token of %s", where, name)
			}
		}
	}
}
