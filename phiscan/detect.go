package phiscan

import (
	"net/netip"
	"strings"
)

// The detectors below work on bytes and allocate nothing: the full-table
// mode calls them millions of times a second.

func isDigit(b byte) bool { return b >= '0' && b <= '9' }
func isUpper(b byte) bool { return b >= 'A' && b <= 'Z' }
func isLower(b byte) bool { return b >= 'a' && b <= 'z' }
func isAlpha(b byte) bool { return isUpper(b) || isLower(b) }
func isAlnum(b byte) bool { return isDigit(b) || isAlpha(b) }
func lower(b byte) byte {
	if isUpper(b) {
		return b + 'a' - 'A'
	}
	return b
}

// digitsValue parses an all-digit string of up to 19 digits.
func digitsValue(s string) (uint64, bool) {
	if len(s) == 0 || len(s) > 19 {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
}

// SSN validity per the Social Security Administration's rules: area 000,
// 666 and 900-999 are never issued, nor group 00 or serial 0000.
func validSSN(area, group, serial int) bool {
	return area > 0 && area != 666 && area < 900 && group > 0 && serial > 0
}

// sampleSSN reports numbers that are SSN-shaped but famous as examples:
// the Woolworth wallet card, the SSA's own sample card, and the usual
// test value. They are counted as SSNs (a column of them is built to
// hold SSNs) and flagged in the evidence.
func sampleSSN(area, group, serial int) bool {
	switch {
	case area == 78 && group == 5 && serial == 1120,
		area == 219 && group == 9 && serial == 9999,
		area == 123 && group == 45 && serial == 6789,
		area == 457 && group == 55 && serial == 5462:
		return true
	}
	return false
}

func splitSSN(v uint64) (area, group, serial int) {
	return int(v / 1000000), int(v / 10000 % 100), int(v % 10000)
}

// parseFormattedSSN accepts "###-##-####" and "### ## ####".
func parseFormattedSSN(s string) (area, group, serial int, ok bool) {
	if len(s) != 11 || (s[3] != '-' || s[6] != '-') && (s[3] != ' ' || s[6] != ' ') {
		return 0, 0, 0, false
	}
	for _, i := range [...]int{0, 1, 2, 4, 5, 7, 8, 9, 10} {
		if !isDigit(s[i]) {
			return 0, 0, 0, false
		}
	}
	area = int(s[0]-'0')*100 + int(s[1]-'0')*10 + int(s[2]-'0')
	group = int(s[4]-'0')*10 + int(s[5]-'0')
	serial = int(s[7]-'0')*1000 + int(s[8]-'0')*100 + int(s[9]-'0')*10 + int(s[10]-'0')
	return area, group, serial, true
}

// phoneResult describes a value parsed as a North American number.
type phoneResult struct {
	number    uint64 // ten digits
	formatted bool   // written with separators
	valid     bool   // passes the NANP area and exchange rules
	fictional bool   // 555-0100 to 555-0199, reserved for fiction
}

// parsePhone accepts ten-digit North American numbers with an optional
// leading 1 or +1, the usual separators and an extension ("x12",
// "ext. 12"). Groups must be 3-3-4 (or 3-7, or a bare 10), so that
// other ten-digit identifiers written with dashes are not read as phones.
func parsePhone(s string) (phoneResult, bool) {
	var r phoneResult
	if len(s) < 10 || len(s) > 32 {
		return r, false
	}
	var groups [6]int
	ng, nd, cur := 0, 0, 0
	var num uint64
	paren := false
	i := 0
	if s[0] == '+' {
		if len(s) < 2 || s[1] != '1' {
			return r, false
		}
		r.formatted = true
		i = 1
	}
	closeGroup := func() bool {
		if cur > 0 {
			if ng == len(groups) {
				return false
			}
			groups[ng] = cur
			ng++
			cur = 0
		}
		return true
	}
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			nd++
			if nd > 11 {
				return r, false
			}
			num = num*10 + uint64(c-'0')
			cur++
		case c == '-' || c == '.' || c == ' ' || c == '/':
			if !closeGroup() {
				return r, false
			}
			r.formatted = true
		case c == '(':
			if paren || cur > 0 {
				return r, false
			}
			paren = true
			r.formatted = true
		case c == ')':
			if !paren {
				return r, false
			}
			if !closeGroup() {
				return r, false
			}
		case c == 'x' || c == 'X' || c == 'e' || c == 'E' || c == '#':
			// An extension: the rest must be its digits.
			if nd < 10 {
				return r, false
			}
			j := i + 1
			for j < len(s) && (isAlpha(s[j]) || s[j] == '.' || s[j] == ' ' || s[j] == ':') {
				j++
			}
			if j == len(s) || j-i > 6 {
				return r, false
			}
			for ; j < len(s); j++ {
				if !isDigit(s[j]) {
					return r, false
				}
			}
			i = len(s)
		default:
			return r, false
		}
	}
	if !closeGroup() {
		return r, false
	}
	g := groups[:ng]
	if nd == 11 {
		if num/10000000000 != 1 {
			return r, false
		}
		num %= 10000000000
		if g[0] == 11 {
			g[0] = 10
		} else if g[0] == 1 {
			g = g[1:]
		} else {
			return r, false
		}
	}
	if nd != 10 && nd != 11 {
		return r, false
	}
	switch {
	case len(g) == 1 && g[0] == 10:
	case len(g) == 2 && g[0] == 3 && g[1] == 7:
	case len(g) == 3 && g[0] == 3 && g[1] == 3 && g[2] == 4:
	default:
		return r, false
	}
	r.number = num
	r.valid, r.fictional = validNANP(num)
	return r, true
}

// validNANP applies the North American Numbering Plan: area codes and
// exchanges start with 2-9 and are not N11 service codes, and area codes
// with a middle 9 are reserved for expansion.
func validNANP(n uint64) (valid, fictional bool) {
	area := n / 10000000
	exch := n / 10000 % 1000
	line := n % 10000
	if area < 200 || area/10%10 == 9 || area%100 == 11 {
		return false, false
	}
	if exch < 200 || exch%100 == 11 {
		return false, false
	}
	return true, exch == 555 && line >= 100 && line <= 199
}

// validEmail checks the shape of an address: a dot-atom local part, a
// host of at least two labels and an alphabetic top-level domain.
func validEmail(s string) bool {
	if len(s) < 6 || len(s) > 254 {
		return false
	}
	at := strings.IndexByte(s, '@')
	if at < 1 || at > 64 || strings.IndexByte(s[at+1:], '@') >= 0 {
		return false
	}
	local, host := s[:at], s[at+1:]
	if local[0] == '.' || local[len(local)-1] == '.' {
		return false
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		if isAlnum(c) || strings.IndexByte(".!#$%&'*+/=?^_`{|}~-", c) >= 0 {
			if c == '.' && i > 0 && local[i-1] == '.' {
				return false
			}
			continue
		}
		return false
	}
	labels, start := 0, 0
	for i := 0; i <= len(host); i++ {
		if i < len(host) && host[i] != '.' {
			c := host[i]
			if !isAlnum(c) && c != '-' {
				return false
			}
			continue
		}
		l := host[start:i]
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		labels++
		start = i + 1
	}
	if labels < 2 {
		return false
	}
	tld := host[strings.LastIndexByte(host, '.')+1:]
	if len(tld) < 2 {
		return false
	}
	if strings.HasPrefix(tld, "xn--") {
		return true
	}
	for i := 0; i < len(tld); i++ {
		if !isAlpha(tld[i]) {
			return false
		}
	}
	return true
}

// ZIP prefixes. zip3Unused are the three-digit prefixes the Postal
// Service has never assigned; zip3Restricted are those whose areas held
// 20,000 people or fewer at the 2010 census, which HIPAA safe harbor
// requires to be reported as 000.
var (
	zip3Unused     [1000]bool
	zip3Restricted [1000]bool
)

func init() {
	for _, p := range []int{0, 1, 2, 3, 4, 213, 269, 343, 345, 348, 353, 419, 428, 429, 517, 518, 519, 529,
		533, 536, 552, 568, 578, 579, 589, 621, 632, 642, 643, 659, 663, 682, 694, 695, 696, 697, 698, 699,
		702, 709, 715, 732, 742, 771, 817, 818, 819, 839, 848, 849, 854, 858, 861, 862, 866, 867, 868, 869,
		876, 886, 887, 888, 892, 896, 899, 909, 929, 987} {
		zip3Unused[p] = true
	}
	for _, p := range []int{36, 59, 102, 203, 205, 369, 556, 692, 753, 772, 821, 823, 878, 879, 884, 890, 893} {
		zip3Restricted[p] = true
	}
}

// validZIP5 reports whether a five-digit number can be a US ZIP code.
func validZIP5(z int) bool {
	return z >= 501 && z <= 99950 && !zip3Unused[z/100]
}

// parseZIP4 accepts "#####-####" and "##### ####".
func parseZIP4(s string) (zip int, ok bool) {
	if len(s) != 10 || s[5] != '-' && s[5] != ' ' {
		return 0, false
	}
	for i := 0; i < 10; i++ {
		if i != 5 && !isDigit(s[i]) {
			return 0, false
		}
	}
	v, _ := digitsValue(s[:5])
	return int(v), validZIP5(int(v))
}

// validIP accepts dotted-quad IPv4 and IPv6 addresses. The byte check
// keeps netip off values that cannot be addresses.
func validIP(s string, dots, colons int) bool {
	if dots == 3 && colons == 0 {
		if len(s) < 7 || len(s) > 15 {
			return false
		}
		octets, val, nd := 0, 0, 0
		for i := 0; i <= len(s); i++ {
			if i == len(s) || s[i] == '.' {
				if nd == 0 || val > 255 {
					return false
				}
				octets++
				val, nd = 0, 0
				continue
			}
			if !isDigit(s[i]) || nd == 3 || nd == 1 && val == 0 {
				return false
			}
			val = val*10 + int(s[i]-'0')
			nd++
		}
		return octets == 4
	}
	if colons < 2 || len(s) > 45 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) && !(lower(c) >= 'a' && lower(c) <= 'f') && c != ':' && c != '.' {
			return false
		}
	}
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6()
}

// isURL accepts web and ftp addresses with a dotted host.
func isURL(s string) bool {
	rest := ""
	switch {
	case hasPrefixFold(s, "https://"):
		rest = s[8:]
	case hasPrefixFold(s, "http://"):
		rest = s[7:]
	case hasPrefixFold(s, "ftp://"):
		rest = s[6:]
	case hasPrefixFold(s, "www."):
		rest = s
	default:
		return false
	}
	host := rest
	if i := strings.IndexAny(rest, "/?#:"); i >= 0 {
		host = rest[:i]
	}
	if strings.IndexByte(host, '.') <= 0 || strings.IndexByte(s, ' ') >= 0 {
		return host == "localhost"
	}
	return true
}

func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if lower(s[i]) != prefix[i] {
			return false
		}
	}
	return true
}

// luhn reports whether a digit string passes the Luhn check.
func luhn[T string | []byte](digits T) bool {
	sum, double := 0, false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// validNPI checks a National Provider Identifier: ten digits starting
// with 1 or 2 whose Luhn check digit is computed over the number prefixed
// with 80840, the health-industry issuer code.
func validNPI(s string) bool {
	if len(s) != 10 || s[0] != '1' && s[0] != '2' {
		return false
	}
	// The prefix 80840 contributes a constant 24 to the Luhn sum.
	sum, double := 24, true
	for i := 8; i >= 0; i-- {
		d := int(s[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return (10-sum%10)%10 == int(s[9]-'0')
}

// validDEA checks a DEA registration number: a registrant-type letter, a
// letter (or 9 for business names), and seven digits whose last is a check
// digit over the other six.
func validDEA(s string) bool {
	if len(s) != 9 {
		return false
	}
	if strings.IndexByte("ABCDEFGHJKLMPRSTUX", s[0]) < 0 || !isUpper(s[1]) && s[1] != '9' {
		return false
	}
	var d [7]int
	for i := 0; i < 7; i++ {
		c := s[2+i]
		if !isDigit(c) {
			return false
		}
		d[i] = int(c - '0')
	}
	sum := d[0] + d[2] + d[4] + 2*(d[1]+d[3]+d[5])
	return sum%10 == d[6]
}

// validMBI checks a Medicare Beneficiary Identifier: eleven characters
// laid out C A AN N A AN N A A N N, where letters exclude S, L, O, I, B
// and Z and the first digit is not 0. Dashes after the fourth and seventh
// characters are allowed.
func validMBI(s string) bool {
	var b [11]byte
	switch len(s) {
	case 11:
		copy(b[:], s)
	case 13:
		if s[4] != '-' || s[8] != '-' {
			return false
		}
		copy(b[:4], s[:4])
		copy(b[4:7], s[5:8])
		copy(b[7:], s[9:])
	default:
		return false
	}
	alpha := func(c byte) bool { return isUpper(c) && strings.IndexByte("SLOIBZ", c) < 0 }
	num := isDigit
	an := func(c byte) bool { return num(c) || alpha(c) }
	return b[0] >= '1' && b[0] <= '9' && alpha(b[1]) && an(b[2]) && num(b[3]) && alpha(b[4]) && an(b[5]) &&
		num(b[6]) && alpha(b[7]) && alpha(b[8]) && num(b[9]) && num(b[10])
}

// cardDigits extracts the digits of a card number written bare or in
// groups separated by single spaces or dashes.
func cardDigits(s string, buf *[19]byte) ([]byte, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			if n == 19 {
				return nil, false
			}
			buf[n] = c
			n++
		case (c == ' ' || c == '-') && i > 0 && isDigit(s[i-1]):
		default:
			return nil, false
		}
	}
	if n < 13 {
		return nil, false
	}
	return buf[:n], true
}

// validCard checks a payment card number: a Luhn check digit and an
// issuer prefix and length of a major network.
func validCard(d []byte) bool {
	n := len(d)
	if n < 13 || n > 19 || !luhn(d) {
		return false
	}
	p2 := int(d[0]-'0')*10 + int(d[1]-'0')
	p3 := p2*10 + int(d[2]-'0')
	p4 := p3*10 + int(d[3]-'0')
	p6 := p4*100 + int(d[4]-'0')*10 + int(d[5]-'0')
	switch {
	case d[0] == '4':
		return n == 13 || n == 16 || n == 19 // Visa
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720:
		return n == 16 // Mastercard
	case p2 == 34 || p2 == 37:
		return n == 15 // American Express
	case p4 == 6011, p3 >= 644 && p3 <= 649, p2 == 65, p6 >= 622126 && p6 <= 622925:
		return n >= 16 // Discover
	case p4 >= 3528 && p4 <= 3589:
		return n >= 16 // JCB
	case p3 >= 300 && p3 <= 305, p2 == 36, p2 == 38, p2 == 39:
		return n >= 14 // Diners Club
	case p2 == 62:
		return n >= 16 // UnionPay
	}
	return false
}

// isUUID accepts the 8-4-4-4-12 hexadecimal form and the bare 32-digit one.
func isUUID(s string) bool {
	switch len(s) {
	case 36:
		for i := 0; i < 36; i++ {
			c := s[i]
			if i == 8 || i == 13 || i == 18 || i == 23 {
				if c != '-' {
					return false
				}
			} else if !isHex(c) {
				return false
			}
		}
		return true
	case 32:
		for i := 0; i < 32; i++ {
			if !isHex(s[i]) {
				return false
			}
		}
		return true
	}
	return false
}

func isHex(c byte) bool { return isDigit(c) || lower(c) >= 'a' && lower(c) <= 'f' }
