package hbasetest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Snapshot is a fake snapshot: the table it was taken of and a copy of its cells.
type Snapshot struct {
	Table    string
	Families []string
	Cells    []Cell
}

var (
	snapshotRe        = regexp.MustCompile(`^snapshot '([^']+)', '([^']+)'$`)
	cloneRe           = regexp.MustCompile(`^clone_snapshot '([^']+)', '([^']+)'$`)
	restoreSnapshotRe = regexp.MustCompile(`^restore_snapshot '([^']+)'$`)
	deleteSnapshotRe  = regexp.MustCompile(`^delete_snapshot '([^']+)'$`)
	disableRe         = regexp.MustCompile(`^(disable|enable) '([^']+)'$`)
	dropRe            = regexp.MustCompile(`^drop '([^']+)'$`)
)

// snapshotStatement runs one snapshot-related statement (with c.mu held); handled is
// false for statements it does not know.
func (c *Cluster) snapshotStatement(line string, out *strings.Builder) (handled bool, errMsg string) {
	if c.Snapshots == nil {
		c.Snapshots = map[string]*Snapshot{}
	}
	switch {
	case snapshotRe.MatchString(line):
		m := snapshotRe.FindStringSubmatch(line)
		t, ok := c.Tables[m[1]]
		switch {
		case !ok:
			return true, "RuntimeError: Unknown table " + m[1] + "!"
		case c.Snapshots[m[2]] != nil:
			return true, "Java::OrgApacheHadoopHbaseSnapshot::SnapshotExistsException: Snapshot '" + m[2] + "' already stored on the filesystem."
		}
		c.Snapshots[m[2]] = &Snapshot{Table: m[1], Families: append([]string(nil), t.Families...), Cells: append([]Cell(nil), t.Cells...)}
	case cloneRe.MatchString(line):
		m := cloneRe.FindStringSubmatch(line)
		s, ok := c.Snapshots[m[1]]
		switch {
		case !ok:
			return true, "Java::OrgApacheHadoopHbaseSnapshot::SnapshotDoesNotExistException: Snapshot '" + m[1] + "' doesn't exist on the filesystem"
		case c.Tables[m[2]] != nil:
			return true, "RuntimeError: Table already exists: " + m[2] + "!"
		}
		c.Tables[m[2]] = &Table{Families: append([]string(nil), s.Families...), Cells: append([]Cell(nil), s.Cells...)}
	case restoreSnapshotRe.MatchString(line):
		m := restoreSnapshotRe.FindStringSubmatch(line)
		s, ok := c.Snapshots[m[1]]
		if !ok {
			return true, "Java::OrgApacheHadoopHbaseSnapshot::SnapshotDoesNotExistException: Snapshot '" + m[1] + "' doesn't exist on the filesystem"
		}
		c.Tables[s.Table] = &Table{Families: append([]string(nil), s.Families...), Cells: append([]Cell(nil), s.Cells...)}
	case deleteSnapshotRe.MatchString(line):
		m := deleteSnapshotRe.FindStringSubmatch(line)
		if c.Snapshots[m[1]] == nil {
			return true, "Java::OrgApacheHadoopHbaseSnapshot::SnapshotDoesNotExistException: Snapshot '" + m[1] + "' doesn't exist on the filesystem"
		}
		delete(c.Snapshots, m[1])
	case disableRe.MatchString(line):
		m := disableRe.FindStringSubmatch(line)
		if c.Tables[m[2]] == nil {
			return true, "RuntimeError: Unknown table " + m[2] + "!"
		}
	case dropRe.MatchString(line):
		m := dropRe.FindStringSubmatch(line)
		if c.Tables[m[1]] == nil {
			return true, "RuntimeError: Unknown table " + m[1] + "!"
		}
		delete(c.Tables, m[1])
	case line == "list_snapshots":
		out.WriteString("SNAPSHOT  TABLE + CREATION TIME\n")
		names := make([]string, 0, len(c.Snapshots))
		for n := range c.Snapshots {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(out, " %s %s (2026-12-02 10:00:00 +0000)\n", n, c.Snapshots[n].Table)
		}
		fmt.Fprintf(out, "%d row(s)\n", len(names))
	default:
		return false, ""
	}
	out.WriteString("Took 0.0100 seconds\n")
	return true, ""
}

// exportSnapshot: -snapshot S [-copy-from F] -copy-to T [-target N] ...: without
// -copy-from the cluster's snapshot is written under T (a .snapshotinfo and a
// data.manifest holding the cells as JSON, standing in for the HFiles); with it, the
// copy under F becomes the cluster's snapshot N.
func (c *Cluster) exportSnapshot(args []string, out *strings.Builder) (int, error) {
	opt := map[string]string{}
	for i := 0; i+1 < len(args); i++ {
		if strings.HasPrefix(args[i], "-") && !strings.HasPrefix(args[i+1], "-") {
			opt[args[i]] = args[i+1]
			i++
		}
	}
	name, to, from := opt["-snapshot"], opt["-copy-to"], opt["-copy-from"]
	target := opt["-target"]
	if target == "" {
		target = name
	}
	if c.FailExportSnapshot != nil {
		if err := c.FailExportSnapshot(name); err != nil {
			return 1, err
		}
	}
	if from == "" {
		c.mu.Lock()
		s, ok := c.Snapshots[name]
		c.mu.Unlock()
		if !ok {
			return 1, fmt.Errorf("org.apache.hadoop.hbase.snapshot.SnapshotDoesNotExistException: %s", name)
		}
		dir := filepath.Join(to, ".hbase-snapshot", target)
		b, _ := json.Marshal(s)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return 1, err
		}
		if err := os.WriteFile(filepath.Join(dir, "data.manifest"), b, 0o644); err != nil {
			return 1, err
		}
		if err := os.WriteFile(filepath.Join(dir, ".snapshotinfo"), []byte(target), 0o644); err != nil {
			return 1, err
		}
	} else {
		b, err := os.ReadFile(filepath.Join(from, ".hbase-snapshot", name, "data.manifest"))
		if err != nil {
			return 1, fmt.Errorf("org.apache.hadoop.hbase.snapshot.ExportSnapshotException: %w", err)
		}
		var s Snapshot
		if err := json.Unmarshal(b, &s); err != nil {
			return 1, err
		}
		c.mu.Lock()
		if c.Snapshots == nil {
			c.Snapshots = map[string]*Snapshot{}
		}
		c.Snapshots[target] = &s
		c.mu.Unlock()
	}
	fmt.Fprintf(out, "2026-12-02T10:00:03,000 INFO  [main] mapreduce.Job: Counters: 2\n\tMap-Reduce Framework\n\t\tMap input records=1\n\torg.apache.hadoop.hbase.snapshot.ExportSnapshot$Counter\n\t\tFILES_COPIED=1\n")
	return 0, nil
}
