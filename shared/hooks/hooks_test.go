package hooks_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/hooks"
	"github.com/atlas-backup/atlas-backup/shared/runner"
)

func TestArgv(t *testing.T) {
	got := hooks.Argv(hooks.Hook{Name: "x", Argv: []string{"curl", "-X", "PUT", "https://a b/$(x)"}, Timeout: hooks.Timeout(90 * time.Second)})
	want := []string{"timeout", "--kill-after=10s", "90s", "curl", "-X", "PUT", "https://a b/$(x)"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Argv = %q, want %q", got, want)
	}
	if got := hooks.Argv(hooks.Hook{Argv: []string{"true"}}); got[2] != "300s" {
		t.Errorf("default timeout: %q", got)
	}
}

func TestValidate(t *testing.T) {
	ok := hooks.Hook{Name: "stop-atlas", Argv: []string{"/usr/bin/curl", "-d", "a; b"}}
	cases := []struct {
		name string
		h    hooks.Hooks
		want string // "" = valid
	}{
		{"valid", hooks.Hooks{PreBackup: []hooks.Hook{ok}, PostRestore: []hooks.Hook{ok}}, ""},
		{"no argv", hooks.Hooks{PreBackup: []hooks.Hook{{Name: "a"}}}, "hooks.preBackup[0].argv: must be a non-empty array"},
		{"shell string", hooks.Hooks{PostBackup: []hooks.Hook{{Name: "a", Argv: []string{"curl -X PUT http://x"}}}}, "hooks.postBackup[0].argv[0]: \"curl -X PUT http://x\" has a space"},
		{"sh -c", hooks.Hooks{PreRestore: []hooks.Hook{{Name: "a", Argv: []string{"/bin/sh", "-c", "rm -rf /"}}}}, "hooks.preRestore[0].argv: /bin/sh -c runs a shell string"},
		{"bash -ec", hooks.Hooks{PreRestore: []hooks.Hook{{Name: "a", Argv: []string{"bash", "-ec", "x"}}}}, "runs a shell string"},
		{"option as program", hooks.Hooks{PreBackup: []hooks.Hook{{Name: "a", Argv: []string{"-rf"}}}}, "hooks.preBackup[0].argv[0]: must be a program"},
		{"newline", hooks.Hooks{PreBackup: []hooks.Hook{{Name: "a", Argv: []string{"echo", "a\nb"}}}}, "hooks.preBackup[0].argv[1]: must not contain NUL or a line break"},
		{"bad name", hooks.Hooks{PreBackup: []hooks.Hook{{Name: "a b", Argv: []string{"true"}}}}, "hooks.preBackup[0].name: must match"},
		{"twice", hooks.Hooks{PreBackup: []hooks.Hook{ok, ok}}, "hooks.preBackup[1].name: \"stop-atlas\" is used twice"},
		{"timeout", hooks.Hooks{PreBackup: []hooks.Hook{{Name: "a", Argv: []string{"true"}, Timeout: hooks.Timeout(7 * time.Hour)}}}, "hooks.preBackup[0].timeout: must be between 1s and 6h0m0s"},
		{"onError", hooks.Hooks{PreBackup: []hooks.Hook{{Name: "a", Argv: []string{"true"}, OnError: "ignore"}}}, "hooks.preBackup[0].onError: must be fail or continue"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := c.h.Validate()
			got := fmt.Sprint(errs)
			if c.want == "" {
				if len(errs) != 0 {
					t.Errorf("valid hooks refused: %v", errs)
				}
				return
			}
			if len(errs) != 1 || !strings.Contains(got, c.want) {
				t.Errorf("Validate = %v, want one error with %q", errs, c.want)
			}
		})
	}
}

func newRunner(t *testing.T) *hooks.Runner {
	return &hooks.Runner{Runner: runner.NewLocal(t.TempDir()), Poll: runner.Backoff{Initial: 20 * time.Millisecond, Max: 100 * time.Millisecond, Multiplier: 1.5},
		Env: map[string]string{"ATLAS_BACKUP_ID": "b1"}}
}

// The hooks run as real processes through runner.Local (no server involved).
func TestRun(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	marker := filepath.Join(dir, "after")
	t.Run("success, env and output", func(t *testing.T) {
		res, err := newRunner(t).Run(ctx, hooks.PreBackup, "b1", []hooks.Hook{{Name: "env", Argv: []string{"printenv", "ATLAS_BACKUP_HOOK_PHASE", "ATLAS_BACKUP_ID"}}})
		if err != nil || len(res) != 1 || res[0].State != hooks.Succeeded || res[0].Output != "preBackup | b1" || res[0].Program != "printenv" {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("fail stops the rest", func(t *testing.T) {
		res, err := newRunner(t).Run(ctx, hooks.PreBackup, "b2", []hooks.Hook{
			{Name: "ls-missing", Argv: []string{"ls", filepath.Join(dir, "missing")}},
			{Name: "after", Argv: []string{"touch", marker}},
		})
		var f *hooks.HookFailed
		if !errors.As(err, &f) || len(res) != 1 || res[0].State != hooks.FailedS || res[0].ExitCode != 2 || !strings.Contains(res[0].Output, "No such file") {
			t.Fatalf("%+v %v", res, err)
		}
		for _, want := range []string{"preBackup hook ls-missing (ls) failed (exit 2)", "onError: fail"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
		if _, err := os.Stat(marker); err == nil {
			t.Error("the hook after a failed one ran")
		}
	})
	t.Run("continue records and goes on", func(t *testing.T) {
		res, err := newRunner(t).Run(ctx, hooks.PostBackup, "b3", []hooks.Hook{
			{Name: "false", Argv: []string{"false"}, OnError: hooks.OnErrorContinue},
			{Name: "after", Argv: []string{"touch", marker}},
		})
		if err != nil || len(res) != 2 || res[0].State != hooks.FailedS || res[0].ExitCode != 1 || res[1].State != hooks.Succeeded {
			t.Fatalf("%+v %v", res, err)
		}
		if _, err := os.Stat(marker); err != nil {
			t.Error("the hook after a continue one did not run")
		}
	})
	t.Run("timeout kills", func(t *testing.T) {
		out := filepath.Join(dir, "late")
		// sleep, then write: the file appears only if the hook was not killed.
		res, err := newRunner(t).Run(ctx, hooks.PreBackup, "b4", []hooks.Hook{
			{Name: "slow", Argv: []string{"timeout", "5", "sleep", "3"}, Timeout: hooks.Timeout(time.Second)},
			{Name: "late", Argv: []string{"touch", out}},
		})
		var f *hooks.HookFailed
		if !errors.As(err, &f) || len(res) != 1 || res[0].State != hooks.TimedOut || res[0].ExitCode != 124 {
			t.Fatalf("%+v %v", res, err)
		}
		if !strings.Contains(err.Error(), "timed out") || !strings.Contains(err.Error(), "killed after its timeout of 1s") {
			t.Errorf("error: %v", err)
		}
	})
}
