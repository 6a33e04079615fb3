package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const valid = `
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

func TestParseValid(t *testing.T) {
	c, err := Parse([]byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	if c.HBase.Versions != 2147483647 || c.Concurrency != 3 || c.HBase.Command != "hbase" || c.HBase.Owner != "hbase" {
		t.Errorf("defaults not applied: %+v", c.HBase)
	}
	if strings.Join(c.Solr.Collections, ",") != "vertex_index,edge_index,fulltext_index" {
		t.Errorf("default collections: %v", c.Solr.Collections)
	}
}

func TestSnapshotMethodConfig(t *testing.T) {
	c, err := Parse([]byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	if c.HBase.Method != "export" || c.HBase.Snapshot.Mappers != 4 || c.HBase.Snapshot.Bandwidth != 0 || !c.HBase.Snapshot.VerifyChecksum {
		t.Errorf("defaults: method %q, snapshot %+v", c.HBase.Method, c.HBase.Snapshot)
	}
	in := strings.Replace(valid, "exportDir: hdfs://nn1:8020/backup/atlas",
		"exportDir: /backup/atlas\n  method: snapshot\n  rootDir: hdfs:///apps/hbase/data\n  snapshot: {mappers: 8, bandwidth: 50, verifyChecksum: false}", 1)
	c, err = Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if c.HBase.Method != "snapshot" || c.HBase.RootDir != "hdfs:///apps/hbase/data" || c.HBase.Snapshot != (Snapshot{Mappers: 8, Bandwidth: 50}) {
		t.Errorf("snapshot config: %q %q %+v", c.HBase.Method, c.HBase.RootDir, c.HBase.Snapshot)
	}
}

func TestUnknownFieldRefused(t *testing.T) {
	_, err := Parse([]byte(valid + "stroe: s3://typo\n"))
	if err == nil || !strings.Contains(err.Error(), "stroe") {
		t.Fatalf("err = %v, want the unknown field named", err)
	}
}

// Each case changes one line of the valid config; the error must name the field.
func TestValidateNamesFieldAndRule(t *testing.T) {
	long := strings.Repeat("x", 300)
	tests := []struct {
		name, from, to, field string
	}{
		{"cluster metachar", "cluster: prod-hdp3", "cluster: 'a;b'", "cluster"},
		{"cluster dotdot", "cluster: prod-hdp3", "cluster: '..'", "cluster"},
		{"cluster long", "cluster: prod-hdp3", "cluster: " + long, "cluster"},
		{"store scheme", "store: s3://my-backups/atlas", "store: ftp://x/y", "store"},
		{"store traversal", "store: s3://my-backups/atlas", "store: s3://my-backups/../x", "store"},
		{"store relative file", "store: s3://my-backups/atlas", "store: file://rel/dir", "store"},
		{"confDir relative", "confDir: /etc/atlas/conf", "confDir: etc/atlas", "atlas.confDir"},
		{"confDir space", "confDir: /etc/atlas/conf", "confDir: '/etc/at las'", "atlas.confDir"},
		{"principal injection", "principal: infra-solr@EXAMPLE.COM", "principal: 'a$(id)@X'", "kerberos.principal"},
		{"keytab relative", "keytab: /etc/security/keytabs/solr.keytab", "keytab: solr.keytab", "kerberos.keytab"},
		{"runner type", "runner: {type: local}", "runner: {type: ssh}", "hbase.runner.type"},
		{"ssm without instance", "runner: {type: local}", "runner: {type: ssm}", "hbase.runner.instanceId"},
		{"emr bad cluster id", "runner: {type: local}", "runner: {type: emr, clusterId: 'j-1;x'}", "hbase.runner.clusterId"},
		{"export dir newline", "exportDir: hdfs://nn1:8020/backup/atlas", "exportDir: \"/tmp/a\\nb\"", "hbase.exportDir"},
		{"export dir dotdot", "exportDir: hdfs://nn1:8020/backup/atlas", "exportDir: /tmp/../etc", "hbase.exportDir"},
		{"solr url scheme", `url: "https://solr1.example.com:8886/solr"`, `url: "ftp://solr1"`, "solr.nodes[0].url"},
		{"solr url credentials", `url: "https://solr1.example.com:8886/solr"`, `url: "https://u:p@solr1/solr"`, "solr.nodes[0].url"},
		{"spn with realm", "spn: HTTP/solr1.example.com", "spn: HTTP/solr1.example.com@EXAMPLE.COM", "solr.nodes[0].spn"},
		{"location relative", "location: /mnt/solr-backup", "location: backups", "solr.location"},
		{"location traversal", "location: /mnt/solr-backup", "location: /mnt/../etc", "solr.location"},
		{"method unknown", "exportDir: hdfs://nn1:8020/backup/atlas", "exportDir: /backup/atlas\n  method: copytable", "hbase.method"},
		{"snapshot without root dir", "exportDir: hdfs://nn1:8020/backup/atlas", "exportDir: /backup/atlas\n  method: snapshot", "hbase.rootDir"},
		{"snapshot on cluster storage", "exportDir: hdfs://nn1:8020/backup/atlas", "exportDir: hdfs://nn1:8020/backup/atlas\n  method: snapshot\n  rootDir: hdfs:///apps/hbase/data", "hbase.method"},
		{"root dir metachar", "exportDir: hdfs://nn1:8020/backup/atlas", "exportDir: /backup/atlas\n  method: snapshot\n  rootDir: '/apps/$(id)'", "hbase.rootDir"},
		{"snapshot mappers", "exportDir: hdfs://nn1:8020/backup/atlas", "exportDir: /backup/atlas\n  snapshot: {mappers: 0}", "hbase.snapshot.mappers"},
		{"snapshot bandwidth", "exportDir: hdfs://nn1:8020/backup/atlas", "exportDir: /backup/atlas\n  snapshot: {bandwidth: -1}", "hbase.snapshot.bandwidth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := strings.Replace(valid, tt.from, tt.to, 1)
			if in == valid {
				t.Fatalf("test case does not change the config: %q not found", tt.from)
			}
			_, err := Parse([]byte(in))
			var fe *FieldError
			if err == nil || !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a *FieldError", err)
			}
			if !strings.Contains(err.Error(), tt.field+":") {
				t.Fatalf("error does not name %q:\n%v", tt.field, err)
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	in := strings.Replace(strings.Replace(valid, "cluster: prod-hdp3", "cluster: 'a b'", 1),
		"location: /mnt/solr-backup", "location: rel", 1)
	_, err := Parse([]byte(in))
	if err == nil || !strings.Contains(err.Error(), "cluster:") || !strings.Contains(err.Error(), "solr.location:") {
		t.Fatalf("want both problems, got: %v", err)
	}
}

func TestHostileCollectionsAndTables(t *testing.T) {
	for _, bad := range []string{"a b", "../x", "x;y", "$(id)", "a`b`", "-x", strings.Repeat("c", 300)} {
		c, err := Parse([]byte(valid))
		if err != nil {
			t.Fatal(err)
		}
		c.Solr.Collections = []string{bad}
		c.HBase.Tables = []string{bad}
		err = c.Validate()
		if err == nil || !strings.Contains(err.Error(), "solr.collections[0]:") || !strings.Contains(err.Error(), "hbase.tables[0]:") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestEnvironmentOverrides(t *testing.T) {
	c := Defaults()
	c.applyEnv(func(k string) string {
		return map[string]string{"ATLAS_BACKUP_STORE": "file:///srv/b", "ATLAS_BACKUP_CLUSTER": "c2", "KRB5_CONFIG": "/k/krb5.conf", "HOME": "/home/u"}[k]
	})
	if c.Store != "file:///srv/b" || c.Cluster != "c2" || c.Kerberos.Krb5Conf != "/k/krb5.conf" || c.WorkDir != "/home/u/.local/state/atlas-backup" {
		t.Fatalf("%+v", c)
	}
}

func TestAtlasAuth(t *testing.T) {
	atlasAt := func(extra string) string {
		return strings.Replace(valid, "  confDir: /etc/atlas/conf", "  confDir: /etc/atlas/conf\n  url: http://127.0.0.1:21000\n"+extra, 1)
	}
	noKrb := func(s string) string {
		return strings.Replace(s, "  keytab: /etc/security/keytabs/solr.keytab", "  keytab: /etc/security/keytabs/solr.keytab\n  disabled: true", 1)
	}
	tests := []struct {
		name, yaml, field string
		mode              string
	}{
		{name: "kerberos by default", yaml: atlasAt("  spn: HTTP/atlas1.example.com"), mode: "kerberos"},
		{name: "kerberos without spn", yaml: atlasAt(""), field: "atlas.spn"},
		{name: "basic", yaml: atlasAt("  auth: basic\n  user: admin\n  passwordFile: /etc/atlas-backup/atlas.password"), mode: "basic"},
		{name: "basic from secrets manager", yaml: atlasAt("  auth: basic\n  user: admin\n  passwordFile: arn:aws:secretsmanager:us-east-1:123456789012:secret:atlas-pw"), mode: "basic"},
		{name: "basic by default without kerberos", yaml: noKrb(atlasAt("  user: admin\n  passwordFile: /p")), mode: "basic"},
		{name: "basic without user", yaml: atlasAt("  auth: basic\n  passwordFile: /p"), field: "atlas.user"},
		{name: "basic user metachar", yaml: atlasAt("  auth: basic\n  user: 'a;b'\n  passwordFile: /p"), field: "atlas.user"},
		{name: "basic relative password file", yaml: atlasAt("  auth: basic\n  user: admin\n  passwordFile: pw.txt"), field: "atlas.passwordFile"},
		{name: "kerberos while disabled", yaml: noKrb(atlasAt("  auth: kerberos\n  spn: HTTP/a")), field: "atlas.auth"},
		{name: "unknown mode", yaml: atlasAt("  auth: ldap"), field: "atlas.auth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.yaml))
			if tt.field != "" {
				var fe *FieldError
				if err == nil || !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.field+":") {
					t.Fatalf("err = %v, want a *FieldError naming %s", err, tt.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.AtlasAuthMode(); got != tt.mode {
				t.Fatalf("mode %s, want %s", got, tt.mode)
			}
		})
	}
}

// The aws section lets a config work without the environment; each field yields to its
// environment variable, and each is validated like the rest.
func TestAWSSectionAndItsEnvironment(t *testing.T) {
	in := valid + "aws:\n  region: eu-west-1\n  endpoint: http://127.0.0.1:5000\n  credentialsFile: /srv/aws/credentials\n  profile: backup\n"
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_SHARED_CREDENTIALS_FILE", "AWS_PROFILE"} {
		t.Setenv(k, "")
	}
	c, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if c.AWS != (AWS{Region: "eu-west-1", Endpoint: "http://127.0.0.1:5000", CredentialsFile: "/srv/aws/credentials", Profile: "backup"}) {
		t.Fatalf("%+v", c.AWS)
	}
	t.Setenv("AWS_DEFAULT_REGION", "us-west-2")
	t.Setenv("AWS_ENDPOINT_URL", "https://s3.example.com")
	if c, err = Parse([]byte(in)); err != nil || c.AWS.Region != "us-west-2" || c.AWS.Endpoint != "https://s3.example.com" || c.AWS.Profile != "backup" {
		t.Fatalf("environment does not override: %+v %v", c.AWS, err)
	}
	t.Setenv("AWS_REGION", "ap-south-1")
	if c, _ = Parse([]byte(in)); c.AWS.Region != "ap-south-1" {
		t.Fatalf("AWS_REGION before AWS_DEFAULT_REGION: %+v", c.AWS)
	}
	for k := range map[string]bool{"AWS_REGION": true, "AWS_DEFAULT_REGION": true, "AWS_ENDPOINT_URL": true} {
		t.Setenv(k, "")
	}
	for _, tt := range []struct{ from, to, field string }{
		{"region: eu-west-1", "region: 'eu-west-1; id'", "aws.region"},
		{"endpoint: http://127.0.0.1:5000", "endpoint: 'http://u:p@127.0.0.1:5000'", "aws.endpoint"},
		{"endpoint: http://127.0.0.1:5000", "endpoint: 'http://127.0.0.1:5000/?x=1'", "aws.endpoint"},
		{"endpoint: http://127.0.0.1:5000", "endpoint: 'file:///etc'", "aws.endpoint"},
		{"credentialsFile: /srv/aws/credentials", "credentialsFile: 'aws/credentials'", "aws.credentialsFile"},
		{"profile: backup", "profile: 'a b'", "aws.profile"},
	} {
		_, err := Parse([]byte(strings.Replace(in, tt.from, tt.to, 1)))
		if err == nil || !strings.Contains(err.Error(), tt.field+":") {
			t.Errorf("%s: %v", tt.to, err)
		}
	}
}

func TestLifecycleSections(t *testing.T) {
	c, err := Parse([]byte(valid + `
retention:
  keepLast: 5
  keepDaily: 7
  keepWeekly: -1
  keepWithin: 2m15d
  failedGrace: 24h
lock:
  staleAfter: 10m
events:
  bus: default
hooks:
  preBackup:
    - name: stop-atlas
      argv: [curl, --fail, -X, PUT, "https://ambari:8443/api/v1/clusters/c/services/ATLAS"]
      timeout: 10m
  postBackup:
    - {name: start-atlas, argv: [curl, --fail], onError: continue}
`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Retention.KeepLast != 5 || c.Retention.KeepWeekly != -1 || c.Retention.KeepWithin.Months != 2 || c.Retention.KeepWithin.Days != 15 ||
		c.Retention.FailedGrace.String() != "24h0m0s" || !c.Retention.Auto() {
		t.Errorf("retention %+v", c.Retention)
	}
	if c.Lock.StaleAfter.String() != "10m0s" || c.Events.Bus != "default" || len(c.Hooks.PreBackup) != 1 || c.Hooks.PostBackup[0].OnError != "continue" {
		t.Errorf("lock %v events %v hooks %+v", c.Lock, c.Events, c.Hooks)
	}
	d, err := Parse([]byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	if d.Retention.Auto() || d.Retention.FailedGrace.String() != "72h0m0s" || d.Lock.StaleAfter.String() != "30m0s" {
		t.Errorf("defaults: %+v %+v", d.Retention, d.Lock)
	}
	_, err = Parse([]byte(valid + `
retention: {keepLast: -3, keepWithin: 3w}
`))
	if err == nil || !strings.Contains(err.Error(), "keepWithin") {
		t.Errorf("keepWithin 3w: %v", err)
	}
	_, err = Parse([]byte(valid + `
retention: {keepLast: -3, failedGrace: 1s}
lock: {staleAfter: 48h}
events: {bus: "a b"}
hooks:
  preRestore: [{name: x, argv: ["sh", "-c", "echo hi"]}]
`))
	for _, want := range []string{"retention.keepLast: must be -1", "retention.failedGrace: must be at least 1m", "lock.staleAfter: must be between 1s and 24h",
		"events.bus: must be", "hooks.preRestore[0].argv: sh -c runs a shell string"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q: %v", want, err)
		}
	}
}

// The watchdog keys: defaults, and each refusal names the field and the rule.
func TestWatchdogKeys(t *testing.T) {
	c, err := Parse([]byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	if time.Duration(c.HBase.NoProgress) != 5*time.Minute || time.Duration(c.HBase.Timeout) != 24*time.Hour ||
		c.HBase.ZnodeParent != "/hbase" || len(c.HBase.Zookeeper) != 0 || time.Duration(c.Solr.NoAnswer) != 5*time.Minute {
		t.Fatalf("defaults: %+v, solr.noAnswer %s", c.HBase, c.Solr.NoAnswer)
	}
	ok := strings.Replace(valid, "  exportDir:", "  zookeeper: [zk1.example.com:2181, 10.0.0.2:2181]\n  znodeParent: /hbase-secure\n  noProgress: 20s\n  timeout: 6h\n  exportDir:", 1)
	ok = strings.Replace(ok, "  location: /mnt/solr-backup", "  location: /mnt/solr-backup\n  noAnswer: 1m", 1)
	c, err = Parse([]byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.HBase.Zookeeper) != 2 || c.HBase.ZnodeParent != "/hbase-secure" || time.Duration(c.HBase.NoProgress) != 20*time.Second ||
		time.Duration(c.HBase.Timeout) != 6*time.Hour || time.Duration(c.Solr.NoAnswer) != time.Minute {
		t.Fatalf("parsed: %+v, solr.noAnswer %s", c.HBase, c.Solr.NoAnswer)
	}
	tests := []struct{ name, from, to, want string }{
		{"zookeeper without port", "zk1.example.com:2181,", "zk1.example.com,", "hbase.zookeeper[0]: "},
		{"zookeeper list in one", "zk1.example.com:2181, 10.0.0.2:2181", "'zk1:2181,zk2:2181'", "hbase.zookeeper[0]: "},
		{"znode relative", "znodeParent: /hbase-secure", "znodeParent: hbase", "hbase.znodeParent: "},
		{"noProgress too short", "noProgress: 20s", "noProgress: 1s", "hbase.noProgress: must be 0 (off) or between 5s and hbase.timeout (6h0m0s), got 1s"},
		{"noProgress beyond timeout", "noProgress: 20s", "noProgress: 7h", "hbase.noProgress: must be 0 (off) or between 5s and hbase.timeout"},
		{"timeout too short", "timeout: 6h", "timeout: 30s", "hbase.timeout: must be between 1m and 720h, got 30s"},
		{"noAnswer beyond solr.timeout", "noAnswer: 1m", "noAnswer: 3h", "solr.noAnswer: must be between 5s and solr.timeout (2h0m0s), got 3h0m0s"},
		{"noAnswer zero", "noAnswer: 1m", "noAnswer: 0s", "solr.noAnswer: must be between 5s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := strings.Replace(ok, tt.from, tt.to, 1)
			if in == ok {
				t.Fatalf("%q not found", tt.from)
			}
			_, err := Parse([]byte(in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := Parse([]byte(strings.Replace(ok, "noProgress: 20s", "noProgress: 0s", 1))); err != nil {
		t.Fatalf("noProgress 0 (off): %v", err)
	}
}
