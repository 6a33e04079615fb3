package handler

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/atlas-backup/atlas-backup/shared/backup"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

// The trigger events the start function takes (see README "Serverless"):
//
//   - the EventBridge Scheduler schedule's input (template.yaml ScheduleV2 Input):
//     {"trigger":"schedule","cluster":"…","scheduleArn":"<aws.scheduler.schedule-arn>",
//     "scheduledTime":"<aws.scheduler.scheduled-time>","executionId":"<aws.scheduler.execution-id>"}
//   - an EventBridge event with source EventSource and detail-type DetailTypePreUpgrade
//     or DetailTypeOnDemand, whose detail is a RequestDetail.
const (
	EventSource          = "atlas-backup"
	DetailTypePreUpgrade = "Atlas Pre-Upgrade Backup Requested"
	DetailTypeOnDemand   = "Atlas Backup Requested"
)

// TriggerEvent is any of the trigger events.
type TriggerEvent struct {
	// EventBridge envelope
	ID         string          `json:"id,omitempty"`
	DetailType string          `json:"detail-type,omitempty"`
	Source     string          `json:"source,omitempty"`
	Time       string          `json:"time,omitempty"`
	Detail     json.RawMessage `json:"detail,omitempty"`
	// Scheduler input
	Trigger       string `json:"trigger,omitempty"`
	Cluster       string `json:"cluster,omitempty"`
	ScheduleARN   string `json:"scheduleArn,omitempty"`
	ScheduledTime string `json:"scheduledTime,omitempty"`
	ExecutionID   string `json:"executionId,omitempty"`
}

// RequestDetail is the detail of a pre-upgrade or on-demand request event.
type RequestDetail struct {
	// Cluster must name the cluster this deployment backs up (the rule also matches on it).
	Cluster string `json:"cluster"`
	// RequestID identifies the request: the same request sent twice makes one backup.
	// Optional; the event id is used without it. [A-Za-z0-9._-]{1,64}.
	RequestID string `json:"requestId,omitempty"`
	// BackupID names the backup explicitly (optional; ValidateComponent rules).
	BackupID string `json:"backupId,omitempty"`
	// Recorded in the manifest's trigger detail (printable ASCII, at most 64 each).
	Ticket        string `json:"ticket,omitempty"`
	TargetVersion string `json:"targetVersion,omitempty"`
	RequestedBy   string `json:"requestedBy,omitempty"`
	Reason        string `json:"reason,omitempty"`
}

// ExecutionInput is the state machine's input; its execution name is BackupID.
type ExecutionInput struct {
	BackupID string           `json:"backupId"`
	Trigger  manifest.Trigger `json:"trigger"`
}

var (
	requestIDRe = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	textRe      = regexp.MustCompile(`^[\x20-\x7E]{0,64}$`)
)

// DeriveExecution turns a trigger event into the state machine's input. The backup
// id is <event time as 20060102T150405Z>-<6 hex of a SHA-256 of what identifies the
// trigger> (the schedule and its scheduled time; the request id, else the event id), so
// a trigger delivered twice yields the same id, hence the same execution name, and
// collapses into one run. Every problem is reported, naming the field.
func DeriveExecution(ev TriggerEvent, cluster string) (ExecutionInput, error) {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	var (
		when   time.Time
		key    string
		in     ExecutionInput
		parsed error
	)
	switch {
	case ev.Trigger == "schedule":
		in.Trigger.Source = "schedule"
		if ev.Cluster != cluster {
			bad("cluster: the schedule is for cluster %q, this deployment backs up %q", ev.Cluster, cluster)
		}
		when, parsed = time.Parse(time.RFC3339, ev.ScheduledTime)
		if parsed != nil {
			bad("scheduledTime: must be an RFC 3339 time, got %q", ev.ScheduledTime)
		}
		if ev.ScheduleARN == "" || !strings.HasPrefix(ev.ScheduleARN, "arn:") {
			bad("scheduleArn: must be the schedule's ARN, got %q", ev.ScheduleARN)
		}
		key = ev.ScheduleARN + "@" + ev.ScheduledTime
		in.Trigger.Detail = "scheduled for " + ev.ScheduledTime
	case ev.DetailType == DetailTypePreUpgrade || ev.DetailType == DetailTypeOnDemand:
		in.Trigger.Source = "on-demand"
		if ev.DetailType == DetailTypePreUpgrade {
			in.Trigger.Source = "pre-upgrade"
		}
		if ev.Source != EventSource {
			bad("source: must be %q, got %q", EventSource, ev.Source)
		}
		when, parsed = time.Parse(time.RFC3339, ev.Time)
		if parsed != nil {
			bad("time: must be an RFC 3339 time, got %q", ev.Time)
		}
		var d RequestDetail
		dec := json.NewDecoder(bytes.NewReader(ev.Detail))
		dec.DisallowUnknownFields()
		if len(ev.Detail) == 0 {
			bad("detail: missing")
		} else if err := dec.Decode(&d); err != nil {
			bad("detail: %v", err)
		}
		if d.Cluster != cluster {
			bad("detail.cluster: the request is for cluster %q, this deployment backs up %q", d.Cluster, cluster)
		}
		key = ev.ID
		if d.RequestID != "" {
			if !requestIDRe.MatchString(d.RequestID) {
				bad("detail.requestId: must match [A-Za-z0-9._-]{1,64}")
			}
			key = "request:" + d.RequestID
		} else if ev.ID == "" {
			bad("id: the event id is required when detail.requestId is not set")
		}
		var parts []string
		for _, f := range []struct{ name, v string }{
			{"ticket", d.Ticket}, {"targetVersion", d.TargetVersion}, {"requestedBy", d.RequestedBy},
			{"reason", d.Reason}, {"requestId", d.RequestID},
		} {
			if !textRe.MatchString(f.v) {
				bad("detail.%s: must be at most 64 printable ASCII characters", f.name)
				continue
			}
			if f.v != "" {
				parts = append(parts, f.name+"="+f.v)
			}
		}
		in.Trigger.Detail = strings.Join(parts, "; ")
		if len(errs) == 0 {
			in.Trigger.RequestID, in.Trigger.Ticket, in.Trigger.TargetVersion, in.Trigger.RequestedBy = d.RequestID, d.Ticket, d.TargetVersion, d.RequestedBy
		}
		if d.BackupID != "" {
			if err := store.ValidateComponent(d.BackupID); err != nil {
				bad("detail.backupId: %v", err)
			}
			in.BackupID = d.BackupID
		}
	default:
		bad("event: neither a schedule input (trigger \"schedule\") nor an EventBridge request (detail-type %q or %q), got trigger %q detail-type %q",
			DetailTypePreUpgrade, DetailTypeOnDemand, ev.Trigger, ev.DetailType)
	}
	if len(errs) > 0 {
		return ExecutionInput{}, &backup.BadInput{Err: errors.Join(errs...)}
	}
	if in.BackupID == "" {
		sum := sha256.Sum256([]byte(key))
		in.BackupID = when.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(sum[:3])
	}
	return in, nil
}

// SFNAPI is the part of the Step Functions client Start uses.
type SFNAPI interface {
	StartExecution(ctx context.Context, in *sfn.StartExecutionInput, optFns ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
}

// Start is the target of the schedule and the request rules: it starts the backup
// state machine with the backup id as the execution name.
type Start struct {
	SFN             SFNAPI
	StateMachineARN string
	Cluster         string
}

// StartOutput says which execution runs the backup.
type StartOutput struct {
	BackupID     string           `json:"backupId"`
	ExecutionARN string           `json:"executionArn"`
	Trigger      manifest.Trigger `json:"trigger"`
	// Duplicate: an execution of this name existed already; nothing new was started.
	Duplicate bool `json:"duplicate"`
}

// Handle starts (or finds) the execution for one trigger event.
func (s *Start) Handle(ctx context.Context, ev TriggerEvent) (StartOutput, error) {
	in, err := DeriveExecution(ev, s.Cluster)
	if err != nil {
		return StartOutput{}, err
	}
	b, err := json.Marshal(in)
	if err != nil {
		return StartOutput{}, &StepFailed{Err: fmt.Errorf("execution input: %w", err)}
	}
	out := StartOutput{BackupID: in.BackupID, Trigger: in.Trigger,
		ExecutionARN: ExecutionARN(s.StateMachineARN, in.BackupID)}
	res, err := s.SFN.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(s.StateMachineARN), Name: aws.String(in.BackupID), Input: aws.String(string(b)),
	})
	var exists *sfntypes.ExecutionAlreadyExists
	switch {
	case errors.As(err, &exists):
		out.Duplicate = true
		return out, nil
	case err != nil:
		return StartOutput{}, &StartFailed{Err: fmt.Errorf("start execution %s of %s: %w", in.BackupID, s.StateMachineARN, err)}
	}
	if res.ExecutionArn != nil {
		out.ExecutionARN = *res.ExecutionArn
	}
	return out, nil
}

// ExecutionARN is the ARN of the execution named name of a state machine.
func ExecutionARN(stateMachineARN, name string) string {
	return strings.Replace(stateMachineARN, ":stateMachine:", ":execution:", 1) + ":" + name
}
