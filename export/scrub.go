package export

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/phicrypt/phicrypt/phiscan"
)

// Placeholders by the type of identifier they replace.
var placeholders = map[string]string{
	"name": "[NAME]", "date": "[DATE]", "phone": "[PHONE]", "email": "[EMAIL]", "address": "[ADDRESS]",
	"ssn": "[SSN]", "mrn": "[MRN]", "url": "[URL]", "ip": "[IP]", "zip": "[ZIP]", "age_over_89": "[AGE]",
}

// Kinds of the row's own identifiers, by the placeholder they get.
const (
	ownName    = "name"
	ownDigits  = "digits" // SSN, phone, fax: matched on their digits
	ownWord    = "word"   // MRN, account: matched as a word
	ownText    = "text"   // email, street, city: matched as a phrase
	minOwnRune = 2
)

// ownID is one identifier of the row's patient to scrub from text.
type ownID struct {
	// folded is the value folded (lower case, no accents) for names, words
	// and phrases, the digits for ownDigits.
	folded string
	place  string
	digits bool
}

// ownIDs are the identifiers of one patient.
type ownIDs []ownID

// add adds the identifier v of the given kind (a scanner type).
func (o *ownIDs) add(kind, v string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return
	}
	switch kind {
	case "name", "first_name", "last_name":
		for _, w := range strings.FieldsFunc(fold(v), func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' }) {
			if utf8.RuneCountInString(w) >= minOwnRune {
				*o = append(*o, ownID{folded: w, place: "[NAME]"})
			}
		}
	case "ssn", "phone", "fax":
		d := digitsOf(v)
		if kind != "ssn" && len(d) > 10 {
			d = d[len(d)-10:]
		}
		if len(d) >= 7 {
			place := "[PHONE]"
			if kind == "ssn" {
				place = "[SSN]"
			}
			*o = append(*o, ownID{folded: d, place: place, digits: true})
		}
	case "mrn", "account":
		if f := fold(v); len(f) >= 3 {
			*o = append(*o, ownID{folded: f, place: "[MRN]"})
		}
	case "email":
		*o = append(*o, ownID{folded: fold(v), place: "[EMAIL]"})
	case "address", "street", "city":
		f := fold(v)
		if utf8.RuneCountInString(f) >= 3 {
			*o = append(*o, ownID{folded: f, place: "[ADDRESS]"})
		}
		// The street without its house number: "Quarry Lane".
		if n, rest, ok := strings.Cut(f, " "); ok && kind != "city" && digitsOf(n) != "" && strings.Contains(rest, " ") {
			*o = append(*o, ownID{folded: strings.TrimSpace(rest), place: "[ADDRESS]"})
		}
	}
}

// placeCodes encode the placeholders in pack.
var placeCodes = map[string]byte{"[NAME]": 'N', "[PHONE]": 'P', "[SSN]": 'S', "[MRN]": 'M', "[EMAIL]": 'E', "[ADDRESS]": 'A'}

var codePlaces = func() map[byte]string {
	m := map[byte]string{}
	for p, c := range placeCodes {
		m[c] = p
	}
	return m
}()

// pack encodes o in one string (a code byte, the folded value and a NUL
// each), the form kept per patient for the text of other tables: about
// 100 bytes a patient.
func (o ownIDs) pack() string {
	var b strings.Builder
	for _, id := range o {
		b.WriteByte(placeCodes[id.place])
		b.WriteString(id.folded)
		b.WriteByte(0)
	}
	return b.String()
}

// unpack appends the identifiers of a packed string to o.
func (o ownIDs) unpack(s string) ownIDs {
	for len(s) > 1 {
		i := strings.IndexByte(s, 0)
		if i < 0 {
			break
		}
		id := ownID{folded: s[1:i], place: codePlaces[s[0]]}
		id.digits = s[0] == 'P' || s[0] == 'S'
		o = append(o, id)
		s = s[i+1:]
	}
	return o
}

// scrubber replaces identifiers in free text. It is not safe for
// concurrent use.
type scrubber struct {
	finder *phiscan.TextFinder
	spans  []span
	fold   []byte
	offs   []int
}

type span struct {
	start, end int
	place      string
}

func newScrubber(cfg *phiscan.Config) (*scrubber, error) {
	f, err := phiscan.NewTextFinder(cfg)
	if err != nil {
		return nil, err
	}
	return &scrubber{finder: f}, nil
}

// scrub returns s with every identifier phiscan's detectors find, and
// every identifier of own, replaced by its placeholder. The result is
// scanned again until the detectors find nothing (a title left before a
// placeholder, "Mrs [NAME]", is a name to them), at most three times.
func (sc *scrubber) scrub(s string, own ownIDs) string {
	if s == "" {
		return s
	}
	out := sc.once(s, own)
	if len(sc.spans) == 0 {
		return s // the detectors found nothing in s itself
	}
	for i := 0; i < 3; i++ {
		if len(sc.finder.Find(out)) == 0 {
			return out
		}
		out = sc.once(out, nil)
	}
	if len(sc.finder.Find(out)) > 0 {
		// Give up on the text rather than let an identifier through.
		return "[REDACTED]"
	}
	return out
}

func (sc *scrubber) once(s string, own ownIDs) string {
	sc.spans = sc.spans[:0]
	for _, f := range sc.finder.Find(s) {
		p := placeholders[f.Type]
		if p == "" {
			p = "[REDACTED]"
		}
		sc.spans = append(sc.spans, span{f.Start, f.End, p})
	}
	if len(own) > 0 {
		sc.ownSpans(s, own)
	}
	if len(sc.spans) == 0 {
		return s
	}
	slices.SortFunc(sc.spans, func(a, b span) int {
		if a.start != b.start {
			return a.start - b.start
		}
		return b.end - a.end
	})
	var b strings.Builder
	b.Grow(len(s))
	at := 0
	for i := 0; i < len(sc.spans); {
		sp := sc.spans[i]
		end := sp.end
		j := i + 1
		for j < len(sc.spans) && sc.spans[j].start < end {
			end = max(end, sc.spans[j].end)
			j++
		}
		start := titleBefore(s, sp.start)
		if start < at {
			start = at
		}
		b.WriteString(s[at:start])
		b.WriteString(sp.place)
		at = end
		i = j
	}
	b.WriteString(s[at:])
	return b.String()
}

// titles are the words that announce a name and go with it.
var titles = []string{"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sr", "sra", "srta"}

// titleBefore returns the start of a title ("Mrs ", "Dr. ") right before
// position i of s, or i.
func titleBefore(s string, i int) int {
	j := i
	for j > 0 && s[j-1] == ' ' {
		j--
	}
	if j == i {
		return i
	}
	k := j
	if k > 0 && s[k-1] == '.' {
		k--
	}
	w := k
	for w > 0 && (s[w-1] >= 'a' && s[w-1] <= 'z' || s[w-1] >= 'A' && s[w-1] <= 'Z') {
		w--
	}
	if w < k && (w == 0 || !isLetterByte(s[w-1])) && slices.Contains(titles, strings.ToLower(s[w:k])) {
		return w
	}
	return i
}

func isLetterByte(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 }

// ownSpans adds the spans of the row's own identifiers: names and words
// at word boundaries and phrases anywhere in the folded text, digit
// identifiers wherever their digits appear in a run of digits and
// separators.
func (sc *scrubber) ownSpans(s string, own ownIDs) {
	sc.foldText(s)
	f := string(sc.fold)
	hasDigits := false
	for _, id := range own {
		if id.digits {
			hasDigits = true
			continue
		}
		for from := 0; ; {
			i := strings.Index(f[from:], id.folded)
			if i < 0 {
				break
			}
			i += from
			e := i + len(id.folded)
			from = i + 1
			if id.place == "[NAME]" || id.place == "[MRN]" {
				if i > 0 && wordByte(f[i-1]) || e < len(f) && wordByte(f[e]) {
					continue
				}
			}
			sc.spans = append(sc.spans, span{sc.offs[i], sc.offs[e], id.place})
		}
	}
	if hasDigits {
		sc.digitSpans(s, own)
	}
}

func wordByte(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80 }

// digitSpans finds runs of digits and separators whose digits hold a
// digit identifier of own.
func (sc *scrubber) digitSpans(s string, own ownIDs) {
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		j, last := i, i
		var d []byte
		for j < len(s) && (isDigit(s[j]) || strings.IndexByte(" -.()/+", s[j]) >= 0) {
			if isDigit(s[j]) {
				d = append(d, s[j])
				last = j
			}
			j++
		}
		start := i
		if start > 0 && s[start-1] == '(' {
			start--
		}
		for _, id := range own {
			if id.digits && strings.Contains(string(d), id.folded) {
				sc.spans = append(sc.spans, span{start, last + 1, id.place})
				break
			}
		}
		i = j
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// foldText sets sc.fold to s in lower case without accents, and sc.offs
// to the offset in s of each byte of it (plus one for the end).
func (sc *scrubber) foldText(s string) {
	sc.fold, sc.offs = sc.fold[:0], sc.offs[:0]
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			sc.fold = append(sc.fold, c)
			sc.offs = append(sc.offs, i)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		for _, b := range []byte(foldRune(r)) {
			sc.fold = append(sc.fold, b)
			sc.offs = append(sc.offs, i)
		}
		i += n
	}
	sc.offs = append(sc.offs, len(s))
}

// letters are the Latin letters NFD does not decompose, by their base.
var letters = map[rune]string{'ø': "o", 'Ø': "o", 'ł': "l", 'Ł': "l", 'đ': "d", 'Đ': "d", 'ħ': "h", 'Ħ': "h",
	'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe", 'ß': "ss", 'þ': "th", 'Þ': "th", 'ı': "i"}

// foldRune is r lower-cased without its accents.
func foldRune(r rune) string {
	if r < rune(len(latinFold)) {
		return latinFold[r]
	}
	return foldSlow(r)
}

// latinFold holds foldSlow of the Latin-1 and Latin Extended-A letters,
// the accents of most names.
var latinFold = func() (t [0x250]string) {
	for r := range t {
		t[r] = foldSlow(rune(r))
	}
	return t
}()

func foldSlow(r rune) string {
	if s, ok := letters[r]; ok {
		return s
	}
	var b strings.Builder
	for _, x := range norm.NFD.String(string(r)) {
		if unicode.Is(unicode.Mn, x) {
			continue
		}
		b.WriteRune(unicode.ToLower(x))
	}
	return b.String()
}

// fold is s lower-cased without accents.
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	var b strings.Builder
	for _, r := range s {
		if r < utf8.RuneSelf {
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteString(foldRune(r))
	}
	return b.String()
}

// digitsOf is the digits of s.
func digitsOf(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
