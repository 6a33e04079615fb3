// Package lock owns the per-cluster lock in the backup store: one backup, restore or
// forget per cluster at a time, and the reader marks that keep retention away from a
// backup that a running restore or drill reads.
//
// # The lock
//
// The lock is a numbered series of small objects under Layout.LockDir
// (<prefix>/<cluster>/_lock/<20-digit sequence>.json). The object with the highest
// number is the lock's state: "held" (naming its holder: operation, backup id, host and
// pid or the Step Functions execution ARN, since, refreshedAt, staleAfterSeconds) or
// "released". Every change writes the next number with a conditional write
// (store.PutIfAbsent: S3's If-None-Match "*" on one small PUT, link(2) of a complete
// temp file on a file store), so of two writers racing for the same number exactly one
// wins, and nothing is ever overwritten except a holder's own record when it refreshes.
//
//   - Acquire: the highest record is absent, released or stale → write the next number
//     as held. A live holder → *Locked, naming it. Older records are deleted after a
//     win (the highest is never deleted, so numbers only grow).
//   - Refresh: the holder rewrites its own record with a new refreshedAt, after checking
//     that its record is still the highest; if someone took the lock over (it was
//     stale, or unlock --force), Refresh returns *LockLost and the work stops.
//   - Release: write the next number as released (if that number is taken, the lock
//     was taken over already, which is fine).
//   - Stale: refreshedAt older than the record's staleAfterSeconds (default 30 minutes,
//     refreshed every 5), or, on the same host, a holder whose process no longer
//     exists. A crash therefore leaves a lock that turns stale, never one that blocks
//     forever; `atlas-backup unlock` releases a stale lock and refuses a live one
//     without --force.
//
// # Reader marks
//
// A restore or drill writes Layout.Reader(run id) naming the backup it reads, refreshed
// like the lock and removed at its end. Retention keeps every backup named by a live
// mark. A drill does not take the lock (it changes only scratch names, so it may run
// beside a backup); it writes its mark first and then checks that no forget holds the
// lock, and forget takes the lock first and then reads the marks, so one of the two
// always sees the other.
package lock
