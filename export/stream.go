package export

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"

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
	db    *sqlwrap.DB
	plan  *Plan
	opts  Options
	ids   studyIDs
	scrub *scrubber
	// refs are the reference days of the patients (Days), by key.
	refs map[string]int64
	// own are the identifiers of the patients, by key, for scrubbing the
	// text of other tables; nil when no other table has text to scrub.
	own map[string]ownIDs
}

func newWriter(ctx context.Context, db *sqlwrap.DB, plan *Plan, opts Options) (*writer, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	sc, err := newScrubber(opts.config())
	if err != nil {
		return nil, err
	}
	w := &writer{db: db, plan: plan, opts: opts, ids: studyIDs{key: key}, scrub: sc}
	for _, tp := range plan.Tables {
		if !tp.patient && tp.Patient != "" && tp.has(Scrub) {
			w.own = map[string]ownIDs{}
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

// table writes one table; it returns the rows written.
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
	scrubs := tp.has(Scrub)
	keepOwn := tp.patient && w.own != nil
	rec := make([]string, len(out))
	var own ownIDs
	for row, err := range ta.Rows(ctx, sqlwrap.Query{}) {
		if err != nil {
			return n, err
		}
		if err := redacted(tp, row); err != nil {
			return n, err
		}
		pkey := ""
		if tp.Patient != "" {
			pkey = text(row[tp.Patient])
		}
		own = own[:0]
		if scrubs || keepOwn {
			for _, c := range tp.Columns {
				if slices.Contains(ownKinds, c.Kind) {
					own.add(c.Kind, text(row[c.Source]))
				}
			}
			if keepOwn && pkey != "" {
				w.own[pkey] = slices.Clone(own)
			}
			if !tp.patient && w.own != nil {
				own = append(own, w.own[pkey]...)
			}
		}
		for j, i := range out {
			c := &tp.Columns[i]
			v, err := w.value(c, row[c.Source], pkey, own)
			if err != nil {
				return n, fmt.Errorf("phicrypt: export: %s.%s: %v", tp.Name, c.Source, err)
			}
			rec[j] = v
		}
		if err := f.write(rec); err != nil {
			return n, fmt.Errorf("phicrypt: %w: %s.csv: %v", ErrOutput, tp.Name, err)
		}
		n++
	}
	return n, nil
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
func (w *writer) value(c *ColumnPlan, v any, pkey string, own ownIDs) (string, error) {
	p := w.plan.Profile
	switch c.Action {
	case Keep:
		return text(v), nil
	case StudyID:
		return w.ids.id(v), nil
	case Year:
		return yearValue(v, c.Kind == "birth_date", p.AgeLimit, w.opts.Now)
	case ZIP3:
		return zip3Value(v)
	case Age:
		return ageValue(v, p.AgeLimit)
	case Scrub:
		return w.scrub.scrub(text(v), own), nil
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
