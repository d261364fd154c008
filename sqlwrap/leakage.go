package sqlwrap

import (
	"fmt"
	"math"

	"github.com/phicrypt/phicrypt/blindindex"
)

// What the indexes of one column reveal together (docs/SECURITY.md §5.1):
// each row carries a token set (its equality tokens, its prefix grams, its
// substring grams), and rows with equal values carry equal sets. With X
// distinct values, the planner's bound for one equality index (2^N < X/2)
// becomes: at most X/2 distinct token sets, so that a token set mixes two
// values on average.

// expectedSets is the expected number of distinct token sets when x values
// fall into c classes independently: c · (1 − e^(−x/c)).
func expectedSets(x, c float64) float64 {
	if c <= 0 || x <= 0 {
		return 0
	}
	return -c * math.Expm1(-x/c)
}

// prefixClasses bounds the number of distinct longest grams a prefix index
// stores over x values: the alphabet of its transforms to the power of the
// longest gram (26 after letters, 10 after digits), else x itself.
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
	if alphabet == 0 {
		return x
	}
	return min(x, math.Pow(alphabet, float64(ix.MaxGram)))
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
	bits := 0
	for _, ix := range c.Equality {
		if ix.Force {
			return nil
		}
		bits += ix.Bits
	}
	classes := math.Exp2(float64(min(bits, 62)))
	parts := fmt.Sprintf("%d equality bits", bits)
	if prefix != nil {
		classes *= prefixClasses(prefix, x)
		parts += fmt.Sprintf(" and the %d-rune prefix grams", prefix.MaxGram)
	}
	if prefix == nil && len(c.Equality) < 2 {
		return nil // a single equality index: checkEqualityPlan
	}
	if sets := expectedSets(x, classes); sets > x/2 {
		return p.errf(blindindex.ErrRevealsEquality, "%s together make about %.0f distinct token sets over %s, more than half of them: most values get a token set of their own, which reveals which rows hold equal values; lower the bits or the prefix max, drop an index, or set force on one", parts, sets, distinctText(c, x, t.Rows))
	}
	return nil
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
	other := 0
	for _, b := range partBits(t, ci) {
		other += b
	}
	if other == 0 {
		return nil
	}
	if sets := expectedSets(x, math.Exp2(float64(min(ci.Bits+other, 62)))); sets > x/2 {
		return p.errf(blindindex.ErrRevealsEquality, "%s: its %d bits and the %d bits of the equality indexes on its parts together make about %.0f distinct token sets over about %.0f combinations, more than half of them; lower the bits, or set force", what, ci.Bits, other, sets, x)
	}
	return nil
}
