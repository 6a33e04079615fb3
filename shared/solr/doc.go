// Package solr drives the SolrCloud Collections API for Atlas backups: async BACKUP and
// RESTORE of the Atlas collections (vertex_index, edge_index, fulltext_index), polling
// with REQUESTSTATUS/DELETESTATUS, CLUSTERSTATUS, a Preflight check before a backup, and
// document counts for the manifest.
//
// The package never authenticates by itself: the *http.Client given in Options carries
// TLS and the SPNEGO transport of package kerberos (with the SPN of each node). Calls are
// made with resty over that client, to the configured node base URLs in turn: a call
// moves to the next node on a connection error, a timeout, or a 502/503/504 or other
// 5xx that is not a Solr JSON answer (a proxy error page). A Solr error answer (HTTP
// status and responseHeader.status, error.msg) is returned at once as an *APIError, since
// another node would answer the same; TLS and Kerberos failures are returned at once too.
//
// Parameters are built by pure functions (BackupParams, RestoreParams,
// RequestStatusParams, DeleteStatusParams, ClusterStatusParams, ...) that refuse bad
// names before anything is sent. AsyncID derives the async id from the backup id and the
// collection, so a retried step finds its first attempt.
//
// # Solr 7, 8 and 9 differences handled
//
//   - Duplicate async id: 7.x (and 8.x through its back-compat check) answer HTTP 200
//     with "error": "Task with the same requestid already exists."; 8.x/9.x answer HTTP
//     400 with "Task with the same requestid already exists. (<id>)" (seen on 9.10.1).
//     Both give Submitted.AlreadySubmitted, not an error. The id stays taken while the
//     task is queued or running and after it ended, until DELETESTATUS frees it (9.10.1);
//     then the same id is accepted again and would start a new backup, so delete the
//     status only once the outcome is recorded (Wait does it after a terminal state;
//     WaitOptions.KeepStatus keeps it).
//   - Errors in a 200 body: any answer whose responseHeader.status is not 0 or that has
//     "error" is an error; for BACKUP/RESTORE/DELETE/CLUSTERSTATUS also "exception" or
//     "failure" (sync failures of 7.x/8.x).
//   - REQUESTSTATUS: status.state (submitted, running, completed, failed, notfound) and
//     status.msg have the same shape from 5.x to 9.x. A failed task's reasons are in
//     "exception".msg, "Operation <op> caused exception:", and per-shard results: a
//     "failure" map of strings (7.x/8.x) or of objects with STATUS/response and repeated
//     node-name keys (9.x), plus top-level "<asyncid><n>" keys (9.x). They are read with a
//     JSON reader that keeps repeated keys (encoding/json keeps only the last) and
//     classified (ErrLocationNotAllowed, ErrLocationNotShared, ...). On 9.x the useful
//     text is in the per-shard entries; "exception".msg is only a path.
//   - notfound right after a submit is read as "not visible yet" for
//     WaitOptions.NotFoundGrace, then as a lost task.
//   - solr.allowPaths (8.6+): BACKUP checks synchronously only that the location exists
//     on the node that takes the request; the allowPaths check happens per core inside
//     the async task (SnapShooter, CreateCoreBackup in 9.10.1), after folders were made,
//     and a sync BACKUP then fails with only a file path as message. So Preflight reads
//     each node's allowed paths (solr_home and core_root from /admin/info/system,
//     solr.allowPaths and solr.data.home from /admin/info/properties) and applies
//     SolrPaths.assertPathAllowed's rule (LocationAllowed). Releases before 8.6 are not
//     checked. allowPaths hard-coded in solr.xml instead of the system property is not
//     seen.
//   - Location on every node: the seed procedure's "create the backup directories on all
//     the instances" (Ambari Infra Solr 7.x fails otherwise). Preflight asks every
//     configured node with LISTBACKUP of a name that never exists: the node checks the
//     location first ("specified location ... does not exist."). LISTBACKUP exists from
//     8.9; older releases answer "Unknown action" and that node is not checked.
//   - Incremental backups: the default in 9.x (<location>/<name>/<collection>/
//     backup_<N>.properties, zk_backup_<N>/, shard_backup_metadata/, index/); a second
//     BACKUP with the same name adds backup point N+1. 8.x defaults to the legacy format.
//     BackupRequest.Incremental sets the "incremental" parameter (8.9+, ignored before);
//     MaxNumBackupPoints needs incremental.
//   - RESTORE into an existing collection with the same shard count succeeds on 9.x and
//     replaces its index: restore into a new name for a drill. RestoreRequest.BackupID
//     picks a backup point (incremental only).
//   - CLUSTERSTATUS writes "leader": "true" as a string (read as a bool here); health
//     (GREEN...) exists from 8.x.
//
// DocCount counts with q=*:*&rows=0 on /<collection>/select, in total and per shard with
// shards=<shard name>, so it works through a front that only proxies /solr/*.
package solr
