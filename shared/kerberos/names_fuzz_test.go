package kerberos_test

import (
	"strings"
	"testing"

	"github.com/atlas-backup/atlas-backup/shared/hbase"
	"github.com/atlas-backup/atlas-backup/shared/kerberos"
)

// A principal ParsePrincipal accepts is written back unchanged, is never option-like,
// carries no "..", and kinit's argv builder takes it as one word.
func FuzzParsePrincipal(f *testing.F) {
	for _, s := range []string{"hbase@EXAMPLE.COM", "atlas", "HTTP/solr1.example.com@EXAMPLE.COM", "hbase/_HOST@R", "-rf", "a@b@c", "a/../b@R",
		"a@R.", "a@", "@R", "a b@R", "a\n@R", "hb\u0430se@R", strings.Repeat("a", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := kerberos.ParsePrincipal(s)
		if err != nil {
			return
		}
		if p.String() != s || strings.HasPrefix(s, "-") || strings.Contains(s, "..") || len(s) > kerberos.MaxPrincipalLen {
			t.Fatalf("ParsePrincipal(%q) = %+v (%s)", s, p, p)
		}
		argv, err := hbase.KinitArgv(s, "/etc/k.keytab")
		if err != nil || argv[len(argv)-1] != s {
			t.Fatalf("kinit argv for an accepted principal %q: %v %v", s, argv, err)
		}
	})
}

// An SPN ParseSPN accepts is SERVICE/host as written, without a realm, and the SPNEGO
// transport takes it.
func FuzzParseSPN(f *testing.F) {
	for _, s := range []string{"HTTP/solr1.example.com", "HTTP/localhost", "HTTP/127.0.0.1", "HTTP/a@R", "HTTP/a.", "HTTP/-a", "/a", "HTTP/", "HTTP/bücher"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spn, err := kerberos.ParseSPN(s)
		if err != nil {
			return
		}
		if spn.String() != s || strings.ContainsAny(s, "@ \t\r\n") || strings.HasSuffix(s, ".") {
			t.Fatalf("ParseSPN(%q) = %+v", s, spn)
		}
		if err := kerberos.ValidateSPN(s); err != nil {
			t.Fatalf("transport refuses an accepted SPN %q: %v", s, err)
		}
	})
}
