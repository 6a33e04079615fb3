package runner

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

func TestSSMSendCommandInput(t *testing.T) {
	export := []string{"hbase", "org.apache.hadoop.hbase.mapreduce.Export", "atlas_janus", "hdfs:///backup/b1/atlas_janus"}
	tests := []struct {
		name     string
		instance string
		job      Job
		opts     SSMOptions
		want     *ssm.SendCommandInput
		wantErr  string
	}{
		{
			name:     "one step no env",
			instance: "i-0abc0abc",
			job:      Job{ID: "b1.export", Steps: []Step{{Argv: export}}},
			want: &ssm.SendCommandInput{
				DocumentName: aws.String("AWS-RunShellScript"),
				InstanceIds:  []string{"i-0abc0abc"},
				Comment:      aws.String("atlas-backup b1.export"),
				Parameters: map[string][]string{"commands": {
					"# atlas-backup job b1.export",
					"set -eu",
					`'echo' 'atlas-backup: step 1/1'`,
					`'hbase' 'org.apache.hadoop.hbase.mapreduce.Export' 'atlas_janus' 'hdfs:///backup/b1/atlas_janus'`,
				}},
			},
		},
		{
			name:     "env prefix, options, hostile arg",
			instance: "mi-0123456789abcdef0",
			job: Job{ID: "b1.kinit", Env: map[string]string{"KRB5CCNAME": "/tmp/krb5cc_b1", "A": "x'y"},
				Steps: []Step{{Argv: []string{"kinit", "-kt", "/etc/security/keytabs/hbase.headless.keytab", "hbase@EXAMPLE.COM"}}, {Argv: []string{"echo", "$(rm -rf /); `x`\nnext"}}}},
			opts: SSMOptions{ExecutionTimeout: 6 * time.Hour, DeliveryTimeout: 10 * time.Minute, WorkingDirectory: "/tmp", OutputS3Bucket: "bkt", OutputS3KeyPrefix: "ssm/"},
			want: &ssm.SendCommandInput{
				DocumentName:       aws.String("AWS-RunShellScript"),
				InstanceIds:        []string{"mi-0123456789abcdef0"},
				Comment:            aws.String("atlas-backup b1.kinit"),
				TimeoutSeconds:     aws.Int32(600),
				OutputS3BucketName: aws.String("bkt"),
				OutputS3KeyPrefix:  aws.String("ssm/"),
				Parameters: map[string][]string{
					"commands": {
						"# atlas-backup job b1.kinit",
						"set -eu",
						`'echo' 'atlas-backup: step 1/2'`,
						`'env' 'A=x'\''y' 'KRB5CCNAME=/tmp/krb5cc_b1' 'kinit' '-kt' '/etc/security/keytabs/hbase.headless.keytab' 'hbase@EXAMPLE.COM'`,
						`'echo' 'atlas-backup: step 2/2'`,
						"'env' 'A=x'\\''y' 'KRB5CCNAME=/tmp/krb5cc_b1' 'echo' '$(rm -rf /); `x`\nnext'",
					},
					"executionTimeout": {"21600"},
					"workingDirectory": {"/tmp"},
				},
			},
		},
		{name: "no instance", instance: "", job: Job{ID: "a", Steps: []Step{{Argv: []string{"x"}}}}, wantErr: "instance id"},
		{name: "instance with colon", instance: "i-11111111:2", job: Job{ID: "a", Steps: []Step{{Argv: []string{"x"}}}}, wantErr: "instance id"},
		{name: "invalid job", instance: "i-11111111", job: Job{ID: "a;b", Steps: []Step{{Argv: []string{"x"}}}}, wantErr: "job id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SSMSendCommandInput(tt.instance, tt.job, tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
				t.Errorf("commands:\n%s", strings.Join(got.Parameters["commands"], "\n"))
			}
		})
	}
}

func TestSSMComment(t *testing.T) {
	short := SSMComment("b1.export")
	if short != "atlas-backup b1.export" {
		t.Errorf("short = %q", short)
	}
	long1 := SSMComment(strings.Repeat("a", 128))
	long2 := SSMComment(strings.Repeat("a", 127) + "b")
	if len(long1) > 100 || len(long2) > 100 {
		t.Errorf("comment too long: %d %d", len(long1), len(long2))
	}
	if long1 == long2 {
		t.Error("long ids sharing a prefix map to the same comment")
	}
	if SSMComment(strings.Repeat("a", 87)) != "atlas-backup "+strings.Repeat("a", 87) {
		t.Error("an id that fits must be kept whole")
	}
}

func TestSSMStatus(t *testing.T) {
	tests := []struct {
		name string
		in   ssm.GetCommandInvocationOutput
		want Status
	}{
		{"pending", ssm.GetCommandInvocationOutput{Status: ssmtypes.CommandInvocationStatusPending, ResponseCode: -1},
			Status{State: StatePending, ExitCode: -1, StepIndex: -1}},
		{"in progress with marker", ssm.GetCommandInvocationOutput{Status: ssmtypes.CommandInvocationStatusInProgress, ResponseCode: -1,
			StandardOutputContent: aws.String("atlas-backup: step 1/3\natlas-backup: step 2/3\n")},
			Status{State: StateRunning, ExitCode: -1, StepIndex: 1, Output: "atlas-backup: step 1/3\natlas-backup: step 2/3\n"}},
		{"delayed", ssm.GetCommandInvocationOutput{Status: ssmtypes.CommandInvocationStatusDelayed, ResponseCode: -1},
			Status{State: StateRunning, ExitCode: -1, StepIndex: -1}},
		{"cancelling", ssm.GetCommandInvocationOutput{Status: ssmtypes.CommandInvocationStatusCancelling, ResponseCode: -1},
			Status{State: StateRunning, ExitCode: -1, StepIndex: -1}},
		{"success", ssm.GetCommandInvocationOutput{Status: ssmtypes.CommandInvocationStatusSuccess, StatusDetails: aws.String("Success"),
			StandardOutputContent: aws.String("atlas-backup: step 1/1\nok"), StandardErrorContent: aws.String("log line\n")},
			Status{State: StateSucceeded, StepIndex: 0, Output: "atlas-backup: step 1/1\nok\nlog line\n"}},
		{"failed", ssm.GetCommandInvocationOutput{Status: ssmtypes.CommandInvocationStatusFailed, StatusDetails: aws.String("Failed"), ResponseCode: 2,
			StandardOutputContent: aws.String("atlas-backup: step 1/2\natlas-backup: step 2/2\n"), StandardErrorContent: aws.String("Table not found\n")},
			Status{State: StateFailed, ExitCode: 2, StepIndex: 1, Message: "ssm Failed at step 2: Table not found",
				Output: "atlas-backup: step 1/2\natlas-backup: step 2/2\nTable not found\n"}},
		{"timed out", ssm.GetCommandInvocationOutput{Status: ssmtypes.CommandInvocationStatusTimedOut, StatusDetails: aws.String("ExecutionTimedOut"), ResponseCode: -1},
			Status{State: StateFailed, ExitCode: -1, StepIndex: -1, Message: "ssm TimedOut (ExecutionTimedOut)"}},
		{"cancelled", ssm.GetCommandInvocationOutput{Status: ssmtypes.CommandInvocationStatusCancelled, StatusDetails: aws.String("Cancelled")},
			Status{State: StateFailed, ExitCode: -1, StepIndex: -1, Message: "ssm Cancelled"}},
		{"undeliverable", ssm.GetCommandInvocationOutput{Status: ssmtypes.CommandInvocationStatusFailed, StatusDetails: aws.String("Undeliverable"), ResponseCode: -1},
			Status{State: StateFailed, ExitCode: -1, StepIndex: -1, Message: "ssm Failed (Undeliverable)"}},
		{"unknown status", ssm.GetCommandInvocationOutput{Status: "Weird", ResponseCode: -1},
			Status{State: StateRunning, ExitCode: -1, StepIndex: -1, Message: `ssm status "Weird"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SSMStatus(&tt.in)
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestSSMStatusInvocationNotYetThere(t *testing.T) {
	f := newFakeSSM()
	r := NewSSM(f, "i-11111111", SSMOptions{})
	h, err := r.Submit(context.Background(), Job{ID: "x", Steps: []Step{{Argv: []string{"/bin/true"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(h, ":i-11111111") || !strings.HasPrefix(h, "cmd-") {
		t.Errorf("handle %q", h)
	}
	st, err := r.Status(context.Background(), h)
	if err != nil || st.State != StatePending {
		t.Fatalf("first status %+v, %v; want PENDING", st, err)
	}
}

func TestSSMSubmitErrors(t *testing.T) {
	f := newFakeSSM()
	f.listErr = errors.New("AccessDenied")
	r := NewSSM(f, "i-11111111", SSMOptions{})
	job := Job{ID: "x", Steps: []Step{{Argv: []string{"/bin/true"}}}}
	if _, err := r.Submit(context.Background(), job); err == nil || !strings.Contains(err.Error(), "earlier attempt") {
		t.Errorf("list error: %v", err)
	}
	if len(f.sent) != 0 {
		t.Error("sent although the earlier-attempt search failed")
	}
	f.listErr = nil
	f.sendErr = errors.New("InvalidInstanceId")
	if _, err := r.Submit(context.Background(), job); err == nil || !strings.Contains(err.Error(), "InvalidInstanceId") {
		t.Errorf("send error: %v", err)
	}
	// LookBack < 0: no search at all
	f2 := newFakeSSM()
	f2.listErr = errors.New("must not be called")
	if _, err := NewSSM(f2, "i-11111111", SSMOptions{LookBack: -1}).Submit(context.Background(), job); err != nil {
		t.Errorf("LookBack -1: %v", err)
	}
}
