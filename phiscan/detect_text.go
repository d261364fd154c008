package phiscan

import (
	"embed"
	"strings"
	"sync"
)

// The name lists are frequent US given names and surnames; the common-word
// list holds names that are also ordinary English words ("Rose", "Grant",
// "White"), which count as evidence only next to other name tokens; the
// drug list holds generic and brand medication names, which are never
// person names.
//
//go:embed data/*.txt
var dataFS embed.FS

// Word flags.
const (
	wFirst uint16 = 1 << iota
	wLast
	wCommon
	wDrug
	wOrg
	wStreet
	wTitle
	wMonth
	wParticle
	wSuffix
	wState
	wUnit
	wDirection
)

var (
	wordsOnce sync.Once
	wordFlags map[string]uint16
)

func loadWords() {
	m := make(map[string]uint16, 8192)
	load := func(file string, f uint16) {
		b, err := dataFS.ReadFile("data/" + file)
		if err != nil {
			panic("phiscan: embedded word list: " + err.Error())
		}
		for line := range strings.Lines(string(b)) {
			w := strings.TrimSpace(line)
			if w != "" && w[0] != '#' {
				m[w] |= f
			}
		}
	}
	load("first_names.txt", wFirst)
	load("last_names.txt", wLast)
	load("common_words.txt", wCommon)
	load("drugs.txt", wDrug)
	add := func(f uint16, ws ...string) {
		for _, w := range ws {
			m[w] |= f
		}
	}
	add(wOrg, "hospital", "hospitals", "clinic", "clinics", "center", "centre", "medical", "health", "healthcare",
		"memorial", "regional", "general", "community", "university", "pharmacy", "laboratory", "laboratories",
		"labs", "lab", "associates", "group", "practice", "partners", "inc", "llc", "llp", "corp", "corporation",
		"company", "co", "ltd", "foundation", "institute", "services", "systems", "system", "care", "rehab",
		"rehabilitation", "nursing", "hospice", "urgent", "saint", "childrens", "children's", "veterans", "va",
		"baptist", "methodist", "presbyterian", "lutheran", "adventist", "catholic", "kaiser", "surgical",
		"surgery", "orthopedic", "orthopaedic", "cardiology", "oncology", "pediatrics", "pediatric", "dental",
		"dentistry", "imaging", "radiology", "diagnostics", "wellness", "physicians", "specialists", "network",
		"department", "dept", "county", "state", "city", "school", "college", "academy", "church", "bank",
		"insurance", "mutual", "national", "international", "holdings", "enterprises", "pharmaceuticals",
		"pharma", "therapeutics", "biotech", "labs", "supply", "supplies", "store", "market", "office",
		"agency", "authority", "board", "council", "trust", "fund", "plan", "plans", "shield", "cross",
		"blue", "united", "aetna", "cigna", "humana", "anthem", "medicaid", "medicare", "tricare", "unit",
		"ward", "icu", "emergency", "outpatient", "inpatient", "ambulatory", "behavioral", "mental",
		"tablet", "tablets", "capsule", "capsules", "injection", "solution", "suspension", "cream",
		"ointment", "mg", "mcg", "ml", "hcl", "er", "xr", "sr", "extended", "release", "oral", "topical")
	add(wStreet, "st", "street", "ave", "av", "avenue", "rd", "road", "blvd", "boulevard", "ln", "lane", "dr",
		"drive", "ct", "court", "way", "pl", "place", "ter", "terr", "terrace", "cir", "circle", "pkwy",
		"parkway", "hwy", "highway", "sq", "square", "trl", "trail", "loop", "pike", "row", "aly", "alley",
		"plz", "plaza", "cv", "cove", "xing", "crossing", "run", "path", "pass", "walk", "hts", "heights",
		"expy", "expressway", "fwy", "freeway", "tpke", "turnpike", "bnd", "bend", "crk", "creek", "grv",
		"grove", "holw", "hollow", "pt", "point", "rdg", "ridge", "vw", "view", "vly", "valley", "xrd",
		"mnr", "manor", "sta", "station", "cres", "crescent", "gdns", "gardens", "cswy", "causeway", "bay",
		"glen", "green", "commons", "spur", "landing", "ldg", "mews", "close", "ranch", "rte", "route")
	add(wTitle, "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sr", "sister", "rev", "fr", "capt", "sgt")
	add(wSuffix, "jr", "sr", "ii", "iii", "iv", "md", "phd", "rn", "np", "pa", "dds", "dmd", "esq", "cpa",
		"lpn", "mph", "facp", "facs", "dnp", "pharmd", "od", "dpm")
	add(wParticle, "de", "la", "del", "van", "von", "der", "den", "da", "di", "du", "le", "dos", "das", "st",
		"bin", "ibn", "al", "el", "mac", "ter", "ten", "y")
	add(wMonth, "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
		"january", "february", "march", "april", "june", "july", "august", "september", "october",
		"november", "december")
	add(wState, "al", "ak", "az", "ar", "ca", "co", "ct", "de", "dc", "fl", "ga", "hi", "id", "il", "in", "ia",
		"ks", "ky", "la", "me", "md", "ma", "mi", "mn", "ms", "mo", "mt", "ne", "nv", "nh", "nj", "nm", "ny",
		"nc", "nd", "oh", "ok", "or", "pa", "ri", "sc", "sd", "tn", "tx", "ut", "vt", "va", "wa", "wv", "wi",
		"wy", "pr", "gu", "vi")
	add(wUnit, "apt", "apartment", "suite", "ste", "unit", "bldg", "building", "fl", "floor", "rm", "room",
		"lot", "trlr", "dept", "#")
	add(wDirection, "n", "s", "e", "w", "ne", "nw", "se", "sw", "north", "south", "east", "west",
		"northeast", "northwest", "southeast", "southwest")
	wordFlags = m
	loadPlaces()
}

// lookupWord returns the flags of a word, case-insensitively and without
// allocating: the lower-case copy lives on the stack and the map lookup
// with string(bytes) does not copy.
func lookupWord(w string) uint16 {
	if len(w) == 0 || len(w) > 24 {
		return 0
	}
	var buf [24]byte
	n := 0
	apostrophe := false
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case c == 0xC3 && i+1 < len(w) && w[i+1] >= 0x80 && w[i+1] <= 0xBF:
			// Latin-1 letters in UTF-8: "García" is listed as "garcia".
			if b := latin1Base[w[i+1]-0x80]; b != 0 {
				c = b
				i++
			}
		case c == '\'':
			apostrophe = true
		}
		buf[n] = lower(c)
		n++
	}
	f := wordFlags[string(buf[:n])]
	if f == 0 && apostrophe {
		// "O'Brien" is listed as "obrien".
		m := 0
		for i := 0; i < n; i++ {
			if buf[i] != '\'' {
				buf[m] = buf[i]
				m++
			}
		}
		f = wordFlags[string(buf[:m])]
	}
	return f
}

// latin1Base maps the second byte of the UTF-8 encodings of U+00C0 to
// U+00FF to the unaccented letter.
var latin1Base = func() (t [64]byte) {
	const src = "AAAAAAACEEEEIIII" + "DNOOOOO_OUUUUY__" + "aaaaaaaceeeeiiii" + "dnooooo_ouuuuy_y"
	for i := 0; i < 64; i++ {
		if src[i] != '_' {
			t[i] = src[i]
		}
	}
	return t
}()

// trimWord strips the punctuation that surrounds a word in text.
func trimWord(w string) string {
	for len(w) > 0 && strings.IndexByte("([{\"'<*", w[0]) >= 0 {
		w = w[1:]
	}
	for len(w) > 0 && strings.IndexByte(".,;:)]}\"'!?>*", w[len(w)-1]) >= 0 {
		w = w[:len(w)-1]
	}
	return w
}

// Person-name verdicts for one value.
const (
	pnNone    = iota // not shaped like a name
	pnShape          // shaped like a name, no token on the lists
	pnCommon         // only ordinary words that are also names
	pnFirst          // one token, a given name
	pnLast           // one token, a surname
	pnBoth           // one token on both lists
	pnFull           // a given name and a surname
	pnPartial        // several tokens, one on the lists
	pnOrg            // a facility, company or drug
	pnCount
)

// personName judges whether a short alphabetic value is a person's name:
// "Smith", "JOHN", "Mary Ann Jones", "Smith, John A.", "O'Brien-Lee",
// "Dr. Jane Roe MD". Tokens of facilities ("General Hospital"), companies
// and drugs make it an organisation; lower-case words among capitalised
// ones make it prose.
func personName(s string) int {
	if len(s) < 2 || len(s) > 64 {
		return pnNone
	}
	var real, first, last, both, common, lowerWords, capWords int
	firstAt, lastAt := -1, -1
	pos := 0
	for i := 0; i < len(s); {
		for i < len(s) && (s[i] == ' ' || s[i] == ',') {
			i++
		}
		j := i
		for j < len(s) && s[j] != ' ' && s[j] != ',' {
			j++
		}
		if i == j {
			break
		}
		tok := s[i:j]
		i = j
		for len(tok) > 0 && tok[len(tok)-1] == '.' {
			tok = tok[:len(tok)-1]
		}
		if len(tok) == 0 {
			continue
		}
		for k := 0; k < len(tok); k++ {
			c := tok[k]
			if !isAlpha(c) && c != '\'' && c != '-' && c != '.' && c < 0x80 {
				return pnNone
			}
		}
		if len(tok) == 1 {
			continue // an initial
		}
		f := lookupWord(tok)
		if f == 0 && (strings.IndexByte(tok, '-') > 0 || strings.IndexByte(tok, '\'') > 0) {
			// "Smith-Jones", "O'Brien": the parts are the names.
			for part := range strings.FieldsFuncSeq(tok, func(r rune) bool { return r == '-' || r == '\'' }) {
				if len(part) > 1 {
					f |= lookupWord(part) &^ wCommon
				}
			}
		}
		if f&(wOrg|wDrug) != 0 && f&(wFirst|wLast) == 0 || f&wDrug != 0 {
			return pnOrg
		}
		if f&(wTitle|wSuffix) != 0 && f&(wFirst|wLast) == 0 || f&wParticle != 0 && f&(wFirst|wLast) == 0 {
			continue
		}
		real++
		if real > 4 {
			return pnNone
		}
		if isLower(tok[0]) {
			lowerWords++
		} else {
			capWords++
		}
		switch {
		case f&wCommon != 0:
			common++
		case f&wFirst != 0 && f&wLast != 0:
			both++
			if firstAt < 0 {
				firstAt = pos
			} else if lastAt < 0 {
				lastAt = pos
			}
		case f&wFirst != 0:
			first++
			firstAt = pos
		case f&wLast != 0:
			last++
			lastAt = pos
		}
		pos++
	}
	if real == 0 {
		return pnShape
	}
	if lowerWords > 0 && capWords > 0 {
		return pnNone
	}
	hits := first + last + both
	if real == 1 {
		switch {
		case both > 0:
			return pnBoth
		case first > 0:
			return pnFirst
		case last > 0:
			return pnLast
		case common > 0:
			return pnCommon
		}
		return pnShape
	}
	switch {
	case hits >= 2 && (first > 0 || both > 0) && (last > 0 || both > 0) || firstAt >= 0 && lastAt >= 0 && firstAt != lastAt:
		return pnFull
	case hits >= 1 && (hits+common >= 2 || real <= 3):
		return pnPartial
	case common > 0:
		return pnCommon
	}
	return pnShape
}

// streetAddress reports whether s starts with a street address: a house
// number, at least one name word and a street suffix ("123 Main St",
// "4567 N. Oak Avenue Apt 5", "12B W 5th St"), a post-office box or a
// rural route. What follows (unit, city, state, ZIP) is not examined, so
// the same check finds an address inside free text.
func streetAddress(s string) bool {
	tok, rest := nextWord(s)
	if tok == "" {
		return false
	}
	t := trimWord(tok)
	switch {
	case isHouseNumber(t):
	case isPOBox(t, rest):
		return true
	case strings.EqualFold(t, "rr") || strings.EqualFold(t, "hc"):
		n, _ := nextWord(rest)
		v, ok := digitsValue(trimWord(n))
		return ok && v > 0
	default:
		return false
	}
	words := 0
	for k := 0; k < 6; k++ {
		tok, rest = nextWord(rest)
		t = trimWord(tok)
		if t == "" {
			return false
		}
		f := lookupWord(t)
		if f&wStreet != 0 && words > 0 && isAlpha(t[0]) {
			return true
		}
		if f&wStreet != 0 && words == 0 {
			// "4521 Hwy 61", "12 Route 9".
			if n, _ := nextWord(rest); n != "" {
				if _, ok := digitsValue(trimWord(n)); ok {
					return true
				}
			}
		}
		switch {
		case f&wDirection != 0 && words == 0:
			// "123 N Main St": the direction is not the street's name.
		case isOrdinal(t) || isWordLike(t):
			words++
		default:
			return false
		}
		if tok != t && strings.IndexByte(",;", tok[len(tok)-1]) >= 0 {
			return false
		}
	}
	return false
}

// unambiguousStreet are street suffixes that are rarely anything else at
// the end of a capitalised phrase.
var unambiguousStreet = wordSet("st", "street", "ave", "avenue", "rd", "road", "blvd", "boulevard", "ln", "lane",
	"dr", "drive", "ct", "court", "pl", "place", "ter", "terrace", "cir", "circle", "pkwy", "parkway", "hwy",
	"highway", "trl", "trail", "pike", "expy", "expressway", "tpke", "turnpike")

// streetName reports a street without a house number: "Maple Terrace",
// "N Main St", "Martin Luther King Jr Blvd", as address columns split
// into number and street hold.
func streetName(s string) bool {
	words := 0
	rest := s
	for k := 0; k < 6; k++ {
		tok, r := nextWord(rest)
		rest = r
		t := trimWord(tok)
		if t == "" {
			return false
		}
		if strings.TrimSpace(rest) == "" {
			// The last word: a street suffix after a name.
			var buf [16]byte
			if words == 0 || len(t) > len(buf) {
				return false
			}
			for i := 0; i < len(t); i++ {
				buf[i] = lower(t[i])
			}
			return unambiguousStreet[string(buf[:len(t)])] && isUpper(t[0])
		}
		if !(isOrdinal(t) || isWordLike(t) && isUpper(t[0])) || lookupWord(t)&(wOrg|wDrug) != 0 {
			return false
		}
		words++
	}
	return false
}

// cityStateZIP reports whether s ends with a state abbreviation and a
// ZIP code after at least one word: "Springfield, IL 62704",
// "100 Broadway, New York, NY 10271-0001".
func cityStateZIP(s string) bool {
	i := strings.LastIndexByte(s, ' ')
	if i <= 0 {
		return false
	}
	zip := s[i+1:]
	switch len(zip) {
	case 5:
		v, ok := digitsValue(zip)
		if !ok || !validZIP5(int(v)) {
			return false
		}
	case 10:
		if _, ok := parseZIP4(zip); !ok {
			return false
		}
	default:
		return false
	}
	head := strings.TrimRight(s[:i], " ,")
	j := strings.LastIndexAny(head, " ,")
	if j <= 0 {
		return false
	}
	st := head[j+1:]
	if len(st) != 2 || !isUpper(st[0]) || !isUpper(st[1]) || lookupWord(st)&wState == 0 {
		return false
	}
	for k := 0; k < j; k++ {
		if isAlpha(head[k]) {
			return true
		}
	}
	return false
}

// nextWord splits off the first word of s. Words end at spaces and at
// the pipes of delimited composites ("12 Oak St|Boston|MA|02110", as
// OMOP's location_source_value holds an address).
func nextWord(s string) (word, rest string) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '|') {
		i++
	}
	j := i
	for j < len(s) && s[j] != ' ' && s[j] != '|' {
		j++
	}
	return s[i:j], s[j:]
}

func isHouseNumber(t string) bool {
	n := 0
	for n < len(t) && isDigit(t[n]) {
		n++
	}
	if n == 0 || n > 6 || t[0] == '0' {
		return false
	}
	r := t[n:]
	switch {
	case r == "":
		return true
	case len(r) == 1 && isAlpha(r[0]):
		return true // "12B"
	case r[0] == '-' && len(r) > 1:
		_, ok := digitsValue(r[1:])
		return ok // "12-14"
	}
	return false
}

func isOrdinal(t string) bool {
	n := 0
	for n < len(t) && isDigit(t[n]) {
		n++
	}
	if n == 0 || n > 3 || len(t) != n+2 {
		return false
	}
	sfx := t[n:]
	return eqFold(sfx, "st") || eqFold(sfx, "nd") || eqFold(sfx, "rd") || eqFold(sfx, "th")
}

func isWordLike(t string) bool {
	if len(t) < 2 && !(len(t) == 1 && isUpper(t[0])) {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !isAlpha(c) && c != '\'' && c != '-' && c != '.' && c < 0x80 {
			return false
		}
	}
	return true
}

func isPOBox(t, rest string) bool {
	switch {
	case eqFold(t, "po") || eqFold(t, "p.o") || eqFold(t, "p.o.") || eqFold(t, "pob") || eqFold(t, "box"):
	case eqFold(t, "post"):
		w, r := nextWord(rest)
		if !strings.EqualFold(w, "office") {
			return false
		}
		rest = r
	default:
		return false
	}
	for k := 0; k < 2; k++ {
		w, r := nextWord(rest)
		w = trimWord(w)
		if strings.EqualFold(w, "box") {
			rest = r
			continue
		}
		if w == "" {
			return false
		}
		if _, ok := digitsValue(strings.TrimPrefix(w, "#")); ok {
			return true
		}
		return false
	}
	return false
}
