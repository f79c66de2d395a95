package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// permuteArgs moves a command's flags before its positional arguments, so
// that `qnn inspect MODEL --json` works like `qnn inspect --json MODEL`
// (urfave/cli v2 stops parsing flags at the first positional argument).
// Global flags before the command are left alone, and everything after a
// "--" stays positional.
func permuteArgs(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	out := []string{args[0]}
	i := 1
	// Skip global flags up to the command name.
	for i < len(args) && isFlag(args[i]) {
		if args[i] == "--" {
			return args
		}
		out = append(out, args[i])
		if needsValue(app.Flags, args[i]) && i+1 < len(args) {
			out = append(out, args[i+1])
			i++
		}
		i++
	}
	if i >= len(args) {
		return args
	}
	cmd := app.Command(args[i])
	if cmd == nil || len(cmd.Subcommands) > 0 {
		return args
	}
	var flags, positional, global []string
	rest := args[i+1:]
	for j := 0; j < len(rest); j++ {
		a := rest[j]
		switch {
		case a == "--":
			positional = append(positional, rest[j:]...)
			j = len(rest)
		case isFlag(a) && !hasFlag(cmd.Flags, a) && hasFlag(app.Flags, a):
			// A global flag after the command (qnn sim DIR --log-level
			// debug) goes before it.
			global = append(global, a)
			if needsValue(app.Flags, a) && j+1 < len(rest) {
				global = append(global, rest[j+1])
				j++
			}
		case isFlag(a):
			flags = append(flags, a)
			if needsValue(cmd.Flags, a) && j+1 < len(rest) {
				flags = append(flags, rest[j+1])
				j++
			}
		default:
			positional = append(positional, a)
		}
	}
	out = append(append(out, global...), args[i])
	out = append(out, flags...)
	return append(out, positional...)
}

// hasFlag reports whether flag argument a names one of flags.
func hasFlag(flags []cli.Flag, a string) bool {
	name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return true
			}
		}
	}
	return false
}

// isFlag reports whether a looks like a flag ("-x", "--x", "--x=v") or is
// the "--" terminator. A lone "-" is a positional argument.
func isFlag(a string) bool {
	return len(a) > 1 && a[0] == '-'
}

// needsValue reports whether flag argument a names one of flags that takes
// a value and has none attached with "=".
func needsValue(flags []cli.Flag, a string) bool {
	name := strings.TrimLeft(a, "-")
	if strings.Contains(name, "=") {
		return false
	}
	for _, f := range flags {
		for _, n := range f.Names() {
			if n != name {
				continue
			}
			if v, ok := f.(cli.DocGenerationFlag); ok {
				return v.TakesValue()
			}
			return false
		}
	}
	return false
}
