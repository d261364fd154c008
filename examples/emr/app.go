package main

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/phicrypt/phicrypt"
	"github.com/phicrypt/phicrypt/audit"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/keyprovider/local"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// schemaYAML protects the patients' identifiers and the encounters' dates
// and reasons; see the comments in the file.
//
//go:embed schema.yaml
var schemaYAML []byte

// auditCheckpointEvery is how many records the audit log holds between
// two KEK-MACed checkpoints.
const auditCheckpointEvery = 64

// app is the service: the database opened once per principal, each with a
// keyring limited to the principal's role, and the audit log.
type app struct {
	log   *slog.Logger
	audit *audit.Logger
	// auditPath is the audit log file, served to the admin.
	auditPath string
	// owner is the database with the server's own keyring (no grant): it
	// creates the tables and keysets and seeds; no request uses it.
	owner  *sqlwrap.DB
	schema *sqlwrap.Schema
	users  []*user
}

// user is a principal with its database handle.
type user struct {
	principal
	hash [32]byte
	role *role // nil: a role the server does not know
	db   *sqlwrap.DB
	pats *sqlwrap.TableAccess
	encs *sqlwrap.TableAccess
}

// keks are the key encryption keys: KEK wraps every keyset whose purpose
// has no KEK of its own in byPurpose.
type keks struct {
	kek       keyprovider.KEK
	byPurpose map[cipher.Purpose]keyprovider.KEK
}

// openApp opens (and on first run creates) everything in o.data.
func openApp(ctx context.Context, o options, log *slog.Logger) (_ *app, err error) {
	if err := os.MkdirAll(o.data, 0o700); err != nil {
		return nil, err
	}
	cfg, created, err := loadOrCreateConfig(filepath.Join(o.data, "config.yaml"))
	if err != nil {
		return nil, err
	}
	if created {
		log.Info("created the principals' tokens", "file", filepath.Join(o.data, "config.yaml"))
	}
	k, err := openKEKs(ctx, o, log)
	if err != nil {
		return nil, err
	}
	a := &app{log: log, auditPath: filepath.Join(o.data, "audit.log")}
	a.audit, err = audit.OpenFile(ctx, a.auditPath, audit.Options{KEK: k.kek, CheckpointEvery: auditCheckpointEvery})
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	dsn := o.db
	if dsn == "" {
		dsn = "sqlite:" + filepath.Join(o.data, "emr.db")
	}
	sqldb, dialect, err := phicrypt.OpenSQL(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if a.schema, err = sqlwrap.ParseSchema("examples/emr/schema.yaml", schemaYAML); err != nil {
		sqldb.Close()
		return nil, err
	}
	a.owner, err = openOwner(ctx, sqldb, dialect, a.schema, k)
	if err != nil {
		sqldb.Close()
		return nil, err
	}
	a.owner.SetAudit(a.audit)
	sys := systemCtx(ctx, "startup")
	if err := a.ensureSchema(sys); err != nil {
		return nil, err
	}
	for _, p := range cfg.Principals {
		if err := a.addUser(sys, p, k); err != nil {
			return nil, err
		}
	}
	if err := a.seedIfEmpty(sys, o.seed); err != nil {
		return nil, err
	}
	log.Info("database ready", "dialect", dialect, "principals", len(a.users))
	return a, nil
}

// openKEKs opens the KEK o.kek names, by default a local key file in the
// data directory (created on first run), and the per-purpose KEKs.
func openKEKs(ctx context.Context, o options, log *slog.Logger) (*keks, error) {
	uri := o.kek
	if uri == "" {
		path := filepath.Join(o.data, "emr.key")
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			if err := local.Create(path); err != nil {
				return nil, err
			}
			log.Warn("created a local key file: for development only, use AWS KMS or Vault for real data", "file", path)
		}
		uri = local.URI(path)
	}
	k := &keks{}
	var err error
	if k.kek, err = keyprovider.Open(ctx, uri, keyprovider.Options{}); err != nil {
		return nil, err
	}
	for p, u := range map[cipher.Purpose]string{cipher.PurposeSealPublic: o.kekPublic, cipher.PurposeIndex: o.kekIndex} {
		if u == "" {
			continue
		}
		kp, err := keyprovider.Open(ctx, u, keyprovider.Options{})
		if err != nil {
			return nil, err
		}
		if k.byPurpose == nil {
			k.byPurpose = map[cipher.Purpose]keyprovider.KEK{}
		}
		k.byPurpose[p] = kp
	}
	return k, nil
}

// ring opens a keyring over store limited to g (nil: every permission,
// key management included).
func (k *keks) ring(store cipher.Store, g *cipher.Grant) (*cipher.Keyring, error) {
	return cipher.NewKeyring(cipher.Config{KEK: k.kek, PurposeKEKs: k.byPurpose, Store: store, Grant: g})
}

// openOwner wraps sqldb with the server's own keyring: what
// phicrypt.Connect does, with the per-purpose KEKs Connect cannot take.
func openOwner(ctx context.Context, sqldb *sql.DB, dialect string, schema *sqlwrap.Schema, k *keks) (*sqlwrap.DB, error) {
	store, err := sqlwrap.NewKeysetStore(sqldb, dialect)
	if err != nil {
		return nil, err
	}
	if err := store.EnsureTable(ctx); err != nil {
		return nil, err
	}
	ring, err := k.ring(store, nil)
	if err != nil {
		return nil, err
	}
	return sqlwrap.OpenOwned(sqldb, dialect, schema, ring)
}

// ensureSchema creates the tables, indexes and keysets that are missing,
// and records the key operation.
func (a *app) ensureSchema(ctx context.Context) error {
	err := a.owner.EnsureSchema(ctx)
	var n int64
	if err == nil {
		recs, lerr := a.owner.KeysetStore().List(ctx)
		err, n = lerr, int64(len(recs))
	}
	if aerr := a.owner.AuditEvent(ctx, audit.OpKey, "ensure_keysets", "", nil, n, err); aerr != nil {
		return aerr
	}
	return err
}

// addUser opens the database for p with a keyring limited to p's role. A
// principal of an unknown role gets no database: its requests are refused.
func (a *app) addUser(ctx context.Context, p principal, k *keks) error {
	u := &user{principal: p, hash: tokenHash(p.Token), role: roles[p.Role]}
	a.users = append(a.users, u)
	if u.role == nil {
		a.log.Warn("principal has a role the server does not know: its requests will be refused", "principal", p.Name)
		return nil
	}
	ring, err := k.ring(a.owner.KeysetStore(), u.role.grant(p.Name))
	if err == nil {
		u.db, err = sqlwrap.Open(a.owner.SQL(), a.owner.Dialect(), a.schema, ring)
	}
	pctx := audit.WithActor(ctx, audit.Actor{Principal: p.Name, Role: p.Role, Purpose: u.role.purpose, RequestID: requestIDOf(ctx)})
	if aerr := a.owner.AuditEvent(pctx, audit.OpKey, "open_keyring", "", nil, 0, err); aerr != nil {
		return aerr
	}
	if err != nil {
		return fmt.Errorf("principal %q: %w", p.Name, err)
	}
	u.db.SetAudit(a.audit)
	u.pats, _ = u.db.Table("patients")
	u.encs, _ = u.db.Table("encounters")
	return nil
}

// Close closes the databases and then the audit log, which writes its
// final checkpoint.
func (a *app) Close() error {
	var errs []error
	for _, u := range a.users {
		if u.db != nil {
			errs = append(errs, u.db.Close())
		}
	}
	if a.owner != nil {
		errs = append(errs, a.owner.Close())
	}
	if a.audit != nil {
		errs = append(errs, a.audit.Close())
	}
	return errors.Join(errs...)
}

// systemCtx is ctx acting as the server itself.
func systemCtx(ctx context.Context, requestID string) context.Context {
	return audit.WithActor(ctx, audit.Actor{Principal: "emr-server", Role: "system", Purpose: "operations", RequestID: requestID})
}

func requestIDOf(ctx context.Context) string {
	a, _ := audit.ActorFrom(ctx)
	return a.RequestID
}
