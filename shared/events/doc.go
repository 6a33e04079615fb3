// Package events builds and publishes the completion events on EventBridge: a backup,
// a restore or a drill has ended, with what an upgrade pipeline or an operator needs to
// act on it (README "Completion events", events/completion/*.json).
//
// Every event has source "atlas-backup" and one of the detail-types DetailType*; the
// detail is a BackupDetail or a RestoreDetail. The CLI publishes them when the config
// names events.bus; the functions of the state machines publish them from Finalize
// (backup) and Report (restore, drill) on the bus their environment names.
package events
