package sqlwrap

import (
	"errors"
	"fmt"

	"github.com/phicrypt/phicrypt/blindindex"
)

// What the indexes of one column reveal together (docs/SECURITY.md §5.1),
// counted by blindindex.PlanColumn.

// prefixClasses bounds the number of distinct longest grams a prefix index
// stores over x values, by the alphabet of its transforms.
func prefixClasses(ix *BloomIndex, x float64) float64 {
	chain, err := blindindex.ParseChain(ix.Transforms)
	if err != nil {
		return x
	}
	alphabet := 0.0
	for _, tr := range chain.Transforms() {
		switch tr.Name() {
		case "letters":
			alphabet = 26
		case "digits":
			alphabet = 10
		}
	}
	return blindindex.PrefixGramClasses(alphabet, ix.MaxGram, x)
}

// checkColumnLeakage refuses what the column's indexes reveal beyond the
// planner's bound: a substring index without the acknowledgement, a
// prefix gram longer than MaxPrefixGram, and, when the distinct values are
// known, more than X/2 token sets over X values.
func checkColumnLeakage(t *Table, c *Column, p place) error {
	forced := false
	var prefix *BloomIndex
	for _, ix := range c.Bloom {
		what := ix.Kind.String() + " index " + ix.Name
		forced = forced || ix.Force
		switch ix.Kind {
		case blindindex.Substring:
			if !ix.RevealsEquality {
				return p.errf(blindindex.ErrRevealsEquality, "%s: a value's set of n-grams identifies it, so substring tokens reveal which rows hold equal values (and which share n-grams), whatever the other indexes' bits; accept it with reveals: equality (tag: reveals=equality), or drop the index", what)
			}
			// Acknowledged: the column's equality is revealed anyway.
			return nil
		case blindindex.Prefix:
			prefix = ix
			if ix.MaxGram > MaxPrefixGram && !ix.Force {
				return p.errf(blindindex.ErrRevealsEquality, "%s: its longest gram (max %d) is the whole value for values of up to %d runes, so rows holding the same such value share every token; use max %d or less (longer searches still work, through the %d-rune prefix and the exact filter), or set force", what, ix.MaxGram, ix.MaxGram, MaxPrefixGram, MaxPrefixGram)
			}
		}
	}
	x := columnDistinct(c)
	if x == 0 || forced {
		return nil
	}
	if prefix == nil && len(c.Equality) < 2 {
		return nil // a single equality index: checkEqualityPlan
	}
	req := blindindex.ColumnRequest{Field: c.Name, Distinct: x}
	for _, ix := range c.Equality {
		if ix.Force {
			return nil
		}
		req.EqualityBits = append(req.EqualityBits, ix.Bits)
	}
	parts := fmt.Sprintf("%d equality bits", sum(req.EqualityBits))
	if prefix != nil {
		req.PrefixClasses = prefixClasses(prefix, x)
		parts += fmt.Sprintf(" and the %d-rune prefix grams", prefix.MaxGram)
	}
	plan, err := blindindex.PlanColumn(req)
	if err != nil && !errors.Is(err, blindindex.ErrRevealsEquality) {
		return p.errf(err, "indexes of the column")
	}
	if err != nil {
		return p.errf(blindindex.ErrRevealsEquality, "%s together make about %.0f distinct token sets over %s, more than half of them: most values get a token set of their own, which reveals which rows hold equal values; lower the bits or the prefix max, drop an index, or set force on one", parts, plan.TokenSets, distinctText(c, x, t.Rows))
	}
	return nil
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// checkCompoundLeakage refuses a compound index whose bits, with those of
// the standalone equality indexes on its parts, single out combinations,
// when the number of combinations is known.
func checkCompoundLeakage(t *Table, ci *CompoundIndex, p place, what string) error {
	if ci.Force {
		return nil
	}
	x := compoundDistinct(t, ci)
	if x == 0 {
		return nil
	}
	plan, _, err := planFor(ci.Name, x, t.Rows, true, false)
	if err != nil {
		return p.errf(err, "%s", what)
	}
	if ci.Bits > plan.MaxBits {
		return p.errf(blindindex.ErrRevealsEquality, "%s: %d bits on about %.0f distinct combinations give nearly every combination its own token, so the tokens reveal which rows hold equal combinations; the planner admits at most %d bits: lower bits (or leave it out to let the planner choose), or set force", what, ci.Bits, x, plan.MaxBits)
	}
	other := partBits(t, ci)
	if len(other) == 0 {
		return nil
	}
	cplan, err := blindindex.PlanColumn(blindindex.ColumnRequest{Field: ci.Name, Distinct: x, EqualityBits: append([]int{ci.Bits}, other...)})
	if err != nil && !errors.Is(err, blindindex.ErrRevealsEquality) {
		return p.errf(err, "%s", what)
	}
	if err != nil {
		return p.errf(blindindex.ErrRevealsEquality, "%s: its %d bits and the %d bits of the equality indexes on its parts together make about %.0f distinct token sets over about %.0f combinations, more than half of them; lower the bits, or set force", what, ci.Bits, sum(other), cplan.TokenSets, x)
	}
	return nil
}
