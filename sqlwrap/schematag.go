package sqlwrap

import (
	"database/sql"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
)

var (
	typeTime  = reflect.TypeFor[time.Time]()
	typeDate  = reflect.TypeFor[cipher.Date]()
	typeBytes = reflect.TypeFor[[]byte]()
)

// The sql.Null* types declare a nullable column: of a plain type, or of
// the protected type whose values they hold.
var (
	nullPlain = map[reflect.Type]string{
		reflect.TypeFor[sql.NullString]():  "text",
		reflect.TypeFor[sql.NullInt64]():   "integer",
		reflect.TypeFor[sql.NullInt32]():   "integer",
		reflect.TypeFor[sql.NullInt16]():   "integer",
		reflect.TypeFor[sql.NullByte]():    "integer",
		reflect.TypeFor[sql.NullFloat64](): "real",
		reflect.TypeFor[sql.NullBool]():    "boolean",
		reflect.TypeFor[sql.NullTime]():    "timestamp",
	}
	nullProtected = map[reflect.Type]reflect.Type{
		reflect.TypeFor[sql.NullString]():  reflect.TypeFor[string](),
		reflect.TypeFor[sql.NullInt64]():   reflect.TypeFor[int64](),
		reflect.TypeFor[sql.NullFloat64](): reflect.TypeFor[float64](),
		reflect.TypeFor[sql.NullBool]():    reflect.TypeFor[bool](),
		reflect.TypeFor[sql.NullTime]():    typeTime,
	}
)

// SchemaFromStruct builds and validates a table from the tags of a struct
// (v is the struct or a pointer to it; only its type is used). The tag
// grammar is in docs/SCHEMA.md:
//
//	type Patient struct {
//		ID       int64       `db:"id,key,bind"`
//		City     string      `db:"city"`
//		SSN      *string     `db:"ssn" phi:"max_length=11;padding=16;eq(bits=24,transforms=digits)"`
//		LastName string      `phi:"eq(partitions=4);prefix(transforms=nfkc|casefold|letters)"`
//		DOB      cipher.Date `db:"dob" phi:""`
//		_        struct{}    `phi:"compound(name=name_dob,bits=24,parts=last_name+dob)"`
//	}
//
// A field with a phi tag is protected, others are plain columns. It has
// the meaning of the equivalent YAML table, defaults included. Errors wrap
// ErrSchema and name the Go type, the table, the column and the field.
func SchemaFromStruct(table string, v any) (*Table, error) {
	rt := reflect.TypeOf(v)
	if rt != nil && rt.Kind() == reflect.Pointer {
		rt = rt.Elem()
	}
	if rt == nil || rt.Kind() != reflect.Struct {
		return nil, place{source: fmt.Sprint(rt), table: table}.errf(nil, "SchemaFromStruct needs a struct or a pointer to one")
	}
	source := rt.String()
	b := &tagBuilder{p: place{source: source, table: table}, spec: tableSpec{Name: table}, explicitKey: hasKeyTag(rt)}
	if err := b.walk(rt); err != nil {
		return nil, err
	}
	if b.keyField == "" {
		return nil, b.p.errf(nil, "no key field: tag one db:\"name,key\" (or name a column id)")
	}
	t, err := b.spec.build(source)
	if err != nil {
		return nil, err
	}
	if err := (&Schema{Source: source, Tables: []*Table{t}}).Validate(); err != nil {
		return nil, err
	}
	return t, nil
}

type tagBuilder struct {
	p        place
	spec     tableSpec
	keyField string
	// explicitKey says a field is tagged key; without one, the column
	// named id is the key.
	explicitKey bool
}

// hasKeyTag reports whether a field of rt, or of a struct it embeds, has
// the db tag option key.
func hasKeyTag(rt reflect.Type) bool {
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		dbTag := f.Tag.Get("db")
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			if hasKeyTag(f.Type) {
				return true
			}
			continue
		}
		_, opts, _ := strings.Cut(dbTag, ",")
		for _, o := range strings.Split(opts, ",") {
			if strings.TrimSpace(o) == "key" {
				return true
			}
		}
	}
	return false
}

// fieldErr names the Go field besides the column: a struct may rename
// columns, and the engineer fixes the field.
func (b *tagBuilder) fieldErr(column, field, format string, args ...any) error {
	return b.p.col(column).errf(nil, "field %s: %s", field, fmt.Sprintf(format, args...))
}

func (b *tagBuilder) walk(rt reflect.Type) error {
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		dbTag, hasDB := f.Tag.Lookup("db")
		phiTag, hasPHI := f.Tag.Lookup("phi")
		if f.Name == "_" {
			if hasPHI {
				if err := b.compound(f.Name, phiTag); err != nil {
					return err
				}
			}
			continue
		}
		if f.Anonymous {
			// Embedded structs contribute their fields, as they do for
			// For (reflect.VisibleFields); other embedded types are not
			// columns there either.
			switch {
			case hasPHI || hasDB:
				return b.fieldErr("", f.Name, "an embedded field cannot carry db or phi tags; tag the fields of %s", f.Type)
			case f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.Struct:
				return b.fieldErr("", f.Name, "embedded pointer %s: embed the struct itself", f.Type)
			case f.Type.Kind() == reflect.Struct:
				if err := b.walk(f.Type); err != nil {
					return err
				}
			}
			continue
		}
		name, opts, _ := strings.Cut(dbTag, ",")
		if name == "-" && opts == "" {
			if hasPHI {
				return b.fieldErr("", f.Name, "db:\"-\" skips the field, but it has a phi tag")
			}
			continue
		}
		if name == "" {
			// The same mapping as For, so that one struct both declares
			// and accesses the table.
			name = typedSnake(f.Name)
		}
		if !f.IsExported() {
			if hasDB || hasPHI {
				return b.fieldErr(name, f.Name, "unexported fields cannot be read or written")
			}
			continue
		}
		var key, bind bool
		if opts != "" {
			for _, o := range strings.Split(opts, ",") {
				switch strings.TrimSpace(o) {
				case "key":
					key = true
				case "bind":
					bind = true
				default:
					return b.fieldErr(name, f.Name, "unknown db tag option %q (want key or bind)", o)
				}
			}
		}
		switch {
		case key || (!b.explicitKey && name == defaultKey && !hasPHI):
			if hasPHI {
				return b.fieldErr(name, f.Name, "the key is never protected: remove the phi tag")
			}
			if b.keyField != "" {
				return b.fieldErr(name, f.Name, "a second key field (the first is %s)", b.keyField)
			}
			kt, err := b.keyType(name, f)
			if err != nil {
				return err
			}
			if err := b.setKey(f.Name, name, kt, bind); err != nil {
				return err
			}
		case hasPHI:
			if err := b.protected(name, f, phiTag, bind); err != nil {
				return err
			}
		default:
			if err := b.plain(name, f, bind); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *tagBuilder) setKey(field, column, keyType string, bind bool) error {
	b.keyField = field
	b.spec.Key, b.spec.KeyType = column, keyType
	if bind {
		return b.setBind(field, column)
	}
	return nil
}

func (b *tagBuilder) setBind(field, column string) error {
	if b.spec.RowBinding != "" {
		return b.fieldErr(column, field, "a second bind field (the first binds %s)", b.spec.RowBinding)
	}
	b.spec.RowBinding = column
	return nil
}

func (b *tagBuilder) keyType(column string, f reflect.StructField) (string, error) {
	switch t := f.Type; {
	case t.PkgPath() != "":
	case t.Kind() == reflect.String:
		return "text", nil
	case integerKind(t.Kind()):
		return "integer", nil
	}
	return "", b.fieldErr(column, f.Name, "key type %s: want an integer type or string", f.Type)
}

func integerKind(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return true
	}
	return false
}

func (b *tagBuilder) plain(column string, f reflect.StructField, bind bool) error {
	t, nullable := f.Type, false
	if t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	var typ string
	if nt, ok := nullPlain[t]; ok && !nullable {
		t, typ, nullable = nil, nt, true
	}
	switch {
	case t == nil:
	case t == typeTime:
		typ = "timestamp"
	case t == typeDate:
		typ = "date"
	case t == typeBytes:
		typ = "bytes"
	case t.PkgPath() != "":
		// Named types may carry methods (Scanner, Valuer) whose meaning
		// the schema cannot know.
	case t.Kind() == reflect.String:
		typ = "text"
	case integerKind(t.Kind()):
		typ = "integer"
	case t.Kind() == reflect.Float64 || t.Kind() == reflect.Float32:
		typ = "real"
	case t.Kind() == reflect.Bool:
		typ = "boolean"
	}
	if typ == "" {
		return b.fieldErr(column, f.Name, "no plain column type for %s (want string, an integer, float, bool, time.Time, cipher.Date, []byte or a pointer to one)", f.Type)
	}
	b.spec.Plain = append(b.spec.Plain, plainSpec{Name: column, Type: typ, Nullable: nullable})
	if bind {
		return b.setBind(f.Name, column)
	}
	return nil
}

func (b *tagBuilder) protected(column string, f reflect.StructField, tag string, bind bool) error {
	if bind {
		return b.fieldErr(column, f.Name, "a protected column cannot be the row binding: bind the key or a plain column")
	}
	t, nullable := f.Type, false
	if t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	var typ ValueType
	if nt, ok := nullProtected[t]; ok && !nullable {
		t, nullable = nt, true
	}
	switch t {
	case reflect.TypeFor[string]():
		typ = TypeString
	case typeBytes:
		typ = TypeBytes
	case reflect.TypeFor[int64]():
		typ = TypeInt64
	case reflect.TypeFor[float64]():
		typ = TypeFloat64
	case reflect.TypeFor[bool]():
		typ = TypeBool
	case typeDate:
		typ = TypeDate
	case typeTime:
		typ = TypeTimestamp
	default:
		return b.fieldErr(column, f.Name, "protected type %s: want string, []byte, int64, float64, bool, cipher.Date, time.Time or a pointer to one", f.Type)
	}
	cs := columnSpec{Name: column, Type: string(typ), Nullable: nullable}
	clauses, err := parseClauses(tag)
	if err != nil {
		return b.fieldErr(column, f.Name, "phi tag: %v", err)
	}
	seen := map[string]bool{}
	for _, cl := range clauses {
		if err := applyClause(&cs, cl, seen); err != nil {
			return b.fieldErr(column, f.Name, "phi tag: %v", err)
		}
	}
	b.spec.Columns = append(b.spec.Columns, cs)
	return nil
}

// compound reads the phi tag of a blank field: compound indexes belong to
// the table, not to one column.
func (b *tagBuilder) compound(field, tag string) error {
	clauses, err := parseClauses(tag)
	if err != nil {
		return b.p.errf(nil, "field %s: phi tag: %v", field, err)
	}
	for _, cl := range clauses {
		if cl.name == "rows" && cl.valued && !cl.parens {
			n, err := strconv.ParseInt(cl.value, 10, 64)
			if err != nil {
				return b.p.errf(nil, "field %s: phi tag: rows=%s is not an integer", field, cl.value)
			}
			if b.spec.Rows != 0 {
				return b.p.errf(nil, "field %s: phi tag: rows given twice", field)
			}
			b.spec.Rows = specInt(n)
			continue
		}
		if cl.name != "compound" || !cl.parens {
			return b.p.errf(nil, "field %s: phi tag: a blank field takes only compound(...) and rows=N clauses, not %q", field, cl.name)
		}
		var cs compoundSpec
		for _, a := range cl.args {
			var err error
			switch a.key {
			case "name":
				cs.Name, err = a.text()
			case "bits":
				cs.Bits, err = a.intPtr()
			case "partitions":
				cs.Partitions, err = a.int()
			case "force":
				cs.Force, err = a.flag()
			case "parts":
				var v string
				if v, err = a.text(); err == nil {
					cs.Parts, err = parseParts(v)
				}
			default:
				err = fmt.Errorf("compound: unknown setting %q (want name, bits, partitions, force, parts)", a.key)
			}
			if err != nil {
				return b.p.col(cs.Name).errf(nil, "field %s: phi tag: %v", field, err)
			}
		}
		b.spec.Compound = append(b.spec.Compound, cs)
	}
	return nil
}

// parseParts reads "last_name:nfkc|casefold+dob": parts joined by '+',
// each a column and optionally ':' and its transforms. Only the first ':'
// separates, since transforms such as date:year contain one.
func parseParts(v string) ([]partSpec, error) {
	var parts []partSpec
	for _, p := range strings.Split(v, "+") {
		col, tr, hasTr := strings.Cut(strings.TrimSpace(p), ":")
		ps := partSpec{Column: strings.TrimSpace(col)}
		if ps.Column == "" {
			return nil, fmt.Errorf("compound: empty part in %q", v)
		}
		if hasTr {
			s := transformsValue(tr)
			ps.Transforms = &s
		}
		parts = append(parts, ps)
	}
	return parts, nil
}

// clause is one ';'-separated item of a phi tag: a word, word=value or
// word(key=value,...).
type clause struct {
	name   string
	value  string
	valued bool
	parens bool
	args   []tagArg
}

type tagArg struct {
	key, value string
	valued     bool
}

func (a tagArg) text() (string, error) {
	if !a.valued {
		return "", fmt.Errorf("%s needs a value (%s=...)", a.key, a.key)
	}
	return a.value, nil
}

func (a tagArg) int() (specInt, error) {
	s, err := a.text()
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%s=%s is not an integer", a.key, s)
	}
	return specInt(n), nil
}

func (a tagArg) intPtr() (*specInt, error) {
	n, err := a.int()
	if err != nil {
		return nil, err
	}
	return &n, nil
}

func (a tagArg) transforms() (*string, error) {
	if !a.valued {
		return nil, fmt.Errorf("transforms needs a value (transforms=a|b, or transforms= for none)")
	}
	s := transformsValue(a.value)
	return &s, nil
}

func (a tagArg) flag() (bool, error) {
	if !a.valued {
		return true, nil
	}
	v, err := strconv.ParseBool(a.value)
	if err != nil {
		return false, fmt.Errorf("%s=%s is not true or false", a.key, a.value)
	}
	return v, nil
}

// transformsValue turns the tag spelling of a chain into ParseChain's:
// '|' separates transforms in a tag because ',' separates settings.
func transformsValue(v string) string {
	return strings.ReplaceAll(strings.TrimSpace(v), "|", ",")
}

// parseClauses splits a phi tag at top-level ';'.
func parseClauses(tag string) ([]clause, error) {
	var out []clause
	if strings.TrimSpace(tag) == "" {
		return nil, nil
	}
	depth, start := 0, 0
	var items []string
	for i := 0; i < len(tag); i++ {
		switch tag[i] {
		case '(':
			depth++
			if depth > 1 {
				return nil, fmt.Errorf("nested '(' in %q", tag)
			}
		case ')':
			depth--
			if depth < 0 {
				return nil, fmt.Errorf("unbalanced ')' in %q", tag)
			}
		case ';':
			if depth == 0 {
				items = append(items, tag[start:i])
				start = i + 1
			}
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("unclosed '(' in %q", tag)
	}
	items = append(items, tag[start:])
	for _, it := range items {
		it = strings.TrimSpace(it)
		if it == "" {
			return nil, fmt.Errorf("empty clause in %q", tag)
		}
		var cl clause
		if open := strings.IndexByte(it, '('); open >= 0 {
			if !strings.HasSuffix(it, ")") {
				return nil, fmt.Errorf("text after ')' in %q", it)
			}
			cl.name, cl.parens = strings.TrimSpace(it[:open]), true
			body := strings.TrimSpace(it[open+1 : len(it)-1])
			if body != "" {
				for _, a := range strings.Split(body, ",") {
					k, v, valued := strings.Cut(a, "=")
					k = strings.TrimSpace(k)
					if k == "" {
						return nil, fmt.Errorf("empty setting in %q", it)
					}
					cl.args = append(cl.args, tagArg{key: k, value: strings.TrimSpace(v), valued: valued})
				}
			}
		} else {
			k, v, valued := strings.Cut(it, "=")
			cl.name, cl.value, cl.valued = strings.TrimSpace(k), strings.TrimSpace(v), valued
		}
		if cl.name == "" {
			return nil, fmt.Errorf("clause without a name in %q", it)
		}
		out = append(out, cl)
	}
	return out, nil
}

// applyClause sets what one clause of a protected field's tag says. Names
// and settings are the YAML keys, so that both forms read alike.
func applyClause(cs *columnSpec, cl clause, seen map[string]bool) error {
	name := cl.name
	if name == "eq" {
		name = "equality"
	}
	switch name {
	case "equality":
		if cl.valued {
			return fmt.Errorf("%s takes settings in parentheses, not =", cl.name)
		}
	case "prefix", "substring", "padding", "max_length", "scope", "distinct":
		if seen[name] {
			return fmt.Errorf("%s given twice", name)
		}
		seen[name] = true
	}
	switch name {
	case "padding", "max_length", "scope", "distinct":
		if cl.parens || !cl.valued {
			return fmt.Errorf("%s needs a value (%s=...)", name, name)
		}
		if name == "scope" {
			cs.Scope = cl.value
			return nil
		}
		n, err := strconv.Atoi(cl.value)
		if err != nil {
			return fmt.Errorf("%s=%s is not an integer", name, cl.value)
		}
		switch name {
		case "padding":
			cs.Padding = specInt(n)
		case "distinct":
			cs.Distinct = specInt(n)
		default:
			cs.MaxLength = specInt(n)
		}
		return nil
	case "equality":
		var es equalitySpec
		for _, a := range cl.args {
			var err error
			switch a.key {
			case "name":
				es.Name, err = a.text()
			case "transforms":
				es.Transforms, err = a.transforms()
			case "bits":
				es.Bits, err = a.intPtr()
			case "partitions":
				es.Partitions, err = a.int()
			case "force":
				es.Force, err = a.flag()
			default:
				err = fmt.Errorf("equality: unknown setting %q (want name, transforms, bits, partitions, force)", a.key)
			}
			if err != nil {
				return err
			}
		}
		cs.Equality = append(cs.Equality, es)
		return nil
	case "prefix", "substring":
		if cl.valued {
			return fmt.Errorf("%s takes settings in parentheses, not =", name)
		}
		bs := &bloomSpec{}
		for _, a := range cl.args {
			var err error
			switch a.key {
			case "name":
				bs.Name, err = a.text()
			case "transforms":
				bs.Transforms, err = a.transforms()
			case "min":
				bs.Min, err = a.intPtr()
			case "max":
				bs.Max, err = a.intPtr()
			case "m":
				bs.M, err = a.intPtr()
			case "k":
				bs.K, err = a.intPtr()
			case "max_grams":
				bs.MaxGrams, err = a.intPtr()
			case "force":
				bs.Force, err = a.flag()
			case "reveals":
				bs.Reveals, err = a.text()
			default:
				err = fmt.Errorf("%s: unknown setting %q (want name, transforms, min, max, m, k, max_grams, force, reveals)", name, a.key)
			}
			if err != nil {
				return err
			}
		}
		if name == "prefix" {
			cs.Prefix = bs
		} else {
			cs.Substring = bs
		}
		return nil
	case "compound":
		return fmt.Errorf("compound indexes go on a blank field: _ struct{} `phi:\"compound(...)\"`")
	}
	return fmt.Errorf("unknown clause %q (want eq, equality, prefix, substring, padding, max_length, scope, distinct)", cl.name)
}
