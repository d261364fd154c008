package phiscan

// Date parsing is hand-written rather than a loop over time.Parse layouts:
// it must read a dozen formats at millions of values a second without
// allocating, and it only needs the calendar date.

// ymd packs a date as yyyymmdd for cheap comparisons.
type ymd int32

func mkYMD(y, m, d int) ymd { return ymd(y*10000 + m*100 + d) }

func (t ymd) year() int { return int(t) / 10000 }

var monthDays = [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func validYMD(y, m, d int) bool {
	if y < 1800 || y > 2200 || m < 1 || m > 12 || d < 1 || d > monthDays[m] {
		return false
	}
	if m == 2 && d == 29 {
		return y%4 == 0 && (y%100 != 0 || y%400 == 0)
	}
	return true
}

// dateParser holds the century pivot for two-digit years.
type dateParser struct {
	// pivot is the two-digit year at or below which "yy" is 20yy.
	pivot int
}

// num reads up to max digits at s[i:], returning the value, the number of
// digits read and the next index.
func num(s string, i, max int) (v, n, next int) {
	for i < len(s) && n < max && isDigit(s[i]) {
		v = v*10 + int(s[i]-'0')
		n++
		i++
	}
	return v, n, i
}

func (p dateParser) year2(y int) int {
	if y <= p.pivot {
		return 2000 + y
	}
	return 1900 + y
}

// monthName reads a month name or three-letter abbreviation ("Sept" too)
// at s[i:], returning the month and the next index.
func monthName(s string, i int) (m, next int) {
	j := i
	for j < len(s) && isAlpha(s[j]) {
		j++
	}
	w := s[i:j]
	if len(w) < 3 || len(w) > 9 {
		return 0, i
	}
	const names = "january  february march    april    may      june     july     august   septemberoctober  november december "
	for k := 0; k < 12; k++ {
		full := names[k*9 : k*9+9]
		ok := true
		for x := 0; x < len(w); x++ {
			if lower(w[x]) != full[x] {
				ok = false
				break
			}
		}
		// Accept the abbreviation, "Sept", or the full name.
		if ok && (len(w) == 3 || len(w) == 4 && k == 8 || x9len(full) == len(w)) {
			if j < len(s) && s[j] == '.' {
				j++
			}
			return k + 1, j
		}
	}
	return 0, i
}

func x9len(s string) int {
	n := len(s)
	for n > 0 && s[n-1] == ' ' {
		n--
	}
	return n
}

// timeTail accepts what may follow a date: nothing, or a time of day with
// optional fraction, zone and AM/PM ("T10:04:05.123Z", " 10:04 PM").
func timeTail(s string, i int) bool {
	if i == len(s) {
		return true
	}
	if s[i] != 'T' && s[i] != ' ' && s[i] != 't' {
		return false
	}
	if i+1 >= len(s) || !isDigit(s[i+1]) || len(s)-i > 36 {
		return false
	}
	for j := i + 1; j < len(s); j++ {
		c := s[j]
		if isDigit(c) || c == ':' || c == '.' || c == '+' || c == '-' || c == ' ' || c == ',' {
			continue
		}
		switch lower(c) {
		case 'z', 'a', 'p', 'm', 'u', 't', 'c', 'g':
			continue
		}
		return false
	}
	return true
}

// parseDate reads a calendar date in the formats found in clinical data:
// ISO 8601 (with or without time), yyyy/mm/dd, US m/d/yyyy and m-d-yy,
// d.m.yyyy, yyyymmdd, dd-Mon-yyyy, "Mon d, yyyy", "d Month yyyy" and an
// optional leading weekday. partial is set for year-month values
// ("2019-03"), which still carry a date element other than the year.
func (p dateParser) parseDate(s string) (d ymd, partial, ok bool) {
	if len(s) < 6 || len(s) > 48 {
		return 0, false, false
	}
	i := 0
	// "Tue, 04 Mar 2019": skip the weekday.
	if isAlpha(s[0]) {
		j := 0
		for j < len(s) && isAlpha(s[j]) {
			j++
		}
		if m, _ := monthName(s, 0); m == 0 && j <= 9 && j < len(s) && (s[j] == ',' || s[j] == ' ') {
			i = j
			for i < len(s) && (s[i] == ',' || s[i] == ' ') {
				i++
			}
		}
	}
	if i < len(s) && isAlpha(s[i]) {
		// "Mar 4, 2019", "March 4 2019", "Mar-04-2019".
		m, j := monthName(s, i)
		if m == 0 || j >= len(s) || s[j] != ' ' && s[j] != '-' && s[j] != '/' {
			return 0, false, false
		}
		j++
		dd, n, j := num(s, j, 2)
		if n == 0 {
			return 0, false, false
		}
		// Ordinal suffixes: "March 4th, 2019".
		if j+1 < len(s) && isAlpha(s[j]) && isAlpha(s[j+1]) {
			switch int(lower(s[j]))<<8 | int(lower(s[j+1])) {
			case 's'<<8 | 't', 'n'<<8 | 'd', 'r'<<8 | 'd', 't'<<8 | 'h':
				j += 2
			}
		}
		for j < len(s) && (s[j] == ',' || s[j] == ' ' || s[j] == '-' || s[j] == '/') {
			j++
		}
		y, n, j := num(s, j, 4)
		if n != 4 {
			return 0, false, false
		}
		if !validYMD(y, m, dd) || !timeTail(s, j) {
			return 0, false, false
		}
		return mkYMD(y, m, dd), false, true
	}
	a, na, j := num(s, i, 8)
	switch {
	case na == 8 && (j == len(s) || s[j] == 'T' || s[j] == ' '):
		// yyyymmdd, possibly with a time.
		y, m, dd := a/10000, a/100%100, a%100
		if !validYMD(y, m, dd) || !timeTail(s, j) {
			return 0, false, false
		}
		return mkYMD(y, m, dd), false, true
	case na == 4:
		// yyyy-mm-dd, yyyy/mm/dd, yyyy.mm.dd, yyyy-Mon-dd, yyyy-mm.
		if j >= len(s) {
			return 0, false, false
		}
		sep := s[j]
		if sep != '-' && sep != '/' && sep != '.' {
			return 0, false, false
		}
		j++
		var m, n int
		if j < len(s) && isAlpha(s[j]) {
			m, j = monthName(s, j)
			n = 2
		} else {
			m, n, j = num(s, j, 2)
		}
		if n == 0 || m < 1 || m > 12 {
			return 0, false, false
		}
		if j == len(s) && sep == '-' && n == 2 {
			if a < 1800 || a > 2200 {
				return 0, false, false
			}
			return mkYMD(a, m, 1), true, true
		}
		if j >= len(s) || s[j] != sep {
			return 0, false, false
		}
		dd, n, j := num(s, j+1, 2)
		if n == 0 || !validYMD(a, m, dd) || !timeTail(s, j) {
			return 0, false, false
		}
		return mkYMD(a, m, dd), false, true
	case na == 1 || na == 2:
		if j >= len(s) {
			return 0, false, false
		}
		sep := s[j]
		if sep != '-' && sep != '/' && sep != '.' && sep != ' ' {
			return 0, false, false
		}
		j++
		if j < len(s) && isAlpha(s[j]) {
			// "04-Mar-2019", "4 March 2019", "04-MAR-19".
			m, k := monthName(s, j)
			if m == 0 || k >= len(s) || s[k] != sep && !(sep == ' ' && s[k] == ',') {
				return 0, false, false
			}
			k++
			for k < len(s) && s[k] == ' ' {
				k++
			}
			y, n, k := num(s, k, 4)
			switch n {
			case 2:
				y = p.year2(y)
			case 4:
			default:
				return 0, false, false
			}
			if !validYMD(y, m, a) || !timeTail(s, k) {
				return 0, false, false
			}
			return mkYMD(y, m, a), false, true
		}
		if sep == ' ' {
			return 0, false, false
		}
		b, nb, k := num(s, j, 2)
		if nb == 0 || k >= len(s) || s[k] != sep {
			return 0, false, false
		}
		y, n, k := num(s, k+1, 4)
		switch n {
		case 2:
			y = p.year2(y)
		case 4:
		default:
			return 0, false, false
		}
		if !timeTail(s, k) {
			return 0, false, false
		}
		// US month-first, unless the first number cannot be a month
		// (or the separator is a dot, which Europe uses day-first).
		m, dd := a, b
		if sep == '.' && b <= 12 || a > 12 {
			m, dd = b, a
		}
		if !validYMD(y, m, dd) {
			return 0, false, false
		}
		return mkYMD(y, m, dd), false, true
	}
	return 0, false, false
}

// ymdInt reads an eight-digit integer as yyyymmdd.
func ymdInt(v uint64) (ymd, bool) {
	y, m, d := int(v/10000), int(v/100%100), int(v%100)
	if y < 1850 || y > 2150 || !validYMD(y, m, d) {
		return 0, false
	}
	return mkYMD(y, m, d), true
}

// civil converts days since 1970-01-01 to a date (Howard Hinnant's
// algorithm), for Excel serial numbers and Unix times.
func civil(days int64) ymd {
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return mkYMD(int(y), int(m), int(d))
}

// excelSerial reads an Excel serial day number (days since 1899-12-30 in
// the 1900 date system). Only plausible in a date-named column: as a bare
// number it is indistinguishable from any other integer.
func excelSerial(v float64) (ymd, bool) {
	if v < 1 || v >= 110000 {
		return 0, false
	}
	// 25569 is the serial number of 1970-01-01.
	return civil(int64(v) - 25569), true
}

// unixSeconds reads a Unix time in seconds (or milliseconds when
// ms is set) in a date-named column.
func unixSeconds(v int64, ms bool) (ymd, bool) {
	if ms {
		v /= 1000
	}
	d := civil(floorDiv(v, 86400))
	if d.year() < 1850 || d.year() > 2150 {
		return 0, false
	}
	return d, true
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// ymdHMS reads yyyymmddhhmm (n = 12) or yyyymmddhhmmss (n = 14) digits.
func ymdHMS(x uint64, n int) (ymd, bool) {
	if n == 14 {
		if x%100 > 59 {
			return 0, false
		}
		x /= 100
	}
	if x%100 > 59 || x/100%100 > 23 {
		return 0, false
	}
	return ymdInt(x / 10000)
}
