//go:build integration

package kerberos

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/keytab"

	"github.com/atlas-backup/atlas-backup/shared/stacktest"
)

// stackEnv returns the named variables of the stack's environment (shared/stacktest).
func stackEnv(t *testing.T, names ...string) stacktest.Env {
	t.Helper()
	return stacktest.Require(t, names...)
}

func stackLogin(t *testing.T) (env stacktest.Env, tr func(base http.RoundTripper) *Transport) {
	t.Helper()
	env = stackEnv(t, "KRB5_CONFIG", "STACK_CLIENT_PRINCIPAL", "STACK_CLIENT_KEYTAB", "STACK_SOLR_SPN")
	cfg, err := LoadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	kt, err := LoadKeytab(env["STACK_CLIENT_KEYTAB"])
	if err != nil {
		t.Fatal(err)
	}
	cl, err := NewClient(env["STACK_CLIENT_PRINCIPAL"], kt, cfg)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	t.Cleanup(cl.Destroy)
	return env, func(base http.RoundTripper) *Transport {
		return &Transport{Base: base, Client: cl, SPN: StaticSPN(env["STACK_SOLR_SPN"])}
	}
}

func TestIntegrationLogin(t *testing.T) {
	stackLogin(t)
}

func TestIntegrationKeytabBytes(t *testing.T) {
	env := stackEnv(t, "KRB5_CONFIG", "STACK_CLIENT_PRINCIPAL", "STACK_CLIENT_KEYTAB")
	cfg, err := LoadConfig(env["KRB5_CONFIG"])
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(env["STACK_CLIENT_KEYTAB"])
	if err != nil {
		t.Fatal(err)
	}
	cl, err := NewClientFromKeytabBytes(env["STACK_CLIENT_PRINCIPAL"], b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	cl.Destroy()
}

func randomPassword(t *testing.T) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func TestIntegrationBadCredentials(t *testing.T) {
	env := stackEnv(t, "KRB5_CONFIG", "STACK_CLIENT_PRINCIPAL")
	cfg, err := LoadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	name, realm, err := SplitPrincipal(env["STACK_CLIENT_PRINCIPAL"], cfg)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		principal string
	}{
		{name: "wrong key for a known principal", principal: name},
		{name: "principal unknown to the KDC", principal: "nobody-" + randomPassword(t)[:8]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kt := keytab.New()
			for _, et := range []int32{etypeID.AES256_CTS_HMAC_SHA1_96, etypeID.AES128_CTS_HMAC_SHA1_96} {
				if err := kt.AddEntry(tt.principal, realm, randomPassword(t), time.Now(), 1, et); err != nil {
					t.Fatal(err)
				}
			}
			_, err := NewClient(tt.principal+"@"+realm, kt, cfg)
			if !errors.Is(err, ErrBadCredentials) {
				t.Fatalf("err = %v, want ErrBadCredentials", err)
			}
			t.Logf("got: %v", err)
		})
	}
}

func TestIntegrationKDCUnreachable(t *testing.T) {
	env := stackEnv(t, "KRB5_CONFIG", "STACK_KDC_ADDR", "STACK_CLIENT_PRINCIPAL", "STACK_CLIENT_KEYTAB")
	conf, err := os.ReadFile(env["KRB5_CONFIG"])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(conf), env["STACK_KDC_ADDR"]) {
		t.Fatalf("%s does not name the KDC %s", env["KRB5_CONFIG"], env["STACK_KDC_ADDR"])
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	path := filepath.Join(t.TempDir(), "krb5.conf")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(conf), env["STACK_KDC_ADDR"], closed)), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	kt, err := LoadKeytab(env["STACK_CLIENT_KEYTAB"])
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewClient(env["STACK_CLIENT_PRINCIPAL"], kt, cfg)
	if !errors.Is(err, ErrKDCUnreachable) {
		t.Fatalf("err = %v, want ErrKDCUnreachable", err)
	}
	t.Logf("got: %v", err)
}

func TestIntegrationUnknownSPN(t *testing.T) {
	_, newTransport := stackLogin(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	tr := newTransport(nil)
	tr.SPN = StaticSPN("HTTP/no-such-host.invalid")
	_, err := (&http.Client{Transport: tr}).Get(srv.URL)
	if !errors.Is(err, ErrUnknownService) {
		t.Fatalf("err = %v, want ErrUnknownService", err)
	}
	t.Logf("got: %v", err)
}

func TestIntegrationSolrNodes(t *testing.T) {
	env, newTransport := stackLogin(t)
	env2 := stackEnv(t, "STACK_SOLR_URLS", "STACK_SOLR_CA")
	pem, err := os.ReadFile(env2["STACK_SOLR_CA"])
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("no certificate in %s", env2["STACK_SOLR_CA"])
	}
	withCA := http.DefaultTransport.(*http.Transport).Clone()
	withCA.TLSClientConfig = &tls.Config{RootCAs: pool}
	withoutCA := http.DefaultTransport.(*http.Transport).Clone()

	get := func(t *testing.T, rt http.RoundTripper, url string) (int, error) {
		resp, err := (&http.Client{Transport: rt, Timeout: 30 * time.Second}).Get(url)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, nil
	}
	for _, node := range strings.Split(env2["STACK_SOLR_URLS"], ",") {
		node = strings.TrimRight(strings.TrimSpace(node), "/")
		url := node + "/admin/collections?action=CLUSTERSTATUS&wt=json"
		t.Run(node, func(t *testing.T) {
			if code, err := get(t, newTransport(withCA), url); err != nil || code != http.StatusOK {
				t.Fatalf("with SPNEGO (%s): code %d, err %v", env["STACK_SOLR_SPN"], code, err)
			}
			if code, err := get(t, withCA, url); err != nil || code != http.StatusUnauthorized {
				t.Fatalf("without SPNEGO: code %d, err %v; want 401", code, err)
			}
			_, err := get(t, newTransport(withoutCA), url)
			var unknownCA x509.UnknownAuthorityError
			if !errors.As(err, &unknownCA) {
				t.Fatalf("without the CA: err %v, want x509.UnknownAuthorityError", err)
			}
		})
	}
}
