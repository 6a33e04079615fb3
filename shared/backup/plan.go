package backup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/atlas-backup/atlas-backup/shared/atlas"
	"github.com/atlas-backup/atlas-backup/shared/engine"
	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/runner"
	"github.com/atlas-backup/atlas-backup/shared/solr"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

// PlanInput starts a backup.
type PlanInput struct {
	// BackupID: empty → a new id. An id whose plan exists in the store is resumed.
	BackupID string           `json:"backupId,omitempty"`
	Trigger  manifest.Trigger `json:"trigger"`
}

// Plan is everything decided before work starts. It is stored at Layout.Plan(id) so a
// second run of the same id (a retry, a killed CLI) resumes with the same async ids,
// export folders and time window.
type Plan struct {
	BackupID     string           `json:"backupId"`
	Cluster      string           `json:"cluster"`
	StartedAt    time.Time        `json:"startedAt"`
	AtlasVersion string           `json:"atlasVersion"`
	TablesSource string           `json:"tablesSource"`
	Trigger      manifest.Trigger `json:"trigger"`
	HBaseStartMs int64            `json:"hbaseStartMs"`
	HBaseEndMs   int64            `json:"hbaseEndMs"`
	Tables       []TablePlan      `json:"tables"`
	Collections  []CollectionPlan `json:"collections"`
	Config       ConfigPlan       `json:"config"`
	// Atlas is what Atlas answered at plan time (nil without atlas.url).
	Atlas *atlas.Record `json:"atlas,omitempty"`
	// Resumed is true when this run found the plan of an earlier run.
	Resumed bool `json:"-"`
}

// TablePlan is one HBase table to export.
type TablePlan struct {
	Table     string       `json:"table"`
	ExportDir string       `json:"exportDir"`
	JobID     string       `json:"jobId"`
	Schema    hbase.Schema `json:"schema"`
	// Window is the table's Export window in its own timestamp unit (nil in plans
	// written before it was per table: HBaseStartMs/EndMs then apply as they are).
	Window *manifest.TableWindow `json:"window,omitempty"`
	// Live is the plan-time sample of the live table; SampleRows the sampled row keys
	// as the shell prints them (hbase.ToStringBinary), looked for in the export.
	Live       *manifest.Live `json:"live,omitempty"`
	SampleRows []string       `json:"sampleRows,omitempty"`
	// Method is hbase.method when planned (empty in older plans: export). With the
	// snapshot method, Snapshot is the snapshot's name, Scratch the clone its rows,
	// cells and digest are read from, CheckDir where that clone is exported; ExportDir
	// receives ExportSnapshot's copy.
	Method   string `json:"method,omitempty"`
	Snapshot string `json:"snapshot,omitempty"`
	Scratch  string `json:"scratch,omitempty"`
	CheckDir string `json:"checkDir,omitempty"`
}

// CollectionPlan is one Solr collection to back up.
type CollectionPlan struct {
	Collection string           `json:"collection"`
	BackupName string           `json:"backupName"`
	AsyncID    string           `json:"asyncId"`
	Location   string           `json:"location"`
	Shards     []manifest.Shard `json:"shards"`
	Docs       int64            `json:"docs"`
	ConfigName string           `json:"configName,omitempty"`
}

// ConfigPlan is the config folder to archive.
type ConfigPlan struct {
	Dir string `json:"dir"`
	Key string `json:"key"`
}

var (
	triggerSources = map[string]bool{"cli": true, "schedule": true, "pre-upgrade": true, "on-demand": true}
	detailRe       = regexp.MustCompile(`^[\x20-\x7E]{0,256}$`)
	fieldRe        = regexp.MustCompile(`^[\x20-\x7E]{0,64}$`)
)

// Validate checks the request without looking at any server: what Plan refuses as
// BadInput before anything else (the CLI calls it while parsing its flags).
func (in PlanInput) Validate() error { return validateInput(in) }

func validateInput(in PlanInput) error {
	var errs []error
	if in.BackupID != "" {
		if err := store.ValidateComponent(in.BackupID); err != nil {
			errs = append(errs, fmt.Errorf("backupId: %w", err))
		}
	}
	if !triggerSources[in.Trigger.Source] {
		errs = append(errs, fmt.Errorf("trigger.source: must be one of cli, schedule, pre-upgrade, on-demand, got %q", in.Trigger.Source))
	}
	if !detailRe.MatchString(in.Trigger.Detail) {
		errs = append(errs, errors.New("trigger.detail: must be at most 256 printable ASCII characters on one line"))
	}
	for _, f := range []struct{ name, v string }{{"trigger.requestId", in.Trigger.RequestID}, {"trigger.ticket", in.Trigger.Ticket},
		{"trigger.targetVersion", in.Trigger.TargetVersion}, {"trigger.requestedBy", in.Trigger.RequestedBy}} {
		if !fieldRe.MatchString(f.v) {
			errs = append(errs, fmt.Errorf("%s: must be at most 64 printable ASCII characters", f.name))
		}
	}
	return errors.Join(errs...)
}

// Plan validates the request, checks the store and every server the backup needs, and
// records the plan. On a preflight failure it returns the plan so far (enough for
// Finalize to write a FAILED manifest) and a *PreflightFailed error listing every
// problem.
func (e *Engine) Plan(ctx context.Context, in PlanInput) (*Plan, error) {
	if err := validateInput(in); err != nil {
		return nil, &BadInput{Err: err}
	}
	now := e.Now()
	id := in.BackupID
	if id == "" {
		id = NewBackupID(now)
	}
	p := &Plan{BackupID: id, Cluster: e.Cfg.Cluster, StartedAt: now, Trigger: in.Trigger, AtlasVersion: "unknown"}
	e.Emit(engine.Event{BackupID: id, Part: "plan", Phase: "started", Message: "checking the store, HBase and Solr"})

	if err := e.Store.Check(ctx); err != nil {
		return p, &PreflightFailed{Err: fmt.Errorf("backup store %s: %w", e.Store.URL(e.Layout.Backups()), err)}
	}
	if prev, err := e.loadPlan(ctx, id); err == nil {
		if m, err := manifest.Read(ctx, e.Store, e.Layout, id); err == nil && m.Status == manifest.Succeeded {
			return prev, &ErrAlreadySucceeded{BackupID: id}
		}
		prev.Resumed = true
		e.Emit(engine.Event{BackupID: id, Part: "plan", Phase: "done", Message: "resuming the earlier run of this backup (same async ids and time window)"})
		return prev, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return p, &PreflightFailed{Err: err}
	}

	var problems []error
	if e.Atlas != nil {
		p.Atlas = e.recordAtlas(ctx, id)
		if p.Atlas.Version != "" {
			p.AtlasVersion = p.Atlas.Version
		}
	}
	tables, err := e.resolveTables(ctx, p)
	if err != nil {
		problems = append(problems, err)
	}
	for _, t := range tables {
		tp := TablePlan{
			Table:     t,
			ExportDir: strings.TrimRight(e.Cfg.HBase.ExportDir, "/") + "/" + id + "/" + store.TableSegment(t),
			JobID:     runner.JobID(id, "export", t),
		}
		if e.Cfg.HBase.Method == hbase.MethodSnapshot {
			if err := planSnapshot(&tp, e.Cfg.HBase.ExportDir, id); err != nil {
				problems = append(problems, err)
			}
		}
		p.Tables = append(p.Tables, tp)
	}
	for _, c := range e.Cfg.Solr.Collections {
		p.Collections = append(p.Collections, CollectionPlan{
			Collection: c,
			BackupName: backupName(id, c),
			AsyncID:    solr.AsyncID(id, c),
			Location:   e.Cfg.Solr.Location,
		})
	}
	p.Config = ConfigPlan{Dir: e.Cfg.Atlas.ConfDir, Key: e.Layout.ConfigArchive(id)}

	// Kerberos, then Solr: collections exist, every shard has an active leader, the
	// location is accepted.
	loginErr := error(nil)
	if e.Login != nil {
		loginErr = e.Login(ctx)
	}
	if loginErr != nil {
		problems = append(problems, fmt.Errorf("kerberos login as %s: %w", e.Cfg.Kerberos.Principal, loginErr))
	} else if err := e.Solr.Preflight(ctx, e.Cfg.Solr.Collections, e.Cfg.Solr.Location); err != nil {
		problems = append(problems, fmt.Errorf("solr: %w", err))
	} else if err := e.solrCounts(ctx, p); err != nil {
		problems = append(problems, fmt.Errorf("solr: %w", err))
	}
	// HBase: every table exists; record its schema for restore and sample it (the unit
	// of its timestamps, its first rows). One shell per table, up to concurrency at
	// once: each is a JVM start on the runner host.
	descErrs := make([]error, len(p.Tables))
	samples := make([]hbase.ScanResult, len(p.Tables))
	var g errgroup.Group
	g.SetLimit(max(1, e.Cfg.Concurrency))
	for i := range p.Tables {
		g.Go(func() error {
			p.Tables[i].Schema, samples[i], descErrs[i] = e.sampleTable(ctx, id, p.Tables[i].Table)
			return nil // each table's error is its own (descErrs)
		})
	}
	_ = g.Wait()
	// The cut: every table is exported up to this instant, in its own unit. It is taken
	// after the samples, so every sampled cell was written before it, and truncated to
	// the millisecond the manifest records it in (hbaseEndMs), so every table's window,
	// whatever its unit, ends at that same instant.
	cut := e.Now().Truncate(time.Millisecond)
	p.HBaseStartMs, p.HBaseEndMs = 0, cut.UnixMilli()
	for i, err := range descErrs {
		if err != nil {
			problems = append(problems, err)
			continue
		}
		planWindow(&p.Tables[i], samples[i], e.sampleLimit(), cut, cut)
	}
	if len(problems) > 0 {
		err := &PreflightFailed{Err: errors.Join(problems...)}
		e.Emit(engine.Event{BackupID: id, Part: "plan", Phase: "failed", Message: err.Error()})
		return p, err
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return p, fmt.Errorf("plan: %w", err)
	}
	if _, err := e.Store.PutIfAbsent(ctx, e.Layout.Plan(id), bytes.NewReader(b)); err != nil {
		if errors.Is(err, store.ErrExists) {
			// Another run of the same id planned first: follow its plan.
			prev, lerr := e.loadPlan(ctx, id)
			if lerr != nil {
				return p, &StoreFailed{Err: lerr}
			}
			prev.Resumed = true
			return prev, nil
		}
		return p, &StoreFailed{Err: fmt.Errorf("write plan: %w", err)}
	}
	e.Emit(engine.Event{BackupID: id, Part: "plan", Phase: "done", Message: fmt.Sprintf("%d tables (%s), %d collections, config %s",
		len(p.Tables), p.TablesSource, len(p.Collections), p.Config.Dir)})
	return p, nil
}

// loadPlan reads the stored plan of id: Layout.Plan, or Layout.LegacyPlan for a
// backup planned before the plan got its own name.
func (e *Engine) loadPlan(ctx context.Context, id string) (*Plan, error) {
	key := e.Layout.Plan(id)
	rc, err := e.Store.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		key = e.Layout.LegacyPlan(id)
		rc, err = e.Store.Get(ctx, key)
	}
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var p Plan
	if err := json.NewDecoder(io.LimitReader(rc, 16<<20)).Decode(&p); err != nil {
		return nil, fmt.Errorf("read plan of %s: %w", id, err)
	}
	if p.BackupID != id {
		return nil, fmt.Errorf("plan at %s names backup %q", key, p.BackupID)
	}
	return &p, nil
}

// AtlasBudget bounds what the plan asks Atlas (a few requests); AtlasRequest bounds each.
const (
	AtlasBudget  = 90 * time.Second
	AtlasRequest = 20 * time.Second
)

// recordAtlas asks Atlas for its record. Atlas down does not stop the backup: the
// record says it did not answer.
func (e *Engine) recordAtlas(ctx context.Context, id string) *atlas.Record {
	actx, cancel := context.WithTimeout(ctx, AtlasBudget)
	defer cancel()
	rec := atlas.Take(actx, e.Atlas, e.Now(), AtlasRequest)
	msg := ""
	switch {
	case !rec.Answered:
		msg = "Atlas did not answer (recorded; the backup goes on): " + rec.Error
	case rec.Version == "":
		msg = "Atlas answered but gave no version (recorded): " + rec.Error
	default:
		n := int64(0)
		if rec.Metrics != nil {
			n = rec.Metrics.EntityCount
		}
		msg = fmt.Sprintf("Atlas %s %s: %d entities, %d sampled", rec.Version, rec.Status, n, len(rec.Entities))
		if len(rec.Problems) > 0 {
			msg += fmt.Sprintf(" (%d parts not answered: %s)", len(rec.Problems), rec.Problems[0])
		}
	}
	e.Emit(engine.Event{BackupID: id, Part: "plan", Name: "atlas", Phase: "recorded", Message: msg})
	return &rec
}

// resolveTables: atlas-application.properties, then the Atlas version, then config.
func (e *Engine) resolveTables(ctx context.Context, p *Plan) ([]string, error) {
	if e.Cfg.Atlas.Version != "" && p.AtlasVersion == "unknown" {
		p.AtlasVersion = e.Cfg.Atlas.Version
	}
	var t atlas.Tables
	fromProps, ok, err := atlas.TablesFromConfDir(e.Cfg.Atlas.ConfDir)
	switch {
	case err == nil && ok:
		t = fromProps
	case p.AtlasVersion != "unknown":
		v, verr := atlas.TablesForVersion(p.AtlasVersion)
		if verr != nil {
			return nil, fmt.Errorf("hbase tables: %w", verr)
		}
		t = v
		if err == nil && fromProps.Audit != "" {
			t.Audit = fromProps.Audit
		}
	case len(e.Cfg.HBase.Tables) > 0:
		p.TablesSource = "config"
		return append([]string(nil), e.Cfg.HBase.Tables...), nil
	default:
		return nil, fmt.Errorf("hbase tables: %s does not name %s, the Atlas version is unknown (set atlas.url or atlas.version) and hbase.tables is empty",
			atlas.PropertiesFile, atlas.PropGraphTable)
	}
	p.TablesSource = t.Source
	out := []string{t.Graph, t.Audit}
	for _, name := range out {
		if err := hbase.ValidateTable(name); err != nil {
			return nil, fmt.Errorf("hbase table from %s: %w", t.Source, err)
		}
	}
	return out, nil
}

func (e *Engine) solrCounts(ctx context.Context, p *Plan) error {
	cs, err := e.Solr.ClusterStatus(ctx)
	if err != nil {
		return err
	}
	for i := range p.Collections {
		c := &p.Collections[i]
		total, perShard, err := e.Solr.DocCount(ctx, c.Collection)
		if err != nil {
			return fmt.Errorf("count %s: %w", c.Collection, err)
		}
		c.Docs = total
		if col, ok := cs.Collections[c.Collection]; ok {
			c.ConfigName = col.ConfigName
			for _, name := range sortedKeys(col.Shards) {
				leader, _, _ := col.Shards[name].Leader()
				c.Shards = append(c.Shards, manifest.Shard{Name: name, Docs: perShard[name], Leader: leader})
			}
		}
	}
	return nil
}

// backupName is the Solr backup name: one folder per backup and collection under the
// shared location.
func backupName(id, collection string) string { return "atlas-" + id + "-" + collection }
