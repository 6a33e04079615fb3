package hbase

import (
	"strings"
	"testing"
)

// Whatever the inputs, an argv ExportArgv or ImportArgv builds is one word per input:
// the program first, the table and folder as given (a local folder as file:///path), no word with a NUL or line break,
// no input word taken as an option.
func FuzzExportImportArgv(f *testing.F) {
	f.Add("hbase", "atlas_janus", "hdfs://nn:8020/backup/x", 3, int64(0), int64(0))
	f.Add("/usr/bin/hbase", "ns:t", "/tmp/x", 0, int64(10), int64(20))
	f.Add("-rf", "--help", "/tmp/$(id)", -1, int64(-5), int64(0))
	f.Add("hbase", "t;id", "s3://b/x y", 1, int64(0), int64(0))
	f.Fuzz(func(t *testing.T, bin, table, dir string, versions int, start, end int64) {
		argv, err := ExportArgv(bin, ExportOptions{Table: table, OutDir: dir, Versions: versions, StartTime: start, EndTime: end})
		if err == nil {
			checkFuzzArgv(t, argv, bin)
			i := indexOf(argv, table)
			if i < 0 || i+1 >= len(argv) || argv[i+1] != HadoopPath(dir) {
				t.Fatalf("export argv %q lacks table %q then dir %q", argv, table, dir)
			}
			if ValidateTable(table) != nil || ValidatePath(dir) != nil || ValidateProgram(bin) != nil {
				t.Fatalf("export argv built from values the rules refuse: %q", argv)
			}
		}
		argv, err = ImportArgv(bin, table, dir)
		if err == nil {
			checkFuzzArgv(t, argv, bin)
			if argv[len(argv)-2] != table || argv[len(argv)-1] != HadoopPath(dir) {
				t.Fatalf("import argv %q", argv)
			}
		}
	})
}

func checkFuzzArgv(t *testing.T, argv []string, bin string) {
	t.Helper()
	if len(argv) == 0 || argv[0] != bin {
		t.Fatalf("argv %q does not start with %q", argv, bin)
	}
	for i, w := range argv {
		if w == "" || strings.ContainsAny(w, "\x00\n\r") {
			t.Fatalf("argv[%d] %q", i, w)
		}
		if i > 0 && strings.HasPrefix(w, "-") && !strings.HasPrefix(w, "-D") {
			t.Fatalf("argv[%d] %q is option-like", i, w)
		}
	}
}

func indexOf(l []string, s string) int {
	for i, x := range l {
		if x == s && i > 0 {
			return i
		}
	}
	return -1
}
