package phiscan

import "testing"

// TestGluedAndRelationalNames checks class 3 of issue 14: names glued
// together ("guardiancity") and names of a related person's data
// ("contact_relationship" holding the emergency contact's name,
// "subscriber_employer").
func TestGluedAndRelationalNames(t *testing.T) {
	g := newGen(16)
	patient := []string{"pid", "pubpid", "fname", "lname", "DOB", "street", "city", "postal_code", "guardiansname",
		"guardianrelationship", "guardianstreet", "guardiancity", "guardianpostalcode", "guardianphone",
		"mothersname", "contact_relationship", "phone_contact", "occupation"}
	cities := g.values(300, func(int) string {
		return g.pick("Boston", "Springfield", "Austin", "Denver", "Portland", "Madison", "Columbus", "Raleigh", "Fresno", "Tulsa")
	})
	zips := g.values(300, func(int) string {
		return g.pick("02139", "10001", "60614", "94110", "30301", "73301", "98101", "33101", "80202", "48201", "19104")
	})
	names := g.values(300, func(int) string { return g.first() + " " + g.last() })
	firsts := g.values(300, func(int) string { return g.first() })
	for _, tc := range []struct {
		col  string
		vals []string
		typ  string
	}{
		{"guardiancity", cities, "city"},
		{"guardianpostalcode", zips, "zip"},
		{"guardiansname", names, "name"},
		{"mothersname", firsts, "first_name"},
		{"contact_relationship", names, "name"},
		{"contact_relationship", firsts, "first_name"},
	} {
		r := Classify(ColumnInput{Table: "patient_data", Name: tc.col, Values: tc.vals, TableColumns: patient}, testCfg)
		wantVerdict(t, r, VerdictPHI)
	}
	for name, typ := range map[string]string{"guardiancity": "city", "guardianpostalcode": "zip", "guardianphone": "phone",
		"subscriberemployer": "employer", "emergencyphone": "phone"} {
		if c := analyzeName(name, nil); c.typ != typ {
			t.Errorf("%s: type %q, want %q (tokens %v)", name, c.typ, typ, c.tokens)
		}
	}
	// A relationship that holds what it says is no one's name.
	rel := g.values(300, func(int) string { return g.pick("Spouse", "Mother", "Father", "Child", "Sibling", "Friend", "Other") })
	r := Classify(ColumnInput{Table: "patient_data", Name: "guardianrelationship", Values: rel, TableColumns: patient}, testCfg)
	wantVerdict(t, r, VerdictNone)

	companies := g.values(300, func(int) string {
		return g.pick("Acme Corp", "Globex Inc", "Initech LLC", "Umbrella Co", "Stark Industries", "Wayne Enterprises", "Hooli", "Vandelay Industries")
	})
	ins := []string{"id", "type", "provider", "plan_name", "policy_number", "group_number", "subscriber_lname", "subscriber_fname",
		"subscriber_DOB", "subscriber_street", "subscriber_employer", "subscriber_employer_street", "pid", "date"}
	r = Classify(ColumnInput{Table: "insurance_data", Name: "subscriber_employer", Values: companies, TableColumns: ins}, testCfg)
	wantVerdict(t, r, VerdictPHI, "employer")
	// A payer's plan name is no employer.
	r = Classify(ColumnInput{Table: "insurance_data", Name: "plan_name", Values: companies, TableColumns: ins}, testCfg)
	wantVerdict(t, r, VerdictNone)
}
