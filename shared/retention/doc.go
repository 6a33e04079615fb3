// Package retention is the retention policy: which SUCCEEDED backups of a cluster stay.
// It has no dependencies; shared/forget applies it to the store and deletes the rest.
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
// Apply is the pure policy; see shared/forget for what protects a backup whatever the
// policy says, and for what a prune deletes.
package retention
