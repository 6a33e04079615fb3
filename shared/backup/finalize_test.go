package backup

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/atlas-backup/atlas-backup/shared/engine"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

func newTestEngine(t *testing.T, now time.Time) *Engine {
	t.Helper()
	st, err := store.NewFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return &Engine{
		Core: engine.Core{
			Store:  st,
			Layout: store.Layout{Prefix: "atlas", Cluster: "c1"},
			Log:    zerolog.Nop(),
			Clock:  func() time.Time { return now },
		},
	}
}

func testPlan(id string, started time.Time) *Plan {
	return &Plan{BackupID: id, Cluster: "c1", StartedAt: started,
		Tables:      []TablePlan{{Table: "atlas_janus"}},
		Collections: []CollectionPlan{{Collection: "vertex_index"}}}
}

// put stores an object and returns its info as the store computed it.
func put(t *testing.T, e *Engine, key, body string) store.ObjectInfo {
	t.Helper()
	oi, err := e.Store.Put(context.Background(), key, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return oi
}

func fullResults(t *testing.T, e *Engine, id string) Results {
	return Results{
		Tables:      []manifest.Table{{Table: "atlas_janus", Objects: []store.ObjectInfo{put(t, e, e.Layout.HBase(id, "atlas_janus", "part-m-00000"), "cells")}}},
		Collections: []manifest.Collection{{Collection: "vertex_index", Objects: []store.ObjectInfo{put(t, e, e.Layout.Solr(id, "vertex_index", "backup_0.properties"), "p")}}},
		Config:      &manifest.Config{Key: e.Layout.ConfigArchive(id), Size: 3},
	}
}

func latestID(t *testing.T, e *Engine) string {
	t.Helper()
	lt, err := manifest.ReadLatest(context.Background(), e.Store, e.Layout)
	if err != nil {
		return ""
	}
	return lt.BackupID
}

func TestFinalizeStatus(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name        string
		results     func(t *testing.T, e *Engine, id string) Results
		want        manifest.Status
		reason      string
		movesLatest bool
	}{
		{name: "everything taken", want: manifest.Succeeded, movesLatest: true,
			results: fullResults},
		{name: "one part failed", want: manifest.Partial, reason: "solr vertex_index: boom",
			results: func(t *testing.T, e *Engine, id string) Results {
				r := fullResults(t, e, id)
				r.Collections = nil
				r.Failures = []string{"solr vertex_index: boom"}
				return r
			}},
		{name: "a part stalled (HBase down)", want: manifest.Failed, reason: "HBase is down?",
			results: func(t *testing.T, e *Engine, id string) Results {
				r := fullResults(t, e, id)
				r.Tables = nil
				r.Stalled = true
				r.Failures = []string{"hbase atlas_janus: hbase export of atlas_janus: no progress for 5m0s and ...: HBase is down?"}
				return r
			}},
		{name: "nothing taken", want: manifest.Failed, reason: "preflight",
			results: func(*testing.T, *Engine, string) Results { return Results{Failures: []string{"preflight: kdc"}} }},
		{name: "part missing without a failure line", want: manifest.Partial, reason: "no backup recorded",
			results: func(t *testing.T, e *Engine, id string) Results {
				r := fullResults(t, e, id)
				r.Collections = nil
				return r
			}},
		{name: "listed object not in the store", want: manifest.Partial, reason: "part-m-00001",
			results: func(t *testing.T, e *Engine, id string) Results {
				r := fullResults(t, e, id)
				r.Tables[0].Objects = append(r.Tables[0].Objects, store.ObjectInfo{Key: e.Layout.HBase(id, "atlas_janus", "part-m-00001"), Size: 9})
				return r
			}},
		{name: "listed object with another size", want: manifest.Partial, reason: "recorded 99",
			results: func(t *testing.T, e *Engine, id string) Results {
				r := fullResults(t, e, id)
				r.Tables[0].Objects[0].Size = 99
				return r
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEngine(t, t0.Add(time.Hour))
			put(t, e, e.Layout.ConfigArchive("b1"), "tgz")
			m, err := e.Finalize(ctx, testPlan("b1", t0), tt.results(t, e, "b1"))
			if err != nil {
				t.Fatal(err)
			}
			if m.Status != tt.want {
				t.Fatalf("status %s, want %s (reasons %v)", m.Status, tt.want, m.Reasons)
			}
			if tt.reason != "" && !strings.Contains(strings.Join(m.Reasons, "\n"), tt.reason) {
				t.Fatalf("reasons %v do not mention %q", m.Reasons, tt.reason)
			}
			stored, err := manifest.Read(ctx, e.Store, e.Layout, "b1")
			if err != nil || stored.Status != tt.want {
				t.Fatalf("stored manifest: %v %+v", err, stored)
			}
			if got := latestID(t, e) == "b1"; got != tt.movesLatest {
				t.Fatalf("latest moved = %v, want %v", got, tt.movesLatest)
			}
		})
	}
}

// An older backup that finishes after a newer one does not take `latest` back.
func TestLatestNeverMovesBack(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	e := newTestEngine(t, t0.Add(2*time.Hour))
	put(t, e, e.Layout.ConfigArchive("new"), "tgz")
	if m, err := e.Finalize(ctx, testPlan("new", t0.Add(time.Hour)), fullResults(t, e, "new")); err != nil || m.Status != manifest.Succeeded {
		t.Fatalf("%v %v", err, m)
	}
	e.Clock = func() time.Time { return t0.Add(90 * time.Minute) }
	put(t, e, e.Layout.ConfigArchive("old"), "tgz")
	if m, err := e.Finalize(ctx, testPlan("old", t0), fullResults(t, e, "old")); err != nil || m.Status != manifest.Succeeded {
		t.Fatalf("%v %v", err, m)
	}
	if got := latestID(t, e); got != "new" {
		t.Fatalf("latest = %s, want new", got)
	}
}

func TestValidateInput(t *testing.T) {
	for _, in := range []PlanInput{
		{BackupID: "../x", Trigger: manifest.Trigger{Source: "cli"}},
		{BackupID: "a b", Trigger: manifest.Trigger{Source: "cli"}},
		{Trigger: manifest.Trigger{Source: "cron"}},
		{Trigger: manifest.Trigger{Source: "cli", Detail: "line1\nline2"}},
		{Trigger: manifest.Trigger{Source: "cli", Detail: strings.Repeat("d", 300)}},
	} {
		e := newTestEngine(t, time.Now())
		_, err := e.Plan(context.Background(), in)
		var bad *BadInput
		if err == nil || !errorsAs(err, &bad) {
			t.Errorf("%+v: err = %v, want *BadInput", in, err)
		}
	}
}

func TestNewBackupIDSortsByTime(t *testing.T) {
	a := NewBackupID(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	b := NewBackupID(time.Date(2026, 1, 2, 3, 4, 6, 0, time.UTC))
	if !(a < b) || !bytes.HasPrefix([]byte(a), []byte("20260102T030405Z-")) {
		t.Fatalf("%s, %s", a, b)
	}
	if err := store.ValidateComponent(a); err != nil {
		t.Fatal(err)
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
