//go:build integration

// Restore and drill against the local stack of real servers (see e2e_integration_test.go
// for the helpers and the rules: these fail, never skip, without the stack).
//
// The wipe test does not drop the stack's own atlas_janus/vertex_index...: the packages'
// integration tests run in parallel (go test ./... runs several test binaries at once)
// and shared/solr and shared/hbase read the seeded tables and collections. It makes an
// Atlas of its own instead — copies of the seeded tables and collections under a suffix
// (made by `restore --suffix`, itself under test) and a config folder naming them — then
// backs that Atlas up, wipes it, restores it, and compares.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/clients"
	"github.com/atlas-backup/atlas-backup/shared/config"
	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/restore"
	"github.com/atlas-backup/atlas-backup/shared/solr"
	"github.com/atlas-backup/atlas-backup/shared/stacktest"
)

var (
	stackTables      = []string{"atlas_janus", "ATLAS_ENTITY_AUDIT_EVENTS"}
	stackCollections = []string{"vertex_index", "edge_index", "fulltext_index"}
)

// hbaseShell runs a script with the stack's `hbase shell -n` and returns its output.
func hbaseShell(t *testing.T, script string) string {
	t.Helper()
	cmd := exec.Command(stackEnv.Get("STACK_HBASE_BIN"), "shell", "-n")
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("hbase shell %q: %v\n%s", script, err, out)
	}
	return string(out)
}

func hbaseTables(t *testing.T) []string {
	t.Helper()
	names, err := hbase.ParseList(hbaseShell(t, hbase.ListScript()))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	return names
}

// liveCounts is what the live table holds, read by the stack's own scanner
// (stack.hbase.Digest: every row and cell) and `describe`, without the tool.
type liveCounts struct {
	Rows, Cells int64
	Families    int
}

var stackDigestRe = regexp.MustCompile(`table=\S+ rows=(\d+) cells=(\d+)`)

func liveTable(t *testing.T, table string) liveCounts {
	t.Helper()
	out, err := exec.Command(stackEnv.Get("STACK_HBASE_BIN"), "stack.hbase.Digest", table).CombinedOutput()
	m := stackDigestRe.FindStringSubmatch(string(out))
	if err != nil || m == nil {
		t.Fatalf("stack.hbase.Digest %s: %v\n%s", table, err, lastN(string(out), 2000))
	}
	var c liveCounts
	c.Rows, _ = strconv.ParseInt(m[1], 10, 64)
	c.Cells, _ = strconv.ParseInt(m[2], 10, 64)
	s, err := hbase.DescribeScript(table)
	if err != nil {
		t.Fatal(err)
	}
	schema, err := hbase.ParseDescribe(hbaseShell(t, s))
	if err != nil {
		t.Fatal(err)
	}
	c.Families = len(schema.Families)
	return c
}

func hbaseRows(t *testing.T, table string) int64 {
	t.Helper()
	s, err := hbase.CountScript(table)
	if err != nil {
		t.Fatal(err)
	}
	n, err := hbase.ParseCount(hbaseShell(t, s))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func dropTables(t *testing.T, tables ...string) {
	t.Helper()
	have := map[string]bool{}
	for _, n := range hbaseTables(t) {
		have[n] = true
	}
	var script strings.Builder
	for _, tb := range tables {
		if have[tb] {
			s, _ := hbase.DisableDropScript(tb)
			script.WriteString(s)
		}
	}
	if script.Len() > 0 {
		hbaseShell(t, script.String())
	}
}

// tableDigest exports a table (every version, no time range) and reads rows, cells and
// the cell digest from the files: independent of any manifest.
func tableDigest(t *testing.T, table string) hbase.ExportStats {
	t.Helper()
	out := filepath.Join(t.TempDir(), "export")
	argv, err := hbase.ExportArgv(stackEnv.Get("STACK_HBASE_BIN"), hbase.ExportOptions{Table: table, OutDir: out, Versions: 2147483647})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("export %s: %v\n%s", table, err, lastN(string(b), 2000))
	}
	st, err := hbase.ReadExportDir(os.DirFS(out), ".")
	if err != nil {
		t.Fatal(err)
	}
	st.Files = 0
	return st
}

func lastN(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// solrClient builds the Solr client of a config (Kerberos, TLS) as the CLI does.
func solrClient(t *testing.T, cfgPath string) *solr.Client {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	set, err := clients.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(set.Close)
	return set.Solr
}

func collections(t *testing.T, c *solr.Client) []string {
	t.Helper()
	names, err := c.ListCollections(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	return names
}

// docDigest waits briefly for a collection to answer with every doc, then digests it.
func docDigest(t *testing.T, c *solr.Client, name string) solr.DocDigest {
	t.Helper()
	d, err := c.Digest(context.Background(), name)
	if err != nil {
		t.Fatalf("digest %s: %v", name, err)
	}
	d.ReadBytes = 0 // the size of Solr's answers, not the collection's content
	return d
}

// fileSums maps every regular file below dir to its SHA-256.
func fileSums(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		sum := sha256.Sum256(b)
		out[rel] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func restoreReport(t *testing.T, r result) *restore.Report {
	t.Helper()
	var rep restore.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s\n%s", err, r.stdout, r.stderr)
	}
	return &rep
}

func mustBackup(t *testing.T, cfg string) string {
	t.Helper()
	r := run(t, cfg, "backup")
	if r.code != 0 {
		t.Fatalf("backup exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	return backupID(t, r.stderr)
}

// withoutAtlasREST drops the Atlas REST fields from a config: for restores into copies of the
// stack's stores (suffixed names), which the stack's running Atlas does not serve, so the
// restore is not refused while that Atlas answers.
func withoutAtlasREST(m map[string]any) {
	if a, ok := m["atlas"].(map[string]any); ok {
		for _, k := range []string{"url", "spn", "auth", "user", "passwordFile"} {
			delete(a, k)
		}
	}
}

// TestRestoreAfterWipe: backup → wipe (drop the tables, delete the collections, remove
// the config folder) → restore → every table's cell digest, every collection's document
// digest and every config file's bytes equal what was there before the backup.
func TestRestoreAfterWipe(t *testing.T) {
	sfx := fmt.Sprintf("_w%d", time.Now().UnixNano()%1e6)
	var tables, cols []string
	for _, tb := range stackTables {
		tables = append(tables, tb+sfx)
	}
	for _, c := range stackCollections {
		cols = append(cols, c+sfx)
	}
	src := variant(t, uniqueCluster("rs-src"), withoutAtlasREST)
	sc := solrClient(t, src)
	t.Cleanup(func() {
		dropTables(t, tables...)
		for _, c := range cols {
			_ = sc.DeleteCollection(context.Background(), c)
		}
	})

	// An Atlas of our own: the seeded data under suffixed names, and a config folder naming them.
	srcID := mustBackup(t, src)
	if r := run(t, src, "restore", srcID, "--suffix", sfx, "--only", "hbase,solr"); r.code != 0 {
		t.Fatalf("restore into copies: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	conf := filepath.Join(t.TempDir(), "atlas-conf")
	copyDir(t, stackEnv.Get("STACK_ATLAS_CONF_DIR"), conf)
	props := filepath.Join(conf, "atlas-application.properties")
	b, _ := os.ReadFile(props)
	b = bytes.ReplaceAll(b, []byte("hbase.table=atlas_janus\n"), []byte("hbase.table=atlas_janus"+sfx+"\n"))
	b = bytes.ReplaceAll(b, []byte("tablename=ATLAS_ENTITY_AUDIT_EVENTS\n"), []byte("tablename=ATLAS_ENTITY_AUDIT_EVENTS"+sfx+"\n"))
	os.WriteFile(props, b, 0o644)
	cfg := variant(t, uniqueCluster("rs-wipe"), func(m map[string]any) {
		withoutAtlasREST(m)
		sub(m, "atlas")["confDir"] = conf
		sub(m, "solr")["collections"] = []any{cols[0], cols[1], cols[2]}
	})

	// What is there before the backup, measured without the tool's own manifest.
	beforeTables := map[string]hbase.ExportStats{}
	for _, tb := range tables {
		beforeTables[tb] = tableDigest(t, tb)
		if beforeTables[tb].Cells == 0 {
			t.Fatalf("copy %s is empty", tb)
		}
	}
	beforeDocs := map[string]solr.DocDigest{}
	for _, c := range cols {
		beforeDocs[c] = docDigest(t, sc, c)
	}
	beforeConf := fileSums(t, conf)

	id := mustBackup(t, cfg)

	// Wipe.
	dropTables(t, tables...)
	for _, c := range cols {
		if err := sc.DeleteCollection(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.RemoveAll(conf); err != nil {
		t.Fatal(err)
	}
	live := strings.Join(hbaseTables(t), " ")
	for _, tb := range tables {
		if strings.Contains(live, tb) {
			t.Fatalf("%s still exists after the wipe", tb)
		}
	}

	// Restore everything into the live names and the live config folder.
	r := run(t, cfg, "--output", "json", "restore", id, "--yes", "--target", conf)
	if r.code != 0 {
		t.Fatalf("restore exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	rep := restoreReport(t, r)
	if !rep.OK || len(rep.Parts) != 6 {
		t.Fatalf("report: ok %v, %d parts: %+v", rep.OK, len(rep.Parts), rep.Parts)
	}
	for _, p := range rep.Parts {
		if p.Status != restore.StatusRestored {
			t.Errorf("part %s %s: %s (%s)", p.Part, p.Target, p.Status, p.Left)
		}
	}
	if !strings.Contains(strings.Join(rep.Before, " "), "Stop Atlas") || !strings.Contains(strings.Join(rep.After, " "), "Start Atlas") {
		t.Errorf("operator steps: before %v after %v", rep.Before, rep.After)
	}

	for _, tb := range tables {
		if got := tableDigest(t, tb); got != beforeTables[tb] {
			t.Errorf("table %s: after restore %+v, before backup %+v", tb, got, beforeTables[tb])
		}
	}
	for _, c := range cols {
		if got := docDigest(t, sc, c); got != beforeDocs[c] {
			t.Errorf("collection %s: after restore %+v, before backup %+v", c, got, beforeDocs[c])
		}
	}
	if got := fileSums(t, conf); !reflect.DeepEqual(got, beforeConf) {
		t.Errorf("config files after restore:\n%v\nbefore backup:\n%v", got, beforeConf)
	}
}

// TestDrill: a drill of a fresh backup passes and leaves nothing behind; altering one
// exported object in the store makes verify and drill fail, both naming it.
func TestDrill(t *testing.T) {
	cluster := uniqueCluster("rs-drill")
	cfg := variant(t, cluster, nil)
	sc := solrClient(t, cfg)
	id := mustBackup(t, cfg)
	m := readManifest(t, cluster, id)
	for _, c := range m.Solr {
		if !solr.ValidDocDigest(c.Digest) || c.DigestDocs != c.Docs {
			t.Fatalf("collection %s: digest %q over %d docs (counted %d)", c.Collection, c.Digest, c.DigestDocs, c.Docs)
		}
	}
	tablesBefore, colsBefore := hbaseTables(t), collections(t, sc)

	r := run(t, cfg, "--output", "json", "drill", id, "--suffix", "_it_drill")
	if r.code != 0 {
		t.Fatalf("drill exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	rep := restoreReport(t, r)
	if !rep.OK || len(rep.Parts) != 6 || rep.Cleanup == nil || len(rep.Cleanup.Dropped) != 2 || len(rep.Cleanup.Deleted) != 3 {
		t.Fatalf("report: %+v", rep)
	}
	for _, p := range rep.Parts {
		if p.Status != restore.StatusRestored || p.Got != p.Expected || p.Got.Digest == "" && p.Part != restore.PartConfig {
			t.Errorf("part %s %s: %s, expected %+v, got %+v", p.Part, p.Target, p.Status, p.Expected, p.Got)
		}
	}
	if got := hbaseTables(t); !reflect.DeepEqual(got, tablesBefore) {
		t.Errorf("tables after the drill %v, before %v", got, tablesBefore)
	}
	if got := collections(t, sc); !reflect.DeepEqual(got, colsBefore) {
		t.Errorf("collections after the drill %v, before %v", got, colsBefore)
	}

	// A scratch suffix that collides with an existing table is refused, and the existing
	// table is left alone.
	hbaseShell(t, "create 'ATLAS_ENTITY_AUDIT_EVENTS_it_coll', 'dt'\n")
	defer dropTables(t, "ATLAS_ENTITY_AUDIT_EVENTS_it_coll")
	if r := run(t, cfg, "drill", id, "--suffix", "_it_coll"); r.code != 4 || !strings.Contains(r.stdout, "must not collide") {
		t.Fatalf("drill into a colliding suffix: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(strings.Join(hbaseTables(t), " "), "ATLAS_ENTITY_AUDIT_EVENTS_it_coll") {
		t.Fatal("the refused drill dropped the table it collided with")
	}
	dropTables(t, "ATLAS_ENTITY_AUDIT_EVENTS_it_coll")

	// Alter one exported object: verify and drill fail, naming it; nothing is created.
	var victim string
	for _, o := range m.HBase[0].Objects {
		if strings.Contains(o.Key, "part-m-") && !strings.HasSuffix(o.Key, ".crc") {
			victim = o.Key
		}
	}
	orig := getObject(t, victim)
	altered := append([]byte(nil), orig...)
	altered[len(altered)/3] ^= 0x01
	putObject(t, victim, altered)
	defer putObject(t, victim, orig)
	if v := run(t, cfg, "verify", id); v.code != 1 || !strings.Contains(v.stdout, victim) {
		t.Fatalf("verify after altering %s: exit %d\n%s", victim, v.code, v.stdout)
	}
	d := run(t, cfg, "drill", id)
	if d.code != 4 || !strings.Contains(d.stdout+d.stderr, victim) || !strings.Contains(d.stdout+d.stderr, "sha256 mismatch") {
		t.Fatalf("drill after altering %s: exit %d\n%s%s", victim, d.code, d.stdout, d.stderr)
	}
	if got := hbaseTables(t); !reflect.DeepEqual(got, tablesBefore) {
		t.Errorf("tables after the refused drill %v, before %v", got, tablesBefore)
	}
	if got := collections(t, sc); !reflect.DeepEqual(got, colsBefore) {
		t.Errorf("collections after the refused drill %v, before %v", got, colsBefore)
	}
}

// stackState is what the refusal tests compare before and after: table list and row
// counts, collection list and doc counts, the live config folder's files.
type stackState struct {
	Tables      []string
	Rows        map[string]int64
	Collections []string
	Docs        map[string]int64
	Conf        map[string]string
}

func snapshot(t *testing.T, sc *solr.Client) stackState {
	t.Helper()
	s := stackState{Tables: hbaseTables(t), Rows: map[string]int64{}, Collections: collections(t, sc), Docs: map[string]int64{},
		Conf: fileSums(t, stackEnv.Get("STACK_ATLAS_CONF_DIR"))}
	for _, tb := range stackTables {
		s.Rows[tb] = hbaseRows(t, tb)
	}
	for _, c := range stackCollections {
		n, _, err := sc.DocCount(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		s.Docs[c] = n
	}
	return s
}

// TestRestoreRefusals: refused cleanly, with nothing changed on any server: unknown
// backup id, FAILED backup, checksum mismatch, target table non-empty or collection
// existing without --yes, the live config folder without --yes.
func TestRestoreRefusals(t *testing.T) {
	cluster := uniqueCluster("rs-refuse")
	// the refusals under test are the stores' and the backup's; the refusal while Atlas
	// answers is the Atlas acceptance test's (atlas_integration_test.go)
	cfg := variant(t, cluster, withoutAtlasREST)
	sc := solrClient(t, cfg)
	good := mustBackup(t, cfg)
	failedRun := run(t, variant(t, cluster, func(m map[string]any) {
		withoutAtlasREST(m)
		sub(m, "solr")["collections"] = []any{"vertex_index", "no_such_index"}
	}), "backup")
	if failedRun.code != 1 {
		t.Fatalf("failing backup: exit %d", failedRun.code)
	}
	failed := backupID(t, failedRun.stderr)
	if m := readManifest(t, cluster, failed); m.Status == manifest.Succeeded {
		t.Fatal("the failing backup succeeded")
	}
	before := snapshot(t, sc)

	var victim string
	for _, o := range readManifest(t, cluster, good).Solr[0].Objects {
		if strings.Contains(o.Key, "/index/") {
			victim = o.Key
		}
	}
	tests := []struct {
		name  string
		args  []string
		code  int
		wants []string
		setup func() func()
	}{
		{"unknown backup id", []string{"restore", "20990101T000000Z-000000"}, 3, []string{"not found"}, nil},
		{"FAILED backup", []string{"restore", failed, "--yes"}, 4, []string{"is FAILED, not SUCCEEDED"}, nil},
		{"non-empty tables and existing collections", []string{"restore", good}, 4,
			[]string{"table atlas_janus holds", "Import merges", "collection vertex_index exists", "--yes deletes it"}, nil},
		{"existing collections only", []string{"restore", good, "--only", "solr"}, 4, []string{"collection edge_index exists"}, nil},
		{"live config folder", []string{"restore", good, "--only", "config", "--target", stackEnv.Get("STACK_ATLAS_CONF_DIR")}, 4,
			[]string{"is the live config folder: --yes"}, nil},
		{"checksum mismatch", []string{"restore", good, "--suffix", "_it_cm"}, 4, []string{"sha256 mismatch", "nothing was changed"}, func() func() {
			orig := getObject(t, victim)
			altered := append([]byte(nil), orig...)
			altered[0] ^= 0x01
			putObject(t, victim, altered)
			return func() { putObject(t, victim, orig) }
		}},
		{"bad suffix", []string{"restore", good, "--suffix", "x;id"}, 2, []string{"suffix"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				defer tt.setup()()
			}
			r := run(t, cfg, tt.args...)
			out := r.stdout + r.stderr
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, tt.code, out)
			}
			for _, w := range tt.wants {
				if !strings.Contains(out, w) {
					t.Errorf("output does not say %q:\n%s", w, out)
				}
			}
			if tt.name == "checksum mismatch" && !strings.Contains(out, victim) {
				t.Errorf("output does not name %s:\n%s", victim, out)
			}
		})
	}
	if after := snapshot(t, sc); !reflect.DeepEqual(after, before) {
		t.Fatalf("a refused restore changed a server:\nbefore %+v\nafter  %+v", before, after)
	}
	// nothing staged is left in the shared Solr location or the export dir
	if left, _ := filepath.Glob(filepath.Join(stackEnv.Get("STACK_SOLR_BACKUP_DIR"), "restore-*")); len(left) > 0 {
		t.Errorf("restore folders left in the Solr location: %v", left)
	}
	if left, _ := filepath.Glob(filepath.Join(sub(stacktest.ConfigMap(t), "hbase")["exportDir"].(string), "_restore", "*")); len(left) > 0 {
		t.Errorf("staged exports left in the export dir: %v", left)
	}
}
