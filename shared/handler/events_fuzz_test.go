package handler

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/atlas-backup/atlas-backup/shared/backup"
	"github.com/atlas-backup/atlas-backup/shared/restore"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

// Whatever the trigger event, DeriveExecution does not panic, and an execution it
// derives has a valid execution name (the backup id) and a valid backup request.
func FuzzTriggerEvent(f *testing.F) {
	for _, name := range []string{"schedule.json", "pre-upgrade.json", "on-demand.json", "start/unknown-event.json", "start/wrong-cluster.json"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "events", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"detail-type":"Atlas Backup Requested","source":"atlas-backup","time":"2026-11-25T15:12:00Z","detail":{"cluster":"prod-hdp3","backupId":"../x"}}`))
	f.Add([]byte(`{"trigger":"schedule","cluster":"prod-hdp3","scheduledTime":"9999-99-99"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var ev TriggerEvent
		if json.Unmarshal(b, &ev) != nil {
			return
		}
		in, err := DeriveExecution(ev, "prod-hdp3")
		if err != nil {
			if Kind(err) == "StepFailed" && err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if err := store.ValidateComponent(in.BackupID); err != nil {
			t.Fatalf("derived execution name %q: %v", in.BackupID, err)
		}
		if err := (backup.PlanInput{BackupID: in.BackupID, Trigger: in.Trigger}).Validate(); err != nil {
			t.Fatalf("derived request %+v refused by Plan: %v", in, err)
		}
	})
}

// Whatever a restore request's JSON, decoding and validating it does not panic; a valid
// one names a valid backup, and its suffix and target follow their rules.
func FuzzRestoreRequest(f *testing.F) {
	for _, name := range []string{"restore-drill.json", "restore-plan/drill.json", "restore-plan/drill-without-suffix.json", "restore-plan/unknown-backup.json"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "events", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"restoreId":"r1","request":{"backupId":"b1","suffix":"-rf","configTarget":"/a/../b"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var req RestorePlanRequest
		if json.Unmarshal(b, &req) != nil {
			var in restore.PlanInput
			if json.Unmarshal(b, &in) != nil {
				return
			}
			req.Request = in
		}
		in := req.Request
		if in.Validate() != nil {
			return
		}
		if store.ValidateComponent(in.BackupID) != nil ||
			in.Suffix != "" && restore.ValidateSuffix(in.Suffix) != nil ||
			in.ConfigTarget != "" && restore.ValidateConfigTarget(in.ConfigTarget) != nil {
			t.Fatalf("valid request with invalid parts: %+v", in)
		}
	})
}
