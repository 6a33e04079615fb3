package solr

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// hungSolr accepts every request and answers none until released (a paused JVM behind
// its listening socket); once released it answers DELETESTATUS.
type hungSolr struct {
	srv      *httptest.Server
	requests atomic.Int32
	once     sync.Once
	release  chan struct{}
}

func newHungSolr(t *testing.T) *hungSolr {
	h := &hungSolr{release: make(chan struct{})}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.requests.Add(1)
		select {
		case <-h.release:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"responseHeader":{"status":0,"QTime":1},"status":"successfully removed stored response for [x]"}`))
	}))
	t.Cleanup(func() { h.resume(); h.srv.Close() })
	return h
}

func (h *hungSolr) resume() { h.once.Do(func() { close(h.release) }) }

// A Solr that accepts and never answers: the first call is bounded by NoAnswer (plus a
// probe's time for the second node), and says Solr is down; the next calls fail at
// once without a request, except one probe per ProbeTimeout; the first answer closes
// the circuit.
func TestDownCircuit(t *testing.T) {
	a, b := newHungSolr(t), newHungSolr(t)
	c, err := New(Options{Nodes: []string{a.srv.URL + "/solr", b.srv.URL + "/solr"},
		HTTPClient: &http.Client{Timeout: time.Minute}, NoAnswer: 300 * time.Millisecond, ProbeTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sent := func() int32 { return a.requests.Load() + b.requests.Load() }

	err = c.DeleteStatus(ctx, "rec-b1-vertex")
	var down *DownError
	if !errors.As(err, &down) || !down.Probed || !errors.Is(err, ErrSolrDown) || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("first call: %v, want a probed DownError", err)
	}
	if !strings.Contains(err.Error(), "Solr is down?") || !strings.Contains(err.Error(), "no Solr node has answered for") {
		t.Errorf("message: %v", err)
	}
	if n := sent(); n != 2 {
		t.Errorf("first call sent %d requests, want one per node", n)
	}

	before := sent()
	err = c.Commit(ctx, "vertex_index")
	if !errors.As(err, &down) || down.Probed {
		t.Fatalf("second call: %v, want a DownError failed at once", err)
	}
	if sent() != before {
		t.Errorf("a call failed at once reached Solr")
	}

	time.Sleep(150 * time.Millisecond)
	before = sent()
	err = c.DeleteStatus(ctx, "rec-b1-vertex")
	if !errors.As(err, &down) || !down.Probed {
		t.Fatalf("after ProbeTimeout: %v, want a probe", err)
	}
	if sent() == before {
		t.Errorf("the probe sent nothing")
	}

	a.resume()
	b.resume()
	time.Sleep(150 * time.Millisecond)
	if err := c.DeleteStatus(ctx, "rec-b1-vertex"); err != nil {
		t.Fatalf("after Solr answers again: %v", err)
	}
	if err := c.DeleteStatus(ctx, "rec-b1-vertex"); err != nil {
		t.Fatalf("the circuit did not close: %v", err)
	}
}

// Failing time counts only while calls fail: one failure, a silence, then a slow call
// is not "down"; an answer in between resets it.
func TestDownCircuitCountsFailingTime(t *testing.T) {
	now := time.Unix(1800000000, 0)
	h := &health{noAnswer: 10 * time.Second, probe: time.Second, now: func() time.Time { return now }}
	fail := errors.New("refused")
	if err := h.failed("x", now, fail); err != fail {
		t.Fatalf("first failure: %v", err)
	}
	now = now.Add(time.Hour) // nothing called for an hour
	d, err := h.admit("x")
	if err != nil || d.Sub(now) != 10*time.Second {
		t.Fatalf("after a silence: deadline in %s, %v; want the whole budget", d.Sub(now), err)
	}
	start := now
	now = now.Add(6 * time.Second)
	_ = h.failed("x", start, fail)
	if h.downLocked() {
		t.Fatalf("down after one failure, an hour's silence and 6s of failing: the silence was counted")
	}
	h.answered()
	if h.downLocked() || !h.failSince.IsZero() {
		t.Fatalf("an answer did not reset the circuit")
	}
	// 4s + 7s of failing calls, back to back: down.
	s := now
	now = now.Add(4 * time.Second)
	_ = h.failed("x", s, fail)
	s = now
	now = now.Add(7 * time.Second)
	var down *DownError
	if err := h.failed("x", s, fail); !errors.As(err, &down) {
		t.Fatalf("11s of failing calls: %v, want DownError", err)
	}
	if _, err := h.admit("x"); !errors.As(err, &down) || down.Probed {
		t.Fatalf("right after: %v, want failed at once", err)
	}
	now = now.Add(time.Second)
	if d, err := h.admit("x"); err != nil || d.Sub(now) != time.Second {
		t.Fatalf("a probe's time later: %s %v, want a probe", d.Sub(now), err)
	}
}
