package phiscan

import "slices"

// personTypes are the types that make a table a table about people.
var personTypes = []string{"name", "first_name", "last_name", "ssn", "birth_date", "phone", "email", "address"}

// recordTypes are identifier types that a column can only be "possible"
// for on its own values: an opaque record number looks like any other key.
var recordTypes = []string{"mrn", "account", "device_id", "ssn"}

// ResolveTable decides what one column cannot decide alone: in a table
// that holds at least two columns of direct identifiers of people, a
// column of identifier-shaped values judged "possible" is that person's
// record number (or account, device or social security number), and so
// PHI. Columns are changed in place and returned.
func ResolveTable(cols []ColumnReport) []ColumnReport {
	people := 0
	for _, c := range cols {
		if c.Verdict == VerdictPHI && slices.ContainsFunc(c.Types, func(t string) bool { return slices.Contains(personTypes, t) }) {
			people++
		}
	}
	if people < 2 {
		return cols
	}
	for i := range cols {
		c := &cols[i]
		if c.Verdict != VerdictPossible || !valueEvidence(c, recordTypes) {
			continue
		}
		c.Verdict = VerdictPHI
		c.Confidence = max(c.Confidence, 0.8)
		c.Min = nil
		c.Evidence = append(c.Evidence, Evidence{Check: "table", Type: c.Types[0], Share: 1,
			Detail: "identifier-shaped values in a table of people's direct identifiers"})
	}
	return cols
}

// valueEvidence reports whether a column has value evidence of one of the
// types.
func valueEvidence(c *ColumnReport, types []string) bool {
	for _, e := range c.Evidence {
		if e.Check == "value" && slices.Contains(types, e.Type) && len(c.Types) > 0 {
			return true
		}
	}
	return false
}
