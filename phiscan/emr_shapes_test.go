package phiscan

import (
	"fmt"
	"testing"
)

// emrCol is one column of a small EMR-shaped table: how to fill it and
// the verdict and subject expected ("" for any).
type emrCol struct {
	name    string
	fill    func(g *gen, i int) string
	verdict Verdict
	subject string
}

// A key to the person ("person_id") is itself judged by its values: a
// surrogate key is at most possible, so the tables below expect any
// verdict for it.

// scanShape classifies the columns of a table built in the test, as a
// scan would (one classifier per column, then ResolveTable).
func scanShape(t *testing.T, table string, rows int, cols []emrCol) {
	t.Helper()
	g := newGen(uint64(len(table)*7919 + rows))
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	reps := make([]ColumnReport, len(cols))
	for j, c := range cols {
		vals := make([]string, rows)
		for i := range vals {
			vals[i] = c.fill(g, i)
		}
		reps[j] = Classify(ColumnInput{Table: table, Name: c.name, Values: vals, TableColumns: names}, testCfg)
	}
	reps = ResolveTable(reps)
	for j, c := range cols {
		r := reps[j]
		if c.verdict != "" && r.Verdict != c.verdict {
			t.Errorf("%s.%s: verdict %s, want %s\n%s", table, c.name, r.Verdict, c.verdict, describe(r))
		}
		if c.subject != "" && r.Subject != c.subject {
			t.Errorf("%s.%s: subject %q, want %q\n%s", table, c.name, r.Subject, c.subject, describe(r))
		}
	}
}

func seq(_ *gen, i int) string { return fmt.Sprint(i + 1) }
func fk(n int) func(*gen, int) string {
	return func(g *gen, _ int) string { return fmt.Sprint(g.n(1, n)) }
}
func when(g *gen, _ int) string {
	return g.date(2016, 2025).Format("2006-01-02") + fmt.Sprintf(" %02d:%02d:00", g.n(0, 23), g.n(0, 59))
}
func day(g *gen, _ int) string { return g.date(2016, 2025).Format("2006-01-02") }
func fullName(g *gen, _ int) string {
	return g.first() + " " + g.last()
}
func pick(xs ...string) func(*gen, int) string {
	return func(g *gen, _ int) string { return g.pick(xs...) }
}
func street(g *gen, _ int) string {
	return fmt.Sprint(g.n(1, 9999)) + " " + g.pick("Main St", "Oak Ave", "Elm St", "Maple Dr", "Cedar Ln", "Pine Rd", "Lake Shore Blvd")
}
func zip5(g *gen, _ int) string {
	return g.pick("02139", "10001", "60614", "94110", "30301", "73301", "98101", "33101", "80202", "48201", "19104",
		"85004", "55401", "97201", "37203")
}
func city(g *gen, _ int) string {
	return g.pick("Boston", "Springfield", "Austin", "Denver", "Portland", "Madison", "Columbus", "Raleigh", "Fresno", "Tulsa")
}

// TestEMRShapes runs the classification rules of issue 14 over small
// tables shaped like OMOP CDM, MIMIC-IV and OpenMRS ones: links by
// person_id, subject_id, hadm_id and encounter_id; staff and
// organisation tables; record timestamps.
func TestEMRShapes(t *testing.T) {
	const n = 300
	// OMOP CDM.
	scanShape(t, "visit_occurrence", n, []emrCol{
		{"visit_occurrence_id", seq, VerdictNone, ""},
		{"person_id", fk(900), "", ""},
		{"visit_concept_id", pick("9201", "9202", "9203"), VerdictNone, ""},
		{"visit_start_date", day, VerdictPHI, SubjectPatient},
		{"visit_start_datetime", when, VerdictPHI, SubjectPatient},
		{"visit_end_date", day, VerdictPHI, ""},
		{"provider_id", fk(50), VerdictNone, ""},
		{"care_site_id", fk(10), VerdictNone, ""},
	})
	scanShape(t, "note", n, []emrCol{
		{"note_id", seq, VerdictNone, ""},
		{"person_id", fk(900), "", ""},
		{"note_date", day, VerdictPHI, SubjectPatient},
		{"note_title", pick("Progress note", "Discharge summary", "Consult"), VerdictNone, ""},
		{"visit_occurrence_id", fk(5000), VerdictNone, ""},
	})
	scanShape(t, "location", n, []emrCol{
		{"location_id", seq, VerdictNone, ""},
		{"address_1", street, VerdictPHI, SubjectPatient},
		{"city", city, VerdictPHI, ""},
		{"state", pick("MA", "NY", "TX"), VerdictNone, ""},
		{"zip", zip5, VerdictPHI, ""},
	})
	scanShape(t, "care_site", n, []emrCol{
		{"care_site_id", seq, VerdictNone, ""},
		{"care_site_name", pick("North Clinic", "Main Hospital", "East Pediatrics"), VerdictNone, ""},
		{"location_id", fk(300), VerdictNone, ""},
	})
	scanShape(t, "provider", n, []emrCol{
		{"provider_id", seq, VerdictNone, ""},
		{"provider_name", fullName, VerdictPHI, SubjectStaff},
		{"npi", func(g *gen, i int) string { return npiFor(1234500 + i) }, VerdictPHI, SubjectStaff},
		{"care_site_id", fk(10), VerdictNone, ""},
	})
	// MIMIC-IV.
	scanShape(t, "admissions", n, []emrCol{
		{"subject_id", fk(9000), VerdictNone, ""},
		{"hadm_id", seq, VerdictNone, ""},
		{"admittime", when, VerdictPHI, SubjectPatient},
		{"dischtime", when, VerdictPHI, SubjectPatient},
		{"admission_type", pick("URGENT", "ELECTIVE", "EW EMER."), VerdictNone, ""},
		{"admit_provider_id", pick("P12AB3", "P98XY1", "P55QQ0"), VerdictNone, ""},
		{"insurance", pick("Medicare", "Medicaid", "Other"), VerdictNone, ""},
	})
	scanShape(t, "chartevents", n, []emrCol{
		{"subject_id", fk(9000), VerdictNone, ""},
		{"hadm_id", fk(30000), VerdictNone, ""},
		{"stay_id", fk(40000), VerdictNone, ""},
		{"caregiver_id", fk(400), VerdictNone, ""},
		{"charttime", when, VerdictPHI, SubjectPatient},
		{"itemid", pick("220045", "220210", "220277"), VerdictNone, ""},
		{"valuenum", func(g *gen, _ int) string { return fmt.Sprint(g.n(40, 140)) }, VerdictNone, ""},
	})
	// OpenMRS.
	scanShape(t, "encounter", n, []emrCol{
		{"encounter_id", seq, VerdictNone, ""},
		{"encounter_type", fk(8), VerdictNone, ""},
		{"patient_id", fk(900), "", ""},
		{"location_id", fk(5), VerdictNone, ""},
		{"encounter_datetime", when, VerdictPHI, SubjectPatient},
		{"creator", fk(20), VerdictNone, ""},
		{"date_created", when, VerdictPHI, SubjectPatient},
		{"changed_by", fk(20), VerdictNone, ""},
		{"date_changed", when, VerdictPHI, SubjectPatient},
		{"visit_id", fk(900), VerdictNone, ""},
	})
	scanShape(t, "patient_identifier", n, []emrCol{
		{"patient_identifier_id", seq, "", ""},
		{"patient_id", fk(900), "", ""},
		{"identifier", func(g *gen, i int) string { return fmt.Sprintf("%d-%d", 100000+i*7, i%10) }, VerdictPHI, SubjectPatient},
		{"identifier_type", fk(3), VerdictNone, ""},
		{"date_created", when, VerdictPHI, ""},
	})
	scanShape(t, "users", n, []emrCol{
		{"user_id", seq, VerdictNone, ""},
		{"username", func(g *gen, i int) string { return fmt.Sprintf("clerk%03d", i) }, "", ""},
		{"person_id", fk(900), "", ""},
		{"date_created", when, VerdictNone, ""},
	})
}

// npiFor makes a valid NPI from a 9-digit-ish base (Luhn over 80840).
func npiFor(base int) string {
	s := fmt.Sprintf("1%08d", base%100000000)
	sum := 24 // the prefix 80840 contributes 24
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if (len(s)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return s + fmt.Sprint((10-sum%10)%10)
}
