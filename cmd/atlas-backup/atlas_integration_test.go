//go:build integration

// Acceptance of issue 8 against the stack's real Apache Atlas 2.1.0 (scripts/stack.d/atlas:
// JanusGraph on the stack's HBase, its indexes on the stack's SolrCloud, file login, seeded
// through REST v2 by scripts/atlas/seed.py). It fails, never skips, when Atlas is not in the
// stack (STACK_OPTIONAL=1 lets it skip).
//
// One test, in order, because each step builds on the last and Atlas restarts are slow:
//
//  1. seed → backup: atlas_janus rows/cells equal what the live table holds (read apart
//     from the tool), the graph's window is in µs, atlasVersion 2.1.0 comes from Atlas,
//     its metrics and sample are recorded; a restore is refused while Atlas answers;
//  2. the backup → drill passes;
//  3. the regression: an Export window in ms on the µs graph, and an export that loses a
//     file, both give a FAILED backup naming atlas_janus, and latest does not move;
//  4. a backup taken while a writer adds entities restores to an Atlas that starts and
//     answers, and the report gives the consistency window and the index repair advice;
//  5. the lost cluster: Atlas stopped, both tables dropped, the three collections and
//     their configset deleted, Atlas's local data wiped; `restore --yes` → Atlas started
//     while restore waits → check-atlas same in every section; every seeded entity dumps
//     as before (entity, classifications incl. propagated, labels, terms, lineage, audit,
//     glossary); the restored Atlas takes a new entity and finds it by search (it is
//     purged after, so the stack stays as seeded).
//
// Whatever happens, the stack's Atlas is left running on a seeded graph (t.Cleanup).
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/atlas"
	"github.com/atlas-backup/atlas-backup/shared/clients"
	"github.com/atlas-backup/atlas-backup/shared/config"
	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/secret"
	"github.com/atlas-backup/atlas-backup/shared/stacktest"
)

// atlasStack is the stack's Atlas as its env file describes it.
type atlasStack struct {
	url, user, password, home, seedPath, root string
	client                                    *atlas.Client
}

func atlasOfStack(t *testing.T) *atlasStack {
	t.Helper()
	root, err := stacktest.Root()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "scripts", "stack.d", "atlas")); err != nil {
		t.Skip("this checkout's stack has no Atlas component (scripts/stack.d/atlas): nothing to test against")
	}
	if dir, err := stacktest.Dir(os.Getenv); err == nil {
		if mode, err := os.ReadFile(filepath.Join(dir, "atlas-mode")); err == nil && strings.TrimSpace(string(mode)) == "off" {
			t.Skip("this stack was made with STACK_ATLAS=off (synthetic seed, no Atlas): " + filepath.Join(dir, "atlas-mode"))
		}
	}
	env := stacktest.Require(t, "STACK_ATLAS_URL", "STACK_ATLAS_USER", "STACK_ATLAS_PASSWORD_FILE", "STACK_ATLAS_HOME", "STACK_ATLAS_SEED")
	a := &atlasStack{url: env.Get("STACK_ATLAS_URL"), user: env.Get("STACK_ATLAS_USER"),
		home: env.Get("STACK_ATLAS_HOME"), seedPath: env.Get("STACK_ATLAS_SEED"), root: root}
	pw, err := os.ReadFile(env.Get("STACK_ATLAS_PASSWORD_FILE"))
	if err != nil {
		t.Fatalf("STACK_ATLAS_PASSWORD_FILE: %v", err)
	}
	a.password = strings.TrimSpace(string(pw))
	a.client = &atlas.Client{BaseURL: a.url, HTTP: &http.Client{Timeout: time.Minute}, User: a.user, Password: secret.Bytes(a.password)}
	return a
}

// rest sends one authenticated request and decodes a JSON answer into out; it returns
// the HTTP status.
func (a *atlasStack) rest(t *testing.T, method, path string, body, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, strings.TrimRight(a.url, "/")+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(a.user, a.password)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := (&http.Client{Timeout: 2 * time.Minute}).Do(req)
	if err != nil {
		t.Fatalf("atlas %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode/100 == 2 {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(out); err != nil {
			t.Fatalf("atlas %s %s: %v\n%s", method, path, err, b)
		}
	}
	return resp.StatusCode
}

func (a *atlasStack) active() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st, err := a.client.Status(ctx)
	return err == nil && st == "ACTIVE"
}

// seedDoc is what scripts/atlas/seed.py wrote (only what the test reads).
type seedDoc struct {
	Entities map[string][]struct {
		QualifiedName string `json:"qualifiedName"`
		GUID          string `json:"guid"`
		Status        string `json:"status"`
	} `json:"entities"`
	Counts   map[string]map[string]int64 `json:"counts"`
	Glossary struct {
		GUID  string `json:"guid"`
		Terms []struct {
			GUID string `json:"guid"`
		} `json:"terms"`
		Categories []struct {
			GUID string `json:"guid"`
		} `json:"categories"`
	} `json:"glossary"`
	Lineage struct {
		Processes []string `json:"processes"`
	} `json:"lineage"`
}

func readSeed(t *testing.T, a *atlasStack) seedDoc {
	t.Helper()
	b, err := os.ReadFile(a.seedPath)
	if err != nil {
		t.Fatal(err)
	}
	var s seedDoc
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("%s: %v", a.seedPath, err)
	}
	if len(s.Entities) == 0 {
		t.Fatalf("%s lists no seeded entities", a.seedPath)
	}
	return s
}

// dump is every seeded entity as Atlas answers it, each answer in canonical form.
func (a *atlasStack) dump(t *testing.T, s seedDoc) map[string]string {
	t.Helper()
	out := map[string]string{}
	get := func(key, path string) {
		var v any
		if st := a.rest(t, http.MethodGet, path, nil, &v); st != 200 {
			out[key] = fmt.Sprintf("HTTP %d", st)
			return
		}
		out[key] = string(atlas.Canonical(v))
	}
	var guids []string
	for _, list := range s.Entities {
		for _, e := range list {
			guids = append(guids, e.GUID)
		}
	}
	sort.Strings(guids)
	for _, g := range guids {
		get("entity "+g, "/api/atlas/v2/entity/guid/"+g)
		get("classifications "+g, "/api/atlas/v2/entity/guid/"+g+"/classifications")
		get("audit "+g, "/api/atlas/v2/entity/"+g+"/audit?count=1000")
	}
	for _, p := range s.Lineage.Processes {
		get("lineage "+p, "/api/atlas/v2/lineage/"+p+"?direction=BOTH&depth=5")
	}
	if s.Glossary.GUID != "" {
		get("glossary "+s.Glossary.GUID, "/api/atlas/v2/glossary/"+s.Glossary.GUID+"/detailed")
	}
	for _, term := range s.Glossary.Terms {
		get("term "+term.GUID, "/api/atlas/v2/glossary/term/"+term.GUID)
	}
	for _, c := range s.Glossary.Categories {
		get("category "+c.GUID, "/api/atlas/v2/glossary/category/"+c.GUID)
	}
	return out
}

func diffDumps(before, after map[string]string) []string {
	var out []string
	for k, v := range before {
		if after[k] != v {
			w := after[k]
			if len(w) > 600 {
				w = w[:600] + "..."
			}
			out = append(out, fmt.Sprintf("%s:\n  before %.600s\n  after  %s", k, v, w))
		}
	}
	sort.Strings(out)
	return out
}

// stackCmd runs the repository's scripts/stack with args.
func (a *atlasStack) stackCmd(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(a.root, "scripts", "stack"), args...)
	cmd.Dir = a.root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("scripts/stack %s: %v\n%s", strings.Join(args, " "), err, lastN(string(out), 3000))
	}
	return string(out)
}

// stackSet opens the clients of a config (Solr with Kerberos and TLS) as the CLI does.
func stackSet(t *testing.T, cfgPath string) *clients.Set {
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
	return set
}

// loseCluster is the lost cluster: Atlas stopped, both tables dropped, the three
// collections and their configset deleted, Atlas's local data (embedded Kafka and
// ZooKeeper) wiped.
func loseCluster(t *testing.T, a *atlasStack, set *clients.Set) {
	t.Helper()
	a.stackCmd(t, "down", "atlas")
	dropTables(t, stackTables...)
	ctx := context.Background()
	cs, err := set.Solr.ClusterStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	configs := map[string]bool{}
	for _, c := range stackCollections {
		if col, ok := cs.Collections[c]; ok {
			configs[col.ConfigName] = true
			if err := set.Solr.DeleteCollection(ctx, c); err != nil {
				t.Fatalf("delete %s: %v", c, err)
			}
		}
	}
	for name := range configs {
		u := set.Solr.Nodes()[0] + "/admin/configs?action=DELETE&wt=json&name=" + url.QueryEscape(name)
		resp, err := set.HTTP.Get(u)
		if err != nil {
			t.Fatalf("delete configset %s: %v", name, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("delete configset %s: HTTP %d %s", name, resp.StatusCode, b)
		}
	}
	if err := os.RemoveAll(a.home); err != nil { // embedded Kafka and ZooKeeper, logs
		t.Fatal(err)
	}
}

// restoreStartingAtlas runs `restore ID --yes` and, when restore asks for it (its last
// step), starts the stack's Atlas; it returns restore's result.
func restoreStartingAtlas(t *testing.T, a *atlasStack, cfg, id string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, cliBin, "--config", cfg, "restore", id, "--yes", "--atlas-wait", "30m")
	var stdout, stderr bytes.Buffer
	pr, pw := io.Pipe()
	cmd.Stdout = io.MultiWriter(&stdout, pw)
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	asked := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		once := sync.Once{}
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "last step: start Atlas now") {
				once.Do(func() { close(asked) })
			}
		}
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); pw.Close() }()
	var err error
	select {
	case <-asked:
		t0 := time.Now()
		a.stackCmd(t, "up", "atlas")
		t.Logf("Atlas started on the restored stores in %s", time.Since(t0).Round(time.Second))
		err = <-done
	case err = <-done:
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("restore: %v", err)
	}
	return result{code, stdout.String(), stderr.String()}
}

// writer adds hive_db entities through Atlas until stopped; it returns how many it made.
func (a *atlasStack) writer(t *testing.T, prefix string) (stop func() []string) {
	quit := make(chan struct{})
	var mu sync.Mutex
	var made []string
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-quit:
				return
			default:
			}
			name := fmt.Sprintf("%s_%03d", prefix, i)
			body := map[string]any{"entity": map[string]any{"typeName": "hive_db", "attributes": map[string]any{
				"qualifiedName": name + "@stack", "name": name, "clusterName": "stack"}}}
			var resp struct {
				MutatedEntities map[string][]struct {
					GUID string `json:"guid"`
				} `json:"mutatedEntities"`
			}
			if st := a.rest(t, http.MethodPost, "/api/atlas/v2/entity", body, &resp); st == 200 {
				mu.Lock()
				for _, e := range resp.MutatedEntities["CREATE"] {
					made = append(made, e.GUID)
				}
				mu.Unlock()
			}
			time.Sleep(300 * time.Millisecond)
		}
	}()
	return func() []string {
		close(quit)
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return made
	}
}

func TestAtlasAcceptance(t *testing.T) {
	a := atlasOfStack(t)
	if !a.active() {
		t.Fatalf("the stack's Atlas at %s is not ACTIVE", a.url)
	}
	seed := readSeed(t, a)
	cluster := uniqueCluster("atlas")
	cfg := variant(t, cluster, nil)
	if sub(stacktest.ConfigMap(t), "atlas")["url"] == nil {
		t.Fatal("the stack's atlas-backup.yaml has no atlas.url (scripts/stack-config writes it)")
	}
	set := stackSet(t, cfg)
	var pristine string // the quiet backup of the seeded Atlas

	// Leave the stack's Atlas running on a seeded graph, whatever happened.
	t.Cleanup(func() {
		if a.active() && len(hbaseTables(t)) > 0 {
			return
		}
		t.Logf("cleanup: Atlas is not ACTIVE: putting the seeded Atlas back")
		if pristine != "" {
			loseCluster(t, a, set)
			if r := run(t, cfg, "restore", pristine, "--yes", "--atlas-wait", "0"); r.code != 0 {
				t.Logf("cleanup restore exit %d: %s%s", r.code, lastN(r.stdout, 2000), lastN(r.stderr, 2000))
			}
			a.stackCmd(t, "up", "atlas")
			return
		}
		a.stackCmd(t, "up", "atlas")
		a.stackCmd(t, "seed", "atlas")
	})

	before := a.dump(t, seed)

	// 1. seed → backup
	t0 := time.Now()
	r := run(t, cfg, "backup")
	if r.code != 0 {
		t.Fatalf("backup exit %d\n%s\n%s", r.code, r.stdout, lastN(r.stderr, 4000))
	}
	pristine = backupID(t, r.stderr)
	t.Logf("backup of the Atlas seed: %s", time.Since(t0).Round(100*time.Millisecond))
	if strings.Contains(r.stderr, "hard commit before the BACKUP refused") || !strings.Contains(r.stderr, "committed and digested before the BACKUP") {
		t.Errorf("the Solr collections were not committed and digested before their BACKUP:\n%s", lastN(r.stderr, 3000))
	}
	m := readManifest(t, cluster, pristine)
	if m.AtlasVersion != "2.1.0" || m.Atlas == nil || !m.Atlas.Answered || m.Atlas.Version != "2.1.0" || m.Atlas.Status != "ACTIVE" {
		t.Fatalf("atlasVersion %q, record %+v", m.AtlasVersion, m.Atlas)
	}
	if m.Atlas.Metrics == nil || len(m.Atlas.Entities) == 0 || len(m.Atlas.Searches) == 0 || m.Atlas.Lineage == nil || m.Atlas.Audit == nil {
		t.Fatalf("the Atlas record lacks sections: %+v", m.Atlas)
	}
	for typ, byStatus := range seed.Counts {
		if n := byStatus["ACTIVE"]; n > 0 && m.Atlas.Metrics.EntityActive[typ] != n {
			t.Errorf("metrics: %d active %s, the seed made %d", m.Atlas.Metrics.EntityActive[typ], typ, n)
		}
		if n := byStatus["DELETED"]; n > 0 && m.Atlas.Metrics.EntityDeleted[typ] != n {
			t.Errorf("metrics: %d deleted %s, the seed made %d", m.Atlas.Metrics.EntityDeleted[typ], typ, n)
		}
	}
	for _, tb := range m.HBase {
		live := liveTable(t, tb.Table) // stack.hbase.Digest: the live table, apart from the tool
		if tb.Rows != live.Rows || tb.Cells != live.Cells || tb.Rows == 0 {
			t.Errorf("%s: backup %d rows, %d cells; the live table holds %d rows, %d cells", tb.Table, tb.Rows, tb.Cells, live.Rows, live.Cells)
		}
		if tb.Live == nil || tb.Live.Rows == nil || *tb.Live.Rows != tb.Rows || tb.Live.SampledRowsExported != tb.Live.SampledRows {
			t.Errorf("%s: live counts %+v, exported %d", tb.Table, tb.Live, tb.Rows)
		}
		want := hbase.Milliseconds
		if tb.Table == "atlas_janus" {
			want = hbase.Microseconds
		}
		if tb.Window == nil || tb.Window.Unit != want || tb.Window.End != want.At(time.UnixMilli(m.Window.HBaseEndMs)) {
			t.Errorf("%s: window %+v, want [0, cut) in %s", tb.Table, tb.Window, want)
		}
	}
	// a restore is refused while Atlas answers (it answers 401 to a request without
	// credentials: that is "up")
	if r := run(t, cfg, "restore", pristine, "--only", "config"); r.code != 4 || !strings.Contains(r.stdout+r.stderr, "Atlas answers at "+a.url) {
		t.Fatalf("restore while Atlas runs: exit %d\n%s%s", r.code, r.stdout, lastN(r.stderr, 2000))
	}

	// 2. drill
	t0 = time.Now()
	if r := run(t, cfg, "drill", pristine); r.code != 0 {
		t.Fatalf("drill exit %d\n%s\n%s", r.code, r.stdout, lastN(r.stderr, 3000))
	} else if !strings.Contains(r.stdout, "live at backup time:") {
		t.Errorf("the drill report shows no live counts:\n%s", r.stdout)
	}
	t.Logf("drill of the Atlas seed: %s", time.Since(t0).Round(100*time.Millisecond))
	if r := run(t, cfg, "check-atlas", pristine); r.code != 0 {
		t.Fatalf("check-atlas of the running Atlas after the drill: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// 3. the regression: a window in ms on the µs graph, and an export that loses a file
	real := stackEnv.Get("STACK_HBASE_BIN")
	wrap := func(name, body string) string {
		p := filepath.Join(t.TempDir(), name)
		script := "#!/usr/bin/env bash\nREAL=" + real + "\n" + body
		if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct{ name, wrapper, reason string }{
		{"export window in ms", wrap("hbase-ms", `if [ "$1" = org.apache.hadoop.hbase.mapreduce.Export ] && [ "$2" = atlas_janus ]; then
  args=("$@"); n=${#args[@]}; args[$((n-1))]=$(( ${args[$((n-1))]} / 1000 )); exec "$REAL" "${args[@]}"
fi
exec "$REAL" "$@"
`), "the export holds no rows while the table had"},
		{"export loses a part file", wrap("hbase-lose", `if [ "$1" = org.apache.hadoop.hbase.mapreduce.Export ] && [ "$2" = atlas_janus ]; then
  "$REAL" "$@" || exit $?
  # the last part file loses its records: only the SequenceFile header (114 bytes) stays
  out="${3#file://}"; f=$(ls "$out"/part-m-* | sort | tail -1); head -c 114 "$f" > "$f.cut" && mv "$f.cut" "$f"; rm -f "$out/.$(basename "$f").crc"; exit 0
fi
exec "$REAL" "$@"
`), "the Export job counted"},
	}
	for _, c := range cases {
		vcfg := variant(t, cluster, func(mm map[string]any) { sub(mm, "hbase")["command"] = c.wrapper })
		r := run(t, vcfg, "backup")
		if r.code != 1 {
			t.Fatalf("%s: backup exit %d, want 1\n%s\n%s", c.name, r.code, r.stdout, lastN(r.stderr, 3000))
		}
		fm := readManifest(t, cluster, backupID(t, r.stderr))
		reasons := strings.Join(fm.Reasons, "\n")
		if fm.Status != manifest.Failed || !strings.Contains(reasons, "hbase table atlas_janus: export incomplete") || !strings.Contains(reasons, c.reason) {
			t.Errorf("%s: %s, reasons:\n%s", c.name, fm.Status, reasons)
		}
	}
	var lt manifest.Latest
	if err := json.Unmarshal(getObject(t, "atlas/"+cluster+"/latest.json"), &lt); err != nil || lt.BackupID != pristine {
		t.Fatalf("latest moved: %+v %v", lt, err)
	}

	// 4. a backup while a writer adds entities → restore → Atlas starts and answers
	stop := a.writer(t, fmt.Sprintf("writer_%d", time.Now().Unix()%100000))
	time.Sleep(2 * time.Second)
	r = run(t, cfg, "backup")
	made := stop()
	if r.code != 0 {
		t.Fatalf("backup while writing: exit %d\n%s\n%s", r.code, r.stdout, lastN(r.stderr, 3000))
	}
	busy := backupID(t, r.stderr)
	bm := readManifest(t, cluster, busy)
	t.Logf("the writer made %d entities; consistency %+v", len(made), bm.Window.Consistency)
	if len(made) == 0 || bm.Window.Consistency == nil || !bm.Window.Consistency.RepairAdvised {
		t.Errorf("a backup taken while %d entities were written: consistency %+v", len(made), bm.Window.Consistency)
	}
	for _, c := range bm.Solr {
		if c.DigestBefore == "" || c.Digest == "" {
			t.Errorf("solr %s: no digest recorded before (%q) or after (%q) its BACKUP", c.Collection, c.DigestBefore, c.Digest)
		}
	}
	loseCluster(t, a, set)
	r = restoreStartingAtlas(t, a, cfg, busy)
	if !strings.Contains(r.stdout, "Reindex advised: Atlas wrote while the backup ran") || !strings.Contains(r.stdout, "HBase was cut at") {
		t.Errorf("the restore report does not give the consistency window and the repair advice:\n%s", r.stdout)
	}
	if !a.active() {
		t.Fatalf("Atlas restored from a backup taken while writing does not answer ACTIVE\n%s\n%s", r.stdout, lastN(r.stderr, 3000))
	}
	var res struct {
		Entities []any `json:"entities"`
	}
	if st := a.rest(t, http.MethodGet, "/api/atlas/v2/search/basic?typeName=hive_table&limit=5", nil, &res); st != 200 || len(res.Entities) == 0 {
		t.Fatalf("search on the Atlas restored from the busy backup: HTTP %d, %d entities", st, len(res.Entities))
	}

	// 5. the lost cluster: restore the quiet backup, Atlas started when restore asks
	loseCluster(t, a, set)
	t0 = time.Now()
	r = restoreStartingAtlas(t, a, cfg, pristine)
	t.Logf("restore of the Atlas seed, Atlas start and check-atlas included: %s", time.Since(t0).Round(100*time.Millisecond))
	if r.code != 0 || !strings.Contains(r.stdout, "SAME in every section") {
		t.Fatalf("restore --yes + start Atlas + check-atlas: exit %d\n%s\n%s", r.code, r.stdout, lastN(r.stderr, 4000))
	}
	for _, sec := range []string{"server", "metrics", "entities", "search", "lineage", "audit"} {
		if !regexp.MustCompile(`(?m)^  ` + sec + `\s+same`).MatchString(r.stdout) {
			t.Errorf("check-atlas section %s is not same:\n%s", sec, r.stdout)
		}
	}
	t0 = time.Now()
	if c := run(t, cfg, "check-atlas", pristine); c.code != 0 {
		t.Fatalf("check-atlas: exit %d\n%s%s", c.code, c.stdout, c.stderr)
	}
	t.Logf("check-atlas: %s", time.Since(t0).Round(100*time.Millisecond))
	if d := diffDumps(before, a.dump(t, seed)); len(d) > 0 {
		t.Fatalf("%d of %d answers differ after the restore:\n%s", len(d), len(before), strings.Join(d[:min(len(d), 10)], "\n"))
	}

	// the restored Atlas takes a new entity and finds it by search (then it is purged)
	name := fmt.Sprintf("after_restore_%d", time.Now().Unix()%100000)
	var created struct {
		MutatedEntities map[string][]struct {
			GUID string `json:"guid"`
		} `json:"mutatedEntities"`
	}
	body := map[string]any{"entity": map[string]any{"typeName": "hive_db", "attributes": map[string]any{
		"qualifiedName": name + "@stack", "name": name, "clusterName": "stack"}}}
	if st := a.rest(t, http.MethodPost, "/api/atlas/v2/entity", body, &created); st != 200 || len(created.MutatedEntities["CREATE"]) != 1 {
		t.Fatalf("create an entity on the restored Atlas: HTTP %d %+v", st, created)
	}
	guid := created.MutatedEntities["CREATE"][0].GUID
	defer func() {
		a.rest(t, http.MethodDelete, "/api/atlas/v2/entity/guid/"+guid, nil, nil)
		a.rest(t, http.MethodPut, "/api/atlas/admin/purge", []string{guid}, nil)
	}()
	found := false
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline) && !found; time.Sleep(2 * time.Second) {
		var sr struct {
			Entities []struct {
				GUID string `json:"guid"`
			} `json:"entities"`
		}
		a.rest(t, http.MethodGet, "/api/atlas/v2/search/basic?typeName=hive_db&query="+url.QueryEscape(name)+"&limit=10", nil, &sr)
		for _, e := range sr.Entities {
			found = found || e.GUID == guid
		}
	}
	if !found {
		t.Fatalf("the new entity %s (%s) is not found by search on the restored Atlas", name, guid)
	}
}
