package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/rs/zerolog"

	"github.com/atlas-backup/atlas-backup/shared/backup"
	"github.com/atlas-backup/atlas-backup/shared/clients"
	"github.com/atlas-backup/atlas-backup/shared/config"
)

// Environment of the functions (template.yaml sets them).
const (
	// EnvConfigParameter names an SSM parameter (String or SecureString) holding the
	// cluster config YAML: the way template.yaml deploys it.
	EnvConfigParameter = "ATLAS_BACKUP_CONFIG_PARAMETER"
	// EnvConfigYAML holds the YAML itself; EnvConfigFile a path to it. Exactly one of
	// the three is set.
	EnvConfigYAML = "ATLAS_BACKUP_CONFIG_YAML"
	EnvConfigFile = "ATLAS_BACKUP_CONFIG"
	// EnvAgentDocument names the host agent's SSM Command document.
	EnvAgentDocument = "AGENT_DOCUMENT"
	// EnvLocalRunner=1 allows hbase.runner.type local: HBase commands then run inside
	// the function's own sandbox, which only makes sense when the functions run on a
	// cluster host (the local e2e under aws-lambda-rie). In Lambda a job would be frozen
	// with the sandbox between invocations.
	EnvLocalRunner = "ATLAS_BACKUP_LOCAL_RUNNER"
	// EnvEventBus names the EventBridge bus the completion events go to ("default";
	// empty: none are published).
	EnvEventBus = "EVENT_BUS"
	// EnvStateMachine and EnvCluster are the start function's.
	EnvStateMachine = "STATE_MACHINE_ARN"
	EnvCluster      = "ATLAS_BACKUP_CLUSTER"
)

// Version is set at build time (-ldflags -X).
var Version = "dev"

// Runtime is what one function sandbox builds once, at init.
type Runtime struct {
	Cfg    config.Config
	Set    *clients.Set
	Engine *backup.Engine
	Log    zerolog.Logger
	aws    *aws.Config
	getenv func(string) string
}

// LoadConfig reads the cluster config named by the environment and validates it.
func LoadConfig(ctx context.Context, getenv func(string) string, ssmc interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}) (config.Config, error) {
	param, inline, file := getenv(EnvConfigParameter), getenv(EnvConfigYAML), getenv(EnvConfigFile)
	n := 0
	for _, v := range []string{param, inline, file} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return config.Config{}, fmt.Errorf("config: set exactly one of %s, %s, %s (%d set)", EnvConfigParameter, EnvConfigYAML, EnvConfigFile, n)
	}
	switch {
	case file != "":
		return config.Load(file)
	case inline != "":
		c, err := config.Parse([]byte(inline))
		if err != nil {
			return c, fmt.Errorf("config from %s: %w", EnvConfigYAML, err)
		}
		return c, nil
	}
	if ssmc == nil {
		return config.Config{}, errors.New("config: no SSM client to read " + param)
	}
	out, err := ssmc.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(param), WithDecryption: aws.Bool(true)})
	if err != nil {
		return config.Config{}, fmt.Errorf("config parameter %s: %w", param, err)
	}
	if out.Parameter == nil || out.Parameter.Value == nil {
		return config.Config{}, fmt.Errorf("config parameter %s has no value", param)
	}
	c, err := config.Parse([]byte(*out.Parameter.Value))
	if err != nil {
		return c, fmt.Errorf("config parameter %s: %w", param, err)
	}
	return c, nil
}

// Boot loads the config and builds every client, once per sandbox. The log is JSON on
// stdout (CloudWatch Logs), with the function name on every line.
func Boot(ctx context.Context, function string, getenv func(string) string) (*Runtime, error) {
	log := zerolog.New(os.Stdout).With().Timestamp().Str("function", function).Logger()
	rt := &Runtime{Log: log, getenv: getenv}
	var ssmc *ssm.Client
	if getenv(EnvConfigParameter) != "" || getenv(EnvAgentDocument) != "" {
		ac, err := rt.awsConfig(ctx)
		if err != nil {
			return nil, err
		}
		ssmc = ssm.NewFromConfig(*ac)
	}
	cfg, err := LoadConfig(ctx, getenv, ssmc)
	if err != nil {
		return nil, err
	}
	if cfg.HBase.Runner.Type == config.RunnerLocal && getenv(EnvLocalRunner) != "1" {
		return nil, fmt.Errorf("config: hbase.runner.type local would run HBase inside the Lambda sandbox: use ssm or emr (%s=1 allows it where the functions run on a cluster host)", EnvLocalRunner)
	}
	set, err := clients.Open(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("clients: %w", err)
	}
	rt.Cfg, rt.Set = cfg, set
	rt.Log = log.With().Str("cluster", cfg.Cluster).Logger()
	rt.Engine = set.Engine(rt.Log, Version)
	return rt, nil
}

func (rt *Runtime) awsConfig(ctx context.Context) (*aws.Config, error) {
	if rt.aws != nil {
		return rt.aws, nil
	}
	c, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("aws config: %w", err)
	}
	if c.Region == "" {
		return nil, clients.ErrNoRegion
	}
	rt.aws = &c
	return rt.aws, nil
}

// Backup returns the backup step handlers on this runtime.
func (rt *Runtime) Backup(ctx context.Context) (*Backup, error) {
	pub, err := rt.Set.Publisher(ctx, rt.getenv(EnvEventBus))
	if err != nil {
		return nil, err
	}
	h := &Backup{Engine: rt.Engine, Locker: rt.Set.Locker(), Events: pub, Set: rt.Set}
	if doc := rt.getenv(EnvAgentDocument); doc != "" {
		ac, err := rt.awsConfig(ctx)
		if err != nil {
			return nil, err
		}
		h.Agent = &Agent{SSM: ssm.NewFromConfig(*ac), Document: doc}
	}
	return h, nil
}

// BootStart builds the start function's handler: it needs only the state machine ARN,
// the cluster name and a Step Functions client.
func BootStart(ctx context.Context, getenv func(string) string) (*Start, error) {
	arn, cluster := getenv(EnvStateMachine), getenv(EnvCluster)
	if arn == "" || cluster == "" {
		return nil, fmt.Errorf("start: %s and %s must be set", EnvStateMachine, EnvCluster)
	}
	rt := &Runtime{getenv: getenv}
	ac, err := rt.awsConfig(ctx)
	if err != nil {
		return nil, err
	}
	return &Start{SFN: sfn.NewFromConfig(*ac), StateMachineARN: arn, Cluster: cluster}, nil
}

// Broken is the handler of a function whose init failed (bad config, no region): every
// invocation fails with *backup.BadInput naming the problem, instead of a bare init
// error the state machine cannot tell from a crash.
func Broken(err error) func(context.Context, json.RawMessage) (struct{}, error) {
	return func(context.Context, json.RawMessage) (struct{}, error) {
		return struct{}{}, &backup.BadInput{Err: fmt.Errorf("function init: %w", err)}
	}
}

// Restore returns the restore step handlers on this runtime.
func (rt *Runtime) Restore(ctx context.Context) (*Restore, error) {
	pub, err := rt.Set.Publisher(ctx, rt.getenv(EnvEventBus))
	if err != nil {
		return nil, err
	}
	return &Restore{Engine: rt.Set.RestoreEngine(rt.Log), Locker: rt.Set.Locker(), Events: pub}, nil
}
