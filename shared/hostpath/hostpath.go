package hostpath

import (
	"fmt"
	"regexp"
	"strings"
)

// MaxLen bounds a path (the host agent's SSM document takes confDir up to this length:
// template.yaml AgentDocument).
const MaxLen = 1000

// Rule says what Validate accepts, for error messages.
const Rule = "must be an absolute path of '/'-separated segments of letters, digits and ._@+=,- (not . or .., not starting with -), not / itself, at most 1000 characters"

// Validate checks p: absolute; segments of [A-Za-z0-9._@+=,-], none empty (one trailing
// '/' is allowed), ".", ".." or starting with '-'; not "/" itself; at most MaxLen bytes.
// Such a path is one argv word, needs no quoting in the agent's single-quoted SSM
// command, and names the same file on every host.
func Validate(p string) error {
	if p == "" {
		return fmt.Errorf("path is empty: %s", Rule)
	}
	if len(p) > MaxLen {
		return fmt.Errorf("path %.40q...: longer than %d characters: %s", p, MaxLen, Rule)
	}
	if p[0] != '/' || p == "/" {
		return fmt.Errorf("path %q: %s", p, Rule)
	}
	body := strings.TrimSuffix(p[1:], "/")
	for _, seg := range strings.Split(body, "/") {
		if !segmentOK(seg) {
			return fmt.Errorf("path %q: segment %q: %s", p, seg, Rule)
		}
	}
	return nil
}

func segmentOK(seg string) bool {
	if seg == "" || seg == "." || seg == ".." || seg[0] == '-' {
		return false
	}
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._@+=,-", c) >= 0) {
			return false
		}
	}
	return true
}

// Clean returns p without its trailing '/' (Validate(p) must hold).
func Clean(p string) string {
	if len(p) > 1 {
		return strings.TrimSuffix(p, "/")
	}
	return p
}

var programRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}$`)

// ProgramRule says what ValidateProgram accepts.
const ProgramRule = "must be a command name of letters, digits and _.+- (not starting with - or .) or an absolute path (" + Rule + "), without '..'"

// ValidateProgram is the one rule for a program to run on a host, the first word of an
// argv (hbase.command, a hook's program): a command name found on PATH, such as "hbase"
// or "curl", or an absolute path (Validate's rule, not ending in '/'); never option-like,
// never "..".
func ValidateProgram(bin string) error {
	if strings.HasPrefix(bin, "/") {
		if err := Validate(bin); err != nil || strings.HasSuffix(bin, "/") {
			return fmt.Errorf("program %.80q: %s", bin, ProgramRule)
		}
		return nil
	}
	if !programRe.MatchString(bin) || strings.Contains(bin, "..") {
		return fmt.Errorf("program %.80q: %s", bin, ProgramRule)
	}
	return nil
}
