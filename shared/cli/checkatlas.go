package cli

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/atlas"
	"github.com/atlas-backup/atlas-backup/shared/clients"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
)

// ExitAtlasUnanswered: check-atlas could not compare: Atlas did not answer ACTIVE within
// the wait, or the backup recorded no answers of Atlas to compare with.
const ExitAtlasUnanswered = 6

// AtlasRequest bounds each request check-atlas sends.
const AtlasRequest = 30 * time.Second

// CheckAtlasOutput is check-atlas's JSON output.
type CheckAtlasOutput struct {
	BackupID string `json:"backupId"`
	atlas.CheckResult
}

func (a *app) checkAtlas(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("check-atlas", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	wait := fs.Duration("wait", 0, "wait up to this long for Atlas to answer ACTIVE before comparing (e.g. 10m, right after starting it)")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return ExitUsage
	}
	if *wait < 0 {
		a.errorf("--wait: must not be negative, got %s", *wait)
		return ExitUsage
	}
	set, m, code := a.openBackup(ctx, pos, "check-atlas")
	if m == nil {
		return code
	}
	defer set.Close()
	if set.Atlas == nil {
		a.errorf("check-atlas: atlas.url is not set in the config")
		return ExitUsage
	}
	return a.runCheckAtlas(ctx, set, m, *wait)
}

// runCheckAtlas waits (when wait > 0) for Atlas to be ACTIVE, compares it with the
// backup's record, prints the result and returns the exit code: 0 same in every section,
// 1 a section differs, ExitAtlasUnanswered when there is nothing to compare.
func (a *app) runCheckAtlas(ctx context.Context, set *clients.Set, m *manifest.Manifest, wait time.Duration) int {
	rec := m.Atlas
	if rec == nil || !rec.Answered || rec.Version == "" {
		why := "atlas.url was not set when it was taken"
		if rec != nil {
			why = "Atlas did not answer then: " + rec.Error
		}
		a.errorf("backup %s recorded no answers of Atlas to compare with (%s)", m.BackupID, why)
		return ExitAtlasUnanswered
	}
	if wait > 0 {
		fmt.Fprintf(a.stderr, "check-atlas: waiting up to %s for Atlas at %s to answer ACTIVE\n", wait, set.Atlas.BaseURL)
		polls := 0
		if _, err := set.Atlas.WaitActive(ctx, wait, func(st string, err error) {
			polls++
			if polls%4 == 1 {
				a.mu.Lock()
				if err != nil {
					fmt.Fprintf(a.stderr, "%s atlas                        waiting   %v\n", time.Now().Format("15:04:05"), oneLine(err.Error()))
				} else {
					fmt.Fprintf(a.stderr, "%s atlas                        waiting   %s\n", time.Now().Format("15:04:05"), st)
				}
				a.mu.Unlock()
			}
		}); err != nil {
			a.errorf("Atlas at %s did not answer ACTIVE: %v; run `atlas-backup check-atlas %s` once it is up", set.Atlas.BaseURL, err, m.BackupID)
			return ExitAtlasUnanswered
		}
	}
	t0 := time.Now()
	res := atlas.Check(ctx, set.Atlas, *rec, AtlasRequest)
	if a.output == "json" {
		a.printJSON(CheckAtlasOutput{BackupID: m.BackupID, CheckResult: res})
	} else {
		a.checkAtlasReport(m, rec, res, time.Since(t0))
	}
	switch {
	case !res.Answered || res.Version == "":
		a.errorf("Atlas at %s did not answer: %s", set.Atlas.BaseURL, res.Error)
		return ExitAtlasUnanswered
	case !res.Same:
		return ExitFailed
	}
	return ExitOK
}

func (a *app) checkAtlasReport(m *manifest.Manifest, rec *atlas.Record, res atlas.CheckResult, took time.Duration) {
	verdict := "SAME in every section"
	if !res.Same {
		verdict = "DIFFERENT"
	}
	fmt.Fprintf(a.stdout, "check-atlas of backup %s against %s: %s (%s)\n", m.BackupID, res.URL, verdict, took.Round(100*time.Millisecond))
	fmt.Fprintf(a.stdout, "recorded %s: Atlas %s %s, %d entities sampled\n", rec.TakenAt.Format(time.RFC3339), rec.Version, rec.Status, len(rec.Entities))
	w := tabwriter.NewWriter(a.stdout, 0, 2, 2, ' ', 0)
	for _, s := range res.Sections {
		what := ""
		switch s.Name {
		case "server":
			what = res.Version + " " + res.Status
		case "entities":
			what = fmt.Sprintf("%d by guid, with classifications, labels and terms", len(rec.Entities))
		case "search":
			what = fmt.Sprintf("%d basic searches (Solr)", len(rec.Searches))
		case "lineage", "audit":
			var d *atlas.DigestRecord
			if s.Name == "lineage" {
				d = rec.Lineage
			} else {
				d = rec.Audit
			}
			if d != nil {
				what = fmt.Sprintf("of %s (%d entries recorded)", d.GUID, d.Count)
			}
		}
		fmt.Fprintf(w, "  %s\t%s\t%s\n", s.Name, s.State, what)
		for _, d := range s.Details {
			fmt.Fprintf(w, "  \t\t%s\n", d)
		}
	}
	w.Flush()
}

// restoreAtlasStep is restore's last step: after a restore of the graph, wait (bounded)
// for the operator to start Atlas and compare it with the backup's record.
func (a *app) restoreAtlasStep(ctx context.Context, set *clients.Set, backupID string, wait time.Duration) int {
	m, err := manifest.Read(ctx, set.Store, set.Layout, backupID)
	if err != nil || m.Atlas == nil || !m.Atlas.Answered || m.Atlas.Version == "" {
		return ExitOK // nothing recorded to compare with (the report said what to do next)
	}
	if wait <= 0 {
		fmt.Fprintf(a.stdout, "next: start Atlas, then `atlas-backup check-atlas %s --wait 10m` compares it with what it answered at backup time\n", backupID)
		return ExitOK
	}
	fmt.Fprintf(a.stdout, "last step: start Atlas now; waiting up to %s for it to answer ACTIVE, then comparing it with what it answered at backup time (--atlas-wait 0 skips this)\n", wait)
	return a.runCheckAtlas(ctx, set, m, wait)
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 160 {
		s = s[:160] + "..."
	}
	return s
}
