package handler

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/config"
	"github.com/atlas-backup/atlas-backup/shared/events"
	"github.com/atlas-backup/atlas-backup/shared/lock"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/restore"
	"github.com/atlas-backup/atlas-backup/shared/runner"
	"github.com/atlas-backup/atlas-backup/shared/solr"
	"github.com/atlas-backup/atlas-backup/shared/store"
	"github.com/atlas-backup/atlas-backup/shared/watchdog"
)

// Restore holds the restore state machine's step handlers (statemachine/restore.asl.json),
// one method per Lambda, on shared/restore's step methods. The plan, each part's result
// and the report live in the store under Layout.RestoreState, so payloads stay small.
type Restore struct {
	Engine *restore.Engine
	// Poll policies (zero values: ExportPoll for Import and the check export, SolrPoll
	// for RESTORE).
	JobPoll, SolrPoll PollPolicy
	// Locker: a restore takes the cluster lock, a drill leaves a reader mark (Plan),
	// both refreshed by the status checks and released by Report (nil: neither).
	Locker *lock.Locker
	// Events publishes the completion event from Report (nil: none).
	Events events.Publisher
}

// RestorePlanOutput is what the restore state machine needs of the plan.
type RestorePlanOutput struct {
	RestoreID   string        `json:"restoreId"`
	BackupID    string        `json:"backupId"`
	Drill       bool          `json:"drill"`
	Concurrency int           `json:"concurrency"`
	Fetch       []RestoreItem `json:"fetch"`
	Tables      []RestoreItem `json:"tables"`
	Collections []RestoreItem `json:"collections"`
	Config      RestoreItem   `json:"config"`
	HasConfig   bool          `json:"hasConfig"`
	Warnings    []string      `json:"warnings"`
}

// RestoreItem names one part of a restore: part hbase, solr or config, and the table
// or collection as backed up.
type RestoreItem struct {
	RestoreID string `json:"restoreId"`
	Part      string `json:"part"`
	Name      string `json:"name"`
}

// RestoreTask is carried through a submit → wait → status loop of a restore: an
// Import, the check export of a restored table, or a Solr RESTORE.
type RestoreTask struct {
	RestoreItem
	// Phase: import, check (HBase jobs) or restore (Solr).
	Phase  string `json:"phase"`
	Handle string `json:"handle,omitempty"`
	// ImportHandle is kept for the check (CheckSubmit reads the Import's counters).
	ImportHandle string `json:"importHandle,omitempty"`
	State        string `json:"state,omitempty"`
	Done         bool   `json:"done"`
	Poll         Poll   `json:"poll"`
	// Watch is the progress watchdog's memory between checks of an HBase job.
	Watch watchdog.Watch `json:"watch,omitzero"`
}

// RestorePartOutput is one part's outcome (the details are in the store).
type RestorePartOutput struct {
	RestoreItem
	Target string `json:"target"`
	Match  bool   `json:"match"`
	Key    string `json:"key"`
}

func (h *Restore) putState(ctx context.Context, id, name string, v any) (string, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return "", &StepFailed{Err: fmt.Errorf("restore state %s: %w", name, err)}
	}
	key := h.Engine.Layout.RestoreState(id, name)
	if _, err := h.Engine.Store.Put(ctx, key, bytes.NewReader(b)); err != nil {
		return "", &restore.StoreFailed{Err: fmt.Errorf("write %s: %w", h.Engine.Store.URL(key), err)}
	}
	return key, nil
}

func (h *Restore) getState(ctx context.Context, id, name string, v any) error {
	rc, err := h.Engine.Store.Get(ctx, h.Engine.Layout.RestoreState(id, name))
	if err != nil {
		return err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 64<<20))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func (h *Restore) plan(ctx context.Context, id string) (*restore.Plan, error) {
	if err := store.ValidateComponent(id); err != nil {
		return nil, &restore.BadInput{Err: fmt.Errorf("restoreId: %w", err)}
	}
	var p restore.Plan
	if err := h.getState(ctx, id, "plan", &p); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, &restore.BadInput{Err: fmt.Errorf("restoreId %s: no plan stored: run Plan first", id)}
		}
		return nil, &restore.StoreFailed{Err: fmt.Errorf("read the plan of restore %s: %w", id, err)}
	}
	return &p, nil
}

// RestorePlanRequest is the Plan state's input: the execution name (the restore id)
// and the execution's input, a restore.PlanInput ({"backupId", "only", "suffix",
// "yes", "configTarget", "drill"}).
type RestorePlanRequest struct {
	RestoreID string            `json:"restoreId"`
	Request   restore.PlanInput `json:"request"`
	// ExecutionARN names the lock's holder ($$.Execution.Id).
	ExecutionARN string `json:"executionArn,omitempty"`
}

// Plan reads the manifest, looks at every server without changing anything, and
// stores the plan. The execution name is the restore id.
func (h *Restore) Plan(ctx context.Context, req RestorePlanRequest) (RestorePlanOutput, error) {
	if req.RestoreID == "" {
		return RestorePlanOutput{}, &restore.BadInput{Err: errors.New("restoreId: required (the execution name)")}
	}
	in := req.Request
	in.RestoreID = req.RestoreID
	if err := store.ValidateComponent(in.RestoreID); err != nil {
		return RestorePlanOutput{}, &restore.BadInput{Err: fmt.Errorf("restoreId: %w", err)}
	}
	if in.BackupID == "latest" { // the scheduled drill
		lt, err := manifest.ReadLatest(ctx, h.Engine.Store, h.Engine.Layout)
		if err != nil {
			return RestorePlanOutput{}, &restore.BadInput{Err: fmt.Errorf("backupId latest: %w", err)}
		}
		in.BackupID = lt.BackupID
	}
	if in.Drill && in.Suffix == "" && in.Trigger == "schedule" {
		sum := sha256.Sum256([]byte(in.RestoreID))
		in.Suffix = "_drill_" + hex.EncodeToString(sum[:3])
	}
	if err := h.hold(ctx, in.Drill, in.BackupID, in.RestoreID, req.ExecutionARN); err != nil {
		return RestorePlanOutput{}, err
	}
	p, err := h.Engine.Plan(ctx, in)
	if err != nil {
		h.letGo(ctx, in.Drill, in.BackupID, in.RestoreID) // the Catch path notifies; Report does not run
		return RestorePlanOutput{}, err
	}
	p.Trigger = in.Trigger
	if _, err := h.putState(ctx, p.RestoreID, "plan", p); err != nil {
		h.letGo(ctx, in.Drill, in.BackupID, in.RestoreID)
		return RestorePlanOutput{}, err
	}
	out := RestorePlanOutput{RestoreID: p.RestoreID, BackupID: p.BackupID, Drill: p.Drill, Concurrency: h.Engine.Cfg.Concurrency,
		Fetch: []RestoreItem{}, Tables: []RestoreItem{}, Collections: []RestoreItem{}, Warnings: append([]string{}, p.Warnings...),
		Config: RestoreItem{RestoreID: p.RestoreID, Part: restore.PartConfig, Name: "config"}, HasConfig: p.Config != nil}
	for _, t := range p.Tables {
		it := RestoreItem{RestoreID: p.RestoreID, Part: restore.PartHBase, Name: t.Table}
		out.Tables, out.Fetch = append(out.Tables, it), append(out.Fetch, it)
	}
	for _, c := range p.Collections {
		it := RestoreItem{RestoreID: p.RestoreID, Part: restore.PartSolr, Name: c.Collection}
		out.Collections, out.Fetch = append(out.Collections, it), append(out.Fetch, it)
	}
	if p.Config != nil {
		out.Fetch = append(out.Fetch, out.Config)
	}
	return out, nil
}

func tablePlan(p *restore.Plan, name string) (restore.TablePlan, error) {
	for _, t := range p.Tables {
		if t.Table == name {
			return t, nil
		}
	}
	return restore.TablePlan{}, &restore.BadInput{Err: fmt.Errorf("table: %q is not in the plan of restore %s", name, p.RestoreID)}
}

func collectionPlan(p *restore.Plan, name string) (restore.CollectionPlan, error) {
	for _, c := range p.Collections {
		if c.Collection == name {
			return c, nil
		}
	}
	return restore.CollectionPlan{}, &restore.BadInput{Err: fmt.Errorf("collection: %q is not in the plan of restore %s", name, p.RestoreID)}
}

// Fetch brings one artifact back to staging, checking size and SHA-256 on the way
// (*restore.ArtifactMismatch names a missing or altered object).
func (h *Restore) Fetch(ctx context.Context, in RestoreItem) (RestoreItem, error) {
	p, err := h.plan(ctx, in.RestoreID)
	if err != nil {
		return in, err
	}
	switch in.Part {
	case restore.PartHBase:
		t, err := tablePlan(p, in.Name)
		if err != nil {
			return in, err
		}
		return in, h.Engine.FetchTable(ctx, p, t)
	case restore.PartSolr:
		c, err := collectionPlan(p, in.Name)
		if err != nil {
			return in, err
		}
		return in, h.Engine.FetchCollection(ctx, p, c)
	case restore.PartConfig:
		return in, h.Engine.FetchConfig(ctx, p)
	}
	return in, &restore.BadInput{Err: fmt.Errorf("part: must be hbase, solr or config, got %q", in.Part)}
}

// jobPolicy is ExportPoll bounded by hbase.timeout (or the handler's own policy).
func (h *Restore) jobPolicy() PollPolicy {
	return hbaseJobPolicy(h.JobPoll, time.Duration(h.Engine.Cfg.HBase.Timeout))
}

func (h *Restore) submitCtx(ctx context.Context) context.Context {
	if h.Engine.Cfg.HBase.Runner.Type == config.RunnerLocal {
		return context.WithoutCancel(ctx) // the job outlives the invocation (local e2e)
	}
	return ctx
}

// TableImport creates the target table from the recorded schema when missing and
// submits the Import of the staged export.
func (h *Restore) TableImport(ctx context.Context, in RestoreItem) (RestoreTask, error) {
	p, err := h.plan(ctx, in.RestoreID)
	if err != nil {
		return RestoreTask{}, err
	}
	t, err := tablePlan(p, in.Name)
	if err != nil {
		return RestoreTask{}, err
	}
	if err := h.Engine.CreateTable(ctx, p, t); err != nil {
		return RestoreTask{}, err
	}
	handle, err := h.Engine.ImportSubmit(h.submitCtx(ctx), p, t)
	if err != nil {
		return RestoreTask{}, err
	}
	return RestoreTask{RestoreItem: in, Phase: "import", Handle: handle, ImportHandle: handle, Poll: h.jobPolicy().First()}, nil
}

// TableJobStatus checks the Import or the check export once.
func (h *Restore) TableJobStatus(ctx context.Context, in RestoreTask) (RestoreTask, error) {
	if in.Handle == "" || (in.Phase != "import" && in.Phase != "check") {
		return in, &restore.BadInput{Err: errors.New("handle, phase: the output of TableImport or TableCheckSubmit is required")}
	}
	if err := h.touch(ctx, in.RestoreID); err != nil {
		return in, err
	}
	st, err := h.Engine.JobStatus(ctx, in.Handle)
	if err != nil {
		if errors.Is(err, runner.ErrUnknownHandle) {
			return in, &restore.ImportFailed{Err: fmt.Errorf("%s job of %s: %w", in.Phase, in.Name, err)}
		}
		return in, &PollFailed{Err: fmt.Errorf("%s job of %s: %w", in.Phase, in.Name, err)}
	}
	in.State = string(st.State)
	switch st.State {
	case runner.StateSucceeded:
		in.Done = true
		return in, nil
	case runner.StateFailed:
		if err := h.Engine.HBaseDog.CheckFailed(ctx, "hbase "+in.Phase+" job of "+in.Name,
			fmt.Sprintf("job %s FAILED (exit %d: %s)", in.Handle, st.ExitCode, tailLines(st.Output+"\n"+st.Message, 3, 1500))); err != nil {
			return in, err
		}
		msg := fmt.Errorf("%s job of %s failed (exit %d): %s", in.Phase, in.Name, st.ExitCode, tailLines(st.Output+"\n"+st.Message, 6, 2000))
		if in.Phase == "check" {
			return in, &restore.CheckFailed{Err: msg}
		}
		return in, &restore.ImportFailed{Err: msg}
	}
	what := "hbase " + in.Phase + " job of " + in.Name
	var idle time.Duration
	in.Watch, idle = in.Watch.Observe(watchdog.JobMark(st), h.Engine.Now())
	if err := h.Engine.HBaseDog.Check(ctx, what, idle); err != nil {
		h.cancel(ctx, in.Handle)
		return in, err
	}
	next, err := h.jobPolicy().Next(in.Poll, what)
	in.Poll = next
	if err != nil {
		h.cancel(ctx, in.Handle)
	}
	return in, err
}

// cancel ends a job given up on (watchdog, deadline) when the runner can.
func (h *Restore) cancel(ctx context.Context, handle string) {
	if c, ok := h.Engine.Runner.(runner.Canceler); ok {
		if err := c.Cancel(ctx, handle); err != nil {
			h.Engine.Log.Warn().Err(err).Str("job", handle).Msg("cancel job")
		}
	}
}

// TableCheckSubmit reads the finished Import and submits the export of the restored
// table that the check reads.
func (h *Restore) TableCheckSubmit(ctx context.Context, in RestoreTask) (RestoreTask, error) {
	p, err := h.plan(ctx, in.RestoreID)
	if err != nil {
		return in, err
	}
	t, err := tablePlan(p, in.Name)
	if err != nil {
		return in, err
	}
	imported, err := h.Engine.JobStatus(ctx, in.ImportHandle)
	if err != nil {
		return in, &PollFailed{Err: fmt.Errorf("import job of %s: %w", in.Name, err)}
	}
	handle, err := h.Engine.CheckSubmit(h.submitCtx(ctx), p, t, imported)
	if err != nil {
		return in, err
	}
	return RestoreTask{RestoreItem: in.RestoreItem, Phase: "check", Handle: handle, ImportHandle: in.ImportHandle, Poll: h.jobPolicy().First()}, nil
}

// TableCheck compares the restored table with the manifest and records the result.
func (h *Restore) TableCheck(ctx context.Context, in RestoreTask) (RestorePartOutput, error) {
	p, err := h.plan(ctx, in.RestoreID)
	if err != nil {
		return RestorePartOutput{}, err
	}
	t, err := tablePlan(p, in.Name)
	if err != nil {
		return RestorePartOutput{}, err
	}
	exported, err := h.Engine.JobStatus(ctx, in.Handle)
	if err != nil {
		return RestorePartOutput{}, &PollFailed{Err: fmt.Errorf("check job of %s: %w", in.Name, err)}
	}
	res, err := h.Engine.CheckTable(ctx, p, t, exported)
	if err != nil {
		return RestorePartOutput{}, err
	}
	key, err := h.putState(ctx, p.RestoreID, "hbase-"+store.TableSegment(t.Table), res)
	return RestorePartOutput{RestoreItem: in.RestoreItem, Target: res.Target, Match: res.Match, Key: key}, err
}

// CollectionSubmit deletes the target collection when the plan allows it, then
// submits the async RESTORE.
func (h *Restore) CollectionSubmit(ctx context.Context, in RestoreItem) (RestoreTask, error) {
	p, err := h.plan(ctx, in.RestoreID)
	if err != nil {
		return RestoreTask{}, err
	}
	c, err := collectionPlan(p, in.Name)
	if err != nil {
		return RestoreTask{}, err
	}
	if err := h.Engine.PrepareCollection(ctx, p, c); err != nil {
		return RestoreTask{}, err
	}
	if err := h.Engine.RestoreSubmit(ctx, p, c); err != nil {
		return RestoreTask{}, err
	}
	return RestoreTask{RestoreItem: in, Phase: "restore", Handle: c.AsyncID, State: string(solr.StateSubmitted), Poll: h.solrPolicy().First()}, nil
}

func (h *Restore) solrPolicy() PollPolicy {
	pp := h.SolrPoll
	if pp.Initial <= 0 {
		pp = SolrPoll
		if t := time.Duration(h.Engine.Cfg.Solr.Timeout); t > 0 {
			pp.Limit = t
		}
	}
	return pp
}

// CollectionStatus checks the RESTORE once.
func (h *Restore) CollectionStatus(ctx context.Context, in RestoreTask) (RestoreTask, error) {
	p, err := h.plan(ctx, in.RestoreID)
	if err != nil {
		return in, err
	}
	c, err := collectionPlan(p, in.Name)
	if err != nil {
		return in, err
	}
	if err := h.touch(ctx, in.RestoreID); err != nil {
		return in, err
	}
	st, err := h.Engine.RestoreStatus(ctx, c)
	if err != nil {
		return in, &PollFailed{Err: err}
	}
	prev := solr.State(in.State)
	in.State = string(st.State)
	switch {
	case st.State == solr.StateCompleted:
		in.Done = true
		return in, nil
	case lostTask(prev, st.State):
		return in, &restore.SolrRestoreFailed{Err: fmt.Errorf("RESTORE of %s (async id %s) notfound after it was %s: %w", c.Target, c.AsyncID, prev, solr.ErrTaskLost)}
	case st.State == solr.StateFailed, st.State == solr.StateNotFound && in.Poll.Count+1 >= solrNotFoundChecks:
		return in, &restore.SolrRestoreFailed{Err: fmt.Errorf("RESTORE of %s %s (async id %s): %s", c.Target, st.State, c.AsyncID, trim(st.Msg, 2000))}
	}
	next, err := h.solrPolicy().Next(in.Poll, "solr restore of "+c.Target)
	in.Poll = next
	return in, err
}

// CollectionCheck waits for the restored replicas and compares the doc count and
// digest with the manifest; it records the result.
func (h *Restore) CollectionCheck(ctx context.Context, in RestoreTask) (RestorePartOutput, error) {
	p, err := h.plan(ctx, in.RestoreID)
	if err != nil {
		return RestorePartOutput{}, err
	}
	c, err := collectionPlan(p, in.Name)
	if err != nil {
		return RestorePartOutput{}, err
	}
	st, err := h.Engine.RestoreStatus(ctx, c)
	if err != nil {
		return RestorePartOutput{}, &PollFailed{Err: err}
	}
	res, err := h.Engine.CheckCollection(ctx, p, c, st)
	if err != nil {
		return RestorePartOutput{}, err
	}
	key, err := h.putState(ctx, p.RestoreID, "solr-"+c.Collection, res)
	return RestorePartOutput{RestoreItem: in.RestoreItem, Target: res.Target, Match: res.Match, Key: key}, err
}

// Config unpacks the fetched config archive into the target folder and checks it.
func (h *Restore) Config(ctx context.Context, in RestoreItem) (RestorePartOutput, error) {
	p, err := h.plan(ctx, in.RestoreID)
	if err != nil {
		return RestorePartOutput{}, err
	}
	if p.Config == nil {
		return RestorePartOutput{}, &restore.BadInput{Err: fmt.Errorf("restore %s has no config part", p.RestoreID)}
	}
	res, err := h.Engine.RestoreConfig(ctx, p)
	if err != nil {
		return RestorePartOutput{}, err
	}
	key, err := h.putState(ctx, p.RestoreID, "config", res)
	return RestorePartOutput{RestoreItem: in, Target: res.Target, Match: res.Match, Key: key}, err
}

// RestoreReportInput is the Report state's input; Failure is set on the Catch path.
type RestoreReportInput struct {
	RestoreID string   `json:"restoreId"`
	Failure   *Failure `json:"failure,omitempty"`
	// ExecutionARN goes into the completion event ($$.Execution.Id).
	ExecutionARN string `json:"executionArn,omitempty"`
}

// RestoreReport is what the state machine's restore left: every part's check, the
// drill's cleanup, the problems. It is stored at Layout.RestoreState(id, "report").
type RestoreReport struct {
	RestoreID   string                     `json:"restoreId"`
	BackupID    string                     `json:"backupId"`
	Drill       bool                       `json:"drill"`
	OK          bool                       `json:"ok"`
	FinishedAt  time.Time                  `json:"finishedAt"`
	Tables      []restore.TableResult      `json:"tables"`
	Collections []restore.CollectionResult `json:"collections"`
	Config      *restore.ConfigResult      `json:"config,omitempty"`
	Cleanup     *restore.CleanupResult     `json:"cleanup,omitempty"`
	Problems    []string                   `json:"problems"`
	Warnings    []string                   `json:"warnings,omitempty"`
}

// RestoreReportOutput summarises the report for the state machine and the notification.
type RestoreReportOutput struct {
	RestoreID string   `json:"restoreId"`
	OK        bool     `json:"ok"`
	Report    string   `json:"report"`
	Problems  []string `json:"problems"`
	// DrillRecord is where a drill's result was kept (beside the backup's manifest).
	DrillRecord string `json:"drillRecord,omitempty"`
	// Event is the completion event's detail-type once published; EventError why not.
	Event      string `json:"event,omitempty"`
	EventError string `json:"eventError,omitempty"`
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// hold takes the cluster lock for a restore, or leaves the reader mark of a drill
// (after which a forget holding the lock refuses the drill with *lock.Locked).
func (h *Restore) hold(ctx context.Context, drill bool, backupID, restoreID, executionARN string) error {
	if h.Locker == nil {
		return nil
	}
	if drill {
		if _, err := h.Locker.Mark(ctx, lock.Holder{Operation: lock.OpDrill, BackupID: backupID, RunID: restoreID, ExecutionARN: executionARN}); err != nil {
			return &restore.PreflightFailed{Err: err}
		}
		if err := h.Locker.CheckNoForget(ctx); err != nil {
			_ = h.Locker.Unmark(ctx, restoreID)
			return err
		}
		return nil
	}
	_, err := h.Locker.Acquire(ctx, lock.Holder{Operation: lock.OpRestore, BackupID: backupID, RunID: restoreID, ExecutionARN: executionARN})
	return err
}

// letGo releases what hold took.
func (h *Restore) letGo(ctx context.Context, drill bool, backupID, restoreID string) {
	if h.Locker == nil {
		return
	}
	if drill {
		_ = h.Locker.Unmark(ctx, restoreID)
		return
	}
	if k, err := h.Locker.HeldBy(ctx, lock.OpRestore, backupID, restoreID); err == nil {
		_ = k.Release(ctx)
	}
}

// touch refreshes the restore's lock or the drill's mark; *lock.LockLost when a
// restore's lock was taken over.
func (h *Restore) touch(ctx context.Context, restoreID string) error {
	if h.Locker == nil {
		return nil
	}
	p, err := h.plan(ctx, restoreID)
	if err != nil {
		return err
	}
	if p.Drill {
		if m, err := h.Locker.Mark(ctx, lock.Holder{Operation: lock.OpDrill, BackupID: p.BackupID, RunID: p.RestoreID}); err != nil {
			h.Engine.Log.Warn().Err(err).Str("key", m.Key).Msg("refresh reader mark")
		}
		return nil
	}
	k, err := h.Locker.HeldBy(ctx, lock.OpRestore, p.BackupID, p.RestoreID)
	if err == nil {
		err = k.Refresh(ctx)
	}
	var lost *lock.LockLost
	if errors.As(err, &lost) {
		return lost
	}
	if err != nil {
		h.Engine.Log.Warn().Err(err).Str("restoreId", restoreID).Msg("refresh cluster lock")
	}
	return nil
}

// Report gathers every part's result, removes the staging, drops a drill's scratch
// tables and collections whatever happened, and stores the report.
func (h *Restore) Report(ctx context.Context, in RestoreReportInput) (RestoreReportOutput, error) {
	p, err := h.plan(ctx, in.RestoreID)
	if err != nil {
		return RestoreReportOutput{}, err
	}
	r := RestoreReport{RestoreID: p.RestoreID, BackupID: p.BackupID, Drill: p.Drill, Problems: []string{},
		Tables: []restore.TableResult{}, Collections: []restore.CollectionResult{}, Warnings: p.Warnings}
	if in.Failure != nil {
		r.Problems = append(r.Problems, FailureReasons(*in.Failure)...)
	}
	for _, t := range p.Tables {
		var tr restore.TableResult
		if err := h.getState(ctx, p.RestoreID, "hbase-"+store.TableSegment(t.Table), &tr); err != nil {
			r.Problems = append(r.Problems, fmt.Sprintf("table %s: no check recorded", t.Target))
			continue
		}
		if !tr.Match {
			r.Problems = append(r.Problems, fmt.Sprintf("table %s: restored, but differs from the backup (rows %d/%d, cells %d/%d)", tr.Target, tr.Got.Rows, tr.Expected.Rows, tr.Got.Cells, tr.Expected.Cells))
		}
		r.Tables = append(r.Tables, tr)
	}
	for _, c := range p.Collections {
		var cr restore.CollectionResult
		if err := h.getState(ctx, p.RestoreID, "solr-"+c.Collection, &cr); err != nil {
			r.Problems = append(r.Problems, fmt.Sprintf("collection %s: no check recorded", c.Target))
			continue
		}
		if !cr.Match {
			r.Problems = append(r.Problems, fmt.Sprintf("collection %s: restored, but differs from the backup (docs %d/%d)", cr.Target, cr.Got.Docs, cr.Expected.Docs))
		}
		r.Collections = append(r.Collections, cr)
	}
	if p.Config != nil {
		var cr restore.ConfigResult
		if err := h.getState(ctx, p.RestoreID, "config", &cr); err != nil {
			r.Problems = append(r.Problems, "config: no check recorded")
		} else {
			if !cr.Match {
				r.Problems = append(r.Problems, "config "+cr.Target+": differs from the backup after unpacking")
			}
			r.Config = &cr
		}
	}
	h.Engine.RemoveStaging(ctx, p)
	if p.Drill {
		c := h.Engine.Cleanup(ctx, p)
		r.Cleanup = &c
		r.Problems = append(r.Problems, c.Problems...)
	}
	r.OK = len(r.Problems) == 0
	r.FinishedAt = time.Now().UTC()
	key, err := h.putState(ctx, p.RestoreID, "report", r)
	if err != nil {
		return RestoreReportOutput{}, err
	}
	defer h.letGo(context.WithoutCancel(ctx), p.Drill, p.BackupID, p.RestoreID)
	out := RestoreReportOutput{RestoreID: p.RestoreID, OK: r.OK, Report: h.Engine.Store.URL(key), Problems: []string{}}
	if p.Drill {
		d := manifest.Drill{BackupID: p.BackupID, RestoreID: p.RestoreID, OK: r.OK, StartedAt: p.StartedAt, FinishedAt: r.FinishedAt,
			Trigger: orDefault(p.Trigger, "on-demand"), Problems: r.Problems}
		if err := manifest.WriteDrill(ctx, h.Engine.Store, h.Engine.Layout, d); err != nil {
			r.Problems = append(r.Problems, err.Error())
		} else {
			out.DrillRecord = h.Engine.Store.URL(h.Engine.Layout.Drill(p.BackupID))
		}
	}
	if h.Events != nil {
		ev := events.Restore(events.RestoreDetail{Cluster: h.Engine.Cfg.Cluster, RestoreID: p.RestoreID, BackupID: p.BackupID, Drill: p.Drill, OK: r.OK,
			Problems: r.Problems, Tables: len(p.Tables), Collections: len(p.Collections), Config: p.Config != nil, Report: out.Report,
			StartedAt: p.StartedAt, FinishedAt: r.FinishedAt, Trigger: orDefault(p.Trigger, "on-demand"), Via: "state-machine", ExecutionARN: in.ExecutionARN})
		if err := h.Events.Publish(ctx, ev); err != nil {
			h.Engine.Log.Error().Err(err).Str("restoreId", p.RestoreID).Msg("completion event not published")
			out.EventError = trim(err.Error(), 500)
		} else {
			out.Event = ev.DetailType
		}
	}
	for i, pr := range r.Problems {
		if i == 5 {
			out.Problems = append(out.Problems, fmt.Sprintf("... and %d more (see the report)", len(r.Problems)-5))
			break
		}
		out.Problems = append(out.Problems, trim(pr, 500))
	}
	return out, nil
}
