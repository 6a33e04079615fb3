// Package forget applies the retention policy (shared/retention) to a cluster's
// backups in the store and deletes what the dropped ones own. The caller holds the
// cluster lock (shared/lock).
//
// Kept whatever the policy says: `latest`, the newest backup whose drill passed, and
// every backup a running restore or drill reads (its reader mark). FAILED and PARTIAL
// backups, and unfinished ones (a plan and no manifest), are dropped once older than
// the grace period (retention.failedGrace, default 72h). Without --prune only the
// manifests of dropped backups are deleted (they stop existing for list, restore and
// the next policy run); with --prune everything a dropped backup owns is deleted: its
// manifest first, then its Solr backup folders on the share, its export folder (local
// disk, or `hdfs dfs -rm -r -f -skipTrash` through the runner for hdfs:// and s3a://),
// its store objects, and its plan last, so an interrupted prune is finished by the next
// one. A manifest that cannot be read is never deleted.
package forget
