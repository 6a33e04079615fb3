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

// killGroup kills process group pgid (a step started by setProcessGroup leads its own
// group) when it still exists.
func killGroup(pgid int) {
	if syscall.Kill(-pgid, 0) == nil {
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}
}

// processAlive reports whether process pid exists.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}
