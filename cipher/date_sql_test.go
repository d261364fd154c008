package cipher_test

import (
	"database/sql"
	"database/sql/driver"
	"strings"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
)

func TestIssue9_DateValuerScanner(t *testing.T) {
	var _ driver.Valuer = cipher.Date{}
	var _ sql.Scanner = (*cipher.Date)(nil)
	d := cipher.Date{Year: 1951, Month: 3, Day: 7}
	if v, err := d.Value(); err != nil || v != "1951-03-07" {
		t.Fatalf("Value: %v %v", v, err)
	}
	if v, err := (cipher.Date{}).Value(); err != nil || v != nil {
		t.Fatalf("zero Value: %v %v, want NULL", v, err)
	}
	for _, src := range []any{
		"1951-03-07", []byte("1951-03-07"), "1951-03-07 00:00:00", "1951-03-07T00:00:00Z",
		time.Date(1951, 3, 7, 0, 0, 0, 0, time.UTC), time.Date(1951, 3, 7, 23, 0, 0, 0, time.FixedZone("x", -5*3600)), d,
	} {
		var got cipher.Date
		if err := got.Scan(src); err != nil || got != d {
			t.Errorf("Scan(%T %v): %v %v", src, src, got, err)
		}
	}
	got := d
	if err := got.Scan(nil); err != nil || got != (cipher.Date{}) {
		t.Fatalf("Scan(nil): %v %v", got, err)
	}
	for _, src := range []any{"1951-13-07", "07/03/1951", "1951-03-07X12", int64(7), "secret-1951"} {
		var got cipher.Date
		err := got.Scan(src)
		if err == nil {
			t.Errorf("Scan(%v): no error", src)
			continue
		}
		if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "07/03") {
			t.Errorf("Scan error shows the value: %v", err)
		}
		if !strings.HasPrefix(err.Error(), "phicrypt: ") {
			t.Errorf("Scan error without prefix: %v", err)
		}
	}
	if (cipher.Date{}).GormDataType() != "date" {
		t.Fatal("GormDataType")
	}
}
