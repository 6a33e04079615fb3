//go:build integration

// End-to-end tests of the atlas-backup CLI against the local stack of real servers
// (scripts/stack): MIT KDC, SolrCloud behind the Kerberos/TLS front, HBase, moto S3.
// They fail, never skip, when the stack is missing (STACK_OPTIONAL=1 lets them skip).
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"gopkg.in/yaml.v3"

	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/stacktest"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

var (
	cliBin string
	// stackEnv is the stack's environment (shared/stacktest), read once in TestMain.
	stackEnv stacktest.Env
)

func TestMain(m *testing.M) {
	var dir string
	stacktest.Main(m, func(env stacktest.Env) (func(), error) {
		stackEnv = env
		var err error
		if dir, err = os.MkdirTemp("", "atlas-backup-e2e"); err != nil {
			return nil, err
		}
		cliBin = filepath.Join(dir, "atlas-backup")
		if out, err := exec.Command("go", "build", "-o", cliBin, ".").CombinedOutput(); err != nil {
			return nil, fmt.Errorf("build CLI: %w\n%s", err, out)
		}
		return func() { os.RemoveAll(dir) }, nil
	}, stacktest.Config, "STACK_BUCKET", "STACK_HBASE_BIN", "STACK_ATLAS_CONF_DIR", "STACK_SOLR_BACKUP_DIR", "KRB5_CONFIG", "STACK_REALM")
}

// variant writes the stack's config with a unique cluster name and the given changes.
func variant(t *testing.T, cluster string, change func(m map[string]any)) string {
	t.Helper()
	p, _ := stacktest.Variant(t, cluster, change)
	return p
}

func workDirOf(t *testing.T, cfg string) string {
	t.Helper()
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m["workDir"].(string)
}

func sub(m map[string]any, key string) map[string]any { return m[key].(map[string]any) }

type result struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, cfg string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, cliBin, append([]string{"--config", cfg}, args...)...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
		if code == -1 { // ended by a signal: say which
			fmt.Fprintf(&e, "\n[test: the CLI %v]\n", ee)
		}
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return result{code, o.String(), e.String()}
}

func uniqueCluster(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()%1e9)
}

func s3Client(t *testing.T) *s3.Client {
	t.Helper()
	c, err := store.NewS3Client(context.Background(), stackEnv.Get("AWS_ENDPOINT_URL"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func bucket() string { return stackEnv.Get("STACK_BUCKET") }

func getObject(t *testing.T, key string) []byte {
	t.Helper()
	out, err := s3Client(t).GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket()), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get s3://%s/%s: %v", bucket(), key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func keyExists(t *testing.T, key string) bool {
	t.Helper()
	_, err := s3Client(t).HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket()), Key: aws.String(key)})
	return err == nil
}

func backupID(t *testing.T, stderr string) string {
	t.Helper()
	m := regexp.MustCompile(`backup (\S+) of cluster`).FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("no backup id in stderr:\n%s", stderr)
	}
	return m[1]
}

func readManifest(t *testing.T, cluster, id string) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Unmarshal(getObject(t, "atlas/"+cluster+"/"+id+"/manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sha256hex(b []byte) string { sum := sha256.Sum256(b); return hex.EncodeToString(sum[:]) }

// A backup of the stack: SUCCEEDED manifest in S3 with both tables, all three
// collections and the config archive; the archive's sha256 matches a fresh download;
// every listed object exists with its size and checksum; then verify catches an altered
// and a removed object, naming it.
func TestBackupVerify(t *testing.T) {
	cluster := uniqueCluster("e2e-ok")
	cfg := variant(t, cluster, nil)
	r := run(t, cfg, "backup")
	if r.code != 0 {
		t.Fatalf("backup exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	id := backupID(t, r.stderr)
	m := readManifest(t, cluster, id)
	if m.Status != manifest.Succeeded {
		t.Fatalf("status %s, reasons %v", m.Status, m.Reasons)
	}
	// every table and collection as the live stores hold it, read without the tool (the
	// stack's data is whatever Atlas, or the synthetic seeders, wrote: no fixed numbers)
	tables := map[string]manifest.Table{}
	for _, tb := range m.HBase {
		tables[tb.Table] = tb
	}
	for _, want := range stackTables {
		tb, ok := tables[want]
		if !ok {
			t.Fatalf("manifest lacks table %s: %+v", want, m.HBase)
		}
		live := liveTable(t, want)
		if live.Rows == 0 {
			t.Fatalf("live table %s is empty: the stack is not seeded", want)
		}
		if tb.Rows != live.Rows || tb.Cells != live.Cells || len(tb.Schema.Families) != live.Families {
			t.Errorf("table %s: backup rows %d cells %d families %d; live table rows %d cells %d families %d",
				want, tb.Rows, tb.Cells, len(tb.Schema.Families), live.Rows, live.Cells, live.Families)
		}
		if len(tb.Objects) == 0 || tb.Digest == "" {
			t.Errorf("table %s: objects %d digest %q", want, len(tb.Objects), tb.Digest)
		}
	}
	cols := map[string]manifest.Collection{}
	for _, c := range m.Solr {
		cols[c.Collection] = c
	}
	sc := solrClient(t, cfg)
	var liveDocs int64
	for _, want := range stackCollections {
		c, ok := cols[want]
		if !ok {
			t.Fatalf("manifest lacks collection %s", want)
		}
		total, per, err := sc.DocCount(context.Background(), want)
		if err != nil {
			t.Fatal(err)
		}
		liveDocs += total
		if c.Docs != total || len(c.Shards) != len(per) || len(c.Objects) == 0 {
			t.Errorf("collection %s: backup docs %d shards %d objects %d; live docs %d shards %d",
				want, c.Docs, len(c.Shards), len(c.Objects), total, len(per))
		}
	}
	if liveDocs == 0 {
		t.Fatalf("the live collections %v hold no documents: the stack is not seeded", stackCollections)
	}
	if m.Config == nil || len(m.Config.Files) < 3 {
		t.Fatalf("config: %+v", m.Config)
	}
	if got := sha256hex(getObject(t, m.Config.Key)); got != m.Config.SHA256 {
		t.Errorf("config archive sha256: downloaded %s, manifest %s", got, m.Config.SHA256)
	}
	for _, o := range m.Objects() {
		b := getObject(t, o.Key)
		if int64(len(b)) != o.Size || sha256hex(b) != o.SHA256 {
			t.Errorf("object %s: size %d sha %s, manifest %d %s", o.Key, len(b), sha256hex(b), o.Size, o.SHA256)
		}
	}
	var latest manifest.Latest
	if err := json.Unmarshal(getObject(t, "atlas/"+cluster+"/latest.json"), &latest); err != nil || latest.BackupID != id {
		t.Fatalf("latest = %+v (%v), want %s", latest, err, id)
	}

	// the JSON log: the backup id on every line, nothing of the keytabs
	logData, err := os.ReadFile(filepath.Join(workDirOf(t, cfg), "atlas-backup.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(logData)), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec["backupId"] != id {
			t.Fatalf("log line without backupId %s: %s", id, line)
		}
	}
	for _, kt := range []string{stackEnv.Get("STACK_CLIENT_KEYTAB"), stackEnv.Get("STACK_HBASE_KEYTAB")} {
		b, _ := os.ReadFile(kt)
		if len(b) > 40 && (bytes.Contains(logData, b[len(b)-32:]) || strings.Contains(string(logData), hex.EncodeToString(b[len(b)-32:]))) {
			t.Fatalf("key material of %s in the log", kt)
		}
	}

	// describe --output json prints the manifest
	d := run(t, cfg, "--output", "json", "describe", id)
	if d.code != 0 {
		t.Fatalf("describe exit %d: %s", d.code, d.stderr)
	}
	dm, err := manifest.Unmarshal([]byte(d.stdout))
	if err != nil || dm.BackupID != id {
		t.Fatalf("describe json: %v %+v", err, dm)
	}
	if l := run(t, cfg, "list"); l.code != 0 || !strings.Contains(l.stdout, id) || !strings.Contains(l.stdout, "latest") {
		t.Fatalf("list: %d\n%s%s", l.code, l.stdout, l.stderr)
	}
	if v := run(t, cfg, "verify", id); v.code != 0 {
		t.Fatalf("verify of an intact backup: exit %d\n%s%s", v.code, v.stdout, v.stderr)
	}

	// alter one exported HBase object → verify fails naming it
	victim := tables["atlas_janus"].Objects[0].Key
	for _, o := range tables["atlas_janus"].Objects {
		if strings.Contains(o.Key, "part-m-") {
			victim = o.Key
		}
	}
	orig := getObject(t, victim)
	altered := append([]byte(nil), orig...)
	altered[len(altered)/2] ^= 0xff
	putObject(t, victim, altered)
	v := run(t, cfg, "verify", id)
	if v.code != 1 || !strings.Contains(v.stdout, victim) || !strings.Contains(v.stdout, "sha256 mismatch") {
		t.Fatalf("verify after altering %s: exit %d\n%s", victim, v.code, v.stdout)
	}
	putObject(t, victim, orig)

	// remove one Solr object → verify fails naming it
	gone := cols["edge_index"].Objects[0].Key
	if _, err := s3Client(t).DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(bucket()), Key: aws.String(gone)}); err != nil {
		t.Fatal(err)
	}
	v = run(t, cfg, "verify", id)
	if v.code != 1 || !strings.Contains(v.stdout, gone) || !strings.Contains(v.stdout, "missing") {
		t.Fatalf("verify after removing %s: exit %d\n%s", gone, v.code, v.stdout)
	}
	if u := run(t, cfg, "describe", "no-such-backup"); u.code != 3 {
		t.Fatalf("describe of unknown id: exit %d, want 3", u.code)
	}
}

func putObject(t *testing.T, key string, b []byte) {
	t.Helper()
	if _, err := s3Client(t).PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket()), Key: aws.String(key), Body: bytes.NewReader(b)}); err != nil {
		t.Fatal(err)
	}
}

// Each failure ends with a FAILED (or PARTIAL) manifest giving the reason, a non-zero
// exit, and `latest` unchanged.
func TestBackupFailures(t *testing.T) {
	cluster := uniqueCluster("e2e-fail")
	good := run(t, variant(t, cluster, nil), "backup")
	if good.code != 0 {
		t.Fatalf("first backup: exit %d\n%s%s", good.code, good.stdout, good.stderr)
	}
	goodID := backupID(t, good.stderr)
	latestBefore := getObject(t, "atlas/"+cluster+"/latest.json")

	kdcDown := filepath.Join(t.TempDir(), "krb5.conf")
	{
		b, err := os.ReadFile(stackEnv.Get("KRB5_CONFIG"))
		if err != nil {
			t.Fatal(err)
		}
		s := regexp.MustCompile(`127\.0\.0\.1:\d+`).ReplaceAllString(string(b), "127.0.0.1:1")
		os.WriteFile(kdcDown, []byte(s), 0o644)
	}
	notAllowed := t.TempDir() // exists on both nodes, but outside solr.allowPaths
	missingTableConf := t.TempDir()
	copyDir(t, stackEnv.Get("STACK_ATLAS_CONF_DIR"), missingTableConf)
	props := filepath.Join(missingTableConf, "atlas-application.properties")
	b, _ := os.ReadFile(props)
	os.WriteFile(props, bytes.ReplaceAll(b, []byte("hbase.table=atlas_janus"), []byte("hbase.table=atlas_janus_missing")), 0o644)

	tests := []struct {
		name   string
		change func(m map[string]any)
		reason string
	}{
		{"missing collection", func(m map[string]any) {
			sub(m, "solr")["collections"] = []any{"vertex_index", "edge_index", "no_such_index"}
		}, "no_such_index"},
		{"location not allowed", func(m map[string]any) { sub(m, "solr")["location"] = notAllowed }, "allow"},
		{"location not shared", func(m map[string]any) {
			sub(m, "solr")["location"] = "/nonexistent/solr-backup-share"
		}, "does not exist"},
		{"wrong keytab", func(m map[string]any) { sub(m, "kerberos")["keytab"] = stackEnv.Get("STACK_HBASE_KEYTAB") }, "kerberos"},
		{"wrong principal", func(m map[string]any) { sub(m, "kerberos")["principal"] = "nobody@" + stackEnv.Get("STACK_REALM") }, "nobody"},
		{"kdc unreachable", func(m map[string]any) { sub(m, "kerberos")["krb5Conf"] = kdcDown }, "KDC"},
		{"missing hbase table", func(m map[string]any) { sub(m, "atlas")["confDir"] = missingTableConf }, "atlas_janus_missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, variant(t, cluster, tt.change), "backup")
			if r.code != 1 {
				t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			id := backupID(t, r.stderr)
			m := readManifest(t, cluster, id)
			if m.Status == manifest.Succeeded {
				t.Fatalf("status SUCCEEDED")
			}
			if !strings.Contains(strings.Join(m.Reasons, "\n"), tt.reason) {
				t.Fatalf("reasons do not mention %q: %v", tt.reason, m.Reasons)
			}
			if got := getObject(t, "atlas/"+cluster+"/latest.json"); !bytes.Equal(got, latestBefore) {
				t.Fatalf("latest moved: %s", got)
			}
		})
	}
	t.Run("bucket missing", func(t *testing.T) {
		var work string
		cfg := variant(t, cluster, func(m map[string]any) {
			m["store"] = "s3://no-such-bucket-atlas-e2e/atlas"
			work = m["workDir"].(string)
		})
		r := run(t, cfg, "backup")
		if r.code != 1 {
			t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
		}
		id := backupID(t, r.stderr)
		kept, err := os.ReadFile(filepath.Join(work, "manifests", id+".json"))
		if err != nil {
			t.Fatalf("no local FAILED manifest: %v\n%s", err, r.stderr)
		}
		m, err := manifest.Unmarshal(kept)
		if err != nil || m.Status != manifest.Failed || !strings.Contains(strings.Join(m.Reasons, " "), "no-such-bucket-atlas-e2e") {
			t.Fatalf("local manifest: %v %+v", err, m)
		}
		if got := getObject(t, "atlas/"+cluster+"/latest.json"); !bytes.Equal(got, latestBefore) {
			t.Fatalf("latest moved: %s", got)
		}
	})
	_ = goodID
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if fi.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, fi.Mode())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Hostile values are refused before any command, URL or key is built: exit 2, the field
// named, no job started and nothing written to the store.
func TestHostileInput(t *testing.T) {
	long := strings.Repeat("a", 300)
	tests := []struct {
		name   string
		change func(m map[string]any)
		field  string
	}{
		{"cluster metachar", func(m map[string]any) { m["cluster"] = "c;rm -rf /" }, "cluster"},
		{"cluster dotdot", func(m map[string]any) { m["cluster"] = ".." }, "cluster"},
		{"cluster long", func(m map[string]any) { m["cluster"] = long }, "cluster"},
		{"collection space", func(m map[string]any) { sub(m, "solr")["collections"] = []any{"vertex index"} }, "solr.collections[0]"},
		{"collection traversal", func(m map[string]any) { sub(m, "solr")["collections"] = []any{"../x"} }, "solr.collections[0]"},
		{"collection newline", func(m map[string]any) { sub(m, "solr")["collections"] = []any{"a\nb"} }, "solr.collections[0]"},
		{"collection subshell", func(m map[string]any) { sub(m, "solr")["collections"] = []any{"$(id)"} }, "solr.collections[0]"},
		{"table backtick", func(m map[string]any) { sub(m, "hbase")["tables"] = []any{"t`id`"} }, "hbase.tables[0]"},
		{"table long", func(m map[string]any) { sub(m, "hbase")["tables"] = []any{long} }, "hbase.tables[0]"},
		{"location dotdot", func(m map[string]any) { sub(m, "solr")["location"] = "/tmp/../etc" }, "solr.location"},
		{"location space", func(m map[string]any) { sub(m, "solr")["location"] = "/tmp/a b" }, "solr.location"},
		{"export dir semicolon", func(m map[string]any) { sub(m, "hbase")["exportDir"] = "/tmp/x;reboot" }, "hbase.exportDir"},
		{"conf dir newline", func(m map[string]any) { sub(m, "atlas")["confDir"] = "/etc/atlas\n/conf" }, "atlas.confDir"},
		{"store traversal", func(m map[string]any) { m["store"] = "s3://" + bucket() + "/../x" }, "store"},
		{"principal injection", func(m map[string]any) { sub(m, "hbase")["principal"] = "hbase@R; id" }, "hbase.principal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var work string
			cfg := variant(t, uniqueCluster("e2e-hostile"), func(m map[string]any) {
				work = m["workDir"].(string)
				tt.change(m)
			})
			r := run(t, cfg, "backup")
			if r.code != 2 || !strings.Contains(r.stderr, tt.field+":") {
				t.Fatalf("exit %d, want 2 naming %q\n%s", r.code, tt.field, r.stderr)
			}
			if entries, _ := os.ReadDir(filepath.Join(work, "jobs")); len(entries) > 0 {
				t.Fatalf("a job ran: %v", entries)
			}
		})
	}
	cfg := variant(t, uniqueCluster("e2e-hostile"), nil)
	for _, id := range []string{"../x", "a b", "x;id", "a\nb", long} {
		if r := run(t, cfg, "backup", "--id", id); r.code != 2 || !strings.Contains(r.stderr, "--id") {
			t.Errorf("--id %q: exit %d\n%s", id, r.code, r.stderr)
		}
		if r := run(t, cfg, "describe", id); r.code != 2 {
			t.Errorf("describe %q: exit %d", id, r.code)
		}
	}
}

// submittedRe matches the progress lines of a submitted Export or Solr BACKUP.
var submittedRe = regexp.MustCompile(`(?m) submitted (Export|BACKUP) `)

// Killing the CLI mid-backup and running it again does not start a second Solr backup
// for the same async id, and ends SUCCEEDED.
func TestKillAndResume(t *testing.T) {
	cluster := uniqueCluster("e2e-resume")
	cfg := variant(t, cluster, nil)
	cmd := exec.Command(cliBin, "--config", cfg, "backup")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var seen bytes.Buffer
	buf := make([]byte, 4096)
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		n, err := stderr.Read(buf)
		seen.Write(buf[:n])
		if len(submittedRe.FindAllString(seen.String(), -1)) >= 5 { // 2 exports + 3 Solr backups
			break
		}
		if err != nil {
			break
		}
	}
	// kill the CLI and everything it started, as a lost session would
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	cmd.Wait()
	if len(submittedRe.FindAllString(seen.String(), -1)) < 5 {
		t.Fatalf("did not see every part submitted before the kill:\n%s", seen.String())
	}
	id := backupID(t, seen.String())
	if keyExists(t, "atlas/"+cluster+"/"+id+"/manifest.json") {
		t.Fatalf("a manifest exists after the kill: the kill came too late to test resume")
	}
	r := run(t, cfg, "backup")
	if r.code != 0 {
		t.Fatalf("second run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if got := backupID(t, r.stderr); got != id {
		t.Fatalf("second run took backup %s, want the interrupted %s", got, id)
	}
	if n := strings.Count(r.stderr, "already submitted by an earlier run"); n != 3 {
		t.Errorf("second run found %d of the first run's 3 Solr backups:\n%s", n, r.stderr)
	}
	m := readManifest(t, cluster, id)
	if m.Status != manifest.Succeeded {
		t.Fatalf("status %s: %v", m.Status, m.Reasons)
	}
	// One Solr backup per collection: a second BACKUP with the same name would have
	// written backup_1.properties next to backup_0.properties.
	for _, c := range m.Solr {
		props := 0
		for _, o := range c.Objects {
			if regexp.MustCompile(`/backup_\d+\.properties$`).MatchString(o.Key) {
				props++
			}
		}
		if props != 1 {
			t.Errorf("collection %s: %d backup points in %s, want 1", c.Collection, props, c.BackupName)
		}
	}
}
