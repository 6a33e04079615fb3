package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/lock"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/restore"
)

// ExitRefused: restore or drill was checked and refused before any server was changed
// (manifest not SUCCEEDED, a stored object missing or altered, a target not empty or
// existing without --yes, scratch names colliding, Atlas running).
const ExitRefused = 4

type restoreOpts struct {
	only, suffix, target *string
	yes                  *bool
	atlasWait            *time.Duration
}

func restoreFlags(fs *flag.FlagSet) restoreOpts {
	return restoreOpts{
		only:      fs.String("only", "", "restore only these `parts`: comma-separated hbase, solr, config"),
		suffix:    fs.String("suffix", "", "append this `suffix` to every table and collection name (restore beside the live data)"),
		target:    fs.String("target", "", "`folder` to unpack the config into (default <workDir>/restore/<restore id>/conf; the live folder needs --yes)"),
		yes:       fs.Bool("yes", false, "merge into non-empty tables, delete existing collections, unpack over the live config folder, restore while Atlas answers"),
		atlasWait: fs.Duration("atlas-wait", DefaultAtlasWait, "after restoring the graph, wait this `long` for Atlas (start it then) and compare it with the backup's record; 0 skips"),
	}
}

func drillFlags(fs *flag.FlagSet) *string {
	return fs.String("suffix", "", "scratch-name `suffix` (default _drill_ and 6 hex digits); must collide with no existing table or collection")
}

func (a *app) restore(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	o := restoreFlags(fs)
	pos, code, ok := a.parse("restore", fs, args)
	if !ok {
		return code
	}
	id, ok := a.oneID(pos, "restore")
	if !ok {
		return ExitUsage
	}
	if *o.atlasWait < 0 {
		a.errorf("--atlas-wait: must not be negative, got %s", *o.atlasWait)
		return ExitUsage
	}
	in := restore.PlanInput{BackupID: id, Suffix: *o.suffix, Yes: *o.yes, ConfigTarget: *o.target}
	if *o.only != "" {
		in.Only = strings.Split(*o.only, ",")
	}
	a.atlasWait = *o.atlasWait
	return a.runRestore(ctx, in)
}

// DefaultAtlasWait is how long restore waits for Atlas to be started after it restored
// the graph, before comparing it with the backup's record.
const DefaultAtlasWait = 15 * time.Minute

func (a *app) drill(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("drill", flag.ContinueOnError)
	suffix := drillFlags(fs)
	pos, code, ok := a.parse("drill", fs, args)
	if !ok {
		return code
	}
	id, ok := a.oneID(pos, "drill")
	if !ok {
		return ExitUsage
	}
	if *suffix == "" {
		*suffix = restore.ScratchSuffix(time.Now())
	}
	return a.runRestore(ctx, restore.PlanInput{BackupID: id, Suffix: *suffix, Drill: true})
}

func (a *app) runRestore(ctx context.Context, in restore.PlanInput) int {
	if err := in.Validate(); err != nil { // the request's own rules, named by their flags
		msg := strings.NewReplacer("suffix ", "--suffix ", "config target:", "--target:", "only:", "--only:").Replace(err.Error())
		for _, line := range strings.Split(msg, "\n") {
			a.errorf("%s", line)
		}
		return ExitUsage
	}
	cfg, ok := a.load()
	if !ok {
		return ExitUsage
	}
	log, closeLog, err := a.logger(cfg)
	if err != nil {
		a.errorf("%v", err)
		return ExitUsage
	}
	defer closeLog()
	set, _, code := a.openRead(ctx)
	if set == nil {
		return code
	}
	defer set.Close()
	if in.BackupID == "latest" {
		lt, err := manifest.ReadLatest(ctx, set.Store, set.Layout)
		if err != nil {
			a.errorf("latest: %v", err)
			return ExitNotFound
		}
		in.BackupID = lt.BackupID
	}
	what := "restore"
	if in.Drill {
		what = "drill"
	}
	in.RestoreID = restore.NewRestoreID(time.Now())
	// A restore takes the cluster lock; a drill changes only scratch names and leaves a
	// reader mark instead (retention keeps the backup it reads), after checking that no
	// forget runs.
	lctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	l := set.Locker()
	me := l.Me(lock.OpRestore, in.BackupID, in.RestoreID)
	if in.Drill {
		me.Operation = lock.OpDrill
	} else {
		held, code := a.takeLock(lctx, set, lock.OpRestore, in.BackupID, in.RestoreID, cancel)
		if held == nil {
			return code
		}
		defer held.release(ctx)
	}
	unmark, err := l.KeepMark(lctx, me, 0)
	if err != nil {
		a.errorf("reader mark: %v", err)
		return ExitFailed
	}
	defer unmark()
	if in.Drill {
		if err := l.CheckNoForget(lctx); err != nil {
			a.errorf("%v", err)
			return ExitLocked
		}
	}
	eng := set.RestoreEngine(log.With().Str("backupId", in.BackupID).Logger())
	eng.Progress = a.progress(restoreColumn)
	fmt.Fprintf(a.stderr, "%s of backup %s of cluster %s from %s\n", what, in.BackupID, cfg.Cluster, set.Store.URL(set.Layout.Backup(in.BackupID)))
	var rep *restore.Report
	if in.Drill {
		rep, err = eng.Drill(lctx, in)
	} else {
		rep, err = eng.Run(lctx, in)
	}
	var (
		bad      *restore.BadInput
		notFound *restore.BackupNotFound
	)
	switch {
	case errors.As(err, &bad):
		a.errorf("%v", err)
		return ExitUsage
	case errors.As(err, &notFound):
		a.errorf("%v", err)
		return ExitNotFound
	}
	if rep != nil {
		if in.Drill && ctx.Err() == nil {
			a.drillRecord(ctx, set, rep, err, "cli")
		}
		if ctx.Err() == nil {
			a.publish(ctx, set, restoreEvent(set, rep, err, "cli"))
		}
		a.restoreReport(rep)
	}
	switch {
	case lockLost(lctx):
		a.errorf("%s stopped: the cluster lock was taken over", what)
		return ExitLocked
	case ctx.Err() != nil:
		a.errorf("interrupted: %s %s stopped; the report above says what each part was left as", what, rep.RestoreID)
		return ExitInterrupted
	case err != nil && restore.BeforeTouching(err):
		a.errorf("%s refused, nothing was changed: %v", what, err)
		return ExitRefused
	case err != nil:
		a.errorf("%s failed: %v", what, err)
		return ExitFailed
	case rep == nil || !rep.OK:
		return ExitFailed
	}
	if !in.Drill && in.Suffix == "" && set.Atlas != nil && restoredGraph(rep) {
		return a.restoreAtlasStep(ctx, set, in.BackupID, a.atlasWait)
	}
	return ExitOK
}

// restoredGraph says whether a restore put HBase tables back under their own names.
func restoredGraph(r *restore.Report) bool {
	for _, p := range r.Parts {
		if p.Part == restore.PartHBase && (p.Status == restore.StatusRestored || p.Status == restore.StatusMerged) {
			return true
		}
	}
	return false
}

func (a *app) restoreReport(r *restore.Report) {
	if a.output == "json" {
		a.printJSON(r)
		return
	}
	w := a.stdout
	kind := "restore"
	if r.Drill {
		kind = "drill"
	}
	verdict := "OK"
	if !r.OK {
		verdict = "FAILED"
		if !r.Touched {
			verdict = "REFUSED (nothing was changed)"
		}
	}
	fmt.Fprintf(w, "%s %s of backup %s: %s\n", kind, r.RestoreID, r.BackupID, verdict)
	if !r.FinishedAt.IsZero() {
		var phases []string
		for _, k := range []string{"plan", "fetch", "restore", "cleanup"} {
			if v, ok := r.Seconds[k]; ok {
				phases = append(phases, fmt.Sprintf("%s %.1fs", k, v))
			}
		}
		fmt.Fprintf(w, "took %s (%s)\n", r.FinishedAt.Sub(r.StartedAt).Round(100*time.Millisecond), strings.Join(phases, ", "))
	}
	for _, p := range r.Parts {
		name := p.Part + " " + p.Name
		if p.Target != p.Name {
			name += " → " + p.Target
		}
		fmt.Fprintf(w, "%s\n    %s: %s%s\n", name, p.Status, p.Left, phaseTimes(p.Seconds))
		if s := restoreLiveText(p.Live); s != "" {
			fmt.Fprintf(w, "    live at backup time: %s\n", s)
		}
		switch {
		case p.Status == restore.StatusMismatch || p.Status == restore.StatusMerged:
			fmt.Fprintf(w, "    expected %s\n    got      %s\n", countsText(p.Expected), countsText(p.Got))
		case p.Status == restore.StatusRestored && p.Part != restore.PartConfig:
			fmt.Fprintf(w, "    backup   %s\n    restored %s\n", countsText(p.Expected), countsText(p.Got))
		}
		for _, c := range p.Changes {
			fmt.Fprintf(w, "    live folder differs: %s %s %s\n", c.Path, c.Kind, c.Detail)
		}
		for _, wn := range p.Warnings {
			fmt.Fprintf(w, "    warning: %s\n", wn)
		}
		if p.Error != "" && p.Status == restore.StatusFailed {
			fmt.Fprintf(w, "    error: %s\n", p.Error)
		}
	}
	for _, wn := range r.Warnings {
		fmt.Fprintf(w, "warning: %s\n", wn)
	}
	if c := r.Cleanup; c != nil {
		fmt.Fprintf(w, "cleanup: dropped %s; deleted %s; removed %s\n", listOr(c.Dropped), listOr(c.Deleted), listOr(c.Removed))
	}
	for _, s := range r.Before {
		fmt.Fprintf(w, "before: %s\n", s)
	}
	for _, s := range r.After {
		fmt.Fprintf(w, "next: %s\n", s)
	}
	for _, p := range r.Problems {
		fmt.Fprintf(w, "problem: %s\n", p)
	}
}

func phaseTimes(s map[string]float64) string {
	var parts []string
	for _, k := range []string{"create", "delete", "import", "restore", "unpack", "check"} {
		if v, ok := s[k]; ok {
			parts = append(parts, fmt.Sprintf("%s %.1fs", k, v))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func countsText(c restore.Counts) string {
	var parts []string
	if c.Rows != 0 || c.Cells != 0 {
		parts = append(parts, fmt.Sprintf("%d rows, %d cells", c.Rows, c.Cells))
	}
	if c.Docs != 0 {
		parts = append(parts, fmt.Sprintf("%d docs", c.Docs))
	}
	if c.Files != 0 {
		parts = append(parts, fmt.Sprintf("%d files", c.Files))
	}
	if c.Digest != "" {
		parts = append(parts, c.Digest)
	}
	return strings.Join(parts, ", ")
}

func listOr(s []string) string {
	if len(s) == 0 {
		return "nothing"
	}
	return strings.Join(s, ", ")
}

// restoreLiveText says what the live table or collection held when the backup was
// taken (recorded apart from the export or backup).
func restoreLiveText(l *restore.LiveCounts) string {
	if l == nil {
		return ""
	}
	var parts []string
	if l.Docs != nil {
		parts = append(parts, fmt.Sprintf("%d docs", *l.Docs))
	}
	if l.Rows != nil {
		parts = append(parts, fmt.Sprintf("%d rows in the window (RowCounter)", *l.Rows))
	} else if l.RowsNote != "" {
		parts = append(parts, "rows "+l.RowsNote)
	}
	if l.SampledRows > 0 {
		if l.SampleComplete {
			parts = append(parts, fmt.Sprintf("%d rows at plan time", l.SampledRows))
		} else {
			parts = append(parts, fmt.Sprintf("at least %d rows at plan time (bounded sample)", l.SampledRows))
		}
	}
	if l.Window != "" {
		parts = append(parts, "window "+l.Window)
	}
	return strings.Join(parts, ", ")
}
