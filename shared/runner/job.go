package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Step is one command: Argv[0] is the program, the rest its arguments. It is never
// interpreted by a shell on the way to the program.
type Step struct {
	Argv []string `json:"argv"`
}

// Job is an ordered list of steps run on one host or cluster. Steps run in order and the
// job stops at the first failing step.
type Job struct {
	// ID is the idempotency key, derived by callers from the backup id and the step.
	// It must match [A-Za-z0-9._-]{1,128}.
	ID    string `json:"id"`
	Steps []Step `json:"steps"`
	// Env is applied to every step (e.g. KRB5CCNAME). Keys match [A-Z_][A-Z0-9_]*;
	// values may not contain a newline or NUL.
	Env map[string]string `json:"env,omitempty"`
}

// State is the coarse state of a submitted job.
type State string

// Job states. SUCCEEDED and FAILED are terminal.
const (
	StatePending   State = "PENDING"
	StateRunning   State = "RUNNING"
	StateSucceeded State = "SUCCEEDED"
	StateFailed    State = "FAILED"
)

// Terminal reports whether the state is final.
func (s State) Terminal() bool { return s == StateSucceeded || s == StateFailed }

// OutputLimit bounds Status.Output: only the last OutputLimit bytes are kept.
const OutputLimit = 1 << 20

// Status is a snapshot of a job.
type Status struct {
	State State `json:"state"`
	// ExitCode is the exit code of the failed (or last) step when known, -1 when the
	// step did not exit normally or the runner cannot tell.
	ExitCode int `json:"exitCode"`
	// Output is a bounded tail (OutputLimit) of the combined stdout and stderr, as far
	// as the runner can see it (SSM returns the first 24,000 characters of each stream;
	// EMR keeps step logs in the cluster's log URI and returns none).
	Output string `json:"output,omitempty"`
	// Message explains a failure (or the current state) in one line or a few.
	Message string `json:"message,omitempty"`
	// StepIndex is the index of the step running, failed, or last run; -1 when unknown.
	StepIndex int `json:"stepIndex"`
}

// Canceler is a Runner that can end a running job (Local). A watchdog that fails a
// part cancels its job when the runner can, so no job is left running behind a FAILED
// backup.
type Canceler interface {
	Cancel(ctx context.Context, handle string) error
}

// Runner runs jobs on a host or cluster.
type Runner interface {
	// Submit starts job, or finds an earlier attempt with the same ID that is pending,
	// running or succeeded, and returns a handle for Status.
	Submit(ctx context.Context, job Job) (handle string, err error)
	// Status reports the job's current state.
	Status(ctx context.Context, handle string) (Status, error)
}

var (
	jobIDRe  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)
	envKeyRe = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)
)

// Validate checks the job before anything runs; the error names the field and the rule.
func (j Job) Validate() error {
	if !jobIDRe.MatchString(j.ID) {
		return fmt.Errorf("job id %q: must match [A-Za-z0-9._-]{1,128}", j.ID)
	}
	if len(j.Steps) == 0 {
		return fmt.Errorf("job %s: steps: at least one step is required", j.ID)
	}
	for i, s := range j.Steps {
		if len(s.Argv) == 0 || s.Argv[0] == "" {
			return fmt.Errorf("job %s: steps[%d].argv: argv[0] (the program) is required", j.ID, i)
		}
		if strings.HasPrefix(s.Argv[0], "-") || strings.Contains(s.Argv[0], "=") {
			return fmt.Errorf("job %s: steps[%d].argv[0] %q: a program may not start with '-' or contain '='", j.ID, i, s.Argv[0])
		}
		for k, a := range s.Argv {
			if strings.ContainsRune(a, 0) {
				return fmt.Errorf("job %s: steps[%d].argv[%d]: NUL byte not allowed", j.ID, i, k)
			}
		}
	}
	for k, v := range j.Env {
		if len(k) > 256 || !envKeyRe.MatchString(k) {
			return fmt.Errorf("job %s: env key %q: must match [A-Z_][A-Z0-9_]*", j.ID, k)
		}
		if strings.ContainsAny(v, "\n\r\x00") {
			return fmt.Errorf("job %s: env %s: value may not contain a newline or NUL", j.ID, k)
		}
	}
	return nil
}

// envPairs returns Env as sorted K=V strings.
func (j Job) envPairs() []string {
	keys := make([]string, 0, len(j.Env))
	for k := range j.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, k+"="+j.Env[k])
	}
	return out
}

// withEnv returns argv prefixed with `env K=V ...` when the job has an environment.
func (j Job) withEnv(argv []string) []string {
	if len(j.Env) == 0 {
		return append([]string(nil), argv...)
	}
	out := append([]string{"env"}, j.envPairs()...)
	return append(out, argv...)
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// JobID derives a job id from a run id (backup or restore id), a kind of job and the
// name it works on: <run>-<kind>-<name as [A-Za-z0-9._-], at most 40>-<8 hex of the
// exact name>. The same inputs give the same id, so a retried step finds its first
// attempt; the hash keeps names that map to the same safe text apart ("ns:t", "ns.t").
func JobID(run, kind, name string) string {
	sum := sha256.Sum256([]byte(name))
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.' {
			return r
		}
		return '.'
	}, name)
	if len(safe) > 40 {
		safe = safe[:40]
	}
	return run + "-" + kind + "-" + safe + "-" + hex.EncodeToString(sum[:4])
}

// Tail is the last n lines of the job's output and message on one line ("a | b"), for
// an error that says why a job failed.
func (s Status) Tail(n int) string {
	var lines []string
	for _, l := range strings.Split(s.Output+"\n"+s.Message, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
