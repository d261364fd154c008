package sqlwrap

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"strconv"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
)

// checkValue converts v to the canonical Go value a protected column of
// type t stores, or fails without naming the value. It is the one
// conversion every write and every predicate goes through, so a value
// finds the row it wrote whatever Go type carried it. Conversions are
// lossless only: any integer type for int64 (unsigned ones up to
// MaxInt64); float32 and integers up to 2^53 for float64; cipher.Date or
// time.Time (its calendar date in its own location) for date; time.Time
// for timestamp (in UTC); named types whose underlying type fits. Strings
// are never parsed as numbers, dates or times.
func checkValue(t ValueType, v any) (any, error) {
	var out any
	var err error
	switch t {
	case TypeString:
		out, err = asString(v)
	case TypeBytes:
		out, err = asBytes(v)
	case TypeInt64:
		out, err = asInt64(v)
	case TypeFloat64:
		out, err = asFloat64(v)
	case TypeBool:
		out, err = asBool(v)
	case TypeDate:
		switch x := v.(type) {
		case cipher.Date:
			out = v
		case time.Time:
			out = cipher.DateOf(x)
		default:
			err = errType
		}
	case TypeTimestamp:
		out, err = asTime(v)
	default:
		err = errType
	}
	if err != nil {
		return nil, typeError(err, v, string(t))
	}
	return out, nil
}

// errType and errRange are the reasons a conversion fails; typeError
// turns them into ErrWrongType with the Go type, never the value.
var (
	errType  = errors.New("type")
	errRange = errors.New("range")
)

func typeError(err error, v any, want string) error {
	if errors.Is(err, errRange) {
		return fmt.Errorf("%w: %T value out of range for a column of %s", ErrWrongType, v, want)
	}
	return fmt.Errorf("%w: got %T, column holds %s", ErrWrongType, v, want)
}

// The conversions return v itself when it already has the canonical type,
// so the common case allocates nothing and canonicalRow can tell that
// nothing changed.

func asString(v any) (any, error) {
	if _, ok := v.(string); ok {
		return v, nil
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.String {
		return rv.String(), nil
	}
	return nil, errType
}

func asBytes(v any) (any, error) {
	if _, ok := v.([]byte); ok {
		return v, nil
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Uint8 {
		return rv.Bytes(), nil
	}
	return nil, errType
}

func asInt64(v any) (any, error) {
	if _, ok := v.(int64); ok {
		return v, nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if u := rv.Uint(); u <= math.MaxInt64 {
			return int64(u), nil
		}
		return nil, errRange
	}
	return nil, errType
}

// maxExactFloat is 2^53: every integer up to it is a float64.
const maxExactFloat = 1 << 53

func asFloat64(v any) (any, error) {
	if _, ok := v.(float64); ok {
		return v, nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Float32, reflect.Float64:
		return rv.Float(), nil
	}
	i, err := asInt64(v)
	if errors.Is(err, errType) {
		return nil, errType
	}
	if err != nil || i.(int64) > maxExactFloat || i.(int64) < -maxExactFloat {
		return nil, errRange
	}
	return float64(i.(int64)), nil
}

func asBool(v any) (any, error) {
	if _, ok := v.(bool); ok {
		return v, nil
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Bool {
		return rv.Bool(), nil
	}
	return nil, errType
}

func asTime(v any) (any, error) {
	if t, ok := v.(time.Time); ok {
		if t.Location() == time.UTC {
			return v, nil
		}
		return t.UTC(), nil
	}
	return nil, errType
}

// plainValue converts v to the canonical Go value of a plain column of
// SQL type typ (PlainColumn.Type), with the same lossless rules as
// checkValue. Dates go to the driver as midnight UTC and timestamps in UTC
// truncated to microseconds, the precision PostgreSQL and MySQL keep, so
// a predicate compares with exactly what a write stored. It does not
// handle NULL.
func plainValue(typ string, v any) (any, error) {
	var out any
	var err error
	switch typ {
	case "text":
		out, err = asString(v)
	case "integer":
		out, err = asInt64(v)
	case "real":
		out, err = asFloat64(v)
	case "boolean":
		out, err = asBool(v)
	case "bytes":
		out, err = asBytes(v)
	case "date":
		switch x := v.(type) {
		case cipher.Date:
			out = x.Time()
		case time.Time:
			out = cipher.DateOf(x).Time()
		default:
			err = errType
		}
	case "timestamp":
		if out, err = asTime(v); err == nil {
			out = out.(time.Time).Truncate(time.Microsecond)
		}
	default:
		err = errType
	}
	if err != nil {
		return nil, typeError(err, v, typ)
	}
	return out, nil
}

// keyValue converts a key to the declared key type: any Go integer type
// for an integer key, a string for a text key. Strings are never parsed
// as integer keys: the database would store "0077" as 77 while the
// ciphertexts of the row would be bound to "0077", and the row would
// never open again.
func keyValue(keyType string, v any) (any, error) {
	if keyType == "text" {
		return plainValue("text", v)
	}
	return plainValue("integer", v)
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

// canonical converts the value of one column, named as in the schema, to
// its canonical Go value: the key by keyValue, a plain column by
// plainValue, a protected column by checkValue. NULL stays nil; callers
// decide whether the column takes it.
func (rt *tableRT) canonical(name string, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if cr, ok := rt.cols[name]; ok {
		return checkValue(cr.c.Type, v)
	}
	if p, ok := rt.plain[name]; ok {
		return plainValue(p.Type, v)
	}
	if name == rt.t.Key {
		return keyValue(rt.t.KeyType, v)
	}
	return nil, ErrUnknownColumn
}

// canonicalRow converts every value of a row being written (see
// canonical) into a new Row, and refuses unknown columns and NULL in a
// plain column that is not nullable. With partial (an Update), columns
// absent from row stay absent; otherwise an absent plain column is NULL.
// Errors name the column, never the value.
func (rt *tableRT) canonicalRow(op string, row Row, partial bool) (Row, error) {
	// Rows already in canonical types are not copied: out stays row until
	// a value changes.
	out, copied := row, false
	for name, v := range row {
		cv, err := rt.canonical(name, v)
		if err != nil {
			return nil, &Error{Op: op, Table: rt.t.Name, Column: name, Err: err}
		}
		if !copied && !identical(v, cv) {
			out, copied = maps.Clone(row), true
		}
		if copied {
			out[name] = cv
		}
	}
	for _, p := range rt.t.Plain {
		v, ok := out[p.Name]
		if p.Nullable || v != nil || partial && !ok {
			continue
		}
		return nil, &Error{Op: op, Table: rt.t.Name, Column: p.Name, Err: ErrNotNull}
	}
	return out, nil
}

// canonicalKey converts a key argument (Get, Update, Delete) to the key
// type.
func (rt *tableRT) canonicalKey(op string, key any) (any, error) {
	if key == nil {
		return nil, &Error{Op: op, Table: rt.t.Name, Column: rt.t.Key, Err: fmt.Errorf("%w: the key is NULL", ErrWrongType)}
	}
	k, err := keyValue(rt.t.KeyType, key)
	if err != nil {
		return nil, &Error{Op: op, Table: rt.t.Name, Column: rt.t.Key, Err: err}
	}
	return k, nil
}

// identical reports whether canonical returned v itself. Conversions pass
// an uncomparable value through only when it is a []byte already (any
// other uncomparable value is refused or converted to a new type).
func identical(v, cv any) bool {
	t := reflect.TypeOf(v)
	if t != reflect.TypeOf(cv) {
		return false
	}
	if t == nil || !t.Comparable() {
		return true
	}
	return v == cv
}
