package backup

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/engine"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/solr"
)

// SolrAPI is what the engine needs of a Solr Collections API client (*solr.Client).
type SolrAPI interface {
	Preflight(ctx context.Context, collections []string, location string) error
	Backup(ctx context.Context, req solr.BackupRequest) (solr.Submitted, error)
	RequestStatus(ctx context.Context, asyncID string) (solr.Status, error)
	DeleteStatus(ctx context.Context, asyncID string) error
	Wait(ctx context.Context, asyncID string, opts solr.WaitOptions, onPoll func(solr.Status)) (solr.Status, error)
	DocCount(ctx context.Context, collection string) (int64, map[string]int64, error)
	ClusterStatus(ctx context.Context) (*solr.Cluster, error)
}

// Engine runs backup steps for one cluster. Every dependency is injected; main wires it.
// The ones a restore needs too are the embedded engine.Core's.
type Engine struct {
	engine.Core
	Solr SolrAPI
	// ToolVersion is recorded in the manifest (tool.version).
	ToolVersion string
	// SampleLimit bounds the plan's sample scan of each table (default
	// hbase.SampleLimit rows).
	SampleLimit int
}

// NewBackupID makes an id that sorts by time: 20261125T151200Z-a1b2c3.
func NewBackupID(now time.Time) string { return manifest.TimeID(now) }

// Error types returned at step boundaries. Each has a kind (its Kind method, the type's
// name) that survives wrapping and errors.Join: a Lambda reports the first kind in the
// error's chain as errorType (handler.Kind) and the state machine's Retry/Catch match on
// it.
type (
	// BadInput: the request or config breaks a rule; nothing was started.
	BadInput struct{ Err error }
	// PreflightFailed: a store, server or object the backup needs is not as required.
	PreflightFailed struct{ Err error }
	// ExportFailed: an HBase Export job failed or its output is not complete.
	ExportFailed struct{ Err error }
	// SolrBackupFailed: a Solr BACKUP failed or its files are not complete.
	SolrBackupFailed struct{ Err error }
	// ConfigArchiveFailed: the Atlas config folder could not be archived.
	ConfigArchiveFailed struct{ Err error }
	// StoreFailed: writing to or reading from the backup store failed.
	StoreFailed struct{ Err error }
	// ExportIncomplete: a table's export holds fewer rows than the live table held (none
	// while it had rows, none of the rows sampled at plan time, fewer than RowCounter
	// counted in the window). It makes the whole backup FAILED, never PARTIAL.
	ExportIncomplete struct {
		Table    string
		Problems []string
	}
)

func (e *BadInput) Error() string            { return "bad input: " + e.Err.Error() }
func (e *BadInput) Unwrap() error            { return e.Err }
func (e *PreflightFailed) Error() string     { return "preflight: " + e.Err.Error() }
func (e *PreflightFailed) Unwrap() error     { return e.Err }
func (e *ExportFailed) Error() string        { return "hbase export: " + e.Err.Error() }
func (e *ExportFailed) Unwrap() error        { return e.Err }
func (e *SolrBackupFailed) Error() string    { return "solr backup: " + e.Err.Error() }
func (e *SolrBackupFailed) Unwrap() error    { return e.Err }
func (e *ConfigArchiveFailed) Error() string { return "config archive: " + e.Err.Error() }
func (e *ConfigArchiveFailed) Unwrap() error { return e.Err }
func (e *StoreFailed) Error() string         { return "store: " + e.Err.Error() }
func (e *StoreFailed) Unwrap() error         { return e.Err }
func (e *ExportIncomplete) Error() string {
	return "hbase table " + e.Table + ": export incomplete: " + strings.Join(e.Problems, "; ")
}

// Kinds (handler.Kind): the names the state machines match.
func (*BadInput) Kind() string            { return "BadInput" }
func (*PreflightFailed) Kind() string     { return "PreflightFailed" }
func (*ExportFailed) Kind() string        { return "ExportFailed" }
func (*SolrBackupFailed) Kind() string    { return "SolrBackupFailed" }
func (*ConfigArchiveFailed) Kind() string { return "ConfigArchiveFailed" }
func (*StoreFailed) Kind() string         { return "StoreFailed" }
func (*ErrAlreadySucceeded) Kind() string { return "ErrAlreadySucceeded" }

// ErrAlreadySucceeded: the backup id already has a SUCCEEDED manifest.
type ErrAlreadySucceeded struct{ BackupID string }

func (e *ErrAlreadySucceeded) Error() string {
	return fmt.Sprintf("backup %s already succeeded; start a new one", e.BackupID)
}
