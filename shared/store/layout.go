package store

import (
	"fmt"
	"regexp"
	"strings"
)

// Layout owns every object key of the backup store; no other code builds keys.
//
//	<prefix>/<cluster>/latest.json                          Latest
//	<prefix>/<cluster>/<id>/                                Backup
//	<prefix>/<cluster>/_lock/<20-digit sequence>.json       ClusterLock (one backup, restore
//	                                                        or forget per cluster at a time)
//	<prefix>/<cluster>/_readers/<run id>.json               Reader (a running restore or drill
//	                                                        and the backup it reads)
//	<prefix>/<cluster>/<id>/plan.json                       Plan (written once, PutIfAbsent)
//	<prefix>/<cluster>/<id>/lock.json                       LegacyPlan (the plan's name before
//	                                                        the cluster lock existed; read only)
//	<prefix>/<cluster>/<id>/drill.json                      Drill (the last drill's result)
//	<prefix>/<cluster>/<id>/manifest.json                   Manifest (written last)
//	<prefix>/<cluster>/<id>/config/atlas-conf.tar.gz        ConfigArchive
//	<prefix>/<cluster>/<id>/hbase/<table>/<rel>             HBase
//	<prefix>/<cluster>/<id>/solr/<collection>/<rel>         Solr
//	<prefix>/<cluster>/<id>/parts/<name>.json               Part (a step's result, for Finalize)
//	<prefix>/<cluster>/_restore/<restore-id>/                RestoreScratch (a restore's own
//	                                                        scratch objects, deleted after)
//	<prefix>/<cluster>/_restore/<restore-id>/hbase/<table>/<rel>  RestoreCheck
//
// With an empty Prefix keys start at <cluster>/ (no leading '/'). Prefix is the
// one Open returns (no leading or trailing '/').
//
// HBase table names may carry a namespace ("ns:table"). ':' is replaced by '=' in
// the key segment ("ns=table"): '=' is not allowed in HBase namespace or table
// names, so the mapping is reversible (TableFromSegment), and unlike ':' it needs
// no escaping in S3 tools, URLs or on any file system. A name without a namespace
// is used as given ("atlas_janus"), so "default:t" and "t" name different keys:
// callers pass table names exactly as Atlas is configured.
//
// Layout does not validate: check cluster and backup ids with ValidateComponent,
// table names with hbase.ValidateTable and collection names with solr.ValidateCollection
// before building keys (Validate checks the Layout itself).
type Layout struct {
	Prefix  string
	Cluster string
}

// Validate checks the Layout's own fields.
func (l Layout) Validate() error {
	if l.Prefix != "" {
		if err := ValidateKey(l.Prefix); err != nil {
			return fmt.Errorf("layout prefix: %w", err)
		}
	}
	if err := ValidateComponent(l.Cluster); err != nil {
		return fmt.Errorf("layout cluster: %w", err)
	}
	return nil
}

// Backups is the folder holding every backup of the cluster (for List).
func (l Layout) Backups() string {
	if l.Prefix == "" {
		return l.Cluster + "/"
	}
	return l.Prefix + "/" + l.Cluster + "/"
}

// Latest points at the newest successful backup of the cluster.
func (l Layout) Latest() string { return l.Backups() + "latest.json" }

// Backup is the folder of one backup.
func (l Layout) Backup(id string) string { return l.Backups() + id + "/" }

// Manifest is the backup's manifest; a backup without one does not exist.
func (l Layout) Manifest(id string) string { return l.Backup(id) + "manifest.json" }

// Plan is the backup's plan, written once with PutIfAbsent (a second run of the same
// id follows it). Older backups kept it at LegacyPlan.
func (l Layout) Plan(id string) string { return l.Backup(id) + "plan.json" }

// LegacyPlan is where backups written before the cluster lock existed kept their plan
// ("lock.json", which was never a lock). Read, never written.
func (l Layout) LegacyPlan(id string) string { return l.Backup(id) + "lock.json" }

// Drill is the result of the newest drill of the backup, written beside the manifest
// (the manifest itself is never rewritten).
func (l Layout) Drill(id string) string { return l.Backup(id) + "drill.json" }

// LockDir is the folder of the cluster lock's objects: one per acquisition or
// release, numbered; the highest number is the lock's state (shared/lock).
func (l Layout) LockDir() string { return l.Backups() + "_lock/" }

// ClusterLock is the lock object number seq.
func (l Layout) ClusterLock(seq uint64) string {
	return fmt.Sprintf("%s%020d.json", l.LockDir(), seq)
}

// ClusterLockSeq returns the sequence number of a key under LockDir.
func (l Layout) ClusterLockSeq(key string) (uint64, bool) {
	rest, ok := strings.CutPrefix(key, l.LockDir())
	if !ok {
		return 0, false
	}
	num, ok := strings.CutSuffix(rest, ".json")
	if !ok || len(num) != 20 {
		return 0, false
	}
	var n uint64
	for _, c := range num {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

// ReaderDir is the folder of the reader markers of running restores and drills.
func (l Layout) ReaderDir() string { return l.Backups() + "_readers/" }

// Reader is the marker of the restore or drill runID: the backup it reads, refreshed
// while it runs, so retention never deletes it underneath.
func (l Layout) Reader(runID string) string { return l.ReaderDir() + runID + ".json" }

// ConfigArchive is the tar.gz of the Atlas config folder.
func (l Layout) ConfigArchive(id string) string {
	return l.Backup(id) + "config/atlas-conf.tar.gz"
}

// HBase is the key of file rel ('/'-separated, relative) of the export of table.
// An empty rel gives the table's folder, ending in '/'.
func (l Layout) HBase(id, table, rel string) string {
	return l.Backup(id) + "hbase/" + TableSegment(table) + "/" + rel
}

// Solr is the key of file rel ('/'-separated, relative) of the backup of
// collection. An empty rel gives the collection's folder, ending in '/'.
func (l Layout) Solr(id, collection, rel string) string {
	return l.Backup(id) + "solr/" + collection + "/" + rel
}

// RestoreScratch is the folder of one restore's scratch objects: the check exports a
// cluster copies out of HDFS for the tool to read, deleted when the check is done.
// "_restore" is never a backup id (ids start with a letter or digit), so List and
// BackupIDFromKey callers that validate ids skip it.
func (l Layout) RestoreScratch(restoreID string) string {
	return l.Backups() + "_restore/" + restoreID + "/"
}

// RestoreCheck is the key of file rel of the check export of a restored table. An
// empty rel gives the table's folder, ending in '/'.
func (l Layout) RestoreCheck(restoreID, table, rel string) string {
	return l.RestoreScratch(restoreID) + "hbase/" + TableSegment(table) + "/" + rel
}

// Part is where a step run apart from the others (a Lambda of the state machine, the
// host agent) leaves its result for Finalize: one small JSON document per table,
// collection or config archive, so the state machine's payloads stay small. name is a
// key segment such as "hbase-atlas_janus", "solr-vertex_index" or "config".
func (l Layout) Part(id, name string) string { return l.Backup(id) + "parts/" + name + ".json" }

// RestoreState is where the steps of a restore run by the state machine keep its plan,
// each part's result and the report: one small JSON document per name ("plan",
// "hbase-<table>", "solr-<collection>", "config", "report"). "_restore-state" is never
// a backup id, and apart from RestoreScratch, which a restore deletes as it goes.
func (l Layout) RestoreState(restoreID, name string) string {
	return l.Backups() + "_restore-state/" + restoreID + "/" + name + ".json"
}

// BackupIDFromKey returns the backup id of a key under Backups() ("" and false
// for keys outside it and for cluster-level keys such as Latest).
func (l Layout) BackupIDFromKey(key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, l.Backups())
	if !ok {
		return "", false
	}
	id, _, ok := strings.Cut(rest, "/")
	if !ok || id == "" {
		return "", false
	}
	return id, true
}

// TableSegment is the key segment of an HBase table name: "ns:table" becomes
// "ns=table"; names without a namespace are unchanged.
func TableSegment(table string) string { return strings.Replace(table, ":", "=", 1) }

// TableFromSegment reverses TableSegment.
func TableFromSegment(seg string) string { return strings.Replace(seg, "=", ":", 1) }

var (
	componentRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
)

// ValidateComponent checks a cluster name or backup id:
// [A-Za-z0-9][A-Za-z0-9._-]{0,127} and no "..".
func ValidateComponent(s string) error {
	if !componentRE.MatchString(s) || strings.Contains(s, "..") {
		return fmt.Errorf("%q: must match [A-Za-z0-9][A-Za-z0-9._-]{0,127} and not contain \"..\"", s)
	}
	return nil
}
