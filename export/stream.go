package export

import (
	"context"
	"crypto/rand"
	"fmt"
	"runtime"
	"slices"
	"sync"

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

// batchRows is the number of rows handed to a worker at a time.
const batchRows = 256

// job is a batch of rows to transform; out receives its records.
type job struct {
	rows []sqlwrap.Row
	out  chan result
}

type result struct {
	recs [][]string
	err  error
}

// rowWorker is the state of one transforming goroutine.
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

// table writes one table; it returns the rows written. The rows are read
// and decrypted in order by the wrapper, transformed in batches by one
// worker per CPU, and written in their order by one writer: memory holds
// a few batches, whatever the table's size.
func (w *writer) table(ctx context.Context, dir string, tp *TablePlan) (n int64, err error) {
	ta, err := w.db.Table(tp.Name)
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
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := max(1, runtime.GOMAXPROCS(0))
	jobs := make(chan job, workers)
	pending := make(chan chan result, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		sc, err := newScrubber(w.opts.config())
		if err != nil {
			return 0, err
		}
		rw := &rowWorker{w: w, tp: tp, out: out, scrub: sc, ids: w.ids.clone(), scrubs: tp.has(Scrub),
			keepOwn: tp.patient && w.own != nil}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				recs, err := rw.batch(j.rows)
				j.out <- result{recs, err}
			}
		}()
	}
	// The writer: records in the order of the batches.
	var werr error
	written := make(chan struct{})
	go func() {
		defer close(written)
		for ch := range pending {
			r := <-ch
			if werr != nil {
				continue
			}
			if werr = r.err; werr != nil {
				cancel()
				continue
			}
			for _, rec := range r.recs {
				if err := f.write(rec); err != nil {
					werr = fmt.Errorf("phicrypt: %w: %s.csv: %v", ErrOutput, tp.Name, err)
					cancel()
					break
				}
				n++
			}
		}
	}()
	send := func(rows []sqlwrap.Row) {
		ch := make(chan result, 1)
		jobs <- job{rows, ch}
		pending <- ch
	}
	var rerr error
	rows := make([]sqlwrap.Row, 0, batchRows)
	for row, err := range ta.Rows(ctx, sqlwrap.Query{}) {
		if err != nil {
			rerr = err
			break
		}
		rows = append(rows, row)
		if len(rows) == batchRows {
			send(rows)
			rows = make([]sqlwrap.Row, 0, batchRows)
		}
	}
	if rerr == nil && len(rows) > 0 {
		send(rows)
	}
	close(jobs)
	close(pending)
	wg.Wait()
	<-written
	if werr != nil {
		return n, werr
	}
	return n, rerr
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
