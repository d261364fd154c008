package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

const findUsage = `usage: phicrypt find --db DSN --schema FILE --kek URI --table T [--eq COL=VALUE]... [--prefix COL=VALUE]... [--contains COL=VALUE]... [--limit N] [--json]

Searches a table through the wrapper and prints the matching rows
decrypted: a table for people, a JSON array of objects with --json.
Conditions are ANDed. --eq works on plain columns and on protected
columns with an equality index (under the index's transforms: --eq
ssn=078051120 finds 078-05-1120 through a "digits" index); --prefix and
--contains need a prefix or substring index. VALUE is read as the
column's type: YYYY-MM-DD for dates, RFC 3339 for timestamps, decimal
for numbers, true/false, hex for bytes. A search the indexes cannot answer
is refused with the wrapper's error (exit 2), never answered wrongly.
Values are never repeated in errors.

`

// predList collects repeated COL=VALUE flags.
type predList []string

func (l *predList) String() string { return strings.Join(*l, ",") }

func (l *predList) Set(v string) error {
	if !strings.Contains(v, "=") || strings.HasPrefix(v, "=") {
		return errors.New("want COL=VALUE")
	}
	*l = append(*l, v)
	return nil
}

func findCmd(args []string, stdout, stderr io.Writer) int {
	var c common
	var eq, prefix, contains predList
	fs := flag.NewFlagSet("find", flag.ContinueOnError)
	c.flags(fs, "db", "schema", "kek", "json", "audit")
	table := fs.String("table", "", "search table `T`")
	fs.Var(&eq, "eq", "rows whose column equals the value, as `COL=VALUE` (repeatable)")
	fs.Var(&prefix, "prefix", "rows whose column starts with the value, as `COL=VALUE` (repeatable)")
	fs.Var(&contains, "contains", "rows whose column contains the value, as `COL=VALUE` (repeatable)")
	limit := fs.Int("limit", 100, "print at most `N` rows, 0 for all")
	if err := parse(fs, findUsage, args, stderr); err != nil {
		return exit(err, stderr)
	}
	if err := c.need("db", "schema", "kek"); err != nil {
		return exit(err, stderr)
	}
	if *table == "" {
		return exit(usagef("--table T is required"), stderr)
	}
	if *limit < 0 {
		return exit(usagef("--limit must be 0 (all) or more, got %d", *limit), stderr)
	}
	ctx, stop := signalContext()
	defer stop()
	return exit(runFind(ctx, &c, *table, eq, prefix, contains, *limit, stdout, stderr), stderr)
}

func runFind(ctx context.Context, c *common, table string, eq, prefix, contains predList, limit int, stdout, stderr io.Writer) (err error) {
	s, err := schemaFlag(c)
	if err != nil {
		return err
	}
	t, ok := s.Table(table)
	if !ok {
		return usagef("--table %s: %v: not in the schema %s", table, sqlwrap.ErrUnknownTable, c.schema)
	}
	var where []sqlwrap.Pred
	for _, e := range eq {
		col, text, _ := strings.Cut(e, "=")
		v, err := findValue(t, col, text)
		if err != nil {
			return err
		}
		where = append(where, sqlwrap.Eq(col, v))
	}
	for _, p := range prefix {
		col, text, _ := strings.Cut(p, "=")
		where = append(where, sqlwrap.Prefix(col, text))
	}
	for _, p := range contains {
		col, text, _ := strings.Cut(p, "=")
		where = append(where, sqlwrap.Contains(col, text))
	}
	db, err := c.connect(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, finish, err := c.audit(ctx, db, "find")
	if err != nil {
		return err
	}
	defer finish(&err)
	ta, err := db.Table(table)
	if err != nil {
		return err
	}
	q := sqlwrap.Query{Where: where}
	if limit > 0 {
		q.Limit = limit + 1 // one more, to say that there are more
	}
	rows, err := ta.Find(ctx, q)
	if err != nil {
		for _, u := range []error{sqlwrap.ErrUnknownColumn, sqlwrap.ErrUnsupported, sqlwrap.ErrWrongType} {
			if errors.Is(err, u) {
				return usagef("%s", strings.TrimPrefix(err.Error(), "phicrypt: "))
			}
		}
		return err
	}
	more := limit > 0 && len(rows) > limit
	if more {
		rows = rows[:limit]
	}
	cols := findColumns(t)
	if c.json {
		out := make([]map[string]any, len(rows))
		for i, r := range rows {
			out[i] = map[string]any{}
			for _, col := range cols {
				out[i][col] = jsonValue(r[col])
			}
		}
		if err := writeJSON(stdout, out); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(cols, "\t"))
		for _, r := range rows {
			cells := make([]string, len(cols))
			for i, col := range cols {
				cells[i] = textValue(r[col])
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		}
		tw.Flush()
		fmt.Fprintf(stdout, "%d rows\n", len(rows))
	}
	if more {
		fmt.Fprintf(stderr, "phicrypt: more rows match: only the first %d are shown (--limit)\n", limit)
	}
	return nil
}

// findColumns are the table's columns in schema order: key, plain,
// protected.
func findColumns(t *sqlwrap.Table) []string {
	cols := []string{t.Key}
	for _, p := range t.Plain {
		cols = append(cols, p.Name)
	}
	for _, c := range t.Columns {
		cols = append(cols, c.Name)
	}
	return cols
}

// findValue reads the text of --eq COL=VALUE as the column's type. The
// error names the column and the expected form, never the value. A column
// the schema does not know is passed on as text, so that the wrapper
// refuses it with its own error.
func findValue(t *sqlwrap.Table, col, text string) (any, error) {
	typ := ""
	switch {
	case col == t.Key:
		typ = "text"
		if t.KeyType != "text" {
			typ = "integer"
		}
	default:
		if c, ok := t.Column(col); ok {
			typ = map[sqlwrap.ValueType]string{
				sqlwrap.TypeString: "text", sqlwrap.TypeBytes: "bytes", sqlwrap.TypeInt64: "integer",
				sqlwrap.TypeFloat64: "real", sqlwrap.TypeBool: "boolean", sqlwrap.TypeDate: "cdate",
				sqlwrap.TypeTimestamp: "timestamp",
			}[c.Type]
		}
		for _, p := range t.Plain {
			if p.Name == col {
				typ = p.Type
			}
		}
	}
	bad := func(want string) error {
		return usagef("--eq %s: the value is not %s", col, want)
	}
	switch typ {
	case "", "text":
		return text, nil
	case "integer":
		n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
		if err != nil {
			return nil, bad("an integer")
		}
		return n, nil
	case "real":
		f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil {
			return nil, bad("a number")
		}
		return f, nil
	case "boolean":
		b, err := strconv.ParseBool(strings.TrimSpace(text))
		if err != nil {
			return nil, bad("true or false")
		}
		return b, nil
	case "bytes":
		b, err := hex.DecodeString(strings.TrimSpace(text))
		if err != nil {
			return nil, bad("hex")
		}
		return b, nil
	case "cdate", "date":
		d, err := time.Parse(time.DateOnly, strings.TrimSpace(text))
		if err != nil {
			return nil, bad("a date (YYYY-MM-DD)")
		}
		return cipher.DateOf(d), nil
	case "timestamp":
		ts, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(text))
		if err != nil {
			return nil, bad("a timestamp (RFC 3339, 2006-01-02T15:04:05Z)")
		}
		return ts, nil
	}
	return text, nil
}

// jsonValue is v as JSON shows it: dates as YYYY-MM-DD, bytes as hex.
func jsonValue(v any) any {
	switch x := v.(type) {
	case cipher.Date:
		return x.String()
	case []byte:
		return hex.EncodeToString(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return v
}

// textValue is v in a table cell.
func textValue(v any) string {
	switch x := jsonValue(v).(type) {
	case nil:
		return "NULL"
	case string:
		return strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(x)
	default:
		return fmt.Sprint(x)
	}
}
