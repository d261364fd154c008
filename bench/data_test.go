package main

import (
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/phicrypt/phicrypt/cipher"
)

// The figures the comment at the top of data.go documents.
const (
	docSmithShare = 0.0119
	docTop10Share = 0.0705
	docTop150     = 0.299
	docZipfS      = 0.687
)

func TestPatientDeterministic(t *testing.T) {
	a, b := NewGenerator(42), NewGenerator(42)
	idx := []int{0, 1, 2, 999, 123456, 49_999_999, 7, ssnSpace + 5, 1 << 40}
	// b is asked in reverse order, after other rows: the result must not
	// depend on the order of calls.
	for _, i := range []int{5, 3, 100} {
		b.Patient(i)
	}
	want := make([]Patient, len(idx))
	for k, i := range idx {
		want[k] = a.Patient(i)
	}
	for k := len(idx) - 1; k >= 0; k-- {
		if got := b.Patient(idx[k]); got != want[k] {
			t.Errorf("Patient(%d) = %+v, then %+v", idx[k], want[k], got)
		}
	}
	for _, kind := range KindNames {
		na, nb := a.Needles(kind, 5000, 200), b.Needles(kind, 5000, 200)
		if !slices.Equal(na, nb) {
			t.Errorf("%s: needles differ between generators of the same seed", kind)
		}
	}

	c := NewGenerator(43)
	same := 0
	for i := range 1000 {
		if a.Patient(i).SSN == c.Patient(i).SSN {
			same++
		}
	}
	if same > 5 {
		t.Errorf("seeds 42 and 43 give %d of 1000 rows the same SSN", same)
	}
	for _, kind := range KindNames {
		if slices.Equal(a.Needles(kind, 5000, 200), c.Needles(kind, 5000, 200)) {
			t.Errorf("%s: seeds 42 and 43 give the same needles", kind)
		}
	}
	// Needles depend on rows and n too.
	if slices.Equal(a.Needles("eq_ssn", 5000, 200), a.Needles("eq_ssn", 6000, 200)) {
		t.Error("needles do not depend on rows")
	}
}

var (
	ssnRe   = regexp.MustCompile(`^(\d{3})-(\d{2})-(\d{4})$`)
	mrnRe   = regexp.MustCompile(`^MRN\d{8}$`)
	phoneRe = regexp.MustCompile(`^\([2-9]\d\d\) [2-9]\d\d-\d{4}$`)
	emailRe = regexp.MustCompile(`^[a-z.-]+[0-9]+@(mail\.)?example\.(com|org|net)$`)
)

// validSSN reports whether s has the form the generator assigns: area
// 001-899 except 666, group 01-99, serial 0001-9999.
func validSSN(s string) bool {
	m := ssnRe.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	return m[1] != "000" && m[1] != "666" && m[1] < "900" && m[2] != "00" && m[3] != "0000"
}

func TestPatientFields(t *testing.T) {
	const rows = 200_000
	g := NewGenerator(7)
	ssns := make(map[string]int, rows)
	mrns := make(map[string]int, rows)
	emails := make(map[string]bool, rows)
	nulls, female := 0, 0
	minDOB, maxDOB := cipher.Date{Year: 9999}, cipher.Date{}
	for i := range rows {
		p := g.Patient(i)
		if p.ID != int64(i)+1 {
			t.Fatalf("row %d: ID %d", i, p.ID)
		}
		if j, ok := ssns[p.SSN]; ok {
			t.Fatalf("rows %d and %d share SSN %s", j, i, p.SSN)
		}
		ssns[p.SSN] = i
		if j, ok := mrns[p.MRN]; ok {
			t.Fatalf("rows %d and %d share MRN %s", j, i, p.MRN)
		}
		mrns[p.MRN] = i
		if !validSSN(p.SSN) {
			t.Fatalf("row %d: invalid SSN %q", i, p.SSN)
		}
		if !mrnRe.MatchString(p.MRN) {
			t.Fatalf("row %d: MRN %q", i, p.MRN)
		}
		if !phoneRe.MatchString(p.Phone) {
			t.Fatalf("row %d: phone %q", i, p.Phone)
		}
		// DOB: a real calendar date within 1925-01-01 .. 2024-12-31.
		d := p.DOB
		if cipher.DateOf(time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)) != d {
			t.Fatalf("row %d: invalid date %v", i, d)
		}
		if d.Year < 1925 || d.Year > 2024 {
			t.Fatalf("row %d: DOB %v out of range", i, d)
		}
		if dateLess(d, minDOB) {
			minDOB = d
		}
		if dateLess(maxDOB, d) {
			maxDOB = d
		}
		switch p.Sex {
		case "F":
			female++
			if !slices.Contains(femaleNames, p.First) {
				t.Fatalf("row %d: F with first name %q", i, p.First)
			}
		case "M":
			if !slices.Contains(maleNames, p.First) {
				t.Fatalf("row %d: M with first name %q", i, p.First)
			}
		default:
			t.Fatalf("row %d: sex %q", i, p.Sex)
		}
		if p.Email == "" {
			nulls++
		} else {
			if p.Email != strings.ToLower(p.Email) || !emailRe.MatchString(p.Email) ||
				!strings.Contains(p.Email, strings.ToLower(p.Last)) {
				t.Fatalf("row %d: email %q for %s %s", i, p.Email, p.First, p.Last)
			}
			emails[p.Email] = true
		}
	}
	if dateLess(cipher.Date{Year: 1925, Month: 1, Day: 10}, minDOB) ||
		dateLess(maxDOB, cipher.Date{Year: 2024, Month: 12, Day: 20}) {
		t.Errorf("DOBs span %v .. %v, not the 100 years", minDOB, maxDOB)
	}
	if share := float64(nulls) / rows; share < 0.07 || share > 0.09 {
		t.Errorf("NULL email share %.3f, want about 0.08", share)
	}
	if u := float64(len(emails)) / float64(rows-nulls); u < 0.97 {
		t.Errorf("only %.3f of the emails are distinct", u)
	}
	if share := float64(female) / rows; share < 0.48 || share > 0.52 {
		t.Errorf("female share %.3f", share)
	}
}

func dateLess(a, b cipher.Date) bool {
	if a.Year != b.Year {
		return a.Year < b.Year
	}
	if a.Month != b.Month {
		return a.Month < b.Month
	}
	return a.Day < b.Day
}

func TestSSNEncoding(t *testing.T) {
	for _, c := range []struct {
		x    uint64
		want string
	}{
		{0, "001-01-0001"},
		{ssnSerials - 1, "001-01-9999"},
		{ssnSerials, "001-02-0001"},
		{ssnSerials * ssnGroups, "002-01-0001"},
		{ssnSerials * ssnGroups * 664, "665-01-0001"},
		{ssnSerials * ssnGroups * 665, "667-01-0001"},
		{ssnSpace - 1, "899-99-9999"},
	} {
		if got := formatSSN(c.x); got != c.want {
			t.Errorf("formatSSN(%d) = %s, want %s", c.x, got, c.want)
		}
	}
}

// TestFeistelBijective checks on small domains, exhaustively, that the
// permutation behind SSNs and MRNs is a bijection of [0, n).
func TestFeistelBijective(t *testing.T) {
	g := NewGenerator(3)
	for _, n := range []uint64{1, 2, 1000, 1 << 12, 3000} {
		seen := make(map[uint64]bool, n)
		identity := 0
		for x := range n {
			y := feistel(x, n, 6, &g.ssnKey)
			if y >= n || seen[y] {
				t.Fatalf("n=%d: feistel(%d) = %d repeats or is out of range", n, x, y)
			}
			seen[y] = true
			if y == x {
				identity++
			}
		}
		if n >= 1000 && identity > 10 {
			t.Errorf("n=%d: %d fixed points", n, identity)
		}
	}
}

func TestSurnameShares(t *testing.T) {
	s := surnames
	if len(s.names) != numSurnames {
		t.Fatalf("%d surnames, want %d", len(s.names), numSurnames)
	}
	all := map[string]bool{}
	for k, n := range append(slices.Clone(s.names), s.unused...) {
		if all[strings.ToLower(n)] {
			t.Fatalf("surname %q twice", n)
		}
		all[strings.ToLower(n)] = true
		if k < len(censusSurnames) {
			continue
		}
		if l := utf8.RuneCountInString(n); l < 4 || l > 12 {
			t.Errorf("tail surname %q has %d letters", n, l)
		}
		if !regexp.MustCompile(`^[A-Z][a-z]+$`).MatchString(n) {
			t.Errorf("tail surname %q is not a capitalised word", n)
		}
	}
	for k := 1; k < len(s.weight); k++ {
		if s.weight[k] > s.weight[k-1] {
			t.Fatalf("weight of rank %d (%s) %.2f > rank %d's %.2f", k+1, s.names[k], s.weight[k], k, s.weight[k-1])
		}
	}
	// The tail continues the census curve smoothly.
	last := len(censusSurnames)
	if r := s.weight[last] / s.weight[last-1]; r < 0.99 || r >= 1 {
		t.Errorf("first tail weight / last census weight = %.4f", r)
	}
	if math.Abs(s.s-docZipfS) > 0.0005 {
		t.Errorf("Zipf exponent %.4f, documented %.3f", s.s, docZipfS)
	}
	// The documented shares are those of the weights.
	for _, c := range []struct {
		k   int
		doc float64
		tol float64
	}{{1, docSmithShare, 0.00005}, {10, docTop10Share, 0.00005}, {150, docTop150, 0.0005}} {
		if got := s.share(c.k); math.Abs(got-c.doc) > c.tol {
			t.Errorf("top %d share of the weights %.5f, documented %.4f", c.k, got, c.doc)
		}
	}

	// Generated rows follow the weights.
	const rows = 100_000
	g := NewGenerator(11)
	count := map[string]int{}
	for i := range rows {
		count[g.Patient(i).Last]++
	}
	for _, n := range s.unused {
		if count[n] > 0 {
			t.Errorf("unused surname %q given to %d rows", n, count[n])
		}
	}
	type nc struct {
		name string
		n    int
	}
	var byCount []nc
	for n, c := range count {
		byCount = append(byCount, nc{n, c})
	}
	sort.Slice(byCount, func(a, b int) bool { return byCount[a].n > byCount[b].n })
	if byCount[0].name != "Smith" {
		t.Errorf("most common surname %s, want Smith", byCount[0].name)
	}
	// Smith's share within 5 standard deviations of the binomial.
	p := s.share(1)
	sd := math.Sqrt(p * (1 - p) / rows)
	if got := float64(count["Smith"]) / rows; math.Abs(got-p) > 5*sd {
		t.Errorf("Smith share %.4f, want %.4f ± %.4f", got, p, 5*sd)
	}
	top10 := 0
	for _, c := range byCount[:10] {
		top10 += c.n
	}
	if got := float64(top10) / rows; math.Abs(got-docTop10Share) > 0.01 {
		t.Errorf("top 10 surnames have %.4f of rows, documented %.4f", got, docTop10Share)
	}
	if len(count) <= 1000 {
		t.Errorf("%d distinct surnames in %d rows", len(count), rows)
	}
	t.Logf("Smith %.4f, top 10 %.4f, %d distinct surnames in %d rows", float64(count["Smith"])/rows, float64(top10)/rows, len(count), rows)
}

// matches reports whether needle nd of kind matches patient p; fold
// compares names ignoring case.
func matches(kind string, nd Needle, p Patient, fold bool) bool {
	last, text := p.Last, nd.Text
	if fold {
		last, text = strings.ToLower(last), strings.ToLower(text)
	}
	switch kind {
	case "eq_ssn":
		return p.SSN == nd.SSN
	case "eq_compound":
		return (last == nd.Last || fold && strings.EqualFold(p.Last, nd.Last)) && p.DOB == nd.DOB
	case "prefix3", "prefix5":
		return strings.HasPrefix(last, text)
	case "contains":
		return strings.Contains(last, text)
	}
	panic(kind)
}

func TestNeedles(t *testing.T) {
	const rows, n = 5000, 1000
	g := NewGenerator(5)
	pats := make([]Patient, rows)
	for i := range pats {
		pats[i] = g.Patient(i)
	}
	for _, kind := range KindNames {
		t.Run(kind, func(t *testing.T) {
			needles := g.Needles(kind, rows, n)
			if len(needles) != n {
				t.Fatalf("%d needles, want %d", len(needles), n)
			}
			misses, offset0, nonzero := 0, 0, 0
			texts := map[string]int{}
			for j, nd := range needles {
				hits := 0
				for _, p := range pats {
					if matches(kind, nd, p, nd.Miss) {
						hits++
					}
				}
				if nd.Miss {
					misses++
					if hits > 0 {
						t.Errorf("miss needle %d %+v matches %d rows", j, nd, hits)
					}
				} else if hits == 0 {
					t.Errorf("needle %d %+v matches no row", j, nd)
				}
				texts[nd.Text]++
				switch kind {
				case "eq_ssn":
					if nd.SSN == "" || nd.Last != "" || nd.Text != "" {
						t.Errorf("needle %+v", nd)
					}
					if !ssnRe.MatchString(nd.SSN) || validSSN(nd.SSN) == nd.Miss {
						t.Errorf("needle SSN %q (miss %v)", nd.SSN, nd.Miss)
					}
				case "eq_compound":
					if nd.Last == "" || nd.DOB == (cipher.Date{}) || nd.Text != "" {
						t.Errorf("needle %+v", nd)
					}
					if nd.Miss && slices.Contains(surnames.names, nd.Last) && nd.DOB.Year >= 1925 {
						t.Errorf("miss %+v has a used surname and a DOB in range", nd)
					}
				case "prefix3", "prefix5", "contains":
					want := map[string]int{"prefix3": 3, "prefix5": 5, "contains": 4}[kind]
					if l := utf8.RuneCountInString(nd.Text); l != want || nd.SSN != "" || nd.Last != "" {
						t.Errorf("needle %+v: %d runes, want %d", nd, l, want)
					}
					if nd.Miss && surnameHas(nd.Text, kind != "contains") {
						t.Errorf("miss %q occurs in the surname list", nd.Text)
					}
					if kind == "contains" && !nd.Miss {
						if strings.ToLower(nd.Text[:1]) != nd.Text[:1] {
							offset0++
						} else {
							nonzero++
						}
					}
				}
			}
			if misses != n/10 {
				t.Errorf("%d misses of %d, want %d", misses, n, n/10)
			}
			if kind == "contains" && (offset0 < 50 || nonzero < 400) {
				t.Errorf("contains fragments: %d at offset 0, %d elsewhere", offset0, nonzero)
			}
			// Common names are queried often.
			switch kind {
			case "prefix3":
				if texts["Smi"] < 3 {
					t.Errorf("prefix3 \"Smi\" %d times in %d needles", texts["Smi"], n)
				}
			case "prefix5":
				if texts["Smith"] < 3 {
					t.Errorf("prefix5 \"Smith\" %d times in %d needles", texts["Smith"], n)
				}
			}
		})
	}
}

// TestNeedlesFewRows: tables of one or a few rows still give needles that
// match (or are misses), even when their names are too short for a kind.
func TestNeedlesFewRows(t *testing.T) {
	g := NewGenerator(9)
	for rows := 1; rows <= 4; rows++ {
		for _, kind := range KindNames {
			for _, nd := range g.Needles(kind, rows, 30) {
				hits := 0
				for i := range rows {
					if matches(kind, nd, g.Patient(i), nd.Miss) {
						hits++
					}
				}
				if nd.Miss != (hits == 0) {
					t.Errorf("rows=%d %s: needle %+v matches %d rows", rows, kind, nd, hits)
				}
			}
		}
	}
	for _, kind := range KindNames {
		for _, nd := range g.Needles(kind, 0, 20) {
			if !nd.Miss {
				t.Errorf("rows=0 %s: needle %+v is not a miss", kind, nd)
			}
		}
	}
}

func TestNeedlesUnknownKind(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Needles of an unknown kind did not panic")
		}
	}()
	NewGenerator(1).Needles("suffix", 100, 10)
}

func BenchmarkPatient(b *testing.B) {
	g := NewGenerator(1)
	i := 0
	for b.Loop() {
		_ = g.Patient(i)
		i++
	}
}
