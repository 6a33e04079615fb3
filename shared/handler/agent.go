package handler

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/atlas-backup/atlas-backup/shared/backup"
)

// The host agent's SSM Command document (template.yaml AgentDocument) runs
//
//	atlas-backup agent archive-config --dir {{confDir}} --store {{store}} --key {{key}} --part {{part}}
//
// on the Atlas host. SSM pastes parameters into the script text, so every parameter has
// an allowedPattern in the document; these are the same patterns, checked here first
// (a test compares them with template.yaml).
const (
	AgentPatternBackupID = `^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`
	AgentPatternConfDir  = `^/[A-Za-z0-9._/@+=,-]{1,255}$`
	AgentPatternStore    = `^(s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[A-Za-z0-9._=/-]{1,512})?|file:///[A-Za-z0-9._=/-]{1,512})$`
	AgentPatternKey      = `^[A-Za-z0-9][A-Za-z0-9._=/-]{0,999}$`
)

var agentPatterns = map[string]*regexp.Regexp{
	"backupId": regexp.MustCompile(AgentPatternBackupID),
	"confDir":  regexp.MustCompile(AgentPatternConfDir),
	"store":    regexp.MustCompile(AgentPatternStore),
	"key":      regexp.MustCompile(AgentPatternKey),
	"part":     regexp.MustCompile(AgentPatternKey),
}

// AgentArchiveRequest is one config archive for the agent.
type AgentArchiveRequest struct {
	BackupID, ConfDir, Store, Key, Part string
}

// AgentParameters renders the document's parameters, refusing any value its
// allowedPattern would refuse (and any "..": no traversal in keys or folders).
func AgentParameters(r AgentArchiveRequest) (map[string][]string, error) {
	p := map[string][]string{
		"backupId": {r.BackupID}, "confDir": {r.ConfDir}, "store": {r.Store}, "key": {r.Key}, "part": {r.Part},
	}
	var errs []error
	for _, name := range []string{"backupId", "confDir", "store", "key", "part"} {
		v := p[name][0]
		if !agentPatterns[name].MatchString(v) || regexp.MustCompile(`(^|/)\.\.(/|$)`).MatchString(v) {
			errs = append(errs, fmt.Errorf("agent parameter %s: %q does not match %s", name, v, agentPatterns[name]))
		}
	}
	if len(errs) > 0 {
		return nil, &backup.BadInput{Err: errors.Join(errs...)}
	}
	return p, nil
}

// SSMAgentAPI is the part of the SSM client the agent needs.
type SSMAgentAPI interface {
	SendCommand(ctx context.Context, in *ssm.SendCommandInput, optFns ...func(*ssm.Options)) (*ssm.SendCommandOutput, error)
	GetCommandInvocation(ctx context.Context, in *ssm.GetCommandInvocationInput, optFns ...func(*ssm.Options)) (*ssm.GetCommandInvocationOutput, error)
}

// Agent sends the host agent's document through SSM Run Command.
type Agent struct {
	SSM      SSMAgentAPI
	Document string
	// TimeoutSeconds is the document's executionTimeout parameter (default 1800).
	TimeoutSeconds int
}

// Send starts the archive on instance and returns the command id.
func (a *Agent) Send(ctx context.Context, instance string, r AgentArchiveRequest) (string, error) {
	params, err := AgentParameters(r)
	if err != nil {
		return "", err
	}
	out, err := a.SSM.SendCommand(ctx, &ssm.SendCommandInput{
		DocumentName: aws.String(a.Document),
		InstanceIds:  []string{instance},
		Parameters:   params,
		Comment:      aws.String("atlas-backup config " + r.BackupID),
	})
	if err != nil {
		return "", &backup.ConfigArchiveFailed{Err: fmt.Errorf("send %s to %s: %w", a.Document, instance, err)}
	}
	if out.Command == nil || out.Command.CommandId == nil {
		return "", &backup.ConfigArchiveFailed{Err: fmt.Errorf("send %s to %s: no command id in the answer", a.Document, instance)}
	}
	return *out.Command.CommandId, nil
}

// AgentStatus is one look at the agent's command.
type AgentStatus struct {
	State  string
	Done   bool
	OK     bool
	Output string
}

// Status reads the command's invocation on instance.
func (a *Agent) Status(ctx context.Context, commandID, instance string) (AgentStatus, error) {
	out, err := a.SSM.GetCommandInvocation(ctx, &ssm.GetCommandInvocationInput{CommandId: aws.String(commandID), InstanceId: aws.String(instance)})
	var nf *ssmtypes.InvocationDoesNotExist
	if errors.As(err, &nf) {
		return AgentStatus{State: "Pending"}, nil // not visible yet right after SendCommand
	}
	if err != nil {
		return AgentStatus{}, &PollFailed{Err: fmt.Errorf("agent command %s on %s: %w", commandID, instance, err)}
	}
	st := AgentStatus{State: string(out.Status), Output: aws.ToString(out.StandardErrorContent) + aws.ToString(out.StandardOutputContent)}
	switch out.Status {
	case ssmtypes.CommandInvocationStatusSuccess:
		st.Done, st.OK = true, true
	case ssmtypes.CommandInvocationStatusCancelled, ssmtypes.CommandInvocationStatusTimedOut,
		ssmtypes.CommandInvocationStatusFailed, ssmtypes.CommandInvocationStatusCancelling:
		st.Done = true
	}
	return st, nil
}
