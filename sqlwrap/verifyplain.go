package sqlwrap

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
)

// In migrating mode Verify compares each opened value with the plaintext
// still kept in COLUMN__plain. The plaintext is read as the driver gives
// it (text, a number, a DATE as time.Time) and compared by meaning, with
// the conversion rules of migrating mode: strings as stored, dates from
// YYYY-MM-DD, numbers and booleans from text or numeric values, and ''
// of a non-string column as NULL.

// verifyPlainNull reports whether the plaintext raw stands for NULL.
func verifyPlainNull(t ValueType, raw any) bool {
	if raw == nil {
		return true
	}
	if t == TypeString || t == TypeBytes {
		return false
	}
	s, ok := verifyPlainText(raw)
	return ok && strings.TrimSpace(s) == ""
}

// verifyPlainText is raw as text, when the driver gave text.
func verifyPlainText(raw any) (string, bool) {
	switch x := raw.(type) {
	case string:
		return x, true
	case []byte:
		return string(x), true
	}
	return "", false
}

// verifyPlainEquals reports whether the opened value val (of type t) is the
// plaintext raw.
func verifyPlainEquals(t ValueType, val, raw any) bool {
	s, isText := verifyPlainText(raw)
	switch t {
	case TypeString:
		v, ok := val.(string)
		return ok && isText && v == s
	case TypeBytes:
		v, ok := val.([]byte)
		return ok && isText && bytes.Equal(v, []byte(s))
	case TypeInt64:
		v, ok := val.(int64)
		if !ok {
			return false
		}
		if isText {
			n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			return err == nil && n == v
		}
		switch x := raw.(type) {
		case int64:
			return x == v
		case float64:
			return x == float64(v)
		}
	case TypeFloat64:
		v, ok := val.(float64)
		if !ok {
			return false
		}
		if isText {
			f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			return err == nil && (f == v || math.IsNaN(f) && math.IsNaN(v))
		}
		switch x := raw.(type) {
		case float64:
			return x == v
		case int64:
			return float64(x) == v
		}
	case TypeBool:
		v, ok := val.(bool)
		if !ok {
			return false
		}
		if isText {
			b, err := strconv.ParseBool(strings.TrimSpace(s))
			return err == nil && b == v
		}
		switch x := raw.(type) {
		case bool:
			return x == v
		case int64:
			return (x != 0) == v
		}
	case TypeDate:
		v, ok := val.(cipher.Date)
		if !ok {
			return false
		}
		if isText {
			s = strings.TrimSpace(s)
			if len(s) > 10 {
				s = s[:10]
			}
			d, err := time.Parse(time.DateOnly, s)
			return err == nil && cipher.DateOf(d) == v
		}
		if x, ok := raw.(time.Time); ok {
			return cipher.DateOf(x) == v
		}
	case TypeTimestamp:
		v, ok := val.(time.Time)
		if !ok {
			return false
		}
		if isText {
			s = strings.TrimSpace(s)
			for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"} {
				if ts, err := time.Parse(layout, s); err == nil {
					return ts.Equal(v)
				}
			}
			return false
		}
		if x, ok := raw.(time.Time); ok {
			return x.Equal(v)
		}
	}
	return false
}
