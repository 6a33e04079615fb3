package solr

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// State is the state of an async task as REQUESTSTATUS reports it.
type State string

// The states of RequestStatusState (Solr 5 to 9).
const (
	StateSubmitted State = "submitted"
	StateRunning   State = "running"
	StateCompleted State = "completed"
	StateFailed    State = "failed"
	StateNotFound  State = "notfound"
)

// Status is one REQUESTSTATUS answer.
type Status struct {
	AsyncID string
	State   State
	Msg     string // status.msg, e.g. "found [id] in completed tasks"
	// Failures are the failure texts of a failed task (exception, per-shard errors),
	// without repeats.
	Failures []string
	// DeleteErr is set by Wait when the best-effort DELETESTATUS after a terminal state
	// failed. It does not make Wait fail; log it.
	DeleteErr error
}

// Terminal reports whether the task will not change any more (completed or failed).
// notfound is not terminal by itself: see WaitOptions.NotFoundGrace.
func (s Status) Terminal() bool { return s.State == StateCompleted || s.State == StateFailed }

// Err is nil for a completed task and a *TaskError for a failed or unknown one.
func (s Status) Err() error {
	switch s.State {
	case StateCompleted, StateSubmitted, StateRunning:
		return nil
	}
	detail := strings.Join(s.Failures, "; ")
	return &TaskError{AsyncID: s.AsyncID, State: s.State, Msg: s.Msg, Detail: detail, Kind: classifyMessage(detail)}
}

// lostErr is the error of a task that answered seen before and notfound now.
func (s Status) lostErr(seen State) error {
	return &TaskError{AsyncID: s.AsyncID, State: s.State, Msg: s.Msg, Seen: seen, Kind: ErrTaskLost}
}

// RequestStatus asks for the state of an async task.
func (c *Client) RequestStatus(ctx context.Context, asyncID string) (Status, error) {
	params, err := RequestStatusParams(asyncID)
	if err != nil {
		return Status{}, err
	}
	a, err := c.do(ctx, collections(params, false))
	if err != nil {
		return Status{}, fmt.Errorf("solr requeststatus %s: %w", asyncID, err)
	}
	st := Status{AsyncID: asyncID}
	sn := a.tree.get("status")
	st.State = State(strings.ToLower(sn.get("state").text()))
	st.Msg = sn.get("msg").text()
	switch st.State {
	case StateSubmitted, StateRunning, StateCompleted, StateFailed, StateNotFound:
	default:
		return st, fmt.Errorf("solr requeststatus %s at %s: unknown state %q", asyncID, a.node, st.State)
	}
	if st.State == StateFailed {
		st.Failures = failureTexts(a.tree)
	}
	return st, nil
}

// NoAnswerError: REQUESTSTATUS failed on every node for longer than WaitOptions.NoAnswer.
type NoAnswerError struct {
	AsyncID string
	For     time.Duration
	Polls   int
	Err     error
}

func (e *NoAnswerError) Error() string {
	last := e.Err.Error()
	if !strings.HasSuffix(last, "Solr is down?") {
		last += ": Solr is down?"
	}
	return fmt.Sprintf("solr wait %s: no answer to REQUESTSTATUS for %s (%d polls failed), last: %s", e.AsyncID, e.For.Round(time.Second), e.Polls, last)
}
func (e *NoAnswerError) Unwrap() error { return e.Err }

// DeleteStatus removes the stored result of a finished async task. It frees the id:
// Solr accepts it again afterwards, so delete only once the caller has recorded the
// outcome. Deleting an id Solr does not have is not an error.
func (c *Client) DeleteStatus(ctx context.Context, asyncID string) error {
	params, err := DeleteStatusParams(asyncID)
	if err != nil {
		return err
	}
	if _, err := c.do(ctx, collections(params, true)); err != nil {
		return fmt.Errorf("solr deletestatus %s: %w", asyncID, err)
	}
	return nil
}

// WaitOptions sets the polling of Wait. Zero fields take the defaults.
type WaitOptions struct {
	Initial time.Duration // first interval; default 2s
	Max     time.Duration // longest interval; default 30s
	Factor  float64       // growth per poll; default 1.5 (values < 1 mean 1)
	// NotFoundGrace is how long "notfound" is read as "not visible yet" after Wait
	// starts; after it, notfound ends the wait as a failure. Default 30s. A task that
	// answered submitted, running or completed before and notfound now is lost at once
	// (ErrTaskLost), whatever the grace: Solr keeps a task in its queue until it is in
	// the completed or failed map, so only a DELETESTATUS or a lost ZooKeeper state
	// makes a known task unknown.
	NotFoundGrace time.Duration
	// MaxPollErrors is how many REQUESTSTATUS calls in a row may fail (all nodes
	// unavailable, ...) before Wait gives up; default 3.
	MaxPollErrors int
	// NoAnswer, when set, replaces MaxPollErrors with a time: Wait gives up once
	// REQUESTSTATUS has failed for this long since its last answer (or since Wait
	// started), however many polls that took, and says Solr does not answer.
	NoAnswer time.Duration
	// KeepStatus skips the DELETESTATUS after a terminal state (keeps the id taken, so
	// a resubmission with it is refused).
	KeepStatus bool
}

func (o WaitOptions) withDefaults() WaitOptions {
	if o.Initial <= 0 {
		o.Initial = 2 * time.Second
	}
	if o.Max <= 0 {
		o.Max = 30 * time.Second
	}
	if o.Max < o.Initial {
		o.Max = o.Initial
	}
	if o.Factor < 1 {
		o.Factor = 1.5
	}
	if o.NotFoundGrace <= 0 {
		o.NotFoundGrace = 30 * time.Second
	}
	if o.MaxPollErrors <= 0 {
		o.MaxPollErrors = 3
	}
	return o
}

// Wait polls REQUESTSTATUS at growing intervals until the task is completed or failed,
// or stays notfound past NotFoundGrace, or ctx ends. onPoll (may be nil) sees every
// answer. After completed or failed it deletes the stored status (best effort; a
// failure lands in Status.DeleteErr). The error is nil for completed, a *TaskError for
// failed or lost tasks (errors.Is ErrTaskFailed, plus a classification such as
// ErrLocationNotAllowed), or the polling error.
func (c *Client) Wait(ctx context.Context, asyncID string, opts WaitOptions, onPoll func(Status)) (Status, error) {
	o := opts.withDefaults()
	start := c.now()
	interval := o.Initial
	var last Status
	var seen State // the last state other than notfound
	errorsInRow := 0
	answered := start
	for {
		// With NoAnswer, no single call may hang longer than it (a paused Solr or front
		// holds the connection open; the HTTP client's own timeout is minutes, per node).
		// A client with its own NoAnswer bounds every call already (and counts it).
		pctx, cancel := ctx, context.CancelFunc(func() {})
		if o.NoAnswer > 0 && c.health == nil {
			pctx, cancel = context.WithTimeout(ctx, o.NoAnswer)
		}
		st, err := c.RequestStatus(pctx, asyncID)
		cancel()
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return last, fmt.Errorf("solr wait %s: %w", asyncID, ctx.Err())
			}
			errorsInRow++
			var down *DownError
			if errors.As(err, &down) {
				// The client holds Solr down (its calls, this wait's or others', have
				// failed for its NoAnswer): no use polling on.
				return last, &NoAnswerError{AsyncID: asyncID, For: max(c.now().Sub(answered), down.For), Polls: errorsInRow, Err: err}
			}
			if o.NoAnswer > 0 {
				if quiet := c.now().Sub(answered); quiet >= o.NoAnswer {
					return last, &NoAnswerError{AsyncID: asyncID, For: quiet, Polls: errorsInRow, Err: err}
				}
			} else if errorsInRow >= o.MaxPollErrors {
				return last, fmt.Errorf("solr wait %s: %d polls failed, last: %w", asyncID, errorsInRow, err)
			}
		default:
			errorsInRow = 0
			answered = c.now()
			last = st
			if onPoll != nil {
				onPoll(st)
			}
			if st.Terminal() {
				if !o.KeepStatus {
					if derr := c.DeleteStatus(ctx, asyncID); derr != nil {
						st.DeleteErr = derr
					}
				}
				return st, st.Err()
			}
			if st.State == StateNotFound && seen != "" {
				return st, st.lostErr(seen)
			}
			if st.State == StateNotFound && c.now().Sub(start) >= o.NotFoundGrace {
				return st, st.Err()
			}
			if st.State != StateNotFound {
				seen = st.State
			}
		}
		if err := c.sleep(ctx, interval); err != nil {
			return last, fmt.Errorf("solr wait %s: %w", asyncID, err)
		}
		interval = time.Duration(float64(interval) * o.Factor)
		if interval > o.Max {
			interval = o.Max
		}
	}
}
