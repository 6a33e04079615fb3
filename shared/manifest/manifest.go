package manifest

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/archive"
	"github.com/atlas-backup/atlas-backup/shared/atlas"
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
	// Atlas is what Atlas itself answered at plan time (nil when atlas.url is not set):
	// check-atlas compares a restored Atlas with it.
	Atlas *atlas.Record `json:"atlas,omitempty"`
	// Hooks: what the preBackup and postBackup hooks did.
	Hooks []hooks.Result `json:"hooks,omitempty"`
	// ToolRead: the bytes the tool read for the whole backup, the sum of its parts'
	// (nil in older manifests).
	ToolRead *ToolRead `json:"toolRead,omitempty"`
	Tool     Tool      `json:"tool"`
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
	// HBase: the instant every table is cut at, [Start, End) in ms since the epoch. Each
	// table's Export compares cell timestamps in the table's own unit: see Table.Window
	// (manifests written before it was recorded exported every table with these ms
	// values as they are).
	HBaseStartMs int64 `json:"hbaseStartMs"`
	HBaseEndMs   int64 `json:"hbaseEndMs"`
	// Solr: when the first BACKUP was submitted and the last one completed.
	SolrStart time.Time `json:"solrStart"`
	SolrEnd   time.Time `json:"solrEnd"`
	// Consistency says how far apart the HBase and Solr copies are, and whether Atlas
	// was seen writing while the backup ran (nil in older manifests).
	Consistency *Consistency `json:"consistency,omitempty"`
}

// Consistency is the HBase/Solr consistency window of a backup. HBase is cut at one
// instant; each Solr BACKUP copies its collection's last commit when it runs, later. An
// entity Atlas wrote in between is in Solr but not in HBase (or the other way round for
// updates), which Atlas's index repair fixes after a restore.
type Consistency struct {
	HBaseCut time.Time `json:"hbaseCut"`
	SolrEnd  time.Time `json:"solrEnd"`
	// Seconds from the HBase cut to the end of the last Solr backup.
	Seconds float64 `json:"seconds"`
	// Writes is the evidence that Atlas wrote while the backup ran: a collection's
	// documents that changed during its BACKUP (digests before and after differ), doc
	// counts that changed between the plan and the end of a collection's BACKUP.
	Writes []string `json:"writes,omitempty"`
	// RepairAdvised: restore this backup, then run Atlas's index repair.
	RepairAdvised bool `json:"repairAdvised"`
}

// Table is one exported HBase table.
type Table struct {
	Table string `json:"table"`
	// Method is how the table was taken: "export" (HBase Export: SequenceFiles that
	// Import reads) or "snapshot" (an HBase snapshot and its HFiles, copied with
	// ExportSnapshot; restored with clone_snapshot or restore_snapshot). Empty in
	// manifests written before it was recorded: export.
	Method string `json:"method,omitempty"`
	// Snapshot is the snapshot's name in the stored copy (method snapshot).
	Snapshot  string       `json:"snapshot,omitempty"`
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
	Versions int `json:"versions,omitempty"`
	// Window is the time window the table was exported with, in its own timestamp unit
	// (nil in manifests written before it was recorded: Window.HBaseStartMs/EndMs then
	// applied as they are).
	Window *TableWindow `json:"window,omitempty"`
	// Live is what the live table held, read apart from the export (nil in older
	// manifests).
	Live     *Live              `json:"live,omitempty"`
	Counters map[string]int64   `json:"counters,omitempty"`
	Objects  []store.ObjectInfo `json:"objects"`
	Bytes    int64              `json:"bytes"`
	// ToolRead: what the tool itself read to take the table (nil in older manifests).
	ToolRead *ToolRead `json:"toolRead,omitempty"`
}

// IsSnapshot reports whether the table was taken with the snapshot method.
func (t Table) IsSnapshot() bool { return t.Method == hbase.MethodSnapshot }

// TableWindow is one table's Export time window.
type TableWindow struct {
	// Unit is the table's timestamp unit (s, ms, us, ns) as detected from a sample of
	// the live table at plan time; empty when the table was exported without a window
	// (Note says why: empty at plan time, or no sampled stamp fit any unit).
	Unit hbase.TimeUnit `json:"unit,omitempty"`
	// Start and End bound cell timestamps, [Start, End), in Unit: End is the backup's
	// cut instant (Window.HBaseEndMs) in that unit.
	Start int64  `json:"start"`
	End   int64  `json:"end,omitempty"`
	Note  string `json:"note,omitempty"`
}

// Bounds returns the Export start and end time for this window (0, 0: none).
func (w *TableWindow) Bounds() (int64, int64) {
	if w == nil || w.Unit == "" {
		return 0, 0
	}
	return w.Start, w.End
}

// Live is what the live table held, read independently of the export.
type Live struct {
	// SampledRows is the number of rows a bounded scan read at plan time (the first
	// rows in key order, at most SampleLimit, one cell each); SampleComplete says the
	// scan reached the end of the table, so SampledRows was then its row count.
	SampledRows    int  `json:"sampledRows"`
	SampleLimit    int  `json:"sampleLimit"`
	SampleComplete bool `json:"sampleComplete"`
	// Timestamps is what the sample's cell timestamps said about the unit.
	Timestamps hbase.UnitDetection `json:"timestamps"`
	// SampledRowsExported is how many of the sampled rows the export holds.
	SampledRowsExported int `json:"sampledRowsExported"`
	// Rows is the number of rows of the live table with a cell in the window, counted
	// on the cluster by RowCounter right after the Export (nil: not counted; RowsNote
	// says why). The export must hold at least as many: rows are only added outside
	// the window, and a row deleted after the Export read it is counted by neither.
	Rows     *int64 `json:"rows,omitempty"`
	RowsNote string `json:"rowsNote,omitempty"`
	// Warnings: facts about the comparison worth reading (sampled rows missing from
	// the export, mixed units, stamps of no known unit).
	Warnings []string `json:"warnings,omitempty"`
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
	Digest     string `json:"digest,omitempty"`
	DigestDocs int64  `json:"digestDocs,omitempty"`
	// DigestBefore and DigestBeforeDocs are the same digest read just before the BACKUP
	// was submitted, after a hard commit (empty in manifests written before it was
	// read). When they differ from Digest and DigestDocs the documents changed during
	// the BACKUP: the backup holds the state of some commit in between, which no read
	// saw, and a restore is checked against both ends.
	DigestBefore     string             `json:"digestBefore,omitempty"`
	DigestBeforeDocs int64              `json:"digestBeforeDocs,omitempty"`
	Objects          []store.ObjectInfo `json:"objects"`
	Bytes            int64              `json:"bytes"`
	// ToolRead: what the tool itself read to take the collection (nil in older
	// manifests).
	ToolRead *ToolRead `json:"toolRead,omitempty"`
}

// ChangedDuringBackup reports whether the digests read before and after the
// collection's BACKUP differ (false when no digest was read before it).
func (c Collection) ChangedDuringBackup() bool {
	return c.DigestBefore != "" && (c.DigestBefore != c.Digest || c.DigestBeforeDocs != c.DigestDocs)
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
	// ToolRead: what the tool itself read to archive the folder (nil in older
	// manifests).
	ToolRead *ToolRead `json:"toolRead,omitempty"`
}

// ToolRead counts the bytes the tool itself (the CLI or a function, not the cluster)
// read to take a part, by source: objects read back from the store, local files read
// to ship them (an export or snapshot folder, a Solr backup folder on a mounted share,
// the config folder), and answers read from Solr (document digests). Each byte is
// counted once, where it was read.
type ToolRead struct {
	Store int64 `json:"store"`
	Files int64 `json:"files"`
	Solr  int64 `json:"solr"`
}

// Total is the sum over the sources.
func (r *ToolRead) Total() int64 {
	if r == nil {
		return 0
	}
	return r.Store + r.Files + r.Solr
}

// Add adds o (nil: nothing) into r.
func (r *ToolRead) Add(o *ToolRead) {
	if o == nil {
		return
	}
	r.Store += o.Store
	r.Files += o.Files
	r.Solr += o.Solr
}

// SumToolRead adds up what every part of m records (nil when none records it: a
// manifest written before the count was kept).
func (m *Manifest) SumToolRead() *ToolRead {
	var sum ToolRead
	found := false
	for _, t := range m.HBase {
		found = found || t.ToolRead != nil
		sum.Add(t.ToolRead)
	}
	for _, c := range m.Solr {
		found = found || c.ToolRead != nil
		sum.Add(c.ToolRead)
	}
	if m.Config != nil && m.Config.ToolRead != nil {
		found = true
		sum.Add(m.Config.ToolRead)
	}
	if !found {
		return nil
	}
	return &sum
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
