package handler

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/atlas-backup/atlas-backup/shared/backup"
	"github.com/atlas-backup/atlas-backup/shared/engine"
	"github.com/atlas-backup/atlas-backup/shared/restore"
	"github.com/atlas-backup/atlas-backup/shared/runner"
	"github.com/atlas-backup/atlas-backup/shared/solr"
	"github.com/atlas-backup/atlas-backup/shared/watchdog"
)

// stuckRunner reports every job RUNNING with the output it is given and records cancels.
type stuckRunner struct {
	output    string
	cancelled []string
}

func (r *stuckRunner) Submit(context.Context, runner.Job) (string, error) { return "j1", nil }
func (r *stuckRunner) Status(context.Context, string) (runner.Status, error) {
	return runner.Status{State: runner.StateRunning, StepIndex: 1, Output: r.output}, nil
}
func (r *stuckRunner) Cancel(_ context.Context, h string) error {
	r.cancelled = append(r.cancelled, h)
	return nil
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time                { return c.t }
func (c *fakeClock) advance(d time.Duration)       { c.t = c.t.Add(d) }
func noSleep(context.Context, time.Duration) error { return nil }

func putPlan(t *testing.T, e *backup.Engine, p backup.Plan) {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Store.Put(context.Background(), e.Layout.Plan(p.BackupID), bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
}

// The Lambda path: ExportStatus carries the watch in its output; the checks after
// hbase.noProgress without progress probe HBase, and a failed probe ends the part with
// kind Stalled (caught by the state machine) and cancels the job. A probe that answers,
// or output that moves, keeps the export polling.
func TestExportStatusWatchdog(t *testing.T) {
	ctx := context.Background()
	id := "20261125T151200Z-0a1b2c"
	clock := &fakeClock{t: time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC)}
	tests := []struct {
		name      string
		probeErr  error
		moving    bool // the job prints a new map progress line before every check
		wantKind  string
		wantInErr []string
	}{
		{name: "HBase down", probeErr: errors.New("the HBase master (znode /hbase/master, ZooKeeper zk1:2181) does not answer: connection refused"),
			wantKind: "Stalled", wantInErr: []string{"hbase export of atlas_janus", "no progress for 2m0s", "zk1:2181", "HBase is down?"}},
		{name: "HBase answers and the job is slow", wantKind: ""},
		{name: "HBase down but the job moves", probeErr: errors.New("down"), moving: true, wantKind: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := fileEngine(t)
			e.Clock = clock.now
			e.Cfg.HBase.NoProgress = 2 * 60 * 1e9
			probes := 0
			e.HBaseDog = watchdog.Dog{NoProgress: 2 * time.Minute, Service: "HBase", Sleep: noSleep,
				Probe: func(context.Context) error { probes++; return tt.probeErr }}
			r := &stuckRunner{output: "atlas-backup: step 2/3: hbase Export\nINFO mapreduce.Job:  map 0% reduce 0%\n"}
			e.Runner = r
			putPlan(t, e, backup.Plan{BackupID: id, Cluster: "prod", Tables: []backup.TablePlan{{Table: "atlas_janus"}}})
			h := &Backup{Engine: e}
			task := ExportTask{BackupID: id, Table: "atlas_janus", Handle: "j1", Poll: h.exportPolicy().First()}
			var err error
			for i := 0; i < 6 && err == nil; i++ { // checks at 0, 30s, 1m, ... 2m30s
				if tt.moving {
					r.output += "INFO mapreduce.Job:  map " + string(rune('1'+i)) + "% reduce 0%\n"
				} else {
					r.output += "WARN client.RpcRetryingCallerImpl: Call exception, tries=" + string(rune('6'+i)) + "\n"
				}
				task, err = h.ExportStatus(ctx, task)
				clock.advance(30 * time.Second)
			}
			if got := Kind(err); got != tt.wantKind {
				t.Fatalf("kind %q (%v), want %q", got, err, tt.wantKind)
			}
			for _, w := range tt.wantInErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if tt.wantKind == "Stalled" && (len(r.cancelled) != 1 || probes != 3) {
				t.Errorf("cancelled %v, %d probes (want the job cancelled once, 3 tries)", r.cancelled, probes)
			}
			if tt.wantKind == "" && len(r.cancelled) != 0 {
				t.Errorf("a running job was cancelled: %v", r.cancelled)
			}
			if tt.moving && probes != 0 {
				t.Errorf("a moving job was probed %d times", probes)
			}
			if !tt.moving && tt.wantKind == "" && probes == 0 {
				t.Errorf("a job without progress for 2m30s was never probed")
			}
			if task.Watch.Mark == "" || task.Watch.Since.IsZero() {
				t.Errorf("the watch is not carried in the task: %+v", task.Watch)
			}
		})
	}
}

// hbase.timeout bounds the poll loop (the policy's limit), and the job is cancelled.
func TestExportStatusTimeout(t *testing.T) {
	e := fileEngine(t)
	e.Cfg.HBase.Timeout = 1e9 * 60 * 2 // 2m
	r := &stuckRunner{}
	e.Runner = r
	id := "20261125T151200Z-0a1b2c"
	putPlan(t, e, backup.Plan{BackupID: id, Cluster: "prod", Tables: []backup.TablePlan{{Table: "t1"}}})
	h := &Backup{Engine: e}
	task := ExportTask{BackupID: id, Table: "t1", Handle: "j1", Poll: h.exportPolicy().First()}
	var err error
	for i := 0; i < 20 && err == nil; i++ {
		r.output += "x\n"
		task, err = h.ExportStatus(context.Background(), task)
	}
	if Kind(err) != "TimedOut" || !strings.Contains(err.Error(), "limit 2m0s") || len(r.cancelled) != 1 {
		t.Fatalf("err %v (%s), cancelled %v", err, Kind(err), r.cancelled)
	}
}

// Solr that stops answering: PollFailed (retried by the state machine with the same
// input) until solr.noAnswer has passed since the last answer, then SolrBackupFailed
// naming Solr.
func TestSolrStatusNoAnswer(t *testing.T) {
	e := fileEngine(t)
	clock := &fakeClock{t: time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC)}
	e.Clock = clock.now
	e.Cfg.Solr.NoAnswer = 1e9 * 60 * 5
	e.Solr = downSolr{}
	id := "20261125T151200Z-0a1b2c"
	putPlan(t, e, backup.Plan{BackupID: id, Cluster: "prod", Collections: []backup.CollectionPlan{{Collection: "vertex_index", AsyncID: "a1"}}})
	h := &Backup{Engine: e}
	task := SolrTask{BackupID: id, Collection: "vertex_index", AsyncID: "a1", Answered: clock.t}
	clock.advance(4 * time.Minute)
	if _, err := h.SolrStatus(context.Background(), task); Kind(err) != "PollFailed" {
		t.Fatalf("after 4m: %v (%s), want PollFailed", err, Kind(err))
	}
	clock.advance(time.Minute)
	_, err := h.SolrStatus(context.Background(), task)
	if Kind(err) != "SolrBackupFailed" || !strings.Contains(err.Error(), "no answer to REQUESTSTATUS for 5m0s") || !strings.Contains(err.Error(), "Solr is down?") {
		t.Fatalf("after 5m: %v (%s)", err, Kind(err))
	}
}

type downSolr struct{ backup.SolrAPI }

func (downSolr) RequestStatus(context.Context, string) (solr.Status, error) {
	return solr.Status{}, errors.New("all nodes: connection refused")
}

type failedRunner struct{ stuckRunner }

func (r *failedRunner) Status(context.Context, string) (runner.Status, error) {
	return runner.Status{State: runner.StateFailed, ExitCode: 1, StepIndex: 1, Output: "ConnectionLoss for /hbase/hbaseid"}, nil
}

// A job that failed while HBase does not answer: Stalled naming HBase; while HBase
// answers: ExportFailed with the job's lines.
func TestExportStatusFailedJobProbesHBase(t *testing.T) {
	id := "20261125T151200Z-0a1b2c"
	for _, tt := range []struct {
		name     string
		probeErr error
		want     string
	}{
		{"HBase down", errors.New("the HBase master (znode /hbase/master, ZooKeeper zk1:2181) does not answer"), "Stalled"},
		{"HBase answers", nil, "ExportFailed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := fileEngine(t)
			e.Runner = &failedRunner{}
			e.HBaseDog = watchdog.Dog{NoProgress: time.Minute, Service: "HBase", Sleep: noSleep, Probe: func(context.Context) error { return tt.probeErr }}
			putPlan(t, e, backup.Plan{BackupID: id, Cluster: "prod", Tables: []backup.TablePlan{{Table: "t1"}}})
			_, err := (&Backup{Engine: e}).ExportStatus(context.Background(), ExportTask{BackupID: id, Table: "t1", Handle: "j1"})
			if Kind(err) != tt.want || !strings.Contains(err.Error(), "ConnectionLoss") {
				t.Fatalf("%v (%s), want %s with the job's lines", err, Kind(err), tt.want)
			}
		})
	}
}

// The restore's Import (Lambda path) has the same watchdog: no progress for
// hbase.noProgress while HBase does not answer is Stalled, and the job is cancelled.
func TestTableJobStatusWatchdog(t *testing.T) {
	be := fileEngine(t)
	clock := &fakeClock{t: time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC)}
	r := &stuckRunner{output: "atlas-backup: step 2/2: hbase Import\n"}
	e := &restore.Engine{Core: engine.Core{Cfg: be.Cfg, Store: be.Store, Layout: be.Layout, Log: zerolog.Nop(), Runner: r, Clock: clock.now,
		HBaseDog: watchdog.Dog{NoProgress: time.Minute, Service: "HBase", Sleep: noSleep,
			Probe: func(context.Context) error { return errors.New("the HBase master (...) does not answer") }}}}
	h := &Restore{Engine: e}
	task := RestoreTask{RestoreItem: RestoreItem{RestoreID: "r20261125T153000Z-0d1e2f", Part: "hbase", Name: "atlas_janus"}, Phase: "import", Handle: "j1", Poll: h.jobPolicy().First()}
	var err error
	for i := 0; i < 4 && err == nil; i++ {
		task, err = h.TableJobStatus(context.Background(), task)
		clock.advance(30 * time.Second)
	}
	if Kind(err) != "Stalled" || !strings.Contains(err.Error(), "hbase import job of atlas_janus: no progress for 1m0s") || len(r.cancelled) != 1 {
		t.Fatalf("%v (%s), cancelled %v", err, Kind(err), r.cancelled)
	}
}

// A BACKUP seen running whose async id Solr no longer knows (DELETESTATUS by someone
// else, lost ZooKeeper state) fails at once as SolrBackupFailed naming the lost task,
// instead of after the notfound checks meant for a task not visible yet.
func TestSolrStatusLostTask(t *testing.T) {
	e := fileEngine(t)
	e.Solr = notfoundSolr{}
	id := "20261125T151200Z-0a1b2c"
	putPlan(t, e, backup.Plan{BackupID: id, Cluster: "prod", Collections: []backup.CollectionPlan{{Collection: "vertex_index", AsyncID: "a1"}}})
	h := &Backup{Engine: e}
	first := SolrTask{BackupID: id, Collection: "vertex_index", AsyncID: "a1", Poll: h.solrPolicy().First()}
	if _, err := h.SolrStatus(context.Background(), first); err != nil {
		t.Fatalf("notfound at the first check (not visible yet): %v", err)
	}
	seen := first
	seen.State = string(solr.StateRunning)
	_, err := h.SolrStatus(context.Background(), seen)
	if Kind(err) != "SolrBackupFailed" || !errors.Is(err, solr.ErrTaskLost) || !strings.Contains(err.Error(), "notfound after it was running") {
		t.Fatalf("notfound after running: %v (%s)", err, Kind(err))
	}
}

type notfoundSolr struct{ backup.SolrAPI }

func (notfoundSolr) RequestStatus(_ context.Context, id string) (solr.Status, error) {
	return solr.Status{AsyncID: id, State: solr.StateNotFound}, nil
}
