package hbase

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// SampleLimit is how many rows SampleScript reads by default: enough to tell a table's
// timestamp unit and to probe the export for rows that existed at plan time, small
// enough to stay a bounded read (one cell per row, no values) whose output (about 100
// characters a row) fits the 24,000 characters of stdout SSM Run Command returns.
const SampleLimit = 100

// SampleScript reads the first limit rows of table, one cell per row and no values
// (`scan` with FirstKeyOnlyFilter and KeyOnlyFilter, the filters `count` uses), so the
// output is one line per row with its key and the timestamp of its first cell. Parse it
// with ParseScan. The read is bounded by limit, whatever the table's size.
func SampleScript(table string, limit int) (string, error) {
	if err := ValidateTable(table); err != nil {
		return "", fmt.Errorf("sample script: %w", err)
	}
	if limit < 1 || limit > 100000 {
		return "", fmt.Errorf("sample script %s: limit %d: must be 1..100000", table, limit)
	}
	cache := limit
	if cache > 1000 {
		cache = 1000
	}
	return fmt.Sprintf("scan %s, {LIMIT => %d, CACHE => %d, FILTER => 'FirstKeyOnlyFilter() AND KeyOnlyFilter()'}\n",
		quoteRuby(table), limit, cache), nil
}

// ScanCell is one cell line of `scan` output.
type ScanCell struct {
	// Row is the row key as the shell prints it (Bytes.toStringBinary: printable ASCII
	// but '\' as is, every other byte as \xNN); RowKey turns it back into bytes.
	Row    string `json:"row"`
	Column string `json:"column"`
	// Timestamp is the cell's timestamp as HBase stores it. Shells of HBase 2.3 and
	// later print it as a local date-time (HBASE-23930) unless
	// hbase.shell.timestamp.format.epoch is true; such a value is read back as if it were
	// UTC and TimestampApprox is set (the remote host's time zone is not known, so it
	// may be off by up to 14 hours, which is nothing next to a factor 1000 between
	// units).
	Timestamp       int64 `json:"timestamp"`
	TimestampApprox bool  `json:"timestampApprox,omitempty"`
}

// ScanResult is the parsed output of one `scan`.
type ScanResult struct {
	Cells []ScanCell `json:"cells"`
	// Rows is the shell's "N row(s)" count.
	Rows int `json:"rows"`
}

var (
	// " <row> column=<family>:<qualifier>, timestamp=<ts>, value=<value>" (or
	// "type=<type>" for a delete marker of a RAW scan). The row is matched lazily: the
	// first " column=" ends it.
	scanCellRe = regexp.MustCompile(`^ (.*?) column=([^:]*:.*), timestamp=(\S+), (?:value|type)=`)
	// 2.x: "3 row(s)", 1.x: "3 row(s) in 0.0200 seconds"
	scanRowsRe = regexp.MustCompile(`^(\d+) row\(s\)`)
	isoTSRe    = regexp.MustCompile(`^([+-]?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$`)
)

// ParseScan reads the output of a `scan` (SampleScript): the "ROW  COLUMN+CELL" header,
// one line per cell, the "N row(s)" footer. IRB prompts, the echoed statement, "Took"
// and "=>" lines are ignored. Non-interactive shells print no padding (the terminal
// width is 0), so a cell line is " row column=..."; a cell line that does not parse is
// an error, not skipped.
func ParseScan(out string) (ScanResult, error) {
	lines := strings.Split(cleanShellOutput(out), "\n")
	start := -1
	for i, l := range lines {
		f := strings.Fields(l)
		if len(f) == 2 && f[0] == "ROW" && f[1] == "COLUMN+CELL" {
			start = i + 1
			break
		}
	}
	if start < 0 {
		if err := ShellError(out); err != nil {
			return ScanResult{}, fmt.Errorf("parse scan: %w", err)
		}
		return ScanResult{}, fmt.Errorf("parse scan: no \"ROW COLUMN+CELL\" header in %q", tailString(out, 200))
	}
	res := ScanResult{Cells: []ScanCell{}}
	for _, l := range lines[start:] {
		if m := scanRowsRe.FindStringSubmatch(strings.TrimSpace(l)); m != nil && !strings.HasPrefix(l, " ") {
			n, err := strconv.Atoi(m[1])
			if err != nil {
				return res, fmt.Errorf("parse scan: %q: %w", l, err)
			}
			res.Rows = n
			rows := map[string]bool{}
			for _, c := range res.Cells {
				rows[c.Row] = true
			}
			if len(rows) != n {
				return res, fmt.Errorf("parse scan: %d distinct rows in the cell lines, the shell counted %d", len(rows), n)
			}
			return res, nil
		}
		if strings.TrimSpace(l) == "" {
			continue
		}
		m := scanCellRe.FindStringSubmatch(l)
		if m == nil {
			if err := ShellError(l); err != nil {
				return res, fmt.Errorf("parse scan: %w", err)
			}
			return res, fmt.Errorf("parse scan: not a cell line: %q", tailString(l, 200))
		}
		ts, approx, err := parseShellTimestamp(m[3])
		if err != nil {
			return res, fmt.Errorf("parse scan: row %s: %w", m[1], err)
		}
		res.Cells = append(res.Cells, ScanCell{Row: m[1], Column: m[2], Timestamp: ts, TimestampApprox: approx})
	}
	return res, fmt.Errorf("parse scan: no \"N row(s)\" line after the cells in %q", tailString(out, 200))
}

// parseShellTimestamp reads "1700000000000" (epoch, as stored) or a Java
// LocalDateTime.toString() of the value taken as milliseconds ("2023-11-14T22:13:20",
// "2023-11-14T22:13:20.001", "+55873-04-01T10:00:00.123" for a microsecond stamp).
func parseShellTimestamp(s string) (int64, bool, error) {
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, false, nil
	}
	m := isoTSRe.FindStringSubmatch(s)
	if m == nil {
		return 0, false, fmt.Errorf("timestamp %q: neither a number nor a date-time", s)
	}
	num := func(x string) int {
		n, _ := strconv.Atoi(strings.TrimPrefix(x, "+"))
		return n
	}
	nanos := 0
	if m[7] != "" {
		frac := m[7] + strings.Repeat("0", 9-len(m[7]))
		nanos = num(frac)
	}
	year := num(m[1])
	if year > 292277026 || year < -292277022 {
		return 0, false, fmt.Errorf("timestamp %q: year out of range", s)
	}
	t := time.Date(year, time.Month(num(m[2])), num(m[3]), num(m[4]), num(m[5]), num(m[6]), nanos, time.UTC)
	return t.UnixMilli(), true, nil
}

// ToStringBinary renders b as HBase's Bytes.toStringBinary does: printable ASCII
// (' '..'~') except '\' as is, every other byte as \xNN with upper-case hex.
func ToStringBinary(b []byte) string {
	const hex = "0123456789ABCDEF"
	var s strings.Builder
	s.Grow(len(b))
	for _, c := range b {
		if c >= ' ' && c <= '~' && c != '\\' {
			s.WriteByte(c)
		} else {
			s.WriteString(`\x`)
			s.WriteByte(hex[c>>4])
			s.WriteByte(hex[c&15])
		}
	}
	return s.String()
}

// RowKey turns a row key printed by the shell (ToStringBinary) back into bytes, as
// HBase's Bytes.toBytesBinary does.
func RowKey(s string) ([]byte, error) {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			out = append(out, s[i])
			continue
		}
		if i+4 > len(s) || s[i+1] != 'x' {
			return nil, fmt.Errorf("row key %q: '\\' at %d not followed by xNN", s, i)
		}
		v, err := strconv.ParseUint(s[i+2:i+4], 16, 8)
		if err != nil {
			return nil, fmt.Errorf("row key %q: bad escape at %d", s, i)
		}
		out = append(out, byte(v))
		i += 3
	}
	return out, nil
}
