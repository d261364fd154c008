package blindindex

import (
	"fmt"
	"math"
)

// ColumnRequest describes every index on one field for PlanColumn: what
// the database holder sees of a row is its token set (the tokens of every
// index together), and rows with equal values carry equal sets.
type ColumnRequest struct {
	// Field names the field in errors.
	Field string
	// Distinct is the number of distinct values X (at least 1).
	Distinct float64
	// EqualityBits lists the bits of the equality indexes on the field
	// (for a compound index: its bits and those of the equality indexes
	// on its parts, with Distinct the number of combinations).
	EqualityBits []int
	// PrefixClasses is the number of distinct longest grams of the
	// field's prefix index, 0 without one; PrefixGramClasses bounds it.
	PrefixClasses float64
	// Substring says the field has a substring index. A value's set of
	// n-grams identifies it, so its token sets are the values themselves.
	Substring bool
}

// ColumnPlan is PlanColumn's answer.
type ColumnPlan struct {
	// TokenSets is the expected number of distinct token sets over the X
	// values: C · (1 − e^(−X/C)) for X values falling independently into
	// C = 2^(sum of EqualityBits) · PrefixClasses classes; X with a
	// substring index.
	TokenSets float64
	// MaxTokenSets is the bound, X/2: a token set then mixes two values on
	// average, the bound PlanEquality keeps for one index (2^N < X/2).
	MaxTokenSets float64
}

// PlanColumn counts what the indexes of one field reveal together. It
// returns the plan and, when TokenSets exceeds MaxTokenSets, an error
// wrapping ErrRevealsEquality that says so; ErrBadConfig for invalid
// input.
func PlanColumn(req ColumnRequest) (ColumnPlan, error) {
	if !planFinite(req.Distinct) || req.Distinct < 1 || !planFinite(req.PrefixClasses) || req.PrefixClasses < 0 {
		return ColumnPlan{}, fmt.Errorf("%w: column plan for %q: Distinct must be at least 1 and PrefixClasses not negative", ErrBadConfig, req.Field)
	}
	x := req.Distinct
	plan := ColumnPlan{MaxTokenSets: x / 2}
	if req.Substring {
		plan.TokenSets = x
		return plan, fmt.Errorf("%w: %q: a substring index gives every value its own token set (its n-grams identify it)", ErrRevealsEquality, req.Field)
	}
	bits := 0
	for _, b := range req.EqualityBits {
		if b < 1 || b > planMaxBits {
			return ColumnPlan{}, fmt.Errorf("%w: column plan for %q: equality bits must be between 1 and %d, got %d", ErrBadConfig, req.Field, planMaxBits, b)
		}
		bits += b
	}
	c := math.Exp2(float64(min(bits, planMaxBits)))
	if req.PrefixClasses > 0 {
		c *= req.PrefixClasses
	}
	plan.TokenSets = -c * math.Expm1(-x/c)
	if plan.TokenSets > plan.MaxTokenSets {
		return plan, fmt.Errorf("%w: %q: %d equality bits and %.0f prefix classes make about %.0f distinct token sets over %.0f values, more than half of them", ErrRevealsEquality, req.Field, bits, req.PrefixClasses, plan.TokenSets, x)
	}
	return plan, nil
}

// PrefixGramClasses bounds the number of distinct longest grams of a
// prefix index over distinct values: alphabet^maxGram (26 after letters,
// 10 after digits), or distinct when the alphabet is unknown (0).
func PrefixGramClasses(alphabet float64, maxGram int, distinct float64) float64 {
	if alphabet <= 0 {
		return distinct
	}
	return min(distinct, math.Pow(alphabet, float64(maxGram)))
}
