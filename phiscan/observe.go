package phiscan

import (
	"math"
	"net/netip"
	"strconv"
	"strings"
)

// Value counters. Each value increments at most a handful of them; the
// verdict is computed from the counts when the report is asked for.
const (
	cSSNFmt         = iota // ###-##-####, valid
	cSSNFmtBad             // ###-##-####, not a valid SSN
	cSSNPlain              // nine digits, valid
	cSSNPlainBad           // nine digits, not a valid SSN
	cSSNShort              // seven or eight digits, valid once zero-padded
	cSSNSample             // a famous sample number
	cSSNLast4              // four digits
	cPhoneFmt              // formatted, valid NANP
	cPhoneFmtBad           // phone-shaped, not valid NANP
	cPhonePlain            // ten digits (or 1 + ten), valid NANP
	cPhonePlainBad         // ten digits, not valid NANP
	cPhoneFiction          // 555-0100 to 555-0199
	cPhoneShape            // seven to fifteen digits with phone punctuation
	cEmail                 // valid email address
	cAt                    // contains @
	cZIP5                  // five digits, an assigned prefix
	cZIP5Lead              // the same, written with a leading zero
	cZIP5Bad               // five digits, an unassigned prefix
	cZIP4                  // ZIP+4
	cZIPRestricted         // a restricted three-digit prefix
	cZIP3                  // three digits (ZIP3 columns)
	cZIPShort              // three or four digits: a ZIP that lost its zeros
	cZIPPadded             // four digits that are a valid ZIP once zero-padded
	cZIPPaddedBad          // four digits that are not
	cIP                    // IPv4 or IPv6 address
	cIPPrivate             // a private, loopback or link-local address
	cURL                   // web address
	cPath                  // a path or relative link: "/chart/123"
	cURLID                 // a link or path carrying an identifier or a query
	cNPI                   // National Provider Identifier
	cLen10                 // ten digits
	cDEA                   // DEA registration number
	cMBI                   // Medicare Beneficiary Identifier
	cCard                  // payment card number
	cMRN                   // the site's MRN pattern
	cDate                  // a full date as text
	cDatePartial           // year and month
	cDateInt               // yyyymmdd as eight digits
	cDateSerial            // Excel serial or Unix time in a date-named column
	cDateOld               // a date implying an age over the limit
	cDateOld30             // a date thirty years ago or more
	cYear                  // a plausible year
	cYearOld               // a birth year implying an age over the limit
	cAddress               // street address
	cStreetName            // a street without a house number
	cNameFull              // given name and surname
	cNameFirst             // a given name
	cNameLast              // a surname
	cNameBoth              // a word on both name lists
	cNamePartial           // several words, one a name
	cNameCommon            // a name that is also a common word
	cNameShape             // alphabetic, name-shaped, not on the lists
	cNameOrg               // a facility, company or drug
	cUUID                  // UUID
	cIDShape               // letters and digits, no spaces
	cMasked                // digits partly blotted out: "XXX-XX-1234"
	cLetters               // contains letters
	cText                  // free text
	cTextHit               // free text with an embedded identifier
	cTextStrong            // free text with an SSN, phone, email, MRN or address
	cNumeric               // a number
	cInt                   // an integer
	cDecimal               // a number with a fraction
	cCoord                 // a number with three or more decimals, from -180 to 180
	cNegative              // a negative number
	cSmall                 // an integer from 1 to 5
	cAgeRange              // a number from 0 to 125
	cAgeOver               // a number above the age limit, up to 125
	cTimeOfDay             // a time of day without a date: "09:30", "14:05:00"
	cClinicianTitle        // a name with a clinician's title: "Dr. Ann Lee", "Ann Lee, MD"
	cCity                  // the name of a US place: "Des Moines", "ST. LOUIS"
	numCounters
)

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
	if letters > 0 && digits == 0 && n >= 6 && n <= 60 && clinicianTitle(v) {
		c.counts[cClinicianTitle]++
	}
	if colons > 0 && colons <= 2 && digits+colons+dots == n && n <= 15 && timeOfDay(v) {
		c.counts[cTimeOfDay]++
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
	if (v[0] == '/' || hasPrefixFold(v, "file://")) && spaces == 0 && letters > 0 {
		c.counts[cPath]++
		if urlHasID(v) || pathHasName(v) {
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
	if (n == 12 || n == 14) && dateNamed {
		// yyyymmddhhmm[ss], as HL7 writes a timestamp.
		if d, ok := ymdHMS(x, n); ok {
			c.date(cDateInt, d, v)
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
		if dot := strings.IndexByte(s, '.'); dot >= 0 && len(s)-dot > 3 && math.Abs(f) <= 180 {
			c.counts[cCoord]++
		}
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
	if placeName(v) {
		c.hit(cCity, v)
		c.addPlace(v)
	}
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

// addPlace adds v to the capped set of distinct place names: a handful
// of them ("Normal", "Mobile") is a categorical column, not addresses.
func (c *Classifier) addPlace(v string) {
	if len(c.places) >= maxDistinctPlaces {
		return
	}
	if c.places == nil {
		c.places = make(map[uint64]struct{}, 16)
	}
	h := uint64(14695981039346656037)
	for i := 0; i < len(v); i++ {
		h ^= uint64(lower(v[i]))
		h *= 1099511628211
	}
	c.places[h] = struct{}{}
}

// maxDistinctPlaces caps the distinct place names counted.
const maxDistinctPlaces = 64

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

// timeOfDay reports "H:MM", "HH:MM:SS" or "HH:MM:SS.fff" with an hour
// below 24 and minutes below 60: a clock time, which dates nothing.
func timeOfDay(v string) bool {
	h, rest, ok := strings.Cut(v, ":")
	if !ok || len(h) < 1 || len(h) > 2 || len(rest) < 2 {
		return false
	}
	hour, err := strconv.Atoi(h)
	if err != nil || hour > 23 {
		return false
	}
	m := rest[:2]
	minute, err := strconv.Atoi(m)
	if err != nil || minute > 59 {
		return false
	}
	rest = rest[2:]
	if rest == "" {
		return true
	}
	if rest[0] != ':' || len(rest) < 3 {
		return false
	}
	sec, err := strconv.Atoi(rest[1:3])
	if err != nil || sec > 59 {
		return false
	}
	rest = rest[3:]
	return rest == "" || rest[0] == '.' && len(rest) > 1 && strings.Trim(rest[1:], "0123456789") == ""
}

// clinicianTitles are the degrees written after a clinician's name; the
// short ones that are also surnames ("Do", "Pa", "Od") count only after
// a comma.
var clinicianTitles = []string{"md", "m.d.", "np", "pa-c", "rn", "dds", "dmd", "fnp", "aprn", "crna", "pharmd", "dpm"}

var clinicianTitlesComma = []string{"do", "pa", "od"}

// clinicianTitle reports a name written with a clinician's title: "Dr.
// Ann Lee", "Dr Lee", "Ann Lee, MD", "Lee, Ann NP". It does not allocate.
func clinicianTitle(v string) bool {
	if len(v) > 3 && (v[0] == 'D' || v[0] == 'd') && (v[1] == 'r' || v[1] == 'R') && (v[2] == '.' || v[2] == ' ') {
		return true
	}
	i := strings.LastIndexByte(v, ' ')
	if i <= 0 || len(v)-i-1 > 6 {
		return false
	}
	suffix, before := v[i+1:], strings.TrimRight(v[:i], " ")
	comma := strings.HasSuffix(before, ",")
	if !comma && strings.IndexByte(before, ' ') < 0 {
		return false // "Ann MD": a given name and a title is too little
	}
	for _, t := range clinicianTitles {
		if strings.EqualFold(suffix, t) {
			return true
		}
	}
	if comma {
		for _, t := range clinicianTitlesComma {
			if strings.EqualFold(suffix, t) {
				return true
			}
		}
	}
	return false
}

// pathHasName reports a link or path whose file name carries a person's
// name: ".../documents/12/Smith_John_insurance_card.pdf".
func pathHasName(v string) bool {
	if i := strings.LastIndexByte(v, '/'); i >= 0 {
		v = v[i+1:]
	}
	words := strings.FieldsFunc(v, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '\'') })
	for i := 0; i+1 < len(words) && i < 6; i++ {
		if personName(words[i]+" "+words[i+1]) == pnFull || personName(words[i+1]+" "+words[i]) == pnFull {
			return true
		}
	}
	return false
}
