package runner

import (
	"strings"
	"testing"
)

func TestJobValidate(t *testing.T) {
	ok := []Step{{Argv: []string{"/bin/true"}}}
	tests := []struct {
		name    string
		job     Job
		wantErr string
	}{
		{"valid", Job{ID: "bk-20240101.hbase_export-atlas_janus", Steps: ok}, ""},
		{"valid env", Job{ID: "a", Steps: ok, Env: map[string]string{"KRB5CCNAME": "/tmp/krb5cc_hbase", "_X1": ""}}, ""},
		{"empty id", Job{Steps: ok}, "job id"},
		{"id with slash", Job{ID: "a/b", Steps: ok}, "[A-Za-z0-9._-]"},
		{"id with space", Job{ID: "a b", Steps: ok}, "job id"},
		{"id with colon", Job{ID: "a:b", Steps: ok}, "job id"},
		{"id too long", Job{ID: strings.Repeat("a", 129), Steps: ok}, "job id"},
		{"id max length", Job{ID: strings.Repeat("a", 128), Steps: ok}, ""},
		{"no steps", Job{ID: "a"}, "at least one step"},
		{"empty argv", Job{ID: "a", Steps: []Step{{}}}, "argv[0]"},
		{"empty program", Job{ID: "a", Steps: []Step{{Argv: []string{""}}}}, "argv[0]"},
		{"option as program", Job{ID: "a", Steps: []Step{{Argv: []string{"-x"}}}}, "may not start with '-'"},
		{"assignment as program", Job{ID: "a", Steps: []Step{{Argv: []string{"A=b"}}}}, "contain '='"},
		{"nul in arg", Job{ID: "a", Steps: []Step{{Argv: []string{"echo", "a\x00b"}}}}, "NUL"},
		{"lower-case env key", Job{ID: "a", Steps: ok, Env: map[string]string{"path": "x"}}, "env key"},
		{"env key with =", Job{ID: "a", Steps: ok, Env: map[string]string{"A=B": "x"}}, "env key"},
		{"env key digit first", Job{ID: "a", Steps: ok, Env: map[string]string{"1A": "x"}}, "env key"},
		{"env value newline", Job{ID: "a", Steps: ok, Env: map[string]string{"A": "x\ny"}}, "newline"},
		{"env value nul", Job{ID: "a", Steps: ok, Env: map[string]string{"A": "x\x00"}}, "NUL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.job.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestWithEnv(t *testing.T) {
	j := Job{Env: map[string]string{"B": "2", "A": "1 x"}}
	got := j.withEnv([]string{"hbase", "shell"})
	want := []string{"env", "A=1 x", "B=2", "hbase", "shell"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("withEnv = %q, want %q", got, want)
	}
	if got := (Job{}).withEnv([]string{"x"}); len(got) != 1 {
		t.Errorf("withEnv without env = %q", got)
	}
}

func TestJobIDIsSafeAndDistinct(t *testing.T) {
	a := JobID("20261125T100000Z-abc", "export", "ns:t")
	b := JobID("20261125T100000Z-abc", "export", "ns.t")
	if a == b {
		t.Fatalf("distinct tables share a job id: %s", a)
	}
	for _, id := range []string{a, b, JobID("x", "describe", strings.Repeat("t", 200))} {
		if len(id) > 128 || strings.ContainsAny(id, ":/ ;") {
			t.Errorf("job id %q is not safe", id)
		}
	}
}

func TestStatusTail(t *testing.T) {
	st := Status{Output: "a\nb\nc\n", Message: "step 2/2 (hbase): exit code 1"}
	if got, want := st.Tail(2), "c | step 2/2 (hbase): exit code 1"; got != want {
		t.Fatalf("Tail(2) = %q, want %q", got, want)
	}
	if got := (Status{Message: "m"}).Tail(5); got != "m" {
		t.Fatalf("Tail of message only = %q", got)
	}
}
