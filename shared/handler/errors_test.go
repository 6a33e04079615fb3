package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/atlas-backup/atlas-backup/shared/backup"
	"github.com/atlas-backup/atlas-backup/shared/engine"
	"github.com/atlas-backup/atlas-backup/shared/restore"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

// sample returns a fresh value of proto's type with an inner error (so Error() works).
func sample(proto error) error {
	v := reflect.New(reflect.TypeOf(proto).Elem())
	if f := v.Elem().FieldByName("Err"); f.IsValid() {
		f.Set(reflect.ValueOf(errors.New("inner")))
	}
	if f := v.Elem().FieldByName("Problems"); f.IsValid() {
		f.Set(reflect.ValueOf([]string{"inner"}))
	}
	return v.Interface().(error)
}

// Every kind keeps its name through fmt.Errorf("%w"), errors.Join and both together, at
// any depth, and is what the Lambda boundary reports as errorType; a kind's name is its Go
// type's name.
func TestKindSurvivesWrappingAndJoining(t *testing.T) {
	wraps := []struct {
		name string
		wrap func(error) error
	}{
		{"bare", func(e error) error { return e }},
		{"wrapped", func(e error) error { return fmt.Errorf("export-ship atlas_janus: %w", e) }},
		{"wrapped twice", func(e error) error { return fmt.Errorf("a: %w", fmt.Errorf("b: %w", e)) }},
		{"joined after a plain error", func(e error) error { return errors.Join(errors.New("plain"), e) }},
		{"joined and wrapped", func(e error) error {
			return fmt.Errorf("finalize: %w", errors.Join(errors.New("plain"), fmt.Errorf("part: %w", e)))
		}},
		{"wrapped with two %w", func(e error) error { return fmt.Errorf("%w and %w", errors.New("plain"), e) }},
	}
	for _, k := range Kinds() {
		for _, proto := range k.Types {
			typ := reflect.TypeOf(proto).Elem()
			if typ.Name() != k.Name {
				t.Errorf("%s: type %s: a kind is named as its Go type", k.Name, typ)
			}
			for _, w := range wraps {
				err := w.wrap(sample(proto))
				if got := Kind(err); got != k.Name {
					t.Errorf("%s %s (%s): Kind = %q", typ.PkgPath(), typ.Name(), w.name, got)
				}
				if got := errorType(err); got != k.Name {
					t.Errorf("%s %s (%s): errorType = %q", typ.PkgPath(), typ.Name(), w.name, got)
				}
			}
		}
	}
}

func TestKind(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"plain", errors.New("plain"), "StepFailed"},
		{"plain joined", errors.Join(errors.New("a"), errors.New("b")), "StepFailed"},
		// the cases: restore kinds came out as StepFailed when wrapped
		{"wrapped import failure", fmt.Errorf("table atlas_janus: %w", &restore.ImportFailed{Err: errors.New("exit 1")}), "ImportFailed"},
		{"wrapped refusal", fmt.Errorf("restore: %w", &restore.Refused{Problems: []string{"not empty"}}), "Refused"},
		{"joined check failure", errors.Join(errors.New("cleanup"), &restore.CheckFailed{Err: errors.New("rows")}), "CheckFailed"},
		// the outermost kind wins: it is the step's own classification
		{"export failure over a store failure", &backup.ExportFailed{Err: &backup.StoreFailed{Err: errors.New("put")}}, "ExportFailed"},
		{"wrapped poll over a bad input", fmt.Errorf("x: %w", &PollFailed{Err: &backup.BadInput{Err: errors.New("y")}}), "PollFailed"},
		// in a join the first kind found (errors.As order) wins
		{"two kinds joined", errors.Join(&backup.SolrBackupFailed{Err: errors.New("a")}, &backup.ExportFailed{Err: errors.New("b")}), "SolrBackupFailed"},
		{"already succeeded, wrapped", fmt.Errorf("plan: %w", &backup.ErrAlreadySucceeded{BackupID: "x"}), "ErrAlreadySucceeded"},
		{"context canceled", fmt.Errorf("wait: %w", context.Canceled), "StepFailed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Kind(tt.err); got != tt.want {
				t.Fatalf("Kind = %q, want %q", got, tt.want)
			}
			if tt.err == nil {
				if lambdaError(nil) != nil {
					t.Fatal("lambdaError(nil) != nil")
				}
				return
			}
			ive, ok := lambdaError(tt.err).(messages.InvokeResponse_Error)
			if !ok || ive.Type != tt.want || ive.Message != tt.err.Error() {
				t.Fatalf("lambdaError = %#v", lambdaError(tt.err))
			}
		})
	}
}

// step reports a handler's error by kind and passes its output through.
func TestStepBoundary(t *testing.T) {
	fn := step(func(_ context.Context, in string) (string, error) {
		if in == "fail" {
			return "partial", fmt.Errorf("ship: %w", &backup.StoreFailed{Err: errors.New("put")})
		}
		return in + "!", nil
	})
	if out, err := fn(context.Background(), "ok"); out != "ok!" || err != nil {
		t.Fatalf("%q %v", out, err)
	}
	out, err := fn(context.Background(), "fail")
	b, _ := json.Marshal(err)
	if out != "partial" || string(b) != `{"errorMessage":"ship: store: put","errorType":"StoreFailed"}` {
		t.Fatalf("%q %s", out, b)
	}
}

// A restore step's store write that fails after servers were changed is StoreFailed,
// not FetchFailed (documented as "before any server is changed").
func TestRestoreStateWriteFailureIsStoreFailed(t *testing.T) {
	fs, err := store.NewFile(filepath.Join(t.TempDir(), "no-such-root"))
	if err != nil {
		t.Fatal(err)
	}
	h := &Restore{Engine: &restore.Engine{Core: engine.Core{Store: fs, Layout: store.Layout{Prefix: "atlas", Cluster: "c"}}}}
	_, err = h.putState(context.Background(), "r1", "hbase-atlas_janus", map[string]bool{"match": true})
	if err == nil || Kind(err) != "StoreFailed" || restore.BeforeTouching(err) {
		t.Fatalf("err %v, kind %q", err, Kind(err))
	}
	_, err = h.plan(context.Background(), "r1")
	if Kind(err) != "BadInput" && Kind(err) != "StoreFailed" {
		t.Fatalf("plan of an unreadable store: %v (%s)", err, Kind(err))
	}
}

// Every type with a Kind method in the packages whose errors cross the Lambda boundary is
// listed in Kinds (and nothing else is).
func TestKindsComplete(t *testing.T) {
	found := map[string]bool{}
	for pkg, dir := range map[string]string{"backup": "../backup", "restore": "../restore", "lock": "../lock", "hooks": "../hooks", "watchdog": "../watchdog", "handler": "."} {
		fset := token.NewFileSet()
		pkgs, err := parser.ParseDir(fset, dir, func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pkgs {
			for _, f := range p.Files {
				for _, d := range f.Decls {
					fd, ok := d.(*ast.FuncDecl)
					if !ok || fd.Recv == nil || fd.Name.Name != "Kind" {
						continue
					}
					rt := fd.Recv.List[0].Type
					if st, ok := rt.(*ast.StarExpr); ok {
						rt = st.X
					}
					found[pkg+"."+rt.(*ast.Ident).Name] = true
				}
			}
		}
	}
	listed := map[string]bool{}
	seen := map[string]bool{}
	for _, k := range Kinds() {
		if seen[k.Name] {
			t.Errorf("kind %s listed twice", k.Name)
		}
		seen[k.Name] = true
		for _, proto := range k.Types {
			typ := reflect.TypeOf(proto).Elem()
			listed[filepath.Base(typ.PkgPath())+"."+typ.Name()] = true
		}
	}
	var missing, extra []string
	for n := range found {
		if !listed[n] {
			missing = append(missing, n)
		}
	}
	for n := range listed {
		if !found[n] {
			extra = append(extra, n)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("types with a Kind method missing from Kinds: %v; listed without one: %v", missing, extra)
	}
}

// aslState is one state of an ASL definition with the Catch of the states around it.
type aslState struct {
	file, name string
	state      map[string]any
	// enclosing are the Catch lists of the Parallel/Map states this state is inside.
	enclosing [][]any
}

func aslStates(t *testing.T) []aslState {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("..", "..", "statemachine", "*.asl.json"))
	if len(files) == 0 {
		t.Fatal("no statemachine/*.asl.json")
	}
	var out []aslState
	var walk func(file string, states map[string]any, enclosing [][]any)
	walk = func(file string, states map[string]any, enclosing [][]any) {
		for name, v := range states {
			st := v.(map[string]any)
			out = append(out, aslState{file: filepath.Base(file), name: name, state: st, enclosing: enclosing})
			inner := append(append([][]any(nil), enclosing...), asList(st["Catch"]))
			for _, b := range asList(st["Branches"]) {
				walk(file, b.(map[string]any)["States"].(map[string]any), inner)
			}
			for _, key := range []string{"ItemProcessor", "Iterator"} {
				if ip, ok := st[key].(map[string]any); ok {
					walk(file, ip["States"].(map[string]any), inner)
				}
			}
		}
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var def map[string]any
		if err := json.Unmarshal(b, &def); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		walk(f, def["States"].(map[string]any), nil)
	}
	return out
}

func asList(v any) []any { l, _ := v.([]any); return l }

func errorEquals(rules []any) []string {
	var out []string
	for _, r := range rules {
		for _, e := range asList(r.(map[string]any)["ErrorEquals"]) {
			out = append(out, e.(string))
		}
	}
	return out
}

func isLambdaTask(st map[string]any) bool {
	res, _ := st["Resource"].(string)
	return st["Type"] == "Task" && (strings.HasSuffix(res, "FunctionArn}") || strings.Contains(res, ":lambda:"))
}

// The names statemachine/*.asl.json match are kinds that exist; Retry lists only
// transient kinds (and Locked, which waits for another run), and every Lambda task
// retries every transient kind; every kind a
// Lambda task can return is caught (by the task or a state around it) on the way to the
// step that records the failure, so no execution ends without its manifest or report.
func TestStateMachinesMatchKinds(t *testing.T) {
	kinds := map[string]KindInfo{}
	for _, k := range Kinds() {
		kinds[k.Name] = k
	}
	builtin := func(n string) bool { return strings.HasPrefix(n, "States.") || strings.HasPrefix(n, "Lambda.") }
	tasks := 0
	for _, s := range aslStates(t) {
		where := s.file + " " + s.name
		retry, catch := errorEquals(asList(s.state["Retry"])), errorEquals(asList(s.state["Catch"]))
		for _, n := range append(append([]string(nil), retry...), catch...) {
			if _, ok := kinds[n]; !ok && !builtin(n) {
				t.Errorf("%s: ErrorEquals %q is no kind a handler returns (handler.Kinds)", where, n)
			}
		}
		for _, n := range retry {
			if k, ok := kinds[n]; ok && !k.Transient && !k.Waits {
				t.Errorf("%s: retries %s, which is neither transient nor waiting for another run: a retry does the same thing again", where, n)
			}
		}
		if !isLambdaTask(s.state) {
			continue
		}
		tasks++
		for _, k := range Kinds() {
			if k.Transient && !contains(retry, k.Name) {
				t.Errorf("%s: does not retry the transient kind %s", where, k.Name)
			}
		}
		caught := contains(catch, "States.ALL")
		for _, c := range s.enclosing {
			caught = caught || contains(errorEquals(c), "States.ALL")
		}
		if !caught {
			t.Errorf("%s: an error of any other kind fails the execution unrecorded: catch States.ALL here or around it", where)
		}
	}
	if tasks < 20 {
		t.Errorf("only %d Lambda tasks found in statemachine/*.asl.json", tasks)
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
