package hbase

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// ListScript lists every table (parse it with ParseList).
func ListScript() string { return "list\n" }

var rowsLineRe = regexp.MustCompile(`^(\d+) row\(s\)`)

// ParseList reads the output of ListScript:
//
//	TABLE
//	ATLAS_ENTITY_AUDIT_EVENTS
//	atlas_janus
//	2 row(s)
//
// IRB prompts and the echoed statement are ignored; namespaced tables are printed as
// ns:table. The number of names must match the "N row(s)" line.
func ParseList(out string) ([]string, error) {
	lines := strings.Split(cleanShellOutput(out), "\n")
	start := -1
	for i, l := range lines {
		if strings.TrimSpace(l) == "TABLE" {
			start = i + 1
			break
		}
	}
	if start < 0 {
		if err := ShellError(out); err != nil {
			return nil, fmt.Errorf("parse list: %w", err)
		}
		return nil, fmt.Errorf("parse list: no TABLE header in %q", tailString(out, 200))
	}
	names := []string{}
	for _, l := range lines[start:] {
		l = strings.TrimSpace(l)
		if m := rowsLineRe.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[1])
			if n != len(names) {
				return nil, fmt.Errorf("parse list: %d names before %q", len(names), l)
			}
			return names, nil
		}
		if l == "" {
			continue
		}
		if err := ValidateTable(l); err != nil {
			return nil, fmt.Errorf("parse list: %w", err)
		}
		names = append(names, l)
	}
	return nil, fmt.Errorf("parse list: no \"N row(s)\" line after the table names in %q", tailString(out, 200))
}

// CountScript counts a table's rows (`count`, a scan with FirstKeyOnlyFilter) with a
// large scanner cache and no progress lines (parse it with ParseCount). It reads the
// whole table: use it where the answer is needed, not as a cheap emptiness probe on a
// table that may be large.
func CountScript(table string) (string, error) {
	if err := ValidateTable(table); err != nil {
		return "", fmt.Errorf("count script: %w", err)
	}
	return "count " + quoteRuby(table) + ", INTERVAL => 100000000, CACHE => 1000\n", nil
}

// ParseCount reads the output of CountScript: the last "N row(s)" line.
func ParseCount(out string) (int64, error) {
	var last string
	for _, l := range strings.Split(cleanShellOutput(out), "\n") {
		if m := rowsLineRe.FindStringSubmatch(strings.TrimSpace(l)); m != nil {
			last = m[1]
		}
	}
	if last == "" {
		if err := ShellError(out); err != nil {
			return 0, fmt.Errorf("parse count: %w", err)
		}
		return 0, fmt.Errorf("parse count: no \"N row(s)\" line in %q", tailString(out, 200))
	}
	n, err := strconv.ParseInt(last, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse count: %w", err)
	}
	return n, nil
}
