//go:build !linux

package phiscan

import (
	"os"
	"reflect"
	"time"
)

// birthTime is the file's creation time, where the platform's stat
// structure has one: Birthtimespec on macOS and the BSDs, CreationTime on
// Windows. Reflection reads it without a file per platform.
func birthTime(path string) *time.Time {
	info, err := os.Stat(path)
	if err != nil || info.Sys() == nil {
		return nil
	}
	v := reflect.Indirect(reflect.ValueOf(info.Sys()))
	if v.Kind() != reflect.Struct {
		return nil
	}
	if f := v.FieldByName("Birthtimespec"); f.IsValid() {
		sec, nsec := f.FieldByName("Sec"), f.FieldByName("Nsec")
		if sec.CanInt() && nsec.CanInt() && sec.Int() > 0 {
			t := time.Unix(sec.Int(), nsec.Int()).UTC()
			return &t
		}
	}
	if f := v.FieldByName("CreationTime"); f.IsValid() && f.CanAddr() {
		if m := f.Addr().MethodByName("Nanoseconds"); m.IsValid() {
			if ns := m.Call(nil)[0]; ns.CanInt() && ns.Int() > 0 {
				t := time.Unix(0, ns.Int()).UTC()
				return &t
			}
		}
	}
	return nil
}
