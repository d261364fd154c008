package cipher

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Value implements driver.Valuer, so that a Date can be a column of an ORM
// model (GORM needs it) or a query argument: the date as "YYYY-MM-DD"
// text, which every supported database reads into a DATE column. The
// zero Date is NULL.
func (d Date) Value() (driver.Value, error) {
	if d == (Date{}) {
		return nil, nil
	}
	return d.String(), nil
}

// Scan implements sql.Scanner: it reads a date column as the drivers give
// it (time.Time, "YYYY-MM-DD" text or bytes, optionally followed by a time
// of day, which is dropped) or a Date. NULL is the zero Date. Errors do
// not show the value.
func (d *Date) Scan(src any) error {
	switch x := src.(type) {
	case nil:
		*d = Date{}
		return nil
	case Date:
		*d = x
		return nil
	case time.Time:
		*d = DateOf(x)
		return nil
	case string:
		return d.parse(x)
	case []byte:
		return d.parse(string(x))
	}
	return fmt.Errorf("phicrypt: cipher.Date cannot scan a %T", src)
}

var errDateText = errors.New("phicrypt: cipher.Date: text is not a YYYY-MM-DD date")

func (d *Date) parse(s string) error {
	if len(s) > len(time.DateOnly) {
		// "2006-01-02 15:04:05", "2006-01-02T15:04:05Z": the date part.
		if c := s[len(time.DateOnly)]; c != ' ' && c != 'T' {
			return errDateText
		}
		s = s[:len(time.DateOnly)]
	}
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return errDateText
	}
	*d = DateOf(t)
	return nil
}

// GormDataType names the column type GORM's migrator gives a Date field
// of a plain (unprotected) table.
func (Date) GormDataType() string { return "date" }
