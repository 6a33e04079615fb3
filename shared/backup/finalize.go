package backup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/engine"
	"github.com/atlas-backup/atlas-backup/shared/hooks"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

// Results are what the parts produced; Failures say what did not work, one line each.
type Results struct {
	Tables      []manifest.Table      `json:"tables"`
	Collections []manifest.Collection `json:"collections"`
	Config      *manifest.Config      `json:"config"`
	Failures    []string              `json:"failures"`
	// Incomplete: a table's export holds fewer rows than the live table held
	// (*ExportIncomplete): the backup is FAILED, not PARTIAL, whatever else was taken.
	Incomplete bool `json:"incomplete,omitempty"`
	// Stalled: a part's store stopped answering while its job ran (*watchdog.Stalled,
	// HBase down mid-export): the backup is FAILED, not PARTIAL, as the state machine's
	// Catch makes it, whatever else was taken.
	Stalled bool `json:"stalled,omitempty"`
	// Hooks: the preBackup hooks' results (Finalize reads them from the store when
	// empty, and adds the postBackup hooks').
	Hooks []hooks.Result `json:"hooks,omitempty"`
}

// Finalize decides the status, writes the manifest last, and moves `latest` only when
// the backup SUCCEEDED. A backup is SUCCEEDED only when every planned table, collection
// and the config archive are present, nothing failed, and every listed object is in the
// store with its recorded size. It returns the manifest even when writing it failed (the
// error says so), so the caller can still show or keep it.
func (e *Engine) Finalize(ctx context.Context, p *Plan, r Results) (*manifest.Manifest, error) {
	e.Emit(engine.Event{BackupID: p.BackupID, Part: "finalize", Phase: "started",
		Message: fmt.Sprintf("%d problem(s) so far: the postBackup hooks, the stored objects, then the manifest", len(r.Failures))})
	if len(r.Hooks) == 0 {
		var pre []hooks.Result
		if err := e.GetPart(ctx, p.BackupID, partHooksPre, &pre); err == nil {
			r.Hooks = pre
		}
	}
	// postBackup hooks run whatever happened (a start after a stop), before the
	// manifest, which records them; a failed one with onError fail is a reason.
	if post := e.Cfg.Hooks.PostBackup; len(post) > 0 {
		res, err := e.hookRunner(p).Run(context.WithoutCancel(ctx), hooks.PostBackup, p.BackupID, post)
		r.Hooks = append(r.Hooks, res...)
		if err != nil {
			r.Failures = append(r.Failures, err.Error())
		}
	}
	m := &manifest.Manifest{
		FormatVersion: manifest.Version,
		BackupID:      p.BackupID,
		Cluster:       p.Cluster,
		StartedAt:     p.StartedAt,
		FinishedAt:    e.Now(),
		AtlasVersion:  p.AtlasVersion,
		TablesSource:  p.TablesSource,
		Trigger:       p.Trigger,
		HBase:         r.Tables,
		Solr:          r.Collections,
		Config:        r.Config,
		Reasons:       append([]string(nil), r.Failures...),
		Window:        manifest.Window{HBaseStartMs: p.HBaseStartMs, HBaseEndMs: p.HBaseEndMs},
		Tool:          manifest.Tool{Name: "atlas-backup", Version: e.ToolVersion},
		Atlas:         p.Atlas,
		Hooks:         r.Hooks,
	}
	m.ToolRead = m.SumToolRead()
	if m.HBase == nil {
		m.HBase = []manifest.Table{}
	}
	if m.Solr == nil {
		m.Solr = []manifest.Collection{}
	}
	if len(p.Collections) > 0 {
		m.Window.SolrStart = p.StartedAt
		m.Window.SolrEnd = m.FinishedAt
		m.Window.Consistency = consistency(p, r, m.FinishedAt)
	}
	m.Reasons = append(m.Reasons, e.missingParts(p, r)...)
	if len(m.Reasons) == 0 {
		m.Reasons = append(m.Reasons, e.checkObjects(ctx, m)...)
	}
	taken := len(r.Tables) + len(r.Collections)
	if r.Config != nil {
		taken++
	}
	switch {
	case len(m.Reasons) == 0:
		m.Status = manifest.Succeeded
	case taken > 0 && !r.Incomplete && !r.Stalled:
		m.Status = manifest.Partial
	default:
		m.Status = manifest.Failed
	}
	b, err := m.Marshal()
	if err != nil {
		return m, err
	}
	if _, err := e.Store.Put(ctx, e.Layout.Manifest(p.BackupID), bytes.NewReader(b)); err != nil {
		return m, &StoreFailed{Err: fmt.Errorf("write manifest %s: %w", e.Store.URL(e.Layout.Manifest(p.BackupID)), err)}
	}
	e.releaseAsyncIDs(ctx, p)
	ev := engine.Event{BackupID: p.BackupID, Part: "finalize", Phase: "done", Message: fmt.Sprintf("%s: manifest %s", m.Status, e.Store.URL(e.Layout.Manifest(p.BackupID)))}
	if m.Status != manifest.Succeeded {
		ev.Phase = "failed"
		e.Emit(ev)
		return m, nil
	}
	e.Emit(ev)
	if err := e.moveLatest(ctx, m); err != nil {
		return m, &StoreFailed{Err: err}
	}
	return m, nil
}

// releaseAsyncIDs deletes the stored Solr task statuses once the manifest is written.
// They are kept until then so that a second run of an interrupted backup finds the
// first run's tasks (Solr refuses a known async id) instead of starting new backups.
func (e *Engine) releaseAsyncIDs(ctx context.Context, p *Plan) {
	if e.Solr == nil {
		return
	}
	for _, c := range p.Collections {
		if err := e.Solr.DeleteStatus(ctx, c.AsyncID); err != nil {
			e.Log.Warn().Err(err).Str("asyncId", c.AsyncID).Msg("delete solr task status")
		}
	}
}

// missingParts names every planned part that produced no result and no failure line.
func (e *Engine) missingParts(p *Plan, r Results) []string {
	if len(r.Failures) > 0 {
		return nil // the failures already explain the gap
	}
	var out []string
	have := map[string]bool{}
	for _, t := range r.Tables {
		have["t:"+t.Table] = true
	}
	for _, c := range r.Collections {
		have["c:"+c.Collection] = true
	}
	for _, t := range p.Tables {
		if !have["t:"+t.Table] {
			out = append(out, fmt.Sprintf("hbase table %s: no export recorded", t.Table))
		}
	}
	for _, c := range p.Collections {
		if !have["c:"+c.Collection] {
			out = append(out, fmt.Sprintf("solr collection %s: no backup recorded", c.Collection))
		}
	}
	if r.Config == nil {
		out = append(out, "config: no archive recorded")
	}
	if len(p.Tables) == 0 {
		out = append(out, "hbase: no tables planned")
	}
	return out
}

// checkObjects stats every listed object: present with the recorded size.
func (e *Engine) checkObjects(ctx context.Context, m *manifest.Manifest) []string {
	var out []string
	for _, o := range m.Objects() {
		got, err := e.Store.Stat(ctx, o.Key)
		switch {
		case err != nil:
			out = append(out, fmt.Sprintf("object %s: %v", e.Store.URL(o.Key), err))
		case got.Size != o.Size:
			out = append(out, fmt.Sprintf("object %s: stored %d bytes, recorded %d", e.Store.URL(o.Key), got.Size, o.Size))
		}
	}
	return out
}

func (e *Engine) moveLatest(ctx context.Context, m *manifest.Manifest) error {
	key := e.Layout.Latest()
	if cur, err := manifest.ReadLatest(ctx, e.Store, e.Layout); err == nil && cur.FinishedAt.After(m.FinishedAt) {
		return nil // a newer backup already holds the pointer
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("read latest: %w", err)
	}
	b, err := json.MarshalIndent(manifest.Latest{BackupID: m.BackupID, Manifest: e.Layout.Manifest(m.BackupID), FinishedAt: m.FinishedAt}, "", "  ")
	if err != nil {
		return fmt.Errorf("latest: %w", err)
	}
	if _, err := e.Store.Put(ctx, key, bytes.NewReader(append(b, '\n'))); err != nil {
		return fmt.Errorf("write latest: %w", err)
	}
	return nil
}

// partHooksPre keeps the preBackup hooks' results for Finalize.
const partHooksPre = "hooks-preBackup"

// hookRunner runs the operator's hooks on the HBase runner.
func (e *Engine) hookRunner(p *Plan) *hooks.Runner {
	return &hooks.Runner{Runner: e.Runner, Poll: e.Poll, Now: e.Clock,
		Env: map[string]string{"ATLAS_BACKUP_CLUSTER": e.Cfg.Cluster, "ATLAS_BACKUP_ID": p.BackupID, "ATLAS_BACKUP_RUN_ID": p.BackupID},
		Progress: func(phase, name, state, msg string) {
			e.Emit(engine.Event{BackupID: p.BackupID, Part: "hook", Name: phase + " " + name, Phase: state, Message: msg})
		}}
}

// PreHooks runs the preBackup hooks, before any export, and keeps their results for
// the manifest. *hooks.HookFailed when one with onError fail did not succeed: the backup
// stops there (Finalize writes it FAILED, naming the hook).
func (e *Engine) PreHooks(ctx context.Context, p *Plan) ([]hooks.Result, error) {
	if len(e.Cfg.Hooks.PreBackup) == 0 {
		return nil, nil
	}
	res, err := e.hookRunner(p).Run(ctx, hooks.PreBackup, p.BackupID, e.Cfg.Hooks.PreBackup)
	if _, perr := e.PutPart(ctx, p.BackupID, partHooksPre, res); perr != nil && err == nil {
		return res, &StoreFailed{Err: perr}
	}
	return res, err
}

// consistency sums up how far apart the HBase cut and the Solr backups are and what
// showed Atlas writing in between: the Solr documents changing between the plan and
// the end of a collection's BACKUP (the digests and counts read before and after it).
//
// The Export's counters are no such evidence: on Atlas's graph table ROWS_SCANNED
// exceeds the rows exported on a quiet Atlas too (JanusGraph leaves rows whose cells
// are all deleted; the Export counts them as scanned and filtered), while a RowCounter
// over [cut, ∞) finds no row.
func consistency(p *Plan, r Results, solrEnd time.Time) *manifest.Consistency {
	cut := time.UnixMilli(p.HBaseEndMs).UTC()
	c := &manifest.Consistency{HBaseCut: cut, SolrEnd: solrEnd, Seconds: solrEnd.Sub(cut).Seconds()}
	for _, col := range r.Collections {
		if col.ChangedDuringBackup() {
			c.Writes = append(c.Writes, fmt.Sprintf("solr %s: the documents changed during its BACKUP (%d docs before it, %d right after)", col.Collection, col.DigestBeforeDocs, col.DigestDocs))
		} else if col.Digest != "" && col.DigestDocs != col.Docs {
			c.Writes = append(c.Writes, fmt.Sprintf("solr %s: %d docs at plan time, %d right after its BACKUP", col.Collection, col.Docs, col.DigestDocs))
		}
	}
	c.RepairAdvised = len(c.Writes) > 0
	return c
}
