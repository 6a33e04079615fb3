package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/atlas-backup/atlas-backup/shared/atlas"
	"github.com/atlas-backup/atlas-backup/shared/config"
	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/runner"
	"github.com/atlas-backup/atlas-backup/shared/solr"
	"github.com/atlas-backup/atlas-backup/shared/store"
	"github.com/atlas-backup/atlas-backup/shared/watchdog"
)

// Core holds the dependencies a backup or restore engine runs on, for one cluster.
// Every one is injected; main (through shared/clients) wires them.
type Core struct {
	Cfg    config.Config
	Store  store.Store
	Layout store.Layout
	Runner runner.Runner
	// Atlas is the Atlas REST client (nil: atlas.url is not set). A backup's plan
	// records what Atlas answers (atlas.Record) and takes its version from it; a restore
	// (not a drill) is refused while Atlas answers, unless Yes.
	Atlas *atlas.Client
	// HBaseKeytab is the keytab path kinit uses on the runner host (cfg.HBase.Keytab,
	// or a 0600 copy of a Secrets Manager keytab for the local runner).
	HBaseKeytab string
	// Login, when set, logs in to the KDC as the Solr/Atlas client; its failure is a
	// preflight problem (KDC unreachable, wrong keytab or principal).
	Login func(ctx context.Context) error
	// Log carries the backup id on every line (the caller adds it with With()).
	Log zerolog.Logger
	// Progress, when set, sees every step event (the CLI prints them on stderr).
	Progress func(Event)
	// Clock, when set, stands in for time.Now (tests).
	Clock func() time.Time
	// HBaseDog watches running HBase jobs (clients.HBaseWatchdog: hbase.noProgress and
	// the probe through hbase.zookeeper); the zero value watches nothing.
	HBaseDog watchdog.Dog
	// Poll paces HBase job polling; SolrWait paces REQUESTSTATUS.
	Poll     runner.Backoff
	SolrWait solr.WaitOptions
}

// Event is one progress report of a backup or a restore.
type Event struct {
	// RestoreID is set on a restore's or drill's events only.
	RestoreID string `json:"restoreId,omitempty"`
	BackupID  string `json:"backupId"`
	// Part: plan, hbase, solr, config, finalize, hook (a backup); plan, fetch, hbase,
	// solr, config, cleanup, report, hook (a restore).
	Part string `json:"part"`
	// Name: the table, collection or folder, when the part has one.
	Name string `json:"name,omitempty"`
	// Phase: started, submitted, polling, shipping, shipped, digested, recorded,
	// fetched, created, checking, done, failed, warning, dropped, deleted...
	Phase   string `json:"phase"`
	Message string `json:"message,omitempty"`
	Bytes   int64  `json:"bytes,omitempty"`
}

// Now is the engine's clock, in UTC.
func (c *Core) Now() time.Time {
	if c.Clock != nil {
		return c.Clock().UTC()
	}
	return time.Now().UTC()
}

// Emit logs ev (failed at error level, warning at warn level, others at info) and
// hands it to Progress. A restore's events log their restore and backup ids; a
// backup's logger carries its id already.
func (c *Core) Emit(ev Event) {
	lg := c.Log.Info()
	switch ev.Phase {
	case "failed":
		lg = c.Log.Error()
	case "warning":
		lg = c.Log.Warn()
	}
	if ev.RestoreID != "" {
		lg = lg.Str("restoreId", ev.RestoreID).Str("backupId", ev.BackupID)
	}
	lg.Str("part", ev.Part).Str("name", ev.Name).Str("phase", ev.Phase).
		Int64("bytes", ev.Bytes).Msg(ev.Message)
	if c.Progress != nil {
		c.Progress(ev)
	}
}

// Polling returns a poll callback for a wait: it emits ev as a "polling" event with the
// polled state as its message on the first call and every fifth after it, so a long
// wait shows it is alive without a line a poll.
func (c *Core) Polling(ev Event) func(state string) {
	polls := 0
	return func(state string) {
		polls++
		if polls%5 == 1 {
			ev.Phase, ev.Message = "polling", state
			c.Emit(ev)
		}
	}
}

// CCache is the ticket cache of one backup's or restore's HBase jobs (op: backup,
// restore): in the work dir for the local runner, else in /tmp on the runner host.
func (c *Core) CCache(op, id string) string {
	dir := "/tmp"
	if c.Cfg.HBase.Runner.Type == config.RunnerLocal {
		dir = c.Cfg.WorkDir
	}
	return dir + "/krb5cc_atlas_" + op + "_" + id
}

// Identity runs HBase commands as the hbase principal, with a ticket cache of this
// backup's or restore's own (CCache). With the local runner the commands run here, in
// the tool's realm (kerberos.krb5Conf).
func (c *Core) Identity(op, id string) hbase.Identity {
	ident := hbase.Identity{Principal: c.Cfg.HBase.Principal, Keytab: c.HBaseKeytab, CCache: c.CCache(op, id)}
	if c.Cfg.HBase.Runner.Type == config.RunnerLocal {
		ident.Krb5Conf = c.Cfg.Kerberos.Krb5Conf
	}
	return ident
}

// doner is runner.Local's way to tell a job of this process ended, without polling.
type doner interface {
	Done(handle string) <-chan struct{}
}

// WaitJob waits for a submitted job's end: on runner.Local's Done channel when the job
// is this process's (onPoll then sees one RUNNING status first), else by polling the
// runner as Poll paces it (onPoll, when set, sees every status polled).
func (c *Core) WaitJob(ctx context.Context, handle string, onPoll func(runner.Status)) (runner.Status, error) {
	if d, ok := c.Runner.(doner); ok {
		if ch := d.Done(handle); ch != nil {
			if onPoll != nil {
				onPoll(runner.Status{State: runner.StateRunning})
			}
			select {
			case <-ch:
				return c.Runner.Status(ctx, handle)
			case <-ctx.Done():
				return runner.Status{}, fmt.Errorf("wait for %s: %w", handle, ctx.Err())
			}
		}
	}
	return runner.Wait(ctx, c.Runner, handle, c.Poll, onPoll)
}

// WatchJob waits for an HBase job (what names it: "hbase export of atlas_janus") by
// polling under the watchdog and hbase.timeout: a job without progress for
// hbase.noProgress while HBase does not answer ends the wait with *watchdog.Stalled, as
// does a job that failed while HBase does not answer; a job past hbase.timeout ends it
// with an error saying so. A job given up on is cancelled when the runner can
// (runner.Canceler), so none runs on behind a failed part.
func (c *Core) WatchJob(ctx context.Context, what, handle string, onPoll func(runner.Status)) (runner.Status, error) {
	st, err := runner.WaitCheck(ctx, c.Runner, handle, c.Poll, onPoll, c.HBaseDog.JobCheck(what, time.Duration(c.Cfg.HBase.Timeout), c.Now))
	if err != nil {
		if ctx.Err() == nil {
			c.CancelJob(ctx, handle)
		}
		return st, err
	}
	if st.State == runner.StateFailed {
		if err := c.HBaseDog.CheckFailed(ctx, what, fmt.Sprintf("job FAILED (exit %d: %s)", st.ExitCode, st.Tail(3))); err != nil {
			return st, err
		}
	}
	return st, nil
}

// CancelJob ends a job when the runner can (runner.Canceler); a failure is logged.
func (c *Core) CancelJob(ctx context.Context, handle string) {
	cr, ok := c.Runner.(runner.Canceler)
	if !ok {
		return
	}
	if err := cr.Cancel(ctx, handle); err != nil {
		c.Log.Warn().Err(err).Str("job", handle).Msg("cancel job")
		return
	}
	c.Log.Info().Str("job", handle).Msg("job cancelled")
}

// RunJob submits a job and waits for its end (WaitJob).
func (c *Core) RunJob(ctx context.Context, job runner.Job) (runner.Status, error) {
	h, err := c.Runner.Submit(ctx, job)
	if err != nil {
		return runner.Status{}, err
	}
	return c.WaitJob(ctx, h, nil)
}
