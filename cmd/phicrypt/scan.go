package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	_ "github.com/go-sql-driver/mysql" // registers the "mysql" driver
	"github.com/goccy/go-yaml"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/phicrypt/phicrypt/internal/dsn"
	"github.com/phicrypt/phicrypt/phiscan"
)

const scanUsage = `usage: phicrypt scan (--db DSN | --dir DIR) [flags]

Finds the columns of a database or of the CSV/TSV files of a directory
that hold PHI, and writes a report that never repeats the PHI it found.

  --db DSN            database to scan: an SQLite file or file: URI, a
                      postgres:// URL or key=value DSN, a mysql:// URL or a
                      go-sql-driver DSN (user:pass@tcp(host:3306)/db)
  --dir DIR           directory of data-set files to scan instead
  --dialect D         sqlite, postgres or mysql (default: guessed from the DSN)
  --table T           scan only table T; repeat for several (default: all)
  --format F          json, md or html (default: from --out's extension, else json)
  --out FILE          write the report to FILE (default: standard output)
  --emit-schema FILE  write a phicrypt schema protecting the PHI columns to FILE
  --sample N          rows read per table, 0 for every row (default 10000)
  --config FILE       YAML file of scan settings (docs/SCAN.md)
`

// tableList collects repeated --table flags.
type tableList []string

func (l *tableList) String() string { return strings.Join(*l, ",") }

func (l *tableList) Set(v string) error {
	if v == "" {
		return errors.New("empty table name")
	}
	*l = append(*l, v)
	return nil
}

type scanFlags struct {
	db, dir, dialect, format, out, emit, config string
	tables                                      tableList
	sample                                      int
	sampleSet                                   bool
}

func scanCmd(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := scan(ctx, args, stdout, stderr)
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "phicrypt scan:", ue.msg)
		fmt.Fprintln(stderr, "run 'phicrypt scan -h' for usage")
		return 2
	}
	fmt.Fprintln(stderr, "phicrypt scan:", err)
	return 1
}

func parseScanFlags(args []string, stderr io.Writer) (*scanFlags, error) {
	var f scanFlags
	fs := flag.NewFlagSet("scan", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.db, "db", "", "")
	fs.StringVar(&f.dir, "dir", "", "")
	fs.StringVar(&f.dialect, "dialect", "", "")
	fs.Var(&f.tables, "table", "")
	fs.StringVar(&f.format, "format", "", "")
	fs.StringVar(&f.out, "out", "", "")
	fs.StringVar(&f.emit, "emit-schema", "", "")
	fs.IntVar(&f.sample, "sample", phiscan.DefaultSample, "")
	fs.StringVar(&f.config, "config", "", "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, scanUsage)
			return nil, err
		}
		return nil, usagef("%v", err)
	}
	fs.Visit(func(fl *flag.Flag) { f.sampleSet = f.sampleSet || fl.Name == "sample" })
	switch {
	case fs.NArg() > 0:
		return nil, usagef("unexpected argument %q (every setting is a flag)", fs.Arg(0))
	case f.db == "" && f.dir == "":
		return nil, usagef("give --db DSN or --dir DIR")
	case f.db != "" && f.dir != "":
		return nil, usagef("give --db or --dir, not both")
	case f.dir != "" && len(f.tables) > 0:
		return nil, usagef("--table applies to --db only")
	case f.dir != "" && f.dialect != "":
		return nil, usagef("--dialect applies to --db only")
	case f.sample < 0:
		return nil, usagef("--sample must be 0 (every row) or more, got %d", f.sample)
	}
	if f.format == "" {
		switch strings.ToLower(filepath.Ext(f.out)) {
		case ".html", ".htm":
			f.format = phiscan.FormatHTML
		case ".md", ".markdown":
			f.format = phiscan.FormatMarkdown
		default:
			f.format = phiscan.FormatJSON
		}
	}
	switch f.format = strings.ToLower(f.format); f.format {
	case phiscan.FormatJSON, phiscan.FormatMarkdown, phiscan.FormatHTML:
	case "markdown":
		f.format = phiscan.FormatMarkdown
	default:
		return nil, usagef("unknown --format %q (want json, md or html)", f.format)
	}
	if f.dialect != "" {
		switch f.dialect = strings.ToLower(f.dialect); f.dialect {
		case "sqlite", "postgres", "mysql":
		case "sqlite3":
			f.dialect = "sqlite"
		case "postgresql", "pgx":
			f.dialect = "postgres"
		case "mariadb":
			f.dialect = "mysql"
		default:
			return nil, usagef("unknown --dialect %q (want sqlite, postgres or mysql)", f.dialect)
		}
	}
	return &f, nil
}

func scan(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseScanFlags(args, stderr)
	if err != nil {
		return err
	}
	cfg, err := loadScanConfig(f.config)
	if err != nil {
		return err
	}
	if f.sampleSet || !cfg.sampleSet {
		cfg.Sample = f.sample
	}

	var rep *phiscan.Report
	var scanErr error
	if f.dir != "" {
		rep, scanErr = phiscan.ScanDir(ctx, f.dir, &cfg.Config)
	} else {
		rep, scanErr = scanDatabase(ctx, f, &cfg.Config)
	}
	if rep == nil {
		return scanErr
	}

	// The report is written even when the scan failed: its warnings say
	// why.
	var buf bytes.Buffer
	if err := phiscan.Render(&buf, rep, f.format); err != nil {
		return err
	}
	if f.out == "" {
		if _, err := stdout.Write(buf.Bytes()); err != nil {
			return err
		}
	} else if err := os.WriteFile(f.out, buf.Bytes(), 0o600); err != nil {
		return err
	}
	if scanErr != nil {
		return scanErr
	}

	// Columns judged on their names only (empty columns) are not
	// counted with the columns that hold PHI.
	counts, nameOnly := phiscan.ReportCounts(rep)
	fmt.Fprintf(stderr, "phicrypt scan: %d data sets, %d other files; %d columns judged PHI, %d possible", len(rep.Tables), len(rep.Files),
		counts[phiscan.VerdictPHI], counts[phiscan.VerdictPossible])
	for _, v := range slices.Sorted(maps.Keys(counts)) {
		if v != phiscan.VerdictPHI && v != phiscan.VerdictPossible && v != phiscan.VerdictNone && counts[v] > 0 {
			fmt.Fprintf(stderr, ", %d %s", counts[v], v)
		}
	}
	if nameOnly > 0 {
		fmt.Fprintf(stderr, ", %d judged by their names only (empty)", nameOnly)
	}
	if f.out != "" {
		fmt.Fprintf(stderr, "; report in %s", f.out)
	}
	fmt.Fprintln(stderr)

	if f.emit != "" {
		schema, err := phiscan.EmitSchema(rep)
		if errors.Is(err, phiscan.ErrNoPHI) {
			fmt.Fprintf(stderr, "phicrypt scan: no table with PHI columns and a single-column key: %s not written\n", f.emit)
			return nil
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(f.emit, schema, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "phicrypt scan: schema in %s; review it before use\n", f.emit)
	}
	return nil
}

// scanConfig is the config file: phiscan.Config, and whether it set the
// sample size (whose zero means every row, not "unset").
type scanConfig struct {
	phiscan.Config
	sampleSet bool
}

func loadScanConfig(path string) (*scanConfig, error) {
	cfg := &scanConfig{}
	if path == "" {
		return cfg, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("config file: %v", err)
	}
	// Strict, so that a misspelt setting is an error rather than a scan
	// with the default.
	if err := yaml.UnmarshalWithOptions(data, &cfg.Config, yaml.Strict()); err != nil {
		return nil, usagef("config file %s: %s", path, yaml.FormatError(err, false, false))
	}
	var keys map[string]any
	if err := yaml.Unmarshal(data, &keys); err == nil {
		_, cfg.sampleSet = keys["sample"]
	}
	if cfg.Sample < 0 {
		return nil, usagef("config file %s: sample must be 0 (every row) or more", path)
	}
	if cfg.MRNPattern != "" {
		if _, err := regexp.Compile(cfg.MRNPattern); err != nil {
			return nil, usagef("config file %s: mrn_pattern: %v", path, err)
		}
	}
	if err := phiscan.ValidateConfig(&cfg.Config); err != nil {
		return nil, usagef("config file %s: %s", path, strings.TrimPrefix(err.Error(), "phiscan: "))
	}
	return cfg, nil
}

// scanDatabase opens the --db database and scans it.
func scanDatabase(ctx context.Context, f *scanFlags, cfg *phiscan.Config) (*phiscan.Report, error) {
	dialect := f.dialect
	if dialect == "" {
		dialect = guessDialect(f.db)
		if dialect == "" {
			return nil, usagef("cannot tell the database from the DSN: give --dialect sqlite, postgres or mysql")
		}
	}
	driver, dsn, err := driverDSN(dialect, f.db)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s database: %v", dialect, err)
	}
	defer db.Close()
	rep, err := phiscan.ScanDB(ctx, db, dialect, cfg, f.tables...)
	if rep != nil {
		rep.Source = dialect + " " + redactDSN(dialect, f.db)
	}
	return rep, err
}

// guessDialect tells the database from the form of the DSN, or "".
func guessDialect(d string) string { return dsn.Guess(d) }

// driverDSN returns the driver and the DSN it takes. An SQLite path is
// opened read-only, and must exist: the driver would otherwise create an
// empty database and report nothing to scan. A mysql:// URL becomes a
// go-sql-driver DSN.
func driverDSN(dialect, d string) (driver, out string, err error) {
	switch dialect {
	case "postgres":
		return "pgx", d, nil
	case "mysql":
		cfg, err := dsn.MySQL(d)
		if err != nil {
			return "", "", usagef("--db: %v", err)
		}
		return "mysql", cfg.FormatDSN(), nil
	}
	path, ok := dsn.SQLitePath(d)
	if !ok {
		return "sqlite", d, nil
	}
	info, err := os.Stat(path)
	if err != nil {
		return "", "", fmt.Errorf("SQLite database: %w", err)
	}
	if !info.Mode().IsRegular() {
		return "", "", fmt.Errorf("SQLite database %s is not a file", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", "", err
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	return "sqlite", u.String() + "?mode=ro&_pragma=busy_timeout(5000)", nil
}

// redactDSN removes the password from a DSN for the report.
func redactDSN(dialect, d string) string { return dsn.Redact(dialect, d) }
