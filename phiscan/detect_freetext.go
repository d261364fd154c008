package phiscan

import "strings"

// Identifiers found inside free text.
const (
	thSSN = iota
	thPhone
	thEmail
	thURL
	thIP
	thMRN
	thDate
	thName
	thAddress
	thZIP
	thAge
	thCount
)

var textHitTypes = [thCount]string{"ssn", "phone", "email", "url", "ip", "mrn", "date", "name", "address", "zip",
	"age_over_89"}

// textHits are the identifiers found in one text value; first holds the
// matching substring of each, for a masked example.
type textHits struct {
	mask  uint16
	first [thCount]string
	// spans, when set, receives every identifier found (TextFinder);
	// text is the value scanned, whose substrings add is given.
	spans *[]TextSpan
	text  string
}

func (h *textHits) add(t int, s string) {
	if h.mask&(1<<t) == 0 {
		h.mask |= 1 << t
		h.first[t] = s
	}
	if h.spans != nil {
		h.addSpan(t, s)
	}
}

// textScanner finds identifiers embedded in prose: formatted SSNs and
// phone numbers, emails, URLs, IP addresses, dates (numeric and with
// month names), ages over the limit ("92 yo"), street addresses, ZIP codes
// after a state, record numbers after an "MRN" label, and person names
// (a title and a capitalised word, a given name and a surname, or a
// relation word and a name). It reads each word once and looks words up
// only when they are capitalised or numeric.
type textScanner struct {
	dates    dateParser
	mrn      *mrnMatcher
	ageLimit int
	// noDates is set on reference tables, where dates in descriptions
	// are about the codes, not about people.
	noDates bool
}

// span returns the substring from start to the end of the k-th word after
// it (k=0: the word at start), without surrounding punctuation.
func span(s string, start, k int) string {
	i := start
	for w := 0; w <= k; w++ {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i == len(s) {
			break
		}
		for i < len(s) && !isSpace(s[i]) {
			i++
		}
	}
	t := s[start:i]
	for len(t) > 0 && strings.IndexByte(".,;:!?\"'", t[len(t)-1]) >= 0 {
		t = t[:len(t)-1]
	}
	return t
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// peekWord returns the trimmed word after position i.
func peekWord(s string, i int) string {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	j := i
	for j < len(s) && !isSpace(s[j]) {
		j++
	}
	return trimWord(s[i:j])
}

func eqFold(a, b string) bool { return len(a) == len(b) && strings.EqualFold(a, b) }

func (sc *textScanner) scan(s string, h *textHits) {
	var prev, prev2, prevRaw string
	prevStart := 0
	var prevFlags uint16
	prevCap := false
	for i := 0; i < len(s); {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		start := i
		for i < len(s) && !isSpace(s[i]) {
			i++
		}
		if start == i {
			break
		}
		raw := s[start:i]
		w := trimWord(raw)
		var flags uint16
		capWord := false
		if w != "" {
			c0 := w[0]
			switch {
			case strings.IndexByte(w, '@') > 0:
				if validEmail(w) {
					h.add(thEmail, w)
				}
			case c0 == 'h' || c0 == 'H' || c0 == 'w' || c0 == 'W' || c0 == 'f':
				if isURL(w) {
					h.add(thURL, w)
					break
				}
				fallthrough
			case isUpper(c0):
				if !isUpper(c0) {
					break
				}
				flags = lookupWord(w)
				capWord = isWordLike(w)
				sc.capitalised(s, start, i, w, flags, prevStart, prev, prevRaw, prevFlags, prevCap, h)
			case isDigit(c0) || c0 == '(' || c0 == '+' || raw[0] == '(':
				sc.number(s, start, w, prev, prev2, h)
			}
			if sc.mrn != nil && sc.mrn.match(w) {
				h.add(thMRN, w)
			}
		}
		prev2, prev, prevRaw, prevFlags, prevCap, prevStart = prev, w, raw, flags, capWord, start
	}
}

// capitalised handles a capitalised word: month-name dates and names.
func (sc *textScanner) capitalised(s string, start, end int, w string, f uint16, prevStart int, prev, prevRaw string,
	prevFlags uint16, prevCap bool, h *textHits) {
	if f&wMonth != 0 && !sc.noDates {
		for k := 2; k <= 3; k++ {
			if t := span(s, start, k); len(t) <= 24 {
				if _, _, ok := sc.dates.parseDate(t); ok {
					h.add(thDate, t)
					return
				}
			}
		}
		// "March 3": a month and a day are a date element even without
		// the year. "May" is left out: it is more often the verb.
		if len(w) >= 4 && !eqFold(w, "may") {
			if d, ok := digitsValue(peekWord(s, end)); ok && d >= 1 && d <= 31 {
				h.add(thDate, span(s, start, 1))
				return
			}
		}
	}
	if f&wTitle != 0 && f&(wFirst|wLast) == 0 {
		// "Dr. Smith", "Mrs Jones".
		next := peekWord(s, end)
		if len(next) > 1 && isUpper(next[0]) && isWordLike(next) && lookupWord(next)&(wCommon|wOrg|wStreet) == 0 {
			h.add(thName, span(s, start, 1))
		}
		return
	}
	if f&wCommon != 0 || !isWordLike(w) {
		return
	}
	isName := f&(wFirst|wLast) != 0
	if !isName {
		return
	}
	switch {
	case prevCap && prevFlags&wFirst != 0 && prevFlags&(wCommon|wTitle) == 0 && f&wLast != 0:
		// "John Smith".
		h.add(thName, span(s, prevStart, 1))
	case prevCap && prevFlags&wLast != 0 && prevFlags&wCommon == 0 && strings.HasSuffix(prevRaw, ",") && f&wFirst != 0:
		// "Smith, John".
		h.add(thName, w)
	case label(prev)&lRelation != 0:
		// "wife Mary", "patient Smith", "Name: Jones".
		h.add(thName, w)
	}
}

// Label words that give the next word its meaning in text.
const (
	lRelation uint8 = 1 << iota
	lPhone
	lSSN
	lMRN
	lAgeUnit
	lAge
)

var labelWords = func() map[string]uint8 {
	m := map[string]uint8{}
	add := func(f uint8, ws ...string) {
		for _, w := range ws {
			m[w] |= f
		}
	}
	add(lRelation, "patient", "pt", "name", "mother", "father", "son", "daughter", "wife", "husband", "spouse",
		"brother", "sister", "sibling", "guardian", "caregiver", "friend", "partner", "mom", "dad",
		"grandmother", "grandfather", "aunt", "uncle", "niece", "nephew", "contact", "nurse", "physician",
		"doctor", "pcp", "attending", "resident", "surname", "named", "called", "mr", "mrs", "ms", "dr")
	add(lPhone, "phone", "tel", "telephone", "cell", "mobile", "call", "ph", "fax", "pager", "contact", "number",
		"at")
	add(lSSN, "ssn", "ss", "social", "security", "ssn#", "ss#")
	add(lMRN, "mrn", "mr", "mrno", "chart", "record", "medrec", "acct", "account", "fin", "mrn#", "mr#")
	add(lAgeUnit, "yo", "y/o", "y.o", "y.o.", "year", "years", "yr", "yrs", "yoa")
	add(lAge, "age", "aged")
	return m
}()

// label returns the label flags of a word, ignoring case and a trailing
// colon, without allocating.
func label(w string) uint8 {
	for len(w) > 0 && w[len(w)-1] == ':' {
		w = w[:len(w)-1]
	}
	if len(w) == 0 || len(w) > 16 {
		return 0
	}
	var buf [16]byte
	for i := 0; i < len(w); i++ {
		buf[i] = lower(w[i])
	}
	return labelWords[string(buf[:len(w)])]
}

// number handles a word that starts with a digit or a parenthesis.
func (sc *textScanner) number(s string, start int, w, prev, prev2 string, h *textHits) {
	if a, g, sr, ok := parseFormattedSSN(w); ok {
		if validSSN(a, g, sr) {
			h.add(thSSN, w)
		}
		return
	}
	// Phone numbers may span words: "(617) 555-0123", "617 555 0123".
	for k := 0; k <= 2; k++ {
		t := span(s, start, k)
		if len(t) < 10 || len(t) > 20 {
			continue
		}
		if p, ok := parsePhone(t); ok && p.valid {
			if p.formatted || label(prev)&lPhone != 0 {
				h.add(thPhone, t)
				return
			}
		}
	}
	if !sc.noDates && len(w) >= 6 {
		if _, _, ok := sc.dates.parseDate(w); ok && strings.ContainsAny(w, "/-.") {
			h.add(thDate, w)
			return
		}
	}
	if len(w) <= 2 && !sc.noDates {
		// "4 March 2019".
		if t := span(s, start, 2); len(t) <= 20 {
			if _, _, ok := sc.dates.parseDate(t); ok {
				h.add(thDate, t)
				return
			}
		}
	}
	if strings.Count(w, ".") == 3 && validIP(w, 3, 0) {
		h.add(thIP, w)
		return
	}
	v, allDigits := digitsValue(w)
	switch {
	case allDigits && len(w) == 5 && len(prev) == 2 && isUpper(prev[0]) && isUpper(prev[1]) && lookupWord(prev)&wState != 0:
		if validZIP5(int(v)) {
			h.add(thZIP, w)
		}
		return
	case len(w) == 10 && len(prev) == 2 && lookupWord(prev)&wState != 0:
		if _, ok := parseZIP4(w); ok {
			h.add(thZIP, w)
		}
		return
	case allDigits && len(w) == 9 && label(prev)&lSSN != 0:
		if a, g, sr := splitSSN(v); validSSN(a, g, sr) {
			h.add(thSSN, w)
		}
		return
	}
	if label(prev)&lMRN != 0 || prev == "#" && label(prev2)&lMRN != 0 || eqFold(prev, "number") && eqFold(prev2, "record") {
		digits := 0
		for i := 0; i < len(w); i++ {
			if isDigit(w[i]) {
				digits++
			} else if !isAlnum(w[i]) && w[i] != '-' {
				digits = -100
			}
		}
		if digits >= 4 && len(w) >= 5 {
			h.add(thMRN, w)
			return
		}
	}
	if sc.ageOver(s, start, w, prev) {
		h.add(thAge, span(s, start, 1))
		return
	}
	if isHouseNumber(w) && streetAddress(s[start:]) {
		h.add(thAddress, span(s, start, 3))
	}
}

// ageOver finds ages above the limit: "92 yo", "92 y/o", "92-year-old",
// "92 years old", "age 92".
func (sc *textScanner) ageOver(s string, start int, w, prev string) bool {
	n := 0
	for n < len(w) && isDigit(w[n]) {
		n++
	}
	if n == 0 || n > 3 {
		return false
	}
	v, _ := digitsValue(w[:n])
	if int(v) <= sc.ageLimit || v > 125 {
		return false
	}
	unit := strings.TrimLeft(w[n:], "-")
	if unit == "" {
		if label(prev)&lAge != 0 {
			return true
		}
		unit = peekWord(s, start+len(w))
		if i := strings.IndexByte(unit, '-'); i > 0 {
			unit = unit[:i]
		}
	} else if i := strings.IndexByte(unit, '-'); i > 0 {
		unit = unit[:i]
	}
	return label(unit)&lAgeUnit != 0
}
