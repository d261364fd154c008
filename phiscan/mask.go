package phiscan

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maskMax is the longest value Mask reproduces in full.
const maskMax = 32

// Mask returns the pattern of a value without its content: digits become
// '#', letters 'A' or 'a' by case, and other characters are kept, so
// "078-05-1120" is "###-##-####" and "Smith" is "Aaaaa". Values longer
// than 32 characters are cut there and their length noted.
func Mask(v string) string {
	if isBinary(v) {
		// Bytes that are not text (ciphertext, images) have no pattern a
		// reader could use.
		return fmt.Sprintf("binary(%d bytes)", len(v))
	}
	var b strings.Builder
	b.Grow(min(len(v), maskMax) + 16)
	n := 0
	for _, r := range v {
		if n == maskMax {
			break
		}
		switch {
		case r >= '0' && r <= '9' || unicode.IsDigit(r):
			b.WriteByte('#')
		case unicode.IsUpper(r) || unicode.IsLetter(r) && !unicode.IsLower(r):
			b.WriteByte('A')
		case unicode.IsLetter(r):
			b.WriteByte('a')
		case unicode.IsControl(r):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
		n++
	}
	if total := utf8.RuneCountInString(v); total > maskMax {
		fmt.Fprintf(&b, "…(%d chars)", total)
	}
	return b.String()
}

// isBinary reports whether v is not text: invalid UTF-8 or control
// characters other than white space.
func isBinary(v string) bool {
	if !utf8.ValidString(v) {
		return true
	}
	for _, r := range v {
		if r < ' ' && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return true
		}
	}
	return false
}

// looksSealed reports whether v has the shape of a phicrypt version-1
// ciphertext: version 0x01, a 4-byte place check, Tink's 0x01 prefix, and
// at least the nonce, one encoded byte and the tag, in bytes that are not
// text.
func looksSealed(v string) bool {
	return len(v) >= 39 && v[0] == 0x01 && v[5] == 0x01 && isBinary(v)
}
