package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"os/user"
	"strings"

	"github.com/phicrypt/phicrypt/audit"
	"github.com/phicrypt/phicrypt/keyprovider"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// auditCheckpointEvery is how many records the commands write between
// two KEK-authenticated checkpoints; the last one is written on exit.
const auditCheckpointEvery = 1000

// auditRole is the role of every record a command writes; the principal
// is the operating-system user who runs it.
const auditRole = "cli"

// audit opens --audit-log (or $PHICRYPT_AUDIT_LOG) for db: every read of
// protected values, search, write and key operation the command makes
// through db is then recorded, with the running user as principal and a
// fresh request id for the run. Without the flag it returns ctx and a
// no-op. The returned finish closes the log (writing its last
// checkpoint) and sets *err if that fails and nothing failed before.
func (c *common) audit(ctx context.Context, db *sqlwrap.DB, command string) (context.Context, func(*error), error) {
	path := c.auditLog
	if path == "" {
		path = os.Getenv("PHICRYPT_AUDIT_LOG")
	}
	if path == "" {
		return ctx, func(*error) {}, nil
	}
	kek, err := keyprovider.Open(ctx, c.kek)
	if err != nil {
		return nil, nil, err
	}
	l, err := audit.OpenFile(ctx, path, audit.Options{KEK: kek, CheckpointEvery: auditCheckpointEvery})
	if err != nil {
		return nil, nil, auditLogError(path, err)
	}
	db.SetAudit(l)
	var id [8]byte
	rand.Read(id[:])
	ctx = audit.WithActor(ctx, audit.Actor{Principal: osUser(), Role: auditRole, Purpose: command,
		RequestID: hex.EncodeToString(id[:])})
	return ctx, func(err *error) {
		db.SetAudit(nil)
		if cerr := l.Close(); cerr != nil && *err == nil {
			*err = auditLogError(path, cerr)
		}
	}, nil
}

// auditLogError names the log file in err, with the phicrypt prefix once.
func auditLogError(path string, err error) error {
	return errors.New("phicrypt: --audit-log " + path + ": " + strings.TrimPrefix(err.Error(), "phicrypt: "))
}

// osUser names the user running the command.
func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}
