package backup

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/solr"
)

// writingSolr is a collection Atlas writes to: every Digest reads the current state,
// which the test moves on; it records the calls in order.
type writingSolr struct {
	noSolr
	mu    sync.Mutex
	state solr.DocDigest
	calls []string
}

func (w *writingSolr) Backup(ctx context.Context, r solr.BackupRequest) (solr.Submitted, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls = append(w.calls, "backup")
	return solr.Submitted{AsyncID: r.AsyncID}, nil
}
func (w *writingSolr) Commit(ctx context.Context, c string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls = append(w.calls, "commit")
	return nil
}
func (w *writingSolr) Digest(ctx context.Context, c string) (solr.DocDigest, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls = append(w.calls, "digest")
	return w.state, nil
}

// TestSolrDigestBeforeAndAfterBackup: SolrSubmit commits and digests before it submits
// the BACKUP, a retried submit keeps the first digest, SolrShip records both, and the
// consistency record names a collection that changed during its BACKUP.
func TestSolrDigestBeforeAndAfterBackup(t *testing.T) {
	e := liveEngine(t, nil)
	ws := &writingSolr{state: solr.DocDigest{Docs: 300, Digest: "docsum-sha256:aa"}}
	e.Solr = ws
	e.Cfg.Solr.Location = t.TempDir()
	ctx := context.Background()
	p := &Plan{BackupID: "20261202T100000Z-abcdef", HBaseEndMs: liveNow.UnixMilli()}
	c := CollectionPlan{Collection: "vertex_index", BackupName: "b-vertex_index", Location: e.Cfg.Solr.Location, AsyncID: "a1", Docs: 295}
	if err := e.SolrSubmit(ctx, p, c); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ws.calls, ","); got != "commit,digest,backup" {
		t.Fatalf("calls %s, want commit,digest,backup", got)
	}
	ws.state = solr.DocDigest{Docs: 301, Digest: "docsum-sha256:ab"}
	if err := e.SolrSubmit(ctx, p, c); err != nil { // a retry: the first digest stays
		t.Fatal(err)
	}
	ws.state = solr.DocDigest{Docs: 308, Digest: "docsum-sha256:bb"}
	dir := filepath.Join(e.Cfg.Solr.Location, c.BackupName)
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "backup_0.properties"), []byte("x"), 0o644)
	out, err := e.SolrShip(ctx, p, c, solr.Status{State: solr.StateCompleted})
	if err != nil {
		t.Fatal(err)
	}
	if out.DigestBeforeDocs != 300 || out.DigestBefore != "docsum-sha256:aa" || out.DigestDocs != 308 || out.Digest != "docsum-sha256:bb" {
		t.Fatalf("recorded before %d %s, after %d %s", out.DigestBeforeDocs, out.DigestBefore, out.DigestDocs, out.Digest)
	}
	if !out.ChangedDuringBackup() {
		t.Fatal("ChangedDuringBackup false for differing digests")
	}
	cons := consistency(p, Results{Collections: []manifest.Collection{out}}, liveNow)
	if !cons.RepairAdvised || !strings.Contains(strings.Join(cons.Writes, "\n"), "changed during its BACKUP (300 docs before it, 308 right after)") {
		t.Fatalf("consistency %+v", cons)
	}

	// Nothing written during the BACKUP: the two digests agree and nothing is advised.
	ws.state = solr.DocDigest{Docs: 308, Digest: "docsum-sha256:bb"}
	p2 := &Plan{BackupID: "20261202T110000Z-abcdef", HBaseEndMs: liveNow.UnixMilli()}
	if err := e.SolrSubmit(ctx, p2, c); err != nil {
		t.Fatal(err)
	}
	out2, err := e.SolrShip(ctx, p2, c, solr.Status{State: solr.StateCompleted})
	if err != nil {
		t.Fatal(err)
	}
	out2.Docs = 308
	if out2.ChangedDuringBackup() || consistency(p2, Results{Collections: []manifest.Collection{out2}}, liveNow).RepairAdvised {
		t.Fatalf("a quiet collection is reported changed: %+v", out2)
	}
}

// A failed commit is a warning; a failed digest fails the submit before any BACKUP.
func TestSolrBeforeDigestFailure(t *testing.T) {
	e := liveEngine(t, nil)
	e.Solr = &failingDigest{}
	p := &Plan{BackupID: "20261202T100000Z-abcdef"}
	err := e.SolrSubmit(context.Background(), p, CollectionPlan{Collection: "vertex_index", AsyncID: "a1"})
	var sf *SolrBackupFailed
	if !errors.As(err, &sf) {
		t.Fatalf("err %v (%T), want *SolrBackupFailed", err, err)
	}
}

type failingDigest struct{ noSolr }

func (failingDigest) Digest(ctx context.Context, c string) (solr.DocDigest, error) {
	return solr.DocDigest{}, errors.New("solr down")
}
