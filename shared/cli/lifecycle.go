package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rs/zerolog"

	"github.com/atlas-backup/atlas-backup/shared/clients"
	"github.com/atlas-backup/atlas-backup/shared/events"
	"github.com/atlas-backup/atlas-backup/shared/forget"
	"github.com/atlas-backup/atlas-backup/shared/lock"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/restore"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

// ExitLocked: another backup, restore or forget holds the cluster's lock (the message
// names it), or this run lost the lock it held.
const ExitLocked = 5

// heldLock is the cluster lock this run holds, refreshed until release.
type heldLock struct {
	lk   *lock.Lock
	stop func()
}

// takeLock takes the cluster lock for op, refreshed in the background; when the lock
// is lost, cancel is called with the *lock.LockLost. nil and the exit code when it is
// held by someone else (printed).
func (a *app) takeLock(ctx context.Context, set *clients.Set, op, backupID, runID string, cancel context.CancelCauseFunc) (*heldLock, int) {
	l := set.Locker()
	lk, err := l.Acquire(ctx, l.Me(op, backupID, runID))
	if errors.Is(err, store.ErrNoBucket) {
		// Nothing can be written to a store that does not exist, so there is nothing to
		// guard: the run goes on and fails at its preflight, saying so (a backup keeps
		// its FAILED manifest in the work folder).
		return &heldLock{stop: func() {}}, ExitOK
	}
	if err != nil {
		var locked *lock.Locked
		if errors.As(err, &locked) {
			a.errorf("%v", err)
			return nil, ExitLocked
		}
		a.errorf("cluster lock: %v", err)
		return nil, ExitFailed
	}
	stop := lk.KeepAlive(ctx, 0, func(err error) {
		a.errorf("%v", err)
		cancel(err)
	})
	return &heldLock{lk: lk, stop: stop}, ExitOK
}

func (h *heldLock) release(ctx context.Context) error {
	h.stop()
	if h.lk == nil {
		return nil
	}
	return h.lk.Release(context.WithoutCancel(ctx))
}

// lockLost reports whether ctx was cancelled because the lock was lost.
func lockLost(ctx context.Context) bool {
	var lost *lock.LockLost
	return errors.As(context.Cause(ctx), &lost)
}

// publish sends a completion event when events.bus is set; a failure is a warning
// (the operation's outcome does not change).
func (a *app) publish(ctx context.Context, set *clients.Set, ev events.Event) {
	pub, err := set.Publisher(ctx, set.Cfg.Events.Bus)
	if err == nil && pub != nil {
		err = pub.Publish(context.WithoutCancel(ctx), ev)
	}
	if err != nil {
		a.errorf("warning: completion event %q not published: %v", ev.DetailType, err)
	} else if pub != nil {
		fmt.Fprintf(a.stderr, "event %q published on %s\n", ev.DetailType, set.Cfg.Events.Bus)
	}
}

// afterBackup runs retention after a SUCCEEDED backup (retention.afterBackup), under
// the lock the backup holds; its summary goes to stderr and into the event.
func (a *app) afterBackup(ctx context.Context, set *clients.Set, id string, log zerolog.Logger) *events.Retention {
	if !set.Cfg.Retention.Auto() {
		return nil
	}
	eng := set.Forget(log.With().Str("backupId", id).Str("op", "forget").Logger(), id)
	eng.Progress = func(msg string) { fmt.Fprintf(a.stderr, "%s retention %s\n", time.Now().Format("15:04:05"), msg) }
	rep, err := eng.Run(ctx, forget.Options{Prune: true})
	if err != nil {
		a.errorf("warning: retention after backup %s: %v", id, err)
		return &events.Retention{Problems: []string{err.Error()}}
	}
	fmt.Fprintf(a.stderr, "retention (%s): %d kept, %d dropped\n", rep.Policy, rep.Kept, rep.Dropped)
	for _, p := range rep.Problems {
		a.errorf("warning: retention: %s", p)
	}
	return &events.Retention{Kept: rep.Kept, Dropped: rep.Dropped, Problems: rep.Problems}
}

func forgetFlags(fs *flag.FlagSet) (dry, prune *bool) {
	return fs.Bool("dry-run", false, "say which backups stay and why; delete nothing"),
		fs.Bool("prune", false, "also delete everything a dropped backup owns (store objects, Solr folder, export folder)")
}

func unlockFlags(fs *flag.FlagSet) *bool {
	return fs.Bool("force", false, "release the lock even when its holder is alive (it stops at its next refresh)")
}

func (a *app) forget(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("forget", flag.ContinueOnError)
	dry, prune := forgetFlags(fs)
	pos, code, ok := a.parse("forget", fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		a.errorf("forget takes no arguments, got %q", pos)
		return ExitUsage
	}
	set, cfg, code := a.openRead(ctx)
	if set == nil {
		return code
	}
	defer set.Close()
	log, closeLog, err := a.logger(cfg)
	if err != nil {
		a.errorf("%v", err)
		return ExitUsage
	}
	defer closeLog()
	runID := "forget-" + time.Now().UTC().Format("20060102T150405Z")
	if !*dry {
		ctx2, cancel := context.WithCancelCause(ctx)
		defer cancel(nil)
		held, code := a.takeLock(ctx2, set, lock.OpForget, "", runID, cancel)
		if held == nil {
			return code
		}
		defer held.release(ctx)
		ctx = ctx2
	}
	eng := set.Forget(log.With().Str("op", "forget").Logger(), runID)
	eng.Progress = func(msg string) { fmt.Fprintf(a.stderr, "%s %s\n", time.Now().Format("15:04:05"), msg) }
	rep, err := eng.Run(ctx, forget.Options{DryRun: *dry, Prune: *prune})
	if err != nil {
		if lockLost(ctx) {
			return ExitLocked
		}
		a.errorf("forget: %v", err)
		return ExitFailed
	}
	a.forgetReport(rep)
	if !rep.OK() {
		return ExitFailed
	}
	return ExitOK
}

func (a *app) forgetReport(r *forget.Report) {
	if a.output == "json" {
		a.printJSON(r)
		return
	}
	mode := "forget"
	if r.Prune {
		mode += " --prune"
	}
	if r.DryRun {
		mode += " --dry-run (nothing deleted)"
	}
	fmt.Fprintf(a.stdout, "%s: %s; failed/unfinished backups kept %s\n", mode, r.Policy, r.Grace)
	w := tabwriter.NewWriter(a.stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(w, "BACKUP ID\tSTATUS\tTIME\tDECISION\tWHY\t")
	for _, e := range r.Backups {
		dec := "keep"
		if !e.Keep {
			dec = "drop"
			switch {
			case r.DryRun:
				dec = "would drop"
			case e.Pruned != nil:
				dec = fmt.Sprintf("pruned (%d objects, %s; %d folders)", e.Pruned.Objects, humanBytes(e.Pruned.Bytes), len(e.Pruned.Removed))
			case e.Forgotten:
				dec = "forgotten (data left for --prune)"
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t\n", e.BackupID, e.Status, e.Time.Format(time.RFC3339), dec, strings.Join(e.Reasons, "; "))
	}
	w.Flush()
	fmt.Fprintf(a.stdout, "%d kept, %d dropped\n", r.Kept, r.Dropped)
	for _, p := range r.Problems {
		fmt.Fprintf(a.stdout, "problem: %s\n", p)
	}
}

func (a *app) unlock(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("unlock", flag.ContinueOnError)
	force := unlockFlags(fs)
	pos, code, ok := a.parse("unlock", fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		a.errorf("unlock takes no arguments, got %q", pos)
		return ExitUsage
	}
	set, _, code := a.openRead(ctx)
	if set == nil {
		return code
	}
	defer set.Close()
	l := set.Locker()
	host, _ := os.Hostname()
	r, err := l.Unlock(ctx, *force, fmt.Sprintf("pid %d on %s", os.Getpid(), host))
	var locked *lock.Locked
	switch {
	case errors.As(err, &locked):
		a.errorf("refused: the lock is live (%v); --force releases it anyway", err)
		return ExitLocked
	case err != nil:
		a.errorf("unlock: %v", err)
		return ExitFailed
	case r == nil:
		fmt.Fprintln(a.stdout, "the cluster is not locked")
		return ExitOK
	}
	fmt.Fprintf(a.stdout, "released the lock of %s (since %s)\n", r.Holder, r.Since.Format(time.RFC3339))
	return ExitOK
}

// drillRecord keeps a drill's result beside the backup's manifest (list shows it,
// retention keeps the newest backup whose drill passed).
func (a *app) drillRecord(ctx context.Context, set *clients.Set, rep *restore.Report, err error, trigger string) {
	d := manifest.Drill{BackupID: rep.BackupID, RestoreID: rep.RestoreID, OK: rep.OK && err == nil,
		StartedAt: rep.StartedAt, FinishedAt: rep.FinishedAt, Trigger: trigger, Problems: rep.Problems}
	if d.FinishedAt.IsZero() {
		d.FinishedAt = time.Now().UTC()
	}
	if werr := manifest.WriteDrill(context.WithoutCancel(ctx), set.Store, set.Layout, d); werr != nil {
		a.errorf("warning: %v", werr)
	}
}

func restoreEvent(set *clients.Set, rep *restore.Report, err error, trigger string) events.Event {
	d := events.RestoreDetail{Cluster: set.Cfg.Cluster, RestoreID: rep.RestoreID, BackupID: rep.BackupID, Drill: rep.Drill,
		OK: rep.OK && err == nil, Problems: rep.Problems, StartedAt: rep.StartedAt, FinishedAt: rep.FinishedAt, Trigger: trigger, Via: "cli"}
	for _, p := range rep.Parts {
		switch p.Part {
		case restore.PartHBase:
			d.Tables++
		case restore.PartSolr:
			d.Collections++
		case restore.PartConfig:
			d.Config = true
		}
	}
	if len(d.Problems) == 0 && err != nil {
		d.Problems = []string{err.Error()}
	}
	if d.FinishedAt.IsZero() {
		d.FinishedAt = time.Now().UTC()
	}
	return events.Restore(d)
}

// drillCell is list's DRILL column.
func drillCell(d *manifest.Drill) string {
	if d == nil {
		return "-"
	}
	if d.OK {
		return "ok " + d.FinishedAt.Format(time.RFC3339)
	}
	return "FAILED " + d.FinishedAt.Format(time.RFC3339)
}
