package restore

import (
	"context"
	"strings"
	"testing"

	"github.com/atlas-backup/atlas-backup/shared/hbase"
)

// snapshotFixture is newFixture whose table was backed up with the snapshot method.
func snapshotFixture(t *testing.T, rootDir string) *fixture {
	t.Helper()
	f := newFixture(t)
	f.m.HBase[0].Method = hbase.MethodSnapshot
	f.m.HBase[0].Snapshot, _ = hbase.SnapshotName("atlasbk", backupID, "atlas_janus")
	f.m.HBase[0].Schema.Families = nil // a snapshot carries its schema: none needed to restore
	b, _ := f.m.Marshal()
	if _, err := f.st.Put(context.Background(), f.layout.Manifest(backupID), strings.NewReader(string(b))); err != nil {
		t.Fatal(err)
	}
	f.eng.Cfg.HBase.RootDir = rootDir
	return f
}

func TestSnapshotRestorePlan(t *testing.T) {
	f := snapshotFixture(t, "/hbase/root")
	ctx := context.Background()
	_, err := f.eng.Plan(ctx, PlanInput{BackupID: backupID, RestoreID: "rtest", Only: []string{"hbase"}})
	got := refusedProblems(t, err)
	if !strings.Contains(got, "table atlas_janus exists (2 rows): a snapshot restore replaces it (restore_snapshot") || !strings.Contains(got, "--yes") {
		t.Errorf("refusal: %s", got)
	}

	// --yes: restore_snapshot over the table, under this restore's own cluster snapshot
	p, err := f.eng.Plan(ctx, PlanInput{BackupID: backupID, RestoreID: "rtest2", Only: []string{"hbase"}, Yes: true})
	if err != nil {
		t.Fatal(err)
	}
	tp := p.Tables[0]
	if !tp.Overwrite || !tp.snapshot() || tp.Snapshot != f.m.HBase[0].Snapshot || !strings.HasPrefix(tp.ClusterSnapshot, "atlasrs-rtest2-atlas_janus-") {
		t.Fatalf("plan: %+v", tp)
	}
	steps, err := f.eng.snapshotImportSteps(tp)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 3 || steps[0][3] != "hbase-guard" || steps[1][3] != "hbase-guard" {
		t.Fatalf("steps: %q", steps)
	}
	cp := strings.Join(steps[0][6:], " ")
	want := "hbase " + hbase.ExportSnapshotClass + " -snapshot " + tp.Snapshot + " -copy-from file://" + tp.StageDir + " -copy-to file:///hbase/root -target " + tp.ClusterSnapshot + " -mappers 4"
	if cp != want {
		t.Errorf("copy:\n%s\nwant\n%s", cp, want)
	}
	if s := steps[1][6:][4]; s != "disable 'atlas_janus'\nrestore_snapshot '"+tp.ClusterSnapshot+"'\nenable 'atlas_janus'\n" {
		t.Errorf("restore script %q", s)
	}
	if c := steps[1][4]; !strings.Contains(c, "delete_snapshot '"+tp.ClusterSnapshot+"'") || !strings.Contains(c, "enable 'atlas_janus'") {
		t.Errorf("cleanup %q", c)
	}
	if s := steps[2][4]; s != "delete_snapshot '"+tp.ClusterSnapshot+"'\n" {
		t.Errorf("last step %q", s)
	}

	// a drill: clone_snapshot into the scratch name
	p, err = f.eng.Plan(ctx, PlanInput{BackupID: backupID, RestoreID: "rtest3", Drill: true, Suffix: "_d1"})
	if err != nil {
		t.Fatal(err)
	}
	steps, err = f.eng.snapshotImportSteps(p.Tables[0])
	if err != nil || p.Tables[0].Overwrite {
		t.Fatalf("%v %+v", err, p.Tables[0])
	}
	if s := steps[1][6:][4]; s != "clone_snapshot '"+p.Tables[0].ClusterSnapshot+"', 'atlas_janus_d1'\n" {
		t.Errorf("clone script %q", s)
	}
}

func TestSnapshotRestoreRefusals(t *testing.T) {
	ctx := context.Background()
	f := snapshotFixture(t, "")
	f.run.tables["atlas_janus_x"] = 1
	_, err := f.eng.Plan(ctx, PlanInput{BackupID: backupID, RestoreID: "rtest", Only: []string{"hbase"}, Suffix: "_x", Yes: true})
	if got := refusedProblems(t, err); !strings.Contains(got, "hbase.rootDir must be set") {
		t.Errorf("refusal: %s", got)
	}
	f.eng.Cfg.HBase.RootDir = "/hbase/root"
	_, err = f.eng.Plan(ctx, PlanInput{BackupID: backupID, RestoreID: "rtest", Only: []string{"hbase"}, Suffix: "_x", Yes: true})
	if got := refusedProblems(t, err); !strings.Contains(got, "only under the name it was taken of") {
		t.Errorf("refusal: %s", got)
	}
}
