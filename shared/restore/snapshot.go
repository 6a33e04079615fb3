package restore

import (
	"context"
	"fmt"
	"strings"

	"github.com/atlas-backup/atlas-backup/shared/engine"
	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/runner"
)

// A table backed up with the snapshot method (manifest hbase[].method "snapshot") is
// fetched like an export (every object checked on the way, into the staging folder: a
// root holding the snapshot's manifest and HFiles) and restored by one runner job as
// the hbase principal:
//
//  1. ExportSnapshot copies the staged snapshot into the cluster's root dir
//     (hbase.rootDir) under this restore's own name (-target);
//  2. clone_snapshot into the target (a new table: a drill's scratch name, or a table
//     that was dropped), or, for an existing table under its own name and only with
//     --yes, disable, restore_snapshot, enable;
//  3. delete_snapshot of the copied snapshot (the table keeps its HFiles).
//
// Steps 1 and 2 run under hbase.GuardArgv: a failure deletes the copied snapshot (and
// enables the table again after a failed restore_snapshot). The check is the export's:
// an Export of the restored table, without a window, whose rows, cells and digest must
// equal what the backup read from its clone of the snapshot.

func (t TablePlan) snapshot() bool { return t.Method == hbase.MethodSnapshot }

// planSnapshot fills the snapshot fields of a table's plan.
func (e *Engine) planSnapshot(p *Plan, mt manifest.Table, tp *TablePlan, refused *Refused) error {
	tp.Method, tp.Snapshot = hbase.MethodSnapshot, mt.Snapshot
	if err := hbase.ValidateSnapshot(mt.Snapshot); err != nil {
		refused.add("table %s: the manifest's snapshot: %v", mt.Table, err)
		return nil
	}
	name, err := hbase.SnapshotName("atlasrs", p.RestoreID, tp.Target)
	if err != nil {
		return &BadInput{Err: err}
	}
	tp.ClusterSnapshot = name
	if e.Cfg.HBase.RootDir == "" {
		refused.add("table %s was backed up as a snapshot: hbase.rootDir must be set (the cluster's hbase.rootdir, where ExportSnapshot copies it back)", mt.Table)
	}
	if !local(tp.StageDir) {
		refused.add("table %s was backed up as a snapshot: restoring one through cluster storage (hbase.exportDir %s) is not made yet; use a local hbase.exportDir", mt.Table, e.Cfg.HBase.ExportDir)
	}
	return nil
}

// snapshotImportSteps builds the restore job's steps (after kinit).
func (e *Engine) snapshotImportSteps(t TablePlan) ([][]string, error) {
	bin := e.Cfg.HBase.Command
	cleanup, err := hbase.DeleteSnapshotScript(t.ClusterSnapshot)
	if err != nil {
		return nil, err
	}
	var make string
	if t.Overwrite {
		make, err = hbase.RestoreSnapshotScript(t.ClusterSnapshot, t.Target)
		cleanup += "enable '" + t.Target + "'\n" // validated by RestoreSnapshotScript
	} else {
		make, err = hbase.CloneSnapshotScript(t.ClusterSnapshot, t.Target)
	}
	if err != nil {
		return nil, err
	}
	owner := ""
	if strings.HasPrefix(e.Cfg.HBase.RootDir, "hdfs://") {
		owner = e.Cfg.HBase.Owner
	}
	cp, err := hbase.ExportSnapshotArgv(bin, hbase.ExportSnapshotOptions{Snapshot: t.Snapshot, CopyFrom: t.StageDir,
		CopyTo: e.Cfg.HBase.RootDir, Target: t.ClusterSnapshot, Mappers: e.Cfg.HBase.Snapshot.Mappers,
		Bandwidth: e.Cfg.HBase.Snapshot.Bandwidth, NoChecksumVerify: !e.Cfg.HBase.Snapshot.VerifyChecksum, Owner: owner})
	if err != nil {
		return nil, err
	}
	gcp, err := hbase.GuardArgv(bin, cleanup, cp)
	if err != nil {
		return nil, err
	}
	sh, err := hbase.ShellStdinArgv(bin, make)
	if err != nil {
		return nil, err
	}
	gsh, err := hbase.GuardArgv(bin, cleanup, sh)
	if err != nil {
		return nil, err
	}
	delScript, _ := hbase.DeleteSnapshotScript(t.ClusterSnapshot)
	del, err := hbase.ShellStdinArgv(bin, delScript)
	if err != nil {
		return nil, err
	}
	return [][]string{gcp, gsh, del}, nil
}

// snapshotImportSubmit is ImportSubmit for a snapshot table.
func (e *Engine) snapshotImportSubmit(ctx context.Context, p *Plan, t TablePlan) (string, error) {
	steps, err := e.snapshotImportSteps(t)
	if err != nil {
		return "", &BadInput{Err: err}
	}
	job, err := e.job(p.RestoreID, "snapshot", t.Target, steps...)
	if err != nil {
		return "", &BadInput{Err: err}
	}
	h, err := e.Runner.Submit(ctx, job)
	if err != nil {
		return "", &ImportFailed{Err: fmt.Errorf("submit snapshot restore of %s: %w", t.Target, err)}
	}
	how := "clone_snapshot"
	if t.Overwrite {
		how = "restore_snapshot"
	}
	e.emit(p, engine.Event{Part: "hbase", Name: t.Target, Phase: "submitted",
		Message: fmt.Sprintf("ExportSnapshot %s → %s as %s, then %s", t.StageDir, e.Cfg.HBase.RootDir, t.ClusterSnapshot, how)})
	return h, nil
}

// dropClusterSnapshots deletes the snapshots this restore copied into the cluster, if
// any is left (the job deletes its own; this covers a job that was killed).
func (e *Engine) dropClusterSnapshots(ctx context.Context, p *Plan) {
	var names []string
	for _, t := range p.Tables {
		if t.snapshot() && t.ClusterSnapshot != "" {
			names = append(names, t.ClusterSnapshot)
		}
	}
	if len(names) == 0 {
		return
	}
	script, err := hbase.DeleteSnapshotScript(names...)
	if err != nil {
		return
	}
	argv, err := hbase.LenientShellArgv(e.Cfg.HBase.Command, script)
	if err != nil {
		return
	}
	job, err := e.job(p.RestoreID, "unsnapshot", "tables", argv)
	if err != nil {
		return
	}
	if st, err := e.RunJob(ctx, job); err != nil || st.State != runner.StateSucceeded {
		e.emit(p, engine.Event{Part: "cleanup", Phase: "warning", Message: "could not make sure the copied snapshots " + strings.Join(names, ", ") + " are deleted"})
	}
}
