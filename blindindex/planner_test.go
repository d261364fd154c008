package blindindex_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/bits-and-blooms/bloom/v3"

	"github.com/phicrypt/phicrypt/blindindex"
)

func plannerClose(t *testing.T, what string, got, want, rel float64) {
	t.Helper()
	if math.Abs(got-want) > rel*math.Abs(want) {
		t.Errorf("%s = %.6g, want %.6g (±%.0f%%)", what, got, want, rel*100)
	}
}

func plannerWarns(p blindindex.EqualityPlan, substr string) bool {
	for _, w := range p.Warnings {
		if strings.Contains(w, substr) {
			return true
		}
	}
	return false
}

// The expectations below are worked by hand from the bounds
// sqrt(X) < 2^N < X/2, N + others < log2 X − 1 and 2 ≤ R/2^N ≤ sqrt(R).
func TestPlanEqualityWorkedExamples(t *testing.T) {
	const million = 1e6
	tests := []struct {
		name     string
		req      blindindex.EqualityRequest
		min, max int
		bits     int
		e        float64 // effective entropy used for the true matches
		warnSkew bool
	}{
		{
			// log2 1e6 = 19.93: N > 9.97, N ≥ 9.97 (rows), N < 18.93,
			// N ≤ 18.93 (rows).
			name: "SSN, 1M distinct",
			req:  blindindex.EqualityRequest{Field: "ssn", Stats: blindindex.FieldStats{Rows: million, Distinct: million}},
			min:  10, max: 18, bits: 18, e: math.Log2(million),
		},
		{
			// R = X = 2^20: the rows allow 10 ≤ N ≤ 19, but 2^N > 2^10 is
			// strict, so N ≥ 11; N < 19.
			name: "SSN, 2^20 distinct",
			req:  blindindex.EqualityRequest{Field: "ssn", Stats: blindindex.FieldStats{Rows: 1 << 20, Distinct: 1 << 20}},
			min:  11, max: 18, bits: 18, e: 20,
		},
		{
			// log2 150000 = 17.19 but the entropy is 14: N > 7, N < 13.
			name: "last names with skew",
			req:  blindindex.EqualityRequest{Field: "last_name", Stats: blindindex.FieldStats{Rows: million, Distinct: 150000, EntropyBits: 14}},
			min:  10, max: 12, bits: 12, e: 14, warnSkew: true,
		},
		{
			// Without the entropy: N > 8.6, N < 16.19.
			name: "last names, distinct count only",
			req:  blindindex.EqualityRequest{Field: "last_name", Stats: blindindex.FieldStats{Rows: million, Distinct: 150000}},
			min:  10, max: 16, bits: 16, e: math.Log2(150000),
		},
		{
			name: "last names, entropy only",
			req:  blindindex.EqualityRequest{Field: "last_name", Stats: blindindex.FieldStats{Rows: million, EntropyBits: 14}},
			min:  10, max: 12, bits: 12, e: 14,
		},
		{
			// log2 30000 = 14.87: N > 7.4, N < 13.87.
			name: "ZIP codes",
			req:  blindindex.EqualityRequest{Field: "zip", Stats: blindindex.FieldStats{Rows: million, Distinct: 30000}},
			min:  10, max: 13, bits: 13, e: math.Log2(30000),
		},
		{
			// Sex × date of birth over a century: 2 · 36525 values, 16.16
			// bits: N > 8.08, N < 15.16.
			name: "compound sex and date of birth",
			req:  blindindex.EqualityRequest{Field: "sex+dob", Stats: blindindex.FieldStats{Rows: million, Distinct: 2 * 36525}, Compound: true},
			min:  10, max: 15, bits: 15, e: math.Log2(2 * 36525),
		},
		{
			// A 6-bit last-4 index beside: N + 6 < 18.93, so N ≤ 12.
			name: "SSN beside a last-4 index",
			req:  blindindex.EqualityRequest{Field: "ssn", Stats: blindindex.FieldStats{Rows: million, Distinct: million}, OtherBits: []int{6}},
			min:  10, max: 12, bits: 12, e: math.Log2(million),
		},
		{
			// 1000 rows: N ≥ 4.98 → 5 and N ≤ 8.97 → 8, whatever X.
			name: "small table",
			req:  blindindex.EqualityRequest{Field: "mrn", Stats: blindindex.FieldStats{Rows: 1000, Distinct: 1000}},
			min:  5, max: 8, bits: 8, e: math.Log2(1000),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := blindindex.PlanEquality(tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if p.Field != tc.req.Field || p.MinBits != tc.min || p.MaxBits != tc.max || p.Bits != tc.bits {
				t.Fatalf("plan %s: bits %d in %d..%d, want %d in %d..%d", p.Field, p.Bits, p.MinBits, p.MaxBits, tc.bits, tc.min, tc.max)
			}
			r := tc.req.Stats.Rows
			n := float64(tc.bits)
			others := 0.0
			for _, b := range tc.req.OtherBits {
				others += float64(b)
			}
			plannerClose(t, "RowsPerToken", p.RowsPerToken, r/math.Exp2(n), 1e-12)
			plannerClose(t, "FalsePositiveRate", p.FalsePositiveRate, math.Exp2(-n), 1e-12)
			matches := r / math.Exp2(tc.e)
			plannerClose(t, "CandidatesPerQuery", p.CandidatesPerQuery, matches+(r-matches)*math.Exp2(-n), 1e-9)
			plannerClose(t, "EffectiveBits", p.EffectiveBits, min(n+others, tc.e), 1e-12)
			if p.RowsPerToken < 2 || p.RowsPerToken > math.Sqrt(r) {
				t.Errorf("rows per token %.3g outside [2, sqrt(R) = %.3g]", p.RowsPerToken, math.Sqrt(r))
			}
			if got := plannerWarns(p, "skewed"); got != tc.warnSkew {
				t.Errorf("skew warning %v, want %v: %q", got, tc.warnSkew, p.Warnings)
			}
			if !tc.warnSkew && len(p.Warnings) != 0 {
				t.Errorf("unexpected warnings %q", p.Warnings)
			}
		})
	}
}

// A plan inside its admissible range meets every rule of the design, and
// the next larger N breaks one of the privacy bounds, so the planner picked
// the largest admissible N. The rules are evaluated here directly from
// their definitions.
func TestPlanEqualityChoosesLargestAdmissible(t *testing.T) {
	for _, rows := range []float64{4, 10, 1000, 123457, 1e6, 3e7, 1e9} {
		for _, frac := range []float64{1, 0.9, 0.3, 0.01, 1e-3} {
			x := math.Max(math.Round(rows*frac), 1)
			for _, others := range [][]int{nil, {2}, {3, 1}} {
				req := blindindex.EqualityRequest{Field: "f", Stats: blindindex.FieldStats{Rows: rows, Distinct: x}, OtherBits: others, Compound: true}
				p, err := blindindex.PlanEquality(req)
				if err != nil {
					continue // checked by the error tests
				}
				e := math.Log2(x)
				s := 0.0
				for _, b := range others {
					s += float64(b)
				}
				privacy := func(n float64) bool {
					return n+s < e-1 && rows/math.Exp2(min(n, e)) >= 2 && n <= 64
				}
				cost := func(n float64) bool {
					return math.Exp2(n) > math.Sqrt(x) && rows/math.Exp2(min(n, e)) <= math.Sqrt(rows) && n >= 1
				}
				n := float64(p.Bits)
				if p.MinBits <= p.MaxBits {
					if !privacy(n) || !cost(n) {
						t.Errorf("R=%g X=%g others=%v: N=%d breaks a rule", rows, x, others, p.Bits)
					}
					if privacy(n+1) && cost(n+1) {
						t.Errorf("R=%g X=%g others=%v: N=%d is admissible too", rows, x, others, p.Bits+1)
					}
					if privacy(float64(p.MinBits-1)) && cost(float64(p.MinBits-1)) {
						t.Errorf("R=%g X=%g others=%v: MinBits-1 = %d is admissible", rows, x, others, p.MinBits-1)
					}
					continue
				}
				if len(p.Warnings) == 0 {
					t.Errorf("R=%g X=%g others=%v: empty range %d..%d without a warning", rows, x, others, p.MinBits, p.MaxBits)
				}
				// With conflicting bounds, privacy wins when it can.
				if n > 1 && !privacy(n) {
					t.Errorf("R=%g X=%g others=%v: fallback N=%d breaks a privacy bound", rows, x, others, p.Bits)
				}
			}
		}
	}
}

func TestPlanEqualityLowEntropy(t *testing.T) {
	const million = 1e6
	sex := blindindex.FieldStats{Rows: million, Distinct: 2}
	for _, tc := range []struct {
		field string
		stats blindindex.FieldStats
	}{
		{"sex", sex},
		{"diabetic", blindindex.FieldStats{Rows: million, Distinct: 2}},
		{"birth_year", blindindex.FieldStats{Rows: million, Distinct: 100}}, // 6.64 bits
		{"birth_year", blindindex.FieldStats{Rows: million, EntropyBits: 6.6}},
		// 1000 values would pass, but a distribution of 7 bits of entropy
		// is what an attacker faces.
		{"clinic", blindindex.FieldStats{Rows: million, Distinct: 1000, EntropyBits: 7}},
	} {
		_, err := blindindex.PlanEquality(blindindex.EqualityRequest{Field: tc.field, Stats: tc.stats})
		if !errors.Is(err, blindindex.ErrLowEntropy) {
			t.Errorf("%s: err %v, want ErrLowEntropy", tc.field, err)
		} else if !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: error %q does not name the field", tc.field, err)
		}
	}

	// Exactly 8 bits is not refused. 256 values need N < 7 while a million
	// rows want N ≥ 10, so privacy wins: 6 bits and a cost warning.
	p, err := blindindex.PlanEquality(blindindex.EqualityRequest{Field: "icd_chapter", Stats: blindindex.FieldStats{Rows: million, Distinct: 256}})
	if err != nil {
		t.Fatalf("256 values: %v", err)
	}
	if p.Bits != 6 || !plannerWarns(p, "sqrt(rows)") {
		t.Errorf("256 values: N = %d, warnings %q; want 6 (N < log2 256 − 1 = 7) and a cost warning", p.Bits, p.Warnings)
	}

	// Forced: a plan with a warning. Two values leave no N with N < 0, so
	// the planner falls back to 1 bit.
	p, err = blindindex.PlanEquality(blindindex.EqualityRequest{Field: "sex", Stats: sex, Force: true})
	if err != nil {
		t.Fatalf("forced: %v", err)
	}
	if p.Bits != 1 || p.MinBits <= p.MaxBits || !plannerWarns(p, "forced") {
		t.Errorf("forced sex: bits %d range %d..%d warnings %q", p.Bits, p.MinBits, p.MaxBits, p.Warnings)
	}
	plannerClose(t, "forced sex RowsPerToken", p.RowsPerToken, million/2, 1e-12)
	plannerClose(t, "forced sex EffectiveBits", p.EffectiveBits, 1, 1e-12)

	// Birth year forced: N < 6.64 − 1 gives 5 bits, 32 buckets of about
	// three years; 31250 rows per token breaks the sqrt(R) = 1000 cost
	// bound, which privacy overrides.
	p, err = blindindex.PlanEquality(blindindex.EqualityRequest{Field: "birth_year", Stats: blindindex.FieldStats{Rows: million, Distinct: 100}, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.Bits != 5 || p.MaxBits != 5 || p.MinBits != 10 {
		t.Errorf("forced birth year: bits %d in %d..%d, want 5 in 10..5", p.Bits, p.MinBits, p.MaxBits)
	}
	plannerClose(t, "forced birth year RowsPerToken", p.RowsPerToken, million/32, 1e-12)
	if !plannerWarns(p, "sqrt(rows)") {
		t.Errorf("forced birth year: no cost warning in %q", p.Warnings)
	}

	// Compound: no refusal, and the low entropy of the combination is
	// still reported.
	p, err = blindindex.PlanEquality(blindindex.EqualityRequest{Field: "sex", Stats: sex, Compound: true})
	if err != nil {
		t.Fatalf("compound: %v", err)
	}
	if p.Bits < 1 || len(p.Warnings) == 0 {
		t.Errorf("compound sex: bits %d warnings %q", p.Bits, p.Warnings)
	}
}

func TestPlanEqualityOtherBits(t *testing.T) {
	ssn := blindindex.FieldStats{Rows: 1e6, Distinct: 1e6}
	alone, err := blindindex.PlanEquality(blindindex.EqualityRequest{Field: "ssn", Stats: ssn})
	if err != nil {
		t.Fatal(err)
	}
	for _, others := range [][]int{{1}, {4}, {3, 3}, {8}} {
		p, err := blindindex.PlanEquality(blindindex.EqualityRequest{Field: "ssn", Stats: ssn, OtherBits: others})
		if err != nil {
			t.Fatal(err)
		}
		sum := 0
		for _, b := range others {
			sum += b
		}
		// N + sum < 18.93, so MaxBits = 18 − sum as long as it stays ≥ 10.
		want := min(alone.MaxBits, 18-sum)
		if p.MaxBits != want {
			t.Errorf("others %v: MaxBits %d, want %d", others, p.MaxBits, want)
		}
		if p.EffectiveBits > math.Log2(1e6)-1 {
			t.Errorf("others %v: tokens reveal %.2f bits, more than log2 X − 1", others, p.EffectiveBits)
		}
	}
	// 8 other bits leave N ≤ 10 = MinBits; 9 leave N ≤ 9 < MinBits: the
	// plan keeps privacy and warns about the cost.
	p, err := blindindex.PlanEquality(blindindex.EqualityRequest{Field: "ssn", Stats: ssn, OtherBits: []int{9}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Bits != 9 || p.MinBits <= p.MaxBits || len(p.Warnings) == 0 {
		t.Errorf("9 other bits: bits %d in %d..%d warnings %q", p.Bits, p.MinBits, p.MaxBits, p.Warnings)
	}
	// 18 other bits already reveal all that is admissible.
	if _, err := blindindex.PlanEquality(blindindex.EqualityRequest{Field: "ssn", Stats: ssn, OtherBits: []int{18}}); !errors.Is(err, blindindex.ErrBadConfig) {
		t.Errorf("18 other bits: err %v, want ErrBadConfig", err)
	}
	p, err = blindindex.PlanEquality(blindindex.EqualityRequest{Field: "ssn", Stats: ssn, OtherBits: []int{18}, Force: true})
	if err != nil || p.Bits != 1 || len(p.Warnings) == 0 {
		t.Errorf("18 other bits forced: %+v, %v", p, err)
	}
}

func TestPlanEqualitySmoothing(t *testing.T) {
	stats := blindindex.FieldStats{Rows: 1e6, Distinct: 150000, EntropyBits: 14}
	base, err := blindindex.PlanEquality(blindindex.EqualityRequest{Field: "last_name", Stats: stats})
	if err != nil {
		t.Fatal(err)
	}
	one, err := blindindex.PlanEquality(blindindex.EqualityRequest{Field: "last_name", Stats: stats, Partitions: 1})
	if err != nil {
		t.Fatal(err)
	}
	if one.CandidatesPerQuery != base.CandidatesPerQuery || one.FalsePositiveRate != base.FalsePositiveRate {
		t.Errorf("Partitions 1 differs from 0: %+v vs %+v", one, base)
	}
	matches := 1e6 / math.Exp2(14)
	for _, parts := range []int{2, 4, 16, 256} {
		p, err := blindindex.PlanEquality(blindindex.EqualityRequest{Field: "last_name", Stats: stats, Partitions: parts})
		if err != nil {
			t.Fatal(err)
		}
		if p.Bits != base.Bits {
			t.Errorf("P=%d changed N from %d to %d", parts, base.Bits, p.Bits)
		}
		// A query asks for P tokens: P times the false positives, the
		// same true matches.
		plannerClose(t, "smoothed FalsePositiveRate", p.FalsePositiveRate, float64(parts)*base.FalsePositiveRate, 1e-12)
		plannerClose(t, "smoothed false candidates", p.CandidatesPerQuery-matches, float64(parts)*(base.CandidatesPerQuery-matches), 1e-9)
		if plannerWarns(p, "skewed") {
			t.Errorf("P=%d: skew warning despite smoothing", parts)
		}
	}
	// P = 256 at N = 12: 1e6 · 256/4096 = 62500 candidates, far beyond
	// sqrt(R).
	p, _ := blindindex.PlanEquality(blindindex.EqualityRequest{Field: "last_name", Stats: stats, Partitions: 256})
	if !plannerWarns(p, "smoothing") {
		t.Errorf("P=256: no cost warning in %q", p.Warnings)
	}
}

func TestPlanEqualityInvalid(t *testing.T) {
	ok := blindindex.FieldStats{Rows: 1e6, Distinct: 1e6}
	nan, inf := math.NaN(), math.Inf(1)
	for name, req := range map[string]blindindex.EqualityRequest{
		"no field":           {Stats: ok},
		"zero rows":          {Field: "f", Stats: blindindex.FieldStats{Distinct: 10}},
		"fractional rows":    {Field: "f", Stats: blindindex.FieldStats{Rows: 0.5, Distinct: 1}},
		"negative rows":      {Field: "f", Stats: blindindex.FieldStats{Rows: -5, Distinct: 10}},
		"NaN rows":           {Field: "f", Stats: blindindex.FieldStats{Rows: nan, Distinct: 10}},
		"infinite rows":      {Field: "f", Stats: blindindex.FieldStats{Rows: inf, Distinct: 10}},
		"three rows":         {Field: "f", Stats: blindindex.FieldStats{Rows: 3, Distinct: 3}, Force: true},
		"negative distinct":  {Field: "f", Stats: blindindex.FieldStats{Rows: 1e6, Distinct: -1}},
		"NaN distinct":       {Field: "f", Stats: blindindex.FieldStats{Rows: 1e6, Distinct: nan}},
		"fraction distinct":  {Field: "f", Stats: blindindex.FieldStats{Rows: 1e6, Distinct: 0.5}},
		"negative entropy":   {Field: "f", Stats: blindindex.FieldStats{Rows: 1e6, EntropyBits: -1}},
		"NaN entropy":        {Field: "f", Stats: blindindex.FieldStats{Rows: 1e6, Distinct: 10, EntropyBits: nan}},
		"infinite entropy":   {Field: "f", Stats: blindindex.FieldStats{Rows: 1e6, EntropyBits: inf}},
		"no distribution":    {Field: "f", Stats: blindindex.FieldStats{Rows: 1e6}},
		"negative partition": {Field: "f", Stats: ok, Partitions: -1},
		"too many partition": {Field: "f", Stats: ok, Partitions: blindindex.MaxPartitions + 1},
		"zero other bits":    {Field: "f", Stats: ok, OtherBits: []int{0}},
		"65 other bits":      {Field: "f", Stats: ok, OtherBits: []int{65}},
	} {
		if _, err := blindindex.PlanEquality(req); !errors.Is(err, blindindex.ErrBadConfig) {
			t.Errorf("%s: err %v, want ErrBadConfig", name, err)
		}
	}
	// Four rows is the smallest table with an admissible N: one bit, two
	// rows per token, and sqrt(4) = 2.
	p, err := blindindex.PlanEquality(blindindex.EqualityRequest{Field: "f", Stats: blindindex.FieldStats{Rows: 4, Distinct: 4}, Compound: true})
	if err != nil || p.Bits != 1 || p.RowsPerToken != 2 {
		t.Errorf("4 rows: %+v, %v", p, err)
	}
}

// More distinct values than rows cannot occur in the table; the planner
// plans with log2 R instead and says so.
func TestPlanEqualityDomainLargerThanTable(t *testing.T) {
	p, err := blindindex.PlanEquality(blindindex.EqualityRequest{Field: "ssn", Stats: blindindex.FieldStats{Rows: 1000, Distinct: 1e9}})
	if err != nil {
		t.Fatal(err)
	}
	// As for 1000 distinct values in 1000 rows: N > 4.98 and N < 8.97.
	if p.Bits != 8 || p.MaxBits != 8 || p.MinBits != 5 || len(p.Warnings) == 0 {
		t.Errorf("plan %+v", p)
	}
	plannerClose(t, "EffectiveBits", p.EffectiveBits, 8, 1e-12)
}

// planFillByCounting returns 1 − (1 − 1/m)^draws by repeated
// multiplication, independent of the planner's logarithms.
func planFillByCounting(m, draws int) float64 {
	unset := 1.0
	for range draws {
		unset *= 1 - 1/float64(m)
	}
	return 1 - unset
}

func TestPlanBloomHandDerived(t *testing.T) {
	// One gram, one bit of 64: exactly 1/64 of the bits.
	tri := blindindex.BloomConfig{Name: "t", Kind: blindindex.Substring, MinGram: 3, MaxGram: 3, M: 64, K: 1, MaxLength: 3}
	p, err := blindindex.PlanBloom(blindindex.BloomRequest{Config: tri, Rows: 1000, ValueLength: 3})
	if err != nil {
		t.Fatal(err)
	}
	plannerClose(t, "K=1 fill", p.FillRatio, 1.0/64, 1e-12)
	plannerClose(t, "K=1 bits per row", p.BitsPerRow, 1, 1e-12)
	// Two bits of 64: the second lands on the first with probability
	// 1/64, so 1 + 63/64 bits are set, a fill of 127/4096.
	tri.K = 2
	p, err = blindindex.PlanBloom(blindindex.BloomRequest{Config: tri, Rows: 1000, ValueLength: 3})
	if err != nil {
		t.Fatal(err)
	}
	plannerClose(t, "K=2 fill", p.FillRatio, 127.0/4096, 1e-12)
	plannerClose(t, "K=2 needle bits", p.Needles[0].BitsRequired, 1+63.0/64, 1e-12)
	plannerClose(t, "K=2 needle FP", p.Needles[0].FalsePositiveRate, math.Pow(127.0/4096, 1+63.0/64), 1e-12)
	plannerClose(t, "K=2 false candidates", p.Needles[0].ExpectedFalseCandidates, 1000*math.Pow(127.0/4096, 1+63.0/64), 1e-12)

	// Last-name prefixes: edge grams 3..10 of a 7-rune value are the
	// grams of lengths 3, 4, 5, 6, 7; of a 30-rune value, 3..10.
	pre := blindindex.BloomConfig{Name: "p", Kind: blindindex.Prefix, MinGram: 3, MaxGram: 10, M: 2048, K: 6}
	p, err = blindindex.PlanBloom(blindindex.BloomRequest{Config: pre, Rows: 1e6, ValueLength: 7, MaxValueLength: 30})
	if err != nil {
		t.Fatal(err)
	}
	plannerClose(t, "prefix fill", p.FillRatio, planFillByCounting(2048, 6*5), 1e-9)
	plannerClose(t, "prefix max fill", p.MaxFillRatio, planFillByCounting(2048, 6*8), 1e-9)
	plannerClose(t, "prefix bits per row", p.BitsPerRow, 2048*planFillByCounting(2048, 30), 1e-9)
	if len(p.Needles) != 10 || p.Needles[0].Length != 3 || p.Needles[9].Length != 12 {
		t.Fatalf("default needle lengths %+v, want 3..12", p.Needles)
	}
	for _, n := range p.Needles {
		// One edge gram however long the needle.
		if n.GramsRequired != 1 {
			t.Errorf("prefix needle %d: %d grams, want 1", n.Length, n.GramsRequired)
		}
		plannerClose(t, "prefix needle bits", n.BitsRequired, 2048*planFillByCounting(2048, 6), 1e-9)
		plannerClose(t, "prefix needle FP", n.FalsePositiveRate, math.Pow(p.FillRatio, n.BitsRequired), 1e-12)
	}

	// Substring, grams of 2..4 runes: a needle of L ≤ 4 runes is one gram;
	// longer needles are covered by their L − 3 grams of 4 runes.
	sub := blindindex.BloomConfig{Name: "s", Kind: blindindex.Substring, MinGram: 2, MaxGram: 4, M: 4096, K: 3, MaxLength: 40}
	p, err = blindindex.PlanBloom(blindindex.BloomRequest{Config: sub, Rows: 1e6, ValueLength: 12, NeedleLengths: []int{2, 4, 5, 9}})
	if err != nil {
		t.Fatal(err)
	}
	// A 12-rune value: 11 + 10 + 9 = 30 grams.
	plannerClose(t, "substring fill", p.FillRatio, planFillByCounting(4096, 3*30), 1e-9)
	for i, want := range []int{1, 1, 2, 6} {
		if got := p.Needles[i].GramsRequired; got != want {
			t.Errorf("needle %d: %d grams, want %d", p.Needles[i].Length, got, want)
		}
		plannerClose(t, "substring needle bits", p.Needles[i].BitsRequired, 4096*planFillByCounting(4096, 3*want), 1e-9)
	}
}

// plannerSimulate fills many filters of the bits-and-blooms library with
// random grams and measures the fill ratio and the rate at which needles of
// fresh random grams pass, the quantities the planner predicts.
func plannerSimulate(m, k uint, grams, needleGrams, filters, probes int) (fill, fp float64) {
	rng := rand.New(rand.NewPCG(1, uint64(m)*31+uint64(k)*7+uint64(needleGrams)))
	gram := make([]byte, 8)
	next := func() []byte {
		for i := range gram {
			gram[i] = byte(rng.Uint32())
		}
		return gram
	}
	set, hits := 0, 0
	for range filters {
		f := bloom.New(m, k)
		for range grams {
			f.Add(next())
		}
		set += int(f.BitSet().Count())
		for range probes {
			all := true
			for range needleGrams {
				if !f.Test(next()) {
					all = false
				}
			}
			if all {
				hits++
			}
		}
	}
	return float64(set) / float64(filters) / float64(m), float64(hits) / float64(filters*probes)
}

func TestPlanBloomAgainstSimulation(t *testing.T) {
	if testing.Short() {
		t.Skip("simulation")
	}
	// Dense filters, so that false positives are frequent enough to count
	// (at least a thousand per case): trigram substring indexes of 22-rune
	// values (20 grams); needles of 3, 4, 5 runes need 1, 2, 3 grams. The
	// independence approximation is within a few percent here; the
	// tolerance leaves room for it and for sampling noise.
	for _, tc := range []struct {
		m, k    uint
		needles []int
	}{
		{m: 64, k: 1, needles: []int{3, 4, 5}},
		{m: 128, k: 2, needles: []int{3, 4}},
		{m: 256, k: 4, needles: []int{3}},
		{m: 256, k: 6, needles: []int{3}},
	} {
		cfg := blindindex.BloomConfig{Name: "sim", Kind: blindindex.Substring, MinGram: 3, MaxGram: 3, M: tc.m, K: tc.k, MaxLength: 22}
		p, err := blindindex.PlanBloom(blindindex.BloomRequest{Config: cfg, Rows: 1e6, ValueLength: 22, NeedleLengths: tc.needles})
		if err != nil {
			t.Fatal(err)
		}
		for i, length := range tc.needles {
			n := p.Needles[i]
			fill, fp := plannerSimulate(tc.m, tc.k, 20, n.GramsRequired, 2000, 200)
			plannerClose(t, "simulated fill", p.FillRatio, fill, 0.01)
			if fp == 0 {
				t.Fatalf("M=%d K=%d needle %d: no false positive in the simulation", tc.m, tc.k, length)
			}
			plannerClose(t, "simulated FP", n.FalsePositiveRate, fp, 0.12)
		}
	}
}

func TestPlanBloomWarnings(t *testing.T) {
	// Bigrams of 20-rune values in 64 bits, one bit each: fill
	// 1 − (63/64)^19 ≈ 0.26, so a 2-rune needle passes a quarter of all
	// rows.
	dense := blindindex.BloomConfig{Name: "d", Kind: blindindex.Substring, MinGram: 2, MaxGram: 2, M: 64, K: 1, MaxLength: 20}
	p, err := blindindex.PlanBloom(blindindex.BloomRequest{Config: dense, Rows: 1e6, ValueLength: 20})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, w := range p.Warnings {
		found = found || strings.Contains(w, "needles of 2 runes")
	}
	if !found {
		t.Errorf("dense filter: warnings %q lack the 2-rune needle", p.Warnings)
	}
	plannerClose(t, "dense 2-rune false candidates", p.Needles[0].ExpectedFalseCandidates, 1e6*planFillByCounting(64, 19), 1e-9)

	// A typical value shorter than MinGram has no grams.
	short := blindindex.BloomConfig{Name: "s", Kind: blindindex.Prefix, MinGram: 3, MaxGram: 6, M: 1024, K: 4}
	p, err = blindindex.PlanBloom(blindindex.BloomRequest{Config: short, Rows: 1e6, ValueLength: 2, MaxValueLength: 10})
	if err != nil {
		t.Fatal(err)
	}
	if p.FillRatio != 0 || p.BitsPerRow != 0 || len(p.Warnings) == 0 {
		t.Errorf("short values: fill %g warnings %q", p.FillRatio, p.Warnings)
	}
}

func TestPlanBloomInvalid(t *testing.T) {
	good := blindindex.BloomConfig{Name: "p", Kind: blindindex.Prefix, MinGram: 3, MaxGram: 8, M: 2048, K: 6, MaxLength: 40}
	for name, req := range map[string]blindindex.BloomRequest{
		"zero rows":          {Config: good, ValueLength: 7},
		"NaN rows":           {Config: good, Rows: math.NaN(), ValueLength: 7},
		"zero length":        {Config: good, Rows: 10},
		"length over max":    {Config: good, Rows: 10, ValueLength: 41},
		"max below typical":  {Config: good, Rows: 10, ValueLength: 7, MaxValueLength: 6},
		"max over max":       {Config: good, Rows: 10, ValueLength: 7, MaxValueLength: 41},
		"needle over max":    {Config: good, Rows: 10, ValueLength: 7, NeedleLengths: []int{41}},
		"config without M":   {Config: blindindex.BloomConfig{Name: "p", Kind: blindindex.Prefix, MinGram: 3, MaxGram: 8, K: 6}, Rows: 10, ValueLength: 7},
		"config without K":   {Config: blindindex.BloomConfig{Name: "p", Kind: blindindex.Prefix, MinGram: 3, MaxGram: 8, M: 2048}, Rows: 10, ValueLength: 7},
		"config of any kind": {Config: blindindex.BloomConfig{Name: "p", MinGram: 3, MaxGram: 8, M: 2048, K: 6}, Rows: 10, ValueLength: 7},
	} {
		if _, err := blindindex.PlanBloom(req); !errors.Is(err, blindindex.ErrBadConfig) {
			t.Errorf("%s: err %v, want ErrBadConfig", name, err)
		}
	}
	_, err := blindindex.PlanBloom(blindindex.BloomRequest{Config: good, Rows: 10, ValueLength: 7, NeedleLengths: []int{3, 2}})
	if !errors.Is(err, blindindex.ErrNeedleTooShort) {
		t.Errorf("2-rune needle: err %v, want ErrNeedleTooShort", err)
	}
	sat := blindindex.BloomConfig{Name: "s", Kind: blindindex.Substring, MinGram: 3, MaxGram: 3, M: 2048, K: 6}
	if _, err := blindindex.PlanBloom(blindindex.BloomRequest{Config: sat, Rows: 10, ValueLength: 7}); !errors.Is(err, blindindex.ErrSaturated) {
		t.Errorf("saturated config: err %v, want ErrSaturated", err)
	}
}

func TestCheckBloom(t *testing.T) {
	good := blindindex.BloomConfig{Name: "p", Kind: blindindex.Prefix, MinGram: 3, MaxGram: 10, M: 2048, K: 6}
	if err := blindindex.CheckBloom(good); err != nil {
		t.Fatalf("good config: %v", err)
	}
	edges := good
	edges.M, edges.K, edges.MinGram, edges.MaxGram, edges.MaxFill = 64, 1, 1, 1, 0.999
	if err := blindindex.CheckBloom(edges); err != nil {
		t.Errorf("smallest M, K and grams: %v", err)
	}
	edges.M, edges.K = 65536, 32
	if err := blindindex.CheckBloom(edges); err != nil {
		t.Errorf("largest M and K: %v", err)
	}
	for name, mutate := range map[string]func(*blindindex.BloomConfig){
		"kind 0":          func(c *blindindex.BloomConfig) { c.Kind = 0 },
		"kind 3":          func(c *blindindex.BloomConfig) { c.Kind = 3 },
		"MinGram 0":       func(c *blindindex.BloomConfig) { c.MinGram = 0 },
		"MaxGram < Min":   func(c *blindindex.BloomConfig) { c.MaxGram = 2 },
		"K 0":             func(c *blindindex.BloomConfig) { c.K = 0 },
		"K 33":            func(c *blindindex.BloomConfig) { c.K = 33 },
		"M 63":            func(c *blindindex.BloomConfig) { c.M = 63 },
		"M 65537":         func(c *blindindex.BloomConfig) { c.M = 65537 },
		"MaxFill < 0":     func(c *blindindex.BloomConfig) { c.MaxFill = -0.1 },
		"MaxFill 1":       func(c *blindindex.BloomConfig) { c.MaxFill = 1 },
		"MaxFill NaN":     func(c *blindindex.BloomConfig) { c.MaxFill = math.NaN() },
		"MaxGrams < 0":    func(c *blindindex.BloomConfig) { c.MaxGrams = -1 },
		"MaxLength < 0":   func(c *blindindex.BloomConfig) { c.MaxLength = -1 },
		"MaxLength < Min": func(c *blindindex.BloomConfig) { c.MaxLength = 2 },
	} {
		c := good
		mutate(&c)
		if err := blindindex.CheckBloom(c); !errors.Is(err, blindindex.ErrBadConfig) {
			t.Errorf("%s: err %v, want ErrBadConfig", name, err)
		}
	}
}

// Trigram substrings, M = 2048, K = 6: each gram unsets a given bit with
// probability (1 − 1/2048)^6, so g grams fill 1 − (1 − 1/2048)^(6g), which
// stays at or below 1/2 while 6g·(1/2048 + 1/(2·2048²) + …) ≤ ln 2, that is
// g ≤ 236.5. A value of L runes has L − 2 trigrams.
func TestCheckBloomSaturation(t *testing.T) {
	c := blindindex.BloomConfig{Name: "tri", Kind: blindindex.Substring, MinGram: 3, MaxGram: 3, M: 2048, K: 6}
	for _, tc := range []struct {
		maxLength, maxGrams int
		maxFill             float64
		saturated           bool
	}{
		{maxLength: 0, saturated: true}, // 256 runes: 254 grams, fill ≈ 0.525
		{maxLength: 238},                // 236 grams
		{maxLength: 239, saturated: true},
		{maxLength: 0, maxGrams: 236},
		{maxLength: 0, maxGrams: 237, saturated: true},
		{maxLength: 0, maxFill: 0.53}, // 0.525 is below
		{maxLength: 0, maxFill: 0.52, saturated: true},
	} {
		cfg := c
		cfg.MaxLength, cfg.MaxGrams, cfg.MaxFill = tc.maxLength, tc.maxGrams, tc.maxFill
		err := blindindex.CheckBloom(cfg)
		switch {
		case tc.saturated && !errors.Is(err, blindindex.ErrSaturated):
			t.Errorf("%+v: err %v, want ErrSaturated", tc, err)
		case !tc.saturated && err != nil:
			t.Errorf("%+v: %v", tc, err)
		}
	}
	err := blindindex.CheckBloom(c)
	for _, number := range []string{"254 grams", "K=6", "M=2048", "0.525", "0.500"} {
		if err == nil || !strings.Contains(err.Error(), number) {
			t.Errorf("saturation error %v does not name %q", err, number)
		}
	}
	// Prefix indexes store at most MaxGram − MinGram + 1 grams however
	// long the value: 3..10 is 8 grams of 6 bits in 64 bits,
	// 1 − (63/64)^48 ≈ 0.53, over the default 0.5.
	pre := blindindex.BloomConfig{Name: "pre", Kind: blindindex.Prefix, MinGram: 3, MaxGram: 10, M: 64, K: 6}
	if err := blindindex.CheckBloom(pre); !errors.Is(err, blindindex.ErrSaturated) {
		t.Errorf("prefix 8 grams in 64 bits: err %v, want ErrSaturated", err)
	}
	pre.MaxGram = 9 // 7 grams: 1 − (63/64)^42 ≈ 0.48
	if err := blindindex.CheckBloom(pre); err != nil {
		t.Errorf("prefix 7 grams in 64 bits: %v", err)
	}
}
