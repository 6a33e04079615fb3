// Package handler holds the Lambda handlers of the state machines: one struct per
// function with its dependencies injected (the backup engine, an SSM client, a Step
// Functions client), typed input and output per state. Every error carries a kind (a
// Kind method on each error type of backup, restore and this package; Kind finds the
// first through %w and errors.Join), which the boundary reports as errorType, so the
// state machine's Retry/Catch match on it (BadInput, PreflightFailed, ExportFailed,
// SolrBackupFailed, ConfigArchiveFailed, StoreFailed, PollFailed, ...: Kinds lists them).
//
// The one bootstrap, functions/main.go, calls Dispatch: it looks the function's Handler
// (_HANDLER) up in the dispatch table, which calls Boot (config from an SSM parameter, a
// file or an environment variable; clients built once per sandbox) and gives
// lambda.Start that step's method.
//
// Long work is submitted, then polled: a submit handler returns a task with a Poll,
// the state machine waits Poll.WaitSeconds, the status handler returns the task with
// Done set or the next, longer wait, and fails with a named error once the poll
// policy's limit is spent. Ship handlers write their part result to the store
// (backup.Engine.PutTablePart, ...) and return a small backup.PartRef.
package handler
