package handler

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/rs/zerolog"

	"github.com/atlas-backup/atlas-backup/shared/backup"
	"github.com/atlas-backup/atlas-backup/shared/config"
	"github.com/atlas-backup/atlas-backup/shared/engine"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/restore"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

// errorType is the errorType the Lambda runtime reports for what a step handler returns
// at the boundary (step: lambdaError; aws-lambda-go passes a
// messages.InvokeResponse_Error through and otherwise names the Go type).
func errorType(err error) string {
	err = lambdaError(err)
	if ive, ok := err.(messages.InvokeResponse_Error); ok {
		return ive.Type
	}
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		return t.Elem().Name()
	}
	return t.Name()
}

func TestDeriveExecution(t *testing.T) {
	sched := TriggerEvent{Trigger: "schedule", Cluster: "prod", ScheduleARN: "arn:aws:scheduler:us-east-1:1:schedule/default/x", ScheduledTime: "2026-11-25T02:00:00Z"}
	ev := func(dt string, detail string) TriggerEvent {
		return TriggerEvent{ID: "e-1", DetailType: dt, Source: EventSource, Time: "2026-11-25T15:12:00Z", Detail: json.RawMessage(detail)}
	}
	tests := []struct {
		name       string
		ev         TriggerEvent
		wantSource string
		wantID     string // regexp
		wantDetail string
		wantErr    string // substring of a BadInput
	}{
		{"schedule", sched, "schedule", `^20261125T020000Z-[0-9a-f]{6}$`, "scheduled for 2026-11-25T02:00:00Z", ""},
		{"schedule other cluster", func() TriggerEvent { e := sched; e.Cluster = "dev"; return e }(), "", "", "", "cluster:"},
		{"schedule bad time", func() TriggerEvent { e := sched; e.ScheduledTime = "yesterday"; return e }(), "", "", "", "scheduledTime"},
		{"pre-upgrade", ev(DetailTypePreUpgrade, `{"cluster":"prod","requestId":"CHG-1","ticket":"CHG-1","targetVersion":"HDP-3.1.5"}`),
			"pre-upgrade", `^20261125T151200Z-[0-9a-f]{6}$`, "ticket=CHG-1; targetVersion=HDP-3.1.5; requestId=CHG-1", ""},
		{"on-demand with id", ev(DetailTypeOnDemand, `{"cluster":"prod","backupId":"manual-1"}`), "on-demand", `^manual-1$`, "", ""},
		{"wrong cluster", ev(DetailTypeOnDemand, `{"cluster":"dev"}`), "", "", "", "detail.cluster"},
		{"unknown field", ev(DetailTypeOnDemand, `{"cluster":"prod","force":true}`), "", "", "", "unknown field"},
		{"hostile request id", ev(DetailTypeOnDemand, `{"cluster":"prod","requestId":"a;b"}`), "", "", "", "detail.requestId"},
		{"hostile backup id", ev(DetailTypeOnDemand, `{"cluster":"prod","backupId":"../x"}`), "", "", "", "detail.backupId"},
		{"long ticket", ev(DetailTypeOnDemand, `{"cluster":"prod","ticket":"`+strings.Repeat("x", 65)+`"}`), "", "", "", "detail.ticket"},
		{"wrong source", func() TriggerEvent { e := ev(DetailTypeOnDemand, `{"cluster":"prod"}`); e.Source = "aws.s3"; return e }(), "", "", "", "source:"},
		{"unknown event", TriggerEvent{DetailType: "Object Created"}, "", "", "", "neither"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := DeriveExecution(tt.ev, "prod")
			if tt.wantErr != "" {
				var bad *backup.BadInput
				if !errors.As(err, &bad) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want BadInput naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if in.Trigger.Source != tt.wantSource || !regexp.MustCompile(tt.wantID).MatchString(in.BackupID) || in.Trigger.Detail != tt.wantDetail {
				t.Fatalf("got %+v", in)
			}
			if store.ValidateComponent(in.BackupID) != nil {
				t.Fatalf("backup id %q is not a valid key component", in.BackupID)
			}
			// the same trigger twice: the same backup id (one execution name)
			again, _ := DeriveExecution(tt.ev, "prod")
			if again.BackupID != in.BackupID {
				t.Fatalf("second derivation %s != %s", again.BackupID, in.BackupID)
			}
		})
	}
	// a request re-sent as a new event keeps its backup id; without a request id a new
	// event is a new backup
	a, _ := DeriveExecution(ev(DetailTypePreUpgrade, `{"cluster":"prod","requestId":"r1"}`), "prod")
	e2 := ev(DetailTypePreUpgrade, `{"cluster":"prod","requestId":"r1"}`)
	e2.ID = "e-2"
	b, _ := DeriveExecution(e2, "prod")
	c, _ := DeriveExecution(func() TriggerEvent { e := ev(DetailTypeOnDemand, `{"cluster":"prod"}`); e.ID = "e-3"; return e }(), "prod")
	d, _ := DeriveExecution(func() TriggerEvent { e := ev(DetailTypeOnDemand, `{"cluster":"prod"}`); e.ID = "e-4"; return e }(), "prod")
	if a.BackupID != b.BackupID || c.BackupID == d.BackupID {
		t.Fatalf("ids: request %s/%s, events %s/%s", a.BackupID, b.BackupID, c.BackupID, d.BackupID)
	}
}

func TestPollPolicy(t *testing.T) {
	pp := PollPolicy{Initial: 10 * time.Second, Max: 40 * time.Second, Limit: 100 * time.Second}
	p := pp.First()
	var waits []int
	var err error
	for err == nil {
		waits = append(waits, p.WaitSeconds)
		p, err = pp.Next(p, "x")
	}
	// 10 20 40 (capped) then the rest of the limit: 100-70 = 30
	if want := []int{10, 20, 40, 30}; !reflect.DeepEqual(waits, want) {
		t.Fatalf("waits %v, want %v", waits, want)
	}
	var to *TimedOut
	if !errors.As(err, &to) || errorType(err) != "TimedOut" || p.WaitedSeconds != 100 {
		t.Fatalf("end: %+v %v", p, err)
	}
	if n := ExportPoll.Checks(time.Hour); n < 12 || n > 20 {
		t.Fatalf("checks for a 1h export: %d", n)
	}
	if a, b := ExportPoll.Checks(time.Hour), ExportPoll.Checks(2*time.Hour); b-a != 12 {
		t.Fatalf("an hour more at the 5 min cap should add 12 checks: %d → %d", a, b)
	}
}

func TestAgentParameters(t *testing.T) {
	ok := AgentArchiveRequest{BackupID: "20261125T151200Z-0a1b2c", ConfDir: "/etc/atlas/conf", Store: store.Location{Scheme: "s3", Bucket: "my-backups", Prefix: "atlas"},
		Key: "atlas/prod/20261125T151200Z-0a1b2c/config/atlas-conf.tar.gz", Part: "atlas/prod/20261125T151200Z-0a1b2c/parts/config.json"}
	if p, err := AgentParameters(ok); err != nil || p["confDir"][0] != "/etc/atlas/conf" || len(p) != 5 {
		t.Fatalf("%v %v", p, err)
	}
	tests := []struct {
		name  string
		edit  func(r *AgentArchiveRequest)
		field string
	}{
		{"quote in dir", func(r *AgentArchiveRequest) { r.ConfDir = "/etc/atlas'; reboot; '" }, "confDir"},
		{"subshell in key", func(r *AgentArchiveRequest) { r.Key = "atlas/$(id)" }, "key"},
		{"traversal in dir", func(r *AgentArchiveRequest) { r.ConfDir = "/etc/../root" }, "confDir"},
		{"traversal in part", func(r *AgentArchiveRequest) { r.Part = "atlas/../x" }, "part"},
		{"newline in store", func(r *AgentArchiveRequest) {
			r.Store = store.Location{Scheme: "s3", Bucket: "bkt", Prefix: "x\nreboot"}
		}, "store"},
		{"key outside the prefix", func(r *AgentArchiveRequest) { r.Key = "other/prod/x.tar.gz" }, "key"},
		{"space in id", func(r *AgentArchiveRequest) { r.BackupID = "a b" }, "backupId"},
		{"relative dir", func(r *AgentArchiveRequest) { r.ConfDir = "etc/atlas" }, "confDir"},
		{"unparsed store", func(r *AgentArchiveRequest) { r.Store = store.Location{Scheme: "http", Bucket: "x"} }, "store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok
			tt.edit(&r)
			_, err := AgentParameters(r)
			if errorType(err) != "BadInput" || !strings.Contains(err.Error(), "agent parameter "+tt.field+":") {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

// The SSM document's allowedPatterns in template.yaml are the ones checked here.
func TestAgentPatternsMatchTemplate(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)[strings.Index(string(b), "AgentDocument:"):]
	want := map[string]string{"backupId": AgentPatternBackupID, "confDir": AgentPatternConfDir, "store": AgentPatternStore, "key": AgentPatternKey, "part": AgentPatternKey}
	for name, pat := range want {
		re := regexp.MustCompile(`(?s)\n          ` + name + `:\n.*?allowedPattern: "([^"]+)"`)
		m := re.FindStringSubmatch(doc)
		if m == nil || m[1] != pat {
			t.Errorf("template allowedPattern of %s = %v, want %s", name, m, pat)
		}
	}
	// the store prefix the template builds its IAM ARNs from follows the store's rule
	m := regexp.MustCompile(`(?s)\n  StorePrefix:\n.*?AllowedPattern: "([^"]+)"\n    MaxLength: ([0-9]+)`).FindStringSubmatch(string(b))
	if m == nil || m[1] != store.PrefixPattern || m[2] != strconv.Itoa(store.MaxPrefixLen) {
		t.Errorf("template StorePrefix AllowedPattern/MaxLength = %q, want %s and %d", m, store.PrefixPattern, store.MaxPrefixLen)
	}
	if n := strings.Count(doc[:strings.Index(doc, "mainSteps:")], "allowedPattern:"); n != 6 {
		t.Errorf("%d parameters with allowedPattern, want all 6", n)
	}
}

func TestFailureReasons(t *testing.T) {
	got := FailureReasons(Failure{Error: "PreflightFailed", Cause: `{"errorMessage":"preflight: a\nb","errorType":"PreflightFailed"}`})
	if !reflect.DeepEqual(got, []string{"PreflightFailed: preflight: a", "PreflightFailed: b"}) {
		t.Fatalf("%q", got)
	}
	if got := FailureReasons(Failure{Error: "States.Timeout", Cause: ""}); !reflect.DeepEqual(got, []string{"States.Timeout: (no cause given)"}) {
		t.Fatalf("%q", got)
	}
}

type fakeSFN struct {
	err   error
	calls []*sfn.StartExecutionInput
}

func (f *fakeSFN) StartExecution(_ context.Context, in *sfn.StartExecutionInput, _ ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	f.calls = append(f.calls, in)
	if f.err != nil {
		return nil, f.err
	}
	arn := ExecutionARN(*in.StateMachineArn, *in.Name)
	return &sfn.StartExecutionOutput{ExecutionArn: &arn}, nil
}

func TestStart(t *testing.T) {
	sm := "arn:aws:states:us-east-1:123456789012:stateMachine:atlas-backup"
	ev := TriggerEvent{Trigger: "schedule", Cluster: "prod", ScheduleARN: "arn:aws:scheduler:x", ScheduledTime: "2026-11-25T02:00:00Z"}
	tests := []struct {
		name    string
		err     error
		dup     bool
		errType string
	}{
		{"started", nil, false, ""},
		{"closed execution of that name", &sfntypes.ExecutionAlreadyExists{Message: aws.String("exists")}, true, ""},
		{"throttled", errors.New("ThrottlingException"), false, "StartFailed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeSFN{err: tt.err}
			out, err := (&Start{SFN: f, StateMachineARN: sm, Cluster: "prod"}).Handle(context.Background(), ev)
			if tt.errType != "" {
				if errorType(err) != tt.errType {
					t.Fatalf("err %v (%s)", err, errorType(err))
				}
				return
			}
			if err != nil || out.Duplicate != tt.dup || out.ExecutionARN != ExecutionARN(sm, out.BackupID) {
				t.Fatalf("%+v %v", out, err)
			}
			if *f.calls[0].Name != out.BackupID || !strings.Contains(*f.calls[0].Input, `"source":"schedule"`) {
				t.Fatalf("StartExecution %s %s", *f.calls[0].Name, *f.calls[0].Input)
			}
		})
	}
	if _, err := (&Start{SFN: &fakeSFN{}, StateMachineARN: sm, Cluster: "dev"}).Handle(context.Background(), ev); errorType(err) != "BadInput" {
		t.Fatalf("wrong cluster: %v", err)
	}
}

// fileEngine is an engine on a file store, with no servers: enough for the handlers'
// refusals and for Finalize on the Catch path.
func fileEngine(t *testing.T) *backup.Engine {
	t.Helper()
	dir := t.TempDir()
	loc, err := store.ParseURL("file://" + dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), loc, nil)
	if err != nil {
		t.Fatal(err)
	}
	prefix := loc.Prefix
	cfg := config.Defaults()
	cfg.Cluster = "prod"
	return &backup.Engine{Core: engine.Core{Cfg: cfg, Store: st, Layout: store.Layout{Prefix: prefix, Cluster: "prod"}, Log: zerolog.Nop()}}
}

func TestHandlerErrorTypes(t *testing.T) {
	ctx := context.Background()
	h := &Backup{Engine: fileEngine(t)}
	id := "20261125T151200Z-0a1b2c"
	check := func(name string, err error, want string) {
		t.Helper()
		if err == nil || errorType(err) != want {
			t.Errorf("%s: errorType %q (%v), want %s", name, func() string {
				if err == nil {
					return ""
				}
				return errorType(err)
			}(), err, want)
		}
	}
	_, err := h.Plan(ctx, PlanInput{BackupID: id, Trigger: manifest.Trigger{Source: "cron"}})
	check("plan bad trigger", err, "BadInput")
	_, err = h.Plan(ctx, PlanInput{Trigger: manifest.Trigger{Source: "schedule"}})
	check("plan without id", err, "BadInput")
	_, err = h.ExportSubmit(ctx, TableItem{BackupID: id, Table: "atlas_janus"})
	check("export submit without plan", err, "BadInput")
	_, err = h.ExportStatus(ctx, ExportTask{BackupID: id, Table: "atlas_janus"})
	check("export status without handle", err, "BadInput")
	_, err = h.SolrSubmit(ctx, CollectionItem{BackupID: "../x", Collection: "c"})
	check("solr submit hostile id", err, "BadInput")
	_, err = h.ConfigStatus(ctx, ConfigTask{BackupID: id, Mode: "direct"})
	check("config status in direct mode", err, "BadInput")
	_, err = h.Finalize(ctx, FinalizeInput{BackupID: "a b"})
	check("finalize hostile id", err, "BadInput")
	_, err = h.Finalize(ctx, FinalizeInput{BackupID: id})
	check("finalize without plan", err, "BadInput")

	// the Catch path: a FAILED manifest giving the caught error, and steps refuse the
	// finalized backup afterwards
	out, err := h.Finalize(ctx, FinalizeInput{BackupID: id, Trigger: manifest.Trigger{Source: "schedule"},
		Failure: &Failure{Error: "SolrBackupFailed", Cause: `{"errorMessage":"solr backup: edge_index: failed","errorType":"SolrBackupFailed"}`}})
	if err != nil || out.Status != manifest.Failed || len(out.Reasons) != 1 || !strings.HasPrefix(out.Reasons[0], "SolrBackupFailed: solr backup: edge_index") {
		t.Fatalf("finalize failure: %+v %v", out, err)
	}
	m, err := manifest.Read(ctx, h.Engine.Store, h.Engine.Layout, id)
	if err != nil || m.Status != manifest.Failed || m.Trigger.Source != "schedule" {
		t.Fatalf("manifest %+v %v", m, err)
	}
}

// events/*.json are the functions' inputs: each decodes into its input type with no
// unknown field, so the fixtures and the types cannot drift apart.
func TestEventsMatchInputTypes(t *testing.T) {
	types := map[string]any{
		"plan": PlanInput{}, "export-submit": TableItem{}, "export-status": ExportTask{}, "export-ship": ExportTask{},
		"solr-submit": CollectionItem{}, "solr-status": SolrTask{}, "solr-ship": SolrTask{},
		"config-archive": ConfigItem{}, "config-status": ConfigTask{}, "finalize": FinalizeInput{}, "start": TriggerEvent{},
		"restore-plan": RestorePlanRequest{}, "restore-fetch": RestoreItem{}, "restore-table-import": RestoreItem{},
		"restore-table-status": RestoreTask{}, "restore-table-check-submit": RestoreTask{}, "restore-table-check": RestoreTask{},
		"restore-collection-submit": RestoreItem{}, "restore-collection-status": RestoreTask{},
		"restore-collection-check": RestoreTask{}, "restore-config": RestoreItem{}, "restore-report": RestoreReportInput{},
		"restore-drill.json": restore.PlanInput{}, "drill-schedule.json": restore.PlanInput{}, "retention": RetentionInput{},
	}
	files, _ := filepath.Glob(filepath.Join("..", "..", "events", "*", "*.json"))
	top, _ := filepath.Glob(filepath.Join("..", "..", "events", "*.json"))
	if len(files) < 30 || len(top) != 5 {
		t.Fatalf("events: %d per function, %d triggers", len(files), len(top))
	}
	for _, f := range append(files, top...) {
		fn := filepath.Base(filepath.Dir(f))
		if fn == "completion" {
			continue // the completion events this tool publishes (shared/events tests them)
		}
		if fn == "events" {
			fn = "start"
			if b := filepath.Base(f); b == "restore-drill.json" || b == "drill-schedule.json" {
				fn = b // the restore state machine's input
			}
		}
		typ, ok := types[fn]
		if !ok {
			t.Errorf("%s: no function %s", f, fn)
			continue
		}
		b, _ := os.ReadFile(f)
		dec := json.NewDecoder(bytes.NewReader(b))
		if fn != "start" { // EventBridge envelopes carry fields the start function ignores
			dec.DisallowUnknownFields()
		}
		v := reflect.New(reflect.TypeOf(typ)).Interface()
		if err := dec.Decode(v); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	for _, f := range top {
		if b := filepath.Base(f); b == "restore-drill.json" || b == "drill-schedule.json" {
			continue
		}
		var ev TriggerEvent
		b, _ := os.ReadFile(f)
		_ = json.Unmarshal(b, &ev)
		ev.Cluster = "prod-hdp3"
		if _, err := DeriveExecution(ev, "prod-hdp3"); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestRestoreHandlerErrorTypes(t *testing.T) {
	ctx := context.Background()
	be := fileEngine(t)
	h := &Restore{Engine: &restore.Engine{Core: engine.Core{Cfg: be.Cfg, Store: be.Store, Layout: be.Layout, Log: zerolog.Nop()}}}
	rid := "r20261125T153000Z-0d1e2f"
	for name, err := range map[string]error{
		"plan without restore id": func() error { _, err := h.Plan(ctx, RestorePlanRequest{}); return err }(),
		"fetch without plan": func() error {
			_, err := h.Fetch(ctx, RestoreItem{RestoreID: rid, Part: "hbase", Name: "t"})
			return err
		}(),
		"fetch hostile id": func() error { _, err := h.Fetch(ctx, RestoreItem{RestoreID: "../x"}); return err }(),
		"status without handle": func() error {
			_, err := h.TableJobStatus(ctx, RestoreTask{RestoreItem: RestoreItem{RestoreID: rid}})
			return err
		}(),
		"report without plan": func() error { _, err := h.Report(ctx, RestoreReportInput{RestoreID: rid}); return err }(),
	} {
		if err == nil || errorType(err) != "BadInput" {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestLoadConfig(t *testing.T) {
	yml := "cluster: prod\nstore: s3://my-backups/atlas\nkerberos: {disabled: true}\nhbase: {exportDir: hdfs:///backup, runner: {type: ssm, instanceId: i-0123456789abcdef0}}\n" +
		"solr: {nodes: [{url: 'https://solr1:8886/solr'}], location: /mnt/solr-backup}\n"
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := LoadConfig(context.Background(), env(map[string]string{EnvConfigYAML: yml}), nil)
	if err != nil || c.Cluster != "prod" {
		t.Fatalf("%+v %v", c.Cluster, err)
	}
	if _, err := LoadConfig(context.Background(), env(map[string]string{}), nil); err == nil || !strings.Contains(err.Error(), "exactly one") {
		t.Fatalf("no source: %v", err)
	}
	if _, err := LoadConfig(context.Background(), env(map[string]string{EnvConfigYAML: yml, EnvConfigFile: "/x"}), nil); err == nil {
		t.Fatal("two sources accepted")
	}
	if _, err := LoadConfig(context.Background(), env(map[string]string{EnvConfigYAML: "cluster: a b\n"}), nil); err == nil || !strings.Contains(err.Error(), "cluster") {
		t.Fatalf("invalid config: %v", err)
	}
	// runner local is refused in a function unless allowed explicitly
	local := strings.Replace(yml, "{type: ssm, instanceId: i-0123456789abcdef0}", "{type: local}", 1)
	local = strings.Replace(local, "hdfs:///backup", "/tmp/exports", 1)
	if _, err := Boot(context.Background(), "plan", env(map[string]string{EnvConfigYAML: local})); err == nil || !strings.Contains(err.Error(), EnvLocalRunner) {
		t.Fatalf("local runner: %v", err)
	}
}

func TestHBaseJobPolicy(t *testing.T) {
	own := PollPolicy{Initial: time.Second, Max: 2 * time.Second, Limit: time.Minute}
	if got := hbaseJobPolicy(own, time.Hour); got != own {
		t.Errorf("a handler's own policy: got %+v, want %+v", got, own)
	}
	if got := hbaseJobPolicy(PollPolicy{}, 0); got != ExportPoll {
		t.Errorf("no hbase.timeout: got %+v, want ExportPoll %+v", got, ExportPoll)
	}
	got := hbaseJobPolicy(PollPolicy{Initial: time.Second}, 3*time.Hour)
	if got.Limit != 3*time.Hour || got.Initial != ExportPoll.Initial || got.Max != ExportPoll.Max {
		t.Errorf("hbase.timeout 3h over a half-set policy: got %+v, want ExportPoll with Limit 3h", got)
	}
}
