package archive

import (
	"archive/tar"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A file that changes between the walk and the copy, or while it is copied,
// must fail the archive with an error naming the change. Racing a writer would
// be flaky, so these drive addEntry with stale metadata and with kernel files
// whose stat size differs from what a read returns.
func TestAddEntrySizeChanges(t *testing.T) {
	ctx := context.Background()
	grown := filepath.Join(t.TempDir(), "grown")
	if err := os.WriteFile(grown, []byte("short"), 0o644); err != nil {
		t.Fatal(err)
	}
	staleFI, err := os.Lstat(grown)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(grown, []byte("much longer now"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		path   string
		fi     func(t *testing.T) os.FileInfo
		errHas string
	}{
		{"changed between walk and open", grown, func(*testing.T) os.FileInfo { return staleFI },
			"changed size while being archived (5 to 15 bytes)"},
		// procfs reports size 0 and then yields bytes.
		{"grew while read", "/proc/self/status", nil, "grew beyond 0 bytes"},
		// sysfs reports a page and yields a few bytes.
		{"shrank while read", "/sys/kernel/mm/transparent_hugepage/enabled", nil, "shrank from 4096"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fi, err := os.Lstat(c.path)
			if err != nil {
				t.Skipf("%s: %v", c.path, err)
			}
			if c.fi != nil {
				fi = c.fi(t)
			}
			_, err = addEntry(ctx, tar.NewWriter(io.Discard), entry{rel: "x", abs: c.path, fi: fi})
			if err == nil || !strings.Contains(err.Error(), c.errHas) {
				t.Errorf("addEntry err = %v, want one containing %q", err, c.errHas)
			}
		})
	}
}
