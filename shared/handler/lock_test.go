package handler

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/atlas-backup/atlas-backup/shared/engine"
	"github.com/atlas-backup/atlas-backup/shared/hooks"
	"github.com/atlas-backup/atlas-backup/shared/lock"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/restore"
)

// The lock at the Lambda boundary: Plan meets a live holder with errorType Locked
// (the state machine's Retry matches it) naming the holder, before anything runs.
func TestPlanLocked(t *testing.T) {
	ctx := context.Background()
	be := fileEngine(t)
	l := &lock.Locker{Store: be.Store, Layout: be.Layout}
	if _, err := l.Acquire(ctx, lock.Holder{Operation: lock.OpBackup, BackupID: "20261202T010000Z-aaaaaa", Host: "edge1", PID: 4242}); err != nil {
		t.Fatal(err)
	}
	h := &Backup{Engine: be, Locker: l}
	_, err := h.Plan(ctx, PlanInput{BackupID: "20261202T020000Z-bbbbbb", Trigger: manifest.Trigger{Source: "schedule"},
		ExecutionARN: "arn:aws:states:us-east-1:1:execution:atlas-backup:20261202T020000Z-bbbbbb"})
	if errorType(err) != "Locked" || !strings.Contains(err.Error(), "backup of backup 20261202T010000Z-aaaaaa by pid 4242 on edge1") {
		t.Fatalf("Plan beside a live lock: %s %v", errorType(err), err)
	}
	// The restore state machine's Plan too (a restore takes the lock).
	r := &Restore{Engine: &restore.Engine{Core: engine.Core{Cfg: be.Cfg, Store: be.Store, Layout: be.Layout}}, Locker: l}
	_, err = r.Plan(ctx, RestorePlanRequest{RestoreID: "r20261202T020000Z-cccccc", Request: restore.PlanInput{BackupID: "20261202T010000Z-aaaaaa"}})
	if errorType(err) != "Locked" {
		t.Fatalf("restore Plan beside a live lock: %s %v", errorType(err), err)
	}
	// A drill does not need the lock; beside a forget it is refused with Locked.
	if _, err := l.Unlock(ctx, true, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Acquire(ctx, lock.Holder{Operation: lock.OpForget, Host: "edge1", PID: 4242}); err != nil {
		t.Fatal(err)
	}
	_, err = r.Plan(ctx, RestorePlanRequest{RestoreID: "r20261202T020000Z-dddddd", Request: restore.PlanInput{BackupID: "20261202T010000Z-aaaaaa", Drill: true, Suffix: "_d"}})
	if errorType(err) != "Locked" || !strings.Contains(err.Error(), "forget") {
		t.Fatalf("drill beside a forget: %s %v", errorType(err), err)
	}
	if ms, _ := l.Readers(ctx); len(ms) != 0 {
		t.Errorf("a refused drill left its reader mark: %+v", ms)
	}
	// Retention after a backup that did not succeed: BadInput, and it does not throw.
	if _, err := h.Retention(ctx, RetentionInput{BackupID: "20261202T020000Z-bbbbbb"}); errorType(err) != "BadInput" {
		t.Errorf("retention without a SUCCEEDED manifest: %s %v", errorType(err), err)
	}
}

func TestLifecycleErrorKinds(t *testing.T) {
	for want, err := range map[string]error{
		"Locked":     fmt.Errorf("plan: %w", &lock.Locked{Record: lock.Record{Holder: lock.Holder{Operation: "backup"}}}),
		"LockLost":   fmt.Errorf("status: %w", &lock.LockLost{}),
		"HookFailed": fmt.Errorf("plan: %w", &hooks.HookFailed{Result: hooks.Result{Name: "x", State: hooks.FailedS}}),
	} {
		if got := errorType(err); got != want {
			t.Errorf("errorType(%v) = %s, want %s", err, got, want)
		}
	}
}
