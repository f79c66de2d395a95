// Command qnn trains quantized neural networks, inspects and evaluates their
// netlists, and generates Verilog accelerators from them.
//
// Results go to stdout (one JSON object with --json); logs and errors go to
// stderr. Exit codes: 0 success, 1 user error (bad flag, bad or missing file,
// invalid netlist, unusable data set, a missing or failing external tool,
// a design that disagrees with qnn sim), 2 internal failure (a qnn bug),
// 130 interrupted by SIGINT or SIGTERM (child tools stopped, temporaries
// removed, one line saying what was kept).
//
// cmd/qnn is the only place that decides exit codes and owns the root hclog
// logger; the library packages it calls return errors.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/hashicorp/go-hclog"
	"github.com/urfave/cli/v2"
)

// version is qnn's version, overridable at build time with
// -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// Exit codes.
const (
	exitOK       = 0
	exitUser     = 1
	exitInternal = 2
	// exitInterrupted is the shell's code for a process ended by SIGINT
	// (128 + 2), also used for SIGTERM.
	exitInterrupted = 130
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() { <-ctx.Done(); stop() }() // a second Ctrl-C kills the process
	os.Exit(runContext(ctx, os.Args, os.Stdout, os.Stderr))
}

// env is what every command needs: where results and logs go, and the root
// logger (set up by the app's Before hook from --log-level).
type env struct {
	stdout, stderr io.Writer
	log            hclog.Logger
	// ctx is done when qnn receives SIGINT or SIGTERM.
	ctx context.Context
}

// run runs qnn with args (args[0] is the program name) and returns the exit
// code. It never calls os.Exit, so tests can call it in-process.
func run(args []string, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdout, stderr)
}

// runContext is run, interrupted when ctx is done.
func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr, log: hclog.NewNullLogger(), ctx: ctx}
	app := newApp(e)
	return runApp(app, permuteArgs(app, args), stderr)
}

// runApp runs app and turns its outcome into an exit code, printing one
// line on stderr for a user error. A panic is recovered and reported as an
// internal failure with its stack.
func runApp(app *cli.App, args []string, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "qnn: internal error: panic: %v\n%s", r, debug.Stack())
			code = exitInternal
		}
	}()
	err := app.Run(args)
	if err == nil {
		return exitOK
	}
	var intr *interruptedError
	if errors.As(err, &intr) {
		fmt.Fprintf(stderr, "qnn: %s\n", oneLine(intr))
		return exitInterrupted
	}
	if ie, ok := asInternal(err); ok {
		fmt.Fprintf(stderr, "qnn: internal error: %s\n", oneLine(ie.err))
		return exitInternal
	}
	// User errors, and errors urfave/cli reports itself (unknown flags or
	// commands, bad flag values), which are usage errors.
	fmt.Fprintf(stderr, "qnn: %s\n", userMessage(err))
	return exitUser
}

// newApp builds a fresh urfave/cli application; urfave mutates apps and
// flags while running, so every run gets its own.
func newApp(e *env) *cli.App {
	if e.ctx == nil {
		e.ctx = context.Background()
	}
	app := &cli.App{
		Name:                 "qnn",
		Usage:                "quantized neural networks: train, inspect, evaluate, generate hardware",
		Version:              version,
		HideVersion:          true, // `qnn version` instead
		Writer:               e.stdout,
		ErrWriter:            e.stderr,
		EnableBashCompletion: false,
		Flags: []cli.Flag{
			&cli.StringFlag{
				Name:  "log-level",
				Value: "info",
				Usage: "log verbosity on stderr: " + logLevelNames + " (before or after the command)",
			},
			&cli.BoolFlag{Name: "version", Usage: "print the version (as qnn version)"},
		},
		Before: func(c *cli.Context) error {
			log, err := newLogger(c.String("log-level"), e.stderr)
			if err != nil {
				return err
			}
			e.log = log
			return nil
		},
		Action:         rootAction(e),
		OnUsageError:   usageError(""),
		ExitErrHandler: func(*cli.Context, error) {}, // run decides exit codes
		Commands: []*cli.Command{
			versionCommand(e),
			inspectCommand(e),
			evalCommand(e),
			predictCommand(e),
			genCommand(e),
			cosimCommand(e),
			trainCommand(e),
			simCommand(e),
			synthCommand(e),
			flowCommand(e),
			importCommand(e),
			exportCommand(e),
			cacheCommand(e),
			benchCommand(e),
		},
	}
	for _, cmd := range app.Commands {
		cmd.OnUsageError = usageError(cmd.Name)
		if !watchesContext[cmd.Name] {
			cmd.Action = interruptibleAction(e, cmd.Name, cmd.Action)
		}
		cmd.Action = markInternal(cmd.Action)
	}
	return app
}

// rootAction runs when no command matched: help without arguments, a user
// error for an unknown command.
func rootAction(e *env) cli.ActionFunc {
	return func(c *cli.Context) error {
		if c.Args().Present() {
			return userErrf("unknown command %q (run 'qnn help' for the list of commands)", c.Args().First())
		}
		if c.Bool("version") {
			return writeVersion(e, false)
		}
		return cli.ShowAppHelp(c)
	}
}

// usageError turns urfave's flag-parsing errors into one-line user errors
// instead of printing usage text.
func usageError(command string) cli.OnUsageErrorFunc {
	return func(_ *cli.Context, err error, _ bool) error {
		if command == "" {
			return userErrf("%w (run 'qnn --help' for usage)", err)
		}
		return userErrf("%s: %w (run 'qnn %s --help' for usage)", command, err, command)
	}
}
