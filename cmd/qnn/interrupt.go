package main

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/urfave/cli/v2"
)

// interruptedError is a command stopped by SIGINT or SIGTERM: exit code
// 130 and one line saying what was kept.
type interruptedError struct {
	cmd  string // the command, e.g. "cosim"
	kept string // what stays on disk, e.g. "nothing written"
}

func (e *interruptedError) Error() string {
	return fmt.Sprintf("%s: interrupted; %s", e.cmd, e.kept)
}

func interrupted(cmd, kept string) error { return &interruptedError{cmd: cmd, kept: kept} }

// interruptible runs f, which does not watch ctx and writes nothing until
// it returns, and gives up on it when ctx is done first: the process exits
// right after, so the abandoned computation needs no cleanup.
func interruptible(ctx context.Context, cmd string, f func() error) error {
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("panic: %v\n%s", r, debug.Stack())
			}
		}()
		done <- f()
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return interrupted(cmd, "nothing written")
	}
}

// watchesContext names the commands that stop their tools and remove their
// temporaries themselves when env.ctx is done; the others (which compute
// in memory and write at the end) are stopped by interruptibleAction.
var watchesContext = map[string]bool{"gen": true, "cosim": true, "synth": true, "train": true, "flow": true}

// interruptibleAction runs action under interruptible.
func interruptibleAction(e *env, name string, action cli.ActionFunc) cli.ActionFunc {
	return func(c *cli.Context) error {
		return interruptible(e.ctx, name, func() error { return action(c) })
	}
}
