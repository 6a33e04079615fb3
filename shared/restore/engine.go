package restore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/atlas-backup/atlas-backup/shared/atlas"
	"github.com/atlas-backup/atlas-backup/shared/config"
	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/runner"
	"github.com/atlas-backup/atlas-backup/shared/solr"
	"github.com/atlas-backup/atlas-backup/shared/store"
	"github.com/atlas-backup/atlas-backup/shared/watchdog"
)

// SolrAPI is what a restore needs of a Solr Collections API client (*solr.Client).
type SolrAPI interface {
	ListCollections(ctx context.Context) ([]string, error)
	ClusterStatus(ctx context.Context) (*solr.Cluster, error)
	DocCount(ctx context.Context, collection string) (int64, map[string]int64, error)
	Digest(ctx context.Context, collection string) (solr.DocDigest, error)
	CheckLocation(ctx context.Context, location string) error
	Restore(ctx context.Context, req solr.RestoreRequest) (solr.Submitted, error)
	RequestStatus(ctx context.Context, asyncID string) (solr.Status, error)
	Wait(ctx context.Context, asyncID string, opts solr.WaitOptions, onPoll func(solr.Status)) (solr.Status, error)
	DeleteStatus(ctx context.Context, asyncID string) error
	DeleteCollection(ctx context.Context, name string) error
}

// Engine runs restore steps for one cluster. Every dependency is injected; main wires it.
type Engine struct {
	Cfg    config.Config
	Store  store.Store
	Layout store.Layout
	Runner runner.Runner
	Solr   SolrAPI
	// Atlas is the Atlas REST client (nil: atlas.url is not set): a restore (not a
	// drill) is refused while Atlas answers, unless Yes.
	Atlas *atlas.Client
	// HBaseKeytab is the keytab path kinit uses on the runner host.
	HBaseKeytab string
	// Login, when set, logs in to the KDC as the Solr client; its failure is a
	// preflight problem.
	Login func(ctx context.Context) error
	Log   zerolog.Logger
	// Progress, when set, sees every step event (the CLI prints them on stderr).
	Progress func(Event)
	Now      func() time.Time
	// HBaseDog watches running Import and check-export jobs (clients.HBaseWatchdog); the
	// zero value watches nothing.
	HBaseDog watchdog.Dog
	// Poll paces HBase job polling; SolrWait paces REQUESTSTATUS.
	Poll     runner.Backoff
	SolrWait solr.WaitOptions
	// ReadyTimeout bounds the wait for a restored collection's replicas to become
	// active (default 5m); ReadyPoll is the interval (default 500ms).
	ReadyTimeout time.Duration
	ReadyPoll    time.Duration
}

// Event is one progress report.
type Event struct {
	RestoreID string `json:"restoreId"`
	BackupID  string `json:"backupId"`
	// Part: plan, fetch, hbase, solr, config, cleanup, report.
	Part string `json:"part"`
	// Name: the table, collection or folder, when the part has one.
	Name string `json:"name,omitempty"`
	// Phase: started, fetched, created, submitted, polling, checking, done, failed,
	// warning, dropped, deleted.
	Phase   string `json:"phase"`
	Message string `json:"message,omitempty"`
	Bytes   int64  `json:"bytes,omitempty"`
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now().UTC()
	}
	return time.Now().UTC()
}

func (e *Engine) emit(p *Plan, ev Event) {
	if p != nil {
		ev.RestoreID, ev.BackupID = p.RestoreID, p.BackupID
	}
	lg := e.Log.Info()
	if ev.Phase == "failed" {
		lg = e.Log.Error()
	} else if ev.Phase == "warning" {
		lg = e.Log.Warn()
	}
	lg.Str("restoreId", ev.RestoreID).Str("backupId", ev.BackupID).Str("part", ev.Part).Str("name", ev.Name).
		Str("phase", ev.Phase).Int64("bytes", ev.Bytes).Msg(ev.Message)
	if e.Progress != nil {
		e.Progress(ev)
	}
}

// Error types returned at step boundaries. Each has a kind (its Kind method, the type's
// name) that survives wrapping and errors.Join: a Lambda reports the first kind in the
// error's chain as errorType (handler.Kind). BadInput, BackupNotFound, Refused,
// ArtifactMismatch, PreflightFailed and FetchFailed happen before any server is changed;
// StoreFailed may come after.
type (
	// BadInput: the request breaks a rule; nothing was started.
	BadInput struct{ Err error }
	// BackupNotFound: the backup id has no manifest.
	BackupNotFound struct{ BackupID, Manifest string }
	// Refused: the restore was checked and refused; nothing was changed. Problems lists
	// every reason, one line each.
	Refused struct{ Problems []string }
	// ArtifactMismatch: a stored object is missing or does not match the size or SHA-256
	// the manifest records; found while fetching, before any server was changed.
	ArtifactMismatch struct{ Err error }
	// PreflightFailed: a store or server the restore needs could not be asked.
	PreflightFailed struct{ Err error }
	// FetchFailed: an artifact could not be brought back to staging (not a checksum
	// problem: see ArtifactMismatch).
	FetchFailed struct{ Err error }
	// ImportFailed: creating a table or its Import failed.
	ImportFailed struct{ Err error }
	// SolrRestoreFailed: deleting the target collection or its RESTORE failed.
	SolrRestoreFailed struct{ Err error }
	// ConfigRestoreFailed: the config archive could not be unpacked.
	ConfigRestoreFailed struct{ Err error }
	// CheckFailed: a restored table, collection or config folder differs from the
	// manifest, or could not be read back.
	CheckFailed struct{ Err error }
	// StoreFailed: the restore's own state (plan, part results, report) could not be
	// read from or written to the store; servers may have been changed already.
	StoreFailed struct{ Err error }
)

func (e *BadInput) Error() string { return "bad input: " + e.Err.Error() }
func (e *BadInput) Unwrap() error { return e.Err }
func (e *BackupNotFound) Error() string {
	return fmt.Sprintf("backup %s not found: no manifest at %s", e.BackupID, e.Manifest)
}
func (e *Refused) Error() string {
	return "restore refused, nothing was changed: " + strings.Join(e.Problems, "; ")
}
func (e *ArtifactMismatch) Error() string {
	return "stored artifact does not match the manifest, nothing was changed: " + e.Err.Error()
}
func (e *ArtifactMismatch) Unwrap() error    { return e.Err }
func (e *PreflightFailed) Error() string     { return "preflight: " + e.Err.Error() }
func (e *PreflightFailed) Unwrap() error     { return e.Err }
func (e *FetchFailed) Error() string         { return "fetch: " + e.Err.Error() }
func (e *FetchFailed) Unwrap() error         { return e.Err }
func (e *ImportFailed) Error() string        { return "hbase: " + e.Err.Error() }
func (e *ImportFailed) Unwrap() error        { return e.Err }
func (e *SolrRestoreFailed) Error() string   { return "solr restore: " + e.Err.Error() }
func (e *SolrRestoreFailed) Unwrap() error   { return e.Err }
func (e *ConfigRestoreFailed) Error() string { return "config restore: " + e.Err.Error() }
func (e *ConfigRestoreFailed) Unwrap() error { return e.Err }
func (e *CheckFailed) Error() string         { return "check: " + e.Err.Error() }
func (e *CheckFailed) Unwrap() error         { return e.Err }
func (e *StoreFailed) Error() string         { return "restore state: " + e.Err.Error() }
func (e *StoreFailed) Unwrap() error         { return e.Err }

// Kinds (handler.Kind): the names the state machine matches.
func (*BadInput) Kind() string            { return "BadInput" }
func (*BackupNotFound) Kind() string      { return "BackupNotFound" }
func (*Refused) Kind() string             { return "Refused" }
func (*ArtifactMismatch) Kind() string    { return "ArtifactMismatch" }
func (*PreflightFailed) Kind() string     { return "PreflightFailed" }
func (*FetchFailed) Kind() string         { return "FetchFailed" }
func (*ImportFailed) Kind() string        { return "ImportFailed" }
func (*SolrRestoreFailed) Kind() string   { return "SolrRestoreFailed" }
func (*ConfigRestoreFailed) Kind() string { return "ConfigRestoreFailed" }
func (*CheckFailed) Kind() string         { return "CheckFailed" }
func (*StoreFailed) Kind() string         { return "StoreFailed" }
func (e *Refused) add(format string, a ...any) {
	e.Problems = append(e.Problems, fmt.Sprintf(format, a...))
}

// BeforeTouching reports whether err comes from a phase that changes no server (plan,
// fetch): the CLI's exit code 4 ("refused: nothing was changed").
func BeforeTouching(err error) bool {
	var (
		r  *Refused
		am *ArtifactMismatch
		pf *PreflightFailed
		ff *FetchFailed
	)
	return errors.As(err, &r) || errors.As(err, &am) || errors.As(err, &pf) || errors.As(err, &ff)
}

// NewRestoreID makes an id that sorts by time: r20261125T151200Z-a1b2c3.
func NewRestoreID(now time.Time) string {
	var b [3]byte
	sum := sha256.Sum256([]byte(now.String() + fmt.Sprint(time.Now().UnixNano())))
	copy(b[:], sum[:3])
	return "r" + now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// identity runs HBase commands as the hbase principal, with a ticket cache of this
// restore's own.
func (e *Engine) identity(restoreID string) hbase.Identity {
	id := hbase.Identity{Principal: e.Cfg.HBase.Principal, Keytab: e.HBaseKeytab, CCache: e.ccache(restoreID)}
	if e.Cfg.HBase.Runner.Type == config.RunnerLocal {
		id.Krb5Conf = e.Cfg.Kerberos.Krb5Conf // the commands run here: the tool's realm
	}
	return id
}

func (e *Engine) ccache(restoreID string) string {
	dir := "/tmp"
	if e.Cfg.HBase.Runner.Type == config.RunnerLocal {
		dir = e.Cfg.WorkDir
	}
	return dir + "/krb5cc_atlas_restore_" + restoreID
}

// job builds a job: kinit as the hbase principal, then steps.
func (e *Engine) job(restoreID, kind, name string, steps ...[]string) (runner.Job, error) {
	return e.identity(restoreID).Job(runner.JobID(restoreID, kind, name), steps...)
}

// runJob submits a job and waits for its end (on runner.Local's Done channel when the
// job is this process's, else by polling).
func (e *Engine) runJob(ctx context.Context, job runner.Job) (runner.Status, error) {
	h, err := e.Runner.Submit(ctx, job)
	if err != nil {
		return runner.Status{}, err
	}
	if d, ok := e.Runner.(doner); ok {
		if ch := d.Done(h); ch != nil {
			select {
			case <-ch:
				return e.Runner.Status(ctx, h)
			case <-ctx.Done():
				return runner.Status{}, fmt.Errorf("wait for %s: %w", h, ctx.Err())
			}
		}
	}
	return runner.Wait(ctx, e.Runner, h, e.Poll, nil)
}

// shell runs an HBase shell script on the runner and returns the finished status (its
// State says whether the script succeeded).
func (e *Engine) shell(ctx context.Context, restoreID, kind, name, script string) (runner.Status, error) {
	argv, err := hbase.ShellStdinArgv(e.Cfg.HBase.Command, script)
	if err != nil {
		return runner.Status{}, err
	}
	job, err := e.job(restoreID, kind, name, argv)
	if err != nil {
		return runner.Status{}, err
	}
	return e.runJob(ctx, job)
}

// failure explains a failed job in one line.
func failure(st runner.Status) string {
	if err := hbase.ShellError(st.Output); err != nil {
		return err.Error()
	}
	return fmt.Sprintf("exit %d: %s", st.ExitCode, st.Tail(4))
}
