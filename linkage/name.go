package linkage

import (
	"strings"
	"unicode"
)

// SplitName splits a full name held in one column into last and first
// name. "Last, First Middle" is read by its comma whatever lastFirst says;
// without a comma, lastFirst tells whether the first word is the last
// name ("NUNEZ MARIA") or the last word is ("Maria Nunez"). Missing parts
// are "".
func SplitName(full string, lastFirst bool) (last, first string) {
	if l, f, ok := strings.Cut(full, ","); ok {
		words := strings.FieldsFunc(f, unicode.IsSpace)
		if len(words) > 0 {
			first = words[0]
		}
		return strings.TrimSpace(l), first
	}
	words := strings.FieldsFunc(full, unicode.IsSpace)
	switch {
	case len(words) == 0:
		return "", ""
	case len(words) == 1:
		return words[0], ""
	case lastFirst:
		return words[0], words[1]
	}
	return words[len(words)-1], words[0]
}
