// Package retention decides which backups of a cluster stay and deletes what the
// others own.
//
// The policy (Policy, the config's `retention:`) has restic's `forget` semantics:
// backups are taken newest first; keepLast keeps the n newest; keepHourly, keepDaily,
// keepWeekly (ISO weeks), keepMonthly and keepYearly keep the newest backup of each of
// the n newest hours, days, weeks, months and years that have a backup (a value of -1
// keeps one of every such period); when a rule still has count left after the oldest
// backup, that oldest backup is kept too ("oldest daily"); keepWithin keeps every
// backup taken within that duration (1y2m3d4h) of the newest backup (not of now, so a
// cluster whose backups stopped keeps its history). A backup kept by any rule stays,
// and Decision.Reasons names every rule that kept it. Periods are in UTC. Only
// SUCCEEDED backups are counted.
//
// Apply is the pure policy. Plan adds what the store says: latest, the newest backup
// whose drill passed and every backup a running restore or drill reads (its reader
// mark) are kept whatever the policy says; FAILED and PARTIAL backups, and unfinished
// ones (a plan, no manifest), are dropped once older than the grace period. Prune
// deletes a dropped backup's manifest first (it stops existing for list and restore),
// then its Solr backup folders on the share, its export folder (local disk, or HDFS
// through the runner), its store objects, and its plan last (so an interrupted prune is
// finished by the next one).
package retention
