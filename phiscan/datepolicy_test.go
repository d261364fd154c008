package phiscan

import "testing"

// TestDatesNotAboutAPerson checks class 4 of issue 14: the edition date
// of a vaccine information sheet and a lot's expiry are not PHI, while
// the patient's dates on the same row are; record timestamps follow one
// policy (docs/SCAN.md), with evidence that says so,
// whether or not the name has a date word.
func TestDatesNotAboutAPerson(t *testing.T) {
	g := newGen(17)
	imm := []string{"id", "patient_id", "administered_date", "immunization_id", "cvx_code", "manufacturer",
		"lot_number", "administered_by", "education_date", "vis_date", "note", "create_date", "update_date",
		"expiration_date", "route"}
	care := emrDates(g, 300)
	for _, col := range []string{"administered_date", "education_date"} {
		r := Classify(ColumnInput{Table: "immunizations", Name: col, Values: care, TableColumns: imm}, testCfg)
		wantVerdict(t, r, VerdictPHI, "date")
	}
	for _, col := range []string{"vis_date", "expiration_date"} {
		r := Classify(ColumnInput{Table: "immunizations", Name: col, Values: care, TableColumns: imm}, testCfg)
		wantVerdict(t, r, VerdictNone)
		if !hasEvidence(r, "context") {
			t.Errorf("%s: none without a reason: %s", col, describe(r))
		}
	}
	// A member's coverage expiry is the member's.
	r := Classify(ColumnInput{Table: "insurance_data", Name: "expiration_date", Values: care,
		TableColumns: []string{"pid", "policy_number", "subscriber_lname", "date", "expiration_date"}}, testCfg)
	wantVerdict(t, r, VerdictPHI, "date")

	// Record timestamps, one policy (docs/SCAN.md): a timestamp of the
	// row's own life dates the patient's record in a table about
	// patients (phi), and no patient's elsewhere (none); a data load's
	// timestamp is no one's. Either way the evidence says which rule.
	stamps := []string{"last_updated", "date_modified", "created_at", "date_created", "date_changed", "date_voided", "date_added"}
	tables := map[string][]string{
		"patient_data":  {"pid", "fname", "lname", "DOB"},
		"prescriptions": {"id", "patient_id", "drug", "dosage", "start_date"},
		"person":        {"person_id", "gender", "birthdate", "creator", "changed_by"},
		"users":         {"id", "username", "fname", "lname", "person_id"},
		"drug_catalog":  {"ndc", "name", "strength", "route"},
	}
	for table, cols := range tables {
		want := VerdictPHI
		if table == "users" || table == "drug_catalog" {
			want = VerdictNone
		}
		all := append(append([]string{}, cols...), stamps...)
		for _, col := range stamps {
			r := Classify(ColumnInput{Table: table, Name: col, Values: care, TableColumns: all}, testCfg)
			wantVerdict(t, r, want)
			if !hasEvidence(r, "context") {
				t.Errorf("%s.%s: record timestamp without the policy in its evidence: %s", table, col, describe(r))
			}
		}
	}
	for _, col := range []string{"etl_load_ts", "dw_insert_ts", "batch_loaded_at"} {
		r := Classify(ColumnInput{Table: "patient_data", Name: col, Values: care,
			TableColumns: []string{"pid", "fname", "lname", col}}, testCfg)
		wantVerdict(t, r, VerdictNone)
	}
	// A staff table's other dates are not a patient's either.
	r = Classify(ColumnInput{Table: "users", Name: "pwd_expiration_date", Values: care,
		TableColumns: []string{"id", "username", "fname", "lname", "pwd_expiration_date"}}, testCfg)
	wantVerdict(t, r, VerdictNone)
	// "birthdate_estimated" is a flag about the birth date.
	r = Classify(ColumnInput{Table: "person", Name: "birthdate_estimated", Values: g.values(100, func(int) string { return g.pick("0", "1") }),
		TableColumns: tables["person"]}, testCfg)
	wantVerdict(t, r, VerdictNone)
}
