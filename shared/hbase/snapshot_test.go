package hbase

import (
	"reflect"
	"strings"
	"testing"
)

func TestSnapshotNames(t *testing.T) {
	a, err := SnapshotName("atlasbk", "20261202T154625Z-7f1271", "atlas_janus")
	if err != nil || !strings.HasPrefix(a, "atlasbk-20261202T154625Z-7f1271-atlas_janus-") {
		t.Fatalf("%q, %v", a, err)
	}
	b, _ := SnapshotName("atlasbk", "20261202T154625Z-7f1271", "ns:t")
	c, _ := SnapshotName("atlasbk", "20261202T154625Z-7f1271", "ns.t")
	if b == c || ValidateSnapshot(b) != nil || strings.Contains(b, ":") {
		t.Errorf("ns:t %q, ns.t %q", b, c)
	}
	if again, _ := SnapshotName("atlasbk", "20261202T154625Z-7f1271", "atlas_janus"); again != a {
		t.Errorf("not derived: %q, %q", a, again)
	}
	s, err := ScratchTable("atlas_janus", a)
	if err != nil || !strings.HasPrefix(s, "atlas_janus_abk_") || ValidateTable(s) != nil {
		t.Errorf("scratch %q, %v", s, err)
	}
	for _, bad := range []string{"", "-x", ".x", "a..b", "a b", "a'b", "a;b", "a\nb", "a/b", "a:b", "\u0430tlas", strings.Repeat("x", 256)} {
		if ValidateSnapshot(bad) == nil {
			t.Errorf("ValidateSnapshot(%q) accepted", bad)
		}
		if _, err := SnapshotScript("t", bad); err == nil {
			t.Errorf("SnapshotScript accepted %q", bad)
		}
		if _, err := ExportSnapshotArgv("hbase", ExportSnapshotOptions{Snapshot: bad, CopyTo: "/x"}); err == nil {
			t.Errorf("ExportSnapshotArgv accepted %q", bad)
		}
	}
	if ValidateMethod("export") != nil || ValidateMethod("snapshot") != nil || ValidateMethod("Snapshot") == nil {
		t.Error("ValidateMethod")
	}
}

func TestSnapshotScripts(t *testing.T) {
	tests := []struct {
		name string
		got  func() (string, error)
		want string
	}{
		{"snapshot", func() (string, error) { return SnapshotScript("ns:t", "s1") }, "snapshot 'ns:t', 's1'\n"},
		{"clone", func() (string, error) { return CloneSnapshotScript("s1", "t_d") }, "clone_snapshot 's1', 't_d'\n"},
		{"restore", func() (string, error) { return RestoreSnapshotScript("s1", "t") }, "disable 't'\nrestore_snapshot 's1'\nenable 't'\n"},
		{"delete", func() (string, error) { return DeleteSnapshotScript("s1", "s2") }, "delete_snapshot 's1'\ndelete_snapshot 's2'\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.got()
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	if _, err := CloneSnapshotScript("s1", "t'; drop"); err == nil {
		t.Error("clone into a hostile table name accepted")
	}
	if _, err := DeleteSnapshotScript(); err == nil {
		t.Error("delete of nothing accepted")
	}
}

func TestExportSnapshotArgv(t *testing.T) {
	tests := []struct {
		name string
		in   ExportSnapshotOptions
		want []string
	}{
		{"backup", ExportSnapshotOptions{Snapshot: "s1", CopyTo: "/exports/id/t", Mappers: 4},
			[]string{"hbase", ExportSnapshotClass, "-snapshot", "s1", "-copy-to", "file:///exports/id/t", "-mappers", "4"}},
		{"restore into hdfs", ExportSnapshotOptions{Snapshot: "s1", CopyFrom: "/stage/t", CopyTo: "hdfs:///apps/hbase/data", Target: "r1",
			Mappers: 2, Bandwidth: 50, NoChecksumVerify: true, Owner: "hbase:hadoop"},
			[]string{"hbase", ExportSnapshotClass, "-snapshot", "s1", "-copy-from", "file:///stage/t", "-copy-to", "hdfs:///apps/hbase/data",
				"-target", "r1", "-mappers", "2", "-bandwidth", "50", "-no-checksum-verify", "-chuser", "hbase", "-chgroup", "hadoop"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ExportSnapshotArgv("hbase", tt.in)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, %v\nwant %q", got, err, tt.want)
			}
		})
	}
	for _, bad := range []ExportSnapshotOptions{
		{Snapshot: "s1"},
		{Snapshot: "s1", CopyTo: "/x y"},
		{Snapshot: "s1", CopyTo: "/x", CopyFrom: "rel"},
		{Snapshot: "s1", CopyTo: "/x", Target: "-r"},
		{Snapshot: "s1", CopyTo: "/x", Mappers: -1},
		{Snapshot: "s1", CopyTo: "/x", Owner: "a;b"},
	} {
		if _, err := ExportSnapshotArgv("hbase", bad); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
	if _, err := ExportSnapshotArgv("-hbase", ExportSnapshotOptions{Snapshot: "s1", CopyTo: "/x"}); err == nil {
		t.Error("option-like program accepted")
	}
}

// The guard's program text is fixed; the cleanup script and the command are data.
func TestGuardArgv(t *testing.T) {
	inner := []string{"hbase", ExportSnapshotClass, "-snapshot", "s1", "-copy-to", "/x"}
	got, err := GuardArgv("hbase", "delete_snapshot 's1'\n", inner)
	if err != nil {
		t.Fatal(err)
	}
	want := append([]string{"bash", "-c", `"${@:3}" && exit 0; rc=$?; printf '%s\n' "$1" | "$2" shell >&2; exit $rc`, "hbase-guard", "delete_snapshot 's1'\n", "hbase"}, inner...)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if _, err := GuardArgv("hbase", "", inner); err == nil {
		t.Error("empty cleanup accepted")
	}
	if _, err := GuardArgv("hbase", "x", nil); err == nil {
		t.Error("no command accepted")
	}
	l, err := LenientShellArgv("hbase", "delete_snapshot 's1'\n")
	if err != nil || l[len(l)-1] != "shell" || l[len(l)-2] != "hbase" || l[4] != "delete_snapshot 's1'\n" {
		t.Errorf("lenient %q, %v", l, err)
	}
}

func TestParseListSnapshots(t *testing.T) {
	out := "hbase:001:0> list_snapshots\nSNAPSHOT  TABLE + CREATION TIME\n tsnap1 ATLAS_ENTITY_AUDIT_EVENTS (2026-12-02 15:42:23 +0000)\n" +
		" atlasbk-x-ns.t-0a0b0c ns:t (2026-12-02 15:42:24 +0000)\n2 row(s)\nTook 0.0207 seconds\n=> [\"tsnap1\", \"atlasbk-x-ns.t-0a0b0c\"]\n"
	got, err := ParseListSnapshots(out)
	want := []SnapshotInfo{{"tsnap1", "ATLAS_ENTITY_AUDIT_EVENTS"}, {"atlasbk-x-ns.t-0a0b0c", "ns:t"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, %v", got, err)
	}
	if got, err := ParseListSnapshots("SNAPSHOT  TABLE + CREATION TIME\n0 row(s)\n"); err != nil || len(got) != 0 {
		t.Errorf("empty: %+v, %v", got, err)
	}
	if _, err := ParseListSnapshots("SNAPSHOT  TABLE + CREATION TIME\n a t (x)\n2 row(s)\n"); err == nil {
		t.Error("count mismatch accepted")
	}
	if _, err := ParseListSnapshots("Took 0.1 secondsERROR RuntimeError: boom\n"); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("error: %v", err)
	}
}
