package migrate

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// errBad is a plaintext value that does not fit its declared type.
var errBad = errors.New("bad value")

// convert turns a plaintext value as the driver returns it into the Go
// value of the column's declared type, by the rules of the migrating mode
// (DESIGN10): strings as stored; dates from 'YYYY-MM-DD' or a DATE value;
// numbers and bools parsed from text; ” of a non-string column is NULL.
// Errors never hold the value.
func convert(v any, typ sqlwrap.ValueType) (any, error) {
	if v == nil {
		return nil, nil
	}
	text := func() (string, bool) {
		switch x := v.(type) {
		case string:
			return x, true
		case []byte:
			return string(x), true
		}
		return "", false
	}
	s, isText := text()
	if isText && s == "" && typ != sqlwrap.TypeString && typ != sqlwrap.TypeBytes {
		return nil, nil
	}
	switch typ {
	case sqlwrap.TypeString:
		if !isText {
			s = fmt.Sprint(v)
			if t, ok := v.(time.Time); ok {
				s = t.Format(time.DateOnly)
			}
		}
		if !utf8.ValidString(s) {
			return nil, fmt.Errorf("%w: invalid UTF-8", errBad)
		}
		return s, nil
	case sqlwrap.TypeBytes:
		if b, ok := v.([]byte); ok {
			return bytes.Clone(b), nil
		}
		return []byte(s), nil
	case sqlwrap.TypeInt64:
		switch x := v.(type) {
		case int64:
			return x, nil
		case float64:
			return int64(x), nil
		}
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: not an integer", errBad)
		}
		return n, nil
	case sqlwrap.TypeFloat64:
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, fmt.Errorf("%w: not a number", errBad)
		}
		return f, nil
	case sqlwrap.TypeBool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		}
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("%w: not a boolean", errBad)
		}
		return b, nil
	case sqlwrap.TypeDate:
		if t, ok := v.(time.Time); ok {
			return cipher.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}, nil
		}
		d := s
		if len(d) > 10 {
			d = d[:10]
		}
		t, err := time.Parse(time.DateOnly, d)
		if err != nil {
			return nil, fmt.Errorf("%w: not a YYYY-MM-DD date", errBad)
		}
		return cipher.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}, nil
	case sqlwrap.TypeTimestamp:
		if t, ok := v.(time.Time); ok {
			return t, nil
		}
		for _, f := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", time.DateOnly} {
			if t, err := time.Parse(f, s); err == nil {
				return t, nil
			}
		}
		return nil, fmt.Errorf("%w: not a timestamp", errBad)
	}
	return nil, fmt.Errorf("%w: unknown type %s", errBad, typ)
}

// canon is a value's comparable form.
func canon(v any) string {
	switch x := v.(type) {
	case nil:
		return "\x00NULL"
	case []byte:
		return "b:" + string(x)
	case time.Time:
		return "t:" + x.UTC().Format(time.RFC3339Nano)
	case cipher.Date:
		return fmt.Sprintf("d:%04d-%02d-%02d", x.Year, x.Month, x.Day)
	}
	return fmt.Sprintf("%T:%v", v, v)
}
