package backup

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/hbase/hbasetest"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
)

func clusterOf(e *Engine) *hbasetest.Cluster { return e.Runner.(*hbasetest.Cluster) }

func snapshotEngine(t *testing.T) (*Engine, *Engine) {
	t.Helper()
	snap := liveEngine(t, atlasCluster(25, 7))
	snap.Cfg.HBase.Method = hbase.MethodSnapshot
	snap.Cfg.HBase.RootDir = "/hbase/root"
	exp := liveEngine(t, atlasCluster(25, 7))
	return snap, exp
}

// A snapshot backup records the method and the snapshot per table, the rows, cells and
// digest of the snapshot (the same as an Export of the same live table), the live
// RowCounter count in the cut's window, a window note instead of a window, and leaves no
// snapshot or scratch clone behind.
func TestSnapshotBackup(t *testing.T) {
	e, exp := snapshotEngine(t)
	m, err := e.Run(context.Background(), PlanInput{Trigger: manifest.Trigger{Source: "cli"}})
	if err != nil {
		t.Fatalf("%v\n%+v", err, m)
	}
	me, err := exp.Run(context.Background(), PlanInput{Trigger: manifest.Trigger{Source: "cli"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"atlas_janus", "ATLAS_ENTITY_AUDIT_EVENTS"} {
		s, x := tableOf(t, m, name), tableOf(t, me, name)
		if s.Method != hbase.MethodSnapshot || x.Method != hbase.MethodExport {
			t.Errorf("%s: methods %q / %q", name, s.Method, x.Method)
		}
		want, _ := hbase.SnapshotName("atlasbk", m.BackupID, name)
		if s.Snapshot != want {
			t.Errorf("%s: snapshot %q, want %q", name, s.Snapshot, want)
		}
		if s.Rows != x.Rows || s.Cells != x.Cells || s.Digest != x.Digest || s.Rows == 0 {
			t.Errorf("%s: snapshot %d/%d/%s, export %d/%d/%s", name, s.Rows, s.Cells, s.Digest, x.Rows, x.Cells, x.Digest)
		}
		if s.Window == nil || s.Window.Unit != "" || !strings.HasPrefix(s.Window.Note, "snapshot: no time window") || !strings.Contains(s.Window.Note, "RowCounter") {
			t.Errorf("%s: window %+v", name, s.Window)
		}
		if s.Live == nil || s.Live.Rows == nil || *s.Live.Rows != s.Rows || s.Live.SampledRowsExported == 0 {
			t.Errorf("%s: live %+v", name, s.Live)
		}
		found := false
		for _, o := range s.Objects {
			found = found || strings.HasSuffix(o.Key, "/.hbase-snapshot/"+s.Snapshot+"/.snapshotinfo")
			if strings.Contains(o.Key, "part-m-") {
				t.Errorf("%s: the check export was shipped: %s", name, o.Key)
			}
		}
		if !found {
			t.Errorf("%s: objects %+v", name, s.Objects)
		}
	}
	cl := clusterOf(e)
	if len(cl.Snapshots) != 0 {
		t.Errorf("snapshots left: %v", cl.Snapshots)
	}
	for name := range cl.Tables {
		if strings.Contains(name, "_abk_") {
			t.Errorf("scratch clone %s left", name)
		}
	}
	if _, err := os.Stat(filepath.Join(e.Cfg.HBase.ExportDir, m.BackupID, ".check")); err == nil {
		if entries, _ := os.ReadDir(filepath.Join(e.Cfg.HBase.ExportDir, m.BackupID, ".check")); len(entries) > 0 {
			t.Errorf("check exports left: %v", entries)
		}
	}
	// the job: snapshot+clone, RowCounter, Export of the clone, ExportSnapshot, drop+delete; every step after kinit guarded
	checked := 0
	for _, j := range cl.Jobs() {
		if !strings.Contains(j.ID, "snapshot") {
			continue
		}
		checked++
		var kinds []string
		for _, s := range j.Steps[1:] {
			if s.Argv[0] != "bash" || s.Argv[3] != "hbase-guard" {
				t.Errorf("job %s: unguarded step %q", j.ID, s.Argv)
				continue
			}
			inner := s.Argv[6:]
			switch {
			case inner[0] == "bash":
				kinds = append(kinds, strings.Fields(inner[4])[0])
			default:
				kinds = append(kinds, inner[1][strings.LastIndex(inner[1], ".")+1:])
			}
		}
		if got := strings.Join(kinds, ","); got != "snapshot,RowCounter,Export,ExportSnapshot,delete_snapshot" {
			t.Errorf("job %s steps: %s", j.ID, got)
		}
	}
	if checked != 2 {
		t.Errorf("%d snapshot jobs, want one per table", checked)
	}
}

// A failed ExportSnapshot fails the backup naming the table, and the guard deleted the
// snapshot and the clone on the runner host.
func TestSnapshotFailureCleansUp(t *testing.T) {
	e, _ := snapshotEngine(t)
	cl := clusterOf(e)
	cl.FailExportSnapshot = func(s string) error {
		if strings.Contains(s, "atlas_janus") {
			return errors.New("org.apache.hadoop.hbase.snapshot.ExportSnapshotException: Failed to copy the snapshot directory")
		}
		return nil
	}
	m, err := e.Run(context.Background(), PlanInput{Trigger: manifest.Trigger{Source: "cli"}})
	if err == nil || m == nil || m.Status == manifest.Succeeded || !strings.Contains(strings.Join(m.Reasons, " "), "atlas_janus") {
		t.Fatalf("err %v, manifest %+v", err, m)
	}
	if len(cl.Snapshots) != 0 {
		t.Errorf("snapshots left after the failure: %v", cl.Snapshots)
	}
	for name := range cl.Tables {
		if strings.Contains(name, "_abk_") {
			t.Errorf("scratch clone %s left after the failure", name)
		}
	}
}

// A resumed snapshot backup first removes what the interrupted run left.
func TestResumedSnapshotBackupCleansLeftovers(t *testing.T) {
	e, _ := snapshotEngine(t)
	p, err := e.Plan(context.Background(), PlanInput{Trigger: manifest.Trigger{Source: "cli"}})
	if err != nil {
		t.Fatal(err)
	}
	cl := clusterOf(e)
	tp := p.Tables[0]
	cl.Snapshots = map[string]*hbasetest.Snapshot{tp.Snapshot: {Table: tp.Table}}
	p.Resumed = true
	m, err := e.exportTable(context.Background(), p, tp)
	if err != nil {
		t.Fatalf("%v %+v", err, m)
	}
	if len(cl.Snapshots) != 0 {
		t.Errorf("snapshots left: %v", cl.Snapshots)
	}
}
