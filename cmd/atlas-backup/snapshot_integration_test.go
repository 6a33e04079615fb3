//go:build integration

// The snapshot method (hbase.method: snapshot) against the local stack: backup, drill,
// restore_snapshot refused without --yes and done with it, and a restore after the
// tables were dropped (clone_snapshot). Like TestRestoreAfterWipe it works on copies
// of the seeded tables (made here with snapshot + clone_snapshot, which the tool does
// not use for them), never on the stack's own.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/restore"
)

// cloneTable copies a live table into a new one through a snapshot of the test's own.
func cloneTable(t *testing.T, src, dst string) {
	t.Helper()
	snap := "test-" + strings.ReplaceAll(dst, ":", ".")
	s1, _ := hbase.SnapshotScript(src, snap)
	s2, _ := hbase.CloneSnapshotScript(snap, dst)
	s3, _ := hbase.DeleteSnapshotScript(snap)
	hbaseShell(t, s1+s2+s3)
}

func listSnapshots(t *testing.T) []hbase.SnapshotInfo {
	t.Helper()
	infos, err := hbase.ParseListSnapshots(hbaseShell(t, hbase.ListSnapshotsScript()))
	if err != nil {
		t.Fatal(err)
	}
	return infos
}

// noSnapshotsOf fails when a snapshot of one of tables (or one named with id) exists.
func noSnapshotsOf(t *testing.T, when, id string, tables []string) {
	t.Helper()
	for _, s := range listSnapshots(t) {
		for _, tb := range tables {
			if s.Table == tb || strings.Contains(s.Name, id) {
				t.Errorf("%s: snapshot %s of %s is still in HBase", when, s.Name, s.Table)
			}
		}
	}
}

func TestSnapshotMethod(t *testing.T) {
	sfx := fmt.Sprintf("_s%d", time.Now().UnixNano()%1e6)
	var tables []string
	for _, tb := range stackTables {
		tables = append(tables, tb+sfx)
	}
	t.Cleanup(func() { dropTables(t, append(tables, tables[0]+"_d1", tables[1]+"_d1")...) })
	for i, tb := range stackTables {
		cloneTable(t, tb, tables[i])
	}
	conf := filepath.Join(t.TempDir(), "atlas-conf")
	copyDir(t, stackEnv.Get("STACK_ATLAS_CONF_DIR"), conf)
	props := filepath.Join(conf, "atlas-application.properties")
	b, _ := os.ReadFile(props)
	b = bytes.ReplaceAll(b, []byte("hbase.table=atlas_janus\n"), []byte("hbase.table="+tables[0]+"\n"))
	b = bytes.ReplaceAll(b, []byte("tablename=ATLAS_ENTITY_AUDIT_EVENTS\n"), []byte("tablename="+tables[1]+"\n"))
	os.WriteFile(props, b, 0o644)
	cluster := uniqueCluster("snap")
	cfg := variant(t, cluster, func(m map[string]any) {
		withoutAtlasREST(m)
		sub(m, "atlas")["confDir"] = conf
		sub(m, "hbase")["method"] = "snapshot"
		sub(m, "solr")["collections"] = []any{"edge_index"}
	})

	before := map[string]hbase.ExportStats{}
	for _, tb := range tables {
		before[tb] = tableDigest(t, tb)
		if before[tb].Cells == 0 {
			t.Fatalf("copy %s is empty", tb)
		}
	}

	t0 := time.Now()
	id := mustBackup(t, cfg)
	t.Logf("snapshot backup %s: %.1fs", id, time.Since(t0).Seconds())
	m := readManifest(t, cluster, id)
	if m.Status != "SUCCEEDED" || len(m.HBase) != 2 {
		t.Fatalf("manifest: %s, %d tables: %v", m.Status, len(m.HBase), m.Reasons)
	}
	for _, mt := range m.HBase {
		want := before[mt.Table]
		switch {
		case mt.Method != hbase.MethodSnapshot || mt.Snapshot == "":
			t.Errorf("table %s: method %q snapshot %q", mt.Table, mt.Method, mt.Snapshot)
		case mt.Rows != want.Rows || mt.Cells != want.Cells || mt.Digest != want.Digest:
			t.Errorf("table %s: manifest %d rows %d cells %s, the live table %+v", mt.Table, mt.Rows, mt.Cells, mt.Digest, want)
		case mt.Window == nil || mt.Window.Unit != "" || !strings.HasPrefix(mt.Window.Note, "snapshot: no time window"):
			t.Errorf("table %s: window %+v", mt.Table, mt.Window)
		case mt.Live == nil || mt.Live.Rows == nil || *mt.Live.Rows > mt.Rows:
			t.Errorf("table %s: live %+v (rows %d)", mt.Table, mt.Live, mt.Rows)
		}
		var snapFiles int
		for _, o := range mt.Objects {
			if strings.Contains(o.Key, "/.hbase-snapshot/"+mt.Snapshot+"/") {
				snapFiles++
			}
		}
		if snapFiles == 0 {
			t.Errorf("table %s: no object of the snapshot's manifest in %d objects", mt.Table, len(mt.Objects))
		}
	}
	noSnapshotsOf(t, "after the backup", id, tables)
	if r := run(t, cfg, "verify", id); r.code != 0 {
		t.Errorf("verify exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	t0 = time.Now()
	r := run(t, cfg, "--output", "json", "drill", id, "--suffix", "_d1")
	t.Logf("snapshot drill: %.1fs", time.Since(t0).Seconds())
	if r.code != 0 {
		t.Fatalf("drill exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, p := range restoreReport(t, r).Parts {
		if p.Part == restore.PartHBase && (p.Status != restore.StatusRestored || p.Got != p.Expected) {
			t.Errorf("drill %s: %s, got %+v, expected %+v", p.Target, p.Status, p.Got, p.Expected)
		}
	}
	noSnapshotsOf(t, "after the drill", id, append(tables, tables[0]+"_d1", tables[1]+"_d1"))

	// restore_snapshot over the existing tables: refused without --yes, done with it.
	r = run(t, cfg, "restore", id, "--only", "hbase")
	if r.code != 4 || !strings.Contains(r.stderr+r.stdout, "restore_snapshot") || !strings.Contains(r.stderr+r.stdout, "--yes") {
		t.Fatalf("restore over existing tables without --yes: exit %d (want 4)\n%s%s", r.code, r.stdout, r.stderr)
	}
	hbaseShell(t, "truncate '"+tables[1]+"'\n") // restore_snapshot must bring its cells back
	if r := run(t, cfg, "restore", id, "--only", "hbase", "--yes"); r.code != 0 {
		t.Fatalf("restore_snapshot --yes: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, tb := range tables {
		if got := tableDigest(t, tb); got != before[tb] {
			t.Errorf("table %s after restore_snapshot: %+v, before the backup %+v", tb, got, before[tb])
		}
	}

	// After the tables are dropped: clone_snapshot under their own names.
	dropTables(t, tables...)
	t0 = time.Now()
	if r := run(t, cfg, "restore", id, "--only", "hbase"); r.code != 0 {
		t.Fatalf("restore after drop: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	t.Logf("snapshot restore after drop: %.1fs", time.Since(t0).Seconds())
	for _, tb := range tables {
		if got := tableDigest(t, tb); got != before[tb] {
			t.Errorf("table %s after restore: %+v, before the backup %+v", tb, got, before[tb])
		}
	}
	noSnapshotsOf(t, "after the restores", id, tables)
}
