// Package export writes the tables of a phicrypt database as CSV files
// without identifiers, under a profile (safe-harbor, limited,
// relative-dates or a site's own YAML): direct identifiers dropped, the
// patient key replaced by a per-export study id, dates, ZIP codes and ages
// generalised, free text scrubbed. Rows are read through the wrapper
// (decrypted, one at a time) and written as they come, so the size of a
// table does not matter. Before the export is declared done, the gate
// scans the files with phiscan and refuses it, removing every file, if an
// identifier is left. See docs/EXPORT.md.
package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/phicrypt/phicrypt/audit"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/phiscan"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// ErrOutput: the output directory or a file in it cannot be written.
var ErrOutput = errors.New("export output directory")

// ErrOutExists: the output directory exists and is not empty (or is not a
// directory); nothing was read.
var ErrOutExists = errors.New("export output directory exists")

// Options configure Run.
type Options struct {
	// Profile says what each column becomes (LoadProfile).
	Profile *Profile
	// Out is the directory written: Out/<table>.csv and Out/manifest.json.
	// It must not exist, or be empty.
	Out string
	// Keyring is the keyring the DB was opened with. Its grant must hold
	// value-decrypt on every protected column of the exported tables: an
	// export is a decryption of everything.
	Keyring *cipher.Keyring
	// Now is "today" for ages (default time.Now).
	Now time.Time
	// GateSample is the rows per file the gate reads (0: every row).
	GateSample int
}

// Run exports the tables of schema from db into opts.Out under
// opts.Profile. It writes into a temporary directory beside Out and
// renames it to Out only once every file is written and the gate has
// passed; on any failure the files are removed. With an audit logger on
// db (sqlwrap.DB.SetAudit), every exported table gets an audit.OpExport
// record with the outcome, the failures included.
func Run(ctx context.Context, db *sqlwrap.DB, schema *sqlwrap.Schema, opts Options) (m *Manifest, err error) {
	if opts.Profile == nil || opts.Out == "" || db == nil || schema == nil {
		return nil, errors.New("phicrypt: export: Run needs a DB, a schema, a profile and an output directory")
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	var plan *Plan
	rows := map[string]int64{}
	defer func() {
		err = auditExport(ctx, db, schema, plan, opts.Profile, rows, err)
	}()
	if err := checkOut(opts.Out); err != nil {
		return nil, err
	}
	if err := checkGrant(schema, opts); err != nil {
		return nil, err
	}
	plan, err = NewPlan(ctx, db, schema, opts.Profile)
	if err != nil {
		return nil, err
	}
	parent, base := filepath.Split(filepath.Clean(opts.Out))
	if parent == "" {
		parent = "."
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".partial-")
	if err != nil {
		return nil, fmt.Errorf("phicrypt: %w: %v", ErrOutput, err)
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(tmp)
		}
	}()
	w, err := newWriter(ctx, db, plan, opts)
	if err != nil {
		return nil, err
	}
	m = &Manifest{Version: 1, CreatedAt: opts.Now.UTC(), PatientTable: plan.PatientTable,
		Profile: ManifestProfile{Name: opts.Profile.Name, Source: opts.Profile.Source, Description: opts.Profile.Description,
			AgeLimit: opts.Profile.AgeLimit}}
	if w.refs != nil {
		m.Profile.Reference = opts.Profile.Reference
	}
	for _, tp := range plan.Tables {
		n, err := w.table(ctx, tmp, tp)
		rows[tp.Name] = n
		if err != nil {
			return nil, err
		}
		m.Tables = append(m.Tables, ManifestTable{Name: tp.Name, File: tp.Name + ".csv", Rows: n, Columns: tp.Columns})
	}
	g, err := Gate(ctx, tmp, plan, opts.GateSample, opts.Now)
	if err != nil {
		return nil, err
	}
	m.Gate = g
	if len(g.Findings) > 0 {
		return nil, &GateError{Findings: g.Findings}
	}
	if err := m.write(tmp); err != nil {
		return nil, fmt.Errorf("phicrypt: %w: %v", ErrOutput, err)
	}
	if err := place(tmp, opts.Out); err != nil {
		return nil, err
	}
	done = true
	return m, nil
}

// checkOut refuses an output directory that exists and is not empty.
func checkOut(out string) error {
	f, err := os.Open(out)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("phicrypt: %w: %v", ErrOutput, err)
	}
	defer f.Close()
	if info, err := f.Stat(); err != nil || !info.IsDir() {
		return fmt.Errorf("phicrypt: %w: %s is not a directory", ErrOutExists, out)
	}
	if _, err := f.Readdirnames(1); !errors.Is(err, io.EOF) {
		return fmt.Errorf("phicrypt: %w: %s is not empty (give a new directory)", ErrOutExists, out)
	}
	return nil
}

// place renames the finished temporary directory to out, which may exist
// empty.
func place(tmp, out string) error {
	err := os.Remove(out)
	if err == nil || errors.Is(err, os.ErrNotExist) {
		err = os.Rename(tmp, out)
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST):
		// Another export (or anyone) filled out while this one ran.
		return fmt.Errorf("phicrypt: %w: %s was filled while this export ran (another export to the same directory?); this export's files are removed", ErrOutExists, out)
	}
	return fmt.Errorf("phicrypt: %w: %v", ErrOutput, err)
}

// checkGrant refuses a keyring that may not decrypt every protected
// column of the exported tables.
func checkGrant(schema *sqlwrap.Schema, opts Options) error {
	if opts.Keyring == nil {
		return errors.New("phicrypt: export: Options.Keyring is required (the grant is checked before anything is read)")
	}
	for _, t := range schema.Tables {
		if len(opts.Profile.Tables) > 0 && !contains(opts.Profile.Tables, t.Name) {
			continue
		}
		for _, c := range t.Columns {
			scope := c.Scope
			if scope == "" {
				scope = cipher.DefaultScope(t.Name, c.Name)
			}
			if !opts.Keyring.Allows(scope, cipher.PermDecrypt) {
				who := "the keyring"
				if g := opts.Keyring.Grant(); g != nil && g.Principal != "" {
					who = fmt.Sprintf("principal %q", g.Principal)
				}
				return fmt.Errorf("phicrypt: export: %w: %s lacks value-decrypt on %s.%s (scope %q); only a principal that may decrypt every protected column may export",
					cipher.ErrNotPermitted, who, t.Name, c.Name, scope)
			}
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// auditExport writes one audit.OpExport record per table of the export
// with the outcome of the whole export; it returns err, joined with the
// failure to write a record.
func auditExport(ctx context.Context, db *sqlwrap.DB, schema *sqlwrap.Schema, plan *Plan, p *Profile, rows map[string]int64, err error) error {
	if db == nil || db.Audit() == nil {
		return err
	}
	ctx = audit.WithActor(ctx, actorOf(ctx, p))
	var tables []string
	cols := map[string][]string{}
	if plan != nil {
		for _, tp := range plan.Tables {
			tables = append(tables, tp.Name)
			for _, c := range tp.Columns {
				if c.Protected {
					cols[tp.Name] = append(cols[tp.Name], c.Source)
				}
			}
		}
	} else {
		for _, t := range schema.Tables {
			tables = append(tables, t.Name)
		}
	}
	for _, t := range tables {
		n := rows[t]
		if err != nil {
			n = 0 // nothing left the process
		}
		if aerr := db.AuditEvent(ctx, audit.OpExport, "export", t, cols[t], n, err); aerr != nil {
			if err == nil {
				return aerr
			}
			return &auditJoined{err: err, aerr: aerr}
		}
	}
	return err
}

// auditJoined is an export's error and the failure to record it, with one
// "phicrypt: " prefix; errors.Is and errors.As see both.
type auditJoined struct{ err, aerr error }

func (j *auditJoined) Error() string {
	return j.err.Error() + "; and " + strings.TrimPrefix(j.aerr.Error(), "phicrypt: ")
}

func (j *auditJoined) Unwrap() []error { return []error{j.err, j.aerr} }

// actorOf is the actor of ctx, with the profile as purpose when none is
// set.
func actorOf(ctx context.Context, p *Profile) audit.Actor {
	a, _ := audit.ActorFrom(ctx)
	if a.Purpose == "" {
		a.Purpose = "export:" + p.Name
	}
	return a
}

// config is the phiscan configuration of the export's detectors.
func (o *Options) config() *phiscan.Config {
	return &phiscan.Config{AgeLimit: o.Profile.AgeLimit, ScanDate: o.Now}
}
