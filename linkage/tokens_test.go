package linkage

import (
	"bytes"
	"errors"
	"testing"
)

var (
	testSiteKey    = bytes.Repeat([]byte{0x01}, KeySize)
	testCentralKey = bytes.Repeat([]byte{0x02}, KeySize)
	testNetworkKey = bytes.Repeat([]byte{0x03}, KeySize)
	cheapStretch   = Stretch{Algorithm: StretchPBKDF2, Iterations: 10}
)

func testTwoKey(t testing.TB, s Stretch) func(Encoded) Token {
	t.Helper()
	site, err := NewTwoKeySite(testSiteKey, s)
	if err != nil {
		t.Fatal(err)
	}
	central, err := NewTwoKeyCentral(testCentralKey)
	if err != nil {
		t.Fatal(err)
	}
	return func(e Encoded) Token {
		tok, err := TwoKey(site, central, e)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
}

func testEvaluator(t testing.TB) *Evaluator {
	t.Helper()
	key, err := GenerateEvaluatorKey()
	if err != nil {
		t.Fatal(err)
	}
	ev, err := NewEvaluator(key)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// oblivious returns the oblivious tokens of encs, evaluated in process.
func oblivious(t testing.TB, site *ObliviousSite, ev *Evaluator, encs []Encoded) []Token {
	t.Helper()
	b, err := site.Blind(encs)
	if err != nil {
		t.Fatal(err)
	}
	out, err := ev.Evaluate(b.Elements)
	if err != nil {
		t.Fatal(err)
	}
	toks, err := site.Finalize(b, out)
	if err != nil {
		t.Fatal(err)
	}
	return toks
}

// twoSites are the same patient and two others as two sites write them.
func twoSites() (siteA, siteB []Identifiers) {
	l, f := SplitName("Núñez, María", true)
	siteA = []Identifiers{
		{"last": l, "first": f, "dob": "1980-03-07", "sex": "F", "ssn": "123-45-6788"},
		{"last": "Smith", "first": "John", "dob": "1975-11-30", "sex": "M", "ssn": "234-56-7890"},
		{"last": "Smith", "first": "Ellen", "dob": "1975-11-30", "sex": "F", "ssn": "234-56-7891"},
	}
	l, f = SplitName("NUNEZ MARIA", true)
	siteB = []Identifiers{
		{"last": l, "first": f, "dob": "03/07/1980", "sex": "female", "ssn": "123456788"},
		{"last": "SMITH", "first": "JOHN", "dob": "19751130", "sex": "m", "ssn": "234 56 7890"},
		{"last": "smith", "first": "ellen", "dob": "11/30/1975", "sex": "W", "ssn": "234-56-7891"},
	}
	return siteA, siteB
}

func TestTokensSamePatientTwoSitesBothModes(t *testing.T) {
	k := defaultKeys(t)
	twoKey := testTwoKey(t, cheapStretch)
	ev := testEvaluator(t)
	siteA, _ := NewObliviousSite(testNetworkKey)
	siteB, _ := NewObliviousSite(testNetworkKey) // another process, same network key
	a, b := twoSites()
	type tok struct {
		mode, key string
		v         [32]byte
	}
	tokens := func(ids []Identifiers, site *ObliviousSite) [][]tok {
		out := make([][]tok, len(ids))
		for i, id := range ids {
			encs := k.Encode(id)
			if len(encs) != 3 {
				t.Fatalf("patient %d: %d keys", i, len(encs))
			}
			for j, o := range oblivious(t, site, ev, encs) {
				out[i] = append(out[i], tok{"two-key", encs[j].Key, twoKey(encs[j]).Value}, tok{"oblivious", o.Key, o.Value})
			}
		}
		return out
	}
	ta, tb := tokens(a, siteA), tokens(b, siteB)
	for i := range ta {
		for j := range tb {
			for x := range ta[i] {
				same := ta[i][x].v == tb[j][x].v
				if i == j && !same {
					t.Errorf("patient %d, %s %s: sites disagree", i, ta[i][x].mode, ta[i][x].key)
				}
				if i != j && same {
					t.Errorf("patients %d and %d share the %s %s token", i, j, ta[i][x].mode, ta[i][x].key)
				}
			}
		}
	}
	// Tokens of different match keys and modes never coincide.
	seen := map[[32]byte]bool{}
	for _, p := range ta {
		for _, x := range p {
			if seen[x.v] {
				t.Errorf("%s %s token repeats", x.mode, x.key)
			}
			seen[x.v] = true
		}
	}
}

func TestTokensDependOnEveryKey(t *testing.T) {
	k := defaultKeys(t)
	e := k.Encode(Identifiers{"ssn": "123-45-6788"})[0]
	ref := testTwoKey(t, cheapStretch)(e)
	site2, _ := NewTwoKeySite(bytes.Repeat([]byte{9}, KeySize), cheapStretch)
	central2, _ := NewTwoKeyCentral(bytes.Repeat([]byte{9}, KeySize))
	site1, _ := NewTwoKeySite(testSiteKey, cheapStretch)
	central1, _ := NewTwoKeyCentral(testCentralKey)
	site3, _ := NewTwoKeySite(testSiteKey, Stretch{Algorithm: StretchPBKDF2, Iterations: 11})
	for name, pair := range map[string][2]any{
		"site key": {site2, central1}, "central key": {site1, central2}, "stretch": {site3, central1},
	} {
		got, err := TwoKey(pair[0].(*TwoKeySite), pair[1].(*TwoKeyCentral), e)
		if err != nil {
			t.Fatal(err)
		}
		if got.Value == ref.Value {
			t.Errorf("two-key token unchanged by another %s", name)
		}
	}
	ev := testEvaluator(t)
	s1, _ := NewObliviousSite(testNetworkKey)
	s2, _ := NewObliviousSite(bytes.Repeat([]byte{9}, KeySize))
	if oblivious(t, s1, ev, []Encoded{e})[0].Value == oblivious(t, s2, ev, []Encoded{e})[0].Value {
		t.Error("oblivious token unchanged by another network key")
	}
	if oblivious(t, s1, ev, []Encoded{e})[0].Value == oblivious(t, s1, testEvaluator(t), []Encoded{e})[0].Value {
		t.Error("oblivious token unchanged by another evaluator key")
	}
}

func TestObliviousRejectsMalformed(t *testing.T) {
	ev := testEvaluator(t)
	site, _ := NewObliviousSite(testNetworkKey)
	for name, els := range map[string][][]byte{
		"none":     nil,
		"short":    {make([]byte, 31)},
		"identity": {make([]byte, 32)},
		"garbage":  {bytes.Repeat([]byte{0xff}, 32)},
	} {
		if _, err := ev.Evaluate(els); !errors.Is(err, ErrProtocol) {
			t.Errorf("Evaluate(%s) = %v", name, err)
		}
	}
	b, err := site.Blind([]Encoded{{Key: "k", Bytes: []byte("x")}, {Key: "k", Bytes: []byte("y")}})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := ev.Evaluate(b.Elements)
	if _, err := site.Finalize(b, out[:1]); !errors.Is(err, ErrProtocol) {
		t.Errorf("Finalize with too few elements: %v", err)
	}
	if _, err := site.Finalize(b, [][]byte{out[0], make([]byte, 32)}); !errors.Is(err, ErrProtocol) {
		t.Errorf("Finalize with the identity: %v", err)
	}
	if _, err := NewEvaluator(make([]byte, 5)); !errors.Is(err, ErrBadKey) {
		t.Errorf("NewEvaluator(short) = %v", err)
	}
	if _, err := NewObliviousSite(nil); !errors.Is(err, ErrBadKey) {
		t.Errorf("NewObliviousSite(nil) = %v", err)
	}
}

func TestStretchValidate(t *testing.T) {
	for _, s := range []Stretch{
		{}, {Algorithm: "scrypt", Iterations: 1}, {Algorithm: StretchPBKDF2},
		{Algorithm: StretchPBKDF2, Iterations: 1, MemoryKiB: 8},
		{Algorithm: StretchArgon2id, Iterations: 1, MemoryKiB: 7, Threads: 1},
		{Algorithm: StretchArgon2id, Iterations: 1, MemoryKiB: 64},
	} {
		if _, err := NewTwoKeySite(testSiteKey, s); !errors.Is(err, ErrBadConfig) {
			t.Errorf("stretch %+v: %v", s, err)
		}
	}
	if err := DefaultStretch.Validate(); err != nil {
		t.Error(err)
	}
	if _, err := NewTwoKeySite(testSiteKey[:31], cheapStretch); !errors.Is(err, ErrBadKey) {
		t.Error("short site key accepted")
	}
}

func TestStretchedOblivious(t *testing.T) {
	ev := testEvaluator(t)
	e := []Encoded{{Key: "ssn", Bytes: []byte("x")}}
	plain, _ := NewObliviousSite(testNetworkKey)
	s1, err := NewStretchedObliviousSite(testNetworkKey, cheapStretch)
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := NewStretchedObliviousSite(testNetworkKey, cheapStretch)
	s3, _ := NewStretchedObliviousSite(testNetworkKey, Stretch{Algorithm: StretchPBKDF2, Iterations: 11})
	a, b := oblivious(t, s1, ev, e)[0], oblivious(t, s2, ev, e)[0]
	if a != b {
		t.Error("two sites with the same stretch disagree")
	}
	if a == oblivious(t, plain, ev, e)[0] || a == oblivious(t, s3, ev, e)[0] {
		t.Error("the stretch does not change the token")
	}
	if _, err := NewStretchedObliviousSite(testNetworkKey, Stretch{}); !errors.Is(err, ErrBadConfig) {
		t.Errorf("empty stretch: %v", err)
	}
}

func TestParseStretch(t *testing.T) {
	for _, s := range []Stretch{DefaultStretch, cheapStretch, {Algorithm: StretchArgon2id, Iterations: 3, MemoryKiB: 65536, Threads: 4}} {
		got, err := ParseStretch(s.String())
		if err != nil || got != s {
			t.Errorf("ParseStretch(%q) = %+v, %v", s.String(), got, err)
		}
	}
	for _, bad := range []string{"", "none", "scrypt:n=1", "pbkdf2-sha256", "pbkdf2-sha256:i=0", "pbkdf2-sha256:i=01",
		"argon2id:t=1,m=4,p=1", "argon2id:t=1,m=64", "argon2id:t=1,m=64,p=1,x", "pbkdf2-sha256:i=5 "} {
		if _, err := ParseStretch(bad); !errors.Is(err, ErrBadConfig) {
			t.Errorf("ParseStretch(%q) = %v", bad, err)
		}
	}
}
