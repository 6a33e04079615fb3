package hbase

import (
	"fmt"
	"regexp"
	"strings"
)

// Schema is what a restore needs to recreate a table: its column families and their
// settings, as printed by `describe`.
type Schema struct {
	Table    string   `json:"table"`
	Families []Family `json:"families"`
}

// Family is one column family. Attributes hold the top-level settings as describe prints
// them (VERSIONS => '1', BLOCKSIZE => '65536 B (64KB)', ...), without NAME; nested
// METADATA and CONFIGURATION hashes are kept apart.
type Family struct {
	Name          string            `json:"name"`
	Attributes    map[string]string `json:"attributes"`
	Metadata      map[string]string `json:"metadata,omitempty"`
	Configuration map[string]string `json:"configuration,omitempty"`
}

var tableLineRe = regexp.MustCompile(`(?m)^Table (\S+) is (ENABLED|DISABLED)\s*$`)

// ParseDescribe reads the output of `describe '<table>'` in the HBase shell, 1.x or 2.x:
//
//	Table atlas_janus is ENABLED
//	atlas_janus, {TABLE_ATTRIBUTES => {...}}
//	COLUMN FAMILIES DESCRIPTION
//	{NAME => 'e', BLOOMFILTER => 'ROW', VERSIONS => '1', ...}
//	...
//
// IRB prompts are ignored, also when glued to an output line. A family description that
// the shell wrapped over several lines is joined until its braces balance.
func ParseDescribe(out string) (Schema, error) {
	out = cleanShellOutput(out)
	m := tableLineRe.FindStringSubmatch(out)
	if m == nil {
		if err := ShellError(out); err != nil {
			return Schema{}, fmt.Errorf("parse describe: %w", err)
		}
		return Schema{}, fmt.Errorf("parse describe: no \"Table <name> is ENABLED|DISABLED\" line in %q", tailString(out, 300))
	}
	s := Schema{Table: m[1]}
	lines := strings.Split(out, "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(line, "{NAME =>") {
			continue
		}
		text := line
		for depth(text) != 0 && i+1 < len(lines) {
			i++
			text += strings.TrimRight(lines[i], "\r")
		}
		v, err := parseRubyHash(text)
		if err != nil {
			return Schema{}, fmt.Errorf("parse describe %s: %w", s.Table, err)
		}
		f, err := familyFromHash(v)
		if err != nil {
			return Schema{}, fmt.Errorf("parse describe %s: %w", s.Table, err)
		}
		s.Families = append(s.Families, f)
	}
	if len(s.Families) == 0 {
		return Schema{}, fmt.Errorf("parse describe %s: no column family lines ({NAME => ...})", s.Table)
	}
	return s, nil
}

// depth is the brace depth at the end of text, ignoring braces in quoted strings.
func depth(text string) int {
	d, inQ := 0, false
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == '\'':
			inQ = !inQ
		case inQ:
		case c == '{':
			d++
		case c == '}':
			d--
		}
	}
	return d
}

func familyFromHash(h map[string]any) (Family, error) {
	name, ok := h["NAME"].(string)
	if !ok || name == "" {
		return Family{}, fmt.Errorf("column family without NAME")
	}
	f := Family{Name: name, Attributes: map[string]string{}}
	for k, v := range h {
		if k == "NAME" {
			continue
		}
		switch v := v.(type) {
		case string:
			f.Attributes[k] = v
		case map[string]any:
			flat := map[string]string{}
			for mk, mv := range v {
				s, ok := mv.(string)
				if !ok {
					return Family{}, fmt.Errorf("family %s: %s.%s: nested too deep", name, k, mk)
				}
				flat[mk] = s
			}
			switch k {
			case "METADATA":
				f.Metadata = flat
			case "CONFIGURATION":
				f.Configuration = flat
			default:
				for mk, mv := range flat {
					f.Attributes[k+"."+mk] = mv
				}
			}
		}
	}
	return f, nil
}

// parseRubyHash parses the hash syntax HBase prints for descriptors:
// {KEY => 'value', KEY => {'k' => 'v'}, ...}. Keys are bare words or quoted; values are
// quoted strings, bare words or nested hashes.
func parseRubyHash(text string) (map[string]any, error) {
	p := &hashParser{s: text}
	p.skipSpace()
	v, err := p.hash()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("trailing text after hash at %d in %q", p.i, text)
	}
	return v, nil
}

type hashParser struct {
	s string
	i int
}

func (p *hashParser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *hashParser) errorf(format string, a ...any) error {
	return fmt.Errorf("at %d in %q: %s", p.i, tailString(p.s, 200), fmt.Sprintf(format, a...))
}

func (p *hashParser) expect(tok string) error {
	p.skipSpace()
	if !strings.HasPrefix(p.s[p.i:], tok) {
		return p.errorf("want %q", tok)
	}
	p.i += len(tok)
	return nil
}

func (p *hashParser) hash() (map[string]any, error) {
	if err := p.expect("{"); err != nil {
		return nil, err
	}
	out := map[string]any{}
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return out, nil
	}
	for {
		p.skipSpace()
		key, err := p.scalar()
		if err != nil {
			return nil, err
		}
		if err := p.expect("=>"); err != nil {
			return nil, err
		}
		p.skipSpace()
		var val any
		if p.i < len(p.s) && p.s[p.i] == '{' {
			val, err = p.hash()
		} else {
			val, err = p.scalar()
		}
		if err != nil {
			return nil, err
		}
		if _, dup := out[key]; dup {
			return nil, p.errorf("key %s twice", key)
		}
		out[key] = val
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, p.errorf("unterminated hash")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return out, nil
		default:
			return nil, p.errorf("want ',' or '}'")
		}
	}
}

func (p *hashParser) scalar() (string, error) {
	if p.i >= len(p.s) {
		return "", p.errorf("unexpected end")
	}
	if p.s[p.i] == '\'' {
		end := strings.IndexByte(p.s[p.i+1:], '\'')
		if end < 0 {
			return "", p.errorf("unterminated quote")
		}
		v := p.s[p.i+1 : p.i+1+end]
		p.i += end + 2
		return v, nil
	}
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == ' ' || c == ',' || c == '}' || c == '{' || c == '=' || c == '\'' {
			break
		}
		p.i++
	}
	if p.i == start {
		return "", p.errorf("want a word or a quoted string")
	}
	return p.s[start:p.i], nil
}
