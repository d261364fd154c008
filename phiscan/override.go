package phiscan

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
)

// OverrideNone is the value of Config.Columns that makes a column "none".
const OverrideNone = "none"

// overrideCheck is the Evidence.Check of a verdict set by Config.Columns.
const overrideCheck = "config"

// overrideDetail is the Evidence.Detail of a verdict set by Config.Columns.
const overrideDetail = "override in config"

// extraOverrideTypes are PHI types the classifier reports from values or
// context, beside those its column-name terms give.
var extraOverrideTypes = []string{"address", "street", "city", "state", "county", "zip", "date", "birth_date",
	"death_date", "age_over_89", "ip", "url", "free_text", "account", "device_id", "name", "first_name", "last_name"}

var overrideTypes = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, d := range nameTerms {
		m[d.typ] = true
	}
	for _, t := range extraOverrideTypes {
		m[t] = true
	}
	return m
})

// OverrideTypes lists the types a Config.Columns entry may name, besides
// "none", sorted.
func OverrideTypes() []string {
	var out []string
	for t := range overrideTypes() {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// splitOverrideKey splits "table.column" at its last dot: table names of
// files hold dots ("exports/patients.csv.mrn"), column names rarely do.
func splitOverrideKey(key string) (table, column string, ok bool) {
	i := strings.LastIndexByte(key, '.')
	if i <= 0 || i == len(key)-1 {
		return "", "", false
	}
	table, column = strings.TrimSpace(key[:i]), strings.TrimSpace(key[i+1:])
	return table, column, table != "" && column != ""
}

// validateOverrides checks the keys and values of Config.Columns.
func validateOverrides(cols map[string]string) error {
	keys := make([]string, 0, len(cols))
	for k := range cols {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, _, ok := splitOverrideKey(k); !ok {
			return fmt.Errorf("phiscan: columns: key %q is not table.column", k)
		}
		v := strings.ToLower(strings.TrimSpace(cols[k]))
		if v != OverrideNone && !overrideTypes()[v] {
			return fmt.Errorf("phiscan: columns: %s: unknown type %q (want none or one of %s)", k, cols[k],
				strings.Join(OverrideTypes(), ", "))
		}
	}
	return nil
}

// tableMatches reports whether an override's table part names t: its
// name, or for a file its name without directory and extension (the table
// EmitSchema names after it). Case is ignored, as MySQL and unquoted
// PostgreSQL names ignore it.
func tableMatches(t *TableReport, name string) bool {
	if strings.EqualFold(t.Name, name) {
		return true
	}
	if t.Kind == "csv" || t.Kind == "tsv" {
		return strings.EqualFold(tableName(t.Name), name) || strings.EqualFold(identifier(tableName(t.Name)), name)
	}
	return false
}

// ApplyOverrides sets the verdict of every column that cfg.Columns names:
// "phi" with the given type, or "none", with confidence 1 and the evidence
// "override in config" first (the classifier's own evidence follows). An
// override naming a table of the report but none of its columns adds a
// warning to the table. ScanDB and ScanDir call it; calling it again
// changes nothing.
func ApplyOverrides(rep *Report, cfg *Config) {
	if rep == nil || cfg == nil || len(cfg.Columns) == 0 {
		return
	}
	keys := make([]string, 0, len(cfg.Columns))
	for k := range cfg.Columns {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		table, column, ok := splitOverrideKey(k)
		typ := strings.ToLower(strings.TrimSpace(cfg.Columns[k]))
		if !ok || typ != OverrideNone && !overrideTypes()[typ] {
			continue // ValidateConfig reports it
		}
		for i := range rep.Tables {
			t := &rep.Tables[i]
			if t.Kind == KindDatabase || !tableMatches(t, table) {
				continue
			}
			found := false
			for j := range t.Columns {
				c := &t.Columns[j]
				if strings.EqualFold(c.Name, column) || (t.Kind == "csv" || t.Kind == "tsv") && identifier(c.Name) == column {
					overrideColumn(c, typ)
					found = true
				}
			}
			if !found && len(t.Columns) > 0 {
				w := fmt.Sprintf("config columns: %s names no column of this table", k)
				if !slices.Contains(t.Warnings, w) {
					t.Warnings = append(t.Warnings, w)
				}
			}
		}
	}
}

func overrideColumn(c *ColumnReport, typ string) {
	ev := Evidence{Check: overrideCheck, Type: typ, Share: 1, Detail: overrideDetail}
	rest := slices.DeleteFunc(slices.Clone(c.Evidence), func(e Evidence) bool { return e.Check == overrideCheck })
	c.Evidence = append([]Evidence{ev}, rest...)
	c.Confidence = 1
	c.Min = nil
	if typ == OverrideNone {
		ev.Type = ""
		ev.Detail = overrideDetail + ": not PHI"
		c.Evidence[0] = ev
		c.Verdict = VerdictNone
		c.Types = []string{}
		return
	}
	c.Verdict = VerdictPHI
	c.Types = []string{typ}
}

// overridden reports whether the column's verdict comes from the config.
func overridden(c *ColumnReport) bool {
	return len(c.Evidence) > 0 && c.Evidence[0].Check == overrideCheck
}
