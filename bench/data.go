package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
)

// Synthetic patients. Every field of patient i is a pure function of the
// generator's seed and i, so any row can be rebuilt without generating the
// rows before it, and queries can be built against rows the database holds.
//
// Surnames follow the 2010 US Census (censusSurnames, ranks 1-150) and then
// a generated tail of further plausible names whose weights continue the
// census curve as a power law, weight ∝ 1/rank^s, with s fitted by least
// squares to ranks 51-150 of the census (s = 0.687) and anchored at rank 150.
// With numSurnames = 4,000 names in all, Smith gets 1.19% of rows, the top
// 10 names 7.05% and the 150 census names 29.9% (in the census the top 10
// are 4.9% of all people: the tail here is a few thousand names rather than
// 160,000, so the head's share is larger, which is intended: a handful of
// names cover a large share of rows, as in any hospital). TestSurnameShares
// checks these figures against the weights and against generated rows.

const (
	// numSurnames is the number of surnames patients are drawn from.
	numSurnames = 4000
	// numUnusedSurnames are further generated surnames no patient gets;
	// eq_compound misses use them.
	numUnusedSurnames = 100
	// fitFrom is the first census rank of the Zipf fit (1-based).
	fitFrom = 51
)

// DOB range: 1925-01-01 .. 2024-12-31.
var (
	dobFirst = time.Date(1925, 1, 1, 0, 0, 0, 0, time.UTC)
	dobDays  = int(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Sub(dobFirst).Hours() / 24)
)

// SSN space: area 001-899 except 666, group 01-99, serial 0001-9999.
const (
	ssnAreas   = 898
	ssnGroups  = 99
	ssnSerials = 9999
	ssnSpace   = ssnAreas * ssnGroups * ssnSerials // 888,931,098
	mrnSpace   = 100_000_000                       // 8 digits
)

// Patient is one synthetic row.
type Patient struct {
	ID    int64  // i+1
	MRN   string // "MRN" + 8 digits, unique for i < 100,000,000
	SSN   string // "AAA-GG-SSSS", unique for i < 888,931,098
	First string
	Last  string
	DOB   cipher.Date // 1925-01-01 .. 2024-12-31
	Email string      // lower case; "" (NULL) for about 8% of rows
	Phone string      // "(NNN) NNN-NNNN"
	Sex   string      // "F" or "M"
}

// Needle is the value one query searches for. Which fields are set depends
// on the kind: SSN for eq_ssn, Last and DOB for eq_compound, Text for
// prefix3, prefix5 and contains.
type Needle struct {
	SSN, Last, Text string
	DOB             cipher.Date
	// Miss is true when the needle was built to match no row.
	Miss bool
}

// Generator makes deterministic synthetic patients and query needles.
type Generator struct {
	seed   uint64
	key    uint64
	ssnKey [feistelRounds]uint64
	mrnKey [feistelRounds]uint64
}

// NewGenerator returns the generator for seed.
func NewGenerator(seed uint64) *Generator {
	g := &Generator{seed: seed, key: mix(seed ^ 0x5f1d_2c3b_a4e9_0713)}
	for r := range feistelRounds {
		g.ssnKey[r] = mix(g.key + 0x100 + uint64(r))
		g.mrnKey[r] = mix(g.key + 0x200 + uint64(r))
	}
	return g
}

// field numbers for the per-row hash.
const (
	fSex = iota + 1
	fFirst
	fLast
	fDOB
	fEmail
	fEmailNum
	fPhone
)

// Patient returns patient i (i >= 0).
func (g *Generator) Patient(i int) Patient {
	base := mix(g.key + uint64(i)*0x9e37_79b9_7f4a_7c15)
	h := func(f uint64) uint64 { return mix(base + f*0xd6e8_feb8_6659_fd93) }

	p := Patient{ID: int64(i) + 1}
	// The permutations are of [0, space): past it, values repeat.
	p.SSN = formatSSN(feistel(uint64(i)%ssnSpace, ssnSpace, 15, &g.ssnKey))
	p.MRN = formatMRN(feistel(uint64(i)%mrnSpace, mrnSpace, 14, &g.mrnKey))
	if h(fSex)&1 == 0 {
		p.Sex = "F"
		p.First = femaleNames[h(fFirst)%uint64(len(femaleNames))]
	} else {
		p.Sex = "M"
		p.First = maleNames[h(fFirst)%uint64(len(maleNames))]
	}
	p.Last = surnames.names[surnames.pick(unit(h(fLast)))]
	p.DOB = dobAt(int(h(fDOB) % uint64(dobDays)))
	p.Email = email(p.First, p.Last, h(fEmail), h(fEmailNum))
	p.Phone = phone(h(fPhone))
	return p
}

// dobAt returns the date off days after 1925-01-01.
func dobAt(off int) cipher.Date {
	return cipher.DateOf(dobFirst.AddDate(0, 0, off))
}

func formatSSN(x uint64) string {
	serial := x%ssnSerials + 1
	x /= ssnSerials
	group := x%ssnGroups + 1
	area := x/ssnGroups + 1 // 1..898
	if area >= 666 {
		area++ // skip 666: 1..665, 667..899
	}
	return ssnString(area, group, serial)
}

func ssnString(area, group, serial uint64) string {
	b := make([]byte, 0, 11)
	b = appendPadded(b, area, 3)
	b = append(b, '-')
	b = appendPadded(b, group, 2)
	b = append(b, '-')
	b = appendPadded(b, serial, 4)
	return string(b)
}

func formatMRN(x uint64) string {
	b := make([]byte, 0, 11)
	b = append(b, "MRN"...)
	return string(appendPadded(b, x, 8))
}

// appendPadded appends v in decimal, zero-padded to width digits.
func appendPadded(b []byte, v uint64, width int) []byte {
	var d [20]byte
	for k := width - 1; k >= 0; k-- {
		d[k] = byte('0' + v%10)
		v /= 10
	}
	return append(b, d[:width]...)
}

var emailDomains = []string{"example.com", "example.org", "example.net", "mail.example.com"}

// email derives an address from the names, or "" (NULL) for about 8% of
// rows.
func email(first, last string, h, n uint64) string {
	if h%100 < 8 {
		return ""
	}
	first, last = strings.ToLower(first), strings.ToLower(last)
	var b strings.Builder
	b.Grow(len(first) + len(last) + 24)
	switch (h / 100) % 3 {
	case 0:
		b.WriteString(first)
		b.WriteByte('.')
		b.WriteString(last)
	case 1:
		b.WriteString(first[:1])
		b.WriteString(last)
	default:
		b.WriteString(last)
		b.WriteByte('.')
		b.WriteString(first)
	}
	b.WriteString(strconv.FormatUint(n%9999+1, 10))
	b.WriteByte('@')
	b.WriteString(emailDomains[(h/300)%uint64(len(emailDomains))])
	return b.String()
}

// phone returns "(NNN) NNN-NNNN" with a NANP-shaped area code and exchange
// (first digit 2-9).
func phone(h uint64) string {
	area := 200 + h%800
	h /= 800
	exch := 200 + h%800
	h /= 800
	line := h % 10000
	b := make([]byte, 0, 14)
	b = append(b, '(')
	b = appendPadded(b, area, 3)
	b = append(b, ") "...)
	b = appendPadded(b, exch, 3)
	b = append(b, '-')
	b = appendPadded(b, line, 4)
	return string(b)
}

// mix is the SplitMix64 finaliser.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58_476d_1ce4_e5b9
	x ^= x >> 27
	x *= 0x94d0_49bb_1331_11eb
	x ^= x >> 31
	return x
}

// unit maps h to [0, 1).
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }

const feistelRounds = 4

// feistel is a keyed bijection of [0, n) (x < n <= 2^(2*half)): a balanced
// Feistel network on 2*half bits with cycle walking, so distinct x < n give
// distinct results.
func feistel(x, n uint64, half uint, key *[feistelRounds]uint64) uint64 {
	mask := uint64(1)<<half - 1
	for {
		l, r := x>>half, x&mask
		for k := range feistelRounds {
			l, r = r, l^(mix(r^key[k])&mask)
		}
		x = l<<half | r
		if x < n {
			return x
		}
	}
}

// surnameTable is the surname distribution: names in rank order, their
// weights and cumulative weights.
type surnameTable struct {
	names  []string
	weight []float64
	cum    []float64 // cum[k] = weight[0] + ... + weight[k]
	s      float64   // Zipf exponent of the tail
	unused []string  // generated surnames no patient gets
	// lower holds every name of names and unused in lower case, for
	// checking that miss needles match nothing.
	lower []string
}

var surnames = buildSurnames()

func buildSurnames() *surnameTable {
	t := &surnameTable{}
	seen := map[string]bool{}
	for _, c := range censusSurnames {
		t.names = append(t.names, c.Name)
		t.weight = append(t.weight, c.Per)
		seen[strings.ToLower(c.Name)] = true
	}
	// Least-squares slope of ln(weight) over ln(rank), census ranks fitFrom..end.
	var sx, sy, sxx, sxy float64
	var m float64
	for k := fitFrom - 1; k < len(censusSurnames); k++ {
		x, y := math.Log(float64(k+1)), math.Log(censusSurnames[k].Per)
		sx, sy, sxx, sxy, m = sx+x, sy+y, sxx+x*x, sxy+x*y, m+1
	}
	t.s = -(m*sxy - sx*sy) / (m*sxx - sx*sx)

	// Tail names: every stem+ending combination, in an order shuffled by a
	// fixed seed (independent of the generator's seed).
	var tail []string
	for _, st := range tailStems {
		for _, e := range tailEndings {
			n := st + e
			if l := len(n); l < 4 || l > 12 || seen[strings.ToLower(n)] {
				continue
			}
			seen[strings.ToLower(n)] = true
			tail = append(tail, n)
		}
	}
	rng := rand.New(rand.NewPCG(11, 2010))
	rng.Shuffle(len(tail), func(a, b int) { tail[a], tail[b] = tail[b], tail[a] })
	need := numSurnames - len(censusSurnames)
	if len(tail) < need+numUnusedSurnames {
		panic(fmt.Sprintf("bench: %d tail surnames, need %d", len(tail), need+numUnusedSurnames))
	}
	last := len(censusSurnames)
	anchor := censusSurnames[last-1].Per
	for k, n := range tail[:need] {
		rank := float64(last + 1 + k)
		t.names = append(t.names, n)
		t.weight = append(t.weight, anchor*math.Pow(float64(last)/rank, t.s))
	}
	t.unused = tail[need : need+numUnusedSurnames]

	var sum float64
	for _, w := range t.weight {
		sum += w
		t.cum = append(t.cum, sum)
	}
	for _, n := range t.names {
		t.lower = append(t.lower, strings.ToLower(n))
	}
	for _, n := range t.unused {
		t.lower = append(t.lower, strings.ToLower(n))
	}
	return t
}

// pick returns the index of the surname at u in [0, 1) of the cumulative
// distribution.
func (t *surnameTable) pick(u float64) int {
	x := u * t.cum[len(t.cum)-1]
	lo, hi := 0, len(t.cum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if t.cum[mid] > x {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// share returns the share of rows the top k surnames get.
func (t *surnameTable) share(k int) float64 {
	return t.cum[k-1] / t.cum[len(t.cum)-1]
}

// Needles returns n needles of kind (one of KindNames) over a table of rows
// rows (patients 0..rows-1), deterministic in the seed, kind, rows and n.
// One in ten (rounded down) is a miss, built to match no row; the others
// match at least one row (a prefix or contains needle for which no row has
// a name long enough is a miss too). Names for prefix and contains needles are those
// of random rows, so they follow the surname distribution: common names
// are queried often. With rows < 1 every needle is a miss.
func (g *Generator) Needles(kind string, rows, n int) []Needle {
	kh := uint64(14695981039346656037)
	for _, c := range []byte(kind) {
		kh = (kh ^ uint64(c)) * 1099511628211
	}
	rng := rand.New(rand.NewPCG(mix(g.key^kh), mix(uint64(rows)<<32^uint64(n))))
	misses := n / 10
	if rows < 1 {
		misses = n
	}
	out := make([]Needle, n)
	for j := range out {
		if j < misses {
			out[j] = g.missNeedle(kind, rows, rng)
		} else {
			out[j] = g.hitNeedle(kind, rows, rng)
		}
	}
	rng.Shuffle(n, func(a, b int) { out[a], out[b] = out[b], out[a] })
	return out
}

func (g *Generator) hitNeedle(kind string, rows int, rng *rand.Rand) Needle {
	switch kind {
	case "eq_ssn":
		return Needle{SSN: g.Patient(rng.IntN(rows)).SSN}
	case "eq_compound":
		p := g.Patient(rng.IntN(rows))
		return Needle{Last: p.Last, DOB: p.DOB}
	case "prefix3", "prefix5":
		k := 3
		if kind == "prefix5" {
			k = 5
		}
		r := g.rowSurname(rows, k, rng)
		if r == nil {
			return g.missNeedle(kind, rows, rng)
		}
		return Needle{Text: string(r[:k])}
	case "contains":
		r := g.rowSurname(rows, 4, rng)
		if r == nil {
			return g.missNeedle(kind, rows, rng)
		}
		off := rng.IntN(len(r) - 3)
		return Needle{Text: string(r[off : off+4])}
	}
	panic("bench: unknown query kind " + kind)
}

// rowSurname returns the surname (as runes) of a random row among the first
// rows with at least k runes, or nil if none of them has one.
func (g *Generator) rowSurname(rows, k int, rng *rand.Rand) []rune {
	for range 1000 {
		r := []rune(g.Patient(rng.IntN(rows)).Last)
		if len(r) >= k {
			return r
		}
	}
	// Only tables of few rows, or of short names, get here.
	start := rng.IntN(rows)
	for d := range rows {
		r := []rune(g.Patient((start + d) % rows).Last)
		if len(r) >= k {
			return r
		}
	}
	return nil
}

func (g *Generator) missNeedle(kind string, rows int, rng *rand.Rand) Needle {
	switch kind {
	case "eq_ssn":
		// Area 900-999 is never assigned.
		return Needle{SSN: ssnString(900+rng.Uint64N(100), 1+rng.Uint64N(99), 1+rng.Uint64N(9999)), Miss: true}
	case "eq_compound":
		if rng.IntN(2) == 0 {
			// A surname no patient has, with a date in range.
			return Needle{
				Last: surnames.unused[rng.IntN(len(surnames.unused))],
				DOB:  dobAt(rng.IntN(dobDays)), Miss: true,
			}
		}
		// A real surname with a date before the DOB range (1900-1924).
		last := surnames.names[surnames.pick(rng.Float64())]
		d := cipher.DateOf(time.Date(1900, 1, 1+rng.IntN(9131), 0, 0, 0, 0, time.UTC))
		return Needle{Last: last, DOB: d, Miss: true}
	case "prefix3":
		return Needle{Text: missFragment(3, true, rng), Miss: true}
	case "prefix5":
		return Needle{Text: missFragment(5, true, rng), Miss: true}
	case "contains":
		return Needle{Text: missFragment(4, false, rng), Miss: true}
	}
	panic("bench: unknown query kind " + kind)
}

const (
	consonants = "bcdfghjklmnprstvwz"
	vowels     = "aeiouy"
)

// missFragment returns k letters, pronounceable where possible, that no
// surname (of the distribution or unused) starts with (prefix) or contains,
// ignoring case. A prefix is capitalised.
func missFragment(k int, prefix bool, rng *rand.Rand) string {
	b := make([]byte, k)
	for try := 0; ; try++ {
		for i := range b {
			switch {
			case try >= 200:
				b[i] = byte('a' + rng.IntN(26))
			case (i%2 == 0) == (try%2 == 0):
				b[i] = consonants[rng.IntN(len(consonants))]
			default:
				b[i] = vowels[rng.IntN(len(vowels))]
			}
		}
		frag := string(b)
		if !surnameHas(frag, prefix) {
			if prefix {
				return strings.ToUpper(frag[:1]) + frag[1:]
			}
			return frag
		}
	}
}

// surnameHas reports whether any surname (of the distribution or unused)
// starts with (prefix) or contains lower-case frag, ignoring case.
func surnameHas(frag string, prefix bool) bool {
	frag = strings.ToLower(frag)
	for _, n := range surnames.lower {
		if prefix && strings.HasPrefix(n, frag) || !prefix && strings.Contains(n, frag) {
			return true
		}
	}
	return false
}

var femaleNames = []string{
	"Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah", "Karen",
	"Lisa", "Nancy", "Betty", "Margaret", "Sandra", "Ashley", "Kimberly", "Emily", "Donna", "Michelle",
	"Carol", "Amanda", "Dorothy", "Melissa", "Deborah", "Stephanie", "Rebecca", "Sharon", "Laura", "Cynthia",
	"Kathleen", "Amy", "Angela", "Shirley", "Anna", "Brenda", "Pamela", "Emma", "Nicole", "Helen",
	"Samantha", "Katherine", "Christine", "Debra", "Rachel", "Carolyn", "Janet", "Catherine", "Maria", "Heather",
	"Diane", "Ruth", "Julie", "Olivia", "Joyce", "Virginia", "Victoria", "Kelly", "Lauren", "Christina",
	"Joan", "Evelyn", "Judith", "Megan", "Andrea", "Cheryl", "Hannah", "Jacqueline", "Martha", "Gloria",
	"Teresa", "Ann", "Sara", "Madison", "Frances", "Kathryn", "Janice", "Jean", "Abigail", "Alice",
	"Julia", "Judy", "Sophia", "Grace", "Denise", "Amber", "Doris", "Marilyn", "Danielle", "Beverly",
	"Isabella", "Theresa", "Diana", "Natalie", "Brittany", "Charlotte", "Marie", "Kayla", "Alexis", "Lori",
	"Mei", "Priya", "Guadalupe", "Yesenia", "Thi", "Ji-woo",
}

var maleNames = []string{
	"James", "Robert", "John", "Michael", "David", "William", "Richard", "Joseph", "Thomas", "Charles",
	"Christopher", "Daniel", "Matthew", "Anthony", "Mark", "Donald", "Steven", "Paul", "Andrew", "Joshua",
	"Kenneth", "Kevin", "Brian", "George", "Timothy", "Ronald", "Edward", "Jason", "Jeffrey", "Ryan",
	"Jacob", "Gary", "Nicholas", "Eric", "Jonathan", "Stephen", "Larry", "Justin", "Scott", "Brandon",
	"Benjamin", "Samuel", "Gregory", "Alexander", "Frank", "Patrick", "Raymond", "Jack", "Dennis", "Jerry",
	"Tyler", "Aaron", "Jose", "Adam", "Nathan", "Henry", "Douglas", "Zachary", "Peter", "Kyle",
	"Ethan", "Walter", "Noah", "Jeremy", "Christian", "Keith", "Roger", "Terry", "Gerald", "Harold",
	"Sean", "Austin", "Carl", "Arthur", "Lawrence", "Dylan", "Jesse", "Jordan", "Bryan", "Billy",
	"Joe", "Bruce", "Gabriel", "Logan", "Albert", "Willie", "Alan", "Juan", "Wayne", "Elijah",
	"Randy", "Roy", "Vincent", "Ralph", "Eugene", "Russell", "Bobby", "Mason", "Philip", "Louis",
	"Wei", "Raj", "Luis", "Carlos", "Minh", "Hyun",
}
