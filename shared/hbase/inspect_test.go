package hbase

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseList(t *testing.T) {
	tests := []struct {
		name string
		out  string
		want []string
		err  string
	}{
		{"irb", "hbase:001:0> list\nTABLE\nATLAS_ENTITY_AUDIT_EVENTS\natlas_janus\n2 row(s)\nTook 0.0628 seconds\n=> [\"ATLAS_ENTITY_AUDIT_EVENTS\", \"atlas_janus\"]\n",
			[]string{"ATLAS_ENTITY_AUDIT_EVENTS", "atlas_janus"}, ""},
		{"prompt glued", "hbase:001:0> TABLE\nns:t1\n1 row(s)\nTook 0.01 seconds\n", []string{"ns:t1"}, ""},
		{"plain, none", "TABLE\n0 row(s)\nTook 0.01 seconds\n\n", []string{}, ""},
		{"count mismatch", "TABLE\na\n2 row(s)\n", nil, "1 names"},
		{"error", "hbase:001:0> list\nTook 20.4 secondsERROR Java::OrgApacheHadoopHbase::DoNotRetryIOException: Zookeeper LIST could not be completed\n", nil, "Zookeeper"},
		{"cut off", "TABLE\na\n", nil, "no \"N row(s)\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseList(tt.out)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestCount(t *testing.T) {
	s, err := CountScript("atlas_janus")
	if err != nil || s != "count 'atlas_janus', INTERVAL => 100000000, CACHE => 1000\n" {
		t.Fatalf("script %q, %v", s, err)
	}
	if _, err := CountScript("a'; system('id')"); err == nil {
		t.Fatal("hostile table accepted")
	}
	tests := []struct {
		name string
		out  string
		want int64
		err  string
	}{
		{"irb", "hbase:001:0> count 'ATLAS_ENTITY_AUDIT_EVENTS', INTERVAL => 100000000, CACHE => 1000\n2500 row(s)\nTook 0.9853 seconds\n=> 2500\n", 2500, ""},
		{"progress lines", "Current count: 4000, row: r?E\\xB4\nCurrent count: 8000, row: x\n9000 row(s)\nTook 2.5 seconds\n", 9000, ""},
		{"empty", "0 row(s)\nTook 0.1 seconds\n=> 0\n", 0, ""},
		{"unknown table", "Took 0.5800 secondsERROR RuntimeError: Unknown table nope!\n", 0, "Unknown table"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCount(tt.out)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}
