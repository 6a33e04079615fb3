package store

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

// forEach: at most concurrency calls at once; the first error cancels the others'
// context, is returned, and no call starts after it; a cancelled parent gives its error.
func TestForEach(t *testing.T) {
	t.Run("bounded", func(t *testing.T) {
		var running, peak, calls atomic.Int32
		err := forEach(context.Background(), 20, 3, func(ctx context.Context, i int) error {
			calls.Add(1)
			n := running.Add(1)
			defer running.Add(-1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			return nil
		})
		if err != nil || calls.Load() != 20 || peak.Load() > 3 {
			t.Fatalf("err %v, calls %d, peak %d; want nil, 20, <= 3", err, calls.Load(), peak.Load())
		}
	})
	t.Run("first error stops", func(t *testing.T) {
		boom := errors.New("boom")
		var calls atomic.Int32
		err := forEach(context.Background(), 50, 1, func(ctx context.Context, i int) error {
			calls.Add(1)
			if i == 2 {
				return boom
			}
			return ctx.Err()
		})
		if !errors.Is(err, boom) || calls.Load() != 3 {
			t.Fatalf("err %v after %d calls; want boom after 3", err, calls.Load())
		}
	})
	t.Run("parent cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var calls atomic.Int32
		err := forEach(ctx, 5, 2, func(context.Context, int) error { calls.Add(1); return nil })
		if !errors.Is(err, context.Canceled) || calls.Load() != 0 {
			t.Fatalf("err %v after %d calls; want context.Canceled after 0", err, calls.Load())
		}
	})
}
