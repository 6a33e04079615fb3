package forget_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/backup"
	"github.com/atlas-backup/atlas-backup/shared/forget"
	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/lock"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/retention"
	"github.com/atlas-backup/atlas-backup/shared/runner"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

type fixture struct {
	t       *testing.T
	st      store.Store
	l       store.Layout
	share   string // the Solr share, mounted here
	exports string // the local export dir
}

func newFixture(t *testing.T) *fixture {
	root := t.TempDir()
	for _, d := range []string{"store", "share", "exports"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	st, err := store.NewFile(filepath.Join(root, "store"))
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, st: st, l: store.Layout{Prefix: "atlas", Cluster: "prod"}, share: filepath.Join(root, "share"), exports: filepath.Join(root, "exports")}
}

func (f *fixture) put(key string, v any) {
	f.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.st.Put(context.Background(), key, bytes.NewReader(b)); err != nil {
		f.t.Fatal(err)
	}
}

// backup writes what a backup leaves: plan, artifacts, the Solr folder on the share,
// the export folder, and (status != "") a manifest.
func (f *fixture) backup(id string, started time.Time, status manifest.Status) {
	f.t.Helper()
	exportDir := filepath.Join(f.exports, id, "atlas_janus")
	p := backup.Plan{BackupID: id, Cluster: "prod", StartedAt: started,
		Tables:      []backup.TablePlan{{Table: "atlas_janus", ExportDir: exportDir}},
		Collections: []backup.CollectionPlan{{Collection: "vertex_index", BackupName: "atlas-" + id + "-vertex_index", Location: "/solr-share"}}}
	f.put(f.l.Plan(id), p)
	f.put(f.l.HBase(id, "atlas_janus", "part-m-00000"), "cells")
	f.put(f.l.Solr(id, "vertex_index", "shard1/segments_1"), "docs")
	for _, d := range []string{exportDir, filepath.Join(f.share, "atlas-"+id+"-vertex_index", "vertex_index")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			f.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "data"), []byte("x"), 0o600); err != nil {
			f.t.Fatal(err)
		}
	}
	if status == "" {
		return
	}
	m := manifest.Manifest{FormatVersion: manifest.Version, BackupID: id, Cluster: "prod", Status: status,
		StartedAt: started, FinishedAt: started.Add(10 * time.Minute),
		HBase: []manifest.Table{{Table: "atlas_janus", ExportDir: exportDir}},
		Solr:  []manifest.Collection{{Collection: "vertex_index", BackupName: "atlas-" + id + "-vertex_index", Location: "/solr-share"}}}
	f.put(f.l.Manifest(id), m)
}

// state is everything on disk and in the store, to compare before and after.
func (f *fixture) state() []string {
	f.t.Helper()
	var out []string
	objs, err := f.st.List(context.Background(), "")
	if err != nil {
		f.t.Fatal(err)
	}
	for _, o := range objs {
		out = append(out, "store:"+o.Key)
	}
	for _, root := range []string{f.share, f.exports} {
		ents, _ := os.ReadDir(root)
		for _, e := range ents {
			out = append(out, filepath.Base(root)+":"+e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// owned lists what a backup owns anywhere.
func (f *fixture) owned(id string) []string {
	var out []string
	for _, s := range f.state() {
		if strings.Contains(s, id) {
			out = append(out, s)
		}
	}
	return out
}

func (f *fixture) engine(p retention.Policy, now time.Time) *forget.Engine {
	return &forget.Engine{Store: f.st, Layout: f.l, Policy: p, Grace: 24 * time.Hour, Now: func() time.Time { return now },
		SolrLocation: "/solr-share", SolrLocalLocation: f.share,
		Locker: &lock.Locker{Store: f.st, Layout: f.l, Now: func() time.Time { return now }, Alive: func(int) bool { return true }}}
}

func entry(r *forget.Report, id string) forget.Entry {
	for _, e := range r.Backups {
		if e.BackupID == id {
			return e
		}
	}
	return forget.Entry{}
}

func TestEngine(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	day := func(n int) time.Time { return now.Add(-time.Duration(n) * 24 * time.Hour) }
	id := func(n int) string { return day(n).Format("20060102T150405Z") + "-aaaaaa" }
	// 10 daily SUCCEEDED backups (day 9 … day 0), a FAILED one 5 days ago, a PARTIAL one
	// an hour ago (in its grace), an unfinished one 3 days ago.
	for n := 9; n >= 0; n-- {
		f.backup(id(n), day(n), manifest.Succeeded)
	}
	failedOld := day(5).Add(time.Hour).Format("20060102T150405Z") + "-ffffff"
	f.backup(failedOld, day(5).Add(time.Hour), manifest.Failed)
	partialNew := now.Add(-time.Hour).Format("20060102T150405Z") + "-pppppp"
	f.backup(partialNew, now.Add(-time.Hour), manifest.Partial)
	unfinished := day(3).Add(time.Hour).Format("20060102T150405Z") + "-uuuuuu"
	f.backup(unfinished, day(3).Add(time.Hour), "")
	// latest points at day 7 (an operator moved it back); day 8 passed its drill, day 6
	// failed its drill; a running drill reads day 9.
	f.put(f.l.Latest(), manifest.Latest{BackupID: id(7), Manifest: f.l.Manifest(id(7)), FinishedAt: day(7)})
	if err := manifest.WriteDrill(ctx, f.st, f.l, manifest.Drill{BackupID: id(8), RestoreID: "r1", OK: true, FinishedAt: day(8)}); err != nil {
		t.Fatal(err)
	}
	if err := manifest.WriteDrill(ctx, f.st, f.l, manifest.Drill{BackupID: id(6), RestoreID: "r2", OK: false, FinishedAt: day(6)}); err != nil {
		t.Fatal(err)
	}
	e := f.engine(retention.Policy{KeepLast: 3}, now)
	if _, err := e.Locker.Mark(ctx, lock.Holder{Operation: lock.OpDrill, BackupID: id(9), RunID: "r3", Host: "h", PID: 1}); err != nil {
		t.Fatal(err)
	}

	before := f.state()
	rep, err := e.Run(ctx, forget.Options{DryRun: true, Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	if after := f.state(); !reflect.DeepEqual(before, after) {
		t.Fatalf("dry run changed the store or folders:\nbefore %v\nafter  %v", before, after)
	}
	want := map[string]string{
		id(0):      "keep: last",
		id(1):      "keep: last",
		id(2):      "keep: last",
		id(3):      "drop: no rule keeps it (keep 3 last)",
		id(4):      "drop: no rule keeps it (keep 3 last)",
		id(5):      "drop: no rule keeps it (keep 3 last)",
		id(6):      "drop: no rule keeps it (keep 3 last)",
		id(7):      "keep: protected: latest",
		id(8):      "keep: protected: newest backup whose drill passed (2026-11-24T12:00:00Z)",
		id(9):      "keep: protected: read by a running drill (r3)",
		failedOld:  "drop: failed, older than the grace period (24h0m0s)",
		partialNew: "keep: partial, within its grace period (until 2026-12-03T11:10:00Z)",
		unfinished: "drop: unfinished, older than the grace period (24h0m0s)",
	}
	check := func(rep *forget.Report) {
		t.Helper()
		if len(rep.Backups) != len(want) {
			t.Errorf("%d backups in the report, want %d", len(rep.Backups), len(want))
		}
		for bid, w := range want {
			en := entry(rep, bid)
			verb := "drop"
			if en.Keep {
				verb = "keep"
			}
			if got := verb + ": " + strings.Join(en.Reasons, ", "); got != w {
				t.Errorf("%s: %q, want %q", bid, got, w)
			}
		}
	}
	check(rep)
	if rep.Kept != 7 || rep.Dropped != 6 {
		t.Errorf("kept %d dropped %d, want 7 and 6", rep.Kept, rep.Dropped)
	}
	if en := entry(rep, id(0)); en.Objects != 4 || en.Bytes == 0 {
		t.Errorf("sizes of %s: %d objects, %d bytes", id(0), en.Objects, en.Bytes)
	}

	// forget without prune: only the dropped manifests go.
	rep, err = e.Run(ctx, forget.Options{})
	if err != nil || !rep.OK() {
		t.Fatalf("forget: %v %v", err, rep.Problems)
	}
	for _, bid := range []string{id(3), id(4), id(5), id(6), failedOld} {
		if _, err := f.st.Stat(ctx, f.l.Manifest(bid)); err == nil {
			t.Errorf("%s: manifest still there after forget", bid)
		}
		if len(f.owned(bid)) < 4 {
			t.Errorf("%s: forget without --prune deleted data: %v", bid, f.owned(bid))
		}
	}

	// prune: the forgotten backups are now unfinished and older than the grace period.
	rep, err = e.Run(ctx, forget.Options{Prune: true})
	if err != nil || !rep.OK() {
		t.Fatalf("prune: %v %v", err, rep.Problems)
	}
	for _, bid := range []string{id(3), id(4), id(5), id(6), failedOld, unfinished} {
		if got := f.owned(bid); len(got) != 0 {
			t.Errorf("%s: left after prune: %v", bid, got)
		}
		if en := entry(rep, bid); en.Pruned == nil || len(en.Pruned.Removed) != 2 {
			t.Errorf("%s: pruned = %+v, want the Solr folder and the export folder removed", bid, en.Pruned)
		}
	}
	for _, bid := range []string{id(0), id(1), id(2), id(7), id(8), id(9), partialNew} {
		if got := f.owned(bid); len(got) < 5 {
			t.Errorf("%s: kept backup lost something: %v", bid, got)
		}
	}
	// A third run finds nothing more to do.
	rep, err = e.Run(ctx, forget.Options{Prune: true})
	if err != nil || rep.Dropped != 0 || rep.Kept != 7 {
		t.Errorf("third run: %v, kept %d dropped %d", err, rep.Kept, rep.Dropped)
	}
}

func TestEngineRefusesForeignNames(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	id := "20261101T000000Z-aaaaaa"
	f.backup(id, now.Add(-30*24*time.Hour), manifest.Failed)
	// A manifest naming a Solr folder this tool never makes must not delete it.
	m := manifest.Manifest{FormatVersion: 1, BackupID: id, Cluster: "prod", Status: manifest.Failed, StartedAt: now.Add(-30 * 24 * time.Hour),
		FinishedAt: now.Add(-30 * 24 * time.Hour), Solr: []manifest.Collection{{Collection: "c", BackupName: "../../etc", Location: "/solr-share"}}}
	f.put(f.l.Manifest(id), m)
	rep, err := f.engine(retention.Policy{KeepLast: 1}, now).Run(ctx, forget.Options{Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || !strings.Contains(strings.Join(rep.Problems, "\n"), "left alone") {
		t.Errorf("problems = %v, want the foreign name refused", rep.Problems)
	}
	if _, err := f.st.Stat(ctx, f.l.Plan(id)); err != nil {
		t.Errorf("plan deleted although the prune was incomplete: %v", err)
	}
}

// fakeRunner records the jobs it is given and reports them succeeded.
type fakeRunner struct{ jobs []runner.Job }

func (r *fakeRunner) Submit(_ context.Context, j runner.Job) (string, error) {
	r.jobs = append(r.jobs, j)
	return j.ID, nil
}
func (r *fakeRunner) Status(context.Context, string) (runner.Status, error) {
	return runner.Status{State: runner.StateSucceeded}, nil
}

// An export folder on HDFS is removed through the runner, as the hbase principal:
// kinit, then `hdfs dfs -rm -r -f -skipTrash <exportDir>/<id>`.
func TestPruneHDFSExport(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	id := "20261101T000000Z-aaaaaa"
	p := backup.Plan{BackupID: id, Cluster: "prod", StartedAt: now.Add(-30 * 24 * time.Hour),
		Tables: []backup.TablePlan{{Table: "atlas_janus", ExportDir: "hdfs:///backup/atlas/" + id + "/atlas_janus"}}}
	f.put(f.l.Plan(id), p)
	f.put(f.l.HBase(id, "atlas_janus", "part-m-00000"), "cells")
	r := &fakeRunner{}
	e := f.engine(retention.Policy{KeepLast: 1}, now)
	e.Runner = r
	e.Identity = hbase.Identity{Principal: "hbase@EXAMPLE.COM", Keytab: "/etc/security/keytabs/hbase.headless.keytab", CCache: "/tmp/krb5cc_forget"}
	rep, err := e.Run(ctx, forget.Options{Prune: true})
	if err != nil || !rep.OK() {
		t.Fatalf("%v %v", err, rep.Problems)
	}
	if len(r.jobs) != 1 {
		t.Fatalf("jobs %+v", r.jobs)
	}
	var argv []string
	for _, s := range r.jobs[0].Steps {
		argv = append(argv, strings.Join(s.Argv, " "))
	}
	want := []string{"kinit -kt /etc/security/keytabs/hbase.headless.keytab hbase@EXAMPLE.COM", "hdfs dfs -rm -r -f -skipTrash hdfs:///backup/atlas/" + id}
	if !reflect.DeepEqual(argv, want) {
		t.Errorf("steps %q, want %q", argv, want)
	}
	if got := f.owned(id); len(got) != 0 {
		t.Errorf("left: %v", got)
	}
}
