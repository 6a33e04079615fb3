package cli

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseMixed(t *testing.T) {
	tests := []struct {
		name string
		args []string
		pos  []string
		yes  bool
		only string
	}{
		{"flags first", []string{"--yes", "--only", "solr", "ID"}, []string{"ID"}, true, "solr"},
		{"flags after the id", []string{"ID", "--yes", "--only=hbase"}, []string{"ID"}, true, "hbase"},
		{"mixed", []string{"--only", "config", "ID", "--yes"}, []string{"ID"}, true, "config"},
		{"two ids", []string{"A", "B"}, []string{"A", "B"}, false, ""},
		{"end of flags", []string{"--", "--yes"}, []string{"--yes"}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			yes := fs.Bool("yes", false, "")
			only := fs.String("only", "", "")
			pos, err := parseMixed(fs, tt.args)
			if err != nil || !reflect.DeepEqual(pos, tt.pos) || *yes != tt.yes || *only != tt.only {
				t.Fatalf("pos %q yes %v only %q err %v", pos, *yes, *only, err)
			}
		})
	}
}

func TestRestoreUsage(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("cluster: 'a;b'\n"), 0o600)
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"restore needs an id", []string{"--config", bad, "restore"}, "exactly one backup id"},
		{"restore hostile id", []string{"--config", bad, "restore", "../x", "--yes"}, "backup id:"},
		{"restore two ids", []string{"--config", bad, "restore", "a", "b"}, "exactly one backup id"},
		{"restore unknown flag", []string{"--config", bad, "restore", "a", "--force"}, "-force"},
		{"drill needs an id", []string{"--config", bad, "drill"}, "exactly one backup id"},
		{"drill takes no --yes", []string{"--config", bad, "drill", "a", "--yes"}, "-yes"},
		{"restore with invalid config", []string{"--config", bad, "restore", "a"}, "invalid config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tt.args...)
			if code != ExitUsage || !strings.Contains(stderr, tt.stderr) {
				t.Fatalf("exit %d, stderr:\n%s\nwant %d and %q", code, stderr, ExitUsage, tt.stderr)
			}
		})
	}
	code, stdout, _ := runCLI(t, "help")
	if code != ExitOK || !strings.Contains(stdout, "restore <id>") || !strings.Contains(stdout, "drill <id>") || !strings.Contains(stdout, "4 restore/drill refused") {
		t.Fatalf("usage does not document restore/drill: %s", stdout)
	}
}
