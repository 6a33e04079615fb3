package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/hooks"
	"github.com/atlas-backup/atlas-backup/shared/lock"
	"github.com/atlas-backup/atlas-backup/shared/retention"
	"github.com/atlas-backup/atlas-backup/shared/secret"
	"github.com/atlas-backup/atlas-backup/shared/solr"
	"github.com/atlas-backup/atlas-backup/shared/store"
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

// Defaults returns a Config holding every default.
func Defaults() Config {
	return Config{
		Atlas:       Atlas{ConfDir: "/etc/atlas/conf"},
		HBase:       HBase{Runner: Runner{Type: RunnerLocal}, Command: "hbase", Owner: "hbase", Versions: 2147483647},
		Solr:        Solr{Collections: append([]string(nil), DefaultCollections...), Timeout: Duration(2 * time.Hour)},
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

// applyEnv: ATLAS_BACKUP_STORE and ATLAS_BACKUP_CLUSTER override the file; KRB5_CONFIG
// fills an unset krb5Conf.
func (c *Config) applyEnv(getenv func(string) string) {
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
	principalRe = regexp.MustCompile(`^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)?(@[A-Za-z0-9._-]+)?$`)
	spnRe       = regexp.MustCompile(`^[A-Za-z0-9._-]+/[A-Za-z0-9._-]+$`)
	instanceRe  = regexp.MustCompile(`^(i-[0-9a-f]{8,17}|mi-[0-9a-f]{17})$`)
	clusterIDRe = regexp.MustCompile(`^j-[0-9A-Z]{1,64}$`)
	commandRe   = regexp.MustCompile(`^[A-Za-z0-9_./-]+$`)
	ownerRe     = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`)
	safePathRe  = regexp.MustCompile(`^/[A-Za-z0-9._/@+=,-]*$`)
	atlasUserRe = regexp.MustCompile(`^[A-Za-z0-9._@-]{1,128}$`)
	eventBusRe  = regexp.MustCompile(`^([A-Za-z0-9._/-]{1,256}|arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9._/-]{1,256})$`)
)

// Validate checks every field and returns all problems at once (errors.Join of
// *FieldError), before anything runs.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, &FieldError{Field: field, Rule: fmt.Sprintf(format, a...)})
	}
	if err := store.ValidateComponent(c.Cluster); err != nil {
		bad("cluster", "%v", err)
	}
	if c.Store == "" {
		bad("store", "must be set: s3://bucket/prefix or file:///abs/dir")
	} else if err := ValidateStoreURL(c.Store); err != nil {
		bad("store", "%v", err)
	}
	if c.Concurrency < 1 || c.Concurrency > 32 {
		bad("concurrency", "must be between 1 and 32, got %d", c.Concurrency)
	}
	if c.WorkDir != "" && !safePathRe.MatchString(c.WorkDir) {
		bad("workDir", "must be an absolute path of letters, digits and ._/@+=,-")
	}

	// atlas
	if !safePathRe.MatchString(c.Atlas.ConfDir) || hasDotDot(c.Atlas.ConfDir) {
		bad("atlas.confDir", "must be an absolute path without '..', spaces or shell metacharacters, got %q", c.Atlas.ConfDir)
	}
	if c.Atlas.URL != "" {
		if err := validateHTTPURL(c.Atlas.URL); err != nil {
			bad("atlas.url", "%v", err)
		}
		switch c.AtlasAuthMode() {
		case AtlasAuthKerberos:
			if c.Kerberos.Disabled {
				bad("atlas.auth", "kerberos needs the Kerberos identity, but kerberos.disabled is true: use basic (atlas.user, atlas.passwordFile)")
			}
			if !spnRe.MatchString(c.Atlas.SPN) {
				bad("atlas.spn", "must be set as SERVICE/host (e.g. HTTP/atlas.example.com) when atlas.url is set with atlas.auth kerberos")
			}
		case AtlasAuthBasic:
			if !atlasUserRe.MatchString(c.Atlas.User) {
				bad("atlas.user", "must be set for atlas.auth basic: 1-128 letters, digits and ._@-, got %q", c.Atlas.User)
			}
			if err := secret.ValidateRef(c.Atlas.PasswordFile); err != nil {
				bad("atlas.passwordFile", "for atlas.auth basic: %v", err)
			}
		default:
			bad("atlas.auth", "must be basic or kerberos, got %q", c.Atlas.Auth)
		}
	}
	if c.Atlas.Version != "" && !regexp.MustCompile(`^[0-9]+(\.[0-9A-Za-z-]+)*$`).MatchString(c.Atlas.Version) {
		bad("atlas.version", "must look like 1.1.0 or 0.8.0.2.6.5.0-292, got %q", c.Atlas.Version)
	}
	if c.Atlas.AgentInstanceID != "" && !instanceRe.MatchString(c.Atlas.AgentInstanceID) {
		bad("atlas.agentInstanceId", "must be an EC2 or managed instance id (i-…, mi-…)")
	}

	// kerberos
	if !c.Kerberos.Disabled {
		if !principalRe.MatchString(c.Kerberos.Principal) {
			bad("kerberos.principal", "must be user[/host][@REALM] of letters, digits and ._-, got %q", c.Kerberos.Principal)
		}
		if err := secret.ValidateRef(c.Kerberos.Keytab); err != nil {
			bad("kerberos.keytab", "%v", err)
		}
		if !safePathRe.MatchString(c.Kerberos.Krb5Conf) {
			bad("kerberos.krb5Conf", "must be an absolute path, got %q", c.Kerberos.Krb5Conf)
		}
	}

	// hbase
	switch c.HBase.Runner.Type {
	case RunnerLocal:
	case RunnerSSM:
		if !instanceRe.MatchString(c.HBase.Runner.InstanceID) {
			bad("hbase.runner.instanceId", "must be an EC2 or managed instance id (i-…, mi-…) for runner ssm")
		}
	case RunnerEMR:
		if !clusterIDRe.MatchString(c.HBase.Runner.ClusterID) {
			bad("hbase.runner.clusterId", "must be an EMR cluster id (j-…) for runner emr")
		}
	default:
		bad("hbase.runner.type", "must be one of local, ssm, emr, got %q", c.HBase.Runner.Type)
	}
	if !commandRe.MatchString(c.HBase.Command) || hasDotDot(c.HBase.Command) {
		bad("hbase.command", "must be a command name or path of letters, digits and _./-, got %q", c.HBase.Command)
	}
	if !c.Kerberos.Disabled || c.HBase.Principal != "" {
		if !principalRe.MatchString(c.HBase.Principal) {
			bad("hbase.principal", "must be user[/host][@REALM] (the hbase user, kinit before Export), got %q", c.HBase.Principal)
		}
		if c.HBase.Runner.Type != RunnerLocal && secret.IsARN(c.HBase.Keytab) {
			bad("hbase.keytab", "must be a path on the cluster host for runner %s (an ARN only works with runner local)", c.HBase.Runner.Type)
		} else if err := secret.ValidateRef(c.HBase.Keytab); err != nil {
			bad("hbase.keytab", "%v", err)
		}
	}
	if err := hbase.ValidatePath(c.HBase.ExportDir); err != nil {
		bad("hbase.exportDir", "%v", err)
	} else if c.HBase.Runner.Type == RunnerLocal && !strings.HasPrefix(c.HBase.ExportDir, "/") &&
		!strings.HasPrefix(c.HBase.ExportDir, "hdfs://") {
		bad("hbase.exportDir", "with runner local must be an absolute local path or hdfs://")
	} else if c.HBase.Runner.Type != RunnerLocal && strings.HasPrefix(c.HBase.ExportDir, "/") {
		bad("hbase.exportDir", "with runner %s must be hdfs:// or s3:// (a path on the cluster's file system)", c.HBase.Runner.Type)
	}
	if !strings.HasPrefix(c.HBase.ExportDir, "/") && c.HBase.ExportDir != "" && !strings.HasPrefix(c.Store, "s3://") {
		bad("hbase.exportDir", "on cluster storage (%s) needs an s3:// store: the cluster copies the export there with distcp", c.HBase.ExportDir)
	}
	if !ownerRe.MatchString(c.HBase.Owner) {
		bad("hbase.owner", "must be a user name, got %q", c.HBase.Owner)
	}
	for i, t := range c.HBase.Tables {
		if err := hbase.ValidateTable(t); err != nil {
			bad(fmt.Sprintf("hbase.tables[%d]", i), "%v", err)
		}
	}
	if c.HBase.Versions < 1 {
		bad("hbase.versions", "must be at least 1, got %d", c.HBase.Versions)
	}

	// solr
	if len(c.Solr.Nodes) == 0 {
		bad("solr.nodes", "must list at least one node (url and spn)")
	}
	for i, n := range c.Solr.Nodes {
		if err := validateHTTPURL(n.URL); err != nil {
			bad(fmt.Sprintf("solr.nodes[%d].url", i), "%v", err)
		}
		if !c.Kerberos.Disabled && !spnRe.MatchString(n.SPN) {
			bad(fmt.Sprintf("solr.nodes[%d].spn", i), "must be SERVICE/host such as HTTP/solr1.example.com (no @REALM), got %q", n.SPN)
		}
	}
	if c.Solr.CAFile != "" && !safePathRe.MatchString(c.Solr.CAFile) {
		bad("solr.caFile", "must be an absolute path, got %q", c.Solr.CAFile)
	}
	if len(c.Solr.Collections) == 0 {
		bad("solr.collections", "must list at least one collection")
	}
	seen := map[string]bool{}
	for i, col := range c.Solr.Collections {
		if err := solr.ValidateCollection(col); err != nil {
			bad(fmt.Sprintf("solr.collections[%d]", i), "%v", err)
		}
		if seen[col] {
			bad(fmt.Sprintf("solr.collections[%d]", i), "%q is listed twice", col)
		}
		seen[col] = true
	}
	if !safePathRe.MatchString(c.Solr.Location) || hasDotDot(c.Solr.Location) {
		bad("solr.location", "must be an absolute path shared by every Solr node, without '..', spaces or shell metacharacters, got %q", c.Solr.Location)
	}
	if c.Solr.LocalLocation != "" && (!safePathRe.MatchString(c.Solr.LocalLocation) || hasDotDot(c.Solr.LocalLocation)) {
		bad("solr.localLocation", "must be an absolute path without '..', got %q", c.Solr.LocalLocation)
	}
	if c.Solr.Repository != "" && !regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`).MatchString(c.Solr.Repository) {
		bad("solr.repository", "must be a repository name of letters, digits, _ and -")
	}
	if c.Solr.Timeout <= 0 {
		bad("solr.timeout", "must be positive")
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

func hasDotDot(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return true
		}
	}
	return false
}

func validateHTTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a URL", s)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return fmt.Errorf("%q must be an http(s) URL", s)
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q must be scheme://host[:port][/path] without credentials, query or fragment", s)
	}
	if strings.ContainsAny(s, " \t\r\n\x00") {
		return fmt.Errorf("%q must not contain whitespace", s)
	}
	return nil
}

// ValidateStoreURL checks s3://bucket[/prefix] and file:///abs/dir.
func ValidateStoreURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a URL", s)
	}
	switch u.Scheme {
	case "s3":
		if err := store.ValidateBucket(u.Host); err != nil {
			return fmt.Errorf("bucket: %w", err)
		}
		if p := strings.Trim(u.Path, "/"); p != "" {
			if err := store.ValidateKey(p); err != nil {
				return fmt.Errorf("prefix: %w", err)
			}
		}
	case "file":
		if u.Host != "" || !strings.HasPrefix(u.Path, "/") {
			return fmt.Errorf("%q: a file store is file:///absolute/dir", s)
		}
		if hasDotDot(u.Path) {
			return fmt.Errorf("%q must not contain '..'", s)
		}
	default:
		return fmt.Errorf("%q: scheme must be s3:// or file://", s)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("%q must not carry credentials, a query or a fragment", s)
	}
	return nil
}
