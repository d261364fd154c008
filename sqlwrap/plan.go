package sqlwrap

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/phicrypt/phicrypt/blindindex"
)

// The planner's view of a schema: how many distinct values each index
// sees, the bits blindindex.PlanEquality admits for them, and how much the
// indexes of one column reveal together (docs/SECURITY.md §3.1, §5).
const (
	// dateDistinct bounds the values of a date column: the days of 100
	// years.
	dateDistinct = 36525
	// assumedRows is the table size the default bits are planned for when
	// the schema declares neither rows nor distinct values: near-unique
	// values (identifiers) on 100,000 rows.
	assumedRows = 100_000
	// MaxPrefixGram is the longest gram a prefix index may store without
	// force. The longest gram of a value no longer than it is the whole
	// value, so rows holding the same short value share every token;
	// longer searches still work, through the indexed prefix and the exact
	// filter.
	MaxPrefixGram = 4
)

// transformDistinct is the number of values a chain can leave at most (a
// month: 12, the last four digits: 10,000), or 0 if it does not bound them.
func transformDistinct(chain blindindex.Chain) float64 {
	bound, digits := 0.0, false
	narrow := func(x float64) {
		if bound == 0 || x < bound {
			bound = x
		}
	}
	for _, tr := range chain.Transforms() {
		name := tr.Name()
		switch name {
		case "date:year":
			narrow(100)
		case "date:month":
			narrow(12)
		case "date:day":
			narrow(31)
		case "date:monthday":
			narrow(366)
		case "date:yearmonth":
			narrow(1200)
		case "digits":
			digits = true
		}
		if n, ok := strings.CutPrefix(name, "first:"); ok && digits {
			narrow(math.Pow(10, atoiOr(n)))
		}
		if n, ok := strings.CutPrefix(name, "last:"); ok && digits {
			narrow(math.Pow(10, atoiOr(n)))
		}
	}
	return bound
}

func atoiOr(s string) float64 {
	n, err := strconv.Atoi(s)
	if err != nil || n > 18 {
		return 18
	}
	return float64(n)
}

// columnDistinct is the number of distinct values of c: declared, or
// bounded by its type; 0 if unknown.
func columnDistinct(c *Column) float64 {
	switch {
	case c.Distinct > 0:
		return float64(c.Distinct)
	case c.Type == TypeBool:
		return 2
	case c.Type == TypeDate:
		return dateDistinct
	}
	return 0
}

// indexDistinct is the number of distinct values an index with chain sees
// on c, 0 if unknown.
func indexDistinct(c *Column, chain blindindex.Chain) float64 {
	x := columnDistinct(c)
	if b := transformDistinct(chain); b > 0 && (x == 0 || b < x) {
		x = b
	}
	return x
}

// planFor runs the planner for x distinct values on a table of rows rows
// (0: unknown). It returns ok false when neither is known.
func planFor(field string, x float64, rows int64, compound, force bool) (blindindex.EqualityPlan, bool, error) {
	r := float64(rows)
	switch {
	case x == 0 && r == 0:
		return blindindex.EqualityPlan{}, false, nil
	case x == 0:
		// At most one value per row.
		x = r
	case r == 0:
		r = assumedRows
	}
	x = min(x, r)
	p, err := blindindex.PlanEquality(blindindex.EqualityRequest{
		Field: field, Stats: blindindex.FieldStats{Rows: max(r, 4), Distinct: x}, Compound: compound, Force: force,
	})
	return p, true, err
}

// defaultBits is the planner's choice for an index whose schema gives no
// bits: from the declared or type-bounded distinct values and rows, or for
// near-unique values on assumedRows rows. It returns 1 when the planner
// refuses the index, so that Validate reports why.
func defaultBits(field string, x float64, rows int64, compound, force bool) int {
	if x == 0 && rows == 0 {
		rows = assumedRows
	}
	p, _, err := planFor(field, x, rows, compound, force)
	if err != nil {
		return 1
	}
	return p.Bits
}

// compoundDistinct is the number of distinct combinations of ci's parts:
// the product of the parts' values, at most the rows; 0 if unknown.
func compoundDistinct(t *Table, ci *CompoundIndex) float64 {
	x := 1.0
	for _, part := range ci.Parts {
		c, ok := t.Column(part.Column)
		if !ok {
			return 0
		}
		chain, err := blindindex.ParseChain(part.Transforms)
		if err != nil {
			return 0
		}
		d := indexDistinct(c, chain)
		if d == 0 {
			if t.Rows > 0 {
				return float64(t.Rows)
			}
			return 0
		}
		x *= d
	}
	if t.Rows > 0 {
		x = min(x, float64(t.Rows))
	}
	return x
}

// planDefaults fills the bits the schema file left to the planner.
func planDefaults(t *Table, eq map[*EqualityIndex]*Column, comp map[*CompoundIndex]bool) {
	for ix, c := range eq {
		chain, err := blindindex.ParseChain(ix.Transforms)
		if err != nil {
			ix.Bits = 1 // Validate reports the chain
			continue
		}
		ix.Bits = defaultBits(c.Name, indexDistinct(c, chain), t.Rows, false, ix.Force)
	}
	for ci := range comp {
		ci.Bits = defaultCompoundBits(t, ci)
	}
}

// defaultCompoundBits plans a compound index over its combinations (at
// most the rows, assumedRows when the schema declares none) and, when
// their number is known, with the bits of the equality indexes on its
// parts as OtherBits: they refine the compound's buckets (docs/SECURITY.md
// §4). It returns 1 when the planner refuses, so that Validate reports
// why.
func defaultCompoundBits(t *Table, ci *CompoundIndex) int {
	x := compoundDistinct(t, ci)
	// Validate counts the parts' bits only when it knows the
	// combinations; the default does the same, so that it validates.
	var other []int
	if x > 0 {
		other = partBits(t, ci)
	}
	r := float64(t.Rows)
	if r == 0 {
		r = assumedRows
	}
	if x == 0 || x > r {
		x = r
	}
	p, err := blindindex.PlanEquality(blindindex.EqualityRequest{
		Field: ci.Name, Stats: blindindex.FieldStats{Rows: max(r, 4), Distinct: x},
		OtherBits: other, Compound: true, Force: ci.Force,
	})
	if err != nil {
		return 1
	}
	return p.Bits
}

// partBits lists the bits of the equality indexes on the parts of ci.
func partBits(t *Table, ci *CompoundIndex) []int {
	var out []int
	for _, part := range ci.Parts {
		if c, ok := t.Column(part.Column); ok {
			for _, ix := range c.Equality {
				if ix.Bits > 0 {
					out = append(out, ix.Bits)
				}
			}
		}
	}
	return out
}

// checkEqualityPlan refuses an equality index whose bits single out
// values of c, unless forced.
func checkEqualityPlan(t *Table, c *Column, ix *EqualityIndex, chain blindindex.Chain, p place, what string) error {
	x := indexDistinct(c, chain)
	plan, ok, err := planFor(c.Name, x, t.Rows, false, ix.Force)
	if !ok {
		return nil
	}
	if err != nil {
		return p.errf(err, "%s: %s", what, distinctText(c, x, t.Rows))
	}
	if ix.Bits > plan.MaxBits && !ix.Force {
		return p.errf(blindindex.ErrRevealsEquality, "%s: %d bits on %s give nearly every value its own token, so the tokens reveal which rows hold equal values; the planner admits at most %d bits: lower bits (or leave it out to let the planner choose), or set force", what, ix.Bits, distinctText(c, x, t.Rows), plan.MaxBits)
	}
	return nil
}

// distinctText says where the planner's distinct count came from.
func distinctText(c *Column, x float64, rows int64) string {
	switch {
	case x == 0:
		return fmt.Sprintf("%d rows", rows)
	case c.Distinct > 0 && x == float64(c.Distinct):
		return fmt.Sprintf("%d declared distinct values", c.Distinct)
	case c.Type == TypeDate && x == dateDistinct:
		return fmt.Sprintf("a date (about %d distinct days in 100 years)", dateDistinct)
	case c.Type == TypeBool && x == 2:
		return "a bool (2 values)"
	}
	return fmt.Sprintf("about %.0f distinct values after the transforms", x)
}
