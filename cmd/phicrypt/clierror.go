package main

import (
	"fmt"
	"strings"
)

// cliErrorf is fmt.Errorf for a command's errors: the "phicrypt: " that
// wrapped errors carry is dropped from the message, since exit puts one
// in front, so that a message has the prefix exactly once. errors.Is and
// errors.As still see the wrapped errors.
func cliErrorf(format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &cliError{msg: strings.ReplaceAll(err.Error(), "phicrypt: ", ""), err: err}
}

type cliError struct {
	msg string
	err error
}

func (e *cliError) Error() string { return e.msg }

func (e *cliError) Unwrap() error { return e.err }
