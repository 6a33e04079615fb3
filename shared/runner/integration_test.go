//go:build integration

package runner

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/emr"
	emrtypes "github.com/aws/aws-sdk-go-v2/service/emr/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/atlas-backup/atlas-backup/shared/stacktest"
)

// awsFromStack loads the AWS config pointing at the local stack's moto (shared/stacktest).
func awsFromStack(t *testing.T) aws.Config {
	t.Helper()
	return stacktest.AWSConfig(t)
}

func TestIntegrationSSMMoto(t *testing.T) {
	cfg := awsFromStack(t)
	client := ssm.NewFromConfig(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	id := fmt.Sprintf("it-%d.hbase-export", time.Now().UnixNano())
	r := NewSSM(client, "i-0123456789abcdef0", SSMOptions{ExecutionTimeout: 2 * time.Hour})
	job := Job{ID: id, Env: map[string]string{"KRB5CCNAME": "/tmp/krb5cc_it"}, Steps: []Step{
		{Argv: []string{"kinit", "-kt", "/etc/security/keytabs/hbase.headless.keytab", "hbase@EXAMPLE.COM"}},
		{Argv: []string{"hbase", "org.apache.hadoop.hbase.mapreduce.Export", "atlas_janus", "hdfs:///backup/x/atlas_janus"}},
		{Argv: []string{"echo", "$(hostile) 'quote' `tick`"}},
	}}
	h, err := r.Submit(ctx, job)
	if err != nil {
		t.Fatalf("submit (request shape refused by moto?): %v", err)
	}
	cmdID, inst, ok := strings.Cut(h, ":")
	if !ok || cmdID == "" || inst != "i-0123456789abcdef0" {
		t.Fatalf("handle %q", h)
	}
	// moto records what it was sent
	lc, err := client.ListCommands(ctx, &ssm.ListCommandsInput{CommandId: aws.String(cmdID)})
	if err != nil {
		t.Fatal(err)
	}
	if len(lc.Commands) != 1 {
		t.Fatalf("moto lists %d commands for %s", len(lc.Commands), cmdID)
	}
	c := lc.Commands[0]
	if aws.ToString(c.Comment) != SSMComment(id) || aws.ToString(c.DocumentName) != SSMDocument {
		t.Errorf("command as stored: comment %q document %q", aws.ToString(c.Comment), aws.ToString(c.DocumentName))
	}
	want, _ := SSMScript(job)
	if got := c.Parameters["commands"]; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("commands as stored:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// moto runs nothing and reports Success at once
	st, err := Wait(ctx, r, h, Backoff{Initial: 100 * time.Millisecond, Max: time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != StateSucceeded {
		t.Errorf("status %+v, want SUCCEEDED (moto)", st)
	}
	// a retry of the same job finds the first command through its comment
	h2, err := r.Submit(ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	if h2 != h {
		t.Errorf("retry sent a second command: %q, first %q", h2, h)
	}
	// an unknown command id is an error, not a silent PENDING forever
	if _, err := r.Status(ctx, "00000000-0000-0000-0000-000000000000:i-0123456789abcdef0"); err == nil {
		t.Log("moto answers an unknown invocation without error")
	}
}

func TestIntegrationEMRMoto(t *testing.T) {
	cfg := awsFromStack(t)
	client := emr.NewFromConfig(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cl, err := client.RunJobFlow(ctx, &emr.RunJobFlowInput{
		Name:         aws.String("atlas-backup-it"),
		ReleaseLabel: aws.String("emr-6.15.0"),
		Instances: &emrtypes.JobFlowInstancesConfig{
			MasterInstanceType:          aws.String("m5.xlarge"),
			SlaveInstanceType:           aws.String("m5.xlarge"),
			InstanceCount:               aws.Int32(1),
			KeepJobFlowAliveWhenNoSteps: aws.Bool(true),
		},
		JobFlowRole: aws.String("EMR_EC2_DefaultRole"),
		ServiceRole: aws.String("EMR_DefaultRole"),
	})
	if err != nil {
		t.Fatalf("create moto cluster: %v", err)
	}
	clusterID := aws.ToString(cl.JobFlowId)
	t.Cleanup(func() {
		_, _ = client.TerminateJobFlows(context.Background(), &emr.TerminateJobFlowsInput{JobFlowIds: []string{clusterID}})
	})
	r := NewEMR(client, clusterID)
	id := fmt.Sprintf("it-%d.atlas_janus", time.Now().UnixNano())
	job := Job{ID: id, Env: map[string]string{"KRB5CCNAME": "/tmp/krb5cc_it"}, Steps: []Step{
		{Argv: []string{"hbase", "org.apache.hadoop.hbase.mapreduce.Export", "atlas_janus", "hdfs:///backup/x/atlas_janus"}},
		{Argv: []string{"s3-dist-cp", "--src=hdfs:///backup/x/atlas_janus", "--dest=s3://bkt/x/atlas_janus"}},
	}}
	h, err := r.Submit(ctx, job)
	if err != nil {
		t.Fatalf("submit (request shape refused by moto?): %v", err)
	}
	_, ids, err := parseEMRHandle(h)
	if err != nil || len(ids) != 2 {
		t.Fatalf("handle %q: %v", h, err)
	}
	// moto stores the step as sent
	ds, err := client.DescribeStep(ctx, &emr.DescribeStepInput{ClusterId: aws.String(clusterID), StepId: aws.String(ids[0])})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(ds.Step.Name) != EMRStepName(id, 0, 2) || ds.Step.ActionOnFailure != emrtypes.ActionOnFailureContinue {
		t.Errorf("step as stored: name %q action %s", aws.ToString(ds.Step.Name), ds.Step.ActionOnFailure)
	}
	if ds.Step.Config == nil || aws.ToString(ds.Step.Config.Jar) != EMRCommandRunner ||
		strings.Join(ds.Step.Config.Args, " ") != "env KRB5CCNAME=/tmp/krb5cc_it hbase org.apache.hadoop.hbase.mapreduce.Export atlas_janus hdfs:///backup/x/atlas_janus" {
		t.Errorf("step config as stored: %+v", ds.Step.Config)
	}
	// moto leaves steps PENDING/RUNNING: the job is not terminal
	st, err := r.Status(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != StatePending && st.State != StateRunning {
		t.Errorf("status %+v, want PENDING or RUNNING (moto)", st)
	}
	// a retry finds the first attempt's steps by name
	h2, err := r.Submit(ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	if h2 != h {
		t.Errorf("retry added steps again: %q, first %q", h2, h)
	}
}
