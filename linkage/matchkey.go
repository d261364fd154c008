package linkage

import (
	"encoding/binary"
	"regexp"
	"strings"

	"github.com/goccy/go-yaml"
)

// Field is one field of a match key: the name of an identifier (the key
// of Identifiers, e.g. "last") and the transforms that normalise it
// (transform.go).
type Field struct {
	Field      string `yaml:"field" json:"field"`
	Transforms string `yaml:"transforms" json:"transforms"`
}

// MatchKey is a named, ordered list of fields; it yields one token per
// record whose fields are all present after their transforms. Its YAML
// form (Config):
//
//	match_keys:
//	  - name: name_dob_sex
//	    fields:
//	      - {field: last, transforms: "name"}
//	      - {field: first, transforms: "name,nickname"}
//	      - {field: dob, transforms: "date"}
//	      - {field: sex, transforms: "sex"}
//
// Every site of a network must use the same definitions: the name and the
// canonical definition are part of the encoding, so a key defined
// differently never shares tokens with it.
type MatchKey struct {
	Name   string  `yaml:"name" json:"name"`
	Fields []Field `yaml:"fields" json:"fields"`
}

// Config is the YAML file of a site's match keys.
type Config struct {
	MatchKeys []MatchKey `yaml:"match_keys" json:"match_keys"`
}

// DefaultMatchKeys returns the default match keys:
//
//	ssn           the digits of a valid SSN
//	name_dob_sex  last name, first name (nicknames folded), date of birth, sex
//	phonetic_dob  NYSIIS of the last name, first initial (of the formal
//	              name of a nickname), date of birth
func DefaultMatchKeys() []MatchKey {
	return []MatchKey{
		{Name: "ssn", Fields: []Field{{"ssn", "ssn"}}},
		{Name: "name_dob_sex", Fields: []Field{
			{"last", "name"}, {"first", "name,nickname"}, {"dob", "date"}, {"sex", "sex"},
		}},
		{Name: "phonetic_dob", Fields: []Field{
			{"last", "name,nysiis"}, {"first", "name,nickname,first:1"}, {"dob", "date"},
		}},
	}
}

// ParseConfig reads the YAML form of Config; unknown fields are errors.
// An empty list of match keys is an error: use DefaultMatchKeys.
func ParseConfig(data []byte) (Config, error) {
	var c Config
	if err := yaml.UnmarshalWithOptions(data, &c, yaml.DisallowUnknownField()); err != nil {
		return Config{}, errorf("match key file: %w (%v)", ErrBadConfig, yamlMessage(err))
	}
	if len(c.MatchKeys) == 0 {
		return Config{}, errorf("match key file lists no match_keys: %w", ErrBadConfig)
	}
	if _, err := Compile(c.MatchKeys); err != nil {
		return Config{}, err
	}
	return c, nil
}

// yamlMessage keeps the first line of a YAML error: the library's
// message can quote the document, which is configuration, but its
// source excerpt adds nothing.
func yamlMessage(err error) string {
	m, _, _ := strings.Cut(err.Error(), "\n")
	return m
}

var identRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// Keys is a compiled list of match keys; it is safe for concurrent use.
type Keys struct {
	keys []compiledKey
}

type compiledKey struct {
	name   string
	spec   string // canonical definition, part of the encoding
	fields []compiledField
}

type compiledField struct {
	field string
	steps []step
}

// Compile checks and compiles match keys. Names (of keys and of fields)
// are lower-case identifiers; key names are unique; a key has at least one
// field.
func Compile(keys []MatchKey) (*Keys, error) {
	if len(keys) == 0 {
		return nil, errorf("no match keys: %w", ErrBadConfig)
	}
	out := &Keys{}
	seen := map[string]bool{}
	for _, k := range keys {
		if !identRE.MatchString(k.Name) {
			return nil, errorf("match key name %q: lower-case letters, digits and _ only: %w", k.Name, ErrBadConfig)
		}
		if seen[k.Name] {
			return nil, errorf("match key %q defined twice: %w", k.Name, ErrBadConfig)
		}
		seen[k.Name] = true
		if len(k.Fields) == 0 {
			return nil, errorf("match key %q has no fields: %w", k.Name, ErrBadConfig)
		}
		ck := compiledKey{name: k.Name}
		specs := make([]string, 0, len(k.Fields))
		for _, f := range k.Fields {
			if !identRE.MatchString(f.Field) {
				return nil, errorf("match key %q: field name %q: lower-case letters, digits and _ only: %w", k.Name, f.Field, ErrBadConfig)
			}
			steps, canon, err := parseTransforms(f.Transforms)
			if err != nil {
				return nil, errorf("match key %q, field %q: %w", k.Name, f.Field, err)
			}
			ck.fields = append(ck.fields, compiledField{field: f.Field, steps: steps})
			specs = append(specs, f.Field+"="+canon)
		}
		ck.spec = strings.Join(specs, ";")
		out.keys = append(out.keys, ck)
	}
	return out, nil
}

// Names returns the match key names in order.
func (k *Keys) Names() []string {
	n := make([]string, len(k.keys))
	for i, c := range k.keys {
		n[i] = c.name
	}
	return n
}

// Spec returns the canonical definition of the named match key (what the
// encoding carries), e.g. "ssn=ssn", and whether there is such a key.
func (k *Keys) Spec(name string) (string, bool) {
	for _, c := range k.keys {
		if c.name == name {
			return c.spec, true
		}
	}
	return "", false
}

// Identifiers are one patient's identifiers by field name ("ssn", "last",
// "first", "dob", "sex", ...). A field that is absent or empty is missing.
type Identifiers map[string]string

// Encoded is the encoding of one match key of one record: the input of
// both token modes. It identifies the patient: keep it inside the site.
type Encoded struct {
	Key   string // the match key name
	Bytes []byte
}

// encodingMagic starts every encoding; the byte after it is the version.
const encodingMagic = "phicrypt-linkage"

// Encode returns the encoding of every match key whose fields are all
// present after their transforms, in the keys' order. A record with no
// complete key yields nothing.
func (k *Keys) Encode(id Identifiers) []Encoded {
	out := make([]Encoded, 0, len(k.keys))
	vals := make([]string, 0, 8)
	for _, c := range k.keys {
		vals = vals[:0]
		ok := true
		for _, f := range c.fields {
			v, present := applySteps(f.steps, id[f.field])
			if !present {
				ok = false
				break
			}
			vals = append(vals, v)
		}
		if ok {
			out = append(out, Encoded{Key: c.name, Bytes: encode(c.name, c.spec, vals)})
		}
	}
	return out
}

// encode is "phicrypt-linkage" | 0x01 | lp(name) | lp(spec) | u32 count |
// lp(value)..., where lp(x) = u32 len(x) | x, big-endian.
func encode(name, spec string, vals []string) []byte {
	n := len(encodingMagic) + 1 + 4 + len(name) + 4 + len(spec) + 4
	for _, v := range vals {
		n += 4 + len(v)
	}
	b := make([]byte, 0, n)
	b = append(b, encodingMagic...)
	b = append(b, 0x01)
	b = appendLP(b, name)
	b = appendLP(b, spec)
	b = binary.BigEndian.AppendUint32(b, uint32(len(vals)))
	for _, v := range vals {
		b = appendLP(b, v)
	}
	return b
}

func appendLP[T string | []byte](b []byte, x T) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(x)))
	return append(b, x...)
}
