// Package proc starts the external tools qnn drives (Verilator, make, the
// C++ compiler, Icarus, Yosys, nextpnr) so that cancelling the context stops
// the whole process tree, not only the direct child.
package proc

import (
	"context"
	"os/exec"
	"syscall"
	"time"
)

// grace is how long the tools get to clean up (the compiler removes its
// temporary files on SIGTERM) before SIGKILL.
const grace = 2 * time.Second

// Command is exec.CommandContext with the child in its own process group:
// when ctx is done, every process of the group gets SIGTERM (a make run's
// compilers included), SIGKILL after a grace period, and Wait returns even
// if a grandchild keeps the output pipes open.
func Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		pgid := cmd.Process.Pid
		err := syscall.Kill(-pgid, syscall.SIGTERM)
		time.AfterFunc(grace, func() { _ = syscall.Kill(-pgid, syscall.SIGKILL) })
		return err
	}
	cmd.WaitDelay = grace + time.Second
	return cmd
}
