package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// userError marks an error the user can fix (a bad flag value, a missing or
// broken file, an invalid netlist, an unusable data set): exit code 1.
type userError struct{ err error }

func (e *userError) Error() string { return e.err.Error() }
func (e *userError) Unwrap() error { return e.err }

// userErr marks err as a user error; nil stays nil.
func userErr(err error) error {
	if err == nil {
		return nil
	}
	return &userError{err}
}

// userErrf is userErr(fmt.Errorf(format, args...)).
func userErrf(format string, args ...any) error {
	return userErr(fmt.Errorf(format, args...))
}

// internalError is an error a command returned without marking it as a
// user error: a bug or an unexpected failure, exit code 2.
type internalError struct{ err error }

func (e *internalError) Error() string { return e.err.Error() }
func (e *internalError) Unwrap() error { return e.err }

// markInternal wraps a command's action so that every error it returns that
// is not a user error becomes an internalError. Errors urfave/cli produces
// itself (parsing flags and arguments) stay unmarked and count as usage
// errors.
func markInternal(action cli.ActionFunc) cli.ActionFunc {
	return func(c *cli.Context) error {
		err := action(c)
		var ue *userError
		if err == nil || errors.As(err, &ue) {
			return err
		}
		return &internalError{err}
	}
}

func asInternal(err error) (*internalError, bool) {
	var ue *userError
	if errors.As(err, &ue) {
		return nil, false
	}
	var ie *internalError
	ok := errors.As(err, &ie)
	return ie, ok
}

var lineBreaks = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")

// oneLine returns err's message on a single line.
func oneLine(err error) string {
	return lineBreaks.Replace(strings.TrimSpace(err.Error()))
}
