package config_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	krbconfig "github.com/jcmturner/gokrb5/v8/config"

	"github.com/atlas-backup/atlas-backup/shared/backup"
	"github.com/atlas-backup/atlas-backup/shared/config"
	"github.com/atlas-backup/atlas-backup/shared/handler"
	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/hooks"
	"github.com/atlas-backup/atlas-backup/shared/kerberos"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/restore"
	"github.com/atlas-backup/atlas-backup/shared/runner"
	"github.com/atlas-backup/atlas-backup/shared/solr"
	"github.com/atlas-backup/atlas-backup/shared/store"
	"github.com/atlas-backup/atlas-backup/shared/watchdog"
)

// fragments are invalid in every name, path and URL of the config: shell and Ruby
// metacharacters, quotes, whitespace, line breaks, NUL and other control characters,
// percent-escapes, Unicode look-alikes, zero-width and bidi characters, non-ASCII
// letters, invalid UTF-8, glob and home characters, backslashes.
var fragments = []string{
	";", "|", "&", "$(id)", "${IFS}", "`id`", "'", "\"", " ", "\t", "\n", "\r\n", "\r", "\x00", "\x1b[31m", "\x7f", "\x08",
	"%26", "%2e%2e", "%00", "%0a", "\u0430" /* Cyrillic a */, "\uff41" /* fullwidth a */, "\u0391" /* Greek Alpha */, "\u2044", /* fraction slash */
	"\u200b" /* zero width space */, "\ufeff", "\u202e" /* RTL override */, "\u00a0" /* no-break space */, "ü", "\xff\xfe",
	"*", "?", "<", ">", "!", "#", "~", "\\", "{", "}", "[", "]", "^", "\\n",
}

// hostile returns the hostile variants of a good value: each fragment prepended,
// appended and inserted; option-like values; traversal; an overlong value.
func hostile(good string) []string {
	out := []string{"-rf", "--help", "-", "--", "-x=1", "..", "../x", ".", "./x", good + "/../x", "../" + good,
		strings.Repeat("a", 5000), good + strings.Repeat("a", 5000), good + "/" + strings.Repeat("a", 5000)}
	mid := len(good) / 2
	for _, f := range fragments {
		out = append(out, good+f, f+good, good[:mid]+f+good[mid:], f)
	}
	return out
}

// validConfig is a complete, valid config (the same as config_test.go's).
const validConfig = `
cluster: prod-hdp3
atlas:
  confDir: /etc/atlas/conf
kerberos:
  krb5Conf: /etc/krb5.conf
  principal: infra-solr@EXAMPLE.COM
  keytab: /etc/security/keytabs/solr.keytab
hbase:
  runner: {type: local}
  principal: hbase@EXAMPLE.COM
  keytab: /etc/security/keytabs/hbase.keytab
  exportDir: hdfs://nn1:8020/backup/atlas
solr:
  nodes:
    - {url: "https://solr1.example.com:8886/solr", spn: HTTP/solr1.example.com}
  caFile: /etc/pki/ca.pem
  location: /mnt/solr-backup
store: s3://my-backups/atlas
`

func mustParse(t *testing.T) config.Config {
	t.Helper()
	c, err := config.Parse([]byte(validConfig))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fieldErr reports whether err names field.
func fieldErr(err error, field string) bool {
	var fes interface{ Unwrap() []error }
	if errors.As(err, &fes) {
		for _, e := range fes.Unwrap() {
			var fe *config.FieldError
			if errors.As(e, &fe) && fe.Field == field {
				return true
			}
		}
	}
	var fe *config.FieldError
	return errors.As(err, &fe) && fe.Field == field
}

type builder struct {
	name  string
	build func(v string) error
}

var krbCfg = func() *krbconfig.Config {
	c := krbconfig.New()
	c.LibDefaults.DefaultRealm = "EXAMPLE.COM"
	return c
}()

func job() runner.Job { return runner.Job{ID: "j1", Steps: []runner.Step{{Argv: []string{"true"}}}} }

// rulebook is every configured name with its good value, the field config.Validate
// names, and every builder that makes a command, URL, key or path from it.
var rulebook = []struct {
	field string
	good  string
	extra []string // hostile values of this field's own grammar
	set   func(c *config.Config, v string)
	build []builder
}{
	{field: "cluster", good: "prod-hdp3", set: func(c *config.Config, v string) { c.Cluster = v },
		build: []builder{
			{"store layout", func(v string) error { return store.Layout{Prefix: "atlas", Cluster: v}.Validate() }},
		}},
	{field: "store", good: "s3://my-backups/atlas", set: func(c *config.Config, v string) { c.Store = v },
		extra: []string{"s3://user@my-backups/atlas", "s3://my-backups@evil.example/atlas", "s3://my-backups:443/atlas", "s3://my-backups./atlas",
			"s3://my-backups/atlas?versionId=1", "s3://my-backups/atlas#x", "s3://my-backups/%2e%2e/x", "S3://my-backups/atlas", "s3:/my-backups/atlas",
			"s3:///atlas", "s3://my-backups//atlas", "s3://my-backups/atlas/../../x", "s3://bücher/atlas", "s3://xn--bcher-kva/atlas",
			"s3://192.168.1.1/atlas", "s3://my..backups/atlas", "s3://my-backups/-rf", "s3://my-backups/.atlas", "file://localhost/var/b",
			"file:///var/../etc", "file:///", "file:var/b", "file:///var/b?x", "https://my-backups.s3.amazonaws.com/atlas", "s3://my-backups/" + strings.Repeat("a/", 300)},
		build: []builder{
			{"store.Open", func(v string) error {
				loc, err := store.ParseURL(v)
				if err != nil {
					return err
				}
				_, err = store.Open(nil, loc, nil)
				if err != nil && strings.Contains(err.Error(), "no S3 client") {
					err = nil
				}
				return err
			}},
			{"agent parameters", func(v string) error {
				loc, err := store.ParseURL(v)
				if err != nil {
					return err
				}
				key := "prod/b1/config/atlas-conf.tar.gz"
				if loc.Prefix != "" {
					key = loc.Prefix + "/" + key
				}
				_, err = handler.AgentParameters(handler.AgentArchiveRequest{BackupID: "b1", ConfDir: "/etc/atlas/conf", Store: loc, Key: key, Part: key})
				return err
			}},
		}},
	{field: "atlas.confDir", good: "/etc/atlas/conf", set: func(c *config.Config, v string) { c.Atlas.ConfDir = v },
		build: []builder{
			{"agent parameters", func(v string) error {
				loc, _ := store.ParseURL("s3://my-backups/atlas")
				_, err := handler.AgentParameters(handler.AgentArchiveRequest{BackupID: "b1", ConfDir: v, Store: loc, Key: "atlas/k", Part: "atlas/p"})
				return err
			}},
		}},
	{field: "kerberos.principal", good: "infra-solr@EXAMPLE.COM", set: func(c *config.Config, v string) { c.Kerberos.Principal = v },
		extra: []string{"a@b@EXAMPLE.COM", "@EXAMPLE.COM", "infra-solr@", "infra-solr@EXAMPLE.COM.", "infra-solr@.EXAMPLE.COM", "a/b/c/d@R", "/a@R", "a/@R", "-a@R", ".a@R", "a/-h@R"},
		build: []builder{
			{"login (SplitPrincipal)", func(v string) error { _, _, err := kerberos.SplitPrincipal(v, krbCfg); return err }},
			{"kinit argv", func(v string) error { _, err := hbase.KinitArgv(v, "/etc/k.keytab"); return err }},
		}},
	{field: "hbase.principal", good: "hbase@EXAMPLE.COM", set: func(c *config.Config, v string) { c.HBase.Principal = v },
		extra: []string{"a@b@EXAMPLE.COM", "@EXAMPLE.COM", "hbase@", "hbase@EXAMPLE.COM.", "-kt@R", "hbase/-x@R"},
		build: []builder{
			{"kinit argv", func(v string) error { _, err := hbase.KinitArgv(v, "/etc/k.keytab"); return err }},
			{"job identity", func(v string) error {
				_, err := hbase.Identity{Principal: v, Keytab: "/etc/k.keytab", CCache: "/tmp/krb5cc_x"}.Job("j1", []string{"hbase"})
				return err
			}},
		}},
	{field: "hbase.command", good: "/usr/bin/hbase", set: func(c *config.Config, v string) { c.HBase.Command = v },
		extra: []string{"hbase/", "bin/hbase", "/usr/bin/", "/usr/../bin/hbase", "-hbase", ".hbase"},
		build: []builder{
			{"export argv", func(v string) error {
				_, err := hbase.ExportArgv(v, hbase.ExportOptions{Table: "atlas_janus", OutDir: "/tmp/x"})
				return err
			}},
			{"import argv", func(v string) error { _, err := hbase.ImportArgv(v, "atlas_janus", "/tmp/x"); return err }},
			{"shell argv", func(v string) error { _, err := hbase.ShellStdinArgv(v, "list"); return err }},
		}},
	{field: "hbase.owner", good: "hbase", set: func(c *config.Config, v string) { c.HBase.Owner = v },
		extra: []string{"hbase:", ":hadoop", "a:b:c", "root:" + strings.Repeat("g", 40), "0hbase"},
		build: []builder{
			{"chown argv", func(v string) error { _, err := hbase.HDFSChownArgv("hdfs", "/tmp/x", v); return err }},
		}},
	{field: "hbase.exportDir", good: "hdfs://nn1:8020/backup/atlas", set: func(c *config.Config, v string) { c.HBase.ExportDir = v },
		extra: []string{"hdfs://nn1:8020", "hdfs://nn1:99999999/x", "hdfs://user@nn1/x", "hdfs://nn1/x/../y", "hdfs://nn 1/x"},
		build: []builder{
			{"mkdir argv", func(v string) error { _, err := hbase.HDFSMkdirArgv("hdfs", v); return err }},
			{"export argv", func(v string) error {
				_, err := hbase.ExportArgv("hbase", hbase.ExportOptions{Table: "atlas_janus", OutDir: v})
				return err
			}},
		}},
	{field: "hbase.rootDir", good: "hdfs:///apps/hbase/data", set: func(c *config.Config, v string) { c.HBase.RootDir = v },
		extra: []string{"hdfs://nn1:99999999/x", "hdfs://user@nn1/x", "hdfs://nn1/x/../y", "file:///x", "rel/dir"},
		build: []builder{
			{"exportsnapshot argv", func(v string) error {
				_, err := hbase.ExportSnapshotArgv("hbase", hbase.ExportSnapshotOptions{Snapshot: "s1", CopyFrom: "/stage", CopyTo: v})
				return err
			}},
		}},
	{field: "hbase.tables[0]", good: "atlas_janus", set: func(c *config.Config, v string) { c.HBase.Tables = []string{v} },
		extra: []string{"ns:", ":t", "a:b:c", "ns-1:t", ".t", "t..x"},
		build: []builder{
			{"export argv", func(v string) error {
				_, err := hbase.ExportArgv("hbase", hbase.ExportOptions{Table: v, OutDir: "/tmp/x"})
				return err
			}},
			{"import argv", func(v string) error { _, err := hbase.ImportArgv("hbase", v, "/tmp/x"); return err }},
			{"describe script", func(v string) error { _, err := hbase.DescribeScript(v); return err }},
		}},
	{field: "solr.collections[0]", good: "vertex_index", set: func(c *config.Config, v string) { c.Solr.Collections = []string{v} },
		build: []builder{
			{"BACKUP params", func(v string) error {
				_, err := solr.BackupParams(solr.BackupRequest{Collection: v, Name: "b1", Location: "/mnt/b", AsyncID: "a1"})
				return err
			}},
			{"CLUSTERSTATUS params", func(v string) error { _, err := solr.ClusterStatusParams(v); return err }},
		}},
	{field: "solr.location", good: "/mnt/solr-backup", set: func(c *config.Config, v string) { c.Solr.Location = v },
		build: []builder{
			{"BACKUP params", func(v string) error {
				_, err := solr.BackupParams(solr.BackupRequest{Collection: "vertex_index", Name: "b1", Location: v, AsyncID: "a1"})
				return err
			}},
		}},
	{field: "solr.nodes[0].spn", good: "HTTP/solr1.example.com", set: func(c *config.Config, v string) { c.Solr.Nodes[0].SPN = v },
		extra: []string{"HTTP/solr1.example.com@EXAMPLE.COM", "HTTP/solr1.example.com.", "HTTP/", "/solr1", "HTTP/solr1/x", "HTTP/-solr1", "HTTP/solr1..example.com",
			"HTTP/bücher.example.com", "HTTP//solr1", "1TTP/solr1", "HTTP/" + strings.Repeat("a", 64) + ".com"},
		build: []builder{
			{"SPNEGO transport", kerberos.ValidateSPN},
		}},
	{field: "hbase.runner.instanceId", good: "i-0123456789abcdef0", set: func(c *config.Config, v string) {
		c.HBase.Runner = config.Runner{Type: config.RunnerSSM, InstanceID: v}
		c.HBase.ExportDir = "hdfs://nn1:8020/backup/atlas"
	}, extra: []string{"i-0123", "I-0123456789abcdef0", "i-0123456789ABCDEF0", "mi-0123456789abcdef", "i-0123456789abcdef0:x"},
		build: []builder{
			{"SSM SendCommand", func(v string) error { _, err := runner.SSMSendCommandInput(v, job(), runner.SSMOptions{}); return err }},
		}},
	{field: "hbase.runner.clusterId", good: "j-1ABCDEF2GHIJ", set: func(c *config.Config, v string) {
		c.HBase.Runner = config.Runner{Type: config.RunnerEMR, ClusterID: v}
	}, extra: []string{"j-", "J-1ABC", "j-1abc", "j-1ABC,j-2DEF"},
		build: []builder{
			{"EMR AddJobFlowSteps", func(v string) error { _, err := runner.EMRStepsInput(v, job()); return err }},
		}},
	{field: "workDir", good: "/var/lib/atlas-backup", set: func(c *config.Config, v string) { c.WorkDir = v },
		build: []builder{
			{"job ticket cache", func(v string) error {
				_, err := hbase.Identity{Principal: "hbase@R", Keytab: "/k", CCache: v + "/krb5cc_atlas_backup_b1"}.Job("j1")
				return err
			}},
		}},
	{field: "hooks.preBackup[0].argv[0]", good: "/usr/local/bin/stop-atlas", set: func(c *config.Config, v string) {
		c.Hooks.PreBackup = []hooks.Hook{{Name: "h1", Argv: []string{v, "--now"}}}
	}, extra: []string{"./stop-atlas", "bin/stop", "/usr/bin/", "A=1"},
		build: []builder{
			{"hbase launcher rule (the same program rule)", hbase.ValidateProgram},
		}},
	{field: "hbase.zookeeper[0]", good: "zk1.example.com:2181", set: func(c *config.Config, v string) { c.HBase.Zookeeper = []string{v} },
		extra: []string{"zk1.example.com", "zk1.example.com:", ":2181", "zk1.example.com:0", "zk1.example.com:65536", "zk1:2181,zk2:2181", "[::1]:2181", "user@zk1:2181"},
		build: []builder{
			{"watchdog probe address", watchdog.ValidateServer},
		}},
	{field: "hbase.znodeParent", good: "/hbase-unsecure", set: func(c *config.Config, v string) { c.HBase.ZnodeParent = v },
		extra: []string{"/", "hbase", "/hbase/", "//hbase", "/.hbase"},
		build: []builder{
			{"watchdog probe znode", watchdog.ValidateZnodeParent},
		}},
	{field: "hbase.keytab", good: "/etc/security/keytabs/hbase.keytab", set: func(c *config.Config, v string) { c.HBase.Keytab = v },
		build: []builder{
			{"kinit argv", func(v string) error { _, err := hbase.KinitArgv("hbase@R", v); return err }},
		}},
}

// Every hostile value is refused by config.Validate, naming the field, and by every
// builder of the same name; every good value passes both. Counts are logged.
func TestRulebookHostileCorpus(t *testing.T) {
	total, refused := 0, 0
	for _, r := range rulebook {
		t.Run(r.field, func(t *testing.T) {
			verdict := func(v string) (cfgOK bool, builds map[string]bool) {
				c := mustParse(t)
				c.Solr.Nodes = append([]config.SolrNode(nil), c.Solr.Nodes...)
				r.set(&c, v)
				err := c.Validate()
				builds = map[string]bool{}
				for _, b := range r.build {
					builds[b.name] = b.build(v) == nil
				}
				return !fieldErr(err, r.field), builds
			}
			if ok, builds := verdict(r.good); !ok {
				c := mustParse(t)
				r.set(&c, r.good)
				t.Fatalf("good value %q refused: %v", r.good, c.Validate())
			} else {
				for name, bok := range builds {
					if !bok {
						t.Errorf("good value %q refused by %s", r.good, name)
					}
				}
			}
			for _, v := range append(hostile(r.good), r.extra...) {
				total++
				ok, builds := verdict(v)
				if ok {
					t.Errorf("config.Validate accepts hostile %s %s", r.field, show(v))
				} else {
					refused++
				}
				for name, bok := range builds {
					if bok {
						t.Errorf("%s accepts hostile %s %s (config: accepted=%v)", name, r.field, show(v), ok)
					}
				}
			}
		})
	}
	t.Logf("hostile corpus: %d values over %d fields, %d refused by config.Validate", total, len(rulebook), refused)
}

func show(v string) string {
	if len(v) > 60 {
		return fmt.Sprintf("%q... (%d bytes)", v[:60], len(v))
	}
	if !utf8.ValidString(v) {
		return fmt.Sprintf("%q (invalid UTF-8)", v)
	}
	return fmt.Sprintf("%q", v)
}

// Inputs that do not come from the config file have their rules too, applied while
// the CLI parses its flags and when a handler reads its event: backup ids, restore
// suffixes and config targets, the trigger's detail.
func TestRulebookHostileRequests(t *testing.T) {
	n := 0
	for _, v := range append(hostile("20261125T151200Z-0a1b2c"), "20261125T151200Z-0a1b2c/..", "_restore", "-1") {
		n++
		if err := (backup.PlanInput{BackupID: v, Trigger: manifest.Trigger{Source: "cli"}}).Validate(); err == nil {
			t.Errorf("backup id %s accepted", show(v))
		}
		if err := (restore.PlanInput{BackupID: v}).Validate(); err == nil {
			t.Errorf("restore backup id %s accepted", show(v))
		}
	}
	for _, v := range hostile("_restored") {
		n++
		if err := (restore.PlanInput{BackupID: "b1", Suffix: v}).Validate(); err == nil {
			t.Errorf("suffix %s accepted", show(v))
		}
	}
	for _, v := range hostile("/var/restore/conf") {
		n++
		if err := (restore.PlanInput{BackupID: "b1", ConfigTarget: v}).Validate(); err == nil {
			t.Errorf("config target %s accepted", show(v))
		}
	}
	for _, v := range []string{"a\nb", "\x00", strings.Repeat("x", 300), "\u202e", "é"} {
		n++
		if err := (backup.PlanInput{Trigger: manifest.Trigger{Source: "cli", Detail: v}}).Validate(); err == nil {
			t.Errorf("trigger detail %s accepted", show(v))
		}
	}
	t.Logf("hostile requests: %d values refused", n)
}
