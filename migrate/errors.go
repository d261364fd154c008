package migrate

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/keyprovider"
)

// connLost reports whether err says the connection to the database broke.
func connLost(err error) bool {
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"connection refused", "broken pipe", "connection reset", "bad connection", "invalid connection", "conn closed", "unexpected eof", "server has gone away", "terminating connection"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// explain names what failed in an error that stops a run: the key
// service, the database connection, or the database.
func (m *Migrator) explain(table string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	var kp *keyprovider.Error
	switch {
	case errors.As(err, &kp) || errors.Is(err, keyprovider.ErrUnavailable) || errors.Is(err, cipher.ErrKeysetMissing):
		err = fmt.Errorf("the key service failed: %w", err)
	case connLost(err):
		err = fmt.Errorf("the database connection was lost: %w", err)
	default:
		err = fmt.Errorf("the database refused a batch: %w", err)
	}
	return &Error{Table: table, Err: err}
}
