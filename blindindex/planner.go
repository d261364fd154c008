package blindindex

import (
	"fmt"
	"math"
)

// Planning limits.
const (
	// planMinEntropyBits is the entropy below which a standalone equality
	// index is refused: with fewer than 256 equally likely values, public
	// statistics (sex ratio, age pyramid, prevalence) name each bucket.
	planMinEntropyBits = 8
	// planMaxBits is the widest token the BIGINT column holds.
	planMaxBits = 64
	// planMaxRows keeps log2(rows), and with it every bound, inside the
	// 64-bit token range.
	planMaxRows = 1 << 62
)

// FieldStats describes the data an index is planned for.
type FieldStats struct {
	// Rows is the expected number of rows R (at least 1). Plan with the row
	// count the table will have soon after the index is created: buckets
	// grow with the table, so a smaller R is the conservative choice.
	Rows float64
	// Distinct is the number of distinct values X; 0 if unknown, then
	// EntropyBits is used (X = 2^H).
	Distinct float64
	// EntropyBits is the Shannon entropy of the value distribution in bits,
	// optional. When both are given, the planner uses min(log2 X, H) as the
	// effective entropy because a skewed distribution leaks more than X
	// suggests.
	EntropyBits float64
}

// EqualityRequest asks PlanEquality for the token size of one equality
// index.
type EqualityRequest struct {
	// Field names the field in warnings and errors.
	Field string
	// Stats describes the data; for a compound index, the combination.
	Stats FieldStats
	// OtherBits lists the bits of other equality indexes on the same field
	// (e.g. a last-4 index beside a full-SSN index); the combined tokens
	// must stay within the bounds.
	OtherBits []int
	// Partitions is the number of frequency-smoothing partitions P (0 or
	// 1: none).
	Partitions int
	// Compound says the index is part of a compound index (the entropy of
	// the combination is given in Stats), so the low-entropy refusal does
	// not apply.
	Compound bool
	// Force accepts a low-entropy standalone index anyway; the plan carries
	// a warning.
	Force bool
}

// EqualityPlan is PlanEquality's answer.
type EqualityPlan struct {
	// Field is EqualityRequest.Field.
	Field string
	// Bits is the recommended token size N.
	Bits int
	// MinBits and MaxBits bound the admissible range given every
	// constraint. MinBits > MaxBits when no N meets them all; Bits is then
	// the closest N and Warnings says which bound it breaks.
	MinBits, MaxBits int
	// EffectiveBits is the number of bits of the value the tokens reveal:
	// min(N + sum(OtherBits), log2 X).
	EffectiveBits float64
	// RowsPerToken is the expected number of rows sharing one token:
	// R / 2^min(N, log2 X).
	RowsPerToken float64
	// CandidatesPerQuery is the expected number of rows fetched and
	// decrypted per equality query: the true matches R / X (X effective)
	// plus the false positives (R − matches) · FalsePositiveRate.
	CandidatesPerQuery float64
	// FalsePositiveRate is the probability that a non-matching row shares
	// the query's token: 2^-N, or P · 2^-N with P smoothing partitions
	// (the query asks for P tokens).
	FalsePositiveRate float64
	// Warnings explains every bound the plan breaks or accepts by force.
	Warnings []string
}

// PlanEquality sizes the truncated token of an equality index. With R rows
// and an effective X = 2^E distinct values, an admissible N satisfies
//
//	sqrt(X) < 2^N < X/2              (a bucket mixes between 2 and sqrt(X) values)
//	N + sum(OtherBits) < log2(X) − 1 (other indexes on the field count too)
//	2 ≤ R / 2^min(N, log2 X) ≤ sqrt(R)
//	1 ≤ N ≤ 64
//
// It returns an error wrapping ErrLowEntropy for a standalone field under 8
// bits of entropy (unless Compound or Force), and ErrBadConfig for invalid
// statistics or when no N is sensible.
func PlanEquality(req EqualityRequest) (EqualityPlan, error) {
	if req.Field == "" {
		return EqualityPlan{}, fmt.Errorf("%w: equality plan: the field has no name", ErrBadConfig)
	}
	s := req.Stats
	bad := func(format string, args ...any) (EqualityPlan, error) {
		return EqualityPlan{}, fmt.Errorf("%w: equality plan for %q: %s", ErrBadConfig, req.Field, fmt.Sprintf(format, args...))
	}
	switch {
	case !planFinite(s.Rows) || s.Rows < 1 || s.Rows > planMaxRows:
		return bad("Rows must be between 1 and 2^62, got %g", s.Rows)
	case !planFinite(s.Distinct) || s.Distinct < 0 || (s.Distinct > 0 && s.Distinct < 1):
		return bad("Distinct must be 0 (unknown) or at least 1, got %g", s.Distinct)
	case !planFinite(s.EntropyBits) || s.EntropyBits < 0:
		return bad("EntropyBits must be 0 (unknown) or positive, got %g", s.EntropyBits)
	case s.Distinct == 0 && s.EntropyBits == 0:
		return bad("give Distinct or EntropyBits")
	case req.Partitions < 0 || req.Partitions > MaxPartitions:
		return bad("Partitions must be between 0 and %d, got %d", MaxPartitions, req.Partitions)
	}
	other := 0
	for _, b := range req.OtherBits {
		if b < 1 || b > planMaxBits {
			return bad("other index sizes must be between 1 and %d bits, got %d", planMaxBits, b)
		}
		other += b
	}
	// At R < 4 even N = 1 leaves fewer than 2 rows per token, and a
	// smaller token does not exist.
	if s.Rows < 4 {
		return bad("%g rows: no token size leaves 2 rows per token", s.Rows)
	}
	partitions := float64(max(req.Partitions, 1))

	var warnings []string
	warn := func(format string, args ...any) {
		warnings = append(warnings, fmt.Sprintf("%q: ", req.Field)+fmt.Sprintf(format, args...))
	}

	log2R := math.Log2(s.Rows)
	e := s.EntropyBits
	if s.Distinct > 0 {
		e = math.Log2(s.Distinct)
		if s.EntropyBits > 0 {
			e = min(e, s.EntropyBits)
		}
	}
	// A table of R rows holds at most R distinct values; planning with a
	// larger domain would overstate what hides the rows.
	if e > log2R {
		warn("effective entropy %.1f bits exceeds log2(rows) = %.1f: planning with %.1f bits", e, log2R, log2R)
		e = log2R
	}
	if s.Distinct > 0 && s.EntropyBits > 0 && math.Log2(s.Distinct)-s.EntropyBits >= 1 && partitions == 1 {
		warn("skewed values (entropy %.1f bits, log2 of distinct values %.1f): the buckets of the most frequent values hold far more rows than the average and public frequency tables can name them; frequency smoothing (Partitions) flattens them", s.EntropyBits, math.Log2(s.Distinct))
	}
	if e < planMinEntropyBits {
		switch {
		case req.Force:
			warn("forced standalone index on %.1f bits of entropy: the tokens reveal the value to anyone with the database and public statistics", e)
		case req.Compound:
			warn("the compound combination has only %.1f bits of entropy: its tokens reveal the combination", e)
		default:
			return EqualityPlan{}, fmt.Errorf("%w: %q has %.1f bits of entropy (under %d): make the index compound with another field or force it", ErrLowEntropy, req.Field, e, planMinEntropyBits)
		}
	}

	// Integer bounds; the entropy bounds are strict, the row bounds are not.
	lo := max(math.Floor(e/2)+1, math.Ceil(log2R/2), 1)
	hiEntropy := math.Ceil(e-1-float64(other)) - 1
	hi := min(hiEntropy, math.Floor(log2R-1), planMaxBits)

	// Every admissible N already keeps the bucket mixing and rows per token
	// inside the privacy bounds, and each further bit halves the false
	// positives a query fetches and decrypts, so the largest admissible N
	// is the cheapest safe choice. When the bounds conflict, privacy (the
	// upper bounds) wins over query cost (the lower bounds).
	n := int(hi)
	if hi < 1 {
		if other > 0 && !req.Force {
			return bad("the other indexes on the field already use %d bits of the %.1f admissible (log2(X) − 1): a further index would reveal the value", other, e-1)
		}
		n = 1
	}
	plan := EqualityPlan{
		Field:   req.Field,
		Bits:    n,
		MinBits: int(lo),
		MaxBits: int(max(hi, 0)),
	}

	nf := float64(n)
	matches := s.Rows / math.Exp2(e)
	plan.FalsePositiveRate = min(1, partitions*math.Exp2(-nf))
	plan.CandidatesPerQuery = matches + (s.Rows-matches)*plan.FalsePositiveRate
	plan.RowsPerToken = s.Rows / math.Exp2(min(nf, e))
	plan.EffectiveBits = min(nf+float64(other), e)

	sqrtR := math.Sqrt(s.Rows)
	if nf <= e/2 {
		warn("%d bits: each token mixes about %.3g values, at least sqrt(X) = %.3g", n, math.Exp2(e-nf), math.Exp2(e/2))
	}
	if nf+float64(other) >= e-1 {
		if other > 0 {
			warn("%d bits plus %d of other indexes reach log2(X) − 1 = %.1f: a bucket mixes fewer than 2 values", n, other, e-1)
		} else {
			warn("%d bits reach log2(X) − 1 = %.1f: a bucket mixes fewer than 2 values", n, e-1)
		}
	}
	if plan.RowsPerToken > sqrtR {
		warn("%d bits: about %.0f rows per token, more than sqrt(rows) = %.0f; each query fetches and decrypts them", n, plan.RowsPerToken, sqrtR)
	}
	if partitions > 1 && plan.CandidatesPerQuery > sqrtR {
		warn("%d smoothing partitions: each query fetches and decrypts about %.0f rows", int(partitions), plan.CandidatesPerQuery)
	}
	plan.Warnings = warnings
	return plan, nil
}

// BloomRequest asks PlanBloom for the fill and false-positive rates of a
// prefix or substring index.
type BloomRequest struct {
	// Config is the index configuration; CheckBloom must accept it.
	Config BloomConfig
	// Rows is the expected number of rows (at least 1).
	Rows float64
	// ValueLength is the typical normalized value length in runes.
	ValueLength int
	// MaxValueLength is the longest value expected (the fill is checked
	// against it); 0 means ValueLength.
	MaxValueLength int
	// NeedleLengths lists the needle lengths to report (default
	// MinGram..MaxGram+2).
	NeedleLengths []int
}

// NeedleReport gives the false positives of one needle length.
type NeedleReport struct {
	// Length is the needle length in runes.
	Length int
	// GramsRequired is the number of grams a needle of this length
	// requires. Prefix: one edge gram of min(Length, MaxGram) runes.
	// Substring: the Length − g + 1 grams of g = min(Length, MaxGram) runes
	// that cover it.
	GramsRequired int
	// BitsRequired is the expected number of distinct bits those grams
	// set: M · (1 − (1 − 1/M)^(K · GramsRequired)).
	BitsRequired float64
	// FalsePositiveRate is the probability that a row which does not hold
	// the grams has all those bits set: FillRatio^BitsRequired. This
	// treats the bits of a row as independent, each set with probability
	// FillRatio, the usual Bloom filter approximation. It counts filter
	// collisions only: a needle longer than MaxGram also fetches rows that
	// share its grams but not the needle, which depends on the data.
	FalsePositiveRate float64
	// ExpectedFalseCandidates is Rows · FalsePositiveRate, the filter's
	// false candidates per query.
	ExpectedFalseCandidates float64
}

// BloomPlan is PlanBloom's answer.
type BloomPlan struct {
	// FillRatio is the expected fraction of set bits for a typical value:
	// 1 − (1 − 1/M)^(K · grams). Repeated grams within a value set no new
	// bits, so real values fill a little less.
	FillRatio float64
	// MaxFillRatio is the same for MaxValueLength.
	MaxFillRatio float64
	// BitsPerRow is the expected number of set bits per typical row, the
	// length of the stored position array: M · FillRatio.
	BitsPerRow float64
	// Needles reports each requested needle length.
	Needles []NeedleReport
	// Warnings names needle lengths whose false candidates exceed
	// sqrt(Rows) and values too short to yield a gram.
	Warnings []string
}

// PlanBloom reports the fill ratio, storage and false-positive rates of a
// prefix or substring index. It returns the error of CheckBloom for an
// invalid configuration, ErrBadConfig for invalid lengths or rows, and
// ErrNeedleTooShort for a needle length under MinGram.
func PlanBloom(req BloomRequest) (BloomPlan, error) {
	c := req.Config
	if err := CheckBloom(c); err != nil {
		return BloomPlan{}, err
	}
	bad := func(format string, args ...any) (BloomPlan, error) {
		return BloomPlan{}, fmt.Errorf("%w: Bloom plan for %q: %s", ErrBadConfig, c.Name, fmt.Sprintf(format, args...))
	}
	maxLen := c.MaxLength
	if maxLen == 0 {
		maxLen = DefaultBloomMaxLength
	}
	maxValue := req.MaxValueLength
	if maxValue == 0 {
		maxValue = req.ValueLength
	}
	switch {
	case !planFinite(req.Rows) || req.Rows < 1:
		return bad("Rows must be a finite number of at least 1, got %g", req.Rows)
	case req.ValueLength < 1 || req.ValueLength > maxLen:
		return bad("ValueLength must be between 1 and the index's maximum length %d, got %d", maxLen, req.ValueLength)
	case maxValue < req.ValueLength || maxValue > maxLen:
		return bad("MaxValueLength must be between ValueLength %d and the index's maximum length %d, got %d", req.ValueLength, maxLen, maxValue)
	}
	needles := req.NeedleLengths
	if len(needles) == 0 {
		for l := c.MinGram; l <= min(c.MaxGram+2, maxLen); l++ {
			needles = append(needles, l)
		}
	}
	for _, l := range needles {
		if l < c.MinGram {
			return BloomPlan{}, fmt.Errorf("%w: Bloom plan for %q: needle length %d, minimum %d", ErrNeedleTooShort, c.Name, l, c.MinGram)
		}
		if l > maxLen {
			return bad("needle length %d exceeds the index's maximum length %d", l, maxLen)
		}
	}

	grams := c.GramCount(req.ValueLength)
	plan := BloomPlan{
		FillRatio:    planFill(c.M, c.K, grams),
		MaxFillRatio: planFill(c.M, c.K, c.GramCount(maxValue)),
	}
	plan.BitsPerRow = float64(c.M) * plan.FillRatio
	if grams == 0 {
		plan.Warnings = append(plan.Warnings, fmt.Sprintf("%q: values of %d runes are shorter than MinGram %d: they have no grams and no search finds them", c.Name, req.ValueLength, c.MinGram))
	}
	sqrtRows := math.Sqrt(req.Rows)
	for _, l := range needles {
		g := min(l, c.MaxGram)
		required := 1
		if c.Kind == Substring {
			required = l - g + 1
		}
		r := NeedleReport{
			Length:        l,
			GramsRequired: required,
			BitsRequired:  float64(c.M) * planFill(c.M, c.K, required),
		}
		r.FalsePositiveRate = math.Pow(plan.FillRatio, r.BitsRequired)
		r.ExpectedFalseCandidates = req.Rows * r.FalsePositiveRate
		if r.ExpectedFalseCandidates > sqrtRows {
			plan.Warnings = append(plan.Warnings, fmt.Sprintf("%q: needles of %d runes fetch about %.0f false candidates per query (false-positive rate %.3g), more than sqrt(rows) = %.0f", c.Name, l, r.ExpectedFalseCandidates, r.FalsePositiveRate, sqrtRows))
		}
		plan.Needles = append(plan.Needles, r)
	}
	return plan, nil
}

// CheckBloom validates a BloomConfig on its own: MinGram ≥ 1, MaxGram ≥
// MinGram, 1 ≤ K ≤ 32, 64 ≤ M ≤ 65536, MaxFill in (0, 1) (0: DefaultMaxFill),
// and the worst-case fill (the grams of a MaxLength-rune value after the
// MaxGrams cap) at most MaxFill, else an error wrapping ErrSaturated that
// names the numbers.
func CheckBloom(c BloomConfig) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: Bloom index %q: %s", ErrBadConfig, c.Name, fmt.Sprintf(format, args...))
	}
	switch {
	case c.Kind != Prefix && c.Kind != Substring:
		return bad("unknown kind %v", c.Kind)
	case c.MinGram < 1:
		return bad("MinGram must be at least 1, got %d", c.MinGram)
	case c.MaxGram < c.MinGram:
		return bad("MaxGram %d is below MinGram %d", c.MaxGram, c.MinGram)
	case c.K < 1 || c.K > 32:
		return bad("K must be between 1 and 32, got %d", c.K)
	case c.M < 64 || c.M > 65536:
		return bad("M must be between 64 and 65536 bits, got %d", c.M)
	case c.MaxFill != 0 && !(c.MaxFill > 0 && c.MaxFill < 1):
		return bad("MaxFill must be in (0, 1), got %g", c.MaxFill)
	case c.MaxGrams < 0:
		return bad("MaxGrams must not be negative, got %d", c.MaxGrams)
	case c.MaxLength < 0:
		return bad("MaxLength must not be negative, got %d", c.MaxLength)
	case c.MaxLength > 0 && c.MaxLength < c.MinGram:
		return bad("MaxLength %d is below MinGram %d: no value would have a gram", c.MaxLength, c.MinGram)
	}
	maxFill := c.MaxFill
	if maxFill == 0 {
		maxFill = DefaultMaxFill
	}
	maxLen := c.MaxLength
	if maxLen == 0 {
		maxLen = DefaultBloomMaxLength
	}
	grams := c.GramCount(maxLen)
	if fill := planFill(c.M, c.K, grams); fill > maxFill {
		return fmt.Errorf("%w: Bloom index %q: a %d-rune value has %d grams × K=%d bits in M=%d bits, expected fill %.3f above the maximum %.3f; raise M, lower K, or set MaxGrams or MaxLength",
			ErrSaturated, c.Name, maxLen, grams, c.K, c.M, fill, maxFill)
	}
	return nil
}

// planFill is the expected fraction of the m bits set after grams·k
// uniform, independent draws.
func planFill(m, k uint, grams int) float64 {
	// Log1p keeps 1 − 1/M exact enough for M up to 65536.
	return -math.Expm1(float64(k) * float64(grams) * math.Log1p(-1/float64(m)))
}

func planFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
