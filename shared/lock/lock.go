package lock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/store"
)

// DefaultStaleAfter is how long a lock or reader mark lives without a refresh.
const DefaultStaleAfter = 30 * time.Minute

// Operations that take the lock or leave a reader mark.
const (
	OpBackup  = "backup"
	OpRestore = "restore"
	OpForget  = "forget"
	OpDrill   = "drill"
)

// Record states.
const (
	StateHeld     = "held"
	StateReleased = "released"
)

// Holder names who holds the lock (or reads a backup).
type Holder struct {
	Operation string `json:"operation"`
	// BackupID is the backup the operation writes or reads (empty for forget).
	BackupID string `json:"backupId,omitempty"`
	// RunID is the restore or drill id, when the operation has one.
	RunID string `json:"runId,omitempty"`
	Host  string `json:"host,omitempty"`
	PID   int    `json:"pid,omitempty"`
	// ExecutionARN is set by the state machines' functions instead of host and pid.
	ExecutionARN string `json:"executionArn,omitempty"`
}

// String names the holder for an error message.
func (h Holder) String() string {
	var b strings.Builder
	b.WriteString(h.Operation)
	if h.BackupID != "" {
		b.WriteString(" of backup " + h.BackupID)
	}
	if h.RunID != "" {
		b.WriteString(" (run " + h.RunID + ")")
	}
	if h.ExecutionARN != "" {
		b.WriteString(" by execution " + h.ExecutionARN)
	} else if h.Host != "" {
		fmt.Fprintf(&b, " by pid %d on %s", h.PID, h.Host)
	}
	return b.String()
}

// same reports whether two holders are the same run of the same operation.
func (h Holder) same(o Holder) bool {
	if h.Operation != o.Operation || h.BackupID != o.BackupID || h.RunID != o.RunID {
		return false
	}
	if h.ExecutionARN != "" || o.ExecutionARN != "" {
		return h.ExecutionARN == o.ExecutionARN
	}
	return h.Host == o.Host && h.PID == o.PID
}

// Record is one lock object.
type Record struct {
	Seq               uint64    `json:"seq"`
	State             string    `json:"state"`
	Holder            Holder    `json:"holder"`
	Since             time.Time `json:"since"`
	RefreshedAt       time.Time `json:"refreshedAt"`
	StaleAfterSeconds int64     `json:"staleAfterSeconds"`
	// ReleasedBy says who released it (the holder, unlock of a stale lock, unlock --force).
	ReleasedBy string    `json:"releasedBy,omitempty"`
	ReleasedAt time.Time `json:"releasedAt,omitzero"`
	// Key is where the record is stored.
	Key string `json:"-"`
}

// Locked: the lock is held by someone else, alive. Its errorType at the Lambda
// boundary is "Locked"; the CLI exits 5.
type Locked struct {
	Record Record
	// URL is where the lock is stored.
	URL string
}

// Kind is the name the state machines match (handler.Kind).
func (*Locked) Kind() string { return "Locked" }

// Kind is the name the state machines match (handler.Kind).
func (*LockLost) Kind() string { return "LockLost" }

func (e *Locked) Error() string {
	r := e.Record
	return fmt.Sprintf("cluster locked by %s since %s (refreshed %s, stale after %s without a refresh; lock %s): wait for it to end, or run `atlas-backup unlock` if it is dead",
		r.Holder, r.Since.Format(time.RFC3339), r.RefreshedAt.Format(time.RFC3339), time.Duration(r.StaleAfterSeconds)*time.Second, e.URL)
}

// LockLost: the lock this run held was taken over (it went stale, or was forced open),
// so the run must stop. errorType "LockLost".
type LockLost struct {
	Holder Holder
	// Now is the record that holds the lock now (nil: released or gone).
	Now *Record
}

func (e *LockLost) Error() string {
	if e.Now != nil && e.Now.State == StateHeld {
		return fmt.Sprintf("the cluster lock of %s was taken over by %s (seq %d): stopped", e.Holder, e.Now.Holder, e.Now.Seq)
	}
	return fmt.Sprintf("the cluster lock of %s was released by someone else (unlock): stopped", e.Holder)
}

// Locker reads and writes the lock of one cluster.
type Locker struct {
	Store  store.Store
	Layout store.Layout
	// StaleAfter is written into the records this Locker creates (default DefaultStaleAfter).
	StaleAfter time.Duration
	Now        func() time.Time
	// Host is this host's name, for the same-host dead-process check (default os.Hostname).
	Host string
	// Alive reports whether a process of this host exists (default kill(pid, 0)).
	Alive func(pid int) bool
}

func (l *Locker) now() time.Time {
	if l.Now != nil {
		return l.Now().UTC()
	}
	return time.Now().UTC()
}

func (l *Locker) staleAfter() time.Duration {
	if l.StaleAfter > 0 {
		return l.StaleAfter
	}
	return DefaultStaleAfter
}

func (l *Locker) host() string {
	if l.Host != "" {
		return l.Host
	}
	h, _ := os.Hostname()
	return h
}

func (l *Locker) alive(pid int) bool {
	if l.Alive != nil {
		return l.Alive(pid)
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// Me is the holder for this process: host and pid.
func (l *Locker) Me(operation, backupID, runID string) Holder {
	return Holder{Operation: operation, BackupID: backupID, RunID: runID, Host: l.host(), PID: os.Getpid()}
}

// Stale reports whether a held record is stale, and why.
func (l *Locker) Stale(r Record) (bool, string) {
	after := time.Duration(r.StaleAfterSeconds) * time.Second
	if after <= 0 {
		after = DefaultStaleAfter
	}
	if age := l.now().Sub(r.RefreshedAt); age > after {
		return true, fmt.Sprintf("not refreshed for %s (stale after %s)", age.Round(time.Second), after)
	}
	h := r.Holder
	if h.ExecutionARN == "" && h.PID > 0 && h.Host != "" && h.Host == l.host() && !l.alive(h.PID) {
		return true, fmt.Sprintf("its process %d on this host (%s) no longer exists", h.PID, h.Host)
	}
	return false, ""
}

// records lists the lock's records, highest first (only their keys and numbers).
func (l *Locker) records(ctx context.Context) ([]uint64, error) {
	objs, err := l.Store.List(ctx, l.Layout.LockDir())
	if err != nil {
		return nil, fmt.Errorf("list lock %s: %w", l.Store.URL(l.Layout.LockDir()), err)
	}
	var seqs []uint64
	for _, o := range objs {
		if n, ok := l.Layout.ClusterLockSeq(o.Key); ok {
			seqs = append(seqs, n)
		}
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] > seqs[j] })
	return seqs, nil
}

func (l *Locker) read(ctx context.Context, seq uint64) (Record, error) {
	key := l.Layout.ClusterLock(seq)
	rc, err := l.Store.Get(ctx, key)
	if err != nil {
		return Record{}, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 1<<20))
	if err != nil {
		return Record{}, fmt.Errorf("read lock %s: %w", l.Store.URL(key), err)
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return Record{}, fmt.Errorf("parse lock %s: %w", l.Store.URL(key), err)
	}
	r.Seq, r.Key = seq, key
	return r, nil
}

// Current returns the highest record (nil when the lock was never taken). A record
// deleted between the listing and the read (garbage collection of a winner) makes
// it list again.
func (l *Locker) Current(ctx context.Context) (*Record, error) {
	for range 5 {
		seqs, err := l.records(ctx)
		if err != nil {
			return nil, err
		}
		if len(seqs) == 0 {
			return nil, nil
		}
		r, err := l.read(ctx, seqs[0])
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return &r, nil
	}
	return nil, fmt.Errorf("lock %s: changing too fast to read", l.Store.URL(l.Layout.LockDir()))
}

func (l *Locker) write(ctx context.Context, r Record, ifAbsent bool) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("lock record: %w", err)
	}
	b = append(b, '\n')
	key := l.Layout.ClusterLock(r.Seq)
	if ifAbsent {
		_, err = l.Store.PutIfAbsent(ctx, key, bytes.NewReader(b))
	} else {
		_, err = l.Store.Put(ctx, key, bytes.NewReader(b))
	}
	return err
}

// gc deletes every record below seq (best effort: a left-over record is harmless).
func (l *Locker) gc(ctx context.Context, seq uint64) {
	seqs, err := l.records(ctx)
	if err != nil {
		return
	}
	for _, n := range seqs {
		if n < seq {
			_ = l.Store.Delete(ctx, l.Layout.ClusterLock(n))
		}
	}
}

// Acquire takes the lock for h, or returns *Locked naming the live holder. A stale
// record is taken over. A record of the same holder (a retried Lambda of the same
// execution) is taken as this holder's own.
func (l *Locker) Acquire(ctx context.Context, h Holder) (*Lock, error) {
	for range 8 {
		cur, err := l.Current(ctx)
		if err != nil {
			return nil, err
		}
		next := uint64(1)
		if cur != nil {
			next = cur.Seq + 1
			if cur.State == StateHeld {
				if cur.Holder.same(h) {
					lk := &Lock{l: l, rec: *cur}
					if err := lk.Refresh(ctx); err != nil {
						return nil, err
					}
					return lk, nil
				}
				if stale, _ := l.Stale(*cur); !stale {
					return nil, &Locked{Record: *cur, URL: l.Store.URL(cur.Key)}
				}
			}
		}
		now := l.now()
		r := Record{Seq: next, State: StateHeld, Holder: h, Since: now, RefreshedAt: now,
			StaleAfterSeconds: int64(l.staleAfter() / time.Second), Key: l.Layout.ClusterLock(next)}
		err = l.write(ctx, r, true)
		if errors.Is(err, store.ErrExists) {
			continue // someone else wrote this number first: look again
		}
		if err != nil {
			return nil, fmt.Errorf("take lock %s: %w", l.Store.URL(r.Key), err)
		}
		l.gc(ctx, next)
		return &Lock{l: l, rec: r}, nil
	}
	return nil, fmt.Errorf("take lock %s: lost the race 8 times in a row", l.Store.URL(l.Layout.LockDir()))
}

// Resume finds the lock h holds (a later step of the same execution): *LockLost
// when h does not hold it now.
func (l *Locker) Resume(ctx context.Context, h Holder) (*Lock, error) {
	cur, err := l.Current(ctx)
	if err != nil {
		return nil, err
	}
	if cur == nil || cur.State != StateHeld || !cur.Holder.same(h) {
		return nil, &LockLost{Holder: h, Now: cur}
	}
	return &Lock{l: l, rec: *cur}, nil
}

// Unlock releases the lock when it is stale (or, with force, whatever its state) and
// returns the record it released; nil when nothing was held. A live lock without
// force is *Locked.
func (l *Locker) Unlock(ctx context.Context, force bool, by string) (*Record, error) {
	cur, err := l.Current(ctx)
	if err != nil {
		return nil, err
	}
	if cur == nil || cur.State != StateHeld {
		return nil, nil
	}
	why := "unlock --force by " + by
	if stale, reason := l.Stale(*cur); stale {
		why = "unlock by " + by + ": stale, " + reason
	} else if !force {
		return nil, &Locked{Record: *cur, URL: l.Store.URL(cur.Key)}
	}
	if err := l.release(ctx, *cur, why); err != nil {
		return nil, err
	}
	return cur, nil
}

func (l *Locker) release(ctx context.Context, held Record, by string) error {
	r := held
	r.Seq, r.State, r.ReleasedBy, r.ReleasedAt = held.Seq+1, StateReleased, by, l.now()
	err := l.write(ctx, r, true)
	if errors.Is(err, store.ErrExists) {
		return nil // taken over already
	}
	if err != nil {
		return fmt.Errorf("release lock %s: %w", l.Store.URL(l.Layout.ClusterLock(r.Seq)), err)
	}
	l.gc(ctx, r.Seq)
	return nil
}

// Lock is a held lock.
type Lock struct {
	l   *Locker
	mu  sync.Mutex
	rec Record
}

// Record is the lock's record as last written.
func (k *Lock) Record() Record {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.rec
}

// Refresh rewrites the record with a new refreshedAt, after checking that it is still
// the highest; *LockLost when the lock was taken over or released by someone else.
func (k *Lock) Refresh(ctx context.Context) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	cur, err := k.l.Current(ctx)
	if err != nil {
		return err
	}
	if cur == nil || cur.Seq != k.rec.Seq || cur.State != StateHeld {
		return &LockLost{Holder: k.rec.Holder, Now: cur}
	}
	r := k.rec
	r.RefreshedAt = k.l.now()
	if err := k.l.write(ctx, r, false); err != nil {
		return fmt.Errorf("refresh lock %s: %w", k.l.Store.URL(r.Key), err)
	}
	k.rec = r
	return nil
}

// Release gives the lock up (a lock taken over already is not an error).
func (k *Lock) Release(ctx context.Context) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	cur, err := k.l.Current(ctx)
	if err != nil {
		return err
	}
	if cur == nil || cur.Seq != k.rec.Seq || cur.State != StateHeld {
		return nil // someone else released or took it over
	}
	return k.l.release(ctx, k.rec, "holder")
}

// KeepAlive refreshes the lock every interval (default staleAfter/6) until stop is
// called; when the lock is lost, lost is called once with the *LockLost error (a
// store error only logs through lost after the record would have gone stale).
func (k *Lock) KeepAlive(ctx context.Context, interval time.Duration, lost func(error)) (stop func()) {
	if interval <= 0 {
		interval = k.l.staleAfter() / 6
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		lastOK := time.Now()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			err := k.Refresh(ctx)
			var ll *LockLost
			switch {
			case err == nil:
				lastOK = time.Now()
			case errors.As(err, &ll):
				lost(err)
				return
			case ctx.Err() != nil:
				return
			case time.Since(lastOK) > k.l.staleAfter():
				lost(fmt.Errorf("the cluster lock could not be refreshed for %s and may be taken over: %w", time.Since(lastOK).Round(time.Second), err))
				return
			}
		}
	}()
	return func() { cancel(); <-done }
}

// HeldBy finds the lock when op holds it for backupID and runID, whoever runs it (a
// later step of the execution that took it: the state machine's steps run in different
// sandboxes, and the execution name is the backup or restore id). *LockLost otherwise.
func (l *Locker) HeldBy(ctx context.Context, op, backupID, runID string) (*Lock, error) {
	cur, err := l.Current(ctx)
	if err != nil {
		return nil, err
	}
	h := Holder{Operation: op, BackupID: backupID, RunID: runID}
	if cur == nil || cur.State != StateHeld || cur.Holder.Operation != op || cur.Holder.BackupID != backupID || cur.Holder.RunID != runID {
		return nil, &LockLost{Holder: h, Now: cur}
	}
	return &Lock{l: l, rec: *cur}, nil
}
