package phiscan

import (
	"slices"
	"sort"
)

// NameOnly reports whether a column's verdict rests on its name alone: it
// is not "none" and no value of it was read (an empty table, or a column
// whose sampled values were all NULL or empty). Such a verdict says what
// the column is for, not that it holds PHI; the overviews count it apart.
func NameOnly(c *ColumnReport) bool {
	return c.Verdict != VerdictNone && c.Sampled-c.Nulls <= 0 && !overridden(c)
}

// Category is the overview category of a column: its subject, "staff" or
// "organisation", when the column holds the identifiers of the site's
// staff or of an organisation (whatever its verdict: an organisation's
// address ruled out as PHI by its table is still an organisation's
// address), else its verdict. Staff and organisation identifiers are
// neither patient PHI nor nothing, so the overviews count them apart.
func Category(c *ColumnReport) Verdict {
	switch c.Subject {
	case SubjectStaff, SubjectOrganisation:
		return Verdict(c.Subject)
	}
	return c.Verdict
}

// VerdictCounts tallies the columns of a table by category (see
// Category): phi and possible count patient PHI only, staff and
// organisation identifiers have their own categories. Columns whose
// verdict rests on the name only are counted under nameOnly instead.
func VerdictCounts(t *TableReport) (counts map[Verdict]int, nameOnly int) {
	counts = map[Verdict]int{}
	for i := range t.Columns {
		c := &t.Columns[i]
		if NameOnly(c) {
			nameOnly++
			continue
		}
		counts[Category(c)]++
	}
	return counts, nameOnly
}

// ReportCounts sums VerdictCounts over the tables of a report.
func ReportCounts(r *Report) (counts map[Verdict]int, nameOnly int) {
	counts = map[Verdict]int{}
	for i := range r.Tables {
		c, n := VerdictCounts(&r.Tables[i])
		for v, k := range c {
			counts[v] += k
		}
		nameOnly += n
	}
	return counts, nameOnly
}

// verdictCategories returns the verdicts found in a report in display
// order: phi, possible, the other categories by name, none. phi, possible
// and none are always there, so that the overview's columns are stable.
func verdictCategories(r *Report) []Verdict {
	seen := map[Verdict]bool{}
	for i := range r.Tables {
		for j := range r.Tables[i].Columns {
			seen[Category(&r.Tables[i].Columns[j])] = true
		}
	}
	var other []Verdict
	for v := range seen {
		if v != VerdictPHI && v != VerdictPossible && v != VerdictNone && v != "" {
			other = append(other, v)
		}
	}
	slices.Sort(other)
	out := append([]Verdict{VerdictPHI, VerdictPossible}, other...)
	return append(out, VerdictNone)
}

// Finding groups of a table, in the order the reports list them.
const (
	groupUnscanned = iota // could not be scanned: warnings and no columns
	groupPHI              // at least one column judged phi from its values
	groupPossible         // possible, or phi on the name only
	groupOther            // other categories (staff, organisation)
	groupNone             // rows, but nothing found
	groupEmpty            // no rows: columns judged by names only
)

// tableGroup is the finding group of a table.
func tableGroup(t *TableReport) int {
	counts, nameOnly := VerdictCounts(t)
	other := 0
	for v, n := range counts {
		if v != VerdictPHI && v != VerdictPossible && v != VerdictNone {
			other += n
		}
	}
	switch {
	case len(t.Columns) == 0 && len(t.Warnings) > 0:
		return groupUnscanned
	case counts[VerdictPHI] > 0:
		return groupPHI
	case t.Rows == 0 && t.Kind != KindDatabase:
		return groupEmpty
	case counts[VerdictPossible] > 0 || nameOnly > 0:
		return groupPossible
	case other > 0:
		return groupOther
	}
	return groupNone
}

// orderedTables returns the indexes of r.Tables grouped by finding (see
// tableGroup) and, within a group, by PHI columns, possible columns and
// rows, most first, then by name.
func orderedTables(r *Report) []int {
	type key struct{ group, phi, possible int }
	keys := make([]key, len(r.Tables))
	idx := make([]int, len(r.Tables))
	for i := range r.Tables {
		c, _ := VerdictCounts(&r.Tables[i])
		keys[i] = key{tableGroup(&r.Tables[i]), c[VerdictPHI], c[VerdictPossible]}
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ka, kb := keys[idx[a]], keys[idx[b]]
		ta, tb := &r.Tables[idx[a]], &r.Tables[idx[b]]
		switch {
		case ka.group != kb.group:
			return ka.group < kb.group
		case ka.phi != kb.phi:
			return ka.phi > kb.phi
		case ka.possible != kb.possible:
			return ka.possible > kb.possible
		case ta.Rows != tb.Rows:
			return ta.Rows > tb.Rows
		}
		return ta.Name < tb.Name
	})
	return idx
}
