package phiscan

import (
	"testing"
	"time"
)

// TestGluedDateNames checks that glued date names are read like their
// parts (MIMIC-IV's "admittime", "dischtime"; "collectiondate",
// "createdts"), and that a term's suffix may be spelt any usual way.
func TestGluedDateNames(t *testing.T) {
	for name, want := range map[string]string{
		"collectiondate": "event", "admittime": "event", "dischtime": "event", "createdts": "record",
		"enddate": "validity", "begdate": "validity", "lastupdated": "record",
	} {
		c := analyzeName(name, nil)
		got := ""
		switch {
		case c.eventDate:
			got = "event"
		case c.refDate:
			got = "record"
		case c.validityDate:
			got = "validity"
		}
		if got != want {
			t.Errorf("%s: %q date (tokens %v), want %q", name, got, c.tokens, want)
		}
	}
	for name, typ := range map[string]string{"memb_nbr": "mrn", "POST_CD": "zip", "member_num": "mrn", "patient_nm": "name",
		"acct_number": "account"} {
		if c := analyzeName(name, nil); c.typ != typ {
			t.Errorf("%s: type %q, want %q", name, c.typ, typ)
		}
	}
	// Words that merely end in "date" or "time" stay whole.
	for _, name := range []string{"update", "mandate", "lifetime", "overtime"} {
		if c := analyzeName(name, nil); c.eventDate || c.refDate {
			t.Errorf("%s: read as a dated event: %+v", name, c)
		}
	}
}

// TestHL7Timestamps checks yyyymmddhhmm[ss] digits in a date column.
func TestHL7Timestamps(t *testing.T) {
	g := newGen(20)
	vals := g.values(200, func(int) string {
		return g.date(2015, 2025).Add(time.Duration(g.n(0, 86399)) * time.Second).Format("20060102150405")
	})
	r := Classify(ColumnInput{Table: "lab_result", Name: "collection_date", Values: vals,
		TableColumns: []string{"mrn", "collection_date", "loinc"}}, testCfg)
	wantVerdict(t, r, VerdictPHI, "date")
	// The same digits in a column not named as a date are numbers.
	r = Classify(ColumnInput{Table: "lab_result", Name: "accession", Values: vals,
		TableColumns: []string{"mrn", "accession", "loinc"}}, testCfg)
	if r.Verdict == VerdictPHI && r.Types[0] == "date" {
		t.Errorf("digits taken for dates without a date name: %s", describe(r))
	}
}
