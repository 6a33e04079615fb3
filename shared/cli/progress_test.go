package cli

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/atlas-backup/atlas-backup/shared/engine"
)

// The one progress printer: time, part and name padded to the command's column, phase
// padded to 9, message, bytes; trailing blanks trimmed.
func TestProgressLines(t *testing.T) {
	tests := []struct {
		name   string
		column int
		ev     engine.Event
		want   string // after the time
	}{
		{name: "backup", column: backupColumn, ev: engine.Event{BackupID: "b1", Part: "hbase", Name: "atlas_janus", Phase: "shipped", Message: "3 objects", Bytes: 2048},
			want: "hbase atlas_janus" + strings.Repeat(" ", 28-17) + " shipped   3 objects (2.0 KiB)"},
		{name: "backup no message", column: backupColumn, ev: engine.Event{Part: "plan", Phase: "started"},
			want: "plan" + strings.Repeat(" ", 28-4) + " started"},
		{name: "restore", column: restoreColumn, ev: engine.Event{RestoreID: "r1", BackupID: "b1", Part: "solr", Name: "vertex_index", Phase: "polling", Message: "running"},
			want: "solr vertex_index" + strings.Repeat(" ", 34-17) + " polling   running"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e bytes.Buffer
			a := &app{stderr: &e}
			a.progress(tt.column)(tt.ev)
			m := regexp.MustCompile(`^\d\d:\d\d:\d\d (.*)\n$`).FindStringSubmatch(e.String())
			if m == nil || m[1] != tt.want {
				t.Errorf("line %q, want HH:MM:SS %q", e.String(), tt.want)
			}
		})
	}
}
