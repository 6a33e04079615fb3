package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/rs/zerolog"

	"github.com/atlas-backup/atlas-backup/shared/backup"
	"github.com/atlas-backup/atlas-backup/shared/clients"
	"github.com/atlas-backup/atlas-backup/shared/config"
	"github.com/atlas-backup/atlas-backup/shared/engine"
	"github.com/atlas-backup/atlas-backup/shared/events"
	"github.com/atlas-backup/atlas-backup/shared/lock"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

// Exit codes (see doc.go).
const (
	ExitOK          = 0
	ExitFailed      = 1
	ExitUsage       = 2
	ExitNotFound    = 3
	ExitInterrupted = 130
)

// Version is set at build time (-ldflags -X).
var Version = "dev"

const usage = `atlas-backup: back up and restore Apache Atlas metadata (HBase, Solr, config).

Usage:
  atlas-backup <command> [flags] [arguments]     (global flags before or after the command)

Commands:
  backup            take a backup (resumes an interrupted one of the same id)
  list              list the cluster's backups
  describe <id>     show one backup's manifest
  verify <id>       re-download every object and check its size and SHA-256
  restore <id>      put a backup back: [--only hbase,solr,config] [--suffix S]
                    [--target DIR] [--yes] [--atlas-wait DURATION]; stop Atlas first,
                    start it when asked
  drill <id>        restore into scratch names, compare with the manifest, drop them
                    [--suffix S]; "latest" drills the latest backup
  check-atlas <id>  compare what Atlas answers now with what it answered when the
                    backup was taken [--wait DURATION]
  forget            apply the retention policy: [--dry-run] [--prune]
  unlock            release a stale cluster lock (--force: a live one too)
  agent archive-config --dir D --store URL --key K [--part P]
                    the host agent (run by SSM on the Atlas host): archive D into the store
  version           print the version
  help [command]    this text, or a command's flags and an example (also: <command> --help)

Global flags:
  --config FILE     cluster config (default $ATLAS_BACKUP_CONFIG, then ./atlas-backup.yaml)
  --output text|json
  --log-file FILE   JSON log (default <workDir>/atlas-backup.log); "-" for stderr

Example:
  atlas-backup backup --config /etc/atlas-backup/prod.yaml
  atlas-backup list --config /etc/atlas-backup/prod.yaml

Exit codes: 0 ok, 1 backup failed/partial, verify or drill mismatch, restore failed,
check-atlas found a difference, forget could not delete everything,
2 usage or invalid input (named field and rule; nothing was contacted),
3 unknown backup id, 4 restore/drill refused before anything was changed,
5 the cluster is locked by another backup, restore or forget (named),
6 check-atlas could not compare (Atlas did not answer ACTIVE, or the backup recorded no
Atlas answers), 130 interrupted (run again to resume a backup).
`

type app struct {
	stdout, stderr io.Writer
	configPath     string
	output         string
	logFile        string
	atlasWait      time.Duration // restore's last step (--atlas-wait)
	mu             sync.Mutex    // serialises progress lines
}

// Main runs the command line and returns the exit code. Only main exits.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr, output: "text"}
	fs := flag.NewFlagSet("atlas-backup", flag.ContinueOnError)
	a.globalFlags(fs)
	var buf bytes.Buffer
	fs.SetOutput(&buf)
	fs.Usage = func() { fmt.Fprint(&buf, usage) }
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			return ExitOK
		}
		io.Copy(stderr, &buf)
		return ExitUsage
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fmt.Fprint(stderr, usage)
		return ExitUsage
	}
	cmd, cargs := rest[0], rest[1:]
	switch cmd {
	case "backup":
		return a.backup(ctx, cargs)
	case "list":
		return a.list(ctx, cargs)
	case "describe":
		return a.describe(ctx, cargs)
	case "verify":
		return a.verify(ctx, cargs)
	case "restore":
		return a.restore(ctx, cargs)
	case "drill":
		return a.drill(ctx, cargs)
	case "check-atlas":
		return a.checkAtlas(ctx, cargs)
	case "forget":
		return a.forget(ctx, cargs)
	case "unlock":
		return a.unlock(ctx, cargs)
	case "agent":
		return a.agent(ctx, cargs)
	case "version":
		if _, code, ok := a.parse("version", flag.NewFlagSet("version", flag.ContinueOnError), cargs); !ok {
			return code
		}
		fmt.Fprintln(stdout, "atlas-backup", Version)
		return ExitOK
	case "help", "-h", "--help":
		if len(cargs) > 0 {
			name := strings.Join(cargs, " ")
			if _, ok := commandHelp(name); ok {
				a.printHelp(stdout, name, a.commandFlags(name))
				return ExitOK
			}
			fmt.Fprintf(stderr, "atlas-backup: no command %q\n\n%s", name, usage)
			return ExitUsage
		}
		fmt.Fprint(stdout, usage)
		return ExitOK
	default:
		fmt.Fprintf(stderr, "atlas-backup: unknown command %q\n\n%s", cmd, usage)
		return ExitUsage
	}
}

// commandFlags is the flag set of a command, for `help <command>`.
func (a *app) commandFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	switch name {
	case "backup":
		backupFlags(fs)
	case "restore":
		restoreFlags(fs)
	case "drill":
		drillFlags(fs)
	case "forget":
		forgetFlags(fs)
	case "unlock":
		unlockFlags(fs)
	case "agent archive-config":
		agentFlags(fs)
	}
	a.globalFlags(fs)
	return fs
}

func (a *app) errorf(format string, args ...any) {
	fmt.Fprintf(a.stderr, "atlas-backup: "+format+"\n", args...)
}

// load reads and validates the config; every problem is printed, one per line.
func (a *app) load() (config.Config, bool) {
	path := a.configPath
	if path == "" {
		path = os.Getenv("ATLAS_BACKUP_CONFIG")
	}
	if path == "" {
		path = "atlas-backup.yaml"
	}
	cfg, err := config.Load(path)
	if err != nil {
		a.errorf("invalid config:")
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(a.stderr, "  %s\n", line)
		}
		return config.Config{}, false
	}
	return cfg, true
}

func (a *app) logger(cfg config.Config) (zerolog.Logger, func(), error) {
	switch a.logFile {
	case "-":
		return zerolog.New(a.stderr).With().Timestamp().Logger(), func() {}, nil
	case "":
		a.logFile = filepath.Join(cfg.WorkDir, "atlas-backup.log")
	}
	if err := os.MkdirAll(filepath.Dir(a.logFile), 0o700); err != nil {
		return zerolog.Nop(), nil, fmt.Errorf("log dir: %w", err)
	}
	f, err := os.OpenFile(a.logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return zerolog.Nop(), nil, fmt.Errorf("log file: %w", err)
	}
	return zerolog.New(f).With().Timestamp().Str("cluster", cfg.Cluster).Logger(), func() { f.Close() }, nil
}

// The width of the part-and-name column of a backup's and of a restore's (or drill's)
// progress lines.
const (
	backupColumn  = 28
	restoreColumn = 34
)

// progress is the one printer of engine events (backup, restore, drill) on stderr: the
// time, the part and its name padded to column, the phase, the message, and the bytes
// when the event has them.
func (a *app) progress(column int) func(engine.Event) {
	return func(ev engine.Event) {
		what := ev.Part
		if ev.Name != "" {
			what += " " + ev.Name
		}
		line := fmt.Sprintf("%s %-*s %-9s %s", time.Now().Format("15:04:05"), column, what, ev.Phase, ev.Message)
		if ev.Bytes > 0 {
			line += fmt.Sprintf(" (%s)", humanBytes(ev.Bytes))
		}
		a.progressLine(strings.TrimRight(line, " "))
	}
}

// progressLine writes one progress line on stderr; the lines of parts running at once
// do not mix.
func (a *app) progressLine(line string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	fmt.Fprintln(a.stderr, line)
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func (a *app) printJSON(v any) {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// inProgressFile remembers the backup id an interrupted CLI run was taking.
func inProgressFile(cfg config.Config) string {
	return filepath.Join(cfg.WorkDir, cfg.Cluster+".inprogress")
}

type backupOpts struct {
	id, trigger, detail, ticket, targetVersion *string
	fresh                                      *bool
}

func backupFlags(fs *flag.FlagSet) backupOpts {
	return backupOpts{
		id:            fs.String("id", "", "backup `id` (default: resume the interrupted one, else a new id)"),
		fresh:         fs.Bool("new", false, "start a new backup even if an interrupted one could be resumed"),
		trigger:       fs.String("trigger", "cli", "what started this backup: cli, schedule, pre-upgrade, on-demand"),
		detail:        fs.String("detail", "", "free `text` recorded with the trigger"),
		ticket:        fs.String("ticket", "", "the change `ticket` this backup is for (recorded, and in the completion event)"),
		targetVersion: fs.String("target-version", "", "the `version` an upgrade goes to (recorded, and in the completion event)"),
	}
}

func (a *app) backup(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	o := backupFlags(fs)
	id, fresh, trigger, detail, ticket, targetVersion := o.id, o.fresh, o.trigger, o.detail, o.ticket, o.targetVersion
	pos, code, ok := a.parse("backup", fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		a.errorf("backup takes no arguments, got %q", pos)
		return ExitUsage
	}
	// the request's own rules (backup.PlanInput.Validate), named by their flags
	if err := (backup.PlanInput{BackupID: *id, Trigger: manifest.Trigger{Source: *trigger, Detail: *detail, Ticket: *ticket, TargetVersion: *targetVersion}}).Validate(); err != nil {
		msg := strings.NewReplacer("backupId:", "--id:", "trigger.source:", "--trigger:", "trigger.detail:", "--detail:", "trigger.ticket:", "--ticket:", "trigger.targetVersion:", "--target-version:").Replace(err.Error())
		for _, line := range strings.Split(msg, "\n") {
			a.errorf("%s", line)
		}
		return ExitUsage
	}
	cfg, ok := a.load()
	if !ok {
		return ExitUsage
	}
	ip := inProgressFile(cfg)
	if *id == "" && !*fresh {
		if b, err := os.ReadFile(ip); err == nil {
			prev := strings.TrimSpace(string(b))
			if store.ValidateComponent(prev) == nil {
				*id = prev
				fmt.Fprintf(a.stderr, "resuming interrupted backup %s (use --new for a fresh one)\n", prev)
			}
		}
	}
	if *id == "" {
		*id = backup.NewBackupID(time.Now())
	}
	log, closeLog, err := a.logger(cfg)
	if err != nil {
		a.errorf("%v", err)
		return ExitUsage
	}
	defer closeLog()
	set, err := clients.Open(ctx, cfg)
	if err != nil {
		a.errorf("%v", err)
		return ExitUsage
	}
	defer set.Close()
	lctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	held, code := a.takeLock(lctx, set, lock.OpBackup, *id, "", cancel)
	if held == nil {
		return code
	}
	defer func() {
		if err := held.release(ctx); err != nil {
			a.errorf("warning: release the cluster lock: %v", err)
		}
	}()
	if err := os.WriteFile(ip, []byte(*id+"\n"), 0o600); err != nil {
		a.errorf("record in-progress backup: %v", err)
		return ExitFailed
	}
	eng := set.Engine(log.With().Str("backupId", *id).Logger(), Version)
	eng.Progress = a.progress(backupColumn)
	fmt.Fprintf(a.stderr, "backup %s of cluster %s into %s\n", *id, cfg.Cluster, set.Store.URL(set.Layout.Backup(*id)))
	m, err := eng.Run(lctx, backup.PlanInput{BackupID: *id, Trigger: manifest.Trigger{Source: *trigger, Detail: *detail, Ticket: *ticket, TargetVersion: *targetVersion}})
	if lockLost(lctx) {
		a.errorf("backup %s stopped: the cluster lock was taken over; run the same command again to resume it", *id)
		return ExitLocked
	}
	if ctx.Err() != nil {
		a.errorf("interrupted: run the same command again to resume backup %s", *id)
		return ExitInterrupted
	}
	var bad *backup.BadInput
	if errors.As(err, &bad) {
		os.Remove(ip)
		a.errorf("%v", err)
		return ExitUsage
	}
	var done *backup.ErrAlreadySucceeded
	if errors.As(err, &done) {
		os.Remove(ip)
		a.errorf("%v", err)
		return ExitUsage
	}
	os.Remove(ip)
	if m == nil {
		a.errorf("%v", err)
		return ExitFailed
	}
	if err != nil {
		var sf *backup.StoreFailed
		if errors.As(err, &sf) {
			// The store could not take the manifest: keep it here so the reason survives.
			p := filepath.Join(cfg.WorkDir, "manifests", m.BackupID+".json")
			if b, merr := m.Marshal(); merr == nil && os.MkdirAll(filepath.Dir(p), 0o700) == nil && os.WriteFile(p, b, 0o600) == nil {
				a.errorf("the manifest could not be written to the store; kept at %s", p)
			}
		}
	}
	var ret *events.Retention
	if m.Status == manifest.Succeeded {
		ret = a.afterBackup(lctx, set, m.BackupID, log)
	}
	ev := events.Backup(m, set.Store.URL(set.Layout.Manifest(m.BackupID)), set.Layout.Manifest(m.BackupID), "cli", "")
	if d, ok := ev.Detail.(events.BackupDetail); ok {
		d.Retention = ret
		ev.Detail = d
	}
	a.publish(ctx, set, ev)
	a.report(m)
	if m.Status != manifest.Succeeded {
		return ExitFailed
	}
	return ExitOK
}

func (a *app) report(m *manifest.Manifest) {
	if a.output == "json" {
		a.printJSON(m)
		return
	}
	w := tabwriter.NewWriter(a.stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintf(w, "backup\t%s\n", m.BackupID)
	fmt.Fprintf(w, "cluster\t%s\n", m.Cluster)
	fmt.Fprintf(w, "status\t%s\n", m.Status)
	fmt.Fprintf(w, "atlas version\t%s\n", m.AtlasVersion)
	fmt.Fprintf(w, "started\t%s\n", m.StartedAt.Format(time.RFC3339))
	fmt.Fprintf(w, "finished\t%s (%s)\n", m.FinishedAt.Format(time.RFC3339), m.FinishedAt.Sub(m.StartedAt).Round(time.Second))
	for _, t := range m.HBase {
		fmt.Fprintf(w, "hbase %s\t%d rows, %d cells, %d objects, %s\n", t.Table, t.Rows, t.Cells, len(t.Objects), humanBytes(t.Bytes))
		if t.IsSnapshot() {
			fmt.Fprintf(w, "  method\tsnapshot %s (ExportSnapshot copy; restored with clone_snapshot or restore_snapshot)\n", t.Snapshot)
		}
		if s := windowText(t.Window); s != "" {
			fmt.Fprintf(w, "  window\t%s\n", s)
		}
		if s := liveText(t.Live); s != "" {
			fmt.Fprintf(w, "  live table\t%s\n", s)
		}
	}
	for _, c := range m.Solr {
		fmt.Fprintf(w, "solr %s\t%d docs, %d shards, %d objects, %s\n", c.Collection, c.Docs, len(c.Shards), len(c.Objects), humanBytes(c.Bytes))
	}
	if m.Config != nil {
		fmt.Fprintf(w, "config %s\t%d files, %s, sha256 %s\n", m.Config.Dir, len(m.Config.Files), humanBytes(m.Config.Size), m.Config.SHA256)
	}
	if r := m.ToolRead; r != nil {
		fmt.Fprintf(w, "read by the tool\t%s (%d bytes): %s from the store, %s from local files, %s from Solr\n",
			humanBytes(r.Total()), r.Total(), humanBytes(r.Store), humanBytes(r.Files), humanBytes(r.Solr))
	}
	for _, r := range m.Reasons {
		fmt.Fprintf(w, "reason\t%s\n", r)
	}
	w.Flush()
}

// openRead opens the clients for read-only commands.
func (a *app) openRead(ctx context.Context) (*clients.Set, config.Config, int) {
	cfg, ok := a.load()
	if !ok {
		return nil, cfg, ExitUsage
	}
	set, err := clients.Open(ctx, cfg)
	if err != nil {
		a.errorf("%v", err)
		return nil, cfg, ExitUsage
	}
	return set, cfg, ExitOK
}

func (a *app) list(ctx context.Context, args []string) int {
	args, code, ok := a.parse("list", flag.NewFlagSet("list", flag.ContinueOnError), args)
	if !ok {
		return code
	}
	if len(args) > 0 {
		a.errorf("list takes no arguments")
		return ExitUsage
	}
	set, _, code := a.openRead(ctx)
	if set == nil {
		return code
	}
	defer set.Close()
	objs, err := set.Store.List(ctx, set.Layout.Backups())
	if err != nil {
		a.errorf("list %s: %v", set.Store.URL(set.Layout.Backups()), err)
		return ExitFailed
	}
	var ids []string
	for _, o := range objs {
		if id, ok := set.Layout.BackupIDFromKey(o.Key); ok && o.Key == set.Layout.Manifest(id) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	latest, _ := manifest.ReadLatest(ctx, set.Store, set.Layout)
	type row struct {
		BackupID   string          `json:"backupId"`
		Status     manifest.Status `json:"status"`
		StartedAt  time.Time       `json:"startedAt"`
		FinishedAt time.Time       `json:"finishedAt"`
		Trigger    string          `json:"trigger"`
		Latest     bool            `json:"latest"`
		Drill      *manifest.Drill `json:"drill,omitempty"`
	}
	var rows []row
	for _, id := range ids {
		m, err := manifest.Read(ctx, set.Store, set.Layout, id)
		if err != nil {
			a.errorf("manifest %s: %v", id, err)
			continue
		}
		d, _ := manifest.ReadDrill(ctx, set.Store, set.Layout, id)
		rows = append(rows, row{m.BackupID, m.Status, m.StartedAt, m.FinishedAt, m.Trigger.Source, latest != nil && latest.BackupID == id, d})
	}
	if a.output == "json" {
		if rows == nil {
			rows = []row{}
		}
		a.printJSON(rows)
		return ExitOK
	}
	w := tabwriter.NewWriter(a.stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(w, "BACKUP ID\tSTATUS\tSTARTED\tDURATION\tTRIGGER\tDRILL\t")
	for _, r := range rows {
		mark := ""
		if r.Latest {
			mark = "latest"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.BackupID, r.Status, r.StartedAt.Format(time.RFC3339), r.FinishedAt.Sub(r.StartedAt).Round(time.Second), r.Trigger, drillCell(r.Drill), mark)
	}
	w.Flush()
	return ExitOK
}

func (a *app) oneID(args []string, cmd string) (string, bool) {
	if len(args) != 1 {
		a.errorf("%s takes exactly one backup id", cmd)
		return "", false
	}
	if err := store.ValidateComponent(args[0]); err != nil {
		a.errorf("backup id: %v", err)
		return "", false
	}
	return args[0], true
}

func (a *app) manifest(ctx context.Context, set *clients.Set, id string) (*manifest.Manifest, int) {
	m, err := manifest.Read(ctx, set.Store, set.Layout, id)
	if errors.Is(err, store.ErrNotFound) {
		a.errorf("backup %s not found: no manifest at %s", id, set.Store.URL(set.Layout.Manifest(id)))
		return nil, ExitNotFound
	}
	if err != nil {
		a.errorf("%v", err)
		return nil, ExitFailed
	}
	return m, ExitOK
}

// openBackup validates the one backup id of cmd, opens the clients and reads the
// backup's manifest; on failure it has printed why and returns the exit code.
func (a *app) openBackup(ctx context.Context, args []string, cmd string) (*clients.Set, *manifest.Manifest, int) {
	args, code, ok := a.parse(cmd, flag.NewFlagSet(cmd, flag.ContinueOnError), args)
	if !ok {
		return nil, nil, code
	}
	id, ok := a.oneID(args, cmd)
	if !ok {
		return nil, nil, ExitUsage
	}
	set, _, code := a.openRead(ctx)
	if set == nil {
		return nil, nil, code
	}
	m, code := a.manifest(ctx, set, id)
	if m == nil {
		set.Close()
		return nil, nil, code
	}
	return set, m, ExitOK
}

func (a *app) describe(ctx context.Context, args []string) int {
	set, m, code := a.openBackup(ctx, args, "describe")
	if m == nil {
		return code
	}
	defer set.Close()
	a.report(m)
	return ExitOK
}

func (a *app) verify(ctx context.Context, args []string) int {
	set, m, code := a.openBackup(ctx, args, "verify")
	if m == nil {
		return code
	}
	defer set.Close()
	id := m.BackupID
	res := backup.Verify(ctx, set.Store, m, func(done, total int, o store.ObjectInfo) {
		a.progressLine(fmt.Sprintf("verify %d/%d %s", done, total, set.Store.URL(o.Key)))
	})
	if a.output == "json" {
		a.printJSON(res)
	} else {
		fmt.Fprintf(a.stdout, "backup %s: %d objects checked, %d bad, manifest status %s\n", id, res.Checked, len(res.Problems), m.Status)
		for _, t := range res.Tables {
			fmt.Fprintf(a.stdout, "  hbase %s: stored %d rows, %d cells in %d objects", t.Table, t.Rows, t.Cells, t.Objects)
			if s := liveText(t.Live); s != "" {
				fmt.Fprintf(a.stdout, "; live table at backup time: %s", s)
			}
			fmt.Fprintln(a.stdout)
		}
		for _, c := range res.Collections {
			fmt.Fprintf(a.stdout, "  solr %s: stored %d objects", c.Collection, c.Objects)
			if c.DigestBeforeDocs > 0 {
				fmt.Fprintf(a.stdout, ", %d docs digested just before the BACKUP", c.DigestBeforeDocs)
			}
			if c.DigestDocs > 0 && c.DigestBeforeDocs > 0 {
				fmt.Fprintf(a.stdout, ", %d right after it", c.DigestDocs)
			} else if c.DigestDocs > 0 {
				fmt.Fprintf(a.stdout, ", %d docs digested right after the BACKUP", c.DigestDocs)
			}
			if c.ChangedDuringBackup {
				fmt.Fprintf(a.stdout, " (changed during the BACKUP)")
			}
			fmt.Fprintf(a.stdout, "; live collection at plan time: %d docs\n", c.LiveDocs)
		}
		for _, p := range res.Problems {
			fmt.Fprintf(a.stdout, "  BAD %s\n", p)
		}
	}
	if len(res.Problems) > 0 || m.Status != manifest.Succeeded {
		return ExitFailed
	}
	return ExitOK
}

// windowText says what time window a table was exported with.
func windowText(w *manifest.TableWindow) string {
	switch {
	case w == nil:
		return ""
	case w.Unit == "":
		return "none (" + w.Note + ")"
	}
	return fmt.Sprintf("[%d, %d) %s (%s)", w.Start, w.End, w.Unit, w.Note)
}

// liveText says what the live table held at backup time, apart from the export.
func liveText(l *manifest.Live) string {
	if l == nil {
		return ""
	}
	var parts []string
	if l.Rows != nil {
		parts = append(parts, fmt.Sprintf("%d rows in the window (RowCounter on the cluster)", *l.Rows))
	} else if l.RowsNote != "" {
		parts = append(parts, "rows "+l.RowsNote)
	}
	sample := fmt.Sprintf("first %d rows sampled at plan time, %d of them in the export", l.SampledRows, l.SampledRowsExported)
	if l.SampleComplete {
		sample = fmt.Sprintf("%d rows at plan time (the whole table sampled), %d of them in the export", l.SampledRows, l.SampledRowsExported)
	}
	parts = append(parts, sample)
	for _, w := range l.Warnings {
		parts = append(parts, "warning: "+w)
	}
	return strings.Join(parts, "; ")
}
