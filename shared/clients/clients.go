package clients

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/emr"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/rs/zerolog"

	"github.com/atlas-backup/atlas-backup/shared/atlas"
	"github.com/atlas-backup/atlas-backup/shared/backup"
	"github.com/atlas-backup/atlas-backup/shared/config"
	"github.com/atlas-backup/atlas-backup/shared/engine"
	"github.com/atlas-backup/atlas-backup/shared/kerberos"
	"github.com/atlas-backup/atlas-backup/shared/runner"
	"github.com/atlas-backup/atlas-backup/shared/secret"
	"github.com/atlas-backup/atlas-backup/shared/solr"
	"github.com/atlas-backup/atlas-backup/shared/store"
	"github.com/atlas-backup/atlas-backup/shared/watchdog"
)

// Set is every client of one cluster.
type Set struct {
	Cfg    config.Config
	Store  store.Store
	Layout store.Layout
	Runner runner.Runner
	Solr   *solr.Client
	// HTTP is the TLS-verified, SPNEGO-authenticated client for Solr.
	HTTP *http.Client
	// Atlas is the Atlas REST client (nil without atlas.url): basic credentials or
	// SPNEGO as atlas.auth says.
	Atlas *atlas.Client
	// HBaseKeytab is the keytab path kinit uses on the runner host.
	HBaseKeytab string

	login    *login
	cleanups []func()
}

// Close releases temporary keytab copies and the Kerberos client.
func (s *Set) Close() {
	for i := len(s.cleanups) - 1; i >= 0; i-- {
		s.cleanups[i]()
	}
	s.cleanups = nil
}

// Login logs in to the KDC now (it is otherwise done on the first Solr request) and
// returns the classified failure: kerberos.ErrKDCUnreachable, ErrBadCredentials, ...
func (s *Set) Login(ctx context.Context) error {
	if s.login == nil {
		return nil
	}
	_, err := s.login.get(ctx)
	return err
}

// Open builds the clients. It does no network I/O except reading a keytab from Secrets
// Manager when one is configured by ARN; the Kerberos login happens on first use or in
// Login, so its failure reaches the backup's manifest instead of stopping before it.
func Open(ctx context.Context, cfg config.Config) (*Set, error) {
	s := &Set{Cfg: cfg}
	var awsOnce sync.Once
	var awsErr error
	var awsCfg awsConfig
	loadAWS := func() (awsConfig, error) {
		awsOnce.Do(func() { awsCfg, awsErr = loadAWSConfig(ctx, cfg.AWS) })
		return awsCfg, awsErr
	}

	// store: the one parse of the store URL (config.Validate checked it the same way)
	loc, err := store.ParseURL(cfg.Store)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	var s3c store.S3API
	if loc.Scheme == "s3" {
		c, err := NewS3Client(ctx, cfg.AWS)
		if err != nil {
			return nil, fmt.Errorf("store %s: %w", loc, err)
		}
		s3c = c
	}
	st, err := store.Open(ctx, loc, s3c)
	if err != nil {
		return nil, err
	}
	s.Store = st
	s.Layout = store.Layout{Prefix: loc.Prefix, Cluster: cfg.Cluster}
	if err := s.Layout.Validate(); err != nil {
		return nil, err
	}

	// secrets manager, only when a keytab is an ARN
	var sm secret.SecretsManagerAPI
	if secret.IsARN(cfg.Kerberos.Keytab) || secret.IsARN(cfg.HBase.Keytab) || secret.IsARN(cfg.Atlas.PasswordFile) {
		ac, err := loadAWS()
		if err != nil {
			return nil, err
		}
		sm = secretsmanager.NewFromConfig(ac.cfg)
	}

	// runner
	if err := os.MkdirAll(cfg.WorkDir, 0o700); err != nil {
		return nil, fmt.Errorf("work dir %s: %w", cfg.WorkDir, err)
	}
	switch cfg.HBase.Runner.Type {
	case config.RunnerLocal:
		s.Runner = runner.NewLocal(filepath.Join(cfg.WorkDir, "jobs"))
	case config.RunnerSSM:
		ac, err := loadAWS()
		if err != nil {
			return nil, err
		}
		s.Runner = runner.NewSSM(ssm.NewFromConfig(ac.cfg), cfg.HBase.Runner.InstanceID, runner.SSMOptions{})
	case config.RunnerEMR:
		ac, err := loadAWS()
		if err != nil {
			return nil, err
		}
		s.Runner = runner.NewEMR(emr.NewFromConfig(ac.cfg), cfg.HBase.Runner.ClusterID)
	}
	s.HBaseKeytab = cfg.HBase.Keytab
	if cfg.HBase.Runner.Type == config.RunnerLocal && secret.IsARN(cfg.HBase.Keytab) {
		b, err := secret.Resolve(ctx, cfg.HBase.Keytab, sm)
		if err != nil {
			return nil, fmt.Errorf("hbase.keytab: %w", err)
		}
		p, err := secret.WriteTemp(cfg.WorkDir, "hbase-*.keytab", b)
		if err != nil {
			return nil, fmt.Errorf("hbase.keytab: %w", err)
		}
		s.HBaseKeytab = p
		s.cleanups = append(s.cleanups, func() { os.Remove(p) })
	}

	// HTTP: TLS verified with the CA file (no insecure mode), SPNEGO unless disabled.
	base, err := tlsTransport(cfg.Solr.CAFile)
	if err != nil {
		return nil, err
	}
	var rt http.RoundTripper = base
	if !cfg.Kerberos.Disabled {
		s.login = &login{principal: cfg.Kerberos.Principal, keytabRef: cfg.Kerberos.Keytab, krb5Conf: cfg.Kerberos.Krb5Conf, sm: sm}
		byHost := map[string]string{}
		for _, n := range cfg.Solr.Nodes {
			if u, err := url.Parse(n.URL); err == nil {
				byHost[u.Host] = n.SPN
			}
		}
		if cfg.Atlas.URL != "" {
			if u, err := url.Parse(cfg.Atlas.URL); err == nil {
				byHost[u.Host] = cfg.Atlas.SPN
			}
		}
		rt = &lazyTransport{login: s.login, base: base, spn: kerberos.SPNByHost(byHost, "")}
		s.cleanups = append(s.cleanups, s.login.destroy)
	}
	s.HTTP = &http.Client{Transport: rt, Timeout: 2 * time.Minute}
	var urls []string
	for _, n := range cfg.Solr.Nodes {
		urls = append(urls, n.URL)
	}
	sc, err := solr.New(solr.Options{Nodes: urls, HTTPClient: s.HTTP, NoAnswer: time.Duration(cfg.Solr.NoAnswer)})
	if err != nil {
		return nil, fmt.Errorf("solr client: %w", err)
	}
	s.Solr = sc
	if cfg.Atlas.URL != "" {
		ac, err := s.atlasClient(ctx, base, sm)
		if err != nil {
			return nil, err
		}
		s.Atlas = ac
	}
	return s, nil
}

// atlasClient builds the Atlas client: basic credentials from atlas.passwordFile (a
// file or a Secrets Manager ARN, its first line), or SPNEGO with the Kerberos identity
// and atlas.spn. Its probe (Client.Up) sends no credentials and follows no redirect.
func (s *Set) atlasClient(ctx context.Context, base *http.Transport, sm secret.SecretsManagerAPI) (*atlas.Client, error) {
	cfg := s.Cfg
	c := &atlas.Client{BaseURL: cfg.Atlas.URL,
		Probe: &http.Client{Transport: base, Timeout: 15 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	switch cfg.AtlasAuthMode() {
	case config.AtlasAuthBasic:
		pw, err := secret.Resolve(ctx, cfg.Atlas.PasswordFile, sm)
		if err != nil {
			return nil, fmt.Errorf("atlas.passwordFile: %w", err)
		}
		line, _, _ := strings.Cut(string(pw), "\n")
		c.User, c.Password = cfg.Atlas.User, secret.Bytes(strings.TrimRight(line, "\r"))
		c.HTTP = &http.Client{Transport: base, Timeout: 2 * time.Minute}
	default:
		if s.login == nil {
			return nil, errors.New("atlas.auth kerberos: kerberos is disabled")
		}
		c.HTTP = &http.Client{Transport: &lazyTransport{login: s.login, base: base, spn: kerberos.StaticSPN(cfg.Atlas.SPN)}, Timeout: 2 * time.Minute}
	}
	return c, nil
}

// Engine wires a backup engine on these clients.
func (s *Set) Engine(log zerolog.Logger, toolVersion string) *backup.Engine {
	return &backup.Engine{
		Core: engine.Core{
			Cfg: s.Cfg, Store: s.Store, Layout: s.Layout, Runner: s.Runner, Atlas: s.Atlas,
			HBaseKeytab: s.HBaseKeytab, Login: s.Login, Log: log,
			Poll: runner.Backoff{Initial: time.Second, Max: 15 * time.Second, Multiplier: 1.5},
			SolrWait: solr.WaitOptions{Initial: time.Second, Max: 15 * time.Second, Factor: 1.5, NotFoundGrace: 30 * time.Second, KeepStatus: true,
				NoAnswer: time.Duration(s.Cfg.Solr.NoAnswer)},
			HBaseDog: HBaseWatchdog(s.Cfg),
		},
		Solr:        s.Solr,
		ToolVersion: toolVersion,
	}
}

// HBaseWatchdog is the progress watchdog of HBase jobs the config asks for:
// hbase.noProgress, probing the master through hbase.zookeeper under hbase.znodeParent
// (no probe without hbase.zookeeper: a job without progress then runs until
// hbase.timeout).
func HBaseWatchdog(cfg config.Config) watchdog.Dog {
	d := watchdog.Dog{NoProgress: time.Duration(cfg.HBase.NoProgress), Service: "HBase"}
	if len(cfg.HBase.Zookeeper) > 0 {
		d.Probe = watchdog.HBaseMaster{Servers: cfg.HBase.Zookeeper, ZnodeParent: cfg.HBase.ZnodeParent}.Probe
	}
	return d
}

func tlsTransport(caFile string) (*http.Transport, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("solr.caFile: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("solr.caFile %s: no PEM certificate in it", caFile)
		}
		t.TLSClientConfig.RootCAs = pool
	}
	return t, nil
}

// login is a Kerberos login done once, on first use.
type login struct {
	principal, keytabRef, krb5Conf string
	sm                             secret.SecretsManagerAPI

	mu  sync.Mutex
	cl  *client.Client
	err error
}

func (l *login) get(ctx context.Context) (*client.Client, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cl != nil {
		return l.cl, nil
	}
	kcfg, err := kerberos.LoadConfig(l.krb5Conf)
	if err != nil {
		return nil, fmt.Errorf("kerberos: %w", err)
	}
	kt, err := secret.Resolve(ctx, l.keytabRef, l.sm)
	if err != nil {
		return nil, fmt.Errorf("kerberos.keytab: %w", err)
	}
	cl, err := kerberos.NewClientFromKeytabBytes(l.principal, kt, kcfg)
	if err != nil {
		return nil, err // classified, names the principal, never the keytab
	}
	l.cl = cl
	return cl, nil
}

func (l *login) destroy() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cl != nil {
		l.cl.Destroy()
		l.cl = nil
	}
}

// lazyTransport logs in on the first request, then authenticates with SPNEGO.
type lazyTransport struct {
	login *login
	base  http.RoundTripper
	spn   func(*http.Request) (string, error)
}

func (t *lazyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	cl, err := t.login.get(req.Context())
	if err != nil {
		return nil, err
	}
	return (&kerberos.Transport{Base: t.base, Client: cl, SPN: t.spn}).RoundTrip(req)
}

type awsConfig struct{ cfg aws.Config }

// ErrNoRegion is returned when AWS clients are needed and no region is configured.
var ErrNoRegion = errors.New("AWS region not set: set aws.region in the config or AWS_REGION")

// AWSConfig is the AWS SDK config of the tool's clients: the SDK's defaults with the
// config's aws section (region, endpoint, credentials file, profile) — which
// config.Parse has already overridden from the environment.
func AWSConfig(ctx context.Context, c config.AWS) (aws.Config, error) {
	var opts []func(*awsconfig.LoadOptions) error
	if c.Region != "" {
		opts = append(opts, awsconfig.WithRegion(c.Region))
	}
	if c.Endpoint != "" {
		opts = append(opts, awsconfig.WithBaseEndpoint(c.Endpoint))
	}
	if c.CredentialsFile != "" {
		opts = append(opts, awsconfig.WithSharedCredentialsFiles([]string{c.CredentialsFile}))
	}
	if c.Profile != "" {
		opts = append(opts, awsconfig.WithSharedConfigProfile(c.Profile))
	}
	ac, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("aws config: %w", err)
	}
	if ac.Region == "" {
		return aws.Config{}, ErrNoRegion
	}
	return ac, nil
}

// NewS3Client is the store's S3 client on AWSConfig (path-style addressing when an
// endpoint is set; AWS_ENDPOINT_URL_S3 names an endpoint for S3 alone).
func NewS3Client(ctx context.Context, c config.AWS) (*s3.Client, error) {
	ac, err := AWSConfig(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("s3 client: %w", err)
	}
	endpoint := c.Endpoint
	if v := os.Getenv("AWS_ENDPOINT_URL_S3"); v != "" {
		endpoint = v
	}
	return store.NewS3FromConfig(ac, endpoint), nil
}

func loadAWSConfig(ctx context.Context, c config.AWS) (awsConfig, error) {
	ac, err := AWSConfig(ctx, c)
	if err != nil {
		return awsConfig{}, err
	}
	return awsConfig{cfg: ac}, nil
}
