package backup

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/config"
	"github.com/atlas-backup/atlas-backup/shared/runner"
	"github.com/atlas-backup/atlas-backup/shared/watchdog"
)

// hungRunner: every job stays RUNNING with output that never shows progress (client
// retries only); Cancel is recorded.
type hungRunner struct {
	polls     int
	cancelled []string
}

func (r *hungRunner) Submit(_ context.Context, j runner.Job) (string, error) { return j.ID, nil }
func (r *hungRunner) Status(context.Context, string) (runner.Status, error) {
	r.polls++
	return runner.Status{State: runner.StateRunning, StepIndex: 2,
		Output: "atlas-backup: step 3/4: hbase Export\nmap 0% reduce 0%\n" + strings.Repeat("WARN RpcRetryingCallerImpl: Call exception\n", r.polls)}, nil
}
func (r *hungRunner) Cancel(_ context.Context, h string) error {
	r.cancelled = append(r.cancelled, h)
	return nil
}

// The CLI path: an export that polls RUNNING without progress while HBase does not
// answer ends with *watchdog.Stalled after hbase.noProgress on the engine's clock (each
// poll's sleep advances it), and its job is cancelled.
func TestExportTableStalls(t *testing.T) {
	now := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)
	e := newTestEngine(t, now)
	e.Clock = func() time.Time { return now }
	e.Cfg = config.Defaults()
	e.Cfg.Kerberos.Disabled = true
	e.Cfg.WorkDir = t.TempDir()
	r := &hungRunner{}
	e.Runner = r
	e.Poll = runner.Backoff{Initial: 10 * time.Second, Max: 10 * time.Second,
		Sleep: func(_ context.Context, d time.Duration) error { now = now.Add(d); return nil }}
	down := errors.New("the HBase master (znode /hbase/master, ZooKeeper 127.0.0.1:2181) does not answer: connection refused")
	e.HBaseDog = watchdog.Dog{NoProgress: time.Minute, Service: "HBase", Sleep: func(context.Context, time.Duration) error { return nil },
		Probe: func(context.Context) error { return down }}
	p := &Plan{BackupID: "b1", Cluster: "c1"}
	tp := TablePlan{Table: "atlas_janus", ExportDir: filepath.Join(t.TempDir(), "b1", "atlas_janus"), JobID: "b1-export-atlas_janus"}
	start := now
	_, err := e.exportTable(context.Background(), p, tp)
	var s *watchdog.Stalled
	if !errors.As(err, &s) || !strings.Contains(err.Error(), "hbase export of atlas_janus: no progress for 1m0s and the HBase master") {
		t.Fatalf("err = %v", err)
	}
	if got := now.Sub(start); got != time.Minute {
		t.Errorf("failed after %s of polling, want 1m (noProgress)", got)
	}
	if len(r.cancelled) != 1 || r.cancelled[0] != tp.JobID {
		t.Errorf("cancelled %v", r.cancelled)
	}

	// HBase answers: the same job polls on (bounded here by hbase.timeout).
	r2 := &hungRunner{}
	e.Runner = r2
	e.HBaseDog.Probe = func(context.Context) error { return nil }
	e.Cfg.HBase.Timeout = config.Duration(10 * time.Minute)
	start = now
	_, err = e.exportTable(context.Background(), p, tp)
	if errors.As(err, &s) || err == nil || !strings.Contains(err.Error(), "still RUNNING after 10m0s") {
		t.Fatalf("with HBase answering: %v", err)
	}
	if got := now.Sub(start); got != 10*time.Minute || len(r2.cancelled) != 1 {
		t.Errorf("ended after %s (want the 10m deadline), cancelled %v", got, r2.cancelled)
	}
}
