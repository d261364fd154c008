package export

import (
	"embed"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"github.com/phicrypt/phicrypt/internal/yamldoc"
	"github.com/phicrypt/phicrypt/phiscan"
)

// Action is what a column becomes in the export.
type Action string

// Actions (docs/EXPORT.md §2).
const (
	// Keep writes the value as it is.
	Keep Action = "keep"
	// Drop leaves the column out.
	Drop Action = "drop"
	// StudyID replaces the patient key by the patient's study id: random
	// per export, the same in every table of one export.
	StudyID Action = "study_id"
	// Year keeps the year of a date; a birth date whose year implies an
	// age above the profile's age limit becomes "90+".
	Year Action = "year"
	// ZIP3 keeps the first three digits of a ZIP code, "000" for the
	// restricted three-digit areas (phiscan.RestrictedZIP3).
	ZIP3 Action = "zip3"
	// Days writes a date as the number of days from the patient's
	// reference date (Profile.Reference).
	Days Action = "days"
	// Scrub replaces the identifiers inside free text by typed
	// placeholders ([NAME], [DATE], ...).
	Scrub Action = "scrub"
	// Age writes an age above the profile's age limit as "90+".
	Age Action = "age"
)

var actions = []Action{Keep, Drop, StudyID, Year, ZIP3, Days, Scrub, Age}

// Kinds beside the scanner's PHI types (phiscan.OverrideTypes).
const (
	// KindPatientKey is the patient table's key and the columns of other
	// tables that hold it.
	KindPatientKey = "patient_key"
	// KindIdentifier stands for every PHI type the profile's types do not
	// name.
	KindIdentifier = "identifier"
	// KindNone is a column judged to hold no PHI.
	KindNone = "none"
)

// Reference dates of the Days action.
const (
	// RefFirstDate: the earliest date of the patient in any exported
	// column of kind "date" (the first encounter), else the birth date.
	RefFirstDate = "first_date"
	// RefBirthDate: the patient's birth date.
	RefBirthDate = "birth_date"
)

// ErrProfile is wrapped by every error about a profile: a file that cannot
// be read or decoded, an unknown built-in, an unknown action, type, table
// or column. The message names the file and, when it can, the line.
var ErrProfile = errors.New("export profile")

// maxProfileFile bounds a profile file.
const maxProfileFile = 1 << 20

//go:embed profiles/*.yaml
var builtinFS embed.FS

// Builtins are the names of the built-in profiles.
func Builtins() []string { return []string{"limited", "relative-dates", "safe-harbor"} }

// BuiltinYAML returns the YAML of a built-in profile, to start a site's
// own from.
func BuiltinYAML(name string) ([]byte, error) {
	if !slices.Contains(Builtins(), name) {
		return nil, fmt.Errorf("phicrypt: %w: unknown built-in profile %q (built-in: %s)", ErrProfile, name, strings.Join(Builtins(), ", "))
	}
	return builtinFS.ReadFile("profiles/" + name + ".yaml")
}

// Rule is a profile's rule for one named column: what it is (Kind), what
// it becomes (Action), or both. Line is the line of the rule in the file.
type Rule struct {
	Kind   string
	Action Action
	Line   int
}

// Profile says what each kind of column becomes (docs/EXPORT.md).
type Profile struct {
	// Name and Description are free text, recorded in the manifest.
	Name, Description string
	// Source is the file the profile came from, or "built-in".
	Source string
	// AgeLimit is the age above which ages, and birth years implying
	// them, become "90+" (89).
	AgeLimit int
	// Types maps a kind (a scanner PHI type, patient_key, identifier or
	// none) to its action.
	Types map[string]Action
	// Columns are rules for named columns, by "table.column"; they win
	// over what the schema and the scan say.
	Columns map[string]Rule
	// Tables, when set, are the only tables exported.
	Tables []string
	// TablesLine is the line of tables in the file.
	TablesLine int
	// Allow lists the scanner's PHI types the gate accepts in the export
	// (a limited data set keeps dates and places).
	Allow []string
	// Reference is the reference date of the Days action: RefFirstDate or
	// RefBirthDate.
	Reference string
}

// profileSpec is the YAML form.
type profileSpec struct {
	Version     *int                   `yaml:"version"`
	Name        string                 `yaml:"name"`
	Description string                 `yaml:"description"`
	AgeLimit    *int                   `yaml:"age_limit"`
	Reference   linedString            `yaml:"reference"`
	Types       map[string]linedString `yaml:"types"`
	Columns     map[string]ruleSpec    `yaml:"columns"`
	Tables      linedStrings           `yaml:"tables"`
	Allow       []linedString          `yaml:"allow"`
}

// ruleSpec is a column rule: an action ("keep"), or a mapping with type
// and/or action.
type ruleSpec struct {
	Kind   string
	Action string
	Line   int
}

// UnmarshalYAML implements yaml.InterfaceUnmarshaler.
func (r *ruleSpec) UnmarshalYAML(unmarshal func(any) error) error {
	r.Line = nodeLine(unmarshal)
	var s string
	if err := unmarshal(&s); err == nil {
		r.Action = s
		return nil
	}
	var m struct {
		Type   string `yaml:"type"`
		Action string `yaml:"action"`
	}
	if err := unmarshal(&m); err != nil {
		return err
	}
	if m.Type == "" && m.Action == "" {
		return shapeError(unmarshal, "a column rule is an action, or a mapping with type and/or action")
	}
	r.Kind, r.Action = m.Type, m.Action
	return nil
}

// linedString is a string that remembers its line.
type linedString struct {
	S    string
	Line int
}

// UnmarshalYAML implements yaml.InterfaceUnmarshaler.
func (l *linedString) UnmarshalYAML(unmarshal func(any) error) error {
	l.Line = nodeLine(unmarshal)
	return unmarshal(&l.S)
}

// nodeLine is the line of the node being decoded, 0 when unknown.
func nodeLine(unmarshal func(any) error) int {
	var node ast.Node
	if err := unmarshal(&node); err == nil && node != nil {
		if tk := node.GetToken(); tk != nil && tk.Position != nil {
			return tk.Position.Line
		}
	}
	return 0
}

// linedStrings is a list of strings that remembers its line.
type linedStrings struct {
	List []string
	Line int
}

// UnmarshalYAML implements yaml.InterfaceUnmarshaler.
func (l *linedStrings) UnmarshalYAML(unmarshal func(any) error) error {
	l.Line = nodeLine(unmarshal)
	return unmarshal(&l.List)
}

func shapeError(unmarshal func(any) error, msg string) error {
	var node ast.Node
	if err := unmarshal(&node); err != nil || node == nil {
		return errors.New(msg)
	}
	return &yaml.SyntaxError{Message: msg, Token: node.GetToken()}
}

// LoadProfile returns the built-in profile of that name, or reads the
// YAML file at that path. A name that is neither is an ErrProfile error
// listing the built-ins.
func LoadProfile(nameOrPath string) (*Profile, error) {
	if slices.Contains(Builtins(), nameOrPath) {
		data, err := BuiltinYAML(nameOrPath)
		if err != nil {
			return nil, fmt.Errorf("phicrypt: %w: built-in %s: %v", ErrProfile, nameOrPath, err)
		}
		p, err := ParseProfile("built-in "+nameOrPath, data)
		if err != nil {
			return nil, err
		}
		p.Source = "built-in"
		return p, nil
	}
	data, err := os.ReadFile(nameOrPath)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && !strings.ContainsAny(nameOrPath, "/\\.") {
			return nil, fmt.Errorf("phicrypt: %w: unknown profile %q (built-in: %s; or a YAML file)", ErrProfile, nameOrPath,
				strings.Join(Builtins(), ", "))
		}
		return nil, fmt.Errorf("phicrypt: %w: %v", ErrProfile, err)
	}
	return ParseProfile(nameOrPath, data)
}

// ParseProfile decodes a YAML profile; source names it in errors. Decoding
// is strict: an unknown key, an unknown type or action is an error with
// the line, so that a typo cannot keep a column meant to be dropped.
func ParseProfile(source string, data []byte) (*Profile, error) {
	if len(data) > maxProfileFile {
		return nil, fmt.Errorf("phicrypt: %w: %s: larger than %d bytes", ErrProfile, source, maxProfileFile)
	}
	var spec profileSpec
	if err := decodeYAML(data, &spec); err != nil {
		return nil, yamlError(source, err)
	}
	bad := func(line int, format string, args ...any) error {
		at := source
		if line > 0 {
			at = fmt.Sprintf("%s:%d", source, line)
		}
		return fmt.Errorf("phicrypt: %w: %s: %s", ErrProfile, at, fmt.Sprintf(format, args...))
	}
	if spec.Version == nil || *spec.Version != 1 {
		return nil, bad(0, "want version: 1")
	}
	p := &Profile{Name: spec.Name, Description: spec.Description, Source: source, AgeLimit: 89,
		Types: map[string]Action{}, Columns: map[string]Rule{}, Reference: RefFirstDate,
		Tables: spec.Tables.List, TablesLine: spec.Tables.Line}
	if p.Name == "" {
		return nil, bad(0, "missing name")
	}
	if spec.AgeLimit != nil {
		if *spec.AgeLimit < 1 || *spec.AgeLimit > 150 {
			return nil, bad(0, "age_limit must be from 1 to 150")
		}
		p.AgeLimit = *spec.AgeLimit
	}
	switch spec.Reference.S {
	case "":
	case RefFirstDate, RefBirthDate:
		p.Reference = spec.Reference.S
	default:
		return nil, bad(spec.Reference.Line, "reference: want %s or %s, not %q", RefFirstDate, RefBirthDate, spec.Reference.S)
	}
	kinds := Kinds()
	for k, a := range spec.Types {
		if !slices.Contains(kinds, k) {
			return nil, bad(a.Line, "types: unknown type %q (want one of %s)", k, strings.Join(kinds, ", "))
		}
		if !slices.Contains(actions, Action(a.S)) {
			return nil, bad(a.Line, "types: %s: unknown action %q (want one of %s)", k, a.S, actionList())
		}
		p.Types[k] = Action(a.S)
	}
	for _, k := range []string{KindIdentifier, KindNone} {
		if _, ok := p.Types[k]; !ok {
			return nil, bad(0, "types: %s is required (what columns of other types become)", k)
		}
	}
	for key, r := range spec.Columns {
		if t, c, ok := strings.Cut(key, "."); !ok || t == "" || c == "" {
			return nil, bad(r.Line, "columns: %q is not table.column", key)
		}
		if r.Kind != "" && !slices.Contains(kinds, r.Kind) {
			return nil, bad(r.Line, "columns: %s: unknown type %q (want one of %s)", key, r.Kind, strings.Join(kinds, ", "))
		}
		if r.Action != "" && !slices.Contains(actions, Action(r.Action)) {
			return nil, bad(r.Line, "columns: %s: unknown action %q (want one of %s)", key, r.Action, actionList())
		}
		p.Columns[key] = Rule{Kind: r.Kind, Action: Action(r.Action), Line: r.Line}
	}
	for _, a := range spec.Allow {
		if !slices.Contains(kinds, a.S) || a.S == KindPatientKey || a.S == KindIdentifier || a.S == KindNone {
			return nil, bad(a.Line, "allow: unknown PHI type %q", a.S)
		}
		p.Allow = append(p.Allow, a.S)
	}
	return p, nil
}

// Kinds are the kinds a profile may name: the scanner's PHI types, and
// patient_key, identifier and none.
func Kinds() []string {
	k := append(phiscan.OverrideTypes(), KindPatientKey, KindIdentifier, KindNone)
	sort.Strings(k)
	return k
}

func actionList() string {
	s := make([]string, len(actions))
	for i, a := range actions {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}

// action is what a column of kind k becomes, without a column rule.
func (p *Profile) action(k string) Action {
	if a, ok := p.Types[k]; ok {
		return a
	}
	if k == KindNone {
		return Keep
	}
	return p.Types[KindIdentifier]
}

// decodeYAML decodes one strict YAML document (internal/yamldoc).
func decodeYAML(data []byte, v any) error { return yamldoc.Decode(data, v) }

// yamlError reports a decoding error as "source:line:column: message".
func yamlError(source string, err error) error {
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return fmt.Errorf("phicrypt: %w: %s: %v", ErrProfile, source, err)
	}
	msg := ye.GetMessage()
	if tk := ye.GetToken(); tk != nil && tk.Position != nil {
		return fmt.Errorf("phicrypt: %w: %s:%d:%d: %s", ErrProfile, source, tk.Position.Line, tk.Position.Column, msg)
	}
	return fmt.Errorf("phicrypt: %w: %s: %s", ErrProfile, source, msg)
}
