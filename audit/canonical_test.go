package audit

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// jsonLine is the reference encoding: encoding/json, HTML escaping off,
// columns as [] when nil, hash omitted when empty.
func jsonLine(r Record) []byte {
	if r.Columns == nil {
		r.Columns = []string{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		panic(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func TestAppendMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "Z", " ", "\"", "\\", "\b", "\f", "\n", "\r", "\t", "\x00", "\x1f", "\x7f", "<", ">", "&", "é", "李", "\u2028", "\u2029", "\xff", "\xe2\x80", "😀", "/"}
	str := func() string {
		var b []byte
		for range rng.IntN(12) {
			b = append(b, alphabet[rng.IntN(len(alphabet))]...)
		}
		return string(b)
	}
	for i := range 5000 {
		r := Record{Seq: rng.Int64(), Time: str(), Principal: str(), Role: str(), Purpose: str(), Op: str(), Action: str(), Table: str(),
			Rows: rng.Int64() - rng.Int64(), Outcome: str(), Reason: str(), RequestID: str(), Checkpoint: str(), Prev: str()}
		for range rng.IntN(3) {
			r.Columns = append(r.Columns, str())
		}
		if i%2 == 0 {
			r.Hash = str()
		}
		line, _ := r.Line()
		if want := jsonLine(r); !bytes.Equal(line, want) {
			t.Fatalf("line:\n%q\nwant\n%q", line, want)
		}
		c, _ := r.Canonical()
		r.Hash = ""
		if want := jsonLine(r); !bytes.Equal(c, want) {
			t.Fatalf("canonical:\n%q\nwant\n%q", c, want)
		}
	}
}
