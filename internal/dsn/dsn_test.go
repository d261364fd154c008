package dsn

import (
	"strings"
	"testing"
)

func TestIssue9_5_DSNForms(t *testing.T) {
	for in, want := range map[string]string{
		"sqlite:patients.db":                "sqlite",
		"sqlite:///tmp/p.db":                "sqlite",
		"file:p.db?mode=ro":                 "sqlite",
		"p.sqlite3":                         "sqlite",
		"postgres://u:p@h/db":               "postgres",
		"host=h dbname=emr user=u":          "postgres",
		"mysql://u:p@h:3306/db":             "mysql",
		"mysql://u:p@tcp(h:3306)/db":        "mysql",
		"u:p@tcp(h:3306)/db?parseTime=true": "mysql",
		"oracle://scott:tiger@db/x":         "",
		"":                                  "",
	} {
		if got := Guess(in); got != want {
			t.Errorf("Guess(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"mysql://u:p@h:3307/emr?parseTime=true": "u:p@tcp(h:3307)/emr?parseTime=true",
		"mysql://u:p@h/emr":                     "u:p@tcp(h:3306)/emr",
		"mysql://u:p@tcp(h:3307)/emr":           "u:p@tcp(h:3307)/emr",
		"u:p@tcp(h:3307)/emr":                   "u:p@tcp(h:3307)/emr",
	} {
		cfg, err := MySQL(in)
		if err != nil {
			t.Errorf("MySQL(%q): %v", in, err)
			continue
		}
		if got := cfg.FormatDSN(); got != want {
			t.Errorf("MySQL(%q) = %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{"mysql://u:hunter2@tcp(h:3306/db", "mysql://u:hunter2@/db%zz"} {
		if _, err := MySQL(bad); err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("MySQL(%q): error %v (want one, without the password)", bad, err)
		}
	}
	for _, c := range [][2]string{
		{"mysql", "mysql://u:hunter2@tcp(h:3306)/db"},
		{"mysql", "u:hunter2@tcp(h:3306)/db"},
		{"mysql", "mysql:u:hunter2@tcp(h:3306)/db"},
		{"postgres", "postgres://u:hunter2@h/db"},
		{"postgres", "host=h password=hunter2 dbname=x"},
	} {
		if got := Redact(c[0], c[1]); strings.Contains(got, "hunter2") {
			t.Errorf("Redact(%q) = %q", c[1], got)
		}
	}
}
