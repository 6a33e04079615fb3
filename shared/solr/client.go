package solr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/go-resty/resty/v2"
	"github.com/rs/zerolog"
)

// Options configures a Client.
type Options struct {
	// Nodes are the base URLs of the Solr nodes, e.g. "https://solr1.example.com:8983/solr".
	// Calls go to one node and move to the next on a connection error or an unavailable
	// answer. Preflight checks the backup location on each of them.
	Nodes []string
	// HTTPClient sends the requests. Its Transport does TLS and authentication (the
	// SPNEGO transport of package kerberos, with the SPN of each node); this package never
	// adds credentials. Required.
	HTTPClient *http.Client
	// Logger receives debug lines (node failover); nil discards them.
	Logger *zerolog.Logger
	// Sleep waits between polls in Wait; nil sleeps on a timer, stopping when ctx ends.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock of Wait and of the down circuit; nil means time.Now.
	Now func() time.Time
	// NoAnswer, when set, bounds how long calls may keep failing on every node (refused,
	// reset, timed out, a front's 5xx) before the client holds Solr down: each node's
	// attempt is bounded by what is left of it (at least ProbeTimeout), and once calls
	// have failed for NoAnswer without any answer in between, every call fails with a
	// *DownError (ErrSolrDown) at once, except one probe per ProbeTimeout (each node
	// bounded by ProbeTimeout); the first answer ends it. The circuit is shared by
	// every call of the client. Zero: no circuit, calls are bounded by ctx and the HTTP
	// client's timeout only.
	NoAnswer time.Duration
	// ProbeTimeout: see NoAnswer; default DefaultProbeTimeout (never above NoAnswer).
	ProbeTimeout time.Duration
}

// Client calls the Solr Collections API and /select. It is safe for concurrent use.
type Client struct {
	nodes     []string
	rest      *resty.Client
	log       zerolog.Logger
	sleep     func(ctx context.Context, d time.Duration) error
	now       func() time.Time
	preferred atomic.Int32 // index of the node that answered last
	health    *health
}

// New checks the options and returns a Client.
func New(opts Options) (*Client, error) {
	if opts.HTTPClient == nil {
		return nil, errors.New("solr client: HTTPClient is required")
	}
	if len(opts.Nodes) == 0 {
		return nil, errors.New("solr client: no nodes")
	}
	c := &Client{sleep: opts.Sleep, now: opts.Now, log: zerolog.Nop()}
	for i, n := range opts.Nodes {
		base, err := normalizeNode(n)
		if err != nil {
			return nil, fmt.Errorf("solr client: node %d: %w", i, err)
		}
		c.nodes = append(c.nodes, base)
	}
	if opts.Logger != nil {
		c.log = *opts.Logger
	}
	if c.sleep == nil {
		c.sleep = sleepCtx
	}
	if c.now == nil {
		c.now = time.Now
	}
	if opts.NoAnswer > 0 {
		probe := opts.ProbeTimeout
		if probe <= 0 {
			probe = DefaultProbeTimeout
		}
		c.health = &health{noAnswer: opts.NoAnswer, probe: min(probe, opts.NoAnswer), now: c.now}
	}
	c.rest = resty.NewWithClient(opts.HTTPClient).
		SetRetryCount(0).
		SetLogger(restyLogger{c.log}).
		SetHeader("Accept", "application/json")
	return c, nil
}

// Nodes returns the normalized node base URLs.
func (c *Client) Nodes() []string { return append([]string(nil), c.nodes...) }

func normalizeNode(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("parse %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("%q: scheme must be http or https", raw)
	}
	if u.Host == "" {
		return "", fmt.Errorf("%q: no host", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("%q: no query, fragment or user info allowed", raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return u.String(), nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// answer is a decoded Solr answer.
type answer struct {
	node   string
	status int
	body   []byte
	tree   *jnode // nil when the body is not JSON
}

// header is responseHeader.status.
func (a *answer) solrStatus() int {
	n := a.tree.get("responseHeader").get("status")
	if n == nil {
		return 0
	}
	var s int
	_, _ = fmt.Sscan(n.str, &s)
	return s
}

// errorMsg is the error text of a Solr answer: error.msg, or error as a string (the
// 200-with-error shape of 7.x/8.x), or "".
func (a *answer) errorMsg() string {
	e := a.tree.get("error")
	if e == nil {
		return ""
	}
	if e.kind == 's' {
		return e.str
	}
	if m := e.get("msg").text(); m != "" {
		return m
	}
	return "error without message"
}

func (a *answer) decode(out any) error {
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(a.body, out); err != nil {
		return fmt.Errorf("decode answer of %s: %w", a.node, err)
	}
	return nil
}

// call describes one request.
type call struct {
	action string     // for messages: Collections API action or path
	path   string     // below the node base URL, e.g. "/admin/collections"
	params url.Values // wt=json is added
	// strictBody treats "exception"/"failure" in a 200 answer as an error; off for
	// REQUESTSTATUS, whose failed-task answers carry them.
	strictBody bool
}

// collections makes a call to /admin/collections.
func collections(params url.Values, strict bool) call {
	return call{action: params.Get("action"), path: "/admin/collections", params: params, strictBody: strict}
}

// do sends the call to the preferred node, moving to the next nodes while the failure
// is one where another node may do better. With Options.NoAnswer each node's attempt is
// bounded and the down circuit may fail the call at once (see Options.NoAnswer).
func (c *Client) do(ctx context.Context, cl call) (*answer, error) {
	deadline, err := c.health.admit(cl.action)
	if err != nil {
		return nil, err
	}
	began := c.now()
	start := int(c.preferred.Load())
	var errs []error
	for i := range c.nodes {
		idx := (start + i) % len(c.nodes)
		actx, cancel := c.health.attempt(ctx, deadline)
		a, err := c.doOn(ctx, actx, idx, cl)
		cancel()
		if err == nil {
			c.preferred.Store(int32(idx))
			c.health.answered()
			return a, nil
		}
		if ctx.Err() != nil {
			return a, err
		}
		if !failover(err) {
			if a != nil {
				c.health.answered() // a node answered, with an error
			}
			return a, err
		}
		c.log.Debug().Str("node", c.nodes[idx]).Str("action", cl.action).Err(err).Msg("solr node unavailable, trying next")
		errs = append(errs, err)
	}
	err = fmt.Errorf("solr %s: %w: %w", cl.action, ErrUnavailable, errors.Join(errs...))
	return nil, c.health.failed(cl.action, began, err)
}

// doNode sends the call to one given node (Preflight checks each), under the down
// circuit as do.
func (c *Client) doNode(ctx context.Context, idx int, cl call) (*answer, error) {
	deadline, err := c.health.admit(cl.action)
	if err != nil {
		return nil, err
	}
	began := c.now()
	actx, cancel := c.health.attempt(ctx, deadline)
	a, err := c.doOn(ctx, actx, idx, cl)
	cancel()
	switch {
	case err == nil || a != nil && ctx.Err() == nil && !failover(err):
		c.health.answered()
	case ctx.Err() == nil && failover(err):
		return a, c.health.failed(cl.action, began, err)
	}
	return a, err
}

// unavailable marks an error after which another node may answer.
type unavailable struct{ err error }

func (u *unavailable) Error() string { return u.err.Error() }
func (u *unavailable) Unwrap() error { return u.err }

func failover(err error) bool {
	var u *unavailable
	return errors.As(err, &u)
}

// doOn sends the call to one node, bounded by actx (ctx or a child of it), and decodes
// the answer. Errors that justify trying another node are wrapped in *unavailable: an
// attempt ended by actx's own deadline is one, ctx ending is not.
func (c *Client) doOn(ctx, actx context.Context, idx int, cl call) (*answer, error) {
	node := c.nodes[idx]
	params := url.Values{}
	for k, v := range cl.params {
		params[k] = v
	}
	params.Set("wt", "json")
	resp, err := c.rest.R().SetContext(actx).SetQueryParamsFromValues(params).Get(node + cl.path)
	if err != nil {
		err = fmt.Errorf("solr %s at %s: %w", cl.action, node, err)
		if ctx.Err() == nil && transient(err) {
			return nil, &unavailable{err}
		}
		return nil, err
	}
	a := &answer{node: node, status: resp.StatusCode(), body: resp.Body()}
	if t, perr := parseTree(a.body); perr == nil && t.kind == 'o' {
		a.tree = t
	}
	if a.tree == nil {
		return a, nonSolrAnswer(cl, a)
	}
	msg := a.errorMsg()
	solrStatus := a.solrStatus()
	if a.status >= 400 || solrStatus != 0 || msg != "" {
		if msg == "" {
			msg = strings.Join(failureTexts(a.tree), "; ")
		}
		apiErr := &APIError{Node: node, Action: cl.action, HTTPStatus: a.status, SolrStatus: solrStatus, Msg: msg, Kind: classifyMessage(msg)}
		if a.status == http.StatusUnauthorized || a.status == http.StatusForbidden {
			apiErr.Kind = ErrUnauthorized
		}
		return a, apiErr
	}
	if cl.strictBody && (a.tree.get("exception") != nil || a.tree.get("failure") != nil) {
		msg := strings.Join(failureTexts(a.tree), "; ")
		return a, &APIError{Node: node, Action: cl.action, HTTPStatus: a.status, Msg: msg, Kind: classifyMessage(msg)}
	}
	return a, nil
}

// nonSolrAnswer is the error for a body that is not a Solr JSON answer (the front's
// HTML 401, a proxy error page, ...).
func nonSolrAnswer(cl call, a *answer) error {
	apiErr := &APIError{Node: a.node, Action: cl.action, HTTPStatus: a.status, Msg: snippet(a.body)}
	switch {
	case a.status == http.StatusUnauthorized || a.status == http.StatusForbidden:
		apiErr.Kind = ErrUnauthorized
		apiErr.Msg = ""
		return apiErr
	case a.status >= 500:
		return &unavailable{apiErr}
	case a.status == http.StatusNotFound:
		return apiErr
	}
	if a.status < 300 {
		apiErr.Msg = "answer is not Solr JSON: " + apiErr.Msg
	}
	return apiErr
}

// transient reports transport errors after which another node may do better: refused or
// reset connections, timeouts, a connection closed mid-answer. TLS verification and
// Kerberos failures are not: every node would fail the same way.
func transient(err error) bool {
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return true
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue.Timeout() {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return false
}

// snippet is the start of a body, as one printable line.
func snippet(b []byte) string {
	const max = 200
	s := string(b)
	if !utf8.ValidString(s) {
		return fmt.Sprintf("%d bytes of binary", len(b))
	}
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}

// restyLogger sends resty's own messages to zerolog at debug level.
type restyLogger struct{ l zerolog.Logger }

func (r restyLogger) Errorf(format string, v ...any) { r.l.Debug().Msgf("resty: "+format, v...) }
func (r restyLogger) Warnf(format string, v ...any)  { r.l.Debug().Msgf("resty: "+format, v...) }
func (r restyLogger) Debugf(format string, v ...any) { r.l.Debug().Msgf("resty: "+format, v...) }
