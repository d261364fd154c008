package phiscan

import (
	"fmt"
	"math"
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// defaultAgeLimit is the HIPAA safe-harbor age above which ages (and the
// birth dates that imply them) are identifying.
const defaultAgeLimit = 89

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
// empty string, a negative age limit, a column override whose key is not
// "table.column" or whose type is unknown (the error names the key).
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
	return validateOverrides(cfg.Columns)
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
