package blindindex

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Transform normalizes a value before it is tokenized.
type Transform interface {
	// Append appends the transformed src to dst and returns the extended slice. src is valid UTF-8.
	Append(dst, src []byte) ([]byte, error)
	// Name is the transform's spelling in a schema, e.g. "casefold" or "first:4".
	Name() string
	// Idempotent reports whether applying the transform twice equals applying it once.
	Idempotent() bool
}

// Chain applies transforms in order. The zero Chain is the identity.
type Chain struct {
	steps []step
	spec  string
	// notIdem is negated so that the zero Chain, the identity, is
	// idempotent.
	notIdem bool
	// fused marks chains of nfkc, casefold, lower and trim only: on ASCII
	// they reduce to one pass of case mapping and space folding, in any
	// order, since NFKC is the identity there and case mapping neither
	// makes nor removes white space.
	fused, fusedLower, fusedTrim bool
}

// kind identifies a transform independently of its argument, for the
// idempotence analysis of chains.
type kind uint8

const (
	kindNFKC kind = iota
	kindCasefold
	kindLower
	kindTrim
	kindNoDiacritics
	kindDigits
	kindLetters
	kindAlnum
	kindFirst
	kindLast
	kindDate
	numKinds
)

// step is what every built-in transform implements. Chain.Append works on
// the bytes it has already appended to dst, so that the common case (ASCII
// through transforms that never lengthen their input) needs no scratch
// buffer and therefore no allocation.
type step interface {
	Transform
	kind() kind
	// inPlace overwrites b with its transform and returns the new length,
	// or ok=false, leaving b untouched, when the result could be longer
	// than b or needs a library that cannot work in place. ascii tells
	// that b is all ASCII, which lets most transforms skip decoding.
	inPlace(b []byte, ascii bool) (n int, ok bool, err error)
	// appendSlow is the general path for when inPlace declines. src must
	// not overlap dst[len(dst):cap(dst)].
	appendSlow(dst, src []byte) ([]byte, error)
}

// ParseChain parses a comma-separated spec like "nfkc,casefold,trim" or "digits,last:4". "" is the identity chain.
// An unknown name or a bad argument yields an error wrapping ErrBadConfig
// that names the offending part. Blanks around a part are ignored.
func ParseChain(spec string) (Chain, error) {
	if spec == "" {
		return Chain{}, nil
	}
	parts := strings.Split(spec, ",")
	steps := make([]step, 0, len(parts))
	names := make([]string, 0, len(parts))
	for i, p := range parts {
		p = strings.TrimSpace(p)
		s, err := parseStep(p)
		if err != nil {
			return Chain{}, fmt.Errorf("blindindex: transform %d of %q: %w", i+1, spec, err)
		}
		steps = append(steps, s)
		names = append(names, s.Name())
	}
	c := Chain{steps: steps, spec: strings.Join(names, ","), notIdem: !chainIdempotent(steps), fused: true}
	for _, s := range steps {
		switch s.kind() {
		case kindNFKC:
		case kindCasefold, kindLower:
			c.fusedLower = true
		case kindTrim:
			c.fusedTrim = true
		default:
			c.fused = false
		}
	}
	return c, nil
}

// appendFused is Append for a fused chain on ASCII src.
func (c Chain) appendFused(dst, src []byte) ([]byte, error) {
	start := len(dst)
	dst = slices.Grow(dst, len(src))[:start+len(src)]
	b := dst[start:]
	w := 0
	switch {
	case !c.fusedTrim && !c.fusedLower:
		w = copy(b, src)
	case !c.fusedTrim:
		for i, ch := range src {
			b[i] = asciiLower[ch]
		}
		w = len(src)
	default:
		space := true // drops leading white space
		for _, ch := range src {
			if asciiSpace[ch] != 0 {
				if !space {
					b[w] = ' '
					w++
					space = true
				}
				continue
			}
			if c.fusedLower {
				ch = asciiLower[ch]
			}
			b[w] = ch
			w++
			space = false
		}
		if w > 0 && space {
			w--
		}
	}
	if w == 0 {
		return dst[:start], ErrEmptyValue
	}
	return dst[:start+w], nil
}

func parseStep(p string) (step, error) {
	name, arg, hasArg := strings.Cut(p, ":")
	if p == "" {
		return nil, fmt.Errorf("empty transform name: %w", ErrBadConfig)
	}
	if !hasArg {
		switch name {
		case "nfkc":
			return nfkcT{}, nil
		case "casefold":
			return caseT{k: kindCasefold, name: "casefold", pool: &foldPool}, nil
		case "lower":
			return caseT{k: kindLower, name: "lower", pool: &lowerPool}, nil
		case "trim":
			return trimT{}, nil
		case "nodiacritics":
			return noDiacriticsT{}, nil
		case "digits":
			return filterT{k: kindDigits}, nil
		case "letters":
			return filterT{k: kindLetters}, nil
		case "alnum":
			return filterT{k: kindAlnum}, nil
		case "first", "last", "date":
			return nil, fmt.Errorf("%q needs an argument (%s:…): %w", p, name, ErrBadConfig)
		}
		return nil, fmt.Errorf("unknown transform %q: %w", p, ErrBadConfig)
	}
	switch name {
	case "first", "last":
		n, err := parseCount(arg)
		if err != nil {
			return nil, fmt.Errorf("%q: %w: %w", p, err, ErrBadConfig)
		}
		return runesT{last: name == "last", n: n}, nil
	case "date":
		part, ok := datePartByName[arg]
		if !ok {
			return nil, fmt.Errorf("%q: date part must be year, month, day, yearmonth or monthday: %w", p, ErrBadConfig)
		}
		return newDateT(part), nil
	}
	return nil, fmt.Errorf("unknown transform %q: %w", p, ErrBadConfig)
}

// parseCount accepts only the canonical spelling of a positive integer so
// that two spellings of a spec cannot both exist.
func parseCount(s string) (int, error) {
	if s == "" || s[0] < '1' || s[0] > '9' {
		return 0, errors.New("count must be a positive integer without sign or leading zeros")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errors.New("count must be a positive integer without sign or leading zeros")
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, errors.New("count out of range")
	}
	return n, nil
}

// Spec returns the canonical spec, which round-trips through ParseChain.
func (c Chain) Spec() string { return c.spec }

// Transforms returns the chain's transforms in the order they apply.
func (c Chain) Transforms() []Transform {
	ts := make([]Transform, len(c.steps))
	for i, s := range c.steps {
		ts[i] = s
	}
	return ts
}

// Idempotent reports whether applying the chain twice equals applying it
// once. That every transform is idempotent does not suffice: in
// "trim,nodiacritics" the second transform can remove a mark that stood
// between two spaces, leaving a run that a second pass collapses. So this
// is true only when every transform is idempotent and no transform can
// undo the normal form of one that ran before it (see preserves). The
// answer is conservative: a chain reported false may still be idempotent.
// "nfkc,casefold,trim" is reported false because casefold output need not
// be NFKC (U+0390 folds to a decomposed sequence), although there NFKC
// and casefold on a second pass give the same bytes again.
func (c Chain) Idempotent() bool { return !c.notIdem }

// Append validates src as UTF-8 (ErrInvalidUTF8), applies every transform and appends the result to dst.
// A result that is empty yields ErrEmptyValue: an empty value must not get
// a token, since every empty value would share it. On error dst is
// returned without the partial result. Append does not allocate for ASCII
// input when cap(dst)-len(dst) >= len(src) and the chain consists only of
// nfkc, casefold, lower, trim, digits, letters, alnum, first and last.
func (c Chain) Append(dst, src []byte) ([]byte, error) {
	ascii := isASCII(src)
	if ascii && c.fused {
		return c.appendFused(dst, src)
	}
	if !ascii && !utf8.Valid(src) {
		return dst, ErrInvalidUTF8
	}
	start := len(dst)
	dst = append(dst, src...)
	for _, s := range c.steps {
		n, ok, err := s.inPlace(dst[start:], ascii)
		if err != nil {
			return dst[:start], err
		}
		if ok {
			dst = dst[:start+n]
			if !ascii {
				// digits, for one, turns any input into ASCII.
				ascii = isASCII(dst[start:])
			}
			continue
		}
		// The previous result stays where it is as src, the new one is
		// appended after it and then moved down over it.
		mid := len(dst)
		dst, err = s.appendSlow(dst, dst[start:mid])
		if err != nil {
			return dst[:start], err
		}
		n = copy(dst[start:], dst[mid:])
		dst = dst[:start+n]
		ascii = isASCII(dst[start:])
	}
	if len(dst) == start {
		return dst, ErrEmptyValue
	}
	return dst, nil
}

// appendStep implements Transform.Append for every step in terms of its
// in-place and slow paths.
func appendStep(s step, dst, src []byte) ([]byte, error) {
	start := len(dst)
	dst = append(dst, src...)
	n, ok, err := s.inPlace(dst[start:], isASCII(src))
	if err != nil {
		return dst[:start], err
	}
	if ok {
		return dst[:start+n], nil
	}
	return s.appendSlow(dst[:start], src)
}

// appendInPlace is appendSlow for the steps whose inPlace never declines.
func appendInPlace(s step, dst, src []byte) ([]byte, error) {
	start := len(dst)
	dst = append(dst, src...)
	n, _, err := s.inPlace(dst[start:], isASCII(src))
	if err != nil {
		return dst[:start], err
	}
	return dst[:start+n], nil
}

func isASCII(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// nfkcT is Unicode NFKC.
type nfkcT struct{}

func (nfkcT) Name() string     { return "nfkc" }
func (nfkcT) Idempotent() bool { return true }
func (nfkcT) kind() kind       { return kindNFKC }

func (t nfkcT) Append(dst, src []byte) ([]byte, error) { return appendStep(t, dst, src) }

func (nfkcT) inPlace(b []byte, ascii bool) (int, bool, error) {
	// QuickSpan is a conservative check: text it accepts in full is
	// already NFKC, which covers most non-ASCII names too.
	if ascii || norm.NFKC.QuickSpan(b) == len(b) {
		return len(b), true, nil
	}
	return 0, false, nil
}

// appendSlow cannot use norm.NFKC.Append, which normalizes across the
// boundary with what dst already holds.
func (nfkcT) appendSlow(dst, src []byte) ([]byte, error) {
	return appendTransform(dst, src, norm.NFKC)
}

// A cases.Caser keeps state between calls and may not be shared between
// goroutines, hence the pools.
var (
	foldPool  = sync.Pool{New: func() any { c := cases.Fold(); return &c }}
	lowerPool = sync.Pool{New: func() any { c := cases.Lower(language.Und); return &c }}
)

// asciiLower maps A-Z to a-z and every other byte to itself.
var asciiLower = func() (t [256]byte) {
	for c := range t {
		t[c] = byte(c)
		if c >= 'A' && c <= 'Z' {
			t[c] += 'a' - 'A'
		}
	}
	return t
}()

// caseT is full case folding (casefold) or Unicode lower-casing (lower).
// On ASCII both reduce to mapping A-Z to a-z.
type caseT struct {
	k    kind
	name string
	pool *sync.Pool
}

func (t caseT) Name() string                           { return t.name }
func (caseT) Idempotent() bool                         { return true }
func (t caseT) kind() kind                             { return t.k }
func (t caseT) Append(dst, src []byte) ([]byte, error) { return appendStep(t, dst, src) }

func (caseT) inPlace(b []byte, ascii bool) (int, bool, error) {
	if !ascii {
		return 0, false, nil
	}
	// Eight bytes at a time: for ASCII bytes the additions cannot carry
	// into the next byte, and their top bits mark c >= 'A' and c > 'Z'.
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		upper := (x + 0x3f3f3f3f3f3f3f3f) &^ (x + 0x2525252525252525) & 0x8080808080808080
		binary.LittleEndian.PutUint64(b[i:], x|upper>>2)
	}
	for ; i < len(b); i++ {
		b[i] = asciiLower[b[i]]
	}
	return len(b), true, nil
}

func (t caseT) appendSlow(dst, src []byte) ([]byte, error) {
	c := t.pool.Get().(*cases.Caser)
	defer t.pool.Put(c)
	start := len(dst)
	dst, err := appendTransform(dst, src, c)
	if err == nil && t.k == kindCasefold {
		foldCherokee(dst[start:])
	}
	return dst, err
}

// foldCherokee corrects cases.Fold for Cherokee (golang/go#46101): Unicode
// folds the small letters, added later, to the capitals, whereas
// cases.Fold lower-cases capitals and upper-cases small letters, so that
// folding twice undoes the first fold. Mapping whatever small letters
// cases.Fold left gives the Unicode folding. Both forms take three bytes
// in UTF-8, so the change is made in place.
func foldCherokee(b []byte) {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r >= 0xab70 && r <= 0xabbf:
			utf8.EncodeRune(b[i:], r-0xab70+0x13a0)
		case r >= 0x13f8 && r <= 0x13fd:
			utf8.EncodeRune(b[i:], r-8)
		}
		i += size
	}
}

// appendTransform runs t over src into the spare capacity of dst, growing
// it as needed; transform.Bytes would allocate a fresh result every time.
func appendTransform(dst, src []byte, t transform.Transformer) ([]byte, error) {
	t.Reset()
	dst = slices.Grow(dst, len(src)+utf8.UTFMax)
	for {
		nDst, nSrc, err := t.Transform(dst[len(dst):cap(dst)], src, true)
		dst = dst[:len(dst)+nDst]
		src = src[nSrc:]
		switch err {
		case nil:
			return dst, nil
		case transform.ErrShortDst:
			// Grow by more than the spare capacity that proved too small,
			// so that every retry makes progress.
			dst = slices.Grow(dst, 2*(cap(dst)-len(dst))+len(src)+utf8.UTFMax)
		default:
			return dst, err
		}
	}
}

// trimT trims white space at both ends and collapses inner runs of white
// space to one ASCII space.
type trimT struct{}

func (trimT) Name() string     { return "trim" }
func (trimT) Idempotent() bool { return true }
func (trimT) kind() kind       { return kindTrim }

func (t trimT) Append(dst, src []byte) ([]byte, error) { return appendStep(t, dst, src) }

// asciiSpace is 1 for the ASCII bytes unicode.IsSpace accepts, and
// asciiSpaceTo maps them to ' ': tables keep the ASCII loop free of
// branches, which mispredict on values with irregular spacing.
var asciiSpace, asciiSpaceTo [256]byte

func init() {
	for c := range asciiSpaceTo {
		asciiSpaceTo[c] = byte(c)
	}
	for _, c := range "\t\n\v\f\r " {
		asciiSpace[c] = 1
		asciiSpaceTo[c] = ' '
	}
}

// inPlace always succeeds: a run of white space of at least one byte
// becomes at most one byte, so the write index never passes the read index.
func (trimT) inPlace(b []byte, ascii bool) (int, bool, error) {
	w := 0
	if ascii {
		if trimmedASCII(b) {
			return len(b), true, nil
		}
		// Every byte is written at w, but w advances past a space only
		// if the byte before it was no space; starting as if after a
		// space drops leading ones.
		prevSpace := 1
		i := 0
		for ; i+8 <= len(b); i += 8 {
			// Eight bytes none of which is below '!' hold no white
			// space and move as one word.
			x := binary.LittleEndian.Uint64(b[i:])
			if (x-0x2121212121212121)&^x&0x8080808080808080 == 0 {
				binary.LittleEndian.PutUint64(b[w:], x)
				w += 8
				prevSpace = 0
				continue
			}
			for _, c := range b[i : i+8] {
				sp := int(asciiSpace[c])
				b[w] = asciiSpaceTo[c]
				w += 1 - sp&prevSpace
				prevSpace = sp
			}
		}
		for _, c := range b[i:] {
			sp := int(asciiSpace[c])
			b[w] = asciiSpaceTo[c]
			w += 1 - sp&prevSpace
			prevSpace = sp
		}
		// One trailing space may remain from the last run.
		if w > 0 {
			w -= prevSpace
		}
		return w, true, nil
	}
	pending := false
	for r := 0; r < len(b); {
		c, size := utf8.DecodeRune(b[r:])
		if unicode.IsSpace(c) {
			pending = w > 0
			r += size
			continue
		}
		if pending {
			b[w] = ' '
			w++
			pending = false
		}
		w += copy(b[w:], b[r:r+size])
		r += size
	}
	return w, true, nil
}

func (t trimT) appendSlow(dst, src []byte) ([]byte, error) { return appendInPlace(t, dst, src) }

// trimmedASCII reports whether the ASCII b is already trimmed, as most
// stored values are, so that trim can skip rewriting it. False negatives
// only cost time: the checks below may flag a byte that is fine.
func trimmedASCII(b []byte) bool {
	if len(b) == 0 {
		return true
	}
	if b[0] == ' ' || b[len(b)-1] == ' ' {
		return false
	}
	const ones, highs, spaces = 0x0101010101010101, 0x8080808080808080, 0x2020202020202020
	var prev uint64 // the high bit of byte 0 set if the byte before was a space
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		// Any byte below ' ', which includes \t through \r.
		if (x-spaces)&^x&highs != 0 {
			return false
		}
		y := x ^ spaces
		sp := (y - ones) &^ y & highs // the spaces, and maybe a byte after one
		if sp&(sp<<8|prev) != 0 {
			return false
		}
		prev = sp >> 56
	}
	prevSpace := prev != 0
	for _, c := range b[i:] {
		if c < ' ' || c == ' ' && prevSpace {
			return false
		}
		prevSpace = c == ' '
	}
	return true
}

// noDiacriticsT strips combining marks: NFD, drop unicode.Mn, NFC. It also
// maps the letters of noMarkLetters.
type noDiacriticsT struct{}

func (noDiacriticsT) Name() string     { return "nodiacritics" }
func (noDiacriticsT) Idempotent() bool { return true }
func (noDiacriticsT) kind() kind       { return kindNoDiacritics }

func (t noDiacriticsT) Append(dst, src []byte) ([]byte, error) { return appendStep(t, dst, src) }

// noMarkLetter maps letters whose stroke or slash is part of the letter
// (no canonical decomposition) but which people often type without it.
// Each replacement is shorter than the original, which the in-place
// filtering relies on. ß is left to casefold, which expands it to "ss".
func noMarkLetter(r rune) (byte, bool) {
	switch r {
	case 'ø':
		return 'o', true
	case 'Ø':
		return 'O', true
	case 'ł':
		return 'l', true
	case 'Ł':
		return 'L', true
	case 'đ':
		return 'd', true
	case 'Đ':
		return 'D', true
	case 'ħ':
		return 'h', true
	case 'Ħ':
		return 'H', true
	case 'ŧ':
		return 't', true
	case 'Ŧ':
		return 'T', true
	}
	return 0, false
}

func (noDiacriticsT) inPlace(b []byte, ascii bool) (int, bool, error) {
	if ascii {
		return len(b), true, nil
	}
	return 0, false, nil
}

// appendSlow decomposes rune by rune rather than running NFD over the
// whole value, which costs several times more: the NFC pass at the end
// puts the combining marks that remain into canonical order anyway.
func (noDiacriticsT) appendSlow(dst, src []byte) ([]byte, error) {
	d := make([]byte, 0, len(src)+len(src)/2+utf8.UTFMax)
	for i := 0; i < len(src); {
		if src[i] < utf8.RuneSelf {
			d = append(d, src[i])
			i++
			continue
		}
		p := norm.NFD.Properties(src[i:])
		size := max(p.Size(), 1)
		seq := p.Decomposition()
		if seq == nil {
			seq = src[i : i+size]
		}
		for j := 0; j < len(seq); {
			c, n := utf8.DecodeRune(seq[j:])
			if m, ok := noMarkLetter(c); ok {
				d = append(d, m)
			} else if !unicode.Is(unicode.Mn, c) {
				d = append(d, seq[j:j+n]...)
			}
			j += n
		}
		i += size
	}
	// Not norm.NFC.Append: it would compose across the boundary with the
	// end of dst.
	return appendTransform(dst, d, norm.NFC)
}

// filterT keeps decimal digits (digits), letters (letters) or both (alnum)
// and drops everything else. digits also maps every decimal digit to its
// ASCII counterpart, since "٠٧٨" and "078" are the same number.
type filterT struct{ k kind }

func (t filterT) Name() string {
	switch t.k {
	case kindDigits:
		return "digits"
	case kindLetters:
		return "letters"
	}
	return "alnum"
}
func (filterT) Idempotent() bool { return true }
func (t filterT) kind() kind     { return t.k }

func (t filterT) Append(dst, src []byte) ([]byte, error) { return appendStep(t, dst, src) }

func (t filterT) keepASCII(c byte) bool {
	digit := c-'0' < 10
	letter := (c|0x20)-'a' < 26
	switch t.k {
	case kindDigits:
		return digit
	case kindLetters:
		return letter
	}
	return digit || letter
}

// inPlace always succeeds: a kept rune is copied unchanged or, for a
// non-ASCII digit, shrinks to one byte.
func (t filterT) inPlace(b []byte, ascii bool) (int, bool, error) {
	w := 0
	if ascii {
		for _, c := range b {
			if t.keepASCII(c) {
				b[w] = c
				w++
			}
		}
		return w, true, nil
	}
	for r := 0; r < len(b); {
		c, size := utf8.DecodeRune(b[r:])
		switch {
		case unicode.IsDigit(c) && t.k == kindDigits:
			b[w] = byte('0' + digitValue(c))
			w++
		case unicode.IsDigit(c) && t.k == kindAlnum,
			unicode.IsLetter(c) && t.k != kindDigits:
			w += copy(b[w:], b[r:r+size])
		}
		r += size
	}
	return w, true, nil
}

func (t filterT) appendSlow(dst, src []byte) ([]byte, error) { return appendInPlace(t, dst, src) }

// digitValue returns the value of a decimal digit (unicode.Nd). Unicode
// encodes every decimal digit set as ten consecutive code points from 0
// to 9, and the tables merge adjacent sets into one range, so the value
// is the offset into the range modulo 10.
func digitValue(r rune) int {
	for _, rg := range unicode.Nd.R16 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10
		}
	}
	return 0
}

// runesT keeps the first (or last) n runes. It counts code points, not
// user-perceived characters: "e\u0301" is two runes, so run nfkc first
// when that matters.
type runesT struct {
	last bool
	n    int
}

func (t runesT) Name() string {
	if t.last {
		return "last:" + strconv.Itoa(t.n)
	}
	return "first:" + strconv.Itoa(t.n)
}
func (runesT) Idempotent() bool { return true }
func (t runesT) kind() kind {
	if t.last {
		return kindLast
	}
	return kindFirst
}

func (t runesT) Append(dst, src []byte) ([]byte, error) { return appendStep(t, dst, src) }

func (t runesT) inPlace(b []byte, ascii bool) (int, bool, error) {
	if ascii {
		if len(b) <= t.n {
			return len(b), true, nil
		}
		if t.last {
			return copy(b, b[len(b)-t.n:]), true, nil
		}
		return t.n, true, nil
	}
	if !t.last {
		i, count := 0, 0
		for i < len(b) && count < t.n {
			_, size := utf8.DecodeRune(b[i:])
			i += size
			count++
		}
		return i, true, nil
	}
	i, count := len(b), 0
	for i > 0 && count < t.n {
		_, size := utf8.DecodeLastRune(b[:i])
		i -= size
		count++
	}
	return copy(b, b[i:]), true, nil
}

func (t runesT) appendSlow(dst, src []byte) ([]byte, error) { return appendInPlace(t, dst, src) }

// datePart selects what date:PART keeps of a YYYY-MM-DD date, as a byte
// range of it.
type datePart struct {
	name     string
	from, to int
}

var datePartByName = map[string]datePart{
	"year":      {"year", 0, 4},
	"month":     {"month", 5, 7},
	"day":       {"day", 8, 10},
	"yearmonth": {"yearmonth", 0, 7},
	"monthday":  {"monthday", 5, 10},
}

// dateT keeps one part of an ISO date. It is not idempotent: "1948" is
// not a date.
type dateT struct {
	part datePart
	// err is built once so that refusing a value costs no allocation; it
	// names the transform, never the value.
	err error
}

func newDateT(p datePart) dateT {
	return dateT{part: p, err: fmt.Errorf("blindindex: transform date:%s needs a YYYY-MM-DD date: %w", p.name, ErrBadTransformInput)}
}

func (t dateT) Name() string   { return "date:" + t.part.name }
func (dateT) Idempotent() bool { return false }
func (dateT) kind() kind       { return kindDate }

func (t dateT) Append(dst, src []byte) ([]byte, error) { return appendStep(t, dst, src) }

// inPlace always succeeds: the part is a byte range of the input.
func (t dateT) inPlace(b []byte, _ bool) (int, bool, error) {
	if !validDate(b) {
		return 0, false, t.err
	}
	return copy(b, b[t.part.from:t.part.to]), true, nil
}

func (t dateT) appendSlow(dst, src []byte) ([]byte, error) { return appendInPlace(t, dst, src) }

// validDate reports whether b starts with a calendar date YYYY-MM-DD
// (proleptic Gregorian) that ends b or is followed by 'T', 't' or a space
// and a time. The time is not inspected since no part uses it.
func validDate(b []byte) bool {
	if len(b) < 10 || b[4] != '-' || b[7] != '-' {
		return false
	}
	if len(b) > 10 && b[10] != 'T' && b[10] != 't' && b[10] != ' ' {
		return false
	}
	num := func(s []byte) int {
		v := 0
		for _, c := range s {
			if c-'0' >= 10 {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	y, m, d := num(b[0:4]), num(b[5:7]), num(b[8:10])
	if y < 0 || m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m]
	if m == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

// preserves[later] is the set of kinds whose outputs (their fixed points,
// as they are idempotent) stay fixed points after the later transform has
// run. If every transform of a chain preserves every earlier one, the
// chain's output is a fixed point of each of its transforms, so a second
// pass changes nothing. Kinds are left out whenever in doubt, e.g.:
//   - nfkc breaks casefold ("㎒" becomes "MHz"), trim ("¨" becomes " ̈")
//     and rune counts ("ﬃ");
//   - casefold breaks nfkc (U+0390 folds to a decomposed sequence),
//     lower (Cherokee folds to upper case) and rune counts ("ß");
//   - lower and casefold break letters ("İ" becomes "i" and U+0307);
//   - nodiacritics breaks trim ("a \u0301 b" loses the mark between the
//     spaces);
//   - first and last break trim ("ab cd" keeps "ab ").
//
// FuzzTransforms checks every pair claimed here.
var preserves = [numKinds]uint16{
	kindNFKC:         kinds(kindNFKC, kindDigits),
	kindCasefold:     kinds(kindCasefold, kindTrim, kindNoDiacritics, kindDigits),
	kindLower:        kinds(kindLower, kindTrim, kindNoDiacritics, kindDigits),
	kindTrim:         kinds(kindNFKC, kindCasefold, kindLower, kindTrim, kindNoDiacritics, kindDigits, kindLetters, kindAlnum, kindFirst, kindLast),
	kindNoDiacritics: kinds(kindNFKC, kindCasefold, kindLower, kindNoDiacritics, kindDigits),
	kindDigits:       kinds(kindNFKC, kindCasefold, kindLower, kindTrim, kindNoDiacritics, kindDigits, kindAlnum, kindFirst, kindLast),
	kindLetters:      kinds(kindCasefold, kindLower, kindTrim, kindDigits, kindLetters, kindAlnum, kindFirst, kindLast),
	kindAlnum:        kinds(kindCasefold, kindLower, kindTrim, kindDigits, kindLetters, kindAlnum, kindFirst, kindLast),
	kindFirst:        kinds(kindCasefold, kindLower, kindDigits, kindLetters, kindAlnum, kindFirst, kindLast),
	kindLast:         kinds(kindCasefold, kindLower, kindDigits, kindLetters, kindAlnum, kindFirst, kindLast),
}

func kinds(ks ...kind) uint16 {
	var set uint16
	for _, k := range ks {
		set |= 1 << k
	}
	return set
}

func chainIdempotent(steps []step) bool {
	for j, later := range steps {
		if !later.Idempotent() {
			return false
		}
		for _, earlier := range steps[:j] {
			if preserves[later.kind()]&(1<<earlier.kind()) == 0 {
				return false
			}
		}
	}
	return true
}
