package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var o, e bytes.Buffer
	code := Main(context.Background(), append([]string{"atlas-backup"}, args...), &o, &e)
	return code, o.String(), e.String()
}

func TestUsageAndExitCodes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("cluster: 'a;b'\nstore: ftp://x\n"), 0o600)
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr []string
	}{
		{name: "no command", code: ExitUsage, stderr: []string{"Usage:"}},
		{name: "unknown command", args: []string{"bakup"}, code: ExitUsage, stderr: []string{`unknown command "bakup"`}},
		{name: "bad output flag", args: []string{"--output", "yaml", "list"}, code: ExitUsage, stderr: []string{"--output"}},
		{name: "missing config", args: []string{"--config", filepath.Join(dir, "none.yaml"), "list"}, code: ExitUsage, stderr: []string{"invalid config", "none.yaml"}},
		{name: "invalid config names fields", args: []string{"--config", bad, "backup"}, code: ExitUsage,
			stderr: []string{"cluster:", "store:", "solr.nodes:"}},
		{name: "describe needs one id", args: []string{"--config", bad, "describe"}, code: ExitUsage, stderr: []string{"exactly one backup id"}},
		{name: "describe hostile id", args: []string{"--config", bad, "describe", "../etc"}, code: ExitUsage, stderr: []string{"backup id:"}},
		{name: "backup takes no args", args: []string{"--config", bad, "backup", "extra"}, code: ExitUsage, stderr: []string{"no arguments"}},
		{name: "forget takes no args", args: []string{"--config", bad, "forget", "b1"}, code: ExitUsage, stderr: []string{"forget takes no arguments"}},
		{name: "forget bad flag", args: []string{"--config", bad, "forget", "--keep-last", "3"}, code: ExitUsage, stderr: []string{"keep-last"}},
		{name: "forget invalid config", args: []string{"--config", bad, "forget", "--dry-run"}, code: ExitUsage, stderr: []string{"invalid config"}},
		{name: "unlock bad flag", args: []string{"--config", bad, "unlock", "--now"}, code: ExitUsage, stderr: []string{"now"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s", code, tt.code, stderr)
			}
			for _, s := range tt.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
		})
	}
	if code, out, _ := runCLI(t, "version"); code != ExitOK || !strings.HasPrefix(out, "atlas-backup ") {
		t.Fatalf("version: %d %q", code, out)
	}
}
