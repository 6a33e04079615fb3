package solr

import (
	"strings"
	"testing"
)

func TestValidateCollection(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{name: "atlas vertex", in: "vertex_index"},
		{name: "dots and dashes", in: "a.b-c_9"},
		{name: "max length", in: strings.Repeat("a", MaxNameLen)},
		{name: "empty", in: "", wantErr: true},
		{name: "too long", in: strings.Repeat("a", MaxNameLen+1), wantErr: true},
		{name: "leading dash", in: "-x", wantErr: true},
		{name: "space", in: "a b", wantErr: true},
		{name: "slash", in: "a/b", wantErr: true},
		{name: "dot dot", in: "a..b", wantErr: true},
		{name: "only dot dot", in: "..", wantErr: true},
		{name: "newline", in: "a\nb", wantErr: true},
		{name: "semicolon", in: "a;rm", wantErr: true},
		{name: "dollar", in: "$(x)", wantErr: true},
		{name: "backquote", in: "a`b`", wantErr: true},
		{name: "ampersand", in: "a&b=c", wantErr: true},
		{name: "unicode letter", in: "vértex", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateCollection(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ValidateCollection(%q) = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "collection") {
				t.Fatalf("error %q does not name the field", err)
			}
		})
	}
}

func TestValidateBackupName(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{name: "backup id", in: "20260101T000000Z-prod"},
		{name: "leading dot", in: ".hidden", wantErr: true},
		{name: "slash", in: "a/b", wantErr: true},
		{name: "dot dot", in: "..", wantErr: true},
		{name: "empty", in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := ValidateBackupName(tt.in); (err != nil) != tt.wantErr {
				t.Fatalf("ValidateBackupName(%q) = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestValidateLocation(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{name: "absolute path", in: "/opt/solr_backups"},
		{name: "s3 uri", in: "s3://bucket/prefix"},
		{name: "hdfs uri", in: "hdfs://nn:8020/backups"},
		{name: "file uri", in: "file:///opt/b"},
		{name: "relative", in: "backups", wantErr: true},
		{name: "dot dot", in: "/opt/../etc", wantErr: true},
		{name: "newline", in: "/opt/b\n", wantErr: true},
		{name: "nul", in: "/opt/\x00b", wantErr: true},
		{name: "trailing space", in: "/opt/b ", wantErr: true},
		{name: "empty", in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := ValidateLocation(tt.in); (err != nil) != tt.wantErr {
				t.Fatalf("ValidateLocation(%q) = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestAsyncID(t *testing.T) {
	tests := []struct {
		name       string
		backupID   string
		collection string
		prefix     string
	}{
		{name: "plain", backupID: "20260101T000000Z", collection: "vertex_index", prefix: "20260101T000000Z-vertex_index-"},
		{name: "odd characters", backupID: "prod/2026 01:01", collection: "edge_index", prefix: "prod_2026_01_01-edge_index-"},
		{name: "leading dash", backupID: "-x", collection: "c", prefix: "_x-c-"},
		{name: "empty backup id", backupID: "", collection: "c", prefix: "x-c-"},
		{name: "long", backupID: strings.Repeat("b", 200), collection: strings.Repeat("c", 200), prefix: strings.Repeat("b", 32) + "-" + strings.Repeat("c", 26) + "-"},
	}
	seen := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := AsyncID(tt.backupID, tt.collection)
			if id != AsyncID(tt.backupID, tt.collection) {
				t.Fatal("not deterministic")
			}
			if !strings.HasPrefix(id, tt.prefix) || len(id) != len(tt.prefix)+10 {
				t.Fatalf("AsyncID = %q, want prefix %q and a 10-character hash", id, tt.prefix)
			}
			if err := ValidateAsyncID(id); err != nil {
				t.Fatalf("AsyncID %q invalid: %v", id, err)
			}
			if len(id) > 71 {
				t.Fatalf("AsyncID %q too long", id)
			}
			if prev, dup := seen[id]; dup {
				t.Fatalf("same id for %s and %s", prev, tt.name)
			}
			seen[id] = tt.name
		})
	}
	// Inputs that sanitize or shorten to the same readable part still differ.
	pairs := [][2][2]string{
		{{"a/b", "c"}, {"a_b", "c"}},
		{{"b", "vertex_index"}, {"b", "edge_index"}},
		{{strings.Repeat("x", 40) + "1", "c"}, {strings.Repeat("x", 40) + "2", "c"}},
		{{"a", "b-c"}, {"a-b", "c"}},
	}
	for _, p := range pairs {
		if AsyncID(p[0][0], p[0][1]) == AsyncID(p[1][0], p[1][1]) {
			t.Errorf("AsyncID(%q,%q) == AsyncID(%q,%q)", p[0][0], p[0][1], p[1][0], p[1][1])
		}
	}
}

func TestLocationAllowed(t *testing.T) {
	allowed := []string{"/var/solr/data", "/backups/solr/"}
	tests := []struct {
		name     string
		location string
		allowed  []string
		want     bool
	}{
		{name: "under allowPaths entry", location: "/backups/solr/atlas", allowed: allowed, want: true},
		{name: "equal to entry", location: "/backups/solr", allowed: allowed, want: true},
		{name: "sibling with common prefix", location: "/backups/solrx", allowed: allowed, want: false},
		{name: "outside", location: "/tmp/x", allowed: allowed, want: false},
		{name: "solr home", location: "/var/solr/data/backups", allowed: allowed, want: true},
		{name: "traversal", location: "/backups/solr/../../etc", allowed: allowed, want: false},
		{name: "wildcard", location: "/anything", allowed: []string{"*"}, want: true},
		{name: "_ALL_", location: "/anything", allowed: []string{"_ALL_"}, want: true},
		{name: "file uri", location: "file:///backups/solr/x", allowed: allowed, want: true},
		{name: "file uri outside", location: "file:///tmp/x", allowed: allowed, want: false},
		{name: "s3 not a local path", location: "s3://bucket/x", allowed: allowed, want: true},
		{name: "relative", location: "rel/x", allowed: allowed, want: true},
		{name: "nothing allowed", location: "/x", allowed: nil, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LocationAllowed(tt.location, tt.allowed); got != tt.want {
				t.Fatalf("LocationAllowed(%q, %v) = %v, want %v", tt.location, tt.allowed, got, tt.want)
			}
		})
	}
}
