package sqlwrap

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
)

// TestMigratingFromPlain checks the conversion of plaintext column values,
// as drivers return them, to the declared types.
func TestMigratingFromPlain(t *testing.T) {
	d := cipher.Date{Year: 1948, Month: 3, Day: 17}
	ts := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	ok := []struct {
		typ  ValueType
		raw  any
		want any
	}{
		{TypeString, "Núñez", "Núñez"},
		{TypeString, []byte("Smith"), "Smith"},
		{TypeString, " padded ", " padded "},
		{TypeString, "", ""},
		{TypeString, int64(2139), "2139"},
		{TypeString, time.Date(1948, 3, 17, 0, 0, 0, 0, time.UTC), "1948-03-17"},
		{TypeBytes, "", []byte{}},
		{TypeBytes, []byte{0xff, 0}, []byte{0xff, 0}},
		{TypeInt64, "42", int64(42)},
		{TypeInt64, " -7 ", int64(-7)},
		{TypeInt64, int64(9), int64(9)},
		{TypeInt64, float64(3), int64(3)},
		{TypeInt64, "", nil},
		{TypeFloat64, "2.5", 2.5},
		{TypeFloat64, int64(4), 4.0},
		{TypeBool, "true", true},
		{TypeBool, "0", false},
		{TypeBool, int64(1), true},
		{TypeBool, true, true},
		{TypeDate, "1948-03-17", d},
		{TypeDate, []byte("1948-03-17"), d},
		{TypeDate, time.Date(1948, 3, 17, 0, 0, 0, 0, time.UTC), d},
		{TypeDate, time.Date(1948, 3, 17, 13, 5, 0, 0, time.UTC), d},
		{TypeDate, "", nil},
		{TypeDate, nil, nil},
		{TypeTimestamp, ts, ts},
		{TypeTimestamp, "2024-05-06 07:08:09", ts},
		{TypeTimestamp, "2024-05-06T07:08:09Z", ts},
	}
	for _, c := range ok {
		got, err := fromPlain(&Column{Name: "c", Type: c.typ}, c.raw)
		if err != nil || fmt.Sprintf("%T %v", got, got) != fmt.Sprintf("%T %v", c.want, c.want) {
			t.Errorf("%s from %T %v: %T %v, %v; want %v", c.typ, c.raw, c.raw, got, got, err, c.want)
		}
	}
	bad := []struct {
		col  Column
		raw  any
		want error
	}{
		{Column{Type: TypeString}, []byte{0xff, 'A'}, ErrWrongType},
		{Column{Type: TypeString}, "\xffA", ErrWrongType},
		{Column{Type: TypeString, MaxLength: 4}, "12345", cipher.ErrValueTooLong},
		{Column{Type: TypeBytes, MaxLength: 1}, "ab", cipher.ErrValueTooLong},
		{Column{Type: TypeInt64}, "12a", ErrWrongType},
		{Column{Type: TypeInt64}, "1.5", ErrWrongType},
		{Column{Type: TypeInt64}, float64(1.5), ErrWrongType},
		{Column{Type: TypeFloat64}, "x", ErrWrongType},
		{Column{Type: TypeBool}, "yes", ErrWrongType},
		{Column{Type: TypeBool}, int64(2), ErrWrongType},
		{Column{Type: TypeDate}, "1999-02-30", ErrWrongType},
		{Column{Type: TypeDate}, "03/17/1948", ErrWrongType},
		{Column{Type: TypeDate}, "0000-00-00", ErrWrongType},
		{Column{Type: TypeDate}, time.Time{}, ErrWrongType},
		{Column{Type: TypeDate}, int64(19480317), ErrWrongType},
		{Column{Type: TypeTimestamp}, "yesterday", ErrWrongType},
	}
	for _, c := range bad {
		got, err := fromPlain(&c.col, c.raw)
		if !errors.Is(err, c.want) || got != nil {
			t.Errorf("%s from %T %v: %v, %v; want %v", c.col.Type, c.raw, c.raw, got, err, c.want)
			continue
		}
		if s, ok := c.raw.(string); ok && len(s) > 1 && strings.Contains(err.Error(), s) {
			t.Errorf("error reveals the value: %v", err)
		}
	}
}
