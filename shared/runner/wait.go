package runner

import (
	"context"
	"fmt"
	"time"
)

// Backoff sets the polling intervals of Wait: Initial, then multiplied by Multiplier
// after every poll, never above Max. Zero fields take the defaults (1s, 30s, 2).
type Backoff struct {
	Initial    time.Duration
	Max        time.Duration
	Multiplier float64
	// Sleep waits d or until ctx ends; nil uses a timer. Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (b Backoff) withDefaults() Backoff {
	if b.Initial <= 0 {
		b.Initial = time.Second
	}
	if b.Max <= 0 {
		b.Max = 30 * time.Second
	}
	if b.Max < b.Initial {
		b.Max = b.Initial
	}
	if b.Multiplier < 1 {
		b.Multiplier = 2
	}
	if b.Sleep == nil {
		b.Sleep = sleepCtx
	}
	return b
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

// Wait polls r.Status until the job reaches a terminal state and returns that status.
// A FAILED job is not an error: the caller reads Status.State. onPoll, when not nil, sees
// every status polled. Wait returns an error when Status fails or ctx ends, together with
// the last status seen.
func Wait(ctx context.Context, r Runner, handle string, b Backoff, onPoll func(Status)) (Status, error) {
	return WaitCheck(ctx, r, handle, b, onPoll, nil)
}

// WaitCheck is Wait with check called on every status that is not terminal (after
// onPoll): an error from it ends the wait with that error, as it is, and the status.
// A watchdog (shared/watchdog) is such a check.
func WaitCheck(ctx context.Context, r Runner, handle string, b Backoff, onPoll func(Status), check func(context.Context, Status) error) (Status, error) {
	b = b.withDefaults()
	d := b.Initial
	var last Status
	for {
		st, err := r.Status(ctx, handle)
		if err != nil {
			return last, fmt.Errorf("wait for %s: %w", handle, err)
		}
		last = st
		if onPoll != nil {
			onPoll(st)
		}
		if st.State.Terminal() {
			return st, nil
		}
		if check != nil {
			if err := check(ctx, st); err != nil {
				return st, err
			}
		}
		if err := b.Sleep(ctx, d); err != nil {
			return last, fmt.Errorf("wait for %s: %w", handle, err)
		}
		next := time.Duration(float64(d) * b.Multiplier)
		if next > b.Max || next <= 0 {
			next = b.Max
		}
		d = next
	}
}
