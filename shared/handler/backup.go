package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/backup"
	"github.com/atlas-backup/atlas-backup/shared/clients"
	"github.com/atlas-backup/atlas-backup/shared/config"
	"github.com/atlas-backup/atlas-backup/shared/events"
	"github.com/atlas-backup/atlas-backup/shared/forget"
	"github.com/atlas-backup/atlas-backup/shared/lock"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/runner"
	"github.com/atlas-backup/atlas-backup/shared/solr"
	"github.com/atlas-backup/atlas-backup/shared/store"
	"github.com/atlas-backup/atlas-backup/shared/watchdog"
)

// Backup holds the backup state machine's step handlers, one method per Lambda.
type Backup struct {
	Engine *backup.Engine
	// Agent runs the config archive on the Atlas host when the config names
	// atlas.agentInstanceId (nil otherwise).
	Agent *Agent
	// Poll policies (zero values: ExportPoll, SolrPoll with solr.timeout, AgentPoll).
	ExportPoll, SolrPoll, AgentPoll PollPolicy
	// Locker is the cluster lock: taken by Plan, refreshed by every status check,
	// released by Finalize (not SUCCEEDED) or Retention (nil: no lock, in unit tests).
	Locker *lock.Locker
	// Events publishes the completion event from Finalize (nil: none).
	Events events.Publisher
	// Set builds the retention run (nil: Retention does nothing).
	Set *clients.Set
}

// PlanInput is the Plan state's input: the execution name and the trigger.
type PlanInput struct {
	BackupID string           `json:"backupId"`
	Trigger  manifest.Trigger `json:"trigger"`
	// ExecutionARN names the lock's holder ($$.Execution.Id).
	ExecutionARN string `json:"executionArn,omitempty"`
}

// PlanOutput is what the rest of the state machine needs of the plan; the plan itself
// stays in the store (Layout.Plan). Items carry the backup id so a Map iteration's
// input is complete without $$.Map.Item.
type PlanOutput struct {
	BackupID    string           `json:"backupId"`
	Cluster     string           `json:"cluster"`
	Resumed     bool             `json:"resumed"`
	Concurrency int              `json:"concurrency"`
	Tables      []TableItem      `json:"tables"`
	Collections []CollectionItem `json:"collections"`
	Config      ConfigItem       `json:"config"`
}

// TableItem is one HBase Map iteration's input.
type TableItem struct {
	BackupID string `json:"backupId"`
	Table    string `json:"table"`
}

// CollectionItem is one Solr Map iteration's input.
type CollectionItem struct {
	BackupID   string `json:"backupId"`
	Collection string `json:"collection"`
}

// ConfigItem is the config branch's input.
type ConfigItem struct {
	BackupID string `json:"backupId"`
}

// ExportTask is carried through an export's submit → wait → status → ship loop.
type ExportTask struct {
	BackupID string `json:"backupId"`
	Table    string `json:"table"`
	Handle   string `json:"handle"`
	State    string `json:"state,omitempty"`
	Done     bool   `json:"done"`
	Poll     Poll   `json:"poll"`
	// Watch is the progress watchdog's memory between checks (hbase.noProgress).
	Watch watchdog.Watch `json:"watch,omitzero"`
}

// SolrTask is carried through a collection's submit → wait → status → ship loop.
type SolrTask struct {
	BackupID   string `json:"backupId"`
	Collection string `json:"collection"`
	AsyncID    string `json:"asyncId"`
	State      string `json:"state,omitempty"`
	Done       bool   `json:"done"`
	Poll       Poll   `json:"poll"`
	// Answered is when Solr last answered REQUESTSTATUS (solr.noAnswer).
	Answered time.Time `json:"answered,omitzero"`
}

// ConfigTask is carried through the config branch.
type ConfigTask struct {
	BackupID string `json:"backupId"`
	// Mode: "direct" (archived by the Lambda itself) or "agent" (SSM on the Atlas host).
	Mode       string          `json:"mode"`
	CommandID  string          `json:"commandId,omitempty"`
	InstanceID string          `json:"instanceId,omitempty"`
	State      string          `json:"state,omitempty"`
	Done       bool            `json:"done"`
	Poll       Poll            `json:"poll"`
	Part       *backup.PartRef `json:"part,omitempty"`
}

// Plan checks everything and stores the plan. On a failed preflight the plan so far
// is kept (backup.Engine.PutPreflightPlan) for the FAILED manifest, and the error is
// *backup.PreflightFailed listing every problem.
func (h *Backup) Plan(ctx context.Context, in PlanInput) (PlanOutput, error) {
	if in.BackupID == "" {
		return PlanOutput{}, &backup.BadInput{Err: errors.New("backupId: required (the execution name)")}
	}
	if h.Locker != nil {
		_, err := h.Locker.Acquire(ctx, lock.Holder{Operation: lock.OpBackup, BackupID: in.BackupID, ExecutionARN: in.ExecutionARN})
		if err != nil && !errors.Is(err, store.ErrNoBucket) { // no bucket: the preflight says so
			return PlanOutput{}, err // *lock.Locked: the state machine waits and retries
		}
	}
	p, err := h.Engine.Plan(ctx, backup.PlanInput{BackupID: in.BackupID, Trigger: in.Trigger})
	if err != nil {
		var (
			pf   *backup.PreflightFailed
			done *backup.ErrAlreadySucceeded
			bad  *backup.BadInput
		)
		if errors.As(err, &pf) && p != nil {
			if perr := h.Engine.PutPreflightPlan(ctx, p); perr != nil {
				h.Engine.Log.Warn().Err(perr).Str("backupId", in.BackupID).Msg("keep preflight plan")
			}
		}
		if errors.As(err, &done) || errors.As(err, &bad) {
			h.release(ctx, in.BackupID) // these paths do not reach Finalize
		}
		return PlanOutput{}, err
	}
	if _, err := h.Engine.PreHooks(ctx, p); err != nil {
		return PlanOutput{}, err // HookFailed: finalized as FAILED, nothing exported
	}
	out := PlanOutput{BackupID: p.BackupID, Cluster: p.Cluster, Resumed: p.Resumed, Concurrency: h.Engine.Cfg.Concurrency,
		Tables: []TableItem{}, Collections: []CollectionItem{}, Config: ConfigItem{BackupID: p.BackupID}}
	for _, t := range p.Tables {
		out.Tables = append(out.Tables, TableItem{BackupID: p.BackupID, Table: t.Table})
	}
	for _, c := range p.Collections {
		out.Collections = append(out.Collections, CollectionItem{BackupID: p.BackupID, Collection: c.Collection})
	}
	return out, nil
}

// plan loads the stored plan of an unfinished backup; a finalized backup is refused,
// so a stray or replayed step never adds work to a backup whose manifest is written.
func (h *Backup) plan(ctx context.Context, id string) (*backup.Plan, error) {
	p, err := h.Engine.LoadPlan(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &backup.BadInput{Err: fmt.Errorf("backupId %s: no plan stored: run Plan first", id)}
	}
	if err != nil {
		return nil, err
	}
	if m, err := h.Engine.Finalized(ctx, id); err == nil {
		return nil, &backup.BadInput{Err: fmt.Errorf("backupId %s: finalized already (%s): start a new backup", id, m.Status)}
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, &backup.StoreFailed{Err: err}
	}
	return p, nil
}

func (h *Backup) table(ctx context.Context, id, name string) (*backup.Plan, backup.TablePlan, error) {
	p, err := h.plan(ctx, id)
	if err != nil {
		return nil, backup.TablePlan{}, err
	}
	t, ok := p.Table(name)
	if !ok {
		return nil, t, &backup.BadInput{Err: fmt.Errorf("table: %q is not in the plan of %s", name, id)}
	}
	return p, t, nil
}

func (h *Backup) collection(ctx context.Context, id, name string) (*backup.Plan, backup.CollectionPlan, error) {
	p, err := h.plan(ctx, id)
	if err != nil {
		return nil, backup.CollectionPlan{}, err
	}
	c, ok := p.Collection(name)
	if !ok {
		return nil, c, &backup.BadInput{Err: fmt.Errorf("collection: %q is not in the plan of %s", name, id)}
	}
	return p, c, nil
}

func orPolicy(pp, def PollPolicy) PollPolicy {
	if pp.Initial <= 0 || pp.Limit <= 0 {
		return def
	}
	return pp
}

// ExportSubmit submits one table's Export. With the local runner the job outlives
// the invocation (it runs in this sandbox; the local e2e only).
func (h *Backup) ExportSubmit(ctx context.Context, in TableItem) (ExportTask, error) {
	p, t, err := h.table(ctx, in.BackupID, in.Table)
	if err != nil {
		return ExportTask{}, err
	}
	sctx := ctx
	if h.Engine.Cfg.HBase.Runner.Type == config.RunnerLocal {
		sctx = context.WithoutCancel(ctx)
	}
	handle, err := h.Engine.ExportSubmit(sctx, p, t)
	if err != nil {
		return ExportTask{}, err
	}
	return ExportTask{BackupID: in.BackupID, Table: in.Table, Handle: handle, State: string(runner.StatePending),
		Poll: h.exportPolicy().First()}, nil
}

// exportPolicy is ExportPoll bounded by hbase.timeout (or the handler's own policy).
func (h *Backup) exportPolicy() PollPolicy {
	return hbaseJobPolicy(h.ExportPoll, time.Duration(h.Engine.Cfg.HBase.Timeout))
}

// ExportStatus checks the export once: Done when it succeeded, the next wait when it
// runs, *backup.ExportFailed when it failed (with the job's last lines).
func (h *Backup) ExportStatus(ctx context.Context, in ExportTask) (ExportTask, error) {
	if in.Handle == "" {
		return in, &backup.BadInput{Err: errors.New("handle: required (ExportSubmit's output)")}
	}
	if _, _, err := h.table(ctx, in.BackupID, in.Table); err != nil {
		return in, err
	}
	if err := h.touch(ctx, in.BackupID); err != nil {
		return in, err
	}
	st, err := h.Engine.ExportStatus(ctx, in.Handle)
	if err != nil {
		if errors.Is(err, runner.ErrUnknownHandle) {
			return in, &backup.ExportFailed{Err: fmt.Errorf("%s: job %s: %w", in.Table, in.Handle, runner.ErrUnknownHandle)}
		}
		return in, &PollFailed{Err: fmt.Errorf("export status of %s: %w", in.Table, err)}
	}
	in.State = string(st.State)
	switch st.State {
	case runner.StateSucceeded:
		in.Done = true
		return in, nil
	case runner.StateFailed:
		if err := h.Engine.HBaseDog.CheckFailed(ctx, "hbase export of "+in.Table,
			fmt.Sprintf("job %s FAILED (exit %d: %s)", in.Handle, st.ExitCode, tailLines(st.Output+"\n"+st.Message, 3, 1500))); err != nil {
			return in, err
		}
		return in, &backup.ExportFailed{Err: fmt.Errorf("%s: job %s failed (exit %d): %s", in.Table, in.Handle, st.ExitCode, tailLines(st.Output+"\n"+st.Message, 6, 2000))}
	}
	what := "hbase export of " + in.Table
	var idle time.Duration
	in.Watch, idle = in.Watch.Observe(watchdog.JobMark(st), h.Engine.Now())
	if err := h.Engine.HBaseDog.Check(ctx, what, idle); err != nil {
		h.cancel(ctx, in.Handle)
		return in, err
	}
	next, err := h.exportPolicy().Next(in.Poll, what)
	in.Poll = next
	if err != nil {
		h.cancel(ctx, in.Handle)
	}
	return in, err
}

// cancel ends a job given up on (watchdog, deadline) when the runner can.
func (h *Backup) cancel(ctx context.Context, handle string) {
	if c, ok := h.Engine.Runner.(runner.Canceler); ok {
		if err := c.Cancel(ctx, handle); err != nil {
			h.Engine.Log.Warn().Err(err).Str("job", handle).Msg("cancel job")
		}
	}
}

// ExportShip reads the finished export, ships it into the store and records the
// table's part; it returns the part reference.
func (h *Backup) ExportShip(ctx context.Context, in ExportTask) (backup.PartRef, error) {
	p, t, err := h.table(ctx, in.BackupID, in.Table)
	if err != nil {
		return backup.PartRef{}, err
	}
	st, err := h.Engine.ExportStatus(ctx, in.Handle)
	if err != nil {
		return backup.PartRef{}, err
	}
	res, err := h.Engine.ExportShip(ctx, p, t, st)
	if err != nil {
		return backup.PartRef{}, err
	}
	ref, err := h.Engine.PutTablePart(ctx, p, res)
	return ref, err
}

// SolrSubmit submits one collection's async BACKUP (a retry finds the first attempt).
func (h *Backup) SolrSubmit(ctx context.Context, in CollectionItem) (SolrTask, error) {
	p, c, err := h.collection(ctx, in.BackupID, in.Collection)
	if err != nil {
		return SolrTask{}, err
	}
	if err := h.Engine.SolrSubmit(ctx, p, c); err != nil {
		return SolrTask{}, err
	}
	return SolrTask{BackupID: in.BackupID, Collection: in.Collection, AsyncID: c.AsyncID, State: string(solr.StateSubmitted),
		Poll: h.solrPolicy().First(), Answered: h.Engine.Now()}, nil
}

func (h *Backup) solrPolicy() PollPolicy {
	pp := h.SolrPoll
	if pp.Initial <= 0 {
		pp = SolrPoll
		if t := time.Duration(h.Engine.Cfg.Solr.Timeout); t > 0 {
			pp.Limit = t
		}
	}
	return pp
}

// solrNotFoundChecks is how many checks may find the async id unknown (not visible
// yet on the node asked) before the task is taken as lost.
const solrNotFoundChecks = 3

// lostTask: a task seen submitted or running before is notfound now (solr.ErrTaskLost;
// Wait's rule, across invocations through the task state).
func lostTask(prev, now solr.State) bool {
	return now == solr.StateNotFound && (prev == solr.StateSubmitted || prev == solr.StateRunning)
}

// SolrStatus checks the BACKUP once.
func (h *Backup) SolrStatus(ctx context.Context, in SolrTask) (SolrTask, error) {
	_, c, err := h.collection(ctx, in.BackupID, in.Collection)
	if err != nil {
		return in, err
	}
	if err := h.touch(ctx, in.BackupID); err != nil {
		return in, err
	}
	st, err := h.Engine.SolrStatus(ctx, c)
	if err != nil {
		// A retry of this state gets the same input: Answered is the last answer seen.
		if na := time.Duration(h.Engine.Cfg.Solr.NoAnswer); na > 0 && !in.Answered.IsZero() {
			if quiet := h.Engine.Now().Sub(in.Answered); quiet >= na {
				return in, &backup.SolrBackupFailed{Err: &solr.NoAnswerError{AsyncID: c.AsyncID, For: quiet, Polls: in.Poll.Count + 1, Err: err}}
			}
		}
		return in, &PollFailed{Err: fmt.Errorf("solr status of %s: %w", in.Collection, err)}
	}
	in.Answered = h.Engine.Now()
	prev := solr.State(in.State)
	in.State = string(st.State)
	switch {
	case st.State == solr.StateCompleted:
		in.Done = true
		return in, nil
	case lostTask(prev, st.State):
		return in, &backup.SolrBackupFailed{Err: fmt.Errorf("%s: BACKUP (async id %s) notfound after it was %s: %w", in.Collection, c.AsyncID, prev, solr.ErrTaskLost)}
	case st.State == solr.StateFailed, st.State == solr.StateNotFound && in.Poll.Count+1 >= solrNotFoundChecks:
		return in, &backup.SolrBackupFailed{Err: fmt.Errorf("%s: BACKUP %s (async id %s): %s", in.Collection, st.State, c.AsyncID,
			trim(st.Msg+" "+strings.Join(st.Failures, "; "), 2000))}
	}
	next, err := h.solrPolicy().Next(in.Poll, "solr backup of "+in.Collection)
	in.Poll = next
	return in, err
}

// SolrShip uploads the finished backup folder and records the collection's part.
func (h *Backup) SolrShip(ctx context.Context, in SolrTask) (backup.PartRef, error) {
	p, c, err := h.collection(ctx, in.BackupID, in.Collection)
	if err != nil {
		return backup.PartRef{}, err
	}
	st, err := h.Engine.SolrStatus(ctx, c)
	if err != nil {
		return backup.PartRef{}, &PollFailed{Err: fmt.Errorf("solr status of %s: %w", in.Collection, err)}
	}
	res, err := h.Engine.SolrShip(ctx, p, c, st)
	if err != nil {
		return backup.PartRef{}, err
	}
	ref, err := h.Engine.PutCollectionPart(ctx, p, res)
	return ref, err
}

// ConfigArchive archives the Atlas config folder: on the Atlas host through the agent
// (SSM) when the config names atlas.agentInstanceId, else here, from a folder this
// function can read (the local e2e; a Lambda cannot read /etc/atlas/conf of a host).
func (h *Backup) ConfigArchive(ctx context.Context, in ConfigItem) (ConfigTask, error) {
	p, err := h.plan(ctx, in.BackupID)
	if err != nil {
		return ConfigTask{}, err
	}
	if id := h.Engine.Cfg.Atlas.AgentInstanceID; id != "" {
		if h.Agent == nil {
			return ConfigTask{}, &backup.BadInput{Err: errors.New("atlas.agentInstanceId is set but this function has no agent document (AGENT_DOCUMENT)")}
		}
		loc, err := store.ParseURL(h.Engine.Cfg.Store)
		if err != nil {
			return ConfigTask{}, &backup.BadInput{Err: fmt.Errorf("store: %w", err)}
		}
		cmd, err := h.Agent.Send(ctx, id, AgentArchiveRequest{
			BackupID: p.BackupID, ConfDir: p.Config.Dir, Store: loc,
			Key: p.Config.Key, Part: h.Engine.Layout.Part(p.BackupID, backup.ConfigPart()),
		})
		if err != nil {
			return ConfigTask{}, err
		}
		return ConfigTask{BackupID: p.BackupID, Mode: "agent", CommandID: cmd, InstanceID: id, State: "Pending",
			Poll: orPolicy(h.AgentPoll, AgentPoll).First()}, nil
	}
	res, err := h.Engine.ArchiveConfig(ctx, p)
	if err != nil {
		return ConfigTask{}, err
	}
	ref, err := h.Engine.PutConfigPart(ctx, p, res)
	if err != nil {
		return ConfigTask{}, err
	}
	return ConfigTask{BackupID: p.BackupID, Mode: "direct", State: "Success", Done: true, Part: &ref}, nil
}

// ConfigStatus checks the agent's command once; when it succeeded it checks the part
// the agent left in the store.
func (h *Backup) ConfigStatus(ctx context.Context, in ConfigTask) (ConfigTask, error) {
	if in.Mode != "agent" || in.CommandID == "" || in.InstanceID == "" {
		return in, &backup.BadInput{Err: errors.New("mode, commandId, instanceId: a ConfigArchive output in agent mode is required")}
	}
	if h.Agent == nil {
		return in, &backup.BadInput{Err: errors.New("this function has no agent document (AGENT_DOCUMENT)")}
	}
	p, err := h.plan(ctx, in.BackupID)
	if err != nil {
		return in, err
	}
	if err := h.touch(ctx, in.BackupID); err != nil {
		return in, err
	}
	st, err := h.Agent.Status(ctx, in.CommandID, in.InstanceID)
	if err != nil {
		return in, err
	}
	in.State = st.State
	switch {
	case st.Done && st.OK:
		var c manifest.Config
		if err := h.Engine.GetPart(ctx, p.BackupID, backup.ConfigPart(), &c); err != nil {
			return in, &backup.ConfigArchiveFailed{Err: fmt.Errorf("the agent's command %s succeeded but left no result at %s: %w",
				in.CommandID, h.Engine.Layout.Part(p.BackupID, backup.ConfigPart()), err)}
		}
		in.Done = true
		in.Part = &backup.PartRef{BackupID: p.BackupID, Part: backup.ConfigPart(), Key: h.Engine.Layout.Part(p.BackupID, backup.ConfigPart()), Objects: 1, Bytes: c.Size}
		return in, nil
	case st.Done:
		return in, &backup.ConfigArchiveFailed{Err: fmt.Errorf("agent command %s on %s: %s: %s", in.CommandID, in.InstanceID, st.State, trim(st.Output, 2000))}
	}
	next, err := orPolicy(h.AgentPoll, AgentPoll).Next(in.Poll, "config archive on "+in.InstanceID)
	in.Poll = next
	return in, err
}

// FinalizeInput is the Finalize state's input. Failure is set on the Catch path: the
// error that stopped the execution ({"Error","Cause"} as Step Functions gives it).
type FinalizeInput struct {
	BackupID string           `json:"backupId"`
	Trigger  manifest.Trigger `json:"trigger"`
	Failure  *Failure         `json:"failure,omitempty"`
	// ExecutionARN goes into the completion event ($$.Execution.Id).
	ExecutionARN string `json:"executionArn,omitempty"`
}

// Failure is a caught error.
type Failure struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// FinalizeOutput summarises the manifest for the state machine and the notification.
type FinalizeOutput struct {
	BackupID string          `json:"backupId"`
	Status   manifest.Status `json:"status"`
	Manifest string          `json:"manifest"`
	Reasons  []string        `json:"reasons"`
	Objects  int             `json:"objects"`
	Bytes    int64           `json:"bytes"`
	// Event is the completion event's detail-type once published; EventError why not.
	Event      string `json:"event,omitempty"`
	EventError string `json:"eventError,omitempty"`
}

// Finalize writes the manifest last. Without Failure it collects every part and lets
// the engine decide the status; with Failure it writes a FAILED manifest giving the
// caught error as the reason (and never overwrites a SUCCEEDED one).
func (h *Backup) Finalize(ctx context.Context, in FinalizeInput) (FinalizeOutput, error) {
	if err := store.ValidateComponent(in.BackupID); err != nil {
		return FinalizeOutput{}, &backup.BadInput{Err: fmt.Errorf("backupId: %w", err)}
	}
	if m, err := h.Engine.Finalized(ctx, in.BackupID); err == nil && m.Status == manifest.Succeeded {
		return h.summary(m), nil
	}
	var (
		p   *backup.Plan
		r   backup.Results
		err error
	)
	if in.Failure != nil {
		p, err = h.Engine.FailedPlan(ctx, in.BackupID, in.Trigger)
		if err != nil {
			return FinalizeOutput{}, err
		}
		r.Failures = FailureReasons(*in.Failure)
	} else {
		p, err = h.Engine.LoadPlan(ctx, in.BackupID)
		if errors.Is(err, store.ErrNotFound) {
			return FinalizeOutput{}, &backup.BadInput{Err: fmt.Errorf("backupId %s: no plan stored", in.BackupID)}
		}
		if err != nil {
			return FinalizeOutput{}, err
		}
		if r, err = h.Engine.CollectParts(ctx, p); err != nil {
			return FinalizeOutput{}, err
		}
	}
	m, err := h.Engine.Finalize(ctx, p, r)
	if err != nil {
		return FinalizeOutput{}, err
	}
	if m.Status != manifest.Succeeded {
		h.release(ctx, m.BackupID) // SUCCEEDED: Retention runs next, under the lock, and releases it
	}
	out := h.summary(m)
	if h.Events != nil {
		ev := events.Backup(m, out.Manifest, h.Engine.Layout.Manifest(m.BackupID), "state-machine", in.ExecutionARN)
		if err := h.Events.Publish(ctx, ev); err != nil {
			h.Engine.Log.Error().Err(err).Str("backupId", m.BackupID).Msg("completion event not published")
			out.EventError = trim(err.Error(), 500)
		} else {
			out.Event = ev.DetailType
		}
	}
	return out, nil
}

// touch refreshes the cluster lock this backup holds; *lock.LockLost when it was taken
// over (the backup stops: finalized as FAILED). A store error is logged: the next check
// refreshes, and the lock stays live for lock.staleAfter.
func (h *Backup) touch(ctx context.Context, id string) error {
	if h.Locker == nil {
		return nil
	}
	k, err := h.Locker.HeldBy(ctx, lock.OpBackup, id, "")
	if err == nil {
		err = k.Refresh(ctx)
	}
	var lost *lock.LockLost
	if errors.As(err, &lost) {
		return lost
	}
	if err != nil {
		h.Engine.Log.Warn().Err(err).Str("backupId", id).Msg("refresh cluster lock")
	}
	return nil
}

// release gives up the lock when this backup holds it.
func (h *Backup) release(ctx context.Context, id string) {
	if h.Locker == nil {
		return
	}
	if k, err := h.Locker.HeldBy(ctx, lock.OpBackup, id, ""); err == nil {
		if err := k.Release(ctx); err != nil {
			h.Engine.Log.Warn().Err(err).Str("backupId", id).Msg("release cluster lock")
		}
	}
}

// RetentionInput is the Retention state's input.
type RetentionInput struct {
	BackupID string `json:"backupId"`
}

// RetentionOutput is the retention run's result, in the execution's output.
type RetentionOutput struct {
	BackupID string   `json:"backupId"`
	Policy   string   `json:"policy"`
	Kept     []string `json:"kept"`
	Dropped  []string `json:"dropped"`
	Problems []string `json:"problems"`
	// Skipped says why nothing was decided (no policy).
	Skipped string `json:"skipped,omitempty"`
}

// Retention applies the retention policy after a SUCCEEDED backup (forget --prune, the
// CLI's retention.afterBackup), under the lock the backup holds, then releases it.
func (h *Backup) Retention(ctx context.Context, in RetentionInput) (RetentionOutput, error) {
	if err := store.ValidateComponent(in.BackupID); err != nil {
		return RetentionOutput{}, &backup.BadInput{Err: fmt.Errorf("backupId: %w", err)}
	}
	defer h.release(context.WithoutCancel(ctx), in.BackupID)
	out := RetentionOutput{BackupID: in.BackupID, Kept: []string{}, Dropped: []string{}, Problems: []string{}}
	if m, err := h.Engine.Finalized(ctx, in.BackupID); err != nil || m.Status != manifest.Succeeded {
		return out, &backup.BadInput{Err: fmt.Errorf("backupId %s: retention runs after a SUCCEEDED backup only", in.BackupID)}
	}
	if h.Set == nil || !h.Engine.Cfg.Retention.Auto() {
		out.Policy, out.Skipped = h.Engine.Cfg.Retention.Policy.String(), "no retention rule set, or retention.afterBackup is false"
		return out, nil
	}
	if h.Locker != nil {
		if _, err := h.Locker.HeldBy(ctx, lock.OpBackup, in.BackupID, ""); err != nil {
			return out, err
		}
	}
	rep, err := h.Set.Forget(h.Engine.Log.With().Str("backupId", in.BackupID).Str("op", "retention").Logger(), in.BackupID).Run(ctx, forget.Options{Prune: true})
	if err != nil {
		return out, &backup.StoreFailed{Err: fmt.Errorf("retention: %w", err)}
	}
	out.Policy = rep.Policy
	for _, e := range rep.Backups {
		if e.Keep {
			out.Kept = append(out.Kept, e.BackupID+": "+strings.Join(e.Reasons, ", "))
		} else {
			out.Dropped = append(out.Dropped, e.BackupID+" ("+strings.ToLower(e.Status)+")")
		}
	}
	if len(out.Kept) > 50 {
		out.Kept = append(out.Kept[:50], fmt.Sprintf("... and %d more", len(out.Kept)-50))
	}
	if len(out.Dropped) > 50 {
		out.Dropped = append(out.Dropped[:50], fmt.Sprintf("... and %d more", len(out.Dropped)-50))
	}
	for i, p := range rep.Problems {
		if i == 5 {
			out.Problems = append(out.Problems, fmt.Sprintf("... and %d more", len(rep.Problems)-5))
			break
		}
		out.Problems = append(out.Problems, trim(p, 500))
	}
	return out, nil
}

func (h *Backup) summary(m *manifest.Manifest) FinalizeOutput {
	out := FinalizeOutput{BackupID: m.BackupID, Status: m.Status, Manifest: h.Engine.Store.URL(h.Engine.Layout.Manifest(m.BackupID)), Reasons: []string{}}
	for i, r := range m.Reasons {
		if i == 5 {
			out.Reasons = append(out.Reasons, fmt.Sprintf("... and %d more (see the manifest)", len(m.Reasons)-5))
			break
		}
		out.Reasons = append(out.Reasons, trim(r, 500))
	}
	for _, o := range m.Objects() {
		out.Objects++
		out.Bytes += o.Size
	}
	return out
}

// FailureReasons turns a caught error into manifest reasons: one line per problem,
// each starting with the error type. A Lambda error's Cause is the JSON the runtime
// sent ({"errorMessage","errorType"}); anything else is taken as text.
func FailureReasons(f Failure) []string {
	msg := f.Cause
	var le struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}
	if json.Unmarshal([]byte(f.Cause), &le) == nil && le.ErrorMessage != "" {
		msg = le.ErrorMessage
	}
	lines := backup.FailureLines(msg)
	if len(lines) == 0 {
		lines = []string{"(no cause given)"}
	}
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		out = append(out, trim(f.Error+": "+l, 2000))
	}
	return out
}

func trim(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// tailLines keeps the last n lines of s, at most max bytes: runner output can be 1 MiB
// and state payloads are limited to 256 KB.
func tailLines(s string, n, max int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	out := strings.Join(lines, " | ")
	if len(out) > max {
		out = "..." + out[len(out)-max:]
	}
	return out
}
