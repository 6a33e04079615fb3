//go:build unix

package runner

import (
	"os/exec"
	"syscall"
)

// setProcessGroup starts cmd in its own process group and makes context cancellation
// kill the whole group, so children of the step (a JVM forked by a launcher script) die
// with it.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
