// Package hbasetest is a fake HBase for unit tests: tables of cells, and a
// runner.Runner that runs the argv shared/hbase builds (kinit, the shell scripts fed on
// stdin, Export, RowCounter) against them and prints what the real tools print (the
// formats recorded in shared/hbase/testdata and scripts/hbase/NOTES.md). Acceptance tests
// run against the stack's real HBase; this only lets unit tests drive a whole plan →
// export → ship → finalize in-process.
package hbasetest

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/runner"
)

// Cell is one cell of a fake table (always a Put).
type Cell struct {
	Row       []byte
	Family    string
	Qualifier string
	Timestamp int64
	Value     []byte
}

// Table is a fake table.
type Table struct {
	Families []string
	Cells    []Cell
}

// Cluster holds the tables and runs jobs against them synchronously.
type Cluster struct {
	mu     sync.Mutex
	Tables map[string]*Table
	// DateTimeStamps makes `scan` print timestamps as HBase 2.3+ shells do by default
	// (a local date-time of the value taken as ms); false prints them as numbers.
	DateTimeStamps bool
	// ExportFilter, when set, sees the cells an Export would write and returns what it
	// writes instead (a truncated export).
	ExportFilter func(table string, cells []Cell) []Cell
	// AfterExport, when set, runs after each Export wrote its files into dir (e.g. a
	// writer adding rows between the Export and the RowCounter, or a file lost).
	AfterExport func(c *Cluster, table, dir string)
	// SampleStamp, when set, changes the timestamps `scan` prints (a detection fooled
	// into the wrong unit).
	SampleStamp func(table string, ts int64) int64
	// Snapshots are the cluster's snapshots (snapshot, clone_snapshot, restore_snapshot,
	// delete_snapshot, list_snapshots, ExportSnapshot).
	Snapshots map[string]*Snapshot
	// FailExportSnapshot, when set and returning an error, fails ExportSnapshot of a
	// snapshot.
	FailExportSnapshot func(snapshot string) error

	jobs   []runner.Job
	status map[string]runner.Status
}

// New makes an empty cluster.
func New() *Cluster { return &Cluster{Tables: map[string]*Table{}, status: map[string]runner.Status{}} }

// Jobs returns the jobs submitted so far.
func (c *Cluster) Jobs() []runner.Job {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]runner.Job(nil), c.jobs...)
}

// Put adds cells to a table.
func (c *Cluster) Put(table string, cells ...Cell) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.Tables[table]
	t.Cells = append(t.Cells, cells...)
}

// Submit runs every step now; the job fails at the first failing step.
func (c *Cluster) Submit(_ context.Context, j runner.Job) (string, error) {
	if err := j.Validate(); err != nil {
		return "", err
	}
	c.mu.Lock()
	c.jobs = append(c.jobs, j)
	c.mu.Unlock()
	var out strings.Builder
	st := runner.Status{State: runner.StateSucceeded, StepIndex: len(j.Steps) - 1}
	for i, s := range j.Steps {
		code, err := c.run(s.Argv, &out)
		if err != nil || code != 0 {
			if err != nil {
				fmt.Fprintf(&out, "Exception in thread \"main\" %v\n", err)
			}
			st = runner.Status{State: runner.StateFailed, ExitCode: code, StepIndex: i, Message: fmt.Sprintf("step %d exited %d", i, code)}
			break
		}
	}
	st.Output = out.String()
	c.mu.Lock()
	c.status[j.ID] = st
	c.mu.Unlock()
	return j.ID, nil
}

// Status reports a submitted job.
func (c *Cluster) Status(_ context.Context, h string) (runner.Status, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.status[h]
	if !ok {
		return runner.Status{}, runner.ErrUnknownHandle
	}
	return st, nil
}

func (c *Cluster) run(argv []string, out *strings.Builder) (int, error) {
	// a file:///path location is the local disk, as Hadoop's LocalFileSystem reads it
	local := make([]string, len(argv))
	for i, a := range argv {
		local[i] = strings.TrimPrefix(a, "file://")
	}
	argv = local
	switch {
	case argv[0] == "kinit":
		return 0, nil
	case argv[0] == "bash" && len(argv) >= 8 && argv[3] == "hbase-shell":
		return c.shell(argv[4], out), nil
	case argv[0] == "bash" && len(argv) == 7 && argv[3] == "hbase-shell": // lenient: no -n
		c.lenient(argv[4], out)
		return 0, nil
	case argv[0] == "bash" && len(argv) > 6 && argv[3] == "hbase-guard":
		code, err := c.run(argv[6:], out)
		if err != nil || code != 0 {
			if err != nil {
				fmt.Fprintf(out, "Exception in thread \"main\" %v\n", err)
			}
			c.lenient(argv[4], out)
			if code == 0 {
				code = 1
			}
		}
		return code, nil
	case len(argv) > 1 && argv[1] == hbase.ExportSnapshotClass:
		return c.exportSnapshot(argv[2:], out)
	case len(argv) > 1 && argv[1] == hbase.ExportClass:
		return c.export(argv[2:], out)
	case len(argv) > 1 && argv[1] == hbase.RowCounterClass:
		return c.rowCounter(argv[2:], out)
	}
	return 127, fmt.Errorf("hbasetest: no fake for %q", argv)
}

var (
	describeRe = regexp.MustCompile(`^describe '([^']+)'$`)
	scanRe     = regexp.MustCompile(`^scan '([^']+)', \{LIMIT => (\d+)`)
)

// shell runs describe and scan statements, 2.0-style (no prompt), with -n semantics.
func (c *Cluster) shell(script string, out *strings.Builder) int {
	for _, line := range strings.Split(strings.TrimSpace(script), "\n") {
		line = strings.TrimSpace(line)
		c.mu.Lock()
		if m := describeRe.FindStringSubmatch(line); m != nil {
			t, ok := c.Tables[m[1]]
			if !ok {
				c.mu.Unlock()
				out.WriteString("Took 0.0100 secondsERROR RuntimeError: Unknown table " + m[1] + "!\n")
				return 1
			}
			fmt.Fprintf(out, "Table %s is ENABLED\n%s\nCOLUMN FAMILIES DESCRIPTION\n", m[1], m[1])
			for _, f := range t.Families {
				fmt.Fprintf(out, "{NAME => '%s', VERSIONS => '1', KEEP_DELETED_CELLS => 'FALSE', TTL => 'FOREVER', BLOOMFILTER => 'ROW', COMPRESSION => 'NONE', BLOCKSIZE => '65536'}\n\n", f)
			}
			fmt.Fprintf(out, "%d row(s)\nTook 0.0100 seconds\n", len(t.Families))
		} else if m := scanRe.FindStringSubmatch(line); m != nil {
			t, ok := c.Tables[m[1]]
			if !ok {
				c.mu.Unlock()
				out.WriteString("Took 0.0100 secondsERROR RuntimeError: Unknown table " + m[1] + "!\n")
				return 1
			}
			limit, _ := strconv.Atoi(m[2])
			out.WriteString("ROW  COLUMN+CELL\n")
			n := 0
			for _, r := range rowsOf(t.Cells) {
				if n >= limit {
					break
				}
				first := r[0] // FirstKeyOnlyFilter + KeyOnlyFilter: the first cell, no value
				ts := first.Timestamp
				if c.SampleStamp != nil {
					ts = c.SampleStamp(m[1], ts)
				}
				fmt.Fprintf(out, " %s column=%s:%s, timestamp=%s, value=\n", hbase.ToStringBinary(first.Row), first.Family,
					hbase.ToStringBinary([]byte(first.Qualifier)), c.stamp(ts))
				n++
			}
			fmt.Fprintf(out, "%d row(s)\nTook 0.0100 seconds\n", n)
		} else if ok, msg := c.snapshotStatement(line, out); ok && msg != "" {
			c.mu.Unlock()
			out.WriteString("Took 0.0100 secondsERROR " + msg + "\n")
			return 1
		} else if !ok {
			c.mu.Unlock()
			fmt.Fprintf(out, "ERROR NameError: hbasetest: no fake for %q\n", line)
			return 1
		}
		c.mu.Unlock()
	}
	return 0
}

// lenient runs every statement of script, going on after an error (the shell without -n).
func (c *Cluster) lenient(script string, out *strings.Builder) {
	for _, line := range strings.Split(strings.TrimSpace(script), "\n") {
		c.shell(line, out)
	}
}

func (c *Cluster) stamp(ts int64) string {
	if !c.DateTimeStamps {
		return strconv.FormatInt(ts, 10)
	}
	t := time.UnixMilli(ts).UTC()
	y := fmt.Sprintf("%04d", t.Year())
	if t.Year() > 9999 {
		y = "+" + strconv.Itoa(t.Year())
	}
	s := y + t.Format("-01-02T15:04:05")
	if ms := ts % 1000; ms != 0 {
		s += fmt.Sprintf(".%03d", ms)
	}
	return s
}

// rowsOf groups cells by row in key order, each row's cells in family, qualifier,
// newest-first order (the order a scan returns them).
func rowsOf(cells []Cell) [][]Cell {
	s := append([]Cell(nil), cells...)
	sort.SliceStable(s, func(i, j int) bool {
		if d := bytes.Compare(s[i].Row, s[j].Row); d != 0 {
			return d < 0
		}
		if s[i].Family != s[j].Family {
			return s[i].Family < s[j].Family
		}
		if s[i].Qualifier != s[j].Qualifier {
			return s[i].Qualifier < s[j].Qualifier
		}
		return s[i].Timestamp > s[j].Timestamp
	})
	var out [][]Cell
	for _, x := range s {
		if n := len(out); n > 0 && bytes.Equal(out[n-1][0].Row, x.Row) {
			out[n-1] = append(out[n-1], x)
		} else {
			out = append(out, []Cell{x})
		}
	}
	return out
}

func inWindow(cells []Cell, start, end int64) []Cell {
	var out []Cell
	for _, x := range cells {
		if (start == 0 && end == 0) || (x.Timestamp >= start && (end == 0 || x.Timestamp < end)) {
			out = append(out, x)
		}
	}
	return out
}

// export: [-D...] table outdir [versions [start [end]]]
func (c *Cluster) export(args []string, out *strings.Builder) (int, error) {
	for len(args) > 0 && strings.HasPrefix(args[0], "-D") {
		args = args[1:]
	}
	if len(args) < 2 {
		return 255, fmt.Errorf("ERROR: Wrong number of arguments: %d", len(args))
	}
	table, dir := args[0], args[1]
	var start, end int64
	if len(args) > 3 {
		start, _ = strconv.ParseInt(args[3], 10, 64)
	}
	if len(args) > 4 {
		end, _ = strconv.ParseInt(args[4], 10, 64)
	}
	c.mu.Lock()
	t, ok := c.Tables[table]
	var cells []Cell
	if ok {
		cells = inWindow(t.Cells, start, end)
	}
	total := 0
	if ok {
		total = len(rowsOf(t.Cells))
	}
	filter := c.ExportFilter
	c.mu.Unlock()
	if !ok {
		return 1, fmt.Errorf("org.apache.hadoop.hbase.TableNotFoundException: %s", table)
	}
	if filter != nil {
		cells = filter(table, cells)
	}
	rows := rowsOf(cells)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 1, err
	}
	if err := os.WriteFile(filepath.Join(dir, "part-m-00000"), WriteExport(rows), 0o644); err != nil {
		return 1, err
	}
	if err := os.WriteFile(filepath.Join(dir, "_SUCCESS"), nil, 0o644); err != nil {
		return 1, err
	}
	fmt.Fprintf(out, "2026-12-02T10:00:00,000 INFO  [main] mapreduce.ExportUtils: versions=1, starttime=%d, endtime=%d, keepDeletedCells=false, visibility labels=null\n", start, end)
	fmt.Fprintf(out, "2026-12-02T10:00:01,000 INFO  [main] mapreduce.Job: Counters: 5\n\tMap-Reduce Framework\n\t\tMap input records=%d\n\t\tMap output records=%d\n\tHBaseCounters\n\t\tROWS_FILTERED=%d\n\t\tROWS_SCANNED=%d\n",
		len(rows), len(rows), total-len(rows), total)
	if c.AfterExport != nil {
		c.AfterExport(c, table, dir)
	}
	return 0, nil
}

// rowCounter: table [--starttime=S --endtime=E]
func (c *Cluster) rowCounter(args []string, out *strings.Builder) (int, error) {
	var start, end int64
	for _, a := range args[1:] {
		if v, ok := strings.CutPrefix(a, "--starttime="); ok {
			start, _ = strconv.ParseInt(v, 10, 64)
		}
		if v, ok := strings.CutPrefix(a, "--endtime="); ok {
			end, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	c.mu.Lock()
	t, ok := c.Tables[args[0]]
	n := 0
	if ok {
		n = len(rowsOf(inWindow(t.Cells, start, end)))
	}
	c.mu.Unlock()
	if !ok {
		return 1, fmt.Errorf("org.apache.hadoop.hbase.TableNotFoundException: %s", args[0])
	}
	fmt.Fprintf(out, "2026-12-02T10:00:02,000 INFO  [main] mapreduce.Job: Counters: 3\n\tMap-Reduce Framework\n\t\tMap input records=%d\n\tHBaseCounters\n\t\tROWS_SCANNED=%d\n\t%s\n\t\tROWS=%d\n",
		n, n, hbase.RowCounterGroup, n)
	return 0, nil
}

// WriteExport renders rows (each a row's cells) as an uncompressed SequenceFile as HBase
// Export writes it: key ImmutableBytesWritable, value a varint-delimited
// ClientProtos.Result.
func WriteExport(rows [][]Cell) []byte {
	var b bytes.Buffer
	b.WriteString("SEQ\x06")
	text := func(s string) { b.WriteByte(byte(len(s))); b.WriteString(s) }
	text(hbase.ExportKeyClass)
	text(hbase.ExportValueClass)
	b.Write([]byte{0, 0})              // not compressed, not block-compressed
	b.Write([]byte{0, 0, 0, 0})        // no metadata
	sync := []byte("0123456789abcdef") // sync marker
	b.Write(sync)
	for _, r := range rows {
		key := binary.BigEndian.AppendUint32(nil, uint32(len(r[0].Row)))
		key = append(key, r[0].Row...)
		var msg []byte
		for _, x := range r {
			var cb []byte
			cb = protowire.AppendTag(cb, 1, protowire.BytesType)
			cb = protowire.AppendBytes(cb, x.Row)
			cb = protowire.AppendTag(cb, 2, protowire.BytesType)
			cb = protowire.AppendBytes(cb, []byte(x.Family))
			cb = protowire.AppendTag(cb, 3, protowire.BytesType)
			cb = protowire.AppendBytes(cb, []byte(x.Qualifier))
			cb = protowire.AppendTag(cb, 4, protowire.VarintType)
			cb = protowire.AppendVarint(cb, uint64(x.Timestamp))
			cb = protowire.AppendTag(cb, 5, protowire.VarintType)
			cb = protowire.AppendVarint(cb, 4) // Put
			cb = protowire.AppendTag(cb, 6, protowire.BytesType)
			cb = protowire.AppendBytes(cb, x.Value)
			msg = protowire.AppendTag(msg, 1, protowire.BytesType)
			msg = protowire.AppendBytes(msg, cb)
		}
		val := protowire.AppendBytes(nil, msg)
		binary.Write(&b, binary.BigEndian, int32(len(key)+len(val)))
		binary.Write(&b, binary.BigEndian, int32(len(key)))
		b.Write(key)
		b.Write(val)
	}
	return b.Bytes()
}
