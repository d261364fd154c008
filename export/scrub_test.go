package export

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestScrubRowsOwnIdentifiers(t *testing.T) {
	sc, err := newScrubber(nil)
	if err != nil {
		t.Fatal(err)
	}
	var own ownIDs
	own.add("last_name", "Xqzwyk-Núñez")
	own.add("first_name", "Zoë")
	own.add("phone", "(617) 444-1234")
	own.add("ssn", "078-05-1120")
	own.add("mrn", "E4100037")
	own.add("street", "17 Quarry Lane")
	for _, c := range []struct{ in, want string }{
		{"Mrs Xqzwyk called.", "[NAME] called."},
		{"seen by NUNEZ, then nunez again; zoe agreed", "seen by [NAME], then [NAME] again; [NAME] agreed"},
		{"call 6174441234 or 617.444.1234", "call [PHONE] or [PHONE]"},
		{"ss 078051120 on file", "ss [SSN] on file"},
		{"chart e4100037 reviewed", "chart [MRN] reviewed"},
		{"moved from 17 quarry lane", "moved from [ADDRESS]"}, {"lives on Quarry Lane", "lives on [ADDRESS]"},
		{"BP stable, continue lisinopril.", "BP stable, continue lisinopril."},
		{"", ""},
	} {
		if got := sc.scrub(c.in, own); got != c.want {
			t.Errorf("scrub(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	// Packed, as kept for the text of the patient's other rows, they
	// scrub the same.
	if got := sc.scrub("seen by NUNEZ; call 6174441234", ownIDs(nil).unpack(own.pack())); got != "seen by [NAME]; call [PHONE]" {
		t.Errorf("unpacked: %q", got)
	}
	// Without the row's identifiers only the detectors apply, and what
	// they find goes.
	got := sc.scrub("Dr. Jones saw the patient on 03/14/2021, call (617) 253-1000", nil)
	if got != "[NAME] saw the patient on [DATE], call [PHONE]" {
		t.Errorf("detectors: %q", got)
	}
	// Scrubbed text holds nothing the detectors find.
	if n := len(sc.finder.Find(sc.scrub("Mrs Smith and Mr. John Smith, 42 Elm Street, MRN 12345678", nil))); n != 0 {
		t.Errorf("%d identifiers left", n)
	}
}

func TestTransforms(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		v     any
		birth bool
		want  string
	}{
		{"1936-12-31", true, Over}, {"1937-01-01", true, "1937"}, {"1936-12-31", false, "1936"},
		{"2021-03-04 10:11:12", false, "2021"}, {nil, true, ""},
	} {
		if got, err := yearValue(c.v, c.birth, 89, now); err != nil || got != c.want {
			t.Errorf("yearValue(%v, %v) = %q, %v; want %q", c.v, c.birth, got, err, c.want)
		}
	}
	if _, err := yearValue("not a date", false, 89, now); err == nil || strings.Contains(err.Error(), "not a date (string") == false {
		t.Errorf("bad date: %v", err)
	}
	for in, want := range map[string]string{"03601": "000", "10210-1234": "000", "02139": "021", "2139": "021", "60614": "606", "": ""} {
		if got, err := zip3Value(in); err != nil || got != want {
			t.Errorf("zip3Value(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := zip3Value("SW1A 1AA"); err == nil {
		t.Error("a UK postcode became a ZIP3")
	}
	for in, want := range map[string]string{"89": "89", "90": Over, "104": Over, "45.5": "45.5"} {
		if got, _ := ageValue(in, 89); got != want {
			t.Errorf("ageValue(%q) = %q, want %q", in, got, want)
		}
	}
	ids, other := &studyIDs{key: []byte("k")}, &studyIDs{key: []byte("other")}
	if ids.id(int64(7)) != ids.id("7") || ids.id(int64(7)) == ids.id(int64(8)) || other.id(int64(7)) == ids.id(int64(7)) {
		t.Error("study ids not keyed and consistent")
	}
}

func TestGateSmallCells(t *testing.T) {
	dir := t.TempDir()
	data := "zip3,state,patient_count\n021,MA,3\n606,IL,120\n941,CA,2\n733,TX,48\n100,NY,5\n"
	if err := os.WriteFile(filepath.Join(dir, "counts_by_zip3.csv"), []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := LoadProfile("safe-harbor")
	if err != nil {
		t.Fatal(err)
	}
	g, err := Gate(context.Background(), dir, &Plan{Profile: p}, 0, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range g.Findings {
		found = found || f.Table == "counts_by_zip3" && f.Column == "patient_count" && strings.Contains(f.Reason, "small cells")
	}
	if !found || g.Verdict != "fail" {
		t.Errorf("small cells not found: %+v", g)
	}
}

func TestGateEmptyTablePasses(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "patient_data.csv"), []byte("study_id,DOB_year,ss,body\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, _ := LoadProfile("safe-harbor")
	g, err := Gate(context.Background(), dir, &Plan{Profile: p}, 0, time.Now())
	if err != nil || g.Verdict != "pass" {
		t.Errorf("empty table: %+v %v", g, err)
	}
}
