package store_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/atlas-backup/atlas-backup/shared/handler"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

// A store URL ParseURL accepts reads back the same (String, then ParseURL), its prefix
// is a valid key and matches the template's StorePrefix rule, and the host agent's SSM
// allowedPattern accepts its canonical form: every consumer agrees with the one parser.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"s3://my-backups/atlas", "s3://my-backups", "s3://my-backups/a/b/", "file:///var/backups", "file:///v/b/",
		"s3://user@b/x", "s3://b:1/x", "s3://b/a%26b", "s3://b/a b", "S3://b", "file://localhost/x", "s3://b//x", "s3://b/-x", "s3://b/x?y#z",
		"s3://xn--bcher-kva/x", "s3://1.2.3.4/x", "s3://b./x", "file:///a/../b", "s3://b/\u0430", "s3://b/x\x00"} {
		f.Add(s)
	}
	agentStore := regexp.MustCompile(handler.AgentPatternStore)
	prefix := regexp.MustCompile(store.PrefixPattern)
	f.Fuzz(func(t *testing.T, raw string) {
		loc, err := store.ParseURL(raw)
		if err != nil {
			return
		}
		again, err := store.ParseURL(loc.String())
		if err != nil || again != loc {
			t.Fatalf("ParseURL(%q) = %+v, but ParseURL(%q) = %+v, %v", raw, loc, loc.String(), again, err)
		}
		if !agentStore.MatchString(loc.String()) {
			t.Fatalf("%q parses, but the agent's SSM pattern refuses %q", raw, loc.String())
		}
		if strings.ContainsAny(raw, "%@?# \t\r\n\x00\\'\"") {
			t.Fatalf("%q parses with a character no consumer takes", raw)
		}
		if loc.Scheme == "s3" && loc.Prefix != "" {
			if err := store.ValidateKey(loc.Prefix); err != nil || !prefix.MatchString(loc.Prefix) {
				t.Fatalf("prefix %q of %q: %v", loc.Prefix, raw, err)
			}
			key := loc.Prefix + "/c/b/config/atlas-conf.tar.gz"
			if err := store.ValidateKey(key); err != nil || !regexp.MustCompile(handler.AgentPatternKey).MatchString(key) {
				t.Fatalf("key %q under %q: %v", key, raw, err)
			}
		}
	})
}
