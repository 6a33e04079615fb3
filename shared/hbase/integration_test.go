//go:build integration

package hbase

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/runner"
	"github.com/atlas-backup/atlas-backup/shared/stacktest"
)

// stackHBase returns the hbase launcher of the local stack (shared/stacktest).
func stackHBase(t *testing.T) string {
	t.Helper()
	return stacktest.Require(t, "STACK_HBASE_BIN").Get("STACK_HBASE_BIN")
}

type hbaseIT struct {
	t    *testing.T
	bin  string
	dir  string
	r    *runner.Local
	jobs int
}

// run runs steps through runner.Local and returns the final status (fails on FAILED
// unless allowFail).
func (h *hbaseIT) run(allowFail bool, steps ...[]string) runner.Status {
	h.t.Helper()
	h.jobs++
	job := runner.Job{ID: fmt.Sprintf("it-%d", h.jobs)}
	for _, s := range steps {
		job.Steps = append(job.Steps, runner.Step{Argv: s})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	handle, err := h.r.Submit(ctx, job)
	if err != nil {
		h.t.Fatal(err)
	}
	st, err := runner.Wait(ctx, h.r, handle, runner.Backoff{Initial: 200 * time.Millisecond, Max: 2 * time.Second}, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	if st.State != runner.StateSucceeded && !allowFail {
		h.t.Fatalf("job %v: %s\n%s", steps, st.Message, st.Output)
	}
	return st
}

// shell runs a script with `hbase shell -n <file>` and returns its output.
func (h *hbaseIT) shell(allowFail bool, script string) runner.Status {
	h.t.Helper()
	f := filepath.Join(h.dir, fmt.Sprintf("script-%d.rb", h.jobs+1))
	if err := os.WriteFile(f, []byte(script), 0o600); err != nil {
		h.t.Fatal(err)
	}
	argv, err := ShellScriptArgv(h.bin, f)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.run(allowFail, argv)
}

func (h *hbaseIT) script(build func(string) (string, error), table string) string {
	h.t.Helper()
	s, err := build(table)
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

var stackDigestRe = regexp.MustCompile(`table=\S+ rows=(\d+) cells=(\d+)`)

// liveCounts asks the stack's own scanner (stack.hbase.Digest) for rows and cells.
func (h *hbaseIT) liveCounts(table string) (int64, int64) {
	h.t.Helper()
	st := h.run(false, []string{h.bin, "stack.hbase.Digest", table})
	m := stackDigestRe.FindStringSubmatch(st.Output)
	if m == nil {
		h.t.Fatalf("no digest line in %q", st.Output)
	}
	rows, _ := strconv.ParseInt(m[1], 10, 64)
	cells, _ := strconv.ParseInt(m[2], 10, 64)
	return rows, cells
}

// TestIntegrationExportRestoreDrill: create a table, load it, Export it, read the files;
// recreate it from its described schema under another name, Import, Export again, and
// compare counts and digests. Uses only scratch tables atlas_fixture_it*.
func TestIntegrationExportRestoreDrill(t *testing.T) {
	h := &hbaseIT{t: t, bin: stackHBase(t), dir: t.TempDir()}
	h.r = runner.NewLocal(filepath.Join(h.dir, "runner"))
	suffix := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	src, dst := "atlas_fixture_it"+suffix, "atlas_fixture_it"+suffix+"_copy"
	t.Cleanup(func() {
		for _, tb := range []string{src, dst} {
			st := h.shell(true, h.script(ExistsScript, tb))
			if ok, err := ParseExists(st.Output); err == nil && ok {
				h.shell(true, h.script(DisableDropScript, tb))
			}
		}
	})

	schema := Schema{Families: []Family{
		{Name: "e", Attributes: map[string]string{"VERSIONS": "1"}},
		{Name: "g", Attributes: map[string]string{"VERSIONS": "3", "BLOOMFILTER": "ROWCOL", "BLOCKSIZE": "32768 B (32KB)", "TTL": "FOREVER"},
			Metadata: map[string]string{"atlas.fixture": "it"}},
	}}
	create, err := CreateScript(schema, src)
	if err != nil {
		t.Fatal(err)
	}
	h.shell(false, create)

	// load with ImportTsv (rows row-0..row-3, g:v with 4 versions on row-3)
	in := filepath.Join(h.dir, "in")
	os.MkdirAll(in, 0o700)
	var tsv strings.Builder
	for i := 0; i < 4; i++ {
		for v := 0; v <= i; v++ {
			fmt.Fprintf(&tsv, "row-%d\t%d\tname%d\tval%d-%d\n", i, 1700000000000+int64(v)*1000, i, i, v)
		}
	}
	os.WriteFile(filepath.Join(in, "data.tsv"), []byte(tsv.String()), 0o600)
	h.run(false, []string{h.bin, "org.apache.hadoop.hbase.mapreduce.ImportTsv",
		"-Dimporttsv.columns=HBASE_ROW_KEY,HBASE_TS_KEY,e:name,g:v", src, in})
	// e:name keeps 1 version per row, g:v min(i+1, 3): 4 + (1+2+3+3) = 13 cells
	rows, cells := h.liveCounts(src)
	if rows != 4 || cells != 13 {
		t.Fatalf("live table: rows %d cells %d, want 4 13", rows, cells)
	}

	// Export (all 3 versions, block-compressed) and read it
	out1 := filepath.Join(h.dir, "export1")
	exp, err := ExportArgv(h.bin, ExportOptions{Table: src, OutDir: out1, Versions: 3, Compress: true, CompressionType: "BLOCK"})
	if err != nil {
		t.Fatal(err)
	}
	st := h.run(false, exp)
	c, err := ParseCounters(st.Output)
	if err != nil {
		t.Fatal(err)
	}
	if c.Rows != 4 {
		t.Errorf("export counters: rows %d, want 4 (%v)", c.Rows, c.Raw)
	}
	s1, err := ReadExportDir(os.DirFS(out1), ".")
	if err != nil {
		t.Fatal(err)
	}
	if s1.Rows != rows || s1.Cells != cells {
		t.Errorf("export files: rows %d cells %d, live %d %d", s1.Rows, s1.Cells, rows, cells)
	}

	// restore: schema from describe, create under the drill name, Import
	st = h.shell(false, h.script(DescribeScript, src))
	described, err := ParseDescribe(st.Output)
	if err != nil {
		t.Fatal(err)
	}
	create2, err := CreateScript(described, dst)
	if err != nil {
		t.Fatal(err)
	}
	h.shell(false, create2)
	st = h.shell(false, h.script(DescribeScript, dst))
	described2, err := ParseDescribe(st.Output)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(described.Families, described2.Families) {
		t.Errorf("recreated schema differs:\n%+v\n%+v", described.Families, described2.Families)
	}
	imp, err := ImportArgv(h.bin, dst, out1)
	if err != nil {
		t.Fatal(err)
	}
	h.run(false, imp)

	// the restored table digests the same
	out2 := filepath.Join(h.dir, "export2")
	exp2, _ := ExportArgv(h.bin, ExportOptions{Table: dst, OutDir: out2, Versions: 3})
	h.run(false, exp2)
	s2, err := ReadExportDir(os.DirFS(out2), ".")
	if err != nil {
		t.Fatal(err)
	}
	if s2.Rows != s1.Rows || s2.Cells != s1.Cells || s2.Digest != s1.Digest {
		t.Errorf("restored %+v, original %+v", s2, s1)
	}

	// a failing tool reports FAILED with the tool's message (Import into a missing table)
	bad, _ := ImportArgv(h.bin, src+"_missing", out1)
	st = h.run(true, bad)
	if st.State != runner.StateFailed || st.ExitCode == 0 {
		t.Errorf("import into missing table: %+v", st)
	}
	t.Logf("original %+v; restored %+v", s1, s2)
}
