package lock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/store"
)

// Mark is a reader mark: a running restore or drill and the backup it reads.
type Mark struct {
	Holder            Holder    `json:"holder"`
	Since             time.Time `json:"since"`
	RefreshedAt       time.Time `json:"refreshedAt"`
	StaleAfterSeconds int64     `json:"staleAfterSeconds"`
	Key               string    `json:"-"`
}

// Mark writes (or refreshes) the reader mark of h; h.RunID and h.BackupID are required.
func (l *Locker) Mark(ctx context.Context, h Holder) (Mark, error) {
	if err := store.ValidateComponent(h.RunID); err != nil {
		return Mark{}, fmt.Errorf("reader mark: run id: %w", err)
	}
	if err := store.ValidateComponent(h.BackupID); err != nil {
		return Mark{}, fmt.Errorf("reader mark: backup id: %w", err)
	}
	now := l.now()
	m := Mark{Holder: h, Since: now, RefreshedAt: now, StaleAfterSeconds: int64(l.staleAfter() / time.Second), Key: l.Layout.Reader(h.RunID)}
	if prev, err := l.readMark(ctx, m.Key); err == nil && prev.Holder.same(h) {
		m.Since = prev.Since
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return Mark{}, err
	}
	if _, err := l.Store.Put(ctx, m.Key, bytes.NewReader(append(b, '\n'))); err != nil {
		return Mark{}, fmt.Errorf("write reader mark %s: %w", l.Store.URL(m.Key), err)
	}
	return m, nil
}

// Unmark removes the reader mark of run runID.
func (l *Locker) Unmark(ctx context.Context, runID string) error {
	if err := store.ValidateComponent(runID); err != nil {
		return fmt.Errorf("reader mark: run id: %w", err)
	}
	return l.Store.Delete(ctx, l.Layout.Reader(runID))
}

func (l *Locker) readMark(ctx context.Context, key string) (Mark, error) {
	rc, err := l.Store.Get(ctx, key)
	if err != nil {
		return Mark{}, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 1<<20))
	if err != nil {
		return Mark{}, err
	}
	var m Mark
	if err := json.Unmarshal(b, &m); err != nil {
		return Mark{}, fmt.Errorf("parse reader mark %s: %w", l.Store.URL(key), err)
	}
	m.Key = key
	return m, nil
}

// Readers returns the live reader marks; stale ones are deleted on the way (a crashed
// drill's mark must not protect a backup forever).
func (l *Locker) Readers(ctx context.Context) ([]Mark, error) {
	objs, err := l.Store.List(ctx, l.Layout.ReaderDir())
	if err != nil {
		return nil, fmt.Errorf("list reader marks %s: %w", l.Store.URL(l.Layout.ReaderDir()), err)
	}
	var out []Mark
	for _, o := range objs {
		if !strings.HasSuffix(o.Key, ".json") {
			continue
		}
		m, err := l.readMark(ctx, o.Key)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if stale, _ := l.Stale(Record{State: StateHeld, Holder: m.Holder, RefreshedAt: m.RefreshedAt, StaleAfterSeconds: m.StaleAfterSeconds}); stale {
			_ = l.Store.Delete(ctx, o.Key)
			continue
		}
		out = append(out, m)
	}
	return out, nil
}

// CheckNoForget returns *Locked when a forget holds the lock now: a drill that has
// written its mark calls it before reading the backup.
func (l *Locker) CheckNoForget(ctx context.Context) error {
	cur, err := l.Current(ctx)
	if err != nil {
		return err
	}
	if cur != nil && cur.State == StateHeld && cur.Holder.Operation == OpForget {
		if stale, _ := l.Stale(*cur); !stale {
			return &Locked{Record: *cur, URL: l.Store.URL(cur.Key)}
		}
	}
	return nil
}

// KeepMark writes h's reader mark now and again every interval (default staleAfter/6)
// until stop is called, which removes it.
func (l *Locker) KeepMark(ctx context.Context, h Holder, interval time.Duration) (stop func(), err error) {
	if _, err := l.Mark(ctx, h); err != nil {
		return nil, err
	}
	if interval <= 0 {
		interval = l.staleAfter() / 6
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				_, _ = l.Mark(ctx, h)
			}
		}
	}()
	return func() {
		cancel()
		<-done
		_ = l.Unmark(context.WithoutCancel(ctx), h.RunID)
	}, nil
}
