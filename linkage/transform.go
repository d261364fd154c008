package linkage

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/phicrypt/phicrypt/blindindex"
)

// A field's transforms are a comma-separated list applied in order, e.g.
// "name,nysiis". Besides every transform of blindindex (nfkc, casefold,
// lower, trim, nodiacritics, digits, letters, alnum, first:N, last:N,
// date:PART; docs/SCHEMA.md), linkage has:
//
//	name      nfkc,casefold,nodiacritics,letters: "Núñez-Smith" and
//	          "NUNEZ SMITH" both become "nunezsmith"
//	nickname  a common diminutive to its formal name ("bill" → "william");
//	          run after name
//	nysiis    the NYSIIS phonetic code; run after name
//	date      a date of birth to YYYY-MM-DD from YYYY-MM-DD, YYYY/MM/DD,
//	          YYYYMMDD, MM/DD/YYYY (US order), MM-DD-YYYY or DD.MM.YYYY,
//	          an optional time after a space or T ignored; not a calendar
//	          date, or a year outside 1800-2199: missing
//	sex       "m" or "f" from M, male, man, F, female, woman, W (any case);
//	          "x" from X, other, nonbinary; anything else, such as U or
//	          unknown: missing
//	ssn       the nine digits of a valid SSN (area not 000, 666 or 900-999,
//	          group not 00, serial not 0000, not a known placeholder);
//	          otherwise missing
//
// A value that ends up empty, or that a transform cannot take, is missing.
type step struct {
	name string
	f    func(string) (string, bool)
}

// nameChain is the "name" transform.
var nameChain = mustChain("nfkc,casefold,nodiacritics,letters")

func mustChain(spec string) blindindex.Chain {
	c, err := blindindex.ParseChain(spec)
	if err != nil {
		panic(err)
	}
	return c
}

func chainStep(name string, c blindindex.Chain) step {
	return step{name: name, f: func(s string) (string, bool) {
		out, err := c.Append(nil, []byte(s))
		if err != nil || len(out) == 0 {
			return "", false
		}
		return string(out), true
	}}
}

// parseTransforms parses a field's transforms; it returns the steps and
// their canonical spelling.
func parseTransforms(spec string) ([]step, string, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, "", nil
	}
	parts := strings.Split(spec, ",")
	steps := make([]step, 0, len(parts))
	names := make([]string, 0, len(parts))
	for _, p := range parts {
		p = strings.TrimSpace(p)
		var s step
		switch p {
		case "name":
			s = chainStep("name", nameChain)
		case "nickname":
			s = step{"nickname", func(v string) (string, bool) {
				if f, ok := nicknames[v]; ok {
					return f, true
				}
				return v, v != ""
			}}
		case "nysiis":
			s = step{"nysiis", func(v string) (string, bool) {
				c := NYSIIS(v)
				return c, c != ""
			}}
		case "date":
			s = step{"date", normDate}
		case "sex":
			s = step{"sex", normSex}
		case "ssn":
			s = step{"ssn", normSSN}
		default:
			if p == "" {
				return nil, "", fmt.Errorf("empty transform in %q: %w", spec, ErrBadConfig)
			}
			c, err := blindindex.ParseChain(p)
			if err != nil {
				return nil, "", fmt.Errorf("transform %q: %w (%v)", p, ErrBadConfig, err)
			}
			s = chainStep(c.Spec(), c)
		}
		steps = append(steps, s)
		names = append(names, s.name)
	}
	return steps, strings.Join(names, ","), nil
}

// applySteps runs the steps over v; false means the value is missing.
func applySteps(steps []step, v string) (string, bool) {
	if !utf8.ValidString(v) {
		return "", false
	}
	for _, s := range steps {
		var ok bool
		if v, ok = s.f(v); !ok {
			return "", false
		}
	}
	return v, v != ""
}

func normSex(v string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "m", "male", "man":
		return "m", true
	case "f", "female", "woman", "w":
		return "f", true
	case "x", "other", "nonbinary", "non-binary":
		return "x", true
	}
	return "", false
}

// placeholderSSNs are numbers printed on sample cards or typed as fillers.
var placeholderSSNs = map[string]bool{
	"078051120": true, "219099999": true, "123456789": true, "987654320": true,
}

func normSSN(v string) (string, bool) {
	d := make([]byte, 0, 9)
	for _, r := range v {
		switch {
		case r >= '0' && r <= '9':
			d = append(d, byte(r))
		case r == '-' || r == ' ' || r == '.' || r == '\t':
		default:
			return "", false
		}
	}
	if len(d) != 9 {
		return "", false
	}
	s := string(d)
	area, group, serial := s[0:3], s[3:5], s[5:9]
	if area == "000" || area == "666" || area[0] == '9' || group == "00" || serial == "0000" {
		return "", false
	}
	if placeholderSSNs[s] || strings.Count(s, s[:1]) == 9 {
		return "", false
	}
	return s, true
}

func normDate(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if i := strings.IndexAny(v, " Tt"); i >= 0 {
		v = v[:i]
	}
	var y, m, d string
	switch {
	case len(v) == 8 && allDigits(v):
		y, m, d = v[0:4], v[4:6], v[6:8]
	case strings.Count(v, "-") == 2 || strings.Count(v, "/") == 2 || strings.Count(v, ".") == 2:
		sep := "-"
		if strings.Contains(v, "/") {
			sep = "/"
		} else if strings.Contains(v, ".") {
			sep = "."
		}
		p := strings.Split(v, sep)
		switch {
		case len(p[0]) == 4 && sep != ".":
			y, m, d = p[0], p[1], p[2]
		case len(p[2]) == 4 && sep == ".":
			d, m, y = p[0], p[1], p[2]
		case len(p[2]) == 4:
			m, d, y = p[0], p[1], p[2]
		default:
			return "", false
		}
	default:
		return "", false
	}
	yi, ok1 := atoiN(y, 4, 4)
	mi, ok2 := atoiN(m, 1, 2)
	di, ok3 := atoiN(d, 1, 2)
	if !ok1 || !ok2 || !ok3 || yi < 1800 || yi > 2199 || mi < 1 || mi > 12 || di < 1 {
		return "", false
	}
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[mi]
	if mi == 2 && yi%4 == 0 && (yi%100 != 0 || yi%400 == 0) {
		days = 29
	}
	if di > days {
		return "", false
	}
	b := []byte("0000-00-00")
	put := func(at, n, width int) {
		for i := width - 1; i >= 0; i-- {
			b[at+i] = byte('0' + n%10)
			n /= 10
		}
	}
	put(0, yi, 4)
	put(5, mi, 2)
	put(8, di, 2)
	return string(b), true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func atoiN(s string, minLen, maxLen int) (int, bool) {
	if len(s) < minLen || len(s) > maxLen || !allDigits(s) {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}
