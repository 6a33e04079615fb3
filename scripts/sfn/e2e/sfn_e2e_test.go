//go:build sfn

// Package e2e runs the serverless backup end to end on this host (make sfn-e2e): the
// one bootstrap (functions/main.go), built for this machine, under one aws-lambda-rie per
// function (its Handler name as AWS_LAMBDA_FUNCTION_HANDLER); the
// statemachine/backup.asl.json under aws-local-stepfunctions (scripts/sfn/run.mjs), its
// Lambda states sent to the RIE-hosted functions and its sns:publish state to moto; the
// real servers of the local stack behind them (scripts/stack: KDC, SolrCloud behind
// TLS+SPNEGO, HBase, moto for S3, SSM, SNS, SQS and Step Functions).
//
// It fails, never skips, when the stack is not up (STACK_OPTIONAL=1 lets it skip).
package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"gopkg.in/yaml.v3"

	"github.com/atlas-backup/atlas-backup/shared/events"
	"github.com/atlas-backup/atlas-backup/shared/handler"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/stacktest"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

// The substitutions of statemachine/backup.asl.json (template.yaml DefinitionSubstitutions).
var substitution = map[string]string{
	"PlanFunctionArn": "plan", "ExportSubmitFunctionArn": "export-submit", "ExportStatusFunctionArn": "export-status",
	"ExportShipFunctionArn": "export-ship", "SolrSubmitFunctionArn": "solr-submit", "SolrStatusFunctionArn": "solr-status",
	"SolrShipFunctionArn": "solr-ship", "ConfigArchiveFunctionArn": "config-archive", "ConfigStatusFunctionArn": "config-status",
	"FinalizeFunctionArn": "finalize", "RetentionFunctionArn": "retention",
}

// The substitutions of statemachine/restore.asl.json.
var restoreSubstitution = map[string]string{
	"RestorePlanFunctionArn": "restore-plan", "RestoreFetchFunctionArn": "restore-fetch",
	"RestoreTableImportFunctionArn": "restore-table-import", "RestoreTableStatusFunctionArn": "restore-table-status",
	"RestoreTableCheckSubmitFunctionArn": "restore-table-check-submit", "RestoreTableCheckFunctionArn": "restore-table-check",
	"RestoreCollectionSubmitFunctionArn": "restore-collection-submit", "RestoreCollectionStatusFunctionArn": "restore-collection-status",
	"RestoreCollectionCheckFunctionArn": "restore-collection-check", "RestoreConfigFunctionArn": "restore-config",
	"RestoreReportFunctionArn": "restore-report",
}

const (
	account = "123456789012"
	// eventsID is the backup id the events/*.json files carry; tests put a real one in.
	eventsID = "20261125T151200Z-0a1b2c"
)

var (
	root    string // the repository
	workDir string // built bootstraps, RIE logs, execution results
	cliBin  string
	// bootstrap is the one Lambda bootstrap (functions/main.go); each RIE starts it with
	// its function's handler name.
	bootstrap string
	rieBin    string
	report    = map[string]any{}
	reportM   sync.Mutex
	// stackEnv is the stack's environment (shared/stacktest), read once in TestMain.
	stackEnv stacktest.Env
)

func record(key string, v any) {
	reportM.Lock()
	defer reportM.Unlock()
	report[key] = v
}

func TestMain(m *testing.M) {
	stacktest.Main(m, func(env stacktest.Env) (func(), error) {
		stackEnv = env
		if err := setup(); err != nil {
			return nil, err
		}
		return func() {
			if p := os.Getenv("SFN_E2E_REPORT"); p != "" {
				b, _ := json.MarshalIndent(report, "", "  ")
				_ = os.WriteFile(p, b, 0o644)
			}
			if os.Getenv("SFN_E2E_KEEP") == "" {
				os.RemoveAll(workDir)
			}
		}, nil
	}, append([]string{stacktest.Config, "STACK_BUCKET"}, stacktest.AWS...)...)
}

func setup() error {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	root = filepath.Clean(filepath.Join(wd, "..", "..", ".."))
	if workDir, err = os.MkdirTemp("", "atlas-backup-sfn-e2e"); err != nil {
		return err
	}
	rieBin = os.Getenv("AWS_LAMBDA_RIE")
	if rieBin == "" {
		if p, err := exec.LookPath("aws-lambda-rie"); err == nil {
			rieBin = p
		} else {
			gobin := strings.TrimSpace(run("go", "env", "GOBIN"))
			if gobin == "" {
				gobin = filepath.Join(strings.TrimSpace(run("go", "env", "GOPATH")), "bin")
			}
			rieBin = filepath.Join(gobin, "aws-lambda-rie")
		}
	}
	if _, err := os.Stat(rieBin); err != nil {
		return fmt.Errorf("aws-lambda-rie not found (%s): scripts/install-deps installs it", rieBin)
	}
	if _, err := os.Stat(filepath.Join(root, "scripts", "sfn", "node_modules", "aws-local-stepfunctions")); err != nil {
		return errors.New("scripts/sfn/node_modules missing: scripts/install-deps runs npm ci there")
	}
	// The one bootstrap for this machine, built as for Lambda (norpc, stripped), then the CLI.
	t0 := time.Now()
	bootstrap = filepath.Join(workDir, "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", bootstrap, "./functions")
	cmd.Dir, cmd.Env = root, append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build the bootstrap: %v\n%s", err, b)
	}
	cliBin = filepath.Join(workDir, "atlas-backup")
	cmd = exec.Command("go", "build", "-o", cliBin, "./cmd/atlas-backup")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build CLI: %v\n%s", err, b)
	}
	fi, err := os.Stat(bootstrap)
	if err != nil {
		return err
	}
	sizes := map[string]int64{"bootstrap": fi.Size()}
	record("bootstrapBytes_"+runtime.GOARCH, sizes)
	record("buildSeconds", time.Since(t0).Seconds())
	return nil
}

func run(name string, args ...string) string {
	out, _ := exec.Command(name, args...).Output()
	return string(out)
}

// --- moto -------------------------------------------------------------------------

func awsCfg(t *testing.T) aws.Config {
	t.Helper()
	return stacktest.AWSConfig(t)
}

// fixture is one deployment on the local stack: a cluster name of its own, its config
// in an SSM parameter, an SNS topic with an SQS queue subscribed, a state machine
// registered in moto for the start function, and every function under RIE.
type fixture struct {
	t           *testing.T
	cluster     string
	cfgPath     string // the same config as a file, for the CLI
	cfg         map[string]any
	param       string
	topicARN    string
	queueURL    string
	smARN       string
	fns         map[string]*rie
	mu          sync.Mutex
	executions  []map[string]any
	definition  string
	extraFnEnv  map[string][]string
	solrBackups string
	// eventsURL is the SQS queue an EventBridge rule on moto's default bus sends this
	// cluster's completion events to, as an upgrade pipeline would subscribe.
	eventsURL string
}

func newFixture(t *testing.T, name string, change func(cfg map[string]any)) *fixture {
	t.Helper()
	f := &fixture{t: t, cluster: fmt.Sprintf("sfn-%s-%s", name, randHex(3)), fns: map[string]*rie{},
		definition: filepath.Join(root, "statemachine", "backup.asl.json")}
	f.cfg = stacktest.ConfigMap(t)
	f.cfg["cluster"] = f.cluster
	f.cfg["workDir"] = t.TempDir() // one host: every function shares it, as the local runner needs
	if change != nil {
		change(f.cfg)
	}
	f.solrBackups = f.cfg["solr"].(map[string]any)["location"].(string)
	yb, err := yaml.Marshal(f.cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.cfgPath = filepath.Join(t.TempDir(), "atlas-backup.yaml")
	if err := os.WriteFile(f.cfgPath, yb, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ac := awsCfg(t)
	f.param = "/atlas-backup/" + f.cluster + "/config"
	if _, err := ssm.NewFromConfig(ac).PutParameter(ctx, &ssm.PutParameterInput{
		Name: aws.String(f.param), Value: aws.String(string(yb)), Type: ssmtypes.ParameterTypeSecureString, Overwrite: aws.Bool(true),
	}); err != nil {
		t.Fatalf("put config parameter: %v", err)
	}
	top, err := sns.NewFromConfig(ac).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("atlas-backup-alerts-" + f.cluster)})
	if err != nil {
		t.Fatalf("create topic: %v", err)
	}
	f.topicARN = *top.TopicArn
	q, err := sqs.NewFromConfig(ac).CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("alerts-" + f.cluster)})
	if err != nil {
		t.Fatalf("create queue: %v", err)
	}
	f.queueURL = *q.QueueUrl
	qa, err := sqs.NewFromConfig(ac).GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sns.NewFromConfig(ac).Subscribe(ctx, &sns.SubscribeInput{TopicArn: top.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(qa.Attributes["QueueArn"])}); err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	eq, err := sqs.NewFromConfig(ac).CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("events-" + f.cluster)})
	if err != nil {
		t.Fatalf("create events queue: %v", err)
	}
	f.eventsURL = *eq.QueueUrl
	eqa, err := sqs.NewFromConfig(ac).GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: eq.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	pattern, _ := json.Marshal(map[string]any{"source": []string{events.Source}, "detail-type": events.DetailTypes, "detail": map[string]any{"cluster": []string{f.cluster}}})
	eb := eventbridge.NewFromConfig(ac)
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("events-" + f.cluster), EventPattern: aws.String(string(pattern))}); err != nil {
		t.Fatalf("put rule: %v", err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("events-" + f.cluster),
		Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String(eqa.Attributes["QueueArn"])}}}); err != nil {
		t.Fatalf("put targets: %v", err)
	}
	def, err := os.ReadFile(f.definition)
	if err != nil {
		t.Fatal(err)
	}
	sm, err := sfn.NewFromConfig(ac).CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name: aws.String("atlas-backup-" + f.cluster), Definition: aws.String(f.substitute(string(def))),
		RoleArn: aws.String("arn:aws:iam::" + account + ":role/atlas-backup-statemachine"),
	})
	if err != nil {
		t.Fatalf("create state machine in moto: %v", err)
	}
	f.smARN = *sm.StateMachineArn
	t.Cleanup(f.stop)
	return f
}

func (f *fixture) substitute(def string) string {
	for k, fn := range substitution {
		def = strings.ReplaceAll(def, "${"+k+"}", fnARN(fn))
	}
	return strings.ReplaceAll(def, "${AlertTopicArn}", f.topicARN)
}

func fnARN(fn string) string { return "arn:aws:lambda:us-east-1:" + account + ":function:" + fn }

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// --- aws-lambda-rie -----------------------------------------------------------------

type rie struct {
	fn   string
	url  string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// fn starts (once) the function under its own aws-lambda-rie, on two free loopback
// ports, with the environment template.yaml gives it.
func (f *fixture) fn(name string) *rie {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r, ok := f.fns[name]; ok {
		return r
	}
	t := f.t
	p1, p2 := freePort(t), freePort(t)
	logPath := filepath.Join(workDir, "rie-"+f.cluster+"-"+name+".log")
	lf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(rieBin,
		"--runtime-interface-emulator-address", fmt.Sprintf("127.0.0.1:%d", p1),
		"--runtime-api-address", fmt.Sprintf("127.0.0.1:%d", p2),
		bootstrap)
	cmd.Env = append(os.Environ(),
		"AWS_LAMBDA_FUNCTION_NAME="+name, "AWS_LAMBDA_FUNCTION_HANDLER="+name, // template.yaml: Handler: <name> "AWS_LAMBDA_FUNCTION_TIMEOUT=900", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1024",
		"LOG_LEVEL=info", handler.EnvLocalRunner+"=1") // the functions run on this host: HBase runner local
	if name == "start" {
		cmd.Env = append(cmd.Env, handler.EnvStateMachine+"="+f.smARN, handler.EnvCluster+"="+f.cluster)
	} else {
		cmd.Env = append(cmd.Env, handler.EnvConfigParameter+"="+f.param, handler.EnvEventBus+"=default") // template.yaml Globals
	}
	cmd.Env = append(cmd.Env, f.extraFnEnv[name]...)
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start rie for %s: %v", name, err)
	}
	r := &rie{fn: name, url: fmt.Sprintf("http://127.0.0.1:%d", p1), cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() { cmd.Wait(); lf.Close(); close(r.done) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", p1))
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logPath)
			t.Fatalf("rie for %s did not listen:\n%s", name, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	f.fns[name] = r
	return r
}

func (f *fixture) stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.fns {
		if r.cmd.Process != nil {
			_ = r.cmd.Process.Signal(os.Interrupt)
			select {
			case <-r.done:
			case <-time.After(5 * time.Second):
				_ = r.cmd.Process.Kill()
				<-r.done
			}
		}
	}
}

// invoke calls the function once, as Lambda's Invoke does; errorType is "" on success.
func (f *fixture) invoke(name string, payload []byte) (out json.RawMessage, errorType, errorMessage string) {
	f.t.Helper()
	r := f.fn(name)
	res, err := http.Post(r.url+"/2015-03-31/functions/function/invocations", "application/json", bytes.NewReader(payload))
	if err != nil {
		f.t.Fatalf("invoke %s: %v", name, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var e struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal(b, &e) == nil && e.ErrorType != "" {
		return b, e.ErrorType, e.ErrorMessage
	}
	if res.StatusCode != 200 {
		f.t.Fatalf("invoke %s: HTTP %d: %s", name, res.StatusCode, b)
	}
	return b, "", ""
}

// pollTries bounds how often step repeats a check until its answer says done, 0.5 s
// apart (2 minutes): one limit for every status function.
const pollTries = 240

// step invokes fn with payload; with untilDone it invokes it again with the previous
// answer, as the state machine does, until the answer says done (failing the test after
// pollTries). With wantErr the call must fail with that errorType and step returns nil;
// otherwise any error fails the test.
func (f *fixture) step(t *testing.T, fn string, payload []byte, untilDone bool, wantErr string) json.RawMessage {
	t.Helper()
	var out json.RawMessage
	var et, em string
	for n := 0; ; n++ {
		out, et, em = f.invoke(fn, payload)
		if !untilDone || et != "" || field(out, "done") == true || n >= pollTries {
			break
		}
		payload = out
		time.Sleep(500 * time.Millisecond)
	}
	if wantErr != "" {
		if et != wantErr {
			t.Fatalf("%s: errorType %q (%s), want %q; output %s", fn, et, em, wantErr, out)
		}
		return nil
	}
	if et != "" {
		t.Fatalf("%s: %s: %s", fn, et, em)
	}
	if untilDone && field(out, "done") != true {
		t.Fatalf("%s: not done after %d checks: %s", fn, pollTries, out)
	}
	return out
}

// field reads the value at path in a JSON answer (nil when absent).
func field(out json.RawMessage, path ...string) any {
	var v any
	_ = json.Unmarshal(out, &v)
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	return v
}

// initDurations reads "Init Duration" from the RIE logs (its REPORT lines).
func (f *fixture) initDurations() map[string]float64 {
	out := map[string]float64{}
	re := regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)
	for name, r := range f.fns {
		b, _ := os.ReadFile(r.log)
		if m := re.FindSubmatch(b); m != nil {
			v, _ := strconv.ParseFloat(string(m[1]), 64)
			out[name] = v
		}
	}
	return out
}

// --- executions -----------------------------------------------------------------------

type execResult struct {
	Name       string          `json:"name"`
	Status     string          `json:"status"`
	Output     json.RawMessage `json:"output"`
	Error      string          `json:"error"`
	Cause      string          `json:"cause"`
	DurationMs int64           `json:"durationMs"`
	Metrics    struct {
		StateTransitions      int            `json:"stateTransitions"`
		LambdaInvocations     int            `json:"lambdaInvocations"`
		InvocationsByFunction map[string]int `json:"invocationsByFunction"`
		Retries               int            `json:"retries"`
		Caught                int            `json:"caught"`
		MaxPayloadBytes       int            `json:"maxPayloadBytes"`
	} `json:"metrics"`
	Published []map[string]any `json:"published"`
	Events    []map[string]any `json:"events"`
}

// trigger sends a trigger event to the start function (which starts the execution in
// moto's Step Functions) and returns its answer.
func (f *fixture) trigger(ev map[string]any) handler.StartOutput {
	f.t.Helper()
	b, _ := json.Marshal(ev)
	out, et, em := f.invoke("start", b)
	if et != "" {
		f.t.Fatalf("start: %s: %s", et, em)
	}
	var so handler.StartOutput
	if err := json.Unmarshal(out, &so); err != nil {
		f.t.Fatal(err)
	}
	return so
}

// execute runs the execution the start function registered in moto, with the name and
// input moto recorded, under aws-local-stepfunctions.
func (f *fixture) execute(executionARN string, waitMs int) execResult {
	f.t.Helper()
	d, err := sfn.NewFromConfig(awsCfg(f.t)).DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(executionARN)})
	if err != nil {
		f.t.Fatalf("describe execution %s in moto: %v", executionARN, err)
	}
	var input any
	if err := json.Unmarshal([]byte(aws.ToString(d.Input)), &input); err != nil {
		f.t.Fatalf("execution input %q: %v", aws.ToString(d.Input), err)
	}
	return f.run(f.definition, substitution, f.smARN, aws.ToString(d.Name), input, waitMs)
}

// run runs one execution of a definition under aws-local-stepfunctions (scripts/sfn/run.mjs).
func (f *fixture) run(definition string, subst map[string]string, smARN, name string, input any, waitMs int) execResult {
	f.t.Helper()
	fnURLs := map[string]string{}
	subs := map[string]string{"AlertTopicArn": f.topicARN}
	for k, fn := range subst {
		fnURLs[fn] = f.fn(fn).url
		subs[k] = fnARN(fn)
	}
	out := filepath.Join(workDir, "exec-"+name+"-"+f.cluster+".json")
	spec := map[string]any{
		"definition": definition, "substitutions": subs, "functions": fnURLs,
		"sns": stackEnv.Get("AWS_ENDPOINT_URL"), "input": input, "name": name,
		"stateMachineArn": smARN, "waitMs": waitMs, "retryMs": 100, "out": out,
	}
	sb, _ := json.Marshal(spec)
	specPath := out + ".spec"
	if err := os.WriteFile(specPath, sb, 0o600); err != nil {
		f.t.Fatal(err)
	}
	cmd := exec.Command("node", "--import", "./polyfill.mjs", "run.mjs", specPath)
	cmd.Dir = filepath.Join(root, "scripts", "sfn")
	b, err := cmd.CombinedOutput()
	f.t.Logf("%s", bytes.TrimSpace(b))
	if err != nil {
		f.t.Fatalf("node run.mjs: %v", err)
	}
	var r execResult
	rb, err := os.ReadFile(out)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := json.Unmarshal(rb, &r); err != nil {
		f.t.Fatal(err)
	}
	return r
}

// closeExecution ends moto's record of an execution that ran locally (moto runs
// nothing and would keep it RUNNING).
func (f *fixture) closeExecution(arn string) {
	f.t.Helper()
	if _, err := sfn.NewFromConfig(awsCfg(f.t)).StopExecution(context.Background(), &sfn.StopExecutionInput{ExecutionArn: aws.String(arn)}); err != nil {
		f.t.Fatalf("stop execution %s in moto: %v", arn, err)
	}
}

func (f *fixture) s3get(key string) ([]byte, error) {
	c, err := store.NewS3Client(context.Background(), stackEnv.Get("AWS_ENDPOINT_URL"))
	if err != nil {
		return nil, err
	}
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(stackEnv.Get("STACK_BUCKET")), Key: aws.String(key)})
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

func (f *fixture) s3list(prefix string) ([]string, error) {
	c, err := store.NewS3Client(context.Background(), stackEnv.Get("AWS_ENDPOINT_URL"))
	if err != nil {
		return nil, err
	}
	out, err := c.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(stackEnv.Get("STACK_BUCKET")), Prefix: aws.String(prefix)})
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys, nil
}

// lockState is the state of the cluster lock's highest record ("none" when never taken).
func (f *fixture) lockState() string {
	f.t.Helper()
	keys, err := f.s3list("atlas/" + f.cluster + "/_lock/")
	if err != nil {
		f.t.Fatal(err)
	}
	if len(keys) == 0 {
		return "none"
	}
	sort.Strings(keys)
	b, err := f.s3get(keys[len(keys)-1])
	if err != nil {
		f.t.Fatal(err)
	}
	var r struct {
		State string `json:"state"`
	}
	_ = json.Unmarshal(b, &r)
	return r.State
}

func (f *fixture) manifest(cluster, id string) *manifest.Manifest {
	f.t.Helper()
	b, err := f.s3get("atlas/" + cluster + "/" + id + "/manifest.json")
	if err != nil {
		f.t.Fatalf("manifest of %s/%s: %v", cluster, id, err)
	}
	m, err := manifest.Unmarshal(b)
	if err != nil {
		f.t.Fatal(err)
	}
	return m
}

func (f *fixture) messages(wantAtLeast int) []string {
	f.t.Helper()
	c := sqs.NewFromConfig(awsCfg(f.t))
	var out []string
	deadline := time.Now().Add(20 * time.Second)
	for len(out) < wantAtLeast && time.Now().Before(deadline) {
		r, err := c.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(f.queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			f.t.Fatal(err)
		}
		for _, m := range r.Messages {
			out = append(out, aws.ToString(m.Body))
		}
	}
	return out
}

// completion reads up to n completion events from the cluster's events queue (an
// EventBridge rule target in moto), as {"detail-type", "detail", ...} maps.
func (f *fixture) completion(n int) []map[string]any {
	f.t.Helper()
	c := sqs.NewFromConfig(awsCfg(f.t))
	var out []map[string]any
	deadline := time.Now().Add(20 * time.Second)
	for len(out) < n && time.Now().Before(deadline) {
		r, err := c.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(f.eventsURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			f.t.Fatal(err)
		}
		for _, m := range r.Messages {
			var v map[string]any
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &v); err != nil {
				f.t.Fatalf("event %s: %v", aws.ToString(m.Body), err)
			}
			out = append(out, v)
			_, _ = c.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(f.eventsURL), ReceiptHandle: m.ReceiptHandle})
		}
	}
	return out
}

// completionOf returns the completion event of detail-type for id (backupId or restoreId).
func (f *fixture) completionOf(detailType, id string) map[string]any {
	f.t.Helper()
	for _, ev := range f.completion(1) {
		d, _ := ev["detail"].(map[string]any)
		if ev["detail-type"] == detailType && (d["backupId"] == id || d["restoreId"] == id) {
			return d
		}
		f.t.Logf("other event: %v %v", ev["detail-type"], d["backupId"])
	}
	f.t.Fatalf("no %q event for %s reached the queue", detailType, id)
	return nil
}

func readEvent(t *testing.T, rel string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "events", rel))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return m
}

func nowRFC3339() string { return time.Now().UTC().Truncate(time.Second).Format(time.RFC3339) }

// metrics: the counts from the event log. Each status check costs three transitions
// (Wait, Status, the Choice) and one invocation; what remains is the fixed cost.
func metrics(r execResult) map[string]any {
	checks := 0
	for _, fn := range []string{"export-status", "solr-status", "config-status", "restore-table-status", "restore-collection-status"} {
		checks += r.Metrics.InvocationsByFunction[fn]
	}
	return map[string]any{"status": r.Status, "stateTransitions": r.Metrics.StateTransitions,
		"statusChecks": checks, "fixedTransitions": r.Metrics.StateTransitions - 3*checks, "fixedInvocations": r.Metrics.LambdaInvocations - checks,
		"lambdaInvocations": r.Metrics.LambdaInvocations, "byFunction": r.Metrics.InvocationsByFunction,
		"retries": r.Metrics.Retries, "maxPayloadBytes": r.Metrics.MaxPayloadBytes, "durationMs": r.DurationMs}
}

// --- comparisons ----------------------------------------------------------------------

// comparable is what two backups of the same unchanged stack share: the tables with
// their schema, row, cell counts and order-independent cell digest; the collections
// with shards, doc counts and document digest; the config archive's files with their
// SHA-256; and which objects exist relative to the backup folder, except those whose
// names or bytes Solr and Hadoop make unique per run (Solr 9 stores index files under
// generated names; SequenceFiles carry a random sync marker).
type comparable struct {
	Tables      []tableSum
	Collections []collectionSum
	ConfigFiles map[string]string
}

type tableSum struct {
	Table, Digest   string
	Rows, Cells     int64
	Families        int
	ExportFiles     []string
	ObjectsInExport int
}

type collectionSum struct {
	Collection, Digest string
	Docs, DigestDocs   int64
	Shards             string
}

func summarize(m *manifest.Manifest) comparable {
	c := comparable{ConfigFiles: map[string]string{}}
	for _, t := range m.HBase {
		s := tableSum{Table: t.Table, Digest: t.Digest, Rows: t.Rows, Cells: t.Cells, Families: len(t.Schema.Families), ObjectsInExport: len(t.Objects)}
		for _, o := range t.Objects {
			s.ExportFiles = append(s.ExportFiles, o.Key[strings.Index(o.Key, "/hbase/")+1:])
		}
		sort.Strings(s.ExportFiles)
		c.Tables = append(c.Tables, s)
	}
	for _, col := range m.Solr {
		var shards []string
		for _, sh := range col.Shards {
			shards = append(shards, fmt.Sprintf("%s=%d", sh.Name, sh.Docs))
		}
		c.Collections = append(c.Collections, collectionSum{Collection: col.Collection, Digest: col.Digest, Docs: col.Docs,
			DigestDocs: col.DigestDocs, Shards: strings.Join(shards, ",")})
	}
	if m.Config != nil {
		for _, f := range m.Config.Files {
			c.ConfigFiles[f.Path] = f.SHA256
		}
	}
	return c
}

// liveDocCount: numFound of q=*:* on the stack's internal (plain HTTP) Solr port.
func liveDocCount(t *testing.T, collection string) int64 {
	t.Helper()
	base := strings.Split(stackEnv.Get("STACK_SOLR_INTERNAL_URLS"), ",")[0]
	if base == "" {
		t.Fatal("STACK_SOLR_INTERNAL_URLS is not set: is the stack up? (scripts/stack up)")
	}
	rsp, err := http.Get(base + "/" + collection + "/select?q=*:*&rows=0&wt=json")
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	var body struct {
		Response struct {
			NumFound int64 `json:"numFound"`
		} `json:"response"`
	}
	if err := json.NewDecoder(rsp.Body).Decode(&body); err != nil || rsp.StatusCode != http.StatusOK {
		t.Fatalf("count %s: HTTP %d, %v", collection, rsp.StatusCode, err)
	}
	return body.Response.NumFound
}

func (f *fixture) cliBackup(trigger string) *manifest.Manifest {
	f.t.Helper()
	cmd := exec.Command(cliBin, "--config", f.cfgPath, "--output", "json", "backup", "--new", "--trigger", trigger)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	if err := cmd.Run(); err != nil {
		f.t.Fatalf("CLI backup: %v\n%s", err, se.String())
	}
	m, err := manifest.Unmarshal(so.Bytes())
	if err != nil {
		f.t.Fatalf("CLI manifest: %v\n%s", err, so.String())
	}
	return m
}

// --- tests ------------------------------------------------------------------------------

// events/schedule.json through the start function, moto's Step Functions and the local
// state machine: a SUCCEEDED execution whose manifest matches the CLI's for the same
// stack. The same trigger again collapses into the first run.
func TestScheduleBackupMatchesCLI(t *testing.T) {
	f := newFixture(t, "sched", nil)
	ev := readEvent(t, "schedule.json")
	ev["cluster"] = f.cluster
	ev["scheduledTime"] = nowRFC3339()
	so := f.trigger(ev)
	if so.Duplicate || so.Trigger.Source != "schedule" {
		t.Fatalf("start: %+v", so)
	}
	r := f.execute(so.ExecutionARN, 200)
	if r.Status != "SUCCEEDED" {
		t.Fatalf("execution %s: %s %s", r.Name, r.Error, r.Cause)
	}
	if r.Name != so.BackupID {
		t.Fatalf("execution name %s, backup id %s", r.Name, so.BackupID)
	}
	m := f.manifest(f.cluster, so.BackupID)
	if m.Status != manifest.Succeeded || m.Trigger.Source != "schedule" {
		t.Fatalf("manifest: %s %+v %v", m.Status, m.Trigger, m.Reasons)
	}
	record("execution_schedule", metrics(r))
	record("initDurationMs", f.initDurations())

	// the CLI, same stack, same config
	cm := f.cliBackup("schedule")
	if cm.Status != manifest.Succeeded {
		t.Fatalf("CLI backup %s: %v", cm.Status, cm.Reasons)
	}
	got, want := summarize(m), summarize(cm)
	gb, _ := json.MarshalIndent(got, "", " ")
	wb, _ := json.MarshalIndent(want, "", " ")
	if !bytes.Equal(gb, wb) {
		t.Fatalf("state machine manifest differs from the CLI's:\nstate machine: %s\nCLI: %s", gb, wb)
	}
	if len(m.Objects()) != len(cm.Objects()) {
		t.Errorf("objects: state machine %d, CLI %d", len(m.Objects()), len(cm.Objects()))
	}
	for _, tb := range m.HBase {
		if tb.Digest == "" || tb.Rows == 0 {
			t.Errorf("table %s: no digest or rows", tb.Table)
		}
	}
	// each collection as the live Solr holds it (read on its internal port, without the tool)
	var liveDocs int64
	for _, c := range m.Solr {
		live := liveDocCount(t, c.Collection)
		liveDocs += live
		if c.Digest == "" || c.Docs != live {
			t.Errorf("collection %s: digest %q, backup docs %d, live docs %d", c.Collection, c.Digest, c.Docs, live)
		}
	}
	if liveDocs == 0 {
		t.Errorf("the live collections hold no documents: the stack is not seeded")
	}
	// every listed object is in the store with its size and checksum
	verify := exec.Command(cliBin, "--config", f.cfgPath, "verify", so.BackupID)
	if b, err := verify.CombinedOutput(); err != nil {
		t.Fatalf("verify %s: %v\n%s", so.BackupID, err, b)
	}

	// The same trigger delivered again: the same id, so the same execution. While the
	// execution runs (moto keeps it RUNNING: it executes nothing) Step Functions answers
	// StartExecution of the same name and input with that execution; once it is closed,
	// with ExecutionAlreadyExists, which the start function reports as a duplicate.
	again := f.trigger(ev)
	if again.BackupID != so.BackupID || again.ExecutionARN != so.ExecutionARN {
		t.Fatalf("second delivery: %+v, first %+v", again, so)
	}
	f.closeExecution(so.ExecutionARN)
	if third := f.trigger(ev); !third.Duplicate || third.ExecutionARN != so.ExecutionARN {
		t.Fatalf("delivery after the execution closed: %+v", third)
	}
	// payloads stay small whatever the number of objects
	if r.Metrics.MaxPayloadBytes > 16<<10 {
		t.Errorf("largest state payload %d bytes", r.Metrics.MaxPayloadBytes)
	}
}

// events/pre-upgrade.json: SUCCEEDED, with the trigger and its detail in the manifest.
func TestPreUpgradeBackup(t *testing.T) {
	f := newFixture(t, "preup", func(cfg map[string]any) { cfg["retention"] = map[string]any{"keepLast": 1} })
	ev := readEvent(t, "pre-upgrade.json")
	ev["detail"].(map[string]any)["cluster"] = f.cluster
	ev["detail"].(map[string]any)["requestId"] = "CHG-" + randHex(4)
	ev["time"] = nowRFC3339()
	so := f.trigger(ev)
	r := f.execute(so.ExecutionARN, 200)
	if r.Status != "SUCCEEDED" {
		t.Fatalf("execution %s: %s %s", r.Name, r.Error, r.Cause)
	}
	m := f.manifest(f.cluster, so.BackupID)
	if m.Status != manifest.Succeeded || m.Trigger.Source != "pre-upgrade" ||
		!strings.Contains(m.Trigger.Detail, "ticket=CHG-4711") || !strings.Contains(m.Trigger.Detail, "targetVersion=HDP-3.1.5") ||
		m.Trigger.Ticket != "CHG-4711" || m.Trigger.TargetVersion != "HDP-3.1.5" {
		t.Fatalf("manifest: %s trigger %+v", m.Status, m.Trigger)
	}
	// The upgrade pipeline's event: its ticket and target version, the manifest, sizes.
	d := f.completionOf(events.DetailTypeBackupSucceeded, so.BackupID)
	tr, _ := d["trigger"].(map[string]any)
	sizes, _ := d["sizes"].(map[string]any)
	if tr["ticket"] != "CHG-4711" || tr["targetVersion"] != "HDP-3.1.5" || d["via"] != "state-machine" ||
		!strings.HasSuffix(fmt.Sprint(d["manifest"]), so.BackupID+"/manifest.json") || sizes["tables"] != float64(2) || d["executionArn"] == nil {
		t.Errorf("completion event detail: %v", d)
	}
	// Retention ran after Finalize (keepLast 1): its result is in the execution's output,
	// and the lock is released.
	var out struct {
		Retention handler.RetentionOutput `json:"retention"`
	}
	if err := json.Unmarshal(r.Output, &out); err != nil || len(out.Retention.Kept) != 1 || !strings.HasPrefix(out.Retention.Kept[0], so.BackupID+": ") {
		t.Errorf("retention in the execution's output: %+v (%v) %s", out.Retention, err, r.Output)
	}
	if cur := f.lockState(); cur != "released" {
		t.Errorf("cluster lock after the execution: %s", cur)
	}
	// the same request sent again (a new event id): one backup
	ev["id"] = "another-delivery-" + randHex(4)
	f.closeExecution(so.ExecutionARN)
	if again := f.trigger(ev); !again.Duplicate || again.BackupID != so.BackupID {
		t.Fatalf("second request: %+v", again)
	}
	record("execution_pre-upgrade", metrics(r))
}

// A real Solr failure: a file where the BACKUP of edge_index must create its folder
// makes Solr's async task fail; the execution fails through Catch, a FAILED manifest
// is written, the SNS message reaches the queue subscribed in moto, latest stays.
func TestSolrFailureFailsThroughCatch(t *testing.T) {
	f := newFixture(t, "fail", nil)
	id := time.Now().UTC().Format("20060102T150405Z") + "-" + randHex(3)
	blocker := filepath.Join(f.solrBackups, "atlas-"+id+"-edge_index")
	if err := os.WriteFile(blocker, []byte("not a folder\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(blocker) })
	ev := readEvent(t, "on-demand.json")
	ev["detail"].(map[string]any)["cluster"] = f.cluster
	ev["detail"].(map[string]any)["backupId"] = id
	ev["time"] = nowRFC3339()
	so := f.trigger(ev)
	if so.BackupID != id {
		t.Fatalf("backup id %s, want %s", so.BackupID, id)
	}
	r := f.execute(so.ExecutionARN, 200)
	if r.Status != "FAILED" || r.Error != "BackupNotSucceeded" {
		t.Fatalf("execution: %s %s %s", r.Status, r.Error, r.Cause)
	}
	var caught []string
	for _, e := range r.Events {
		if st, ok := e["state"].(map[string]any); ok && e["type"] == "StateCaught" {
			caught = append(caught, fmt.Sprint(st["name"]))
		}
	}
	if !strings.Contains(strings.Join(caught, ","), "Parts") {
		t.Fatalf("the Parts state did not catch the failure; caught: %v", caught)
	}
	m := f.manifest(f.cluster, id)
	reasons := strings.Join(m.Reasons, "\n")
	if m.Status != manifest.Failed || !strings.Contains(reasons, "SolrBackupFailed") || !strings.Contains(reasons, "edge_index") {
		t.Fatalf("manifest %s: %v", m.Status, m.Reasons)
	}
	if len(r.Published) != 1 {
		t.Fatalf("published %v", r.Published)
	}
	msgs := f.messages(1)
	if len(msgs) == 0 || !strings.Contains(msgs[0], id) || !strings.Contains(msgs[0], "SolrBackupFailed") {
		t.Fatalf("SNS message in the queue: %v", msgs)
	}
	if _, err := f.s3get("atlas/" + f.cluster + "/latest.json"); err == nil {
		t.Fatalf("latest.json written for a FAILED backup")
	}
	if d := f.completionOf(events.DetailTypeBackupFailed, id); d["status"] != "FAILED" || !strings.Contains(fmt.Sprint(d["reasons"]), "edge_index") {
		t.Errorf("failed event detail: %v", d)
	}
	if cur := f.lockState(); cur != "released" {
		t.Errorf("cluster lock after the failed execution: %s", cur)
	}
	record("execution_solr-failure", metrics(r))
	t.Logf("caught by: %v", caught)
}

// A CLI backup and the state machine on one cluster: the CLI holds the lock, so the
// execution's Plan fails with Locked, retries a bounded number of times, then is
// finalized as FAILED naming the holder; the CLI's backup is not disturbed.
func TestStateMachineMeetsCLILock(t *testing.T) {
	slow := filepath.Join(t.TempDir(), "hbase-slow")
	f := newFixture(t, "locked", func(cfg map[string]any) {
		hb := cfg["hbase"].(map[string]any)
		script := "#!/bin/sh\ncase \"$1\" in org.apache.hadoop.hbase.mapreduce.Export) sleep 8;; esac\nexec " + hb["command"].(string) + " \"$@\"\n"
		if err := os.WriteFile(slow, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		hb["command"] = slow
	})
	cli := exec.Command(cliBin, "--config", f.cfgPath, "backup", "--new")
	var cliErr bytes.Buffer
	cli.Stderr = &cliErr
	if err := cli.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; f.lockState() != "held"; i++ {
		if i > 600 {
			t.Fatalf("the CLI never took the lock:\n%s", cliErr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	ev := readEvent(t, "on-demand.json")
	ev["detail"].(map[string]any)["cluster"] = f.cluster
	ev["time"] = nowRFC3339()
	so := f.trigger(ev)
	r := f.execute(so.ExecutionARN, 200)
	if r.Status != "FAILED" {
		t.Fatalf("execution beside a CLI backup: %s %s %s", r.Status, r.Error, r.Cause)
	}
	m := f.manifest(f.cluster, so.BackupID)
	reasons := strings.Join(m.Reasons, " ")
	if m.Status != manifest.Failed || !strings.Contains(reasons, "Locked") || !strings.Contains(reasons, "pid "+strconv.Itoa(cli.Process.Pid)) {
		t.Errorf("manifest %s: %v", m.Status, m.Reasons)
	}
	if r.Metrics.InvocationsByFunction["plan"] != 6 {
		t.Errorf("Plan ran %d times, want 6 (1 + 5 retries on Locked)", r.Metrics.InvocationsByFunction["plan"])
	}
	if d := f.completionOf(events.DetailTypeBackupFailed, so.BackupID); !strings.Contains(fmt.Sprint(d["reasons"]), "cluster locked by backup") {
		t.Errorf("failed event: %v", d)
	}
	if err := cli.Wait(); err != nil {
		t.Fatalf("the CLI backup beside the execution: %v\n%s", err, cliErr.String())
	}
	if cur := f.lockState(); cur != "released" {
		t.Errorf("cluster lock after both: %s", cur)
	}
}

// A long-running export: the Export waits 12 s before it starts (a wrapper around the
// stack's hbase launcher), Wait states last 1 s; the event log shows how the state
// transitions and Lambda invocations grow with the polls.
func TestLongExportGrowth(t *testing.T) {
	slow := filepath.Join(t.TempDir(), "hbase-slow")
	var f *fixture
	f = newFixture(t, "slow", func(cfg map[string]any) {
		hb := cfg["hbase"].(map[string]any)
		real := hb["command"].(string)
		script := "#!/bin/sh\ncase \"$1\" in org.apache.hadoop.hbase.mapreduce.Export) sleep 12;; esac\nexec " + real + " \"$@\"\n"
		if err := os.WriteFile(slow, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		hb["command"] = slow
	})
	ev := readEvent(t, "on-demand.json")
	ev["detail"].(map[string]any)["cluster"] = f.cluster
	ev["time"] = nowRFC3339()
	so := f.trigger(ev)
	r := f.execute(so.ExecutionARN, 1000)
	if r.Status != "SUCCEEDED" {
		t.Fatalf("execution: %s %s", r.Error, r.Cause)
	}
	record("execution_long-export", metrics(r))
	// what a real deployment's waits give (handler.ExportPoll), per export duration
	checks := map[string]int{}
	for _, d := range []time.Duration{time.Minute, 10 * time.Minute, time.Hour, 6 * time.Hour} {
		checks[d.String()] = handler.ExportPoll.Checks(d)
	}
	record("exportStatusChecksByDuration", checks)
}

// Every function under RIE with each of its events/*.json (the backup id replaced by
// a fresh one, the cluster by this fixture's): the expected output or named error. The
// events run in the order of a backup, so each step has real work to do.
func TestFunctionEvents(t *testing.T) {
	f := newFixture(t, "events", nil)
	id := time.Now().UTC().Format("20060102T150405Z") + "-" + randHex(3)
	load := func(rel string) []byte {
		b, err := os.ReadFile(filepath.Join(root, "events", rel))
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.ReplaceAll(b, []byte(eventsID), []byte(id))
		return bytes.ReplaceAll(b, []byte(`"prod-hdp3"`), []byte(`"`+f.cluster+`"`))
	}
	type tc struct {
		fn, event, wantErr string
		check              func(t *testing.T, out json.RawMessage)
		repeatUntilDone    bool
	}
	want := func(path string, v any) func(*testing.T, json.RawMessage) {
		return func(t *testing.T, out json.RawMessage) {
			if got := field(out, strings.Split(path, ".")...); fmt.Sprint(got) != fmt.Sprint(v) {
				t.Errorf("%s = %v, want %v (output %s)", path, got, v, out)
			}
		}
	}
	startOK := func(source string) func(*testing.T, json.RawMessage) {
		return func(t *testing.T, out json.RawMessage) {
			if field(out, "trigger", "source") != source || !strings.Contains(fmt.Sprint(field(out, "executionArn")), ":execution:") {
				t.Errorf("start output %s", out)
			}
		}
	}
	cases := []tc{
		{fn: "start", event: "schedule.json", check: startOK("schedule")},
		{fn: "start", event: "pre-upgrade.json", check: startOK("pre-upgrade")},
		{fn: "start", event: "on-demand.json", check: startOK("on-demand")},
		{fn: "start", event: "start/wrong-cluster.json", wantErr: "BadInput"},
		{fn: "start", event: "start/unknown-event.json", wantErr: "BadInput"},
		{fn: "plan", event: "plan/bad-trigger.json", wantErr: "BadInput"},
		{fn: "plan", event: "plan/bad-backup-id.json", wantErr: "BadInput"},
		{fn: "export-submit", event: "export-submit/atlas_janus.json", wantErr: "BadInput"}, // before Plan: no plan
		{fn: "plan", event: "plan/new.json", check: func(t *testing.T, out json.RawMessage) {
			var p handler.PlanOutput
			if err := json.Unmarshal(out, &p); err != nil || p.BackupID != id || len(p.Tables) != 2 || len(p.Collections) != 3 {
				t.Errorf("plan output %s", out)
			}
		}},
		{fn: "export-submit", event: "export-submit/unknown-table.json", wantErr: "BadInput"},
		{fn: "export-submit", event: "export-submit/unknown-backup.json", wantErr: "BadInput"},
		{fn: "export-submit", event: "export-submit/atlas_janus.json", check: func(t *testing.T, out json.RawMessage) {
			if h := fmt.Sprint(field(out, "handle")); !strings.HasPrefix(h, id+"-export-atlas_janus-") {
				t.Errorf("export-submit output %s", out)
			}
		}},
		{fn: "export-status", event: "export-status/unknown-handle.json", wantErr: "ExportFailed"},
		{fn: "export-status", event: "export-status/atlas_janus.json", repeatUntilDone: true, check: want("state", "SUCCEEDED")},
		{fn: "export-ship", event: "export-ship/atlas_janus.json", check: want("part", "hbase-atlas_janus")},
		{fn: "solr-submit", event: "solr-submit/unknown-collection.json", wantErr: "BadInput"},
		{fn: "solr-submit", event: "solr-submit/vertex_index.json", check: want("state", "submitted")},
		{fn: "solr-status", event: "solr-status/vertex_index.json", repeatUntilDone: true, check: want("state", "completed")},
		{fn: "solr-ship", event: "solr-ship/vertex_index.json", check: want("part", "solr-vertex_index")},
		{fn: "config-archive", event: "config-archive/direct.json", check: want("mode", "direct")},
		{fn: "config-status", event: "config-status/direct-mode.json", wantErr: "BadInput"},
		{fn: "config-status", event: "config-status/agent.json", wantErr: "BadInput"}, // no AGENT_DOCUMENT here
		{fn: "finalize", event: "finalize/bad-backup-id.json", wantErr: "BadInput"},
		{fn: "finalize", event: "finalize/ok.json", check: func(t *testing.T, out json.RawMessage) {
			// one table, one collection and the config of a plan of 2 + 3: PARTIAL,
			// naming what is missing
			if field(out, "status") != "PARTIAL" || !strings.Contains(string(out), "ATLAS_ENTITY_AUDIT_EVENTS") {
				t.Errorf("finalize output %s", out)
			}
		}},
		{fn: "export-submit", event: "export-submit/atlas_janus.json", wantErr: "BadInput"}, // finalized
		{fn: "retention", event: "retention/not-succeeded.json", wantErr: "BadInput"},       // PARTIAL: no retention
		{fn: "finalize", event: "finalize/failure.json", check: want("status", "FAILED")},
	}
	seen := map[string]bool{}
	for i, c := range cases {
		seen[c.event] = true
		t.Run(fmt.Sprintf("%02d-%s-%s", i, c.fn, strings.TrimSuffix(filepath.Base(c.event), ".json")), func(t *testing.T) {
			payload := load(c.event)
			if c.fn == "start" {
				var ev map[string]any
				_ = json.Unmarshal(payload, &ev)
				if _, ok := ev["scheduledTime"]; ok {
					ev["scheduledTime"] = nowRFC3339()
				}
				if _, ok := ev["time"]; ok {
					ev["time"] = nowRFC3339()
				}
				if d, ok := ev["detail"].(map[string]any); ok && d["requestId"] != nil {
					d["requestId"] = "req-" + randHex(4)
				}
				payload, _ = json.Marshal(ev)
			}
			out := f.step(t, c.fn, payload, c.repeatUntilDone, c.wantErr)
			if out == nil {
				return
			}
			if c.check != nil {
				c.check(t, out)
			}
		})
	}
	// every events file is exercised
	_ = filepath.Walk(filepath.Join(root, "events"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && strings.HasSuffix(p, ".json") {
			rel, _ := filepath.Rel(filepath.Join(root, "events"), p)
			if !seen[rel] && !strings.HasPrefix(rel, "restore") && rel != "drill-schedule.json" && !strings.HasPrefix(rel, "completion") { // TestRestore runs those; shared/events tests the completion samples
				t.Errorf("events/%s is not exercised", rel)
			}
		}
		return nil
	})
	m := f.manifest(f.cluster, "20261125T151300Z-0f0f0f")
	if m.Status != manifest.Failed || !strings.Contains(strings.Join(m.Reasons, " "), "FileAlreadyExistsException") {
		t.Errorf("finalize/failure.json manifest: %s %v", m.Status, m.Reasons)
	}
	record("initDurationMs_events", f.initDurations())
}

// restoreReport reads the report the restore state machine's Report step stored.
func (f *fixture) restoreReport(restoreID string) map[string]any {
	f.t.Helper()
	b, err := f.s3get("atlas/" + f.cluster + "/_restore-state/" + restoreID + "/report.json")
	if err != nil {
		f.t.Fatalf("restore report %s: %v", restoreID, err)
	}
	var r map[string]any
	if err := json.Unmarshal(b, &r); err != nil {
		f.t.Fatal(err)
	}
	return r
}

// The restore side: a backup taken by the CLI, then a drill through
// statemachine/restore.asl.json (scratch tables and collections restored, compared with
// the manifest, dropped), then every restore function under RIE with each of its
// events/restore-*/*.json, in the order of a restore.
func TestRestore(t *testing.T) {
	f := newFixture(t, "restore", nil)
	f.definition = filepath.Join(root, "statemachine", "restore.asl.json")
	bm := f.cliBackup("on-demand")
	if bm.Status != manifest.Succeeded {
		t.Fatalf("backup %s: %v", bm.Status, bm.Reasons)
	}
	smARN := "arn:aws:states:us-east-1:" + account + ":stateMachine:atlas-restore-" + f.cluster

	t.Run("state machine drill", func(t *testing.T) {
		rid := "r" + time.Now().UTC().Format("20060102T150405Z") + "-" + randHex(3)
		in := readEvent(t, "restore-drill.json")
		in["backupId"] = bm.BackupID
		in["suffix"] = "_drill_" + randHex(3)
		r := f.run(f.definition, restoreSubstitution, smARN, rid, in, 500)
		if r.Status != "SUCCEEDED" {
			t.Fatalf("drill execution: %s %s", r.Error, r.Cause)
		}
		rep := f.restoreReport(rid)
		if rep["ok"] != true || len(rep["tables"].([]any)) != 2 || len(rep["collections"].([]any)) != 3 || rep["config"] == nil {
			t.Fatalf("report: %v", rep)
		}
		for _, k := range []string{"tables", "collections"} {
			for _, x := range rep[k].([]any) {
				if x.(map[string]any)["match"] != true {
					t.Errorf("%s: %v", k, x)
				}
			}
		}
		cl := rep["cleanup"].(map[string]any)
		if len(cl["dropped"].([]any)) != 2 || len(cl["deleted"].([]any)) != 3 {
			t.Errorf("cleanup: %v", cl)
		}
		if d := f.completionOf(events.DetailTypeDrillSucceeded, rid); d["backupId"] != bm.BackupID || d["ok"] != true {
			t.Errorf("drill event: %v", d)
		}
		record("execution_restore-drill", metrics(r))
	})

	// The scheduled path: the drill schedule's input (template.yaml DrillSchedule) with
	// an execution name as EventBridge Scheduler gives one; the drill of the latest
	// backup records its result beside the manifest, and list shows it.
	t.Run("scheduled drill", func(t *testing.T) {
		in := readEvent(t, "drill-schedule.json")
		name := "0b6f1f7e-" + randHex(2) + "-4d3c-9a1e-" + randHex(6)
		r := f.run(f.definition, restoreSubstitution, smARN, name, in, 500)
		if r.Status != "SUCCEEDED" {
			t.Fatalf("scheduled drill: %s %s", r.Error, r.Cause)
		}
		var rec manifest.Drill
		b, err := f.s3get("atlas/" + f.cluster + "/" + bm.BackupID + "/drill.json")
		if err != nil || json.Unmarshal(b, &rec) != nil || !rec.OK || rec.RestoreID != name || rec.Trigger != "schedule" {
			t.Fatalf("drill record: %s %v", b, err)
		}
		cmd := exec.Command(cliBin, "--config", f.cfgPath, "list")
		lo, err := cmd.Output()
		if err != nil || !regexp.MustCompile(bm.BackupID+`\s.*ok `+rec.FinishedAt.Format("2006-01-02")).Match(lo) {
			t.Errorf("list does not show the drill: %v\n%s", err, lo)
		}
		if d := f.completionOf(events.DetailTypeDrillSucceeded, name); d["trigger"] != "schedule" {
			t.Errorf("scheduled drill event: %v", d)
		}
		if marks, _ := f.s3list("atlas/" + f.cluster + "/_readers/"); len(marks) != 0 {
			t.Errorf("reader marks left after the drill: %v", marks)
		}
	})

	t.Run("function events", func(t *testing.T) {
		rid := "r" + time.Now().UTC().Format("20060102T150405Z") + "-" + randHex(3)
		suffix := "_drill_" + randHex(3)
		var importHandle, checkHandle string
		load := func(rel string) []byte {
			b, err := os.ReadFile(filepath.Join(root, "events", rel))
			if err != nil {
				t.Fatal(err)
			}
			for old, nu := range map[string]string{eventsID: bm.BackupID, "r20261125T153000Z-0d1e2f": rid, "_drill_0d1e2f": suffix,
				"IMPORT_HANDLE": importHandle, "CHECK_HANDLE": checkHandle} {
				b = bytes.ReplaceAll(b, []byte(old), []byte(nu))
			}
			return b
		}
		cases := []struct {
			fn, event, wantErr string
			untilDone          bool
			after              func(out json.RawMessage)
		}{
			{fn: "restore-plan", event: "restore-plan/unknown-backup.json", wantErr: "BackupNotFound"},
			{fn: "restore-plan", event: "restore-plan/drill-without-suffix.json", wantErr: "BadInput"},
			{fn: "restore-fetch", event: "restore-fetch/atlas_janus.json", wantErr: "BadInput"}, // no plan yet
			{fn: "restore-plan", event: "restore-plan/drill.json", after: func(out json.RawMessage) {
				if field(out, "restoreId") != rid || len(field(out, "fetch").([]any)) != 6 {
					t.Errorf("plan output %s", out)
				}
			}},
			{fn: "restore-fetch", event: "restore-fetch/bad-part.json", wantErr: "BadInput"},
			{fn: "restore-fetch", event: "restore-fetch/atlas_janus.json"},
			{fn: "restore-fetch", event: "restore-fetch/vertex_index.json"},
			{fn: "restore-fetch", event: "restore-fetch/config.json"},
			{fn: "restore-table-import", event: "restore-table-import/not-planned.json", wantErr: "BadInput"},
			{fn: "restore-table-import", event: "restore-table-import/atlas_janus.json", after: func(out json.RawMessage) {
				importHandle = fmt.Sprint(field(out, "handle"))
			}},
			{fn: "restore-table-status", event: "restore-table-status/no-handle.json", wantErr: "BadInput"},
			{fn: "restore-table-status", event: "restore-table-status/import.json", untilDone: true},
			{fn: "restore-table-check-submit", event: "restore-table-check-submit/atlas_janus.json", after: func(out json.RawMessage) {
				checkHandle = fmt.Sprint(field(out, "handle"))
			}},
			{fn: "restore-table-status", event: "restore-table-status/check.json", untilDone: true},
			{fn: "restore-table-check", event: "restore-table-check/atlas_janus.json", after: func(out json.RawMessage) {
				if field(out, "match") != true {
					t.Errorf("table check %s", out)
				}
			}},
			{fn: "restore-collection-submit", event: "restore-collection-submit/vertex_index.json"},
			{fn: "restore-collection-status", event: "restore-collection-status/vertex_index.json", untilDone: true},
			{fn: "restore-collection-check", event: "restore-collection-check/vertex_index.json", after: func(out json.RawMessage) {
				if field(out, "match") != true {
					t.Errorf("collection check %s", out)
				}
			}},
			{fn: "restore-config", event: "restore-config/config.json", after: func(out json.RawMessage) {
				if field(out, "match") != true {
					t.Errorf("config check %s", out)
				}
			}},
			{fn: "restore-report", event: "restore-report/unknown-restore.json", wantErr: "BadInput"},
			// the plan has 2 tables and 3 collections, these events restored one of each:
			// the report says what is missing, and the cleanup drops what was made
			{fn: "restore-report", event: "restore-report/drill.json", after: func(out json.RawMessage) {
				if field(out, "ok") != false || !strings.Contains(string(out), "no check recorded") {
					t.Errorf("report %s", out)
				}
			}},
		}
		seen := map[string]bool{}
		for i, c := range cases {
			seen[c.event] = true
			ok := t.Run(fmt.Sprintf("%02d-%s-%s", i, c.fn, strings.TrimSuffix(filepath.Base(c.event), ".json")), func(t *testing.T) {
				out := f.step(t, c.fn, load(c.event), c.untilDone, c.wantErr)
				if out == nil {
					return
				}
				if c.after != nil {
					c.after(out)
				}
			})
			if !ok && c.wantErr == "" {
				// a failed step leaves the rest without what they need; the report still cleans up
				f.invoke("restore-report", load("restore-report/drill.json"))
				t.FailNow()
			}
		}
		_ = filepath.Walk(filepath.Join(root, "events"), func(p string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() && strings.HasSuffix(p, ".json") {
				rel, _ := filepath.Rel(filepath.Join(root, "events"), p)
				if strings.HasPrefix(rel, "restore-") && strings.Contains(rel, "/") && !seen[rel] {
					t.Errorf("events/%s is not exercised", rel)
				}
			}
			return nil
		})
	})
}

// agentDocument renders template.yaml's AgentDocument content as the JSON SSM takes.
func agentDocument(t *testing.T, agentBinary string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	find := func(n *yaml.Node, key string) *yaml.Node {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i+1]
			}
		}
		t.Fatalf("template.yaml: no %s", key)
		return nil
	}
	content := find(find(find(find(doc.Content[0], "Resources"), "AgentDocument"), "Properties"), "Content")
	// the one intrinsic in it: !Sub "${AgentBinary} agent archive-config ..."
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Tag == "!Sub" {
			n.Tag = "!!str"
			n.Value = strings.ReplaceAll(n.Value, "${AgentBinary}", agentBinary)
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(content)
	var v any
	if err := content.Decode(&v); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// With atlas.agentInstanceId set, the config branch goes through the host agent: the
// config-archive function sends the template's SSM document (registered in moto from
// template.yaml), config-status polls it. moto's SSM runs nothing and reports Success at
// once, so no archive record exists: config-status says so with ConfigArchiveFailed
// instead of taking the command's word for it.
func TestConfigAgentUnderMoto(t *testing.T) {
	docName := "atlas-backup-agent-" + randHex(3)
	f := newFixture(t, "agent", func(cfg map[string]any) {
		cfg["atlas"].(map[string]any)["agentInstanceId"] = "i-0123456789abcdef0"
	})
	f.extraFnEnv = map[string][]string{
		"config-archive": {handler.EnvAgentDocument + "=" + docName},
		"config-status":  {handler.EnvAgentDocument + "=" + docName},
	}
	content := agentDocument(t, "/usr/local/bin/atlas-backup")
	if _, err := ssm.NewFromConfig(awsCfg(t)).CreateDocument(context.Background(), &ssm.CreateDocumentInput{
		Name: aws.String(docName), Content: aws.String(content), DocumentType: ssmtypes.DocumentTypeCommand,
		DocumentFormat: ssmtypes.DocumentFormatJson,
	}); err != nil {
		t.Fatalf("register the agent document in moto: %v", err)
	}
	id := time.Now().UTC().Format("20060102T150405Z") + "-" + randHex(3)
	if _, et, em := f.invoke("plan", []byte(`{"backupId":"`+id+`","trigger":{"source":"on-demand"}}`)); et != "" {
		t.Fatalf("plan: %s %s", et, em)
	}
	out, et, em := f.invoke("config-archive", []byte(`{"backupId":"`+id+`"}`))
	if et != "" {
		t.Fatalf("config-archive: %s %s", et, em)
	}
	var task handler.ConfigTask
	if err := json.Unmarshal(out, &task); err != nil || task.Mode != "agent" || task.CommandID == "" || task.Done {
		t.Fatalf("config-archive output %s", out)
	}
	// what moto recorded: the document and the parameters, each within its allowedPattern
	inv, err := ssm.NewFromConfig(awsCfg(t)).ListCommands(context.Background(), &ssm.ListCommandsInput{CommandId: aws.String(task.CommandID)})
	if err != nil || len(inv.Commands) != 1 || aws.ToString(inv.Commands[0].DocumentName) != docName ||
		inv.Commands[0].Parameters["confDir"][0] != f.cfg["atlas"].(map[string]any)["confDir"] {
		t.Fatalf("command in moto: %+v %v", inv, err)
	}
	out, et, em = f.invoke("config-status", out)
	if et != "ConfigArchiveFailed" || !strings.Contains(em, "left no result") {
		t.Fatalf("config-status after moto's Success: %s %s %s", et, em, out)
	}
}
