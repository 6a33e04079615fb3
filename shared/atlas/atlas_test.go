package atlas

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseProperties(t *testing.T) {
	in := `# comment
! also a comment
atlas.graph.storage.hbase.table=atlas_janus
atlas.audit.hbase.tablename : AUDIT_T
key\ with\ space = v1
multi=one,\
   two
spaced    value here
empty=
`
	got, err := ParseProperties(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"atlas.graph.storage.hbase.table": "atlas_janus",
		"atlas.audit.hbase.tablename":     "AUDIT_T",
		"key with space":                  "v1",
		"multi":                           "one,two",
		"spaced":                          "value here",
		"empty":                           "",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%q = %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d keys, want %d: %v", len(got), len(want), got)
	}
}

func TestTablesForVersion(t *testing.T) {
	tests := []struct {
		name, version, want string
		wantErr             bool
	}{
		{name: "hdp2 atlas 0.8", version: "0.8.0.2.6.5.0-292", want: TableTitan},
		{name: "atlas 1.0", version: "1.0.0", want: TableJanus},
		{name: "hdp3 atlas 1.1", version: "1.1.0.3.1.4.0-315", want: TableJanus},
		{name: "cdp atlas 2.1", version: "2.1.0.7.1.7.0-551", want: TableJanus},
		{name: "garbage", version: "latest", wantErr: true},
		{name: "empty", version: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := TablesForVersion(tt.version)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if !tt.wantErr && (got.Graph != tt.want || got.Audit != TableAudit) {
				t.Fatalf("got %+v", got)
			}
		})
	}
}

func TestTablesFromConfDir(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := TablesFromConfDir(dir); err == nil {
		t.Fatal("missing file: want error")
	}
	os.WriteFile(filepath.Join(dir, PropertiesFile), []byte("atlas.audit.hbase.tablename=A\n"), 0o644)
	if tb, ok, err := TablesFromConfDir(dir); err != nil || ok || tb.Audit != "A" {
		t.Fatalf("no graph property: got %+v ok=%v err=%v", tb, ok, err)
	}
	os.WriteFile(filepath.Join(dir, PropertiesFile), []byte("atlas.graph.storage.hbase.table=g1\n"), 0o644)
	if tb, ok, err := TablesFromConfDir(dir); err != nil || !ok || tb.Graph != "g1" || tb.Audit != TableAudit {
		t.Fatalf("got %+v ok=%v err=%v", tb, ok, err)
	}
}
