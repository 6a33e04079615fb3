package stacktest

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestLoadReadsFilesAndEnvironmentWins(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, s string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("moto/env", "export AWS_REGION=us-east-1\nexport AWS_ENDPOINT_URL=http://127.0.0.1:5000\n# comment\nnot an export\n")
	write("kdc/env", "export KRB5_CONFIG=\"/x/krb5.conf\"\nexport STACK_REALM=ATLAS.LOCAL\n")
	write("atlas-backup.yaml", "cluster: stack\n")
	procEnv := map[string]string{"STACK_DIR": dir, "AWS_REGION": "eu-west-1"}
	exported := map[string]string{}
	env, err := load(func(n string) string { return procEnv[n] }, func(n, v string) error { exported[n] = v; return nil })
	if err != nil {
		t.Fatal(err)
	}
	want := Env{
		"AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "KRB5_CONFIG": "/x/krb5.conf",
		"STACK_REALM": "ATLAS.LOCAL", Config: filepath.Join(dir, "atlas-backup.yaml"),
	}
	if !reflect.DeepEqual(env, want) {
		t.Errorf("env = %v, want %v", env, want)
	}
	if _, ok := exported["AWS_REGION"]; ok {
		t.Error("AWS_REGION set in the process was exported over")
	}
	if exported["AWS_ENDPOINT_URL"] != "http://127.0.0.1:5000" || exported["KRB5_CONFIG"] != "/x/krb5.conf" {
		t.Errorf("exported %v", exported)
	}
	if got := env.Missing("AWS_REGION", "STACK_BUCKET", "A"); !reflect.DeepEqual(got, []string{"A", "STACK_BUCKET"}) {
		t.Errorf("missing = %v", got)
	}
}

func TestLoadWithoutStack(t *testing.T) {
	env, err := load(func(n string) string {
		if n == "STACK_DIR" {
			return filepath.Join(t.TempDir(), "none")
		}
		return ""
	}, nil)
	if err != nil || len(env) != 0 {
		t.Fatalf("env %v, err %v", env, err)
	}
}

func TestRoot(t *testing.T) {
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatal(err)
	}
}
