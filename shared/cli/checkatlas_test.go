package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/atlas"
	"github.com/atlas-backup/atlas-backup/shared/atlas/atlastest"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/secret"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

// a config of a cluster without Kerberos whose Atlas is url (basic login)
func atlasConfig(t *testing.T, url, storeDir string) string {
	t.Helper()
	dir := t.TempDir()
	pw := filepath.Join(dir, "atlas.password")
	os.WriteFile(pw, []byte("admin-secret\n"), 0o600)
	cfg := fmt.Sprintf(`cluster: c1
atlas:
  confDir: %s
  url: %s
  user: admin
  passwordFile: %s
kerberos: {disabled: true}
hbase:
  exportDir: %s
solr:
  nodes: [{url: "http://127.0.0.1:9/solr"}]
  location: %s
store: file://%s
workDir: %s
`, dir, url, pw, dir, dir, storeDir, filepath.Join(dir, "work"))
	p := filepath.Join(dir, "c.yaml")
	os.WriteFile(p, []byte(cfg), 0o600)
	return p
}

func putManifest(t *testing.T, storeDir string, m *manifest.Manifest) {
	t.Helper()
	st, err := store.NewFile(storeDir)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := m.Marshal()
	if _, err := st.Put(context.Background(), store.Layout{Cluster: "c1"}.Manifest(m.BackupID), strings.NewReader(string(b))); err != nil {
		t.Fatal(err)
	}
}

func TestCheckAtlas(t *testing.T) {
	srv := atlastest.New()
	defer srv.Close()
	srv.Seed()
	storeDir := t.TempDir()
	cfg := atlasConfig(t, srv.URL, storeDir)
	rec := atlas.Take(context.Background(), &atlas.Client{BaseURL: srv.URL, HTTP: srv.Client(), User: "admin", Password: secret.Bytes("admin-secret")}, time.Now(), 5*time.Second)
	base := manifest.Manifest{FormatVersion: manifest.Version, Cluster: "c1", Status: manifest.Succeeded, HBase: []manifest.Table{}, Solr: []manifest.Collection{}}
	withRec, without := base, base
	withRec.BackupID, withRec.Atlas = "b-atlas", &rec
	without.BackupID = "b-none"
	putManifest(t, storeDir, &withRec)
	putManifest(t, storeDir, &without)

	code, out, errOut := runCLI(t, "--config", cfg, "check-atlas", "b-atlas")
	if code != ExitOK || !strings.Contains(out, "SAME in every section") {
		t.Fatalf("same: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, sec := range []string{"server", "metrics", "entities", "search", "lineage", "audit"} {
		if !strings.Contains(out, "  "+sec+" ") {
			t.Errorf("no %s section:\n%s", sec, out)
		}
	}
	if code, out, _ := runCLI(t, "--config", cfg, "--output", "json", "check-atlas", "b-atlas"); code != ExitOK || !strings.Contains(out, `"same": true`) {
		t.Fatalf("json: %d %s", code, out)
	}

	srv.Mu.Lock()
	srv.Entities["00000000-0000-0000-0000-00000000000a"].Classifications = nil
	srv.Mu.Unlock()
	code, out, _ = runCLI(t, "--config", cfg, "check-atlas", "b-atlas")
	if code != ExitFailed || !strings.Contains(out, "DIFFERENT") || !strings.Contains(out, "classifications [], recorded [PII]") {
		t.Fatalf("different: exit %d\n%s", code, out)
	}

	if code, _, e := runCLI(t, "--config", cfg, "check-atlas", "b-none"); code != ExitAtlasUnanswered || !strings.Contains(e, "recorded no answers of Atlas") {
		t.Fatalf("no record: %d %s", code, e)
	}
	if code, _, _ := runCLI(t, "--config", cfg, "check-atlas", "b-unknown"); code != ExitNotFound {
		t.Fatalf("unknown id: %d", code)
	}
	if code, _, e := runCLI(t, "--config", cfg, "check-atlas", "b-atlas", "--wait", "-1s"); code != ExitUsage || !strings.Contains(e, "--wait") {
		t.Fatalf("negative wait: %d %s", code, e)
	}
	srv.Close()
	if code, _, e := runCLI(t, "--config", cfg, "check-atlas", "b-atlas", "--wait", "1s"); code != ExitAtlasUnanswered || !strings.Contains(e, "did not answer ACTIVE") {
		t.Fatalf("Atlas down: %d %s", code, e)
	}
}
