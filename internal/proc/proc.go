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

// Command is exec.CommandContext with the child in its own process group:
// when ctx is done, every process of the group gets SIGKILL (a make run's
// compilers included), and Wait returns within a second even if a
// grandchild keeps the output pipes open.
func Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = time.Second
	return cmd
}
