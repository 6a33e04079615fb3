package backup

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/atlas-backup/atlas-backup/shared/atlas"
	"github.com/atlas-backup/atlas-backup/shared/config"
	"github.com/atlas-backup/atlas-backup/shared/runner"
	"github.com/atlas-backup/atlas-backup/shared/solr"
	"github.com/atlas-backup/atlas-backup/shared/store"
	"github.com/atlas-backup/atlas-backup/shared/watchdog"
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
type Engine struct {
	Cfg    config.Config
	Store  store.Store
	Layout store.Layout
	Runner runner.Runner
	Solr   SolrAPI
	// Atlas is the Atlas REST client (nil: atlas.url is not set): the plan records what
	// Atlas answers (atlas.Record) and takes its version from it.
	Atlas *atlas.Client
	// HBaseKeytab is the keytab path kinit uses on the runner host (cfg.HBase.Keytab,
	// or a 0600 copy of a Secrets Manager keytab for the local runner).
	HBaseKeytab string
	// Login, when set, logs in to the KDC as the Solr/Atlas client; its failure is a
	// preflight problem (KDC unreachable, wrong keytab or principal).
	Login func(ctx context.Context) error
	// Log carries the backup id on every line (the caller adds it with With()).
	Log zerolog.Logger
	// Progress, when set, sees every step event (the CLI prints them on stderr).
	Progress func(Event)
	Now      func() time.Time
	// HBaseDog watches running Export jobs (HBaseWatchdog(cfg) in the clients); the zero
	// value watches nothing.
	HBaseDog watchdog.Dog
	// Poll paces HBase job polling; SolrWait paces REQUESTSTATUS.
	Poll        runner.Backoff
	SolrWait    solr.WaitOptions
	ToolVersion string
	// SampleLimit bounds the plan's sample scan of each table (default
	// hbase.SampleLimit rows).
	SampleLimit int
}

// Event is one progress report.
type Event struct {
	BackupID string `json:"backupId"`
	// Part: plan, hbase, solr, config, finalize.
	Part string `json:"part"`
	// Name: the table or collection, when the part has one.
	Name string `json:"name,omitempty"`
	// Phase: started, submitted, polling, shipping, shipped, done, failed.
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

func (e *Engine) emit(ev Event) {
	lg := e.Log.Info()
	if ev.Phase == "failed" {
		lg = e.Log.Error()
	}
	lg.Str("part", ev.Part).Str("name", ev.Name).Str("phase", ev.Phase).
		Int64("bytes", ev.Bytes).Msg(ev.Message)
	if e.Progress != nil {
		e.Progress(ev)
	}
}

// NewBackupID makes an id that sorts by time: 20261125T151200Z-a1b2c3.
func NewBackupID(now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

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
