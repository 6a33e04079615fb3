package backup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/atlas-backup/atlas-backup/shared/archive"
	"github.com/atlas-backup/atlas-backup/shared/engine"
	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/runner"
	"github.com/atlas-backup/atlas-backup/shared/solr"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

// doneHandle marks an export that an earlier run already completed.
const doneHandle = "done:"

// ExportSubmit submits the Export of one table (kinit as the hbase principal first;
// on HDFS the seed's folder step: create it, make hbase its owner). An export folder an
// earlier run completed (_SUCCESS present) is kept and not exported again; a partial one
// is removed first, since Export refuses an existing output folder.
//
// The window is the table's own (TablePlan.Window: the cut instant in the table's
// timestamp unit). After the Export the same job counts the live table's rows in that
// window with RowCounter, on the cluster, for ExportShip to compare with the export.
func (e *Engine) ExportSubmit(ctx context.Context, p *Plan, t TablePlan) (string, error) {
	if t.snapshot() {
		return e.snapshotSubmit(ctx, p, t)
	}
	start, end := t.bounds(p)
	argv, err := hbase.ExportArgv(e.Cfg.HBase.Command, hbase.ExportOptions{
		Table: t.Table, OutDir: t.ExportDir, Versions: e.Cfg.HBase.Versions,
		StartTime: start, EndTime: end, Compress: e.Cfg.HBase.Compress,
	})
	if err != nil {
		return "", &BadInput{Err: err}
	}
	var count []string
	if t.counted() {
		if count, err = hbase.RowCounterArgv(e.Cfg.HBase.Command, t.Table, start, end); err != nil {
			return "", &BadInput{Err: err}
		}
	}
	var steps [][]string
	switch {
	case strings.HasPrefix(t.ExportDir, "/"):
		if _, err := os.Stat(filepath.Join(t.ExportDir, "_SUCCESS")); err == nil {
			return doneHandle + t.ExportDir, nil
		}
		if err := os.RemoveAll(t.ExportDir); err != nil {
			return "", &ExportFailed{Err: fmt.Errorf("remove partial export %s: %w", t.ExportDir, err)}
		}
		if err := os.MkdirAll(filepath.Dir(t.ExportDir), 0o755); err != nil {
			return "", &ExportFailed{Err: fmt.Errorf("create export parent: %w", err)}
		}
	case strings.HasPrefix(t.ExportDir, "hdfs://"):
		parent := t.ExportDir[:strings.LastIndex(t.ExportDir, "/")]
		mk, err1 := hbase.HDFSMkdirArgv(e.Cfg.HBase.HDFSCommand, parent)
		own, err2 := hbase.HDFSChownArgv(e.Cfg.HBase.HDFSCommand, parent, e.Cfg.HBase.Owner)
		rm, err3 := hbase.HDFSRemoveArgv(e.Cfg.HBase.HDFSCommand, t.ExportDir)
		if err := errors.Join(err1, err2, err3); err != nil {
			return "", &BadInput{Err: err}
		}
		steps = append(steps, mk, own, rm)
	}
	steps = append(steps, argv)
	if count != nil {
		steps = append(steps, count)
	}
	if !strings.HasPrefix(t.ExportDir, "/") {
		cp, err := e.distCpStep(p.BackupID, t.Table, t.ExportDir)
		if err != nil {
			return "", &BadInput{Err: err}
		}
		steps = append(steps, cp)
	}
	job, err := e.Identity("backup", p.BackupID).Job(t.JobID, steps...)
	if err != nil {
		return "", &BadInput{Err: err}
	}
	h, err := e.Runner.Submit(ctx, job)
	if err != nil {
		return "", &ExportFailed{Err: fmt.Errorf("submit export of %s: %w", t.Table, err)}
	}
	msg := "Export → " + t.ExportDir
	if t.Window != nil && t.Window.Unit != "" {
		msg += fmt.Sprintf(" (cells before %d %s), then RowCounter", end, t.Window.Unit)
	}
	e.Emit(engine.Event{BackupID: p.BackupID, Part: "hbase", Name: t.Table, Phase: "submitted", Message: msg})
	return h, nil
}

// ExportStatus reports an export job's state.
func (e *Engine) ExportStatus(ctx context.Context, handle string) (runner.Status, error) {
	if strings.HasPrefix(handle, doneHandle) {
		return runner.Status{State: runner.StateSucceeded, StepIndex: -1, Message: "exported by an earlier run"}, nil
	}
	st, err := e.Runner.Status(ctx, handle)
	if err != nil {
		return st, &ExportFailed{Err: err}
	}
	return st, nil
}

// ExportShip checks a finished export, reads its rows, cells and digest from the
// exported files, compares them with the live table (checkLive: an empty or short
// export is *ExportIncomplete), and ships them into the store with size and checksum
// per object.
func (e *Engine) ExportShip(ctx context.Context, p *Plan, t TablePlan, st runner.Status) (manifest.Table, error) {
	if t.snapshot() {
		return e.snapshotShip(ctx, p, t, st)
	}
	out := manifest.Table{Table: t.Table, Method: hbase.MethodExport, Schema: t.Schema, ExportDir: t.ExportDir, Versions: e.Cfg.HBase.Versions, Window: t.Window}
	if t.Window == nil {
		out.Window = &manifest.TableWindow{Unit: hbase.Milliseconds, Start: p.HBaseStartMs, End: p.HBaseEndMs, Note: "planned before windows were per table: ms, as given"}
	}
	if st.State != runner.StateSucceeded {
		return out, &ExportFailed{Err: fmt.Errorf("%s: job %s (exit %d): %s", t.Table, st.State, st.ExitCode, st.Tail(6))}
	}
	if c, err := hbase.ParseExportCounters(st.Output); err == nil {
		out.Counters = c.Raw
	}
	probe, err := t.probe()
	if err != nil {
		return out, &ExportFailed{Err: err}
	}
	if !strings.HasPrefix(t.ExportDir, "/") {
		return e.shipRemote(ctx, p, t, out, probe, st)
	}
	if _, err := os.Stat(filepath.Join(t.ExportDir, "_SUCCESS")); err != nil {
		return out, &ExportFailed{Err: fmt.Errorf("%s: export folder %s has no _SUCCESS marker: the job did not complete", t.Table, t.ExportDir)}
	}
	// One read of the folder: each part file is parsed for rows, cells and digest while
	// it is uploaded with its SHA-256 (store.PutTreeWith). The checks against the live
	// table come after the upload; a short export still makes the backup FAILED (its
	// objects stay under the backup's prefix until forget prunes them).
	e.Emit(engine.Event{BackupID: p.BackupID, Part: "hbase", Name: t.Table, Phase: "shipping", Message: t.ExportDir})
	sink := hbase.NewExportSink(probe)
	objs, err := store.PutTreeWith(ctx, e.Store, t.ExportDir, e.Layout.HBase(p.BackupID, t.Table, ""), store.TreeOptions{
		Concurrency: e.Cfg.Concurrency,
		Observe: func(rel string) store.Observer {
			if f := sink.File(rel); f != nil {
				return f
			}
			return nil
		},
	})
	if perr := sink.Err(); perr != nil {
		return out, &ExportFailed{Err: fmt.Errorf("%s: read export: %w", t.Table, perr)}
	}
	if err != nil {
		return out, &StoreFailed{Err: fmt.Errorf("ship export of %s: %w", t.Table, err)}
	}
	stats, err := sink.Stats()
	if err != nil {
		return out, &ExportFailed{Err: fmt.Errorf("%s: read export %s: %w", t.Table, t.ExportDir, err)}
	}
	out.Objects = objs
	for _, o := range objs {
		out.Bytes += o.Size
	}
	out.ToolRead = &manifest.ToolRead{Files: out.Bytes}
	out.Rows, out.Cells, out.Digest = stats.Rows, stats.Cells, stats.Digest
	if n, ok := out.Counters["Map input records"]; ok && n != stats.Rows {
		return out, &ExportIncomplete{Table: t.Table, Problems: []string{fmt.Sprintf("the Export job counted %d rows but the export files hold %d", n, stats.Rows)}}
	}
	if err := checkLive(t, &out, stats, probe, st); err != nil {
		return out, err
	}
	e.Emit(engine.Event{BackupID: p.BackupID, Part: "hbase", Name: t.Table, Phase: "shipped", Bytes: out.Bytes,
		Message: fmt.Sprintf("%d rows, %d cells, %d objects", stats.Rows, stats.Cells, len(objs))})
	return out, nil
}

// SolrSubmit submits the async BACKUP of one collection. A second submit of the same
// backup (a retry, a killed CLI) finds the first attempt instead of starting another.
func (e *Engine) SolrSubmit(ctx context.Context, p *Plan, c CollectionPlan) error {
	if err := e.recordSolrBefore(ctx, p, c); err != nil {
		return err
	}
	res, err := e.Solr.Backup(ctx, solr.BackupRequest{
		Collection: c.Collection, Name: c.BackupName, Location: c.Location,
		AsyncID: c.AsyncID, Repository: e.Cfg.Solr.Repository,
	})
	if err != nil {
		return &SolrBackupFailed{Err: fmt.Errorf("submit %s: %w", c.Collection, err)}
	}
	msg := "BACKUP submitted as async id " + c.AsyncID
	if res.AlreadySubmitted {
		msg = "BACKUP already submitted by an earlier run (async id " + c.AsyncID + "): polling it"
	}
	e.Emit(engine.Event{BackupID: p.BackupID, Part: "solr", Name: c.Collection, Phase: "submitted", Message: msg})
	return nil
}

// SolrStatus reports the async BACKUP's state once.
func (e *Engine) SolrStatus(ctx context.Context, c CollectionPlan) (solr.Status, error) {
	st, err := e.Solr.RequestStatus(ctx, c.AsyncID)
	if err != nil {
		return st, &SolrBackupFailed{Err: fmt.Errorf("status of %s: %w", c.Collection, err)}
	}
	return st, nil
}

// SolrShip checks a finished BACKUP and uploads its folder from the shared location.
func (e *Engine) SolrShip(ctx context.Context, p *Plan, c CollectionPlan, st solr.Status) (manifest.Collection, error) {
	out := manifest.Collection{Collection: c.Collection, BackupName: c.BackupName, Location: c.Location,
		AsyncID: c.AsyncID, Shards: c.Shards, Docs: c.Docs, ConfigName: c.ConfigName}
	if st.State != solr.StateCompleted {
		return out, &SolrBackupFailed{Err: fmt.Errorf("%s: BACKUP %s: %s %s", c.Collection, st.State, st.Msg, strings.Join(st.Failures, "; "))}
	}
	if err := e.recordSolrDigest(ctx, p, c, &out); err != nil {
		return out, err
	}
	local := e.Cfg.Solr.LocalLocation
	if local == "" {
		local = e.Cfg.Solr.Location
	}
	dir := filepath.Join(local, c.BackupName)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return out, &SolrBackupFailed{Err: fmt.Errorf("%s: Solr reports the backup completed but %s is not a folder here: mount the shared location and set solr.localLocation", c.Collection, dir)}
	}
	e.Emit(engine.Event{BackupID: p.BackupID, Part: "solr", Name: c.Collection, Phase: "shipping", Message: dir})
	objs, err := store.PutTree(ctx, e.Store, dir, e.Layout.Solr(p.BackupID, c.Collection, ""), e.Cfg.Concurrency, nil)
	if err != nil {
		return out, &StoreFailed{Err: fmt.Errorf("ship solr backup of %s: %w", c.Collection, err)}
	}
	if len(objs) == 0 {
		return out, &SolrBackupFailed{Err: fmt.Errorf("%s: backup folder %s is empty", c.Collection, dir)}
	}
	out.Objects = objs
	for _, o := range objs {
		out.Bytes += o.Size
	}
	read(&out).Files += out.Bytes
	e.Emit(engine.Event{BackupID: p.BackupID, Part: "solr", Name: c.Collection, Phase: "shipped", Bytes: out.Bytes,
		Message: fmt.Sprintf("%d objects", len(objs))})
	return out, nil
}

// ArchiveConfig streams a tar.gz of the Atlas config folder into the store.
func (e *Engine) ArchiveConfig(ctx context.Context, p *Plan) (*manifest.Config, error) {
	e.Emit(engine.Event{BackupID: p.BackupID, Part: "config", Phase: "started", Message: p.Config.Dir})
	res, err := archive.Upload(ctx, e.Store, p.Config.Key, p.Config.Dir)
	if err != nil {
		if errors.Is(err, store.ErrNoBucket) {
			return nil, &StoreFailed{Err: err}
		}
		return nil, &ConfigArchiveFailed{Err: fmt.Errorf("archive %s: %w", p.Config.Dir, err)}
	}
	e.Emit(engine.Event{BackupID: p.BackupID, Part: "config", Phase: "shipped", Bytes: res.Size,
		Message: fmt.Sprintf("%d files", len(res.Files))})
	var files int64
	for _, f := range res.Files {
		if f.Link == "" {
			files += f.Size
		}
	}
	return &manifest.Config{Key: p.Config.Key, SHA256: res.SHA256, Size: res.Size, Dir: p.Config.Dir, Files: res.Files,
		ToolRead: &manifest.ToolRead{Files: files}}, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
