package backup

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
)

// What the tool read is recorded per part and summed in the manifest. A local export
// folder is read once: the bytes read from local files are the bytes shipped, not twice
// them (a parse for the digest and an upload for the checksums), and the digest read on
// the way equals ReadExportDir's of the same folder.
func TestToolReadLocalExportOnce(t *testing.T) {
	e := liveEngine(t, atlasCluster(40, 3))
	m, err := e.Run(context.Background(), PlanInput{Trigger: manifest.Trigger{Source: "cli"}})
	if err != nil {
		t.Fatalf("%v\n%+v", err, m)
	}
	var files int64
	for _, tb := range m.HBase {
		r := tb.ToolRead
		if r == nil || r.Files != tb.Bytes || r.Store != 0 || r.Solr != 0 || tb.Bytes == 0 {
			t.Errorf("%s: toolRead %+v, shipped %d bytes", tb.Table, r, tb.Bytes)
		}
		files += tb.Bytes
		again, err := hbase.ReadExportDir(os.DirFS(tb.ExportDir), ".")
		if err != nil {
			t.Fatal(err)
		}
		if again.Rows != tb.Rows || again.Cells != tb.Cells || again.Digest != tb.Digest {
			t.Errorf("%s: read while shipped %d/%d/%s, read again %d/%d/%s", tb.Table, tb.Rows, tb.Cells, tb.Digest, again.Rows, again.Cells, again.Digest)
		}
	}
	if m.Config == nil || m.Config.ToolRead == nil || m.Config.ToolRead.Files == 0 {
		t.Fatalf("config toolRead: %+v", m.Config)
	}
	files += m.Config.ToolRead.Files
	if m.ToolRead == nil || m.ToolRead.Files != files || m.ToolRead.Total() != files {
		t.Errorf("manifest toolRead %+v, want files %d", m.ToolRead, files)
	}
}

// A part file that is not a SequenceFile fails the table's ship as an export failure
// naming the file, not as a store failure.
func TestToolReadBadPartFails(t *testing.T) {
	e := liveEngine(t, atlasCluster(5, 1))
	ctx := context.Background()
	p, err := e.Plan(ctx, PlanInput{BackupID: "b1", Trigger: manifest.Trigger{Source: "cli"}})
	if err != nil {
		t.Fatal(err)
	}
	tp, _ := p.Table("atlas_janus")
	h, err := e.ExportSubmit(ctx, p, tp)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := e.ExportStatus(ctx, h)
	if err := os.WriteFile(tp.ExportDir+"/part-m-00009", []byte("not a sequence file, long enough to be read"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = e.ExportShip(ctx, p, tp, st)
	var ef *ExportFailed
	if !errors.As(err, &ef) {
		t.Fatalf("err = %v, want *ExportFailed", err)
	}
	if want := "part-m-00009"; !strings.Contains(err.Error(), want) {
		t.Errorf("%v: want it to name %s", err, want)
	}
}
