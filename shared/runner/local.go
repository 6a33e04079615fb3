package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrUnknownHandle is returned by Status for a handle the runner has never issued.
var ErrUnknownHandle = errors.New("unknown job handle")

// Local runs jobs as child processes of this process. Each job's combined output goes to
// <workDir>/<job id>.log and its final status to <workDir>/<job id>.status.json, so a
// later process (the CLI polling again) can still read a finished job. The handle is the
// job ID.
type Local struct {
	workDir string

	mu   sync.Mutex
	jobs map[string]*localRun
}

type localRun struct {
	status    Status // guarded by Local.mu; Output is read from the log
	done      chan struct{}
	cancelled bool // guarded by Local.mu: Cancel was called; no further step starts
}

// NewLocal returns a Local runner keeping logs and status files in workDir (created on
// the first Submit).
func NewLocal(workDir string) *Local {
	return &Local{workDir: workDir, jobs: map[string]*localRun{}}
}

func (l *Local) logPath(id string) string    { return filepath.Join(l.workDir, id+".log") }
func (l *Local) pidPath(id string) string    { return filepath.Join(l.workDir, id+".pid") }
func (l *Local) statusPath(id string) string { return filepath.Join(l.workDir, id+".status.json") }

// ownerPath holds the pid of the process running the job's goroutine while it runs, so
// another process (a status Lambda beside the submit Lambda, a second CLI) can tell a
// running job from one whose process died before it wrote a status.
func (l *Local) ownerPath(id string) string { return filepath.Join(l.workDir, id+".owner") }

// Submit starts the job's steps in a goroutine. The processes run under ctx: cancelling
// it kills each step's process group. A job with the same ID that is running or has
// succeeded (in this process, or recorded in workDir) is not started again.
func (l *Local) Submit(ctx context.Context, job Job) (string, error) {
	if err := job.Validate(); err != nil {
		return "", fmt.Errorf("local submit: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if r, ok := l.jobs[job.ID]; ok && r.status.State != StateFailed {
		return job.ID, nil
	}
	if st, err := l.readStatusFile(job.ID); err == nil && st.State == StateSucceeded {
		return job.ID, nil
	}
	if err := os.MkdirAll(l.workDir, 0o700); err != nil {
		return "", fmt.Errorf("local submit %s: work dir: %w", job.ID, err)
	}
	// A step left running by an earlier process that died without cleaning up (a killed
	// CLI) would race this attempt for the same output: end it first.
	l.killLeftover(job.ID)
	if err := os.Remove(l.statusPath(job.ID)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("local submit %s: remove old status: %w", job.ID, err)
	}
	logf, err := os.OpenFile(l.logPath(job.ID), os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return "", fmt.Errorf("local submit %s: open log: %w", job.ID, err)
	}
	r := &localRun{status: Status{State: StateRunning, StepIndex: 0}, done: make(chan struct{})}
	l.jobs[job.ID] = r
	_ = os.WriteFile(l.ownerPath(job.ID), []byte(strconv.Itoa(os.Getpid())), 0o600)
	go l.run(ctx, job, r, logf)
	return job.ID, nil
}

func (l *Local) run(ctx context.Context, job Job, r *localRun, logf *os.File) {
	defer close(r.done)
	defer logf.Close()
	env := append(os.Environ(), job.envPairs()...)
	final := Status{State: StateSucceeded, StepIndex: len(job.Steps) - 1}
	for i, step := range job.Steps {
		l.mu.Lock()
		r.status.StepIndex = i
		cancelled := r.cancelled
		l.mu.Unlock()
		if cancelled {
			final = Status{State: StateFailed, ExitCode: -1, StepIndex: i,
				Message: fmt.Sprintf("cancelled before step %d/%d (%s)", i+1, len(job.Steps), step.Argv[0])}
			fmt.Fprintf(logf, "atlas-backup: %s\n", final.Message)
			break
		}
		fmt.Fprintf(logf, "atlas-backup: step %d/%d: %s\n", i+1, len(job.Steps), ShellQuote(step.Argv))
		code, err := runStep(ctx, step.Argv, env, logf, func(pid int) {
			_ = os.WriteFile(l.pidPath(job.ID), []byte(strconv.Itoa(pid)), 0o600)
		})
		if err != nil {
			final = Status{State: StateFailed, ExitCode: code, StepIndex: i,
				Message: fmt.Sprintf("step %d/%d (%s): %s", i+1, len(job.Steps), step.Argv[0], err)}
			fmt.Fprintf(logf, "atlas-backup: %s\n", final.Message)
			break
		}
	}
	_ = os.Remove(l.pidPath(job.ID))
	if err := l.writeStatusFile(job.ID, final); err != nil && final.State == StateSucceeded {
		final = Status{State: StateFailed, ExitCode: 0, StepIndex: final.StepIndex, Message: err.Error()}
	}
	_ = os.Remove(l.ownerPath(job.ID))
	l.mu.Lock()
	r.status = final
	l.mu.Unlock()
}

// runStep runs argv with its own process group, output to out. It returns the exit code
// (-1 when the process did not exit normally) and an error for anything but exit 0.
func runStep(ctx context.Context, argv, env []string, out *os.File, started func(pid int)) (int, error) {
	if err := ctx.Err(); err != nil {
		return -1, fmt.Errorf("not started: %w", err)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Stdin = nil
	cmd.Stdout = out
	cmd.Stderr = out
	setProcessGroup(cmd)
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		return -1, fmt.Errorf("run: %w", err)
	}
	started(cmd.Process.Pid)
	if err := cmd.Wait(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ctx.Err() != nil {
				return ee.ExitCode(), fmt.Errorf("killed: %w", ctx.Err())
			}
			return ee.ExitCode(), fmt.Errorf("exit code %d", ee.ExitCode())
		}
		return -1, fmt.Errorf("run: %w", err)
	}
	return 0, nil
}

// killLeftover kills the process group recorded for job id by an earlier process, if it
// is still alive.
func (l *Local) killLeftover(id string) {
	b, err := os.ReadFile(l.pidPath(id))
	if err != nil {
		return
	}
	if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 1 {
		killGroup(pid)
	}
	_ = os.Remove(l.pidPath(id))
}

// Cancel ends a running job: no further step starts and the running step's process
// group is killed (a job of this process, or one an earlier process left running). The
// job ends FAILED. Cancelling a finished or unknown job does nothing.
func (l *Local) Cancel(_ context.Context, handle string) error {
	if !jobIDRe.MatchString(handle) {
		return fmt.Errorf("local cancel %q: %w", handle, ErrUnknownHandle)
	}
	l.mu.Lock()
	if r, ok := l.jobs[handle]; ok {
		r.cancelled = true
	}
	l.mu.Unlock()
	l.killLeftover(handle)
	return nil
}

// Status reports the job's state and the tail of its log.
func (l *Local) Status(ctx context.Context, handle string) (Status, error) {
	l.mu.Lock()
	r, ok := l.jobs[handle]
	var st Status
	if ok {
		st = r.status
	}
	l.mu.Unlock()
	if !ok {
		if !jobIDRe.MatchString(handle) {
			return Status{}, fmt.Errorf("local status %q: %w", handle, ErrUnknownHandle)
		}
		var err error
		st, err = l.readStatusFile(handle)
		if errors.Is(err, fs.ErrNotExist) {
			st, err = l.ownerStatus(handle)
		}
		if errors.Is(err, fs.ErrNotExist) {
			return Status{}, fmt.Errorf("local status %s: %w", handle, ErrUnknownHandle)
		}
		if err != nil {
			return Status{}, fmt.Errorf("local status %s: %w", handle, err)
		}
	}
	out, err := readTail(l.logPath(handle), OutputLimit)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return st, fmt.Errorf("local status %s: read log: %w", handle, err)
	}
	st.Output = out
	return st, nil
}

// ownerStatus reads a job started by another process that has not written its status
// yet: RUNNING while that process lives, FAILED once it is gone.
func (l *Local) ownerStatus(id string) (Status, error) {
	b, err := os.ReadFile(l.ownerPath(id))
	if err != nil {
		return Status{}, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid < 1 {
		return Status{}, fmt.Errorf("owner file %s: bad pid %q", l.ownerPath(id), b)
	}
	if processAlive(pid) {
		return Status{State: StateRunning, StepIndex: -1, Message: fmt.Sprintf("running in process %d", pid)}, nil
	}
	if st, err := l.readStatusFile(id); err == nil { // finished between the two reads
		return st, nil
	}
	return Status{State: StateFailed, ExitCode: -1, StepIndex: -1,
		Message: fmt.Sprintf("process %d that ran the job ended before the job finished", pid)}, nil
}

// Done returns a channel closed when the job started by this process ends, or nil when
// this process did not start it. Tests and the CLI use it instead of polling.
func (l *Local) Done(handle string) <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r, ok := l.jobs[handle]; ok {
		return r.done
	}
	return nil
}

func (l *Local) readStatusFile(id string) (Status, error) {
	b, err := os.ReadFile(l.statusPath(id))
	if err != nil {
		return Status{}, err
	}
	var st Status
	if err := json.Unmarshal(b, &st); err != nil {
		return Status{}, fmt.Errorf("status file %s: %w", l.statusPath(id), err)
	}
	return st, nil
}

func (l *Local) writeStatusFile(id string, st Status) error {
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("status file %s: %w", id, err)
	}
	tmp := l.statusPath(id) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("status file %s: %w", id, err)
	}
	if err := os.Rename(tmp, l.statusPath(id)); err != nil {
		return fmt.Errorf("status file %s: %w", id, err)
	}
	return nil
}

// readTail returns at most the last n bytes of the file.
func readTail(path string, n int64) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	off := fi.Size() - n
	if off < 0 {
		off = 0
	}
	b, err := io.ReadAll(io.NewSectionReader(f, off, fi.Size()-off))
	return string(b), err
}
