package runner

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/emr"
	emrtypes "github.com/aws/aws-sdk-go-v2/service/emr/types"
)

func TestEMRStepsInput(t *testing.T) {
	step := func(name string, args ...string) emrtypes.StepConfig {
		return emrtypes.StepConfig{
			Name:            aws.String(name),
			ActionOnFailure: emrtypes.ActionOnFailureContinue,
			HadoopJarStep:   &emrtypes.HadoopJarStepConfig{Jar: aws.String("command-runner.jar"), Args: args},
		}
	}
	tests := []struct {
		name    string
		cluster string
		job     Job
		want    *emr.AddJobFlowStepsInput
		wantErr string
	}{
		{
			name:    "export then copy",
			cluster: "j-1ABC",
			job: Job{ID: "b1.atlas_janus", Steps: []Step{
				{Argv: []string{"hbase", "org.apache.hadoop.hbase.mapreduce.Export", "atlas_janus", "hdfs:///backup/b1/atlas_janus"}},
				{Argv: []string{"s3-dist-cp", "--src=hdfs:///backup/b1/atlas_janus", "--dest=s3://bkt/p/c/b1/hbase/atlas_janus"}},
			}},
			want: &emr.AddJobFlowStepsInput{JobFlowId: aws.String("j-1ABC"), Steps: []emrtypes.StepConfig{
				step("atlas-backup b1.atlas_janus 1/2", "hbase", "org.apache.hadoop.hbase.mapreduce.Export", "atlas_janus", "hdfs:///backup/b1/atlas_janus"),
				step("atlas-backup b1.atlas_janus 2/2", "s3-dist-cp", "--src=hdfs:///backup/b1/atlas_janus", "--dest=s3://bkt/p/c/b1/hbase/atlas_janus"),
			}},
		},
		{
			name:    "env prefix, args kept verbatim",
			cluster: "j-1ABC",
			job:     Job{ID: "k", Env: map[string]string{"KRB5CCNAME": "/tmp/cc", "HADOOP_USER_NAME": "hbase"}, Steps: []Step{{Argv: []string{"hdfs", "dfs", "-ls", "$(x) 'y'"}}}},
			want: &emr.AddJobFlowStepsInput{JobFlowId: aws.String("j-1ABC"), Steps: []emrtypes.StepConfig{
				step("atlas-backup k 1/1", "env", "HADOOP_USER_NAME=hbase", "KRB5CCNAME=/tmp/cc", "hdfs", "dfs", "-ls", "$(x) 'y'"),
			}},
		},
		{name: "no cluster", job: Job{ID: "a", Steps: []Step{{Argv: []string{"x"}}}}, wantErr: "cluster id"},
		{name: "cluster with colon", cluster: "j-1:x", job: Job{ID: "a", Steps: []Step{{Argv: []string{"x"}}}}, wantErr: "cluster id"},
		{name: "invalid job", cluster: "j-1", job: Job{ID: "a", Steps: nil}, wantErr: "at least one step"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EMRStepsInput(tt.cluster, tt.job)
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
			}
		})
	}
}

func TestEMRStatus(t *testing.T) {
	s := func(id string, state emrtypes.StepState) emrtypes.Step {
		return emrtypes.Step{Id: aws.String(id), Status: &emrtypes.StepStatus{State: state}}
	}
	failed := emrtypes.Step{Id: aws.String("s-2"), Status: &emrtypes.StepStatus{State: emrtypes.StepStateFailed,
		FailureDetails: &emrtypes.FailureDetails{Reason: aws.String("Unknown Error."), Message: aws.String("exit 1"), LogFile: aws.String("s3://l/s-2/stderr.gz")}}}
	tests := []struct {
		name  string
		steps []emrtypes.Step
		want  Status
	}{
		{"all pending", []emrtypes.Step{s("s-1", "PENDING"), s("s-2", "PENDING")}, Status{State: StatePending, StepIndex: 0, Message: "emr step s-1 PENDING"}},
		{"first running", []emrtypes.Step{s("s-1", "RUNNING"), s("s-2", "PENDING")}, Status{State: StateRunning, StepIndex: 0, Message: "emr step s-1 RUNNING"}},
		{"second pending after first completed", []emrtypes.Step{s("s-1", "COMPLETED"), s("s-2", "PENDING")}, Status{State: StateRunning, StepIndex: 1, Message: "emr step s-2 PENDING"}},
		{"cancel pending", []emrtypes.Step{s("s-1", "CANCEL_PENDING")}, Status{State: StateRunning, StepIndex: 0, Message: "emr step s-1 CANCEL_PENDING"}},
		{"all completed", []emrtypes.Step{s("s-1", "COMPLETED"), s("s-2", "COMPLETED")}, Status{State: StateSucceeded, StepIndex: 1}},
		{"failed with details", []emrtypes.Step{s("s-1", "COMPLETED"), failed, s("s-3", "PENDING")},
			Status{State: StateFailed, ExitCode: -1, StepIndex: 1, Message: "emr step 2/3 (s-2) FAILED: Unknown Error.: exit 1 (log s3://l/s-2/stderr.gz)"}},
		{"cancelled", []emrtypes.Step{s("s-1", "CANCELLED"), s("s-2", "COMPLETED")}, Status{State: StateFailed, ExitCode: -1, StepIndex: 0, Message: "emr step 1/2 (s-1) CANCELLED"}},
		{"interrupted", []emrtypes.Step{s("s-1", "INTERRUPTED")}, Status{State: StateFailed, ExitCode: -1, StepIndex: 0, Message: "emr step 1/1 (s-1) INTERRUPTED"}},
		{"failure wins over running", []emrtypes.Step{s("s-1", "RUNNING"), s("s-2", "FAILED")}, Status{State: StateFailed, ExitCode: -1, StepIndex: 1, Message: "emr step 2/2 (s-2) FAILED"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EMRStatus(tt.steps); got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestEMRFailureCancelsPendingSteps(t *testing.T) {
	f := newFakeEMR()
	r := NewEMR(f, "j-X")
	h, err := r.Submit(context.Background(), Job{ID: "c", Steps: []Step{{Argv: []string{"/bin/false"}}, {Argv: []string{"/bin/true"}}, {Argv: []string{"/bin/true"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if h != "j-X:s-0001,s-0002,s-0003" {
		t.Errorf("handle %q", h)
	}
	st, err := r.Status(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != StateFailed || st.StepIndex != 0 || !strings.Contains(st.Message, "cancelled later steps s-0002,s-0003") {
		t.Errorf("status %+v", st)
	}
	if !reflect.DeepEqual(f.cancelled, []string{"s-0002", "s-0003"}) {
		t.Errorf("cancelled %v", f.cancelled)
	}
}

func TestEMRHandle(t *testing.T) {
	for _, h := range []string{"", "j-1", "j-1:", ":s-1", "j-1:s-1,,s-2"} {
		if _, _, err := parseEMRHandle(h); err == nil {
			t.Errorf("handle %q accepted", h)
		}
	}
	c, ids, err := parseEMRHandle("j-1:s-1,s-2")
	if err != nil || c != "j-1" || !reflect.DeepEqual(ids, []string{"s-1", "s-2"}) {
		t.Errorf("parse: %q %v %v", c, ids, err)
	}
}
