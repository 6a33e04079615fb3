package kerberos

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jcmturner/gokrb5/v8/iana/errorcode"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/krberror"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"
)

const testRealm = "TEST.LOCAL"

// testKeytab makes a keytab for principal@TEST.LOCAL with a key derived from password.
func testKeytab(t *testing.T, principal, password string) *keytab.Keytab {
	t.Helper()
	kt := keytab.New()
	if err := kt.AddEntry(principal, testRealm, password, time.Unix(1700000000, 0), 1, etypeID.AES256_CTS_HMAC_SHA1_96); err != nil {
		t.Fatalf("AddEntry: %v", err)
	}
	return kt
}

func testConfig(t *testing.T, kdc string) string {
	t.Helper()
	return fmt.Sprintf(`[libdefaults]
  default_realm = %s
  dns_lookup_kdc = false
  udp_preference_limit = 1
  default_tkt_enctypes = aes256-cts-hmac-sha1-96
  default_tgs_enctypes = aes256-cts-hmac-sha1-96
  permitted_enctypes = aes256-cts-hmac-sha1-96
[realms]
  %s = {
    kdc = %s
  }
`, testRealm, testRealm, kdc)
}

// krbErr is the error text gokrb5 v8.4.4 produces when the KDC answers code.
func krbErr(code int32, exchange string) error {
	e := messages.NewKRBError(types.NewPrincipalName(nametype.KRB_NT_SRV_INST, "krbtgt/"+testRealm), testRealm, code, "")
	return krberror.Errorf(e, krberror.KDCError, "%s Exchange Error: kerberos error response from KDC", exchange)
}

func TestClassify(t *testing.T) {
	netErr := fmt.Errorf("failed to communicate with KDC. Attempts made with TCP (%v) and then UDP (%v)",
		errors.New("error sending to a KDC: error setting dial timeout on connection to 127.0.0.1:1: dial tcp 127.0.0.1:1: connect: connection refused"),
		errors.New("error sending to a KDC: ..."))
	tests := []struct {
		name string
		err  error
		want error
	}{
		{name: "nil", err: nil, want: nil},
		{name: "client principal unknown (6)", err: krbErr(errorcode.KDC_ERR_C_PRINCIPAL_UNKNOWN, "AS"), want: ErrBadCredentials},
		{name: "service principal unknown (7)", err: fmt.Errorf("could not initialize context: %v", krbErr(errorcode.KDC_ERR_S_PRINCIPAL_UNKNOWN, "TGS")), want: ErrUnknownService},
		{name: "preauth failed (24)", err: krbErr(errorcode.KDC_ERR_PREAUTH_FAILED, "AS"), want: ErrBadCredentials},
		{name: "bad integrity (31)", err: krbErr(errorcode.KRB_AP_ERR_BAD_INTEGRITY, "AS"), want: ErrBadCredentials},
		{name: "client revoked (18)", err: krbErr(errorcode.KDC_ERR_CLIENT_REVOKED, "AS"), want: ErrBadCredentials},
		{name: "clock skew (37)", err: krbErr(errorcode.KRB_AP_ERR_SKEW, "AS"), want: ErrClockSkew},
		{name: "AS-REP not decryptable with keytab key",
			err: krberror.Errorf(krberror.Errorf(errors.New("integrity verification failed"), krberror.DecryptingError, "error decrypting AS_REP encrypted part"),
				krberror.KRBMsgError, "AS Exchange Error: AS_REP is not valid or client password/keytab incorrect"),
			want: ErrBadCredentials},
		{name: "no key in keytab",
			err:  krberror.Errorf(errors.New(`matching key not found in keytab. Looking for "bob" realm: TEST.LOCAL kvno: 0 etype: 18`), krberror.EncryptingError, "error getting key from credentials"),
			want: ErrBadCredentials},
		{name: "network, AS", err: krberror.Errorf(netErr, krberror.NetworkingError, "AS Exchange Error: failed sending AS_REQ to KDC"), want: ErrKDCUnreachable},
		{name: "network, via AffirmLogin", err: fmt.Errorf("could not get valid TGT for client's realm: %v", krberror.Errorf(netErr, krberror.NetworkingError, "AS Exchange Error: failed sending AS_REQ to KDC")), want: ErrKDCUnreachable},
		{name: "no KDC for realm", err: krberror.Errorf(errors.New("no KDCs defined in configuration for realm OTHER"), krberror.NetworkingError, "AS Exchange Error: failed sending AS_REQ to KDC"), want: ErrKDCUnreachable},
		{name: "net.OpError", err: fmt.Errorf("x: %w", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}), want: ErrKDCUnreachable},
		{name: "already classified", err: &Error{Op: "login", Kind: ErrBadCredentials}, want: ErrBadCredentials},
		{name: "no SPN", err: fmt.Errorf("spnego h: %w", ErrNoSPN), want: ErrNoSPN},
		{name: "unclassified", err: errors.New("something else"), want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Classify(tt.err)
			if got != tt.want {
				t.Fatalf("Classify(%v) = %v, want %v", tt.err, got, tt.want)
			}
			if tt.err != nil && tt.want != nil {
				wrapped := classified("login", "bob@"+testRealm, "", tt.err)
				if !errors.Is(wrapped, tt.want) {
					t.Fatalf("errors.Is(%v, %v) = false", wrapped, tt.want)
				}
				if !strings.Contains(wrapped.Error(), tt.want.Error()) {
					t.Fatalf("message %q lacks reason %q", wrapped, tt.want)
				}
			}
		})
	}
}

func TestSplitPrincipal(t *testing.T) {
	cfg, err := ParseConfig(testConfig(t, "127.0.0.1:88"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		principal string
		wantName  string
		wantRealm string
		wantErr   bool
	}{
		{name: "with realm", principal: "atlas@OTHER.REALM", wantName: "atlas", wantRealm: "OTHER.REALM"},
		{name: "default realm", principal: "atlas", wantName: "atlas", wantRealm: testRealm},
		{name: "service principal", principal: "HTTP/host@X", wantName: "HTTP/host", wantRealm: "X"},
		{name: "empty", principal: "", wantErr: true},
		{name: "empty realm", principal: "atlas@", wantErr: true},
		{name: "empty name", principal: "@X", wantErr: true},
		{name: "two ats", principal: "a@b@C", wantErr: true},
		{name: "space", principal: "at las", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, r, err := SplitPrincipal(tt.principal, cfg)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if n != tt.wantName || r != tt.wantRealm {
				t.Fatalf("got %q %q, want %q %q", n, r, tt.wantName, tt.wantRealm)
			}
		})
	}
}

func TestParseKeytab(t *testing.T) {
	kt := testKeytab(t, "atlas", "secret")
	raw, err := kt.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		in      []byte
		wantErr bool
	}{
		{name: "raw", in: raw},
		{name: "base64", in: []byte(base64.StdEncoding.EncodeToString(raw) + "\n")},
		{name: "empty", in: nil, wantErr: true},
		{name: "not a keytab", in: []byte("hello world"), wantErr: true},
		{name: "truncated", in: raw[:len(raw)-10], wantErr: true},
		{name: "header only", in: raw[:2], wantErr: true},
		{name: "garbage after header", in: append([]byte{5, 2, 0, 0, 0, 40}, raw[6:20]...), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseKeytab(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				if !errors.Is(err, ErrBadKeytab) {
					t.Fatalf("error %v is not ErrBadKeytab", err)
				}
				// No key material in the message, in any form.
				msg := err.Error()
				key := kt.Entries[0].Key.KeyValue
				for _, leak := range []string{string(key[:8]), fmt.Sprintf("%x", key[:8]), fmt.Sprint(key[:8]), base64.StdEncoding.EncodeToString(key[:6])} {
					if strings.Contains(msg, leak) {
						t.Fatalf("error message carries key bytes: %q", msg)
					}
				}
				for _, r := range msg {
					if r < 0x20 || r == 0xfffd {
						t.Fatalf("error message carries binary: %q", msg)
					}
				}
				return
			}
			if p := KeytabPrincipals(got); len(p) != 1 || p[0] != "atlas@"+testRealm {
				t.Fatalf("principals = %v", p)
			}
		})
	}
}

// TestNewClientKDCUnreachable logs in for real through gokrb5 against a closed port.
func TestNewClientKDCUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg, err := ParseConfig(testConfig(t, addr))
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewClient("atlas", testKeytab(t, "atlas", "secret"), cfg)
	if !errors.Is(err, ErrKDCUnreachable) {
		t.Fatalf("err = %v, want ErrKDCUnreachable", err)
	}
	var kerr *Error
	if !errors.As(err, &kerr) || kerr.Principal != "atlas@"+testRealm || kerr.Reason() != "cannot reach KDC" {
		t.Fatalf("err = %#v", err)
	}
}

// fakeKDC answers every TCP request with a KRB-ERROR of the given code.
func fakeKDC(t *testing.T, code int32) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	e := messages.NewKRBError(types.NewPrincipalName(nametype.KRB_NT_SRV_INST, "krbtgt/"+testRealm), testRealm, code, "")
	body, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				var n uint32
				if binary.Read(c, binary.BigEndian, &n) != nil {
					return
				}
				if _, err := io.CopyN(io.Discard, c, int64(n)); err != nil {
					return
				}
				_ = binary.Write(c, binary.BigEndian, uint32(len(body)))
				_, _ = c.Write(body)
			}(c)
		}
	}()
	return ln.Addr().String()
}

func TestNewClientKDCErrors(t *testing.T) {
	tests := []struct {
		name string
		code int32
		want error
	}{
		{name: "client principal unknown", code: errorcode.KDC_ERR_C_PRINCIPAL_UNKNOWN, want: ErrBadCredentials},
		{name: "clock skew", code: errorcode.KRB_AP_ERR_SKEW, want: ErrClockSkew},
		{name: "server principal unknown", code: errorcode.KDC_ERR_S_PRINCIPAL_UNKNOWN, want: ErrUnknownService},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseConfig(testConfig(t, fakeKDC(t, tt.code)))
			if err != nil {
				t.Fatal(err)
			}
			_, err = NewClient("atlas@"+testRealm, testKeytab(t, "atlas", "secret"), cfg)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestNewClientKeytabWithoutPrincipal(t *testing.T) {
	cfg, err := ParseConfig(testConfig(t, "127.0.0.1:1"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewClient("atlas", testKeytab(t, "hbase", "secret"), cfg)
	if !errors.Is(err, ErrBadCredentials) || !strings.Contains(err.Error(), "hbase@"+testRealm) {
		t.Fatalf("err = %v", err)
	}
}

func TestSPNByHost(t *testing.T) {
	f := SPNByHost(map[string]string{
		"solr1.example.com:8983": "HTTP/solr1.example.com",
		"SOLR2.example.com":      "HTTP/solr2.example.com",
	}, "")
	withFallback := SPNByHost(map[string]string{"a:1": "HTTP/a"}, "HTTP/default")
	tests := []struct {
		name    string
		f       func(*http.Request) (string, error)
		url     string
		want    string
		wantErr error
	}{
		{name: "host and port", f: f, url: "https://solr1.example.com:8983/solr", want: "HTTP/solr1.example.com"},
		{name: "host only key, case-insensitive", f: f, url: "https://solr2.EXAMPLE.com:8984/solr", want: "HTTP/solr2.example.com"},
		{name: "other port of host with port key", f: f, url: "https://solr1.example.com:9999/solr", wantErr: ErrNoSPN},
		{name: "ip address is not guessed", f: f, url: "https://10.0.0.1:8983/solr", wantErr: ErrNoSPN},
		{name: "fallback", f: withFallback, url: "https://b:2/solr", want: "HTTP/default"},
		{name: "map before fallback", f: withFallback, url: "https://a:1/solr", want: "HTTP/a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tt.url, nil)
			got, err := tt.f(req)
			if !errors.Is(err, tt.wantErr) || got != tt.want {
				t.Fatalf("got %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestValidateSPN(t *testing.T) {
	tests := []struct {
		name    string
		spn     string
		wantErr error
	}{
		{name: "ok", spn: "HTTP/localhost"},
		{name: "empty", spn: "", wantErr: ErrNoSPN},
		{name: "with realm", spn: "HTTP/localhost@REALM", wantErr: ErrInvalidSPN},
		{name: "no host", spn: "HTTP/", wantErr: ErrInvalidSPN},
		{name: "no slash", spn: "HTTP", wantErr: ErrInvalidSPN},
		{name: "three parts", spn: "HTTP/a/b", wantErr: ErrInvalidSPN},
		{name: "space", spn: "HTTP/a b", wantErr: ErrInvalidSPN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := ValidateSPN(tt.spn); !errors.Is(err, tt.wantErr) {
				t.Fatalf("ValidateSPN(%q) = %v, want %v", tt.spn, err, tt.wantErr)
			}
		})
	}
}

// recorder is a base RoundTripper that records what it was sent and answers with codes in turn.
type recorder struct {
	codes  []int
	reqs   []*http.Request
	auths  []string
	bodies []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.reqs = append(r.reqs, req)
	r.auths = append(r.auths, req.Header.Get("Authorization"))
	var body string
	if req.Body != nil {
		b, _ := io.ReadAll(req.Body)
		req.Body.Close()
		body = string(b)
	}
	r.bodies = append(r.bodies, body)
	code := r.codes[0]
	if len(r.codes) > 1 {
		r.codes = r.codes[1:]
	}
	return &http.Response{StatusCode: code, Body: io.NopCloser(strings.NewReader("x")), Header: http.Header{}, Request: req}, nil
}

func counterToken() (func(string) (string, error), *atomic.Int32, *[]string) {
	var n atomic.Int32
	var spns []string
	return func(spn string) (string, error) {
		spns = append(spns, spn)
		return fmt.Sprintf("Negotiate tok%d", n.Add(1)), nil
	}, &n, &spns
}

func TestTransport(t *testing.T) {
	tests := []struct {
		name      string
		codes     []int
		noRetry   bool
		body      string // POST body; "" means GET
		noGetBody bool
		wantCode  int
		wantAuths []string
	}{
		{name: "200 one token", codes: []int{200}, wantCode: 200, wantAuths: []string{"Negotiate tok1"}},
		{name: "401 then 200 retries with fresh token", codes: []int{401, 200}, wantCode: 200, wantAuths: []string{"Negotiate tok1", "Negotiate tok2"}},
		{name: "401 twice gives the 401", codes: []int{401, 401}, wantCode: 401, wantAuths: []string{"Negotiate tok1", "Negotiate tok2"}},
		{name: "401 with NoRetry", codes: []int{401}, noRetry: true, wantCode: 401, wantAuths: []string{"Negotiate tok1"}},
		{name: "401 replays body", codes: []int{401, 200}, body: "a=b", wantCode: 200, wantAuths: []string{"Negotiate tok1", "Negotiate tok2"}},
		{name: "401 body not replayable", codes: []int{401}, body: "a=b", noGetBody: true, wantCode: 401, wantAuths: []string{"Negotiate tok1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{codes: tt.codes}
			tok, _, spns := counterToken()
			tr := &Transport{Base: rec, SPN: StaticSPN("HTTP/localhost"), NoRetry: tt.noRetry, token: tok}
			var req *http.Request
			if tt.body == "" {
				req, _ = http.NewRequest(http.MethodGet, "https://localhost:8443/solr/admin/collections?action=LIST", nil)
			} else {
				req, _ = http.NewRequest(http.MethodPost, "https://localhost:8443/solr/x", strings.NewReader(tt.body))
				if tt.noGetBody {
					req.GetBody = nil
				}
			}
			req.Header.Set("X-Caller", "kept")
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.wantCode {
				t.Fatalf("code = %d, want %d", resp.StatusCode, tt.wantCode)
			}
			if fmt.Sprint(rec.auths) != fmt.Sprint(tt.wantAuths) {
				t.Fatalf("auths = %v, want %v", rec.auths, tt.wantAuths)
			}
			for i, sent := range rec.reqs {
				if sent == req {
					t.Fatalf("request %d: the caller's request was sent, not a clone", i)
				}
				if sent.Header.Get("X-Caller") != "kept" {
					t.Fatalf("request %d lost caller headers", i)
				}
				if tt.body != "" && rec.bodies[i] != tt.body {
					t.Fatalf("request %d body = %q", i, rec.bodies[i])
				}
			}
			if req.Header.Get("Authorization") != "" {
				t.Fatal("caller's request was mutated")
			}
			for _, s := range *spns {
				if s != "HTTP/localhost" {
					t.Fatalf("spn = %q", s)
				}
			}
		})
	}
}

func TestTransportErrors(t *testing.T) {
	failing := func(err error) func(string) (string, error) {
		return func(string) (string, error) { return "", err }
	}
	tests := []struct {
		name    string
		tr      *Transport
		wantErr error
	}{
		{name: "no SPN func", tr: &Transport{token: failing(nil)}, wantErr: ErrNoSPN},
		{name: "SPN func says none", tr: &Transport{SPN: SPNByHost(nil, ""), token: failing(nil)}, wantErr: ErrNoSPN},
		{name: "SPN with realm", tr: &Transport{SPN: StaticSPN("HTTP/localhost@R"), token: failing(nil)}, wantErr: ErrInvalidSPN},
		{name: "SPN unknown at KDC", tr: &Transport{SPN: StaticSPN("HTTP/nope"), token: failing(fmt.Errorf("could not initialize context: %v", krbErr(errorcode.KDC_ERR_S_PRINCIPAL_UNKNOWN, "TGS")))}, wantErr: ErrUnknownService},
		{name: "no client", tr: &Transport{SPN: StaticSPN("HTTP/localhost")}, wantErr: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{codes: []int{200}}
			tt.tr.Base = rec
			hc := &http.Client{Transport: tt.tr}
			_, err := hc.Get("https://localhost:8443/solr/admin/collections")
			if err == nil {
				t.Fatal("no error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if len(rec.reqs) != 0 {
				t.Fatal("request was sent without a token")
			}
		})
	}
}

func TestAdvise(t *testing.T) {
	tests := []struct {
		name, msg, want string
	}{
		{name: "rotated key (gokrb5)", msg: "KRB Error: (24) KDC_ERR_PREAUTH_FAILED Pre-authentication information was invalid", want: "(kvno 2) for bob@R is not the key the KDC holds: the key was rotated"},
		{name: "rotated key (MIT kinit)", msg: "kinit: Preauthentication failed while getting initial credentials", want: "the key was rotated"},
		{name: "password expired", msg: "KRB Error: (23) KDC_ERR_KEY_EXPIRED Password has expired - change password to reset", want: "has expired in the KDC: renew it there"},
		{name: "principal expired (MIT kinit)", msg: "kinit: Client's entry in database has expired while getting initial credentials", want: "bob@R has expired in the KDC (its principal/account expiry)"},
		{name: "skew", msg: "KRB Error: (37) KRB_AP_ERR_SKEW Clock skew too great", want: "sync the clocks"},
		{name: "skew (MIT kinit)", msg: "kinit: Clock skew too great while getting initial credentials", want: "sync the clocks"},
		{name: "revoked", msg: "KRB Error: (18) KDC_ERR_CLIENT_REVOKED Clients credentials have been revoked", want: "disabled or locked out"},
		{name: "unknown client", msg: "KRB Error: (6) KDC_ERR_C_PRINCIPAL_UNKNOWN Client not found in Kerberos database", want: "does not know bob@R"},
		{name: "unreachable: no advice beyond the reason", msg: "AS Exchange Error: failed sending AS_REQ to KDC: connection refused", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Advise(errors.New(tt.msg), "bob@R", "kvno 2")
			if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
				t.Fatalf("Advise(%q) = %q, want it to say %q", tt.msg, got, tt.want)
			}
		})
	}
	if got := Advise(nil, "bob@R", ""); got != "" {
		t.Fatalf("Advise(nil) = %q", got)
	}
}
