// Package handler holds the Lambda handlers of the state machines: one struct per
// function with its dependencies injected (the backup engine, an SSM client, a Step
// Functions client), typed input and output per state, and the engine's named error
// types at the boundary, so that aws-lambda-go reports the Go type name as errorType
// and the state machine's Retry/Catch match on it (BadInput, PreflightFailed,
// ExportFailed, SolrBackupFailed, ConfigArchiveFailed, StoreFailed, PollFailed, ...).
//
// functions/<step>/main.go only calls Boot (config from an SSM parameter, a file or an
// environment variable; clients built once per sandbox) and lambda.Start on one method.
//
// Long work is submitted, then polled: a submit handler returns a task with a Poll,
// the state machine waits Poll.WaitSeconds, the status handler returns the task with
// Done set or the next, longer wait, and fails with a named error once the poll
// policy's limit is spent. Ship handlers write their part result to the store
// (backup.Engine.PutTablePart, ...) and return a small backup.PartRef.
package handler
