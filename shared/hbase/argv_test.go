package hbase

import (
	"reflect"
	"strings"
	"testing"
)

func TestExportArgv(t *testing.T) {
	const E = ExportClass
	tests := []struct {
		name    string
		bin     string
		o       ExportOptions
		want    []string
		wantErr string
	}{
		{"seed procedure", "hbase", ExportOptions{Table: "atlas_janus", OutDir: "/backup/atlas_janus"},
			[]string{"hbase", E, "atlas_janus", "file:///backup/atlas_janus"}, ""},
		{"versions", "/usr/bin/hbase", ExportOptions{Table: "ATLAS_ENTITY_AUDIT_EVENTS", OutDir: "hdfs:///b/a", Versions: 5},
			[]string{"/usr/bin/hbase", E, "ATLAS_ENTITY_AUDIT_EVENTS", "hdfs:///b/a", "5"}, ""},
		{"versions start end", "hbase", ExportOptions{Table: "t", OutDir: "/o", Versions: 3, StartTime: 1700000000000, EndTime: 1700000100000},
			[]string{"hbase", E, "t", "file:///o", "3", "1700000000000", "1700000100000"}, ""},
		{"start only fills versions", "hbase", ExportOptions{Table: "t", OutDir: "/o", StartTime: 1700000000000},
			[]string{"hbase", E, "t", "file:///o", "1", "1700000000000"}, ""},
		{"end only fills versions and start", "hbase", ExportOptions{Table: "t", OutDir: "/o", EndTime: 1700000000000},
			[]string{"hbase", E, "t", "file:///o", "1", "0", "1700000000000"}, ""},
		{"compress default codec", "hbase", ExportOptions{Table: "t", OutDir: "s3://b/p", Compress: true},
			[]string{"hbase", E, "-Dmapreduce.output.fileoutputformat.compress=true",
				"-Dmapreduce.output.fileoutputformat.compress.codec=org.apache.hadoop.io.compress.DefaultCodec", "t", "s3://b/p"}, ""},
		{"compress snappy block", "hbase", ExportOptions{Table: "t", OutDir: "/o", Compress: true, CompressionCodec: "org.apache.hadoop.io.compress.SnappyCodec", CompressionType: "BLOCK"},
			[]string{"hbase", E, "-Dmapreduce.output.fileoutputformat.compress=true",
				"-Dmapreduce.output.fileoutputformat.compress.codec=org.apache.hadoop.io.compress.SnappyCodec",
				"-Dmapreduce.output.fileoutputformat.compress.type=BLOCK", "t", "file:///o"}, ""},
		{"properties sorted after compression", "hbase", ExportOptions{Table: "t", OutDir: "/o", Versions: 2, Compress: true,
			Properties: map[string]string{"mapreduce.job.queuename": "backup", "hbase.export.scanner.batch": "100"}},
			[]string{"hbase", E, "-Dmapreduce.output.fileoutputformat.compress=true",
				"-Dmapreduce.output.fileoutputformat.compress.codec=org.apache.hadoop.io.compress.DefaultCodec",
				"-Dhbase.export.scanner.batch=100", "-Dmapreduce.job.queuename=backup", "t", "file:///o", "2"}, ""},
		{"property value injection", "hbase", ExportOptions{Table: "t", OutDir: "/o", Properties: map[string]string{"a": "x y"}}, nil, "property a value"},
		{"property key option", "hbase", ExportOptions{Table: "t", OutDir: "/o", Properties: map[string]string{"-x": "1"}}, nil, "property"},
		{"property overrides compression", "hbase", ExportOptions{Table: "t", OutDir: "/o", Properties: map[string]string{"mapreduce.output.fileoutputformat.compress": "true"}}, nil, "own fields"},
		{"bad table", "hbase", ExportOptions{Table: "-Dx=1", OutDir: "/o"}, nil, "table name"},
		{"bad outdir", "hbase", ExportOptions{Table: "t", OutDir: "/o/../etc"}, nil, "out dir"},
		{"relative outdir", "hbase", ExportOptions{Table: "t", OutDir: "o"}, nil, "out dir"},
		{"negative versions", "hbase", ExportOptions{Table: "t", OutDir: "/o", Versions: -1}, nil, "versions"},
		{"end before start", "hbase", ExportOptions{Table: "t", OutDir: "/o", StartTime: 10, EndTime: 5}, nil, "end time"},
		{"negative start", "hbase", ExportOptions{Table: "t", OutDir: "/o", StartTime: -1}, nil, ">= 0"},
		{"codec injection", "hbase", ExportOptions{Table: "t", OutDir: "/o", Compress: true, CompressionCodec: "x -Dfoo=bar"}, nil, "Java class name"},
		{"codec without compress", "hbase", ExportOptions{Table: "t", OutDir: "/o", CompressionCodec: "org.apache.hadoop.io.compress.GzipCodec"}, nil, "without compress"},
		{"bad compression type", "hbase", ExportOptions{Table: "t", OutDir: "/o", Compress: true, CompressionType: "NONE"}, nil, "RECORD or BLOCK"},
		{"bad bin", "hbase;id", ExportOptions{Table: "t", OutDir: "/o"}, nil, "program"},
		{"option as bin", "-x", ExportOptions{Table: "t", OutDir: "/o"}, nil, "program"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ExportArgv(tt.bin, tt.o)
			checkArgv(t, got, err, tt.want, tt.wantErr)
		})
	}
}

func checkArgv(t *testing.T, got []string, err error, want []string, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("error %v, want one containing %q (argv %q)", err, wantErr, got)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("argv\n got %q\nwant %q", got, want)
	}
}

func TestToolArgv(t *testing.T) {
	tests := []struct {
		name    string
		build   func() ([]string, error)
		want    []string
		wantErr string
	}{
		{"import", func() ([]string, error) { return ImportArgv("hbase", "atlas_janus_drill", "hdfs:///b/atlas_janus") },
			[]string{"hbase", ImportClass, "atlas_janus_drill", "hdfs:///b/atlas_janus"}, ""},
		{"import bad table", func() ([]string, error) { return ImportArgv("hbase", "a b", "/x") }, nil, "table name"},
		{"import bad dir", func() ([]string, error) { return ImportArgv("hbase", "t", "x") }, nil, "input dir"},
		{"kinit", func() ([]string, error) {
			return KinitArgv("hbase-cluster1@EXAMPLE.COM", "/etc/security/keytabs/hbase.headless.keytab")
		}, []string{"kinit", "-kt", "/etc/security/keytabs/hbase.headless.keytab", "hbase-cluster1@EXAMPLE.COM"}, ""},
		{"kinit service principal", func() ([]string, error) {
			return KinitArgv("hbase/host1.example.com@EXAMPLE.COM", "/k/hbase.service.keytab")
		},
			[]string{"kinit", "-kt", "/k/hbase.service.keytab", "hbase/host1.example.com@EXAMPLE.COM"}, ""},
		{"kinit no realm", func() ([]string, error) { return KinitArgv("hbase", "/k/h.keytab") }, []string{"kinit", "-kt", "/k/h.keytab", "hbase"}, ""},
		{"kinit option principal", func() ([]string, error) { return KinitArgv("-V", "/k/h.keytab") }, nil, "principal"},
		{"kinit injected principal", func() ([]string, error) { return KinitArgv("a@B; id", "/k/h.keytab") }, nil, "principal"},
		{"kinit relative keytab", func() ([]string, error) { return KinitArgv("hbase", "h.keytab") }, nil, "keytab"},
		{"kinit hdfs keytab", func() ([]string, error) { return KinitArgv("hbase", "hdfs:///k") }, nil, "keytab"},
		{"mkdir", func() ([]string, error) { return HDFSMkdirArgv("hdfs", "/backup/b1") }, []string{"hdfs", "dfs", "-mkdir", "-p", "/backup/b1"}, ""},
		{"mkdir bad", func() ([]string, error) { return HDFSMkdirArgv("hdfs", "/backup/$(id)") }, nil, "hdfs mkdir"},
		{"chown", func() ([]string, error) { return HDFSChownArgv("hdfs", "hdfs:///backup/b1", "hbase") }, []string{"hdfs", "dfs", "-chown", "hbase", "hdfs:///backup/b1"}, ""},
		{"chown group", func() ([]string, error) { return HDFSChownArgv("hdfs", "/backup/b1", "hbase:hadoop") }, []string{"hdfs", "dfs", "-chown", "hbase:hadoop", "/backup/b1"}, ""},
		{"chown option owner", func() ([]string, error) { return HDFSChownArgv("hdfs", "/b", "-R") }, nil, "owner"},
		{"chown bad owner", func() ([]string, error) { return HDFSChownArgv("hdfs", "/b", "hbase hbase") }, nil, "owner"},
		{"distcp", func() ([]string, error) { return DistCpArgv("hadoop", "hdfs:///backup/b1", "s3a://bkt/p/b1") }, []string{"hadoop", "distcp", "hdfs:///backup/b1", "s3a://bkt/p/b1"}, ""},
		{"distcp launcher path", func() ([]string, error) { return DistCpArgv("/opt/hadoop/bin/hadoop", "hdfs:///b", "s3a://bkt/p") }, []string{"/opt/hadoop/bin/hadoop", "distcp", "hdfs:///b", "s3a://bkt/p"}, ""},
		{"distcp option launcher", func() ([]string, error) { return DistCpArgv("-x", "hdfs:///b", "s3a://bkt/p") }, nil, "distcp argv"},
		{"rm option launcher", func() ([]string, error) { return HDFSRemoveArgv("--config", "hdfs:///b") }, nil, "hdfs rm argv"},
		{"distcp bad dst", func() ([]string, error) { return DistCpArgv("hadoop", "/a", "s3a://bkt/p q") }, nil, "dst"},
		{"s3-dist-cp", func() ([]string, error) { return S3DistCpArgv("hdfs:///backup/b1", "s3://bkt/p/b1") },
			[]string{"s3-dist-cp", "--src=hdfs:///backup/b1", "--dest=s3://bkt/p/b1"}, ""},
		{"s3-dist-cp bad src", func() ([]string, error) { return S3DistCpArgv("--help", "s3://b/p") }, nil, "src"},
		{"shell script file", func() ([]string, error) { return ShellScriptArgv("hbase", "/tmp/atlas-backup/describe.rb") },
			[]string{"hbase", "shell", "-n", "/tmp/atlas-backup/describe.rb"}, ""},
		{"shell script relative", func() ([]string, error) { return ShellScriptArgv("hbase", "describe.rb") }, nil, "absolute"},
		{"shell", func() ([]string, error) { return ShellArgv("/usr/hdp/current/hbase-client/bin/hbase"), nil },
			[]string{"/usr/hdp/current/hbase-client/bin/hbase", "shell", "-n"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.build()
			checkArgv(t, got, err, tt.want, tt.wantErr)
		})
	}
}

func TestRowCounterArgv(t *testing.T) {
	tests := []struct {
		name       string
		start, end int64
		want       []string
		wantErr    bool
	}{
		{name: "no window", want: []string{"hbase", RowCounterClass, "atlas_janus"}},
		{name: "µs window", end: 1764650000000000, want: []string{"hbase", RowCounterClass, "atlas_janus", "--starttime=0", "--endtime=1764650000000000"}},
		{name: "start without end", start: 5, wantErr: true},
		{name: "end before start", start: 10, end: 5, wantErr: true},
		{name: "negative", start: -1, end: 5, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RowCounterArgv("hbase", "atlas_janus", tt.start, tt.end)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if !tt.wantErr && strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Fatalf("got %q", got)
			}
		})
	}
	if _, err := RowCounterArgv("hbase", "bad name!", 0, 0); err == nil {
		t.Fatal("bad table: want error")
	}
}
