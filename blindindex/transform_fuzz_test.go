package blindindex

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// fuzzSingles holds one transform of every kind, and fuzzChains some
// chains as schemas spell them.
var (
	fuzzSingles = []string{
		"nfkc", "casefold", "lower", "trim", "nodiacritics", "digits", "letters", "alnum",
		"first:3", "last:3", "date:year", "date:month", "date:day", "date:yearmonth", "date:monthday",
	}
	fuzzChains = []string{
		"first:1", "last:1",
		"nfkc,casefold,trim", "nfkc,casefold,trim,nodiacritics", "nfkc,casefold,nodiacritics,trim",
		"nfkc,nodiacritics,trim", "casefold,trim", "casefold,alnum", "digits,last:4", "nfkc,digits,first:3",
		"trim,first:3", "lower,letters", "casefold,nfkc", "trim,date:yearmonth",
	}
)

// FuzzTransforms checks every transform and some chains on arbitrary
// input: no panics, ErrInvalidUTF8 exactly for invalid input, valid UTF-8
// out, errors that never depend on the value, agreement between a chain
// and its transforms applied one by one (the chain's in-place path against
// each transform's own), agreement with a reference implementation where
// there is one, idempotence where claimed, and every pair the preserves
// table claims.
func FuzzTransforms(f *testing.F) {
	for _, s := range []string{"", "  JOSÉ   García ", "078-05-1120", "1948-03-17T10:22:00Z", "a \u0301 b", "\xff"} {
		f.Add([]byte(s))
	}
	var singles []step
	var chains []Chain
	for _, spec := range append(append([]string{}, fuzzSingles...), fuzzChains...) {
		c, err := ParseChain(spec)
		if err != nil {
			f.Fatal(err)
		}
		chains = append(chains, c)
	}
	for _, c := range chains[:len(fuzzSingles)] {
		singles = append(singles, c.steps[0])
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		// Field values are short; long inputs only make minimizing slow.
		// 1 KiB still holds the runs of combining marks after which
		// normalization inserts U+034F.
		if len(in) > 1024 {
			return
		}
		valid := utf8.Valid(in)
		for _, c := range chains {
			checkChain(t, c, in, valid)
		}
		if !valid {
			// Transforms take valid UTF-8 only; they must still not panic.
			for _, s := range singles {
				s.Append(nil, in)
			}
			return
		}
		for _, s := range singles {
			checkReference(t, s, in)
		}
		for _, earlier := range singles {
			x, err := earlier.Append(nil, in)
			if err != nil || !earlier.Idempotent() {
				continue
			}
			for _, later := range singles {
				if preserves[later.kind()]&(1<<earlier.kind()) == 0 {
					continue
				}
				y, err := later.Append(nil, x)
				if err != nil {
					continue
				}
				if z, err := earlier.Append(nil, y); err != nil || !bytes.Equal(z, y) {
					t.Errorf("%s does not preserve %s: %s(%q) = %q, %s of that = %q, %v",
						later.Name(), earlier.Name(), later.Name(), x, y, earlier.Name(), z, err)
				}
			}
		}
	})
}

func checkChain(t *testing.T, c Chain, in []byte, valid bool) {
	t.Helper()
	out, err := c.Append(nil, in)
	if !valid {
		if !errors.Is(err, ErrInvalidUTF8) {
			t.Fatalf("%q on invalid UTF-8 %q: %q, %v", c.Spec(), in, out, err)
		}
		return
	}
	if err != nil {
		if len(out) != 0 {
			t.Errorf("%q(%q): %q returned with error %v", c.Spec(), in, out, err)
		}
		if !fixedError(c, err) {
			t.Errorf("%q(%q): unexpected error %v", c.Spec(), in, err)
		}
	} else if !utf8.Valid(out) || len(out) == 0 {
		t.Errorf("%q(%q) = %q: invalid UTF-8 or empty", c.Spec(), in, out)
	}

	// One by one.
	step := bytes.Clone(in)
	var stepErr error
	for _, s := range c.steps {
		if step, stepErr = s.Append(step[:0:0], step); stepErr != nil {
			break
		}
	}
	if stepErr == nil && len(step) == 0 {
		stepErr = ErrEmptyValue
	}
	if stepErr != err || (err == nil && !bytes.Equal(step, out)) {
		t.Errorf("%q(%q) = %q, %v; one transform at a time: %q, %v", c.Spec(), in, out, err, step, stepErr)
	}

	if err == nil && c.Idempotent() {
		if again, err := c.Append(nil, out); err != nil || !bytes.Equal(again, out) {
			t.Errorf("%q is not idempotent: %q -> %q -> %q, %v", c.Spec(), in, out, again, err)
		}
	}
}

// fixedError reports whether err is one the chain may return for valid
// input: such errors are built without the value, so they are the same
// values every time.
func fixedError(c Chain, err error) bool {
	if err == ErrEmptyValue {
		return true
	}
	for _, s := range c.steps {
		if d, ok := s.(dateT); ok && err == d.err {
			return true
		}
	}
	return false
}

// checkReference compares a transform with a straightforward
// implementation of its definition, and single transforms with
// Idempotent() == true with themselves applied twice.
func checkReference(t *testing.T, s step, in []byte) {
	t.Helper()
	orig := bytes.Clone(in)
	got, err := s.Append(nil, in)
	if !bytes.Equal(in, orig) {
		t.Fatalf("%s changed its src %q to %q", s.Name(), orig, in)
	}
	if err != nil {
		if s.kind() != kindDate || !errors.Is(err, ErrBadTransformInput) {
			t.Errorf("%s(%q): %v", s.Name(), in, err)
		}
		return
	}
	if !utf8.Valid(got) {
		t.Errorf("%s(%q) = %q: invalid UTF-8", s.Name(), in, got)
	}
	if s.Idempotent() {
		if again, err := s.Append(nil, got); err != nil || !bytes.Equal(again, got) {
			t.Errorf("%s is not idempotent: %q -> %q -> %q, %v", s.Name(), in, got, again, err)
		}
	}
	var want []byte
	str := string(in)
	switch s.kind() {
	case kindNFKC:
		want = norm.NFKC.Bytes(in)
	case kindCasefold:
		// Unicode folds Cherokee to the capitals; cases.Fold does not.
		want = []byte(strings.Map(func(r rune) rune {
			if unicode.Is(unicode.Cherokee, r) {
				return unicode.ToUpper(r)
			}
			return r
		}, string(cases.Fold().Bytes(in))))
	case kindLower:
		want = cases.Lower(language.Und).Bytes(in)
	case kindTrim:
		want = []byte(strings.Join(strings.FieldsFunc(str, unicode.IsSpace), " "))
	case kindNoDiacritics:
		tr := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), runes.Map(func(r rune) rune {
			if m, ok := noMarkLetter(r); ok {
				return rune(m)
			}
			return r
		}), norm.NFC)
		want, _, _ = transform.Bytes(tr, in)
	case kindLetters:
		want = []byte(strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) {
				return r
			}
			return -1
		}, str))
	case kindAlnum:
		want = []byte(strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return r
			}
			return -1
		}, str))
	case kindDigits:
		// Values are covered by TestDigitSets; here one ASCII digit per
		// decimal digit of the input.
		n := 0
		for _, r := range str {
			if unicode.IsDigit(r) {
				n++
			}
		}
		if len(got) != n || strings.Trim(string(got), "0123456789") != "" {
			t.Errorf("digits(%q) = %q", in, got)
		}
		return
	case kindFirst, kindLast:
		r := []rune(str)
		n := s.(runesT).n
		switch {
		case len(r) <= n:
		case s.kind() == kindFirst:
			r = r[:n]
		default:
			r = r[len(r)-n:]
		}
		want = []byte(string(r))
	case kindDate:
		return
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s(%q) = %q; want %q", s.Name(), in, got, want)
	}
}
