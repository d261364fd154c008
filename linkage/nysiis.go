package linkage

// NYSIIS returns the New York State Identification and Intelligence System
// phonetic code of name (Taft 1970), untruncated, in upper case. Only the
// ASCII letters of name count (run the "name" transform first, which strips
// accents); a name without any yields "".
//
// Steps: the prefixes MAC, KN, K, PH, PF and SCH become MCC, N, C, FF, FF
// and SSS; the suffixes EE and IE become Y, and DT, RT, RD, NT and ND
// become D; the first letter is kept; from the second letter on, EV becomes
// AF, vowels A, Q G, Z S, M N, KN N, K C, SCH SS, PH F, H after or before a
// consonant (or at the end) the letter before it (A after a vowel), W after
// a vowel A; a translation is appended unless it ends with the letter the
// code ends with; finally a trailing S is dropped, a trailing AY becomes Y
// and a trailing A is dropped. Lookbehind and lookahead read the name's own
// letters, not their translations, as jellyfish does (whose test names
// pass, see nysiis_test.go); W after a vowel gives A as in the original,
// where jellyfish gives the vowel.
func NYSIIS(name string) string {
	v := make([]byte, 0, len(name))
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c >= 'A' && c <= 'Z' {
			v = append(v, c)
		}
	}
	if len(v) == 0 {
		return ""
	}
	s := string(v)
	switch {
	case hasPrefix(s, "MAC"):
		v[1] = 'C'
	case hasPrefix(s, "KN"):
		v = v[1:]
	case hasPrefix(s, "K"):
		v[0] = 'C'
	case hasPrefix(s, "PH"), hasPrefix(s, "PF"):
		v[0], v[1] = 'F', 'F'
	case hasPrefix(s, "SCH"):
		v[1], v[2] = 'S', 'S'
	}
	if n := len(v); n >= 2 {
		switch string(v[n-2:]) {
		case "EE", "IE":
			v = append(v[:n-2], 'Y')
		case "DT", "RT", "RD", "NT", "ND":
			v = append(v[:n-2], 'D')
		}
	}
	key := []byte{v[0]}
	at := func(i int) byte {
		if i < len(v) {
			return v[i]
		}
		return 0
	}
	for i := 1; i < len(v); i++ {
		c := v[i]
		var out string
		switch {
		case c == 'E' && at(i+1) == 'V':
			out = "AF"
			i++
		case isVowel(c):
			out = "A"
		case c == 'Q':
			out = "G"
		case c == 'Z':
			out = "S"
		case c == 'M':
			out = "N"
		case c == 'K':
			if at(i+1) == 'N' {
				out = "N"
			} else {
				out = "C"
			}
		case c == 'S' && at(i+1) == 'C' && at(i+2) == 'H':
			out = "SS"
			i += 2
		case c == 'P' && at(i+1) == 'H':
			out = "F"
			i++
		case c == 'H' && (!isVowel(v[i-1]) || i+1 == len(v) || !isVowel(v[i+1])):
			if isVowel(v[i-1]) {
				out = "A"
			} else {
				out = string(v[i-1])
			}
		case c == 'W' && isVowel(v[i-1]):
			out = "A"
		default:
			out = string(c)
		}
		if out[len(out)-1] != key[len(key)-1] {
			key = append(key, out...)
		}
	}
	if n := len(key); n > 1 && key[n-1] == 'S' {
		key = key[:n-1]
	}
	if n := len(key); n >= 2 && key[n-2] == 'A' && key[n-1] == 'Y' {
		key = append(key[:n-2], 'Y')
	}
	if n := len(key); n > 1 && key[n-1] == 'A' {
		key = key[:n-1]
	}
	return string(key)
}

func isVowel(c byte) bool {
	return c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U'
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }
