package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/hooks"
	"github.com/atlas-backup/atlas-backup/shared/hostpath"
	"github.com/atlas-backup/atlas-backup/shared/kerberos"
	"github.com/atlas-backup/atlas-backup/shared/lock"
	"github.com/atlas-backup/atlas-backup/shared/retention"
	"github.com/atlas-backup/atlas-backup/shared/runner"
	"github.com/atlas-backup/atlas-backup/shared/secret"
	"github.com/atlas-backup/atlas-backup/shared/solr"
	"github.com/atlas-backup/atlas-backup/shared/store"
	"github.com/atlas-backup/atlas-backup/shared/watchdog"
)

// Runner types.
const (
	RunnerLocal = "local"
	RunnerSSM   = "ssm"
	RunnerEMR   = "emr"
)

// Config is one cluster's backup configuration.
type Config struct {
	// Cluster names the cluster in the store layout: [A-Za-z0-9][A-Za-z0-9._-]{0,127}.
	Cluster  string   `yaml:"cluster" json:"cluster"`
	Atlas    Atlas    `yaml:"atlas" json:"atlas"`
	Kerberos Kerberos `yaml:"kerberos" json:"kerberos"`
	HBase    HBase    `yaml:"hbase" json:"hbase"`
	Solr     Solr     `yaml:"solr" json:"solr"`
	// Store is where backups go: s3://bucket/prefix or file:///abs/dir.
	Store string `yaml:"store" json:"store"`
	// Concurrency bounds the HBase/Solr/config work running at once (default 3).
	Concurrency int `yaml:"concurrency" json:"concurrency"`
	// WorkDir holds local state: runner logs, downloaded export files (default
	// $XDG_STATE_HOME/atlas-backup or ~/.local/state/atlas-backup).
	WorkDir string `yaml:"workDir" json:"workDir"`
	// AWS says how the tool's AWS clients (the S3 store, SSM, EMR, Secrets Manager) are
	// made when the environment does not say it (the environment wins).
	AWS AWS `yaml:"aws" json:"aws,omitempty"`
	// Retention: which backups stay (shared/retention), run by `forget` and after
	// every SUCCEEDED backup.
	Retention Retention `yaml:"retention" json:"retention"`
	// Lock: the per-cluster lock (shared/lock).
	Lock Lock `yaml:"lock" json:"lock"`
	// Events: the completion events (shared/events).
	Events Events `yaml:"events" json:"events"`
	// Hooks run before and after a backup or restore (shared/hooks).
	Hooks hooks.Hooks `yaml:"hooks" json:"hooks"`
}

// AWS holds what the AWS SDK otherwise reads from the environment, so a config works
// as printed (the local stack's, an edge node's cron). Each is optional; the environment
// variable named beside it overrides it.
type AWS struct {
	// Region of every AWS client (AWS_REGION, AWS_DEFAULT_REGION).
	Region string `yaml:"region" json:"region,omitempty"`
	// Endpoint of every AWS client instead of AWS's own, for an S3-compatible store or a
	// local stack (AWS_ENDPOINT_URL; AWS_ENDPOINT_URL_S3 for the store only).
	Endpoint string `yaml:"endpoint" json:"endpoint,omitempty"`
	// CredentialsFile is a shared credentials file (AWS_SHARED_CREDENTIALS_FILE); the
	// access key variables and the instance role still come first in the SDK's chain.
	CredentialsFile string `yaml:"credentialsFile" json:"credentialsFile,omitempty"`
	// Profile in the shared files (AWS_PROFILE).
	Profile string `yaml:"profile" json:"profile,omitempty"`
}

// Retention is the retention policy and how it is applied.
type Retention struct {
	retention.Policy `yaml:",inline"`
	// FailedGrace: FAILED, PARTIAL and unfinished backups younger than this are left
	// alone (default 72h).
	FailedGrace Duration `yaml:"failedGrace" json:"failedGrace"`
	// AfterBackup: run forget --prune after every SUCCEEDED backup when a keep rule is
	// set (default true).
	AfterBackup *bool `yaml:"afterBackup" json:"afterBackup,omitempty"`
}

// Auto reports whether retention runs after a SUCCEEDED backup.
func (r Retention) Auto() bool { return !r.Empty() && (r.AfterBackup == nil || *r.AfterBackup) }

// Lock configures the per-cluster lock.
type Lock struct {
	// StaleAfter: a lock (or a reader mark) not refreshed for this long is stale
	// (default 30m; refreshed every StaleAfter/6).
	StaleAfter Duration `yaml:"staleAfter" json:"staleAfter"`
}

// Events configures the completion events.
type Events struct {
	// Bus is the EventBridge bus (name or ARN, "default" for the default bus) the CLI
	// publishes on; empty: the CLI publishes none. The functions use EVENT_BUS.
	Bus string `yaml:"bus" json:"bus,omitempty"`
}

// Atlas locates Atlas itself.
type Atlas struct {
	// URL of the Atlas server (optional). With it a backup records what Atlas answers
	// (version, status, metrics, a sample of entities; its version picks the graph
	// table when atlas-application.properties does not name it), a restore is refused
	// while Atlas answers, and check-atlas compares a restored Atlas with the record.
	URL string `yaml:"url" json:"url,omitempty"`
	// Auth is how to log in to Atlas: basic or kerberos (default kerberos, or basic when
	// kerberos.disabled).
	Auth string `yaml:"auth" json:"auth,omitempty"`
	// User and PasswordFile: basic credentials (Atlas's file, LDAP or PAM login). The
	// password file is an absolute path or a Secrets Manager ARN; its content (one line)
	// is never logged.
	User         string `yaml:"user" json:"user,omitempty"`
	PasswordFile string `yaml:"passwordFile" json:"passwordFile,omitempty"`
	// SPN of the Atlas server for kerberos (HTTP/atlas-host.example.com).
	SPN string `yaml:"spn" json:"spn,omitempty"`
	// ConfDir is Atlas's config folder on the Atlas host (default /etc/atlas/conf).
	ConfDir string `yaml:"confDir" json:"confDir"`
	// Version is used when neither the properties nor the server tell (optional).
	Version string `yaml:"version" json:"version,omitempty"`
	// AgentInstanceID: when set, the config folder is archived on that host through
	// SSM (`atlas-backup agent archive-config`); otherwise it is read locally.
	AgentInstanceID string `yaml:"agentInstanceId" json:"agentInstanceId,omitempty"`
}

// Atlas authentication modes.
const (
	AtlasAuthBasic    = "basic"
	AtlasAuthKerberos = "kerberos"
)

// AtlasAuthMode is the effective atlas.auth: as set, else kerberos, or basic on a cluster
// without Kerberos.
func (c *Config) AtlasAuthMode() string {
	if c.Atlas.Auth != "" {
		return c.Atlas.Auth
	}
	if c.Kerberos.Disabled {
		return AtlasAuthBasic
	}
	return AtlasAuthKerberos
}

// Kerberos is the identity that calls Solr (and Atlas): the Atlas/Solr service user.
type Kerberos struct {
	// Krb5Conf is the krb5.conf path (default $KRB5_CONFIG, then /etc/krb5.conf).
	Krb5Conf  string `yaml:"krb5Conf" json:"krb5Conf"`
	Principal string `yaml:"principal" json:"principal"`
	// Keytab: an absolute path or a Secrets Manager ARN (binary or base64 string).
	Keytab string `yaml:"keytab" json:"keytab"`
	// Disabled turns SPNEGO off for clusters without Kerberos.
	Disabled bool `yaml:"disabled" json:"disabled,omitempty"`
}

// HBase says how the Export/Import commands reach the cluster and as whom.
type HBase struct {
	Runner Runner `yaml:"runner" json:"runner"`
	// Command is the hbase launcher on the runner host (default "hbase").
	Command string `yaml:"command" json:"command"`
	// HDFSCommand and HadoopCommand are the hdfs and hadoop launchers on the runner host
	// (defaults "hdfs", "hadoop"): `hdfs dfs -mkdir/-chown/-rm` and `hadoop distcp` for
	// an export dir on cluster storage.
	HDFSCommand   string `yaml:"hdfsCommand" json:"hdfsCommand"`
	HadoopCommand string `yaml:"hadoopCommand" json:"hadoopCommand"`
	// Principal and Keytab for `kinit -kt` before every HBase command (the seed: run
	// as the hbase user with a TGT). Keytab is a path on the runner host, or a Secrets
	// Manager ARN for the local runner.
	Principal string `yaml:"principal" json:"principal"`
	Keytab    string `yaml:"keytab" json:"keytab"`
	// ExportDir is where Export writes: hdfs://..., s3://..., or an absolute local path.
	ExportDir string `yaml:"exportDir" json:"exportDir"`
	// Owner of ExportDir on HDFS (the seed: "set hbase as its owner"; default hbase).
	Owner string `yaml:"owner" json:"owner"`
	// Tables is the fallback when neither the properties nor the Atlas version tell.
	Tables []string `yaml:"tables" json:"tables,omitempty"`
	// Versions of each cell to export (default 2147483647: all that HBase keeps).
	Versions int `yaml:"versions" json:"versions"`
	// Compress the export's SequenceFiles (default false: readable by every Import).
	Compress bool `yaml:"compress" json:"compress"`
	// Zookeeper lists the cluster's ZooKeeper servers as host:port (hbase.zookeeper.quorum
	// with its clientPort). With it the progress watchdog can tell a dead HBase from a
	// slow job: an Export or Import without progress for NoProgress gets a probe (a
	// ZooKeeper session, then the master's znode); when it fails too, the part fails
	// naming HBase. Without it a job without progress runs on until Timeout.
	Zookeeper []string `yaml:"zookeeper" json:"zookeeper,omitempty"`
	// ZnodeParent is zookeeper.znode.parent (default /hbase; HDP: /hbase-unsecure, or
	// /hbase-secure with Kerberos).
	ZnodeParent string `yaml:"znodeParent" json:"znodeParent"`
	// NoProgress: how long a running Export or Import may show no progress (no new map
	// progress, counters or step in its output) before HBase is probed (default 5m; 0
	// turns the watchdog off).
	NoProgress Duration `yaml:"noProgress" json:"noProgress"`
	// Timeout bounds one table's Export or Import job, progress or not (default 24h).
	Timeout Duration `yaml:"timeout" json:"timeout"`
	// Method is how a table is taken: export (HBase Export, the default) or snapshot
	// (an HBase snapshot copied out with ExportSnapshot; see the README).
	Method string `yaml:"method" json:"method"`
	// Snapshot tunes the snapshot method's ExportSnapshot copies.
	Snapshot Snapshot `yaml:"snapshot" json:"snapshot"`
	// RootDir is the cluster's hbase.rootdir: where a restore of a snapshot backup
	// copies the snapshot back with ExportSnapshot (required with method snapshot).
	RootDir string `yaml:"rootDir" json:"rootDir,omitempty"`
}

// Snapshot bounds ExportSnapshot: Mappers map tasks (default 4), Bandwidth MB/s per
// mapper (default 0: unlimited). EMR's documentation asks for both on a live cluster.
// VerifyChecksum (default true) lets ExportSnapshot compare the file system checksums
// of every copied file; false passes -no-checksum-verify (sizes are still compared),
// for file systems whose checksums cannot be compared (the local stack: HBase writes
// its HFiles without the local file system's .crc files).
type Snapshot struct {
	Mappers        int  `yaml:"mappers" json:"mappers"`
	Bandwidth      int  `yaml:"bandwidth" json:"bandwidth"`
	VerifyChecksum bool `yaml:"verifyChecksum" json:"verifyChecksum"`
}

// Runner chooses where commands run.
type Runner struct {
	// Type: local (this host), ssm (Run Command on InstanceID), emr (steps on ClusterID).
	Type       string `yaml:"type" json:"type"`
	InstanceID string `yaml:"instanceId" json:"instanceId,omitempty"`
	ClusterID  string `yaml:"clusterId" json:"clusterId,omitempty"`
}

// Solr is the SolrCloud holding Atlas's index collections.
type Solr struct {
	Nodes []SolrNode `yaml:"nodes" json:"nodes"`
	// CAFile verifies the nodes' TLS certificates (PEM). No insecure mode exists.
	CAFile      string   `yaml:"caFile" json:"caFile,omitempty"`
	Collections []string `yaml:"collections" json:"collections"`
	// Location is the backup folder shared by every Solr node (NFS): an absolute path.
	Location string `yaml:"location" json:"location"`
	// Repository is the Solr backup repository name (optional; default: local files).
	Repository string `yaml:"repository" json:"repository,omitempty"`
	// LocalLocation is where Location is mounted on the host running atlas-backup, when
	// it differs (default: Location itself). The backup folder is uploaded from here.
	LocalLocation string `yaml:"localLocation" json:"localLocation,omitempty"`
	// Timeout bounds one collection's backup (default 2h).
	Timeout Duration `yaml:"timeout" json:"timeout"`
	// NoAnswer: how long REQUESTSTATUS of a running BACKUP or RESTORE may fail (every
	// node unreachable, timing out or erroring) before the part fails naming Solr
	// (default 5m; at most Timeout).
	NoAnswer Duration `yaml:"noAnswer" json:"noAnswer"`
}

// SolrNode is one Solr node's base URL and its Kerberos service principal.
type SolrNode struct {
	URL string `yaml:"url" json:"url"`
	// SPN, e.g. HTTP/solr1.example.com (no @REALM). Explicit: a name derived from an
	// IP or CNAME is wrong.
	SPN string `yaml:"spn" json:"spn,omitempty"`
}

// Duration is a time.Duration written as "90s", "2h".
type Duration time.Duration

func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration like 90s or 2h", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// String is the duration as Go writes it ("1h30m0s").
func (d Duration) String() string { return time.Duration(d).String() }

// Default collections and values.
var DefaultCollections = []string{"vertex_index", "edge_index", "fulltext_index"}

// Watchdog defaults (hbase.noProgress, hbase.timeout, solr.noAnswer).
const (
	DefaultNoProgress   = 5 * time.Minute
	DefaultHBaseTimeout = 24 * time.Hour
	DefaultSolrNoAnswer = 5 * time.Minute
)

// Defaults returns a Config holding every default.
func Defaults() Config {
	return Config{
		Atlas: Atlas{ConfDir: "/etc/atlas/conf"},
		HBase: HBase{Runner: Runner{Type: RunnerLocal}, Command: "hbase", HDFSCommand: "hdfs", HadoopCommand: "hadoop", Owner: "hbase", Versions: 2147483647,
			Method: hbase.MethodExport, Snapshot: Snapshot{Mappers: 4, VerifyChecksum: true},
			ZnodeParent: "/hbase", NoProgress: Duration(DefaultNoProgress), Timeout: Duration(DefaultHBaseTimeout)},
		Solr:        Solr{Collections: append([]string(nil), DefaultCollections...), Timeout: Duration(2 * time.Hour), NoAnswer: Duration(DefaultSolrNoAnswer)},
		Concurrency: 3,
		Retention:   Retention{FailedGrace: Duration(retention.DefaultGrace)},
		Lock:        Lock{StaleAfter: Duration(lock.DefaultStaleAfter)},
	}
}

// Load reads the YAML file at path over the defaults, applies the environment, and
// validates. Unknown fields are errors (a typo must not silently drop a setting).
func Load(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	c, err := Parse(b)
	if err != nil {
		return Config{}, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// Parse is Load without the file.
func Parse(b []byte) (Config, error) {
	c := Defaults()
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("parse: %w", err)
	}
	c.applyEnv(os.Getenv)
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// applyEnv: ATLAS_BACKUP_STORE and ATLAS_BACKUP_CLUSTER override the file, and so do the
// AWS SDK's AWS_REGION (or AWS_DEFAULT_REGION), AWS_ENDPOINT_URL,
// AWS_SHARED_CREDENTIALS_FILE and AWS_PROFILE for the aws section; KRB5_CONFIG fills an
// unset krb5Conf.
func (c *Config) applyEnv(getenv func(string) string) {
	for _, e := range []struct {
		field *string
		names []string
	}{
		{&c.AWS.Region, []string{"AWS_REGION", "AWS_DEFAULT_REGION"}},
		{&c.AWS.Endpoint, []string{"AWS_ENDPOINT_URL"}},
		{&c.AWS.CredentialsFile, []string{"AWS_SHARED_CREDENTIALS_FILE"}},
		{&c.AWS.Profile, []string{"AWS_PROFILE"}},
	} {
		for _, n := range e.names {
			if v := getenv(n); v != "" {
				*e.field = v
				break
			}
		}
	}
	if v := getenv("ATLAS_BACKUP_STORE"); v != "" {
		c.Store = v
	}
	if v := getenv("ATLAS_BACKUP_CLUSTER"); v != "" {
		c.Cluster = v
	}
	if c.Kerberos.Krb5Conf == "" {
		c.Kerberos.Krb5Conf = getenv("KRB5_CONFIG")
	}
	if c.Kerberos.Krb5Conf == "" {
		c.Kerberos.Krb5Conf = "/etc/krb5.conf"
	}
	if c.WorkDir == "" {
		if d := getenv("XDG_STATE_HOME"); d != "" {
			c.WorkDir = d + "/atlas-backup"
		} else if h := getenv("HOME"); h != "" {
			c.WorkDir = h + "/.local/state/atlas-backup"
		} else {
			c.WorkDir = os.TempDir() + "/atlas-backup"
		}
	}
}

// FieldError names the field and the rule it breaks.
type FieldError struct {
	Field string
	Rule  string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Rule }

var (
	versionRe    = regexp.MustCompile(`^[0-9]+(\.[0-9A-Za-z-]+)*$`)
	repositoryRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	regionRe     = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)
	profileRe    = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
	atlasUserRe  = regexp.MustCompile(`^[A-Za-z0-9._@-]{1,128}$`)
	eventBusRe   = regexp.MustCompile(`^([A-Za-z0-9._/-]{1,256}|arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9._/-]{1,256})$`)
)

// MaxWorkDirLen leaves room under the work folder for the names made there (ticket
// caches, job logs, staged files): hostpath.MaxLen less 256.
const MaxWorkDirLen = hostpath.MaxLen - 256

// Validate checks every field and returns all problems at once (errors.Join of
// *FieldError), before anything runs. Each name has one rule, owned by the package that
// builds a command, URL, key or path from it (store.ParseURL, kerberos.ParsePrincipal,
// hbase.ValidateProgram, ...): what passes here passes there.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, &FieldError{Field: field, Rule: fmt.Sprintf(format, a...)})
	}
	check := func(field string, err error) bool {
		if err != nil {
			errs = append(errs, &FieldError{Field: field, Rule: err.Error()})
			return false
		}
		return true
	}
	check("cluster", store.ValidateComponent(c.Cluster))
	var loc store.Location
	if c.Store == "" {
		bad("store", "must be set: s3://bucket/prefix or file:///abs/dir")
	} else {
		l, err := store.ParseURL(c.Store)
		if check("store", err) {
			loc = l
		}
	}
	if c.Concurrency < 1 || c.Concurrency > 32 {
		bad("concurrency", "must be between 1 and 32, got %d", c.Concurrency)
	}
	if c.WorkDir != "" && check("workDir", hostpath.Validate(c.WorkDir)) && len(c.WorkDir) > MaxWorkDirLen {
		bad("workDir", "at most %d characters (files are made under it), got %d", MaxWorkDirLen, len(c.WorkDir))
	}

	// aws
	if c.AWS.Region != "" && !regionRe.MatchString(c.AWS.Region) {
		bad("aws.region", "must be an AWS region such as us-east-1, got %.40q", c.AWS.Region)
	}
	if c.AWS.Endpoint != "" {
		check("aws.endpoint", validateHTTPURL(c.AWS.Endpoint))
	}
	if c.AWS.CredentialsFile != "" {
		check("aws.credentialsFile", hostpath.Validate(c.AWS.CredentialsFile))
	}
	if c.AWS.Profile != "" && !profileRe.MatchString(c.AWS.Profile) {
		bad("aws.profile", "must be 1-64 letters, digits and _.-, got %.40q", c.AWS.Profile)
	}

	// atlas
	check("atlas.confDir", hostpath.Validate(c.Atlas.ConfDir))
	if c.Atlas.URL != "" {
		check("atlas.url", validateHTTPURL(c.Atlas.URL))
		switch c.AtlasAuthMode() {
		case AtlasAuthKerberos:
			if c.Kerberos.Disabled {
				bad("atlas.auth", "kerberos needs the Kerberos identity, but kerberos.disabled is true: use basic (atlas.user, atlas.passwordFile)")
			}
			if c.Atlas.SPN == "" {
				bad("atlas.spn", "must be set as SERVICE/host (e.g. HTTP/atlas.example.com) when atlas.url is set with atlas.auth kerberos")
			} else {
				_, err := kerberos.ParseSPN(c.Atlas.SPN)
				check("atlas.spn", err)
			}
		case AtlasAuthBasic:
			if !atlasUserRe.MatchString(c.Atlas.User) {
				bad("atlas.user", "must be set for atlas.auth basic: 1-128 letters, digits and ._@-, got %.40q", c.Atlas.User)
			}
			if err := secret.ValidateRef(c.Atlas.PasswordFile); err != nil {
				bad("atlas.passwordFile", "for atlas.auth basic: %s", err)
			}
		default:
			bad("atlas.auth", "must be basic or kerberos, got %q", c.Atlas.Auth)
		}
	}
	if c.Atlas.Version != "" && !versionRe.MatchString(c.Atlas.Version) {
		bad("atlas.version", "must look like 1.1.0 or 0.8.0.2.6.5.0-292, got %.40q", c.Atlas.Version)
	}
	if c.Atlas.AgentInstanceID != "" {
		check("atlas.agentInstanceId", runner.ValidateInstanceID(c.Atlas.AgentInstanceID))
	}

	// kerberos
	if !c.Kerberos.Disabled {
		_, err := kerberos.ParsePrincipal(c.Kerberos.Principal)
		check("kerberos.principal", err)
		check("kerberos.keytab", secret.ValidateRef(c.Kerberos.Keytab))
		check("kerberos.krb5Conf", hostpath.Validate(c.Kerberos.Krb5Conf))
	}

	// hbase
	switch c.HBase.Runner.Type {
	case RunnerLocal:
	case RunnerSSM:
		check("hbase.runner.instanceId", runner.ValidateInstanceID(c.HBase.Runner.InstanceID))
	case RunnerEMR:
		check("hbase.runner.clusterId", runner.ValidateClusterID(c.HBase.Runner.ClusterID))
	default:
		bad("hbase.runner.type", "must be one of local, ssm, emr, got %.40q", c.HBase.Runner.Type)
	}
	check("hbase.command", hbase.ValidateProgram(c.HBase.Command))
	check("hbase.hdfsCommand", hbase.ValidateProgram(c.HBase.HDFSCommand))
	check("hbase.hadoopCommand", hbase.ValidateProgram(c.HBase.HadoopCommand))
	if !c.Kerberos.Disabled || c.HBase.Principal != "" {
		_, err := kerberos.ParsePrincipal(c.HBase.Principal)
		check("hbase.principal", err)
		if c.HBase.Runner.Type != RunnerLocal && secret.IsARN(c.HBase.Keytab) {
			bad("hbase.keytab", "must be a path on the cluster host for runner %s (an ARN only works with runner local)", c.HBase.Runner.Type)
		} else {
			check("hbase.keytab", secret.ValidateRef(c.HBase.Keytab))
		}
	}
	if check("hbase.exportDir", hbase.ValidatePath(c.HBase.ExportDir)) {
		local := strings.HasPrefix(c.HBase.ExportDir, "/")
		switch {
		case local && !check("hbase.exportDir", hostpath.Validate(c.HBase.ExportDir)):
		case c.HBase.Runner.Type == RunnerLocal && !local && !strings.HasPrefix(c.HBase.ExportDir, "hdfs://"):
			bad("hbase.exportDir", "with runner local must be an absolute local path or hdfs://")
		case c.HBase.Runner.Type != RunnerLocal && local:
			bad("hbase.exportDir", "with runner %s must be hdfs:// or s3:// (a path on the cluster's file system)", c.HBase.Runner.Type)
		case !local && c.Store != "" && loc.Scheme != "s3":
			bad("hbase.exportDir", "on cluster storage (%s) needs an s3:// store: the cluster copies the export there with distcp", c.HBase.ExportDir)
		}
	}
	check("hbase.owner", hbase.ValidateOwner(c.HBase.Owner))
	for i, t := range c.HBase.Tables {
		check(fmt.Sprintf("hbase.tables[%d]", i), hbase.ValidateTable(t))
	}
	if c.HBase.Versions < 1 {
		bad("hbase.versions", "must be at least 1, got %d", c.HBase.Versions)
	}
	for i, s := range c.HBase.Zookeeper {
		check(fmt.Sprintf("hbase.zookeeper[%d]", i), watchdog.ValidateServer(s))
	}
	check("hbase.znodeParent", watchdog.ValidateZnodeParent(c.HBase.ZnodeParent))
	ht := time.Duration(c.HBase.Timeout)
	if ht < time.Minute || ht > 30*24*time.Hour {
		bad("hbase.timeout", "must be between 1m and 720h, got %s", ht)
	}
	if np := time.Duration(c.HBase.NoProgress); np != 0 && (np < 5*time.Second || np > ht) {
		bad("hbase.noProgress", "must be 0 (off) or between 5s and hbase.timeout (%s), got %s", ht, np)
	}
	if check("hbase.method", hbase.ValidateMethod(c.HBase.Method)) && c.HBase.Method == hbase.MethodSnapshot {
		if c.HBase.RootDir == "" {
			bad("hbase.rootDir", "must be set with hbase.method snapshot: the cluster's hbase.rootdir, where a restore copies the snapshot back (hdfs://... or an absolute path)")
		}
		if c.HBase.ExportDir != "" && !strings.HasPrefix(c.HBase.ExportDir, "/") {
			bad("hbase.method", "snapshot needs a local hbase.exportDir (an absolute path) for now: the snapshot copy to cluster storage and on to the store is not made yet")
		}
	}
	if c.HBase.RootDir != "" {
		check("hbase.rootDir", hbase.ValidatePath(c.HBase.RootDir))
	}
	if c.HBase.Snapshot.Mappers < 1 || c.HBase.Snapshot.Mappers > 1000 {
		bad("hbase.snapshot.mappers", "must be 1-1000, got %d", c.HBase.Snapshot.Mappers)
	}
	if c.HBase.Snapshot.Bandwidth < 0 || c.HBase.Snapshot.Bandwidth > 100000 {
		bad("hbase.snapshot.bandwidth", "must be 0 (unlimited) to 100000 MB/s per mapper, got %d", c.HBase.Snapshot.Bandwidth)
	}

	// solr
	if len(c.Solr.Nodes) == 0 {
		bad("solr.nodes", "must list at least one node (url and spn)")
	}
	for i, n := range c.Solr.Nodes {
		check(fmt.Sprintf("solr.nodes[%d].url", i), validateHTTPURL(n.URL))
		if !c.Kerberos.Disabled {
			_, err := kerberos.ParseSPN(n.SPN)
			check(fmt.Sprintf("solr.nodes[%d].spn", i), err)
		}
	}
	if c.Solr.CAFile != "" {
		check("solr.caFile", hostpath.Validate(c.Solr.CAFile))
	}
	if len(c.Solr.Collections) == 0 {
		bad("solr.collections", "must list at least one collection")
	}
	seen := map[string]bool{}
	for i, col := range c.Solr.Collections {
		check(fmt.Sprintf("solr.collections[%d]", i), solr.ValidateCollection(col))
		if seen[col] {
			bad(fmt.Sprintf("solr.collections[%d]", i), "%q is listed twice", col)
		}
		seen[col] = true
	}
	if check("solr.location", solr.ValidateLocation(c.Solr.Location)) && !strings.HasPrefix(c.Solr.Location, "/") {
		bad("solr.location", "must be an absolute path shared by every Solr node (the backup folder is shipped from it), got %.80q", c.Solr.Location)
	}
	if c.Solr.LocalLocation != "" {
		check("solr.localLocation", hostpath.Validate(c.Solr.LocalLocation))
	}
	if c.Solr.Repository != "" && !repositoryRe.MatchString(c.Solr.Repository) {
		bad("solr.repository", "must be a repository name of letters, digits, _ and -")
	}
	if c.Solr.Timeout <= 0 {
		bad("solr.timeout", "must be positive")
	}
	if na := time.Duration(c.Solr.NoAnswer); na < 5*time.Second || na > time.Duration(c.Solr.Timeout) && c.Solr.Timeout > 0 {
		bad("solr.noAnswer", "must be between 5s and solr.timeout (%s), got %s", time.Duration(c.Solr.Timeout), na)
	}

	// retention, lock, events, hooks
	for _, err := range c.Retention.Policy.Validate("retention.") {
		field, rule, _ := strings.Cut(err.Error(), ": ")
		bad(field, "%s", rule)
	}
	if g := time.Duration(c.Retention.FailedGrace); g < time.Minute && g != 0 || g < 0 {
		bad("retention.failedGrace", "must be at least 1m (or 0 for the default 72h), got %s", g)
	}
	if s := time.Duration(c.Lock.StaleAfter); s != 0 && (s < time.Second || s > 24*time.Hour) {
		bad("lock.staleAfter", "must be between 1s and 24h, got %s", s)
	}
	if c.Events.Bus != "" && !eventBusRe.MatchString(c.Events.Bus) {
		bad("events.bus", "must be an event bus name ([A-Za-z0-9._/-]{1,256}) or ARN, got %q", c.Events.Bus)
	}
	for _, err := range c.Hooks.Validate() {
		field, rule, _ := strings.Cut(err.Error(), ": ")
		bad(field, "%s", rule)
	}
	return errors.Join(errs...)
}

// validateHTTPURL checks an http(s) base URL (atlas.url, solr.nodes[].url,
// aws.endpoint): scheme://host[:port][/path], the host a DNS name or IP literal of ASCII,
// no user info, query, fragment, %-escapes, whitespace or control characters.
func validateHTTPURL(s string) error {
	const rule = "must be http(s)://host[:port][/path] of ASCII letters, digits and ._-/: without credentials, query, fragment or %-escapes"
	if s == "" || len(s) > 2048 {
		return fmt.Errorf("%.80q: %s", s, rule)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("%@?#\\'\"`<>{}|^", c) >= 0 {
			return fmt.Errorf("%.80q: %s", s, rule)
		}
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return fmt.Errorf("%.80q: %s", s, rule)
	}
	host := u.Hostname()
	if host == "" || strings.HasSuffix(host, ".") || strings.HasPrefix(host, "-") {
		return fmt.Errorf("%.80q: host: %s", s, rule)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%.80q: port: %s", s, rule)
		}
	}
	return nil
}
