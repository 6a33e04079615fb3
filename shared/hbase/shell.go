package hbase

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Scripts for `hbase shell -n` (ShellArgv), fed on stdin or passed as a file with
// ShellScriptArgv. Every value that reaches the Ruby shell is validated first (table and
// family names, attribute keys and values) and then written in single quotes, where only
// ' and \ are special to Ruby; both are rejected by the validation.

func quoteRuby(s string) string { return "'" + s + "'" }

// ShellScriptArgv runs a script file with the non-interactive shell:
// `bin shell -n script` (the shell runs the file, then an empty stdin, and exits non-zero
// on the first error). Use it where the runner cannot feed stdin.
func ShellScriptArgv(bin, script string) ([]string, error) {
	if err := ValidateProgram(bin); err != nil {
		return nil, fmt.Errorf("hbase shell argv: %w", err)
	}
	if len(script) == 0 || script[0] != '/' {
		return nil, fmt.Errorf("hbase shell argv: script %q: must be an absolute local path", script)
	}
	if err := ValidatePath(script); err != nil {
		return nil, fmt.Errorf("hbase shell argv: script: %w", err)
	}
	return []string{bin, "shell", "-n", script}, nil
}

// DescribeScript prints the table's schema (parse it with ParseDescribe).
func DescribeScript(table string) (string, error) {
	if err := ValidateTable(table); err != nil {
		return "", fmt.Errorf("describe script: %w", err)
	}
	return "describe " + quoteRuby(table) + "\n", nil
}

// ExistsScript prints "Table <t> does exist" or "Table <t> does not exist" (parse it with
// ParseExists).
func ExistsScript(table string) (string, error) {
	if err := ValidateTable(table); err != nil {
		return "", fmt.Errorf("exists script: %w", err)
	}
	return "exists " + quoteRuby(table) + "\n", nil
}

// DisableDropScript disables and drops the table. The table must exist (check with
// ExistsScript first): `drop` of a missing table fails, and `disable` of a disabled
// table fails on HBase 1.x (2.x skips it).
func DisableDropScript(table string) (string, error) {
	if err := ValidateTable(table); err != nil {
		return "", fmt.Errorf("drop script: %w", err)
	}
	q := quoteRuby(table)
	return "disable " + q + "\ndrop " + q + "\n", nil
}

// TruncateScript empties the table (HBase disables, drops and recreates it with the same
// schema).
func TruncateScript(table string) (string, error) {
	if err := ValidateTable(table); err != nil {
		return "", fmt.Errorf("truncate script: %w", err)
	}
	return "truncate " + quoteRuby(table) + "\n", nil
}

var (
	existsRe = regexp.MustCompile(`(?m)^Table (\S+) does (not )?exist\s*$`)
	promptRe = regexp.MustCompile(`(?m)^hbase(\([a-z]+\))?:\d+:\d+[>*] ?`)
	// with -n the error follows "Took N seconds" on the same line; 1.x and the
	// interactive form print "ERROR: message"
	shellErrRe = regexp.MustCompile(`(?m)ERROR(?: ([A-Za-z_:]+))?: (.*)$`)
)

// cleanShellOutput removes IRB prompts ("hbase:001:0> ", also glued to the first output
// line of a statement) and carriage returns.
func cleanShellOutput(out string) string {
	return promptRe.ReplaceAllString(strings.ReplaceAll(out, "\r\n", "\n"), "")
}

// ShellError returns the first error the HBase shell reported in out ("ERROR
// RuntimeError: Unknown table t!", "ERROR: ..."), or nil. With -n the exit code is the
// primary signal; this recovers the message.
func ShellError(out string) error {
	m := shellErrRe.FindStringSubmatch(cleanShellOutput(out))
	if m == nil {
		return nil
	}
	if m[1] != "" {
		return fmt.Errorf("hbase shell: %s: %s", m[1], strings.TrimSpace(m[2]))
	}
	return fmt.Errorf("hbase shell: %s", strings.TrimSpace(m[2]))
}

// ParseExists reads the output of ExistsScript.
func ParseExists(out string) (bool, error) {
	m := existsRe.FindStringSubmatch(cleanShellOutput(out))
	if m == nil {
		if err := ShellError(out); err != nil {
			return false, fmt.Errorf("parse exists: %w", err)
		}
		return false, fmt.Errorf("parse exists: no \"Table ... does [not] exist\" line in %q", tailString(out, 200))
	}
	return m[2] == "", nil
}

var (
	attrKeyRe  = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
	mapKeyRe   = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
	attrValRe  = regexp.MustCompile(`^[A-Za-z0-9 _.,:()/+=@|%-]*$`)
	leadIntRe  = regexp.MustCompile(`^([0-9]+) [A-Z]+ \(.*\)$`)
	pureIntRe  = regexp.MustCompile(`^[0-9]+$`)
	numericKey = map[string]bool{"VERSIONS": true, "MIN_VERSIONS": true, "TTL": true, "BLOCKSIZE": true,
		"REPLICATION_SCOPE": true, "MOB_THRESHOLD": true, "DFS_REPLICATION": true}
)

// createValue renders one family attribute for `create`, or "" to leave it out.
// Describe prints some values for people ("65536 B (64KB)", "86400 SECONDS (1 DAY)",
// "FOREVER"); the shell wants the number. Numeric attributes are written as Ruby
// integers, which both the 1.x (setter(int)) and 2.x shells accept.
func createValue(key, val string) (string, bool, error) {
	if len(val) > 1024 || !attrValRe.MatchString(val) {
		return "", false, fmt.Errorf("attribute %s value %q: must be at most 1024 characters of [A-Za-z0-9 _.,:()/+=@|%%-]", key, val)
	}
	if !numericKey[key] {
		return quoteRuby(val), true, nil
	}
	if key == "TTL" && val == "FOREVER" {
		return "", false, nil // the default
	}
	if m := leadIntRe.FindStringSubmatch(val); m != nil {
		val = m[1]
	}
	if !pureIntRe.MatchString(val) {
		return "", false, fmt.Errorf("attribute %s value %q: must be a number", key, val)
	}
	return val, true, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func rubyMap(name string, m map[string]string) (string, error) {
	var parts []string
	for _, k := range sortedKeys(m) {
		if !mapKeyRe.MatchString(k) {
			return "", fmt.Errorf("%s key %q: must be [A-Za-z0-9_.-]+", name, k)
		}
		v := m[k]
		if len(v) > 1024 || !attrValRe.MatchString(v) {
			return "", fmt.Errorf("%s %s value %q: must be at most 1024 characters of [A-Za-z0-9 _.,:()/+=@|%%-]", name, k, v)
		}
		parts = append(parts, quoteRuby(k)+" => "+quoteRuby(v))
	}
	return "{" + strings.Join(parts, ", ") + "}", nil
}

// CreateScript creates table with the families and family settings of schema (the
// schema's own table name is not used, so a drill can restore into a scratch name).
// Attributes are written in name order after NAME; METADATA and CONFIGURATION become
// nested hashes. TTL 'FOREVER' is left out (the default) and values printed with units
// by describe ("65536 B (64KB)") are reduced to their number.
func CreateScript(schema Schema, table string) (string, error) {
	if err := ValidateTable(table); err != nil {
		return "", fmt.Errorf("create script: %w", err)
	}
	if len(schema.Families) == 0 {
		return "", fmt.Errorf("create script %s: schema has no column families", table)
	}
	var b strings.Builder
	b.WriteString("create " + quoteRuby(table))
	seen := map[string]bool{}
	for _, f := range schema.Families {
		if err := ValidateFamily(f.Name); err != nil {
			return "", fmt.Errorf("create script %s: %w", table, err)
		}
		if seen[f.Name] {
			return "", fmt.Errorf("create script %s: column family %q twice", table, f.Name)
		}
		seen[f.Name] = true
		parts := []string{"NAME => " + quoteRuby(f.Name)}
		for _, k := range sortedKeys(f.Attributes) {
			if k == "NAME" || k == "METADATA" || k == "CONFIGURATION" {
				continue
			}
			if !attrKeyRe.MatchString(k) {
				return "", fmt.Errorf("create script %s: family %s: attribute %q: must be [A-Z][A-Z0-9_]*", table, f.Name, k)
			}
			v, ok, err := createValue(k, f.Attributes[k])
			if err != nil {
				return "", fmt.Errorf("create script %s: family %s: %w", table, f.Name, err)
			}
			if ok {
				parts = append(parts, k+" => "+v)
			}
		}
		if len(f.Metadata) > 0 {
			m, err := rubyMap("METADATA", f.Metadata)
			if err != nil {
				return "", fmt.Errorf("create script %s: family %s: %w", table, f.Name, err)
			}
			parts = append(parts, "METADATA => "+m)
		}
		if len(f.Configuration) > 0 {
			m, err := rubyMap("CONFIGURATION", f.Configuration)
			if err != nil {
				return "", fmt.Errorf("create script %s: family %s: %w", table, f.Name, err)
			}
			parts = append(parts, "CONFIGURATION => "+m)
		}
		b.WriteString(", {" + strings.Join(parts, ", ") + "}")
	}
	b.WriteString("\n")
	return b.String(), nil
}

func tailString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// ShellStdinArgv runs the non-interactive shell with script on its stdin, where the
// runner has no stdin to give (local, SSM and EMR steps are plain argv): a fixed bash
// program pipes its first positional argument into the command made of the rest. The
// script travels as data ($1), never as program text, so bash interprets none of it.
func ShellStdinArgv(bin, script string) ([]string, error) {
	if err := ValidateProgram(bin); err != nil {
		return nil, fmt.Errorf("hbase shell argv: %w", err)
	}
	if script == "" || strings.ContainsRune(script, 0) {
		return nil, fmt.Errorf("hbase shell argv: script must be non-empty text without NUL")
	}
	return []string{"bash", "-c", `printf '%s\n' "$1" | { shift; exec "$@"; }`, "hbase-shell", script, bin, "shell", "-n"}, nil
}

// IsTableNotFound reports whether shell or job output says the table does not exist
// (shell: "Unknown table t!"; Java: TableNotFoundException).
func IsTableNotFound(out string) bool {
	return strings.Contains(out, "Unknown table") || strings.Contains(out, "TableNotFoundException") ||
		existsRe.MatchString(out) && strings.Contains(out, "does not exist")
}
