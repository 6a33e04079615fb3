package backup

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/atlas"
	"github.com/atlas-backup/atlas-backup/shared/atlas/atlastest"
	"github.com/atlas-backup/atlas-backup/shared/config"
	"github.com/atlas-backup/atlas-backup/shared/engine"
	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/hbase/hbasetest"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/runner"
	"github.com/atlas-backup/atlas-backup/shared/secret"
	"github.com/atlas-backup/atlas-backup/shared/solr"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

// noSolr is a SolrCloud with no collections to back up.
type noSolr struct{}

func (noSolr) Preflight(context.Context, []string, string) error { return nil }
func (noSolr) Backup(context.Context, solr.BackupRequest) (solr.Submitted, error) {
	return solr.Submitted{}, errors.New("no collections")
}
func (noSolr) RequestStatus(context.Context, string) (solr.Status, error) { return solr.Status{}, nil }
func (noSolr) DeleteStatus(context.Context, string) error                 { return nil }
func (noSolr) Wait(context.Context, string, solr.WaitOptions, func(solr.Status)) (solr.Status, error) {
	return solr.Status{}, nil
}
func (noSolr) DocCount(context.Context, string) (int64, map[string]int64, error) { return 0, nil, nil }
func (noSolr) ClusterStatus(context.Context) (*solr.Cluster, error)              { return &solr.Cluster{}, nil }

var liveNow = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

func rowKey(i int) []byte { return binary.BigEndian.AppendUint64(nil, uint64(i)*0x9E3779B97F4A7C15) }

// atlasCluster holds a graph table stamped in microseconds as JanusGraph writes it
// (rows×3 cells) and an audit table in milliseconds, all written before liveNow.
func atlasCluster(graphRows, auditRows int) *hbasetest.Cluster {
	c := hbasetest.New()
	c.Tables["atlas_janus"] = &hbasetest.Table{Families: []string{"e", "g", "i", "s"}}
	c.Tables["ATLAS_ENTITY_AUDIT_EVENTS"] = &hbasetest.Table{Families: []string{"dt"}}
	base := liveNow.Add(-time.Hour)
	for i := 0; i < graphRows; i++ {
		for j, f := range []string{"e", "g", "s"} {
			c.Put("atlas_janus", hbasetest.Cell{Row: rowKey(i), Family: f, Qualifier: fmt.Sprintf("q%d", j),
				Timestamp: base.Add(time.Duration(i)*time.Second).UnixMicro() + int64(j), Value: []byte("v")})
		}
	}
	for i := 0; i < auditRows; i++ {
		c.Put("ATLAS_ENTITY_AUDIT_EVENTS", hbasetest.Cell{Row: []byte(fmt.Sprintf("guid-%04d:%d", i, base.UnixMilli()+int64(i))),
			Family: "dt", Qualifier: "action", Timestamp: base.UnixMilli() + int64(i), Value: []byte("ENTITY_CREATE")})
	}
	return c
}

func liveEngine(t *testing.T, c *hbasetest.Cluster) *Engine {
	t.Helper()
	fs, err := store.NewFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	conf := t.TempDir()
	props := "atlas.graph.storage.hbase.table=atlas_janus\natlas.audit.hbase.tablename=ATLAS_ENTITY_AUDIT_EVENTS\n"
	if err := os.WriteFile(filepath.Join(conf, "atlas-application.properties"), []byte(props), 0o644); err != nil {
		t.Fatal(err)
	}
	e := &Engine{
		Core: engine.Core{
			Store:  fs,
			Layout: store.Layout{Prefix: "atlas", Cluster: "c1"},
			Runner: c,
			Clock:  func() time.Time { return liveNow },
			Poll:   runner.Backoff{Initial: time.Millisecond, Max: time.Millisecond, Multiplier: 1},
		},
		Solr: noSolr{},
	}
	e.Cfg = config.Defaults()
	e.Cfg.Cluster = "c1"
	e.Cfg.WorkDir = t.TempDir()
	e.Cfg.Atlas.ConfDir = conf
	e.Cfg.Solr.Collections = nil
	e.Cfg.HBase.ExportDir = t.TempDir()
	e.Cfg.HBase.Principal = "hbase@R"
	e.HBaseKeytab = "/etc/security/keytabs/hbase.keytab"
	e.SampleLimit = 10
	return e
}

func tableOf(t *testing.T, m *manifest.Manifest, name string) manifest.Table {
	t.Helper()
	for _, x := range m.HBase {
		if x.Table == name {
			return x
		}
	}
	t.Fatalf("manifest has no table %s: %+v", name, m.HBase)
	return manifest.Table{}
}

func TestBackupWindowInEachTablesUnit(t *testing.T) {
	for _, dateTimes := range []bool{false, true} {
		t.Run(fmt.Sprintf("shell prints date-times %v", dateTimes), func(t *testing.T) {
			c := atlasCluster(25, 7)
			c.DateTimeStamps = dateTimes
			e := liveEngine(t, c)
			// a clock between milliseconds: the cut is taken at the millisecond the
			// manifest records, and every table's window ends at it in its own unit
			e.Clock = func() time.Time { return liveNow.Add(123456789 * time.Nanosecond) }
			cut := liveNow.Add(123 * time.Millisecond)
			m, err := e.Run(context.Background(), PlanInput{Trigger: manifest.Trigger{Source: "cli"}})
			if err != nil {
				t.Fatalf("%v\n%+v", err, m)
			}
			g, a := tableOf(t, m, "atlas_janus"), tableOf(t, m, "ATLAS_ENTITY_AUDIT_EVENTS")
			if g.Window == nil || g.Window.Unit != hbase.Microseconds || g.Window.End != cut.UnixMicro() {
				t.Errorf("graph window %+v, want us ending %d", g.Window, cut.UnixMicro())
			}
			if a.Window == nil || a.Window.Unit != hbase.Milliseconds || a.Window.End != cut.UnixMilli() {
				t.Errorf("audit window %+v, want ms ending %d", a.Window, cut.UnixMilli())
			}
			if g.Rows != 25 || g.Cells != 75 || a.Rows != 7 {
				t.Errorf("rows/cells: graph %d/%d, audit %d", g.Rows, g.Cells, a.Rows)
			}
			// live counts: the bounded sample (10 of 25 rows; all 7 audit rows) and RowCounter
			if l := g.Live; l == nil || l.SampledRows != 10 || l.SampleComplete || l.SampledRowsExported != 10 || l.Rows == nil || *l.Rows != 25 {
				t.Errorf("graph live %+v", g.Live)
			}
			if l := a.Live; l == nil || l.SampledRows != 7 || !l.SampleComplete || l.Rows == nil || *l.Rows != 7 {
				t.Errorf("audit live %+v", a.Live)
			}
			// the export job: Export with the µs window, then RowCounter with the same one
			var export, count []string
			for _, j := range c.Jobs() {
				for _, s := range j.Steps {
					if len(s.Argv) > 2 && s.Argv[2] == "atlas_janus" {
						switch s.Argv[1] {
						case hbase.ExportClass:
							export = s.Argv
						case hbase.RowCounterClass:
							count = s.Argv
						}
					}
				}
			}
			end := fmt.Sprint(cut.UnixMicro())
			if export == nil || export[len(export)-1] != end || count == nil || count[len(count)-1] != "--endtime="+end {
				t.Fatalf("export %q, rowcounter %q", export, count)
			}
			if m.Window.HBaseEndMs != cut.UnixMilli() || g.Window.End != m.Window.HBaseEndMs*1000 {
				t.Errorf("cut %d", m.Window.HBaseEndMs)
			}
		})
	}
}

// The regression of issue 8: a window in the wrong unit (here the sample is made to look
// like milliseconds, so the window ends at "now" in ms while the cells are in µs)
// excludes every cell of the graph table. The backup is FAILED naming the table, never
// SUCCEEDED or PARTIAL, and latest does not move.
func TestWindowInTheWrongUnitFailsTheBackup(t *testing.T) {
	c := atlasCluster(25, 7)
	c.SampleStamp = func(table string, ts int64) int64 {
		if table == "atlas_janus" {
			return ts / 1000
		}
		return ts
	}
	e := liveEngine(t, c)
	m, err := e.Run(context.Background(), PlanInput{Trigger: manifest.Trigger{Source: "cli"}})
	if err == nil || m == nil || m.Status != manifest.Failed {
		t.Fatalf("want a FAILED manifest, got %v / %+v", err, m)
	}
	if len(m.Reasons) == 0 || !strings.Contains(m.Reasons[0], "atlas_janus") || !strings.Contains(m.Reasons[0], "no rows") {
		t.Fatalf("reasons %q: want one naming atlas_janus and the empty export", m.Reasons)
	}
	if _, err := manifest.ReadLatest(context.Background(), e.Store, e.Layout); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("latest moved: %v", err)
	}
}

// The same check at the ship step (the Lambda's export-ship): a plan whose window for a
// µs table is forced into ms.
func TestExportShipRefusesAnExportTheWindowEmptied(t *testing.T) {
	c := atlasCluster(5, 0)
	e := liveEngine(t, c)
	ctx := context.Background()
	p, err := e.Plan(ctx, PlanInput{BackupID: "b1", Trigger: manifest.Trigger{Source: "cli"}})
	if err != nil {
		t.Fatal(err)
	}
	tp, _ := p.Table("atlas_janus")
	tp.Window = &manifest.TableWindow{Unit: hbase.Milliseconds, End: liveNow.UnixMilli()}
	h, err := e.ExportSubmit(ctx, p, tp)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := e.ExportStatus(ctx, h)
	_, err = e.ExportShip(ctx, p, tp, st)
	var inc *ExportIncomplete
	if !errors.As(err, &inc) || inc.Table != "atlas_janus" {
		t.Fatalf("err = %v, want *ExportIncomplete for atlas_janus", err)
	}
	if !strings.Contains(err.Error(), "no rows while the table had 5 rows") {
		t.Errorf("message: %v", err)
	}
}

// A truncated export (here the Export writes only half the rows its window holds, its
// own counters agreeing with its files) is caught by RowCounter's count of the live
// table: FAILED naming the table and how many rows are missing.
func TestTruncatedExportFailsTheBackup(t *testing.T) {
	c := atlasCluster(40, 3)
	c.ExportFilter = func(table string, cells []hbasetest.Cell) []hbasetest.Cell {
		if table != "atlas_janus" {
			return cells
		}
		var out []hbasetest.Cell
		for _, x := range cells {
			if x.Row[0] < 0x80 {
				out = append(out, x)
			}
		}
		return out
	}
	e := liveEngine(t, c)
	m, err := e.Run(context.Background(), PlanInput{Trigger: manifest.Trigger{Source: "cli"}})
	if err == nil || m.Status != manifest.Failed {
		t.Fatalf("want FAILED, got %v / %s", err, m.Status)
	}
	if !strings.Contains(strings.Join(m.Reasons, "\n"), "hbase table atlas_janus: export incomplete") ||
		!strings.Contains(strings.Join(m.Reasons, "\n"), "rows are missing") {
		t.Fatalf("reasons %q", m.Reasons)
	}
}

// A writer adding rows while the backup runs adds them after the cut: the window leaves
// them out of the export and out of RowCounter's count, and the backup succeeds.
func TestRowsWrittenDuringTheBackupAreExplainedByTheWindow(t *testing.T) {
	c := atlasCluster(20, 3)
	added := 0
	c.AfterExport = func(c *hbasetest.Cluster, table, _ string) {
		if table != "atlas_janus" {
			return
		}
		for i := 1000; i < 1010; i++ {
			c.Put("atlas_janus", hbasetest.Cell{Row: rowKey(i), Family: "e", Qualifier: "q", Timestamp: liveNow.Add(time.Minute).UnixMicro()})
			added++
		}
	}
	e := liveEngine(t, c)
	m, err := e.Run(context.Background(), PlanInput{Trigger: manifest.Trigger{Source: "cli"}})
	if err != nil || m.Status != manifest.Succeeded {
		t.Fatalf("%v %+v", err, m)
	}
	g := tableOf(t, m, "atlas_janus")
	if added != 10 || g.Rows != 20 || *g.Live.Rows != 20 {
		t.Fatalf("added %d, exported %d, counted %v", added, g.Rows, *g.Live.Rows)
	}
}

// An empty table needs no window; a table whose stamps fit no unit is exported without
// one (nothing cut off) and says so.
func TestTablesWithoutAWindow(t *testing.T) {
	c := atlasCluster(0, 3)
	c.Put("ATLAS_ENTITY_AUDIT_EVENTS", hbasetest.Cell{Row: []byte("zzz"), Family: "dt", Qualifier: "x", Timestamp: 7})
	c.SampleStamp = func(table string, ts int64) int64 {
		if table == "ATLAS_ENTITY_AUDIT_EVENTS" {
			return 7
		}
		return ts
	}
	e := liveEngine(t, c)
	m, err := e.Run(context.Background(), PlanInput{Trigger: manifest.Trigger{Source: "cli"}})
	if err != nil {
		t.Fatalf("%v %+v", err, m)
	}
	g, a := tableOf(t, m, "atlas_janus"), tableOf(t, m, "ATLAS_ENTITY_AUDIT_EVENTS")
	if g.Window.Unit != "" || !strings.Contains(g.Window.Note, "empty at plan time") || g.Rows != 0 {
		t.Errorf("empty graph table: %+v rows %d", g.Window, g.Rows)
	}
	if a.Window.Unit != "" || !strings.Contains(a.Window.Note, "no cell is cut off") || a.Rows != 4 {
		t.Errorf("audit: %+v rows %d", a.Window, a.Rows)
	}
	for _, j := range c.Jobs() {
		for _, s := range j.Steps {
			if len(s.Argv) > 1 && s.Argv[1] == hbase.RowCounterClass {
				t.Errorf("RowCounter ran for a table without a window: %q", s.Argv)
			}
		}
	}
}

// A plan stored by an older atlas-backup (no per-table window) is resumed with its ms
// window as it was given, and the manifest says so.
func TestResumedPlanWithoutTableWindows(t *testing.T) {
	c := atlasCluster(3, 0)
	e := liveEngine(t, c)
	p := &Plan{BackupID: "b1", HBaseEndMs: liveNow.UnixMilli()}
	tp := TablePlan{Table: "ATLAS_ENTITY_AUDIT_EVENTS", ExportDir: filepath.Join(e.Cfg.HBase.ExportDir, "b1", "audit"), JobID: "b1-export-audit"}
	c.Put("ATLAS_ENTITY_AUDIT_EVENTS", hbasetest.Cell{Row: []byte("r"), Family: "dt", Qualifier: "q", Timestamp: liveNow.UnixMilli() - 5})
	got, err := e.exportTable(context.Background(), p, tp)
	if err != nil {
		t.Fatal(err)
	}
	if got.Rows != 1 || got.Window == nil || got.Window.Unit != hbase.Milliseconds || got.Live != nil {
		t.Fatalf("got %+v", got)
	}
}

// With atlas.url the manifest records what Atlas answers (its version, not the config's);
// an Atlas that does not answer does not stop the backup, and the manifest says so.
func TestBackupRecordsAtlas(t *testing.T) {
	srv := atlastest.New()
	srv.Seed()
	defer srv.Close()
	e := liveEngine(t, atlasCluster(3, 2))
	e.Cfg.Atlas.Version = "1.1.0" // config says otherwise: Atlas's own answer wins
	e.Atlas = &atlas.Client{BaseURL: srv.URL, HTTP: srv.Client(), User: "admin", Password: secret.Bytes("admin-secret")}
	m, err := e.Run(context.Background(), PlanInput{Trigger: manifest.Trigger{Source: "cli"}})
	if err != nil {
		t.Fatal(err)
	}
	if m.AtlasVersion != "2.1.0" || m.Atlas == nil || !m.Atlas.Answered || m.Atlas.Version != "2.1.0" || m.Atlas.Status != "ACTIVE" {
		t.Fatalf("atlas version %q, record %+v", m.AtlasVersion, m.Atlas)
	}
	if m.Atlas.Metrics == nil || m.Atlas.Metrics.EntityActive["hive_table"] != 2 || len(m.Atlas.Entities) != 3 || m.Atlas.Lineage == nil {
		t.Fatalf("record %+v", m.Atlas)
	}

	srv.Close()
	e2 := liveEngine(t, atlasCluster(3, 2))
	e2.Atlas = &atlas.Client{BaseURL: srv.URL, HTTP: &http.Client{Timeout: time.Second}}
	m, err = e2.Run(context.Background(), PlanInput{Trigger: manifest.Trigger{Source: "cli"}})
	if err != nil || m.Status != manifest.Succeeded {
		t.Fatalf("Atlas down must not block the backup: %v %+v", err, m)
	}
	if m.Atlas == nil || m.Atlas.Answered || m.Atlas.Error == "" || m.AtlasVersion != "unknown" {
		t.Fatalf("record of an Atlas that is down: %+v, version %q", m.Atlas, m.AtlasVersion)
	}
}

func TestConsistency(t *testing.T) {
	p := &Plan{HBaseEndMs: liveNow.UnixMilli()}
	us := &manifest.TableWindow{Unit: hbase.Microseconds, End: liveNow.UnixMicro()}
	quiet := Results{
		Tables:      []manifest.Table{{Table: "atlas_janus", Window: us, Counters: map[string]int64{"ROWS_SCANNED": 10, "Map input records": 10}}},
		Collections: []manifest.Collection{{Collection: "vertex_index", Docs: 5, Digest: "docsum-sha256:00", DigestDocs: 5}},
	}
	c := consistency(p, quiet, liveNow.Add(30*time.Second))
	if c.RepairAdvised || len(c.Writes) != 0 || c.Seconds != 30 || !c.HBaseCut.Equal(liveNow) {
		t.Fatalf("quiet: %+v", c)
	}
	// Export counters with rows scanned but not exported are what JanusGraph's deleted
	// rows give on a quiet Atlas: no evidence of writes.
	deletedRows := quiet
	deletedRows.Tables = []manifest.Table{{Table: "atlas_janus", Window: us, Counters: map[string]int64{"ROWS_SCANNED": 14, "ROWS_FILTERED": 4, "Map input records": 10}}}
	if c = consistency(p, deletedRows, liveNow.Add(30*time.Second)); c.RepairAdvised || len(c.Writes) != 0 {
		t.Fatalf("deleted rows taken as writes: %+v", c)
	}
	busy := quiet
	busy.Collections = []manifest.Collection{{Collection: "vertex_index", Docs: 5, Digest: "docsum-sha256:00", DigestDocs: 7},
		{Collection: "edge_index", Docs: 3, DigestBefore: "docsum-sha256:01", DigestBeforeDocs: 3, Digest: "docsum-sha256:02", DigestDocs: 3}}
	c = consistency(p, busy, liveNow.Add(30*time.Second))
	if !c.RepairAdvised || len(c.Writes) != 2 || !strings.Contains(c.Writes[0], "5 docs at plan time, 7") || !strings.Contains(c.Writes[1], "edge_index: the documents changed during its BACKUP (3 docs before it, 3 right after)") {
		t.Fatalf("busy: %+v", c)
	}
}

// Export files that lose rows after the job (a part file lost or cut on the way) no
// longer match the job's own row counter: the export is incomplete and the backup FAILED.
func TestExportFilesShortOfTheJobsCount(t *testing.T) {
	c := atlasCluster(12, 3)
	c.AfterExport = func(_ *hbasetest.Cluster, table, dir string) {
		if table == "atlas_janus" {
			os.WriteFile(filepath.Join(dir, "part-m-00000"), hbasetest.WriteExport(nil), 0o644)
		}
	}
	e := liveEngine(t, c)
	m, err := e.Run(context.Background(), PlanInput{Trigger: manifest.Trigger{Source: "cli"}})
	if err == nil || m.Status != manifest.Failed {
		t.Fatalf("want FAILED: %v %s", err, m.Status)
	}
	if r := strings.Join(m.Reasons, "\n"); !strings.Contains(r, "hbase table atlas_janus: export incomplete: the Export job counted 12 rows but the export files hold 0") ||
		strings.Contains(r, "hbase atlas_janus: hbase table atlas_janus") {
		t.Fatalf("reasons %q (the table named once)", m.Reasons)
	}
}
