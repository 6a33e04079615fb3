package manifest

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/archive"
	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/hooks"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

// Version is the manifest format version this code writes and reads.
const Version = 1

// Status of a backup.
type Status string

const (
	Succeeded Status = "SUCCEEDED"
	Failed    Status = "FAILED"
	// Partial: some parts were taken, others failed. Never restorable as a whole.
	Partial Status = "PARTIAL"
)

// Manifest describes one backup.
type Manifest struct {
	FormatVersion int       `json:"formatVersion"`
	BackupID      string    `json:"backupId"`
	Cluster       string    `json:"cluster"`
	Status        Status    `json:"status"`
	Reasons       []string  `json:"reasons,omitempty"`
	StartedAt     time.Time `json:"startedAt"`
	FinishedAt    time.Time `json:"finishedAt"`
	AtlasVersion  string    `json:"atlasVersion"`
	// TablesSource: where the table names came from (properties, version, config).
	TablesSource string       `json:"tablesSource,omitempty"`
	Trigger      Trigger      `json:"trigger"`
	Window       Window       `json:"window"`
	HBase        []Table      `json:"hbase"`
	Solr         []Collection `json:"solr"`
	Config       *Config      `json:"config"`
	// Hooks: what the preBackup and postBackup hooks did.
	Hooks []hooks.Result `json:"hooks,omitempty"`
	Tool  Tool           `json:"tool"`
}

// Trigger records what started the backup.
type Trigger struct {
	// Source: cli, schedule, pre-upgrade, on-demand.
	Source string `json:"source"`
	// Detail: free text from the trigger (e.g. the upgrade ticket), validated upstream.
	Detail string `json:"detail,omitempty"`
	// A request's own fields (pre-upgrade, on-demand; the CLI's --ticket and
	// --target-version), so an upgrade pipeline can match its completion event.
	RequestID     string `json:"requestId,omitempty"`
	Ticket        string `json:"ticket,omitempty"`
	TargetVersion string `json:"targetVersion,omitempty"`
	RequestedBy   string `json:"requestedBy,omitempty"`
}

// Window gives the time ranges each store's data covers.
type Window struct {
	// HBase: cells with timestamps in [Start, End) in ms since the epoch (Export's
	// starttime/endtime), so every table is cut at the same instant.
	HBaseStartMs int64 `json:"hbaseStartMs"`
	HBaseEndMs   int64 `json:"hbaseEndMs"`
	// Solr: when the first BACKUP was submitted and the last one completed.
	SolrStart time.Time `json:"solrStart"`
	SolrEnd   time.Time `json:"solrEnd"`
}

// Table is one exported HBase table.
type Table struct {
	Table     string       `json:"table"`
	Schema    hbase.Schema `json:"schema"`
	ExportDir string       `json:"exportDir"`
	// Rows and Cells are read from the exported files; Counters from the job output.
	Rows  int64 `json:"rows"`
	Cells int64 `json:"cells"`
	// Digest is hbase's order-independent cell digest ("cellsum-sha256:...") of the
	// exported cells: a restore drill exports the restored table with the same Versions
	// and Window and compares.
	Digest string `json:"digest"`
	// Versions is the number of cell versions Export was asked for (0 in manifests
	// written before it was recorded: the config's hbase.versions then applies).
	Versions int                `json:"versions,omitempty"`
	Counters map[string]int64   `json:"counters,omitempty"`
	Objects  []store.ObjectInfo `json:"objects"`
	Bytes    int64              `json:"bytes"`
}

// Collection is one backed-up Solr collection.
type Collection struct {
	Collection string  `json:"collection"`
	BackupName string  `json:"backupName"`
	Location   string  `json:"location"`
	AsyncID    string  `json:"asyncId"`
	Shards     []Shard `json:"shards"`
	Docs       int64   `json:"docs"`
	ConfigName string  `json:"configName,omitempty"`
	// Digest is solr's order-independent digest over the ids and stored fields of every
	// document ("docsum-sha256:...", solr.Client.Digest), read right after the BACKUP
	// completed; DigestDocs is the number of documents it covers. Empty in manifests
	// written before digests were recorded: a drill then compares doc counts only.
	Digest     string             `json:"digest,omitempty"`
	DigestDocs int64              `json:"digestDocs,omitempty"`
	Objects    []store.ObjectInfo `json:"objects"`
	Bytes      int64              `json:"bytes"`
}

// Shard of a collection at backup time.
type Shard struct {
	Name   string `json:"name"`
	Docs   int64  `json:"docs"`
	Leader string `json:"leader,omitempty"`
}

// Config is the archived Atlas config folder.
type Config struct {
	Key    string         `json:"key"`
	SHA256 string         `json:"sha256"`
	Size   int64          `json:"size"`
	Dir    string         `json:"dir"`
	Files  []archive.File `json:"files"`
}

// Tool records what wrote the manifest.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Objects lists every artifact object of the backup (what verify re-checks).
func (m *Manifest) Objects() []store.ObjectInfo {
	var out []store.ObjectInfo
	for _, t := range m.HBase {
		out = append(out, t.Objects...)
	}
	for _, c := range m.Solr {
		out = append(out, c.Objects...)
	}
	if m.Config != nil {
		out = append(out, store.ObjectInfo{Key: m.Config.Key, Size: m.Config.Size, SHA256: m.Config.SHA256})
	}
	return out
}

// Marshal renders the manifest as indented JSON.
func (m *Manifest) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("marshal manifest: %w", err)
	}
	return append(b, '\n'), nil
}

// Unmarshal parses a manifest, refusing formats newer than this code knows.
func Unmarshal(b []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("parse manifest: %w", err)
	}
	if m.FormatVersion < 1 || m.FormatVersion > Version {
		return nil, fmt.Errorf("manifest format version %d: this atlas-backup reads 1..%d", m.FormatVersion, Version)
	}
	if m.BackupID == "" || m.Cluster == "" {
		return nil, errors.New("manifest without backupId or cluster")
	}
	return &m, nil
}

// Latest is the pointer at the newest SUCCEEDED backup.
type Latest struct {
	BackupID   string    `json:"backupId"`
	Manifest   string    `json:"manifest"`
	FinishedAt time.Time `json:"finishedAt"`
}

// Drill is the result of the newest drill of a backup, kept beside its manifest
// (Layout.Drill): the manifest is written once and never changed.
type Drill struct {
	BackupID   string    `json:"backupId"`
	RestoreID  string    `json:"restoreId"`
	OK         bool      `json:"ok"`
	StartedAt  time.Time `json:"startedAt"`
	FinishedAt time.Time `json:"finishedAt"`
	// Trigger: cli, schedule (the scheduled drill), on-demand.
	Trigger string `json:"trigger,omitempty"`
	// Problems: the first few differences or failures (empty when OK).
	Problems []string `json:"problems,omitempty"`
}
