package phiscan

import (
	"slices"
	"testing"
)

func hasEvidence(r ColumnReport, check string) bool {
	return slices.ContainsFunc(r.Evidence, func(e Evidence) bool { return e.Check == check })
}

func TestPatientLink(t *testing.T) {
	for _, name := range []string{"pid", "pc_pid", "patient_id", "PatientID", "person_id", "subject_id", "hadm_id",
		"stay_id", "encounter", "encounter_id", "encntr_id", "visit_occurrence_id", "visit_detail_id", "visit_id",
		"patientid", "fk_patient", "member_no", "bene_id"} {
		if !patientLink(name) {
			t.Errorf("%s: not a patient link", name)
		}
	}
	for _, name := range []string{"id", "provider_id", "care_site_id", "user_id", "creator", "changed_by",
		"visit_type", "encounter_status", "patient_count", "length_of_stay", "subject", "patient_name",
		"visit_date", "caregiver_id", "pharmacy_id", "facility_id"} {
		if patientLink(name) {
			t.Errorf("%s: taken for a patient link", name)
		}
	}
	if c := tableLink([]string{"pid", "ppid", "cmd", "start_time"}, "start_time"); c != "" {
		t.Errorf("process table: linked by %s", c)
	}
}

// emrDates builds a date column of a patient's care, as an EMR stores it.
func emrDates(g *gen, n int) []string {
	return g.values(n, func(int) string { return g.date(2018, 2025).Format("2006-01-02 15:04:05") })
}

// TestLinkedTablesAreAboutPeople checks class 1 of issue 14: tables that
// tie rows to a patient by pid, person_id, subject_id or encounter have
// PHI dates, as a table with patient_id has, whatever the table is
// called (OpenEMR, OMOP, MIMIC-IV, OpenMRS).
func TestLinkedTablesAreAboutPeople(t *testing.T) {
	g := newGen(14)
	dates := emrDates(g, 300)
	for _, tc := range []struct {
		table string
		cols  []string
		col   string
	}{
		{"lists", []string{"id", "date", "type", "title", "begdate", "enddate", "pid"}, "date"},
		{"pnotes", []string{"id", "date", "body", "pid", "user", "title"}, "date"},
		{"history_data", []string{"id", "coffee", "tobacco", "date", "pid"}, "date"},
		{"billing", []string{"id", "date", "code_type", "code", "pid", "encounter", "fee"}, "date"},
		{"observation", []string{"observation_id", "person_id", "observation_concept_id", "observation_datetime"}, "observation_datetime"},
		{"chartevents", []string{"subject_id", "hadm_id", "stay_id", "charttime", "itemid", "valuenum"}, "charttime"},
		{"obs", []string{"obs_id", "person_id", "concept_id", "encounter_id", "obs_datetime", "creator"}, "obs_datetime"},
		{"forms", []string{"id", "date", "encounter", "form_name", "form_id"}, "date"},
	} {
		r := Classify(ColumnInput{Table: tc.table, Name: tc.col, Values: dates, TableColumns: tc.cols}, testCfg)
		wantVerdict(t, r, VerdictPHI, "date")
		if r.Subject != SubjectPatient {
			t.Errorf("%s.%s: subject %q", tc.table, tc.col, r.Subject)
		}
	}
	// Without a link, the same dates in a table nothing ties to a person
	// stay at most possible.
	r := Classify(ColumnInput{Table: "lists", Name: "date", Values: dates,
		TableColumns: []string{"id", "date", "type", "title"}}, testCfg)
	if r.Verdict == VerdictPHI {
		t.Errorf("unlinked lists.date: %s", describe(r))
	}
}

// TestContextDoesNotSilenceLinks checks class 2: an organisation or log
// context lowers, never silences, a table linked to a patient, and a
// context that forces "none" says so in the evidence.
func TestContextDoesNotSilenceLinks(t *testing.T) {
	g := newGen(15)
	employer := []string{"id", "name", "street", "postal_code", "city", "state", "country", "date", "pid"}
	streets := g.values(200, func(int) string {
		return itoa(g.n(1, 9999)) + " " + g.pick("Main St", "Oak Ave", "Elm St", "Maple Dr", "Cedar Ln")
	})
	zips := g.values(200, func(int) string {
		return g.pick("02139", "10001", "60614", "94110", "30301", "73301", "98101", "33101", "80202", "48201", "19104", "85004", "55401")
	})
	cities := g.values(200, func(int) string {
		return g.pick("Boston", "Springfield", "Austin", "Denver", "Portland", "Madison", "Columbus", "Raleigh")
	})
	companies := g.values(200, func(int) string {
		return g.pick("Acme Corp", "Globex Inc", "Initech LLC", "Umbrella Co", "Stark Industries", "Wayne Enterprises", "Hooli", "Vandelay Industries")
	})
	for col, vals := range map[string][]string{"street": streets, "postal_code": zips, "city": cities, "date": emrDates(g, 200), "name": companies} {
		r := Classify(ColumnInput{Table: "employer_data", Name: col, Values: vals, TableColumns: employer}, testCfg)
		wantVerdict(t, r, VerdictPHI)
		if r.Subject != SubjectPatient {
			t.Errorf("employer_data.%s: subject %q", col, r.Subject)
		}
	}
	// The same table without the link is an organisation's: none, and
	// the evidence says the context decided.
	r := Classify(ColumnInput{Table: "employer_data", Name: "street", Values: streets, TableColumns: employer[:8]}, testCfg)
	wantVerdict(t, r, VerdictNone)
	if !hasEvidence(r, "context") || r.Subject != SubjectOrganisation {
		t.Errorf("organisation street without context evidence: %s", describe(r))
	}

	// Appointments: an "events" table linked to a patient is not a log.
	appt := []string{"pc_eid", "pc_catid", "pc_aid", "pc_pid", "pc_title", "pc_time", "pc_eventDate", "pc_endDate", "pc_startTime"}
	r = Classify(ColumnInput{Table: "openemr_postcalendar_events", Name: "pc_eventDate", Values: emrDates(g, 200), TableColumns: appt}, testCfg)
	wantVerdict(t, r, VerdictPHI, "date")
	// A system log linked to a patient is lowered to possible, with a reason.
	r = Classify(ColumnInput{Table: "audit_log", Name: "date", Values: emrDates(g, 200),
		TableColumns: []string{"id", "date", "event", "user", "patient_id", "comments"}}, testCfg)
	if r.Verdict != VerdictPossible || !hasEvidence(r, "context") {
		t.Errorf("audit log linked to a patient: %s", describe(r))
	}
	// An unlinked log of system events: none, and the evidence says why.
	r = Classify(ColumnInput{Table: "api_log", Name: "date", Values: emrDates(g, 200),
		TableColumns: []string{"id", "date", "method", "request_url"}}, testCfg)
	wantVerdict(t, r, VerdictNone)
	if !hasEvidence(r, "context") {
		t.Errorf("log date without context evidence: %s", describe(r))
	}
}

// TestForeignKeyLink checks that a source that knows a foreign key to a
// table of people can say so: the dates of a table whose link column has
// no telling name ("owner", "ref") become the person's.
func TestForeignKeyLink(t *testing.T) {
	g := newGen(21)
	dates := emrDates(g, 200)
	cols := []string{"id", "owner", "seen", "kind"}
	plain := Classify(ColumnInput{Table: "entries", Name: "seen", Values: dates, TableColumns: cols}, testCfg)
	if plain.Verdict == VerdictPHI {
		t.Fatalf("unlinked: %s", describe(plain))
	}
	c := NewClassifier("seen", "", cols, testCfg)
	c.SetTable("entries")
	c.SetPatientLink("owner")
	for _, v := range dates {
		c.Observe(v)
	}
	r := c.Report()
	wantVerdict(t, r, VerdictPHI, "date")
	// A system log stays a log, lowered rather than silenced.
	c = NewClassifier("seen", "", cols, testCfg)
	c.SetTable("audit_log")
	c.SetPatientLink("owner")
	for _, v := range dates {
		c.Observe(v)
	}
	if r := c.Report(); r.Verdict != VerdictPossible {
		t.Errorf("audit log linked by a foreign key: %s", describe(r))
	}
}

// TestSurrogateLinkKeys checks that a key to the person row that counts
// up (OMOP's and OpenMRS's person_id) is not taken for a record number,
// while a record number under the same name still is.
func TestSurrogateLinkKeys(t *testing.T) {
	g := newGen(22)
	ids := g.values(300, func(int) string { return itoa(g.n(1, 900)) })
	for _, col := range []string{"person_id", "patient_id", "pid"} {
		r := Classify(ColumnInput{Table: "visit_occurrence", Name: col, Values: ids,
			TableColumns: []string{"visit_occurrence_id", col, "visit_start_date"}}, testCfg)
		wantVerdict(t, r, VerdictNone)
	}
	mrns := g.values(300, func(int) string { return "E" + itoa(1000000+g.n(0, 8999999)) })
	r := Classify(ColumnInput{Table: "encounters", Name: "patient_id", Values: mrns,
		TableColumns: []string{"encounter_id", "patient_id", "admit_date"}}, testCfg)
	if r.Verdict == VerdictNone {
		t.Errorf("record numbers under patient_id: %s", describe(r))
	}
}

// TestBirthParts checks OMOP's month_of_birth and day_of_birth.
func TestBirthParts(t *testing.T) {
	g := newGen(23)
	cols := []string{"person_id", "year_of_birth", "month_of_birth", "day_of_birth", "birth_datetime"}
	months := g.values(300, func(int) string { return itoa(g.n(1, 12)) })
	days := g.values(300, func(int) string { return itoa(g.n(1, 28)) })
	for col, vals := range map[string][]string{"month_of_birth": months, "day_of_birth": days} {
		r := Classify(ColumnInput{Table: "person", Name: col, Values: vals, TableColumns: cols}, testCfg)
		wantVerdict(t, r, VerdictPHI, "birth_date")
	}
}
