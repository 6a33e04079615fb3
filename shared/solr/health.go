package solr

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// DefaultProbeTimeout bounds each node's call while Solr is down (Options.ProbeTimeout).
const DefaultProbeTimeout = 10 * time.Second

// ErrSolrDown: no node has answered any call for Options.NoAnswer of failing calls; the
// client fails calls fast (one probe per ProbeTimeout) until a node answers again.
var ErrSolrDown = errors.New("solr is down")

// DownError is a call refused or failed while the client holds Solr down: every call
// for For (since Since) failed on every node without an answer (refused, reset, timed
// out, a front's 5xx), the last one with Last.
type DownError struct {
	Action string
	Since  time.Time
	For    time.Duration
	Last   error
	// Probed: this call tried the nodes (a probe, each node bounded by ProbeTimeout);
	// false: it was failed at once, a probe having failed less than ProbeTimeout ago.
	Probed bool
}

func (e *DownError) Error() string {
	how := "failed at once, the last probe failed"
	if e.Probed {
		how = "probed every node"
	}
	return fmt.Sprintf("solr %s: no Solr node has answered for %s (since %s; %s), last: %s: Solr is down?",
		e.Action, e.For.Round(time.Second), e.Since.UTC().Format(time.RFC3339), how, e.Last.Error())
}

// Unwrap makes errors.Is(err, ErrSolrDown) and errors.Is(err, ErrUnavailable) hold.
func (e *DownError) Unwrap() []error { return []error{ErrSolrDown, ErrUnavailable, e.Last} }

// health is the client's "Solr is down" circuit, shared by every call (the parts of a
// backup share one client). Failing time counts only while calls keep failing: from the
// start of the first call that got no answer from any node since the last answer, to
// the end of the latest such failure. A silence without calls is not evidence: a
// failure after a gap longer than noAnswer starts the count again.
type health struct {
	noAnswer, probe time.Duration
	now             func() time.Time

	mu        sync.Mutex
	failSince time.Time // first failure since the last answer; zero: the last call was answered
	lastFail  time.Time
	lastErr   error
}

// down reports whether failing time has reached noAnswer.
func (h *health) downLocked() bool {
	return !h.failSince.IsZero() && h.lastFail.Sub(h.failSince) >= h.noAnswer
}

// admit is asked before a call: it returns a *DownError to fail the call at once, or
// the deadline of the call's attempts (zero: none but ctx's and the HTTP client's; each
// node's attempt gets at least a probe's time, see attempt).
func (h *health) admit(action string) (deadline time.Time, err error) {
	if h == nil || h.noAnswer <= 0 {
		return time.Time{}, nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	if h.downLocked() {
		if now.Sub(h.lastFail) < h.probe {
			return time.Time{}, &DownError{Action: action, Since: h.failSince, For: h.lastFail.Sub(h.failSince), Last: h.lastErr}
		}
		return now.Add(h.probe), nil
	}
	// Not down (yet): the call may use what is left of the failing budget.
	left := h.noAnswer
	if !h.failSince.IsZero() {
		left -= h.lastFail.Sub(h.failSince)
	}
	return now.Add(left), nil
}

// attempt bounds one node's attempt of a call admitted with deadline: what is left of
// it, at least a probe's time (so a node tried after a hung one is still asked).
func (h *health) attempt(ctx context.Context, deadline time.Time) (context.Context, context.CancelFunc) {
	if h == nil || deadline.IsZero() {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, max(deadline.Sub(h.now()), h.probe))
}

// answered records an answer of a node (any Solr answer, an error one included).
func (h *health) answered() {
	if h == nil || h.noAnswer <= 0 {
		return
	}
	h.mu.Lock()
	h.failSince, h.lastErr = time.Time{}, nil
	h.mu.Unlock()
}

// failed records a call that no node answered, and returns the error to give: a
// *DownError once failing time has reached noAnswer, err otherwise.
func (h *health) failed(action string, start time.Time, err error) error {
	if h == nil || h.noAnswer <= 0 {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.failSince.IsZero() || start.Sub(h.lastFail) > h.noAnswer {
		// first failure since an answer, or the first after a silence longer than
		// the budget: failing time starts again
		h.failSince = start
	}
	h.lastFail, h.lastErr = h.now(), err
	if h.downLocked() {
		return &DownError{Action: action, Since: h.failSince, For: h.lastFail.Sub(h.failSince), Last: err, Probed: true}
	}
	return err
}
