package solr

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fixture reads testdata/<name>.<status>.<ext> and returns status and body.
func fixture(t *testing.T, name string) (int, string) {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join("testdata", name+".*.*"))
	if len(matches) != 1 {
		t.Fatalf("fixture %s: found %v", name, matches)
	}
	parts := strings.Split(filepath.Base(matches[0]), ".")
	code, err := strconv.Atoi(parts[len(parts)-2])
	if err != nil {
		t.Fatalf("fixture %s: %v", matches[0], err)
	}
	b, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	return code, string(b)
}

type reply struct {
	code int
	body string
}

// fakeSolr answers by route: "action:<ACTION>" for /admin/collections, else the path
// below /solr. A route with several replies gives them in turn, repeating the last.
type fakeSolr struct {
	t      *testing.T
	mu     sync.Mutex
	routes map[string][]reply
	calls  []*http.Request
	srv    *httptest.Server
}

func newFake(t *testing.T) *fakeSolr {
	f := &fakeSolr{t: t, routes: map[string][]reply{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSolr) url() string { return f.srv.URL + "/solr" }

// on sets the replies of a route from fixtures or literal "code body" pairs.
func (f *fakeSolr) on(route string, replies ...reply) *fakeSolr {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[route] = replies
	return f
}

func (f *fakeSolr) onFixture(route string, names ...string) *fakeSolr {
	var rs []reply
	for _, n := range names {
		code, body := fixture(f.t, n)
		rs = append(rs, reply{code, body})
	}
	return f.on(route, rs...)
}

func (f *fakeSolr) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, r)
	route := strings.TrimPrefix(r.URL.Path, "/solr")
	if route == "/admin/collections" {
		route = "action:" + r.URL.Query().Get("action")
	}
	rs, ok := f.routes[route]
	if !ok {
		http.Error(w, "no route "+route, http.StatusNotFound)
		return
	}
	rep := rs[0]
	if len(rs) > 1 {
		f.routes[route] = rs[1:]
	}
	if strings.HasPrefix(strings.TrimSpace(rep.body), "<") {
		w.Header().Set("Content-Type", "text/html")
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(rep.code)
	_, _ = w.Write([]byte(rep.body))
}

func (f *fakeSolr) count(route string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.calls {
		rt := strings.TrimPrefix(r.URL.Path, "/solr")
		if rt == "/admin/collections" {
			rt = "action:" + r.URL.Query().Get("action")
		}
		if rt == route {
			n++
		}
	}
	return n
}

func (f *fakeSolr) last() *http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[len(f.calls)-1]
}

// closedURL is a base URL where nothing listens.
func closedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/solr"
}

func newClient(t *testing.T, nodes ...string) *Client {
	t.Helper()
	c, err := New(Options{Nodes: nodes, HTTPClient: &http.Client{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var backupReq = BackupRequest{Collection: "vertex_index", Name: "rec-b1", Location: "/work/main/.stack/solr/backup", AsyncID: "rec-b1-vertex"}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		want    []string
		wantErr string
	}{
		{name: "normalizes", opts: Options{HTTPClient: http.DefaultClient, Nodes: []string{"https://a:8983/solr/", " https://b:8983/solr"}},
			want: []string{"https://a:8983/solr", "https://b:8983/solr"}},
		{name: "no client", opts: Options{Nodes: []string{"https://a/solr"}}, wantErr: "HTTPClient"},
		{name: "no nodes", opts: Options{HTTPClient: http.DefaultClient}, wantErr: "no nodes"},
		{name: "bad scheme", opts: Options{HTTPClient: http.DefaultClient, Nodes: []string{"ftp://a/solr"}}, wantErr: "scheme"},
		{name: "query", opts: Options{HTTPClient: http.DefaultClient, Nodes: []string{"https://a/solr?x=1"}}, wantErr: "query"},
		{name: "no host", opts: Options{HTTPClient: http.DefaultClient, Nodes: []string{"https:///solr"}}, wantErr: "no host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(c.Nodes()) != fmt.Sprint(tt.want) {
				t.Fatalf("nodes = %v", c.Nodes())
			}
		})
	}
}

func TestBackup(t *testing.T) {
	tests := []struct {
		name        string
		fixture     string
		wantAlready bool
		wantErr     error
		wantMsg     string
	}{
		{name: "accepted", fixture: "backup_async"},
		{name: "duplicate id, 9.x HTTP 400", fixture: "backup_duplicate_id", wantAlready: true},
		{name: "duplicate id, 7.x/8.x HTTP 200 with error", fixture: "legacy_backup_duplicate_id", wantAlready: true},
		{name: "location missing", fixture: "backup_location_missing", wantErr: ErrLocationMissing, wantMsg: "does-not-exist does not exist"},
		{name: "collection missing", fixture: "backup_collection_missing", wantErr: ErrCollectionNotFound, wantMsg: "Collection 'nosuch' does not exist"},
		{name: "front refuses the ticket", fixture: "front_noticket", wantErr: ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t).onFixture("action:BACKUP", tt.fixture)
			f2 := newFake(t).onFixture("action:BACKUP", "backup_async")
			c := newClient(t, f.url(), f2.url())
			sub, err := c.Backup(context.Background(), backupReq)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantMsg) || !strings.Contains(err.Error(), "vertex_index") {
					t.Fatalf("err = %v, want %v with %q", err, tt.wantErr, tt.wantMsg)
				}
				if f2.count("action:BACKUP") != 0 {
					t.Fatal("a Solr error answer moved the call to the next node")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if sub.AlreadySubmitted != tt.wantAlready || sub.AsyncID != backupReq.AsyncID || sub.Node != f.url() {
				t.Fatalf("submitted = %+v", sub)
			}
			q := f.last().URL.Query()
			if q.Get("async") != backupReq.AsyncID || q.Get("wt") != "json" || q.Get("location") != backupReq.Location {
				t.Fatalf("query = %v", q)
			}
		})
	}
}

func TestBackupBadInputSendsNothing(t *testing.T) {
	f := newFake(t).onFixture("action:BACKUP", "backup_async")
	c := newClient(t, f.url())
	req := backupReq
	req.Collection = "x; rm -rf /"
	if _, err := c.Backup(context.Background(), req); err == nil {
		t.Fatal("no error")
	}
	if len(f.calls) != 0 {
		t.Fatal("a request was sent")
	}
}

func TestFailover(t *testing.T) {
	_, okBody := fixture(t, "backup_async")
	tests := []struct {
		name      string
		first     func(t *testing.T) string // URL of the first node
		wantFirst bool                      // the second node must not be asked
		wantErr   error
	}{
		{name: "connection refused", first: closedURL},
		{name: "proxy 503 page", first: func(t *testing.T) string {
			return newFake(t).on("action:BACKUP", reply{503, "<html><body>Service Unavailable</body></html>"}).url()
		}},
		{name: "proxy 502 empty", first: func(t *testing.T) string {
			return newFake(t).on("action:BACKUP", reply{502, ""}).url()
		}},
		{name: "Solr 500 answer is final", first: func(t *testing.T) string {
			return newFake(t).onFixture("action:BACKUP", "backup_location_missing").url()
		}, wantFirst: true, wantErr: ErrLocationMissing},
		{name: "401 is final", first: func(t *testing.T) string {
			return newFake(t).onFixture("action:BACKUP", "front_noticket").url()
		}, wantFirst: true, wantErr: ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			second := newFake(t).on("action:BACKUP", reply{200, okBody})
			c := newClient(t, tt.first(t), second.url())
			sub, err := c.Backup(context.Background(), backupReq)
			if tt.wantFirst {
				if !errors.Is(err, tt.wantErr) || second.count("action:BACKUP") != 0 {
					t.Fatalf("err = %v, second node calls %d", err, second.count("action:BACKUP"))
				}
				return
			}
			if err != nil || sub.Node != second.url() {
				t.Fatalf("sub = %+v, err = %v", sub, err)
			}
			// The node that answered is tried first next time.
			if _, err := c.Backup(context.Background(), backupReq); err != nil || second.count("action:BACKUP") != 2 {
				t.Fatalf("second call: err %v, calls %d", err, second.count("action:BACKUP"))
			}
		})
	}
}

func TestAllNodesDown(t *testing.T) {
	c := newClient(t, closedURL(t), closedURL(t))
	_, err := c.ClusterStatus(context.Background())
	if !errors.Is(err, ErrUnavailable) || strings.Count(err.Error(), "connection refused") != 2 {
		t.Fatalf("err = %v", err)
	}
}

func TestRequestStatus(t *testing.T) {
	tests := []struct {
		name         string
		fixture      string
		want         State
		wantMsg      string
		wantFailure  string
		wantKind     error
		wantTaskErr  bool
		wantTerminal bool
	}{
		{name: "running", fixture: "status_running", want: StateRunning, wantMsg: "found [rec-b1-vertex] in running tasks"},
		{name: "completed backup", fixture: "status_completed_backup", want: StateCompleted, wantTerminal: true},
		{name: "completed restore", fixture: "status_completed_restore", want: StateCompleted, wantTerminal: true},
		{name: "notfound", fixture: "status_notfound", want: StateNotFound, wantTaskErr: true, wantKind: ErrTaskNotFound},
		{name: "failed: location outside allowPaths (9.x)", fixture: "status_failed_allowpaths", want: StateFailed, wantTerminal: true,
			wantTaskErr: true, wantKind: ErrLocationNotAllowed, wantFailure: "must be relative to SOLR_HOME"},
		{name: "failed: folder missing on a node (8.x shape)", fixture: "legacy_status_failed", want: StateFailed, wantTerminal: true,
			wantTaskErr: true, wantKind: ErrLocationNotShared, wantFailure: "NoSuchFileException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t).onFixture("action:REQUESTSTATUS", tt.fixture)
			c := newClient(t, f.url())
			st, err := c.RequestStatus(context.Background(), "rec-b1-vertex")
			if err != nil {
				t.Fatal(err)
			}
			if st.State != tt.want || st.Terminal() != tt.wantTerminal || (tt.wantMsg != "" && st.Msg != tt.wantMsg) {
				t.Fatalf("status = %+v", st)
			}
			if tt.wantFailure != "" && !strings.Contains(strings.Join(st.Failures, "\n"), tt.wantFailure) {
				t.Fatalf("failures = %q", st.Failures)
			}
			taskErr := st.Err()
			if (taskErr != nil) != tt.wantTaskErr {
				t.Fatalf("Err() = %v", taskErr)
			}
			if tt.wantKind != nil && (!errors.Is(taskErr, tt.wantKind) || !errors.Is(taskErr, ErrTaskFailed)) {
				t.Fatalf("Err() = %v, want %v", taskErr, tt.wantKind)
			}
		})
	}
}

func TestFailureTextsKeepsRepeatedKeys(t *testing.T) {
	_, body := fixture(t, "status_failed_allowpaths")
	tree, err := parseTree([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	texts := failureTexts(tree)
	joined := strings.Join(texts, "\n")
	for _, core := range []string{"vertex_index_shard2_replica_n6", "vertex_index_shard1_replica_n4"} {
		if !strings.Contains(joined, core) {
			t.Fatalf("failure of %s lost: %q", core, texts)
		}
	}
	if !strings.Contains(joined, "NoSuchFileException") {
		t.Fatalf("operation exception lost: %q", texts)
	}
	// Repeated texts appear once.
	seen := map[string]bool{}
	for _, s := range texts {
		if seen[s] {
			t.Fatalf("repeated: %q", s)
		}
		seen[s] = true
	}
}

func TestDeleteStatus(t *testing.T) {
	for _, name := range []string{"deletestatus", "deletestatus_notfound"} {
		t.Run(name, func(t *testing.T) {
			f := newFake(t).onFixture("action:DELETESTATUS", name)
			if err := newClient(t, f.url()).DeleteStatus(context.Background(), "rec-b1-vertex"); err != nil {
				t.Fatal(err)
			}
			if f.last().URL.Query().Get("flush") != "" {
				t.Fatal("flush sent")
			}
		})
	}
}

// fakeClock advances when slept on.
type fakeClock struct {
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time { return c.now }
func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

func TestWait(t *testing.T) {
	_, running := fixture(t, "status_running")
	_, completed := fixture(t, "status_completed_backup")
	_, failed := fixture(t, "status_failed_allowpaths")
	_, notfound := fixture(t, "status_notfound")
	_, deleted := fixture(t, "deletestatus")
	opts := WaitOptions{Initial: time.Second, Max: 4 * time.Second, Factor: 2, NotFoundGrace: 5 * time.Second}
	tests := []struct {
		name        string
		statuses    []reply
		deleteReply reply
		opts        WaitOptions
		wantState   State
		wantErr     error
		wantErrText string
		wantSleeps  []time.Duration
		wantDeletes int
		wantDelErr  bool
	}{
		{name: "running then completed", statuses: []reply{{200, running}, {200, running}, {200, running}, {200, running}, {200, completed}},
			deleteReply: reply{200, deleted}, opts: opts, wantState: StateCompleted,
			wantSleeps: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second}, wantDeletes: 1},
		{name: "notfound at first, then visible", statuses: []reply{{200, notfound}, {200, running}, {200, completed}},
			deleteReply: reply{200, deleted}, opts: opts, wantState: StateCompleted,
			wantSleeps: []time.Duration{time.Second, 2 * time.Second}, wantDeletes: 1},
		{name: "notfound past the grace period", statuses: []reply{{200, notfound}},
			opts: opts, wantState: StateNotFound, wantErr: ErrTaskNotFound,
			wantSleeps: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}},
		{name: "running, then notfound: lost at once", statuses: []reply{{200, running}, {200, notfound}},
			opts: opts, wantState: StateNotFound, wantErr: ErrTaskLost,
			wantErrText: "solr async task rec-b1-vertex notfound after it was running: solr lost the async task", wantSleeps: []time.Duration{time.Second}},
		{name: "failed is classified and deleted", statuses: []reply{{200, running}, {200, failed}},
			deleteReply: reply{200, deleted}, opts: opts, wantState: StateFailed, wantErr: ErrLocationNotAllowed,
			wantSleeps: []time.Duration{time.Second}, wantDeletes: 1},
		{name: "delete failure is reported, not fatal", statuses: []reply{{200, completed}},
			deleteReply: reply{500, `{"responseHeader":{"status":500},"error":{"msg":"boom","code":500}}`}, opts: opts,
			wantState: StateCompleted, wantDeletes: 1, wantDelErr: true},
		{name: "keep status", statuses: []reply{{200, completed}}, opts: WaitOptions{KeepStatus: true}, wantState: StateCompleted},
		{name: "poll errors in a row", statuses: []reply{{500, `{"responseHeader":{"status":500},"error":{"msg":"zk","code":500}}`}},
			opts: opts, wantErrText: "3 polls failed", wantSleeps: []time.Duration{time.Second, 2 * time.Second}},
		{name: "no answer for solr.noAnswer since the last one", statuses: []reply{{200, running}, {500, `{"responseHeader":{"status":500},"error":{"msg":"zk","code":500}}`}},
			opts: WaitOptions{Initial: time.Second, Max: 4 * time.Second, Factor: 2, NoAnswer: 6 * time.Second}, wantState: StateRunning,
			wantErrText: "no answer to REQUESTSTATUS for 7s (3 polls failed)", wantSleeps: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}},
		{name: "errors ridden out within solr.noAnswer", statuses: []reply{{500, `{"responseHeader":{"status":500},"error":{"msg":"zk","code":500}}`},
			{500, `{"responseHeader":{"status":500},"error":{"msg":"zk","code":500}}`}, {500, `{"responseHeader":{"status":500},"error":{"msg":"zk","code":500}}`},
			{500, `{"responseHeader":{"status":500},"error":{"msg":"zk","code":500}}`}, {200, completed}},
			deleteReply: reply{200, deleted}, opts: WaitOptions{Initial: time.Second, Max: 4 * time.Second, Factor: 2, NoAnswer: time.Minute}, wantState: StateCompleted,
			wantSleeps: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second}, wantDeletes: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t).on("action:REQUESTSTATUS", tt.statuses...)
			if tt.deleteReply.code != 0 {
				f.on("action:DELETESTATUS", tt.deleteReply)
			}
			clock := &fakeClock{now: time.Unix(1800000000, 0)}
			c, err := New(Options{Nodes: []string{f.url()}, HTTPClient: http.DefaultClient, Sleep: clock.Sleep, Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			var polled []State
			st, err := c.Wait(context.Background(), "rec-b1-vertex", tt.opts, func(s Status) { polled = append(polled, s.State) })
			if tt.wantErrText != "" && tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			switch {
			case tt.wantErrText != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErrText) {
					t.Fatalf("err = %v, want %q", err, tt.wantErrText)
				}
			case tt.wantErr == nil && err != nil, tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if st.State != tt.wantState {
				t.Fatalf("state = %q, want %q (polled %v)", st.State, tt.wantState, polled)
			}
			if fmt.Sprint(clock.sleeps) != fmt.Sprint(tt.wantSleeps) {
				t.Fatalf("sleeps = %v, want %v", clock.sleeps, tt.wantSleeps)
			}
			if got := f.count("action:DELETESTATUS"); got != tt.wantDeletes {
				t.Fatalf("deletes = %d, want %d", got, tt.wantDeletes)
			}
			if (st.DeleteErr != nil) != tt.wantDelErr {
				t.Fatalf("DeleteErr = %v", st.DeleteErr)
			}
		})
	}
}

func TestWaitContextCanceled(t *testing.T) {
	_, running := fixture(t, "status_running")
	f := newFake(t).on("action:REQUESTSTATUS", reply{200, running})
	ctx, cancel := context.WithCancel(context.Background())
	c, err := New(Options{Nodes: []string{f.url()}, HTTPClient: http.DefaultClient,
		Sleep: func(ctx context.Context, d time.Duration) error { cancel(); return ctx.Err() }})
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.Wait(ctx, "rec-b1-vertex", WaitOptions{}, nil)
	if !errors.Is(err, context.Canceled) || st.State != StateRunning {
		t.Fatalf("st = %+v, err = %v", st, err)
	}
}

func TestClusterStatus(t *testing.T) {
	f := newFake(t).onFixture("action:CLUSTERSTATUS", "clusterstatus_edge_index")
	cl, err := newClient(t, f.url()).ClusterStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	coll, ok := cl.Collections["edge_index"]
	if !ok || coll.ConfigName != "atlas" || coll.Health != "GREEN" {
		t.Fatalf("collection = %+v", coll)
	}
	if fmt.Sprint(coll.ShardNames()) != "[shard1 shard2]" {
		t.Fatalf("shards = %v", coll.ShardNames())
	}
	tests := []struct {
		shard, replica, core, node string
	}{
		{"shard1", "core_node3", "edge_index_shard1_replica_n1", "127.0.0.1:8984_solr"},
		{"shard2", "core_node5", "edge_index_shard2_replica_n2", "127.0.0.1:8983_solr"},
	}
	for _, tt := range tests {
		name, r, ok := coll.Shards[tt.shard].Leader()
		if !ok || name != tt.replica || r.Core != tt.core || r.NodeName != tt.node || r.State != "active" || !cl.IsLive(r.NodeName) {
			t.Fatalf("%s leader = %s %+v", tt.shard, name, r)
		}
	}
	if len(cl.LiveNodes) != 2 {
		t.Fatalf("live nodes = %v", cl.LiveNodes)
	}
}

func TestCollectionExistsAndDelete(t *testing.T) {
	f := newFake(t).onFixture("action:LIST", "list").
		on("action:DELETE", reply{200, `{"responseHeader":{"status":0,"QTime":120}}`})
	c := newClient(t, f.url())
	for name, want := range map[string]bool{"vertex_index": true, "nosuch": false} {
		got, err := c.CollectionExists(context.Background(), name)
		if err != nil || got != want {
			t.Fatalf("CollectionExists(%s) = %v, %v", name, got, err)
		}
	}
	if err := c.DeleteCollection(context.Background(), "rec_restored"); err != nil {
		t.Fatal(err)
	}
	if q := f.last().URL.Query(); q.Get("name") != "rec_restored" {
		t.Fatalf("query = %v", q)
	}
	f.on("action:DELETE", reply{400, `{"responseHeader":{"status":400},"error":{"msg":"Could not find collection : nosuch","code":400}}`})
	if err := c.DeleteCollection(context.Background(), "nosuch"); !errors.Is(err, ErrCollectionNotFound) {
		t.Fatalf("err = %v", err)
	}
}

func TestDocCount(t *testing.T) {
	_, all := fixture(t, "select_count")
	shardBody := func(n int) string {
		return strings.Replace(all, `"numFound":2000`, fmt.Sprintf(`"numFound":%d`, n), 1)
	}
	f := newFake(t).onFixture("action:CLUSTERSTATUS", "clusterstatus_edge_index")
	// One route serves the three counts: total, shard1, shard2 (sorted order).
	f.on("/edge_index/select", reply{200, all}, reply{200, shardBody(1003)}, reply{200, shardBody(997)})
	c := newClient(t, f.url())
	total, per, err := c.DocCount(context.Background(), "edge_index")
	if err != nil {
		t.Fatal(err)
	}
	if total != 2000 || per["shard1"] != 1003 || per["shard2"] != 997 || len(per) != 2 {
		t.Fatalf("total %d per %v", total, per)
	}
	var shards []string
	for _, r := range f.calls {
		if r.URL.Path == "/solr/edge_index/select" {
			shards = append(shards, r.URL.Query().Get("shards"))
			if r.URL.Query().Get("rows") != "0" || r.URL.Query().Get("q") != "*:*" {
				t.Fatalf("query = %v", r.URL.Query())
			}
		}
	}
	if fmt.Sprint(shards) != "[ shard1 shard2]" {
		t.Fatalf("shards params = %q", shards)
	}
	if _, _, err := c.DocCount(context.Background(), "nosuch"); !errors.Is(err, ErrCollectionNotFound) {
		t.Fatalf("err = %v", err)
	}
}

func TestDocCountPartialResults(t *testing.T) {
	f := newFake(t).onFixture("action:CLUSTERSTATUS", "clusterstatus_edge_index").
		on("/edge_index/select", reply{200, `{"responseHeader":{"status":0,"partialResults":true},"response":{"numFound":10,"docs":[]}}`})
	if _, _, err := newClient(t, f.url()).DocCount(context.Background(), "edge_index"); err == nil || !strings.Contains(err.Error(), "partial") {
		t.Fatalf("err = %v", err)
	}
}

func TestRestore(t *testing.T) {
	f := newFake(t).onFixture("action:RESTORE", "restore_async")
	sub, err := newClient(t, f.url()).Restore(context.Background(), RestoreRequest{
		Collection: "rec_restored", Name: "rec-b1", Location: "/work/main/.stack/solr/backup", AsyncID: "rec-r1"})
	if err != nil || sub.AlreadySubmitted {
		t.Fatalf("sub = %+v, err = %v", sub, err)
	}
}

// deadlineRT answers every request with an error, recording whether its context had a
// deadline.
type deadlineRT struct{ withDeadline, calls int }

func (d *deadlineRT) RoundTrip(r *http.Request) (*http.Response, error) {
	d.calls++
	if _, ok := r.Context().Deadline(); ok {
		d.withDeadline++
	}
	return nil, errors.New("connection reset")
}

// With NoAnswer each REQUESTSTATUS carries a deadline (a hung Solr cannot hold one call
// for the HTTP client's minutes), and the wait ends naming Solr once NoAnswer has passed.
func TestWaitNoAnswerBoundsEachCall(t *testing.T) {
	rt := &deadlineRT{}
	clock := &fakeClock{now: time.Unix(1800000000, 0)}
	c, err := New(Options{Nodes: []string{"http://127.0.0.1:1/solr"}, HTTPClient: &http.Client{Transport: rt}, Sleep: clock.Sleep, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Wait(context.Background(), "rec-b1-vertex", WaitOptions{Initial: time.Second, Max: 4 * time.Second, Factor: 2, NoAnswer: 6 * time.Second}, nil)
	var na *NoAnswerError
	if !errors.As(err, &na) || !strings.Contains(err.Error(), "Solr is down?") {
		t.Fatalf("err = %v", err)
	}
	if rt.calls == 0 || rt.withDeadline != rt.calls {
		t.Fatalf("%d of %d calls had a deadline", rt.withDeadline, rt.calls)
	}
}
