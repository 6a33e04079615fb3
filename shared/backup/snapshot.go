package backup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/engine"
	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/runner"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

// The snapshot method (hbase.method: snapshot). One runner job per table, as the hbase
// principal:
//
//  1. on a resumed backup only, the leftovers of the interrupted run go (lenient shell:
//     delete_snapshot, drop the scratch clone; absent ones are errors it skips);
//  2. `snapshot` the table, `clone_snapshot` it into a scratch table;
//  3. RowCounter on the live table with the plan's window (the cut in the table's
//     unit): the live count, read apart from the snapshot;
//  4. Export of the scratch clone, without a window, into CheckDir: the snapshot's
//     rows, cells and cell digest are read from it (the drill's and restore's check
//     export the restored table the same way and compare);
//  5. ExportSnapshot the snapshot (its manifest and HFiles) into the table's export
//     folder, with hbase.snapshot.mappers/bandwidth;
//  6. drop the clone and delete_snapshot, in one shell.
//
// Every step after the snapshot runs under hbase.GuardArgv: when it fails, the snapshot
// and the clone are deleted on the runner host before the job ends. The export folder
// (the ExportSnapshot copy) is shipped into the store; the check export is read and
// removed, never shipped.

// planSnapshot names a table's snapshot, scratch clone and check folder.
func planSnapshot(t *TablePlan, exportDir, id string) error {
	snap, err := hbase.SnapshotName("atlasbk", id, t.Table)
	if err != nil {
		return fmt.Errorf("hbase table %s: %w", t.Table, err)
	}
	scratch, err := hbase.ScratchTable(t.Table, snap)
	if err != nil {
		return fmt.Errorf("hbase table %s: %w", t.Table, err)
	}
	t.Method, t.Snapshot, t.Scratch = hbase.MethodSnapshot, snap, scratch
	t.CheckDir = strings.TrimRight(exportDir, "/") + "/" + id + "/.check/" + store.TableSegment(t.Table)
	t.JobID = runner.JobID(id, "snapshot", t.Table)
	return nil
}

func (t TablePlan) snapshot() bool { return t.Method == hbase.MethodSnapshot }

// snapshotDone: the copy (ExportSnapshot renames the snapshot's folder into place
// last) and the check export both completed in an earlier run.
func (t TablePlan) snapshotDone() bool {
	_, err1 := os.Stat(filepath.Join(t.ExportDir, ".hbase-snapshot", t.Snapshot, ".snapshotinfo"))
	_, err2 := os.Stat(filepath.Join(t.CheckDir, "_SUCCESS"))
	return err1 == nil && err2 == nil
}

// snapshotCleanup is what a failed step leaves and the guard removes.
func (t TablePlan) snapshotCleanup() (string, error) {
	del, err := hbase.DeleteSnapshotScript(t.Snapshot)
	if err != nil {
		return "", err
	}
	drop, err := hbase.DisableDropScript(t.Scratch)
	if err != nil {
		return "", err
	}
	return del + drop, nil
}

// snapshotSteps builds the job's steps (after kinit).
func (e *Engine) snapshotSteps(p *Plan, t TablePlan) ([][]string, error) {
	bin := e.Cfg.HBase.Command
	cleanup, err := t.snapshotCleanup()
	if err != nil {
		return nil, err
	}
	var steps [][]string
	add := func(argv []string, err error) error {
		if err != nil {
			return err
		}
		steps = append(steps, argv)
		return nil
	}
	guarded := func(argv []string, err error) error {
		if err != nil {
			return err
		}
		return add(hbase.GuardArgv(bin, cleanup, argv))
	}
	snap, err1 := hbase.SnapshotScript(t.Table, t.Snapshot)
	clone, err2 := hbase.CloneSnapshotScript(t.Snapshot, t.Scratch)
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	if p.Resumed {
		if err := add(hbase.LenientShellArgv(bin, cleanup)); err != nil {
			return nil, err
		}
	}
	if err := guarded(hbase.ShellStdinArgv(bin, snap+clone)); err != nil {
		return nil, err
	}
	if t.counted() {
		start, end := t.bounds(p)
		if err := guarded(hbase.RowCounterArgv(bin, t.Table, start, end)); err != nil {
			return nil, err
		}
	}
	if err := guarded(hbase.ExportArgv(bin, hbase.ExportOptions{Table: t.Scratch, OutDir: t.CheckDir, Versions: e.Cfg.HBase.Versions})); err != nil {
		return nil, err
	}
	if err := guarded(hbase.ExportSnapshotArgv(bin, hbase.ExportSnapshotOptions{Snapshot: t.Snapshot, CopyTo: t.ExportDir,
		Mappers: e.Cfg.HBase.Snapshot.Mappers, Bandwidth: e.Cfg.HBase.Snapshot.Bandwidth, NoChecksumVerify: !e.Cfg.HBase.Snapshot.VerifyChecksum})); err != nil {
		return nil, err
	}
	// cleanup is exactly "delete the snapshot, drop the clone": run it strictly (-n).
	if err := guarded(hbase.ShellStdinArgv(bin, cleanup)); err != nil {
		return nil, err
	}
	return steps, nil
}

// snapshotSubmit is ExportSubmit for the snapshot method.
func (e *Engine) snapshotSubmit(ctx context.Context, p *Plan, t TablePlan) (string, error) {
	if !strings.HasPrefix(t.ExportDir, "/") {
		return "", &BadInput{Err: fmt.Errorf("hbase.method snapshot: export dir %s: only a local export dir is supported", t.ExportDir)}
	}
	steps, err := e.snapshotSteps(p, t)
	if err != nil {
		return "", &BadInput{Err: err}
	}
	if t.snapshotDone() {
		return doneHandle + t.ExportDir, nil
	}
	for _, d := range []string{t.ExportDir, t.CheckDir} {
		if err := os.RemoveAll(d); err != nil {
			return "", &ExportFailed{Err: fmt.Errorf("remove partial copy %s: %w", d, err)}
		}
		if err := os.MkdirAll(filepath.Dir(d), 0o755); err != nil {
			return "", &ExportFailed{Err: fmt.Errorf("create export parent: %w", err)}
		}
	}
	job, err := e.Identity("backup", p.BackupID).Job(t.JobID, steps...)
	if err != nil {
		return "", &BadInput{Err: err}
	}
	h, err := e.Runner.Submit(ctx, job)
	if err != nil {
		return "", &ExportFailed{Err: fmt.Errorf("submit snapshot of %s: %w", t.Table, err)}
	}
	e.Emit(engine.Event{BackupID: p.BackupID, Part: "hbase", Name: t.Table, Phase: "submitted",
		Message: fmt.Sprintf("snapshot %s, RowCounter, Export of its clone %s, ExportSnapshot → %s", t.Snapshot, t.Scratch, t.ExportDir)})
	return h, nil
}

// snapshotLeftovers deletes the table's snapshot and drops its clone if they exist
// (lenient shell), within a bounded time whatever ctx is.
func (e *Engine) snapshotLeftovers(ctx context.Context, p *Plan, t TablePlan) {
	cleanup, err := t.snapshotCleanup()
	if err != nil {
		return
	}
	argv, err := hbase.LenientShellArgv(e.Cfg.HBase.Command, cleanup)
	if err != nil {
		return
	}
	job, err := e.Identity("backup", p.BackupID).Job(runner.JobID(p.BackupID, "unsnapshot", t.Table), argv)
	if err != nil {
		return
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
	defer cancel()
	if st, err := e.RunJob(cctx, job); err != nil || st.State != runner.StateSucceeded {
		e.Emit(engine.Event{BackupID: p.BackupID, Part: "hbase", Name: t.Table, Phase: "warning",
			Message: fmt.Sprintf("could not make sure snapshot %s and clone %s are gone: delete_snapshot / drop them by hand", t.Snapshot, t.Scratch)})
	}
}

// snapshotWindowNote is the manifest's window note of a snapshot table.
func snapshotWindowNote(t TablePlan) string {
	note := "snapshot: no time window; the snapshot holds every cell the table held when it was taken (after the cut); rows, cells and digest are an Export of a clone of the snapshot, without a window"
	if t.counted() {
		note += fmt.Sprintf("; live.rows is RowCounter on the live table after the snapshot, rows with a cell in [%d, %d) %s, so the snapshot must hold at least as many", t.Window.Start, t.Window.End, t.Window.Unit)
	}
	return note
}

// snapshotShip is ExportShip for the snapshot method.
func (e *Engine) snapshotShip(ctx context.Context, p *Plan, t TablePlan, st runner.Status) (manifest.Table, error) {
	out := manifest.Table{Table: t.Table, Method: hbase.MethodSnapshot, Snapshot: t.Snapshot, Schema: t.Schema, ExportDir: t.ExportDir,
		Versions: e.Cfg.HBase.Versions, Window: &manifest.TableWindow{Note: snapshotWindowNote(t)}}
	defer os.RemoveAll(t.CheckDir)
	if st.State != runner.StateSucceeded {
		return out, &ExportFailed{Err: fmt.Errorf("%s: snapshot job %s (exit %d; the snapshot and its clone were deleted on failure): %s", t.Table, st.State, st.ExitCode, st.Tail(6))}
	}
	if c, err := hbase.ParseExportCounters(st.Output); err == nil {
		out.Counters = c.Raw
	}
	probe, err := t.probe()
	if err != nil {
		return out, &ExportFailed{Err: err}
	}
	if !t.snapshotDone() {
		return out, &ExportFailed{Err: fmt.Errorf("%s: the job succeeded but %s holds no complete snapshot %s, or %s no _SUCCESS", t.Table, t.ExportDir, t.Snapshot, t.CheckDir)}
	}
	checkRead, err := partBytes(t.CheckDir)
	if err != nil {
		return out, &ExportFailed{Err: fmt.Errorf("%s: the export of the snapshot's clone: %w", t.Table, err)}
	}
	stats, err := hbase.ReadExportDirWith(os.DirFS(t.CheckDir), ".", probe)
	if err != nil {
		return out, &ExportFailed{Err: fmt.Errorf("%s: read the export of the snapshot's clone: %w", t.Table, err)}
	}
	out.Rows, out.Cells, out.Digest = stats.Rows, stats.Cells, stats.Digest
	if n, ok := out.Counters["Map input records"]; ok && n != stats.Rows {
		return out, &ExportIncomplete{Table: t.Table, Problems: []string{fmt.Sprintf("the Export of the snapshot's clone counted %d rows but its files hold %d", n, stats.Rows)}}
	}
	if err := checkLive(t, &out, stats, probe, st); err != nil {
		return out, err
	}
	e.Emit(engine.Event{BackupID: p.BackupID, Part: "hbase", Name: t.Table, Phase: "shipping",
		Message: fmt.Sprintf("snapshot %s: %d rows, %d cells", t.Snapshot, stats.Rows, stats.Cells)})
	objs, err := store.PutTree(ctx, e.Store, t.ExportDir, e.Layout.HBase(p.BackupID, t.Table, ""), e.Cfg.Concurrency, nil)
	if err != nil {
		return out, &StoreFailed{Err: fmt.Errorf("ship snapshot of %s: %w", t.Table, err)}
	}
	if len(objs) == 0 {
		return out, &ExportFailed{Err: fmt.Errorf("%s: snapshot folder %s is empty", t.Table, t.ExportDir)}
	}
	out.Objects = objs
	for _, o := range objs {
		out.Bytes += o.Size
	}
	// The clone's export read for the digest, then the ExportSnapshot copy uploaded.
	out.ToolRead = &manifest.ToolRead{Files: checkRead + out.Bytes}
	e.Emit(engine.Event{BackupID: p.BackupID, Part: "hbase", Name: t.Table, Phase: "shipped", Bytes: out.Bytes,
		Message: fmt.Sprintf("%d objects (snapshot manifest and HFiles)", len(objs))})
	return out, nil
}

// partBytes is the size of the part files of an Export folder (what ReadExportDir
// reads).
func partBytes(dir string) (int64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, en := range entries {
		if !en.Type().IsRegular() || !hbase.IsExportPart(en.Name()) {
			continue
		}
		fi, err := en.Info()
		if err != nil {
			return 0, err
		}
		n += fi.Size()
	}
	return n, nil
}
