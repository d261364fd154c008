package phiscan

import (
	"fmt"
	"testing"
)

// TestRecordNumbersWithoutAName checks that a column of a table about
// patients whose values are distinct letter-and-digit numbers is judged
// a record number whatever it is called, and that codes, keys made of
// keys, lot numbers and unlinked tables are not.
func TestRecordNumbersWithoutAName(t *testing.T) {
	judge := func(table, name string, cols []string, value func(i int) string) ColumnReport {
		c := NewClassifier(name, "VARCHAR(50)", cols, testCfg)
		c.SetTable(table)
		for i := range 60 {
			c.Observe(value(i))
		}
		return c.Report()
	}
	linked := []string{"visit_id", "person_id", "source_value", "lot_number"}
	encounter := func(i int) string { return fmt.Sprintf("V%d-%07d", 2015+i%10, 7919*i%9999991) }
	cases := []struct {
		table, name string
		cols        []string
		value       func(int) string
		want        Verdict
	}{
		{"visit", "source_value", linked, encounter, VerdictPHI},
		{"visit", "source_value", linked, func(i int) string { return fmt.Sprintf("%08d-%02d", 10000000+i, i%7) }, VerdictNone},
		{"visit", "source_value", linked, func(i int) string { return []string{"E11.9", "I10", "J45.909"}[i%3] }, VerdictNone},
		{"visit", "lot_number", linked, encounter, VerdictNone},
		// Two letters and seven digits: one in ten passes the DEA check
		// digit by chance.
		{"patient_master", "v2", []string{"PERSON_ID", "v2", "PAT_DOB"},
			func(i int) string { return fmt.Sprintf("PT%07d", (7919*i+104729)%10000000) }, VerdictPHI},
		{"import_file", "source_value", []string{"id", "source_value"}, encounter, VerdictNone},
	}
	for _, tc := range cases {
		r := judge(tc.table, tc.name, tc.cols, tc.value)
		if r.Verdict != tc.want {
			t.Errorf("%s.%s (%s…): %s %v %+v, want %s", tc.table, tc.name, tc.value(1), r.Verdict, r.Types, r.Evidence, tc.want)
		}
	}
}
