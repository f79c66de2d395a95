package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/qnn-dev/qnn/netlist"
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

// userMessage is a user error's one line, with Go's internal wording
// replaced: a JSON type error names the field and the JSON types instead
// of Go struct and type names, and a netlist with several problems lists
// the next ones instead of only counting them.
func userMessage(err error) string {
	msg := oneLine(err)
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		msg = strings.Replace(msg, ute.Error(), describeTypeError(ute), 1)
	}
	var ve *netlist.ValidationError
	if errors.As(err, &ve) && len(ve.Problems) > 1 {
		more := fmt.Sprintf(" (and %d more problems)", len(ve.Problems)-1)
		msg = strings.Replace(msg, more, moreProblems(ve.Problems[1:]), 1)
	}
	return msg
}

// moreProblems lists up to three further problems inline, and says how to
// see the rest.
func moreProblems(ps []netlist.Problem) string {
	const inline = 3
	var parts []string
	for i, p := range ps {
		if i == inline {
			parts = append(parts, fmt.Sprintf("%d more: run with --log-level debug to list them all", len(ps)-inline))
			break
		}
		parts = append(parts, p.String())
	}
	return fmt.Sprintf(" (and %d more problems: %s)", len(ps), strings.Join(parts, "; "))
}

// describeTypeError says what a JSON value should have been, in JSON's
// words: `field "layers.in": got a JSON string, want an integer`.
func describeTypeError(e *json.UnmarshalTypeError) string {
	want := "a value of another type"
	if e.Type != nil {
		switch e.Type.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			want = fmt.Sprintf("an integer (that fits %d bits)", e.Type.Bits())
		case reflect.Float32, reflect.Float64:
			want = "a number"
		case reflect.String:
			want = "a string"
		case reflect.Bool:
			want = "true or false"
		case reflect.Slice, reflect.Array:
			want = "an array"
		case reflect.Struct, reflect.Map, reflect.Pointer:
			want = "an object"
		}
	}
	where := "the top level"
	if e.Field != "" {
		where = fmt.Sprintf("field %q", e.Field)
	}
	return fmt.Sprintf("%s: got a JSON %s, want %s (byte offset %d)", where, e.Value, want, e.Offset)
}
