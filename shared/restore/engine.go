package restore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/engine"
	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/runner"
	"github.com/atlas-backup/atlas-backup/shared/solr"
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
// The ones a backup needs too are the embedded engine.Core's.
type Engine struct {
	engine.Core
	Solr SolrAPI
	// ReadyTimeout bounds the wait for a restored collection's replicas to become
	// active (default 5m); ReadyPoll is the interval (default 500ms).
	ReadyTimeout time.Duration
	ReadyPoll    time.Duration
}

// on puts the plan's restore and backup ids on ev.
func on(p *Plan, ev engine.Event) engine.Event {
	if p != nil {
		ev.RestoreID, ev.BackupID = p.RestoreID, p.BackupID
	}
	return ev
}

// emit reports ev, with the plan's ids, through engine.Core.Emit.
func (e *Engine) emit(p *Plan, ev engine.Event) { e.Emit(on(p, ev)) }

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
func NewRestoreID(now time.Time) string { return "r" + manifest.TimeID(now) }

// job builds a job: kinit as the hbase principal, with this restore's ticket cache,
// then steps.
func (e *Engine) job(restoreID, kind, name string, steps ...[]string) (runner.Job, error) {
	return e.Identity("restore", restoreID).Job(runner.JobID(restoreID, kind, name), steps...)
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
	return e.RunJob(ctx, job)
}

// failure explains a failed job in one line.
func failure(st runner.Status) string {
	if err := hbase.ShellError(st.Output); err != nil {
		return err.Error()
	}
	return fmt.Sprintf("exit %d: %s", st.ExitCode, st.Tail(4))
}
