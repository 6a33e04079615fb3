package restore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/archive"
	"github.com/atlas-backup/atlas-backup/shared/engine"
	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/hostpath"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/runner"
	"github.com/atlas-backup/atlas-backup/shared/solr"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

// Parts of a backup that can be restored.
const (
	PartHBase  = "hbase"
	PartSolr   = "solr"
	PartConfig = "config"
)

// PlanInput asks for a restore (or, with Drill, a drill).
type PlanInput struct {
	BackupID string `json:"backupId"`
	// Only restricts the parts: hbase, solr, config (empty: all three).
	Only []string `json:"only,omitempty"`
	// Suffix is appended to every table and collection name (restore beside the live
	// data). [A-Za-z0-9_-]{1,32}; required for a drill.
	Suffix string `json:"suffix,omitempty"`
	// Yes allows what a restore otherwise refuses: importing into a non-empty table
	// (Import merges rows), deleting an existing collection before RESTORE, unpacking
	// over the live config folder or a non-empty target, restoring while Atlas answers.
	Yes bool `json:"yes,omitempty"`
	// ConfigTarget is the folder the config is unpacked into (absolute); empty:
	// <workDir>/restore/<restore id>/conf. The live folder needs Yes.
	ConfigTarget string `json:"configTarget,omitempty"`
	// Drill restores into scratch names, compares, and is cleaned up after.
	Drill bool `json:"drill,omitempty"`
	// RestoreID names this restore (job ids, async ids, staging folders); empty: a new one.
	RestoreID string `json:"restoreId,omitempty"`
	// Trigger: what started it (cli, schedule: the scheduled drill, on-demand); recorded
	// in a drill's record and the completion event.
	Trigger string `json:"trigger,omitempty"`
}

// Plan is everything decided before anything is fetched or changed. It is plain JSON,
// so a state machine can pass it from step to step.
type Plan struct {
	RestoreID string    `json:"restoreId"`
	BackupID  string    `json:"backupId"`
	Cluster   string    `json:"cluster"`
	Drill     bool      `json:"drill"`
	Yes       bool      `json:"yes"`
	Suffix    string    `json:"suffix,omitempty"`
	Parts     []string  `json:"parts"`
	StartedAt time.Time `json:"startedAt"`
	// Window is the backup's: the HBase time range every table was cut at and the
	// interval the Solr backups were taken in.
	Window manifest.Window `json:"window"`
	// StageDir holds this restore's local files (the config archive).
	StageDir    string           `json:"stageDir"`
	Tables      []TablePlan      `json:"tables"`
	Collections []CollectionPlan `json:"collections"`
	Config      *ConfigPlan      `json:"config,omitempty"`
	// Warnings are facts the operator should read (merges, live folder overwritten).
	Warnings []string `json:"warnings,omitempty"`
	// Trigger is the request's (cli, schedule, on-demand).
	Trigger string `json:"trigger,omitempty"`
}

// TablePlan is one table to restore.
type TablePlan struct {
	Table  string       `json:"table"`  // as backed up
	Target string       `json:"target"` // Table + suffix
	Schema hbase.Schema `json:"schema"`
	// What the backup recorded.
	Rows     int64              `json:"rows"`
	Cells    int64              `json:"cells"`
	Digest   string             `json:"digest"`
	Versions int                `json:"versions"`
	Objects  []store.ObjectInfo `json:"objects"`
	Bytes    int64              `json:"bytes"`
	// Window is the time window the backup exported the table with, in the table's own
	// timestamp unit; the check export of the restored table uses it (nil for manifests
	// written before it was recorded: Plan.Window's ms values apply as they are).
	Window *manifest.TableWindow `json:"window,omitempty"`
	// Live is what the live table held at backup time (nil in older manifests).
	Live *manifest.Live `json:"live,omitempty"`
	// Exists: the target table exists; RowsBefore is its row count then (-1: not counted).
	Exists     bool  `json:"exists"`
	RowsBefore int64 `json:"rowsBefore"`
	// StageDir is where the export is brought back for Import (cluster storage);
	// CheckDir where the restored table is exported for the check.
	StageDir string `json:"stageDir"`
	CheckDir string `json:"checkDir"`
}

// CollectionPlan is one collection to restore.
type CollectionPlan struct {
	Collection string `json:"collection"` // as backed up
	Target     string `json:"target"`     // Collection + suffix
	// What the backup recorded: Docs is the live collection's doc count at plan time,
	// DigestDocs the documents the digest read right after the BACKUP covers.
	// DigestBefore and DigestBeforeDocs: the digest read just before the BACKUP; when
	// it differs from Digest the documents changed during the BACKUP.
	Docs             int64              `json:"docs"`
	Digest           string             `json:"digest,omitempty"`
	DigestDocs       int64              `json:"digestDocs,omitempty"`
	DigestBefore     string             `json:"digestBefore,omitempty"`
	DigestBeforeDocs int64              `json:"digestBeforeDocs,omitempty"`
	Objects          []store.ObjectInfo `json:"objects"`
	Bytes            int64              `json:"bytes"`
	// RestoreName is the folder the backup is brought back into under the shared
	// location (LocalDir here, Location for Solr); AsyncID the RESTORE's async id.
	RestoreName string `json:"restoreName"`
	Location    string `json:"location"`
	LocalDir    string `json:"localDir"`
	AsyncID     string `json:"asyncId"`
	// Exists: the target collection exists; DocsBefore its doc count then (-1: unknown).
	Exists     bool  `json:"exists"`
	DocsBefore int64 `json:"docsBefore"`
}

// ConfigPlan is the config folder to restore.
type ConfigPlan struct {
	Key    string         `json:"key"`
	SHA256 string         `json:"sha256"`
	Size   int64          `json:"size"`
	Files  []archive.File `json:"files"`
	Target string         `json:"target"`
	// Live: Target is the live config folder (atlas.confDir).
	Live    bool   `json:"live"`
	LiveDir string `json:"liveDir"`
	// Archive is where the archive is fetched to.
	Archive string `json:"archive"`
	// Changes say how the live folder differs from the backup (before the restore);
	// LiveMissing that it does not exist.
	Changes     []archive.Change `json:"changes"`
	LiveMissing bool             `json:"liveMissing,omitempty"`
}

var suffixRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_-]{0,31}$`)

// ValidateSuffix is the one rule for a restore suffix (restore/drill --suffix, the
// request's suffix): 1-32 characters of letters, digits, '_' and '-', not starting with
// '-' (never option-like), so a table or collection name with it appended is still one
// (the plan checks the result).
func ValidateSuffix(s string) error {
	if !suffixRe.MatchString(s) {
		return fmt.Errorf("suffix %.40q: must be 1-32 characters of letters, digits, '_' and '-', not starting with '-'", s)
	}
	return nil
}

// ValidateConfigTarget is the one rule for the folder a config is unpacked into (restore
// --target, the request's configTarget): hostpath's rule.
func ValidateConfigTarget(dir string) error {
	if err := hostpath.Validate(dir); err != nil {
		return fmt.Errorf("config target: %w", err)
	}
	return nil
}

// Validate checks the request without looking at any server: what Plan refuses as
// BadInput before anything else (the CLI calls it while parsing its flags).
func (in PlanInput) Validate() error {
	_, err := validateInput(in)
	return err
}

func validateInput(in PlanInput) ([]string, error) {
	var errs []error
	if err := store.ValidateComponent(in.BackupID); err != nil {
		errs = append(errs, fmt.Errorf("backup id: %w", err))
	}
	if in.RestoreID != "" {
		if err := store.ValidateComponent(in.RestoreID); err != nil {
			errs = append(errs, fmt.Errorf("restore id: %w", err))
		}
	}
	parts := []string{}
	seen := map[string]bool{}
	for _, p := range in.Only {
		switch p {
		case PartHBase, PartSolr, PartConfig:
			if seen[p] {
				errs = append(errs, fmt.Errorf("only: %q listed twice", p))
			}
			seen[p] = true
		default:
			errs = append(errs, fmt.Errorf("only: %q: must be hbase, solr or config", p))
		}
	}
	for _, p := range []string{PartHBase, PartSolr, PartConfig} {
		if len(in.Only) == 0 || seen[p] {
			parts = append(parts, p)
		}
	}
	if in.Suffix != "" {
		if err := ValidateSuffix(in.Suffix); err != nil {
			errs = append(errs, err)
		}
	}
	if in.Drill {
		if in.Suffix == "" {
			errs = append(errs, errors.New("suffix: a drill restores into scratch names and needs a suffix"))
		}
		if in.Yes {
			errs = append(errs, errors.New("yes: a drill never deletes, merges into or overwrites anything"))
		}
		if in.ConfigTarget != "" {
			errs = append(errs, errors.New("config target: a drill unpacks the config into a scratch folder of its own"))
		}
		if len(in.Only) > 0 {
			errs = append(errs, errors.New("only: a drill restores every part"))
		}
	}
	if in.ConfigTarget != "" {
		if err := ValidateConfigTarget(in.ConfigTarget); err != nil {
			errs = append(errs, err)
		}
	}
	return parts, errors.Join(errs...)
}

func has(parts []string, p string) bool {
	for _, x := range parts {
		if x == p {
			return true
		}
	}
	return false
}

// Plan reads the manifest, checks every server the restore will touch without changing
// anything, and returns the plan. Problems that forbid the restore are returned
// together as a *Refused (with the plan so far); an unknown id is *BackupNotFound; a
// server that cannot be asked is *PreflightFailed.
func (e *Engine) Plan(ctx context.Context, in PlanInput) (*Plan, error) {
	parts, err := validateInput(in)
	if err != nil {
		return nil, &BadInput{Err: err}
	}
	id := in.RestoreID
	if id == "" {
		id = NewRestoreID(e.Now())
	}
	p := &Plan{RestoreID: id, BackupID: in.BackupID, Cluster: e.Cfg.Cluster, Drill: in.Drill, Yes: in.Yes,
		Suffix: in.Suffix, Parts: parts, StartedAt: e.Now(),
		StageDir: filepath.Join(e.Cfg.WorkDir, "restore", id)}
	e.emit(p, engine.Event{Part: "plan", Phase: "started", Message: "reading the manifest and checking the servers (read-only)"})

	if err := e.Store.Check(ctx); err != nil {
		return p, &PreflightFailed{Err: fmt.Errorf("backup store %s: %w", e.Store.URL(e.Layout.Backups()), err)}
	}
	m, err := manifest.Read(ctx, e.Store, e.Layout, in.BackupID)
	if errors.Is(err, store.ErrNotFound) {
		return p, &BackupNotFound{BackupID: in.BackupID, Manifest: e.Store.URL(e.Layout.Manifest(in.BackupID))}
	}
	if err != nil {
		return p, &PreflightFailed{Err: err}
	}
	p.Window = m.Window
	if m.Status != manifest.Succeeded {
		r := &Refused{}
		r.add("backup %s is %s, not SUCCEEDED: only a complete backup is restored (reasons: %s)", m.BackupID, m.Status, strings.Join(m.Reasons, "; "))
		return p, r
	}
	refused := &Refused{}
	if err := e.planParts(p, m, in, refused); err != nil {
		return p, err
	}
	if len(refused.Problems) > 0 {
		return p, refused
	}

	// Look at the servers, changing nothing.
	// Atlas must not run while its stores are restored: any HTTP answer means it does (a
	// file-login or kerberized Atlas answers 401 to a request without credentials). With
	// preRestore hooks (which may stop Atlas) the check is made after them (run).
	if !in.Drill && !in.Yes && e.Atlas != nil && len(e.Cfg.Hooks.PreRestore) == 0 {
		if what, up := e.atlasAnswers(ctx); up {
			refused.add("Atlas answers at %s (%s): stop Atlas before restoring its stores (or --yes to restore while it runs)", e.Cfg.Atlas.URL, what)
		}
	}
	var problems []error
	if len(p.Tables) > 0 {
		if err := e.inspectTables(ctx, p, refused); err != nil {
			problems = append(problems, err)
		}
	}
	if len(p.Collections) > 0 {
		if err := e.inspectCollections(ctx, p, refused); err != nil {
			problems = append(problems, err)
		}
	}
	if p.Config != nil {
		e.inspectConfig(ctx, p, in, refused)
	}
	if len(problems) > 0 {
		err := &PreflightFailed{Err: errors.Join(problems...)}
		e.emit(p, engine.Event{Part: "plan", Phase: "failed", Message: err.Error()})
		return p, err
	}
	if len(refused.Problems) > 0 {
		e.emit(p, engine.Event{Part: "plan", Phase: "failed", Message: refused.Error()})
		return p, refused
	}
	e.emit(p, engine.Event{Part: "plan", Phase: "done", Message: fmt.Sprintf("restore %s of backup %s: %d tables, %d collections, config %v",
		p.RestoreID, p.BackupID, len(p.Tables), len(p.Collections), p.Config != nil)})
	return p, nil
}

// planParts fills tables, collections and config from the manifest.
func (e *Engine) planParts(p *Plan, m *manifest.Manifest, in PlanInput, refused *Refused) error {
	explicit := len(in.Only) > 0
	if has(p.Parts, PartHBase) {
		if len(m.HBase) == 0 && explicit {
			refused.add("backup %s has no HBase tables to restore", m.BackupID)
		}
		for _, t := range m.HBase {
			target := t.Table + in.Suffix
			if err := hbase.ValidateTable(target); err != nil {
				return &BadInput{Err: fmt.Errorf("table %s with suffix %q: %w", t.Table, in.Suffix, err)}
			}
			versions := t.Versions
			if versions == 0 {
				versions = e.Cfg.HBase.Versions
			}
			tp := TablePlan{Table: t.Table, Target: target, Schema: t.Schema, Rows: t.Rows, Cells: t.Cells,
				Digest: t.Digest, Versions: versions, Objects: t.Objects, Bytes: t.Bytes, RowsBefore: -1,
				Window: t.Window, Live: t.Live}
			stage := strings.TrimRight(e.Cfg.HBase.ExportDir, "/") + "/_restore/" + p.RestoreID
			tp.StageDir = stage + "/" + store.TableSegment(target)
			tp.CheckDir = stage + "/check/" + store.TableSegment(target)
			if len(tp.Objects) == 0 {
				refused.add("table %s: the manifest lists no exported objects", t.Table)
			}
			if len(t.Schema.Families) == 0 {
				refused.add("table %s: the manifest records no column families to recreate it from", t.Table)
			}
			p.Tables = append(p.Tables, tp)
		}
	}
	if has(p.Parts, PartSolr) {
		if len(m.Solr) == 0 && explicit {
			refused.add("backup %s has no Solr collections to restore", m.BackupID)
		}
		local := e.Cfg.Solr.LocalLocation
		if local == "" {
			local = e.Cfg.Solr.Location
		}
		for _, c := range m.Solr {
			target := c.Collection + in.Suffix
			if err := solr.ValidateCollection(target); err != nil {
				return &BadInput{Err: fmt.Errorf("collection %s with suffix %q: %w", c.Collection, in.Suffix, err)}
			}
			name := "restore-" + solr.AsyncID(p.RestoreID, c.Collection)
			cp := CollectionPlan{Collection: c.Collection, Target: target, Docs: c.Docs, Digest: c.Digest, DigestDocs: c.DigestDocs,
				DigestBefore: c.DigestBefore, DigestBeforeDocs: c.DigestBeforeDocs,
				Objects: c.Objects, Bytes: c.Bytes, RestoreName: name, Location: e.Cfg.Solr.Location,
				LocalDir: filepath.Join(local, name), AsyncID: solr.AsyncID(p.RestoreID, target), DocsBefore: -1}
			if len(cp.Objects) == 0 {
				refused.add("collection %s: the manifest lists no backup objects", c.Collection)
			}
			p.Collections = append(p.Collections, cp)
		}
	}
	if has(p.Parts, PartConfig) {
		if m.Config == nil {
			if explicit {
				refused.add("backup %s has no config archive to restore", m.BackupID)
			}
		} else {
			p.Config = &ConfigPlan{Key: m.Config.Key, SHA256: m.Config.SHA256, Size: m.Config.Size, Files: m.Config.Files,
				LiveDir: e.Cfg.Atlas.ConfDir, Archive: filepath.Join(p.StageDir, "atlas-conf.tar.gz"), Changes: []archive.Change{}}
		}
	}
	if len(p.Tables) == 0 && len(p.Collections) == 0 && p.Config == nil {
		refused.add("nothing to restore: backup %s has none of %s", m.BackupID, strings.Join(p.Parts, ", "))
	}
	return nil
}

// inspectTables lists the tables, then counts the rows and reads the families of every
// target that exists.
func (e *Engine) inspectTables(ctx context.Context, p *Plan, refused *Refused) error {
	st, err := e.shell(ctx, p.RestoreID, "list", "tables", hbase.ListScript())
	if err != nil {
		return fmt.Errorf("hbase list: %w", err)
	}
	if st.State != runner.StateSucceeded {
		return fmt.Errorf("hbase list: %s", failure(st))
	}
	names, err := hbase.ParseList(st.Output)
	if err != nil {
		return fmt.Errorf("hbase list: %w", err)
	}
	live := map[string]bool{}
	for _, n := range names {
		live[n] = true
	}
	for i := range p.Tables {
		t := &p.Tables[i]
		if !live[t.Target] {
			continue
		}
		t.Exists = true
		if p.Drill {
			refused.add("table %s exists: the drill's scratch names must not collide with existing tables (choose another --suffix, or drop it if an earlier drill left it)", t.Target)
			continue
		}
		script, err := hbase.CountScript(t.Target)
		if err != nil {
			return err
		}
		st, err := e.shell(ctx, p.RestoreID, "count", t.Target, script)
		if err != nil {
			return fmt.Errorf("hbase count %s: %w", t.Target, err)
		}
		if st.State != runner.StateSucceeded {
			return fmt.Errorf("hbase count %s: %s", t.Target, failure(st))
		}
		if t.RowsBefore, err = hbase.ParseCount(st.Output); err != nil {
			return fmt.Errorf("hbase count %s: %w", t.Target, err)
		}
		script, _ = hbase.DescribeScript(t.Target)
		st, err = e.shell(ctx, p.RestoreID, "describe", t.Target, script)
		if err != nil {
			return fmt.Errorf("hbase describe %s: %w", t.Target, err)
		}
		if st.State != runner.StateSucceeded {
			return fmt.Errorf("hbase describe %s: %s", t.Target, failure(st))
		}
		have, err := hbase.ParseDescribe(st.Output)
		if err != nil {
			return fmt.Errorf("hbase describe %s: %w", t.Target, err)
		}
		if missing := missingFamilies(t.Schema, have); len(missing) > 0 {
			refused.add("table %s exists without the column families %s of the backup: Import cannot write them; drop the table first (it is then recreated from the backup's schema)",
				t.Target, strings.Join(missing, ", "))
			continue
		}
		switch {
		case t.RowsBefore > 0 && !p.Yes:
			refused.add("table %s holds %d rows: Import merges the backup's rows into them (rows written since the backup stay); --yes to merge, or drop the table first for an exact restore",
				t.Target, t.RowsBefore)
		case t.RowsBefore > 0:
			p.Warnings = append(p.Warnings, fmt.Sprintf("table %s holds %d rows: Import merges the backup's %d rows into them; rows written since the backup stay", t.Target, t.RowsBefore, t.Rows))
		}
	}
	return nil
}

func missingFamilies(want, have hbase.Schema) []string {
	got := map[string]bool{}
	for _, f := range have.Families {
		got[f.Name] = true
	}
	var out []string
	for _, f := range want.Families {
		if !got[f.Name] {
			out = append(out, f.Name)
		}
	}
	sort.Strings(out)
	return out
}

// inspectCollections logs in, checks the location and looks at the target collections.
func (e *Engine) inspectCollections(ctx context.Context, p *Plan, refused *Refused) error {
	if e.Login != nil {
		if err := e.Login(ctx); err != nil {
			return fmt.Errorf("kerberos login as %s: %w", e.Cfg.Kerberos.Principal, err)
		}
	}
	names, err := e.Solr.ListCollections(ctx)
	if err != nil {
		return fmt.Errorf("solr: %w", err)
	}
	live := map[string]bool{}
	for _, n := range names {
		live[n] = true
	}
	for i := range p.Collections {
		c := &p.Collections[i]
		if !live[c.Target] {
			continue
		}
		c.Exists = true
		if p.Drill {
			refused.add("collection %s exists: the drill's scratch names must not collide with existing collections (choose another --suffix, or delete it if an earlier drill left it)", c.Target)
			continue
		}
		if n, _, err := e.Solr.DocCount(ctx, c.Target); err == nil {
			c.DocsBefore = n
		}
		if !p.Yes {
			refused.add("collection %s exists (%s): --yes deletes it before the RESTORE (Solr before 8.9 refuses to restore over an existing collection)",
				c.Target, docsText(c.DocsBefore))
		} else {
			p.Warnings = append(p.Warnings, fmt.Sprintf("collection %s exists (%s): it is deleted before the RESTORE", c.Target, docsText(c.DocsBefore)))
		}
	}
	if err := e.Solr.CheckLocation(ctx, e.Cfg.Solr.Location); err != nil {
		return fmt.Errorf("solr location %s: %w", e.Cfg.Solr.Location, err)
	}
	return nil
}

func docsText(n int64) string {
	if n < 0 {
		return "doc count unknown"
	}
	return fmt.Sprintf("%d docs", n)
}

// inspectConfig resolves the target, refuses the live folder or a non-empty one without
// Yes, and diffs the live folder against the backup.
func (e *Engine) inspectConfig(ctx context.Context, p *Plan, in PlanInput, refused *Refused) {
	c := p.Config
	c.Target = in.ConfigTarget
	if c.Target == "" {
		c.Target = filepath.Join(p.StageDir, "conf")
	}
	c.Target = filepath.Clean(c.Target)
	c.Live = sameFolder(c.Target, c.LiveDir)
	changes, err := archive.DiffContext(ctx, c.Files, c.LiveDir)
	switch {
	case err == nil:
		c.Changes = changes
	case errors.Is(err, os.ErrNotExist):
		c.LiveMissing = true
	default:
		p.Warnings = append(p.Warnings, fmt.Sprintf("config: cannot compare the live folder %s with the backup: %v", c.LiveDir, err))
	}
	if c.Live && !p.Yes {
		refused.add("config target %s is the live config folder: --yes to unpack the backup over it (files that differ: %d)", c.Target, len(c.Changes))
		return
	}
	if c.Live {
		p.Warnings = append(p.Warnings, fmt.Sprintf("config: the backup is unpacked over the live folder %s; files added since the backup stay", c.Target))
		return
	}
	if entries, err := os.ReadDir(c.Target); err == nil && len(entries) > 0 && !p.Yes {
		refused.add("config target %s is not empty: --yes to unpack over it, or choose an empty or new folder", c.Target)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		refused.add("config target %s: %v", c.Target, err)
	}
}

// sameFolder reports whether a and b name the same folder, following symlinks where
// they exist (/etc/atlas/conf is usually a symlink).
func sameFolder(a, b string) bool {
	ra, errA := filepath.EvalSymlinks(a)
	rb, errB := filepath.EvalSymlinks(b)
	if errA == nil && errB == nil {
		return ra == rb
	}
	return filepath.Clean(a) == filepath.Clean(b)
}
