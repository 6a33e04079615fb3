package atlas

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/secret"
)

// Authentication modes of an Atlas server.
const (
	// AuthBasic: HTTP basic credentials (Atlas's file, LDAP or PAM login).
	AuthBasic = "basic"
	// AuthKerberos: SPNEGO with the Kerberos identity (a kerberized cluster).
	AuthKerberos = "kerberos"
)

// Client talks to Atlas's REST API. HTTP carries the authentication for kerberos (a
// kerberos.Transport); for basic, User and Password are sent with every request. Every
// method is one bounded request.
type Client struct {
	// BaseURL is Atlas's URL, e.g. https://atlas1.example.com:21443.
	BaseURL string
	// HTTP sends the authenticated requests.
	HTTP *http.Client
	// User and Password: basic credentials (empty for kerberos). Password never
	// reaches a log line, an error or a manifest.
	User     string
	Password secret.Bytes
	// Probe sends unauthenticated requests that do not follow redirects (Up); nil: a
	// client on HTTP's transport.
	Probe *http.Client
}

// HTTPError is an answer of Atlas with a status other than 2xx. Atlas answered: it is up.
type HTTPError struct {
	Method, URL string
	Status      int
	// Body is the start of the answer (Atlas's errorCode/errorMessage JSON, or HTML).
	Body string
}

func (e *HTTPError) Error() string {
	msg := e.Body
	var ae struct {
		ErrorCode    string `json:"errorCode"`
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal([]byte(e.Body), &ae) == nil && ae.ErrorMessage != "" {
		msg = ae.ErrorCode + ": " + ae.ErrorMessage
	}
	if len(msg) > 300 {
		msg = msg[:300] + "..."
	}
	return fmt.Sprintf("atlas %s %s: HTTP %d %s", e.Method, e.URL, e.Status, strings.TrimSpace(msg))
}

// NotFound reports whether Atlas answered 404 (an unknown guid or type).
func (e *HTTPError) NotFound() bool { return e.Status == http.StatusNotFound }

// Unreachable is a request that got no HTTP answer at all (refused, timed out, TLS).
type Unreachable struct {
	URL string
	Err error
}

func (e *Unreachable) Error() string { return fmt.Sprintf("atlas %s: no answer: %v", e.URL, e.Err) }
func (e *Unreachable) Unwrap() error { return e.Err }

func (c *Client) url(path string, q url.Values) string {
	u := strings.TrimRight(c.BaseURL, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// do sends one request and decodes a 2xx JSON answer into out (when not nil).
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body, out any) error {
	u := c.url(path, q)
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("atlas %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("atlas %s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.User != "" {
		req.SetBasicAuth(c.User, string(c.Password))
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return &Unreachable{URL: u, Err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return &Unreachable{URL: u, Err: fmt.Errorf("read answer: %w", err)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &HTTPError{Method: method, URL: u, Status: resp.StatusCode, Body: string(b[:min(len(b), 2048)])}
	}
	if out == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("atlas %s %s: decode the answer: %w", method, path, err)
	}
	return nil
}

// Version asks GET /api/atlas/admin/version.
func (c *Client) Version(ctx context.Context) (VersionInfo, error) {
	var vi VersionInfo
	if err := c.do(ctx, http.MethodGet, "/api/atlas/admin/version", nil, nil, &vi); err != nil {
		return vi, err
	}
	if vi.Version == "" {
		return vi, fmt.Errorf("atlas %s answered without a Version field", c.url("/api/atlas/admin/version", nil))
	}
	return vi, nil
}

// Status asks GET /api/atlas/admin/status: ACTIVE, PASSIVE, BECOMING_ACTIVE, ...
func (c *Client) Status(ctx context.Context) (string, error) {
	var st struct {
		Status string `json:"Status"`
	}
	if err := c.do(ctx, http.MethodGet, "/api/atlas/admin/status", nil, nil, &st); err != nil {
		return "", err
	}
	return st.Status, nil
}

// Metrics asks GET /api/atlas/admin/metrics (entity counts by type and state, from the
// vertex index in Solr).
func (c *Client) Metrics(ctx context.Context) (Metrics, error) {
	var raw map[string]json.RawMessage
	if err := c.do(ctx, http.MethodGet, "/api/atlas/admin/metrics", url.Values{"ignoreCache": {"true"}}, nil, &raw); err != nil {
		return Metrics{}, err
	}
	return parseMetrics(raw)
}

// Entity asks GET /api/atlas/v2/entity/guid/{guid}?minExtInfo=true: the entity with its
// classifications (propagated ones included), labels, glossary terms (meanings) and
// relationship attributes. The answer is returned as decoded JSON.
func (c *Client) Entity(ctx context.Context, guid string) (map[string]any, error) {
	if err := ValidateGUID(guid); err != nil {
		return nil, err
	}
	var out map[string]any
	err := c.do(ctx, http.MethodGet, "/api/atlas/v2/entity/guid/"+guid, url.Values{"minExtInfo": {"true"}}, nil, &out)
	return out, err
}

// Lineage asks GET /api/atlas/v2/lineage/{guid} in both directions to depth.
func (c *Client) Lineage(ctx context.Context, guid string, depth int) (map[string]any, error) {
	if err := ValidateGUID(guid); err != nil {
		return nil, err
	}
	var out map[string]any
	err := c.do(ctx, http.MethodGet, "/api/atlas/v2/lineage/"+guid,
		url.Values{"direction": {"BOTH"}, "depth": {strconv.Itoa(depth)}}, nil, &out)
	return out, err
}

// Audit asks GET /api/atlas/v2/entity/{guid}/audit for up to count events (newest first;
// they live in the HBase audit table).
func (c *Client) Audit(ctx context.Context, guid string, count int) ([]any, error) {
	if err := ValidateGUID(guid); err != nil {
		return nil, err
	}
	var out []any
	err := c.do(ctx, http.MethodGet, "/api/atlas/v2/entity/"+guid+"/audit", url.Values{"count": {strconv.Itoa(count)}}, nil, &out)
	return out, err
}

// Search is a basic search (GET /api/atlas/v2/search/basic): answered from Solr's
// vertex index.
type Search struct {
	TypeName       string `json:"typeName,omitempty"`
	Classification string `json:"classification,omitempty"`
	Query          string `json:"query,omitempty"`
	SortBy         string `json:"sortBy,omitempty"`
	Limit          int    `json:"limit"`
}

func (s Search) values() url.Values {
	q := url.Values{"excludeDeletedEntities": {"true"}, "limit": {strconv.Itoa(s.Limit)}}
	if s.TypeName != "" {
		q.Set("typeName", s.TypeName)
	}
	if s.Classification != "" {
		q.Set("classification", s.Classification)
	}
	if s.Query != "" {
		q.Set("query", s.Query)
	}
	if s.SortBy != "" {
		q.Set("sortBy", s.SortBy)
		q.Set("sortOrder", "ASCENDING")
	}
	return q
}

// SearchResult is what a basic search found: the entities' guids in the order Atlas gave
// them, and Atlas's approximate total.
type SearchResult struct {
	GUIDs       []string `json:"guids"`
	Approximate int64    `json:"approximateCount"`
}

// FindByQualifiedName runs s narrowed to the entities whose qualifiedName is qn (a
// basic search with an entity filter, POST /api/atlas/v2/search/basic): the guids it
// finds do not depend on the order in which Solr holds its documents.
func (c *Client) FindByQualifiedName(ctx context.Context, s Search, qn string) (SearchResult, error) {
	type filter struct {
		AttributeName  string `json:"attributeName"`
		Operator       string `json:"operator"`
		AttributeValue string `json:"attributeValue"`
	}
	body := struct {
		TypeName               string `json:"typeName,omitempty"`
		Classification         string `json:"classification,omitempty"`
		ExcludeDeletedEntities bool   `json:"excludeDeletedEntities"`
		Limit                  int    `json:"limit"`
		EntityFilters          filter `json:"entityFilters"`
	}{s.TypeName, s.Classification, true, 10, filter{"qualifiedName", "=", qn}}
	return c.basicSearch(ctx, http.MethodPost, nil, body)
}

// BasicSearch runs s.
func (c *Client) BasicSearch(ctx context.Context, s Search) (SearchResult, error) {
	return c.basicSearch(ctx, http.MethodGet, s.values(), nil)
}

func (c *Client) basicSearch(ctx context.Context, method string, q url.Values, body any) (SearchResult, error) {
	var out struct {
		Entities []struct {
			GUID string `json:"guid"`
		} `json:"entities"`
		ApproximateCount json.Number `json:"approximateCount"`
	}
	if err := c.do(ctx, method, "/api/atlas/v2/search/basic", q, body, &out); err != nil {
		return SearchResult{}, err
	}
	r := SearchResult{GUIDs: []string{}}
	for _, e := range out.Entities {
		r.GUIDs = append(r.GUIDs, e.GUID)
	}
	r.Approximate, _ = out.ApproximateCount.Int64()
	return r, nil
}

// Liveness is what an unauthenticated request to Atlas found.
type Liveness struct {
	// Up: Atlas gave an HTTP answer, whatever it was (401 from a file-login or
	// kerberized Atlas is "up"; only no answer at all is "down").
	Up bool `json:"up"`
	// HTTPStatus of the answer; Version when it was 200 with a version.
	HTTPStatus int    `json:"httpStatus,omitempty"`
	Version    string `json:"version,omitempty"`
	// Err says why there was no answer.
	Err string `json:"error,omitempty"`
}

// Up sends GET /api/atlas/admin/version without credentials and without following
// redirects: any HTTP answer means Atlas's web server is running.
func (c *Client) Up(ctx context.Context) Liveness {
	hc := c.Probe
	if hc == nil {
		hc = &http.Client{Transport: c.HTTP.Transport, Timeout: 15 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	u := c.url("/api/atlas/admin/version", nil)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Liveness{Err: err.Error()}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return Liveness{Err: err.Error()}
	}
	defer resp.Body.Close()
	l := Liveness{Up: true, HTTPStatus: resp.StatusCode}
	if resp.StatusCode == http.StatusOK {
		var vi VersionInfo
		if json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&vi) == nil {
			l.Version = vi.Version
		}
	}
	return l
}

// WaitActive polls Status until Atlas answers ACTIVE or timeout passes, waiting every
// (growing from 2 s to 15 s). It returns the last status and error seen.
func (c *Client) WaitActive(ctx context.Context, timeout time.Duration, onPoll func(status string, err error)) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	wait := 2 * time.Second
	for {
		rctx, rcancel := context.WithTimeout(ctx, 30*time.Second)
		st, err := c.Status(rctx)
		rcancel()
		if onPoll != nil {
			onPoll(st, err)
		}
		if err == nil && st == "ACTIVE" {
			return st, nil
		}
		select {
		case <-ctx.Done():
			if err == nil {
				err = fmt.Errorf("atlas at %s is %s, not ACTIVE, after %s", c.BaseURL, st, timeout)
			}
			return st, fmt.Errorf("%w (waited %s)", err, timeout)
		case <-time.After(wait):
		}
		if wait *= 2; wait > 15*time.Second {
			wait = 15 * time.Second
		}
	}
}

// ValidateGUID checks a guid before it goes into a URL path: Atlas guids are UUIDs, or
// negative numbers for entities not created yet; letters, digits and '-' only.
func ValidateGUID(g string) error {
	if g == "" || len(g) > 64 {
		return fmt.Errorf("atlas guid %q: must be 1-64 characters", g)
	}
	for _, r := range g {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return fmt.Errorf("atlas guid %q: must be letters, digits and '-'", g)
		}
	}
	return nil
}

// IsHTTPError reports whether err is an answer of Atlas (it is up), with its status.
func IsHTTPError(err error) (int, bool) {
	var he *HTTPError
	if errors.As(err, &he) {
		return he.Status, true
	}
	return 0, false
}
