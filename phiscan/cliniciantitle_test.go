package phiscan

import (
	"fmt"
	"testing"
)

// TestClinicianTitles checks that names written with a clinician's title
// are reported as staff's, and that surnames that look like titles are
// not taken for them.
func TestClinicianTitles(t *testing.T) {
	for _, v := range []string{"Dr. Ann Lee", "Dr Lee", "DR. JOHN SMITH", "Ann Lee, MD", "Ann Lee MD", "Lee, Ann, DO", "Mary Jones RN"} {
		if !clinicianTitle(v) {
			t.Errorf("%q: no clinician's title", v)
		}
	}
	for _, v := range []string{"Anh Thi Do", "Mary Do", "Drew Barrymore", "Ann Lee", "Maria Pa", "Andrew"} {
		if clinicianTitle(v) {
			t.Errorf("%q: taken for a clinician's title", v)
		}
	}
	cols := []string{"id", "pid", "reply_from", "reply_date"}
	c := NewClassifier("reply_from", "", cols, testCfg)
	c.SetTable("transactions")
	first := []string{"Ann", "John", "Maria", "David", "Susan", "Robert"}
	last := []string{"Lee", "Smith", "Garcia", "Brown", "Nguyen", "Miller"}
	for i := range 60 {
		c.Observe(fmt.Sprintf("Dr. %s %s", first[i%6], last[i/6%6]))
	}
	r := c.Report()
	if r.Subject != SubjectStaff {
		t.Errorf("names with Dr.: %s %v subject %q", r.Verdict, r.Types, r.Subject)
	}
}

// TestPathsWithNames checks that a path whose file name carries a
// person's name is a link that identifies someone.
func TestPathsWithNames(t *testing.T) {
	wordsOnce.Do(loadWords)
	for _, v := range []string{"file:///var/www/openemr/sites/default/documents/12/Smith_John_insurance_card.pdf", "/docs/Garcia-Maria-lab.pdf"} {
		if !pathHasName(v) {
			t.Errorf("%s: no name found", v)
		}
	}
	for _, v := range []string{"/var/lib/report_2024_final.pdf", "file:///tmp/insurance_card.pdf", "/images/logo.png"} {
		if pathHasName(v) {
			t.Errorf("%s: taken for a name", v)
		}
	}
}
