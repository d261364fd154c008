package phiscan

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
)

// Kinds of TableReport beyond the data sets themselves.
const (
	// KindDatabase marks the entry that carries the warnings of a database
	// as a whole, e.g. a refused connection.
	KindDatabase = "database"
)

// parallelRows is the size from which a full scan reads a table over
// several connections.
const parallelRows = 50_000

// sampleBlock is the number of consecutive rows read at each random point
// of a key-range sample: an index seek per block, and enough blocks that
// the sample covers the whole table.
const sampleBlock = 64

// ScanDB scans the tables and views of db, an open SQLite ("sqlite",
// modernc.org/sqlite), PostgreSQL ("postgres", pgx) or MariaDB/MySQL
// ("mysql", go-sql-driver) database, or only the named ones. For each it
// counts the rows, reads cfg.Sample of them (every row when 0; see
// docs/SCAN.md for how each database samples) and classifies every column.
//
// A table that cannot be read gets a warning and the scan goes on. A
// database that refuses the connection gives a report whose one entry, of
// kind "database", carries the warning. The error is non-nil only when
// nothing could be scanned, or when ctx ends; the report is returned in
// every case except an unknown dialect.
//
// Primary-key columns have " PRIMARY KEY" appended to their SQLType, which
// EmitSchema uses as the key of the schema.
func ScanDB(ctx context.Context, db *sql.DB, dialect string, cfg *Config, tables ...string) (*Report, error) {
	d, err := lookupSQLDialect(dialect)
	if err != nil {
		return nil, err
	}
	if cfg == nil {
		cfg = &Config{}
	}
	rep := &Report{ScannedAt: time.Now().UTC(), Source: d.name, Tables: []TableReport{}, Files: []FileReport{}}
	if err := db.PingContext(ctx); err != nil {
		rep.Tables = append(rep.Tables, TableReport{
			Name: d.name, Kind: KindDatabase, Columns: []ColumnReport{},
			Warnings: []string{"cannot connect: " + err.Error()},
		})
		return rep, fmt.Errorf("phiscan: %s: cannot connect: %w", d.name, err)
	}
	s := &sqlScanner{db: db, d: d, cfg: cfg}
	list, err := s.list(ctx)
	if err != nil {
		rep.Tables = append(rep.Tables, TableReport{
			Name: d.name, Kind: KindDatabase, Columns: []ColumnReport{},
			Warnings: []string{"cannot list tables: " + err.Error()},
		})
		return rep, fmt.Errorf("phiscan: %s: cannot list tables: %w", d.name, err)
	}
	s.linkFKs(ctx, list)
	if len(tables) > 0 {
		byName := map[string]tableInfo{}
		for _, t := range list {
			byName[t.name] = t
		}
		var picked []tableInfo
		for _, name := range tables {
			t, ok := byName[name]
			if !ok {
				// MySQL and unquoted PostgreSQL names ignore case; take a
				// name that differs only in case when it is the only one.
				var found []tableInfo
				for _, c := range list {
					if strings.EqualFold(c.name, name) {
						found = append(found, c)
					}
				}
				if len(found) == 1 {
					t, ok = found[0], true
				}
			}
			if !ok {
				// Kind "table" so that the entry renders with the others;
				// it has no columns.
				t = tableInfo{name: name, kind: "table", missing: true}
			}
			picked = append(picked, t)
		}
		list = picked
	}
	if len(list) == 0 {
		rep.Tables = append(rep.Tables, TableReport{
			Name: d.name, Kind: KindDatabase, Columns: []ColumnReport{},
			Warnings: []string{"no tables or views"},
		})
		return rep, nil
	}
	scanned := 0
	for _, t := range list {
		tr, ok := s.scanTable(ctx, t)
		rep.Tables = append(rep.Tables, tr)
		if ok {
			scanned++
		}
		if err := ctx.Err(); err != nil {
			return rep, err
		}
	}
	ApplyOverrides(rep, cfg)
	if scanned == 0 {
		return rep, fmt.Errorf("phiscan: %s: none of the %d tables could be read (see the warnings of the report)", d.name, len(list))
	}
	return rep, nil
}

// tableInfo is a table or view found in the catalogue.
type tableInfo struct {
	name, kind        string
	created, modified *time.Time
	// noRowid marks SQLite views, virtual and WITHOUT ROWID tables.
	noRowid bool
	missing bool
}

// sqlDialect holds what differs between the databases.
type sqlDialect struct {
	name  string
	quote func(string) string
	param func(int) string
}

func lookupSQLDialect(name string) (*sqlDialect, error) {
	doubleQuote := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
	question := func(int) string { return "?" }
	switch strings.ToLower(name) {
	case "sqlite", "sqlite3":
		return &sqlDialect{name: "sqlite", quote: doubleQuote, param: question}, nil
	case "postgres", "postgresql", "pgx":
		return &sqlDialect{name: "postgres", quote: doubleQuote, param: func(i int) string { return "$" + strconv.Itoa(i) }}, nil
	case "mysql", "mariadb":
		return &sqlDialect{name: "mysql", quote: func(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }, param: question}, nil
	}
	return nil, fmt.Errorf("phiscan: unknown dialect %q (want sqlite, postgres or mysql)", name)
}

type sqlScanner struct {
	db  *sql.DB
	d   *sqlDialect
	cfg *Config
	// fkLinks maps a table to the column that ties it to people through
	// a foreign key (foreignKeyLinks); fkErr is why they could not be
	// read, reported on every table.
	fkLinks map[string]string
	fkErr   error
}

// linkFKs reads the foreign keys of the tables of list into s.fkLinks.
func (s *sqlScanner) linkFKs(ctx context.Context, list []tableInfo) {
	fks, err := s.foreignKeys(ctx, list)
	if err != nil {
		s.fkErr = err
		return
	}
	if len(fks) == 0 {
		return
	}
	cols, err := s.tableColumns(ctx, list)
	if err != nil {
		s.fkErr = err
		return
	}
	s.fkLinks = foreignKeyLinks(fks, cols)
}

// list returns the tables and views of the current database (SQLite:
// main; PostgreSQL: the current schema), sorted by name.
func (s *sqlScanner) list(ctx context.Context) ([]tableInfo, error) {
	var q string
	switch s.d.name {
	case "sqlite":
		// Shadow tables hold the innards of virtual tables (FTS5), which
		// are scanned through the virtual table itself.
		q = `SELECT name, type, wr FROM pragma_table_list
			WHERE schema = 'main' AND type IN ('table', 'view', 'virtual') AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
			ORDER BY name`
	case "postgres":
		q = `SELECT table_name, table_type FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type IN ('BASE TABLE', 'VIEW')
			ORDER BY table_name`
	case "mysql":
		// UNIX_TIMESTAMP reads the times in the session's time zone, the
		// zone they are shown in, which makes them absolute.
		q = `SELECT TABLE_NAME, TABLE_TYPE, UNIX_TIMESTAMP(CREATE_TIME), UNIX_TIMESTAMP(UPDATE_TIME)
			FROM information_schema.TABLES
			WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED', 'VIEW')
			ORDER BY TABLE_NAME`
	}
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []tableInfo
	for rows.Next() {
		var t tableInfo
		var typ string
		switch s.d.name {
		case "sqlite":
			var wr bool
			if err := rows.Scan(&t.name, &typ, &wr); err != nil {
				return nil, err
			}
			t.noRowid = typ != "table" || wr
		case "postgres":
			if err := rows.Scan(&t.name, &typ); err != nil {
				return nil, err
			}
		case "mysql":
			var created, modified sql.NullFloat64
			if err := rows.Scan(&t.name, &typ, &created, &modified); err != nil {
				return nil, err
			}
			t.created, t.modified = unixTime(created), unixTime(modified)
		}
		t.kind = "table"
		if strings.EqualFold(typ, "view") {
			t.kind = "view"
		}
		list = append(list, t)
	}
	return list, rows.Err()
}

func unixTime(f sql.NullFloat64) *time.Time {
	if !f.Valid || f.Float64 <= 0 {
		return nil
	}
	sec, frac := math.Modf(f.Float64)
	t := time.Unix(int64(sec), int64(frac*1e9)).UTC()
	return &t
}

// primaryKey returns the primary-key columns of a table in key order, or
// nil for a view or a table without one.
func (s *sqlScanner) primaryKey(ctx context.Context, t tableInfo) ([]string, error) {
	if t.kind != "table" {
		return nil, nil
	}
	var q string
	var arg any = t.name
	switch s.d.name {
	case "sqlite":
		q = `SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk`
	case "postgres":
		q = `SELECT a.attname FROM pg_index i
			JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
			WHERE i.indrelid = to_regclass($1) AND i.indisprimary
			ORDER BY array_position(i.indkey::int2[], a.attnum)`
		arg = s.d.quote(t.name)
	case "mysql":
		q = `SELECT k.COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE k
			WHERE k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME = ? AND k.CONSTRAINT_NAME = 'PRIMARY'
			ORDER BY k.ORDINAL_POSITION`
	}
	// A primary key names each of its columns once.
	return s.names(ctx, q, arg)
}

// uniqueKeys returns the columns of a table that are NOT NULL and alone
// make up a UNIQUE constraint or a unique index (not partial, not on an
// expression): keys phicrypt can use when the table has no primary key
// (OpenEMR's patient_data declares pid UNIQUE NOT NULL).
func (s *sqlScanner) uniqueKeys(ctx context.Context, t tableInfo) ([]string, error) {
	if t.kind != "table" {
		return nil, nil
	}
	var q string
	var arg any = t.name
	switch s.d.name {
	case "sqlite":
		q = `SELECT c.name FROM pragma_index_list(?1) l
			JOIN pragma_index_info(l.name) i
			JOIN pragma_table_info(?1) c ON c.name = i.name
			WHERE l."unique" = 1 AND l.origin != 'pk' AND l.partial = 0 AND c."notnull" = 1
			  AND (SELECT count(*) FROM pragma_index_info(l.name)) = 1
			ORDER BY l.seq`
	case "postgres":
		q = `SELECT a.attname FROM pg_index i
			JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
			WHERE i.indrelid = to_regclass($1) AND i.indisunique AND NOT i.indisprimary
			  AND i.indnatts = 1 AND i.indpred IS NULL AND i.indexprs IS NULL AND a.attnotnull
			ORDER BY a.attnum`
		arg = s.d.quote(t.name)
	case "mysql":
		q = `SELECT s.COLUMN_NAME FROM information_schema.STATISTICS s
			JOIN information_schema.COLUMNS c ON c.TABLE_SCHEMA = s.TABLE_SCHEMA AND c.TABLE_NAME = s.TABLE_NAME
			  AND c.COLUMN_NAME = s.COLUMN_NAME
			WHERE s.TABLE_SCHEMA = DATABASE() AND s.TABLE_NAME = ? AND s.NON_UNIQUE = 0 AND s.INDEX_NAME != 'PRIMARY'
			  AND s.SUB_PART IS NULL AND c.IS_NULLABLE = 'NO'
			  AND (SELECT count(*) FROM information_schema.STATISTICS x WHERE x.TABLE_SCHEMA = s.TABLE_SCHEMA
			    AND x.TABLE_NAME = s.TABLE_NAME AND x.INDEX_NAME = s.INDEX_NAME) = 1
			ORDER BY c.ORDINAL_POSITION`
	}
	return s.names(ctx, q, arg)
}

// names runs a query of one text column.
func (s *sqlScanner) names(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out, rows.Err()
}

// charLengths returns the declared length of the CHAR and VARCHAR columns
// of a PostgreSQL or MariaDB/MySQL table or view, read from
// information_schema: their drivers report the type without it. SQLite's
// driver reports the declared type with its length.
func (s *sqlScanner) charLengths(ctx context.Context, t tableInfo) (map[string]int64, error) {
	var q string
	switch s.d.name {
	case "postgres":
		q = `SELECT column_name, character_maximum_length FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 AND character_maximum_length IS NOT NULL`
	case "mysql":
		q = `SELECT COLUMN_NAME, CHARACTER_MAXIMUM_LENGTH FROM information_schema.COLUMNS
			WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND CHARACTER_MAXIMUM_LENGTH IS NOT NULL
			  AND DATA_TYPE IN ('char', 'varchar')`
	default:
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, q, t.name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			return nil, err
		}
		out[name] = n
	}
	return out, rows.Err()
}

// withLength adds "(n)" to a CHAR or VARCHAR type reported without it.
func withLength(sqlType string, n int64) string {
	if n <= 0 || strings.Contains(sqlType, "(") {
		return sqlType
	}
	switch b := strings.ToUpper(strings.TrimSpace(sqlType)); {
	case strings.HasSuffix(b, "CHAR"), strings.HasSuffix(b, "CHARACTER"), strings.HasSuffix(b, "CHARACTER VARYING"),
		b == "BPCHAR":
		return fmt.Sprintf("%s(%d)", sqlType, n)
	}
	return sqlType
}

// scanTable scans one table; ok reports whether its rows could be read.
func (s *sqlScanner) scanTable(ctx context.Context, t tableInfo) (TableReport, bool) {
	tr := TableReport{
		Name: t.name, Kind: t.kind, Created: t.created, Modified: t.modified,
		Columns: []ColumnReport{}, Warnings: []string{},
	}
	if t.missing {
		tr.Warnings = append(tr.Warnings, "no such table or view")
		return tr, false
	}
	q := s.d.quote(t.name)
	pk, err := s.primaryKey(ctx, t)
	if err != nil {
		tr.Warnings = append(tr.Warnings, "cannot read the primary key: "+err.Error())
	}
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM "+q).Scan(&tr.Rows); err != nil {
		tr.Warnings = append(tr.Warnings, "cannot read the table: "+err.Error())
		return tr, false
	}
	r := &tableRead{s: s, t: t, pk: pk, rows: tr.Rows}
	err = r.read(ctx)
	if r.ts == nil {
		tr.Warnings = append(tr.Warnings, "cannot read the table: "+errText(err))
		return tr, false
	}
	if s.fkErr != nil {
		tr.Warnings = append(tr.Warnings, "cannot read the foreign keys: "+s.fkErr.Error())
	}
	tr.Columns = r.ts.finish()
	tr.Examples = r.ts.examples
	observed := r.ts.observed.Load()
	lengths, err2 := s.charLengths(ctx, t)
	if err2 != nil {
		tr.Warnings = append(tr.Warnings, "cannot read the column lengths: "+err2.Error())
	}
	var unique []string
	if len(pk) == 0 {
		if unique, err2 = s.uniqueKeys(ctx, t); err2 != nil {
			tr.Warnings = append(tr.Warnings, "cannot read the unique keys: "+err2.Error())
		}
	}
	for i := range tr.Columns {
		c := &tr.Columns[i]
		c.SQLType = withLength(c.SQLType, lengths[c.Name])
		if slices.Contains(pk, c.Name) {
			c.SQLType = strings.TrimSpace(c.SQLType + " PRIMARY KEY")
		}
		c.UniqueKey = slices.Contains(unique, c.Name)
	}
	if err != nil {
		tr.Warnings = append(tr.Warnings, fmt.Sprintf("reading stopped after %d rows: %s", observed, errText(err)))
	}
	switch {
	case tr.Rows == 0:
		tr.Warnings = append(tr.Warnings, "empty: columns judged by their names only")
	case observed == 0 && err == nil:
		tr.Warnings = append(tr.Warnings, "the sample returned no rows: columns judged by their names only")
	}
	return tr, true
}

func errText(err error) string {
	if err == nil {
		return "no columns"
	}
	return err.Error()
}

// tableRead reads the rows of one table into a tableScan, which it
// creates from the columns of the first query.
type tableRead struct {
	s    *sqlScanner
	t    tableInfo
	pk   []string
	rows int64
	ts   *tableScan
}

func (r *tableRead) read(ctx context.Context) error {
	d, q := r.s.d, r.s.d.quote(r.t.name)
	n := int64(r.s.cfg.Sample)
	// Column names and types come from the result set, which is the same
	// for every query below, so views and tables are handled alike.
	if err := r.query(ctx, "SELECT * FROM "+q+" WHERE 1 = 0"); err != nil {
		return err
	}
	cols := r.selectList()
	key := r.keyExpr()
	if n <= 0 || r.rows <= n {
		if key != "" && r.rows >= parallelRows && runtime.GOMAXPROCS(0) > 1 && r.s.db.Stats().MaxOpenConnections != 1 {
			return r.parallel(ctx, key, cols, runtime.GOMAXPROCS(0))
		}
		return r.query(ctx, "SELECT "+cols+" FROM "+q)
	}
	switch {
	case key != "" && d.name != "postgres":
		return r.blocks(ctx, key, cols, n)
	case d.name == "postgres" && r.t.kind == "table":
		pct := min(100, 100*1.25*float64(n)/float64(r.rows))
		// SYSTEM reads only the sampled pages, but picks whole pages: with
		// few pages in the sample their number, and so the sample's size,
		// varies a lot. BERNOULLI picks rows, at the cost of a scan
		// (without a sort).
		method := "BERNOULLI"
		var pages float64
		if err := r.s.db.QueryRowContext(ctx, `SELECT pg_relation_size(to_regclass($1)) / current_setting('block_size')::float8`,
			q).Scan(&pages); err == nil && pages*pct/100 >= 100 {
			method = "SYSTEM"
		}
		return r.query(ctx, fmt.Sprintf("SELECT %s FROM %s TABLESAMPLE %s (%s) LIMIT %d",
			cols, q, method, strconv.FormatFloat(pct, 'f', 6, 64), n))
	}
	return r.window(ctx, cols, n)
}

// window reads n rows at a random offset: the database skips the rows
// before it without sorting, which is far cheaper than ORDER BY random().
func (r *tableRead) window(ctx context.Context, cols string, n int64) error {
	off := rand.Int64N(r.rows - n + 1)
	return r.query(ctx, fmt.Sprintf("SELECT %s FROM %s LIMIT %d OFFSET %d", cols, r.s.d.quote(r.t.name), n, off))
}

// selectList is "*", or the columns with dates and times cast to text:
// SQLite's and pgx's drivers parse those into time.Time, which costs more
// than the rest of the row, and the classifier wants the text anyway.
func (r *tableRead) selectList() string {
	d := r.s.d
	if d.name == "mysql" {
		return "*"
	}
	cast, seen := false, map[string]bool{}
	items := make([]string, len(r.ts.names))
	for i, name := range r.ts.names {
		if seen[name] {
			// A view with two columns of one name: only * reads both.
			return "*"
		}
		seen[name] = true
		items[i] = d.quote(name)
		if t := baseType(r.ts.sqlTypes[i]); strings.Contains(t, "DATE") || strings.Contains(t, "TIME") {
			items[i] = "CAST(" + d.quote(name) + " AS TEXT) AS " + d.quote(name)
			cast = true
		}
	}
	if !cast {
		return "*"
	}
	return strings.Join(items, ", ")
}

// keyExpr is an integer key that orders the table's rows through an
// index, or "": SQLite's rowid, or an integer primary key.
func (r *tableRead) keyExpr() string {
	switch {
	case r.t.kind != "table":
		return ""
	case r.s.d.name == "sqlite" && !r.t.noRowid:
		return "rowid"
	case len(r.pk) == 1 && r.intKey(r.pk[0]):
		return r.s.d.quote(r.pk[0])
	}
	return ""
}

// parallel reads every row with one query per part of the key range, on
// as many connections: a database driver spends more time per value than
// the classifiers, so a single reading goroutine would leave cores idle.
func (r *tableRead) parallel(ctx context.Context, key, cols string, parts int) error {
	q := r.s.d.quote(r.t.name)
	var lo, hi sql.NullInt64
	if err := r.s.db.QueryRowContext(ctx, fmt.Sprintf("SELECT min(%s), max(%s) FROM %s", key, key, q)).Scan(&lo, &hi); err != nil || !lo.Valid {
		return r.query(ctx, "SELECT "+cols+" FROM "+q)
	}
	// Unsigned arithmetic: the span of an int64 range can exceed MaxInt64.
	span := (uint64(hi.Int64)-uint64(lo.Int64))/uint64(parts) + 1
	g, gctx := errgroup.WithContext(ctx)
	for i := range parts {
		from := lo.Int64 + int64(uint64(i)*span)
		stmt := fmt.Sprintf("SELECT %s FROM %s WHERE %s >= %s", cols, q, key, r.s.d.param(1))
		args := []any{from}
		if i < parts-1 {
			stmt += fmt.Sprintf(" AND %s < %s", key, r.s.d.param(2))
			args = append(args, lo.Int64+int64(uint64(i+1)*span))
		}
		f := r.ts.feeder()
		g.Go(func() error {
			defer f.flush()
			_, err := r.feed(gctx, f, 0, -1, stmt, args...)
			return err
		})
	}
	return g.Wait()
}

// intKey reports whether the column is of an integer type, judged by the
// declared type the first query returned.
func (r *tableRead) intKey(col string) bool {
	for i, n := range r.ts.names {
		if n == col {
			return strings.Contains(strings.ToUpper(r.ts.sqlTypes[i]), "INT")
		}
	}
	return false
}

// blocks samples a table by its integer key: sorted random points between
// the smallest and largest key, and sampleBlock rows from each, each block
// an index range scan. Gaps in the key only shift a block forward.
func (r *tableRead) blocks(ctx context.Context, key, cols string, n int64) error {
	d, q := r.s.d, r.s.d.quote(r.t.name)
	var lo, hi sql.NullInt64
	if err := r.s.db.QueryRowContext(ctx, fmt.Sprintf("SELECT min(%s), max(%s) FROM %s", key, key, q)).Scan(&lo, &hi); err != nil || !lo.Valid {
		return r.window(ctx, cols, n)
	}
	nb := (n + sampleBlock - 1) / sampleBlock
	points := make([]int64, nb)
	// Unsigned: the span of an int64 range can exceed MaxInt64.
	span := uint64(hi.Int64) - uint64(lo.Int64)
	for i := range points {
		off := rand.Uint64()
		if span < math.MaxUint64 {
			off = rand.Uint64N(span + 1)
		}
		points[i] = lo.Int64 + int64(off)
	}
	slices.Sort(points)
	if cols == "*" {
		// MySQL refuses "*" after another select item unless qualified.
		cols = q + ".*"
	}
	sel := fmt.Sprintf("SELECT %s, %s FROM %s WHERE ", key, cols, q)
	stmt := sel + fmt.Sprintf("%s >= %s ORDER BY %s LIMIT %d", key, d.param(1), key, sampleBlock)
	// read holds the key ranges read, in order, for the top-up below.
	var read [][2]int64
	next := lo.Int64
	for _, p := range points {
		want := n - r.ts.main.n
		if want <= 0 {
			break
		}
		// Blocks never overlap: a point inside the previous block starts
		// right after it.
		from := max(p, next)
		last, err := r.feed(ctx, nil, 1, min(want, sampleBlock), stmt, from)
		if err != nil {
			return err
		}
		if last == nil {
			break
		}
		read = append(read, [2]int64{from, *last})
		if *last == math.MaxInt64 {
			break
		}
		next = *last + 1
	}
	// Blocks that start near the end of the range come back short: top
	// the sample up from the gaps between the blocks read, first to last.
	gap := func(above, below *int64) error {
		want := n - r.ts.main.n
		if want <= 0 {
			return nil
		}
		var where []string
		var args []any
		if above != nil {
			args = append(args, *above)
			where = append(where, fmt.Sprintf("%s > %s", key, d.param(len(args))))
		}
		if below != nil {
			args = append(args, *below)
			where = append(where, fmt.Sprintf("%s < %s", key, d.param(len(args))))
		}
		if len(where) == 0 {
			where = append(where, "1 = 1")
		}
		_, err := r.feed(ctx, nil, 1, want, sel+strings.Join(where, " AND ")+fmt.Sprintf(" ORDER BY %s LIMIT %d", key, want), args...)
		return err
	}
	if len(read) == 0 {
		return gap(nil, nil)
	}
	for i := range read {
		var above *int64
		if i > 0 {
			above = &read[i-1][1]
		}
		if err := gap(above, &read[i][0]); err != nil {
			return err
		}
	}
	return gap(&read[len(read)-1][1], nil)
}

// query runs a SELECT of table columns and feeds its rows to the scan.
func (r *tableRead) query(ctx context.Context, stmt string, args ...any) error {
	_, err := r.feed(ctx, nil, 0, -1, stmt, args...)
	return err
}

// feed runs a query and feeds its rows to the scan through f (nil: the
// scan's main feeder). The first skip columns are not table columns; when
// skip is 1 the first is the integer key, and the last key read is
// returned. At most limit rows are read (-1: all).
func (r *tableRead) feed(ctx context.Context, f *feeder, skip int, limit int64, stmt string, args ...any) (*int64, error) {
	rows, err := r.s.db.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	if len(cts) < skip+1 {
		return nil, errors.New("result has no columns")
	}
	cts = cts[skip:]
	if r.ts == nil {
		names := make([]string, len(cts))
		types := make([]string, len(cts))
		for i, ct := range cts {
			names[i] = ct.Name()
			types[i] = ct.DatabaseTypeName()
		}
		r.ts = newTableScan(r.t.name, names, types, r.s.cfg)
		if link := r.s.fkLinks[r.t.name]; link != "" {
			for _, c := range r.ts.cls {
				c.SetPatientLink(link)
			}
		}
	} else if len(cts) != len(r.ts.names) {
		return nil, errors.New("the table's columns changed during the scan")
	}
	if f == nil {
		f = r.ts.main
	}
	dateCols := make([]bool, len(cts))
	for i := range cts {
		dateCols[i] = strings.EqualFold(baseType(r.ts.sqlTypes[i]), "DATE")
	}
	// MySQL's text protocol returns every value as bytes, which RawBytes
	// copies into a buffer of ours; the other drivers return strings and
	// numbers, which *any hands over without a copy.
	rawMode := r.s.d.name == "mysql"
	raw := make([]sql.RawBytes, skip+len(cts))
	anys := make([]any, skip+len(cts))
	dest := make([]any, len(raw))
	for i := range dest {
		if rawMode {
			dest[i] = &raw[i]
		} else {
			dest[i] = &anys[i]
		}
	}
	var num []byte
	var last *int64
	var read int64
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return last, err
		}
		if skip > 0 {
			var k int64
			var err error
			if rawMode {
				k, err = strconv.ParseInt(string(raw[0]), 10, 64)
			} else {
				k, err = asInt(anys[0])
			}
			if err != nil {
				return last, errors.New("key column is not an integer")
			}
			last = &k
		}
		b, base := f.row()
		fixFrom := len(b.fix)
		for i := range cts {
			if rawMode {
				v := raw[skip+i]
				// DATE values arrive as time.Time when the DSN asks for
				// parseTime, which database/sql formats as a timestamp at
				// midnight; the classifier should see the date.
				if dateCols[i] && len(v) > 10 && string(v[10:]) == "T00:00:00Z" {
					v = v[:10]
				}
				b.setBytes(base, i, v)
				continue
			}
			switch v := anys[skip+i].(type) {
			case nil:
				b.vals[base+i] = ""
			case string:
				b.vals[base+i] = v
			case []byte:
				b.setBytes(base, i, v)
			case int64:
				num = strconv.AppendInt(num[:0], v, 10)
				b.setBytes(base, i, num)
			case float64:
				num = strconv.AppendFloat(num[:0], v, 'g', -1, 64)
				b.setBytes(base, i, num)
			case bool:
				num = strconv.AppendBool(num[:0], v)
				b.setBytes(base, i, num)
			case time.Time:
				if dateCols[i] && v.Hour() == 0 && v.Minute() == 0 && v.Second() == 0 && v.Nanosecond() == 0 {
					num = v.AppendFormat(num[:0], time.DateOnly)
				} else {
					num = v.AppendFormat(num[:0], time.RFC3339Nano)
				}
				b.setBytes(base, i, num)
			default:
				b.vals[base+i] = fmt.Sprint(v)
			}
		}
		f.endRow(b, fixFrom)
		read++
		if read%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return last, err
			}
		}
		if limit >= 0 && read >= limit {
			break
		}
	}
	return last, rows.Err()
}

func asInt(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case string:
		return strconv.ParseInt(x, 10, 64)
	case []byte:
		return strconv.ParseInt(string(x), 10, 64)
	}
	return 0, errors.New("not an integer")
}
