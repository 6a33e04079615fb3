package solr

import (
	"net/url"
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

func TestBackupParams(t *testing.T) {
	base := BackupRequest{Collection: "vertex_index", Name: "bk1", Location: "/backups/solr", AsyncID: "bk1-vertex_index-0123456789"}
	with := func(f func(*BackupRequest)) BackupRequest { r := base; f(&r); return r }
	tests := []struct {
		name    string
		req     BackupRequest
		want    url.Values
		wantErr string
	}{
		{name: "minimal", req: base, want: url.Values{
			"action": {"BACKUP"}, "name": {"bk1"}, "collection": {"vertex_index"},
			"location": {"/backups/solr"}, "async": {"bk1-vertex_index-0123456789"}}},
		{name: "repository, incremental, max points", req: with(func(r *BackupRequest) {
			r.Repository = "hdfs"
			r.Incremental = ptr(true)
			r.MaxNumBackupPoints = 3
		}), want: url.Values{
			"action": {"BACKUP"}, "name": {"bk1"}, "collection": {"vertex_index"},
			"location": {"/backups/solr"}, "async": {"bk1-vertex_index-0123456789"},
			"repository": {"hdfs"}, "incremental": {"true"}, "maxNumBackupPoints": {"3"}}},
		{name: "legacy format", req: with(func(r *BackupRequest) { r.Incremental = ptr(false) }), want: url.Values{
			"action": {"BACKUP"}, "name": {"bk1"}, "collection": {"vertex_index"},
			"location": {"/backups/solr"}, "async": {"bk1-vertex_index-0123456789"}, "incremental": {"false"}}},
		{name: "bad collection", req: with(func(r *BackupRequest) { r.Collection = "a b" }), wantErr: "collection"},
		{name: "bad name", req: with(func(r *BackupRequest) { r.Name = "../x" }), wantErr: "backup name"},
		{name: "relative location", req: with(func(r *BackupRequest) { r.Location = "x" }), wantErr: "location"},
		{name: "no async id", req: with(func(r *BackupRequest) { r.AsyncID = "" }), wantErr: "async id"},
		{name: "reserved async id", req: with(func(r *BackupRequest) { r.AsyncID = "-1" }), wantErr: "reserved"},
		{name: "bad repository", req: with(func(r *BackupRequest) { r.Repository = "a&b" }), wantErr: "repository"},
		{name: "negative max points", req: with(func(r *BackupRequest) { r.MaxNumBackupPoints = -1 }), wantErr: "maxNumBackupPoints"},
		{name: "max points without incremental", req: with(func(r *BackupRequest) {
			r.MaxNumBackupPoints = 2
			r.Incremental = ptr(false)
		}), wantErr: "incremental"},
		{name: "all problems reported", req: BackupRequest{}, wantErr: "collection: empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := BackupParams(tt.req)
			checkParams(t, got, err, tt.want, tt.wantErr)
		})
	}
	if _, err := BackupParams(BackupRequest{}); err == nil || !strings.Contains(err.Error(), "async id") || !strings.Contains(err.Error(), "location") {
		t.Fatalf("empty request: want every field named, got %v", err)
	}
}

func TestRestoreParams(t *testing.T) {
	base := RestoreRequest{Collection: "vertex_index_drill", Name: "bk1", Location: "/backups/solr", AsyncID: "r1"}
	with := func(f func(*RestoreRequest)) RestoreRequest { r := base; f(&r); return r }
	tests := []struct {
		name    string
		req     RestoreRequest
		want    url.Values
		wantErr string
	}{
		{name: "minimal", req: base, want: url.Values{"action": {"RESTORE"}, "name": {"bk1"},
			"collection": {"vertex_index_drill"}, "location": {"/backups/solr"}, "async": {"r1"}}},
		{name: "all options", req: with(func(r *RestoreRequest) {
			r.BackupID = ptr(0)
			r.Repository = "local"
			r.ConfigName = "atlas"
			r.ReplicationFactor = 2
		}), want: url.Values{"action": {"RESTORE"}, "name": {"bk1"}, "collection": {"vertex_index_drill"},
			"location": {"/backups/solr"}, "async": {"r1"}, "backupId": {"0"}, "repository": {"local"},
			"collection.configName": {"atlas"}, "replicationFactor": {"2"}}},
		{name: "negative backup id", req: with(func(r *RestoreRequest) { r.BackupID = ptr(-1) }), wantErr: "backupId"},
		{name: "bad config name", req: with(func(r *RestoreRequest) { r.ConfigName = "a/b" }), wantErr: "configName"},
		{name: "bad collection", req: with(func(r *RestoreRequest) { r.Collection = "x;y" }), wantErr: "collection"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RestoreParams(tt.req)
			checkParams(t, got, err, tt.want, tt.wantErr)
		})
	}
}

func TestSmallParams(t *testing.T) {
	tests := []struct {
		name    string
		build   func() (url.Values, error)
		want    url.Values
		wantErr string
	}{
		{name: "requeststatus", build: func() (url.Values, error) { return RequestStatusParams("id-1") },
			want: url.Values{"action": {"REQUESTSTATUS"}, "requestid": {"id-1"}}},
		{name: "requeststatus bad id", build: func() (url.Values, error) { return RequestStatusParams("a b") }, wantErr: "async id"},
		{name: "deletestatus", build: func() (url.Values, error) { return DeleteStatusParams("id-1") },
			want: url.Values{"action": {"DELETESTATUS"}, "requestid": {"id-1"}}},
		{name: "deletestatus empty id is not flush", build: func() (url.Values, error) { return DeleteStatusParams("") }, wantErr: "async id"},
		{name: "clusterstatus all", build: func() (url.Values, error) { return ClusterStatusParams("") },
			want: url.Values{"action": {"CLUSTERSTATUS"}}},
		{name: "clusterstatus one", build: func() (url.Values, error) { return ClusterStatusParams("edge_index") },
			want: url.Values{"action": {"CLUSTERSTATUS"}, "collection": {"edge_index"}}},
		{name: "clusterstatus bad", build: func() (url.Values, error) { return ClusterStatusParams("a/b") }, wantErr: "collection"},
		{name: "list", build: func() (url.Values, error) { return ListCollectionsParams(), nil }, want: url.Values{"action": {"LIST"}}},
		{name: "delete", build: func() (url.Values, error) { return DeleteCollectionParams("x") },
			want: url.Values{"action": {"DELETE"}, "name": {"x"}}},
		{name: "listbackup", build: func() (url.Values, error) { return ListBackupParams("bk1", "/b", "") },
			want: url.Values{"action": {"LISTBACKUP"}, "name": {"bk1"}, "location": {"/b"}}},
		{name: "count all", build: func() (url.Values, error) { return CountParams("") },
			want: url.Values{"q": {"*:*"}, "rows": {"0"}}},
		{name: "count shard", build: func() (url.Values, error) { return CountParams("shard1") },
			want: url.Values{"q": {"*:*"}, "rows": {"0"}, "shards": {"shard1"}}},
		{name: "count bad shard", build: func() (url.Values, error) { return CountParams("shard1,shard2") }, wantErr: "shard"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.build()
			checkParams(t, got, err, tt.want, tt.wantErr)
		})
	}
}

func checkParams(t *testing.T, got url.Values, err error, want url.Values, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("err = %v, want one containing %q", err, wantErr)
		}
		if got != nil {
			t.Fatalf("params built despite the error: %v", got)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if got.Encode() != want.Encode() {
		t.Fatalf("params\n got %s\nwant %s", got.Encode(), want.Encode())
	}
}
