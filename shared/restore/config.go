package restore

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/atlas-backup/atlas-backup/shared/archive"
	"github.com/atlas-backup/atlas-backup/shared/engine"
)

// ConfigResult is what RestoreConfig did and found.
type ConfigResult struct {
	Target   string `json:"target"`
	Live     bool   `json:"live"`
	Expected Counts `json:"expected"`
	Got      Counts `json:"got"`
	Match    bool   `json:"match"`
	// Changes: how the live folder differed from the backup before the restore.
	Changes []archive.Change `json:"changes"`
	// Mismatches: files of the target that differ from the backup after unpacking.
	Mismatches []archive.Change `json:"mismatches,omitempty"`
	// Kept: files in the target that the backup does not have (left in place).
	Kept []string `json:"kept,omitempty"`
}

// RestoreConfig unpacks the fetched config archive into the target folder (over
// existing files only when the plan allows it: Yes), then checks that every file of the
// backup is in the target with its SHA-256, mode and link target. Symlinks are restored
// as recorded and never followed; nothing is written outside the target.
func (e *Engine) RestoreConfig(ctx context.Context, p *Plan) (ConfigResult, error) {
	c := p.Config
	res := ConfigResult{Target: c.Target, Live: c.Live, Changes: c.Changes, Expected: Counts{Files: len(c.Files), Digest: "sha256:" + c.SHA256}}
	if c.Live && !p.Yes {
		return res, &Refused{Problems: []string{"config target " + c.Target + " is the live folder and the plan does not allow overwriting it"}}
	}
	f, err := os.Open(c.Archive)
	if err != nil {
		return res, &ConfigRestoreFailed{Err: fmt.Errorf("open the fetched archive: %w", err)}
	}
	defer f.Close()
	e.emit(p, engine.Event{Part: "config", Name: c.Target, Phase: "started", Message: fmt.Sprintf("unpacking %d entries", len(c.Files))})
	files, err := archive.Extract(ctx, f, c.Target, archive.ExtractOptions{Overwrite: p.Yes})
	if err != nil {
		return res, &ConfigRestoreFailed{Err: fmt.Errorf("unpack into %s (%d entries written before the error): %w", c.Target, len(files), err)}
	}
	res.Got.Files = len(files)
	res.Got.Digest = res.Expected.Digest // the archive was checked while fetching
	changes, err := archive.DiffContext(ctx, c.Files, c.Target)
	if err != nil {
		return res, &CheckFailed{Err: fmt.Errorf("compare %s with the backup: %w", c.Target, err)}
	}
	for _, ch := range changes {
		if ch.Kind == archive.Added {
			res.Kept = append(res.Kept, ch.Path)
			continue
		}
		res.Mismatches = append(res.Mismatches, ch)
	}
	res.Match = len(res.Mismatches) == 0 && res.Got.Files == res.Expected.Files
	if !res.Match {
		var lines []string
		for _, m := range res.Mismatches {
			lines = append(lines, m.Path+" "+string(m.Kind)+" "+m.Detail)
		}
		return res, &CheckFailed{Err: fmt.Errorf("config unpacked into %s differs from the backup: %d of %d entries written; %s",
			c.Target, res.Got.Files, res.Expected.Files, strings.Join(lines, "; "))}
	}
	msg := fmt.Sprintf("%d entries, every file's SHA-256 equal to the backup's", len(files))
	if len(res.Kept) > 0 {
		msg += fmt.Sprintf("; %d files not in the backup left in place: %s", len(res.Kept), strings.Join(res.Kept, ", "))
	}
	e.emit(p, engine.Event{Part: "config", Name: c.Target, Phase: "done", Message: msg})
	return res, nil
}
