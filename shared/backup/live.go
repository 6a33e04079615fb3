package backup

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/kerberos"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/runner"
)

// A backup never trusts its export alone. At plan time every table is read twice in
// one HBase shell: `describe` (the schema) and a bounded `scan` of its first
// hbase.SampleLimit rows, one cell each (hbase.SampleScript). The sample tells the
// table's timestamp unit (Atlas's JanusGraph store stamps cells in microseconds, its
// audit table in milliseconds), so each table's Export window is the backup's cut
// instant in the table's own unit. The export job then runs RowCounter over the live
// table with the same window, on the cluster, right after the Export. When the export
// is read back:
//
//   - a table that had rows at plan time and whose export holds none is FAILED;
//   - a table none of whose sampled rows is in the export is FAILED (the window excluded
//     cells that existed when the backup started);
//   - a table whose export holds fewer rows than RowCounter counted in the window is
//     FAILED (rows are only added outside the window, and a row deleted after the Export
//     read it is counted by neither, so fewer rows means rows were lost).
//
// A failed table makes the whole backup FAILED (not PARTIAL): see ExportIncomplete.

// sampleTable describes table and samples it in one shell (one JVM start on the runner).
func (e *Engine) sampleTable(ctx context.Context, id, table string) (hbase.Schema, hbase.ScanResult, error) {
	desc, err := hbase.DescribeScript(table)
	if err != nil {
		return hbase.Schema{}, hbase.ScanResult{}, err
	}
	scan, err := hbase.SampleScript(table, e.sampleLimit())
	if err != nil {
		return hbase.Schema{}, hbase.ScanResult{}, err
	}
	argv, err := hbase.ShellStdinArgv(e.Cfg.HBase.Command, desc+scan)
	if err != nil {
		return hbase.Schema{}, hbase.ScanResult{}, err
	}
	job, err := e.Identity("backup", id).Job(runner.JobID(id, "describe", table), argv)
	if err != nil {
		return hbase.Schema{}, hbase.ScanResult{}, err
	}
	st, err := e.RunJob(ctx, job)
	if err != nil {
		return hbase.Schema{}, hbase.ScanResult{}, fmt.Errorf("hbase describe %s: %w", table, err)
	}
	if st.State != runner.StateSucceeded {
		if hbase.IsTableNotFound(st.Output + st.Message) {
			return hbase.Schema{}, hbase.ScanResult{}, fmt.Errorf("hbase table %s does not exist", table)
		}
		return hbase.Schema{}, hbase.ScanResult{}, fmt.Errorf("hbase describe %s failed (exit %d): %s%s", table, st.ExitCode, st.Tail(5), e.kinitAdvice(st))
	}
	descOut, scanOut := splitScan(st.Output)
	s, err := hbase.ParseDescribe(descOut)
	if err != nil {
		return hbase.Schema{}, hbase.ScanResult{}, fmt.Errorf("hbase describe %s: %w", table, err)
	}
	s.Table = table
	res, err := hbase.ParseScan(scanOut)
	if err != nil {
		return s, res, fmt.Errorf("hbase sample scan of %s: %w", table, err)
	}
	return s, res, nil
}

// splitScan cuts a describe+scan output at the scan's "ROW  COLUMN+CELL" header.
func splitScan(out string) (string, string) {
	for _, marker := range []string{"\nROW  COLUMN+CELL", "ROW  COLUMN+CELL"} {
		if i := strings.Index(out, marker); i >= 0 {
			return out[:i], out[i:]
		}
	}
	return out, ""
}

func (e *Engine) sampleLimit() int {
	if e.SampleLimit > 0 {
		return e.SampleLimit
	}
	return hbase.SampleLimit
}

// planWindow sets a table's window, live sample and sampled rows from the plan-time
// sample; cut is the backup's cut instant.
func planWindow(t *TablePlan, res hbase.ScanResult, limit int, cut, now time.Time) {
	ts := make([]int64, 0, len(res.Cells))
	rows := make([]string, 0, res.Rows)
	seen := map[string]bool{}
	approx := false
	for _, c := range res.Cells {
		ts = append(ts, c.Timestamp)
		approx = approx || c.TimestampApprox
		if !seen[c.Row] {
			seen[c.Row] = true
			rows = append(rows, c.Row)
		}
	}
	det := hbase.DetectUnit(ts, now)
	live := &manifest.Live{SampledRows: res.Rows, SampleLimit: limit, SampleComplete: res.Rows < limit, Timestamps: det}
	w := &manifest.TableWindow{}
	switch {
	case res.Rows == 0:
		w.Note = "the table was empty at plan time: exported without a time window"
	case det.Unit == "":
		w.Note = fmt.Sprintf("none of the %d sampled timestamps (%d..%d) is an instant in s, ms, us or ns: exported without a time window, so no cell is cut off",
			det.Samples, det.Min, det.Max)
	default:
		w.Unit, w.Start, w.End = det.Unit, 0, det.Unit.At(cut)
		w.Note = fmt.Sprintf("unit %s from %d sampled cells (%d..%d)", det.Unit, det.Samples, det.Min, det.Max)
		if det.Mixed() {
			live.Warnings = append(live.Warnings, fmt.Sprintf("sampled timestamps of more than one unit (%v): the window is in the finest, %s, so no cell is excluded", det.ByUnit, det.Unit))
		}
		if det.Implausible > 0 {
			live.Warnings = append(live.Warnings, fmt.Sprintf("%d sampled timestamps are an instant in no unit (between %d and %d)", det.Implausible, det.Min, det.Max))
		}
		if !approx && det.Max >= w.End {
			live.Warnings = append(live.Warnings, fmt.Sprintf("a sampled cell is stamped %d, at or after the cut %d %s: the writer's clock is ahead of this host's, cells it wrote before the cut may be left out", det.Max, w.End, det.Unit))
		}
	}
	t.Window, t.Live, t.SampleRows = w, live, rows
}

// bounds is the table's Export window: its own, or for a plan written before windows
// were per table, the plan's ms values as they are.
func (t TablePlan) bounds(p *Plan) (int64, int64) {
	if t.Window == nil {
		return p.HBaseStartMs, p.HBaseEndMs
	}
	return t.Window.Bounds()
}

// counted says whether the export job runs RowCounter after the Export.
func (t TablePlan) counted() bool { return t.Window != nil && t.Window.Unit != "" }

// probe looks for the sampled rows in the export.
func (t TablePlan) probe() (*hbase.Probe, error) {
	keys := make([][]byte, 0, len(t.SampleRows))
	for _, r := range t.SampleRows {
		k, err := hbase.RowKey(r)
		if err != nil {
			return nil, fmt.Errorf("plan of %s: sampled row: %w", t.Table, err)
		}
		keys = append(keys, k)
	}
	return hbase.NewProbe(keys), nil
}

// checkLive compares what the export holds with what the live table held, records the
// live counts in out.Live, and returns *ExportIncomplete when rows are missing.
func checkLive(t TablePlan, out *manifest.Table, stats hbase.ExportStats, probe *hbase.Probe, st runner.Status) error {
	if t.Live == nil {
		return nil // a plan of an older run: nothing was sampled
	}
	live := *t.Live
	live.Warnings = append([]string(nil), t.Live.Warnings...)
	live.SampledRowsExported = probe.Found()
	window := "without a time window"
	if t.Window != nil && t.Window.Unit != "" {
		window = fmt.Sprintf("with the window [%d, %d) %s", t.Window.Start, t.Window.End, t.Window.Unit)
	}
	switch {
	case !t.counted():
		live.RowsNote = "not counted: the table was exported without a window"
	case strings.HasPrefix(st.Message, "exported by an earlier run"):
		live.RowsNote = "not counted: the export was completed by an earlier run"
	default:
		if n, ok := hbase.ParseRowCounter(st.Output); ok {
			live.Rows = &n
		} else {
			live.RowsNote = "not counted: the runner returned no RowCounter counters (EMR keeps step output in the cluster's log URI; SSM returns the first 24,000 characters)"
		}
	}
	out.Live = &live
	var problems []string
	if stats.Rows == 0 && live.SampledRows > 0 {
		problems = append(problems, fmt.Sprintf("the export holds no rows while the table had %s at plan time (exported %s)", atLeast(live), window))
	} else if n := probe.Wanted(); n > 0 && live.SampledRowsExported == 0 {
		problems = append(problems, fmt.Sprintf("none of the %d rows sampled at plan time is in the export (exported %s): the window excludes cells that existed when the backup started", n, window))
	}
	if live.Rows != nil && stats.Rows < *live.Rows {
		problems = append(problems, fmt.Sprintf("the export holds %d rows, the live table held %d rows with a cell in the window (RowCounter on the cluster right after the Export): %d rows are missing",
			stats.Rows, *live.Rows, *live.Rows-stats.Rows))
	}
	if missing := probe.Missing(); len(missing) > 0 && live.SampledRowsExported > 0 {
		live.Warnings = append(live.Warnings, fmt.Sprintf("%d of the %d rows sampled at plan time are not in the export (first: %s): deleted while the backup ran?",
			len(missing), probe.Wanted(), missing[0]))
		out.Live = &live
	}
	if len(problems) > 0 {
		return &ExportIncomplete{Table: t.Table, Problems: problems}
	}
	return nil
}

func atLeast(l manifest.Live) string {
	if l.SampleComplete {
		return fmt.Sprintf("%d rows", l.SampledRows)
	}
	return fmt.Sprintf("at least %d rows", l.SampledRows)
}

// kinitAdvice is what to do about a failed kinit in a job's output (the hbase
// principal's keytab rotated or expired, clock skew: kerberos.Advise), as ": <advice>",
// or "" when the job's kinit did not fail that way.
func (e *Engine) kinitAdvice(st runner.Status) string {
	for _, l := range strings.Split(st.Output+"\n"+st.Message, "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "kinit: ") {
			who := e.Cfg.HBase.Principal
			if e.Cfg.HBase.Keytab != "" {
				who += " (keytab " + e.Cfg.HBase.Keytab + ")"
			}
			if a := kerberos.Advise(errors.New(l), who, ""); a != "" {
				return ": " + a
			}
		}
	}
	return ""
}
