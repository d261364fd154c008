package phiscan

import (
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Verdict thresholds on the confidence of the strongest type.
const (
	phiThreshold      = 0.65
	possibleThreshold = 0.35
)

// defaultAgeLimit is the HIPAA safe-harbor age above which ages (and the
// birth dates that imply them) are identifying.
const defaultAgeLimit = 89

// Value counters. Each value increments at most a handful of them; the
// verdict is computed from the counts when the report is asked for.
const (
	cSSNFmt        = iota // ###-##-####, valid
	cSSNFmtBad            // ###-##-####, not a valid SSN
	cSSNPlain             // nine digits, valid
	cSSNPlainBad          // nine digits, not a valid SSN
	cSSNShort             // seven or eight digits, valid once zero-padded
	cSSNSample            // a famous sample number
	cSSNLast4             // four digits
	cPhoneFmt             // formatted, valid NANP
	cPhoneFmtBad          // phone-shaped, not valid NANP
	cPhonePlain           // ten digits (or 1 + ten), valid NANP
	cPhonePlainBad        // ten digits, not valid NANP
	cPhoneFiction         // 555-0100 to 555-0199
	cPhoneShape           // seven to fifteen digits with phone punctuation
	cEmail                // valid email address
	cAt                   // contains @
	cZIP5                 // five digits, an assigned prefix
	cZIP5Lead             // the same, written with a leading zero
	cZIP5Bad              // five digits, an unassigned prefix
	cZIP4                 // ZIP+4
	cZIPRestricted        // a restricted three-digit prefix
	cZIP3                 // three digits (ZIP3 columns)
	cZIPShort             // three or four digits: a ZIP that lost its zeros
	cZIPPadded            // four digits that are a valid ZIP once zero-padded
	cZIPPaddedBad         // four digits that are not
	cIP                   // IPv4 or IPv6 address
	cIPPrivate            // a private, loopback or link-local address
	cURL                  // web address
	cPath                 // a path or relative link: "/chart/123"
	cURLID                // a link or path carrying an identifier or a query
	cNPI                  // National Provider Identifier
	cLen10                // ten digits
	cDEA                  // DEA registration number
	cMBI                  // Medicare Beneficiary Identifier
	cCard                 // payment card number
	cMRN                  // the site's MRN pattern
	cDate                 // a full date as text
	cDatePartial          // year and month
	cDateInt              // yyyymmdd as eight digits
	cDateSerial           // Excel serial or Unix time in a date-named column
	cDateOld              // a date implying an age over the limit
	cDateOld30            // a date thirty years ago or more
	cYear                 // a plausible year
	cYearOld              // a birth year implying an age over the limit
	cAddress              // street address
	cStreetName           // a street without a house number
	cNameFull             // given name and surname
	cNameFirst            // a given name
	cNameLast             // a surname
	cNameBoth             // a word on both name lists
	cNamePartial          // several words, one a name
	cNameCommon           // a name that is also a common word
	cNameShape            // alphabetic, name-shaped, not on the lists
	cNameOrg              // a facility, company or drug
	cUUID                 // UUID
	cIDShape              // letters and digits, no spaces
	cMasked               // digits partly blotted out: "XXX-XX-1234"
	cLetters              // contains letters
	cText                 // free text
	cTextHit              // free text with an embedded identifier
	cTextStrong           // free text with an SSN, phone, email, MRN or address
	cNumeric              // a number
	cInt                  // an integer
	cDecimal              // a number with a fraction
	cNegative             // a negative number
	cSmall                // an integer from 1 to 5
	cAgeRange             // a number from 0 to 125
	cAgeOver              // a number above the age limit, up to 125
	numCounters
)

// Classifier judges one column from a stream of values. It is the
// streaming form of Classify for full-table scans: create one per column
// with NewClassifier, feed every value to Observe, and call Report at the
// end (or at any point; Report does not change the state). A Classifier
// is not safe for concurrent use; columns are independent, so scan them
// in parallel with one Classifier each.
type Classifier struct {
	// sealed counts values that are phicrypt ciphertexts.
	sealed  int64
	name    string
	sqlType string
	table   string
	columns []string
	cfg     settings
	col     colName
	ctx     tableContext
	scanner textScanner

	sampled, nulls, nonNull int64
	counts                  [numCounters]int64
	masks                   [numCounters]string
	textCounts              [thCount]int64
	textMasks               [thCount]string
	example                 string

	// Numeric statistics.
	allNumeric     bool
	min            float64
	intMin, intMax uint64
	// Lengths of the non-null values, to tell fixed-width identifiers.
	minLen, maxLen int
	// Distinct five-digit values, to tell ZIP codes (many) from codes
	// that repeat (CPT, product codes); allocated on the first one.
	fiveSeen     *[(100000 + 63) / 64]uint64
	fiveDistinct int

	// Distinct name-shaped and identifier-shaped values (a capped set of
	// hashes), to tell a column of people's names from a categorical
	// column whose few values happen to be names ("White", "Black"), and
	// record numbers from codes.
	distinct map[uint64]struct{}
	// values estimates the distinct non-null values of the column.
	values distinctSketch
}

// settings is a Config prepared for the hot path.
type settings struct {
	ageLimit int
	scanDate time.Time
	// cutoff is the latest birth date implying an age over the limit.
	cutoff     ymd
	cutoffYear int
	// cutoff30 is thirty years before the scan date: dates before it
	// are more often births than encounters.
	cutoff30  ymd
	mrn       *mrnMatcher
	siteTerms map[string]termDef
}

// mrnMatcher applies the site's MRN pattern. The pattern is anchored at
// both ends, and a length and literal-prefix check keeps the regular
// expression engine off values that cannot match.
type mrnMatcher struct {
	re             *regexp.Regexp
	prefix         string
	minLen, maxLen int
}

func (m *mrnMatcher) match(s string) bool {
	if m == nil || len(s) < m.minLen || len(s) > m.maxLen || !strings.HasPrefix(s, m.prefix) {
		return false
	}
	return m.re.MatchString(s)
}

var mrnCache sync.Map // pattern -> *mrnMatcher or error

func compileMRN(pattern string) (*mrnMatcher, error) {
	if v, ok := mrnCache.Load(pattern); ok {
		if err, isErr := v.(error); isErr {
			return nil, err
		}
		return v.(*mrnMatcher), nil
	}
	m, err := buildMRN(pattern)
	if err != nil {
		mrnCache.Store(pattern, err)
		return nil, err
	}
	mrnCache.Store(pattern, m)
	return m, nil
}

func buildMRN(pattern string) (*mrnMatcher, error) {
	full := `^(?:` + pattern + `)$`
	re, err := regexp.Compile(full)
	if err != nil {
		return nil, fmt.Errorf("phiscan: MRN pattern: %w", err)
	}
	parsed, err := syntax.Parse(full, syntax.Perl)
	if err != nil {
		return nil, fmt.Errorf("phiscan: MRN pattern: %w", err)
	}
	lo, hi := lengthBounds(parsed.Simplify())
	if lo == 0 {
		return nil, fmt.Errorf("phiscan: MRN pattern %q matches the empty string", pattern)
	}
	prefix, _ := re.LiteralPrefix()
	return &mrnMatcher{re: re, prefix: prefix, minLen: lo, maxLen: hi}, nil
}

// lengthBounds returns the shortest and longest match of a regular
// expression in bytes (hi is MaxInt when unbounded).
func lengthBounds(re *syntax.Regexp) (lo, hi int) {
	const inf = math.MaxInt32
	add := func(a, b int) int {
		if a >= inf || b >= inf {
			return inf
		}
		return a + b
	}
	mul := func(a, n int) int {
		if a >= inf || n < 0 {
			if a == 0 {
				return 0
			}
			return inf
		}
		return min(inf, a*n)
	}
	switch re.Op {
	case syntax.OpLiteral:
		n := 0
		for _, r := range re.Rune {
			n += utf8.RuneLen(r)
		}
		return n, n
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1, utf8.UTFMax
	case syntax.OpCapture:
		return lengthBounds(re.Sub[0])
	case syntax.OpStar:
		return 0, inf
	case syntax.OpPlus:
		l, _ := lengthBounds(re.Sub[0])
		return l, inf
	case syntax.OpQuest:
		_, h := lengthBounds(re.Sub[0])
		return 0, h
	case syntax.OpRepeat:
		l, h := lengthBounds(re.Sub[0])
		return mul(l, re.Min), mul(h, re.Max)
	case syntax.OpConcat:
		for _, s := range re.Sub {
			l, h := lengthBounds(s)
			lo, hi = add(lo, l), add(hi, h)
		}
		return lo, hi
	case syntax.OpAlternate:
		lo = inf
		for _, s := range re.Sub {
			l, h := lengthBounds(s)
			lo, hi = min(lo, l), max(hi, h)
		}
		return lo, hi
	}
	return 0, 0
}

// ValidateConfig reports configuration errors that Classify would
// otherwise ignore: an MRN pattern that does not compile or matches the
// empty string, a negative age limit.
func ValidateConfig(cfg *Config) error {
	if cfg == nil {
		return nil
	}
	if cfg.AgeLimit < 0 {
		return fmt.Errorf("phiscan: negative age limit %d", cfg.AgeLimit)
	}
	if cfg.MRNPattern != "" {
		if _, err := compileMRN(cfg.MRNPattern); err != nil {
			return err
		}
	}
	for _, t := range cfg.SiteTerms {
		if len(SplitColumnName(strings.SplitN(t, ":", 2)[0])) == 0 {
			return fmt.Errorf("phiscan: site term %q has no letters or digits", t)
		}
	}
	return nil
}

func prepare(cfg *Config) settings {
	s := settings{ageLimit: defaultAgeLimit, scanDate: time.Now()}
	if cfg != nil {
		if cfg.AgeLimit > 0 {
			s.ageLimit = cfg.AgeLimit
		}
		if !cfg.ScanDate.IsZero() {
			s.scanDate = cfg.ScanDate
		}
		if cfg.MRNPattern != "" {
			s.mrn, _ = compileMRN(cfg.MRNPattern)
		}
		if len(cfg.SiteTerms) > 0 {
			s.siteTerms = map[string]termDef{}
			for _, t := range cfg.SiteTerms {
				// "term" or "term:type"; a bare site term is a local
				// patient identifier.
				term, typ, ok := strings.Cut(t, ":")
				if !ok || strings.TrimSpace(typ) == "" {
					typ = "mrn"
				}
				if toks := SplitColumnName(term); len(toks) > 0 {
					s.siteTerms[strings.Join(toks, "_")] = termDef{strings.TrimSpace(typ), siteTerm}
				}
			}
		}
	}
	y, m, d := s.scanDate.Date()
	// Born on or before this date, a person is older than the limit.
	s.cutoff = mkYMD(y-s.ageLimit-1, int(m), d)
	s.cutoffYear = y - s.ageLimit - 1
	s.cutoff30 = mkYMD(y-30, int(m), d)
	return s
}

// NewClassifier returns a classifier for the column called name, of the
// declared SQL type sqlType (may be empty), in a table whose columns are
// tableColumns (for context; may be nil). cfg may be nil.
//
// Of the Config, SiteTerms are column-name terms matched like the built-in
// ones (whole tokens, any case or separator), each optionally followed by
// a colon and the PHI type it means ("csn", "hosp_acct:account"); a bare
// term is a local patient identifier, type "mrn". MRNPattern must match
// a whole value; an invalid pattern is ignored (ValidateConfig reports
// it).
func NewClassifier(name, sqlType string, tableColumns []string, cfg *Config) *Classifier {
	c := &Classifier{name: name, sqlType: sqlType, columns: tableColumns, cfg: prepare(cfg), allNumeric: true,
		min: math.Inf(1), intMin: math.MaxUint64, minLen: math.MaxInt}
	wordsOnce.Do(loadWords)
	c.col = analyzeName(name, c.cfg.siteTerms)
	c.ctx = analyzeContext("", tableColumns, name)
	c.scanner = textScanner{dates: c.dates(), mrn: c.cfg.mrn, ageLimit: c.cfg.ageLimit}
	c.scanner.noDates = c.noTextDates()
	return c
}

// SetTable gives the classifier the table's name as context ("drug",
// "facility", "ref_codes" or "patient" tables). Call it before Observe.
func (c *Classifier) SetTable(table string) {
	c.table = table
	c.ctx = analyzeContext(table, c.columns, c.name)
	c.scanner.noDates = c.noTextDates()
}

// noTextDates reports tables whose descriptions mention dates of codes or
// events, not of people.
func (c *Classifier) noTextDates() bool {
	return (c.ctx.ref || c.ctx.log || c.ctx.org) && !c.ctx.person
}

func (c *Classifier) dates() dateParser {
	return dateParser{pivot: c.cfg.scanDate.Year() % 100}
}

// Classify judges one column from its sampled values.
func Classify(in ColumnInput, cfg *Config) ColumnReport {
	c := NewClassifier(in.Name, in.SQLType, in.TableColumns, cfg)
	if in.Table != "" {
		c.SetTable(in.Table)
	}
	for _, v := range in.Values {
		c.Observe(v)
	}
	return c.Report()
}

func (c *Classifier) hit(k int, v string) {
	if c.counts[k] == 0 {
		c.masks[k] = Mask(v)
	}
	c.counts[k]++
}

// Observe adds one value ("" for NULL) to the column's statistics.
func (c *Classifier) Observe(v string) {
	c.sampled++
	for len(v) > 0 && (v[0] == ' ' || v[0] == '\t' || v[0] == '\n' || v[0] == '\r') {
		v = v[1:]
	}
	for len(v) > 0 && (v[len(v)-1] == ' ' || v[len(v)-1] == '\t' || v[len(v)-1] == '\n' || v[len(v)-1] == '\r') {
		v = v[:len(v)-1]
	}
	if v == "" || len(v) <= 6 && nullWord(v) {
		c.nulls++
		return
	}
	c.nonNull++
	c.values.add(v)
	if c.example == "" {
		c.example = Mask(v)
	}
	if looksSealed(v) {
		c.sealed++
		return
	}
	c.minLen, c.maxLen = min(c.minLen, len(v)), max(c.maxLen, len(v))

	// One pass over the bytes decides which detectors can apply.
	n := len(v)
	var digits, letters, spaces, dots, dashes, slashes, colons, ats, high int
	for i := 0; i < n; i++ {
		b := v[i]
		switch {
		case isDigit(b):
			digits++
		case isAlpha(b):
			letters++
		case b == ' ':
			spaces++
		case b == '.':
			dots++
		case b == '-':
			dashes++
		case b == '/':
			slashes++
		case b == ':':
			colons++
		case b == '@':
			ats++
		case b >= 0x80:
			high++
		}
	}
	if digits == n-1 && n > 3 && v[n-2] == '.' && v[n-1] == '0' && isDigit(v[0]) {
		// An integer that went through a floating-point type on export:
		// "6175550142.0" is the number 6175550142.
		v, n, digits = v[:n-2], n-2, digits-1
	}
	if digits == n {
		c.observeDigits(v)
		c.observeMRN(v)
		return
	}
	if digits > 0 && letters == 0 && spaces == 0 && dots <= 1 && !(v[0] == '+' && digits >= 10) && c.observeNumber(v) {
		return
	}
	c.allNumeric = false
	if letters > 0 || high > 0 {
		c.counts[cLetters]++
	}
	defer c.observeMRN(v)

	if ats > 0 {
		c.counts[cAt]++
		if ats == 1 && spaces == 0 {
			if validEmail(v) {
				c.hit(cEmail, v)
			}
			return
		}
	}
	if letters == 0 && high == 0 {
		c.observePunctuatedDigits(v, digits, spaces, dots, dashes, slashes, colons)
		return
	}
	if v[0] == '/' && spaces == 0 && letters > 0 {
		c.counts[cPath]++
		if urlHasID(v) {
			c.counts[cURLID]++
		}
	}
	if b := v[0]; (b == 'h' || b == 'H' || b == 'w' || b == 'W' || b == 'f' || b == 'F') && spaces == 0 && isURL(v) {
		c.hit(cURL, v)
		if urlHasID(v) {
			c.counts[cURLID]++
		}
		return
	}
	if digits > 0 && spaces > 0 && n <= 120 && ((isDigit(v[0]) || strings.IndexByte("PpRrHhBb", v[0]) >= 0) &&
		streetAddress(v) || digits >= 5 && isDigit(v[n-1]) && cityStateZIP(v)) {
		c.hit(cAddress, v)
		return
	}
	words := spaces + 1
	if words >= 5 || n >= 40 {
		c.observeText(v)
		return
	}
	if digits > 0 {
		c.observeAlnum(v, digits, letters, spaces, dots, colons)
		return
	}
	c.observeName(v)
}

// nullWord reports the spellings of a missing value that exports and
// spreadsheets use: judged as values, a column of three SSNs among
// thousands of "N/A" would look like a column of words.
func nullWord(v string) bool {
	switch v {
	case "NULL", "null", "Null", `\N`, "N/A", "n/a", "NA", "#N/A", "NaN", "nan", "None", "none", "(null)",
		"<null>", "-", "--", "?", `""`, "''", ".":
		return true
	}
	return false
}

func (c *Classifier) observeMRN(v string) {
	if c.cfg.mrn != nil && c.cfg.mrn.match(v) {
		c.hit(cMRN, v)
	}
}

func (c *Classifier) numberStats(f float64) {
	c.counts[cNumeric]++
	if f < c.min {
		c.min = f
	}
	if f < 0 {
		c.counts[cNegative]++
	}
	if f >= 0 && f <= 125 {
		c.counts[cAgeRange]++
		if f > float64(c.cfg.ageLimit) {
			c.counts[cAgeOver]++
		}
	}
}

// observeDigits handles values made of digits only, the commonest shape
// of identifiers: SSNs, phones, ZIPs, NPIs, dates and card numbers all
// have telling lengths.
func (c *Classifier) observeDigits(v string) {
	n := len(v)
	if n > 19 {
		c.allNumeric = false
		return
	}
	x, _ := digitsValue(v)
	c.numberStats(float64(x))
	c.counts[cInt]++
	c.intMin, c.intMax = min(c.intMin, x), max(c.intMax, x)
	if x >= 1 && x <= 5 {
		c.counts[cSmall]++
	}
	lead := n > 1 && v[0] == '0'
	if n >= 6 {
		c.addDistinct(v)
	}
	dateNamed := c.col.typ == "birth_date" || c.col.typ == "death_date" || c.col.typ == "date"
	switch n {
	case 3:
		if !zip3Unused[x] {
			c.counts[cZIP3]++
		}
		if zip3Restricted[x] {
			c.hit(cZIPRestricted, v)
		}
		c.counts[cZIPShort]++
	case 4:
		c.counts[cSSNLast4]++
		c.counts[cZIPShort]++
		if validZIP5(int(x)) {
			c.counts[cZIPPadded]++
		} else {
			c.counts[cZIPPaddedBad]++
		}
		if x >= 1850 && x <= 2150 {
			c.counts[cYear]++
			if int(x) <= c.cfg.cutoffYear {
				c.counts[cYearOld]++
			}
		}
	case 5:
		z := int(x)
		if c.fiveSeen == nil {
			c.fiveSeen = new([(100000 + 63) / 64]uint64)
		}
		if w, bit := z/64, uint64(1)<<(z%64); c.fiveSeen[w]&bit == 0 {
			c.fiveSeen[w] |= bit
			c.fiveDistinct++
		}
		if validZIP5(z) {
			c.hit(cZIP5, v)
			if lead {
				c.counts[cZIP5Lead]++
			}
		} else {
			c.counts[cZIP5Bad]++
		}
		if zip3Restricted[z/100] {
			c.counts[cZIPRestricted]++
		}
		if dateNamed {
			if d, ok := excelSerial(float64(x)); ok {
				c.date(cDateSerial, d, v)
			}
		}
	case 7, 8:
		if a, g, s := splitSSN(x); validSSN(a, g, s) {
			c.counts[cSSNShort]++
		}
		if n == 8 {
			if d, ok := ymdInt(x); ok {
				c.date(cDateInt, d, v)
			}
		}
	case 9:
		a, g, s := splitSSN(x)
		if validSSN(a, g, s) {
			c.hit(cSSNPlain, v)
			if sampleSSN(a, g, s) {
				c.counts[cSSNSample]++
			}
		} else {
			c.counts[cSSNPlainBad]++
		}
		if c.col.typ == "zip" && validZIP5(int(x/10000)) {
			c.hit(cZIP4, v)
		}
	case 10:
		c.counts[cLen10]++
		if ok, fict := validNANP(x); ok {
			c.hit(cPhonePlain, v)
			if fict {
				c.counts[cPhoneFiction]++
			}
		} else {
			c.counts[cPhonePlainBad]++
		}
		if validNPI(v) {
			c.hit(cNPI, v)
		}
		if dateNamed {
			if d, ok := unixSeconds(int64(x), false); ok {
				c.date(cDateSerial, d, v)
			}
		}
	case 11:
		if v[0] == '1' {
			if ok, _ := validNANP(x % 10000000000); ok {
				c.hit(cPhonePlain, v)
			} else {
				c.counts[cPhonePlainBad]++
			}
		}
	}
	if n == 13 && dateNamed {
		if d, ok := unixSeconds(int64(x), true); ok {
			c.date(cDateSerial, d, v)
		}
	}
	if n >= 13 {
		var buf [19]byte
		if d, ok := cardDigits(v, &buf); ok && validCard(d) {
			c.hit(cCard, v)
		}
	}
}

// observeNumber handles signed and decimal numbers; it reports false for
// values that only look numeric at first sight ("1-2", "3.").
func (c *Classifier) observeNumber(v string) bool {
	s := v
	if s[0] == '-' || s[0] == '+' {
		s = s[1:]
	}
	if s == "" || !isDigit(s[0]) && s[0] != '.' || !isDigit(s[len(s)-1]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) && s[i] != '.' {
			return false
		}
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return false
	}
	c.numberStats(f)
	if f != math.Trunc(f) {
		c.counts[cDecimal]++
	} else {
		c.counts[cInt]++
		if f >= 1 && f <= 5 {
			c.counts[cSmall]++
		}
	}
	if c.col.typ == "birth_date" || c.col.typ == "death_date" || c.col.typ == "date" {
		if d, ok := excelSerial(f); ok && f >= 1000 {
			c.date(cDateSerial, d, v)
		}
	}
	return true
}

// date counts a parsed date and whether it implies an age over the limit.
func (c *Classifier) date(k int, d ymd, v string) {
	c.hit(k, v)
	if d <= c.cfg.cutoff30 {
		c.counts[cDateOld30]++
		if d <= c.cfg.cutoff {
			c.counts[cDateOld]++
		}
	}
}

// observePunctuatedDigits handles digits with separators: formatted SSNs,
// phones, ZIP+4, dates, IP addresses and card numbers.
func (c *Classifier) observePunctuatedDigits(v string, digits, spaces, dots, dashes, slashes, colons int) {
	n := len(v)
	if masked(v) {
		c.counts[cMasked]++
		return
	}
	if digits >= 7 && digits <= 15 && slashes+colons == 0 {
		c.counts[cPhoneShape]++
	}
	if n == 11 && digits == 9 {
		if a, g, s, ok := parseFormattedSSN(v); ok {
			if validSSN(a, g, s) {
				c.hit(cSSNFmt, v)
				if sampleSSN(a, g, s) {
					c.counts[cSSNSample]++
				}
			} else {
				c.counts[cSSNFmtBad]++
			}
			return
		}
	}
	if n == 10 && digits == 9 {
		if z, ok := parseZIP4(v); ok {
			c.hit(cZIP4, v)
			if zip3Restricted[z/100] {
				c.counts[cZIPRestricted]++
			}
			return
		}
	}
	if digits == 10 || digits == 11 {
		if p, ok := parsePhone(v); ok {
			if p.valid {
				c.hit(cPhoneFmt, v)
				if p.fictional {
					c.counts[cPhoneFiction]++
				}
			} else {
				c.hit(cPhoneFmtBad, v)
			}
			return
		}
	}
	if digits >= 4 && digits <= 17 && (slashes > 0 || dashes > 0 || dots > 0) {
		if d, partial, ok := c.scanner.dates.parseDate(v); ok {
			if partial {
				c.hit(cDatePartial, v)
			} else {
				c.date(cDate, d, v)
			}
			return
		}
	}
	if dots == 3 || colons >= 2 {
		if validIP(v, dots, colons) {
			c.ip(v)
			return
		}
	}
	if digits >= 13 && digits <= 19 && (spaces > 0 || dashes > 0) {
		var buf [19]byte
		if d, ok := cardDigits(v, &buf); ok && validCard(d) {
			c.hit(cCard, v)
			return
		}
	}
	if spaces == 0 && digits >= 4 {
		c.counts[cIDShape]++ // "12-345678": a record number with a dash
		c.addDistinct(v)
	}
}

// ip counts an address, and whether it is a private one: the address of
// a server on an internal network identifies no person.
func (c *Classifier) ip(v string) {
	c.hit(cIP, v)
	if a, err := netip.ParseAddr(v); err == nil && (a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() ||
		a.IsUnspecified()) {
		c.counts[cIPPrivate]++
	}
}

// masked reports values with part of the digits blotted out
// ("XXX-XX-1234", "************1234"): what is left identifies no one.
func masked(v string) bool {
	run := 0
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case 'X', 'x', '*', '#':
			run++
			if run >= 3 {
				return true
			}
		case '-', ' ', '.':
		default:
			run = 0
		}
	}
	return false
}

// urlHasID reports whether a link or path carries something that can
// identify a person's record: a query, a run of four or more digits, or
// an email address.
func urlHasID(v string) bool {
	run := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case isDigit(c):
			run++
			if run >= 4 {
				return true
			}
			continue
		case c == '=' || c == '@':
			return true
		}
		run = 0
	}
	return false
}

// observeAlnum handles short values of letters and digits: addresses,
// dates with month names or times, phones with extensions, MBIs, DEA
// numbers, UUIDs and other identifiers.
func (c *Classifier) observeAlnum(v string, digits, letters, spaces, dots, colons int) {
	n := len(v)
	if masked(v) {
		c.counts[cMasked]++
		return
	}
	if digits >= 4 {
		if d, partial, ok := c.scanner.dates.parseDate(v); ok {
			if partial {
				c.hit(cDatePartial, v)
			} else {
				c.date(cDate, d, v)
			}
			return
		}
	}
	if digits >= 7 && digits <= 15 && letters <= 4 {
		c.counts[cPhoneShape]++ // "H: 555-0142", "617-555-0142 (cell)"
	}
	if digits >= 10 && digits <= 16 {
		if p, ok := parsePhone(v); ok {
			if p.valid {
				c.hit(cPhoneFmt, v)
			} else {
				c.hit(cPhoneFmtBad, v)
			}
			return
		}
	}
	switch n {
	case 9:
		if validDEA(v) {
			c.hit(cDEA, v)
			return
		}
	case 11, 13:
		if validMBI(v) {
			c.hit(cMBI, v)
			return
		}
	case 32, 36:
		if isUUID(v) {
			c.counts[cUUID]++
			return
		}
	}
	if colons >= 2 && validIP(v, dots, colons) {
		c.ip(v)
		return
	}
	if spaces == 0 {
		c.counts[cIDShape]++
		c.addDistinct(v)
	}
}

// observeName handles short alphabetic values: person names, or not.
func (c *Classifier) observeName(v string) {
	if isUpper(v[0]) && strings.IndexByte(v, ' ') > 0 && streetName(v) {
		c.hit(cStreetName, v)
		return
	}
	k := personName(v)
	switch k {
	case pnNone:
		return
	case pnOrg:
		c.counts[cNameOrg]++
		return
	case pnFull:
		c.hit(cNameFull, v)
	case pnFirst:
		c.hit(cNameFirst, v)
	case pnLast:
		c.hit(cNameLast, v)
	case pnBoth:
		c.hit(cNameBoth, v)
	case pnPartial:
		c.hit(cNamePartial, v)
	case pnCommon:
		c.counts[cNameCommon]++
	case pnShape:
		c.counts[cNameShape]++
	}
	c.addDistinct(v)
}

func (c *Classifier) addDistinct(v string) {
	if len(c.distinct) >= maxDistinct {
		return
	}
	if c.distinct == nil {
		c.distinct = make(map[uint64]struct{}, 64)
	}
	// FNV-1a over the lower-cased bytes.
	h := uint64(14695981039346656037)
	for i := 0; i < len(v); i++ {
		h ^= uint64(lower(v[i]))
		h *= 1099511628211
	}
	c.distinct[h] = struct{}{}
}

// maxDistinct caps the distinct-value set: past it a column is plainly
// not categorical.
const maxDistinct = 256

// observeText scans free text for embedded identifiers.
func (c *Classifier) observeText(v string) {
	c.counts[cText]++
	var h textHits
	c.scanner.scan(v, &h)
	if h.mask == 0 {
		return
	}
	c.counts[cTextHit]++
	const strong = 1<<thSSN | 1<<thPhone | 1<<thEmail | 1<<thMRN | 1<<thAddress | 1<<thIP | 1<<thURL | 1<<thZIP
	if h.mask&strong != 0 {
		c.counts[cTextStrong]++
	}
	for t := 0; t < thCount; t++ {
		if h.mask&(1<<t) != 0 {
			if c.textCounts[t] == 0 {
				c.textMasks[t] = Mask(h.first[t])
			}
			c.textCounts[t]++
		}
	}
}

// ramp maps x linearly from 0 at lo to 1 at hi.
func ramp(x, lo, hi float64) float64 {
	switch {
	case x <= lo:
		return 0
	case x >= hi:
		return 1
	}
	return (x - lo) / (hi - lo)
}

// candidate is one PHI type the column may hold.
type candidate struct {
	typ  string
	conf float64
	ev   []Evidence
	// soft marks value evidence that a column name of another type
	// overrides: names, bare digits, dates.
	soft bool
}

// Report returns the verdict on the values observed so far.
func (c *Classifier) Report() ColumnReport {
	r := ColumnReport{Name: c.name, SQLType: c.sqlType, Sampled: c.sampled, Nulls: c.nulls, Distinct: c.values.estimate(), Example: c.example,
		Types: []string{}, Evidence: []Evidence{}, Verdict: VerdictNone}
	if c.sealed > 0 && c.sealed*10 >= c.nonNull*9 {
		// Already encrypted by phicrypt: nothing here is plaintext PHI.
		r.Confidence = 1
		r.Types = []string{"phicrypt_ciphertext"}
		r.Evidence = []Evidence{{Check: "value", Type: "phicrypt_ciphertext", Share: round3(float64(c.sealed) / float64(c.nonNull)),
			Detail: "values are phicrypt ciphertexts (docs/FORMAT.md §1)"}}
		return r
	}
	cands := c.candidates()
	slices.SortStableFunc(cands, func(a, b candidate) int {
		switch {
		case a.conf > b.conf:
			return -1
		case a.conf < b.conf:
			return 1
		}
		return 0
	})
	if len(cands) > 0 && cands[0].conf >= possibleThreshold {
		best := cands[0].conf
		r.Confidence = round3(best)
		r.Verdict = VerdictPossible
		if best >= phiThreshold {
			r.Verdict = VerdictPHI
		}
		for _, cd := range cands {
			if cd.conf < max(possibleThreshold, best-0.3) || slices.Contains(r.Types, cd.typ) {
				continue
			}
			r.Types = append(r.Types, cd.typ)
			r.Evidence = append(r.Evidence, cd.ev...)
		}
	} else {
		best := 0.0
		if len(cands) > 0 {
			best = cands[0].conf
		}
		// Confidence that the column is not PHI.
		r.Confidence = round3(1 - best)
	}
	// The minimum of an identifier column would be an identifier.
	if c.allNumeric && c.counts[cNumeric] > 0 {
		safe := true
		for _, t := range r.Types {
			if t != "small_cell" && t != "age_over_89" {
				safe = false
			}
		}
		// Nor is the minimum of a column named like an identifier safe
		// when no detector recognised it, since a site's record numbers
		// may follow no pattern known here; a dense run of small integers
		// is a surrogate key, whose minimum says nothing.
		dense := c.counts[cInt] >= 20 && c.intMax-c.intMin < 10*uint64(c.counts[cInt])
		if safe && (!identifierLikeName(c.name) || dense) {
			m := c.min
			r.Min = &m
		}
	}
	return r
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// candidates computes the confidence of every PHI type the name or the
// values point to.
func (c *Classifier) candidates() []candidate {
	var out []candidate
	n := float64(c.nonNull)
	cnt := func(k int) float64 { return float64(c.counts[k]) }
	share := func(k int) float64 {
		if n == 0 {
			return 0
		}
		return cnt(k) / n
	}
	col := c.col
	named := func(t string) bool { return col.typ == t }
	valueEv := func(typ string, sh float64, k int, note string) Evidence {
		d := c.masks[k]
		if note != "" {
			d = strings.TrimSpace(d + " " + note)
		}
		return Evidence{Check: "value", Type: typ, Share: round3(sh), Detail: d}
	}
	addValue := func(typ string, conf, sh float64, k int, note string, soft bool) {
		if conf <= 0 {
			return
		}
		out = append(out, candidate{typ: typ, conf: conf, soft: soft, ev: []Evidence{valueEv(typ, sh, k, note)}})
	}
	// Identifier-shaped digits in a lab value, code or key column are
	// that column's own numbers.
	numbersOwned := col.measure || col.code || col.idLike || col.count || col.age || col.version
	// Integers packed into a range not much wider than their number are
	// a sequence (surrogate keys), whatever their length.
	dense := c.counts[cInt] >= 20 && c.intMax-c.intMin < 10*uint64(c.counts[cInt])

	// SSN.
	{
		ssnNamed := named("ssn")
		best, sh, k, note := 0.0, 0.0, cSSNFmt, ""
		if c.counts[cSSNFmt] > 0 {
			sh = share(cSSNFmt)
			best = 0.97 * ramp(sh, 0.01, 0.3)
		}
		plain := cnt(cSSNPlain)
		if ssnNamed || share(cSSNPlain) >= 0.5 {
			plain += cnt(cSSNShort)
		}
		if plain > 0 && n > 0 {
			ps := plain / n
			base := 0.55
			bad := cnt(cSSNPlainBad) / (plain + cnt(cSSNPlainBad))
			if plain >= 30 && bad < 0.01 && !dense {
				base = 0.8
			}
			if bad > 0.05 {
				base *= 0.3
			}
			if dense || numbersOwned {
				base *= 0.3
			}
			v := base * ramp(ps, 0.5, 0.95)
			if ssnNamed {
				v = 0.9 * ramp(ps, 0.2, 0.6)
			}
			if v > best {
				best, sh, k = v, ps, cSSNPlain
			}
		}
		if c.counts[cSSNSample] > 0 {
			note = "(includes well-known sample numbers)"
		}
		addValue("ssn", best, sh, k, note, k == cSSNPlain)
	}

	// Phone and fax.
	{
		typ := "phone"
		if named("fax") {
			typ = "fax"
		}
		phoneNamed := named("phone") || named("fax")
		fs := (cnt(cPhoneFmt) + 0.5*cnt(cPhoneFmtBad)) / max(n, 1)
		vf := 0.95 * ramp(fs, 0.01, 0.3)
		k := cPhoneFmt
		if c.counts[cPhoneFmt] == 0 {
			vf = 0.6 * ramp(fs, 0.05, 0.4)
			k = cPhoneFmtBad
		}
		ps := share(cPhonePlain)
		base := 0.6
		if c.counts[cPhonePlain] >= 30 && ps >= 0.95 {
			base = 0.8
		}
		vp := base * ramp(ps, 0.7, 0.95)
		if phoneNamed {
			vp = 0.9 * ramp(ps, 0.3, 0.7)
		}
		if share(cNPI) >= 0.8 || (numbersOwned || dense) && !phoneNamed {
			vp = 0
		}
		note := ""
		if c.counts[cPhoneFiction] > 0 {
			note = "(includes fictional 555-01xx numbers)"
		}
		if vp > vf {
			addValue(typ, vp, ps, cPhonePlain, note, true)
		} else {
			addValue(typ, vf, fs, k, note, false)
		}
	}

	addValue("email", 0.98*ramp(share(cEmail), 0.01, 0.3), share(cEmail), cEmail, "", false)

	// ZIP codes.
	{
		zipNamed := named("zip")
		v4 := 0.95 * ramp(share(cZIP4), 0.01, 0.3)
		if c.counts[cZIP4] > 0 && c.counts[cZIP4] == c.counts[cSSNPlain] && !zipNamed {
			v4 = 0 // nine digits in an unnamed column are not ZIP+4
		}
		addValue("zip", v4, share(cZIP4), cZIP4, "", false)
		// Five-digit values, and four-digit ones that lost a leading
		// zero, as long as most are five digits (four digits alone are
		// years or codes).
		z5, z4 := cnt(cZIP5), cnt(cZIPPadded)
		if z4 > z5 {
			z4 = 0
		}
		if z := z5 + z4; z > 0 && !col.zip3 {
			bad := cnt(cZIP5Bad)
			if z4 > 0 {
				bad += cnt(cZIPPaddedBad)
			}
			badShare := bad / (z + bad)
			base := 0.45
			if cnt(cZIP5Lead)/z5 >= 0.01 || z4 > 0 {
				base = 0.6 // leading zeros kept as text, or lost by a number type
			}
			// ZIP codes come from a fixed list: with enough of them and
			// none from an unassigned prefix, and many distinct values,
			// a column is ZIPs, not arbitrary numbers or a few codes.
			if z >= 30 && badShare == 0 && z/n >= 0.9 && c.fiveDistinct >= 12 && (col.cryptic || col.typ == "") {
				base = 0.7
			}
			if badShare > 0.02 || c.counts[cDecimal] > 0 || c.counts[cNegative] > 0 {
				base = 0 // unassigned prefixes or a continuous measure
			}
			v := base * ramp(z/n, 0.8, 0.98)
			if zipNamed {
				v = 0.9 * ramp(z/n, 0.3, 0.7)
			} else if numbersOwned || dense {
				v = 0
			}
			note := ""
			if c.counts[cZIPRestricted] > 0 {
				note = "(includes restricted 3-digit prefixes)"
			}
			addValue("zip", v, z/n, cZIP5, note, true)
		}
		if col.zip3 && c.counts[cZIPRestricted] > 0 {
			addValue("zip", 0.85, share(cZIPRestricted), cZIPRestricted, "(restricted 3-digit ZIP prefix)", false)
		}
	}

	// Network addresses.
	{
		v := 0.9 * ramp(share(cIP), 0.05, 0.5)
		if col.version && !named("ip") {
			v *= 0.2
		}
		if cnt(cIPPrivate) >= 0.9*cnt(cIP) {
			v *= 0.3 // internal network addresses: servers, not people
		}
		addValue("ip", v, share(cIP), cIP, "", false)
		// Web addresses are identifiers when they lead to a person's
		// pages: when they carry a number or a query. Bare endpoints
		// and home pages identify no one.
		u := 0.75
		if cnt(cURLID) < 0.1*cnt(cURL) {
			u = 0.4
		}
		addValue("url", u*ramp(share(cURL), 0.05, 0.5), share(cURL), cURL, "", false)
	}

	// Provider, payer and account numbers.
	{
		v := 0.85 * ramp(share(cNPI), 0.5, 0.9)
		if c.counts[cNPI] < 5 {
			v = min(v, 0.6)
		}
		if named("npi") {
			v = 0.95 * ramp(share(cNPI), 0.2, 0.6)
		}
		addValue("npi", v, share(cNPI), cNPI, "", true)
		addValue("dea", 0.95*ramp(share(cDEA), 0.02, 0.3), share(cDEA), cDEA, "", false)
		addValue("mbi", 0.95*ramp(share(cMBI), 0.02, 0.3), share(cMBI), cMBI, "", false)
		addValue("credit_card", 0.9*ramp(share(cCard), 0.05, 0.5), share(cCard), cCard, "", false)
		typ := "mrn"
		if c.cfg.siteTerms[col.term].typ != "" && col.strength == siteTerm {
			typ = col.typ
		}
		addValue(typ, 0.85*ramp(share(cMRN), 0.05, 0.6), share(cMRN), cMRN, "(site MRN pattern)", false)
	}

	addValue("address", 0.92*ramp(share(cAddress), 0.05, 0.4), share(cAddress), cAddress, "", false)
	// A street name alone is part of an address, but the same words
	// name buildings and programmes: possible on its own.
	addValue("address", 0.6*ramp(share(cStreetName), 0.4, 0.8), share(cStreetName), cStreetName, "", true)

	// Person names.
	nameTyp, nameConf := c.nameCandidate(n)
	if nameConf > 0 {
		hits := cnt(cNameFull) + cnt(cNameFirst) + cnt(cNameLast) + cnt(cNameBoth) + 0.5*cnt(cNamePartial)
		k := cNameFull
		for _, kk := range []int{cNameFull, cNameLast, cNameFirst, cNameBoth, cNamePartial} {
			if c.counts[kk] > c.counts[k] {
				k = kk
			}
		}
		addValue(nameTyp, nameConf, hits/n, k, "", true)
	}

	// Dates.
	out = append(out, c.dateCandidates(n)...)

	// Ages over the limit.
	if col.age && !col.ageNotYears {
		switch {
		case c.counts[cAgeOver] > 0 && share(cAgeRange) >= 0.8:
			out = append(out, candidate{typ: "age_over_89", conf: 0.85, ev: []Evidence{{Check: "age",
				Type: "age_over_89", Share: round3(share(cAgeOver)),
				Detail: fmt.Sprintf("ages above %d", c.cfg.ageLimit)}}})
		case c.nonNull == 0:
			out = append(out, candidate{typ: "age_over_89", conf: 0.4, ev: []Evidence{{Check: "name",
				Type: "age_over_89", Share: 1, Detail: "age column without values to check"}}})
		}
	}

	// Small cells in counts.
	if col.count && c.allNumeric && c.counts[cSmall] > 0 && c.counts[cDecimal] == 0 && c.counts[cNegative] == 0 {
		out = append(out, candidate{typ: "small_cell", conf: 0.5, ev: []Evidence{{Check: "small_cell",
			Type: "small_cell", Share: round3(share(cSmall)), Detail: "counts from 1 to 5"}}})
	}

	// Free text.
	if c.counts[cTextHit] > 0 {
		out = append(out, c.textCandidate())
	}

	// Identifiers of unknown kind: a cryptic column of fixed-width
	// numbers or letter-and-digit codes that are not a sequence may be
	// record numbers.
	known := false
	for _, cd := range out {
		known = known || cd.conf >= possibleThreshold
	}
	if col.cryptic && n > 0 && !dense && c.counts[cDecimal] == 0 && c.counts[cNegative] == 0 && !known {
		ids := cnt(cIDShape) + cnt(cInt)
		if ids/n >= 0.9 && c.minLen >= 6 && (c.minLen == c.maxLen || cnt(cIDShape) >= 0.9*n) {
			conf := 0.45
			// Fixed-width numbers, many of them different and not in
			// sequence, are what record, member and account numbers
			// look like; codes repeat and keys count up.
			distinct := len(c.distinct)
			if c.minLen == c.maxLen && c.minLen >= 7 && c.counts[cLetters] == 0 && ids >= 20 &&
				distinct >= 30 && (distinct >= maxDistinct || float64(distinct) >= 0.1*ids) {
				conf = 0.66
			}
			out = append(out, candidate{typ: "mrn", conf: conf, soft: true, ev: []Evidence{{Check: "value",
				Type: "mrn", Share: round3(ids / n), Detail: "identifier-shaped values (" + c.example + ")"}}})
		}
	}

	out = c.combineName(out, n)

	// An organisation's address and phone, and a reference list of
	// places, are about no person.
	if (c.ctx.org || c.ctx.ref && c.ctx.geo) && !c.ctx.person {
		out = slices.DeleteFunc(out, func(cd candidate) bool {
			switch cd.typ {
			case "address", "city", "zip", "phone", "fax", "email", "url":
				return true
			}
			return false
		})
	}
	if (c.ctx.ref || c.ctx.drug) && !c.ctx.person {
		out = slices.DeleteFunc(out, func(cd candidate) bool { return cd.typ == "url" })
	}
	return out
}

// nameCandidate judges whether the values are people's names.
func (c *Classifier) nameCandidate(n float64) (string, float64) {
	if n == 0 {
		return "", 0
	}
	cnt := func(k int) float64 { return float64(c.counts[k]) }
	full, first, last, both := cnt(cNameFull), cnt(cNameFirst), cnt(cNameLast), cnt(cNameBoth)
	hits := full + first + last + both + 0.5*cnt(cNamePartial)
	if hits == 0 {
		return "", 0
	}
	shaped := hits + 0.5*cnt(cNamePartial) + cnt(cNameCommon) + cnt(cNameShape)
	distinct := float64(len(c.distinct))
	// A categorical column: few distinct single words, many repeats
	// ("White", "Black"). Full names repeat too (a handful of attending
	// physicians), but a category is rarely a given name and a surname.
	if distinct < 30 && distinct*3 < shaped && full < 0.5*hits {
		return "", 0
	}
	if cnt(cNameOrg)/n >= 0.2 {
		return "", 0
	}
	hs := hits / n
	col := c.col
	personNamed := col.typ == "first_name" || col.typ == "last_name" || col.typ == "name" && col.strength >= strongTerm
	// Names from a diverse population are often missing from the lists:
	// a column where nearly every value is name-shaped and most are
	// different needs fewer of them on the lists.
	diverse := shaped >= 0.8*n && (distinct >= maxDistinct || distinct >= 0.5*shaped)
	var v float64
	switch {
	case personNamed:
		v = 0.85 * ramp(hs, 0.1, 0.4)
	case diverse:
		v = 0.85 * ramp(hs, 0.15, 0.35)
	case col.typ == "name":
		v = 0.85 * ramp(hs, 0.25, 0.5)
	default:
		v = 0.85 * ramp(hs, 0.35, 0.6)
	}
	if full >= 0.5*hits {
		v = min(0.95, v*1.1)
	}
	nonPerson := col.nonPersonName || (c.ctx.drug || c.ctx.org) && !col.personName && !personNamed
	if nonPerson && (hs < 0.7 || full < 0.5*hits) {
		return "", 0
	}
	typ := "name"
	switch {
	case col.typ == "first_name" || col.typ == "last_name":
		typ = col.typ
	case full >= 0.4*hits:
	case first >= 2*last && first > 0:
		typ = "first_name"
	case last >= 2*first && last > 0:
		typ = "last_name"
	}
	return typ, v
}

// dateStrength says how strongly the column name and the table make the
// column's dates PHI, and as which type. Dates are PHI when they are about
// a person: births, deaths, admissions, services; coverage dates on a
// member's row; any date on a patient's row that the name does not mark
// as book-keeping. They are not PHI when the name marks them as
// book-keeping (created, updated, load), on reference and code tables,
// and in logs of system events.
func (c *Classifier) dateStrength() (typ string, s float64) {
	col, ctx := c.col, c.ctx
	people := ctx.person && !ctx.log
	switch {
	case col.refDate:
		return "", 0
	case col.typ == "birth_date" || col.typ == "death_date":
		return col.typ, max(col.strength, strongTerm)
	case col.eventDate:
		return "date", strongTerm
	case col.validityDate:
		if people {
			return "date", 0.7
		}
		return "", 0
	case ctx.log || ctx.ref && !ctx.person || ctx.org && !ctx.person:
		return "", 0
	case people || col.cryptic:
		return "date", 0.7
	}
	return "date", weakTerm
}

// dateCandidates judges date values.
func (c *Classifier) dateCandidates(n float64) []candidate {
	cnt := func(k int) float64 { return float64(c.counts[k]) }
	col := c.col
	typ, strength := c.dateStrength()
	dateNamed := col.typ == "birth_date" || col.typ == "death_date" || col.typ == "date"
	dated := cnt(cDate) + cnt(cDatePartial) + cnt(cDateSerial)
	if dateNamed || n > 0 && cnt(cDateInt)/n >= 0.8 {
		dated += cnt(cDateInt)
	}
	var out []candidate
	if n > 0 && dated > 0 && strength > 0 {
		ds := dated / n
		k := cDate
		for _, kk := range []int{cDateInt, cDateSerial, cDatePartial} {
			if c.counts[kk] > c.counts[k] {
				k = kk
			}
		}
		birth := typ == "birth_date"
		if !dateNamed && cnt(cDateOld30) >= 0.3*dated {
			// Unnamed dates reaching decades back are mostly births.
			typ, birth = "birth_date", true
		}
		conf := 0.4 * ramp(ds, 0.3, 0.8)
		if !dateNamed {
			conf = strength * ramp(ds, 0.3, 0.8)
		}
		out = append(out, candidate{typ: typ, conf: conf, soft: true, ev: []Evidence{{Check: "value",
			Type: typ, Share: round3(ds), Detail: c.masks[k]}}})
		if birth && c.counts[cDateOld] > 0 {
			out = append(out, candidate{typ: "age_over_89", conf: 0.9, ev: []Evidence{{Check: "date_age",
				Type: "age_over_89", Share: round3(cnt(cDateOld) / dated),
				Detail: fmt.Sprintf("birth dates implying an age above %d", c.cfg.ageLimit)}}})
		}
	}
	if col.birthYear && c.counts[cYearOld] > 0 {
		out = append(out, candidate{typ: "age_over_89", conf: 0.9, ev: []Evidence{{Check: "date_age",
			Type: "age_over_89", Share: round3(cnt(cYearOld) / max(cnt(cYear), 1)),
			Detail: fmt.Sprintf("birth years implying an age above %d", c.cfg.ageLimit)}}})
	}
	return out
}

// textCandidate judges a free-text column by the identifiers its rows
// embed.
func (c *Classifier) textCandidate() candidate {
	rows := float64(max(c.counts[cText], 1))
	hits := float64(c.counts[cTextHit])
	sh := hits / rows
	var conf float64
	switch {
	case hits >= 2 && sh >= 0.01:
		conf = 0.9
	case hits >= 2:
		conf = 0.6
	case rows <= 20:
		conf = 0.7
	default:
		conf = 0.5
	}
	if c.counts[cTextStrong] == 0 {
		conf *= 0.9
	}
	cd := candidate{typ: "free_text", conf: conf}
	order := make([]int, 0, thCount)
	for t := 0; t < thCount; t++ {
		if c.textCounts[t] > 0 {
			order = append(order, t)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return int(c.textCounts[b] - c.textCounts[a]) })
	for _, t := range order {
		cd.ev = append(cd.ev, Evidence{Check: "free_text", Type: textHitTypes[t],
			Share: round3(float64(c.textCounts[t]) / rows), Detail: c.textMasks[t]})
	}
	return cd
}

// compat is the share of values whose shape fits a type, for judging a
// column name against values that no detector validated.
func (c *Classifier) compat(typ string, n float64) float64 {
	if n == 0 {
		return 0
	}
	cnt := func(ks ...int) float64 {
		s := 0.0
		for _, k := range ks {
			s += float64(c.counts[k])
		}
		return s
	}
	var x float64
	switch typ {
	case "ssn":
		x = cnt(cSSNFmt, cSSNFmtBad, cSSNPlain, cSSNPlainBad, cSSNShort, cSSNLast4)
	case "mrn", "account", "device_id", "dea", "mbi", "npi", "credit_card":
		x = cnt(cIDShape, cMRN, cDEA, cMBI, cCard) + cnt(cInt)
	case "first_name", "last_name", "name":
		x = cnt(cNameFull, cNameFirst, cNameLast, cNameBoth, cNamePartial, cNameCommon, cNameShape)
	case "phone", "fax":
		x = cnt(cPhoneFmt, cPhoneFmtBad, cPhonePlain, cPhonePlainBad, cPhoneShape)
	case "email":
		x = cnt(cAt)
	case "zip":
		x = cnt(cZIP5, cZIP5Bad, cZIP4, cZIPShort)
	case "address", "city":
		x = cnt(cLetters)
	case "birth_date", "death_date", "date":
		x = cnt(cDate, cDatePartial, cDateInt, cDateSerial)
	case "ip":
		x = cnt(cIP)
	case "url":
		x = cnt(cURLID)
	case "free_text":
		x = cnt(cText, cLetters)
	default:
		x = n
	}
	return min(1, x/n)
}

// combineName merges the column-name evidence into the value candidates.
// Value evidence weighs more: a strong name term alone makes a column
// PHI only when the values fit its shape, and values that contradict it
// leave it possible.
func (c *Classifier) combineName(out []candidate, n float64) []candidate {
	col := c.col
	if col.typ == "" || col.strength == 0 {
		return out
	}
	typ, s := col.typ, col.strength
	if col.zip3 {
		s = weakTerm // ZIP3 is allowed by safe harbor unless restricted
	}
	isDate := typ == "date" || typ == "birth_date" || typ == "death_date"
	if isDate {
		if typ, s = c.dateStrength(); s == 0 {
			return out
		}
	}
	nameEv := Evidence{Check: "name", Type: typ, Share: 1, Detail: fmt.Sprintf("column name term %q", col.term)}

	// Soft value evidence of another type yields to the name.
	if s >= strongTerm {
		out = slices.DeleteFunc(out, func(cd candidate) bool {
			return cd.soft && cd.typ != typ && !(typ == "name" && (cd.typ == "first_name" || cd.typ == "last_name")) &&
				!(isDate && cd.typ == "date")
		})
	}
	var conf float64
	var valueEv []Evidence
	idx := -1
	for i, cd := range out {
		if cd.typ == typ || isDate && cd.typ == "date" ||
			typ == "name" && (cd.typ == "first_name" || cd.typ == "last_name") {
			idx = i
			break
		}
	}
	switch {
	case isDate:
		ds := c.compat(typ, n)
		switch {
		case col.birthYear && c.counts[cYear] > 0 && float64(c.counts[cYear]) >= 0.8*n:
			// A year of birth alone is allowed; only old ages matter,
			// and the date_age candidate carries those.
			conf = 0
		case n == 0:
			conf = s * 0.9
		case ds >= 0.3:
			conf = min(1, s+0.15*ramp(ds, 0.3, 0.8))
		default:
			conf = s * 0.5
		}
		if idx >= 0 {
			valueEv = out[idx].ev
			for i := range valueEv {
				valueEv[i].Type = typ
			}
			out = slices.Delete(out, idx, idx+1)
		}
	case typ == "ip" && c.counts[cIPPrivate] > 0 && c.counts[cIPPrivate] >= c.counts[cIP]*9/10:
		conf = s * 0.55 // internal addresses: possible at most
		if idx >= 0 {
			valueEv = out[idx].ev
			out = slices.Delete(out, idx, idx+1)
		}
	case idx >= 0:
		v := out[idx].conf
		conf = v + (1-v)*s*0.7
		valueEv = out[idx].ev
		if out[idx].typ != typ && typ == "name" {
			typ = out[idx].typ
		}
		out = slices.Delete(out, idx, idx+1)
	case n == 0:
		conf = s * 0.9
	default:
		conf = s * (0.45 + 0.55*c.compat(typ, n))
	}
	if conf <= 0 {
		return out
	}
	return append(out, candidate{typ: typ, conf: conf, ev: append([]Evidence{nameEv}, valueEv...)})
}

// maskMax is the longest value Mask reproduces in full.
const maskMax = 32

// Mask returns the pattern of a value without its content: digits become
// '#', letters 'A' or 'a' by case, and other characters are kept, so
// "078-05-1120" is "###-##-####" and "Smith" is "Aaaaa". Values longer
// than 32 characters are cut there and their length noted.
func Mask(v string) string {
	if isBinary(v) {
		// Bytes that are not text (ciphertext, images) have no pattern a
		// reader could use.
		return fmt.Sprintf("binary(%d bytes)", len(v))
	}
	var b strings.Builder
	b.Grow(min(len(v), maskMax) + 16)
	n := 0
	for _, r := range v {
		if n == maskMax {
			break
		}
		switch {
		case r >= '0' && r <= '9' || unicode.IsDigit(r):
			b.WriteByte('#')
		case unicode.IsUpper(r) || unicode.IsLetter(r) && !unicode.IsLower(r):
			b.WriteByte('A')
		case unicode.IsLetter(r):
			b.WriteByte('a')
		case unicode.IsControl(r):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
		n++
	}
	if total := utf8.RuneCountInString(v); total > maskMax {
		fmt.Fprintf(&b, "…(%d chars)", total)
	}
	return b.String()
}

// identifierLikeName reports whether a column name reads like an
// identifier ("pid", "member_no", "acctNbr", "patient_key").
func identifierLikeName(name string) bool {
	for _, t := range SplitColumnName(name) {
		switch t {
		case "id", "pid", "no", "num", "nbr", "number", "key", "code", "identifier", "uuid", "guid", "acct", "account":
			return true
		}
		if strings.HasSuffix(t, "id") && len(t) <= 6 {
			return true
		}
	}
	return false
}

// isBinary reports whether v is not text: invalid UTF-8 or control
// characters other than white space.
func isBinary(v string) bool {
	if !utf8.ValidString(v) {
		return true
	}
	for _, r := range v {
		if r < ' ' && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return true
		}
	}
	return false
}

// looksSealed reports whether v has the shape of a phicrypt version-1
// ciphertext: version 0x01, a 4-byte place check, Tink's 0x01 prefix, and
// at least the nonce, one encoded byte and the tag, in bytes that are not
// text.
func looksSealed(v string) bool {
	return len(v) >= 39 && v[0] == 0x01 && v[5] == 0x01 && isBinary(v)
}
