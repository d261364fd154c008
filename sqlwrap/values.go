package sqlwrap

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
)

// checkValue converts v to the Go type a protected column of type t
// stores, or fails without naming the value.
func checkValue(t ValueType, v any) (any, error) {
	ok := false
	switch t {
	case TypeString:
		_, ok = v.(string)
	case TypeBytes:
		_, ok = v.([]byte)
	case TypeInt64:
		switch x := v.(type) {
		case int64:
			ok = true
		case int:
			v, ok = int64(x), true
		case int32:
			v, ok = int64(x), true
		}
	case TypeFloat64:
		_, ok = v.(float64)
	case TypeBool:
		_, ok = v.(bool)
	case TypeDate:
		switch x := v.(type) {
		case cipher.Date:
			ok = true
		case time.Time:
			v, ok = cipher.DateOf(x), true
		}
	case TypeTimestamp:
		_, ok = v.(time.Time)
	}
	if !ok {
		return nil, fmt.Errorf("%w: got %T, column holds %s", ErrWrongType, v, t)
	}
	return v, nil
}

// tokenText is the text an index sees for a value: strings as they are,
// dates in ISO form (so date:year and friends apply), numbers in decimal.
func tokenText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case int64:
		return strconv.FormatInt(x, 10)
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

// bindingBytes is the row-binding value as the associated data holds it.
func bindingBytes(v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return nil, fmt.Errorf("%w: row-binding value is NULL", ErrWrongType)
	case []byte:
		return bytes.Clone(x), nil
	case string:
		return []byte(x), nil
	case int64:
		return strconv.AppendInt(nil, x, 10), nil
	case int:
		return strconv.AppendInt(nil, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(nil, int64(x), 10), nil
	}
	return nil, fmt.Errorf("%w: row-binding value of type %T", ErrWrongType, v)
}

// zeroValue is a value of type t, sealed once to load the column's keys.
func zeroValue(t ValueType) any {
	switch t {
	case TypeBytes:
		return []byte{}
	case TypeInt64:
		return int64(0)
	case TypeFloat64:
		return 0.0
	case TypeBool:
		return false
	case TypeDate:
		return cipher.Date{Year: 1970, Month: 1, Day: 1}
	case TypeTimestamp:
		return time.Unix(0, 0).UTC()
	}
	return ""
}
