package backup

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/archive"
	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from what the code writes now")

// The manifest is the contract: what Finalize writes for a full backup is compared byte
// for byte with testdata/manifest.golden.json, so a change of any field, name or order
// is seen in review. `go test ./shared/backup/ -run Golden -update` refreshes the file
// after an intended change; an older manifest must still read (formatVersion).
func TestManifestGolden(t *testing.T) {
	started := time.Date(2026, 11, 25, 15, 12, 0, 0, time.UTC)
	e := newTestEngine(t, started.Add(7*time.Minute+30*time.Second))
	e.ToolVersion = "v1.2.3"
	id := "20261125T151200Z-0a1b2c"
	p := &Plan{BackupID: id, Cluster: "c1", StartedAt: started, AtlasVersion: "2.1.0", TablesSource: "properties",
		Trigger: manifest.Trigger{Source: "pre-upgrade", Detail: "CHG-4711"}, HBaseStartMs: 0, HBaseEndMs: started.UnixMilli(),
		Tables:      []TablePlan{{Table: "atlas_janus"}, {Table: "ATLAS_ENTITY_AUDIT_EVENTS"}},
		Collections: []CollectionPlan{{Collection: "vertex_index"}},
		Config:      ConfigPlan{Dir: "/etc/atlas/conf", Key: e.Layout.ConfigArchive(id)}}
	part := put(t, e, e.Layout.HBase(id, "atlas_janus", "part-m-00000"), "cells of atlas_janus")
	audit := put(t, e, e.Layout.HBase(id, "ATLAS_ENTITY_AUDIT_EVENTS", "part-m-00000"), "audit cells")
	props := put(t, e, e.Layout.Solr(id, "vertex_index", "backup_0.properties"), "solr backup properties")
	conf := put(t, e, e.Layout.ConfigArchive(id), "tar.gz bytes")
	r := Results{
		Tables: []manifest.Table{
			{Table: "atlas_janus", ExportDir: "hdfs://nn1:8020/backup/atlas/" + id + "/atlas_janus", Rows: 9000, Cells: 90000,
				Digest: "sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0", Versions: 2147483647,
				Schema: hbase.Schema{Table: "atlas_janus", Families: []hbase.Family{
					{Name: "e", Attributes: map[string]string{"VERSIONS": "1", "BLOOMFILTER": "ROW", "COMPRESSION": "NONE"}},
					{Name: "g", Attributes: map[string]string{"VERSIONS": "1"}, Configuration: map[string]string{"hbase.hstore.blockingStoreFiles": "16"}},
				}},
				Counters: map[string]int64{"ROWS": 9000, "CELLS": 90000}, Objects: []store.ObjectInfo{part}, Bytes: part.Size,
				ToolRead: &manifest.ToolRead{Store: part.Size}},
			{Table: "ATLAS_ENTITY_AUDIT_EVENTS", ExportDir: "hdfs://nn1:8020/backup/atlas/" + id + "/ATLAS_ENTITY_AUDIT_EVENTS", Rows: 2500, Cells: 10000,
				Digest:  "sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
				Schema:  hbase.Schema{Table: "ATLAS_ENTITY_AUDIT_EVENTS", Families: []hbase.Family{{Name: "dt", Attributes: map[string]string{"VERSIONS": "1"}}}},
				Objects: []store.ObjectInfo{audit}, Bytes: audit.Size},
		},
		Collections: []manifest.Collection{{Collection: "vertex_index", BackupName: "atlas-" + id + "-vertex_index", Location: "/mnt/solr-backup",
			AsyncID: "20261125T151200Z-0a1b2c-vertex_index-0123456789", Docs: 2000, ConfigName: "atlas",
			Shards: []manifest.Shard{{Name: "shard1", Docs: 1000, Leader: "core_node2"}, {Name: "shard2", Docs: 1000, Leader: "core_node4"}},
			Digest: "sha256:ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100", DigestDocs: 2000,
			Objects: []store.ObjectInfo{props}, Bytes: props.Size, ToolRead: &manifest.ToolRead{Files: props.Size, Solr: 123456}}},
		Config: &manifest.Config{Key: conf.Key, SHA256: conf.SHA256, Size: conf.Size, Dir: "/etc/atlas/conf", Files: []archive.File{
			{Path: "atlas-application.properties", Size: 4096, Mode: "-rw-r--r--", SHA256: "aa11"},
			{Path: "atlas-env.sh", Size: 512, Mode: "-rwxr-xr-x", SHA256: "bb22"},
			{Path: "current", Mode: "Lrwxrwxrwx", Link: "atlas-application.properties"},
		}, ToolRead: &manifest.ToolRead{Files: 4608}},
	}
	m, err := e.Finalize(context.Background(), p, r)
	if err != nil || m.Status != manifest.Succeeded {
		t.Fatalf("finalize: %v %v %v", m.Status, m.Reasons, err)
	}
	rc, err := e.Store.Get(context.Background(), e.Layout.Manifest(id))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	golden := filepath.Join("testdata", "manifest.golden.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("the manifest differs from %s (run with -update if intended):\n%s", golden, got)
	}
	// the golden manifest reads back into the same document
	back, err := manifest.Unmarshal(want)
	if err != nil {
		t.Fatal(err)
	}
	again, err := back.Marshal()
	if err != nil || !bytes.Equal(again, want) {
		t.Fatalf("the golden manifest does not read back into itself: %v\n%s", err, again)
	}
}
