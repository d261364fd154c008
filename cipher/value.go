package cipher

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
)

// Value type tags, the first byte of an encoded value (docs/FORMAT.md).
const (
	tagString    = 0x01
	tagBytes     = 0x02
	tagInt64     = 0x03
	tagFloat64   = 0x04
	tagBool      = 0x05
	tagDate      = 0x06
	tagTimestamp = 0x07

	flagPadded = 0x80
	padMarker  = 0x80
)

// Date is a calendar date without a time of day or zone, such as a date of
// birth.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// Time returns midnight UTC of the date.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// String formats the date as YYYY-MM-DD.
func (d Date) String() string { return d.Time().Format(time.DateOnly) }

const secondsPerDay = 86400

// daysSinceEpoch counts days from 1970-01-01, proleptic Gregorian.
func (d Date) daysSinceEpoch() int64 {
	return floorDiv(d.Time().Unix(), secondsPerDay)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// encodedLen returns the length of v's encoding before padding.
func encodedLen(v any) (int, error) {
	switch v := v.(type) {
	case string:
		return 1 + len(v), nil
	case []byte:
		return 1 + len(v), nil
	case int64, float64:
		return 9, nil
	case bool:
		return 2, nil
	case Date:
		return 5, nil
	case time.Time:
		return 13, nil
	case nil:
		return 0, fmt.Errorf("%w: nil (store NULL instead of sealing it)", ErrUnsupportedType)
	default:
		return 0, fmt.Errorf("%w: %T (want string, []byte, int64, float64, bool, cipher.Date or time.Time)", ErrUnsupportedType, v)
	}
}

// paddedLen returns the encoded length after padding to a multiple of
// bucket; padding always adds at least the marker byte.
func paddedLen(n, bucket int) int {
	if bucket <= 1 {
		return n
	}
	return (n/bucket + 1) * bucket
}

// encodeValue writes v's encoding into dst, which has exactly the padded
// length. n is the unpadded length.
func encodeValue(dst []byte, v any, n int) error {
	padded := len(dst) > n
	var tag byte
	switch v := v.(type) {
	case string:
		tag = tagString
		copy(dst[1:], v)
	case []byte:
		tag = tagBytes
		copy(dst[1:], v)
	case int64:
		tag = tagInt64
		binary.BigEndian.PutUint64(dst[1:], uint64(v))
	case float64:
		tag = tagFloat64
		binary.BigEndian.PutUint64(dst[1:], math.Float64bits(v))
	case bool:
		tag = tagBool
		dst[1] = 0
		if v {
			dst[1] = 1
		}
	case Date:
		tag = tagDate
		days := v.daysSinceEpoch()
		if days < math.MinInt32 || days > math.MaxInt32 {
			return fmt.Errorf("%w: date %v out of range", ErrUnsupportedType, v)
		}
		binary.BigEndian.PutUint32(dst[1:], uint32(int32(days)))
	case time.Time:
		tag = tagTimestamp
		binary.BigEndian.PutUint64(dst[1:], uint64(v.Unix()))
		binary.BigEndian.PutUint32(dst[9:], uint32(v.Nanosecond()))
	default:
		return fmt.Errorf("%w: %T", ErrUnsupportedType, v)
	}
	if padded {
		tag |= flagPadded
		dst[n] = padMarker
		clear(dst[n+1:])
	}
	dst[0] = tag
	return nil
}

// decodeValue is the inverse of encodeValue. For strings and bytes the
// result aliases b, which the caller must not reuse.
func decodeValue(b []byte) (any, error) {
	if len(b) == 0 {
		return nil, ErrMalformedValue
	}
	tag := b[0]
	body := b[1:]
	if tag&flagPadded != 0 {
		tag &^= flagPadded
		i := len(body) - 1
		for i >= 0 && body[i] == 0 {
			i--
		}
		if i < 0 || body[i] != padMarker {
			return nil, fmt.Errorf("%w: bad padding", ErrMalformedValue)
		}
		body = body[:i]
	}
	fixed := func(n int) error {
		if len(body) != n {
			return fmt.Errorf("%w: type %#x needs %d bytes, has %d", ErrMalformedValue, tag, n, len(body))
		}
		return nil
	}
	switch tag {
	case tagString:
		return string(body), nil
	case tagBytes:
		return body, nil
	case tagInt64:
		if err := fixed(8); err != nil {
			return nil, err
		}
		return int64(binary.BigEndian.Uint64(body)), nil
	case tagFloat64:
		if err := fixed(8); err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.BigEndian.Uint64(body)), nil
	case tagBool:
		if err := fixed(1); err != nil {
			return nil, err
		}
		if body[0] > 1 {
			return nil, fmt.Errorf("%w: bool byte %#x", ErrMalformedValue, body[0])
		}
		return body[0] == 1, nil
	case tagDate:
		if err := fixed(4); err != nil {
			return nil, err
		}
		days := int64(int32(binary.BigEndian.Uint32(body)))
		return DateOf(time.Unix(days*secondsPerDay, 0).UTC()), nil
	case tagTimestamp:
		if err := fixed(12); err != nil {
			return nil, err
		}
		nanos := binary.BigEndian.Uint32(body[8:])
		if nanos >= 1e9 {
			return nil, fmt.Errorf("%w: nanoseconds %d", ErrMalformedValue, nanos)
		}
		return time.Unix(int64(binary.BigEndian.Uint64(body)), int64(nanos)).UTC(), nil
	default:
		return nil, fmt.Errorf("%w: unknown type tag %#x", ErrMalformedValue, tag)
	}
}
