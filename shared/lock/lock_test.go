package lock_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/lock"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

// clock is an injected time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestLockFileStore(t *testing.T) {
	st, err := store.NewFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	runSuite(t, st, "")
}

// runSuite is the lock's contract, run against every store implementation (the S3
// one in lock_integration_test.go).
func runSuite(t *testing.T, st store.Store, prefix string) {
	cases := []struct {
		name string
		fn   func(t *testing.T, st store.Store, l store.Layout)
	}{
		{"acquire, conflict, release", testAcquireRelease},
		{"same holder again", testSameHolder},
		{"stale by time is taken over; the old holder learns it lost", testStaleByTime},
		{"stale when its process is gone on this host", testStaleByDeadProcess},
		{"unlock refuses a live lock without force", testUnlock},
		{"racing acquirers: exactly one wins", testRace},
		{"reader marks", testReaders},
		{"keep alive refreshes", testKeepAlive},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := store.Layout{Prefix: prefix, Cluster: "c" + string(rune('a'+i))}
			c.fn(t, st, l)
		})
	}
}

func locker(st store.Store, l store.Layout, c *clock, host string) *lock.Locker {
	return &lock.Locker{Store: st, Layout: l, StaleAfter: 30 * time.Minute, Now: c.Now, Host: host, Alive: func(int) bool { return true }}
}

func newClock() *clock { return &clock{t: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)} }

func lockKeys(t *testing.T, st store.Store, l store.Layout) []string {
	t.Helper()
	objs, err := st.List(context.Background(), l.LockDir())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range objs {
		out = append(out, o.Key)
	}
	return out
}

func testAcquireRelease(t *testing.T, st store.Store, l store.Layout) {
	ctx := context.Background()
	c := newClock()
	a := locker(st, l, c, "host-a")
	b := locker(st, l, c, "host-b")
	ha := lock.Holder{Operation: lock.OpBackup, BackupID: "20261202T100000Z-aaaaaa", Host: "host-a", PID: 101}
	k, err := a.Acquire(ctx, ha)
	if err != nil {
		t.Fatalf("first Acquire: %v", err)
	}
	if r := k.Record(); r.Seq != 1 || r.State != lock.StateHeld || r.Holder != ha || r.StaleAfterSeconds != 1800 {
		t.Errorf("record = %+v", r)
	}
	_, err = b.Acquire(ctx, lock.Holder{Operation: lock.OpBackup, BackupID: "20261202T100001Z-bbbbbb", Host: "host-b", PID: 202})
	var locked *lock.Locked
	if !errors.As(err, &locked) {
		t.Fatalf("second Acquire: err = %v, want *Locked", err)
	}
	for _, want := range []string{"backup of backup 20261202T100000Z-aaaaaa", "pid 101 on host-a", "2026-12-02T10:00:00Z", "unlock"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Locked error %q does not say %q", err, want)
		}
	}
	if err := k.Release(ctx); err != nil {
		t.Fatalf("Release: %v", err)
	}
	cur, err := b.Current(ctx)
	if err != nil || cur == nil || cur.State != lock.StateReleased || cur.Seq != 2 || cur.ReleasedBy != "holder" {
		t.Fatalf("after Release Current = %+v, %v", cur, err)
	}
	k2, err := b.Acquire(ctx, lock.Holder{Operation: lock.OpForget, Host: "host-b", PID: 202})
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	if k2.Record().Seq != 3 {
		t.Errorf("seq = %d, want 3", k2.Record().Seq)
	}
	// The winner removed the older records: only the highest is left.
	if got := lockKeys(t, st, l); len(got) != 1 || got[0] != l.ClusterLock(3) {
		t.Errorf("lock objects = %v, want only %s", got, l.ClusterLock(3))
	}
	// Releasing twice is harmless and does not release someone else's lock.
	if err := k.Release(ctx); err != nil {
		t.Errorf("stale Release: %v", err)
	}
	if cur, _ := b.Current(ctx); cur.Seq != 3 || cur.State != lock.StateHeld {
		t.Errorf("an old holder's Release changed the lock: %+v", cur)
	}
}

func testSameHolder(t *testing.T, st store.Store, l store.Layout) {
	ctx := context.Background()
	c := newClock()
	a := locker(st, l, c, "")
	h := lock.Holder{Operation: lock.OpBackup, BackupID: "b1", ExecutionARN: "arn:aws:states:us-east-1:1:execution:m:b1"}
	k1, err := a.Acquire(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	c.Add(time.Minute)
	k2, err := a.Acquire(ctx, h) // a retried Plan of the same execution
	if err != nil {
		t.Fatalf("same holder: %v", err)
	}
	if k1.Record().Seq != k2.Record().Seq || !k2.Record().RefreshedAt.Equal(c.Now()) {
		t.Errorf("same holder got %+v, first %+v", k2.Record(), k1.Record())
	}
	// A later step of the execution finds it; another execution does not.
	if _, err := a.Resume(ctx, h); err != nil {
		t.Errorf("Resume: %v", err)
	}
	other := h
	other.ExecutionARN += "x"
	var lost *lock.LockLost
	if _, err := a.Resume(ctx, other); !errors.As(err, &lost) {
		t.Errorf("Resume by another execution: err = %v, want *LockLost", err)
	}
}

func testStaleByTime(t *testing.T, st store.Store, l store.Layout) {
	ctx := context.Background()
	c := newClock()
	a := locker(st, l, c, "host-a")
	old, err := a.Acquire(ctx, lock.Holder{Operation: lock.OpBackup, BackupID: "b1", Host: "host-a", PID: 1})
	if err != nil {
		t.Fatal(err)
	}
	c.Add(29 * time.Minute)
	if err := old.Refresh(ctx); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	c.Add(29 * time.Minute) // 58 min after start, 29 after the refresh: alive
	hb := lock.Holder{Operation: lock.OpBackup, BackupID: "b2", Host: "host-b", PID: 2}
	var locked *lock.Locked
	if _, err := a.Acquire(ctx, hb); !errors.As(err, &locked) {
		t.Fatalf("refreshed lock taken: err = %v", err)
	}
	c.Add(2 * time.Minute)
	if stale, why := a.Stale(locked.Record); !stale || !strings.Contains(why, "not refreshed for 31m0s") {
		t.Errorf("Stale = %v, %q", stale, why)
	}
	nw, err := a.Acquire(ctx, hb)
	if err != nil {
		t.Fatalf("stale lock not taken over: %v", err)
	}
	var lost *lock.LockLost
	if err := old.Refresh(ctx); !errors.As(err, &lost) || !strings.Contains(err.Error(), "taken over by backup of backup b2") {
		t.Errorf("old holder's Refresh: err = %v, want *LockLost naming the new holder", err)
	}
	if err := old.Release(ctx); err != nil {
		t.Errorf("old holder's Release: %v", err)
	}
	if cur, _ := a.Current(ctx); cur.Seq != nw.Record().Seq || cur.State != lock.StateHeld {
		t.Errorf("old holder's Release touched the new lock: %+v", cur)
	}
}

func testStaleByDeadProcess(t *testing.T, st store.Store, l store.Layout) {
	ctx := context.Background()
	c := newClock()
	dead := map[int]bool{4242: true}
	a := &lock.Locker{Store: st, Layout: l, Now: c.Now, Host: "edge1", Alive: func(pid int) bool { return !dead[pid] }}
	if _, err := a.Acquire(ctx, lock.Holder{Operation: lock.OpBackup, BackupID: "b1", Host: "edge1", PID: 4242}); err != nil {
		t.Fatal(err)
	}
	// Another host cannot tell whether pid 4242 lives: the lock stays until it is stale.
	b := &lock.Locker{Store: st, Layout: l, Now: c.Now, Host: "edge2", Alive: func(int) bool { return false }}
	var locked *lock.Locked
	if _, err := b.Acquire(ctx, lock.Holder{Operation: lock.OpBackup, BackupID: "b2", Host: "edge2", PID: 7}); !errors.As(err, &locked) {
		t.Fatalf("other host took a fresh lock: %v", err)
	}
	// On its own host the dead process makes it stale at once.
	if stale, why := a.Stale(locked.Record); !stale || !strings.Contains(why, "process 4242") {
		t.Errorf("Stale = %v, %q", stale, why)
	}
	if _, err := a.Acquire(ctx, lock.Holder{Operation: lock.OpBackup, BackupID: "b3", Host: "edge1", PID: 4243}); err != nil {
		t.Errorf("dead holder's lock not taken over: %v", err)
	}
}

func testUnlock(t *testing.T, st store.Store, l store.Layout) {
	ctx := context.Background()
	c := newClock()
	a := locker(st, l, c, "h")
	if r, err := a.Unlock(ctx, false, "op"); r != nil || err != nil {
		t.Errorf("Unlock of nothing = %+v, %v", r, err)
	}
	if _, err := a.Acquire(ctx, lock.Holder{Operation: lock.OpRestore, BackupID: "b1", RunID: "r1", Host: "h", PID: 1}); err != nil {
		t.Fatal(err)
	}
	var locked *lock.Locked
	if _, err := a.Unlock(ctx, false, "op"); !errors.As(err, &locked) {
		t.Fatalf("Unlock of a live lock: err = %v, want *Locked", err)
	}
	if cur, _ := a.Current(ctx); cur.State != lock.StateHeld {
		t.Fatalf("refused Unlock changed the lock: %+v", cur)
	}
	r, err := a.Unlock(ctx, true, "op")
	if err != nil || r == nil || r.Holder.RunID != "r1" {
		t.Fatalf("Unlock --force = %+v, %v", r, err)
	}
	cur, _ := a.Current(ctx)
	if cur.State != lock.StateReleased || !strings.Contains(cur.ReleasedBy, "--force") {
		t.Errorf("after force: %+v", cur)
	}
	if _, err := a.Acquire(ctx, lock.Holder{Operation: lock.OpBackup, BackupID: "b2", Host: "h", PID: 2}); err != nil {
		t.Fatal(err)
	}
	c.Add(31 * time.Minute)
	if r, err := a.Unlock(ctx, false, "op"); err != nil || r == nil {
		t.Fatalf("Unlock of a stale lock = %+v, %v", r, err)
	}
	if cur, _ := a.Current(ctx); cur.State != lock.StateReleased || !strings.Contains(cur.ReleasedBy, "stale") {
		t.Errorf("after stale unlock: %+v", cur)
	}
}

func testRace(t *testing.T, st store.Store, l store.Layout) {
	ctx := context.Background()
	c := newClock()
	const n = 8
	var wins, lockedN atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := locker(st, l, c, "h").Acquire(ctx, lock.Holder{Operation: lock.OpBackup, BackupID: "b", Host: "h", PID: 1000 + i})
			var locked *lock.Locked
			switch {
			case err == nil:
				wins.Add(1)
			case errors.As(err, &locked):
				lockedN.Add(1)
			default:
				t.Errorf("Acquire %d: %v", i, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if wins.Load() != 1 || lockedN.Load() != n-1 {
		t.Errorf("%d won, %d were told the holder; want 1 and %d", wins.Load(), lockedN.Load(), n-1)
	}
}

func testReaders(t *testing.T, st store.Store, l store.Layout) {
	ctx := context.Background()
	c := newClock()
	a := locker(st, l, c, "h")
	if _, err := a.Mark(ctx, lock.Holder{Operation: lock.OpDrill, BackupID: "b1", RunID: "r1", Host: "h", PID: 1}); err != nil {
		t.Fatal(err)
	}
	c.Add(20 * time.Minute)
	if _, err := a.Mark(ctx, lock.Holder{Operation: lock.OpDrill, BackupID: "b2", RunID: "r2", Host: "h", PID: 2}); err != nil {
		t.Fatal(err)
	}
	ms, err := a.Readers(ctx)
	if err != nil || len(ms) != 2 {
		t.Fatalf("Readers = %+v, %v", ms, err)
	}
	c.Add(15 * time.Minute) // r1 35 min old: stale, dropped; r2 15 min: live
	ms, err = a.Readers(ctx)
	if err != nil || len(ms) != 1 || ms[0].Holder.BackupID != "b2" {
		t.Fatalf("Readers after r1 went stale = %+v, %v", ms, err)
	}
	if _, err := st.Stat(ctx, l.Reader("r1")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("stale mark not removed: %v", err)
	}
	if err := a.Unmark(ctx, "r2"); err != nil {
		t.Fatal(err)
	}
	if ms, _ := a.Readers(ctx); len(ms) != 0 {
		t.Errorf("after Unmark: %+v", ms)
	}
	if err := a.CheckNoForget(ctx); err != nil {
		t.Errorf("CheckNoForget without a lock: %v", err)
	}
	if _, err := a.Acquire(ctx, lock.Holder{Operation: lock.OpBackup, BackupID: "b3", Host: "h", PID: 3}); err != nil {
		t.Fatal(err)
	}
	if err := a.CheckNoForget(ctx); err != nil {
		t.Errorf("CheckNoForget beside a backup: %v", err)
	}
	c.Add(time.Hour)
	if _, err := a.Acquire(ctx, lock.Holder{Operation: lock.OpForget, Host: "h", PID: 4}); err != nil {
		t.Fatal(err)
	}
	var locked *lock.Locked
	if err := a.CheckNoForget(ctx); !errors.As(err, &locked) {
		t.Errorf("CheckNoForget beside a forget: err = %v, want *Locked", err)
	}
}

func testKeepAlive(t *testing.T, st store.Store, l store.Layout) {
	ctx := context.Background()
	a := &lock.Locker{Store: st, Layout: l, StaleAfter: time.Hour}
	k, err := a.Acquire(ctx, a.Me(lock.OpBackup, "b1", ""))
	if err != nil {
		t.Fatal(err)
	}
	first := k.Record().RefreshedAt
	lostc := make(chan error, 1)
	stop := k.KeepAlive(ctx, 20*time.Millisecond, func(err error) { lostc <- err })
	deadline := time.Now().Add(10 * time.Second)
	for k.Record().RefreshedAt.Equal(first) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if k.Record().RefreshedAt.Equal(first) {
		t.Fatal("KeepAlive never refreshed")
	}
	// Forced open by someone else: KeepAlive reports the loss.
	if _, err := a.Unlock(ctx, true, "test"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-lostc:
		var lost *lock.LockLost
		if !errors.As(err, &lost) {
			t.Errorf("lost with %v, want *LockLost", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("KeepAlive did not notice the lock was lost")
	}
	stop()
}

func TestHeldBy(t *testing.T) {
	ctx := context.Background()
	st, _ := store.NewFile(t.TempDir())
	c := newClock()
	l := locker(st, store.Layout{Cluster: "c"}, c, "")
	h := lock.Holder{Operation: lock.OpBackup, BackupID: "b1", ExecutionARN: "arn:aws:states:r:1:execution:m:b1"}
	if _, err := l.Acquire(ctx, h); err != nil {
		t.Fatal(err)
	}
	k, err := l.HeldBy(ctx, lock.OpBackup, "b1", "")
	if err != nil {
		t.Fatalf("HeldBy: %v", err)
	}
	c.Add(time.Minute)
	if err := k.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	var lost *lock.LockLost
	if _, err := l.HeldBy(ctx, lock.OpBackup, "b2", ""); !errors.As(err, &lost) {
		t.Errorf("HeldBy for another backup: %v", err)
	}
	if err := k.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := l.HeldBy(ctx, lock.OpBackup, "b1", ""); !errors.As(err, &lost) {
		t.Errorf("HeldBy after release: %v", err)
	}
}
