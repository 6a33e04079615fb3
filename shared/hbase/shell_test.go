package hbase

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestSimpleScripts(t *testing.T) {
	tests := []struct {
		name    string
		build   func(string) (string, error)
		table   string
		want    string
		wantErr bool
	}{
		{"describe", DescribeScript, "atlas_janus", "describe 'atlas_janus'\n", false},
		{"describe namespace", DescribeScript, "atlas:janus", "describe 'atlas:janus'\n", false},
		{"exists", ExistsScript, "ATLAS_ENTITY_AUDIT_EVENTS", "exists 'ATLAS_ENTITY_AUDIT_EVENTS'\n", false},
		{"drop", DisableDropScript, "atlas_janus_drill", "disable 'atlas_janus_drill'\ndrop 'atlas_janus_drill'\n", false},
		{"truncate", TruncateScript, "t", "truncate 't'\n", false},
		{"describe injection", DescribeScript, "t'; system('id'); '", "", true},
		{"exists newline", ExistsScript, "t\ndrop 'x'", "", true},
		{"drop interpolation", DisableDropScript, "#{`id`}", "", true},
		{"truncate empty", TruncateScript, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.build(tt.table)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCreateScript(t *testing.T) {
	tests := []struct {
		name    string
		schema  Schema
		table   string
		want    string
		wantErr string
	}{
		{
			name: "as described by 2.x",
			schema: Schema{Table: "atlas_janus", Families: []Family{
				{Name: "e", Attributes: map[string]string{"VERSIONS": "1", "TTL": "FOREVER", "BLOCKSIZE": "65536 B (64KB)", "BLOOMFILTER": "ROW", "IN_MEMORY": "false", "COMPRESSION": "NONE"}},
				{Name: "g", Attributes: map[string]string{"VERSIONS": "3", "TTL": "315360000 SECONDS (3650 DAYS)", "MIN_VERSIONS": "0"}, Metadata: map[string]string{"atlas.fixture": "yes"}},
			}},
			table: "atlas_janus_drill",
			want: "create 'atlas_janus_drill', " +
				"{NAME => 'e', BLOCKSIZE => 65536, BLOOMFILTER => 'ROW', COMPRESSION => 'NONE', IN_MEMORY => 'false', VERSIONS => 1}, " +
				"{NAME => 'g', MIN_VERSIONS => 0, TTL => 315360000, VERSIONS => 3, METADATA => {'atlas.fixture' => 'yes'}}\n",
		},
		{
			name:   "1.x values and configuration",
			schema: Schema{Families: []Family{{Name: "dt", Attributes: map[string]string{"BLOCKSIZE": "65536", "COMPRESSION": "GZ"}, Configuration: map[string]string{"hbase.hstore.blockingStoreFiles": "20"}}}},
			table:  "ns:audit",
			want:   "create 'ns:audit', {NAME => 'dt', BLOCKSIZE => 65536, COMPRESSION => 'GZ', CONFIGURATION => {'hbase.hstore.blockingStoreFiles' => '20'}}\n",
		},
		{name: "no families", schema: Schema{}, table: "t", wantErr: "no column families"},
		{name: "bad target", schema: Schema{Families: []Family{{Name: "e"}}}, table: "t t", wantErr: "table name"},
		{name: "bad family", schema: Schema{Families: []Family{{Name: "e'"}}}, table: "t", wantErr: "column family"},
		{name: "duplicate family", schema: Schema{Families: []Family{{Name: "e"}, {Name: "e"}}}, table: "t", wantErr: "twice"},
		{name: "quote in value", schema: Schema{Families: []Family{{Name: "e", Attributes: map[string]string{"COMPRESSION": "x', X => 'y"}}}}, table: "t", wantErr: "value"},
		{name: "interpolation in value", schema: Schema{Families: []Family{{Name: "e", Attributes: map[string]string{"COMPRESSION": "#{`id`}"}}}}, table: "t", wantErr: "value"},
		{name: "backslash in value", schema: Schema{Families: []Family{{Name: "e", Attributes: map[string]string{"COMPRESSION": `a\`}}}}, table: "t", wantErr: "value"},
		{name: "lower-case key", schema: Schema{Families: []Family{{Name: "e", Attributes: map[string]string{"versions": "1"}}}}, table: "t", wantErr: "attribute"},
		{name: "non-numeric versions", schema: Schema{Families: []Family{{Name: "e", Attributes: map[string]string{"VERSIONS": "all"}}}}, table: "t", wantErr: "number"},
		{name: "metadata key", schema: Schema{Families: []Family{{Name: "e", Metadata: map[string]string{"a b": "c"}}}}, table: "t", wantErr: "METADATA key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CreateScript(tt.schema, tt.table)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestCreateScriptFromRealDescribe: the schema parsed from real describe output renders
// a create statement with the same families and settings.
func TestCreateScriptFromRealDescribe(t *testing.T) {
	b, err := os.ReadFile("testdata/describe_2x_irb.txt")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseDescribe(string(b))
	if err != nil {
		t.Fatal(err)
	}
	got, err := CreateScript(s, "atlas_fixture_rdr1_copy")
	if err != nil {
		t.Fatal(err)
	}
	want := "create 'atlas_fixture_rdr1_copy', " +
		"{NAME => 'e', BLOCKCACHE => 'true', BLOCKSIZE => 65536, BLOOMFILTER => 'ROW', COMPRESSION => 'NONE', DATA_BLOCK_ENCODING => 'NONE', INDEX_BLOCK_ENCODING => 'NONE', IN_MEMORY => 'false', KEEP_DELETED_CELLS => 'FALSE', MIN_VERSIONS => 0, REPLICATION_SCOPE => 0, VERSIONS => 1}, " +
		"{NAME => 'g', BLOCKCACHE => 'true', BLOCKSIZE => 32768, BLOOMFILTER => 'ROWCOL', COMPRESSION => 'NONE', DATA_BLOCK_ENCODING => 'NONE', INDEX_BLOCK_ENCODING => 'NONE', IN_MEMORY => 'true', KEEP_DELETED_CELLS => 'FALSE', MIN_VERSIONS => 0, REPLICATION_SCOPE => 0, TTL => 315360000, VERSIONS => 3, METADATA => {'atlas.fixture' => 'yes'}}\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestParseExists(t *testing.T) {
	b, err := os.ReadFile("testdata/exists_irb.txt")
	if err != nil {
		t.Fatal(err)
	}
	// the fixture holds two answers: exists, then does not exist
	parts := strings.SplitN(string(b), "hbase:002:0>", 2)
	if len(parts) != 2 {
		t.Fatalf("fixture shape: %q", b)
	}
	tests := []struct {
		name    string
		out     string
		want    bool
		wantErr bool
	}{
		{"real exists", parts[0], true, false},
		{"real not exists", parts[1], false, false},
		{"plain style", "Table t does exist\nTook 0.0020 seconds\ntrue\n", true, false},
		{"1.x", "Table t does not exist\n0 row(s) in 0.0100 seconds\n", false, false},
		{"garbage", "ERROR: something\n", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseExists(tt.out)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParseExists = %v, %v; want %v, err %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestParseDescribe(t *testing.T) {
	e2 := Family{Name: "e", Attributes: map[string]string{"INDEX_BLOCK_ENCODING": "NONE", "VERSIONS": "1", "KEEP_DELETED_CELLS": "FALSE",
		"DATA_BLOCK_ENCODING": "NONE", "TTL": "FOREVER", "MIN_VERSIONS": "0", "REPLICATION_SCOPE": "0", "BLOOMFILTER": "ROW",
		"IN_MEMORY": "false", "COMPRESSION": "NONE", "BLOCKCACHE": "true", "BLOCKSIZE": "65536 B (64KB)"}}
	g2 := Family{Name: "g", Attributes: map[string]string{"INDEX_BLOCK_ENCODING": "NONE", "VERSIONS": "3", "KEEP_DELETED_CELLS": "FALSE",
		"DATA_BLOCK_ENCODING": "NONE", "TTL": "315360000 SECONDS (3650 DAYS)", "MIN_VERSIONS": "0", "REPLICATION_SCOPE": "0", "BLOOMFILTER": "ROWCOL",
		"IN_MEMORY": "true", "COMPRESSION": "NONE", "BLOCKCACHE": "true", "BLOCKSIZE": "32768 B (32KB)"},
		Metadata: map[string]string{"atlas.fixture": "yes"}}
	rdr1 := Schema{Table: "atlas_fixture_rdr1", Families: []Family{e2, g2}}
	titan := Schema{Table: "atlas_titan", Families: []Family{
		{Name: "e", Attributes: map[string]string{"BLOOMFILTER": "ROW", "VERSIONS": "1", "IN_MEMORY": "false", "KEEP_DELETED_CELLS": "FALSE",
			"DATA_BLOCK_ENCODING": "NONE", "TTL": "FOREVER", "COMPRESSION": "GZ", "MIN_VERSIONS": "0", "BLOCKCACHE": "true", "BLOCKSIZE": "65536", "REPLICATION_SCOPE": "0"}},
		{Name: "s", Attributes: map[string]string{"BLOOMFILTER": "ROW", "VERSIONS": "1", "IN_MEMORY": "false", "KEEP_DELETED_CELLS": "FALSE",
			"DATA_BLOCK_ENCODING": "NONE", "TTL": "2592000 SECONDS (30 DAYS)", "COMPRESSION": "GZ", "MIN_VERSIONS": "0", "BLOCKCACHE": "true", "BLOCKSIZE": "65536", "REPLICATION_SCOPE": "0"},
			Metadata: map[string]string{"ENCODE_ON_DISK": "true"}},
	}}
	tests := []struct {
		name    string
		file    string
		text    string
		want    Schema
		wantErr string
	}{
		{name: "2.x irb style (real)", file: "testdata/describe_2x_irb.txt", want: rdr1},
		{name: "2.x plain style (real)", file: "testdata/describe_2x_plain.txt", want: rdr1},
		{name: "2.x prompt glued to output (real)", file: "testdata/describe_2x_prompt.txt", want: rdr1},
		{name: "1.x", file: "testdata/describe_1x.txt", want: titan},
		{name: "wrapped family line", text: "Table t is DISABLED\nt\nCOLUMN FAMILIES DESCRIPTION\n{NAME => 'f', VERSIONS\n => '1'}\n",
			want: Schema{Table: "t", Families: []Family{{Name: "f", Attributes: map[string]string{"VERSIONS": "1"}}}}},
		{name: "missing table (real)", file: "testdata/describe_missing.txt", wantErr: "RuntimeError: Unknown table atlas_fixture_nope!"},
		{name: "no table line", text: "something else\n", wantErr: "no \"Table"},
		{name: "no families", text: "Table t is ENABLED\nt\nCOLUMN FAMILIES DESCRIPTION\n0 row(s)\n", wantErr: "no column family"},
		{name: "broken hash", text: "Table t is ENABLED\n{NAME => 'f', VERSIONS => }\n", wantErr: "parse describe"},
		{name: "unterminated quote", text: "Table t is ENABLED\n{NAME => 'f}\n", wantErr: "parse describe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := tt.text
			if tt.file != "" {
				b, err := os.ReadFile(tt.file)
				if err != nil {
					t.Fatal(err)
				}
				text = string(b)
			}
			got, err := ParseDescribe(text)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestShellError(t *testing.T) {
	missing, err := os.ReadFile("testdata/describe_missing.txt")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		out  string
		want string
	}{
		{"real -n error glued to Took", string(missing), "hbase shell: RuntimeError: Unknown table atlas_fixture_nope!"},
		{"java exception class", "hbase:001:0> disable 'tt'\nTook 0.0580 secondsERROR Java::OrgApacheHadoopHbase::TableNotEnabledException: tt\n",
			"hbase shell: Java::OrgApacheHadoopHbase::TableNotEnabledException: tt"},
		{"interactive form", "\nERROR: Unknown table nope!\n\nFor usage try 'help \"describe\"'\n", "hbase shell: Unknown table nope!"},
		{"no error", "Table t does exist\nTook 0.01 seconds\n=> true\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ShellError(tt.out)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("ShellError = %q, want %q", got, tt.want)
			}
		})
	}
}
