package handler

import (
	"errors"
	"reflect"

	"github.com/atlas-backup/atlas-backup/shared/backup"
	"github.com/atlas-backup/atlas-backup/shared/hooks"
	"github.com/atlas-backup/atlas-backup/shared/lock"
)

// namedPackages are the packages whose error types are named at the Lambda boundary.
var namedPackages = map[string]bool{
	"github.com/atlas-backup/atlas-backup/shared/backup":  true,
	"github.com/atlas-backup/atlas-backup/shared/restore": true,
	"github.com/atlas-backup/atlas-backup/shared/handler": true,
	"github.com/atlas-backup/atlas-backup/shared/lock":    true, // Locked, LockLost
	"github.com/atlas-backup/atlas-backup/shared/hooks":   true, // HookFailed
}

// Error types of this package, beside the engine's (backup.BadInput, ...).
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

// named returns err as a value of a named error type, so that the Lambda runtime
// reports a meaningful errorType: err itself when it is one, else a named error of the
// kind found in its chain carrying err's whole message, else *StepFailed.
func named(err error) error {
	if err == nil {
		return nil
	}
	if t := reflect.TypeOf(err); t.Kind() == reflect.Pointer && namedPackages[t.Elem().PkgPath()] {
		return err // already a named type: *backup.BadInput, *restore.Refused, ...
	}
	var (
		bad   *backup.BadInput
		pre   *backup.PreflightFailed
		exp   *backup.ExportFailed
		sol   *backup.SolrBackupFailed
		cfg   *backup.ConfigArchiveFailed
		st    *backup.StoreFailed
		done  *backup.ErrAlreadySucceeded
		poll  *PollFailed
		tout  *TimedOut
		start *StartFailed
	)
	var (
		locked *lock.Locked
		lost   *lock.LockLost
		hook   *hooks.HookFailed
	)
	msg := errors.New(err.Error())
	switch {
	case errors.As(err, &locked):
		return locked
	case errors.As(err, &lost):
		return lost
	case errors.As(err, &hook):
		return hook
	case errors.As(err, &done):
		return done
	case errors.As(err, &bad):
		return &backup.BadInput{Err: msg}
	case errors.As(err, &pre):
		return &backup.PreflightFailed{Err: msg}
	case errors.As(err, &exp):
		return &backup.ExportFailed{Err: msg}
	case errors.As(err, &sol):
		return &backup.SolrBackupFailed{Err: msg}
	case errors.As(err, &cfg):
		return &backup.ConfigArchiveFailed{Err: msg}
	case errors.As(err, &st):
		return &backup.StoreFailed{Err: msg}
	case errors.As(err, &poll):
		return &PollFailed{Err: msg}
	case errors.As(err, &tout):
		return &TimedOut{Err: msg}
	case errors.As(err, &start):
		return &StartFailed{Err: msg}
	}
	return &StepFailed{Err: err}
}
