package atlas

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Property names and defaults Atlas uses for its HBase tables.
const (
	PropGraphTable = "atlas.graph.storage.hbase.table"
	PropAuditTable = "atlas.audit.hbase.tablename"
	PropertiesFile = "atlas-application.properties"

	TableJanus = "atlas_janus"
	TableTitan = "atlas_titan"
	TableAudit = "ATLAS_ENTITY_AUDIT_EVENTS"
)

// ParseProperties reads Java .properties text: `key=value`, `key: value` or
// `key value`, `#`/`!` comments, backslash line continuation and the common escapes.
func ParseProperties(r io.Reader) (map[string]string, error) {
	props := map[string]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	var logical strings.Builder
	for sc.Scan() {
		line := strings.TrimLeft(sc.Text(), " \t\f")
		if logical.Len() == 0 && (line == "" || line[0] == '#' || line[0] == '!') {
			continue
		}
		if n := trailingBackslashes(line); n%2 == 1 {
			logical.WriteString(line[:len(line)-1])
			continue
		}
		logical.WriteString(line)
		k, v := splitProperty(logical.String())
		props[k] = v
		logical.Reset()
	}
	if logical.Len() > 0 {
		k, v := splitProperty(logical.String())
		props[k] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read properties: %w", err)
	}
	return props, nil
}

func trailingBackslashes(s string) int {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n
}

func splitProperty(line string) (string, string) {
	var key strings.Builder
	i := 0
	for i < len(line) {
		c := line[i]
		if c == '\\' && i+1 < len(line) {
			key.WriteByte(unescape(line[i+1]))
			i += 2
			continue
		}
		if c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f' {
			break
		}
		key.WriteByte(c)
		i++
	}
	rest := strings.TrimLeft(line[i:], " \t\f")
	if rest != "" && (rest[0] == '=' || rest[0] == ':') {
		rest = strings.TrimLeft(rest[1:], " \t\f")
	}
	var val strings.Builder
	for j := 0; j < len(rest); j++ {
		if rest[j] == '\\' && j+1 < len(rest) {
			val.WriteByte(unescape(rest[j+1]))
			j++
			continue
		}
		val.WriteByte(rest[j])
	}
	return key.String(), val.String()
}

func unescape(c byte) byte {
	switch c {
	case 't':
		return '\t'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 'f':
		return '\f'
	}
	return c
}

// Tables are the HBase tables holding one Atlas's metadata.
type Tables struct {
	Graph string `json:"graph"`
	Audit string `json:"audit"`
	// Source says where the names came from: "properties", "version", or "config".
	Source string `json:"source"`
}

// TablesFromConfDir reads the table names from <confDir>/atlas-application.properties.
// A missing graph-table property means Atlas's default for its version is in force, so
// ok is false unless the graph table is named explicitly; the audit table falls back to
// Atlas's default name.
func TablesFromConfDir(confDir string) (t Tables, ok bool, err error) {
	f, err := os.Open(filepath.Join(confDir, PropertiesFile))
	if err != nil {
		return Tables{}, false, fmt.Errorf("open %s: %w", PropertiesFile, err)
	}
	defer f.Close()
	props, err := ParseProperties(f)
	if err != nil {
		return Tables{}, false, fmt.Errorf("parse %s: %w", PropertiesFile, err)
	}
	t = Tables{Graph: props[PropGraphTable], Audit: props[PropAuditTable], Source: "properties"}
	if t.Audit == "" {
		t.Audit = TableAudit
	}
	return t, t.Graph != "", nil
}

// TablesForVersion gives the table names Atlas uses by default at version v
// ("0.8.0", "1.1.0", "2.3.0.7.1.7.0-551"): atlas_titan before 1.0, atlas_janus after.
func TablesForVersion(v string) (Tables, error) {
	major, err := majorVersion(v)
	if err != nil {
		return Tables{}, err
	}
	t := Tables{Graph: TableJanus, Audit: TableAudit, Source: "version"}
	if major < 1 {
		t.Graph = TableTitan
	}
	return t, nil
}

func majorVersion(v string) (int, error) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	head, _, _ := strings.Cut(v, ".")
	n, err := strconv.Atoi(head)
	if err != nil || head == "" {
		return 0, fmt.Errorf("atlas version %q: not of the form MAJOR.MINOR...", v)
	}
	return n, nil
}

// VersionInfo is the answer of GET /api/atlas/admin/version.
type VersionInfo struct {
	Version     string `json:"Version"`
	Name        string `json:"Name"`
	Description string `json:"Description"`
}
