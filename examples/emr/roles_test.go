package main

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/internal/testdb"
)

// phiFields are the protected fields of a patient.
var phiFields = []string{"mrn", "ssn", "first_name", "last_name", "dob", "email", "phone", "address"}

const newPatient = `{"mrn":"MRN-7700001","ssn":"955-44-3322","first_name":"Renée","last_name":"Łukasiewicz-Brandt",
	"dob":"1961-09-14","sex":"F","email":"renee.lb@example.org","phone":"(415) 555-0177","address":"9 Quai Voltaire, Paris"}`

// TestRoles runs every role's allowed and refused calls over HTTP, on
// SQLite, PostgreSQL and MariaDB.
func TestRoles(t *testing.T) {
	for _, d := range testdb.All() {
		t.Run(string(d), func(t *testing.T) {
			o := options{}
			switch d {
			case testdb.DialectPostgres:
				o.db = testdb.PostgresDSN(t)
			case testdb.DialectMySQL:
				o.db = testdb.MySQLDSN(t)
			}
			roleSuite(t, startServer(t, o))
		})
	}
}

func roleSuite(t *testing.T, s *testServer) {
	// admin: everything, the MRN included.
	id := s.must(t, http.StatusCreated, "admin", "POST", "/v1/patients", newPatient).json["id"].(string)
	if !strings.HasPrefix(id, "pt_") {
		t.Fatalf("id %q is not a pseudonymous id", id)
	}
	got := s.must(t, http.StatusOK, "admin", "GET", "/v1/patients/"+id, "").json
	if got["mrn"] != "MRN-7700001" || got["last_name"] != "Łukasiewicz-Brandt" || got["dob"] != "1961-09-14" || got["redacted"] != nil {
		t.Fatalf("admin reads %v", got)
	}
	for _, q := range []string{`{"ssn":"955443322"}`, `{"mrn":"mrn-7700001"}`, `{"email":"Renee.LB@example.org"}`,
		`{"phone":"415.555.0177"}`, `{"last_name_prefix":"luk"}`, `{"name_contains":"brandt"}`,
		`{"last_name":"LUKASIEWICZ-BRANDT","dob":"1961-09-14"}`} {
		items := s.must(t, http.StatusOK, "admin", "POST", "/v1/patients/search", q).items(t)
		if !slices.ContainsFunc(items, func(p map[string]any) bool { return p["id"] == id }) {
			t.Errorf("search %s did not find the patient: %v", q, items)
		}
	}
	if n := len(s.must(t, http.StatusOK, "admin", "POST", "/v1/patients/search", `{"ssn":"955443323"}`).items(t)); n != 0 {
		t.Errorf("search for another SSN found %d", n)
	}
	s.must(t, http.StatusOK, "admin", "PATCH", "/v1/patients/"+id, `{"phone":"(415) 555-0178"}`)
	s.must(t, http.StatusCreated, "admin", "POST", "/v1/patients/"+id+"/encounters", `{"date":"2024-05-06","kind":"emergency","reason":"fall"}`)
	s.must(t, http.StatusOK, "admin", "GET", "/v1/audit?limit=5", "")
	s.must(t, http.StatusOK, "admin", "GET", "/v1/queries/patients_by_sex", "")

	// importer: writes PHI, reads back none of it.
	imp := s.must(t, http.StatusCreated, "importer", "POST", "/v1/patients", strings.Replace(newPatient, "MRN-7700001", "MRN-7700002", 1)).json["id"].(string)
	red := s.must(t, http.StatusOK, "importer", "GET", "/v1/patients/"+imp, "").json
	if r := redacted(red); !slices.Equal(r, phiFields) {
		t.Errorf("importer reads %v, redacted %v; want every PHI field redacted", red, r)
	}
	for _, f := range phiFields {
		if _, ok := red[f]; ok {
			t.Errorf("importer's answer has %s", f)
		}
	}
	// The admin reads what the importer wrote.
	if got := s.must(t, http.StatusOK, "admin", "GET", "/v1/patients/"+imp, "").json; got["mrn"] != "MRN-7700002" || got["ssn"] != "955-44-3322" {
		t.Errorf("admin reads the importer's patient as %v", got)
	}
	s.must(t, http.StatusCreated, "importer", "POST", "/v1/patients/"+imp+"/encounters", `{"date":"2023-01-02","kind":"outpatient"}`)
	encs := s.must(t, http.StatusOK, "importer", "GET", "/v1/patients/"+imp+"/encounters", "").items(t)
	// The reason was not given: NULL, which the database shows anyway.
	if len(encs) != 1 || encs[0]["year"] != float64(2023) || !slices.Equal(redacted(encs[0]), []string{"date"}) || encs[0]["reason"] != nil {
		t.Errorf("importer lists encounters %v", encs)
	}
	// Both parts of the compound index: allowed; the last name alone would
	// need the date of birth decrypted to recompute the compound token,
	// and the importer's keyring cannot: the keys refuse, not the HTTP layer.
	s.must(t, http.StatusOK, "importer", "PATCH", "/v1/patients/"+imp, `{"last_name":"Brandt","dob":"1961-09-14"}`)
	if a := s.must(t, http.StatusForbidden, "importer", "PATCH", "/v1/patients/"+imp, `{"last_name":"Brandt"}`); a.json["error"] != "not_permitted" {
		t.Errorf("importer's partial update: %s", a.raw)
	}
	for _, c := range [][3]string{
		{"POST", "/v1/patients/search", `{"ssn":"955443322"}`},
		{"GET", "/v1/patients", ""},
		{"DELETE", "/v1/patients/" + imp, ""},
		{"GET", "/v1/audit", ""},
		{"GET", "/v1/queries/patients_by_sex", ""},
	} {
		s.must(t, http.StatusForbidden, "importer", c[0], c[1], c[2])
	}

	// researcher: non-PHI columns and pseudonymous ids.
	list := s.must(t, http.StatusOK, "researcher", "GET", "/v1/patients?limit=500", "").items(t)
	if len(list) < 3 {
		t.Fatalf("researcher lists %d patients", len(list))
	}
	for _, p := range list {
		if !strings.HasPrefix(p["id"].(string), "pt_") || !slices.Equal(redacted(p), phiFields) {
			t.Fatalf("researcher sees %v", p)
		}
	}
	if r := redacted(s.must(t, http.StatusOK, "researcher", "GET", "/v1/patients/"+id, "").json); !slices.Equal(r, phiFields) {
		t.Errorf("researcher's get redacts %v", r)
	}
	s.must(t, http.StatusOK, "researcher", "GET", "/v1/patients/"+id+"/encounters", "")
	s.must(t, http.StatusOK, "researcher", "GET", "/v1/queries/encounters_by_kind_year", "")
	for _, c := range [][3]string{
		{"POST", "/v1/patients/search", `{"last_name_prefix":"luk"}`},
		{"POST", "/v1/patients", newPatient},
		{"PATCH", "/v1/patients/" + id, `{"sex":"X"}`},
		{"GET", "/v1/audit", ""},
	} {
		s.must(t, http.StatusForbidden, "researcher", c[0], c[1], c[2])
	}

	// remote: the named queries only, small cells suppressed.
	names := s.must(t, http.StatusOK, "remote", "GET", "/v1/queries", "").json["queries"].([]any)
	if len(names) != len(namedQueries) {
		t.Errorf("remote sees %d queries", len(names))
	}
	rows := s.must(t, http.StatusOK, "remote", "GET", "/v1/queries/encounters_by_kind_year", "").json["rows"].([]any)
	for _, r := range rows {
		row := r.(map[string]any)
		switch n, _ := row["count"].(float64); {
		case row["suppressed"] == true && row["count"] == nil:
		case n > smallCell:
		default:
			t.Errorf("row %v neither suppressed nor above %d", row, smallCell)
		}
	}
	s.must(t, http.StatusNotFound, "remote", "GET", "/v1/queries/select_star", "")
	for _, c := range [][3]string{
		{"GET", "/v1/patients/" + id, ""},
		{"GET", "/v1/patients", ""},
		{"POST", "/v1/patients/search", `{"ssn":"955443322"}`},
		{"GET", "/v1/patients/" + id + "/encounters", ""},
		{"GET", "/v1/audit", ""},
	} {
		s.must(t, http.StatusForbidden, "remote", c[0], c[1], c[2])
	}

	// No or wrong credentials.
	s.must(t, http.StatusUnauthorized, "", "GET", "/v1/patients/"+id, "")
	s.must(t, http.StatusUnauthorized, "emr_not-a-token-of-anyone-0000000000000000", "GET", "/v1/queries", "")

	// admin deletes; the patient and the encounters are gone.
	if a := s.must(t, http.StatusOK, "admin", "DELETE", "/v1/patients/"+id, ""); a.json["deleted_encounters"] != float64(1) {
		t.Errorf("delete: %s", a.raw)
	}
	s.must(t, http.StatusNotFound, "admin", "GET", "/v1/patients/"+id, "")
	s.must(t, http.StatusNotFound, "admin", "GET", "/v1/patients/"+id+"/encounters", "")
}
