package blindindex_test

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/phicrypt/phicrypt/blindindex"
)

func chainOf(tb testing.TB, spec string) blindindex.Chain {
	tb.Helper()
	c, err := blindindex.ParseChain(spec)
	if err != nil {
		tb.Fatalf("ParseChain(%q): %v", spec, err)
	}
	return c
}

// transformCase is one row of TestTransforms. A nil err means success.
type transformCase struct {
	spec, in, want string
	err            error
}

var transformCases = []transformCase{
	// nfkc
	{"nfkc", "Hello, World", "Hello, World", nil},
	{"nfkc", "０７８-０５", "078-05", nil},
	{"nfkc", "e\u0301", "é", nil},
	{"nfkc", "Jose\u0301", "José", nil},
	{"nfkc", "ﬁle", "file", nil},
	{"nfkc", "Ⅻ ㎒", "XII MHz", nil},
	{"nfkc", "Nguyễn", "Nguyễn", nil},
	{"nfkc", "\u3000", " ", nil},

	// casefold
	{"casefold", "HeLLo WoRLD 42", "hello world 42", nil},
	{"casefold", "JOSÉ GARCÍA", "josé garcía", nil},
	{"casefold", "NGUYỄN", "nguyễn", nil},
	{"casefold", "Straße", "strasse", nil},
	{"casefold", "STRAẞE", "strasse", nil},
	{"casefold", "İstanbul", "i\u0307stanbul", nil},
	{"casefold", "ıI", "ıi", nil},
	{"casefold", "ΟΔΟΣ", "οδοσ", nil},
	{"casefold", "\u212a", "k", nil},            // Kelvin sign
	{"casefold", "ᏣᎳᎩ ꮳꮃꭹ ᏸ", "ᏣᎳᎩ ᏣᎳᎩ Ᏸ", nil}, // Cherokee folds to the capitals

	// lower
	{"lower", "HeLLo WoRLD 42", "hello world 42", nil},
	{"lower", "JOSÉ", "josé", nil},
	{"lower", "Straße", "straße", nil},
	{"lower", "STRAẞE", "straße", nil},
	{"lower", "İstanbul", "i\u0307stanbul", nil},
	{"lower", "ΟΔΟΣ ΟΔΟΣ", "οδος οδος", nil}, // final sigma

	// trim
	{"trim", "  John \t Smith\n", "John Smith", nil},
	{"trim", "a\u00a0\u00a0b", "a b", nil},
	{"trim", "\u3000山田\u3000\u3000太郎\u3000", "山田 太郎", nil},
	{"trim", "\u2003José\u2029García\u0085", "José García", nil},
	{"trim", "a\u200bb", "a\u200bb", nil}, // zero width space is not white space
	{"trim", " \t\u00a0\u3000 ", "", blindindex.ErrEmptyValue},
	{"trim", "Nguyễn Văn", "Nguyễn Văn", nil},

	// nodiacritics
	{"nodiacritics", "Núñez", "Nunez", nil},
	{"nodiacritics", "Nguyễn Thị Hương", "Nguyen Thi Huong", nil},
	{"nodiacritics", "Nu\u0301n\u0303ez", "Nunez", nil},
	{"nodiacritics", "Søren Ørsted", "Soren Orsted", nil},
	{"nodiacritics", "Łukasz Wałęsa", "Lukasz Walesa", nil},
	{"nodiacritics", "Đorđević", "Dordevic", nil},
	{"nodiacritics", "ǿ", "o", nil}, // ø with acute: both go
	{"nodiacritics", "Straße", "Straße", nil},
	{"nodiacritics", "İzmir", "Izmir", nil},
	{"nodiacritics", "Smith", "Smith", nil},
	{"nodiacritics", "\u0301", "", blindindex.ErrEmptyValue},

	// digits
	{"digits", "078-05-1120", "078051120", nil},
	{"digits", "٠٧٨-٠٥-١١٢٠", "078051120", nil}, // Arabic-Indic
	{"digits", "۰۷۸", "078", nil},               // Extended Arabic-Indic
	{"digits", "०७८", "078", nil},               // Devanagari
	{"digits", "０７８", "078", nil},               // full width
	{"digits", "𝟘𝟙𝟡𝟿", "0199", nil},             // mathematical
	{"digits", "1²3½", "13", nil},               // not decimal digits
	{"digits", "no digits", "", blindindex.ErrEmptyValue},

	// letters
	{"letters", "O'Brien-Smith 3rd", "OBrienSmithrd", nil},
	{"letters", "José García", "JoséGarcía", nil},
	{"letters", "e\u0301", "e", nil}, // marks are not letters: run nfkc first
	{"letters", "山田 太郎", "山田太郎", nil},
	{"letters", "١٢٣", "", blindindex.ErrEmptyValue},

	// alnum
	{"alnum", "Apt. 4B", "Apt4B", nil},
	{"alnum", "١٢٣-ab", "١٢٣ab", nil},
	{"alnum", "Nguyễn, 1948", "Nguyễn1948", nil},

	// first, last
	{"first:4", "Nguyễn", "Nguy", nil},
	{"first:4", "abc", "abc", nil},
	{"first:1", "Øre", "Ø", nil},
	{"first:3", "日本語テキスト", "日本語", nil},
	{"last:4", "078051120", "1120", nil},
	{"last:4", "ab", "ab", nil},
	{"last:2", "Zoë", "oë", nil},
	{"last:3", "日本語テキスト", "キスト", nil},

	// date
	{"date:year", "1948-03-17", "1948", nil},
	{"date:month", "1948-03-17", "03", nil},
	{"date:day", "1948-03-17", "17", nil},
	{"date:yearmonth", "1948-03-17", "1948-03", nil},
	{"date:monthday", "1948-03-17", "03-17", nil},
	{"date:year", "1948-03-17T10:22:00Z", "1948", nil},
	{"date:monthday", "1948-03-17 10:22", "03-17", nil},
	{"date:day", "2000-02-29", "29", nil},
	{"date:day", "1900-02-29", "", blindindex.ErrBadTransformInput},
	{"date:day", "1948-04-31", "", blindindex.ErrBadTransformInput},
	{"date:year", "1948-13-01", "", blindindex.ErrBadTransformInput},
	{"date:year", "1948-00-01", "", blindindex.ErrBadTransformInput},
	{"date:year", "1948-3-17", "", blindindex.ErrBadTransformInput},
	{"date:year", "17/03/1948", "", blindindex.ErrBadTransformInput},
	{"date:year", "1948-03-17x", "", blindindex.ErrBadTransformInput},
	{"date:year", "１９４８-03-17", "", blindindex.ErrBadTransformInput},
	{"date:year", "", "", blindindex.ErrBadTransformInput},

	// chains
	{"nfkc,casefold,trim,nodiacritics", "  JOSÉ   García ", "jose garcia", nil},
	{"nfkc,casefold,trim,nodiacritics", "Jose\u0301\u3000GARCI\u0301A", "jose garcia", nil},
	{"nfkc,casefold,trim,nodiacritics", "Nguyễn  Văn", "nguyen van", nil},
	{"nfkc,casefold,trim", "  STRAẞE ", "strasse", nil},
	{"digits,last:4", "078-05-1120", "1120", nil},
	{"nfkc,digits,first:3", "０７８-05", "078", nil},
	{"trim,date:year", " 1948-03-17 ", "1948", nil},
	{"", "As Is ", "As Is ", nil},
}

func TestTransforms(t *testing.T) {
	for _, tc := range transformCases {
		c := chainOf(t, tc.spec)
		// A prefix in dst must survive, and a failed call must not
		// extend it.
		prefix := []byte("prefix|")
		got, err := c.Append(bytes.Clone(prefix), []byte(tc.in))
		if !bytes.HasPrefix(got, prefix) {
			t.Fatalf("%s(%q): dst prefix lost: %q", tc.spec, tc.in, got)
		}
		got = got[len(prefix):]
		if tc.err != nil {
			if !errors.Is(err, tc.err) || len(got) != 0 {
				t.Errorf("%s(%q) = %q, %v; want error %v", tc.spec, tc.in, got, err, tc.err)
			}
			if err != nil && tc.in != "" && strings.Contains(err.Error(), tc.in) {
				t.Errorf("%s: error %q contains the value", tc.spec, err)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("%s(%q) = %q, %v; want %q", tc.spec, tc.in, got, err, tc.want)
		}
		// The transforms applied one by one must agree with the chain.
		step := []byte(tc.in)
		for _, tr := range c.Transforms() {
			if step, err = tr.Append(nil, step); err != nil {
				t.Fatalf("%s(%q) step %s: %v", tc.spec, tc.in, tr.Name(), err)
			}
		}
		if string(step) != tc.want {
			t.Errorf("%s(%q) step by step = %q; want %q", tc.spec, tc.in, step, tc.want)
		}
	}
}

// TestDigitSets checks the property digits relies on to find a digit's
// value, over every decimal digit Unicode has.
func TestDigitSets(t *testing.T) {
	c := chainOf(t, "digits")
	check := func(lo, hi, stride uint32) {
		if stride != 1 || (hi-lo+1)%10 != 0 {
			t.Fatalf("unicode.Nd range %U-%U stride %d is not made of whole digit sets", lo, hi, stride)
		}
		for set := lo; set < hi; set += 10 {
			var in []byte
			for r := set; r < set+10; r++ {
				in = utf8.AppendRune(in, rune(r))
			}
			got, err := c.Append(nil, in)
			if err != nil || string(got) != "0123456789" {
				t.Errorf("digits on the set at %U = %q, %v", set, got, err)
			}
		}
	}
	for _, r := range unicode.Nd.R16 {
		check(uint32(r.Lo), uint32(r.Hi), uint32(r.Stride))
	}
	for _, r := range unicode.Nd.R32 {
		check(r.Lo, r.Hi, r.Stride)
	}
}

func TestParseChainErrors(t *testing.T) {
	for _, tc := range []struct{ spec, names string }{
		{"frobnicate", "frobnicate"},
		{"nfkc,Casefold", "Casefold"},
		{"first:0", "first:0"},
		{"first:x", "first:x"},
		{"first:", "first:"},
		{"first", "first"},
		{"last:-1", "last:-1"},
		{"last:+4", "last:+4"},
		{"first:04", "first:04"},
		{"first:99999999999999999999", "first:99999999999999999999"},
		{"date:century", "date:century"},
		{"date", "date"},
		{"trim:1", "trim:1"},
		{"a,,b", `"a"`},
		{"nfkc,,trim", "transform 2"},
		{"nfkc,", "transform 2"},
		{",", "transform 1"},
	} {
		_, err := blindindex.ParseChain(tc.spec)
		if !errors.Is(err, blindindex.ErrBadConfig) {
			t.Errorf("ParseChain(%q) = %v; want ErrBadConfig", tc.spec, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.names) {
			t.Errorf("ParseChain(%q) error %q does not name %q", tc.spec, err, tc.names)
		}
	}
}

func TestInvalidUTF8(t *testing.T) {
	for _, spec := range []string{"", "nfkc", "casefold,trim", "digits", "date:year"} {
		c := chainOf(t, spec)
		for _, in := range []string{"\xff", "abc\xc3", "\xed\xa0\x80", "Jos\xe9"} {
			dst := []byte("keep")
			got, err := c.Append(dst, []byte(in))
			if !errors.Is(err, blindindex.ErrInvalidUTF8) || string(got) != "keep" {
				t.Errorf("%q.Append(%q) = %q, %v; want ErrInvalidUTF8 and dst unchanged", spec, in, got, err)
			}
		}
	}
}

func TestSpecRoundTrip(t *testing.T) {
	for _, tc := range []struct{ spec, canonical string }{
		{"", ""},
		{"nfkc,casefold,trim", "nfkc,casefold,trim"},
		{" nfkc , casefold,trim ", "nfkc,casefold,trim"},
		{"digits,last:4", "digits,last:4"},
		{"first:12,lower,letters,alnum,nodiacritics", "first:12,lower,letters,alnum,nodiacritics"},
		{"date:year,date:month,date:day,date:yearmonth,date:monthday", "date:year,date:month,date:day,date:yearmonth,date:monthday"},
	} {
		c := chainOf(t, tc.spec)
		if c.Spec() != tc.canonical {
			t.Errorf("ParseChain(%q).Spec() = %q; want %q", tc.spec, c.Spec(), tc.canonical)
		}
		again := chainOf(t, c.Spec())
		if again.Spec() != c.Spec() || len(again.Transforms()) != len(c.Transforms()) {
			t.Errorf("%q does not round-trip: %q", c.Spec(), again.Spec())
		}
		var names []string
		for _, tr := range c.Transforms() {
			names = append(names, tr.Name())
		}
		if strings.Join(names, ",") != tc.canonical {
			t.Errorf("names of %q = %q", tc.spec, names)
		}
	}
	var zero blindindex.Chain
	if zero.Spec() != "" || len(zero.Transforms()) != 0 || !zero.Idempotent() {
		t.Errorf("zero Chain: spec %q, %d transforms, idempotent %v", zero.Spec(), len(zero.Transforms()), zero.Idempotent())
	}
	if got, err := zero.Append([]byte("a"), []byte("Bc ")); err != nil || string(got) != "aBc " {
		t.Errorf("zero Chain Append = %q, %v", got, err)
	}
}

func TestIdempotent(t *testing.T) {
	for _, name := range []string{"nfkc", "casefold", "lower", "trim", "nodiacritics", "digits", "letters", "alnum", "first:3", "last:3"} {
		if tr := chainOf(t, name).Transforms()[0]; !tr.Idempotent() {
			t.Errorf("%s: Idempotent() = false", name)
		}
	}
	for _, part := range []string{"year", "month", "day", "yearmonth", "monthday"} {
		if chainOf(t, "date:"+part).Transforms()[0].Idempotent() {
			t.Errorf("date:%s: Idempotent() = true", part)
		}
	}
	for _, spec := range []string{"", "digits,last:4", "nfkc,trim", "casefold,trim", "casefold,alnum", "nfkc,nodiacritics,trim"} {
		if !chainOf(t, spec).Idempotent() {
			t.Errorf("%q: Idempotent() = false", spec)
		}
	}
	// Conservative: casefold output need not be NFKC, so the analysis
	// gives up, although on this value a second pass changes nothing.
	c := chainOf(t, "nfkc,casefold,trim")
	once, _ := c.Append(nil, []byte("\u0390"))
	twice, _ := c.Append(nil, once)
	if c.Idempotent() || string(once) != "\u03b9\u0308\u0301" || !bytes.Equal(once, twice) {
		t.Errorf("nfkc,casefold,trim: Idempotent() = %v, U+0390 -> %q -> %q", c.Idempotent(), once, twice)
	}
	// Chains of idempotent transforms that are not idempotent, each with a
	// value that shows it.
	for _, tc := range []struct{ spec, in string }{
		{"nfkc,casefold,trim,nodiacritics", "a \u0301 b"},
		{"trim,first:3", "ab cd"},
		{"trim,last:2", "a b"},
		{"casefold,nfkc", "㎒"},
		{"date:year", "1948-03-17"},
	} {
		c := chainOf(t, tc.spec)
		if c.Idempotent() {
			t.Errorf("%q: Idempotent() = true", tc.spec)
		}
		once, err := c.Append(nil, []byte(tc.in))
		if err != nil {
			t.Fatalf("%q(%q): %v", tc.spec, tc.in, err)
		}
		twice, err := c.Append(nil, once)
		if err == nil && bytes.Equal(once, twice) {
			t.Errorf("%q(%q): %q is a fixed point; pick a value that shows the chain is not idempotent", tc.spec, tc.in, once)
		}
	}
}

// TestAppendGrowsDst covers the transforms that cannot work in place,
// with a dst too small for the result.
func TestAppendGrowsDst(t *testing.T) {
	c := chainOf(t, "nfkc,casefold,nodiacritics,trim")
	in := strings.Repeat(" ǅUSAN STRAẞE ﬃ Ⅻ Nguyễn ", 40)
	want := strings.TrimSuffix(strings.Repeat("dzusan strasse ffi xii nguyen ", 40), " ")
	for _, capacity := range []int{1, 3, len(in), 4 * len(in)} {
		dst := append(make([]byte, 0, capacity), 'x')
		got, err := c.Append(dst, []byte(in))
		if err != nil || string(got) != "x"+want {
			t.Errorf("cap %d: got %q, %v", capacity, got, err)
		}
	}
}

// TestAppendBoundary checks that a transform treats src on its own:
// normalization must not compose it with what dst already holds, and src
// itself must stay as it was.
func TestAppendBoundary(t *testing.T) {
	for _, tc := range []struct{ spec, dst, src, want string }{
		{"nfkc", "e", "\u0301x", "e\u0301x"},
		{"nfkc", "\u1100", "\u1161", "\u1100\u1161"}, // Hangul jamo L, V
		{"nodiacritics", "\u1100", "\u1161é", "\u1100\u1161e"},
		{"casefold", "Σ", "ẞ", "Σss"},
		{"nfkc,casefold,nodiacritics,trim", "\u1100", " \u1161 ", "\u1100\u1161"},
	} {
		c := chainOf(t, tc.spec)
		src := []byte(tc.src)
		got, err := c.Append([]byte(tc.dst), src)
		if err != nil || string(got) != tc.want {
			t.Errorf("%s: Chain.Append(%q, %q) = %q, %v; want %q", tc.spec, tc.dst, tc.src, got, err, tc.want)
		}
		if len(c.Transforms()) == 1 {
			got, err = c.Transforms()[0].Append([]byte(tc.dst), src)
			if err != nil || string(got) != tc.want {
				t.Errorf("%s: Transform.Append(%q, %q) = %q, %v; want %q", tc.spec, tc.dst, tc.src, got, err, tc.want)
			}
		}
		if string(src) != tc.src {
			t.Errorf("%s: src changed to %q", tc.spec, src)
		}
	}
}

// TestASCII compares the ASCII paths with the standard library, on every
// ASCII byte at every offset of the eight-byte blocks and on long runs
// without white space.
func TestASCII(t *testing.T) {
	var all []byte
	for c := range utf8.RuneSelf {
		all = append(all, byte(c), 'A', 'z', byte(c), ' ', ' ', 'Q', byte(c), '@')
	}
	keep := func(f func(rune) bool) func(string) string {
		return func(s string) string {
			return strings.Map(func(r rune) rune {
				if f(r) {
					return r
				}
				return -1
			}, s)
		}
	}
	want := map[string]func(string) string{
		"casefold": strings.ToLower,
		"lower":    strings.ToLower,
		"nfkc":     func(s string) string { return s },
		"trim":     func(s string) string { return strings.Join(strings.Fields(s), " ") },
		"digits":   keep(func(r rune) bool { return r >= '0' && r <= '9' }),
		"alnum":    keep(func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }),
		"letters":  keep(unicode.IsLetter),
	}
	for _, in := range []string{
		string(all),
		strings.Repeat("Abcdefghijklmnop  QRSTUVWXYZ-0123456789\t", 3),
		"   ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`{|}~!   ",
		"x\x01y\x1fz\x7f ABCDEFGH",
	} {
		for spec, w := range want {
			got, err := chainOf(t, spec).Append(nil, []byte(in))
			if w(in) == "" && errors.Is(err, blindindex.ErrEmptyValue) {
				continue
			}
			if err != nil || string(got) != w(in) {
				t.Errorf("%s(%q) = %q, %v; want %q", spec, in, got, err, w(in))
			}
		}
	}
}

func TestConcurrentAppend(t *testing.T) {
	c := chainOf(t, "casefold,lower,nodiacritics")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				got, err := c.Append(nil, []byte("ΟΔΟΣ STRAẞE Núñez"))
				if err != nil || string(got) != "οδοσ strasse nunez" {
					t.Errorf("got %q, %v", got, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestAppendASCIIAllocs(t *testing.T) {
	src := []byte("  Jane  DOE-1948")
	buf := make([]byte, 0, 64)
	for _, spec := range []string{"casefold,trim", "nfkc,casefold,lower,trim,first:8", "alnum,last:4", "digits", "letters,nodiacritics"} {
		c := chainOf(t, spec)
		allocs := testing.AllocsPerRun(1000, func() {
			if _, err := c.Append(buf[:0], src); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%q: %v allocations per Append; want 0", spec, allocs)
		}
	}
}

func BenchmarkChain(b *testing.B) {
	for _, bc := range []struct{ name, spec, in string }{
		{"casefold,trim", "casefold,trim", "Margaret O'NEILL"},
		{"casefold,trim/untrimmed", "casefold,trim", "  Jane  DOE-1948"},
		{"nfkc,casefold,trim,nodiacritics", "nfkc,casefold,trim,nodiacritics", "Margaret O'NEILL"},
		{"non-ASCII/nfkc,casefold,trim,nodiacritics", "nfkc,casefold,trim,nodiacritics", "José  GARCÍA"},
		{"digits,last:4", "digits,last:4", "078-05-1120"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := chainOf(b, bc.spec)
			src := []byte(bc.in)
			buf := make([]byte, 0, 64)
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Append(buf[:0], src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
