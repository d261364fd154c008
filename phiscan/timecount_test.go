package phiscan

import (
	"fmt"
	"testing"
)

// TestClockTimesAndPatientCounts checks that clock times without a day
// date nothing, and that a count on a row of one patient's data is not a
// small cell, while a count in an aggregate table still is.
func TestClockTimesAndPatientCounts(t *testing.T) {
	judge := func(table, name string, cols []string, value func(i int) string) ColumnReport {
		c := NewClassifier(name, "", cols, testCfg)
		c.SetTable(table)
		for i := range 60 {
			c.Observe(value(i))
		}
		return c.Report()
	}
	appt := []string{"pc_eid", "pc_pid", "pc_eventDate", "pc_startTime"}
	if r := judge("calendar_events", "pc_startTime", appt, func(i int) string { return fmt.Sprintf("%02d:%02d:00", 8+i%10, 15*(i%4)) }); r.Verdict != VerdictNone {
		t.Errorf("clock times: %s %v", r.Verdict, r.Types)
	}
	if r := judge("calendar_events", "pc_eventDate", appt, func(i int) string { return fmt.Sprintf("2024-%02d-%02d", 1+i%12, 1+i%28) }); r.Verdict != VerdictPHI {
		t.Errorf("dates of a patient's visits: %s %v", r.Verdict, r.Types)
	}
	small := func(i int) string { return fmt.Sprint(1 + i%5) }
	if r := judge("drug_era", "drug_exposure_count", []string{"drug_era_id", "person_id", "drug_exposure_count"}, small); r.Verdict != VerdictNone {
		t.Errorf("a patient's count: %s %v", r.Verdict, r.Types)
	}
	if r := judge("county_summary", "patient_count", []string{"county", "year", "patient_count"}, small); r.Verdict != VerdictPossible || r.Types[0] != "small_cell" {
		t.Errorf("an aggregate's small cells: %s %v", r.Verdict, r.Types)
	}
	for _, v := range []string{"9:30", "23:59:59", "07:05:00.125"} {
		if !timeOfDay(v) {
			t.Errorf("%s: not a time of day", v)
		}
	}
	for _, v := range []string{"24:00", "12:60", "1:2", "12:30:", "123:00", "12:30:00.x"} {
		if timeOfDay(v) {
			t.Errorf("%s: taken for a time of day", v)
		}
	}
}
