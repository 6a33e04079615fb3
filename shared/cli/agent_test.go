package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlas-backup/atlas-backup/shared/manifest"
)

// The host agent archives a folder into the store and leaves its record for Finalize;
// values its SSM document would refuse are refused here too, before anything is read.
func TestAgentArchiveConfig(t *testing.T) {
	conf, storeDir := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(conf, "atlas-application.properties"), []byte("atlas.graph.storage.hbase.table=atlas_janus\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	key, part := "prod/20261125T151200Z-0a1b2c/config/atlas-conf.tar.gz", "prod/20261125T151200Z-0a1b2c/parts/config.json"
	var out, errb bytes.Buffer
	code := Main(context.Background(), []string{"atlas-backup", "agent", "archive-config", "--dir", conf, "--store", "file://" + storeDir,
		"--key", key, "--part", part, "--backup-id", "20261125T151200Z-0a1b2c"}, &out, &errb)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rec manifest.Config
	if err := json.Unmarshal(out.Bytes(), &rec); err != nil || rec.Key != key || rec.SHA256 == "" || len(rec.Files) != 1 {
		t.Fatalf("record %+v %v\n%s", rec, err, out.String())
	}
	stored, err := os.ReadFile(filepath.Join(storeDir, part))
	if err != nil || !bytes.Contains(stored, []byte(rec.SHA256)) {
		t.Fatalf("part %s: %v", stored, err)
	}
	if fi, err := os.Stat(filepath.Join(storeDir, key)); err != nil || fi.Size() != rec.Size {
		t.Fatalf("archive: %v", err)
	}
	for _, bad := range [][]string{
		{"--dir", conf + "'; reboot; '", "--store", "file://" + storeDir, "--key", key},
		{"--dir", conf, "--store", "file://" + storeDir, "--key", "../etc/passwd"},
		{"--dir", conf, "--store", "http://x", "--key", key},
	} {
		out.Reset()
		errb.Reset()
		if code := Main(context.Background(), append([]string{"atlas-backup", "agent", "archive-config"}, bad...), &out, &errb); code != ExitUsage ||
			!strings.Contains(errb.String(), "agent parameter") {
			t.Errorf("%v: exit %d: %s", bad, code, errb.String())
		}
	}
	if code := Main(context.Background(), []string{"atlas-backup", "agent"}, &out, &errb); code != ExitUsage {
		t.Errorf("agent without a command: exit %d", code)
	}
}
