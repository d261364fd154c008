package phiscan

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var updateEval = flag.Bool("update-eval", false, "regenerate the labeled corpus in testdata/eval")

// The seeds are fixed so that regenerating reproduces the committed corpus
// byte for byte. The held-out split has a seed of its own, and a different
// mix of naming styles, date formats and column-name variants, so that it
// checks the detectors rather than replaying the main split.
const (
	evalSeedMain    = 20261101
	evalSeedHeldout = 20261123
)

// evalScanDate is "today" for both the generator (ages, birth dates) and
// the scan, so that ages over 89 stay over 89 whenever the test runs.
var evalScanDate = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

const evalDescription = `Labeled benchmark for the phiscan column classifier. Every CSV under main/ and heldout/ is one table; this file labels each column.
label "phi": the column holds, in at least some non-empty rows, a HIPAA Safe Harbor identifier of a natural person (patient, relative, member, or care provider).
label "none": nothing in the column identifies a person.
label "possible": genuinely ambiguous (internal surrogate keys of a patient or claim, study subject codes, aggregate counts with cells below 11); scored as a negative for precision and reported separately.
Rules applied consistently:
- Organizations are not persons: the names, addresses, ZIP codes, phone and fax numbers and identifiers of facilities, payers, pharmacies and labs are "none", even though they look like patient contact details.
- Dates of events in a person's life or care (birth, death, admission, discharge, service, collection, fill, enrollment, coverage, survey submission) are "phi". Timestamps of system events (page requests, logins, record access, job runs, batch loads) and dates on reference rows (code validity, drug approval, study start) are "none".
- Patient-portal access logs: the client IP address, login e-mail and request URL (which carries the record number) of a patient are "phi". Internal server addresses and service endpoint paths are "none".
- Ages are "phi" (age_over_89) only when some value is over 89; top-coded ages ("90+"), ages of 89 or less, years alone with no one over 89, three-digit ZIP prefixes and day offsets are "none".
- Health-plan member numbers and patient account numbers are "phi" with type "mrn" (record and account numbers); internal row keys (encounter, order, result, claim line) are "none".
- Providers are persons: their names, NPI and DEA numbers, pagers and work e-mail are "phi", as clinical de-identification practice treats clinician names in records.
- Free text is "phi" (free_text) when some rows embed a name, date, record number, phone, address or e-mail, and "none" when no row does.
hard "negative": a none/possible column that a scanner keyed on names or value shapes would likely flag; hard "positive": a phi column such a scanner would likely miss. reason says why.
The corpus is synthetic: names, addresses and numbers are generated, not real.`

// evalLabels is the layout of testdata/eval/labels.json.
type evalLabels struct {
	Description string      `json:"description"`
	ScanDate    string      `json:"scan_date"`
	Seeds       evalSeeds   `json:"seeds"`
	Tables      []evalTable `json:"tables"`
}

type evalSeeds struct {
	Main    uint64 `json:"main"`
	Heldout uint64 `json:"heldout"`
}

type evalTable struct {
	File    string       `json:"file"`
	Split   string       `json:"split"`
	Table   string       `json:"table"`
	Kind    string       `json:"kind"`
	Rows    int          `json:"rows"`
	Columns []evalColumn `json:"columns"`
}

type evalColumn struct {
	Name   string   `json:"name"`
	Label  string   `json:"label"`
	Types  []string `json:"types,omitempty"`
	Hard   string   `json:"hard,omitempty"`
	Reason string   `json:"reason,omitempty"`
}

func TestGenerateEvalCorpus(t *testing.T) {
	if !*updateEval {
		t.Skip("regenerate with: go test ./phiscan -run TestGenerateEvalCorpus -update-eval")
	}
	labels, files := generateEvalCorpus()
	dir := filepath.Join("testdata", "eval")
	for _, split := range []string{"main", "heldout"} {
		if err := os.RemoveAll(filepath.Join(dir, split)); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, split), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	total := 0
	for _, tb := range labels.Tables {
		data := files[tb.File]
		total += len(data)
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(tb.File)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	js, err := json.MarshalIndent(labels, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	js = append(js, '\n')
	total += len(js)
	if err := os.WriteFile(filepath.Join(dir, "labels.json"), js, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d tables, %.1f MB", len(labels.Tables), float64(total)/1e6)
}

// generateEvalCorpus builds both splits in memory; it returns the labels
// and the CSV bytes keyed by the file path relative to testdata/eval.
func generateEvalCorpus() (evalLabels, map[string][]byte) {
	labels := evalLabels{
		Description: evalDescription,
		ScanDate:    evalScanDate.Format("2006-01-02"),
		Seeds:       evalSeeds{Main: evalSeedMain, Heldout: evalSeedHeldout},
	}
	files := map[string][]byte{}
	for _, split := range []string{"main", "heldout"} {
		g := newEvalGen(split)
		g.build()
		for _, tb := range g.tables {
			et, data := tb.finish()
			labels.Tables = append(labels.Tables, et)
			files[et.File] = data
		}
	}
	return labels, files
}

// wstr is a weighted choice.
type wstr struct {
	s string
	w int
}

// evalStyle is what differs between the splits besides the seed.
type evalStyle struct {
	naming      []wstr
	tableNaming []wstr
	cryptic     float64
	crypticForm []string
	dates       []wstr
	stamps      []wstr
	phones      []wstr
	mrnForms    []string
}

var evalStyles = map[string]*evalStyle{
	"main": {
		naming:      []wstr{{"snake", 45}, {"camel", 18}, {"upper", 20}, {"pascal", 8}, {"flat", 4}, {"prefixed", 5}},
		tableNaming: []wstr{{"snake", 60}, {"upper", 20}, {"pascal", 10}, {"tbl", 10}},
		cryptic:     0.05,
		crypticForm: []string{"c%d", "fld_%02d", "col%d", "field_%d"},
		dates:       []wstr{{"iso", 30}, {"us", 20}, {"usn", 8}, {"ymd", 10}, {"dmy", 6}, {"long", 3}, {"slash", 3}, {"dmyu", 4}},
		stamps:      []wstr{{"isots", 50}, {"isot", 25}, {"usts", 15}, {"isotz", 10}},
		phones:      []wstr{{"paren", 30}, {"dash", 30}, {"dot", 8}, {"plain", 15}, {"e164", 7}, {"intl", 5}, {"ext", 5}},
		mrnForms:    []string{"E%07d", "%08d", "MRN%07d", "M%08d", "%07d"},
	},
	"heldout": {
		naming:      []wstr{{"snake", 8}, {"camel", 12}, {"upper", 15}, {"pascal", 30}, {"flat", 15}, {"prefixed", 20}},
		tableNaming: []wstr{{"snake", 20}, {"upper", 30}, {"pascal", 30}, {"tbl", 20}},
		cryptic:     0.12,
		crypticForm: []string{"F%d", "x%d", "attr%02d", "v%d", "COL_%03d"},
		dates:       []wstr{{"iso", 10}, {"us", 15}, {"usn", 10}, {"ymd", 15}, {"dmy", 8}, {"long", 5}, {"slash", 5}, {"eu", 6}, {"mdy2", 6}, {"dmyu", 6}},
		stamps:      []wstr{{"isots", 25}, {"isot", 20}, {"usts", 25}, {"isotz", 15}, {"ymdhms", 15}},
		phones:      []wstr{{"paren", 15}, {"dash", 15}, {"dot", 20}, {"plain", 20}, {"e164", 15}, {"intl", 10}, {"space", 5}},
		mrnForms:    []string{"H%08d", "%02d-%06d", "%010d", "PT%06d", "A%07d"},
	},
}

type evalGen struct {
	r      *rand.Rand
	split  string
	st     *evalStyle
	used   map[string]bool
	tables []*evalTB
	provs  []*evalPerson
}

func newEvalGen(split string) *evalGen {
	seed := uint64(evalSeedMain)
	if split == "heldout" {
		seed = evalSeedHeldout
	}
	g := &evalGen{
		r:     rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		split: split,
		st:    evalStyles[split],
		used:  map[string]bool{},
	}
	for range 80 {
		g.provs = append(g.provs, g.person())
	}
	return g
}

// build instantiates the table templates; the counts keep the held-out
// split at about a fifth of all tables with the same mix of kinds.
func (g *evalGen) build() {
	type tmpl struct {
		f             func(*evalGen)
		main, heldout int
	}
	list := []tmpl{
		{evPatients, 6, 2}, {evEncounters, 4, 1}, {evNotes, 4, 1}, {evMeds, 4, 1},
		{evAllergies, 3, 1}, {evLabs, 5, 1}, {evProviders, 3, 1}, {evVitals, 2, 0},
		{evContacts, 2, 1}, {evProblems, 2, 0}, {evImmunizations, 1, 0}, {evLegacy, 3, 1},
		{evMembers, 3, 1}, {evClaims, 4, 1}, {evClaimLines, 3, 0}, {evClaimDx, 2, 0},
		{evPayments, 3, 1}, {evRxClaims, 3, 1},
		{evCohort, 4, 1}, {evDeid, 3, 1}, {evCounts, 4, 1}, {evProtocols, 2, 0}, {evSurvey, 2, 1},
		{evPortal, 4, 1}, {evEHRAccess, 3, 1}, {evSyslog, 3, 1}, {evETL, 2, 0},
		{evDrugCatalog, 3, 1}, {evICDCodes, 2, 0}, {evFacilityList, 3, 1}, {evLabCatalog, 3, 1}, {evZipRef, 2, 0},
		{evPayerList, 2, 0}, {evCodeLookup, 3, 1}, {evDataDict, 3, 1}, {evDepartments, 2, 0},
	}
	for _, tm := range list {
		n := tm.main
		if g.split == "heldout" {
			n = tm.heldout
		}
		for range n {
			tm.f(g)
		}
	}
}

func (g *evalGen) intn(n int) int { return g.r.IntN(n) }

// between returns an int in [lo, hi].
func (g *evalGen) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

func (g *evalGen) chance(p float64) bool { return g.r.Float64() < p }

func (g *evalGen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

func (g *evalGen) wpick(xs []wstr) string {
	sum := 0
	for _, x := range xs {
		sum += x.w
	}
	n := g.r.IntN(sum)
	for _, x := range xs {
		if n < x.w {
			return x.s
		}
		n -= x.w
	}
	return xs[len(xs)-1].s
}

// variant picks one of the "|"-separated name variants. The main split
// draws from the first two thirds and the held-out split from the last two
// thirds, so some held-out column names never occur in the main split.
func (g *evalGen) variant(vs string) string {
	parts := strings.Split(vs, "|")
	n := len(parts)
	if g.split == "main" {
		return g.pick(parts[:(2*n+2)/3])
	}
	return g.pick(parts[n/3:])
}

func renderName(v, style, prefix string) string {
	toks := strings.Split(v, "_")
	switch style {
	case "camel", "pascal":
		var b strings.Builder
		for i, tk := range toks {
			if i == 0 && style == "camel" {
				b.WriteString(tk)
				continue
			}
			b.WriteString(strings.ToUpper(tk[:1]) + tk[1:])
		}
		return b.String()
	case "upper":
		return strings.ToUpper(v)
	case "flat":
		return strings.Join(toks, "")
	case "prefixed":
		return strings.ToUpper(prefix + "_" + v)
	}
	return v
}

// evalTB is a table under construction.
type evalTB struct {
	g          *evalGen
	name, kind string
	n          int
	style      string
	prefix     string
	cform      string
	allCryptic bool
	cols       []*evalCol
}

type evalCol struct {
	evalColumn
	vals    []string
	cryptic bool
}

func (g *evalGen) table(kind, variants string) *evalTB {
	base := g.variant(variants)
	tstyle := g.wpick(g.st.tableNaming)
	name := base
	switch tstyle {
	case "upper":
		name = strings.ToUpper(base)
	case "pascal":
		name = renderName(base, "pascal", "")
	case "tbl":
		name = g.pick([]string{"tbl_", "t_", "dbo_", "stg_", "rpt_"}) + base
	}
	for i := 2; g.used[strings.ToLower(name)]; i++ {
		suffix := []string{"_%d", "_v%d", "_20%d", "_site%d"}[g.intn(4)]
		cand := name + fmt.Sprintf(suffix, i+g.intn(20))
		if !g.used[strings.ToLower(cand)] {
			name = cand
		}
	}
	g.used[strings.ToLower(name)] = true
	p := strings.ToUpper(strings.ReplaceAll(base, "_", ""))
	if len(p) > 3 {
		p = p[:3]
	}
	tb := &evalTB{
		g: g, name: name, kind: kind,
		n:      g.between(200, 500),
		style:  g.wpick(g.st.naming),
		prefix: p,
		cform:  g.pick(g.st.crypticForm),
	}
	g.tables = append(g.tables, tb)
	return tb
}

// col adds a column named after one of the variants; the label defaults
// to "none".
func (t *evalTB) col(variants string, vals []string) *evalCol {
	g := t.g
	c := &evalCol{vals: vals}
	c.Label = "none"
	if t.allCryptic || g.chance(g.st.cryptic) {
		c.cryptic = true
		c.Name = fmt.Sprintf(t.cform, len(t.cols)+1)
	} else {
		c.Name = renderName(g.variant(variants), t.style, t.prefix)
	}
	for i := 2; t.hasCol(c.Name); i++ {
		c.Name = fmt.Sprintf("%s%d", strings.TrimRight(c.Name, "0123456789"), i)
	}
	t.cols = append(t.cols, c)
	return c
}

func (t *evalTB) hasCol(name string) bool {
	for _, c := range t.cols {
		if strings.EqualFold(c.Name, name) {
			return true
		}
	}
	return false
}

func (c *evalCol) phi(types ...string) *evalCol {
	c.Label = "phi"
	c.Types = types
	return c
}

func (c *evalCol) possible(reason string, types ...string) *evalCol {
	c.Label = "possible"
	c.Types = types
	c.Hard = "negative"
	c.Reason = reason
	return c
}

// hn marks a hard negative.
func (c *evalCol) hn(reason string) *evalCol {
	c.Hard = "negative"
	c.Reason = reason
	return c
}

// hp marks a hard positive, adding to the reasons already given.
func (c *evalCol) hp(reason string) *evalCol {
	c.Hard = "positive"
	if c.Reason == "" {
		c.Reason = reason
	} else if !strings.Contains(c.Reason, reason) {
		c.Reason += "; " + reason
	}
	return c
}

func (t *evalTB) finish() (evalTable, []byte) {
	et := evalTable{
		File:  t.g.split + "/" + t.name + ".csv",
		Split: t.g.split,
		Table: t.name,
		Kind:  t.kind,
		Rows:  t.n,
	}
	for _, c := range t.cols {
		if c.Label == "phi" {
			if c.cryptic {
				c.hp("cryptic column name")
			}
			empty, digits, short := 0, 0, 0
			for _, v := range c.vals {
				v = strings.TrimSpace(v)
				if isNullMarker(v) {
					empty++
					continue
				}
				if strings.Trim(v, "0123456789") == "" {
					digits++
					if len(v) < 9 {
						short++
					}
				}
			}
			if share := float64(empty) / float64(len(c.vals)); share >= 0.6 {
				c.hp(fmt.Sprintf("mostly null (%.0f%% empty)", 100*share))
			}
			nonEmpty := len(c.vals) - empty
			for _, typ := range c.Types {
				switch typ {
				case "date", "birth_date", "death_date":
					if nonEmpty > 0 && 2*digits > nonEmpty {
						c.hp("dates written as digits only (yyyymmdd)")
					}
				case "ssn":
					if short > 0 {
						c.hp("SSNs stored as integers (leading zeros dropped)")
					}
				}
			}
		}
		et.Columns = append(et.Columns, c.evalColumn)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	rec := make([]string, len(t.cols))
	for i, c := range t.cols {
		rec[i] = c.Name
	}
	w.Write(rec)
	for r := range t.n {
		for i, c := range t.cols {
			rec[i] = c.vals[r]
		}
		w.Write(rec)
	}
	w.Flush()
	return et, buf.Bytes()
}

func isNullMarker(v string) bool {
	switch v {
	case "", "NULL", "N/A", "null", "\\N":
		return true
	}
	return false
}

// ---- value helpers ----

// gen makes a column of n values.
func (t *evalTB) gen(f func(i int) string) []string {
	out := make([]string, t.n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

// nulls blanks a share of the values and, in some columns, writes the
// blanks as the null markers that exports leave behind.
func (t *evalTB) nulls(vals []string, rate float64) []string {
	g := t.g
	marker := ""
	if g.chance(0.15) {
		marker = g.pick([]string{"NULL", "N/A", "null", "\\N"})
	}
	for i := range vals {
		if g.chance(rate) {
			vals[i] = ""
			if marker != "" && g.chance(0.5) {
				vals[i] = marker
			}
		}
	}
	return vals
}

// mess pads some values with stray whitespace, as hand-entered or
// fixed-width exports do.
func (t *evalTB) mess(vals []string) []string {
	g := t.g
	if !g.chance(0.3) {
		return vals
	}
	for i, v := range vals {
		if v != "" && g.chance(0.04) {
			vals[i] = []string{" ", "  ", "\t"}[g.intn(3)] + v
		}
		if v != "" && g.chance(0.04) {
			vals[i] += "  "
		}
	}
	return vals
}

func (t *evalTB) seq(start int) []string {
	return t.gen(func(i int) string { return strconv.Itoa(start + i) })
}

// keys is a sequential key with gaps, starting at a large base, the way
// an identity column looks after deletes.
func (t *evalTB) keys(lo, hi int) []string {
	v := t.g.between(lo, hi)
	return t.gen(func(int) string {
		v += 1 + t.g.intn(4)
		return strconv.Itoa(v)
	})
}

func (t *evalTB) choice(xs ...string) []string {
	return t.gen(func(int) string { return t.g.pick(xs) })
}

func (t *evalTB) num(lo, hi float64, dec int) []string {
	return t.gen(func(int) string {
		return strconv.FormatFloat(lo+t.g.r.Float64()*(hi-lo), 'f', dec, 64)
	})
}

func (t *evalTB) ints(lo, hi int) []string {
	return t.gen(func(int) string { return strconv.Itoa(t.g.between(lo, hi)) })
}

// rowsOf assigns each row a person from a pool of about n/per people, so
// child tables repeat patients as real ones do.
func (t *evalTB) rowsOf(per int) []*evalPerson {
	g := t.g
	pool := make([]*evalPerson, max(1, t.n/per))
	for i := range pool {
		pool[i] = g.person()
	}
	rows := make([]*evalPerson, t.n)
	for i := range rows {
		if per == 1 {
			rows[i] = pool[i%len(pool)]
		} else {
			rows[i] = pool[g.intn(len(pool))]
		}
	}
	return rows
}

func (t *evalTB) provRows() []*evalPerson {
	k := t.g.between(8, 40)
	rows := make([]*evalPerson, t.n)
	for i := range rows {
		rows[i] = t.g.provs[t.g.intn(k)]
	}
	return rows
}

// ---- people ----

type evalPerson struct {
	first, middle, last string
	female              bool
	dob                 time.Time
	death               time.Time
	ssn                 int
	mrn                 int
	phone, mobile       string
	email               string
	street, unit        string
	city, county, state string
	zip, zip4           string
	member, mbi         string
	npi, dea            string
}

func (g *evalGen) person() *evalPerson {
	p := &evalPerson{female: g.chance(0.52)}
	if p.female {
		p.first = g.pick(evFemale)
	} else {
		p.first = g.pick(evMale)
	}
	if g.chance(0.6) {
		p.middle = g.pick(evFirst)
	}
	p.last = g.pick(evLast)
	if g.chance(0.06) {
		p.last += "-" + g.pick(evLast)
	}
	var age int
	switch {
	case g.chance(0.05):
		age = g.between(90, 104)
	case g.chance(0.15):
		age = g.between(0, 17)
	default:
		age = g.between(18, 89)
	}
	p.dob = evalScanDate.AddDate(-age-1, 0, g.between(1, 364))
	if g.chance(0.05) {
		p.death = evalScanDate.AddDate(0, 0, -g.between(10, 3000))
		if p.death.Before(p.dob) {
			p.death = time.Time{}
		}
	}
	area := g.between(100, 899)
	if g.chance(0.15) {
		area = g.between(1, 99)
	}
	if area == 666 {
		area = 665
	}
	p.ssn = area*1000000 + g.between(1, 99)*10000 + g.between(1, 9999)
	p.mrn = g.between(100000, 9999999)
	p.phone = g.phoneDigits()
	p.mobile = g.phoneDigits()
	p.email = g.email(p.first, p.last)
	p.street = fmt.Sprintf("%d %s %s", g.between(1, 9999), g.pick(evStreets), g.pick(evSuffixes))
	if g.chance(0.2) {
		p.street = fmt.Sprintf("%d %s %s %s", g.between(100, 29999), g.pick([]string{"N", "S", "E", "W", "NE", "SW"}), g.pick(evStreets), g.pick(evSuffixes))
	}
	if g.chance(0.25) {
		p.unit = g.pick([]string{"Apt %d", "Unit %d", "#%d", "Apt %dB", "Lot %d"})
		p.unit = fmt.Sprintf(p.unit, g.between(1, 420))
	}
	city := evCities[g.intn(len(evCities))]
	p.city, p.state, p.county = city[0], city[1], city[3]
	p.zip = city[2] + fmt.Sprintf("%02d", g.intn(100))
	p.zip4 = fmt.Sprintf("%04d", g.between(1, 9999))
	p.member = fmt.Sprintf(g.pick([]string{"%s%09d", "%s%08d01", "%s-%07d"}), g.pick([]string{"XK", "W", "ZGP", "HM", "U"}), g.between(1000000, 99999999))
	p.mbi = g.mbi()
	p.npi = g.npi()
	p.dea = g.dea(p.last)
	return p
}

var evAreaCodes = []string{"201", "203", "207", "212", "214", "216", "224", "252", "267", "301", "303", "312", "314", "317", "402", "404", "405", "414", "415", "425", "443", "469", "480", "502", "503", "504", "505", "512", "513", "602", "608", "612", "614", "615", "617", "646", "678", "702", "703", "704", "713", "717", "720", "734", "774", "801", "804", "808", "813", "816", "832", "860", "904", "907", "910", "919", "928", "937", "952", "971"}

func (g *evalGen) phoneDigits() string {
	return g.pick(evAreaCodes) + strconv.Itoa(g.between(200, 999)) + fmt.Sprintf("%04d", g.intn(10000))
}

func fmtPhone(d, f string, g *evalGen) string {
	a, b, c := d[:3], d[3:6], d[6:]
	switch f {
	case "paren":
		return "(" + a + ") " + b + "-" + c
	case "dash":
		return a + "-" + b + "-" + c
	case "dot":
		return a + "." + b + "." + c
	case "plain":
		return d
	case "e164":
		return "+1" + d
	case "intl":
		return "+1 " + a + "-" + b + "-" + c
	case "space":
		return a + " " + b + " " + c
	case "ext":
		if g.chance(0.3) {
			return a + "-" + b + "-" + c + " x" + strconv.Itoa(g.between(10, 9999))
		}
		return "(" + a + ")" + b + "-" + c
	}
	return d
}

func (t *evalTB) phones(ps []*evalPerson, mobile bool) []string {
	f := t.g.wpick(t.g.st.phones)
	return t.gen(func(i int) string {
		d := ps[i].phone
		if mobile {
			d = ps[i].mobile
		}
		return fmtPhone(d, f, t.g)
	})
}

var evMailDomains = []string{"gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "aol.com", "icloud.com", "comcast.net", "verizon.net", "protonmail.com", "att.net"}

func (g *evalGen) email(first, last string) string {
	f, l := strings.ToLower(first), lettersOnly(last)
	var local string
	switch g.intn(6) {
	case 0:
		local = f + "." + l
	case 1:
		local = f[:1] + l + strconv.Itoa(g.between(1, 99))
	case 2:
		local = f + "_" + l + strconv.Itoa(g.between(1950, 2010))
	case 3:
		local = l + f[:1]
	case 4:
		local = f + strconv.Itoa(g.between(1, 999))
	default:
		local = f + l[:1] + strconv.Itoa(g.between(10, 99))
	}
	return local + "@" + g.pick(evMailDomains)
}

func lettersOnly(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (g *evalGen) mbi() string {
	const letters = "ACDEFGHJKMNPQRTUVWXY"
	const digits = "0123456789"
	an := letters + digits
	pk := func(s string) byte { return s[g.intn(len(s))] }
	b := []byte{pk("123456789"), pk(letters), pk(an), pk(digits), pk(letters), pk(an), pk(digits), pk(letters), pk(letters), pk(digits), pk(digits)}
	return string(b)
}

// luhnDigit is the check digit that makes s+digit pass the Luhn check.
func luhnDigit(s string) int {
	sum := 0
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if (len(s)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return (10 - sum%10) % 10
}

func (g *evalGen) npi() string {
	base := strconv.Itoa(g.between(1, 2)) + fmt.Sprintf("%08d", g.intn(100000000))
	return base + strconv.Itoa(luhnDigit("80840"+base))
}

func (g *evalGen) dea(last string) string {
	d := make([]int, 6)
	for i := range d {
		d[i] = g.intn(10)
	}
	check := (d[0] + d[2] + d[4] + 2*(d[1]+d[3]+d[5])) % 10
	s := g.pick([]string{"A", "B", "F", "G", "M"}) + strings.ToUpper(last[:1])
	for _, x := range d {
		s += strconv.Itoa(x)
	}
	return s + strconv.Itoa(check)
}

func (g *evalGen) card() string {
	var base string
	switch g.intn(4) {
	case 0, 1:
		base = "4" + fmt.Sprintf("%014d", g.r.Int64N(1e14))
	case 2:
		base = strconv.Itoa(g.between(51, 55)) + fmt.Sprintf("%013d", g.r.Int64N(1e13))
	default:
		base = g.pick([]string{"34", "37"}) + fmt.Sprintf("%012d", g.r.Int64N(1e12))
	}
	return base + strconv.Itoa(luhnDigit(base))
}

func fmtCard(c, f string) string {
	switch f {
	case "space", "dash":
		sep := " "
		if f == "dash" {
			sep = "-"
		}
		if len(c) == 15 {
			return c[:4] + sep + c[4:10] + sep + c[10:]
		}
		return c[:4] + sep + c[4:8] + sep + c[8:12] + sep + c[12:]
	}
	return c
}

// ---- names ----

// nameCase renders a name column in one case convention, with a few rows
// in another, as merged sources do.
func (t *evalTB) names(ps []*evalPerson, form string) []string {
	g := t.g
	cs := g.wpick([]wstr{{"title", 70}, {"upper", 25}, {"lower", 5}})
	mixed := g.chance(0.3)
	return t.gen(func(i int) string {
		p := ps[i]
		var s string
		switch form {
		case "first":
			s = p.first
		case "last":
			s = p.last
		case "middle":
			s = p.middle
		case "mi":
			if p.middle != "" {
				s = p.middle[:1]
			}
		case "first last":
			s = p.first + " " + p.last
		case "last, first":
			s = p.last + ", " + p.first
		case "first mi last":
			if p.middle != "" {
				s = p.first + " " + p.middle[:1] + ". " + p.last
			} else {
				s = p.first + " " + p.last
			}
		case "last, first middle":
			s = strings.TrimSpace(p.last + ", " + p.first + " " + p.middle)
		case "last^first":
			s = p.last + "^" + p.first
		case "dr":
			s = "Dr. " + p.first + " " + p.last
		case "last, first md":
			s = p.last + ", " + p.first + " " + g.pick([]string{"MD", "DO", "NP", "PA-C", "MD"})
		}
		c := cs
		if mixed && g.chance(0.1) {
			c = "upper"
		}
		switch c {
		case "upper":
			s = strings.ToUpper(s)
		case "lower":
			s = strings.ToLower(s)
		}
		return s
	})
}

func (g *evalGen) nameForm() string {
	return g.wpick([]wstr{{"first last", 35}, {"last, first", 30}, {"first mi last", 15}, {"last, first middle", 12}, {"last^first", 8}})
}

// addName adds either separate first/last columns or one full-name column.
func (t *evalTB) addName(ps []*evalPerson, first, last, full string, types ...string) {
	if t.g.chance(0.55) {
		t.col(first, t.mess(t.names(ps, "first"))).phi("first_name")
		t.col(last, t.mess(t.names(ps, "last"))).phi("last_name")
		return
	}
	t.col(full, t.mess(t.names(ps, t.g.nameForm()))).phi("name")
}

// ---- dates ----

func fmtDate(d time.Time, f string) string {
	switch f {
	case "us":
		return d.Format("01/02/2006")
	case "usn":
		return d.Format("1/2/2006")
	case "ymd":
		return d.Format("20060102")
	case "dmy":
		return d.Format("02-Jan-2006")
	case "dmyu":
		return strings.ToUpper(d.Format("02-Jan-06"))
	case "long":
		return d.Format("January 2, 2006")
	case "slash":
		return d.Format("2006/01/02")
	case "eu":
		return d.Format("02.01.2006")
	case "mdy2":
		return d.Format("01/02/06")
	case "isots":
		return d.Format("2006-01-02 15:04:05")
	case "isot":
		return d.Format("2006-01-02T15:04:05")
	case "isotz":
		return d.Format("2006-01-02T15:04:05.000Z")
	case "usts":
		return d.Format("01/02/2006 15:04")
	case "ymdhms":
		return d.Format("20060102150405")
	}
	return d.Format("2006-01-02")
}

// dates formats a date column in one format chosen for the column, with a
// few rows in another format in some columns; zero times are left empty.
func (t *evalTB) dates(ds []time.Time, stamp bool) []string {
	g := t.g
	pool := g.st.dates
	if stamp {
		pool = g.st.stamps
	}
	f := g.wpick(pool)
	alt := g.wpick(pool)
	mixed := g.chance(0.15)
	return t.gen(func(i int) string {
		if ds[i].IsZero() {
			return ""
		}
		if mixed && g.chance(0.06) {
			return fmtDate(ds[i], alt)
		}
		return fmtDate(ds[i], f)
	})
}

func (t *evalTB) dateFmt(ds []time.Time, f string) []string {
	return t.gen(func(i int) string {
		if ds[i].IsZero() {
			return ""
		}
		return fmtDate(ds[i], f)
	})
}

// when returns a random moment between two dates.
func (g *evalGen) when(from, to time.Time) time.Time {
	span := to.Sub(from)
	return from.Add(time.Duration(g.r.Int64N(int64(span)))).Truncate(time.Minute).Add(time.Duration(g.intn(60)) * time.Second)
}

var (
	evCareFrom = time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC)
	evCareTo   = time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC)
)

func (t *evalTB) careDates() []time.Time {
	out := make([]time.Time, t.n)
	for i := range out {
		out[i] = t.g.when(evCareFrom, evCareTo)
	}
	return out
}

func (t *evalTB) dobs(ps []*evalPerson) []time.Time {
	out := make([]time.Time, t.n)
	for i, p := range ps {
		out[i] = p.dob
	}
	return out
}

func ageOn(dob, on time.Time) int {
	a := on.Year() - dob.Year()
	if on.YearDay() < dob.YearDay() {
		a--
	}
	return a
}

// ---- identifiers ----

func (t *evalTB) mrns(ps []*evalPerson) []string {
	f := t.g.pick(t.g.st.mrnForms)
	return t.gen(func(i int) string {
		m := ps[i].mrn
		if strings.HasPrefix(f, "%02d-") {
			return fmt.Sprintf(f, m/1000000, m%1000000)
		}
		return fmt.Sprintf(f, m)
	})
}

func (t *evalTB) ssns(ps []*evalPerson) []string {
	f := t.g.wpick([]wstr{{"dash", 50}, {"plain", 25}, {"int", 20}, {"space", 5}})
	return t.gen(func(i int) string {
		s := ps[i].ssn
		switch f {
		case "plain":
			return fmt.Sprintf("%09d", s)
		case "int":
			return strconv.Itoa(s)
		case "space":
			return fmt.Sprintf("%03d %02d %04d", s/1000000, s/10000%100, s%10000)
		}
		return fmt.Sprintf("%03d-%02d-%04d", s/1000000, s/10000%100, s%10000)
	})
}

// zips writes ZIP codes as 5 digits, ZIP+4, or integers that lost their
// leading zero; it reports whether any value lost one.
func (t *evalTB) zips(ps []*evalPerson) ([]string, bool) {
	f := t.g.wpick([]wstr{{"5", 60}, {"9", 20}, {"int", 10}, {"mixed", 10}})
	lost := false
	vals := t.gen(func(i int) string {
		p := ps[i]
		ff := f
		if f == "mixed" {
			ff = []string{"5", "9"}[t.g.intn(2)]
		}
		switch ff {
		case "9":
			return p.zip + "-" + p.zip4
		case "int":
			z := strings.TrimLeft(p.zip, "0")
			if z != p.zip {
				lost = true
			}
			return z
		}
		return p.zip
	})
	return vals, lost
}

func (t *evalTB) addAddress(ps []*evalPerson, lineNames, cityNames, stateNames, zipNames string) {
	g := t.g
	if g.chance(0.2) {
		t.col("address|full_address|home_address|mailing_address|addr", t.mess(t.gen(func(i int) string {
			p := ps[i]
			s := p.street
			if p.unit != "" {
				s += " " + p.unit
			}
			return fmt.Sprintf("%s, %s, %s %s", s, p.city, p.state, p.zip)
		}))).phi("address")
		return
	}
	upper := g.chance(0.25)
	t.col(lineNames, t.mess(t.gen(func(i int) string {
		s := ps[i].street
		if ps[i].unit != "" && g.chance(0.7) {
			s += " " + ps[i].unit
		}
		if upper {
			s = strings.ToUpper(s)
		}
		return s
	}))).phi("address")
	if g.chance(0.4) {
		t.col("address_line2|addr2|street2|address_2", t.nulls(t.gen(func(i int) string { return ps[i].unit }), 0.1)).phi("address")
	}
	t.col(cityNames, t.gen(func(i int) string {
		if upper {
			return strings.ToUpper(ps[i].city)
		}
		return ps[i].city
	})).phi("address")
	if g.chance(0.3) {
		t.col("county|county_name|cnty", t.gen(func(i int) string { return ps[i].county })).phi("address")
	}
	t.col(stateNames, t.gen(func(i int) string { return ps[i].state }))
	z, lost := t.zips(ps)
	c := t.col(zipNames, z).phi("zip")
	if lost {
		c.hp("ZIP codes stored as integers lost their leading zero")
	}
}

// ---- free text ----

func (g *evalGen) clinicalSentence() string {
	switch g.intn(12) {
	case 0:
		return fmt.Sprintf("Presents with %s for %d days.", g.pick(evComplaints), g.between(1, 14))
	case 1:
		return fmt.Sprintf("BP %d/%d, HR %d, afebrile.", g.between(100, 170), g.between(60, 100), g.between(55, 110))
	case 2:
		return fmt.Sprintf("Continue %s %d mg %s.", strings.ToLower(g.pick(evDrugs)), g.pick2(5, 10, 20, 25, 40, 50, 100, 500), g.pick([]string{"daily", "BID", "at bedtime", "TID", "PRN"}))
	case 3:
		return fmt.Sprintf("Follow up in %d weeks.", g.between(1, 12))
	case 4:
		return "Denies chest pain, shortness of breath, or fever."
	case 5:
		return fmt.Sprintf("Assessment: %s.", strings.ToLower(evICD[g.intn(len(evICD))][1]))
	case 6:
		return fmt.Sprintf("A1c %.1f, LDL %d.", 5+g.r.Float64()*5, g.between(60, 190))
	case 7:
		return "Lungs clear to auscultation bilaterally. No edema."
	case 8:
		return fmt.Sprintf("Patient tolerating diet; ambulating %s.", g.pick([]string{"with walker", "independently", "with assistance"}))
	case 9:
		return "Discussed risks and benefits; patient agrees with plan."
	case 10:
		return fmt.Sprintf("Pain %d/10, improved with %s.", g.between(0, 10), strings.ToLower(g.pick(evDrugs)))
	}
	return fmt.Sprintf("Referred to %s.", strings.ToLower(g.pick(evDepts)))
}

func (g *evalGen) pick2(xs ...int) int { return xs[g.intn(len(xs))] }

func (g *evalGen) phiSentence(p *evalPerson, mrn string) string {
	rel := g.person()
	doc := g.provs[g.intn(len(g.provs))]
	d := g.when(evCareFrom, evCareTo)
	switch g.intn(11) {
	case 0:
		return fmt.Sprintf("%s %s is a %d yo %s seen today.", p.first, p.last, max(1, ageOn(p.dob, d)), map[bool]string{true: "female", false: "male"}[p.female])
	case 1:
		return "DOB " + fmtDate(p.dob, g.pick([]string{"us", "usn", "iso"})) + "."
	case 2:
		return "MRN " + mrn + "."
	case 3:
		return "Pt can be reached at " + fmtPhone(p.phone, g.pick([]string{"paren", "dash", "dot"}), g) + "."
	case 4:
		return fmt.Sprintf("Spoke with %s %s %s at %s.", g.pick([]string{"daughter", "son", "wife", "husband", "mother", "neighbor"}), rel.first, rel.last, fmtPhone(rel.phone, "dash", g))
	case 5:
		return "Last seen in clinic on " + fmtDate(d, g.pick([]string{"us", "long", "usn"})) + "."
	case 6:
		return fmt.Sprintf("Lives at %s, %s.", p.street, p.city)
	case 7:
		return "Patient emailed from " + p.email + " with questions."
	case 8:
		return fmt.Sprintf("Discussed with Dr. %s.", doc.last)
	case 9:
		return fmt.Sprintf("Admitted %s, discharged %s.", fmtDate(d, "usn"), fmtDate(d.AddDate(0, 0, g.between(1, 9)), "usn"))
	}
	return fmt.Sprintf("Per %s %s, symptoms began last week.", p.first, p.last)
}

// notes writes clinical narratives; rate is the share of notes that embed
// at least one identifier.
func (t *evalTB) notes(ps []*evalPerson, mrns []string, rate float64) []string {
	g := t.g
	return t.gen(func(i int) string {
		n := g.between(2, 6)
		parts := make([]string, 0, n+2)
		for range n {
			parts = append(parts, g.clinicalSentence())
		}
		if g.chance(rate) {
			for range g.between(1, 3) {
				pos := g.intn(len(parts) + 1)
				s := g.phiSentence(ps[i], mrns[i])
				parts = append(parts[:pos], append([]string{s}, parts[pos:]...)...)
			}
		}
		sep := " "
		if g.chance(0.1) {
			sep = "\n"
		}
		return strings.Join(parts, sep)
	})
}

// ---- templates: EMR ----

func evPatients(g *evalGen) {
	t := g.table("emr", "patients|patient|pat_demographics|patient_master|person|pt_registry|demographics|patient_dim")
	ps := t.rowsOf(1)
	if g.chance(0.5) {
		t.col("patient_id|pat_id|person_id|patient_key|pt_sk", t.keys(1000, 90000)).possible("internal surrogate key of the patient (a re-identification code)")
	}
	t.col("mrn|medical_record_number|med_rec_no|pat_mrn|chart_number|mr_num|mrn_id|hosp_no", t.mrns(ps)).phi("mrn")
	t.addName(ps, "first_name|fname|given_name|first_nm|pat_fnm|forename", "last_name|lname|surname|family_name|pat_lnm|last_nm", "patient_name|full_name|pat_name|name|pt_nm|display_name")
	if g.chance(0.4) {
		t.col("middle_name|mname|middle_nm|mid_name|pat_mnm", t.nulls(t.names(ps, "middle"), 0.05)).phi("name")
	}
	t.col("birth_date|dob|date_of_birth|birth_dt|pat_dob|dt_birth|bdate", t.dates(t.dobs(ps), false)).phi("birth_date")
	t.col("sex|gender|gender_code|sex_cd|pat_sex|admin_sex", t.gen(func(i int) string {
		if ps[i].female {
			return "F"
		}
		return "M"
	}))
	if g.chance(0.6) {
		t.col("race|race_desc|race_cd|pat_race", t.choice("White", "Black or African American", "Asian", "American Indian or Alaska Native", "Native Hawaiian or Other Pacific Islander", "Other", "Unknown", "Declined"))
	}
	if g.chance(0.5) {
		t.col("ethnicity|ethnic_group|hispanic_ind|ethnic_cd", t.choice("Hispanic or Latino", "Not Hispanic or Latino", "Unknown"))
	}
	if g.chance(0.75) {
		rate := 0.05
		if g.chance(0.35) {
			rate = 0.8
		}
		t.col("ssn|social_security_number|ssn_num|soc_sec_no|pat_ssn|ss_number|ssn9", t.nulls(t.ssns(ps), rate)).phi("ssn")
	}
	t.addAddress(ps, "address_line1|street_address|addr1|home_address|pat_addr1|street|addr_line_1", "city|home_city|addr_city|pat_city|municipality|town", "state|state_code|addr_state|st|pat_state|state_cd", "zip|zip_code|postal_code|zipcode|pat_zip|post_cd|zip5")
	t.col("home_phone|phone|phone_number|tel|pat_phone|contact_no|phone_home|hm_ph", t.nulls(t.phones(ps, false), 0.08)).phi("phone")
	if g.chance(0.6) {
		t.col("cell_phone|mobile|mobile_phone|cell|mob_no|ph_mobile", t.nulls(t.phones(ps, true), 0.3+0.5*g.r.Float64())).phi("phone")
	}
	if g.chance(0.7) {
		t.col("email|email_address|e_mail|pat_email|contact_email|emailaddr", t.nulls(t.mess(t.gen(func(i int) string { return ps[i].email })), 0.2+0.5*g.r.Float64())).phi("email")
	}
	if g.chance(0.5) {
		t.col("marital_status|marital_stat|mar_stat|marital_cd", t.choice("Married", "Single", "Divorced", "Widowed", "Separated", "Unknown"))
	}
	if g.chance(0.5) {
		t.col("preferred_language|language|lang|pref_lang", t.choice("English", "English", "English", "Spanish", "Vietnamese", "Mandarin", "Arabic", "Haitian Creole", "Russian"))
	}
	dead := make([]time.Time, t.n)
	for i, p := range ps {
		dead[i] = p.death
	}
	t.col("deceased|is_deceased|death_ind|expired_flag|deceased_yn", t.gen(func(i int) string {
		if dead[i].IsZero() {
			return "N"
		}
		return "Y"
	}))
	if g.chance(0.7) {
		t.col("death_date|date_of_death|dod|deceased_dt|death_dttm|dt_death", t.dates(dead, false)).phi("death_date")
	}
	if g.chance(0.4) {
		ages := t.gen(func(i int) string { return strconv.Itoa(ageOn(ps[i].dob, evalScanDate)) })
		over := 0
		for _, a := range ages {
			if n, _ := strconv.Atoi(a); n > 89 {
				over++
			}
		}
		c := t.col("age|age_years|current_age|pat_age|age_yrs", ages)
		if over > 0 {
			c.phi("age_over_89").hp(fmt.Sprintf("only %d of %d ages are over 89", over, t.n))
		} else {
			c.hn("ages of 89 or less")
		}
	}
	if g.chance(0.6) {
		ts := g.when(evCareTo, evalScanDate)
		t.col("etl_load_ts|load_dttm|batch_loaded_at|dw_insert_ts", t.dates(t.constTimes(ts), true)).hn("batch load timestamp, not an event in a person's care")
	}
}

func (t *evalTB) constTimes(ts time.Time) []time.Time {
	out := make([]time.Time, t.n)
	for i := range out {
		out[i] = ts
		if t.g.chance(0.1) {
			out[i] = ts.Add(time.Duration(t.g.between(1, 5)) * 24 * time.Hour)
		}
	}
	return out
}

// patientRef adds the column that ties a child row to its patient: an MRN
// (phi) most of the time, otherwise an internal surrogate key.
func (t *evalTB) patientRef(ps []*evalPerson) []string {
	if t.g.chance(0.7) {
		m := t.mrns(ps)
		t.col("mrn|pat_mrn|patient_mrn|medical_record_num|mrn_nbr|pt_mrn", m).phi("mrn")
		return m
	}
	ids := map[*evalPerson]string{}
	next := t.g.between(1000, 50000)
	vals := t.gen(func(i int) string {
		if v, ok := ids[ps[i]]; ok {
			return v
		}
		next += 1 + t.g.intn(7)
		ids[ps[i]] = strconv.Itoa(next)
		return ids[ps[i]]
	})
	t.col("patient_id|pat_id|person_id|patient_key|pt_sk", vals).possible("internal surrogate key of the patient (a re-identification code)")
	return t.mrns(ps)
}

func evEncounters(g *evalGen) {
	t := g.table("emr", "encounters|encounter|visits|pat_enc|adt_visits|hosp_encounter|enc_fact")
	ps := t.rowsOf(3)
	t.col("encounter_id|enc_id|visit_id|csn|encntr_key|pat_enc_csn", t.keys(30000000, 80000000)).hn("sequential encounter key, not an MRN")
	t.patientRef(ps)
	admit := t.careDates()
	dis := make([]time.Time, t.n)
	for i, a := range admit {
		if g.chance(0.65) {
			dis[i] = a.Add(time.Duration(g.between(4, 24*12)) * time.Hour)
		}
	}
	t.col("admit_date|admission_date|adm_dt|admit_dttm|enc_start|hosp_admsn_time|visit_date", t.dates(admit, g.chance(0.5))).phi("date")
	t.col("discharge_date|disch_date|dsch_dt|discharge_dttm|enc_end|hosp_disch_time", t.dates(dis, g.chance(0.5))).phi("date")
	t.col("encounter_type|enc_type|visit_type|patient_class|enc_class", t.choice("Inpatient", "Outpatient", "Emergency", "Observation", "Telehealth"))
	t.col("department|dept_name|unit|dept|service_line|dept_nm", t.choice(evDepts...))
	pr := t.provRows()
	if g.chance(0.7) {
		t.col("attending_provider|attending_name|attg_md|provider_name|attending_physician|att_prov_nm", t.names(pr, g.pick([]string{"last, first md", "dr", "last, first"}))).phi("name")
	}
	if g.chance(0.5) {
		t.col("attending_npi|att_npi|prov_npi|npi_attending", t.gen(func(i int) string { return pr[i].npi })).phi("npi")
	}
	if g.chance(0.6) {
		t.col("drg|drg_code|ms_drg|drg_cd", t.choice("291", "292", "193", "194", "470", "871", "872", "683", "690", "392", "603"))
	}
	if g.chance(0.6) {
		t.col("chief_complaint|reason_for_visit|cc|chief_cmplt|visit_reason", t.choice(evComplaints...)).hn("short free text without identifiers")
	}
	t.col("discharge_disposition|disch_disp|disposition|dispo_cd", t.choice("Home", "Home health", "SNF", "Expired", "AMA", "Rehab", "Hospice"))
	if g.chance(0.5) {
		t.col("room_bed|room|bed|bed_label", t.gen(func(int) string {
			return fmt.Sprintf("%d%s-%02d%s", g.between(1, 9), g.pick([]string{"W", "E", "N", "S"}), g.between(1, 40), g.pick([]string{"A", "B", ""}))
		}))
	}
	if g.chance(0.5) {
		t.col("los_days|length_of_stay|los|los_d", t.ints(0, 21))
	}
}

func evNotes(g *evalGen) {
	t := g.table("emr", "clinical_notes|notes|progress_notes|hno_note_text|note_fact|doc_notes|provider_notes")
	ps := t.rowsOf(3)
	t.col("note_id|note_key|doc_id|hno_id|document_id", t.keys(100000, 900000)).hn("sequential row key, not an MRN")
	mrns := t.patientRef(ps)
	t.col("note_date|service_date|note_dttm|date_of_service|entry_time|dos", t.dates(t.careDates(), g.chance(0.6))).phi("date")
	t.col("note_type|doc_type|note_category|ip_note_type", t.choice("Progress Note", "H&P", "Discharge Summary", "Consult", "Telephone Encounter", "ED Provider Note", "Nursing Note"))
	t.col("author|signed_by|author_name|note_author|auth_prov|author_prov_nm", t.names(t.provRows(), g.pick([]string{"last, first md", "dr", "first last"}))).phi("name")
	rate := []float64{0.1, 0.2, 0.4, 0.6, 0.85}[g.intn(5)]
	c := t.col("note_text|note|body|narrative|progress_note|note_txt|note_blob|doc_text", t.notes(ps, mrns, rate)).phi("free_text")
	if rate <= 0.2 {
		c.hp(fmt.Sprintf("identifiers in only about %.0f%% of notes", rate*100))
	}
	if g.chance(0.4) {
		add := t.nulls(t.notes(ps, mrns, 0.5), 0.85)
		t.col("addendum|addendum_text|add_note|amend_txt", add).phi("free_text")
	}
	t.col("status|note_status|sign_status|doc_status", t.choice("Signed", "Signed", "Unsigned", "Addended", "In Progress"))
}

func evMeds(g *evalGen) {
	t := g.table("emr", "medications|med_orders|medication_list|order_med|pat_meds|rx_orders|med_admin")
	ps := t.rowsOf(4)
	t.col("med_order_id|order_id|order_med_id|med_id|rx_id", t.keys(1000000, 9000000)).hn("order key, not an MRN")
	t.patientRef(ps)
	if g.chance(0.6) {
		t.col("name", t.mess(t.choice(evDrugs...))).hn("drug names in a column called name")
	} else {
		t.col("medication_name|drug_name|med_name|medication|drug_nm|description", t.mess(t.choice(evDrugs...))).hn("drug names")
	}
	t.col("dose|dose_amt|strength|dosage|admin_dose", t.gen(func(int) string { return strconv.Itoa(g.pick2(1, 2, 5, 10, 20, 25, 40, 50, 81, 100, 250, 500, 1000)) }))
	t.col("dose_unit|unit|units|dose_uom", t.choice("mg", "mg", "mcg", "mL", "units", "g"))
	t.col("route|admin_route|rte|route_cd", t.choice("PO", "PO", "IV", "SC", "IM", "Inhalation", "Topical", "PR"))
	t.col("frequency|freq|sig_freq|frequency_cd", t.choice("Daily", "BID", "TID", "QID", "Q6H", "PRN", "QHS", "Weekly"))
	start := t.careDates()
	stop := make([]time.Time, t.n)
	for i, s := range start {
		if g.chance(0.6) {
			stop[i] = s.AddDate(0, 0, g.between(3, 400))
		}
	}
	t.col("start_date|start_dt|order_start|med_start_time|begin_date", t.dates(start, false)).phi("date")
	t.col("end_date|stop_date|end_dt|order_end|discontinue_dt", t.dates(stop, false)).phi("date")
	pr := t.provRows()
	if g.chance(0.5) {
		t.col("prescriber|ordering_provider|prescriber_name|ord_prov|auth_prov_nm", t.names(pr, g.pick([]string{"last, first md", "first last"}))).phi("name")
	} else {
		t.col("prescriber_npi|ordering_npi|presc_npi|npi", t.gen(func(i int) string { return pr[i].npi })).phi("npi")
	}
	t.col("ndc|ndc_code|ndc11|product_ndc", t.nulls(t.gen(func(int) string { return g.ndc() }), 0.1)).hn("NDC product code, not a person's identifier")
	t.col("refills|num_refills|refill_ct", t.ints(0, 11))
	t.col("status|order_status|med_status", t.choice("Active", "Completed", "Discontinued", "On Hold"))
}

func (g *evalGen) ndc() string {
	return fmt.Sprintf(g.pick([]string{"%05d-%04d-%02d", "%05d%04d%02d"}), g.between(1, 99999), g.between(1, 9999), g.between(1, 99))
}

func evAllergies(g *evalGen) {
	t := g.table("emr", "allergies|allergy|pat_allergies|allergy_list|adverse_reactions")
	ps := t.rowsOf(2)
	t.col("allergy_id|allergy_key|alg_id|id", t.keys(100000, 900000)).hn("sequential row key, not an MRN")
	t.patientRef(ps)
	if g.chance(0.5) {
		t.col("name", t.choice(evAllergens...)).hn("allergen names in a column called name")
	} else {
		t.col("allergen|allergen_name|substance|agent|allergen_desc", t.choice(evAllergens...)).hn("allergen names")
	}
	t.col("reaction|reaction_desc|rxn|manifestation", t.choice("Hives", "Rash", "Anaphylaxis", "Nausea", "Swelling", "Shortness of breath", "Itching", "Unknown"))
	t.col("severity|sev|severity_cd|criticality", t.choice("Mild", "Moderate", "Severe", "Unknown"))
	t.col("onset_date|noted_date|onset_dt|date_noted|first_noted", t.nulls(t.dates(t.careDates(), false), 0.3+0.5*g.r.Float64())).phi("date")
	t.col("entered_by|recorded_by|entry_user|created_by_id", t.gen(func(int) string { return fmt.Sprintf("U%06d", g.between(1000, 99999)) })).hn("opaque workforce account id")
}

type evLab struct {
	name, loinc, unit string
	lo, hi            float64
	dec               int
}

func evLabs(g *evalGen) {
	t := g.table("emr", "lab_results|labs|results|lab_result|order_results|lab_fact|chem_results")
	ps := t.rowsOf(4)
	t.col("result_id|lab_result_id|res_id|result_key", t.keys(1000000, 90000000)).hn("sequential row key, not an MRN")
	t.patientRef(ps)
	t.col("order_number|order_no|lab_order_id|ord_num|requisition_no", t.keys(10000000, 99000000)).hn("order number, not an MRN")
	// Half the tables hold tests whose results are five-digit counts, the
	// values that look like ZIP codes.
	zipLike := g.chance(0.5)
	tests := evLabTests
	if zipLike {
		tests = evCountTests
	}
	pick := make([]evLab, t.n)
	for i := range pick {
		pick[i] = tests[g.intn(len(tests))]
	}
	t.col("test_name|name|component|lab_name|result_name|component_name", t.gen(func(i int) string { return pick[i].name })).hn("lab test names")
	t.col("loinc|loinc_code|loinc_cd|loinc_num", t.gen(func(i int) string { return pick[i].loinc })).hn("LOINC codes look like identifiers")
	rv := t.col("result_value|value|result|val_num|ord_value|result_num", t.gen(func(i int) string {
		l := pick[i]
		return strconv.FormatFloat(l.lo+g.r.Float64()*(l.hi-l.lo), 'f', l.dec, 64)
	}))
	if zipLike {
		rv.hn("five-digit lab values look like ZIP codes")
	}
	t.col("units|unit|result_unit|uom", t.gen(func(i int) string { return pick[i].unit }))
	t.col("ref_range|reference_range|normal_range|ref_rng", t.gen(func(i int) string {
		l := pick[i]
		return strconv.FormatFloat(l.lo, 'f', l.dec, 64) + "-" + strconv.FormatFloat(l.hi*0.8, 'f', l.dec, 64)
	}))
	t.col("abnormal_flag|abn_flag|flag|result_flag", t.choice("", "", "N", "H", "L", "HH", "LL", "A"))
	coll := t.careDates()
	res := make([]time.Time, t.n)
	for i, c := range coll {
		res[i] = c.Add(time.Duration(g.between(30, 3000)) * time.Minute)
	}
	t.col("collected_at|collection_date|specimen_taken_time|coll_dttm|collect_dt", t.dates(coll, g.chance(0.6))).phi("date")
	if g.chance(0.6) {
		t.col("resulted_at|result_date|result_dttm|verified_time|rslt_dt", t.dates(res, true)).phi("date")
	}
	if g.chance(0.8) {
		t.col("performing_lab|lab_name|perf_lab|resulting_lab", t.choice(evFacilities[:8]...)).hn("laboratory (organization) names")
	}
}

func evProviders(g *evalGen) {
	t := g.table("emr", "providers|provider|clinicians|prov_master|physicians|ser_provider|staff_directory")
	ps := make([]*evalPerson, t.n)
	for i := range ps {
		ps[i] = g.person()
	}
	t.col("provider_id|prov_id|clinician_id|ser_id|prov_key", t.seq(g.between(1, 5000)))
	t.col("npi|npi_number|provider_npi|npi_num|natl_prov_id", t.gen(func(i int) string { return ps[i].npi })).phi("npi")
	if g.chance(0.7) {
		t.col("dea|dea_number|dea_num|dea_no|dea_reg", t.nulls(t.gen(func(i int) string { return ps[i].dea }), 0.1+0.7*g.r.Float64())).phi("dea")
	}
	t.addName(ps, "first_name|fname|prov_first|given_name|first_nm", "last_name|lname|prov_last|surname|last_nm", "provider_name|prov_name|name|clinician_name|display_name")
	t.col("credentials|degree|cred|suffix", t.choice("MD", "MD", "DO", "NP", "PA-C", "RN", "CRNA", "PharmD"))
	t.col("specialty|specialty_desc|spec|prov_specialty", t.choice(evSpecialties...))
	if g.chance(0.6) {
		t.col("taxonomy_code|taxonomy|nucc_code|tax_cd", t.choice("207Q00000X", "207R00000X", "208D00000X", "363L00000X", "207RC0000X", "208600000X", "2084N0400X", "367500000X")).hn("taxonomy codes look like identifiers")
	}
	if g.chance(0.6) {
		t.col("pager|mobile|cell_phone|pager_no|contact_phone", t.nulls(t.phones(ps, true), 0.2)).phi("phone")
	}
	if g.chance(0.6) {
		org := g.pick(evOrgs)
		t.col("email|work_email|prov_email|email_addr", t.gen(func(i int) string {
			return strings.ToLower(ps[i].first[:1]) + lettersOnly(ps[i].last) + "@" + org + ".org"
		})).phi("email")
	}
	t.col("active|is_active|active_flag|status", t.choice("Y", "Y", "Y", "N"))
	t.col("department|dept|home_dept|primary_dept", t.choice(evDepts...))
}

func evVitals(g *evalGen) {
	t := g.table("emr", "vitals|vital_signs|flowsheet_vitals|obs_vitals")
	ps := t.rowsOf(5)
	t.patientRef(ps)
	t.col("measured_at|taken_time|recorded_dttm|obs_time|vitals_dt", t.dates(t.careDates(), true)).phi("date")
	t.col("systolic|sbp|bp_sys|systolic_bp", t.ints(90, 190))
	t.col("diastolic|dbp|bp_dia|diastolic_bp", t.ints(50, 110))
	t.col("pulse|heart_rate|hr|pulse_rate", t.ints(45, 140))
	t.col("temp_f|temperature|temp|body_temp", t.num(96.5, 103, 1))
	t.col("weight_kg|weight|wt_kg|wt", t.num(2.5, 160, 1))
	t.col("height_cm|height|ht_cm|ht", t.num(45, 200, 0))
	t.col("spo2|o2_sat|pulse_ox|sao2", t.ints(86, 100))
}

func evContacts(g *evalGen) {
	t := g.table("emr", "emergency_contacts|pat_contacts|next_of_kin|contacts|pat_relationships")
	ps := t.rowsOf(1)
	rel := make([]*evalPerson, t.n)
	for i := range rel {
		rel[i] = g.person()
	}
	t.patientRef(ps)
	t.col("contact_name|nok_name|emerg_contact|contact_nm|relation_name", t.names(rel, g.nameForm())).phi("name")
	t.col("relationship|relation|rel_type|relationship_cd", t.choice("Spouse", "Daughter", "Son", "Mother", "Father", "Sibling", "Friend", "Guardian"))
	t.col("contact_phone|nok_phone|phone|emerg_phone|contact_ph", t.phones(rel, false)).phi("phone")
	t.col("alt_phone|contact_phone2|work_phone|alt_ph", t.nulls(t.phones(rel, true), 0.85)).phi("phone")
	t.col("contact_address|nok_address|address|contact_addr", t.nulls(t.gen(func(i int) string { return rel[i].street + ", " + rel[i].city }), 0.75)).phi("address")
	t.col("is_primary|primary_flag|prim_yn|priority", t.choice("Y", "N", "N"))
}

func evProblems(g *evalGen) {
	t := g.table("emr", "problem_list|problems|diagnoses|pat_problems|dx_list")
	ps := t.rowsOf(3)
	t.patientRef(ps)
	dx := make([][2]string, t.n)
	for i := range dx {
		dx[i] = evICD[g.intn(len(evICD))]
	}
	t.col("icd10_code|icd10|dx_code|diagnosis_code|icd_cd", t.gen(func(i int) string { return dx[i][0] }))
	t.col("description|problem_desc|dx_name|diagnosis|problem_name", t.gen(func(i int) string { return dx[i][1] })).hn("free text without identifiers")
	t.col("onset_date|noted_date|onset_dt|dx_date|date_of_onset", t.nulls(t.dates(t.careDates(), false), 0.5)).phi("date")
	t.col("status|problem_status|dx_status", t.choice("Active", "Resolved", "Chronic", "Inactive"))
	t.col("noted_by|provider_id|entered_by_prov|prov_id", t.ints(1, 900))
}

func evImmunizations(g *evalGen) {
	t := g.table("emr", "immunizations|vaccines|imm_admin|immunization_history")
	ps := t.rowsOf(3)
	t.patientRef(ps)
	t.col("vaccine_name|name|vaccine|imm_name", t.choice("Influenza, injectable", "COVID-19 mRNA", "Tdap", "Hepatitis B", "Pneumococcal conjugate PCV20", "Zoster recombinant", "MMR", "HPV 9-valent")).hn("vaccine names in a name column")
	t.col("cvx|cvx_code|cvx_cd", t.choice("141", "208", "115", "08", "216", "187", "03", "165"))
	t.col("lot_number|lot|lot_no|vaccine_lot", t.gen(func(int) string {
		return fmt.Sprintf("%s%d%s", g.pick([]string{"EW", "FK", "UT", "AC", "3C"}), g.between(1000, 9999), g.pick([]string{"", "A", "BA"}))
	})).hn("vaccine lot number, not a person's identifier")
	t.col("admin_date|administered_at|given_date|imm_date|vax_dt", t.dates(t.careDates(), false)).phi("date")
	t.col("site|admin_site|body_site", t.choice("Left deltoid", "Right deltoid", "Left thigh", "Right thigh"))
	t.col("manufacturer|mfr|mvx|manufacturer_name", t.choice("Pfizer", "Moderna", "Sanofi Pasteur", "GSK", "Merck", "Seqirus"))
}

// evLegacy is a flat legacy extract whose columns carry no names at all.
func evLegacy(g *evalGen) {
	t := g.table("emr", "legacy_extract|ext_tbl_0042|flatfile_import|mig_src_07|old_adt_dump|xfer_batch")
	t.allCryptic = true
	ps := t.rowsOf(1)
	mrns := t.mrns(ps)
	t.col("mrn", mrns).phi("mrn")
	t.col("last", t.names(ps, "last")).phi("last_name")
	t.col("first", t.names(ps, "first")).phi("first_name")
	t.col("dob", t.dateFmt(t.dobs(ps), g.pick([]string{"ymd", "ymd", "us", "iso"}))).phi("birth_date")
	t.col("sex", t.gen(func(i int) string { return map[bool]string{true: "F", false: "M"}[ps[i].female] }))
	if g.chance(0.7) {
		t.col("ssn", t.ssns(ps)).phi("ssn")
	}
	t.col("phone", t.gen(func(i int) string { return ps[i].phone })).phi("phone")
	z, lost := t.zips(ps)
	c := t.col("zip", z).phi("zip")
	if lost {
		c.hp("ZIP codes stored as integers lost their leading zero")
	}
	t.col("dx", t.gen(func(int) string { return evICD[g.intn(len(evICD))][0] }))
	t.col("admit", t.dateFmt(t.careDates(), g.pick([]string{"ymd", "us", "iso"}))).phi("date")
	t.col("amt", t.num(20, 40000, 2))
	t.col("stat", t.choice("A", "I", "P", "X"))
	if g.chance(0.6) {
		t.col("note", t.nulls(t.notes(ps, mrns, 0.4), 0.5)).phi("free_text")
	}
}

// ---- templates: claims ----

func evMembers(g *evalGen) {
	t := g.table("claims", "members|member|enrollees|mbr_demo|eligibility_members|subscriber|beneficiaries")
	ps := t.rowsOf(1)
	t.col("member_id|mbr_id|subscriber_id|member_no|insured_id|memb_nbr", t.gen(func(i int) string { return ps[i].member })).phi("mrn")
	if g.chance(0.7) {
		dash := g.chance(0.3)
		t.col("mbi|medicare_id|mbi_num|medicare_beneficiary_id|mbi_id", t.nulls(t.gen(func(i int) string {
			m := ps[i].mbi
			if dash {
				return m[:4] + "-" + m[4:7] + "-" + m[7:]
			}
			return m
		}), 0.1+0.5*g.r.Float64())).phi("mbi")
	}
	t.addName(ps, "first_name|mbr_first_nm|fname|given_nm|mem_fname", "last_name|mbr_last_nm|lname|surname|mem_lname", "member_name|mbr_name|subscriber_name|insured_name|name")
	t.col("dob|birth_date|mbr_dob|date_of_birth|birth_dt", t.dates(t.dobs(ps), false)).phi("birth_date")
	t.col("gender|sex|mbr_gender|gender_cd", t.gen(func(i int) string { return map[bool]string{true: "F", false: "M"}[ps[i].female] }))
	t.addAddress(ps, "address1|mbr_addr1|street_addr|addr_line1|mail_addr", "city|mbr_city|addr_city|city_nm", "state|mbr_state|st_cd|state", "zip|mbr_zip|zip_cd|postal_cd")
	if g.chance(0.6) {
		t.col("phone|mbr_phone|home_phone|phone_nbr", t.nulls(t.phones(ps, false), 0.15)).phi("phone")
	}
	t.col("plan_code|plan_id|benefit_plan|product_cd", t.choice("HMO-A", "PPO-G", "MA-PD", "EPO-1", "HDHP", "MCD-CHIP"))
	t.col("group_number|group_id|grp_nbr|employer_group", t.gen(func(int) string { return fmt.Sprintf("G%06d", g.between(1000, 40000)) })).hn("employer group number, not a person")
	start := make([]time.Time, t.n)
	end := make([]time.Time, t.n)
	for i := range start {
		start[i] = g.when(evCareFrom, evCareTo)
		start[i] = time.Date(start[i].Year(), start[i].Month(), 1, 0, 0, 0, 0, time.UTC)
		if g.chance(0.35) {
			end[i] = start[i].AddDate(g.between(0, 3), g.between(1, 11), -1)
		}
	}
	t.col("coverage_start|eff_date|effective_dt|cov_begin|enroll_start", t.dates(start, false)).phi("date")
	t.col("coverage_end|term_date|termination_dt|cov_end|enroll_end", t.dates(end, false)).phi("date")
	t.col("relationship_code|rel_cd|subscriber_rel|pat_rel", t.choice("18", "01", "19", "20", "G8"))
	if g.chance(0.5) {
		t.col("pcp_npi|pcp_id|assigned_pcp_npi|pcp_npi_num", t.gen(func(int) string { return g.provs[g.intn(30)].npi })).phi("npi")
	}
}

func evClaims(g *evalGen) {
	t := g.table("claims", "claims|claim_header|medical_claims|clm_hdr|institutional_claims|prof_claims")
	ps := t.rowsOf(3)
	t.col("claim_id|claim_number|clm_id|icn|claim_no", t.gen(func(int) string { return fmt.Sprintf("%d%09d", g.between(20, 26), g.intn(1000000000)) })).possible("claim number: an account-like key of one person's claim")
	t.col("member_id|mbr_id|subscriber_id|insured_id|memb_nbr", t.gen(func(i int) string { return ps[i].member })).phi("mrn")
	if g.chance(0.4) {
		t.col("patient_account_no|pat_acct_num|account_number|acct_no", t.gen(func(i int) string { return fmt.Sprintf("%d", 100000000+ps[i].mrn) })).phi("mrn")
	}
	if g.chance(0.6) {
		t.col("rendering_npi|rend_prov_npi|npi_rendering|servicing_npi", t.gen(func(int) string { return g.provs[g.intn(60)].npi })).phi("npi")
	}
	from := t.careDates()
	thru := make([]time.Time, t.n)
	for i, f := range from {
		thru[i] = f.AddDate(0, 0, g.between(0, 10))
	}
	ymd := g.chance(0.4)
	t.col("service_from|from_date|svc_from_dt|clm_from_dt|stmt_from", t.dateStyle(from, ymd)).phi("date")
	t.col("service_thru|thru_date|svc_to_dt|clm_thru_dt|stmt_thru", t.dateStyle(thru, ymd)).phi("date")
	if g.chance(0.7) {
		t.col("billing_tin|billing_prov_tin|tax_id|bill_tin|fed_tax_id", t.gen(func(int) string {
			return fmt.Sprintf(g.pick([]string{"%02d-%07d", "%02d%07d"}), g.between(10, 99), g.intn(10000000))
		})).hn("tax ID of the billing organization looks like an SSN")
	}
	t.col("bill_type|type_of_bill|tob|bill_type_cd", t.choice("0111", "0131", "0851", "0721", "0137"))
	t.col("place_of_service|pos|pos_cd|place_svc", t.choice("11", "21", "22", "23", "81", "02"))
	t.col("total_charge|billed_amt|tot_chg|charge_amt", t.num(40, 60000, 2))
	t.col("paid_amount|paid_amt|pay_amt|allowed_amt", t.num(0, 30000, 2))
	t.col("payer_name|payer|carrier_name|plan_name|ins_co", t.choice(evPayers...)).hn("payer (organization) names")
	t.col("claim_status|clm_stat|status|adj_status", t.choice("PAID", "DENIED", "PENDED", "ADJUSTED", "VOID"))
	t.col("principal_dx|admit_dx|dx1|prin_diag_cd", t.gen(func(int) string { return strings.ReplaceAll(evICD[g.intn(len(evICD))][0], ".", "") }))
}

func (t *evalTB) dateStyle(ds []time.Time, ymd bool) []string {
	if ymd {
		return t.dateFmt(ds, "ymd")
	}
	return t.dates(ds, false)
}

func evClaimLines(g *evalGen) {
	t := g.table("claims", "claim_lines|claim_detail|clm_line|service_lines|claim_line_items")
	t.col("claim_line_id|line_id|clm_ln_key|detail_id", t.keys(100000, 9000000)).hn("sequential row key, not an MRN")
	t.col("claim_id|claim_number|clm_id|icn", t.gen(func(int) string { return fmt.Sprintf("%d%09d", g.between(20, 26), g.intn(1000000000)) })).possible("claim number: an account-like key of one person's claim")
	t.col("line_number|line_no|ln_nbr|seq", t.ints(1, 12))
	t.col("cpt_code|procedure_code|hcpcs|proc_cd|cpt", t.choice(evCPT...))
	t.col("modifier|mod1|cpt_modifier|proc_mod", t.choice("", "", "25", "59", "26", "TC", "LT", "RT"))
	t.col("units|svc_units|unit_cnt|qty", t.ints(1, 4))
	t.col("line_charge|charge|ln_chg_amt|billed", t.num(10, 4000, 2))
	t.col("service_date|svc_date|dos|line_svc_dt|date_of_service", t.dates(t.careDates(), false)).phi("date")
	t.col("ndc|ndc_code|line_ndc|drug_ndc", t.nulls(t.gen(func(int) string { return g.ndc() }), 0.8)).hn("NDC product code, not a person's identifier")
	t.col("dx_pointer|diag_ptr|dx_ptr", t.choice("1", "12", "123", "2", "1234"))
}

func evClaimDx(g *evalGen) {
	t := g.table("claims", "claim_diagnoses|claim_dx|clm_diag|dx_detail")
	t.col("claim_id|claim_number|clm_id|icn", t.gen(func(int) string { return fmt.Sprintf("%d%09d", g.between(20, 26), g.intn(1000000000)) })).possible("claim number: an account-like key of one person's claim")
	dx := make([][2]string, t.n)
	for i := range dx {
		dx[i] = evICD[g.intn(len(evICD))]
	}
	t.col("dx_seq|diag_seq|seq_no|dx_position", t.ints(1, 12))
	t.col("dx_code|icd10_cd|diag_cd|diagnosis", t.gen(func(i int) string { return dx[i][0] }))
	t.col("poa|poa_ind|present_on_admit", t.choice("Y", "N", "U", "W", "1"))
	t.col("dx_description|diag_desc|dx_desc|diagnosis_text", t.gen(func(i int) string { return dx[i][1] })).hn("free text without identifiers")
}

func evPayments(g *evalGen) {
	t := g.table("claims", "payments|patient_payments|card_transactions|pmt_txn|billing_payments|self_pay")
	ps := t.rowsOf(2)
	t.col("payment_id|pmt_id|txn_id|transaction_id", t.keys(500000, 9000000)).hn("sequential row key, not an MRN")
	t.col("guarantor_account|account_no|patient_account|acct_num|hsp_account", t.gen(func(i int) string { return fmt.Sprintf("%d", 300000000+ps[i].mrn) })).phi("mrn")
	if g.chance(0.75) {
		f := g.pick([]string{"plain", "space", "dash", "plain"})
		t.col("card_number|cc_number|pan|card_no|credit_card", t.gen(func(int) string { return fmtCard(g.card(), f) })).phi("credit_card")
	} else {
		t.col("card_number|cc_number|card_no|masked_pan|card_last4", t.gen(func(int) string {
			c := g.card()
			return strings.Repeat("*", len(c)-4) + c[len(c)-4:]
		})).hn("masked card number shows only the last four digits")
	}
	t.col("cardholder_name|card_holder|name_on_card|payer_name|chname", t.names(ps, g.pick([]string{"first last", "first mi last"}))).phi("name")
	t.col("card_exp|exp_date|expiry|card_expiration|exp_mmyy", t.gen(func(int) string { return fmt.Sprintf("%02d/%02d", g.between(1, 12), g.between(26, 32)) })).hn("card expiry MM/YY looks like a date")
	t.col("amount|pmt_amt|payment_amount|txn_amt", t.num(5, 2500, 2))
	t.col("auth_code|approval_code|auth_cd|authcode", t.gen(func(int) string { return fmt.Sprintf("%06d", g.intn(1000000)) })).hn("six-digit authorization codes")
	bd := g.when(evCareFrom, evCareTo)
	t.col("batch_date|settlement_date|batch_dt|settle_dt", t.dates(t.constTimes(bd), false)).hn("settlement batch date shared by every row")
	if g.chance(0.5) {
		t.col("check_number|check_no|chk_num|reference_no", t.keys(100000, 990000)).hn("check numbers, not a person's identifier")
	}
	t.col("payment_method|pmt_method|tender_type|method", t.choice("VISA", "MC", "AMEX", "DISC", "HSA"))
}

func evRxClaims(g *evalGen) {
	t := g.table("claims", "pharmacy_claims|rx_claims|pde|drug_claims|rx_fills|ncpdp_claims")
	ps := t.rowsOf(4)
	t.col("rx_claim_id|claim_key|pde_id|rx_clm_id", t.keys(100000, 8000000)).hn("sequential row key, not an MRN")
	t.col("member_id|mbr_id|cardholder_id|subscriber_id|memb_id", t.gen(func(i int) string { return ps[i].member })).phi("mrn")
	ymd := g.chance(0.6)
	t.col("fill_date|date_of_service|dispense_dt|srvc_dt|fill_dt", t.dateStyle(t.careDates(), ymd)).phi("date")
	t.col("ndc|product_id|ndc11|prod_svc_id", t.gen(func(int) string { return g.ndc() })).hn("NDC product code, not a person's identifier")
	t.col("drug_name|label_name|product_name|name|drug_nm", t.choice(evDrugs...)).hn("drug names")
	t.col("quantity|qty_dispensed|quantity_dispensed|qty", t.ints(1, 180))
	t.col("days_supply|day_supply|days_sply|ds", t.choice("30", "90", "7", "14", "28", "84"))
	t.col("prescriber_npi|presc_id|prescriber_id|npi_prescriber", t.gen(func(int) string { return g.provs[g.intn(60)].npi })).phi("npi")
	t.col("pharmacy_ncpdp|pharmacy_id|service_provider_id|ncpdp_id", t.gen(func(int) string { return fmt.Sprintf("%07d", g.between(100000, 5999999)) })).hn("pharmacy (organization) identifier")
	t.col("ingredient_cost|ing_cost|ingred_cost_paid", t.num(1, 900, 2))
	t.col("copay|copay_amt|pat_pay_amt|member_cost", t.num(0, 75, 2))
}

// ---- templates: research extracts ----

func (g *evalGen) studyIDs(t *evalTB) []string {
	f := g.pick([]string{"S-%04d", "SUBJ%05d", "%03d-%04d", "R01-%04d", "PT-%03d-%03d"})
	return t.gen(func(i int) string {
		switch f {
		case "%03d-%04d":
			return fmt.Sprintf(f, g.between(101, 130), i+1)
		case "PT-%03d-%03d":
			return fmt.Sprintf(f, g.between(1, 20), i+1)
		}
		return fmt.Sprintf(f, i+1)
	})
}

func evCohort(g *evalGen) {
	t := g.table("research", "cohort_extract|study_cohort|research_extract|irb_extract|registry_export|analytic_file")
	ps := t.rowsOf(1)
	t.col("study_id|subject_id|participant_id|subj_id|record_id|study_subject", g.studyIDs(t)).possible("study subject code (a re-identification code)")
	t.col("site|site_id|enrolling_site|site_no", t.choice("01", "02", "03", "04", "07", "11"))
	t.col("arm|treatment_arm|group|randomization_arm", t.choice("A", "B", "Placebo", "Control", "Intervention"))
	if g.chance(0.5) {
		t.col("age|age_at_enrollment|age_yrs|enroll_age", t.gen(func(i int) string {
			a := ageOn(ps[i].dob, evalScanDate)
			if a > 89 {
				return "90+"
			}
			return strconv.Itoa(a)
		})).hn("ages over 89 are top-coded as 90+")
	} else {
		over := 0
		ages := t.gen(func(i int) string {
			a := ageOn(ps[i].dob, evalScanDate)
			if a > 89 {
				over++
			}
			return strconv.Itoa(a)
		})
		c := t.col("age|age_at_enrollment|age_yrs|enroll_age", ages)
		if over > 0 {
			c.phi("age_over_89").hp(fmt.Sprintf("only %d of %d ages are over 89", over, t.n))
		} else {
			c.hn("ages of 89 or less")
		}
	}
	t.col("sex|gender|sex_at_birth|sex_cd", t.gen(func(i int) string { return map[bool]string{true: "Female", false: "Male"}[ps[i].female] }))
	t.col("zip3|zip_3|zip_prefix|three_digit_zip", t.gen(func(i int) string { return ps[i].zip[:3] })).hn("three-digit ZIP prefix allowed by Safe Harbor")
	if g.chance(0.8) {
		t.col("birth_date|dob|date_of_birth|birth_yyyymmdd|brthdt", t.dateFmt(t.dobs(ps), "ymd")).phi("birth_date")
	}
	t.col("enroll_date|consent_date|enrollment_dt|rand_date|baseline_dt", t.dates(t.careDates(), false)).phi("date")
	t.col("bmi|bmi_baseline|body_mass_index", t.num(16, 48, 1))
	t.col("outcome|primary_outcome|event_flag|endpoint", t.choice("0", "1", "0", "0"))
	t.col("days_to_event|time_to_event|days_from_enroll|tte_days", t.ints(0, 1800)).hn("day offsets, not dates")
}

func evDeid(g *evalGen) {
	t := g.table("research", "deid_extract|limited_deid|safe_harbor_export|deidentified_cohort|analysis_deid")
	// Ages at the index year stop where no one is over 89 on the scan
	// date, so the years of birth stay Safe Harbor years.
	idx := make([]int, t.n)
	age := make([]int, t.n)
	for i := range idx {
		idx[i] = g.between(2015, 2025)
		age[i] = g.between(18, 89-(evalScanDate.Year()-idx[i]))
	}
	t.col("subject_id|research_id|deid_id|study_pid|rid", t.gen(func(int) string { return fmt.Sprintf("%08x", g.r.Uint32()) })).possible("study subject code (a re-identification code)")
	t.col("year_of_birth|birth_year|yob|brth_yr", t.gen(func(i int) string { return strconv.Itoa(idx[i] - age[i]) })).hn("year alone, with no one over 89")
	t.col("age_at_index|index_age|age_idx|age_group_yrs", t.gen(func(i int) string { return strconv.Itoa(age[i]) })).hn("ages of 89 or less")
	t.col("index_year|idx_yr|cohort_year", t.gen(func(i int) string { return strconv.Itoa(idx[i]) }))
	t.col("region|census_region|geo_region", t.choice("Northeast", "Midwest", "South", "West"))
	t.col("days_from_index|day_offset|rel_day|study_day", t.ints(-365, 1500)).hn("day offsets, not dates")
	t.col("hba1c|a1c|hgba1c", t.num(4.8, 12, 1))
	t.col("sbp|systolic|sys_bp", t.ints(95, 185))
	t.col("ldl|ldl_c|ldl_mgdl", t.ints(40, 220))
}

func evCounts(g *evalGen) {
	t := g.table("research", "aggregate_counts|cell_counts|summary_by_county|dx_counts|report_counts|cohort_summary")
	geo := evCounties
	t.col("county|region|area|geography|geo_unit", t.choice(geo...)).hn("geographic group of an aggregate table, not a person's address")
	t.col("age_band|age_group|age_cat|ageband", t.choice("0-17", "18-34", "35-49", "50-64", "65-74", "75-84", "85+"))
	t.col("sex|gender|sex_cd", t.choice("F", "M"))
	t.col("dx_group|condition|diagnosis_group|ccs_category", t.choice("Diabetes", "Asthma", "CHF", "COPD", "Depression", "CKD", "HIV", "Opioid use disorder"))
	t.col("year|report_year|yr|period", t.ints(2018, 2025))
	kind := g.intn(3)
	c := t.col("patient_count|n|cnt|num_patients|count", t.gen(func(int) string {
		switch kind {
		case 0:
			if g.chance(0.15) {
				return strconv.Itoa(g.between(1, 10))
			}
		case 2:
			if g.chance(0.15) {
				return "<11"
			}
		}
		return strconv.Itoa(g.between(11, 4000))
	}))
	switch kind {
	case 0:
		c.possible("counts below 11 (small cells)", "small_cell")
	case 1:
		c.hn("aggregate counts, none below 11")
	default:
		c.hn("small cells suppressed as <11")
	}
	t.col("pct|percent|rate_per_1000|prevalence", t.num(0, 100, 2))
}

func evProtocols(g *evalGen) {
	t := g.table("research", "protocols|study_registry|irb_protocols|trials|study_master")
	t.col("protocol_id|nct_number|nct_id|trial_id|study_id", t.gen(func(int) string { return fmt.Sprintf("NCT%08d", g.between(1000000, 6999999)) })).hn("study ID (registry number), not a subject")
	t.col("irb_number|irb_no|irb_id|irb_protocol", t.gen(func(int) string { return fmt.Sprintf("IRB-%d-%04d", g.between(2015, 2026), g.between(1, 2000)) })).hn("IRB protocol number, not a person")
	t.col("title|study_title|brief_title|protocol_title", t.gen(func(int) string {
		return fmt.Sprintf("A %s study of %s in adults with %s", g.pick([]string{"randomized", "phase II", "pragmatic", "observational", "open-label"}), strings.ToLower(g.pick(evDrugs)), strings.ToLower(evICD[g.intn(len(evICD))][1]))
	})).hn("free text without identifiers")
	pi := make([]*evalPerson, t.n)
	for i := range pi {
		pi[i] = g.provs[g.intn(len(g.provs))]
	}
	t.col("pi_name|principal_investigator|pi|investigator", t.names(pi, g.pick([]string{"last, first md", "first last"}))).phi("name")
	t.col("start_date|study_start|activation_date|open_date", t.dates(t.careDates(), false)).hn("study start date, not about a person")
	t.col("target_enrollment|target_n|planned_enroll", t.ints(20, 3000))
	t.col("status|study_status|recruitment_status", t.choice("Recruiting", "Active, not recruiting", "Completed", "Terminated", "Suspended"))
}

func evSurvey(g *evalGen) {
	t := g.table("research", "survey_responses|patient_survey|hcahps_responses|satisfaction|prom_responses")
	ps := t.rowsOf(1)
	t.col("respondent_id|response_id|resp_id|survey_pid", g.studyIDs(t)).possible("study subject code (a re-identification code)")
	t.col("submitted_at|response_date|completed_dt|survey_date", t.dates(t.careDates(), g.chance(0.5))).phi("date")
	for q := 1; q <= g.between(3, 5); q++ {
		t.col(fmt.Sprintf("q%d|item_%d|question_%d|q%d_score", q, q, q, q), t.choice("1", "2", "3", "4", "5", ""))
	}
	t.col("age_band|age_group|age_cat", t.choice("18-34", "35-49", "50-64", "65-79", "80+"))
	withPHI := g.chance(0.6)
	c := t.col("comments|free_text|comment|additional_comments|verbatim", t.nulls(t.gen(func(i int) string {
		s := g.pick(evSurveyComments)
		if withPHI && g.chance(0.15) {
			switch g.intn(3) {
			case 0:
				s += fmt.Sprintf(" Dr. %s was wonderful.", g.provs[g.intn(len(g.provs))].last)
			case 1:
				s += " Please call me at " + fmtPhone(ps[i].phone, "dash", g) + "."
			default:
				s = fmt.Sprintf("This is %s %s. ", ps[i].first, ps[i].last) + s
			}
		}
		return s
	}), 0.4))
	if withPHI {
		c.phi("free_text").hp("identifiers in only a few comments")
	} else {
		c.hn("free text without identifiers")
	}
}

// ---- templates: audit logs ----

func (g *evalGen) uuid() string {
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", g.r.Uint32(), g.r.Uint32()&0xffff, g.r.Uint32()&0xfff, 0x8000|g.r.Uint32()&0x3fff, g.r.Uint64()&0xffffffffffff)
}

func (g *evalGen) publicIP() string {
	if g.chance(0.08) {
		return fmt.Sprintf("2600:%x:%x:%x::%x", g.intn(0xffff), g.intn(0xffff), g.intn(0xffff), g.intn(0xffff))
	}
	for {
		a := g.between(11, 223)
		if a == 127 || a == 172 || a == 192 || a == 169 || a == 100 {
			continue
		}
		return fmt.Sprintf("%d.%d.%d.%d", a, g.intn(256), g.intn(256), g.between(1, 254))
	}
}

func (g *evalGen) internalIP() string {
	switch g.intn(3) {
	case 0:
		return fmt.Sprintf("10.%d.%d.%d", g.intn(256), g.intn(256), g.between(1, 254))
	case 1:
		return fmt.Sprintf("192.168.%d.%d", g.intn(256), g.between(1, 254))
	}
	return fmt.Sprintf("172.%d.%d.%d", g.between(16, 31), g.intn(256), g.between(1, 254))
}

func (t *evalTB) eventTimes() []time.Time {
	from := t.g.when(evCareFrom, evCareTo)
	out := make([]time.Time, t.n)
	cur := from
	for i := range out {
		cur = cur.Add(time.Duration(t.g.between(1, 900)) * time.Second)
		out[i] = cur
	}
	return out
}

func evPortal(g *evalGen) {
	t := g.table("audit", "portal_access_log|mychart_access|patient_portal_audit|portal_events|web_access_log")
	ps := t.rowsOf(4)
	mrns := t.mrns(ps)
	org := g.pick(evOrgs)
	t.col("event_id|evt_id|request_id|log_id|trace_id", t.gen(func(int) string { return g.uuid() })).hn("event UUID, not a person's identifier")
	t.col("event_ts|timestamp|event_time|logged_at|request_time", t.dates(t.eventTimes(), true)).hn("timestamp of a system event")
	t.col("portal_user|login|username|user_email|account_login", t.gen(func(i int) string { return ps[i].email })).phi("email")
	t.col("client_ip|ip_address|remote_addr|src_ip|ip", t.gen(func(int) string { return g.publicIP() })).phi("ip")
	paths := []string{"/MyChart/Patient/%s/TestResults", "/portal/patients/%s/messages", "/api/fhir/Patient/%s/Observation", "/portal/records/%s/visits", "/mychart/billing?acct=%s"}
	t.col("request_url|url|uri|page|request_path|resource", t.gen(func(i int) string {
		if g.chance(0.2) {
			return "https://portal." + org + ".org/login"
		}
		return "https://portal." + org + ".org" + fmt.Sprintf(g.pick(paths), mrns[i])
	})).phi("url")
	t.col("http_status|status|status_code|resp_code", t.choice("200", "200", "200", "302", "304", "401", "404", "500"))
	t.col("user_agent|ua|browser|client", t.choice(evUserAgents...))
	if g.chance(0.6) {
		t.col("session_id|sess_id|session|sid", t.gen(func(int) string { return fmt.Sprintf("%016x", g.r.Uint64()) })).hn("session token, not a person's identifier")
	}
	t.col("bytes_sent|bytes|resp_bytes|size", t.ints(200, 900000))
}

func evEHRAccess(g *evalGen) {
	t := g.table("audit", "ehr_access_audit|access_log|chart_access|audit_trail|record_access_events")
	ps := t.rowsOf(3)
	t.col("audit_id|access_id|audit_key|event_no", t.keys(100000, 900000)).hn("sequential row key, not an MRN")
	t.col("access_time|accessed_at|event_dttm|audit_ts|access_ts", t.dates(t.eventTimes(), true)).hn("timestamp of a system event")
	t.col("user_id|staff_id|emp_id|accessing_user|user_key", t.gen(func(int) string { return fmt.Sprintf("U%06d", g.between(1000, 60000)) })).hn("opaque workforce account id")
	t.col("patient_mrn|mrn|accessed_mrn|pat_mrn|subject_mrn", t.mrns(ps)).phi("mrn")
	t.col("action|event_type|access_type|activity", t.choice("VIEW", "VIEW", "PRINT", "EDIT", "EXPORT", "SIGN"))
	t.col("workstation|ws_id|device|terminal|host", t.gen(func(int) string {
		return fmt.Sprintf("%s-%s-%03d", g.pick([]string{"WS", "PC", "KIOSK", "LT"}), g.pick([]string{"ICU", "ED", "4W", "ONC", "REG", "PHARM"}), g.between(1, 250))
	})).hn("workstation names")
	t.col("access_reason|reason|btg_reason|purpose", t.choice("Treatment", "Treatment", "Billing", "Quality review", "Break the glass", "Coding"))
}

func evSyslog(g *evalGen) {
	t := g.table("audit", "app_server_log|syslog|service_log|api_gateway_log|system_events")
	t.col("ts|timestamp|log_time|event_ts|time", t.dates(t.eventTimes(), true)).hn("timestamp of a system event")
	t.col("host|hostname|node|server|instance", t.gen(func(int) string {
		return fmt.Sprintf("%s-%s-%02d", g.pick([]string{"app", "api", "etl", "db", "web"}), g.pick([]string{"prod", "stg", "dr"}), g.between(1, 12))
	}))
	t.col("level|severity|log_level|lvl", t.choice("INFO", "INFO", "INFO", "WARN", "ERROR", "DEBUG"))
	t.col("src_ip|client_ip|remote_addr|peer_ip|ip", t.gen(func(int) string { return g.internalIP() })).hn("internal server addresses, not a person's")
	t.col("path|endpoint|url|route|request_uri", t.choice("/api/v2/orders/batch", "/healthz", "/metrics", "/api/v1/formulary/search?q=statin", "/api/v2/scheduling/slots", "/internal/cache/flush", "/api/v1/codes/icd10", "/login", "/api/v2/hl7/ack")).hn("service endpoint paths without patient identifiers")
	t.col("latency_ms|duration_ms|elapsed|resp_ms", t.ints(1, 4000))
	t.col("status|http_status|code|rc", t.choice("200", "200", "204", "400", "500", "503"))
	t.col("message|msg|log_message|detail", t.choice(evLogMessages...)).hn("free text without identifiers")
}

func evETL(g *evalGen) {
	t := g.table("audit", "etl_job_log|job_runs|load_audit|batch_history")
	t.col("job_id|run_id|job_run_key|batch_id", t.keys(1, 50000))
	t.col("job_name|job|process_name|task", t.choice("load_patients", "load_encounters", "nightly_claims", "refresh_labs", "sync_providers", "export_registry"))
	t.col("table_name|target_table|tbl_name|dest_table", t.choice(evTableNames...)).hn("table names in a column called table_name")
	t.col("rows_loaded|row_count|rows|records_written", t.ints(0, 2000000))
	start := t.eventTimes()
	fin := make([]time.Time, t.n)
	for i, s := range start {
		fin[i] = s.Add(time.Duration(g.between(5, 7200)) * time.Second)
	}
	t.col("started_at|start_time|run_start|begin_ts", t.dates(start, true)).hn("timestamp of a system event")
	t.col("finished_at|end_time|run_end|end_ts", t.dates(fin, true)).hn("timestamp of a system event")
	t.col("status|run_status|result|outcome", t.choice("SUCCESS", "SUCCESS", "SUCCESS", "FAILED", "PARTIAL"))
	t.col("error_message|error|err_msg|failure_reason", t.nulls(t.choice("timeout contacting source", "duplicate key in staging", "schema drift: new column", "disk quota exceeded"), 0.85))
}

// ---- templates: reference tables ----

func evDrugCatalog(g *evalGen) {
	t := g.table("reference", "drug_catalog|formulary|drug_master|ndc_directory|med_catalog|product_list")
	t.col("ndc|ndc_code|product_ndc|ndc11", t.gen(func(int) string { return g.ndc() })).hn("NDC product code, not a person's identifier")
	t.col("name", t.gen(func(i int) string { return evDrugs[i%len(evDrugs)] })).hn("drug names in a column called name")
	t.col("generic_name|generic|nonproprietary_name|gen_nm", t.choice(evDrugs...)).hn("drug names")
	t.col("strength|strength_desc|str|dose_strength", t.choice("5 mg", "10 mg", "20 mg", "500 mg", "100 mcg", "40 mg/0.4 mL", "90 mcg/actuation"))
	t.col("dosage_form|form|dose_form|form_cd", t.choice("Tablet", "Capsule", "Injection", "Inhaler", "Solution", "Patch"))
	t.col("route|route_desc|admin_route", t.choice("Oral", "Intravenous", "Subcutaneous", "Inhalation", "Topical"))
	t.col("manufacturer|labeler|mfr_name|company", t.choice("Teva", "Mylan", "Sandoz", "Pfizer", "Apotex", "Aurobindo", "Lupin", "Zydus")).hn("company names")
	t.col("approval_date|marketing_start|approved_on|fda_approval_dt", t.dates(t.refDates(), false)).hn("date on a reference row, not about a person")
	t.col("last_updated|updated_at|modified_dt|last_mod", t.dates(t.eventTimes(), true)).hn("timestamp of a system event")
	t.col("unit_price|awp|price|wac", t.num(0.01, 900, 4))
}

func (t *evalTB) refDates() []time.Time {
	out := make([]time.Time, t.n)
	for i := range out {
		out[i] = t.g.when(time.Date(1985, 1, 1, 0, 0, 0, 0, time.UTC), evCareTo).Truncate(24 * time.Hour)
	}
	return out
}

func evICDCodes(g *evalGen) {
	t := g.table("reference", "icd10_codes|diagnosis_codes|icd_lookup|dx_reference")
	t.col("code|icd10_code|dx_code|icd_cd", t.gen(func(i int) string { return evICD[i%len(evICD)][0] }))
	t.col("short_desc|short_description|desc_short|abbrev_desc", t.gen(func(i int) string {
		d := evICD[i%len(evICD)][1]
		if len(d) > 28 {
			d = d[:28]
		}
		return strings.ToUpper(d)
	})).hn("free text without identifiers")
	t.col("long_desc|description|long_description|full_desc", t.gen(func(i int) string { return evICD[i%len(evICD)][1] })).hn("free text without identifiers")
	from := make([]time.Time, t.n)
	to := make([]time.Time, t.n)
	for i := range from {
		from[i] = time.Date(2015+g.intn(10), 10, 1, 0, 0, 0, 0, time.UTC)
		if g.chance(0.2) {
			to[i] = from[i].AddDate(g.between(1, 5), 0, -1)
		}
	}
	t.col("valid_from|effective_date|eff_dt|start_dt", t.dates(from, false)).hn("date on a reference row, not about a person")
	t.col("valid_to|end_date|term_dt|expiry_dt", t.dates(to, false)).hn("date on a reference row, not about a person")
	t.col("chapter|category|chapter_desc|grp", t.choice("Endocrine", "Circulatory", "Respiratory", "Mental", "Musculoskeletal", "Injury"))
}

func evFacilityList(g *evalGen) {
	t := g.table("reference", "facilities|facility_list|locations|sites|clinic_directory|facility_master")
	fs := make([]*evalPerson, t.n)
	for i := range fs {
		fs[i] = g.person()
	}
	t.col("facility_id|location_id|site_id|fac_id|loc_key", t.seq(g.between(1, 900)))
	t.col("name|facility_name|location_name|site_name|fac_nm", t.gen(func(i int) string {
		return fmt.Sprintf("%s %s", g.pick(evFacilities), g.pick([]string{"", "North", "Campus", "Clinic", "Urgent Care", "Imaging"}))
	})).hn("facility names")
	t.col("address|address_line1|street_address|addr1|fac_addr", t.gen(func(i int) string {
		return fs[i].street + g.pick([]string{"", "", " Suite 100", " Ste 210", " Bldg B"})
	})).hn("facility address (organization, not a person)")
	t.col("city|fac_city|location_city|city_nm", t.gen(func(i int) string { return fs[i].city })).hn("facility address (organization, not a person)")
	t.col("state|fac_state|st|state_cd", t.gen(func(i int) string { return fs[i].state }))
	t.col("zip|zip_code|postal_code|fac_zip", t.gen(func(i int) string { return fs[i].zip })).hn("facility ZIP code (organization, not a person)")
	t.col("phone|main_phone|fac_phone|phone_number", t.phones(fs, false)).hn("facility phone number (organization, not a person)")
	if g.chance(0.6) {
		t.col("fax|fax_number|fac_fax|fax_no", t.phones(fs, true)).hn("facility fax number (organization, not a person)")
	}
	t.col("bed_count|beds|licensed_beds|num_beds", t.ints(0, 900))
	t.col("opened_date|open_date|established|date_opened", t.dates(t.refDates(), false)).hn("date on a reference row, not about a person")
	t.col("facility_type|type|loc_type|fac_type", t.choice("Hospital", "Clinic", "Urgent Care", "Lab", "Imaging Center", "SNF"))
}

func evLabCatalog(g *evalGen) {
	t := g.table("reference", "lab_test_catalog|lab_tests|test_master|order_catalog|lab_compendium")
	all := append(evLabTests[:len(evLabTests):len(evLabTests)], evCountTests...)
	t.col("test_code|order_code|proc_code|test_id", t.gen(func(i int) string { return fmt.Sprintf("LAB%04d", i+1) }))
	t.col("loinc|loinc_code|loinc_num", t.gen(func(i int) string { return all[i%len(all)].loinc })).hn("LOINC codes look like identifiers")
	t.col("name|test_name|display_name|description", t.gen(func(i int) string { return all[i%len(all)].name })).hn("lab test names in a name column")
	t.col("units|unit|uom", t.gen(func(i int) string { return all[i%len(all)].unit }))
	t.col("ref_low|low|normal_low", t.gen(func(i int) string { return strconv.FormatFloat(all[i%len(all)].lo, 'f', -1, 64) }))
	t.col("ref_high|high|normal_high", t.gen(func(i int) string { return strconv.FormatFloat(all[i%len(all)].hi*0.8, 'f', -1, 64) }))
	t.col("specimen|specimen_type|container|spec_type", t.choice("Serum", "Plasma", "Whole blood", "Urine", "CSF"))
	t.col("comment|instructions|collection_notes|notes", t.choice(evLabComments...)).hn("free text without identifiers")
}

func evZipRef(g *evalGen) {
	t := g.table("reference", "zip_reference|zip_codes|geo_zip|zcta_lookup")
	t.col("zip|zip_code|zcta|postal_code", t.gen(func(i int) string {
		c := evCities[i%len(evCities)]
		return c[2] + fmt.Sprintf("%02d", (i*7)%100)
	})).hn("reference list of ZIP codes, not tied to a person")
	t.col("city|place_name|city_name|po_name", t.gen(func(i int) string { return evCities[i%len(evCities)][0] })).hn("reference list of cities, not tied to a person")
	t.col("county|county_name|cnty", t.gen(func(i int) string { return evCities[i%len(evCities)][3] })).hn("reference list of counties, not tied to a person")
	t.col("state|state_abbr|st", t.gen(func(i int) string { return evCities[i%len(evCities)][1] }))
	t.col("population|pop|pop_2020|total_pop", t.ints(300, 120000)).hn("five-digit populations look like ZIP codes")
	t.col("latitude|lat|intpt_lat", t.num(25, 48, 5))
	t.col("longitude|lon|lng|intpt_lon", t.num(-124, -68, 5))
}

func evPayerList(g *evalGen) {
	t := g.table("reference", "payers|payer_list|insurance_carriers|plan_directory")
	fs := make([]*evalPerson, t.n)
	for i := range fs {
		fs[i] = g.person()
	}
	t.col("payer_id|carrier_id|payer_cd|plan_id", t.gen(func(i int) string { return fmt.Sprintf("%05d", g.between(10000, 99999)) })).hn("five-digit payer IDs look like ZIP codes")
	t.col("name|payer_name|carrier_name|plan_name", t.gen(func(i int) string {
		return evPayers[i%len(evPayers)] + g.pick([]string{"", " Medicare Advantage", " Commercial", " Medicaid"})
	})).hn("payer (organization) names")
	t.col("claims_phone|phone|customer_service|provider_line", t.phones(fs, false)).hn("payer phone number (organization, not a person)")
	t.col("claims_address|address|mailing_address|po_box", t.gen(func(i int) string {
		return fmt.Sprintf("PO Box %d, %s, %s %s", g.between(100, 99999), fs[i].city, fs[i].state, fs[i].zip)
	})).hn("payer address (organization, not a person)")
	t.col("plan_type|type|product_line|lob", t.choice("Commercial", "Medicare", "Medicaid", "Tricare", "Self-pay"))
}

func evCodeLookup(g *evalGen) {
	t := g.table("reference", "code_lookup|ref_codes|lookup_values|code_sets|zc_lookup")
	t.col("code_set|domain|category|lookup_type", t.choice("GENDER", "MARITAL", "RACE", "ENC_TYPE", "DISPO", "LANG", "ROUTE"))
	t.col("code|code_value|value|cd", t.gen(func(int) string { return strconv.Itoa(g.between(1, 999)) }))
	t.col("display_name|name|label|display", t.choice("Female", "Male", "Married", "Inpatient", "Home", "Spanish", "Oral", "Unknown", "Declined", "Other")).hn("display names in a name column")
	t.col("description|desc|long_desc|definition", t.choice("Value used on registration screens", "Retired; use 99", "Mapped to HL7 table 0001", "Site-specific extension")).hn("free text without identifiers")
	t.col("sort_order|seq|display_seq|ordinal", t.ints(1, 50))
	from := t.refDates()
	to := make([]time.Time, t.n)
	for i := range to {
		if g.chance(0.25) {
			to[i] = from[i].AddDate(g.between(1, 6), 0, 0)
		}
	}
	t.col("effective_date|eff_dt|valid_from|start_date", t.dates(from, false)).hn("date on a reference row, not about a person")
	t.col("end_date|term_dt|valid_to|expires", t.dates(to, false)).hn("date on a reference row, not about a person")
}

func evDataDict(g *evalGen) {
	t := g.table("reference", "data_dictionary|column_catalog|meta_columns|schema_inventory|dd_columns")
	t.col("table_name|tbl_name|table|entity", t.choice(evTableNames...)).hn("table names in a column called table_name")
	t.col("column_name|col_name|column|attribute", t.choice(evColumnNames...)).hn("column names such as last_name and ssn, not values")
	t.col("data_type|datatype|type|sql_type", t.choice("varchar(50)", "varchar(255)", "int", "bigint", "date", "timestamp", "numeric(10,2)", "char(1)", "text"))
	t.col("is_nullable|nullable|null_ok|allow_null", t.choice("YES", "NO"))
	t.col("description|col_desc|definition|comment", t.choice("Patient's legal last name", "Date of birth as recorded at registration", "Medical record number", "Internal surrogate key", "Load timestamp", "Free-text clinical note", "Billing amount in USD")).hn("free text describing columns, without identifiers")
	t.col("contains_phi|phi_flag|is_phi|sensitive", t.choice("Y", "N"))
	t.col("last_reviewed|reviewed_on|review_dt|updated", t.dates(t.refDates(), false)).hn("date on a reference row, not about a person")
}

func evDepartments(g *evalGen) {
	t := g.table("reference", "departments|dept_list|clarity_dep|cost_centers|units")
	t.col("dept_id|department_id|dep_id|unit_id", t.seq(g.between(100, 9000)))
	t.col("name|dept_name|department_name|unit_name", t.gen(func(i int) string { return evDepts[i%len(evDepts)] })).hn("department names in a name column")
	t.col("building|bldg|location|site", t.choice("Main", "Tower A", "Tower B", "Pavilion", "Annex"))
	t.col("floor|flr|level", t.ints(1, 12))
	t.col("phone_ext|extension|ext|dept_ext", t.ints(2000, 7999)).hn("four-digit internal extensions")
	t.col("cost_center|cc_code|gl_dept|cost_ctr", t.gen(func(int) string { return fmt.Sprintf("%d-%04d", g.between(10, 99), g.between(1, 9999)) }))
}

// ---- word lists, written for this corpus ----

var evFemale = []string{"Abigail", "Adriana", "Aisha", "Alejandra", "Alice", "Amara", "Amelia", "Ana", "Andrea", "Angela", "Anita", "Aurora", "Beatriz", "Bethany", "Brianna", "Camila", "Carmen", "Caroline", "Catalina", "Chloe", "Claudia", "Daniela", "Deborah", "Delia", "Diana", "Dolores", "Eleanor", "Elena", "Eliza", "Esperanza", "Esther", "Fatima", "Fiona", "Gabriela", "Gloria", "Grace", "Hannah", "Harriet", "Ingrid", "Irene", "Isabel", "Jasmine", "Jocelyn", "Josefina", "Joy", "Keisha", "Kimberly", "Latoya", "Leah", "Lena", "Lucia", "Lorraine", "Madeline", "Marisol", "Marjorie", "Maya", "Mei", "Mildred", "Nadia", "Naomi", "Nia", "Norma", "Olivia", "Paloma", "Patricia", "Priya", "Rachel", "Regina", "Rosalind", "Ruth", "Sakura", "Shanice", "Sofia", "Tamara", "Theresa", "Valentina", "Vanessa", "Wanda", "Ximena", "Yolanda", "Yuki", "Zainab", "Zoe", "Hope", "April", "Summer", "Dawn", "Ivy", "Ebony"}

var evFirst = append(append([]string{}, evFemale...), evMale...)

var evMale = []string{"Aaron", "Abdul", "Adrian", "Ahmed", "Alberto", "Amir", "Andre", "Arturo", "Barry", "Benjamin", "Bernard", "Caleb", "Carlos", "Cedric", "Clarence", "Cornelius", "Darnell", "Deshawn", "Diego", "Dmitri", "Duc", "Edgar", "Elijah", "Emmanuel", "Esteban", "Ezra", "Felipe", "Floyd", "Gerald", "Gustavo", "Hamza", "Harold", "Hector", "Hiroshi", "Ibrahim", "Ignacio", "Isaac", "Jamal", "Javier", "Jerome", "Joaquin", "Kareem", "Kenji", "Lamar", "Leonard", "Lorenzo", "Malik", "Marcus", "Mateo", "Mohammed", "Nathaniel", "Nikolai", "Omar", "Oscar", "Pedro", "Quentin", "Rafael", "Raj", "Ramon", "Reginald", "Roberto", "Rodney", "Santiago", "Sergei", "Sanjay", "Terrence", "Thaddeus", "Tobias", "Tyrone", "Vikram", "Vincent", "Wei", "Wendell", "Xavier", "Yusuf", "Zachary", "Bill", "Frank", "Guy", "Chase", "Hunter"}

var evLast = []string{"Abernathy", "Acosta", "Adeyemi", "Alvarado", "Anand", "Archuleta", "Baptiste", "Barrientos", "Becker", "Bergstrom", "Bhatt", "Blackwell", "Bonilla", "Brennan", "Bui", "Caldwell", "Castellanos", "Chaudhry", "Chavez", "Cho", "Clements", "Contreras", "Dang", "Delacroix", "Delgado", "Dimitrov", "Donovan", "Dubois", "Eastman", "Echeverria", "Edwards", "Estrada", "Fairbanks", "Falcone", "Ferreira", "Fitzgerald", "Fontaine", "Gallagher", "Galvan", "Goldberg", "Gonzales", "Grabowski", "Greenfield", "Gutierrez", "Haddad", "Halvorsen", "Hargrove", "Hashimoto", "Hawthorne", "Hendricks", "Herrera", "Holloway", "Huang", "Ibarra", "Iverson", "Jablonski", "Jefferson", "Jimenez", "Kaminski", "Kapoor", "Kawasaki", "Kelleher", "Kowalczyk", "Kuznetsov", "Lachance", "Landry", "Lindqvist", "Lombardi", "Lozano", "Maldonado", "Mancini", "Markowitz", "McAllister", "Mendoza", "Molina", "Montgomery", "Moreau", "Nakamura", "Navarro", "Nguyen", "Novak", "Nwosu", "Okafor", "Olander", "Ortega", "Osei", "Pacheco", "Palmer", "Pappas", "Petrov", "Pham", "Quintero", "Rahman", "Ramirez", "Rasmussen", "Reyes", "Richter", "Rosales", "Saldana", "Salazar", "Schaefer", "Serrano", "Shapiro", "Singh", "Sokolov", "Stavros", "Sullivan", "Takahashi", "Tanaka", "Thibodeaux", "Tran", "Trujillo", "Underwood", "Valdez", "Vargas", "Vasquez", "Velazquez", "Wainwright", "Washington", "Weinstein", "Whitaker", "Wojcik", "Xiong", "Yamamoto", "Yilmaz", "Zamora", "Zielinski", "Brown", "Young", "King", "Rose", "Hill", "Wood", "Price", "Bell", "Cook", "Gray", "Long", "Fox", "Hunt", "Lane", "O'Connor", "De La Cruz", "St. Pierre", "MacDonald"}

var evStreets = []string{"Maple", "Oak", "Cedar", "Elm", "Pine", "Walnut", "Chestnut", "Willow", "Magnolia", "Sycamore", "Hickory", "Birch", "Lincoln", "Washington", "Jefferson", "Madison", "Franklin", "Jackson", "Park", "Lake", "Hill", "River", "Sunset", "Highland", "Meadow", "Ridge", "Forest", "Spring", "Church", "Mill", "Center", "Union", "Prospect", "Orchard", "Harbor", "Valley", "Cherry", "Dogwood", "Laurel", "Poplar", "Juniper", "Aspen", "Fairview", "Greenwood", "Lakeview", "Riverside", "Hillcrest", "Woodland", "Brookside", "Kingsley", "Wexford", "Ashford", "Bayview", "Canyon", "Crescent", "Dover", "Eastwood", "Glenwood", "Martin Luther King Jr", "Old Mill", "County Road 12", "2nd", "5th", "14th", "W 38th"}

var evSuffixes = []string{"St", "Ave", "Rd", "Dr", "Ln", "Blvd", "Ct", "Way", "Pl", "Ter", "Cir", "Street", "Avenue", "Road", "Drive", "Pkwy", "Hwy"}

// evCities holds city, state, ZIP prefix and county.
var evCities = [][4]string{
	{"Springfield", "IL", "627", "Sangamon"}, {"Dayton", "OH", "454", "Montgomery"}, {"Tacoma", "WA", "984", "Pierce"}, {"Fresno", "CA", "937", "Fresno"},
	{"Albany", "NY", "122", "Albany"}, {"Worcester", "MA", "016", "Worcester"}, {"Bridgeport", "CT", "066", "Fairfield"}, {"Camden", "NJ", "081", "Camden"},
	{"Scranton", "PA", "185", "Lackawanna"}, {"Richmond", "VA", "232", "Henrico"}, {"Durham", "NC", "277", "Durham"}, {"Savannah", "GA", "314", "Chatham"},
	{"Tampa", "FL", "336", "Hillsborough"}, {"Mobile", "AL", "366", "Mobile"}, {"Knoxville", "TN", "379", "Knox"}, {"Lexington", "KY", "405", "Fayette"},
	{"Flint", "MI", "485", "Genesee"}, {"Madison", "WI", "537", "Dane"}, {"Duluth", "MN", "558", "St. Louis"}, {"Sioux Falls", "SD", "571", "Minnehaha"},
	{"Omaha", "NE", "681", "Douglas"}, {"Wichita", "KS", "672", "Sedgwick"}, {"Tulsa", "OK", "741", "Tulsa"}, {"Shreveport", "LA", "711", "Caddo"},
	{"Lubbock", "TX", "794", "Lubbock"}, {"El Paso", "TX", "799", "El Paso"}, {"Albuquerque", "NM", "871", "Bernalillo"}, {"Tucson", "AZ", "857", "Pima"},
	{"Boise", "ID", "837", "Ada"}, {"Reno", "NV", "895", "Washoe"}, {"Provo", "UT", "846", "Utah"}, {"Eugene", "OR", "974", "Lane"},
	{"Anchorage", "AK", "995", "Anchorage"}, {"Honolulu", "HI", "968", "Honolulu"}, {"Burlington", "VT", "054", "Chittenden"}, {"Portland", "ME", "041", "Cumberland"},
	{"Manchester", "NH", "031", "Hillsborough"}, {"Providence", "RI", "029", "Providence"}, {"Wilmington", "DE", "198", "New Castle"}, {"Baltimore", "MD", "212", "Baltimore"},
	{"Charleston", "WV", "253", "Kanawha"}, {"Columbia", "SC", "292", "Richland"}, {"Jackson", "MS", "392", "Hinds"}, {"Little Rock", "AR", "722", "Pulaski"},
	{"Des Moines", "IA", "503", "Polk"}, {"Fargo", "ND", "581", "Cass"}, {"Billings", "MT", "591", "Yellowstone"}, {"Cheyenne", "WY", "820", "Laramie"},
	{"Pueblo", "CO", "810", "Pueblo"}, {"Gary", "IN", "464", "Lake"}, {"Akron", "OH", "443", "Summit"}, {"Yonkers", "NY", "107", "Westchester"}, {"Newark", "NJ", "071", "Essex"},
}

var evCounties = []string{"Sangamon", "Montgomery", "Pierce", "Fresno", "Worcester", "Fairfield", "Lackawanna", "Henrico", "Chatham", "Hillsborough", "Knox", "Fayette", "Genesee", "Dane", "Douglas", "Sedgwick", "Caddo", "Bernalillo", "Pima", "Washoe"}

var evDrugs = []string{"Lisinopril", "Metformin", "Atorvastatin", "Amlodipine", "Omeprazole", "Levothyroxine", "Albuterol", "Gabapentin", "Hydrochlorothiazide", "Losartan", "Sertraline", "Simvastatin", "Montelukast", "Escitalopram", "Rosuvastatin", "Bupropion", "Furosemide", "Pantoprazole", "Trazodone", "Duloxetine", "Prednisone", "Tamsulosin", "Meloxicam", "Clopidogrel", "Warfarin", "Apixaban", "Insulin glargine", "Carvedilol", "Metoprolol tartrate", "Fluoxetine", "Tramadol", "Citalopram", "Cyclobenzaprine", "Amoxicillin", "Azithromycin", "Cephalexin", "Ciprofloxacin", "Doxycycline", "Ondansetron", "Oxycodone", "Hydrocodone/APAP", "Acetaminophen", "Ibuprofen", "Naproxen", "Aspirin", "Vancomycin", "Piperacillin/tazobactam", "Heparin", "Enoxaparin", "Spironolactone", "Allopurinol", "Famotidine", "Lorazepam", "Alprazolam", "Clonazepam", "Quetiapine", "Aripiprazole", "Lamotrigine", "Levetiracetam", "Topiramate", "Sumatriptan", "Methotrexate", "Hydroxychloroquine", "Dexamethasone", "Budesonide", "Fluticasone", "Tiotropium", "Sitagliptin", "Empagliflozin", "Semaglutide", "Glipizide", "Pioglitazone", "Eliquis", "Xarelto", "Januvia", "Jardiance", "Ozempic", "Lipitor", "Zoloft", "Lexapro", "Allegra", "Valium", "Keflex", "Lasix", "Coumadin", "Plavix", "Norvasc", "Synthroid", "Ventolin", "Flonase", "Benadryl", "Tylenol", "Advil", "Humira", "Enbrel", "Lyrica", "Celebrex", "Mercaptopurine"}

var evAllergens = []string{"Penicillin", "Sulfa drugs", "Peanuts", "Shellfish", "Latex", "Codeine", "Morphine", "Iodinated contrast", "Eggs", "Bee venom", "Amoxicillin", "Aspirin", "NSAIDs", "Tree nuts", "Cephalosporins", "Adhesive tape", "No known allergies"}

var evICD = [][2]string{
	{"E11.9", "Type 2 diabetes mellitus without complications"}, {"I10", "Essential (primary) hypertension"}, {"J45.909", "Unspecified asthma, uncomplicated"},
	{"E78.5", "Hyperlipidemia, unspecified"}, {"F32.9", "Major depressive disorder, single episode, unspecified"}, {"N18.3", "Chronic kidney disease, stage 3"},
	{"I50.9", "Heart failure, unspecified"}, {"J44.9", "Chronic obstructive pulmonary disease, unspecified"}, {"M54.5", "Low back pain"},
	{"K21.9", "Gastro-esophageal reflux disease without esophagitis"}, {"F41.1", "Generalized anxiety disorder"}, {"E66.9", "Obesity, unspecified"},
	{"I48.91", "Unspecified atrial fibrillation"}, {"Z00.00", "Encounter for general adult medical examination without abnormal findings"}, {"R07.9", "Chest pain, unspecified"},
	{"J18.9", "Pneumonia, unspecified organism"}, {"N39.0", "Urinary tract infection, site not specified"}, {"G43.909", "Migraine, unspecified, not intractable"},
	{"M17.11", "Unilateral primary osteoarthritis, right knee"}, {"E03.9", "Hypothyroidism, unspecified"}, {"B20", "Human immunodeficiency virus disease"},
	{"F11.20", "Opioid dependence, uncomplicated"}, {"C50.911", "Malignant neoplasm of unspecified site of right female breast"}, {"S72.001A", "Fracture of unspecified part of neck of right femur, initial encounter"},
	{"O80", "Encounter for full-term uncomplicated delivery"}, {"Z23", "Encounter for immunization"}, {"R51.9", "Headache, unspecified"}, {"A41.9", "Sepsis, unspecified organism"},
	{"I25.10", "Atherosclerotic heart disease of native coronary artery without angina pectoris"}, {"D64.9", "Anemia, unspecified"}, {"E87.1", "Hypo-osmolality and hyponatremia"},
	{"L03.115", "Cellulitis of right lower limb"}, {"K35.80", "Unspecified acute appendicitis"}, {"U07.1", "COVID-19"}, {"Z79.4", "Long term (current) use of insulin"},
}

var evCPT = []string{"99213", "99214", "99203", "99204", "80053", "85025", "36415", "93000", "71046", "90471", "97110", "99284", "99285", "81001", "84443", "83036", "G0439", "J1885", "99232", "27447"}

var evLabTests = []evLab{
	{"Sodium", "2951-2", "mmol/L", 130, 150, 0}, {"Potassium", "2823-3", "mmol/L", 3.1, 5.6, 1}, {"Glucose", "2345-7", "mg/dL", 60, 320, 0},
	{"Creatinine", "2160-0", "mg/dL", 0.5, 3.2, 2}, {"Hemoglobin", "718-7", "g/dL", 8, 17.5, 1}, {"Hemoglobin A1c", "4548-4", "%", 4.6, 12, 1},
	{"TSH", "3016-3", "uIU/mL", 0.1, 9, 2}, {"LDL cholesterol", "13457-7", "mg/dL", 40, 210, 0}, {"ALT", "1742-6", "U/L", 5, 120, 0},
	{"WBC", "6690-2", "10*3/uL", 2.5, 18, 1}, {"Platelets", "777-3", "10*3/uL", 90, 450, 0}, {"BUN", "3094-0", "mg/dL", 5, 60, 0}, {"Calcium", "17861-6", "mg/dL", 7.8, 11, 1},
}

// evCountTests report five-digit values.
var evCountTests = []evLab{
	{"HIV-1 RNA", "20447-9", "copies/mL", 10000, 99999, 0}, {"HCV RNA", "11011-4", "IU/mL", 10000, 99999, 0}, {"Absolute WBC", "26464-8", "/uL", 10100, 19999, 0},
	{"Sperm count", "19153-6", "10*3/mL", 15000, 99000, 0}, {"CMV DNA", "30247-1", "IU/mL", 10000, 90000, 0}, {"Urine culture colony count", "19090-0", "CFU/mL", 10000, 99000, 0},
}

var evDepts = []string{"Cardiology", "Oncology", "Emergency Department", "4 West Med/Surg", "Pediatrics", "Labor and Delivery", "Orthopedics", "Neurology", "Internal Medicine", "Family Medicine", "Behavioral Health", "Radiology", "Physical Therapy", "Nephrology", "Endocrinology", "ICU", "Infusion Center", "Pulmonology", "Dermatology", "Urology"}

var evSpecialties = []string{"Internal Medicine", "Family Medicine", "Cardiology", "Oncology", "Pediatrics", "Emergency Medicine", "Anesthesiology", "Psychiatry", "Orthopedic Surgery", "Obstetrics & Gynecology", "Nurse Practitioner", "Radiology"}

var evFacilities = []string{"Lakeshore Regional Medical Center", "St. Brigid Hospital", "Mercy Valley Health", "Summit Ridge Clinic", "Harborview Family Practice", "Prairie Lakes Medical Group", "Bayside Diagnostic Laboratory", "Quest Valley Labs", "North Fork Community Hospital", "Riverbend Surgical Center", "Cedar Grove Pediatrics", "Blue Mesa Health Partners"}

var evOrgs = []string{"lakeshorehealth", "stbrigid", "mercyvalley", "summitridge", "northforkhealth", "prairielakes"}

var evPayers = []string{"Aetna", "Blue Cross Blue Shield", "Cigna", "UnitedHealthcare", "Humana", "Kaiser Permanente", "Molina Healthcare", "Centene", "Medicare Part A", "State Medicaid", "Tricare", "Highmark", "Oscar Health"}

var evComplaints = []string{"chest pain", "shortness of breath", "abdominal pain", "headache", "fever", "cough", "back pain", "dizziness", "nausea and vomiting", "fall", "rash", "sore throat", "palpitations", "leg swelling", "medication refill"}

var evSurveyComments = []string{"The staff were friendly and helpful.", "Wait time was too long.", "Parking was difficult to find.", "Everything went smoothly.", "The nurse explained my medications clearly.", "Check-in took over an hour.", "Very clean facility.", "I could not reach anyone by phone.", "Great experience overall.", "Discharge instructions were confusing."}

var evLogMessages = []string{"request completed", "cache miss for formulary key", "upstream timeout after 3000ms", "connection pool exhausted; retrying", "HL7 ACK received", "token refreshed", "batch of 500 rows committed", "health check ok", "rate limit exceeded for client app", "schema version 42 applied"}

var evLabComments = []string{"Fasting required 8-12 hours before collection.", "Keep specimen refrigerated; deliver within 2 hours.", "Send out to reference lab.", "Hemolyzed specimens will be rejected.", "Collect in lavender-top tube.", "Results within 24 hours.", "Protect from light.", ""}

var evUserAgents = []string{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15", "MyChart/11.3 (Android 14)", "Mozilla/5.0 (Linux; Android 14; SM-S918U) Chrome/125.0 Mobile Safari/537.36"}

var evTableNames = []string{"patients", "encounters", "clinical_notes", "medications", "lab_results", "claims", "claim_lines", "members", "providers", "audit_log", "drug_catalog", "icd10_codes", "PAT_ENC", "ORDER_MED", "CLARITY_DEP", "stg_adt_a08"}

var evColumnNames = []string{"last_name", "first_name", "ssn", "dob", "mrn", "address_line1", "zip", "phone", "email", "admit_date", "note_text", "npi", "member_id", "amount", "status", "created_at", "PAT_LNM", "BIRTH_DATE"}
