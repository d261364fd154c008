package audit

import (
	"strings"
	"testing"
)

// TestCanonicalEscaping pins the string escaping docs/FORMAT.md states.
func TestCanonicalEscaping(t *testing.T) {
	r := Record{RequestID: "a\"\\\b\f\n\r\t\x01<>&\u2028é\xff"}
	b, err := r.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	want := `"request_id":"a\"\\\b\f\n\r\t\u0001<>&\u2028é\ufffd"`
	if !strings.Contains(string(b), want) {
		t.Fatalf("%s\nwant %s", b, want)
	}
}
