package runner

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

var hostileArgs = []struct {
	name string
	arg  string
}{
	{"plain", "hbase"},
	{"empty", ""},
	{"space", "a b"},
	{"command substitution", "$(touch /tmp/pwned)"},
	{"backticks", "`id`"},
	{"variable", "$HOME ${PATH}"},
	{"semicolon", "a; rm -rf /"},
	{"and or pipe", "a && b || c | d"},
	{"newline", "line1\nline2"},
	{"carriage return", "a\rb"},
	{"single quote", "it's"},
	{"only quotes", "'''"},
	{"double quote", `say "hi"`},
	{"backslash", `a\b\\c\`},
	{"glob", "*.txt ?[ab]"},
	{"tilde", "~root"},
	{"redirect", "> /etc/passwd < x 2>&1"},
	{"comment", "# not a comment"},
	{"dash option", "-rf"},
	{"unicode", "häßlich ✓"},
	{"tab", "a\tb"},
	{"braces", "{a,b}"},
	{"history", "!!"},
}

func TestShellQuote(t *testing.T) {
	tests := []struct {
		name string
		argv []string
		want string
	}{
		{"simple", []string{"hbase", "shell", "-n"}, `'hbase' 'shell' '-n'`},
		{"empty arg", []string{"echo", ""}, `'echo' ''`},
		{"single quote", []string{"echo", "it's"}, `'echo' 'it'\''s'`},
		{"substitution stays literal", []string{"echo", "$(id)"}, `'echo' '$(id)'`},
		{"backticks", []string{"echo", "`id`"}, "'echo' '`id`'"},
		{"semicolon", []string{"a;b"}, `'a;b'`},
		{"newline", []string{"a\nb"}, "'a\nb'"},
		{"glob", []string{"*"}, `'*'`},
		{"no args", nil, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ShellQuote(tt.argv); got != tt.want {
				t.Errorf("ShellQuote(%q) = %s, want %s", tt.argv, got, tt.want)
			}
		})
	}
}

// TestShellQuoteRoundTrip hands the quoted words to a real /bin/sh and checks that the
// program receives exactly the original arguments.
func TestShellQuoteRoundTrip(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh: ", err)
	}
	dir := t.TempDir()
	for _, tt := range hostileArgs {
		t.Run(tt.name, func(t *testing.T) {
			argv := []string{"printf", `%s\000`, tt.arg, "after"}
			cmd := exec.Command(sh, "-c", "set -eu\n"+ShellQuote(argv))
			cmd.Dir = dir
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("sh: %v", err)
			}
			got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
			if len(got) != 2 || got[0] != tt.arg || got[1] != "after" {
				t.Errorf("round trip of %q gave %q", tt.arg, got)
			}
		})
	}
	// nothing may have been created by an injected command
	out, _ := exec.Command("ls", "-A", dir).Output()
	if len(bytes.TrimSpace(out)) != 0 {
		t.Errorf("quoted input created files: %s", out)
	}
}
