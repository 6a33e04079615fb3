package handler

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda/messages"
	"gopkg.in/yaml.v3"
)

// templateFunction is one AWS::Serverless::Function of template.yaml.
type templateFunction struct {
	LogicalID, Handler, CodeUri, BuildMethod string
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func templateFunctions(t *testing.T) []templateFunction {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	res := mapValue(doc.Content[0], "Resources")
	if res == nil {
		t.Fatal("template.yaml: no Resources")
	}
	var out []templateFunction
	for i := 0; i+1 < len(res.Content); i += 2 {
		r := res.Content[i+1]
		if typ := mapValue(r, "Type"); typ == nil || typ.Value != "AWS::Serverless::Function" {
			continue
		}
		f := templateFunction{LogicalID: res.Content[i].Value}
		if p := mapValue(r, "Properties"); p != nil {
			if h := mapValue(p, "Handler"); h != nil {
				f.Handler = h.Value
			}
			if c := mapValue(p, "CodeUri"); c != nil {
				f.CodeUri = c.Value
			}
		}
		if bm := mapValue(mapValue(r, "Metadata"), "BuildMethod"); bm != nil {
			f.BuildMethod = bm.Value
		}
		out = append(out, f)
	}
	return out
}

// Every function of template.yaml runs the one bootstrap with a Handler the dispatch
// table knows, and every entry of the table is deployed; the logical id follows the
// handler name (make build writes dist/lambda/Makefile's build-<LogicalId> targets so).
func TestDispatchMatchesTemplate(t *testing.T) {
	var handlers []string
	for _, f := range templateFunctions(t) {
		handlers = append(handlers, f.Handler)
		if f.CodeUri != "dist/lambda/" || f.BuildMethod != "makefile" {
			t.Errorf("%s: CodeUri %q, BuildMethod %q: want the one bootstrap (dist/lambda/, makefile)", f.LogicalID, f.CodeUri, f.BuildMethod)
		}
		if _, ok := Lookup(f.Handler); !ok {
			t.Errorf("%s: Handler %q is not in the dispatch table", f.LogicalID, f.Handler)
		}
		var want strings.Builder
		for _, w := range strings.Split(f.Handler, "-") {
			if w != "" {
				want.WriteString(strings.ToUpper(w[:1]) + w[1:])
			}
		}
		if want.String()+"Function" != f.LogicalID {
			t.Errorf("%s: Handler %q: want logical id %sFunction", f.LogicalID, f.Handler, want.String())
		}
	}
	sort.Strings(handlers)
	if !reflect.DeepEqual(handlers, FunctionNames()) {
		t.Errorf("template handlers %v\ndispatch table    %v", handlers, FunctionNames())
	}
	seen := map[string]bool{}
	for _, f := range Functions() {
		if seen[f.Name] {
			t.Errorf("%s twice in the dispatch table", f.Name)
		}
		seen[f.Name] = true
		if f.Doc == "" || f.boot == nil {
			t.Errorf("%s: no doc or boot", f.Name)
		}
	}
}

// An unknown or missing _HANDLER, and a function whose init fails, give a handler that
// fails every invocation with BadInput naming the problem.
func TestDispatchBroken(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"no handler", map[string]string{}, `_HANDLER "": not a function`},
		{"unknown handler", map[string]string{EnvHandler: "plan; id"}, `_HANDLER "plan; id": not a function`},
		{"start without its environment", map[string]string{EnvHandler: "start"}, "STATE_MACHINE_ARN and ATLAS_BACKUP_CLUSTER must be set"},
		{"step without config", map[string]string{EnvHandler: "plan"}, "set exactly one of"},
		{"restore step with a bad config", map[string]string{EnvHandler: "restore-fetch", EnvConfigYAML: "cluster: ../x\n"}, "cluster"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := Dispatch(context.Background(), func(k string) string { return tt.env[k] })
			fn, ok := h.(func(context.Context, json.RawMessage) (struct{}, error))
			if !ok {
				t.Fatalf("handler %T is not Broken", h)
			}
			_, err := fn(context.Background(), nil)
			ive, ok := err.(messages.InvokeResponse_Error)
			if !ok || ive.Type != "BadInput" || !strings.Contains(ive.Message, tt.want) {
				t.Fatalf("err %T %v, want BadInput containing %q", err, err, tt.want)
			}
		})
	}
}
