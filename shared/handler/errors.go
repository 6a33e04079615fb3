package handler

import (
	"context"
	"errors"

	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/atlas-backup/atlas-backup/shared/backup"
	"github.com/atlas-backup/atlas-backup/shared/hooks"
	"github.com/atlas-backup/atlas-backup/shared/lock"
	"github.com/atlas-backup/atlas-backup/shared/restore"
	"github.com/atlas-backup/atlas-backup/shared/watchdog"
)

// Error types of this package, beside the engines' (backup.BadInput, restore.Refused, ...).
type (
	// PollFailed: a status check could not reach the service it asks (Solr, SSM, the
	// runner); the state machine retries it, the work itself may be fine.
	PollFailed struct{ Err error }
	// TimedOut: the poll policy's limit was spent before the work finished.
	TimedOut struct{ Err error }
	// StartFailed: the state machine could not be started for a trigger.
	StartFailed struct{ Err error }
	// StepFailed: an error of no named kind (a bug, an unexpected answer).
	StepFailed struct{ Err error }
)

func (e *PollFailed) Error() string  { return "poll: " + e.Err.Error() }
func (e *PollFailed) Unwrap() error  { return e.Err }
func (e *TimedOut) Error() string    { return "timed out: " + e.Err.Error() }
func (e *TimedOut) Unwrap() error    { return e.Err }
func (e *StartFailed) Error() string { return "start: " + e.Err.Error() }
func (e *StartFailed) Unwrap() error { return e.Err }
func (e *StepFailed) Error() string  { return "step: " + e.Err.Error() }
func (e *StepFailed) Unwrap() error  { return e.Err }

func (*PollFailed) Kind() string  { return "PollFailed" }
func (*TimedOut) Kind() string    { return "TimedOut" }
func (*StartFailed) Kind() string { return "StartFailed" }
func (*StepFailed) Kind() string  { return "StepFailed" }

// kinded is an error that names its kind.
type kinded interface {
	error
	Kind() string
}

// Kind is the kind of err as the state machines see it (the errorType of a Lambda's
// answer): the Kind of the first error in err's tree that has one, in errors.As order
// (err, then what it wraps, depth first through errors.Join), so the kind survives
// fmt.Errorf("...: %w", err) and errors.Join; "StepFailed" when no error in the tree has
// one; "" for nil.
func Kind(err error) string {
	if err == nil {
		return ""
	}
	var k kinded
	if errors.As(err, &k) {
		return k.Kind()
	}
	return (*StepFailed)(nil).Kind()
}

// lambdaError is err as the Lambda runtime reports it: errorType Kind(err), errorMessage
// err's whole message (aws-lambda-go passes a messages.InvokeResponse_Error through as
// it is, instead of naming the Go type).
func lambdaError(err error) error {
	if err == nil {
		return nil
	}
	return messages.InvokeResponse_Error{Type: Kind(err), Message: err.Error()}
}

// step is fn at the Lambda boundary: its error reported by kind (lambdaError).
func step[In, Out any](fn func(context.Context, In) (Out, error)) func(context.Context, In) (Out, error) {
	return func(ctx context.Context, in In) (Out, error) {
		out, err := fn(ctx, in)
		return out, lambdaError(err)
	}
}

// KindInfo is one error kind that crosses the Lambda boundary.
type KindInfo struct {
	Name string
	// Transient: retrying the same step may succeed (the store or a polled service was
	// briefly unreachable). The state machines retry transient kinds at every Lambda task
	// and no other kind (a test checks statemachine/*.asl.json).
	Transient bool
	// Waits: another run holds what the step needs (the cluster lock); retrying after a
	// wait may succeed, so the state machines may retry it where it can arise.
	Waits bool
	// Types are the Go types of this kind (backup.BadInput and restore.BadInput share a
	// name: the state machine cannot tell them apart and need not).
	Types []error
}

// Kinds lists every kind a step handler can return (a test finds every type with a Kind
// method in shared/backup, shared/restore, shared/lock, shared/hooks, shared/watchdog and
// shared/handler here).
func Kinds() []KindInfo {
	return []KindInfo{
		{Name: "BadInput", Types: []error{&backup.BadInput{}, &restore.BadInput{}}},
		{Name: "PreflightFailed", Types: []error{&backup.PreflightFailed{}, &restore.PreflightFailed{}}},
		{Name: "ErrAlreadySucceeded", Types: []error{&backup.ErrAlreadySucceeded{}}},
		{Name: "ExportFailed", Types: []error{&backup.ExportFailed{}}},
		{Name: "SolrBackupFailed", Types: []error{&backup.SolrBackupFailed{}}},
		{Name: "ConfigArchiveFailed", Types: []error{&backup.ConfigArchiveFailed{}}},
		{Name: "StoreFailed", Transient: true, Types: []error{&backup.StoreFailed{}, &restore.StoreFailed{}}},
		{Name: "BackupNotFound", Types: []error{&restore.BackupNotFound{}}},
		{Name: "Refused", Types: []error{&restore.Refused{}}},
		{Name: "ArtifactMismatch", Types: []error{&restore.ArtifactMismatch{}}},
		{Name: "FetchFailed", Types: []error{&restore.FetchFailed{}}},
		{Name: "ImportFailed", Types: []error{&restore.ImportFailed{}}},
		{Name: "SolrRestoreFailed", Types: []error{&restore.SolrRestoreFailed{}}},
		{Name: "ConfigRestoreFailed", Types: []error{&restore.ConfigRestoreFailed{}}},
		{Name: "CheckFailed", Types: []error{&restore.CheckFailed{}}},
		{Name: "Locked", Waits: true, Types: []error{&lock.Locked{}}},
		{Name: "LockLost", Types: []error{&lock.LockLost{}}},
		{Name: "HookFailed", Types: []error{&hooks.HookFailed{}}},
		{Name: "Stalled", Types: []error{&watchdog.Stalled{}}},
		{Name: "PollFailed", Transient: true, Types: []error{&PollFailed{}}},
		{Name: "TimedOut", Types: []error{&TimedOut{}}},
		{Name: "StartFailed", Types: []error{&StartFailed{}}},
		{Name: "StepFailed", Types: []error{&StepFailed{}}},
	}
}
