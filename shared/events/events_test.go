package events_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/atlas-backup/atlas-backup/shared/events"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

var update = flag.Bool("update", false, "rewrite events/completion/*.json")

func sampleManifest(status manifest.Status) *manifest.Manifest {
	m := &manifest.Manifest{FormatVersion: 1, BackupID: "20261202T101500Z-abcdef", Cluster: "prod-hdp3", Status: status,
		StartedAt: time.Date(2026, 12, 2, 10, 15, 0, 0, time.UTC), FinishedAt: time.Date(2026, 12, 2, 10, 27, 30, 0, time.UTC),
		AtlasVersion: "2.1.0",
		Trigger: manifest.Trigger{Source: "pre-upgrade", Detail: "ticket=CHG-4711; targetVersion=HDP-3.1.5; requestId=CHG-4711",
			RequestID: "CHG-4711", Ticket: "CHG-4711", TargetVersion: "HDP-3.1.5"},
		HBase: []manifest.Table{{Table: "atlas_janus", Rows: 1200, Objects: []store.ObjectInfo{{Key: "k1", Size: 1000}, {Key: "k2", Size: 24}}},
			{Table: "ATLAS_ENTITY_AUDIT_EVENTS", Rows: 300, Objects: []store.ObjectInfo{{Key: "k3", Size: 500}}}},
		Solr: []manifest.Collection{{Collection: "vertex_index", Docs: 900, Objects: []store.ObjectInfo{{Key: "k4", Size: 4096}}}},
	}
	if status != manifest.Succeeded {
		m.Reasons = []string{"solr collection edge_index: BACKUP failed: Can't create the backup folder"}
	} else {
		m.Config = &manifest.Config{Key: "k5", Size: 2048}
	}
	return m
}

func sampleRestore(drill, ok bool) events.RestoreDetail {
	d := events.RestoreDetail{Cluster: "prod-hdp3", RestoreID: "r20261202T120000Z-0a1b2c", BackupID: "20261202T101500Z-abcdef",
		Drill: drill, OK: ok, Tables: 2, Collections: 3, Config: true,
		Report:    "s3://atlas-backups/atlas/prod-hdp3/_restore-state/r20261202T120000Z-0a1b2c/report.json",
		StartedAt: time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC), FinishedAt: time.Date(2026, 12, 2, 12, 6, 0, 0, time.UTC),
		Trigger: "schedule", Via: "state-machine",
		ExecutionARN: "arn:aws:states:us-east-1:123456789012:execution:atlas-backup-restore:r20261202T120000Z-0a1b2c"}
	if !ok {
		d.Problems = []string{"table atlas_janus_drill_0a1b2c: restored, but differs from the backup (rows 1199/1200, cells 5000/5004)"}
	}
	return d
}

// envelope is what a rule target receives (and what events/completion/*.json show).
type envelope struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

func TestSamples(t *testing.T) {
	const execARN = "arn:aws:states:us-east-1:123456789012:execution:atlas-backup:20261202T101500Z-abcdef"
	mURL := "s3://atlas-backups/atlas/prod-hdp3/20261202T101500Z-abcdef/manifest.json"
	mKey := "atlas/prod-hdp3/20261202T101500Z-abcdef/manifest.json"
	cases := []struct {
		file       string
		ev         events.Event
		detailType string
	}{
		{"backup-succeeded.json", events.Backup(sampleManifest(manifest.Succeeded), mURL, mKey, "state-machine", execARN), events.DetailTypeBackupSucceeded},
		{"backup-failed.json", events.Backup(sampleManifest(manifest.Partial), mURL, mKey, "cli", ""), events.DetailTypeBackupFailed},
		{"restore-succeeded.json", events.Restore(sampleRestore(false, true)), events.DetailTypeRestoreSucceeded},
		{"restore-failed.json", events.Restore(sampleRestore(false, false)), events.DetailTypeRestoreFailed},
		{"drill-succeeded.json", events.Restore(sampleRestore(true, true)), events.DetailTypeDrillSucceeded},
		{"drill-failed.json", events.Restore(sampleRestore(true, false)), events.DetailTypeDrillFailed},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			if c.ev.DetailType != c.detailType {
				t.Errorf("detail type %q, want %q", c.ev.DetailType, c.detailType)
			}
			e, err := events.Entry("default", c.ev)
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(e.Source) != events.Source || aws.ToString(e.EventBusName) != "default" || e.Time == nil {
				t.Errorf("entry %+v", e)
			}
			env := envelope{Version: "0", ID: "6a7e8feb-b491-4cf7-a9f1-bf3703467718", DetailType: aws.ToString(e.DetailType),
				Source: aws.ToString(e.Source), Account: "123456789012", Time: e.Time.UTC().Format(time.RFC3339), Region: "us-east-1",
				Resources: append([]string{}, e.Resources...), Detail: json.RawMessage(aws.ToString(e.Detail))}
			got, err := json.MarshalIndent(env, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("..", "..", "events", "completion", c.file)
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./shared/events -update)", err)
			}
			var a, b any
			if json.Unmarshal(got, &a) != nil || json.Unmarshal(want, &b) != nil || !jsonEqual(a, b) {
				t.Errorf("%s differs from what the builder makes (go test ./shared/events -update):\n%s", path, got)
			}
			// The sample's detail decodes strictly into the detail type.
			var w envelope
			if err := json.Unmarshal(want, &w); err != nil {
				t.Fatal(err)
			}
			dec := json.NewDecoder(bytes.NewReader(w.Detail))
			dec.DisallowUnknownFields()
			var dst any = &events.BackupDetail{}
			if strings.HasPrefix(c.file, "restore") || strings.HasPrefix(c.file, "drill") {
				dst = &events.RestoreDetail{}
			}
			if err := dec.Decode(dst); err != nil {
				t.Errorf("%s: detail does not decode strictly: %v", path, err)
			}
		})
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestBackupDetail(t *testing.T) {
	ev := events.Backup(sampleManifest(manifest.Succeeded), "u", "k", "cli", "")
	d := ev.Detail.(events.BackupDetail)
	want := events.Sizes{Objects: 5, Bytes: 1000 + 24 + 500 + 4096 + 2048, Tables: 2, Collections: 1, Rows: 1500, Docs: 900}
	if d.Sizes != want || d.DurationSeconds != 750 || d.Trigger.Ticket != "CHG-4711" || ev.Resources != nil {
		t.Errorf("detail %+v", d)
	}
	m := sampleManifest(manifest.Failed)
	for range 9 {
		m.Reasons = append(m.Reasons, strings.Repeat("x", 900))
	}
	d = events.Backup(m, "u", "k", "cli", "").Detail.(events.BackupDetail)
	if len(d.Reasons) != 6 || d.Reasons[5] != "... and 5 more" || len(d.Reasons[1]) != 503 {
		t.Errorf("reasons not bounded: %d, %q", len(d.Reasons), d.Reasons[5])
	}
}

type fakeEB struct {
	in  *eventbridge.PutEventsInput
	out *eventbridge.PutEventsOutput
	err error
}

func (f *fakeEB) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	f.in = in
	return f.out, f.err
}

func TestPublish(t *testing.T) {
	ev := events.Restore(sampleRestore(true, true))
	f := &fakeEB{out: &eventbridge.PutEventsOutput{}}
	if err := (&events.EventBridge{Client: f, Bus: "ops"}).Publish(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if len(f.in.Entries) != 1 || aws.ToString(f.in.Entries[0].EventBusName) != "ops" || aws.ToString(f.in.Entries[0].DetailType) != "Atlas Drill Succeeded" {
		t.Errorf("entries %+v", f.in.Entries)
	}
	f.out = &eventbridge.PutEventsOutput{FailedEntryCount: 1, Entries: []ebtypes.PutEventsResultEntry{{ErrorCode: aws.String("AccessDenied"), ErrorMessage: aws.String("no")}}}
	if err := (&events.EventBridge{Client: f, Bus: "ops"}).Publish(context.Background(), ev); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("a rejected entry: err = %v", err)
	}
	f.err = errors.New("down")
	if err := (&events.EventBridge{Client: f, Bus: "ops"}).Publish(context.Background(), ev); err == nil || !strings.Contains(err.Error(), "Atlas Drill Succeeded") {
		t.Errorf("a failed call: err = %v", err)
	}
}
