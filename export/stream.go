package export

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// ownKinds are the kinds whose values are the row's own identifiers,
// scrubbed from its text (and from the text of the patient's rows in
// other tables).
var ownKinds = []string{"name", "first_name", "last_name", "ssn", "phone", "fax", "mrn", "account", "email",
	"address", "street", "city"}

// writer streams the tables of a plan into CSV files.
type writer struct {
	db   *sqlwrap.DB
	plan *Plan
	opts Options
	ids  studyIDs
	// refs are the reference days of the patients (Days), by key.
	refs map[string]int64
	// own are the identifiers of the patients, by key, for scrubbing the
	// text of other tables (ownIDs.pack: one string a patient); nil when
	// no other table has text to scrub.
	own   map[string]string
	ownMu sync.RWMutex
}

func newWriter(ctx context.Context, db *sqlwrap.DB, plan *Plan, opts Options) (*writer, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	w := &writer{db: db, plan: plan, opts: opts, ids: studyIDs{key: key}}
	for _, tp := range plan.Tables {
		if !tp.patient && tp.Patient != "" && tp.has(Scrub) {
			w.own = map[string]string{}
		}
	}
	for _, tp := range plan.Tables {
		if tp.has(Days) {
			if err := w.references(ctx); err != nil {
				return nil, err
			}
			break
		}
	}
	return w, nil
}

// has reports whether a column of tp has action a.
func (tp *TablePlan) has(a Action) bool {
	return slices.ContainsFunc(tp.Columns, func(c ColumnPlan) bool { return c.Action == a })
}

// batchRows is the number of rows a reader transforms and hands to the
// writer at a time.
const batchRows = 256

// parallelRows is the size from which a table is read in key ranges, one
// per CPU (a variable for the tests).
var parallelRows int64 = 20_000

// rowWorker is the state of one reading goroutine.
type rowWorker struct {
	w     *writer
	tp    *TablePlan
	out   []int
	scrub *scrubber
	ids   studyIDs
	own   ownIDs
	// keepOwn: the rows are the patients', whose identifiers the other
	// tables' text is scrubbed of.
	keepOwn, scrubs bool
}

// table writes one table; it returns the rows written. A table with an
// integer key of parallelRows rows or more is read in key ranges, one per
// CPU, each by a goroutine that decrypts (in the wrapper) and transforms
// its rows in batches; one writer writes the batches as they come, so rows
// are grouped by range, not sorted. Memory holds a few batches, whatever
// the table's size.
func (w *writer) table(ctx context.Context, dir string, tp *TablePlan) (n int64, err error) {
	ta, err := w.db.Table(tp.Name)
	if err != nil {
		return 0, err
	}
	ranges, err := w.ranges(ctx, tp)
	if err != nil {
		return 0, err
	}
	f, err := createCSV(dir, tp.Name)
	if err != nil {
		return 0, fmt.Errorf("phicrypt: %w: %v", ErrOutput, err)
	}
	defer func() {
		if cerr := f.close(); err == nil && cerr != nil {
			err = fmt.Errorf("phicrypt: %w: %s.csv: %v", ErrOutput, tp.Name, cerr)
		}
	}()
	var out []int
	header := []string{}
	for i, c := range tp.Columns {
		if c.Output != "" {
			out = append(out, i)
			header = append(header, c.Output)
		}
	}
	if err := f.write(header); err != nil {
		return 0, err
	}
	g, gctx := errgroup.WithContext(ctx)
	batches := make(chan [][]string, 2*len(ranges))
	var werr error
	written := make(chan struct{})
	go func() {
		defer close(written)
		for recs := range batches {
			if werr != nil {
				continue
			}
			for _, rec := range recs {
				if err := f.write(rec); err != nil {
					werr = fmt.Errorf("phicrypt: %w: %s.csv: %v", ErrOutput, tp.Name, err)
					break
				}
				n++
			}
		}
	}()
	for _, q := range ranges {
		sc, err := newScrubber(w.opts.config())
		if err != nil {
			return 0, err
		}
		rw := &rowWorker{w: w, tp: tp, out: out, scrub: sc, ids: w.ids.clone(), scrubs: tp.has(Scrub),
			keepOwn: tp.patient && w.own != nil}
		g.Go(func() error {
			rows := make([]sqlwrap.Row, 0, batchRows)
			flush := func() error {
				recs, err := rw.batch(rows)
				if err != nil {
					return err
				}
				select {
				case batches <- recs:
				case <-gctx.Done():
					return gctx.Err()
				}
				rows = rows[:0]
				return nil
			}
			for row, err := range ta.Rows(gctx, q) {
				if err != nil {
					return err
				}
				rows = append(rows, row)
				if len(rows) == batchRows {
					if err := flush(); err != nil {
						return err
					}
				}
			}
			if len(rows) > 0 {
				return flush()
			}
			return nil
		})
	}
	rerr := g.Wait()
	close(batches)
	<-written
	if rerr != nil {
		return n, rerr
	}
	return n, werr
}

// ranges are the queries that read tp: one per CPU over its key range
// when its key is an integer and it has parallelRows rows or more, else
// one for the whole table.
func (w *writer) ranges(ctx context.Context, tp *TablePlan) ([]sqlwrap.Query, error) {
	parts := runtime.GOMAXPROCS(0)
	if !tp.intKey || parts < 2 {
		return []sqlwrap.Query{{}}, nil
	}
	var lo, hi sql.NullInt64
	var count int64
	q := fmt.Sprintf("SELECT MIN(%[1]s), MAX(%[1]s), COUNT(*) FROM %[2]s", w.quote(tp.key), w.quote(tp.Name))
	if err := w.db.SQL().QueryRowContext(ctx, q).Scan(&lo, &hi, &count); err != nil {
		return nil, fmt.Errorf("phicrypt: export: %s: key range: %w", tp.Name, err)
	}
	if count < parallelRows || !lo.Valid || hi.Int64-lo.Int64 < int64(parts) {
		return []sqlwrap.Query{{}}, nil
	}
	step := (hi.Int64 - lo.Int64) / int64(parts)
	var qs []sqlwrap.Query
	for i := range parts {
		from := lo.Int64 + int64(i)*step
		q := sqlwrap.Query{Where: []sqlwrap.Pred{sqlwrap.Ge(tp.key, from)}}
		if i < parts-1 {
			q.Where = append(q.Where, sqlwrap.Lt(tp.key, from+step))
		}
		qs = append(qs, q)
	}
	return qs, nil
}

// quote quotes an identifier for the database.
func (w *writer) quote(name string) string {
	if w.db.Dialect() == "mysql" {
		return "`" + strings.ReplaceAll(name, "`", "``") + "`"
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// batch transforms rows into records.
func (rw *rowWorker) batch(rows []sqlwrap.Row) ([][]string, error) {
	tp := rw.tp
	recs := make([][]string, len(rows))
	for k, row := range rows {
		if err := redacted(tp, row); err != nil {
			return nil, err
		}
		pkey := ""
		if tp.Patient != "" {
			pkey = text(row[tp.Patient])
		}
		rw.own = rw.own[:0]
		if rw.scrubs || rw.keepOwn {
			for _, c := range tp.Columns {
				if slices.Contains(ownKinds, c.Kind) {
					rw.own.add(c.Kind, text(row[c.Source]))
				}
			}
			if rw.keepOwn && pkey != "" {
				rw.w.ownMu.Lock()
				rw.w.own[pkey] = rw.own.pack()
				rw.w.ownMu.Unlock()
			}
			if !tp.patient && rw.w.own != nil {
				rw.w.ownMu.RLock()
				packed := rw.w.own[pkey]
				rw.w.ownMu.RUnlock()
				rw.own = rw.own.unpack(packed)
			}
		}
		rec := make([]string, len(rw.out))
		for j, i := range rw.out {
			c := &tp.Columns[i]
			v, err := rw.value(c, row[c.Source], pkey)
			if err != nil {
				return nil, fmt.Errorf("phicrypt: export: %s.%s: %v", tp.Name, c.Source, err)
			}
			rec[j] = v
		}
		recs[k] = rec
	}
	return recs, nil
}

// redacted refuses a row holding a value the keyring could not decrypt.
func redacted(tp *TablePlan, row sqlwrap.Row) error {
	for _, c := range tp.Columns {
		if !c.Protected {
			continue
		}
		if _, ok := row[c.Source].(sqlwrap.Redacted); ok {
			return fmt.Errorf("phicrypt: export: %s.%s: %w: the keyring may not decrypt the column", tp.Name, c.Source, cipher.ErrNotPermitted)
		}
	}
	return nil
}

// value is what column c's value v becomes; the error never holds v.
func (rw *rowWorker) value(c *ColumnPlan, v any, pkey string) (string, error) {
	w := rw.w
	p := w.plan.Profile
	switch c.Action {
	case Keep:
		return text(v), nil
	case StudyID:
		return rw.ids.id(v), nil
	case Year:
		return yearValue(v, c.Kind == "birth_date", p.AgeLimit, w.opts.Now)
	case ZIP3:
		return zip3Value(v)
	case Age:
		return ageValue(v, p.AgeLimit)
	case Scrub:
		return rw.scrub.scrub(text(v), rw.own), nil
	case Days:
		day, ok, err := dayOf(v)
		if err != nil || !ok {
			return "", err
		}
		ref, ok := w.refs[pkey]
		if !ok {
			return "", nil // no reference date: no day count
		}
		if c.Kind == "birth_date" && yearsBetween(day, ref) > p.AgeLimit {
			return Over, nil
		}
		return fmt.Sprint(day - ref), nil
	}
	return "", fmt.Errorf("action %s cannot be applied", c.Action)
}

// references reads the reference day of every patient (Profile.Reference):
// the earliest value of the columns of kind date in the tables that hold
// the patient key, or the birth date.
func (w *writer) references(ctx context.Context) error {
	p := w.plan.Profile
	w.refs = map[string]int64{}
	births := map[string]int64{}
	for _, tp := range w.plan.Tables {
		if tp.Patient == "" {
			continue
		}
		var dates, birth []string
		for _, c := range tp.Columns {
			switch {
			case c.Kind == "date" && p.Reference == RefFirstDate:
				dates = append(dates, c.Source)
			case c.Kind == "birth_date" && tp.patient:
				birth = append(birth, c.Source)
			}
		}
		if len(dates) == 0 && len(birth) == 0 {
			continue
		}
		ta, err := w.db.Table(tp.Name)
		if err != nil {
			return err
		}
		for row, err := range ta.Rows(ctx, sqlwrap.Query{}) {
			if err != nil {
				return err
			}
			k := text(row[tp.Patient])
			if k == "" {
				continue
			}
			for _, col := range dates {
				d, ok, err := dayOf(row[col])
				if err != nil {
					return fmt.Errorf("phicrypt: export: %s.%s: %v", tp.Name, col, err)
				}
				if r, seen := w.refs[k]; ok && (!seen || d < r) {
					w.refs[k] = d
				}
			}
			for _, col := range birth {
				if d, ok, err := dayOf(row[col]); err == nil && ok {
					births[k] = d
					break
				}
			}
		}
	}
	for k, d := range births {
		if _, ok := w.refs[k]; !ok {
			w.refs[k] = d
		}
	}
	return nil
}
