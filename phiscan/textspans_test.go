package phiscan

import (
	"slices"
	"testing"
)

func TestTextFinderSpans(t *testing.T) {
	f, err := NewTextFinder(&Config{MRNPattern: `^E\d{7}$`})
	if err != nil {
		t.Fatal(err)
	}
	text := "Seen 03/14/2019 with wife Mary. Call (617) 555-0123 or mary.smith@example.org; SSN 078-05-1120, MRN E1234567. " +
		"Lives at 42 Elm Street. Dr. Jones reviewed. Patient is 93 yo. John Smith called again on March 3, 2020."
	got := map[string][]string{}
	for _, s := range f.Find(text) {
		got[s.Type] = append(got[s.Type], text[s.Start:s.End])
	}
	want := map[string][]string{
		"date":        {"03/14/2019", "March 3, 2020"},
		"name":        {"Mary", "Dr. Jones", "John Smith"},
		"phone":       {"(617) 555-0123"},
		"email":       {"mary.smith@example.org"},
		"ssn":         {"078-05-1120"},
		"mrn":         {"E1234567"},
		"age_over_89": {"93 yo"},
	}
	for typ, w := range want {
		for _, s := range w {
			if !slices.Contains(got[typ], s) {
				t.Errorf("%s: %q not found; got %q", typ, s, got[typ])
			}
		}
	}
	// An address span covers the house number and the street (and may
	// take a word more).
	found := false
	for _, a := range got["address"] {
		found = found || len(a) >= len("42 Elm Street") && a[:len("42 Elm Street")] == "42 Elm Street"
	}
	if !found {
		t.Errorf("address: got %q", got["address"])
	}
	// Every span is where it says, also for repeated words.
	again := "Smith Smith, John"
	for _, s := range f.Find(again) {
		if s.Start < 0 || s.End > len(again) || s.Start >= s.End {
			t.Errorf("bad span %+v", s)
		}
	}
	if n := len(f.Find("nothing to see here, vitals stable")); n != 0 {
		t.Errorf("clean text: %d spans", n)
	}
	if !slices.Contains(TextSpanTypes(), "age_over_89") {
		t.Errorf("TextSpanTypes: %v", TextSpanTypes())
	}
}

func TestTextFinderRefusesBadConfig(t *testing.T) {
	if _, err := NewTextFinder(&Config{MRNPattern: "("}); err == nil {
		t.Fatal("bad MRN pattern accepted")
	}
}

func TestRestrictedZIP3(t *testing.T) {
	for p, want := range map[int]bool{36: true, 102: true, 890: true, 21: false, 100: false, -1: false, 1000: false} {
		if got := RestrictedZIP3(p); got != want {
			t.Errorf("RestrictedZIP3(%d) = %v, want %v", p, got, want)
		}
	}
}
