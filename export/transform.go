package export

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/phiscan"
)

// Over is what an age above the limit, and a birth year or date implying
// one, becomes.
const Over = "90+"

// dateLayouts are the text forms of dates and timestamps read from plain
// columns.
var dateLayouts = []string{time.DateOnly, time.DateTime, "2006-01-02T15:04:05", time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999 -0700 MST"}

// dayOf returns the date of v (a cipher.Date, a time.Time or the text of
// one) as days since 1970-01-01; ok is false for NULL.
func dayOf(v any) (day int64, ok bool, err error) {
	switch x := v.(type) {
	case nil:
		return 0, false, nil
	case cipher.Date:
		return civilDays(x.Year, int(x.Month), x.Day), true, nil
	case time.Time:
		y, m, d := x.Date()
		return civilDays(y, int(m), d), true, nil
	case []byte:
		return dayOf(string(x))
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return 0, false, nil
		}
		for _, l := range dateLayouts {
			if t, err := time.Parse(l, s); err == nil {
				return dayOf(t)
			}
		}
		if len(s) >= 10 {
			if t, err := time.Parse(time.DateOnly, s[:10]); err == nil {
				return dayOf(t)
			}
		}
	}
	return 0, false, fmt.Errorf("not a date (%T)", v)
}

// civilDays is the number of days from 1970-01-01 to y-m-d.
func civilDays(y, m, d int) int64 {
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// yearOfDay is the year of a day number.
func yearOfDay(day int64) int { return time.Unix(day*86400, 0).UTC().Year() }

// yearsBetween is the age in whole years on day to of someone born on from.
func yearsBetween(from, to int64) int {
	a, b := time.Unix(from*86400, 0).UTC(), time.Unix(to*86400, 0).UTC()
	n := b.Year() - a.Year()
	if b.Month() < a.Month() || b.Month() == a.Month() && b.Day() < a.Day() {
		n--
	}
	return n
}

// yearValue is the Year action: the year, or Over for a birth date whose
// year implies an age above limit in the year of now (born in or before
// now.Year - limit - 1, as the scanner counts).
func yearValue(v any, birth bool, limit int, now time.Time) (string, error) {
	day, ok, err := dayOf(v)
	if err != nil || !ok {
		return "", err
	}
	y := yearOfDay(day)
	if birth && y <= now.Year()-limit-1 {
		return Over, nil
	}
	return strconv.Itoa(y), nil
}

// zip3Value is the ZIP3 action: the first three digits of a US ZIP code,
// "000" for a restricted prefix. A value without five leading digits
// (after a lost leading zero is put back) is an error.
func zip3Value(v any) (string, error) {
	s := strings.TrimSpace(text(v))
	if s == "" {
		return "", nil
	}
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	digits := s[:n]
	if n == 4 {
		digits = "0" + digits // a ZIP stored as a number lost its zero
	}
	if len(digits) < 5 && n != 3 {
		return "", fmt.Errorf("not a ZIP code")
	}
	p, _ := strconv.Atoi(digits[:3])
	if phiscan.RestrictedZIP3(p) {
		return "000", nil
	}
	return digits[:3], nil
}

// ageValue is the Age action: ages above limit become Over.
func ageValue(v any, limit int) (string, error) {
	s := strings.TrimSpace(text(v))
	if s == "" {
		return "", nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return "", fmt.Errorf("not an age")
	}
	if f > float64(limit) {
		return Over, nil
	}
	return s, nil
}

// studyIDs gives each patient key a study id: a keyed hash under a key
// drawn for the export, so the same patient has the same id in every
// table of one export and unrelated ids in two exports. The key is never
// written.
type studyIDs struct {
	key []byte
	mac hash.Hash
	buf []byte
}

// clone returns studyIDs under the same key with a MAC of its own, for
// another goroutine.
func (s studyIDs) clone() studyIDs { return studyIDs{key: s.key} }

func (s *studyIDs) id(v any) string {
	k := text(v)
	if k == "" {
		return ""
	}
	if s.mac == nil {
		s.mac = hmac.New(sha256.New, s.key)
	}
	s.mac.Reset()
	s.mac.Write([]byte(k))
	s.buf = s.mac.Sum(s.buf[:0])
	return "S" + strings.ToUpper(hex.EncodeToString(s.buf[:8]))
}

// text is v as CSV shows it: dates as YYYY-MM-DD, timestamps in RFC 3339,
// bytes as their text, NULL as "".
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case cipher.Date:
		return x.String()
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}
