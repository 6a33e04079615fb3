package stacktest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"gopkg.in/yaml.v3"
)

// Names of the stack's variables that several packages read.
const (
	// Config is the ready atlas-backup config of the stack (.stack/atlas-backup.yaml).
	Config = "ATLAS_BACKUP_STACK_CONFIG"
	// Optional=1 turns a missing stack into a skip instead of a failure.
	Optional = "STACK_OPTIONAL"
)

// AWS are the variables a client of the stack's moto needs.
var AWS = []string{"AWS_ENDPOINT_URL", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}

// Env is the stack's environment, name to value.
type Env map[string]string

// Get returns one variable ("" when unset).
func (e Env) Get(name string) string { return e[name] }

// Missing lists the names that are unset or empty, sorted.
func (e Env) Missing(names ...string) []string {
	var out []string
	for _, n := range names {
		if e[n] == "" {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

var (
	once    sync.Once
	loaded  Env
	loadErr error
)

// Load reads the stack's environment once per process: the stack's env files, overridden
// by the process environment; values only the files have are exported (os.Setenv).
func Load() (Env, error) {
	once.Do(func() { loaded, loadErr = load(os.Getenv, os.Setenv) })
	return loaded, loadErr
}

func load(getenv func(string) string, setenv func(string, string) error) (Env, error) {
	env := Env{}
	dir, err := Dir(getenv)
	if err != nil {
		return env, err
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*", "env"))
	sort.Strings(files)
	for _, f := range files {
		if err := readEnvFile(f, env); err != nil {
			return env, err
		}
	}
	if _, ok := env[Config]; !ok {
		if p := filepath.Join(dir, "atlas-backup.yaml"); fileExists(p) {
			env[Config] = p
		}
	}
	for n, v := range env {
		if pv := getenv(n); pv != "" {
			env[n] = pv
			continue
		}
		if setenv != nil {
			if err := setenv(n, v); err != nil {
				return env, fmt.Errorf("export %s: %w", n, err)
			}
		}
	}
	return env, nil
}

// Dir is the stack's state folder: $STACK_DIR, else .stack in the repository (the
// folder holding go.mod, found upward from the working directory).
func Dir(getenv func(string) string) (string, error) {
	if d := getenv("STACK_DIR"); d != "" {
		return d, nil
	}
	root, err := Root()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, ".stack"), nil
}

// Root is the repository: the nearest folder upward from the working directory that
// holds go.mod.
func Root() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if fileExists(filepath.Join(d, "go.mod")) {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above %s", wd)
		}
	}
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

// readEnvFile reads lines "export NAME=value" (the contract of scripts/lib/common.sh);
// other lines are ignored. Values are taken literally, as the stack writes them unquoted.
func readEnvFile(path string, into Env) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		rest, ok := strings.CutPrefix(line, "export ")
		if !ok {
			continue
		}
		name, val, ok := strings.Cut(rest, "=")
		if !ok || name == "" {
			continue
		}
		if len(val) >= 2 && (val[0] == '"' && val[len(val)-1] == '"' || val[0] == '\'' && val[len(val)-1] == '\'') {
			val = val[1 : len(val)-1]
		}
		into[name] = val
	}
	return sc.Err()
}

// Require returns the stack's environment after checking that every name is set: a
// missing one fails the test, or skips it with STACK_OPTIONAL=1.
func Require(t testing.TB, names ...string) Env {
	t.Helper()
	env, err := Load()
	if err == nil {
		if missing := env.Missing(names...); len(missing) > 0 {
			err = fmt.Errorf("stack environment missing %s", strings.Join(missing, ", "))
		}
	}
	if err != nil {
		msg := err.Error() + ": start the stack with scripts/stack up (make test does it)"
		if os.Getenv(Optional) == "1" {
			t.Skip(msg)
		}
		t.Fatal(msg)
	}
	return env
}

// Main is for a TestMain whose tests all need the stack: it loads the environment and
// exits (1, or 0 with STACK_OPTIONAL=1) when a name is missing, else runs the tests.
// setup, when not nil, runs before the tests; its error exits 1.
func Main(m *testing.M, setup func(Env) (teardown func(), err error), names ...string) {
	os.Exit(mainCode(m, setup, names...))
}

func mainCode(m *testing.M, setup func(Env) (func(), error), names ...string) int {
	env, err := Load()
	if err == nil {
		if missing := env.Missing(names...); len(missing) > 0 {
			err = fmt.Errorf("stack environment missing %s", strings.Join(missing, ", "))
		}
	}
	if err != nil {
		if os.Getenv(Optional) == "1" {
			fmt.Printf("skipping: %v (STACK_OPTIONAL=1)\n", err)
			return 0
		}
		fmt.Printf("%v: start the stack with scripts/stack up (make test does it)\n", err)
		return 1
	}
	if setup != nil {
		teardown, err := setup(env)
		if err != nil {
			fmt.Println("setup:", err)
			return 1
		}
		if teardown != nil {
			defer teardown()
		}
	}
	return m.Run()
}

// AWSConfig is an AWS config for the stack's moto (endpoint, region, credentials from
// the stack's environment).
func AWSConfig(t testing.TB) aws.Config {
	t.Helper()
	Require(t, AWS...)
	c, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatalf("aws config: %v", err)
	}
	return c
}

// ConfigMap reads the stack's ready config as a generic map, so a test can change a
// field and write a variant (WriteConfig).
func ConfigMap(t testing.TB) map[string]any {
	t.Helper()
	env := Require(t, Config)
	b, err := os.ReadFile(env[Config])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", env[Config], err)
	}
	return m
}

// Variant writes the stack's config with a cluster and work folder of the test's own
// and the given change applied, and returns its path and content.
func Variant(t testing.TB, cluster string, change func(m map[string]any)) (string, map[string]any) {
	t.Helper()
	m := ConfigMap(t)
	m["cluster"] = cluster
	m["workDir"] = t.TempDir()
	if change != nil {
		change(m)
	}
	return WriteConfig(t, m), m
}

// WriteConfig writes m as YAML into a file of the test's own and returns its path.
func WriteConfig(t testing.TB, m map[string]any) string {
	t.Helper()
	b, err := yaml.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "atlas-backup.yaml")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Section returns m[key] as a map (a config section such as "hbase"), failing the test
// when it is not one.
func Section(t testing.TB, m map[string]any, key string) map[string]any {
	t.Helper()
	s, ok := m[key].(map[string]any)
	if !ok {
		t.Fatalf("config has no %s section", key)
	}
	return s
}

// Kadmin runs one kadmin.local query (addprinc, ktadd, modprinc ...) on the stack's KDC
// database (scripts/stack.d/kdc: krb5.conf and kdc.conf side by side, realm
// STACK_REALM) and returns its output; a failure fails the test. The query is one argv
// element, never a shell string.
func Kadmin(t testing.TB, query string) string {
	t.Helper()
	env := Require(t, "KRB5_CONFIG", "STACK_REALM")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "kadmin.local", "-r", env["STACK_REALM"], "-q", query)
	cmd.Env = append(os.Environ(), "KRB5_CONFIG="+env["KRB5_CONFIG"],
		"KRB5_KDC_PROFILE="+filepath.Join(filepath.Dir(env["KRB5_CONFIG"]), "kdc.conf"))
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Contains(string(out), " while ") { // kadmin.local exits 0 on "addprinc: ... while creating ..."

		t.Fatalf("kadmin.local -q %q: %v\n%s", query, err, out)
	}
	return string(out)
}
