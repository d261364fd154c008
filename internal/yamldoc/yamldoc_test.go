package yamldoc

import (
	"strings"
	"testing"
)

func TestDecodeStrict(t *testing.T) {
	var v struct {
		A int `yaml:"a"`
	}
	if err := Decode([]byte("a: 1\n"), &v); err != nil || v.A != 1 {
		t.Fatalf("%v %v", v, err)
	}
	if err := Decode([]byte("a: 1\nb: 2\n"), &v); err == nil {
		t.Error("unknown key accepted")
	}
	if err := Decode([]byte("a: 1\n---\na: 2\n"), &v); err == nil || !strings.Contains(err.Error(), "more than one") {
		t.Errorf("second document: %v", err)
	}
	if err := Decode(nil, &v); err != nil {
		t.Errorf("empty: %v", err)
	}
}
