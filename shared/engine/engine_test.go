package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/atlas-backup/atlas-backup/shared/config"
	"github.com/atlas-backup/atlas-backup/shared/engine"
	"github.com/atlas-backup/atlas-backup/shared/runner"
)

func TestNow(t *testing.T) {
	at := time.Date(2026, 11, 25, 16, 12, 0, 0, time.FixedZone("CET", 3600))
	c := &engine.Core{Clock: func() time.Time { return at }}
	if got := c.Now(); !got.Equal(at) || got.Location() != time.UTC {
		t.Errorf("Now() = %v, want %v in UTC", got, at)
	}
	if got := (&engine.Core{}).Now(); got.Location() != time.UTC || time.Since(got) > time.Minute {
		t.Errorf("Now() without a clock = %v, want the time now in UTC", got)
	}
}

// Emit logs each event at its phase's level (a restore's with its ids) and hands it to
// Progress unchanged.
func TestEmit(t *testing.T) {
	tests := []struct {
		name   string
		ev     engine.Event
		level  string
		fields map[string]any
		absent []string
	}{
		{name: "backup started", ev: engine.Event{BackupID: "b1", Part: "hbase", Name: "atlas_janus", Phase: "started", Message: "m", Bytes: 3},
			level: "info", fields: map[string]any{"part": "hbase", "name": "atlas_janus", "phase": "started", "bytes": 3.0, "message": "m"},
			absent: []string{"restoreId", "backupId"}},
		{name: "backup failed", ev: engine.Event{BackupID: "b1", Part: "solr", Phase: "failed"}, level: "error"},
		{name: "warning", ev: engine.Event{BackupID: "b1", Part: "solr", Phase: "warning"}, level: "warn"},
		{name: "restore", ev: engine.Event{RestoreID: "r1", BackupID: "b1", Part: "fetch", Phase: "done"},
			level: "info", fields: map[string]any{"restoreId": "r1", "backupId": "b1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			var got []engine.Event
			c := &engine.Core{Log: zerolog.New(&buf), Progress: func(ev engine.Event) { got = append(got, ev) }}
			c.Emit(tt.ev)
			if len(got) != 1 || got[0] != tt.ev {
				t.Errorf("Progress saw %+v, want [%+v]", got, tt.ev)
			}
			var line map[string]any
			if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
				t.Fatalf("log line %q: %v", buf.String(), err)
			}
			if line["level"] != tt.level {
				t.Errorf("level %v, want %s", line["level"], tt.level)
			}
			for k, v := range tt.fields {
				if line[k] != v {
					t.Errorf("%s = %v, want %v", k, line[k], v)
				}
			}
			for _, k := range tt.absent {
				if _, ok := line[k]; ok {
					t.Errorf("%s logged: %s", k, buf.String())
				}
			}
		})
	}
}

// Polling reports the 1st, 6th, 11th... poll, as a polling event with the state.
func TestPolling(t *testing.T) {
	var got []engine.Event
	c := &engine.Core{Log: zerolog.Nop(), Progress: func(ev engine.Event) { got = append(got, ev) }}
	report := c.Polling(engine.Event{BackupID: "b1", Part: "hbase", Name: "t"})
	for i := range 12 {
		report([]string{"PENDING", "RUNNING"}[min(i, 1)])
	}
	want := []engine.Event{
		{BackupID: "b1", Part: "hbase", Name: "t", Phase: "polling", Message: "PENDING"},
		{BackupID: "b1", Part: "hbase", Name: "t", Phase: "polling", Message: "RUNNING"},
		{BackupID: "b1", Part: "hbase", Name: "t", Phase: "polling", Message: "RUNNING"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d events %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestIdentity(t *testing.T) {
	tests := []struct {
		name, op, runner, ccache, krb5 string
	}{
		{name: "local backup", op: "backup", runner: config.RunnerLocal, ccache: "/work/krb5cc_atlas_backup_b1", krb5: "/etc/krb5.conf"},
		{name: "local restore", op: "restore", runner: config.RunnerLocal, ccache: "/work/krb5cc_atlas_restore_b1", krb5: "/etc/krb5.conf"},
		{name: "ssm backup", op: "backup", runner: config.RunnerSSM, ccache: "/tmp/krb5cc_atlas_backup_b1"},
		{name: "emr restore", op: "restore", runner: config.RunnerEMR, ccache: "/tmp/krb5cc_atlas_restore_b1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &engine.Core{HBaseKeytab: "/k.keytab"}
			c.Cfg.WorkDir, c.Cfg.Kerberos.Krb5Conf = "/work", "/etc/krb5.conf"
			c.Cfg.HBase.Principal, c.Cfg.HBase.Runner.Type = "hbase@R", tt.runner
			id := c.Identity(tt.op, "b1")
			if id.Principal != "hbase@R" || id.Keytab != "/k.keytab" || id.CCache != tt.ccache || id.Krb5Conf != tt.krb5 {
				t.Errorf("Identity = %+v, want ccache %s, krb5 %q", id, tt.ccache, tt.krb5)
			}
			if got := c.CCache(tt.op, "b1"); got != tt.ccache {
				t.Errorf("CCache = %s, want %s", got, tt.ccache)
			}
		})
	}
}

// polledRunner finishes a job after a few polls.
type polledRunner struct{ polls int }

func (r *polledRunner) Submit(context.Context, runner.Job) (string, error) { return "h1", nil }
func (r *polledRunner) Status(context.Context, string) (runner.Status, error) {
	r.polls++
	if r.polls < 3 {
		return runner.Status{State: runner.StateRunning}, nil
	}
	return runner.Status{State: runner.StateSucceeded}, nil
}

// WaitJob polls a runner that cannot say when a job ends, and waits on runner.Local's
// Done channel for a job of this process (onPoll then sees RUNNING once).
func TestWaitJob(t *testing.T) {
	ctx := context.Background()
	t.Run("polled", func(t *testing.T) {
		r := &polledRunner{}
		c := &engine.Core{Runner: r, Poll: runner.Backoff{Initial: time.Millisecond, Max: time.Millisecond, Multiplier: 1}}
		st, err := c.RunJob(ctx, runner.Job{ID: "j1"})
		if err != nil || st.State != runner.StateSucceeded || r.polls != 3 {
			t.Fatalf("RunJob = %+v, %v after %d polls; want SUCCEEDED after 3", st, err, r.polls)
		}
	})
	t.Run("local done", func(t *testing.T) {
		l := runner.NewLocal(t.TempDir())
		c := &engine.Core{Runner: l, Poll: runner.Backoff{Initial: time.Hour, Max: time.Hour, Multiplier: 1}}
		h, err := l.Submit(ctx, runner.Job{ID: "j1", Steps: []runner.Step{{Argv: []string{"true"}}}})
		if err != nil {
			t.Fatal(err)
		}
		var seen []string
		st, err := c.WaitJob(ctx, h, func(s runner.Status) { seen = append(seen, string(s.State)) })
		if err != nil || st.State != runner.StateSucceeded {
			t.Fatalf("WaitJob = %+v, %v; want SUCCEEDED (an hour's poll would time the test out)", st, err)
		}
		if strings.Join(seen, ",") != "RUNNING" {
			t.Errorf("onPoll saw %v, want [RUNNING]", seen)
		}
	})
}
