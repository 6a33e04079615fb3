package runner

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestLocalCancelKillsProcessGroup(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child.pid")
	l := NewLocal(filepath.Join(dir, "work"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// the step starts a grandchild and waits for it; cancelling must kill both
	h, err := l.Submit(ctx, Job{ID: "cancel-1", Steps: []Step{
		{Argv: []string{"/bin/sh", "-c", `sleep 60 & echo $! > "$0"; wait`, pidFile}},
		{Argv: []string{"/bin/true"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	deadline := time.Now().Add(10 * time.Second)
	for pid == 0 && time.Now().Before(deadline) {
		b, _ := os.ReadFile(pidFile)
		pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		time.Sleep(10 * time.Millisecond)
	}
	if pid == 0 {
		t.Fatal("grandchild never started")
	}
	cancel()
	select {
	case <-l.Done(h):
	case <-time.After(15 * time.Second):
		t.Fatal("job did not end after cancel")
	}
	st, err := l.Status(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != StateFailed || st.StepIndex != 0 || !strings.Contains(st.Message, "killed") {
		t.Errorf("status %+v", st)
	}
	// the grandchild is gone (signal 0 probes; it may linger briefly as a zombie of init)
	deadline = time.Now().Add(5 * time.Second)
	for {
		err := syscall.Kill(pid, 0)
		if errors.Is(err, syscall.ESRCH) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("grandchild %d still alive after cancel", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestLocalStatusFromAnotherProcess(t *testing.T) {
	work := t.TempDir()
	l1 := NewLocal(work)
	h, err := l1.Submit(context.Background(), Job{ID: "persist-1", Steps: []Step{{Argv: []string{"/bin/sh", "-c", "echo hello; exit 4"}}}})
	if err != nil {
		t.Fatal(err)
	}
	<-l1.Done(h)
	l2 := NewLocal(work) // a later CLI invocation
	st, err := l2.Status(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != StateFailed || st.ExitCode != 4 || !strings.Contains(st.Output, "hello") {
		t.Errorf("status %+v", st)
	}
	if _, err := l2.Status(context.Background(), "never-submitted"); !errors.Is(err, ErrUnknownHandle) {
		t.Errorf("unknown handle error = %v", err)
	}
	if _, err := l2.Status(context.Background(), "../etc/passwd"); !errors.Is(err, ErrUnknownHandle) {
		t.Errorf("path-like handle error = %v", err)
	}
}

func TestLocalSucceededNotRerunByAnotherProcess(t *testing.T) {
	work, dir := t.TempDir(), t.TempDir()
	counter := filepath.Join(dir, "count")
	job := Job{ID: "once-2", Steps: []Step{{Argv: []string{"/bin/sh", "-c", `echo x >> "$0"`, counter}}}}
	l1 := NewLocal(work)
	h, _ := l1.Submit(context.Background(), job)
	<-l1.Done(h)
	l2 := NewLocal(work)
	if _, err := l2.Submit(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	if ch := l2.Done(h); ch != nil {
		<-ch
	}
	if b, _ := os.ReadFile(counter); string(b) != "x\n" {
		t.Errorf("ran %d times", strings.Count(string(b), "x"))
	}
}

func TestLocalMissingProgram(t *testing.T) {
	l := NewLocal(t.TempDir())
	h, err := l.Submit(context.Background(), Job{ID: "missing-1", Steps: []Step{{Argv: []string{"/nonexistent/program"}}}})
	if err != nil {
		t.Fatal(err)
	}
	<-l.Done(h)
	st, _ := l.Status(context.Background(), h)
	if st.State != StateFailed || st.ExitCode != -1 || !strings.Contains(st.Message, "/nonexistent/program") {
		t.Errorf("status %+v", st)
	}
}

func TestLocalEnvOverridesEnviron(t *testing.T) {
	t.Setenv("ATLAS_TEST_OVERRIDE", "from-parent")
	l := NewLocal(t.TempDir())
	h, _ := l.Submit(context.Background(), Job{ID: "env-2", Env: map[string]string{"ATLAS_TEST_OVERRIDE": "from-job"},
		Steps: []Step{{Argv: []string{"/bin/sh", "-c", `echo "v=$ATLAS_TEST_OVERRIDE p=${PATH:+set}"`}}}})
	<-l.Done(h)
	st, _ := l.Status(context.Background(), h)
	if !strings.Contains(st.Output, "v=from-job p=set") {
		t.Errorf("output %q", st.Output)
	}
}

func TestLocalOutputBounded(t *testing.T) {
	l := NewLocal(t.TempDir())
	// ~1.5 MiB of output, then a final line that must survive in the tail
	h, _ := l.Submit(context.Background(), Job{ID: "big-1", Steps: []Step{{Argv: []string{"/bin/sh", "-c",
		`i=0; while [ $i -lt 24 ]; do head -c 65536 /dev/zero | tr '\0' 'a'; i=$((i+1)); done; echo; echo THE-END`}}}})
	<-l.Done(h)
	st, _ := l.Status(context.Background(), h)
	if len(st.Output) > OutputLimit {
		t.Errorf("output %d bytes > %d", len(st.Output), OutputLimit)
	}
	if !strings.HasSuffix(st.Output, "THE-END\n") {
		t.Errorf("tail lost: %q", tail(st.Output, 40))
	}
}

// A step left running by a process that died (a killed CLI) is killed before the same
// job is submitted again, so two attempts never write the same output at once.
func TestLocalKillsLeftoverOfDeadProcess(t *testing.T) {
	dir := t.TempDir()
	orphan := exec.Command("sleep", "300")
	orphan.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := orphan.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { orphan.Wait(); close(exited) }()
	defer orphan.Process.Kill()
	if err := os.WriteFile(filepath.Join(dir, "job-1.pid"), []byte(strconv.Itoa(orphan.Process.Pid)), 0o600); err != nil {
		t.Fatal(err)
	}
	l := NewLocal(dir)
	h, err := l.Submit(context.Background(), Job{ID: "job-1", Steps: []Step{{Argv: []string{"true"}}}})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("the leftover process group of the earlier attempt is still running")
	}
	<-l.Done(h)
	if st, _ := l.Status(context.Background(), h); st.State != StateSucceeded {
		t.Fatalf("state %s: %s", st.State, st.Message)
	}
}

// A job still running in another process (the submit Lambda beside the status Lambda,
// both on one host in the local e2e) reads as RUNNING, not unknown; once that process is
// gone without a status, as FAILED.
func TestLocalRunningInAnotherProcess(t *testing.T) {
	work := t.TempDir()
	l1 := NewLocal(work)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h, err := l1.Submit(ctx, Job{ID: "running-3", Steps: []Step{{Argv: []string{"/bin/sh", "-c", "sleep 30"}}}})
	if err != nil {
		t.Fatal(err)
	}
	l2 := NewLocal(work)
	st, err := l2.Status(context.Background(), h)
	if err != nil || st.State != StateRunning {
		t.Fatalf("status from another runner while running: %+v, %v", st, err)
	}
	cancel()
	<-l1.Done(h)
	if st, err := l2.Status(context.Background(), h); err != nil || st.State != StateFailed {
		t.Fatalf("status after the job was killed: %+v, %v", st, err)
	}

	// an owner file naming a process that no longer exists, and no status
	dead := exec.Command("/bin/true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "orphan-4.owner"), []byte(strconv.Itoa(dead.Process.Pid)), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err = l2.Status(context.Background(), "orphan-4")
	if err != nil || st.State != StateFailed || !strings.Contains(st.Message, "ended before") {
		t.Fatalf("status of a job whose process died: %+v, %v", st, err)
	}
}

// Cancel (the watchdog's) kills the running step's process group and starts no further
// step; the job ends FAILED.
func TestLocalCancelByHandle(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "second-ran")
	l := NewLocal(filepath.Join(dir, "work"))
	h, err := l.Submit(context.Background(), Job{ID: "cancel-2", Steps: []Step{
		{Argv: []string{"/bin/sleep", "60"}},
		{Argv: []string{"/usr/bin/touch", marker}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 500; i++ { // until the step's pid is recorded
		if _, err := os.Stat(l.pidPath(h)); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := l.Cancel(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	select {
	case <-l.Done(h):
	case <-time.After(15 * time.Second):
		t.Fatal("job did not end after Cancel")
	}
	st, err := l.Status(context.Background(), h)
	if err != nil || st.State != StateFailed || st.StepIndex != 0 {
		t.Fatalf("status %+v %v", st, err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the step after the cancelled one ran")
	}
	if err := l.Cancel(context.Background(), "../x"); !errors.Is(err, ErrUnknownHandle) {
		t.Fatalf("cancel of a hostile handle: %v", err)
	}
}
