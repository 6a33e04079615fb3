package hostpath_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/atlas-backup/atlas-backup/shared/handler"
	"github.com/atlas-backup/atlas-backup/shared/hostpath"
)

// A path Validate accepts is absolute, one argv word with no character a shell, the
// agent's single quotes or SSM's allowedPattern would treat specially, and no
// traversal.
func FuzzValidate(f *testing.F) {
	for _, s := range []string{"/etc/atlas/conf", "/a/../b", "/a b", "/-rf", "//x", "/a/", "/", "rel", "/a%2e", "/\u0430", "/a\x00"} {
		f.Add(s)
	}
	confDir := regexp.MustCompile(handler.AgentPatternConfDir)
	f.Fuzz(func(t *testing.T, p string) {
		if hostpath.Validate(p) != nil {
			return
		}
		if !confDir.MatchString(p) {
			t.Fatalf("%q accepted, but the agent's SSM pattern refuses it", p)
		}
		for _, seg := range strings.Split(strings.Trim(p, "/"), "/") {
			if seg == ".." || seg == "." || seg == "" || strings.HasPrefix(seg, "-") {
				t.Fatalf("%q accepted with segment %q", p, seg)
			}
		}
		if strings.ContainsAny(p, "'\"`$;|&<>*?~\\ \t\r\n\x00%") {
			t.Fatalf("%q accepted with a special character", p)
		}
	})
}
