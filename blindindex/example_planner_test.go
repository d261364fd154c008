package blindindex_test

import (
	"fmt"

	"github.com/phicrypt/phicrypt/blindindex"
)

func printEqualityPlan(label string, p blindindex.EqualityPlan, err error) {
	if err != nil {
		fmt.Printf("%s: error: %v\n", label, err)
		return
	}
	fmt.Printf("%s: N=%d (admissible %d..%d), reveals %.1f bits, %.3g rows/token, %.3g candidates/query, FP rate %.3g\n",
		label, p.Bits, p.MinBits, p.MaxBits, p.EffectiveBits, p.RowsPerToken, p.CandidatesPerQuery, p.FalsePositiveRate)
	for _, w := range p.Warnings {
		fmt.Println("  warning:", w)
	}
}

func printBloomPlan(label string, rows float64, p blindindex.BloomPlan, err error) {
	if err != nil {
		fmt.Printf("%s: error: %v\n", label, err)
		return
	}
	// Two unrelated rows share M·fill² bits on average, against K bits
	// for a shared gram; each bit position is set in rows·fill rows, the
	// length of its GIN posting list.
	fmt.Printf("%s: fill %.3g (longest value %.3g), %.1f bits/row, %.3g bits shared by chance, %.0f rows per bit\n",
		label, p.FillRatio, p.MaxFillRatio, p.BitsPerRow, p.BitsPerRow*p.FillRatio, rows*p.FillRatio)
	for _, n := range p.Needles {
		fmt.Printf("  needle %2d runes: grams %d, bits %.2f, FP rate %.3g, false candidates %.3g\n",
			n.Length, n.GramsRequired, n.BitsRequired, n.FalsePositiveRate, n.ExpectedFalseCandidates)
	}
	for _, w := range p.Warnings {
		fmt.Println("  warning:", w)
	}
}

// SSNs of 1M patients: about one distinct value per patient.
func ExamplePlanEquality() {
	ssn := blindindex.FieldStats{Rows: 1e6, Distinct: 1e6}
	p, err := blindindex.PlanEquality(blindindex.EqualityRequest{Field: "ssn", Stats: ssn})
	printEqualityPlan("ssn", p, err)
	// A last-4 index of 6 bits on the same field takes 6 bits of the
	// budget.
	p, err = blindindex.PlanEquality(blindindex.EqualityRequest{Field: "ssn", Stats: ssn, OtherBits: []int{6}})
	printEqualityPlan("ssn beside 6-bit last-4", p, err)
	// Output:
	// ssn: N=18 (admissible 10..18), reveals 18.0 bits, 3.81 rows/token, 4.81 candidates/query, FP rate 3.81e-06
	// ssn beside 6-bit last-4: N=12 (admissible 10..12), reveals 18.0 bits, 244 rows/token, 245 candidates/query, FP rate 0.000244
}

// Last names of 1M patients: about 150,000 distinct, but skewed (the most
// common US surname is about 1% of people), so the entropy, 14 bits here,
// is well below log2 150000 = 17.2. Frequency smoothing multiplies the
// false candidates by the number of partitions.
func ExamplePlanEquality_lastNames() {
	names := blindindex.FieldStats{Rows: 1e6, Distinct: 150000, EntropyBits: 14}
	for _, partitions := range []int{1, 4, 16} {
		p, err := blindindex.PlanEquality(blindindex.EqualityRequest{Field: "last_name", Stats: names, Partitions: partitions})
		printEqualityPlan(fmt.Sprintf("last_name P=%d", partitions), p, err)
	}
	p, err := blindindex.PlanEquality(blindindex.EqualityRequest{Field: "last_name", Stats: blindindex.FieldStats{Rows: 1e6, Distinct: 150000}})
	printEqualityPlan("last_name, distinct count only", p, err)
	// Output:
	// last_name P=1: N=12 (admissible 10..12), reveals 12.0 bits, 244 rows/token, 305 candidates/query, FP rate 0.000244
	//   warning: "last_name": skewed values (entropy 14.0 bits, log2 of distinct values 17.2): the buckets of the most frequent values hold far more rows than the average and public frequency tables can name them; frequency smoothing (Partitions) flattens them
	// last_name P=4: N=12 (admissible 10..12), reveals 12.0 bits, 244 rows/token, 1.04e+03 candidates/query, FP rate 0.000977
	//   warning: "last_name": 4 smoothing partitions: each query fetches and decrypts about 1038 rows
	// last_name P=16: N=12 (admissible 10..12), reveals 12.0 bits, 244 rows/token, 3.97e+03 candidates/query, FP rate 0.00391
	//   warning: "last_name": 16 smoothing partitions: each query fetches and decrypts about 3967 rows
	// last_name, distinct count only: N=16 (admissible 10..16), reveals 16.0 bits, 15.3 rows/token, 21.9 candidates/query, FP rate 1.53e-05
}

// Five-digit ZIP codes of 1M patients: about 30,000 populated ZIPs
// nationally; a regional hospital sees a few hundred.
func ExamplePlanEquality_zipCodes() {
	p, err := blindindex.PlanEquality(blindindex.EqualityRequest{Field: "zip", Stats: blindindex.FieldStats{Rows: 1e6, Distinct: 30000}})
	printEqualityPlan("zip, national", p, err)
	p, err = blindindex.PlanEquality(blindindex.EqualityRequest{Field: "zip", Stats: blindindex.FieldStats{Rows: 1e6, Distinct: 300}})
	printEqualityPlan("zip, regional", p, err)
	// Output:
	// zip, national: N=13 (admissible 10..13), reveals 13.0 bits, 122 rows/token, 155 candidates/query, FP rate 0.000122
	// zip, regional: N=7 (admissible 10..7), reveals 7.0 bits, 7.81e+03 rows/token, 1.11e+04 candidates/query, FP rate 0.00781
	//   warning: "zip": 7 bits: about 7812 rows per token, more than sqrt(rows) = 1000; each query fetches and decrypts them
}

// Low-entropy fields are refused on their own.
func ExamplePlanEquality_lowEntropy() {
	sex := blindindex.FieldStats{Rows: 1e6, Distinct: 2}
	p, err := blindindex.PlanEquality(blindindex.EqualityRequest{Field: "sex", Stats: sex})
	printEqualityPlan("sex", p, err)
	p, err = blindindex.PlanEquality(blindindex.EqualityRequest{Field: "birth_year", Stats: blindindex.FieldStats{Rows: 1e6, Distinct: 100}})
	printEqualityPlan("birth_year", p, err)
	p, err = blindindex.PlanEquality(blindindex.EqualityRequest{Field: "sex", Stats: sex, Force: true})
	printEqualityPlan("sex, forced", p, err)
	// Sex with the date of birth over a century: 2 × 36525 combinations.
	p, err = blindindex.PlanEquality(blindindex.EqualityRequest{Field: "sex+dob", Stats: blindindex.FieldStats{Rows: 1e6, Distinct: 2 * 36525}, Compound: true})
	printEqualityPlan("sex+dob compound", p, err)
	// Output:
	// sex: error: field has too little entropy for a standalone index: "sex" has 1.0 bits of entropy (under 8): make the index compound with another field or force it
	// birth_year: error: field has too little entropy for a standalone index: "birth_year" has 6.6 bits of entropy (under 8): make the index compound with another field or force it
	// sex, forced: N=1 (admissible 10..0), reveals 1.0 bits, 5e+05 rows/token, 7.5e+05 candidates/query, FP rate 0.5
	//   warning: "sex": forced standalone index on 1.0 bits of entropy: the tokens reveal the value to anyone with the database and public statistics
	//   warning: "sex": 1 bits reach log2(X) − 1 = 0.0: a bucket mixes fewer than 2 values
	//   warning: "sex": 1 bits: about 500000 rows per token, more than sqrt(rows) = 1000; each query fetches and decrypts them
	// sex+dob compound: N=15 (admissible 10..15), reveals 15.0 bits, 30.5 rows/token, 44.2 candidates/query, FP rate 3.05e-05
}

// Prefix search on last names (typically 7 runes, at most 30) over 1M
// patients with edge grams of 3 to 10 runes: a filter of M = 2048 bits with
// K = 6 bits per gram, and a sparser one with M = 65536 and K = 2.
func ExamplePlanBloom() {
	for _, c := range []struct{ m, k uint }{{2048, 6}, {65536, 2}} {
		cfg := blindindex.BloomConfig{Name: "patients.last_name_prefix", Kind: blindindex.Prefix, MinGram: 3, MaxGram: 10, M: c.m, K: c.k, MaxLength: 64}
		p, err := blindindex.PlanBloom(blindindex.BloomRequest{Config: cfg, Rows: 1e6, ValueLength: 7, MaxValueLength: 30, NeedleLengths: []int{3, 5, 10, 12}})
		printBloomPlan(fmt.Sprintf("prefix M=%d K=%d", c.m, c.k), 1e6, p, err)
	}
	// Output:
	// prefix M=2048 K=6: fill 0.0145 (longest value 0.0232), 29.8 bits/row, 0.433 bits shared by chance, 14545 rows per bit
	//   needle  3 runes: grams 1, bits 5.99, FP rate 9.77e-12, false candidates 9.77e-06
	//   needle  5 runes: grams 1, bits 5.99, FP rate 9.77e-12, false candidates 9.77e-06
	//   needle 10 runes: grams 1, bits 5.99, FP rate 9.77e-12, false candidates 9.77e-06
	//   needle 12 runes: grams 1, bits 5.99, FP rate 9.77e-12, false candidates 9.77e-06
	// prefix M=65536 K=2: fill 0.000153 (longest value 0.000244), 10.0 bits/row, 0.00153 bits shared by chance, 153 rows per bit
	//   needle  3 runes: grams 1, bits 2.00, FP rate 2.33e-08, false candidates 0.0233
	//   needle  5 runes: grams 1, bits 2.00, FP rate 2.33e-08, false candidates 0.0233
	//   needle 10 runes: grams 1, bits 2.00, FP rate 2.33e-08, false candidates 0.0233
	//   needle 12 runes: grams 1, bits 2.00, FP rate 2.33e-08, false candidates 0.0233
}

// Substring (contains) search on last names with trigrams, as in the
// published M = 2048, K = 6 anchor.
func ExamplePlanBloom_substring() {
	cfg := blindindex.BloomConfig{Name: "patients.last_name_contains", Kind: blindindex.Substring, MinGram: 3, MaxGram: 3, M: 2048, K: 6, MaxLength: 64}
	p, err := blindindex.PlanBloom(blindindex.BloomRequest{Config: cfg, Rows: 1e6, ValueLength: 7, MaxValueLength: 30, NeedleLengths: []int{3, 4, 5, 8}})
	printBloomPlan("substring M=2048 K=6", 1e6, p, err)
	// Output:
	// substring M=2048 K=6: fill 0.0145 (longest value 0.0788), 29.8 bits/row, 0.433 bits shared by chance, 14545 rows per bit
	//   needle  3 runes: grams 1, bits 5.99, FP rate 9.77e-12, false candidates 9.77e-06
	//   needle  4 runes: grams 2, bits 11.97, FP rate 1.03e-22, false candidates 1.03e-16
	//   needle  5 runes: grams 3, bits 17.93, FP rate 1.16e-33, false candidates 1.16e-27
	//   needle  8 runes: grams 6, bits 35.69, FP rate 2.63e-66, false candidates 2.63e-60
}
