package runner

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runnerCase is one implementation under the shared contract.
type runnerCase struct {
	name string
	new  func(t *testing.T) Runner
	// seesOutput: the runner returns the job's output (EMR keeps it in its log URI).
	seesOutput bool
	// exitCodes: the runner reports the failing step's exit code.
	exitCodes bool
}

func contractCases() []runnerCase {
	return []runnerCase{
		{name: "local", seesOutput: true, exitCodes: true, new: func(t *testing.T) Runner { return NewLocal(t.TempDir()) }},
		{name: "ssm-fake", seesOutput: true, exitCodes: true, new: func(t *testing.T) Runner { return NewSSM(newFakeSSM(), "i-0123456789abcdef0", SSMOptions{}) }},
		{name: "emr-fake", new: func(t *testing.T) Runner { return NewEMR(newFakeEMR(), "j-FAKECLUSTER") }},
	}
}

var fastBackoff = Backoff{Initial: 5 * time.Millisecond, Max: 50 * time.Millisecond}

func waitDone(t *testing.T, r Runner, h string) Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := Wait(ctx, r, h, fastBackoff, nil)
	if err != nil {
		t.Fatalf("wait %s: %v", h, err)
	}
	return st
}

// TestRunnerContract runs the same behaviour checks against every Runner.
func TestRunnerContract(t *testing.T) {
	for _, rc := range contractCases() {
		t.Run(rc.name, func(t *testing.T) {
			t.Run("steps in order then success", func(t *testing.T) {
				r := rc.new(t)
				dir := t.TempDir()
				f := filepath.Join(dir, "order")
				job := Job{ID: "ok-1", Steps: []Step{
					{Argv: []string{"/bin/sh", "-c", `echo one >> "$0"; echo visible-output`, f}},
					{Argv: []string{"/bin/sh", "-c", `echo two >> "$0"`, f}},
				}}
				h, err := r.Submit(context.Background(), job)
				if err != nil {
					t.Fatal(err)
				}
				st := waitDone(t, r, h)
				if st.State != StateSucceeded || st.StepIndex != 1 || st.ExitCode != 0 {
					t.Fatalf("status %+v", st)
				}
				if b, _ := os.ReadFile(f); string(b) != "one\ntwo\n" {
					t.Errorf("steps ran as %q", b)
				}
				if rc.seesOutput && !strings.Contains(st.Output, "visible-output") {
					t.Errorf("output %q lacks the step's output", st.Output)
				}
			})
			t.Run("stops at first failure", func(t *testing.T) {
				r := rc.new(t)
				dir := t.TempDir()
				marker := filepath.Join(dir, "third-ran")
				job := Job{ID: "fail-1", Steps: []Step{
					{Argv: []string{"/bin/true"}},
					{Argv: []string{"/bin/sh", "-c", "echo boom-on-stderr >&2; exit 3"}},
					{Argv: []string{"/usr/bin/touch", marker}},
				}}
				h, err := r.Submit(context.Background(), job)
				if err != nil {
					t.Fatal(err)
				}
				st := waitDone(t, r, h)
				if st.State != StateFailed || st.StepIndex != 1 {
					t.Fatalf("status %+v, want FAILED at step 1", st)
				}
				if rc.exitCodes && st.ExitCode != 3 {
					t.Errorf("exit code %d, want 3", st.ExitCode)
				}
				if st.Message == "" {
					t.Error("no failure message")
				}
				if rc.seesOutput && !strings.Contains(st.Output, "boom-on-stderr") {
					t.Errorf("output %q lacks stderr", st.Output)
				}
				if _, err := os.Stat(marker); err == nil {
					t.Error("the step after the failure ran")
				}
			})
			t.Run("env and hostile args reach the program unchanged", func(t *testing.T) {
				r := rc.new(t)
				dir := t.TempDir()
				out := filepath.Join(dir, "args")
				val := `a b $(touch pwned) 'q' "d" ; * ` + "`id`"
				argv := []string{"/bin/sh", "-c", `{ printf '%s\n' "$ATLAS_TEST_VALUE"; for a in "$@"; do printf '[%s]\n' "$a"; done; } > "$0"`, out}
				var want strings.Builder
				want.WriteString(val + "\n")
				for _, h := range hostileArgs {
					if strings.ContainsAny(h.arg, "\n\r") {
						continue // keeps the line-based comparison simple; newlines are covered in quote_test
					}
					argv = append(argv, h.arg)
					want.WriteString("[" + h.arg + "]\n")
				}
				job := Job{ID: "env-1", Env: map[string]string{"ATLAS_TEST_VALUE": val}, Steps: []Step{{Argv: argv}}}
				h, err := r.Submit(context.Background(), job)
				if err != nil {
					t.Fatal(err)
				}
				if st := waitDone(t, r, h); st.State != StateSucceeded {
					t.Fatalf("status %+v", st)
				}
				b, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				if string(b) != want.String() {
					t.Errorf("program saw\n%s\nwant\n%s", b, want.String())
				}
			})
			t.Run("same id is not run twice", func(t *testing.T) {
				r := rc.new(t)
				dir := t.TempDir()
				counter := filepath.Join(dir, "count")
				job := Job{ID: "once-1", Steps: []Step{{Argv: []string{"/bin/sh", "-c", `echo x >> "$0"; sleep 0.2`, counter}}}}
				h1, err := r.Submit(context.Background(), job)
				if err != nil {
					t.Fatal(err)
				}
				h2, err := r.Submit(context.Background(), job)
				if err != nil {
					t.Fatal(err)
				}
				if h1 != h2 {
					t.Fatalf("second submit while running gave %q, first %q", h2, h1)
				}
				if st := waitDone(t, r, h1); st.State != StateSucceeded {
					t.Fatalf("status %+v", st)
				}
				h3, err := r.Submit(context.Background(), job)
				if err != nil {
					t.Fatal(err)
				}
				if h3 != h1 {
					t.Errorf("submit after success gave %q, first %q", h3, h1)
				}
				if b, _ := os.ReadFile(counter); string(b) != "x\n" {
					t.Errorf("job ran %d times", strings.Count(string(b), "x"))
				}
			})
			t.Run("failed attempt is retried", func(t *testing.T) {
				r := rc.new(t)
				dir := t.TempDir()
				flag := filepath.Join(dir, "flag")
				// fails the first time (no flag yet), succeeds the second
				job := Job{ID: "retry-1", Steps: []Step{{Argv: []string{"/bin/sh", "-c", `test -e "$0" || { touch "$0"; exit 1; }`, flag}}}}
				h1, err := r.Submit(context.Background(), job)
				if err != nil {
					t.Fatal(err)
				}
				if st := waitDone(t, r, h1); st.State != StateFailed {
					t.Fatalf("first attempt %+v", st)
				}
				h2, err := r.Submit(context.Background(), job)
				if err != nil {
					t.Fatal(err)
				}
				if st := waitDone(t, r, h2); st.State != StateSucceeded {
					t.Fatalf("retry %+v", st)
				}
			})
			t.Run("invalid job is rejected before anything runs", func(t *testing.T) {
				r := rc.new(t)
				if _, err := r.Submit(context.Background(), Job{ID: "bad id", Steps: []Step{{Argv: []string{"/bin/true"}}}}); err == nil {
					t.Fatal("no error")
				}
			})
			t.Run("unknown handle", func(t *testing.T) {
				r := rc.new(t)
				if _, err := r.Status(context.Background(), "nonsense"); err == nil {
					t.Fatal("no error")
				}
			})
		})
	}
}
