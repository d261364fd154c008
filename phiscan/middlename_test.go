package phiscan

import "testing"

// TestMiddleInitials checks that a middle-name column of a patient table
// that holds initials is judged a name.
func TestMiddleInitials(t *testing.T) {
	for _, name := range []string{"mname", "middle_name"} {
		c := NewClassifier(name, "", []string{"pid", "fname", "lname", name, "dob"}, testCfg)
		c.SetTable("patient_data")
		for i := range 60 {
			c.Observe(string(rune('A' + i%26)))
		}
		if r := c.Report(); r.Verdict != VerdictPHI || r.Types[0] != "name" {
			t.Errorf("%s of initials: %s %v", name, r.Verdict, r.Types)
		}
	}
}
