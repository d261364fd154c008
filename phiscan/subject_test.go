package phiscan

import "testing"

// TestSubjects checks class 5 of issue 14: identifiers of staff and
// organisations are reported as such (ColumnReport.Subject), not as a
// patient's and not as nothing.
func TestSubjects(t *testing.T) {
	g := newGen(18)
	names := g.values(200, func(int) string { return g.first() + " " + g.last() })
	lasts := g.values(200, func(int) string { return g.last() })
	phones := g.values(200, func(int) string { return g.phone() })
	streets := g.values(200, func(int) string {
		return itoa(g.n(1, 9999)) + " " + g.pick("Main St", "Oak Ave", "Elm St", "Maple Dr", "Cedar Ln", "Pine Rd")
	})
	for _, tc := range []struct {
		table   string
		cols    []string
		col     string
		vals    []string
		verdict Verdict
		subject string
	}{
		// OpenEMR users, OMOP provider, MIMIC caregiver: staff.
		{"users", []string{"id", "username", "fname", "lname", "street", "phone", "npi"}, "lname", lasts, VerdictPHI, SubjectStaff},
		{"users", []string{"id", "username", "fname", "lname", "street", "phone", "npi"}, "street", streets, VerdictPHI, SubjectStaff},
		{"provider", []string{"provider_id", "provider_name", "npi", "dea", "care_site_id"}, "provider_name", names, VerdictPHI, SubjectStaff},
		// A clinician's name on a patient's row is the clinician's.
		{"encounters", []string{"encounter_id", "patient_id", "attending_name", "admit_date"}, "attending_name", names, VerdictPHI, SubjectStaff},
		{"immunizations", []string{"id", "patient_id", "administered_date", "administered_by"}, "administered_by", names, VerdictPHI, SubjectStaff},
		{"lists", []string{"id", "pid", "begdate", "referredby"}, "referredby", names, VerdictPHI, SubjectStaff},
		// Patient columns are the patient's.
		{"patient_data", []string{"pid", "fname", "lname", "street", "phone_home"}, "lname", lasts, VerdictPHI, SubjectPatient},
		{"patient_data", []string{"pid", "fname", "lname", "street", "phone_home"}, "phone_home", phones, VerdictPHI, SubjectPatient},
		// Organisations: none, but said to be an organisation's.
		{"facility", []string{"id", "name", "phone", "street", "city", "postal_code", "federal_ein"}, "phone", phones, VerdictNone, SubjectOrganisation},
		{"facility", []string{"id", "name", "phone", "street", "city", "postal_code", "federal_ein"}, "name",
			g.values(200, func(int) string {
				return g.pick("North Clinic", "Main Street Hospital", "East Pediatrics", "Lakeside Medical Center")
			}),
			VerdictNone, SubjectOrganisation},
		{"pharmacies", []string{"id", "name", "transmit_method", "email", "ncpdp", "npi"}, "phone", phones, VerdictNone, SubjectOrganisation},
		{"facility", []string{"id", "name", "phone", "street", "facility_npi"}, "facility_npi",
			g.values(200, func(i int) string { return npiFor(2000000 + i) }), VerdictNone, SubjectOrganisation},
		{"insurance_companies", []string{"id", "name", "attn", "cms_id", "street", "phone"}, "street", streets, VerdictNone, SubjectOrganisation},
	} {
		r := Classify(ColumnInput{Table: tc.table, Name: tc.col, Values: tc.vals, TableColumns: tc.cols}, testCfg)
		wantVerdict(t, r, tc.verdict)
		if r.Subject != tc.subject {
			t.Errorf("%s.%s: subject %q, want %q\n%s", tc.table, tc.col, r.Subject, tc.subject, describe(r))
		}
	}
}

// TestNameOnly checks class 6 of issue 14: a verdict on an empty column
// says that it rests on the name alone.
func TestNameOnly(t *testing.T) {
	empty := make([]string, 50)
	cols := []string{"pid", "referrer", "email_direct", "ss", "status"}
	for _, col := range []string{"referrer", "email_direct"} {
		r := Classify(ColumnInput{Table: "patient_data", Name: col, Values: empty, TableColumns: cols}, testCfg)
		if r.Verdict == VerdictNone {
			t.Errorf("%s: empty, named like PHI, judged none: %s", col, describe(r))
		}
		if !hasEvidence(r, "name_only") {
			t.Errorf("%s: empty column's verdict not marked name-only: %s", col, describe(r))
		}
	}
	g := newGen(19)
	emails := g.values(50, func(i int) string { return "user" + itoa(i) + "@example.org" })
	r := Classify(ColumnInput{Table: "patient_data", Name: "email_direct", Values: emails, TableColumns: cols}, testCfg)
	wantVerdict(t, r, VerdictPHI, "email")
	if hasEvidence(r, "name_only") {
		t.Errorf("column with values marked name-only: %s", describe(r))
	}
	r = Classify(ColumnInput{Table: "patient_data", Name: "status", Values: empty, TableColumns: cols}, testCfg)
	if hasEvidence(r, "name_only") {
		t.Errorf("none verdict marked name-only: %s", describe(r))
	}
}
