package runner

import (
	"context"
	"errors"
	"testing"
	"time"
)

type scriptedRunner struct {
	states []Status
	errAt  int
	calls  int
}

func (s *scriptedRunner) Submit(context.Context, Job) (string, error) { return "h", nil }
func (s *scriptedRunner) Status(context.Context, string) (Status, error) {
	s.calls++
	if s.errAt == s.calls {
		return Status{}, errors.New("boom")
	}
	i := s.calls - 1
	if i >= len(s.states) {
		i = len(s.states) - 1
	}
	return s.states[i], nil
}

func TestWait(t *testing.T) {
	pending := Status{State: StatePending}
	running := Status{State: StateRunning}
	tests := []struct {
		name       string
		states     []Status
		errAt      int
		backoff    Backoff
		wantState  State
		wantErr    bool
		wantSleeps []time.Duration
	}{
		{
			name:       "grows and is bounded",
			states:     []Status{pending, running, running, running, running, running, {State: StateSucceeded}},
			backoff:    Backoff{Initial: time.Second, Max: 5 * time.Second, Multiplier: 2},
			wantState:  StateSucceeded,
			wantSleeps: []time.Duration{1 * time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second, 5 * time.Second},
		},
		{
			name:       "defaults",
			states:     []Status{running, running, {State: StateFailed}},
			wantState:  StateFailed,
			wantSleeps: []time.Duration{time.Second, 2 * time.Second},
		},
		{
			name:      "terminal at once",
			states:    []Status{{State: StateFailed, Message: "x"}},
			wantState: StateFailed,
		},
		{
			name:       "status error",
			states:     []Status{running, running},
			errAt:      2,
			wantErr:    true,
			wantState:  StateRunning,
			wantSleeps: []time.Duration{time.Second},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &scriptedRunner{states: tt.states, errAt: tt.errAt}
			var sleeps []time.Duration
			b := tt.backoff
			b.Sleep = func(ctx context.Context, d time.Duration) error { sleeps = append(sleeps, d); return nil }
			polls := 0
			st, err := Wait(context.Background(), r, "h", b, func(Status) { polls++ })
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if st.State != tt.wantState {
				t.Errorf("state = %s, want %s", st.State, tt.wantState)
			}
			if len(sleeps) != len(tt.wantSleeps) {
				t.Fatalf("sleeps = %v, want %v", sleeps, tt.wantSleeps)
			}
			for i := range sleeps {
				if sleeps[i] != tt.wantSleeps[i] {
					t.Errorf("sleep %d = %v, want %v", i, sleeps[i], tt.wantSleeps[i])
				}
			}
			if !tt.wantErr && polls != r.calls {
				t.Errorf("onPoll saw %d of %d polls", polls, r.calls)
			}
		})
	}
}

func TestWaitContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := &scriptedRunner{states: []Status{{State: StateRunning}}}
	st, err := Wait(ctx, r, "h", Backoff{Initial: time.Hour}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if st.State != StateRunning {
		t.Errorf("last state = %s", st.State)
	}
}

// WaitCheck: the check sees every status that is not terminal; its error ends the wait
// as it is.
func TestWaitCheck(t *testing.T) {
	running := Status{State: StateRunning}
	stop := errors.New("stalled")
	r := &scriptedRunner{states: []Status{running, running, running, {State: StateSucceeded}}}
	seen := 0
	st, err := WaitCheck(context.Background(), r, "h", Backoff{Sleep: func(context.Context, time.Duration) error { return nil }}, nil,
		func(_ context.Context, s Status) error {
			seen++
			if seen == 2 {
				return stop
			}
			return nil
		})
	if err != stop || st.State != StateRunning || r.calls != 2 {
		t.Fatalf("err %v, state %s, %d calls", err, st.State, r.calls)
	}
	r = &scriptedRunner{states: []Status{running, {State: StateSucceeded}}}
	seen = 0
	st, err = WaitCheck(context.Background(), r, "h", Backoff{Sleep: func(context.Context, time.Duration) error { return nil }}, nil,
		func(context.Context, Status) error { seen++; return nil })
	if err != nil || st.State != StateSucceeded || seen != 1 {
		t.Fatalf("err %v, state %s, check saw %d (want 1: not the terminal one)", err, st.State, seen)
	}
}
