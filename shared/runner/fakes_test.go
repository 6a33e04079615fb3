package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/emr"
	emrtypes "github.com/aws/aws-sdk-go-v2/service/emr/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// fakeSSM behaves like the SSM agent: it runs the "commands" of AWS-RunShellScript as a
// script with /bin/sh, asynchronously, and reports the invocation. The first
// GetCommandInvocation of a command answers InvocationDoesNotExist, as SSM does right
// after SendCommand.
type fakeSSM struct {
	mu       sync.Mutex
	n        int
	sent     []*ssm.SendCommandInput
	cmds     map[string]*fakeCommand
	order    []string
	listErr  error
	sendErr  error
	getCalls int
}

type fakeCommand struct {
	comment        string
	seen           bool
	done           bool
	stdout, stderr string
	code           int
}

func newFakeSSM() *fakeSSM { return &fakeSSM{cmds: map[string]*fakeCommand{}} }

func (f *fakeSSM) SendCommand(ctx context.Context, in *ssm.SendCommandInput, _ ...func(*ssm.Options)) (*ssm.SendCommandOutput, error) {
	if f.sendErr != nil {
		return nil, f.sendErr
	}
	if aws.ToString(in.DocumentName) != SSMDocument || len(in.InstanceIds) != 1 {
		return nil, errors.New("fake ssm: unexpected request")
	}
	f.mu.Lock()
	f.n++
	id := fmt.Sprintf("cmd-%04d", f.n)
	c := &fakeCommand{comment: aws.ToString(in.Comment)}
	f.cmds[id] = c
	f.order = append(f.order, id)
	f.sent = append(f.sent, in)
	f.mu.Unlock()
	script := strings.Join(in.Parameters["commands"], "\n") + "\n"
	go func() {
		cmd := exec.Command("/bin/sh", "-c", script)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			code = 255
		}
		f.mu.Lock()
		c.done, c.stdout, c.stderr, c.code = true, out.String(), errb.String(), code
		f.mu.Unlock()
	}()
	return &ssm.SendCommandOutput{Command: &ssmtypes.Command{CommandId: aws.String(id)}}, nil
}

func (c *fakeCommand) invocationStatus() ssmtypes.CommandInvocationStatus {
	switch {
	case !c.done:
		return ssmtypes.CommandInvocationStatusInProgress
	case c.code == 0:
		return ssmtypes.CommandInvocationStatusSuccess
	default:
		return ssmtypes.CommandInvocationStatusFailed
	}
}

func (f *fakeSSM) GetCommandInvocation(ctx context.Context, in *ssm.GetCommandInvocationInput, _ ...func(*ssm.Options)) (*ssm.GetCommandInvocationOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.getCalls++
	c, ok := f.cmds[aws.ToString(in.CommandId)]
	if !ok || !c.seen {
		if ok {
			c.seen = true
		}
		return nil, &ssmtypes.InvocationDoesNotExist{}
	}
	st := c.invocationStatus()
	out := &ssm.GetCommandInvocationOutput{Status: st, StatusDetails: aws.String(string(st)), ResponseCode: -1}
	if c.done {
		out.ResponseCode = int32(c.code)
		out.StandardOutputContent = aws.String(c.stdout)
		out.StandardErrorContent = aws.String(c.stderr)
	}
	return out, nil
}

func (f *fakeSSM) ListCommands(ctx context.Context, in *ssm.ListCommandsInput, _ ...func(*ssm.Options)) (*ssm.ListCommandsOutput, error) {
	if f.listErr != nil {
		return nil, f.listErr
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := &ssm.ListCommandsOutput{}
	for i := len(f.order) - 1; i >= 0; i-- {
		id := f.order[i]
		c := f.cmds[id]
		var cs ssmtypes.CommandStatus
		switch c.invocationStatus() {
		case ssmtypes.CommandInvocationStatusSuccess:
			cs = ssmtypes.CommandStatusSuccess
		case ssmtypes.CommandInvocationStatusFailed:
			cs = ssmtypes.CommandStatusFailed
		default:
			cs = ssmtypes.CommandStatusInProgress
		}
		out.Commands = append(out.Commands, ssmtypes.Command{CommandId: aws.String(id), Comment: aws.String(c.comment), Status: cs})
	}
	return out, nil
}

// fakeEMR behaves like a cluster with StepConcurrencyLevel 1: steps wait PENDING and each
// DescribeStep call of a job's first step lets the cluster run the next pending step,
// directly (as command-runner.jar does, no shell).
type fakeEMR struct {
	mu        sync.Mutex
	n         int
	added     []*emr.AddJobFlowStepsInput
	steps     []*fakeStep // in submission order
	byID      map[string]*fakeStep
	cancelled []string
}

type fakeStep struct {
	id, name string
	args     []string
	first    bool
	state    emrtypes.StepState
	reason   string
}

func newFakeEMR() *fakeEMR { return &fakeEMR{byID: map[string]*fakeStep{}} }

func (f *fakeEMR) AddJobFlowSteps(ctx context.Context, in *emr.AddJobFlowStepsInput, _ ...func(*emr.Options)) (*emr.AddJobFlowStepsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.added = append(f.added, in)
	out := &emr.AddJobFlowStepsOutput{}
	for i, sc := range in.Steps {
		if aws.ToString(sc.HadoopJarStep.Jar) != EMRCommandRunner || sc.ActionOnFailure != emrtypes.ActionOnFailureContinue {
			return nil, errors.New("fake emr: unexpected step config")
		}
		f.n++
		s := &fakeStep{id: fmt.Sprintf("s-%04d", f.n), name: aws.ToString(sc.Name), args: sc.HadoopJarStep.Args, first: i == 0, state: emrtypes.StepStatePending}
		f.steps = append(f.steps, s)
		f.byID[s.id] = s
		out.StepIds = append(out.StepIds, s.id)
	}
	return out, nil
}

// tick runs the next pending step of the cluster, synchronously.
func (f *fakeEMR) tick() {
	for _, s := range f.steps {
		if s.state != emrtypes.StepStatePending {
			continue
		}
		err := exec.Command(s.args[0], s.args[1:]...).Run()
		if err != nil {
			s.state, s.reason = emrtypes.StepStateFailed, err.Error()
		} else {
			s.state = emrtypes.StepStateCompleted
		}
		return
	}
}

func (f *fakeEMR) DescribeStep(ctx context.Context, in *emr.DescribeStepInput, _ ...func(*emr.Options)) (*emr.DescribeStepOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.byID[aws.ToString(in.StepId)]
	if !ok {
		return nil, errors.New("fake emr: no such step")
	}
	if s.first {
		f.tick()
	}
	st := &emrtypes.StepStatus{State: s.state}
	if s.reason != "" {
		st.FailureDetails = &emrtypes.FailureDetails{Reason: aws.String("Unknown Error."), Message: aws.String(s.reason), LogFile: aws.String("s3://logs/" + s.id + "/stderr.gz")}
	}
	return &emr.DescribeStepOutput{Step: &emrtypes.Step{Id: aws.String(s.id), Name: aws.String(s.name), Status: st}}, nil
}

func (f *fakeEMR) ListSteps(ctx context.Context, in *emr.ListStepsInput, _ ...func(*emr.Options)) (*emr.ListStepsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := &emr.ListStepsOutput{}
	for i := len(f.steps) - 1; i >= 0; i-- {
		s := f.steps[i]
		match := len(in.StepStates) == 0
		for _, want := range in.StepStates {
			if want == s.state {
				match = true
			}
		}
		if match {
			out.Steps = append(out.Steps, emrtypes.StepSummary{Id: aws.String(s.id), Name: aws.String(s.name), Status: &emrtypes.StepStatus{State: s.state}})
		}
	}
	return out, nil
}

func (f *fakeEMR) CancelSteps(ctx context.Context, in *emr.CancelStepsInput, _ ...func(*emr.Options)) (*emr.CancelStepsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range in.StepIds {
		if s, ok := f.byID[id]; ok && s.state == emrtypes.StepStatePending {
			s.state = emrtypes.StepStateCancelled
			f.cancelled = append(f.cancelled, id)
		}
	}
	return &emr.CancelStepsOutput{}, nil
}
