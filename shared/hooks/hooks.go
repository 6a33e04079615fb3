package hooks

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/hostpath"
	"github.com/atlas-backup/atlas-backup/shared/runner"
)

// Phases.
const (
	PreBackup   = "preBackup"
	PostBackup  = "postBackup"
	PreRestore  = "preRestore"
	PostRestore = "postRestore"
)

// What to do when a hook fails.
const (
	OnErrorFail     = "fail"
	OnErrorContinue = "continue"
)

// Defaults and bounds.
const (
	DefaultTimeout = 5 * time.Minute
	MaxTimeout     = 6 * time.Hour
	// killAfter is how long `timeout` waits after TERM before KILL.
	killAfter = 10 * time.Second
)

// Timeout is a duration written as "90s", "10m".
type Timeout time.Duration

// UnmarshalYAML reads "10m".
func (t *Timeout) UnmarshalYAML(unmarshal func(any) error) error {
	var s string
	if err := unmarshal(&s); err != nil {
		return err
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration like 90s or 10m", s)
	}
	*t = Timeout(d)
	return nil
}

// MarshalYAML writes "10m0s".
func (t Timeout) MarshalYAML() (any, error) { return time.Duration(t).String(), nil }

// Hook is one command.
type Hook struct {
	Name string   `yaml:"name" json:"name"`
	Argv []string `yaml:"argv" json:"argv"`
	// Timeout: default 5m, at most 6h.
	Timeout Timeout `yaml:"timeout" json:"timeout,omitempty"`
	// OnError: fail (default) or continue.
	OnError string `yaml:"onError" json:"onError,omitempty"`
}

// Hooks are the config's `hooks:`.
type Hooks struct {
	PreBackup   []Hook `yaml:"preBackup" json:"preBackup,omitempty"`
	PostBackup  []Hook `yaml:"postBackup" json:"postBackup,omitempty"`
	PreRestore  []Hook `yaml:"preRestore" json:"preRestore,omitempty"`
	PostRestore []Hook `yaml:"postRestore" json:"postRestore,omitempty"`
}

// Phase returns the hooks of a phase.
func (h Hooks) Phase(phase string) []Hook {
	switch phase {
	case PreBackup:
		return h.PreBackup
	case PostBackup:
		return h.PostBackup
	case PreRestore:
		return h.PreRestore
	case PostRestore:
		return h.PostRestore
	}
	return nil
}

var (
	nameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	shells = map[string]bool{"sh": true, "bash": true, "dash": true, "zsh": true, "ksh": true, "csh": true, "tcsh": true, "fish": true}
)

// Validate names every field of every hook that breaks a rule (field "hooks.preBackup[0].argv").
func (h Hooks) Validate() []error {
	var errs []error
	for _, phase := range []string{PreBackup, PostBackup, PreRestore, PostRestore} {
		seen := map[string]bool{}
		for i, hk := range h.Phase(phase) {
			f := fmt.Sprintf("hooks.%s[%d]", phase, i)
			bad := func(field, format string, a ...any) {
				errs = append(errs, fmt.Errorf("%s%s: %s", f, field, fmt.Sprintf(format, a...)))
			}
			if !nameRe.MatchString(hk.Name) {
				bad(".name", "must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}, got %q", hk.Name)
			} else if seen[hk.Name] {
				bad(".name", "%q is used twice in %s", hk.Name, phase)
			}
			seen[hk.Name] = true
			switch {
			case len(hk.Argv) == 0 || hk.Argv[0] == "":
				bad(".argv", "must be a non-empty array: the program, then its arguments (never a shell string)")
			case strings.HasPrefix(hk.Argv[0], "-") || strings.Contains(hk.Argv[0], "="):
				bad(".argv[0]", "must be a program, not an option or an assignment, got %q", hk.Argv[0])
			case strings.ContainsAny(hk.Argv[0], " \t"):
				bad(".argv[0]", "%q has a space: argv is an array, one element per argument, never a shell string", hk.Argv[0])
			case shells[path.Base(hk.Argv[0])] && hasShellC(hk.Argv[1:]):
				bad(".argv", "%s -c runs a shell string: put the commands in a script and name the script, or call the program directly", hk.Argv[0])
			default:
				if err := hostpath.ValidateProgram(hk.Argv[0]); err != nil { // the one rule for a program
					bad(".argv[0]", "%v", err)
				}
			}
			for k, a := range hk.Argv {
				if strings.ContainsAny(a, "\x00\n\r") {
					bad(fmt.Sprintf(".argv[%d]", k), "must not contain NUL or a line break")
				}
			}
			if d := time.Duration(hk.Timeout); d != 0 && (d < time.Second || d > MaxTimeout) {
				bad(".timeout", "must be between 1s and %s, got %s", MaxTimeout, d)
			}
			if hk.OnError != "" && hk.OnError != OnErrorFail && hk.OnError != OnErrorContinue {
				bad(".onError", "must be fail or continue, got %q", hk.OnError)
			}
		}
	}
	return errs
}

func hasShellC(args []string) bool {
	for _, a := range args {
		if strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.Contains(a, "c") {
			return true
		}
	}
	return false
}

func (hk Hook) timeout() time.Duration {
	if hk.Timeout > 0 {
		return time.Duration(hk.Timeout)
	}
	return DefaultTimeout
}

func (hk Hook) onError() string {
	if hk.OnError == "" {
		return OnErrorFail
	}
	return hk.OnError
}

// Argv is the command the runner runs: `timeout --kill-after=10s <seconds>s argv...`.
func Argv(hk Hook) []string {
	secs := int64(hk.timeout() / time.Second)
	return append([]string{"timeout", "--kill-after=" + strconv.Itoa(int(killAfter/time.Second)) + "s", strconv.FormatInt(secs, 10) + "s"}, hk.Argv...)
}

// Result states.
const (
	Succeeded = "succeeded"
	FailedS   = "failed"
	TimedOut  = "timed out"
)

// Result is what a hook did (recorded in the manifest or the restore report).
type Result struct {
	Phase           string    `json:"phase"`
	Name            string    `json:"name"`
	Program         string    `json:"program"`
	OnError         string    `json:"onError"`
	State           string    `json:"state"`
	ExitCode        int       `json:"exitCode"`
	StartedAt       time.Time `json:"startedAt"`
	DurationSeconds float64   `json:"durationSeconds"`
	// Output: the last lines of the hook's output (at most 2 KB).
	Output string `json:"output,omitempty"`
	Error  string `json:"error,omitempty"`
}

// OK reports whether the hook succeeded.
func (r Result) OK() bool { return r.State == Succeeded }

// HookFailed: a hook with onError fail did not succeed; errorType "HookFailed".
type HookFailed struct{ Result Result }

// Kind is the name the state machines match (handler.Kind).
func (*HookFailed) Kind() string { return "HookFailed" }

func (e *HookFailed) Error() string {
	r := e.Result
	msg := fmt.Sprintf("%s hook %s (%s) %s", r.Phase, r.Name, r.Program, r.State)
	if r.State == FailedS {
		msg += fmt.Sprintf(" (exit %d)", r.ExitCode)
	}
	if r.Error != "" {
		msg += ": " + r.Error
	}
	if r.Output != "" {
		msg += ": " + r.Output
	}
	return msg + " (onError: fail)"
}

// Runner runs the hooks of one phase of one operation.
type Runner struct {
	Runner runner.Runner
	Poll   runner.Backoff
	Now    func() time.Time
	// Env is given to every hook (ATLAS_BACKUP_CLUSTER, ATLAS_BACKUP_ID, ...).
	Env map[string]string
	// Progress sees a line when a hook starts and ends.
	Progress func(phase, name, state, msg string)
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

// Run runs hooks in order. It returns every result so far and *HookFailed at the first
// hook with onError fail that did not succeed (the hooks after it do not run).
// runID makes the job ids (a retried step finds a hook it already ran).
func (r *Runner) Run(ctx context.Context, phase, runID string, hs []Hook) ([]Result, error) {
	var out []Result
	for i, hk := range hs {
		res := r.one(ctx, phase, runID, i, hk)
		out = append(out, res)
		if !res.OK() && hk.onError() == OnErrorFail {
			return out, &HookFailed{Result: res}
		}
		if err := ctx.Err(); err != nil {
			return out, err
		}
	}
	return out, nil
}

func (r *Runner) progress(phase, name, state, msg string) {
	if r.Progress != nil {
		r.Progress(phase, name, state, msg)
	}
}

func (r *Runner) one(ctx context.Context, phase, runID string, i int, hk Hook) Result {
	res := Result{Phase: phase, Name: hk.Name, OnError: hk.onError(), StartedAt: r.now(), ExitCode: -1}
	if len(hk.Argv) > 0 {
		res.Program = hk.Argv[0]
	}
	env := map[string]string{"ATLAS_BACKUP_HOOK_PHASE": phase}
	for k, v := range r.Env {
		env[k] = v
	}
	job := runner.Job{ID: runner.JobID(runID, "hook-"+phase, strconv.Itoa(i)+"-"+hk.Name), Steps: []runner.Step{{Argv: Argv(hk)}}, Env: env}
	r.progress(phase, hk.Name, "started", res.Program)
	// The host's `timeout` kills the hook; this deadline only bounds the wait for the
	// runner to report it (and, with the local runner, kills the process too).
	wctx, cancel := context.WithTimeout(ctx, hk.timeout()+killAfter+30*time.Second)
	defer cancel()
	finish := func() Result {
		res.DurationSeconds = r.now().Sub(res.StartedAt).Seconds()
		r.progress(phase, hk.Name, res.State, res.Error)
		return res
	}
	h, err := r.Runner.Submit(wctx, job)
	if err != nil {
		res.State, res.Error = FailedS, "submit: "+err.Error()
		return finish()
	}
	st, err := runner.Wait(wctx, r.Runner, h, r.Poll, nil)
	switch {
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		res.State, res.Error = TimedOut, fmt.Sprintf("no end reported %s after its timeout of %s", killAfter+30*time.Second, hk.timeout())
		return finish()
	case err != nil:
		res.State, res.Error = FailedS, err.Error()
		return finish()
	}
	res.ExitCode = st.ExitCode
	res.Output = tail(st.Output, 2048)
	switch {
	case st.State == runner.StateSucceeded:
		res.State, res.ExitCode = Succeeded, 0
	case st.ExitCode == 124 || st.ExitCode == 137:
		res.State, res.Error = TimedOut, fmt.Sprintf("killed after its timeout of %s", hk.timeout())
	default:
		res.State = FailedS
	}
	return finish()
}

// tail keeps the last lines of s, at most n bytes, without the runner's own lines.
func tail(s string, n int) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "atlas-backup: step ") {
			lines = append(lines, l)
		}
	}
	out := strings.Join(lines, " | ")
	if len(out) > n {
		out = "..." + out[len(out)-n:]
	}
	return out
}
