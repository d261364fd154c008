package linkage

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/cloudflare/circl/oprf"
)

// rfc9497Vector is one suite of RFC 9497 Appendix A, in the JSON form of
// the RFC's test vector file (testdata/rfc9497_ristretto255_oprf.json:
// A.1.1, ristretto255-SHA512, OPRF mode).
type rfc9497Vector struct {
	Identifier string `json:"identifier"`
	Mode       int    `json:"mode"`
	Seed       string `json:"seed"`
	KeyInfo    string `json:"keyInfo"`
	SkSm       string `json:"skSm"`
	Vectors    []struct {
		Batch             int    `json:"Batch"`
		Blind             string `json:"Blind"`
		BlindedElement    string `json:"BlindedElement"`
		EvaluationElement string `json:"EvaluationElement"`
		Input             string `json:"Input"`
		Output            string `json:"Output"`
	} `json:"vectors"`
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRFC9497Vectors runs the RFC's vectors through this package's
// evaluator and site, and so through circl.
func TestRFC9497Vectors(t *testing.T) {
	data, err := os.ReadFile("testdata/rfc9497_ristretto255_oprf.json")
	if err != nil {
		t.Fatal(err)
	}
	var suites []rfc9497Vector
	if err := json.Unmarshal(data, &suites); err != nil {
		t.Fatal(err)
	}
	if len(suites) != 1 || suites[0].Identifier != SuiteID || suites[0].Mode != 0 || len(suites[0].Vectors) != 2 {
		t.Fatalf("vector file holds %d suites", len(suites))
	}
	v := suites[0]
	sk, err := oprf.DeriveKey(suite, oprf.BaseMode, unhex(t, v.Seed), unhex(t, v.KeyInfo))
	if err != nil {
		t.Fatal(err)
	}
	skb, _ := sk.MarshalBinary()
	if hex.EncodeToString(skb) != v.SkSm {
		t.Fatalf("DeriveKeyPair: %x, want %s", skb, v.SkSm)
	}
	ev, err := NewEvaluator(skb)
	if err != nil {
		t.Fatal(err)
	}
	site, err := NewObliviousSite(make([]byte, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	for i, tv := range v.Vectors {
		if tv.Batch != 1 || strings.Contains(tv.Input, ",") {
			t.Fatalf("vector %d: batch %d", i, tv.Batch)
		}
		blind := suite.Group().NewScalar()
		if err := blind.UnmarshalBinary(unhex(t, tv.Blind)); err != nil {
			t.Fatal(err)
		}
		b, err := site.blind([]Encoded{{Key: "rfc", Bytes: unhex(t, tv.Input)}}, []oprf.Blind{blind})
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(b.Elements[0]); got != tv.BlindedElement {
			t.Errorf("vector %d: blinded element %s, want %s", i, got, tv.BlindedElement)
		}
		evaluated, err := ev.Evaluate(b.Elements)
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(evaluated[0]); got != tv.EvaluationElement {
			t.Errorf("vector %d: evaluation element %s, want %s", i, got, tv.EvaluationElement)
		}
		outs, err := site.outputs(b, evaluated)
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(outs[0]); got != tv.Output {
			t.Errorf("vector %d: output %s, want %s", i, got, tv.Output)
		}
		full, err := ev.fullEvaluate(unhex(t, tv.Input))
		if err != nil || !bytes.Equal(full, outs[0]) {
			t.Errorf("vector %d: full evaluation %x differs from the protocol's %x", i, full, outs[0])
		}
	}
}
