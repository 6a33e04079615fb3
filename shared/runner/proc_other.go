//go:build !unix

package runner

import "os/exec"

// setProcessGroup is a no-op where process groups do not exist; cancellation kills only
// the step's process.
func setProcessGroup(cmd *exec.Cmd) {}

// killGroup is a no-op where process groups do not exist.
func killGroup(pgid int) {}

// processAlive cannot tell here; a job of another process is taken as running.
func processAlive(pid int) bool { return true }
