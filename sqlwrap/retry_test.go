package sqlwrap

import (
	"errors"
	"fmt"
	"testing"
)

type stateErr string

func (e stateErr) Error() string    { return "server error " + string(e) }
func (e stateErr) SQLState() string { return string(e) }

type codeErr int

func (e codeErr) Error() string { return fmt.Sprintf("sqlite error %d", int(e)) }
func (e codeErr) Code() int     { return int(e) }

func TestTransientConflicts(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{stateErr("40001"), true},
		{stateErr("40P01"), true},
		{stateErr("23505"), false},
		{fmt.Errorf("reindex: %w", stateErr("40P01")), true},
		{codeErr(5), true},
		{codeErr(5 | 2<<8), true}, // an extended SQLITE_BUSY code
		{codeErr(6), true},
		{codeErr(19), false},
		{errors.New("Error 1213 (40001): Deadlock found when trying to get lock; try restarting transaction"), true},
		{errors.New("Error 1205 (HY000): Lock wait timeout exceeded; try restarting transaction"), true},
		{errors.New("Error 1062 (23000): Duplicate entry"), false},
		{ErrIndexNotReady, false},
	} {
		if got := transient(c.err); got != c.want {
			t.Errorf("transient(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
