package sqlwrap

import (
	"context"
	"errors"
	"strings"
	"time"
)

// transient reports whether err is a conflict that the same transaction,
// tried again, may well not meet: a deadlock or serialization failure
// (SQLSTATE 40001 or 40P01; MySQL's 1213 deadlock and 1205 lock wait
// timeout) or a busy or locked SQLite database. Drivers are recognised by
// the methods and texts of their errors, never by importing them.
func transient(err error) bool {
	if err == nil {
		return false
	}
	var st interface{ SQLState() string }
	if errors.As(err, &st) {
		s := st.SQLState()
		return s == "40001" || s == "40P01"
	}
	var c interface{ Code() int }
	if errors.As(err, &c) {
		switch c.Code() & 0xff {
		case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
			return true
		}
	}
	msg := err.Error()
	return strings.Contains(msg, "Error 1213") || strings.Contains(msg, "Error 1205") || strings.Contains(msg, "(40001)") ||
		strings.Contains(msg, "database is locked") || strings.Contains(msg, "SQLITE_BUSY")
}

// Transient reports whether err is a conflict that the same transaction,
// tried again, may well not meet (a deadlock, a serialization failure, a
// busy SQLite database), for callers that run their own batches of
// wrapper calls, such as phicrypt migrate.
func Transient(err error) bool { return transient(err) }

// retryTransient runs f again, up to a few times with a growing pause,
// while it fails with a transient conflict. Each run of f must be a whole
// transaction, so that a failed one left nothing behind.
func retryTransient(ctx context.Context, f func() error) error {
	pause := 5 * time.Millisecond
	for attempt := 0; ; attempt++ {
		err := f()
		if !transient(err) || attempt == 7 {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
		pause *= 2
	}
}
