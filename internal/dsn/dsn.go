// Package dsn reads the database DSNs phicrypt accepts, for the
// `phicrypt scan --db` command and for phicrypt.Connect: it tells the
// database from the DSN's form, turns a mysql:// URL into a go-sql-driver
// DSN and removes passwords before a DSN is shown.
package dsn

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/go-sql-driver/mysql"
)

var pgKeyValue = regexp.MustCompile(`(^|\s)(host|dbname|user|port|sslmode)=`)

// Guess tells the dialect ("sqlite", "postgres" or "mysql") from the form
// of the DSN, or returns "".
func Guess(dsn string) string {
	lower := strings.ToLower(dsn)
	switch {
	case strings.HasPrefix(lower, "postgres://"), strings.HasPrefix(lower, "postgresql://"):
		return "postgres"
	case strings.HasPrefix(lower, "mysql://"), strings.HasPrefix(lower, "mariadb://"),
		strings.HasPrefix(lower, "mysql:"), strings.HasPrefix(lower, "mariadb:"):
		return "mysql"
	case strings.HasPrefix(lower, "file:"), strings.HasPrefix(lower, "sqlite:"):
		return "sqlite"
	case strings.Contains(dsn, "@tcp("), strings.Contains(dsn, "@unix("), strings.Contains(dsn, "@/"):
		return "mysql"
	case pgKeyValue.MatchString(dsn):
		return "postgres"
	}
	if info, err := os.Stat(dsn); err == nil && info.Mode().IsRegular() {
		return "sqlite"
	}
	for _, ext := range []string{".db", ".sqlite", ".sqlite3", ".db3"} {
		if strings.HasSuffix(lower, ext) {
			return "sqlite"
		}
	}
	return ""
}

// MySQL returns the go-sql-driver DSN for dsn: a go-sql-driver DSN
// (user:pass@tcp(host:3306)/db), the same after "mysql://" or "mysql:", or a
// URL mysql://user:pass@host:port/db?params.
func MySQL(dsn string) (*mysql.Config, error) {
	lower := strings.ToLower(dsn)
	rest := dsn
	for _, p := range []string{"mysql://", "mariadb://", "mysql:", "mariadb:"} {
		if strings.HasPrefix(lower, p) {
			rest = dsn[len(p):]
			break
		}
	}
	if rest == dsn || strings.Contains(rest, "@tcp(") || strings.Contains(rest, "@unix(") || strings.Contains(rest, "@/") {
		cfg, err := mysql.ParseDSN(rest)
		if err != nil {
			return nil, fmt.Errorf("not a MySQL DSN (want mysql://user:pass@host:3306/db or user:pass@tcp(host:3306)/db): %v", RedactErr(err))
		}
		return cfg, nil
	}
	u, err := url.Parse("mysql://" + rest)
	if err != nil {
		return nil, fmt.Errorf("not a URL: %v", RedactErr(err))
	}
	if u.Host == "" {
		return nil, errors.New("no host in the URL (want mysql://user:pass@host:3306/db)")
	}
	cfg := mysql.NewConfig()
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.Net, cfg.Addr = "tcp", u.Host
	if u.Port() == "" {
		cfg.Addr = u.Hostname() + ":3306"
	}
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	if u.RawQuery != "" {
		// Let the driver read the parameters as it reads its own DSNs.
		parsed, err := mysql.ParseDSN(cfg.FormatDSN() + "?" + u.RawQuery)
		if err != nil {
			return nil, fmt.Errorf("URL parameters: %v", RedactErr(err))
		}
		cfg = parsed
	}
	return cfg, nil
}

// SQLitePath returns the file a "sqlite:PATH", "sqlite://PATH" or bare
// PATH DSN names, and false for a file: URI, which is passed on as it is.
func SQLitePath(dsn string) (string, bool) {
	lower := strings.ToLower(dsn)
	switch {
	case strings.HasPrefix(lower, "file:"):
		return "", false
	case strings.HasPrefix(lower, "sqlite://"):
		return dsn[len("sqlite://"):], true
	case strings.HasPrefix(lower, "sqlite:"):
		return dsn[len("sqlite:"):], true
	}
	return dsn, true
}

var pgPassword = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// Redact removes the password from a DSN, for reports and errors.
func Redact(dialect, dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" && u.User != nil {
		return u.Redacted()
	}
	switch dialect {
	case "postgres":
		return pgPassword.ReplaceAllString(dsn, "${1}xxxxx")
	case "mysql":
		if i := strings.LastIndex(dsn, "@"); i >= 0 {
			start := 0
			if j := strings.Index(dsn[:i], "://"); j >= 0 {
				start = j + 3
			} else if strings.HasPrefix(strings.ToLower(dsn), "mysql:") || strings.HasPrefix(strings.ToLower(dsn), "mariadb:") {
				start = strings.IndexByte(dsn, ':') + 1
			}
			if j := strings.Index(dsn[start:i], ":"); j >= 0 {
				return dsn[:start+j+1] + "xxxxx" + dsn[i:]
			}
		}
	}
	return dsn
}

// RedactErr drops a url.Error's URL, which holds the password.
func RedactErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
