package runner

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/emr"
	emrtypes "github.com/aws/aws-sdk-go-v2/service/emr/types"
)

// EMRAPI is the part of *emr.Client the EMR runner uses.
type EMRAPI interface {
	AddJobFlowSteps(ctx context.Context, in *emr.AddJobFlowStepsInput, optFns ...func(*emr.Options)) (*emr.AddJobFlowStepsOutput, error)
	DescribeStep(ctx context.Context, in *emr.DescribeStepInput, optFns ...func(*emr.Options)) (*emr.DescribeStepOutput, error)
	ListSteps(ctx context.Context, in *emr.ListStepsInput, optFns ...func(*emr.Options)) (*emr.ListStepsOutput, error)
	CancelSteps(ctx context.Context, in *emr.CancelStepsInput, optFns ...func(*emr.Options)) (*emr.CancelStepsOutput, error)
}

// EMRCommandRunner is the jar that runs an argv on the EMR primary node.
const EMRCommandRunner = "command-runner.jar"

// EMR runs jobs as steps of a running EMR cluster, one step per argv through
// command-runner.jar. The handle is "<cluster id>:<step id>,<step id>,...".
//
// Steps use ActionOnFailure CONTINUE so a failing job never cancels or terminates other
// work on a shared cluster. EMR then starts the job's next step anyway; to honour "stop at
// the first failure", Status cancels the job's steps that are still PENDING once it sees
// a failed one (best effort), and reports the job FAILED at the first failed step. With a
// cluster StepConcurrencyLevel above 1 EMR may run a job's steps in parallel; use 1.
type EMR struct {
	client    EMRAPI
	clusterID string
}

// NewEMR returns an EMR runner for clusterID.
func NewEMR(client EMRAPI, clusterID string) *EMR {
	return &EMR{client: client, clusterID: clusterID}
}

// EMRStepName is the name of step i (0-based) of n of a job: "atlas-backup <id> i+1/n".
func EMRStepName(jobID string, i, n int) string {
	return fmt.Sprintf("atlas-backup %s %d/%d", jobID, i+1, n)
}

// EMRStepsInput builds the AddJobFlowSteps request for job on clusterID. Pure.
func EMRStepsInput(clusterID string, job Job) (*emr.AddJobFlowStepsInput, error) {
	if err := ValidateClusterID(clusterID); err != nil {
		return nil, fmt.Errorf("emr: %w", err)
	}
	if err := job.Validate(); err != nil {
		return nil, fmt.Errorf("emr steps: %w", err)
	}
	in := &emr.AddJobFlowStepsInput{JobFlowId: aws.String(clusterID)}
	for i, s := range job.Steps {
		in.Steps = append(in.Steps, emrtypes.StepConfig{
			Name:            aws.String(EMRStepName(job.ID, i, len(job.Steps))),
			ActionOnFailure: emrtypes.ActionOnFailureContinue,
			HadoopJarStep: &emrtypes.HadoopJarStepConfig{
				Jar:  aws.String(EMRCommandRunner),
				Args: job.withEnv(s.Argv),
			},
		})
	}
	return in, nil
}

// Submit adds the job's steps, unless every step of an earlier attempt with the same job
// ID is still pending, running or completed on the cluster.
func (e *EMR) Submit(ctx context.Context, job Job) (string, error) {
	in, err := EMRStepsInput(e.clusterID, job)
	if err != nil {
		return "", fmt.Errorf("emr submit: %w", err)
	}
	ids, err := e.findAttempt(ctx, job)
	if err != nil {
		return "", fmt.Errorf("emr submit %s: look for an earlier attempt: %w", job.ID, err)
	}
	if ids == nil {
		out, err := e.client.AddJobFlowSteps(ctx, in)
		if err != nil {
			return "", fmt.Errorf("emr submit %s to %s: %w", job.ID, e.clusterID, err)
		}
		if len(out.StepIds) != len(job.Steps) {
			return "", fmt.Errorf("emr submit %s to %s: %d step ids for %d steps", job.ID, e.clusterID, len(out.StepIds), len(job.Steps))
		}
		ids = out.StepIds
	}
	return e.clusterID + ":" + strings.Join(ids, ","), nil
}

const emrMaxListPages = 10

// findAttempt returns the step ids of an earlier, not failed attempt, or nil.
func (e *EMR) findAttempt(ctx context.Context, job Job) ([]string, error) {
	n := len(job.Steps)
	want := make(map[string]int, n)
	for i := range job.Steps {
		want[EMRStepName(job.ID, i, n)] = i
	}
	found := make([]string, n)
	in := &emr.ListStepsInput{
		ClusterId: aws.String(e.clusterID),
		StepStates: []emrtypes.StepState{emrtypes.StepStatePending, emrtypes.StepStateRunning,
			emrtypes.StepStateCompleted},
	}
	for page := 0; page < emrMaxListPages; page++ {
		out, err := e.client.ListSteps(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, s := range out.Steps { // newest first
			i, ok := want[aws.ToString(s.Name)]
			if !ok || found[i] != "" {
				continue
			}
			if s.Status != nil {
				switch s.Status.State {
				case emrtypes.StepStatePending, emrtypes.StepStateRunning, emrtypes.StepStateCompleted:
				default:
					continue
				}
			}
			found[i] = aws.ToString(s.Id)
		}
		if aws.ToString(out.Marker) == "" {
			break
		}
		in.Marker = out.Marker
	}
	for _, id := range found {
		if id == "" {
			return nil, nil
		}
	}
	return found, nil
}

func parseEMRHandle(handle string) (string, []string, error) {
	cluster, rest, ok := strings.Cut(handle, ":")
	if !ok || cluster == "" || rest == "" {
		return "", nil, fmt.Errorf("emr handle %q: must be <cluster id>:<step id>,...: %w", handle, ErrUnknownHandle)
	}
	ids := strings.Split(rest, ",")
	for _, id := range ids {
		if id == "" {
			return "", nil, fmt.Errorf("emr handle %q: empty step id: %w", handle, ErrUnknownHandle)
		}
	}
	return cluster, ids, nil
}

// Status describes every step of the job and folds their states with EMRStatus. When a
// step failed and later ones are still pending, it cancels those (best effort).
func (e *EMR) Status(ctx context.Context, handle string) (Status, error) {
	cluster, ids, err := parseEMRHandle(handle)
	if err != nil {
		return Status{}, err
	}
	steps := make([]emrtypes.Step, len(ids))
	for i, id := range ids {
		out, err := e.client.DescribeStep(ctx, &emr.DescribeStepInput{ClusterId: aws.String(cluster), StepId: aws.String(id)})
		if err != nil {
			return Status{}, fmt.Errorf("emr status %s step %s: %w", cluster, id, err)
		}
		if out.Step == nil {
			return Status{}, fmt.Errorf("emr status %s step %s: empty response", cluster, id)
		}
		steps[i] = *out.Step
	}
	st := EMRStatus(steps)
	if st.State == StateFailed {
		var pending []string
		for _, s := range steps[st.StepIndex+1:] {
			if s.Status != nil && s.Status.State == emrtypes.StepStatePending {
				pending = append(pending, aws.ToString(s.Id))
			}
		}
		if len(pending) > 0 {
			_, err := e.client.CancelSteps(ctx, &emr.CancelStepsInput{ClusterId: aws.String(cluster), StepIds: pending})
			if err != nil {
				st.Message += fmt.Sprintf("; cancel later steps %s: %s", strings.Join(pending, ","), err)
			} else {
				st.Message += "; cancelled later steps " + strings.Join(pending, ",")
			}
		}
	}
	return st, nil
}

// EMRStatus folds the states of a job's steps, in job order, into one Status. Pure.
// The first FAILED, CANCELLED or INTERRUPTED step makes the job FAILED (FailureDetails in
// Message); all COMPLETED is SUCCEEDED; all PENDING is PENDING; anything else RUNNING.
func EMRStatus(steps []emrtypes.Step) Status {
	for i, s := range steps {
		var state emrtypes.StepState
		if s.Status != nil {
			state = s.Status.State
		}
		switch state {
		case emrtypes.StepStateFailed, emrtypes.StepStateCancelled, emrtypes.StepStateInterrupted:
			return Status{State: StateFailed, ExitCode: -1, StepIndex: i, Message: emrFailureMessage(s, i, len(steps))}
		}
	}
	allPending := true
	for i, s := range steps {
		var state emrtypes.StepState
		if s.Status != nil {
			state = s.Status.State
		}
		if state == emrtypes.StepStateCompleted {
			allPending = false
			continue
		}
		if state == emrtypes.StepStatePending && allPending {
			return Status{State: StatePending, StepIndex: i, Message: "emr step " + aws.ToString(s.Id) + " PENDING"}
		}
		return Status{State: StateRunning, StepIndex: i, Message: fmt.Sprintf("emr step %s %s", aws.ToString(s.Id), state)}
	}
	return Status{State: StateSucceeded, StepIndex: len(steps) - 1}
}

func emrFailureMessage(s emrtypes.Step, i, n int) string {
	msg := fmt.Sprintf("emr step %d/%d (%s) %s", i+1, n, aws.ToString(s.Id), s.Status.State)
	if fd := s.Status.FailureDetails; fd != nil {
		if r := aws.ToString(fd.Reason); r != "" {
			msg += ": " + r
		}
		if m := aws.ToString(fd.Message); m != "" {
			msg += ": " + m
		}
		if l := aws.ToString(fd.LogFile); l != "" {
			msg += " (log " + l + ")"
		}
	} else if r := s.Status.StateChangeReason; r != nil && aws.ToString(r.Message) != "" {
		msg += ": " + aws.ToString(r.Message)
	}
	return msg
}
