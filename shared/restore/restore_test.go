package restore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/atlas-backup/atlas-backup/shared/archive"
	"github.com/atlas-backup/atlas-backup/shared/atlas"
	"github.com/atlas-backup/atlas-backup/shared/atlas/atlastest"
	"github.com/atlas-backup/atlas-backup/shared/config"
	"github.com/atlas-backup/atlas-backup/shared/engine"
	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/runner"
	"github.com/atlas-backup/atlas-backup/shared/solr"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

// fakeRunner answers HBase shell scripts by what they contain, and records every job.
type fakeRunner struct {
	mu     sync.Mutex
	jobs   []runner.Job
	tables map[string]int64 // existing tables and their row counts
	fams   map[string][]string
	fail   map[string]bool // job kinds (from the id) that fail
}

func (f *fakeRunner) Submit(ctx context.Context, job runner.Job) (string, error) {
	if err := job.Validate(); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.jobs = append(f.jobs, job)
	return fmt.Sprint(len(f.jobs) - 1), nil
}

func (f *fakeRunner) Status(ctx context.Context, h string) (runner.Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var i int
	fmt.Sscan(h, &i)
	job := f.jobs[i]
	for kind := range f.fail {
		if strings.Contains(job.ID, "-"+kind+"-") {
			return runner.Status{State: runner.StateFailed, ExitCode: 1, Output: "Took 0.1 secondsERROR RuntimeError: boom"}, nil
		}
	}
	last := job.Steps[len(job.Steps)-1].Argv
	script := ""
	if len(last) > 4 && last[0] == "bash" {
		script = last[4]
	}
	var out strings.Builder
	switch {
	case strings.HasPrefix(script, "list"):
		out.WriteString("hbase:001:0> list\nTABLE\n")
		for t := range f.tables {
			out.WriteString(t + "\n")
		}
		fmt.Fprintf(&out, "%d row(s)\n", len(f.tables))
	case strings.HasPrefix(script, "count"):
		name := strings.Split(script, "'")[1]
		fmt.Fprintf(&out, "%d row(s)\nTook 0.1 seconds\n", f.tables[name])
	case strings.HasPrefix(script, "describe"):
		name := strings.Split(script, "'")[1]
		fmt.Fprintf(&out, "Table %s is ENABLED\n%s\nCOLUMN FAMILIES DESCRIPTION\n", name, name)
		for _, fam := range f.fams[name] {
			fmt.Fprintf(&out, "{NAME => '%s', VERSIONS => '1'}\n\n", fam)
		}
	}
	return runner.Status{State: runner.StateSucceeded, Output: out.String()}, nil
}

func (f *fakeRunner) kinds() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, j := range f.jobs {
		out = append(out, strings.Split(strings.TrimPrefix(j.ID, "rtest-"), "-")[0])
	}
	return out
}

// fakeSolr is a Solr with collections and doc counts; it records changes.
type fakeSolr struct {
	mu      sync.Mutex
	cols    map[string]int64
	deleted []string
	locErr  error
}

func (f *fakeSolr) ListCollections(ctx context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for c := range f.cols {
		out = append(out, c)
	}
	return out, nil
}
func (f *fakeSolr) ClusterStatus(ctx context.Context) (*solr.Cluster, error) {
	return &solr.Cluster{}, nil
}
func (f *fakeSolr) DocCount(ctx context.Context, c string) (int64, map[string]int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cols[c], nil, nil
}
func (f *fakeSolr) Digest(ctx context.Context, c string) (solr.DocDigest, error) {
	return solr.DocDigest{}, errors.New("not faked")
}
func (f *fakeSolr) CheckLocation(ctx context.Context, l string) error { return f.locErr }
func (f *fakeSolr) Restore(ctx context.Context, r solr.RestoreRequest) (solr.Submitted, error) {
	return solr.Submitted{}, errors.New("not faked")
}
func (f *fakeSolr) RequestStatus(ctx context.Context, id string) (solr.Status, error) {
	return solr.Status{}, errors.New("not faked")
}
func (f *fakeSolr) Wait(ctx context.Context, id string, o solr.WaitOptions, fn func(solr.Status)) (solr.Status, error) {
	return solr.Status{}, errors.New("not faked")
}
func (f *fakeSolr) DeleteStatus(ctx context.Context, id string) error { return nil }
func (f *fakeSolr) DeleteCollection(ctx context.Context, c string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deleted = append(f.deleted, c)
	delete(f.cols, c)
	return nil
}

type fixture struct {
	eng    *Engine
	run    *fakeRunner
	solr   *fakeSolr
	st     store.Store
	layout store.Layout
	m      *manifest.Manifest
	conf   string
	work   string
}

const backupID = "20261125T150000Z-abcdef"

// newFixture stores a SUCCEEDED backup (one table, one collection, a config archive) in
// a file store and returns an engine whose servers hold the live names.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	root := t.TempDir()
	st, err := store.NewFile(filepath.Join(root, "store"))
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(root, "store"), 0o700)
	l := store.Layout{Cluster: "c1"}
	ctx := context.Background()
	put := func(key, body string) store.ObjectInfo {
		info, err := st.Put(ctx, key, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		return info
	}
	conf := filepath.Join(root, "conf")
	os.MkdirAll(conf, 0o755)
	os.WriteFile(filepath.Join(conf, "atlas-application.properties"), []byte("atlas.graph.storage.hbase.table=atlas_janus\n"), 0o644)
	res, err := archive.Upload(ctx, st, l.ConfigArchive(backupID), conf)
	if err != nil {
		t.Fatal(err)
	}
	m := &manifest.Manifest{
		FormatVersion: manifest.Version, BackupID: backupID, Cluster: "c1", Status: manifest.Succeeded,
		Window: manifest.Window{HBaseEndMs: 1800000000000},
		HBase: []manifest.Table{{Table: "atlas_janus", Rows: 2, Cells: 4, Digest: "cellsum-sha256:00",
			Schema:  hbase.Schema{Table: "atlas_janus", Families: []hbase.Family{{Name: "e"}, {Name: "f"}}},
			Objects: []store.ObjectInfo{put(l.HBase(backupID, "atlas_janus", "part-m-00000"), "part0"), put(l.HBase(backupID, "atlas_janus", "_SUCCESS"), "")}}},
		Solr: []manifest.Collection{{Collection: "vertex_index", Docs: 3,
			Objects: []store.ObjectInfo{put(l.Solr(backupID, "vertex_index", "vertex_index/backup_0.properties"), "props")}}},
		Config: &manifest.Config{Key: l.ConfigArchive(backupID), SHA256: res.SHA256, Size: res.Size, Dir: conf, Files: res.Files},
	}
	b, _ := m.Marshal()
	put(l.Manifest(backupID), string(b))

	work := filepath.Join(root, "work")
	cfg := config.Defaults()
	cfg.Cluster = "c1"
	cfg.WorkDir = work
	cfg.Atlas.ConfDir = conf
	cfg.HBase.ExportDir = filepath.Join(root, "exports")
	cfg.HBase.Principal = "hbase@R"
	cfg.Solr.Location = filepath.Join(root, "share")
	os.MkdirAll(cfg.Solr.Location, 0o755)
	fr := &fakeRunner{tables: map[string]int64{"atlas_janus": 2}, fams: map[string][]string{"atlas_janus": {"e", "f"}}, fail: map[string]bool{}}
	fs := &fakeSolr{cols: map[string]int64{"vertex_index": 3}}
	eng := &Engine{
		Core: engine.Core{
			Cfg:         cfg,
			Store:       st,
			Layout:      l,
			Runner:      fr,
			HBaseKeytab: "/k.keytab",
			Log:         zerolog.Nop(),
			Poll:        runner.Backoff{Initial: time.Millisecond},
		},
		Solr: fs,
	}
	return &fixture{eng: eng, run: fr, solr: fs, st: st, layout: l, m: m, conf: conf, work: work}
}

func refusedProblems(t *testing.T, err error) string {
	t.Helper()
	var r *Refused
	if !errors.As(err, &r) {
		t.Fatalf("err = %v (%T), want *Refused", err, err)
	}
	return strings.Join(r.Problems, "\n")
}

func TestValidateInput(t *testing.T) {
	tests := []struct {
		name string
		in   PlanInput
		err  string
	}{
		{"ok", PlanInput{BackupID: backupID}, ""},
		{"ok all options", PlanInput{BackupID: backupID, Only: []string{"solr", "hbase"}, Suffix: "_r1", Yes: true, ConfigTarget: "/tmp/x"}, ""},
		{"bad id", PlanInput{BackupID: "../x"}, "backup id"},
		{"bad part", PlanInput{BackupID: backupID, Only: []string{"hbase", "zk"}}, `"zk"`},
		{"part twice", PlanInput{BackupID: backupID, Only: []string{"solr", "solr"}}, "twice"},
		{"suffix metachar", PlanInput{BackupID: backupID, Suffix: "_x;id"}, "suffix"},
		{"suffix long", PlanInput{BackupID: backupID, Suffix: strings.Repeat("a", 33)}, "suffix"},
		{"drill without suffix", PlanInput{BackupID: backupID, Drill: true}, "needs a suffix"},
		{"drill with yes", PlanInput{BackupID: backupID, Drill: true, Suffix: "_d", Yes: true}, "never deletes"},
		{"drill with target", PlanInput{BackupID: backupID, Drill: true, Suffix: "_d", ConfigTarget: "/tmp/c"}, "scratch folder"},
		{"drill with only", PlanInput{BackupID: backupID, Drill: true, Suffix: "_d", Only: []string{"solr"}}, "every part"},
		{"target relative", PlanInput{BackupID: backupID, ConfigTarget: "conf"}, "config target"},
		{"target dotdot", PlanInput{BackupID: backupID, ConfigTarget: "/etc/../tmp"}, "config target"},
		{"target root", PlanInput{BackupID: backupID, ConfigTarget: "/"}, "config target"},
		{"target space", PlanInput{BackupID: backupID, ConfigTarget: "/tmp/a b"}, "config target"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := validateInput(tt.in)
			if tt.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err = %v, want %q", err, tt.err)
			}
		})
	}
	parts, _ := validateInput(PlanInput{BackupID: backupID, Only: []string{"config", "hbase"}})
	if !reflect.DeepEqual(parts, []string{"hbase", "config"}) {
		t.Fatalf("parts %v", parts)
	}
}

func TestPlanRefusesOverLiveData(t *testing.T) {
	f := newFixture(t)
	_, err := f.eng.Plan(context.Background(), PlanInput{BackupID: backupID, RestoreID: "rtest"})
	got := refusedProblems(t, err)
	for _, want := range []string{"table atlas_janus holds 2 rows: Import merges", "collection vertex_index exists (3 docs): --yes deletes it"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems do not say %q:\n%s", want, got)
		}
	}
	// read-only: list, count, describe; nothing created, dropped or deleted
	for _, k := range f.run.kinds() {
		if k != "list" && k != "count" && k != "describe" {
			t.Errorf("plan ran a %s job", k)
		}
	}
	if len(f.solr.deleted) > 0 {
		t.Errorf("plan deleted %v", f.solr.deleted)
	}

	// with --yes: planned, with warnings saying what will happen
	p, err := f.eng.Plan(context.Background(), PlanInput{BackupID: backupID, RestoreID: "rtest2", Yes: true})
	if err != nil {
		t.Fatal(err)
	}
	if w := strings.Join(p.Warnings, "\n"); !strings.Contains(w, "merges the backup's 2 rows") || !strings.Contains(w, "deleted before the RESTORE") {
		t.Errorf("warnings: %s", w)
	}
	if !p.Tables[0].Exists || p.Tables[0].RowsBefore != 2 || !p.Collections[0].Exists {
		t.Errorf("plan: %+v %+v", p.Tables[0], p.Collections[0])
	}
}

func TestPlanRefusals(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *fixture)
		in    PlanInput
		want  string
	}{
		{"empty table needs no --yes", func(f *fixture) { f.run.tables["atlas_janus"] = 0 }, PlanInput{Only: []string{"hbase"}}, ""},
		{"missing families even with --yes", func(f *fixture) { f.run.fams["atlas_janus"] = []string{"e"} }, PlanInput{Only: []string{"hbase"}, Yes: true}, "without the column families f"},
		{"drill collides with a table", func(f *fixture) { f.run.tables["atlas_janus_d1"] = 0 }, PlanInput{Drill: true, Suffix: "_d1"}, "table atlas_janus_d1 exists: the drill's scratch names must not collide"},
		{"drill collides with a collection", func(f *fixture) { f.solr.cols["vertex_index_d1"] = 0 }, PlanInput{Drill: true, Suffix: "_d1"}, "collection vertex_index_d1 exists"},
		{"drill with fresh names", nil, PlanInput{Drill: true, Suffix: "_d1"}, ""},
		{"live config folder", nil, PlanInput{Only: []string{"config"}, ConfigTarget: "LIVE"}, "is the live config folder: --yes"},
		{"live config folder with --yes", nil, PlanInput{Only: []string{"config"}, ConfigTarget: "LIVE", Yes: true}, ""},
		{"non-empty config target", func(f *fixture) {
			os.MkdirAll("/tmp/atlas-restore-test-nonempty", 0o700)
			os.WriteFile("/tmp/atlas-restore-test-nonempty/x", nil, 0o600)
		}, PlanInput{Only: []string{"config"}, ConfigTarget: "/tmp/atlas-restore-test-nonempty"}, "is not empty"},
		{"failed backup", func(f *fixture) {
			f.m.Status, f.m.Reasons = manifest.Failed, []string{"solr: collection no_such_index: collection not found"}
			b, _ := f.m.Marshal()
			f.st.Put(context.Background(), f.layout.Manifest(backupID), bytes.NewReader(b))
		}, PlanInput{}, "is FAILED, not SUCCEEDED: only a complete backup is restored (reasons: solr: collection no_such_index"},
		{"no config in backup", func(f *fixture) {
			f.m.Config = nil
			b, _ := f.m.Marshal()
			f.st.Put(context.Background(), f.layout.Manifest(backupID), bytes.NewReader(b))
		}, PlanInput{Only: []string{"config"}}, "has no config archive"},
	}
	defer os.RemoveAll("/tmp/atlas-restore-test-nonempty")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if tt.setup != nil {
				tt.setup(f)
			}
			in := tt.in
			in.BackupID, in.RestoreID = backupID, "rtest"
			if in.ConfigTarget == "LIVE" {
				in.ConfigTarget = f.conf
			}
			_, err := f.eng.Plan(context.Background(), in)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if got := refusedProblems(t, err); !strings.Contains(got, tt.want) {
				t.Fatalf("problems:\n%s\nwant %q", got, tt.want)
			}
		})
	}
}

func TestPlanUnknownBackup(t *testing.T) {
	f := newFixture(t)
	_, err := f.eng.Plan(context.Background(), PlanInput{BackupID: "20990101T000000Z-000000"})
	var nf *BackupNotFound
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), "no manifest at") {
		t.Fatalf("err = %v", err)
	}
	if BeforeTouching(err) {
		t.Fatal("not found is its own exit code, not a refusal")
	}
}

func TestPlanRefusesWhileAtlasRuns(t *testing.T) {
	srv := atlastest.New()
	defer srv.Close()
	f := newFixture(t)
	f.eng.Cfg.Atlas.URL = srv.URL
	// credentials or not, an Atlas that answers (here 401: a file-login Atlas asked
	// without credentials) is running
	f.eng.Atlas = &atlas.Client{BaseURL: srv.URL, HTTP: srv.Client()}
	_, err := f.eng.Plan(context.Background(), PlanInput{BackupID: backupID, Only: []string{"config"}})
	if got := refusedProblems(t, err); !strings.Contains(got, "answers at "+srv.URL+" (HTTP 401): stop Atlas") {
		t.Fatalf("problems: %s", got)
	}
	// a drill does not care
	if _, err := f.eng.Plan(context.Background(), PlanInput{BackupID: backupID, Drill: true, Suffix: "_d"}); err != nil {
		t.Fatal(err)
	}
	// a stopped Atlas does not refuse the restore
	srv.Close()
	if _, err := f.eng.Plan(context.Background(), PlanInput{BackupID: backupID, Only: []string{"config"}}); err != nil {
		t.Fatalf("Atlas stopped: %v", err)
	}
}

func TestFetchAlteredObject(t *testing.T) {
	f := newFixture(t)
	p, err := f.eng.Plan(context.Background(), PlanInput{BackupID: backupID, Drill: true, Suffix: "_d", RestoreID: "rtest"})
	if err != nil {
		t.Fatal(err)
	}
	victim := f.m.HBase[0].Objects[0].Key
	f.st.Put(context.Background(), victim, strings.NewReader("PART0")) // same size, other bytes
	err = f.eng.Fetch(context.Background(), p)
	var am *ArtifactMismatch
	if !errors.As(err, &am) || !strings.Contains(err.Error(), victim) || !strings.Contains(err.Error(), "sha256 mismatch") {
		t.Fatalf("err = %v", err)
	}
	if !BeforeTouching(err) {
		t.Fatal("a checksum mismatch found while fetching must count as before touching")
	}
	if _, err := os.Stat(p.Tables[0].StageDir); !os.IsNotExist(err) {
		t.Fatalf("staged export left behind: %v", err)
	}
	if _, err := os.Stat(p.StageDir); !os.IsNotExist(err) {
		t.Fatalf("staging folder left behind: %v", err)
	}

	// a missing object is a mismatch too
	f.st.Delete(context.Background(), victim)
	err = f.eng.Fetch(context.Background(), p)
	if !errors.As(err, &am) || !strings.Contains(err.Error(), victim) {
		t.Fatalf("err = %v", err)
	}
}

func TestFetchAndUnpackConfig(t *testing.T) {
	f := newFixture(t)
	target := filepath.Join(t.TempDir(), "restored-conf")
	p, err := f.eng.Plan(context.Background(), PlanInput{BackupID: backupID, Only: []string{"config"}, ConfigTarget: target, RestoreID: "rtest"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Config.Changes) != 0 {
		t.Fatalf("live folder equals the backup, changes %v", p.Config.Changes)
	}
	if err := f.eng.Fetch(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	res, err := f.eng.RestoreConfig(context.Background(), p)
	if err != nil || !res.Match {
		t.Fatalf("%+v %v", res, err)
	}
	b, err := os.ReadFile(filepath.Join(target, "atlas-application.properties"))
	if err != nil || !strings.Contains(string(b), "atlas_janus") {
		t.Fatalf("restored file: %q %v", b, err)
	}
	// the live folder changed since the backup: the plan says which file differs
	os.WriteFile(filepath.Join(f.conf, "atlas-application.properties"), []byte("changed\n"), 0o644)
	p2, err := f.eng.Plan(context.Background(), PlanInput{BackupID: backupID, Only: []string{"config"}, RestoreID: "rtest2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p2.Config.Changes) != 1 || p2.Config.Changes[0].Path != "atlas-application.properties" || p2.Config.Changes[0].Kind != archive.Modified {
		t.Fatalf("changes %+v", p2.Config.Changes)
	}
}

func TestCleanupOnlyDrills(t *testing.T) {
	f := newFixture(t)
	p := &Plan{RestoreID: "rtest", Tables: []TablePlan{{Table: "atlas_janus", Target: "atlas_janus"}}}
	res := f.eng.Cleanup(context.Background(), p)
	if len(res.Problems) == 0 || len(f.run.jobs) > 0 {
		t.Fatalf("cleanup of a non-drill plan: %+v, jobs %v", res, f.run.kinds())
	}
	// a drill's cleanup drops only the scratch tables that exist, in one shell
	f.run.tables["atlas_janus_d"] = 5
	p = &Plan{RestoreID: "rtest", Drill: true, Suffix: "_d", Tables: []TablePlan{
		{Table: "atlas_janus", Target: "atlas_janus_d"}, {Table: "AUDIT", Target: "AUDIT_d"}}}
	res = f.eng.Cleanup(context.Background(), p)
	if !reflect.DeepEqual(res.Dropped, []string{"atlas_janus_d"}) || len(res.Problems) > 0 {
		t.Fatalf("%+v", res)
	}
	last := f.run.jobs[len(f.run.jobs)-1]
	script := last.Steps[len(last.Steps)-1].Argv[4]
	if script != "disable 'atlas_janus_d'\ndrop 'atlas_janus_d'\n" {
		t.Fatalf("drop script %q", script)
	}
	if last.Steps[0].Argv[0] != "kinit" || last.Env["KRB5CCNAME"] == "" {
		t.Fatalf("drop job does not kinit first: %+v", last)
	}
}

func TestDistCpIn(t *testing.T) {
	f := newFixture(t)
	if _, err := f.eng.distCpIn("c1/x/hbase/t/", "hdfs:///backup/_restore/r1/t"); err == nil || !strings.Contains(err.Error(), "must be s3://") {
		t.Fatalf("file store: %v", err)
	}
	s3 := s3URLStore{f.st}
	f.eng.Store = s3
	steps, err := f.eng.distCpIn("atlas/c1/id/hbase/t/", "hdfs:///backup/_restore/r1/t")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"hdfs", "dfs", "-rm", "-r", "-f", "-skipTrash", "hdfs:///backup/_restore/r1/t"},
		{"hdfs", "dfs", "-mkdir", "-p", "hdfs:///backup/_restore/r1"},
		{"hadoop", "distcp", "s3a://bkt/atlas/c1/id/hbase/t", "hdfs:///backup/_restore/r1/t"},
	}
	if !reflect.DeepEqual(steps, want) {
		t.Fatalf("steps\n%q\nwant\n%q", steps, want)
	}
	f.eng.Cfg.HBase.Runner.Type = config.RunnerEMR
	steps, _ = f.eng.distCpIn("atlas/c1/id/hbase/t/", "hdfs:///backup/_restore/r1/t")
	if !reflect.DeepEqual(steps[2], []string{"s3-dist-cp", "--src=s3://bkt/atlas/c1/id/hbase/t", "--dest=hdfs:///backup/_restore/r1/t"}) {
		t.Fatalf("emr copy %q", steps[2])
	}
}

// s3URLStore names keys as s3:// URLs (what the distcp builders read).
type s3URLStore struct{ store.Store }

func (s3URLStore) URL(key string) string { return "s3://bkt/" + key }

func TestReady(t *testing.T) {
	var cs solr.Cluster
	if err := json.Unmarshal([]byte(`{"live_nodes":["n1","n2"],"collections":{"c":{"shards":{
		"shard1":{"state":"active","replicas":{"r1":{"state":"active","node_name":"n1","leader":"true"},"r2":{"state":"active","node_name":"n2"}}},
		"shard2":{"state":"active","replicas":{"r3":{"state":"recovering","node_name":"n2","leader":"true"}}}}}}}`), &cs); err != nil {
		t.Fatal(err)
	}
	if ok, why := Ready(&cs, "c"); ok || !strings.Contains(why, "r3 is recovering") {
		t.Fatalf("ready %v %q", ok, why)
	}
	r := cs.Collections["c"].Shards["shard2"].Replicas["r3"]
	r.State = "active"
	cs.Collections["c"].Shards["shard2"].Replicas["r3"] = r
	if ok, why := Ready(&cs, "c"); !ok {
		t.Fatalf("not ready: %s", why)
	}
	if ok, _ := Ready(&cs, "other"); ok {
		t.Fatal("a missing collection is ready")
	}
}

func TestAfterSteps(t *testing.T) {
	base := &Plan{Window: manifest.Window{HBaseEndMs: 1800000000000}}
	tables := []TablePlan{{Target: "t"}}
	cols := []CollectionPlan{{Target: "c"}}
	ok := &Report{Parts: []PartResult{{Status: StatusRestored}}}
	tests := []struct {
		name string
		plan Plan
		rep  *Report
		want string
		not  string
	}{
		{"both", Plan{Tables: tables, Collections: cols}, ok, "No reindex needed when Atlas was not written to", "Reindex advised"},
		{"hbase only", Plan{Tables: tables}, ok, "Reindex advised: HBase was restored but Solr was not", ""},
		{"solr only", Plan{Collections: cols}, ok, "Reindex advised: Solr was restored but HBase was not", ""},
		{"merged", Plan{Tables: tables, Collections: cols}, &Report{Parts: []PartResult{{Status: StatusMerged}}}, "rows were merged", ""},
		{"failed", Plan{Tables: tables}, &Report{Parts: []PartResult{{Part: "hbase", Target: "t", Status: StatusFailed, Left: "partly imported"}}},
			"Do not start Atlas on this state", "Start Atlas"},
		{"suffix", Plan{Tables: tables, Suffix: "_old"}, ok, "suffixed names (_old)", ""},
		{"writes seen while the backup ran", Plan{Tables: tables, Collections: cols, Window: manifest.Window{Consistency: &manifest.Consistency{
			Seconds: 42, RepairAdvised: true, Writes: []string{"solr vertex_index: 10 docs at plan time, 12 right after its BACKUP"}}}},
			ok, "Reindex advised: Atlas wrote while the backup ran (solr vertex_index: 10 docs", "No reindex"},
		{"no writes seen", Plan{Tables: tables, Collections: cols, Window: manifest.Window{Consistency: &manifest.Consistency{Seconds: 42}}},
			ok, "No reindex needed: nothing showed Atlas writing while the backup ran", "Reindex advised"},
		{"config elsewhere", Plan{Config: &ConfigPlan{Target: "/tmp/c", LiveDir: "/etc/atlas/conf"}}, ok, "unpacked into /tmp/c, not into the live folder", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.plan
			c := p.Window.Consistency
			p.Window = base.Window
			p.Window.Consistency = c
			got := strings.Join(afterSteps(&p, tt.rep), "\n")
			if !strings.Contains(got, tt.want) || tt.not != "" && strings.Contains(got, tt.not) {
				t.Fatalf("after steps:\n%s\nwant %q, not %q", got, tt.want, tt.not)
			}
		})
	}
	if got := afterSteps(&Plan{Drill: true}, ok); len(got) != 0 {
		t.Fatalf("drill after steps %v", got)
	}
	if got := strings.Join(beforeSteps(&Plan{}), " "); !strings.Contains(got, "Stop Atlas before the restore") {
		t.Fatalf("before: %s", got)
	}
}

func TestJobIDs(t *testing.T) {
	id := runner.JobID("r20261125T155001Z-041220", "import", "ns:ATLAS_ENTITY_AUDIT_EVENTS_drill_abcdef")
	if err := (runner.Job{ID: id, Steps: []runner.Step{{Argv: []string{"x"}}}}).Validate(); err != nil {
		t.Fatal(err)
	}
	if runner.JobID("r1", "import", "a:b") == runner.JobID("r1", "import", "a.b") {
		t.Fatal("distinct tables, same job id")
	}
	if s := ScratchSuffix(time.Unix(0, 0x1234567)); s != "_drill_234567" || !suffixRe.MatchString(s) {
		t.Fatalf("suffix %q", s)
	}
}

func TestRunStopsAtFirstFailure(t *testing.T) {
	f := newFixture(t)
	f.eng.Cfg.Concurrency = 1
	f.run.fail["import"] = true
	rep, err := f.eng.Run(context.Background(), PlanInput{BackupID: backupID, Suffix: "_r", RestoreID: "rtest"})
	var imp *ImportFailed
	if !errors.As(err, &imp) || BeforeTouching(err) {
		t.Fatalf("err = %v (%T)", err, err)
	}
	if rep.OK || !rep.Touched || len(rep.Parts) != 3 {
		t.Fatalf("report %+v", rep)
	}
	want := []struct{ status, left string }{
		{StatusFailed, "partly imported"},
		{StatusNotStarted, "does not exist (unchanged)"},
		{StatusNotStarted, "unchanged"},
	}
	for i, w := range want {
		if p := rep.Parts[i]; p.Status != w.status || !strings.HasPrefix(p.Left, w.left) {
			t.Errorf("part %d %s: %s / %q, want %s / %q", i, p.Target, p.Status, p.Left, w.status, w.left)
		}
	}
	if after := strings.Join(rep.After, "\n"); !strings.Contains(after, "Do not start Atlas on this state") || !strings.Contains(after, "hbase atlas_janus_r is failed: partly imported") {
		t.Errorf("after steps:\n%s", after)
	}
	if k := f.run.kinds(); !reflect.DeepEqual(k, []string{"list", "create", "import"}) {
		t.Errorf("jobs %v, want list, create, import", k)
	}
	// the staged export and the fetched Solr folder are gone
	if _, err := os.Stat(filepath.Join(f.eng.Cfg.HBase.ExportDir, "_restore", "rtest")); !os.IsNotExist(err) {
		t.Errorf("staged export left: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(f.eng.Cfg.Solr.Location, "restore-*")); len(left) > 0 {
		t.Errorf("solr restore folders left: %v", left)
	}
}

// The check export of a restored table uses the backup's window in the table's own unit
// (JanusGraph's µs), and the backup's ms window for manifests that did not record one.
func TestCheckExportUsesTheTablesUnit(t *testing.T) {
	f := newFixture(t)
	f.eng.Cfg.HBase.Versions = 1
	p := &Plan{RestoreID: "rtest", Window: manifest.Window{HBaseEndMs: 1800000000000}}
	for _, tt := range []struct {
		name   string
		window *manifest.TableWindow
		want   []string
	}{
		{"µs window", &manifest.TableWindow{Unit: hbase.Microseconds, End: 1800000000000123}, []string{"0", "1800000000000123"}},
		{"no window: empty at backup time", &manifest.TableWindow{Note: "empty"}, nil},
		{"older manifest", nil, []string{"0", "1800000000000"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tp := TablePlan{Table: "atlas_janus", Target: "atlas_janus", Versions: 1, Window: tt.window,
				CheckDir: filepath.Join(f.work, "check", "atlas_janus")}
			n := len(f.run.jobs)
			if _, err := f.eng.CheckSubmit(context.Background(), p, tp, runner.Status{State: runner.StateSucceeded}); err != nil {
				t.Fatal(err)
			}
			steps := f.run.jobs[n].Steps
			argv := steps[len(steps)-1].Argv
			i := -1
			for k, a := range argv {
				if a == hbase.ExportClass {
					i = k
				}
			}
			got := argv[i+4:] // after table, outdir, versions
			if fmt.Sprint(got) != fmt.Sprint(tt.want) && !(len(got) == 0 && tt.want == nil) {
				t.Fatalf("export argv %q: window args %q, want %q", argv, got, tt.want)
			}
		})
	}
}
