package linkage

import (
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"testing"

	"github.com/cloudflare/circl/oprf"
)

var updateVectors = flag.Bool("update", false, "rewrite testdata/vectors.json")

// Known-answer vectors of both token modes (docs/FORMAT.md, "Linkage
// tokens"). The evaluator key and the blind are RFC 9497 A.1.1's.
type kat struct {
	Comment    string     `json:"comment"`
	SiteKey    string     `json:"site_key"`
	CentralKey string     `json:"central_key"`
	NetworkKey string     `json:"network_key"`
	Evaluator  string     `json:"evaluator_key"`
	Blind      string     `json:"blind"`
	Stretches  []Stretch  `json:"stretches"`
	MatchKeys  []MatchKey `json:"match_keys"`
	Cases      []katCase  `json:"cases"`
}

type katCase struct {
	Identifiers Identifiers `json:"identifiers"`
	Keys        []katKey    `json:"keys"`
}

type katKey struct {
	Key       string      `json:"key"`
	Encoding  string      `json:"encoding"`
	TwoKey    []katTwoKey `json:"two_key"`
	Blinded   string      `json:"blinded_element"`
	Evaluated string      `json:"evaluated_element"`
	Output    string      `json:"oprf_output"`
	Oblivious string      `json:"oblivious_token"`
	// ObliviousStretched is the token of a site stretching the OPRF
	// output with the first stretch of the vectors.
	ObliviousStretched string `json:"oblivious_token_stretched"`
}

type katTwoKey struct {
	Stretch   string `json:"stretch"`
	SiteValue string `json:"site_value"`
	Token     string `json:"token"`
}

func computeKAT(t *testing.T) kat {
	k := kat{
		Comment:    "phicrypt linkage tokens, version 1; docs/FORMAT.md",
		SiteKey:    hex.EncodeToString(testSiteKey),
		CentralKey: hex.EncodeToString(testCentralKey),
		NetworkKey: hex.EncodeToString(testNetworkKey),
		Evaluator:  "5ebcea5ee37023ccb9fc2d2019f9d7737be85591ae8652ffa9ef0f4d37063b0e",
		Blind:      "64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706",
		Stretches: []Stretch{
			{Algorithm: StretchPBKDF2, Iterations: 1000},
			{Algorithm: StretchArgon2id, Iterations: 1, MemoryKiB: 64, Threads: 1},
			DefaultStretch,
		},
		MatchKeys: DefaultMatchKeys(),
	}
	keys, err := Compile(k.MatchKeys)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := NewEvaluator(unhex(t, k.Evaluator))
	if err != nil {
		t.Fatal(err)
	}
	site, _ := NewObliviousSite(testNetworkKey)
	stretched, err := NewStretchedObliviousSite(testNetworkKey, k.Stretches[0])
	if err != nil {
		t.Fatal(err)
	}
	central, _ := NewTwoKeyCentral(testCentralKey)
	blind := suite.Group().NewScalar()
	if err := blind.UnmarshalBinary(unhex(t, k.Blind)); err != nil {
		t.Fatal(err)
	}
	for _, id := range []Identifiers{
		{"last": "Núñez", "first": "María", "dob": "1980-03-07", "sex": "F", "ssn": "123-45-6788"},
		{"last": "O'Brien", "first": "Bill", "dob": "12/31/1949", "sex": "male"},
		{"ssn": "078-05-1120", "last": "Smith", "first": "", "dob": "2001-02-03", "sex": "F"},
	} {
		c := katCase{Identifiers: id}
		for _, e := range keys.Encode(id) {
			kk := katKey{Key: e.Key, Encoding: hex.EncodeToString(e.Bytes)}
			for _, s := range k.Stretches {
				ts, err := NewTwoKeySite(testSiteKey, s)
				if err != nil {
					t.Fatal(err)
				}
				sv, err := ts.Blind(e)
				if err != nil {
					t.Fatal(err)
				}
				tok, err := central.Token(e.Key, sv)
				if err != nil {
					t.Fatal(err)
				}
				kk.TwoKey = append(kk.TwoKey, katTwoKey{Stretch: s.String(), SiteValue: hex.EncodeToString(sv), Token: tok.String()})
			}
			b, err := site.blind([]Encoded{e}, []oprf.Blind{blind})
			if err != nil {
				t.Fatal(err)
			}
			evaluated, err := ev.Evaluate(b.Elements)
			if err != nil {
				t.Fatal(err)
			}
			outs, err := site.outputs(b, evaluated)
			if err != nil {
				t.Fatal(err)
			}
			toks, err := site.Finalize(b, evaluated)
			if err != nil {
				t.Fatal(err)
			}
			kk.Blinded = hex.EncodeToString(b.Elements[0])
			kk.Evaluated = hex.EncodeToString(evaluated[0])
			kk.Output = hex.EncodeToString(outs[0])
			kk.Oblivious = toks[0].String()
			sb, err := stretched.blind([]Encoded{e}, []oprf.Blind{blind})
			if err != nil {
				t.Fatal(err)
			}
			stoks, err := stretched.Finalize(sb, evaluated)
			if err != nil {
				t.Fatal(err)
			}
			kk.ObliviousStretched = stoks[0].String()
			c.Keys = append(c.Keys, kk)
		}
		k.Cases = append(k.Cases, c)
	}
	return k
}

func TestKnownAnswerVectors(t *testing.T) {
	got := computeKAT(t)
	gotJSON, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	gotJSON = append(gotJSON, '\n')
	const path = "testdata/vectors.json"
	if *updateVectors {
		if err := os.WriteFile(path, gotJSON, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != string(gotJSON) {
		t.Fatalf("tokens differ from %s (run with -update only for an intended format change)", path)
	}
	// The vectors hold what the spec promises: the third case has no SSN
	// key (placeholder number) and no name key (no first name).
	if n := len(got.Cases[2].Keys); n != 0 {
		t.Errorf("case 3 yields %d keys, want none", n)
	}
	if n := len(got.Cases[1].Keys); n != 2 {
		t.Errorf("case 2 yields %d keys, want name_dob_sex and phonetic_dob", n)
	}
}
