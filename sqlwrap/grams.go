package sqlwrap

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/phicrypt/phicrypt/blindindex"
)

// ftsWord spells a gram token as one FTS5 term: the gram length (0 for
// substring grams, which all have the index's length range) and the token
// in hex.
func ftsWord(g int, tok int64) string { return string(appendFTSWord(nil, g, tok)) }

func appendFTSWord(b []byte, g int, tok int64) []byte {
	b = append(b, 'g')
	b = strconv.AppendInt(b, int64(g), 10)
	b = append(b, 'x')
	return strconv.AppendUint(b, uint64(tok), 16)
}

// ftsDocument is the FTS5 text of a normalized value: its gram tokens
// under the primary key.
func ftsDocument(br *bloomRT, keys blindindex.PRF, runes []rune) (string, error) {
	doc := make([]byte, 0, 16*(br.idx.MaxGram-br.idx.MinGram+1))
	if br.idx.Kind == blindindex.Prefix {
		s := string(runes)
		for i, g := 0, br.idx.MinGram; g <= br.idx.MaxGram && g <= len(runes); i, g = i+1, g+1 {
			// The gram index applies first:g itself.
			tok, err := br.grams[i].Token(keys, s)
			if err != nil {
				return "", err
			}
			if len(doc) > 0 {
				doc = append(doc, ' ')
			}
			doc = appendFTSWord(doc, g, tok)
		}
		return string(doc), nil
	}
	toks, err := substringTokens(br, keys, keys.Primary(), runes)
	if err != nil {
		return "", err
	}
	for _, t := range toks {
		if len(doc) > 0 {
			doc = append(doc, ' ')
		}
		doc = appendFTSWord(doc, 0, t)
	}
	return string(doc), nil
}

// substringTokens returns the distinct gram tokens of a normalized value.
func substringTokens(br *bloomRT, keys blindindex.PRF, keyID uint32, runes []rune) ([]int64, error) {
	var out []int64
	seen := map[int64]bool{}
	n := 0
	for g := br.idx.MinGram; g <= br.idx.MaxGram; g++ {
		n += max(0, len(runes)-g+1)
		if br.idx.MaxGrams > 0 && n > br.idx.MaxGrams {
			return nil, fmt.Errorf("%w: value needs more than %d grams", blindindex.ErrValueTooLong, br.idx.MaxGrams)
		}
		var err error
		if out, err = gramTokens(br, keys, keyID, runes, g, seen, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// gramTokens appends to out the tokens, under key id, of the grams of
// length g of runes that are not in seen yet.
func gramTokens(br *bloomRT, keys blindindex.PRF, keyID uint32, runes []rune, g int, seen map[int64]bool, out []int64) ([]int64, error) {
	for i := 0; i+g <= len(runes); i++ {
		tok, err := br.gram.TokenFor(keys, keyID, 0, string(runes[i:i+g]))
		if err != nil {
			return nil, err
		}
		if !seen[tok] {
			seen[tok] = true
			out = append(out, tok)
		}
	}
	return out, nil
}

// pgIntArray formats positions as a PostgreSQL array literal, which pgx
// passes as text and the server casts to integer[].
func pgIntArray(pos []int32) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, p := range pos {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprint(&b, p)
	}
	b.WriteByte('}')
	return b.String()
}
