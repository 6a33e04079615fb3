package cli

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"gopkg.in/yaml.v3"
)

// Global flags work before and after the command, as restic, velero and kubectl take
// them.
func TestGlobalFlagsAfterTheCommand(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("cluster: 'a;b'\n"), 0o600)
	for _, args := range [][]string{
		{"--config", bad, "backup"},
		{"backup", "--config", bad},
		{"backup", "--config=" + bad, "--new"},
		{"list", "--output", "json", "--config", bad},
		{"describe", "20261125T151200Z-0a1b2c", "--config", bad},
		{"restore", "--config", bad, "20261125T151200Z-0a1b2c", "--yes"},
		{"drill", "20261125T151200Z-0a1b2c", "--log-file", "-", "--config", bad},
	} {
		code, _, stderr := runCLI(t, args...)
		if code != ExitUsage || !strings.Contains(stderr, "invalid config") || !strings.Contains(stderr, "cluster:") || strings.Contains(stderr, "not defined") {
			t.Errorf("%v: exit %d\n%s", args, code, stderr)
		}
	}
	if code, _, stderr := runCLI(t, "list", "--output", "yaml"); code != ExitUsage || !strings.Contains(stderr, "--output") {
		t.Errorf("--output yaml after the command: %d %s", code, stderr)
	}
}

// `<command> --help` and `help <command>` print the command's flags, the global flags
// and an example on stdout, and exit 0.
func TestHelpForEveryCommand(t *testing.T) {
	for _, c := range commands {
		args := append(strings.Fields(c.name), "--help")
		for _, a := range [][]string{args, append([]string{"help"}, strings.Fields(c.name)...)} {
			code, out, stderr := runCLI(t, a...)
			if code != ExitOK || !strings.Contains(out, "Usage:\n  atlas-backup "+c.name) || !strings.Contains(out, "Example:\n  atlas-backup ") ||
				!strings.Contains(out, "--config file") || stderr != "" {
				t.Errorf("%v: exit %d\nstdout:\n%s\nstderr:\n%s", a, code, out, stderr)
			}
		}
	}
	code, out, _ := runCLI(t, "backup", "--help")
	for _, f := range []string{"--id id", "--new", "--trigger", "--detail text", "--output format", "--log-file file"} {
		if code != ExitOK || !strings.Contains(out, f) {
			t.Errorf("backup --help lacks %q:\n%s", f, out)
		}
	}
	code, out, _ = runCLI(t, "restore", "--help")
	for _, f := range []string{"--only parts", "--suffix suffix", "--target folder", "--yes"} {
		if code != ExitOK || !strings.Contains(out, f) {
			t.Errorf("restore --help lacks %q:\n%s", f, out)
		}
	}
	if code, out, _ := runCLI(t, "--help"); code != ExitOK || !strings.Contains(out, "Commands:") {
		t.Errorf("--help: %d %s", code, out)
	}
	if code, _, _ := runCLI(t, "help", "bakup"); code != ExitUsage {
		t.Errorf("help of an unknown command: %d", code)
	}
}

// listener counts the connections made to it: a config that is refused must make none.
func listener(t *testing.T) (string, *atomic.Int32) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int32
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { l.Close() })
	return l.Addr().String(), &n
}

// Every hostile value of a configured name makes the CLI exit 2 naming the field and
// the rule, before any server is contacted (the store endpoint and the Solr node are
// listeners that count connections); so do hostile flags, before the config is read.
func TestHostileInputExits2BeforeAnyServer(t *testing.T) {
	addr, conns := listener(t)
	dir := t.TempDir()
	good := map[string]any{
		"cluster": "prod", "store": "s3://my-backups/atlas", "workDir": filepath.Join(dir, "work"),
		"aws":      map[string]any{"region": "us-east-1", "endpoint": "http://" + addr},
		"atlas":    map[string]any{"confDir": dir},
		"kerberos": map[string]any{"krb5Conf": "/etc/krb5.conf", "principal": "atlas@R", "keytab": "/etc/k.keytab"},
		"hbase":    map[string]any{"principal": "hbase@R", "keytab": "/etc/h.keytab", "exportDir": filepath.Join(dir, "exports")},
		"solr":     map[string]any{"nodes": []any{map[string]any{"url": "http://" + addr + "/solr", "spn": "HTTP/localhost"}}, "location": dir},
	}
	write := func(change func(m map[string]any)) string {
		b, _ := yaml.Marshal(good)
		var m map[string]any
		yaml.Unmarshal(b, &m)
		change(m)
		out, err := yaml.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "c.yaml")
		os.WriteFile(p, out, 0o600)
		return p
	}
	sec := func(m map[string]any, k string) map[string]any { return m[k].(map[string]any) }
	values := []string{"-rf", "--help", "../x", "a;b", "$(id)", "a b", "a\nb", "a\x00b", "a%26b", "hb\u0430se", "a\u200bb", strings.Repeat("a", 5000)}
	fields := []struct {
		field string
		set   func(m map[string]any, v string)
	}{
		{"cluster", func(m map[string]any, v string) { m["cluster"] = v }},
		{"store", func(m map[string]any, v string) { m["store"] = "s3://my-backups/" + v }},
		{"kerberos.principal", func(m map[string]any, v string) { sec(m, "kerberos")["principal"] = v }},
		{"hbase.principal", func(m map[string]any, v string) { sec(m, "hbase")["principal"] = v }},
		{"hbase.command", func(m map[string]any, v string) { sec(m, "hbase")["command"] = v }},
		{"hbase.owner", func(m map[string]any, v string) { sec(m, "hbase")["owner"] = v }},
		{"hbase.tables[0]", func(m map[string]any, v string) { sec(m, "hbase")["tables"] = []any{v} }},
		{"solr.collections[0]", func(m map[string]any, v string) { sec(m, "solr")["collections"] = []any{v} }},
		{"solr.nodes[0].spn", func(m map[string]any, v string) {
			sec(m, "solr")["nodes"].([]any)[0].(map[string]any)["spn"] = "HTTP/" + v
		}},
		{"atlas.confDir", func(m map[string]any, v string) { sec(m, "atlas")["confDir"] = "/etc/" + v }},
	}
	if code, _, stderr := runCLI(t, "list", "--config", write(func(map[string]any) {})); code != ExitOK && strings.Contains(stderr, "invalid config") {
		t.Fatalf("the good config is refused: %s", stderr)
	}
	conns.Store(0)
	n := 0
	for _, f := range fields {
		for _, v := range values {
			cfg := write(func(m map[string]any) { f.set(m, v) })
			for _, cmd := range [][]string{{"list"}, {"backup"}, {"verify", "b1"}, {"drill", "b1"}} {
				n++
				code, _, stderr := runCLI(t, append(cmd, "--config", cfg)...)
				if code != ExitUsage || !strings.Contains(stderr, f.field+":") {
					t.Errorf("%s = %q, %v: exit %d\n%s", f.field, v, cmd, code, stderr)
				}
			}
		}
	}
	for _, args := range [][]string{
		{"backup", "--id", "../x"}, {"backup", "--id", "-rf"}, {"backup", "--trigger", "cron"}, {"backup", "--detail", "a\nb"},
		{"restore", "b1", "--suffix", "-rf"}, {"restore", "b1", "--suffix", "a;b"}, {"restore", "b1", "--target", "/etc/../x"},
		{"restore", "b1", "--only", "hbase,shell"}, {"drill", "b1", "--suffix", "$(id)"}, {"describe", "b1/../x"}, {"verify", "--", "-rf"},
		{"agent", "archive-config", "--dir", "/etc/a b", "--store", "s3://my-backups/atlas", "--key", "atlas/k"},
		{"agent", "archive-config", "--dir", dir, "--store", "s3://my-backups/a%26b", "--key", "a%26b/k"},
	} {
		n++
		code, _, stderr := runCLI(t, append(args, "--config", filepath.Join(dir, "missing.yaml"))...)
		if code != ExitUsage || strings.Contains(stderr, "invalid config") {
			t.Errorf("%v: exit %d (want 2, refused before the config is read)\n%s", args, code, stderr)
		}
	}
	if c := conns.Load(); c != 0 {
		t.Errorf("%d connections to the servers while refusing hostile input", c)
	}
	t.Logf("%d hostile command lines refused with exit 2, %d connections", n, conns.Load())
}
