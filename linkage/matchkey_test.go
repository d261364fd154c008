package linkage

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func defaultKeys(t testing.TB) *Keys {
	t.Helper()
	k, err := Compile(DefaultMatchKeys())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// byKey maps match key names to their encodings.
func byKey(es []Encoded) map[string][]byte {
	m := map[string][]byte{}
	for _, e := range es {
		m[e.Key] = e.Bytes
	}
	return m
}

func TestEncodeSamePatientDifferentFormatting(t *testing.T) {
	k := defaultKeys(t)
	last, first := SplitName("Núñez, María José", true)
	a := Identifiers{"last": last, "first": first, "dob": "1980-03-07", "sex": "F", "ssn": "123-45-6788"}
	last, first = SplitName("NUNEZ MARIA", true)
	b := Identifiers{"last": last, "first": first, "dob": "03/07/1980", "sex": "female", "ssn": "123 45 6788"}
	ea, eb := byKey(k.Encode(a)), byKey(k.Encode(b))
	for _, name := range []string{"ssn", "name_dob_sex", "phonetic_dob"} {
		if ea[name] == nil || !bytes.Equal(ea[name], eb[name]) {
			t.Errorf("%s: site encodings differ or are missing", name)
		}
	}
	// The encoding carries the normalised values, length-prefixed.
	if !bytes.Contains(ea["name_dob_sex"], []byte("\x00\x00\x00\x05nunez\x00\x00\x00\x05maria\x00\x00\x00\x0a1980-03-07\x00\x00\x00\x01f")) {
		t.Errorf("name_dob_sex encoding %q", ea["name_dob_sex"])
	}
}

func TestEncodeDifferentPatients(t *testing.T) {
	k := defaultKeys(t)
	a := byKey(k.Encode(Identifiers{"last": "Nunez", "first": "Maria", "dob": "1980-03-07", "sex": "F"}))
	for _, other := range []Identifiers{
		{"last": "Nunez", "first": "Mario", "dob": "1980-03-07", "sex": "M"},
		{"last": "Nunez", "first": "Maria", "dob": "1980-07-03", "sex": "F"},
		{"last": "Perez", "first": "Maria", "dob": "1980-03-07", "sex": "F"},
	} {
		b := byKey(k.Encode(other))
		if bytes.Equal(a["name_dob_sex"], b["name_dob_sex"]) {
			t.Errorf("name_dob_sex equal for %v", other)
		}
	}
	// Nicknames fold to the formal name; the phonetic key forgives a typo.
	x := byKey(k.Encode(Identifiers{"last": "Johnson", "first": "William", "dob": "1950-01-02", "sex": "m"}))
	y := byKey(k.Encode(Identifiers{"last": "Jonson", "first": "Bill", "dob": "1950-01-02", "sex": "M"}))
	if bytes.Equal(x["name_dob_sex"], y["name_dob_sex"]) {
		t.Error("name_dob_sex should tell Johnson from Jonson")
	}
	if !bytes.Equal(x["phonetic_dob"], y["phonetic_dob"]) {
		t.Error("phonetic_dob should match Johnson/William with Jonson/Bill")
	}
}

func TestEncodeMissingFieldsYieldNothing(t *testing.T) {
	k := defaultKeys(t)
	cases := []struct {
		id   Identifiers
		want []string
	}{
		{Identifiers{}, nil},
		{Identifiers{"last": "", "first": "", "dob": "", "sex": "", "ssn": ""}, nil},
		{Identifiers{"last": "---", "first": "Ann", "dob": "1990-01-01", "sex": "F"}, nil},
		{Identifiers{"last": "Lee", "first": "Ann", "dob": "1990-02-30", "sex": "F"}, nil},
		{Identifiers{"last": "Lee", "first": "Ann", "dob": "1990-02-03", "sex": "U"}, []string{"phonetic_dob"}},
		{Identifiers{"ssn": "000-12-3456"}, nil},
		{Identifiers{"ssn": "666-12-3456"}, nil},
		{Identifiers{"ssn": "912-12-3456"}, nil},
		{Identifiers{"ssn": "123-00-3456"}, nil},
		{Identifiers{"ssn": "123-45-0000"}, nil},
		{Identifiers{"ssn": "123-45-6789"}, nil},
		{Identifiers{"ssn": "111-11-1111"}, nil},
		{Identifiers{"ssn": "12345678"}, nil},
		{Identifiers{"ssn": "SSN 123456788"}, nil},
		{Identifiers{"ssn": "123456788"}, []string{"ssn"}},
	}
	for _, c := range cases {
		var got []string
		for _, e := range k.Encode(c.id) {
			got = append(got, e.Key)
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("Encode(%v) keys %v, want %v", c.id, got, c.want)
		}
	}
}

func TestNormDate(t *testing.T) {
	for in, want := range map[string]string{
		"1980-03-07": "1980-03-07", "1980/03/07": "1980-03-07", "19800307": "1980-03-07",
		"03/07/1980": "1980-03-07", "3/7/1980": "1980-03-07", "03-07-1980": "1980-03-07",
		"07.03.1980": "1980-03-07", "1980-03-07T10:11:12Z": "1980-03-07", " 1980-03-07 00:00:00": "1980-03-07",
		"2000-02-29": "2000-02-29", "1900-02-29": "", "1980-13-01": "", "80-03-07": "",
		"1799-01-01": "", "March 7, 1980": "", "": "", "1980-3-7": "1980-03-07",
	} {
		got, ok := normDate(in)
		if got != want || ok != (want != "") {
			t.Errorf("normDate(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestSplitName(t *testing.T) {
	for _, c := range []struct {
		in          string
		lastFirst   bool
		last, first string
	}{
		{"Núñez, María José", false, "Núñez", "María"},
		{"NUNEZ MARIA", true, "NUNEZ", "MARIA"},
		{"Maria Nunez", false, "Nunez", "Maria"},
		{"Nunez", true, "Nunez", ""},
		{"  ", true, "", ""},
	} {
		l, f := SplitName(c.in, c.lastFirst)
		if l != c.last || f != c.first {
			t.Errorf("SplitName(%q) = %q, %q", c.in, l, f)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	for _, keys := range [][]MatchKey{
		nil,
		{{Name: "Bad Name", Fields: []Field{{"ssn", "ssn"}}}},
		{{Name: "k", Fields: nil}},
		{{Name: "k", Fields: []Field{{"ssn", "ssn,unknown"}}}},
		{{Name: "k", Fields: []Field{{"ssn", "ssn,,digits"}}}},
		{{Name: "k", Fields: []Field{{"SSN", "ssn"}}}},
		{{Name: "k", Fields: []Field{{"a", "first:0"}}}},
		{{Name: "k", Fields: []Field{{"a", "name"}}}, {Name: "k", Fields: []Field{{"b", "name"}}}},
	} {
		_, err := Compile(keys)
		if !errors.Is(err, ErrBadConfig) {
			t.Errorf("Compile(%v) = %v, want ErrBadConfig", keys, err)
		}
		if err != nil && strings.Count(err.Error(), "phicrypt:") != 1 {
			t.Errorf("error %q should carry the phicrypt: prefix once", err)
		}
	}
}

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig([]byte(`
match_keys:
  - name: mrn_dob
    fields:
      - {field: mrn, transforms: "alnum,casefold"}
      - {field: dob, transforms: "date,date:year"}
`))
	if err != nil {
		t.Fatal(err)
	}
	k, err := Compile(c.MatchKeys)
	if err != nil {
		t.Fatal(err)
	}
	if spec, _ := k.Spec("mrn_dob"); spec != "mrn=alnum,casefold;dob=date,date:year" {
		t.Errorf("spec %q", spec)
	}
	e := k.Encode(Identifiers{"mrn": "ab-12", "dob": "01/02/1960"})
	if len(e) != 1 || !bytes.HasSuffix(e[0].Bytes, []byte("\x00\x00\x00\x04ab12\x00\x00\x00\x041960")) {
		t.Errorf("encoding %q", e)
	}
	for _, bad := range []string{"", "match_keys: []", "match_keys:\n  - name: x\n    fieldz: []", "match_keys:\n  - name: x\n    fields:\n      - {field: a, transforms: bogus}"} {
		if _, err := ParseConfig([]byte(bad)); !errors.Is(err, ErrBadConfig) {
			t.Errorf("ParseConfig(%q) = %v", bad, err)
		}
	}
}

// TestSpecIsPartOfEncoding: the same key name with another definition
// never gives the same encoding.
func TestSpecIsPartOfEncoding(t *testing.T) {
	a, _ := Compile([]MatchKey{{Name: "k", Fields: []Field{{"last", "name"}}}})
	b, _ := Compile([]MatchKey{{Name: "k", Fields: []Field{{"last", "name,nysiis"}}}})
	id := Identifiers{"last": "T"}
	if bytes.Equal(a.Encode(id)[0].Bytes, b.Encode(id)[0].Bytes) {
		t.Error("definitions differ, encodings must differ")
	}
}
