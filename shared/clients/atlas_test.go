package clients

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlas-backup/atlas-backup/shared/config"
)

func atlasCfg(t *testing.T, yaml string) config.Config {
	t.Helper()
	dir := t.TempDir()
	base := `cluster: c1
kerberos: {disabled: true}
hbase: {exportDir: ` + dir + `}
solr: {nodes: [{url: "http://127.0.0.1:9/solr"}], location: ` + dir + `}
store: file://` + dir + `
workDir: ` + dir + `/work
`
	c, err := config.Parse([]byte(base + yaml))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Basic login: the password is the file's first line, sent as basic credentials on
// Atlas requests and never on the probe; no SPNEGO.
func TestAtlasClientBasic(t *testing.T) {
	var gotAuth []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		gotAuth = append(gotAuth, strings.Join([]string{u, p, map[bool]string{true: "basic"}[ok], r.Header.Get("Authorization")[:min(9, len(r.Header.Get("Authorization")))]}, "|"))
		if !ok {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Write([]byte(`{"Version":"2.1.0"}`))
	}))
	defer srv.Close()
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte("s3cret\r\nignored second line\n"), 0o600)
	s, err := Open(context.Background(), atlasCfg(t, "atlas: {url: "+srv.URL+", user: admin, passwordFile: "+pw+"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Atlas == nil || s.Atlas.User != "admin" || string(s.Atlas.Password) != "s3cret" {
		t.Fatalf("atlas client %+v", s.Atlas)
	}
	if vi, err := s.Atlas.Version(context.Background()); err != nil || vi.Version != "2.1.0" {
		t.Fatalf("version: %+v %v", vi, err)
	}
	if l := s.Atlas.Up(context.Background()); !l.Up || l.HTTPStatus != 401 {
		t.Fatalf("probe: %+v", l)
	}
	if len(gotAuth) != 2 || gotAuth[0] != "admin|s3cret|basic|Basic YWR" || gotAuth[1] != "|||" {
		t.Fatalf("authorization seen: %q", gotAuth)
	}
}

// Kerberos: the Atlas client authenticates with SPNEGO for atlas.spn, logging in lazily
// (Open does no network I/O).
func TestAtlasClientKerberos(t *testing.T) {
	dir := t.TempDir()
	kt := filepath.Join(dir, "k.keytab")
	os.WriteFile(kt, []byte{5, 2}, 0o600)
	krb := filepath.Join(dir, "krb5.conf")
	os.WriteFile(krb, []byte("[libdefaults]\n default_realm = EXAMPLE.COM\n"), 0o600)
	c, err := config.Parse([]byte(`cluster: c1
atlas: {url: "https://atlas1.example.com:21443", spn: HTTP/atlas1.example.com}
kerberos: {principal: atlas@EXAMPLE.COM, keytab: ` + kt + `, krb5Conf: ` + krb + `}
hbase: {exportDir: ` + dir + `, principal: hbase@EXAMPLE.COM, keytab: ` + kt + `}
solr: {nodes: [{url: "https://solr1.example.com:8886/solr", spn: HTTP/solr1.example.com}], location: ` + dir + `}
store: file://` + dir + `
workDir: ` + dir + `/work
`))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	lt, ok := s.Atlas.HTTP.Transport.(*lazyTransport)
	if !ok || s.Atlas.User != "" {
		t.Fatalf("atlas transport %T, user %q: want SPNEGO", s.Atlas.HTTP.Transport, s.Atlas.User)
	}
	req, _ := http.NewRequest(http.MethodGet, "https://atlas1.example.com:21443/api/atlas/admin/version", nil)
	if spn, err := lt.spn(req); err != nil || spn != "HTTP/atlas1.example.com" {
		t.Fatalf("spn %q %v", spn, err)
	}
}
