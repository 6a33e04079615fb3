//go:build integration

package events_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/atlas-backup/atlas-backup/shared/events"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/stacktest"
)

// TestDeliveredToSQS publishes a completion event on moto's default bus and reads it
// from an SQS queue subscribed by a rule that matches the completion detail-types,
// as an upgrade pipeline would subscribe.
func TestDeliveredToSQS(t *testing.T) {
	ctx := context.Background()
	cfg := stacktest.AWSConfig(t)
	eb, q := eventbridge.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	name := fmt.Sprintf("events-it-%d", time.Now().UnixNano())
	url, arn := Subscribe(t, eb, q, name)

	pub := &events.EventBridge{Client: eb, Bus: "default"}
	m := &manifest.Manifest{BackupID: "20261202T101500Z-abcdef", Cluster: "prod", Status: manifest.Succeeded,
		StartedAt: time.Date(2026, 12, 2, 10, 15, 0, 0, time.UTC), FinishedAt: time.Date(2026, 12, 2, 10, 25, 30, 0, time.UTC),
		Trigger: manifest.Trigger{Source: "pre-upgrade", Ticket: "CHG-4711", TargetVersion: "HDP-3.1.5"}}
	if err := pub.Publish(ctx, events.Backup(m, "s3://b/atlas/prod/"+m.BackupID+"/manifest.json", "atlas/prod/"+m.BackupID+"/manifest.json", "cli", "")); err != nil {
		t.Fatal(err)
	}
	got := Receive(t, q, url, 1)
	if len(got) != 1 {
		t.Fatalf("queue %s got %d messages, want 1", arn, len(got))
	}
	var env struct {
		Source     string              `json:"source"`
		DetailType string              `json:"detail-type"`
		Detail     events.BackupDetail `json:"detail"`
	}
	if err := json.Unmarshal([]byte(got[0]), &env); err != nil {
		t.Fatalf("message %s: %v", got[0], err)
	}
	if env.Source != events.Source || env.DetailType != events.DetailTypeBackupSucceeded || env.Detail.BackupID != m.BackupID ||
		env.Detail.Trigger.Ticket != "CHG-4711" || env.Detail.Trigger.TargetVersion != "HDP-3.1.5" || env.Detail.DurationSeconds != 630 {
		t.Errorf("delivered %+v", env)
	}
}

// Subscribe makes an SQS queue and a rule on the default bus sending every completion
// event of this tool to it; both are removed when the test ends.
func Subscribe(t *testing.T, eb *eventbridge.Client, q *sqs.Client, name string) (url, arn string) {
	t.Helper()
	ctx := context.Background()
	qo, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	url = aws.ToString(qo.QueueUrl)
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: qo.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"QueueArn"}})
	if err != nil {
		t.Fatal(err)
	}
	arn = attrs.Attributes["QueueArn"]
	pattern, _ := json.Marshal(map[string]any{"source": []string{events.Source}, "detail-type": events.DetailTypes})
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(name), EventPattern: aws.String(string(pattern))}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(name), Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String(arn)}}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = eb.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String(name), Ids: []string{"q"}})
		_, _ = eb.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String(name)})
		_, _ = q.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(url)})
	})
	return url, arn
}

// Receive reads up to n messages (waiting a few seconds at most).
func Receive(t *testing.T, q *sqs.Client, url string, n int) []string {
	t.Helper()
	var out []string
	for i := 0; i < 5 && len(out) < n; i++ {
		r, err := q.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range r.Messages {
			out = append(out, aws.ToString(m.Body))
		}
	}
	return out
}
