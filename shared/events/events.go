package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/atlas-backup/atlas-backup/shared/manifest"
)

// Source of every event this tool publishes (the trigger requests use it too; the
// start rule matches their detail-types only).
const Source = "atlas-backup"

// Detail types of the completion events.
const (
	DetailTypeBackupSucceeded  = "Atlas Backup Succeeded"
	DetailTypeBackupFailed     = "Atlas Backup Failed"
	DetailTypeRestoreSucceeded = "Atlas Restore Succeeded"
	DetailTypeRestoreFailed    = "Atlas Restore Failed"
	DetailTypeDrillSucceeded   = "Atlas Drill Succeeded"
	DetailTypeDrillFailed      = "Atlas Drill Failed"
)

// DetailTypes lists them all (for the template's rule and the tests).
var DetailTypes = []string{DetailTypeBackupSucceeded, DetailTypeBackupFailed, DetailTypeRestoreSucceeded,
	DetailTypeRestoreFailed, DetailTypeDrillSucceeded, DetailTypeDrillFailed}

// Event is one event to publish.
type Event struct {
	DetailType string
	Detail     any
	Time       time.Time
	// Resources: ARNs the event is about (the execution), optional.
	Resources []string
}

// Sizes of what a backup holds.
type Sizes struct {
	Objects     int   `json:"objects"`
	Bytes       int64 `json:"bytes"`
	Tables      int   `json:"tables"`
	Collections int   `json:"collections"`
	Rows        int64 `json:"rows"`
	Docs        int64 `json:"docs"`
}

// Retention summarises the retention run that followed a SUCCEEDED backup.
type Retention struct {
	Kept     int      `json:"kept"`
	Dropped  int      `json:"dropped"`
	Problems []string `json:"problems,omitempty"`
}

// BackupDetail is the detail of "Atlas Backup Succeeded" / "Atlas Backup Failed".
type BackupDetail struct {
	Cluster  string           `json:"cluster"`
	BackupID string           `json:"backupId"`
	Status   manifest.Status  `json:"status"`
	Trigger  manifest.Trigger `json:"trigger"`
	// Manifest is the manifest's URL (s3://bucket/key); ManifestKey its key.
	Manifest        string    `json:"manifest"`
	ManifestKey     string    `json:"manifestKey"`
	Reasons         []string  `json:"reasons"`
	Sizes           Sizes     `json:"sizes"`
	StartedAt       time.Time `json:"startedAt"`
	FinishedAt      time.Time `json:"finishedAt"`
	DurationSeconds float64   `json:"durationSeconds"`
	AtlasVersion    string    `json:"atlasVersion,omitempty"`
	// Via: cli or state-machine; ExecutionARN is set for the latter.
	Via          string     `json:"via"`
	ExecutionARN string     `json:"executionArn,omitempty"`
	Retention    *Retention `json:"retention,omitempty"`
}

// RestoreDetail is the detail of the restore and drill events.
type RestoreDetail struct {
	Cluster   string `json:"cluster"`
	RestoreID string `json:"restoreId"`
	BackupID  string `json:"backupId"`
	Drill     bool   `json:"drill"`
	OK        bool   `json:"ok"`
	// Problems: the first few (the report has them all).
	Problems        []string  `json:"problems"`
	Tables          int       `json:"tables"`
	Collections     int       `json:"collections"`
	Config          bool      `json:"config"`
	Report          string    `json:"report,omitempty"`
	StartedAt       time.Time `json:"startedAt"`
	FinishedAt      time.Time `json:"finishedAt"`
	DurationSeconds float64   `json:"durationSeconds"`
	// Trigger: cli, schedule (the scheduled drill) or on-demand.
	Trigger      string `json:"trigger"`
	Via          string `json:"via"`
	ExecutionARN string `json:"executionArn,omitempty"`
}

// MaxReasons bounds the reasons and problems an event carries.
const MaxReasons = 5

func firstN(in []string) []string {
	out := []string{}
	for i, s := range in {
		if i == MaxReasons {
			out = append(out, fmt.Sprintf("... and %d more", len(in)-MaxReasons))
			break
		}
		if len(s) > 500 {
			s = s[:500] + "..."
		}
		out = append(out, s)
	}
	return out
}

// Backup builds the completion event of a finalized backup.
func Backup(m *manifest.Manifest, manifestURL, manifestKey, via, executionARN string) Event {
	d := BackupDetail{Cluster: m.Cluster, BackupID: m.BackupID, Status: m.Status, Trigger: m.Trigger,
		Manifest: manifestURL, ManifestKey: manifestKey, Reasons: firstN(m.Reasons),
		StartedAt: m.StartedAt, FinishedAt: m.FinishedAt, DurationSeconds: m.FinishedAt.Sub(m.StartedAt).Seconds(),
		AtlasVersion: m.AtlasVersion, Via: via, ExecutionARN: executionARN}
	for _, o := range m.Objects() {
		d.Sizes.Objects++
		d.Sizes.Bytes += o.Size
	}
	d.Sizes.Tables, d.Sizes.Collections = len(m.HBase), len(m.Solr)
	for _, t := range m.HBase {
		d.Sizes.Rows += t.Rows
	}
	for _, c := range m.Solr {
		d.Sizes.Docs += c.Docs
	}
	ev := Event{DetailType: DetailTypeBackupFailed, Detail: d, Time: m.FinishedAt}
	if m.Status == manifest.Succeeded {
		ev.DetailType = DetailTypeBackupSucceeded
	}
	if executionARN != "" {
		ev.Resources = []string{executionARN}
	}
	return ev
}

// Restore builds the completion event of a restore or drill.
func Restore(d RestoreDetail) Event {
	d.Problems = firstN(d.Problems)
	d.DurationSeconds = d.FinishedAt.Sub(d.StartedAt).Seconds()
	dt := DetailTypeRestoreFailed
	switch {
	case d.Drill && d.OK:
		dt = DetailTypeDrillSucceeded
	case d.Drill:
		dt = DetailTypeDrillFailed
	case d.OK:
		dt = DetailTypeRestoreSucceeded
	}
	ev := Event{DetailType: dt, Detail: d, Time: d.FinishedAt}
	if d.ExecutionARN != "" {
		ev.Resources = []string{d.ExecutionARN}
	}
	return ev
}

// Publisher sends events. A nil Publisher sends nothing.
type Publisher interface {
	Publish(ctx context.Context, ev Event) error
}

// PutEventsAPI is the part of the EventBridge client the publisher uses.
type PutEventsAPI interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, optFns ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// EventBridge publishes on one event bus (name or ARN; "default" is the default bus).
type EventBridge struct {
	Client PutEventsAPI
	Bus    string
}

// Entry builds the PutEvents entry of ev (pure: table-tested).
func Entry(bus string, ev Event) (ebtypes.PutEventsRequestEntry, error) {
	b, err := json.Marshal(ev.Detail)
	if err != nil {
		return ebtypes.PutEventsRequestEntry{}, fmt.Errorf("event detail: %w", err)
	}
	if len(b) > 200<<10 {
		return ebtypes.PutEventsRequestEntry{}, fmt.Errorf("event detail is %d bytes: over the 256 KB EventBridge limit with the envelope", len(b))
	}
	e := ebtypes.PutEventsRequestEntry{Source: aws.String(Source), DetailType: aws.String(ev.DetailType),
		Detail: aws.String(string(b)), EventBusName: aws.String(bus), Resources: ev.Resources}
	if !ev.Time.IsZero() {
		e.Time = aws.Time(ev.Time)
	}
	return e, nil
}

// Publish implements Publisher.
func (p *EventBridge) Publish(ctx context.Context, ev Event) error {
	entry, err := Entry(p.Bus, ev)
	if err != nil {
		return err
	}
	out, err := p.Client.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{entry}})
	if err != nil {
		return fmt.Errorf("put event %q on bus %s: %w", ev.DetailType, p.Bus, err)
	}
	if out.FailedEntryCount > 0 {
		msg := "rejected"
		if len(out.Entries) > 0 && out.Entries[0].ErrorCode != nil {
			msg = aws.ToString(out.Entries[0].ErrorCode) + ": " + aws.ToString(out.Entries[0].ErrorMessage)
		}
		return fmt.Errorf("put event %q on bus %s: %w", ev.DetailType, p.Bus, errors.New(msg))
	}
	return nil
}
