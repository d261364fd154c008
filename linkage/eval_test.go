package linkage

import (
	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The linkage evaluation: a synthetic population written at two sites,
// site B with realistic errors. Set PHICRYPT_LINKAGE_PATIENTS=100000 for
// the full run (the default keeps the test fast); go test -v prints the
// table.
const evalEnv = "PHICRYPT_LINKAGE_PATIENTS"

// Error rates of site B's records, each applied independently.
var evalErrors = []struct {
	name string
	p    float64
}{
	{"last name: two letters transposed", 0.02},
	{"last name: a letter dropped", 0.02},
	{"first name: nickname or short form", 0.03},
	{"first name: initial only", 0.01},
	{"first name: two letters transposed", 0.01},
	{"date of birth: day and month swapped", 0.01},
	{"SSN missing", 0.15},
	{"SSN: one digit wrong", 0.01},
	{"sex missing", 0.01},
}

// zipf draws indexes 0..n-1 with weight 1/(rank+1)^s over a seeded
// permutation of the list (the name lists are alphabetical).
type zipf struct {
	cum   []float64
	order []int
}

func newZipf(r *rand.Rand, n int, s float64) *zipf {
	z := &zipf{cum: make([]float64, n), order: r.Perm(n)}
	total := 0.0
	for i := range n {
		total += 1 / math.Pow(float64(i+1), s)
		z.cum[i] = total
	}
	for i := range z.cum {
		z.cum[i] /= total
	}
	return z
}

func (z *zipf) draw(r *rand.Rand) int {
	return z.order[sort.SearchFloat64s(z.cum, r.Float64())]
}

func readNames(t testing.TB, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if n := strings.TrimSpace(sc.Text()); n != "" && !strings.HasPrefix(n, "#") {
			out = append(out, n)
		}
	}
	return out
}

type person struct {
	last, first, sex, ssn string
	dob                   time.Time
}

func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// accent gives a name an accented letter, as some registration systems
// keep them (Nunez → Núñez).
func accent(s string) string {
	r := strings.NewReplacer("n", "ñ", "e", "é", "a", "á", "o", "ó", "u", "ú", "i", "í")
	return r.Replace(s)
}

func transpose(r *rand.Rand, s string) string {
	if len(s) < 3 {
		return s
	}
	i := 1 + r.IntN(len(s)-2)
	b := []byte(s)
	b[i], b[i+1] = b[i+1], b[i]
	return string(b)
}

func dropLetter(r *rand.Rand, s string) string {
	if len(s) < 3 {
		return s
	}
	i := 1 + r.IntN(len(s)-1)
	return s[:i] + s[i+1:]
}

var diminutives = func() map[string][]string {
	m := map[string][]string{}
	for d, f := range nicknames {
		m[f] = append(m[f], d)
	}
	for _, v := range m {
		sort.Strings(v)
	}
	return m
}()

// population makes n people and their records at site A (clean, own
// formatting) and site B (other formatting, errors); it returns the
// count of each error applied.
func population(t testing.TB, n int, seed uint64) (a, b []Identifiers, applied []int) {
	r := rand.New(rand.NewPCG(seed, 1))
	lasts := readNames(t, "../phiscan/data/last_names.txt")
	firsts := readNames(t, "../phiscan/data/first_names.txt")
	zl, zf := newZipf(r, len(lasts), 0.7), newZipf(r, len(firsts), 0.9)
	start := time.Date(1925, 1, 1, 0, 0, 0, 0, time.UTC)
	days := int(time.Date(2020, 12, 31, 0, 0, 0, 0, time.UTC).Sub(start).Hours() / 24)
	ssns := map[string]bool{}
	applied = make([]int, len(evalErrors))
	for range n {
		p := person{last: lasts[zl.draw(r)], first: firsts[zf.draw(r)], sex: "F", dob: start.AddDate(0, 0, r.IntN(days+1))}
		if r.IntN(2) == 0 {
			p.sex = "M"
		}
		for {
			p.ssn = fmt.Sprintf("%03d-%02d-%04d", 1+r.IntN(899), 1+r.IntN(99), 1+r.IntN(9999))
			if _, ok := normSSN(p.ssn); ok && !ssns[p.ssn] {
				break
			}
		}
		ssns[p.ssn] = true
		last := title(p.last)
		if r.Float64() < 0.03 {
			last = accent(last)
		}
		a = append(a, Identifiers{"last": last, "first": title(p.first), "dob": p.dob.Format("2006-01-02"), "sex": p.sex, "ssn": p.ssn})

		// Site B: one "LAST FIRST" column, US dates, words for sex, bare SSN digits.
		bl, bf, dob, sex, ssn := p.last, p.first, p.dob, map[string]string{"F": "female", "M": "male"}[p.sex], strings.ReplaceAll(p.ssn, "-", "")
		for i, e := range evalErrors {
			if r.Float64() >= e.p {
				continue
			}
			changed := true
			switch i {
			case 0:
				bl = transpose(r, bl)
			case 1:
				bl = dropLetter(r, bl)
			case 2:
				// A diminutive of the nickname table, or else a
				// shortening the table does not know ("Christopher"
				// as "Chri").
				if d := diminutives[bf]; len(d) > 0 {
					bf = d[r.IntN(len(d))]
				} else if len(bf) > 4 {
					bf = bf[:4]
				} else {
					changed = false
				}
			case 3:
				bf = bf[:1]
			case 4:
				bf = transpose(r, bf)
			case 5:
				if dob.Day() <= 12 && dob.Day() != int(dob.Month()) {
					dob = time.Date(dob.Year(), time.Month(dob.Day()), int(dob.Month()), 0, 0, 0, 0, time.UTC)
				} else {
					changed = false
				}
			case 6:
				ssn = ""
			case 7:
				if ssn != "" {
					j := r.IntN(9)
					ssn = ssn[:j] + strconv.Itoa((int(ssn[j]-'0')+1+r.IntN(9))%10) + ssn[j+1:]
				}
			case 8:
				sex = ""
			}
			if changed {
				applied[i]++
			}
		}
		l, f := SplitName(strings.ToUpper(bl+" "+bf), true)
		b = append(b, Identifiers{"last": l, "first": f, "dob": dob.Format("01/02/2006"), "sex": sex, "ssn": ssn})
	}
	return a, b, applied
}

type evalRow struct {
	key                string
	bothSites, matched int
	falsePairs         int
}

// evaluate tokenises both sites and counts, per match key and for any
// key, the patients whose records share a token (recall) and the pairs of
// different patients that share one (false matches).
func evaluate(t testing.TB, a, b []Identifiers) []evalRow {
	keys := defaultKeys(t)
	tok := testTwoKey(t, Stretch{Algorithm: StretchPBKDF2, Iterations: 1})
	names := keys.Names()
	tokA := map[string]map[[32]byte][]int{}
	perB := make([]map[string][32]byte, len(b))
	perA := make([]map[string][32]byte, len(a))
	for _, n := range names {
		tokA[n] = map[[32]byte][]int{}
	}
	for i := range a {
		perA[i] = map[string][32]byte{}
		for _, e := range keys.Encode(a[i]) {
			v := tok(e).Value
			perA[i][e.Key] = v
			tokA[e.Key][v] = append(tokA[e.Key][v], i)
		}
		perB[i] = map[string][32]byte{}
		for _, e := range keys.Encode(b[i]) {
			perB[i][e.Key] = tok(e).Value
		}
	}
	rows := make([]evalRow, 0, len(names)+1)
	anyFalse := map[[2]int]bool{}
	anyMatched := 0
	for _, n := range names {
		row := evalRow{key: n}
		for j := range b {
			vb, ok := perB[j][n]
			if !ok {
				continue
			}
			if _, ok := perA[j][n]; ok {
				row.bothSites++
			}
			for _, i := range tokA[n][vb] {
				if i == j {
					row.matched++
				} else {
					row.falsePairs++
					anyFalse[[2]int{i, j}] = true
				}
			}
		}
		rows = append(rows, row)
	}
	for i := range a {
		for _, n := range names {
			va, okA := perA[i][n]
			vb, okB := perB[i][n]
			if okA && okB && va == vb {
				anyMatched++
				break
			}
		}
	}
	rows = append(rows, evalRow{key: "any key", bothSites: len(a), matched: anyMatched, falsePairs: len(anyFalse)})
	return rows
}

func TestLinkageEvaluation(t *testing.T) {
	n := 10000
	if s := os.Getenv(evalEnv); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 100 {
			t.Fatalf("%s=%q: want a number of patients >= 100", evalEnv, s)
		}
		n = v
	}
	a, b, applied := population(t, n, 13)
	rows := evaluate(t, a, b)
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d synthetic patients; site B errors applied:\n", n)
	for i, e := range evalErrors {
		fmt.Fprintf(&sb, "  %-40s p=%.2f  %6d records\n", e.name, e.p, applied[i])
	}
	fmt.Fprintf(&sb, "\n| match key | patients with the key at both sites | recall (of all patients) | false-match pairs | false matches per 1,000 true |\n|---|---:|---:|---:|---:|\n")
	for _, r := range rows {
		fmt.Fprintf(&sb, "| %s | %d | %.2f%% | %d | %.3f |\n", r.key, r.bothSites,
			100*float64(r.matched)/float64(n), r.falsePairs, 1000*float64(r.falsePairs)/math.Max(1, float64(r.matched)))
	}
	t.Log("\n" + sb.String())
	floors := map[string]float64{"ssn": 0.80, "name_dob_sex": 0.85, "phonetic_dob": 0.88, "any key": 0.97}
	for _, r := range rows {
		recall := float64(r.matched) / float64(n)
		if recall < floors[r.key] {
			t.Errorf("%s: recall %.4f below %.2f", r.key, recall, floors[r.key])
		}
		// False matches stay rare: under 2 per 1,000 true matches.
		if float64(r.falsePairs) > 0.002*float64(r.matched) {
			t.Errorf("%s: %d false-match pairs for %d true matches", r.key, r.falsePairs, r.matched)
		}
	}
}
