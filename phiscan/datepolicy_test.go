package phiscan

import "testing"

// TestDatesNotAboutAPerson checks class 4 of issue 14: the edition date
// of a vaccine information sheet and a lot's expiry are not PHI, while
// the patient's dates on the same row are; record timestamps follow one
// policy (docs/SCAN.md): book-keeping, "none", with evidence that says so,
// whether or not the name has a date word and whatever the table.
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

	// Record timestamps: the same verdict in a patient table, a
	// prescription table and a staff table, with or without a date word.
	tables := map[string][]string{
		"patient_data":  {"pid", "fname", "lname", "DOB", "last_updated", "date_modified", "created_at", "date_created"},
		"prescriptions": {"id", "patient_id", "drug", "dosage", "start_date", "last_updated", "date_modified", "created_at", "date_created"},
		"users":         {"id", "username", "fname", "lname", "last_updated", "date_modified", "created_at", "date_created"},
		"person":        {"person_id", "gender", "birthdate", "creator", "date_created", "changed_by", "date_changed", "date_voided"},
	}
	for table, cols := range tables {
		for _, col := range cols {
			if col != "last_updated" && col != "date_modified" && col != "created_at" && col != "date_created" &&
				col != "date_changed" && col != "date_voided" {
				continue
			}
			r := Classify(ColumnInput{Table: table, Name: col, Values: care, TableColumns: cols}, testCfg)
			wantVerdict(t, r, VerdictNone)
			if !hasEvidence(r, "context") {
				t.Errorf("%s.%s: record timestamp without the policy in its evidence: %s", table, col, describe(r))
			}
		}
	}
}
