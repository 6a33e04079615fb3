package restore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/atlas-backup/atlas-backup/shared/archive"
	"github.com/atlas-backup/atlas-backup/shared/config"
	"github.com/atlas-backup/atlas-backup/shared/engine"
	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/hooks"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/runner"
	"github.com/atlas-backup/atlas-backup/shared/solr"
)

// Part states in a Report.
const (
	StatusRestored   = "restored"    // restored and checked
	StatusMerged     = "merged"      // imported into a table that held rows: not comparable
	StatusFailed     = "failed"      // a step failed; Left says what state the target is in
	StatusMismatch   = "mismatch"    // restored, but differs from the backup
	StatusNotStarted = "not started" // an earlier failure stopped the restore first
)

// PartResult is one table, collection or config folder in a Report.
type PartResult struct {
	Part   string `json:"part"`   // hbase, solr, config
	Name   string `json:"name"`   // table or collection as backed up; "config"
	Target string `json:"target"` // what was restored into
	Status string `json:"status"`
	// Left is the state the target was left in, in words.
	Left     string `json:"left"`
	Expected Counts `json:"expected"`
	Got      Counts `json:"got"`
	// Live is what the live table or collection held at backup time, as the backup
	// recorded it apart from the export (nil for manifests written before it was).
	Live     *LiveCounts        `json:"live,omitempty"`
	Changes  []archive.Change   `json:"changes,omitempty"`
	Warnings []string           `json:"warnings,omitempty"`
	Error    string             `json:"error,omitempty"`
	Seconds  map[string]float64 `json:"seconds,omitempty"`
}

// LiveCounts are the sizes of the live stores a backup recorded apart from what it
// took: a table's rows with a cell in the window counted by RowCounter on the cluster
// right after the Export and its plan-time sample, a collection's doc count at plan
// time; and the table's window.
type LiveCounts struct {
	Rows           *int64 `json:"rows,omitempty"`
	RowsNote       string `json:"rowsNote,omitempty"`
	SampledRows    int    `json:"sampledRows,omitempty"`
	SampleComplete bool   `json:"sampleComplete,omitempty"`
	Docs           *int64 `json:"docs,omitempty"`
	// Window is "[start, end) unit", or why there was none.
	Window string `json:"window,omitempty"`
}

// TableLive is the live counts the manifest records for a table (nil when none).
func TableLive(w *manifest.TableWindow, l *manifest.Live) *LiveCounts {
	if w == nil && l == nil {
		return nil
	}
	out := &LiveCounts{}
	if w != nil {
		if w.Unit != "" {
			out.Window = fmt.Sprintf("[%d, %d) %s", w.Start, w.End, w.Unit)
		} else {
			out.Window = "none: " + w.Note
		}
	}
	if l != nil {
		out.Rows, out.RowsNote, out.SampledRows, out.SampleComplete = l.Rows, l.RowsNote, l.SampledRows, l.SampleComplete
	}
	return out
}

// Report is the outcome of Run or Drill.
type Report struct {
	RestoreID  string    `json:"restoreId"`
	BackupID   string    `json:"backupId"`
	Drill      bool      `json:"drill"`
	Suffix     string    `json:"suffix,omitempty"`
	StartedAt  time.Time `json:"startedAt"`
	FinishedAt time.Time `json:"finishedAt"`
	// OK: every part restored (a drill: and matched, and was cleaned up).
	OK bool `json:"ok"`
	// Touched: some server was changed (false when refused or stopped while fetching).
	Touched bool `json:"touched"`
	// Before and After are the operator's steps around the restore.
	Before   []string     `json:"before"`
	After    []string     `json:"after"`
	Warnings []string     `json:"warnings,omitempty"`
	Parts    []PartResult `json:"parts"`
	Problems []string     `json:"problems,omitempty"`
	// Cleanup: what a drill dropped, deleted and removed, and what it could not.
	Cleanup *CleanupResult `json:"cleanup,omitempty"`
	// Seconds: plan, fetch, restore (the parts, wall clock), cleanup.
	Seconds map[string]float64 `json:"seconds"`
	// Hooks: what the preRestore and postRestore hooks did (a drill runs none).
	Hooks []hooks.Result `json:"hooks,omitempty"`
}

// Run restores a backup in-process (the CLI's path): Plan, Fetch, then every part with
// at most Cfg.Concurrency at once, stopping parts that have not started at the first
// failure. The report is returned whenever there is one; the error is non-nil when the
// restore was refused or did not fully succeed.
func (e *Engine) Run(ctx context.Context, in PlanInput) (*Report, error) {
	return e.run(ctx, in)
}

// Drill restores a backup into scratch names (in.Suffix), compares every part with the
// manifest, and always drops what it created. The error is non-nil on any mismatch or
// failure, and when the cleanup left something behind.
func (e *Engine) Drill(ctx context.Context, in PlanInput) (*Report, error) {
	in.Drill = true
	return e.run(ctx, in)
}

func (e *Engine) run(ctx context.Context, in PlanInput) (rep *Report, rerr error) {
	start := e.Now()
	r := &Report{BackupID: in.BackupID, Drill: in.Drill, Suffix: in.Suffix, StartedAt: start,
		Parts: []PartResult{}, Before: []string{}, After: []string{}, Seconds: map[string]float64{}}
	var p *Plan
	defer func() {
		if rerr != nil {
			r.Problems = append(r.Problems, splitErr(rerr)...)
		}
		r.FinishedAt = e.Now()
		r.OK = rerr == nil && len(r.Problems) == 0
	}()
	p, err := e.Plan(ctx, in)
	r.Seconds["plan"] = e.Now().Sub(start).Seconds()
	if p != nil {
		r.RestoreID = p.RestoreID
		r.Warnings = append(r.Warnings, p.Warnings...)
		r.Parts = initialParts(p)
	}
	if err != nil {
		return r, err
	}
	r.Before = beforeSteps(p)
	for _, s := range r.Before {
		e.emit(p, engine.Event{Part: "plan", Phase: "before", Message: s})
	}
	for _, w := range p.Warnings {
		e.emit(p, engine.Event{Part: "plan", Phase: "warning", Message: w})
	}
	if p.Drill {
		// Whatever happens from here, the scratch tables, collections and folders go.
		// (Deferred after the report's own defer, so it runs first.)
		defer func() {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Minute)
			defer cancel()
			t0 := e.Now()
			c := e.Cleanup(cctx, p)
			r.Cleanup = &c
			gone := map[string]bool{}
			for _, n := range append(append([]string{}, c.Dropped...), c.Deleted...) {
				gone[n] = true
			}
			for i := range r.Parts {
				if gone[r.Parts[i].Target] {
					r.Parts[i].Left += "; dropped by the drill's cleanup"
				}
			}
			r.Seconds["cleanup"] = e.Now().Sub(t0).Seconds()
			if len(c.Problems) > 0 && rerr == nil {
				rerr = &CheckFailed{Err: fmt.Errorf("drill cleanup left scratch objects behind: %s", strings.Join(c.Problems, "; "))}
			} else if len(c.Problems) > 0 {
				r.Problems = append(r.Problems, c.Problems...)
			}
		}()
	}

	t0 := e.Now()
	err = e.Fetch(ctx, p)
	r.Seconds["fetch"] = e.Now().Sub(t0).Seconds()
	if err != nil {
		return r, err
	}

	if !p.Drill {
		// postRestore runs whatever happened once the hooks began (a start after a stop).
		defer func() {
			res, herr := e.hookRunner(p).Run(context.WithoutCancel(ctx), hooks.PostRestore, p.RestoreID, e.Cfg.Hooks.PostRestore)
			r.Hooks = append(r.Hooks, res...)
			if herr != nil && rerr == nil {
				rerr = herr
			} else if herr != nil {
				r.Problems = append(r.Problems, herr.Error())
			}
		}()
		if err := e.preRestore(ctx, p, r); err != nil {
			return r, err
		}
	}

	t0 = e.Now()
	err = e.restoreParts(ctx, p, r)
	r.Seconds["restore"] = e.Now().Sub(t0).Seconds()
	e.RemoveStaging(context.WithoutCancel(ctx), p)
	r.After = afterSteps(p, r)
	for _, s := range r.After {
		e.emit(p, engine.Event{Part: "report", Phase: "after", Message: s})
	}
	return r, err
}

func initialParts(p *Plan) []PartResult {
	var out []PartResult
	for _, t := range p.Tables {
		left := "does not exist (unchanged)"
		if t.Exists {
			left = fmt.Sprintf("unchanged (%d rows)", t.RowsBefore)
		}
		out = append(out, PartResult{Part: PartHBase, Name: t.Table, Target: t.Target, Status: StatusNotStarted, Left: left,
			Expected: Counts{Rows: t.Rows, Cells: t.Cells, Digest: t.Digest}, Live: TableLive(t.Window, t.Live), Seconds: map[string]float64{}})
	}
	for _, c := range p.Collections {
		left := "does not exist (unchanged)"
		if c.Exists {
			left = "unchanged (" + docsText(c.DocsBefore) + ")"
		}
		exp := Counts{Docs: c.Docs, Digest: c.Digest}
		if c.Digest != "" {
			exp.Docs = c.DigestDocs
		}
		docs := c.Docs
		out = append(out, PartResult{Part: PartSolr, Name: c.Collection, Target: c.Target, Status: StatusNotStarted, Left: left,
			Expected: exp, Live: &LiveCounts{Docs: &docs}, Seconds: map[string]float64{}})
	}
	if c := p.Config; c != nil {
		out = append(out, PartResult{Part: PartConfig, Name: "config", Target: c.Target, Status: StatusNotStarted, Left: "unchanged",
			Expected: Counts{Files: len(c.Files), Digest: "sha256:" + c.SHA256}, Changes: c.Changes, Seconds: map[string]float64{}})
	}
	return out
}

// restoreParts runs every part, at most Cfg.Concurrency at once. After the first failed
// step no further part starts (a drill goes on through mismatches: comparing everything
// is its purpose, and it works on scratch names).
func (e *Engine) restoreParts(ctx context.Context, p *Plan, r *Report) error {
	var (
		stop  atomic.Bool
		mu    sync.Mutex
		g     errgroup.Group
		first error
		n     = e.Cfg.Concurrency
	)
	if n < 1 {
		n = 1
	}
	g.SetLimit(n)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if first == nil {
			first = err
		}
		var cf *CheckFailed
		if !p.Drill || !errors.As(err, &cf) {
			stop.Store(true)
		}
	}
	touch := func() {
		mu.Lock()
		r.Touched = true
		mu.Unlock()
	}
	// Slots are taken in plan order (tables, whose Import and check take longest, first).
	// A part's error goes to fail (first kept, stop set), not to the group: a drill's
	// mismatch must not stop the others.
	spawn := func(i int, fn func(pr *PartResult) error) {
		if ctx.Err() != nil {
			return
		}
		g.Go(func() error {
			if stop.Load() || ctx.Err() != nil {
				return nil
			}
			var pr PartResult
			mu.Lock()
			pr = r.Parts[i]
			mu.Unlock()
			err := fn(&pr)
			if err != nil {
				pr.Error = err.Error()
				if pr.Status == StatusNotStarted || pr.Status == "" {
					pr.Status = StatusFailed
				}
				e.emit(p, engine.Event{Part: pr.Part, Name: pr.Target, Phase: "failed", Message: err.Error()})
				fail(err)
			}
			mu.Lock()
			r.Parts[i] = pr
			mu.Unlock()
			return nil
		})
	}
	i := 0
	for _, t := range p.Tables {
		spawn(i, func(pr *PartResult) error { return e.restoreTable(ctx, p, t, pr, touch) })
		i++
	}
	for _, c := range p.Collections {
		spawn(i, func(pr *PartResult) error { return e.restoreCollection(ctx, p, c, pr, touch) })
		i++
	}
	if p.Config != nil {
		spawn(i, func(pr *PartResult) error { return e.restoreConfigPart(ctx, p, pr, touch) })
	}
	_ = g.Wait() // the parts report through fail
	if first == nil && ctx.Err() != nil {
		first = fmt.Errorf("restore %s interrupted: %w", p.RestoreID, ctx.Err())
	}
	return first
}

func (e *Engine) timed(pr *PartResult, phase string, fn func() error) error {
	t0 := e.Now()
	err := fn()
	pr.Seconds[phase] += e.Now().Sub(t0).Seconds()
	return err
}

// waitJob waits for an Import or check-export job (what names it). With the HBase
// watchdog on (a probe configured) it polls under it (engine.Core.WatchJob): a job
// without progress while HBase does not answer, or one that failed while HBase does
// not answer, ends with *watchdog.Stalled.
func (e *Engine) waitJob(ctx context.Context, p *Plan, what, name, handle string) (runner.Status, error) {
	report := e.Polling(on(p, engine.Event{Part: "hbase", Name: name}))
	onPoll := func(s runner.Status) {
		if !s.State.Terminal() {
			report(string(s.State))
		}
	}
	if e.HBaseDog.Enabled() {
		return e.WatchJob(ctx, what, handle, onPoll)
	}
	return e.WaitJob(ctx, handle, onPoll)
}

func (e *Engine) restoreTable(ctx context.Context, p *Plan, t TablePlan, pr *PartResult, touch func()) error {
	if !t.Exists && !t.snapshot() {
		touch()
		if err := e.timed(pr, "create", func() error { return e.CreateTable(ctx, p, t) }); err != nil {
			pr.Left = "may or may not exist: the create failed (check with `list`)"
			return err
		}
		pr.Left = "created from the backup's schema, empty"
	}
	var imported runner.Status
	phase := "import"
	if t.snapshot() {
		phase = "snapshot"
	}
	err := e.timed(pr, phase, func() error {
		touch()
		h, err := e.ImportSubmit(ctx, p, t)
		if err != nil {
			return err
		}
		imported, err = e.waitJob(ctx, p, "hbase import into "+t.Target, t.Target, h)
		if err != nil {
			return &ImportFailed{Err: fmt.Errorf("import into %s: %w", t.Target, err)}
		}
		if imported.State != runner.StateSucceeded {
			return &ImportFailed{Err: fmt.Errorf("import into %s %s: %s", t.Target, imported.State, failure(imported))}
		}
		return nil
	})
	if err != nil {
		pr.Left = "partly imported: holds some of the backup's rows (Import writes as it goes); drop it, or import again"
		switch {
		case t.snapshot() && t.Overwrite:
			pr.Left = fmt.Sprintf("held %d rows before; the snapshot copy or restore_snapshot failed: the table holds its old or the backup's cells (check with count), enabled again", t.RowsBefore)
		case t.snapshot():
			pr.Left = "the snapshot copy or clone_snapshot failed: the table does not exist, or is the complete clone (check with list); the copied snapshot was deleted"
		case t.Exists:
			pr.Left = fmt.Sprintf("held %d rows before; partly merged with the backup's rows", t.RowsBefore)
		}
		return err
	}
	pr.Left = "imported, not checked"
	if t.snapshot() {
		pr.Left = "made from the snapshot, not checked"
	}
	var res TableResult
	err = e.timed(pr, "check", func() error {
		h, err := e.CheckSubmit(ctx, p, t, imported)
		if err != nil {
			return err
		}
		st, err := e.waitJob(ctx, p, "hbase check export of "+t.Target, t.Target, h)
		if err != nil {
			return &CheckFailed{Err: fmt.Errorf("check export of %s: %w", t.Target, err)}
		}
		res, err = e.CheckTable(ctx, p, t, st)
		return err
	})
	pr.Got, pr.Warnings = res.Got, append(pr.Warnings, res.Warnings...)
	var cf *CheckFailed
	switch {
	case err != nil && errors.As(err, &cf) && res.Got.Digest != "":
		pr.Status = StatusMismatch
		pr.Left = "imported, but differs from the backup"
		return err
	case err != nil:
		return err
	case !res.Match:
		pr.Status = StatusMerged
		pr.Left = fmt.Sprintf("the backup's rows merged into the %d rows it held", t.RowsBefore)
	default:
		pr.Status = StatusRestored
		pr.Left = "rows, cells and cell digest equal to the backup's"
	}
	return nil
}

func (e *Engine) restoreCollection(ctx context.Context, p *Plan, c CollectionPlan, pr *PartResult, touch func()) error {
	if c.Exists {
		touch()
		if err := e.timed(pr, "delete", func() error { return e.PrepareCollection(ctx, p, c) }); err != nil {
			pr.Left = "exists; the delete before the RESTORE failed: " + e.collectionState(ctx, c.Target)
			return err
		}
		pr.Left = "deleted (it existed), not restored yet"
	}
	var st solr.Status
	err := e.timed(pr, "restore", func() error {
		touch()
		if err := e.RestoreSubmit(ctx, p, c); err != nil {
			return err
		}
		opts := e.SolrWait
		opts.KeepStatus = true // CheckCollection deletes it once the outcome is recorded
		report := e.Polling(on(p, engine.Event{Part: "solr", Name: c.Target}))
		var err error
		st, err = e.Solr.Wait(ctx, c.AsyncID, opts, func(s solr.Status) { report(string(s.State)) })
		if err != nil {
			return &SolrRestoreFailed{Err: fmt.Errorf("RESTORE of %s: %w", c.Target, err)}
		}
		return nil
	})
	if err != nil {
		pr.Left = "RESTORE failed: " + e.collectionState(ctx, c.Target)
		return err
	}
	var res CollectionResult
	err = e.timed(pr, "check", func() error {
		var err error
		res, err = e.CheckCollection(ctx, p, c, st)
		return err
	})
	pr.Got, pr.Warnings = res.Got, append(pr.Warnings, res.Warnings...)
	if err != nil {
		pr.Left = "restored, but " + err.Error()
		if res.Got.Docs > 0 || res.Got.Digest != "" {
			pr.Status = StatusMismatch
		}
		return err
	}
	pr.Status = StatusRestored
	pr.Left = "doc count and document digest equal to the backup's"
	if c.Digest == "" {
		pr.Left = "doc count equal to the backup's (no digest recorded)"
	}
	return nil
}

// collectionState says whether a collection exists now, for a failure report.
func (e *Engine) collectionState(ctx context.Context, name string) string {
	names, err := e.Solr.ListCollections(context.WithoutCancel(ctx))
	if err != nil {
		return "its state is unknown (" + err.Error() + ")"
	}
	for _, n := range names {
		if n == name {
			return "the collection exists, possibly incomplete: delete it and restore again"
		}
	}
	return "the collection does not exist now"
}

func (e *Engine) restoreConfigPart(ctx context.Context, p *Plan, pr *PartResult, touch func()) error {
	touch()
	var res ConfigResult
	err := e.timed(pr, "unpack", func() error {
		var err error
		res, err = e.RestoreConfig(ctx, p)
		return err
	})
	pr.Got = res.Got
	if len(res.Kept) > 0 {
		pr.Warnings = append(pr.Warnings, fmt.Sprintf("%d files in %s are not in the backup and were left in place: %s",
			len(res.Kept), p.Config.Target, strings.Join(res.Kept, ", ")))
	}
	if err != nil {
		var cf *CheckFailed
		if errors.As(err, &cf) {
			pr.Status = StatusMismatch
		}
		pr.Left = "partly unpacked: " + err.Error()
		return err
	}
	pr.Status = StatusRestored
	pr.Left = "every file's SHA-256 equal to the backup's"
	return nil
}

// CleanupResult is what Cleanup removed.
type CleanupResult struct {
	Dropped  []string `json:"dropped"`
	Deleted  []string `json:"deleted"`
	Removed  []string `json:"removed"`
	Problems []string `json:"problems,omitempty"`
}

// Cleanup removes a drill's scratch tables, collections and folders, whether or not
// they were completed. It refuses any plan that is not a drill's.
func (e *Engine) Cleanup(ctx context.Context, p *Plan) CleanupResult {
	res := CleanupResult{Dropped: []string{}, Deleted: []string{}, Removed: []string{}}
	if !p.Drill || p.Suffix == "" {
		res.Problems = append(res.Problems, "cleanup refused: only a drill's scratch names are dropped")
		return res
	}
	e.RemoveStaging(ctx, p)
	if len(p.Tables) > 0 {
		e.dropScratchTables(ctx, p, &res)
	}
	if len(p.Collections) > 0 {
		// A RESTORE still running in Solr (the drill was interrupted) would create its
		// collection after the delete: let this drill's own tasks end first.
		for _, c := range p.Collections {
			st, err := e.Solr.RequestStatus(ctx, c.AsyncID)
			if err == nil && (st.State == solr.StateSubmitted || st.State == solr.StateRunning) {
				e.emit(p, engine.Event{Part: "cleanup", Name: c.Target, Phase: "polling", Message: "waiting for the RESTORE to end before deleting"})
				_, _ = e.Solr.Wait(ctx, c.AsyncID, solr.WaitOptions{Initial: 500 * time.Millisecond, Max: 2 * time.Second, NotFoundGrace: time.Second}, nil)
			}
			if err == nil && st.State != solr.StateNotFound {
				_ = e.Solr.DeleteStatus(ctx, c.AsyncID)
			}
		}
		names, err := e.Solr.ListCollections(ctx)
		if err != nil {
			res.Problems = append(res.Problems, fmt.Sprintf("list collections to delete the scratch ones: %v", err))
		}
		live := map[string]bool{}
		for _, n := range names {
			live[n] = true
		}
		for _, c := range p.Collections {
			if c.Target == c.Collection || !live[c.Target] || c.Exists {
				continue
			}
			if err := e.Solr.DeleteCollection(ctx, c.Target); err != nil && !errors.Is(err, solr.ErrCollectionNotFound) {
				res.Problems = append(res.Problems, fmt.Sprintf("delete scratch collection %s: %v", c.Target, err))
				continue
			}
			res.Deleted = append(res.Deleted, c.Target)
			e.emit(p, engine.Event{Part: "cleanup", Name: c.Target, Phase: "deleted"})
		}
	}
	if p.Config != nil && !p.Config.Live && strings.HasPrefix(p.Config.Target+"/", p.StageDir+"/") {
		if err := os.RemoveAll(p.Config.Target); err != nil {
			res.Problems = append(res.Problems, fmt.Sprintf("remove scratch config folder %s: %v", p.Config.Target, err))
		} else {
			res.Removed = append(res.Removed, p.Config.Target)
		}
		os.RemoveAll(p.StageDir)
	}
	if e.Cfg.HBase.Runner.Type == config.RunnerLocal {
		os.Remove(e.CCache("restore", p.RestoreID))
	}
	return res
}

func (e *Engine) dropScratchTables(ctx context.Context, p *Plan, res *CleanupResult) {
	st, err := e.shell(ctx, p.RestoreID, "cleanup-list", "tables", hbase.ListScript())
	if err == nil && st.State != runner.StateSucceeded {
		err = errors.New(failure(st))
	}
	var names []string
	if err == nil {
		names, err = hbase.ParseList(st.Output)
	}
	if err != nil {
		res.Problems = append(res.Problems, fmt.Sprintf("list tables to drop the scratch ones: %v", err))
		return
	}
	live := map[string]bool{}
	for _, n := range names {
		live[n] = true
	}
	var drop []string
	for _, t := range p.Tables {
		if t.Target != t.Table && live[t.Target] && !t.Exists {
			drop = append(drop, t.Target)
		}
	}
	if len(drop) == 0 {
		return
	}
	// One shell for all (a JVM start each is seconds); on failure, one by one, so every
	// table that can be dropped is, and each failure is named.
	var script strings.Builder
	for _, name := range drop {
		s, err := hbase.DisableDropScript(name)
		if err != nil {
			res.Problems = append(res.Problems, err.Error())
			return
		}
		script.WriteString(s)
	}
	if st, err := e.shell(ctx, p.RestoreID, "drop", "scratch-tables", script.String()); err == nil && st.State == runner.StateSucceeded {
		for _, name := range drop {
			res.Dropped = append(res.Dropped, name)
			e.emit(p, engine.Event{Part: "cleanup", Name: name, Phase: "dropped"})
		}
		return
	}
	for _, name := range drop {
		ex, _ := hbase.ExistsScript(name)
		st, err := e.shell(ctx, p.RestoreID, "exists", name, ex)
		if err == nil && st.State == runner.StateSucceeded {
			if ok, perr := hbase.ParseExists(st.Output); perr == nil && !ok {
				res.Dropped = append(res.Dropped, name) // the batch dropped it before failing
				continue
			}
		}
		script, _ := hbase.DisableDropScript(name)
		st, err = e.shell(ctx, p.RestoreID, "drop", name, script)
		if err == nil && st.State != runner.StateSucceeded {
			err = errors.New(failure(st))
		}
		if err != nil {
			res.Problems = append(res.Problems, fmt.Sprintf("drop scratch table %s: %v", name, err))
			continue
		}
		res.Dropped = append(res.Dropped, name)
		e.emit(p, engine.Event{Part: "cleanup", Name: name, Phase: "dropped"})
	}
}

// beforeSteps are the operator's steps before the restore starts.
func beforeSteps(p *Plan) []string {
	if p.Drill {
		return []string{"Atlas can keep running: the drill restores into scratch names (suffix " + p.Suffix + ") and drops them after."}
	}
	out := []string{"Stop Atlas before the restore (Ambari: Atlas → Stop, or atlas_stop.py on the Atlas host): it caches the graph and would write to HBase and Solr while they are restored."}
	if p.Config != nil && p.Config.Live {
		out = append(out, "The live config folder "+p.Config.Target+" is overwritten with the backup's files.")
	}
	return out
}

// afterSteps are the operator's steps after the restore, reindex advice included.
func afterSteps(p *Plan, r *Report) []string {
	if p.Drill {
		return nil
	}
	var failed []string
	for _, pr := range r.Parts {
		if pr.Status != StatusRestored && pr.Status != StatusMerged {
			failed = append(failed, fmt.Sprintf("%s %s is %s: %s", pr.Part, pr.Target, pr.Status, pr.Left))
		}
	}
	if len(failed) > 0 {
		out := []string{"Do not start Atlas on this state: the restore did not complete."}
		out = append(out, failed...)
		return append(out, "Fix the cause and run the restore again (parts that exist now need --yes), or restore the parts one by one with --only.")
	}
	out := []string{}
	hb, so := len(p.Tables) > 0, len(p.Collections) > 0
	if p.Suffix != "" && (hb || so) {
		out = append(out, "Tables and collections were restored under suffixed names ("+p.Suffix+"): point Atlas at them (atlas.graph.storage.hbase.table, atlas.audit.hbase.tablename; collection names) or restore without --suffix.")
	}
	if c := p.Config; c != nil && !c.Live {
		out = append(out, fmt.Sprintf("The config was unpacked into %s, not into the live folder %s: copy what you need (files that differ from the live ones: %d).", c.Target, c.LiveDir, len(c.Changes)))
	}
	out = append(out, "Start Atlas (Ambari: Atlas → Start, or atlas_start.py), then check that search finds known entities.")
	switch {
	case hb && !so:
		out = append(out, "Reindex advised: HBase was restored but Solr was not, so the indexes do not match the graph. After Atlas starts, run Atlas's index repair (tools/atlas-index-repair/repair_index.py on Atlas 1.x/2.x).")
	case so && !hb:
		out = append(out, "Reindex advised: Solr was restored but HBase was not, so the indexes come from another moment than the graph. After Atlas starts, run Atlas's index repair (tools/atlas-index-repair/repair_index.py on Atlas 1.x/2.x).")
	case hb && so:
		merged := false
		for _, pr := range r.Parts {
			merged = merged || pr.Status == StatusMerged
		}
		c := p.Window.Consistency
		switch {
		case merged:
			out = append(out, "Reindex advised: rows were merged into existing tables, so the graph holds more than the restored indexes cover. After Atlas starts, run Atlas's index repair.")
		case c != nil && c.RepairAdvised:
			out = append(out, fmt.Sprintf("Reindex advised: Atlas wrote while the backup ran (%s); HBase was cut at %s and the Solr backups ended %s, %.0f s later, so the indexes hold entities the graph does not have, or miss changes. After Atlas starts, run Atlas's index repair (tools/atlas-index-repair/repair_index.py on Atlas 1.x/2.x).",
				strings.Join(c.Writes, "; "), c.HBaseCut.Format(time.RFC3339), c.SolrEnd.Format(time.RFC3339), c.Seconds))
		case c != nil:
			out = append(out, fmt.Sprintf("No reindex needed: nothing showed Atlas writing while the backup ran (HBase cut at %s, Solr backups ended %s, %.0f s later); if search misses entities changed then, run Atlas's index repair.",
				c.HBaseCut.Format(time.RFC3339), c.SolrEnd.Format(time.RFC3339), c.Seconds))
		default:
			out = append(out, fmt.Sprintf("No reindex needed when Atlas was not written to while the backup ran (HBase cut at %s, Solr backups %s to %s); if search misses entities changed then, run Atlas's index repair.",
				time.UnixMilli(p.Window.HBaseEndMs).UTC().Format(time.RFC3339), p.Window.SolrStart.Format(time.RFC3339), p.Window.SolrEnd.Format(time.RFC3339)))
		}
	}
	return out
}

func splitErr(err error) []string {
	var r *Refused
	if errors.As(err, &r) {
		return append([]string(nil), r.Problems...)
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []string
		for _, e := range j.Unwrap() {
			out = append(out, splitErr(e)...)
		}
		return out
	}
	return []string{err.Error()}
}

// ScratchSuffix is a drill's default suffix: "_drill_" and 6 hex digits from the clock.
func ScratchSuffix(now time.Time) string {
	return fmt.Sprintf("_drill_%06x", now.UnixNano()&0xffffff)
}

// hookRunner runs the operator's hooks on the HBase runner.
func (e *Engine) hookRunner(p *Plan) *hooks.Runner {
	return &hooks.Runner{Runner: e.Runner, Poll: e.Poll, Now: e.Clock,
		Env: map[string]string{"ATLAS_BACKUP_CLUSTER": e.Cfg.Cluster, "ATLAS_BACKUP_ID": p.BackupID, "ATLAS_BACKUP_RUN_ID": p.RestoreID},
		Progress: func(phase, name, state, msg string) {
			e.emit(p, engine.Event{Part: "hook", Name: phase + " " + name, Phase: state, Message: msg})
		}}
}

// preRestore runs the preRestore hooks (before any server is changed), then, when
// atlas.url is set and they may have stopped Atlas, refuses the restore if Atlas still
// answers (unless --yes).
func (e *Engine) preRestore(ctx context.Context, p *Plan, r *Report) error {
	if len(e.Cfg.Hooks.PreRestore) == 0 {
		return nil
	}
	res, err := e.hookRunner(p).Run(ctx, hooks.PreRestore, p.RestoreID, e.Cfg.Hooks.PreRestore)
	r.Hooks = append(r.Hooks, res...)
	if err != nil {
		return &Refused{Problems: []string{err.Error() + ": nothing was restored"}}
	}
	if !p.Yes && e.Atlas != nil {
		if what, up := e.atlasAnswers(ctx); up {
			return &Refused{Problems: []string{fmt.Sprintf("Atlas still answers at %s (%s) after the preRestore hooks: stop Atlas before restoring its stores (or --yes)", e.Cfg.Atlas.URL, what)}}
		}
	}
	return nil
}

// atlasAnswers says whether Atlas gives any HTTP answer to a request without
// credentials (a file-login or kerberized Atlas answers 401: it is running), and what.
func (e *Engine) atlasAnswers(ctx context.Context) (string, bool) {
	pctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	l := e.Atlas.Up(pctx)
	if !l.Up {
		return "", false
	}
	if l.Version != "" {
		return l.Version, true
	}
	return fmt.Sprintf("HTTP %d", l.HTTPStatus), true
}
