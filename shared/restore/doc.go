// Package restore puts an Atlas backup back, and proves a backup restores (the drill).
//
// A restore runs in four phases, each a method with typed input and output so that a
// Lambda can run exactly one of them and the CLI can run them all in-process (Run,
// Drill):
//
//  1. Plan (read-only): read the manifest (refused unless SUCCEEDED), pick the parts
//     (--only), name the targets (--suffix), and look at every server without changing
//     anything: which target tables exist and how many rows they hold (Import merges
//     into what is there), whether their column families match, which target collections
//     exist, whether the Solr location is usable, whether the config target is the live
//     folder, whether Atlas still answers. Every problem is reported at once as a
//     *Refused error. Nothing is written anywhere.
//  2. Fetch (writes only to staging): bring every artifact back from the store and check
//     its size and SHA-256 on the way — the HBase export to cluster storage (a download
//     for a local export dir, a verify then `hadoop distcp`/`s3-dist-cp` for hdfs://),
//     the Solr backup folder into the shared location under a name of this restore, the
//     config archive into the work dir. A missing or altered object stops the restore
//     here (*ArtifactMismatch, naming the object) before any server is touched.
//  3. Restore, per part, at most Cfg.Concurrency parts at once; the first failed step
//     stops parts that have not started:
//     - table: create it from the schema in the manifest when missing (CreateTable),
//     Import as the hbase principal (ImportSubmit, JobStatus), then check: Import's row
//     counter, and an Export of the restored table with the backup's versions and time
//     window read back into rows, cells and the cell digest (CheckSubmit, CheckTable);
//     - collection: delete an existing one (only with Yes), RESTORE with an async id
//     derived from the restore id (RestoreSubmit, RestoreStatus), wait until every
//     replica is active, then check the doc count and the document digest
//     (CheckCollection);
//     - config: unpack into the target folder and check every file's SHA-256
//     (RestoreConfig).
//  4. Report: what each part was left as (Report.Parts[].Left), the operator's steps
//     before and after (stop Atlas, start it, reindex advice), timings.
//
// A drill (Drill) is a restore into scratch names (a suffix that collides with nothing),
// whose checks are the comparison with the manifest, followed by Cleanup, which drops
// the scratch tables and collections and removes the scratch folders whatever happened.
//
// Digests: tables use hbase's order-independent cell digest over row, family, qualifier,
// timestamp, type and value, recorded at backup time from the exported files; the check
// exports the restored table the same way and reads it with the same code. Collections
// use solr.Client.Digest (ids and stored fields, _version_ excluded), recorded right after
// the BACKUP completed. Config files use SHA-256 per file.
package restore
