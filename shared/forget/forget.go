package forget

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/atlas-backup/atlas-backup/shared/backup"
	"github.com/atlas-backup/atlas-backup/shared/engine"
	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/lock"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/retention"
	"github.com/atlas-backup/atlas-backup/shared/runner"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

// Statuses beside the manifest's.
const (
	// Unfinished: a plan (or a folder) and no manifest: a backup that was interrupted,
	// crashed, or whose manifest a forget removed before its prune.
	Unfinished = "UNFINISHED"
	// Unreadable: the manifest could not be parsed: kept, never deleted.
	Unreadable = "UNREADABLE"
)

// Engine decides and deletes for one cluster. The caller holds the cluster lock.
type Engine struct {
	Store  store.Store
	Layout store.Layout
	// Locker reads the reader marks (nil: none are read).
	Locker *lock.Locker
	Policy retention.Policy
	// Grace before FAILED, PARTIAL and unfinished backups are dropped (0: DefaultGrace).
	Grace time.Duration
	// SolrLocation is the Solr backup share as the Solr nodes see it; SolrLocalLocation
	// where it is mounted here (empty: the same path). A Solr backup folder is removed
	// only from a share mounted here.
	SolrLocation, SolrLocalLocation string
	// SolrRepository, when set, names a Solr backup repository (not a shared folder):
	// its backups are not removed by this tool (the report says so).
	SolrRepository string
	// Runner and Identity remove export folders on cluster storage (hdfs://, s3a://):
	// `hdfs dfs -rm -r -f -skipTrash <exportDir>/<id>` as the hbase principal.
	Runner   runner.Runner
	Identity hbase.Identity
	// HDFSCommand is the hdfs launcher on the runner host (hbase.hdfsCommand; "" : hdfs).
	HDFSCommand string
	Poll        runner.Backoff
	Now         func() time.Time
	Log         zerolog.Logger
	// Progress, when set, sees one line per deletion.
	Progress func(string)
}

func (e *Engine) hdfs() string {
	if e.HDFSCommand != "" {
		return e.HDFSCommand
	}
	return "hdfs"
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now().UTC()
	}
	return time.Now().UTC()
}

func (e *Engine) grace() time.Duration {
	if e.Grace > 0 {
		return e.Grace
	}
	return retention.DefaultGrace
}

func (e *Engine) progress(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	e.Log.Info().Msg(msg)
	if e.Progress != nil {
		e.Progress(msg)
	}
}

// Options of one run.
type Options struct {
	// DryRun decides and reports; nothing is deleted.
	DryRun bool
	// Prune deletes everything a dropped backup owns; without it only the manifests of
	// dropped backups are deleted (they stop existing; a later prune removes the rest).
	Prune bool
}

// Entry is one backup and what the run decided for it.
type Entry struct {
	BackupID string    `json:"backupId"`
	Status   string    `json:"status"`
	Time     time.Time `json:"time"`
	Keep     bool      `json:"keep"`
	// Reasons: the rules that kept it (or the protections), or why it was dropped.
	Reasons []string        `json:"reasons"`
	Drill   *manifest.Drill `json:"drill,omitempty"`
	Objects int             `json:"objects"`
	Bytes   int64           `json:"bytes"`
	// Forgotten: its manifest was deleted by this run.
	Forgotten bool    `json:"forgotten,omitempty"`
	Pruned    *Pruned `json:"pruned,omitempty"`
}

// Pruned says what a prune deleted of one backup.
type Pruned struct {
	Objects int   `json:"objects"`
	Bytes   int64 `json:"bytes"`
	// Removed lists the folders removed outside the store (Solr share, export dir).
	Removed []string `json:"removed"`
	// Problems: what could not be deleted (the next prune tries again).
	Problems []string `json:"problems,omitempty"`
}

// Report is a run's result.
type Report struct {
	Cluster string    `json:"cluster"`
	At      time.Time `json:"at"`
	Policy  string    `json:"policy"`
	Grace   string    `json:"grace"`
	DryRun  bool      `json:"dryRun"`
	Prune   bool      `json:"prune"`
	// Backups, newest first.
	Backups []Entry `json:"backups"`
	Kept    int     `json:"kept"`
	Dropped int     `json:"dropped"`
	// Problems found while deleting (the run goes on with the next backup).
	Problems []string `json:"problems"`
}

// OK reports whether everything the run meant to delete was deleted.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// backupInfo is what the store says of one backup.
type backupInfo struct {
	id       string
	objects  []store.ObjectInfo
	m        *manifest.Manifest
	mErr     error
	plan     *backup.Plan
	drill    *manifest.Drill
	when     time.Time
	status   string
	hasPlan  bool
	finished time.Time
}

// scan reads every backup of the cluster from the store.
func (e *Engine) scan(ctx context.Context) ([]*backupInfo, error) {
	objs, err := e.Store.List(ctx, e.Layout.Backups())
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", e.Store.URL(e.Layout.Backups()), err)
	}
	byID := map[string]*backupInfo{}
	var ids []string
	for _, o := range objs {
		id, ok := e.Layout.BackupIDFromKey(o.Key)
		if !ok || store.ValidateComponent(id) != nil {
			continue // latest.json, _lock/, _readers/, _restore/...
		}
		bi := byID[id]
		if bi == nil {
			bi = &backupInfo{id: id}
			byID[id] = bi
			ids = append(ids, id)
		}
		bi.objects = append(bi.objects, o)
	}
	be := &backup.Engine{Core: engine.Core{Store: e.Store, Layout: e.Layout}}
	var out []*backupInfo
	for _, id := range ids {
		bi := byID[id]
		for _, o := range bi.objects {
			if o.Key == e.Layout.Plan(id) || o.Key == e.Layout.LegacyPlan(id) {
				bi.hasPlan = true
			}
		}
		bi.m, bi.mErr = manifest.Read(ctx, e.Store, e.Layout, id)
		if errors.Is(bi.mErr, store.ErrNoBucket) {
			return nil, bi.mErr
		}
		p, err := be.FailedPlan(ctx, id, manifest.Trigger{})
		if err != nil {
			return nil, fmt.Errorf("read plan of %s: %w", id, err)
		}
		if len(p.Tables)+len(p.Collections) > 0 {
			bi.plan = p // the stored plan, or a failed preflight's
		}
		if d, err := manifest.ReadDrill(ctx, e.Store, e.Layout, id); err == nil {
			bi.drill = d
		}
		switch {
		case bi.m != nil:
			bi.status, bi.when, bi.finished = string(bi.m.Status), bi.m.StartedAt, bi.m.FinishedAt
		case bi.mErr != nil && !errors.Is(bi.mErr, store.ErrNotFound):
			bi.status = Unreadable
		default:
			bi.status = Unfinished
		}
		if bi.when.IsZero() && bi.plan != nil {
			bi.when = bi.plan.StartedAt
		}
		if bi.when.IsZero() {
			bi.when = idTime(id)
		}
		if bi.finished.IsZero() {
			bi.finished = bi.when
		}
		out = append(out, bi)
	}
	return out, nil
}

// idTime reads the time an id starts with (20261202T101500Z-…); zero when it has none.
func idTime(id string) time.Time {
	if len(id) >= 16 {
		if t, err := time.Parse("20060102T150405Z", id[:16]); err == nil {
			return t
		}
	}
	return time.Time{}
}

// Run decides which backups stay, and deletes (unless DryRun) what the others own.
func (e *Engine) Run(ctx context.Context, opts Options) (*Report, error) {
	now := e.now()
	rep := &Report{Cluster: e.Layout.Cluster, At: now, Policy: e.Policy.String(), Grace: e.grace().String(),
		DryRun: opts.DryRun, Prune: opts.Prune, Backups: []Entry{}, Problems: []string{}}
	infos, err := e.scan(ctx)
	if err != nil {
		return nil, err
	}
	protect := map[string][]string{}
	if lt, err := manifest.ReadLatest(ctx, e.Store, e.Layout); err == nil {
		protect[lt.BackupID] = append(protect[lt.BackupID], "latest")
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("read latest: %w", err)
	}
	var drilled *backupInfo
	for _, bi := range infos {
		if bi.status == string(manifest.Succeeded) && bi.drill != nil && bi.drill.OK && (drilled == nil || bi.when.After(drilled.when)) {
			drilled = bi
		}
	}
	if drilled != nil {
		protect[drilled.id] = append(protect[drilled.id], "newest backup whose drill passed ("+drilled.drill.FinishedAt.Format(time.RFC3339)+")")
	}
	if e.Locker != nil {
		marks, err := e.Locker.Readers(ctx)
		if err != nil {
			return nil, err
		}
		for _, m := range marks {
			protect[m.Holder.BackupID] = append(protect[m.Holder.BackupID], "read by a running "+m.Holder.Operation+" ("+m.Holder.RunID+")")
		}
	}

	var items []retention.Item
	for _, bi := range infos {
		if bi.status == string(manifest.Succeeded) {
			items = append(items, retention.Item{ID: bi.id, Time: bi.when})
		}
	}
	decided := map[string]retention.Decision{}
	for _, d := range retention.Apply(items, e.Policy, now) {
		decided[d.ID] = d
	}
	graceStart := now.Add(-e.grace())
	for _, bi := range infos {
		en := Entry{BackupID: bi.id, Status: bi.status, Time: bi.when, Drill: bi.drill, Objects: len(bi.objects)}
		for _, o := range bi.objects {
			en.Bytes += o.Size
		}
		switch bi.status {
		case string(manifest.Succeeded):
			d := decided[bi.id]
			en.Keep, en.Reasons = d.Keep, d.Reasons
			if !d.Keep {
				en.Reasons = []string{"no rule keeps it (" + e.Policy.String() + ")"}
			}
		case Unreadable:
			en.Keep, en.Reasons = true, []string{"manifest unreadable (" + bi.mErr.Error() + "): left alone"}
		default:
			what := strings.ToLower(bi.status)
			if bi.finished.After(graceStart) {
				en.Keep, en.Reasons = true, []string{fmt.Sprintf("%s, within its grace period (until %s)", what, bi.finished.Add(e.grace()).Format(time.RFC3339))}
			} else if bi.finished.IsZero() {
				en.Keep, en.Reasons = true, []string{what + ", age unknown: left alone"}
			} else {
				en.Reasons = []string{fmt.Sprintf("%s, older than the grace period (%s)", what, e.grace())}
			}
		}
		if ps := protect[bi.id]; len(ps) > 0 && bi.status == string(manifest.Succeeded) {
			if !en.Keep {
				en.Reasons = nil
			}
			en.Keep = true
			for _, p := range ps {
				en.Reasons = append(en.Reasons, "protected: "+p)
			}
		} else if len(ps) > 0 && !en.Keep {
			en.Keep, en.Reasons = true, append(en.Reasons[:0:0], "protected: "+strings.Join(ps, ", "))
		}
		rep.Backups = append(rep.Backups, en)
	}
	sort.SliceStable(rep.Backups, func(i, j int) bool {
		if !rep.Backups[i].Time.Equal(rep.Backups[j].Time) {
			return rep.Backups[i].Time.After(rep.Backups[j].Time)
		}
		return rep.Backups[i].BackupID > rep.Backups[j].BackupID
	})
	byID := map[string]*backupInfo{}
	for _, bi := range infos {
		byID[bi.id] = bi
	}
	// Delete oldest first.
	for i := len(rep.Backups) - 1; i >= 0; i-- {
		en := &rep.Backups[i]
		if en.Keep {
			rep.Kept++
			continue
		}
		rep.Dropped++
		if opts.DryRun {
			continue
		}
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		bi := byID[en.BackupID]
		if bi.m != nil {
			if err := e.Store.Delete(ctx, e.Layout.Manifest(bi.id)); err != nil {
				rep.Problems = append(rep.Problems, fmt.Sprintf("%s: delete manifest: %v", bi.id, err))
				continue
			}
			en.Forgotten = true
			e.progress("forgot %s (%s)", bi.id, bi.status)
		}
		if opts.Prune {
			pr := e.prune(ctx, bi)
			en.Pruned = &pr
			for _, p := range pr.Problems {
				rep.Problems = append(rep.Problems, bi.id+": "+p)
			}
		}
	}
	return rep, nil
}

// prune deletes everything bi owns: Solr folders, the export folder, store objects,
// the plan last.
func (e *Engine) prune(ctx context.Context, bi *backupInfo) Pruned {
	pr := Pruned{Removed: []string{}}
	fail := func(format string, a ...any) { pr.Problems = append(pr.Problems, fmt.Sprintf(format, a...)) }

	// Solr backup folders on the share.
	for _, name := range e.solrFolders(bi) {
		if e.SolrRepository != "" {
			fail("solr backup %s is in repository %q: not removed by this tool (Collections API DELETEBACKUP, or the repository's own retention)", name.name, e.SolrRepository)
			continue
		}
		dir, err := e.localSolrDir(name.location, name.name)
		if err != nil {
			fail("solr backup %s: %v", name.name, err)
			continue
		}
		if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := os.RemoveAll(dir); err != nil {
			fail("remove solr backup folder %s: %v", dir, err)
			continue
		}
		pr.Removed = append(pr.Removed, dir)
		e.progress("removed solr backup folder %s", dir)
	}
	// The export folder <exportDir>/<id>.
	if dir := e.exportFolder(bi); dir != "" {
		if removed, err := e.removeExport(ctx, bi.id, dir); err != nil {
			fail("remove export folder %s: %v", dir, err)
		} else if removed {
			pr.Removed = append(pr.Removed, dir)
			e.progress("removed export folder %s", dir)
		}
	}
	// Store objects, the plan last.
	var plans []store.ObjectInfo
	for _, o := range bi.objects {
		if o.Key == e.Layout.Plan(bi.id) || o.Key == e.Layout.LegacyPlan(bi.id) {
			plans = append(plans, o)
			continue
		}
		if err := e.Store.Delete(ctx, o.Key); err != nil {
			fail("delete %s: %v", e.Store.URL(o.Key), err)
			continue
		}
		pr.Objects++
		pr.Bytes += o.Size
	}
	if len(pr.Problems) > 0 {
		return pr // keep the plan: the next prune needs it to find the rest
	}
	for _, o := range plans {
		if err := e.Store.Delete(ctx, o.Key); err != nil {
			fail("delete %s: %v", e.Store.URL(o.Key), err)
			continue
		}
		pr.Objects++
		pr.Bytes += o.Size
	}
	e.progress("pruned %s: %d objects, %d bytes from the store", bi.id, pr.Objects, pr.Bytes)
	return pr
}

type solrFolder struct{ name, location string }

// solrFolders are the Solr backup folders of a backup: those its manifest lists and
// those its plan named (a FAILED backup's manifest lists only what was shipped).
func (e *Engine) solrFolders(bi *backupInfo) []solrFolder {
	seen := map[string]bool{}
	var out []solrFolder
	add := func(name, loc string) {
		if name == "" || seen[loc+"\x00"+name] {
			return
		}
		seen[loc+"\x00"+name] = true
		out = append(out, solrFolder{name: name, location: loc})
	}
	if bi.m != nil {
		for _, c := range bi.m.Solr {
			add(c.BackupName, c.Location)
		}
	}
	if bi.plan != nil {
		for _, c := range bi.plan.Collections {
			add(c.BackupName, c.Location)
		}
	}
	return out
}

// localSolrDir is where a backup's Solr folder is here; only names this tool gives
// ("atlas-<id>-<collection>", one segment) are accepted.
func (e *Engine) localSolrDir(location, name string) (string, error) {
	if !strings.HasPrefix(name, "atlas-") || strings.ContainsAny(name, "/\\") || name == "." || name == ".." || strings.Contains(name, "..") {
		return "", fmt.Errorf("name %q is not one this tool gives (atlas-<id>-<collection>): left alone", name)
	}
	base := location
	if e.SolrLocalLocation != "" && (location == e.SolrLocation || location == "") {
		base = e.SolrLocalLocation
	}
	if base == "" || !filepath.IsAbs(base) {
		return "", fmt.Errorf("location %q is not an absolute folder mounted here", location)
	}
	return filepath.Join(base, name), nil
}

// exportFolder is <exportDir>/<id>, from the plan's or the manifest's table folders
// (<exportDir>/<id>/<table>); "" when none is known.
func (e *Engine) exportFolder(bi *backupInfo) string {
	var dirs []string
	if bi.plan != nil {
		for _, t := range bi.plan.Tables {
			dirs = append(dirs, t.ExportDir)
		}
	}
	if bi.m != nil {
		for _, t := range bi.m.HBase {
			dirs = append(dirs, t.ExportDir)
		}
	}
	for _, d := range dirs {
		i := strings.LastIndex(d, "/")
		if i <= 0 {
			continue
		}
		parent := d[:i]
		if strings.HasSuffix(parent, "/"+bi.id) {
			return parent
		}
	}
	return ""
}

func (e *Engine) removeExport(ctx context.Context, id, dir string) (bool, error) {
	if strings.HasPrefix(dir, "/") {
		if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return true, os.RemoveAll(dir)
	}
	if e.Runner == nil {
		return false, errors.New("on cluster storage and no runner to remove it with")
	}
	argv, err := hbase.HDFSRemoveArgv(e.hdfs(), dir)
	if err != nil {
		return false, err
	}
	job, err := e.Identity.Job(runner.JobID(id, "prune", "export"), argv)
	if err != nil {
		return false, err
	}
	h, err := e.Runner.Submit(ctx, job)
	if err != nil {
		return false, err
	}
	st, err := runner.Wait(ctx, e.Runner, h, e.Poll, nil)
	if err != nil {
		return false, err
	}
	if st.State != runner.StateSucceeded {
		return false, fmt.Errorf("exit %d: %s", st.ExitCode, st.Tail(4))
	}
	return true, nil
}
