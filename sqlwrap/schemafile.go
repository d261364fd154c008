package sqlwrap

import (
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/phicrypt/phicrypt/blindindex"
	"github.com/phicrypt/phicrypt/internal/yamldoc"
)

// Defaults of the schema file and struct tags (docs/SCHEMA.md).
const (
	defaultKey              = "id"
	defaultKeyType          = "integer"
	defaultStringTransforms = "nfkc,casefold,nodiacritics,trim"
	defaultPrefixMin        = 2
	defaultPrefixMax        = MaxPrefixGram
	defaultSubstringMin     = 3
	defaultBloomM           = 65536
	defaultBloomK           = 2
	defaultSubstringGrams   = 256
)

// maxSchemaFile bounds the input: a schema is a few kilobytes, and YAML
// aliases can make a small input expensive to decode.
const maxSchemaFile = 1 << 20

// schemaVersion is the only version of the file format.
const schemaVersion = 1

// The spec types are the file format. Struct tags are parsed into the same
// types, so that both forms share one set of defaults. Pointers tell an
// omitted setting (default) from an explicit zero (an error, or for
// transforms the identity).
type schemaSpec struct {
	Version *specInt    `yaml:"version"`
	Tables  []tableSpec `yaml:"tables"`
}

type tableSpec struct {
	Name       string         `yaml:"name"`
	Key        string         `yaml:"key"`
	KeyType    string         `yaml:"key_type"`
	RowBinding string         `yaml:"row_binding"`
	Rows       specInt        `yaml:"rows"`
	Plain      []plainSpec    `yaml:"plain"`
	Columns    []columnSpec   `yaml:"columns"`
	Compound   []compoundSpec `yaml:"compound"`
}

type plainSpec struct {
	Name     string `yaml:"name"`
	Type     string `yaml:"type"`
	Nullable bool   `yaml:"nullable"`
}

type columnSpec struct {
	Name      string        `yaml:"name"`
	Type      string        `yaml:"type"`
	Nullable  bool          `yaml:"nullable"`
	MaxLength specInt       `yaml:"max_length"`
	Padding   specInt       `yaml:"padding"`
	Scope     string        `yaml:"scope"`
	Distinct  specInt       `yaml:"distinct"`
	Equality  equalitySpecs `yaml:"equality"`
	Prefix    *bloomSpec    `yaml:"prefix"`
	Substring *bloomSpec    `yaml:"substring"`
}

type equalitySpec struct {
	Name       string   `yaml:"name"`
	Transforms *string  `yaml:"transforms"`
	Bits       *specInt `yaml:"bits"`
	Partitions specInt  `yaml:"partitions"`
	Force      bool     `yaml:"force"`
}

type bloomSpec struct {
	// off is set by "prefix: false", which is the same as no index.
	off        bool
	Name       string   `yaml:"name"`
	Transforms *string  `yaml:"transforms"`
	Min        *specInt `yaml:"min"`
	Max        *specInt `yaml:"max"`
	M          *specInt `yaml:"m"`
	K          *specInt `yaml:"k"`
	MaxGrams   *specInt `yaml:"max_grams"`
	Force      bool     `yaml:"force"`
	// Reveals acknowledges what a substring index reveals; the only
	// value is "equality".
	Reveals string `yaml:"reveals"`
}

type compoundSpec struct {
	Name       string     `yaml:"name"`
	Bits       *specInt   `yaml:"bits"`
	Partitions specInt    `yaml:"partitions"`
	Force      bool       `yaml:"force"`
	Parts      []partSpec `yaml:"parts"`
}

type partSpec struct {
	Column     string  `yaml:"column"`
	Transforms *string `yaml:"transforms"`
}

// equalitySpecs accepts true (one index with the defaults), false, one
// index, or a list of indexes.
type equalitySpecs []equalitySpec

// UnmarshalYAML implements yaml.InterfaceUnmarshaler.
func (l *equalitySpecs) UnmarshalYAML(unmarshal func(any) error) error {
	var shape any
	if err := unmarshal(&shape); err != nil {
		return err
	}
	switch v := shape.(type) {
	case nil:
		*l = nil
	case bool:
		*l = nil
		if v {
			*l = equalitySpecs{{}}
		}
	case []any:
		var list []equalitySpec
		if err := unmarshal(&list); err != nil {
			return err
		}
		*l = list
	case map[string]any:
		var one equalitySpec
		if err := unmarshal(&one); err != nil {
			return err
		}
		*l = equalitySpecs{one}
	default:
		return shapeError(unmarshal, "equality must be true, false, an index or a list of indexes")
	}
	return nil
}

// UnmarshalYAML implements yaml.InterfaceUnmarshaler: true (defaults),
// false, or the index.
func (b *bloomSpec) UnmarshalYAML(unmarshal func(any) error) error {
	var shape any
	if err := unmarshal(&shape); err != nil {
		return err
	}
	switch v := shape.(type) {
	case nil:
		*b = bloomSpec{off: true}
	case bool:
		*b = bloomSpec{off: !v}
	case map[string]any:
		// A distinct type without the method, so that decoding the
		// mapping does not recurse here.
		type plain bloomSpec
		var one plain
		if err := unmarshal(&one); err != nil {
			return err
		}
		*b = bloomSpec(one)
	default:
		return shapeError(unmarshal, "prefix and substring must be true, false or one index")
	}
	return nil
}

// shapeError is a yaml error at the offending node, so that the message
// carries its line like the decoder's own errors.
func shapeError(unmarshal func(any) error, msg string) error {
	var node ast.Node
	if err := unmarshal(&node); err != nil || node == nil {
		return errors.New(msg)
	}
	return &yaml.SyntaxError{Message: msg, Token: node.GetToken()}
}

// LoadSchemaFile reads, decodes and validates a YAML schema file
// (docs/SCHEMA.md). Errors about the content wrap ErrSchema and name the
// file, and the line for YAML errors; a file that cannot be read gives the
// os error.
func LoadSchemaFile(path string) (*Schema, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, wrapf(err, "schema file")
	}
	return ParseSchema(path, data)
}

// ParseSchema decodes and validates a YAML schema. source names the input
// in errors (a file path) and becomes Schema.Source. Decoding is strict:
// unknown or repeated keys are errors, so a misspelt option cannot
// silently leave a column unprotected or unindexed.
func ParseSchema(source string, data []byte) (*Schema, error) {
	top := place{source: source}
	if len(data) > maxSchemaFile {
		return nil, top.errf(nil, "file is larger than %d bytes", maxSchemaFile)
	}
	var spec schemaSpec
	if err := decodeYAML(data, &spec); err != nil {
		return nil, yamlError(source, err)
	}
	switch {
	case spec.Version == nil && len(spec.Tables) == 0:
		return nil, top.errf(nil, "empty schema (want version: 1 and tables)")
	case spec.Version == nil:
		return nil, top.errf(nil, "missing version (want version: %d)", schemaVersion)
	case *spec.Version != schemaVersion:
		return nil, top.errf(nil, "unsupported version %d (want %d)", *spec.Version, schemaVersion)
	}
	s := &Schema{Source: source}
	for i := range spec.Tables {
		t, err := spec.Tables[i].build(source)
		if err != nil {
			return nil, err
		}
		s.Tables = append(s.Tables, t)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// decodeYAML decodes one strict YAML document (internal/yamldoc).
func decodeYAML(data []byte, v any) error { return yamldoc.Decode(data, v) }

// yamlError reports a decoding error as "source:line:column: message",
// without the source excerpt the library adds.
func yamlError(source string, err error) error {
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return fmt.Errorf("%w: %s: %v", ErrSchema, source, err)
	}
	msg := ye.GetMessage()
	var te *yaml.TypeError
	if errors.As(err, &te) && te.DstType != nil {
		// The library's message names internal Go types.
		msg = "want " + yamlKind(te.DstType)
	}
	if tk := ye.GetToken(); tk != nil && tk.Position != nil {
		return fmt.Errorf("%w: %s:%d:%d: %s", ErrSchema, source, tk.Position.Line, tk.Position.Column, msg)
	}
	return fmt.Errorf("%w: %s: %s", ErrSchema, source, msg)
}

// yamlKind describes what a Go type expects in YAML terms.
func yamlKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "a mapping"
	}
	return "a " + t.Kind().String()
}

// build applies the defaults. It checks only what the model cannot
// express (a negative M); Validate checks the rest.
func (ts *tableSpec) build(source string) (*Table, error) {
	p := place{source: source, table: ts.Name}
	t := &Table{Name: ts.Name, Key: ts.Key, KeyType: ts.KeyType, RowBinding: ts.RowBinding, Rows: int64(ts.Rows)}
	if t.Key == "" {
		t.Key = defaultKey
	}
	if t.KeyType == "" {
		t.KeyType = defaultKeyType
	}
	for _, ps := range ts.Plain {
		t.Plain = append(t.Plain, &PlainColumn{Name: ps.Name, Type: ps.Type, Nullable: ps.Nullable})
	}
	// Indexes without bits get the planner's choice once the table's
	// rows and columns are known.
	planEq := map[*EqualityIndex]*Column{}
	planComp := map[*CompoundIndex]bool{}
	for i := range ts.Columns {
		c, err := ts.Columns[i].build(p.col(ts.Columns[i].Name), planEq)
		if err != nil {
			return nil, err
		}
		t.Columns = append(t.Columns, c)
	}
	for _, cs := range ts.Compound {
		ci := &CompoundIndex{Name: cs.Name, Bits: orDefault(cs.Bits, 0), Partitions: int(cs.Partitions), Force: cs.Force}
		if cs.Bits == nil {
			planComp[ci] = true
		}
		for _, ps := range cs.Parts {
			part := CompoundPart{Column: ps.Column}
			if ps.Transforms != nil {
				part.Transforms = *ps.Transforms
			} else if c, ok := t.Column(ps.Column); ok {
				part.Transforms = defaultTransforms(c.Type)
			}
			ci.Parts = append(ci.Parts, part)
		}
		t.Compound = append(t.Compound, ci)
	}
	planDefaults(t, planEq, planComp)
	return t, nil
}

func (cs *columnSpec) build(p place, planEq map[*EqualityIndex]*Column) (*Column, error) {
	c := &Column{
		Name: cs.Name, Type: ValueType(cs.Type), Nullable: cs.Nullable,
		Scope: cs.Scope, Padding: int(cs.Padding), MaxLength: int(cs.MaxLength), Distinct: int64(cs.Distinct),
	}
	for _, es := range cs.Equality {
		ix := &EqualityIndex{
			Name:       es.Name,
			Transforms: defaultTransforms(c.Type),
			Bits:       orDefault(es.Bits, 0),
			Partitions: int(es.Partitions),
			Force:      es.Force,
		}
		if es.Bits == nil {
			planEq[ix] = c
		}
		if ix.Name == "" {
			ix.Name = cs.Name + "_eq"
		}
		if es.Transforms != nil {
			ix.Transforms = *es.Transforms
		}
		c.Equality = append(c.Equality, ix)
	}
	for _, b := range []struct {
		spec *bloomSpec
		kind blindindex.GramKind
	}{{cs.Prefix, blindindex.Prefix}, {cs.Substring, blindindex.Substring}} {
		if b.spec == nil || b.spec.off {
			continue
		}
		ix, err := b.spec.build(p, cs.Name, c.Type, b.kind)
		if err != nil {
			return nil, err
		}
		c.Bloom = append(c.Bloom, ix)
	}
	return c, nil
}

func (bs *bloomSpec) build(p place, column string, typ ValueType, kind blindindex.GramKind) (*BloomIndex, error) {
	ix := &BloomIndex{Name: bs.Name, Kind: kind, Transforms: defaultTransforms(typ), Force: bs.Force}
	if bs.Transforms != nil {
		ix.Transforms = *bs.Transforms
	}
	if kind == blindindex.Prefix {
		if ix.Name == "" {
			ix.Name = column + "_prefix"
		}
		ix.MinGram = orDefault(bs.Min, defaultPrefixMin)
		ix.MaxGram = orDefault(bs.Max, max(defaultPrefixMax, ix.MinGram))
	} else {
		if ix.Name == "" {
			ix.Name = column + "_sub"
		}
		ix.MinGram = orDefault(bs.Min, defaultSubstringMin)
		ix.MaxGram = orDefault(bs.Max, ix.MinGram)
		ix.MaxGrams = orDefault(bs.MaxGrams, defaultSubstringGrams)
	}
	switch bs.Reveals {
	case "":
	case "equality":
		if kind != blindindex.Substring {
			return nil, p.errf(nil, "prefix index %s: reveals applies to substring indexes only", ix.Name)
		}
		ix.RevealsEquality = true
	default:
		return nil, p.errf(nil, "%s index %s: reveals %q: the only value is equality (substring tokens reveal which rows hold equal values)", kind, ix.Name, bs.Reveals)
	}
	if kind == blindindex.Prefix && bs.MaxGrams != nil {
		// A prefix index stores at most max-min+1 grams anyway.
		return nil, p.errf(nil, "prefix index %s: max_grams applies to substring indexes only", ix.Name)
	}
	m, k := orDefault(bs.M, defaultBloomM), orDefault(bs.K, defaultBloomK)
	if m < 0 || k < 0 {
		return nil, p.errf(nil, "%s index %s: m and k must not be negative", kind, ix.Name)
	}
	ix.M, ix.K = uint(m), uint(k)
	return ix, nil
}

// defaultTransforms is the chain an index applies when the schema names
// none: strings match regardless of Unicode form, case and spacing; other
// types match exactly.
func defaultTransforms(t ValueType) string {
	if t == TypeString {
		return defaultStringTransforms
	}
	return ""
}

func orDefault(v *specInt, def int) int {
	if v == nil {
		return def
	}
	return int(*v)
}

// specInt is an integer setting. The YAML library would accept "24" and
// truncate 1.5; a schema that says something else than it means is
// refused instead.
type specInt int

// UnmarshalYAML implements yaml.InterfaceUnmarshaler.
func (n *specInt) UnmarshalYAML(unmarshal func(any) error) error {
	var v any
	if err := unmarshal(&v); err != nil {
		return err
	}
	switch x := v.(type) {
	case int:
		*n = specInt(x)
		return nil
	case int64:
		if int64(int(x)) == x {
			*n = specInt(x)
			return nil
		}
	case uint64:
		if x <= math.MaxInt {
			*n = specInt(x)
			return nil
		}
	}
	return shapeError(unmarshal, "want an integer")
}
