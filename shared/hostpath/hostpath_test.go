package hostpath

import (
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	good := []string{"/etc/atlas/conf", "/etc/atlas/conf/", "/a", "/tmp/x.keytab", "/srv/a@b+c=d,e-f_g", "/v/.hidden", "/" + strings.Repeat("a", MaxLen-1)}
	bad := []string{"", "/", "relative/x", "./x", "/a/../b", "/a/./b", "/a//b", "/a b", "/a\nb", "/a\x00b", "/a;b", "/a$(id)", "/a`id`", "/a'b", "/a\"b", "/a|b", "/a&b",
		"/-rf", "/a/-x", "/a%2e%2e/b", "/а", "/a\u200b", "/a\\b", "/a*", "/a?", "/a~", "//host/share", "/" + strings.Repeat("a", MaxLen), "~/x", "/a\tb", "/a\rb"}
	for _, p := range good {
		if err := Validate(p); err != nil {
			t.Errorf("Validate(%q) = %v, want ok", p, err)
		}
	}
	for _, p := range bad {
		if err := Validate(p); err == nil {
			t.Errorf("Validate(%q) = nil, want an error", p)
		}
	}
	if Clean("/a/b/") != "/a/b" || Clean("/a") != "/a" {
		t.Error("Clean")
	}
}
