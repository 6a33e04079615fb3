package kerberos

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/spnego"
)

// Transport is an http.RoundTripper that authenticates each request with SPNEGO
// ("Authorization: Negotiate <token>"). It sends a clone of the request; the caller's
// request is never modified. Transport is safe for concurrent use when Base and Client
// are.
type Transport struct {
	// Base sends the authenticated request; nil means http.DefaultTransport.
	Base http.RoundTripper
	// Client is a logged-in gokrb5 client (NewClient).
	Client *client.Client
	// SPN returns the service principal for a request, "service/host" without @REALM
	// (for example "HTTP/solr1.example.com"). Required: see StaticSPN and SPNByHost.
	SPN func(*http.Request) (string, error)
	// NoRetry turns off the single retry of a request answered 401.
	NoRetry bool

	// token makes the Negotiate header value for an SPN; nil means gokrb5's SPNEGO
	// client. Tests replace it.
	token func(spn string) (string, error)
}

var _ http.RoundTripper = (*Transport)(nil)

// StaticSPN returns an SPN func that gives spn for every request.
func StaticSPN(spn string) func(*http.Request) (string, error) {
	return func(*http.Request) (string, error) { return spn, nil }
}

// SPNByHost returns an SPN func that looks the request's host up in byHost, keyed by
// "host:port" as written in the URL (case-insensitive), then by host alone; then
// fallback. When nothing matches and fallback is empty it fails with ErrNoSPN naming the
// host: the SPN is never derived from the URL.
func SPNByHost(byHost map[string]string, fallback string) func(*http.Request) (string, error) {
	m := make(map[string]string, len(byHost))
	for k, v := range byHost {
		m[strings.ToLower(k)] = v
	}
	return func(r *http.Request) (string, error) {
		host := strings.ToLower(r.URL.Host)
		if spn, ok := m[host]; ok {
			return spn, nil
		}
		if h, _, err := net.SplitHostPort(host); err == nil {
			if spn, ok := m[h]; ok {
				return spn, nil
			}
		}
		if fallback != "" {
			return fallback, nil
		}
		return "", fmt.Errorf("%w: host %s", ErrNoSPN, r.URL.Host)
	}
}

// ValidateSPN checks an SPN after ParseSPN's rule: ErrNoSPN when empty, else ErrInvalidSPN.
func ValidateSPN(spn string) error {
	if spn == "" {
		return ErrNoSPN
	}
	if _, err := ParseSPN(spn); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSPN, err)
	}
	return nil
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	spn, err := t.spnFor(req)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	out := req.Clone(req.Context())
	if err := t.authorize(out, spn); err != nil {
		closeBody(req)
		return nil, err
	}
	resp, err := t.base().RoundTrip(out)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || t.NoRetry {
		return resp, err
	}
	retry, ok := rewind(req)
	if !ok {
		return resp, nil
	}
	// One more try with a fresh authenticator.
	if err := t.authorize(retry, spn); err != nil {
		closeBody(retry)
		return resp, nil // keep the server's 401: it says more than the second failure
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	return t.base().RoundTrip(retry)
}

func (t *Transport) base() http.RoundTripper {
	if t.Base != nil {
		return t.Base
	}
	return http.DefaultTransport
}

func (t *Transport) spnFor(req *http.Request) (string, error) {
	if t.SPN == nil {
		return "", fmt.Errorf("spnego %s: %w (Transport.SPN is not set)", req.URL.Host, ErrNoSPN)
	}
	spn, err := t.SPN(req)
	if err != nil {
		return "", fmt.Errorf("spnego %s: %w", req.URL.Host, err)
	}
	if err := ValidateSPN(spn); err != nil {
		return "", fmt.Errorf("spnego %s: %w", req.URL.Host, err)
	}
	return spn, nil
}

// authorize sets the Negotiate header on r, which must be a request this package owns.
func (t *Transport) authorize(r *http.Request, spn string) error {
	tok := t.token
	if tok == nil {
		if t.Client == nil {
			return errors.New("spnego: Transport.Client is nil")
		}
		tok = t.gokrb5Token
	}
	v, err := tok(spn)
	if err != nil {
		var kerr *Error
		if errors.As(err, &kerr) {
			return err
		}
		return classified("spnego", t.principal(), spn, err)
	}
	r.Header.Set("Authorization", v)
	return nil
}

func (t *Transport) principal() string {
	if t.Client == nil || t.Client.Credentials == nil {
		return ""
	}
	return t.Client.Credentials.UserName() + "@" + t.Client.Credentials.Domain()
}

// gokrb5Token builds the header with gokrb5: AffirmLogin (log in again if the TGT is
// gone), a service ticket (cached per SPN), a fresh authenticator.
func (t *Transport) gokrb5Token(spn string) (string, error) {
	s := spnego.SPNEGOClient(t.Client, spn)
	if err := s.AcquireCred(); err != nil {
		return "", err
	}
	st, err := s.InitSecContext()
	if err != nil {
		return "", err
	}
	b, err := st.Marshal()
	if err != nil {
		return "", fmt.Errorf("marshal SPNEGO token: %w", err)
	}
	return "Negotiate " + base64.StdEncoding.EncodeToString(b), nil
}

// rewind returns a copy of req with a fresh body, or false when the body cannot be
// replayed.
func rewind(req *http.Request) (*http.Request, bool) {
	r := req.Clone(req.Context())
	if req.Body == nil || req.Body == http.NoBody {
		return r, true
	}
	if req.GetBody == nil {
		return nil, false
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, false
	}
	r.Body = body
	return r, true
}

func closeBody(r *http.Request) {
	if r != nil && r.Body != nil {
		_ = r.Body.Close()
	}
}
