package hbase

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Counters are the counters of a finished MapReduce job (Export, Import) as printed in
// its counters block.
type Counters struct {
	// Rows is HBase's ROWS_SCANNED (Export scans the table), else "Map input records"
	// (one Result per record, for Export and Import alike).
	Rows int64 `json:"rows"`
	// Cells is not reported by Export or Import; it stays 0 unless a counter named
	// CELLS or "Cells" is present. ReadExport counts cells from the files.
	Cells int64 `json:"cells"`
	// Bytes is "Bytes Written" of the file output (Export), else "Bytes Read" of the
	// file input (Import), else BYTES_IN_RESULTS.
	Bytes int64 `json:"bytes"`
	// Raw holds every counter by its printed name ("Map input records", "ROWS_SCANNED",
	// "FILE: Number of bytes written"). A name printed in two groups keeps the first
	// value and the second is stored as "<group>/<name>".
	Raw map[string]int64 `json:"raw"`
	// Truncated is set when the block's "Counters: N" head is missing or N differs from
	// the counters found: HBase's shipped log4j2 pattern (%.1000m) keeps only the last
	// 1000 characters of a log message, which can cut the head of the block.
	Truncated bool `json:"truncated,omitempty"`
}

var (
	countersHeaderRe = regexp.MustCompile(`Counters: (\d+)\s*$`)
	counterLineRe    = regexp.MustCompile(`^(.+)=(-?\d+)$`)
)

// ParseCounters reads the last counters block of a MapReduce job's output; the job client
// logs it when the job ends:
//
//	... INFO  [main] mapreduce.Job: Counters: 36
//		File System Counters
//			FILE: Number of bytes read=1234
//		Map-Reduce Framework
//			Map input records=3
//		HBaseCounters
//			ROWS_SCANNED=3
//
// A block is a run of indented lines, each a group name or "name=integer", after one
// unindented log line; the last block with at least one counter wins (task-level blocks
// come before the job's). Lines are parsed one by one, so a block whose head was cut by
// log truncation still yields the counters that remain (Truncated tells).
func ParseCounters(output string) (Counters, error) {
	lines, blocks := counterBlocks(output)
	if len(blocks) == 0 {
		return Counters{}, fmt.Errorf("parse counters: no counters block (did the job finish?)")
	}
	return countersOf(lines, blocks[len(blocks)-1])
}

// RowCounterGroup is the counter group RowCounter reports ROWS in.
const RowCounterGroup = "org.apache.hadoop.hbase.mapreduce.RowCounter$RowCounterMapper$Counters"

// ParseExportCounters reads the counters of the Export job in the output of a job that
// runs more than one MapReduce job (Export, then RowCounter, then distcp): the last
// job-level block with an HBaseCounters group and no RowCounter group. Without such a
// block it falls back to ParseCounters.
func ParseExportCounters(output string) (Counters, error) {
	lines, blocks := counterBlocks(output)
	for i := len(blocks) - 1; i >= 0; i-- {
		b := blocks[i]
		if b.task || !b.groups["HBaseCounters"] || b.groups[RowCounterGroup] {
			continue
		}
		return countersOf(lines, b)
	}
	return ParseCounters(output)
}

// ParseRowCounter reads the row count of a RowCounter job (RowCounterArgv) from a job's
// output: ROWS in the RowCounter group of the last job-level counters block that has
// it (LocalJobRunner also logs one block per map task first, "Final Counters for
// attempt_..."; those are skipped). ok is false when the output holds no such block (a
// runner that returns no output, such as EMR, or output cut before it).
func ParseRowCounter(output string) (rows int64, ok bool) {
	lines, blocks := counterBlocks(output)
	for i := len(blocks) - 1; i >= 0; i-- {
		b := blocks[i]
		if b.task || !b.groups[RowCounterGroup] {
			continue
		}
		group := ""
		for _, l := range lines[b.start:b.end] {
			t := strings.TrimSpace(l)
			m := counterLineRe.FindStringSubmatch(t)
			if m == nil {
				group = t
				continue
			}
			if group == RowCounterGroup && strings.TrimSpace(m[1]) == "ROWS" {
				v, err := strconv.ParseInt(m[2], 10, 64)
				return v, err == nil
			}
		}
	}
	return 0, false
}

type counterBlock struct {
	head, start, end int
	// task: a task's block (LocalJobRunner: "mapred.Task: Final Counters for attempt_...").
	task   bool
	groups map[string]bool
}

// counterBlocks finds every counters block: a run of indented lines, each a group name
// or "name=integer", after one unindented log line.
func counterBlocks(output string) ([]string, []counterBlock) {
	lines := strings.Split(strings.ReplaceAll(output, "\r\n", "\n"), "\n")
	type block = counterBlock
	var out []counterBlock
	for i := 0; i < len(lines); {
		if !indented(lines[i]) {
			i++
			continue
		}
		b := block{head: i - 1, start: i, groups: map[string]bool{}}
		for i < len(lines) && indented(lines[i]) {
			i++
		}
		b.end = i
		ok, counters := true, 0
		for _, l := range lines[b.start:b.end] {
			t := strings.TrimSpace(l)
			if counterLineRe.MatchString(t) {
				counters++
			} else if strings.Contains(t, "=") {
				ok = false // e.g. a stack trace line, not a counters block
				break
			} else {
				b.groups[t] = true
			}
		}
		if b.head >= 0 && strings.Contains(lines[b.head], "Final Counters for") {
			b.task = true
		}
		if ok && counters > 0 {
			out = append(out, b)
		}
	}
	return lines, out
}

func countersOf(lines []string, last counterBlock) (Counters, error) {
	c := Counters{Raw: map[string]int64{}, Truncated: true}
	group := ""
	n := 0
	for _, l := range lines[last.start:last.end] {
		t := strings.TrimSpace(l)
		m := counterLineRe.FindStringSubmatch(t)
		if m == nil {
			group = t
			continue
		}
		name := strings.TrimSpace(m[1])
		v, err := strconv.ParseInt(m[2], 10, 64)
		if err != nil {
			return Counters{}, fmt.Errorf("parse counters: %q: %w", t, err)
		}
		if _, dup := c.Raw[name]; dup {
			name = group + "/" + name
		}
		c.Raw[name] = v
		n++
	}
	if last.head >= 0 {
		if m := countersHeaderRe.FindStringSubmatch(lines[last.head]); m != nil {
			declared, _ := strconv.Atoi(m[1])
			c.Truncated = declared != n
		}
	}
	first := func(names ...string) int64 {
		for _, k := range names {
			if v, ok := c.Raw[k]; ok && v != 0 {
				return v
			}
		}
		return 0
	}
	c.Rows = first("ROWS_SCANNED", "Map input records")
	c.Cells = first("CELLS", "Cells")
	c.Bytes = first("Bytes Written", "Bytes Read", "BYTES_IN_RESULTS")
	return c, nil
}

func indented(l string) bool { return l != "" && (l[0] == '\t' || l[0] == ' ') }
