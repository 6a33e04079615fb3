package handler

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/atlas-backup/atlas-backup/shared/backup"
	"github.com/atlas-backup/atlas-backup/shared/hostpath"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

// The host agent's SSM Command document (template.yaml AgentDocument) runs
//
//	atlas-backup agent archive-config --dir {{confDir}} --store {{store}} --key {{key}} --part {{part}}
//
// on the Atlas host. SSM pastes parameters into the script text, so every parameter has
// an allowedPattern in the document (these constants; a test compares them with
// template.yaml). SSM's patterns are a coarse gate: AgentParameters applies the rules
// themselves (store.ValidateComponent, hostpath.Validate, store.ParseURL,
// store.ValidateKey), which accept only values the patterns accept too (a fuzz test
// checks it).
const (
	AgentPatternBackupID = `^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`
	AgentPatternConfDir  = `^/[A-Za-z0-9._/@+=,-]{1,999}$`
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
	BackupID, ConfDir, Key, Part string
	Store                        store.Location
}

// AgentParameters renders the document's parameters after each value's rule, and
// refuses any value its allowedPattern would refuse.
func AgentParameters(r AgentArchiveRequest) (map[string][]string, error) {
	p := map[string][]string{
		"backupId": {r.BackupID}, "confDir": {r.ConfDir}, "store": {r.Store.String()}, "key": {r.Key}, "part": {r.Part},
	}
	var errs []error
	rule := func(name string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("agent parameter %s: %w", name, err))
		}
	}
	rule("backupId", store.ValidateComponent(r.BackupID))
	rule("confDir", hostpath.Validate(r.ConfDir))
	if _, err := store.ParseURL(r.Store.String()); err != nil || r.Store.Scheme == "" {
		rule("store", fmt.Errorf("%+v: not a parsed store location", r.Store))
	}
	rule("key", store.ValidateKey(r.Key))
	rule("part", store.ValidateKey(r.Part))
	for _, name := range []string{"key", "part"} {
		if k := p[name][0]; r.Store.Prefix != "" && !strings.HasPrefix(k, r.Store.Prefix+"/") {
			rule(name, fmt.Errorf("%q is outside the store's prefix %q", k, r.Store.Prefix))
		}
	}
	for _, name := range []string{"backupId", "confDir", "store", "key", "part"} {
		if v := p[name][0]; !agentPatterns[name].MatchString(v) {
			rule(name, fmt.Errorf("%.80q does not match %s", v, agentPatterns[name]))
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
