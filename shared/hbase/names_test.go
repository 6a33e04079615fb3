package hbase

import (
	"strings"
	"testing"
)

func TestValidateTable(t *testing.T) {
	tests := []struct {
		name  string
		table string
		ok    bool
	}{
		{"janus", "atlas_janus", true},
		{"titan", "atlas_titan", true},
		{"audit", "ATLAS_ENTITY_AUDIT_EVENTS", true},
		{"namespace", "atlas:janus", true},
		{"dots and dashes", "a.b-c_d", true},
		{"max length", strings.Repeat("a", 255), true},
		{"too long", strings.Repeat("a", 256), false},
		{"empty", "", false},
		{"double dot", "a..b", false},
		{"leading dot", ".meta", false},
		{"leading dash", "-Dfoo=bar", false},
		{"space", "atlas janus", false},
		{"slash", "a/b", false},
		{"quote", "a'b", false},
		{"double quote", `a"b`, false},
		{"semicolon", "a;b", false},
		{"dollar", "a$b", false},
		{"backtick", "a`b`", false},
		{"newline", "a\nb", false},
		{"two colons", "a:b:c", false},
		{"empty namespace", ":t", false},
		{"empty qualifier", "ns:", false},
		{"dot in namespace", "a.b:t", false},
		{"leading dash qualifier", "ns:-t", false},
		{"backslash", `a\b`, false},
		{"unicode", "täble", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateTable(tt.table)
			if tt.ok && err != nil {
				t.Fatalf("rejected: %v", err)
			}
			if !tt.ok {
				if err == nil {
					t.Fatal("accepted")
				}
				if !strings.Contains(err.Error(), "must be") {
					t.Errorf("error does not name the rule: %v", err)
				}
			}
		})
	}
}

func TestValidateFamily(t *testing.T) {
	for _, ok := range []string{"e", "dt", "f_1", "a.b", "A-b"} {
		if err := ValidateFamily(ok); err != nil {
			t.Errorf("%q rejected: %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".x", "-x", "a:b", "a b", "a'b", "a..b", strings.Repeat("f", 256), "a\nb"} {
		if err := ValidateFamily(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestValidatePath(t *testing.T) {
	tests := []struct {
		path string
		ok   bool
	}{
		{"hdfs:///backup/b1/atlas_janus", true},
		{"hdfs://nameservice1/apps/hbase/backup", true},
		{"hdfs://name_service-1/apps/hbase/backup", true},
		{"hdfs://nn.example.com:8020/backup/x", true},
		{"s3://my-bucket/prefix/c1/b-2024.01.01/hbase/atlas_janus", true},
		{"s3a://my.bucket/p", true},
		{"/tmp/atlas-backup/export", true},
		{"/backup/dir/", true},
		{"/a/b=c/d+e@f", true},
		{"", false},
		{"/", false},
		{"relative/path", false},
		{"-Dx=y", false},
		{"/a/../etc", false},
		{"/a/..", false},
		{"/a/./b", false},
		{"/a//b", false},
		{"/a/b c", false},
		{"/a/b\nc", false},
		{"/a/$(id)", false},
		{"/a/`id`", false},
		{"/a/b;c", false},
		{"/a/b'c", false},
		{"/a/*", false},
		{"/a/b:c", false},
		{"s3:///nobucket", false},
		{"s3://bucket", false},
		{"hdfs://host:port/x", false},
		{"file:///tmp/x", false},
		{"http://x/y", false},
		{"/a/b..c", false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			err := ValidatePath(tt.path)
			if tt.ok != (err == nil) {
				t.Fatalf("ValidatePath(%q) = %v, want ok=%v", tt.path, err, tt.ok)
			}
		})
	}
}
