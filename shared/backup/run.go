package backup

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/atlas-backup/atlas-backup/shared/engine"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/runner"
	"github.com/atlas-backup/atlas-backup/shared/solr"
	"github.com/atlas-backup/atlas-backup/shared/watchdog"
)

// Run takes one whole backup in-process (the CLI's path): Plan, then every table,
// collection and the config folder with at most Cfg.Concurrency parts at once, then
// Finalize. The manifest is returned whenever one was built; the error is non-nil when
// the backup did not succeed.
func (e *Engine) Run(ctx context.Context, in PlanInput) (*manifest.Manifest, error) {
	p, err := e.Plan(ctx, in)
	if err != nil {
		var done *ErrAlreadySucceeded
		var bad *BadInput
		if p == nil || errors.As(err, &done) || errors.As(err, &bad) {
			return nil, err
		}
		m, ferr := e.Finalize(ctx, p, Results{Failures: splitErr(err)})
		if ferr != nil {
			return m, fmt.Errorf("%w (and the FAILED manifest could not be written: %w)", err, ferr)
		}
		return m, err
	}

	pre, err := e.PreHooks(ctx, p)
	if err != nil {
		m, ferr := e.Finalize(ctx, p, Results{Failures: []string{err.Error()}, Hooks: pre})
		if ferr != nil {
			return m, fmt.Errorf("%w (and the FAILED manifest could not be written: %w)", err, ferr)
		}
		return m, err
	}

	var (
		mu sync.Mutex
		r  = Results{Hooks: pre}
		g  errgroup.Group
	)
	// Every part runs, whatever another one did (each failure is a reason of the
	// manifest); none starts once ctx is done.
	g.SetLimit(e.Cfg.Concurrency)
	fail := func(part, name string, err error) {
		mu.Lock()
		defer mu.Unlock()
		msg := fmt.Sprintf("%s %s: %v", part, name, err)
		if name == "" {
			msg = fmt.Sprintf("%s: %v", part, err)
		}
		var (
			inc     *ExportIncomplete
			stalled *watchdog.Stalled
		)
		if errors.As(err, &inc) {
			r.Incomplete = true
			msg = err.Error() // it names the table already
		}
		if errors.As(err, &stalled) {
			r.Stalled = true
			msg = err.Error() // it names the part already
		}
		r.Failures = append(r.Failures, msg)
		e.Emit(engine.Event{BackupID: p.BackupID, Part: part, Name: name, Phase: "failed", Message: err.Error()})
	}
	spawn := func(fn func()) {
		g.Go(func() error {
			if ctx.Err() == nil {
				fn()
			}
			return nil
		})
	}
	for _, t := range p.Tables {
		spawn(func() {
			tr, err := e.exportTable(ctx, p, t)
			if err != nil {
				fail("hbase", t.Table, err)
				return
			}
			mu.Lock()
			r.Tables = append(r.Tables, tr)
			mu.Unlock()
		})
	}
	for _, c := range p.Collections {
		spawn(func() {
			cr, err := e.backupCollection(ctx, p, c)
			if err != nil {
				fail("solr", c.Collection, err)
				return
			}
			mu.Lock()
			r.Collections = append(r.Collections, cr)
			mu.Unlock()
		})
	}
	spawn(func() {
		cfg, err := e.ArchiveConfig(ctx, p)
		if err != nil {
			fail("config", "", err)
			return
		}
		mu.Lock()
		r.Config = cfg
		mu.Unlock()
	})
	_ = g.Wait() // the parts report through fail
	if ctx.Err() != nil {
		// Interrupted: leave no manifest, so the next run resumes this backup.
		return nil, fmt.Errorf("backup %s interrupted; run the same command again to resume it: %w", p.BackupID, ctx.Err())
	}
	sortResults(&r, p)
	m, err := e.Finalize(ctx, p, r)
	if err != nil {
		return m, err
	}
	if m.Status != manifest.Succeeded {
		return m, fmt.Errorf("backup %s %s: %d problem(s), first: %s", m.BackupID, m.Status, len(m.Reasons), m.Reasons[0])
	}
	return m, nil
}

func (e *Engine) exportTable(ctx context.Context, p *Plan, t TablePlan) (mt manifest.Table, rerr error) {
	if t.snapshot() {
		// The job's guard cleans up after a failed step; this covers a job that never
		// ended (interrupted, stalled, lost).
		defer func() {
			if rerr != nil {
				e.snapshotLeftovers(ctx, p, t)
			}
		}()
	}
	h, err := e.ExportSubmit(ctx, p, t)
	if err != nil {
		return manifest.Table{}, err
	}
	if strings.HasPrefix(h, doneHandle) {
		st, err := e.ExportStatus(ctx, h)
		if err != nil {
			return manifest.Table{}, err
		}
		return e.ExportShip(ctx, p, t, st)
	}
	report := e.Polling(engine.Event{BackupID: p.BackupID, Part: "hbase", Name: t.Table})
	st, err := e.WatchJob(ctx, "hbase export of "+t.Table, h, func(s runner.Status) {
		if !s.State.Terminal() {
			report(string(s.State))
		}
	})
	if err != nil {
		var stalled *watchdog.Stalled
		if errors.As(err, &stalled) {
			return manifest.Table{}, err
		}
		return manifest.Table{}, &ExportFailed{Err: err}
	}
	return e.ExportShip(ctx, p, t, st)
}

func (e *Engine) backupCollection(ctx context.Context, p *Plan, c CollectionPlan) (manifest.Collection, error) {
	if err := e.SolrSubmit(ctx, p, c); err != nil {
		return manifest.Collection{}, err
	}
	report := e.Polling(engine.Event{BackupID: p.BackupID, Part: "solr", Name: c.Collection})
	st, err := e.Solr.Wait(ctx, c.AsyncID, e.SolrWait, func(s solr.Status) { report(string(s.State)) })
	if err != nil {
		return manifest.Collection{}, &SolrBackupFailed{Err: fmt.Errorf("%s: %w", c.Collection, err)}
	}
	return e.SolrShip(ctx, p, c, st)
}

// sortResults puts tables and collections in plan order, so manifests compare.
func sortResults(r *Results, p *Plan) {
	ti := map[string]int{}
	for i, t := range p.Tables {
		ti[t.Table] = i
	}
	ci := map[string]int{}
	for i, c := range p.Collections {
		ci[c.Collection] = i
	}
	tables := make([]manifest.Table, 0, len(r.Tables))
	for i := range p.Tables {
		for _, t := range r.Tables {
			if ti[t.Table] == i {
				tables = append(tables, t)
			}
		}
	}
	cols := make([]manifest.Collection, 0, len(r.Collections))
	for i := range p.Collections {
		for _, c := range r.Collections {
			if ci[c.Collection] == i {
				cols = append(cols, c)
			}
		}
	}
	r.Tables, r.Collections = tables, cols
}

func splitErr(err error) []string {
	var pf *PreflightFailed
	if errors.As(err, &pf) {
		if j, ok := pf.Err.(interface{ Unwrap() []error }); ok {
			var out []string
			for _, e := range j.Unwrap() {
				out = append(out, splitErr(e)...)
			}
			return out
		}
		return []string{pf.Err.Error()}
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
