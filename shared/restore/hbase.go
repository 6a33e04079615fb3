package restore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/atlas-backup/atlas-backup/shared/config"
	"github.com/atlas-backup/atlas-backup/shared/engine"
	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/runner"
)

// Counts are what a part holds: rows, cells and digest for a table, docs and digest for
// a collection, files for a config folder.
type Counts struct {
	Rows   int64  `json:"rows,omitempty"`
	Cells  int64  `json:"cells,omitempty"`
	Docs   int64  `json:"docs,omitempty"`
	Files  int    `json:"files,omitempty"`
	Digest string `json:"digest,omitempty"`
}

// TableResult is what CheckTable found.
type TableResult struct {
	Table    string   `json:"table"`
	Target   string   `json:"target"`
	Expected Counts   `json:"expected"`
	Got      Counts   `json:"got"`
	Match    bool     `json:"match"`
	Warnings []string `json:"warnings,omitempty"`
}

// CreateTable creates the target table from the schema recorded in the manifest when it
// does not exist (as Plan found it). The families and their settings are the backup's;
// splits are not recorded, so the table starts with one region.
func (e *Engine) CreateTable(ctx context.Context, p *Plan, t TablePlan) error {
	if t.Exists || t.snapshot() { // clone_snapshot makes the table with the snapshot's schema
		return nil
	}
	script, err := hbase.CreateScript(t.Schema, t.Target)
	if err != nil {
		return &ImportFailed{Err: err}
	}
	st, err := e.shell(ctx, p.RestoreID, "create", t.Target, script)
	if err != nil {
		return &ImportFailed{Err: fmt.Errorf("create %s: %w", t.Target, err)}
	}
	if st.State != runner.StateSucceeded {
		return &ImportFailed{Err: fmt.Errorf("create %s: %s", t.Target, failure(st))}
	}
	e.emit(p, engine.Event{Part: "hbase", Name: t.Target, Phase: "created",
		Message: fmt.Sprintf("%d column families from the backup's schema", len(t.Schema.Families))})
	return nil
}

// ImportSubmit submits the Import of the staged export into the target table, as the
// hbase principal. Import writes every exported cell with its timestamp (Puts), so rows
// already in the table stay: it merges.
func (e *Engine) ImportSubmit(ctx context.Context, p *Plan, t TablePlan) (string, error) {
	if t.snapshot() {
		return e.snapshotImportSubmit(ctx, p, t)
	}
	argv, err := hbase.ImportArgv(e.Cfg.HBase.Command, t.Target, t.StageDir)
	if err != nil {
		return "", &BadInput{Err: err}
	}
	job, err := e.job(p.RestoreID, "import", t.Target, argv)
	if err != nil {
		return "", &BadInput{Err: err}
	}
	h, err := e.Runner.Submit(ctx, job)
	if err != nil {
		return "", &ImportFailed{Err: fmt.Errorf("submit import into %s: %w", t.Target, err)}
	}
	e.emit(p, engine.Event{Part: "hbase", Name: t.Target, Phase: "submitted", Message: "Import ← " + t.StageDir})
	return h, nil
}

// JobStatus reports a runner job's state (Import or check export).
func (e *Engine) JobStatus(ctx context.Context, handle string) (runner.Status, error) {
	return e.Runner.Status(ctx, handle)
}

// CheckSubmit reads the finished Import (its row counter must be the backup's row
// count) and submits an Export of the restored table with the backup's versions and
// time window into the check folder (for an hdfs:// export dir the job then copies it
// into this restore's scratch prefix of the store, where CheckTable reads it).
func (e *Engine) CheckSubmit(ctx context.Context, p *Plan, t TablePlan, imported runner.Status) (string, error) {
	if imported.State != runner.StateSucceeded {
		return "", &ImportFailed{Err: fmt.Errorf("import into %s %s: %s", t.Target, imported.State, failure(imported))}
	}
	if c, err := hbase.ParseCounters(imported.Output); err == nil && !t.snapshot() {
		if n, ok := c.Raw["Map input records"]; ok && n != t.Rows {
			return "", &CheckFailed{Err: fmt.Errorf("import into %s read %d rows from the export, the backup recorded %d", t.Target, n, t.Rows)}
		}
	}
	e.emit(p, engine.Event{Part: "hbase", Name: t.Target, Phase: "checking", Message: "exporting the restored table to compare rows, cells and digest"})
	start, end := t.bounds(p)
	argv, err := hbase.ExportArgv(e.Cfg.HBase.Command, hbase.ExportOptions{
		Table: t.Target, OutDir: t.CheckDir, Versions: t.Versions,
		StartTime: start, EndTime: end,
	})
	if err != nil {
		return "", &BadInput{Err: err}
	}
	var steps [][]string
	if local(t.CheckDir) {
		if err := os.RemoveAll(t.CheckDir); err != nil {
			return "", &CheckFailed{Err: err}
		}
		if err := os.MkdirAll(filepath.Dir(t.CheckDir), 0o755); err != nil {
			return "", &CheckFailed{Err: err}
		}
		steps = [][]string{argv}
	} else {
		rm, err1 := hbase.HDFSRemoveArgv(e.Cfg.HBase.HDFSCommand, t.CheckDir)
		out, err2 := e.distCpOut(p, t)
		if err := errors.Join(err1, err2); err != nil {
			return "", &CheckFailed{Err: err}
		}
		steps = [][]string{rm, argv, out}
	}
	job, err := e.job(p.RestoreID, "check", t.Target, steps...)
	if err != nil {
		return "", &BadInput{Err: err}
	}
	h, err := e.Runner.Submit(ctx, job)
	if err != nil {
		return "", &CheckFailed{Err: fmt.Errorf("submit check export of %s: %w", t.Target, err)}
	}
	return h, nil
}

// bounds is the check export's window: the backup's for this table, in the table's own
// timestamp unit (Import writes every cell with its timestamp, so the restored table's
// cells are stamped as the live ones were); for manifests written before the window
// was recorded per table, the backup's ms window as it was given to Export then.
func (t TablePlan) bounds(p *Plan) (int64, int64) {
	if t.Window == nil {
		return p.Window.HBaseStartMs, p.Window.HBaseEndMs
	}
	return t.Window.Bounds()
}

// distCpOut copies a check export from HDFS into the restore's scratch prefix.
func (e *Engine) distCpOut(p *Plan, t TablePlan) ([]string, error) {
	dst := strings.TrimSuffix(e.Store.URL(e.Layout.RestoreCheck(p.RestoreID, t.Target, "")), "/")
	if !strings.HasPrefix(dst, "s3://") {
		return nil, fmt.Errorf("the cluster copies the check export to the store, which must be s3://, got %s", dst)
	}
	if e.Cfg.HBase.Runner.Type == config.RunnerEMR {
		return hbase.S3DistCpArgv(t.CheckDir, dst)
	}
	return hbase.DistCpArgv(e.Cfg.HBase.HadoopCommand, t.CheckDir, "s3a://"+strings.TrimPrefix(dst, "s3://"))
}

// CheckTable reads the check export of the restored table and compares its rows, cells
// and cell digest with the manifest. A table that held rows before (a merge) cannot be
// compared exactly: a difference is then a warning, not a failure.
func (e *Engine) CheckTable(ctx context.Context, p *Plan, t TablePlan, exported runner.Status) (TableResult, error) {
	res := TableResult{Table: t.Table, Target: t.Target, Expected: Counts{Rows: t.Rows, Cells: t.Cells, Digest: t.Digest}}
	if exported.State != runner.StateSucceeded {
		return res, &CheckFailed{Err: fmt.Errorf("export of the restored table %s %s: %s", t.Target, exported.State, failure(exported))}
	}
	var (
		stats hbase.ExportStats
		err   error
	)
	if local(t.CheckDir) {
		stats, err = hbase.ReadExportDir(os.DirFS(t.CheckDir), ".")
		os.RemoveAll(t.CheckDir)
	} else {
		stats, err = e.readScratch(ctx, p, t)
	}
	if err != nil {
		return res, &CheckFailed{Err: fmt.Errorf("read the export of the restored table %s: %w", t.Target, err)}
	}
	res.Got = Counts{Rows: stats.Rows, Cells: stats.Cells, Digest: stats.Digest}
	res.Match = res.Got == res.Expected
	if res.Match {
		e.emit(p, engine.Event{Part: "hbase", Name: t.Target, Phase: "done",
			Message: fmt.Sprintf("%d rows, %d cells, digest equal to the backup's", stats.Rows, stats.Cells)})
		return res, nil
	}
	diff := fmt.Sprintf("the restored table %s holds %d rows, %d cells, %s; the backup recorded %d rows, %d cells, %s",
		t.Target, stats.Rows, stats.Cells, stats.Digest, t.Rows, t.Cells, t.Digest)
	if t.RowsBefore > 0 && !t.snapshot() {
		res.Warnings = append(res.Warnings, "merged into "+fmt.Sprint(t.RowsBefore)+" existing rows, so not comparable: "+diff)
		e.emit(p, engine.Event{Part: "hbase", Name: t.Target, Phase: "warning", Message: res.Warnings[0]})
		return res, nil
	}
	return res, &CheckFailed{Err: errors.New(diff)}
}

// readScratch reads a check export the cluster copied into the store, then deletes it.
func (e *Engine) readScratch(ctx context.Context, p *Plan, t TablePlan) (hbase.ExportStats, error) {
	prefix := e.Layout.RestoreCheck(p.RestoreID, t.Target, "")
	objs, err := e.Store.List(ctx, prefix)
	if err != nil {
		return hbase.ExportStats{}, err
	}
	defer func() {
		for _, o := range objs {
			_ = e.Store.Delete(context.WithoutCancel(ctx), o.Key)
		}
	}()
	var (
		stats hbase.ExportStats
		sum   hbase.Digest
	)
	for _, o := range objs {
		name := path.Base(o.Key)
		if !strings.HasPrefix(name, "part-") || strings.HasSuffix(name, ".crc") {
			continue
		}
		rc, err := e.Store.Get(ctx, o.Key)
		if err != nil {
			return stats, err
		}
		st, err := hbase.ReadExport(rc)
		rc.Close()
		if err != nil {
			return stats, fmt.Errorf("%s: %w", e.Store.URL(o.Key), err)
		}
		d, err := hbase.ParseDigest(st.Digest)
		if err != nil {
			return stats, err
		}
		sum.Merge(d)
		stats.Rows += st.Rows
		stats.Cells += st.Cells
		stats.Files++
	}
	if stats.Files == 0 {
		return stats, fmt.Errorf("no part files under %s", e.Store.URL(prefix))
	}
	stats.Digest = sum.String()
	return stats, nil
}
