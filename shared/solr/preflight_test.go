package solr

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

const stackBackupDir = "/work/main/.stack/solr/backup" // solr.allowPaths in the fixtures

// atlasCluster is the recorded CLUSTERSTATUS of edge_index, copied to the three Atlas
// collections, after edit changes it.
func atlasCluster(t *testing.T, edit func(cluster map[string]any)) string {
	t.Helper()
	_, body := fixture(t, "clusterstatus_edge_index")
	var doc map[string]any
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	cluster := doc["cluster"].(map[string]any)
	colls := cluster["collections"].(map[string]any)
	edge, _ := json.Marshal(colls["edge_index"])
	for _, name := range []string{"vertex_index", "fulltext_index"} {
		var c any
		_ = json.Unmarshal(edge, &c)
		colls[name] = c
	}
	if edit != nil {
		edit(cluster)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func replicaOf(cluster map[string]any, coll, shard, replica string) map[string]any {
	return cluster["collections"].(map[string]any)[coll].(map[string]any)["shards"].(map[string]any)[shard].(map[string]any)["replicas"].(map[string]any)[replica].(map[string]any)
}

// solrNode is a fake node that answers the preflight calls.
func solrNode(t *testing.T, cluster string, locationExists bool) *fakeSolr {
	f := newFake(t).on("action:CLUSTERSTATUS", reply{200, cluster}).
		onFixture("/admin/info/system", "info_system").
		onFixture("/admin/info/properties", "info_properties")
	if locationExists {
		f.onFixture("action:LISTBACKUP", "listbackup_name_missing")
	} else {
		f.onFixture("action:LISTBACKUP", "listbackup_location_missing")
	}
	return f
}

var atlasCollections = []string{"vertex_index", "edge_index", "fulltext_index"}

func TestPreflight(t *testing.T) {
	type want struct {
		kind error
		text string // names the collection / shard / location
	}
	tests := []struct {
		name        string
		cluster     func(map[string]any)
		collections []string
		location    string
		node2Exists bool
		node1Exists bool
		old         bool // nodes are Solr 7.4 (no allowPaths, no LISTBACKUP)
		want        []want
	}{
		{name: "all good", collections: atlasCollections, location: stackBackupDir, node1Exists: true, node2Exists: true},
		{name: "below an allowed path", collections: atlasCollections, location: stackBackupDir + "/atlas", node1Exists: true, node2Exists: true},
		{name: "missing collection", collections: []string{"vertex_index", "nosuch"}, location: stackBackupDir, node1Exists: true, node2Exists: true,
			want: []want{{ErrCollectionNotFound, "collection nosuch"}}},
		{name: "location not allowed", collections: atlasCollections, location: "/tmp/x", node1Exists: true, node2Exists: true,
			want: []want{{ErrLocationNotAllowed, "location /tmp/x"}}},
		{name: "location missing everywhere", collections: atlasCollections, location: stackBackupDir, node1Exists: false, node2Exists: false,
			want: []want{{ErrLocationMissing, "location " + stackBackupDir}}},
		{name: "location missing on one node", collections: atlasCollections, location: stackBackupDir, node1Exists: true, node2Exists: false,
			want: []want{{ErrLocationNotShared, "location " + stackBackupDir}}},
		{name: "leader down", collections: atlasCollections, location: stackBackupDir, node1Exists: true, node2Exists: true,
			cluster: func(c map[string]any) { replicaOf(c, "edge_index", "shard1", "core_node3")["state"] = "down" },
			want:    []want{{ErrNoActiveLeader, "collection edge_index shard shard1"}}},
		{name: "no leader", collections: atlasCollections, location: stackBackupDir, node1Exists: true, node2Exists: true,
			cluster: func(c map[string]any) { delete(replicaOf(c, "vertex_index", "shard2", "core_node5"), "leader") },
			want:    []want{{ErrNoActiveLeader, "collection vertex_index shard shard2"}}},
		{name: "leader on a dead node", collections: atlasCollections, location: stackBackupDir, node1Exists: true, node2Exists: true,
			cluster: func(c map[string]any) { c["live_nodes"] = []string{"127.0.0.1:8983_solr"} },
			want: []want{
				{ErrNoActiveLeader, "collection vertex_index shard shard1"},
				{ErrNoActiveLeader, "collection edge_index shard shard1"},
				{ErrNoActiveLeader, "collection fulltext_index shard shard1"}}},
		{name: "every problem at once", collections: []string{"nosuch", "bad name"}, location: "/tmp/x", node1Exists: true, node2Exists: false,
			want: []want{{ErrCollectionNotFound, "nosuch"}, {nil, "bad name"}, {ErrLocationNotAllowed, "/tmp/x"}, {ErrLocationNotShared, "/tmp/x"}}},
		{name: "Solr 7: allowPaths and LISTBACKUP do not exist", collections: atlasCollections, location: "/tmp/x", old: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cluster := atlasCluster(t, tt.cluster)
			n1 := solrNode(t, cluster, tt.node1Exists)
			n2 := solrNode(t, cluster, tt.node2Exists)
			if tt.old {
				for _, n := range []*fakeSolr{n1, n2} {
					_, sys := fixture(t, "info_system")
					n.on("/admin/info/system", reply{200, strings.Replace(sys, `"solr-spec-version":"9.10.1"`, `"solr-spec-version":"7.4.0"`, 1)})
					n.on("action:LISTBACKUP", reply{400, `{"responseHeader":{"status":400,"QTime":0},"error":{"metadata":["error-class","org.apache.solr.common.SolrException","root-error-class","org.apache.solr.common.SolrException"],"msg":"Unknown action: LISTBACKUP","code":400}}`})
				}
			}
			c := newClient(t, n1.url(), n2.url())
			err := c.Preflight(context.Background(), tt.collections, tt.location)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Preflight: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Preflight passed")
			}
			var problems []error
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				problems = j.Unwrap()
			}
			if len(problems) != len(tt.want) {
				t.Fatalf("got %d problems, want %d:\n%v", len(problems), len(tt.want), err)
			}
			for _, w := range tt.want {
				found := false
				for _, p := range problems {
					if (w.kind == nil || errors.Is(p, w.kind)) && strings.Contains(p.Error(), w.text) {
						found = true
					}
				}
				if !found {
					t.Fatalf("no problem %v naming %q in:\n%v", w.kind, w.text, err)
				}
			}
		})
	}
}

func TestPreflightNodeDown(t *testing.T) {
	cluster := atlasCluster(t, nil)
	up := solrNode(t, cluster, true)
	c := newClient(t, closedURL(t), up.url())
	if err := c.Preflight(context.Background(), atlasCollections, stackBackupDir); err != nil {
		t.Fatalf("one node down should not fail the preflight: %v", err)
	}
	c = newClient(t, closedURL(t))
	if err := c.Preflight(context.Background(), atlasCollections, stackBackupDir); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
}

func TestNodeInfo(t *testing.T) {
	f := solrNode(t, "{}", true)
	info, err := newClient(t, f.url()).NodeInfo(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if info.SolrVersion != "9.10.1" || info.SolrHome != "/work/main/.stack/solr/cluster/node1" || info.AllowPaths != stackBackupDir {
		t.Fatalf("info = %+v", info)
	}
	if !info.checksAllowPaths() {
		t.Fatal("9.10.1 checks allowPaths")
	}
	if !LocationAllowed(stackBackupDir+"/x", info.AllowedPaths()) || LocationAllowed("/tmp/x", info.AllowedPaths()) {
		t.Fatalf("allowed = %v", info.AllowedPaths())
	}
}

func TestParseVersion(t *testing.T) {
	tests := []struct {
		name         string
		in           string
		major, minor int
		ok           bool
		checks       bool
	}{
		{name: "9.10.1", in: "9.10.1", major: 9, minor: 10, ok: true, checks: true},
		{name: "8.6.0", in: "8.6.0", major: 8, minor: 6, ok: true, checks: true},
		{name: "8.5.2", in: "8.5.2", major: 8, minor: 5, ok: true, checks: false},
		{name: "7.4.0 HDP", in: "7.4.0.3.1.0.0-78", major: 7, minor: 4, ok: true, checks: false},
		{name: "snapshot", in: "9.11-SNAPSHOT", major: 9, minor: 11, ok: true, checks: true},
		{name: "empty", in: "", ok: false, checks: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ma, mi, ok := parseVersion(tt.in)
			if ma != tt.major || mi != tt.minor || ok != tt.ok {
				t.Fatalf("parseVersion(%q) = %d %d %v", tt.in, ma, mi, ok)
			}
			if got := (NodeInfo{SolrVersion: tt.in}).checksAllowPaths(); got != tt.checks {
				t.Fatalf("checksAllowPaths = %v", got)
			}
		})
	}
}
