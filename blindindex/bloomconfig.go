package blindindex

import "fmt"

// GramKind says which n-grams of a value a Bloom index stores.
type GramKind uint8

const (
	// Prefix stores edge n-grams (the value's prefixes), for prefix search.
	Prefix GramKind = 1
	// Substring stores every n-gram, for substring (contains) search.
	Substring GramKind = 2
)

func (k GramKind) String() string {
	switch k {
	case Prefix:
		return "prefix"
	case Substring:
		return "substring"
	}
	return fmt.Sprintf("GramKind(%d)", uint8(k))
}

// DefaultMaxFill is the largest expected fill ratio a Bloom index accepts
// when BloomConfig.MaxFill is 0.
const DefaultMaxFill = 0.5

// BloomConfig configures a prefix or substring index. Lengths count runes
// of the normalized value.
type BloomConfig struct {
	// Name is the index name, mixed into every token (domain separation).
	Name string
	Kind GramKind
	// Transforms normalizes the value first, e.g. "nfkc,casefold,trim".
	Transforms string
	// MinGram and MaxGram bound the n-gram lengths. A needle shorter than
	// MinGram is refused (ErrNeedleTooShort).
	MinGram, MaxGram int
	// MaxGrams caps the grams stored per value (0: no cap beyond the
	// value's length).
	MaxGrams int
	// M is the filter size in bits (≤ 65536), K the bits set per gram.
	M, K uint
	// MaxFill refuses configurations whose expected fill ratio for the
	// largest value exceeds it (0: DefaultMaxFill).
	MaxFill float64
	// MaxLength refuses longer values, in runes after normalization
	// (0: 256).
	MaxLength int
}

// GramCount returns how many grams a normalized value of n runes yields
// (before de-duplication), after the MaxGrams cap.
func (c BloomConfig) GramCount(n int) int {
	count := c.uncappedGramCount(n)
	if c.MaxGrams > 0 && count > c.MaxGrams {
		count = c.MaxGrams
	}
	return count
}

func (c BloomConfig) uncappedGramCount(n int) int {
	count := 0
	switch c.Kind {
	case Prefix:
		hi := min(c.MaxGram, n)
		if hi >= c.MinGram {
			count = hi - c.MinGram + 1
		}
	case Substring:
		for g := c.MinGram; g <= c.MaxGram && g <= n; g++ {
			count += n - g + 1
		}
	}
	return count
}
