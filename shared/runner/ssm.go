package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// SSMAPI is the part of *ssm.Client the SSM runner uses.
type SSMAPI interface {
	SendCommand(ctx context.Context, in *ssm.SendCommandInput, optFns ...func(*ssm.Options)) (*ssm.SendCommandOutput, error)
	GetCommandInvocation(ctx context.Context, in *ssm.GetCommandInvocationInput, optFns ...func(*ssm.Options)) (*ssm.GetCommandInvocationOutput, error)
	ListCommands(ctx context.Context, in *ssm.ListCommandsInput, optFns ...func(*ssm.Options)) (*ssm.ListCommandsOutput, error)
}

// SSMDocument is the SSM document the runner sends.
const SSMDocument = "AWS-RunShellScript"

// SSMOptions tune the SSM runner. The zero value is usable.
type SSMOptions struct {
	// ExecutionTimeout is the document's executionTimeout (AWS default 1h when zero).
	// An HBase Export of a large table may need several hours.
	ExecutionTimeout time.Duration
	// DeliveryTimeout is SendCommand's TimeoutSeconds (AWS default when zero).
	DeliveryTimeout time.Duration
	// WorkingDirectory is the document's workingDirectory (empty: agent default).
	WorkingDirectory string
	// OutputS3Bucket and OutputS3KeyPrefix keep the full output in S3; without them
	// GetCommandInvocation returns only the first 24,000 characters of each stream.
	OutputS3Bucket    string
	OutputS3KeyPrefix string
	// LookBack is how far back Submit searches the instance's commands for an earlier
	// attempt of the same job; 0 means 24h, negative disables the search.
	LookBack time.Duration
	// Now is the clock (tests); nil is time.Now.
	Now func() time.Time
}

// SSM runs jobs on one EC2 or managed instance through Run Command (AWS-RunShellScript).
// The handle is "<command id>:<instance id>".
type SSM struct {
	client     SSMAPI
	instanceID string
	opts       SSMOptions
}

// NewSSM returns an SSM runner for instanceID.
func NewSSM(client SSMAPI, instanceID string, opts SSMOptions) *SSM {
	return &SSM{client: client, instanceID: instanceID, opts: opts}
}

// SSMComment is the command comment that identifies a job (at most 100 characters, the
// SSM limit): "atlas-backup <id>", or for long IDs a prefix of the id and a hash of it.
func SSMComment(jobID string) string {
	c := "atlas-backup " + jobID
	if len(c) <= 100 {
		return c
	}
	sum := sha256.Sum256([]byte(jobID))
	return "atlas-backup " + jobID[:60] + "~" + hex.EncodeToString(sum[:])[:16]
}

// SSMScript renders the job as the lines of a shell script: a comment with the job ID,
// `set -eu`, and per step a progress marker on stdout followed by the quoted command
// (with the `env K=V` prefix when the job has an environment).
func SSMScript(job Job) ([]string, error) {
	if err := job.Validate(); err != nil {
		return nil, err
	}
	lines := []string{"# atlas-backup job " + job.ID, "set -eu"}
	n := len(job.Steps)
	for i, s := range job.Steps {
		lines = append(lines,
			ShellQuote([]string{"echo", fmt.Sprintf("%s%d/%d", stepMarker, i+1, n)}),
			ShellQuote(job.withEnv(s.Argv)))
	}
	return lines, nil
}

const stepMarker = "atlas-backup: step "

var stepMarkerRe = regexp.MustCompile(`(?m)^atlas-backup: step (\d+)/(\d+)$`)

// SSMSendCommandInput builds the SendCommand request for job on instanceID. Pure.
func SSMSendCommandInput(instanceID string, job Job, opts SSMOptions) (*ssm.SendCommandInput, error) {
	if err := ValidateInstanceID(instanceID); err != nil {
		return nil, fmt.Errorf("ssm: %w", err)
	}
	lines, err := SSMScript(job)
	if err != nil {
		return nil, fmt.Errorf("ssm command: %w", err)
	}
	params := map[string][]string{"commands": lines}
	if opts.ExecutionTimeout > 0 {
		params["executionTimeout"] = []string{strconv.Itoa(int(opts.ExecutionTimeout / time.Second))}
	}
	if opts.WorkingDirectory != "" {
		params["workingDirectory"] = []string{opts.WorkingDirectory}
	}
	in := &ssm.SendCommandInput{
		DocumentName: aws.String(SSMDocument),
		InstanceIds:  []string{instanceID},
		Comment:      aws.String(SSMComment(job.ID)),
		Parameters:   params,
	}
	if opts.DeliveryTimeout > 0 {
		in.TimeoutSeconds = aws.Int32(int32(opts.DeliveryTimeout / time.Second))
	}
	if opts.OutputS3Bucket != "" {
		in.OutputS3BucketName = aws.String(opts.OutputS3Bucket)
		if opts.OutputS3KeyPrefix != "" {
			in.OutputS3KeyPrefix = aws.String(opts.OutputS3KeyPrefix)
		}
	}
	return in, nil
}

// Submit sends the job, unless an earlier command for the same job ID on this instance
// (found by its comment within LookBack) is pending, running or succeeded.
func (s *SSM) Submit(ctx context.Context, job Job) (string, error) {
	in, err := SSMSendCommandInput(s.instanceID, job, s.opts)
	if err != nil {
		return "", fmt.Errorf("ssm submit: %w", err)
	}
	if id, err := s.findAttempt(ctx, aws.ToString(in.Comment)); err != nil {
		return "", fmt.Errorf("ssm submit %s: look for an earlier attempt: %w", job.ID, err)
	} else if id != "" {
		return id + ":" + s.instanceID, nil
	}
	out, err := s.client.SendCommand(ctx, in)
	if err != nil {
		return "", fmt.Errorf("ssm submit %s to %s: %w", job.ID, s.instanceID, err)
	}
	if out.Command == nil || aws.ToString(out.Command.CommandId) == "" {
		return "", fmt.Errorf("ssm submit %s to %s: response has no command id", job.ID, s.instanceID)
	}
	return aws.ToString(out.Command.CommandId) + ":" + s.instanceID, nil
}

const ssmMaxListPages = 10

func (s *SSM) findAttempt(ctx context.Context, comment string) (string, error) {
	if s.opts.LookBack < 0 {
		return "", nil
	}
	lookBack := s.opts.LookBack
	if lookBack == 0 {
		lookBack = 24 * time.Hour
	}
	now := time.Now
	if s.opts.Now != nil {
		now = s.opts.Now
	}
	in := &ssm.ListCommandsInput{
		InstanceId: aws.String(s.instanceID),
		Filters: []ssmtypes.CommandFilter{
			{Key: ssmtypes.CommandFilterKeyInvokedAfter, Value: aws.String(now().Add(-lookBack).UTC().Format(time.RFC3339))},
			{Key: ssmtypes.CommandFilterKeyDocumentName, Value: aws.String(SSMDocument)},
		},
	}
	for page := 0; page < ssmMaxListPages; page++ {
		out, err := s.client.ListCommands(ctx, in)
		if err != nil {
			return "", err
		}
		for _, c := range out.Commands {
			if aws.ToString(c.Comment) != comment {
				continue
			}
			switch c.Status {
			case ssmtypes.CommandStatusFailed, ssmtypes.CommandStatusCancelled,
				ssmtypes.CommandStatusTimedOut, ssmtypes.CommandStatusCancelling:
				continue
			}
			return aws.ToString(c.CommandId), nil
		}
		if aws.ToString(out.NextToken) == "" {
			return "", nil
		}
		in.NextToken = out.NextToken
	}
	return "", nil
}

// Status maps GetCommandInvocation: Pending/InProgress/Delayed/Cancelling → RUNNING
// (PENDING for Pending), Success → SUCCEEDED, Cancelled/TimedOut/Failed → FAILED with the
// standard error in Message. An invocation that does not exist yet (just after
// SendCommand) is PENDING.
func (s *SSM) Status(ctx context.Context, handle string) (Status, error) {
	cmdID, instID, ok := strings.Cut(handle, ":")
	if !ok || cmdID == "" || instID == "" {
		return Status{}, fmt.Errorf("ssm status %q: handle must be <command id>:<instance id>: %w", handle, ErrUnknownHandle)
	}
	out, err := s.client.GetCommandInvocation(ctx, &ssm.GetCommandInvocationInput{
		CommandId:  aws.String(cmdID),
		InstanceId: aws.String(instID),
	})
	if err != nil {
		var nf *ssmtypes.InvocationDoesNotExist
		if errors.As(err, &nf) {
			return Status{State: StatePending, StepIndex: -1, Message: "ssm: invocation not registered yet"}, nil
		}
		return Status{}, fmt.Errorf("ssm status %s: %w", handle, err)
	}
	return SSMStatus(out), nil
}

// SSMStatus maps a GetCommandInvocation response to a Status. Pure.
func SSMStatus(out *ssm.GetCommandInvocationOutput) Status {
	stdout := aws.ToString(out.StandardOutputContent)
	stderr := aws.ToString(out.StandardErrorContent)
	st := Status{ExitCode: int(out.ResponseCode), StepIndex: -1}
	if m := stepMarkerRe.FindAllStringSubmatch(stdout, -1); len(m) > 0 {
		i, _ := strconv.Atoi(m[len(m)-1][1])
		st.StepIndex = i - 1
	}
	output := stdout
	if stderr != "" {
		if output != "" && !strings.HasSuffix(output, "\n") {
			output += "\n"
		}
		output += stderr
	}
	st.Output = tail(output, OutputLimit)
	details := aws.ToString(out.StatusDetails)
	switch out.Status {
	case ssmtypes.CommandInvocationStatusPending:
		st.State = StatePending
	case ssmtypes.CommandInvocationStatusInProgress, ssmtypes.CommandInvocationStatusDelayed,
		ssmtypes.CommandInvocationStatusCancelling:
		st.State = StateRunning
	case ssmtypes.CommandInvocationStatusSuccess:
		st.State = StateSucceeded
	case ssmtypes.CommandInvocationStatusCancelled, ssmtypes.CommandInvocationStatusTimedOut,
		ssmtypes.CommandInvocationStatusFailed:
		st.State = StateFailed
		if st.ExitCode == 0 {
			st.ExitCode = -1
		}
		msg := fmt.Sprintf("ssm %s", out.Status)
		if details != "" && details != string(out.Status) {
			msg += " (" + details + ")"
		}
		if st.StepIndex >= 0 {
			msg += fmt.Sprintf(" at step %d", st.StepIndex+1)
		}
		if e := strings.TrimSpace(stderr); e != "" {
			msg += ": " + tail(e, 4096)
		}
		st.Message = msg
	default:
		st.State = StateRunning
		st.Message = fmt.Sprintf("ssm status %q", out.Status)
	}
	return st
}
