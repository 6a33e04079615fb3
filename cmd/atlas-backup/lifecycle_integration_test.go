//go:build integration

package main

// Acceptance of issue 11 on the stack (real KDC, SolrCloud, HBase, moto S3 and
// EventBridge/SQS): retention over many real backups, the cluster lock between two
// CLIs, hooks, drill records, completion events.

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/atlas-backup/atlas-backup/shared/events"
	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/stacktest"
)

// s3Keys lists the keys under prefix in the stack's bucket.
func s3Keys(t *testing.T, prefix string) []string {
	t.Helper()
	var out []string
	p := s3.NewListObjectsV2Paginator(s3Client(t), &s3.ListObjectsV2Input{Bucket: aws.String(bucket()), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			out = append(out, aws.ToString(o.Key))
		}
	}
	return out
}

// idsIn returns the backup ids (of ids) that own something in the store, on the Solr
// share, and in the export dir.
func idsIn(t *testing.T, cluster, exportDir string, ids []string) (inStore, onShare, inExports []string) {
	t.Helper()
	keys := s3Keys(t, "atlas/"+cluster+"/")
	share, _ := os.ReadDir(stackEnv.Get("STACK_SOLR_BACKUP_DIR"))
	exps, _ := os.ReadDir(exportDir)
	for _, id := range ids {
		for _, k := range keys {
			if strings.HasPrefix(k, "atlas/"+cluster+"/"+id+"/") {
				inStore = append(inStore, id)
				break
			}
		}
		for _, e := range share {
			if strings.HasPrefix(e.Name(), "atlas-"+id+"-") {
				onShare = append(onShare, id)
				break
			}
		}
		for _, e := range exps {
			if e.Name() == id {
				inExports = append(inExports, id)
			}
		}
	}
	return
}

func sorted(s ...[]string) []string {
	var out []string
	for _, x := range s {
		out = append(out, x...)
	}
	sort.Strings(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func sameSet(a, b []string) bool { return strings.Join(sorted(a), ",") == strings.Join(sorted(b), ",") }

// subscribe makes an SQS queue and an EventBridge rule on the default bus sending this
// cluster's completion events to it, as an upgrade pipeline would.
func subscribe(t *testing.T, cluster string) func(n int) []map[string]any {
	t.Helper()
	ctx := context.Background()
	cfg := stacktest.AWSConfig(t)
	eb, q := eventbridge.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	qo, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(cluster)})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: qo.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"QueueArn"}})
	if err != nil {
		t.Fatal(err)
	}
	pattern, _ := json.Marshal(map[string]any{"source": []string{events.Source}, "detail-type": events.DetailTypes,
		"detail": map[string]any{"cluster": []string{cluster}}})
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(cluster), EventPattern: aws.String(string(pattern))}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(cluster),
		Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String(attrs.Attributes["QueueArn"])}}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = eb.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String(cluster), Ids: []string{"q"}})
		_, _ = eb.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String(cluster)})
		_, _ = q.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: qo.QueueUrl})
	})
	return func(n int) []map[string]any {
		var out []map[string]any
		for i := 0; i < 10 && len(out) < n; i++ {
			r, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: qo.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range r.Messages {
				var v map[string]any
				if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &v); err != nil {
					t.Fatalf("message %s: %v", aws.ToString(m.Body), err)
				}
				out = append(out, v)
				_, _ = q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: qo.QueueUrl, ReceiptHandle: m.ReceiptHandle})
			}
		}
		return out
	}
}

func detail(ev map[string]any) map[string]any { d, _ := ev["detail"].(map[string]any); return d }

// N backups in a row with keepLast 5 (LIFECYCLE_BACKUPS, default 30): after each, the
// store, the Solr share and the export dir hold exactly what the policy keeps; a
// PARTIAL run in the middle stays through its grace period and is pruned after it;
// forget --dry-run changes nothing; latest and the newest drilled backup survive a
// policy that would drop them; the completion events reach an SQS queue.
func TestRetentionManyBackups(t *testing.T) {
	n := 30
	if v, err := strconv.Atoi(os.Getenv("LIFECYCLE_BACKUPS")); err == nil && v >= 8 {
		n = v
	}
	cluster := uniqueCluster("ret")
	exportDir := t.TempDir()
	receive := subscribe(t, cluster)
	setCfg := func(keepLast int, grace string) string {
		return variant(t, cluster, func(m map[string]any) {
			sub(m, "hbase")["exportDir"] = exportDir
			m["retention"] = map[string]any{"keepLast": keepLast, "failedGrace": grace}
			m["events"] = map[string]any{"bus": "default"}
		})
	}
	cfg := setCfg(5, "1h")
	var ok, all []string
	partialAt := n / 2
	partial := ""
	t0 := time.Now()
	for i := 1; i <= n; i++ {
		args := []string{"backup", "--new"}
		if i == partialAt {
			// A real Solr failure: a file where the BACKUP of edge_index must make its folder.
			partial = time.Now().UTC().Format("20060102T150405Z") + "-partial"
			blocker := filepath.Join(stackEnv.Get("STACK_SOLR_BACKUP_DIR"), "atlas-"+partial+"-edge_index")
			if err := os.WriteFile(blocker, []byte("in the way"), 0o644); err != nil {
				t.Fatal(err)
			}
			args = append(args, "--id", partial)
		}
		r := run(t, cfg, args...)
		id := backupID(t, r.stderr)
		all = append(all, id)
		if i == partialAt {
			if r.code != 1 || readManifest(t, cluster, id).Status == manifest.Succeeded {
				t.Fatalf("backup %d (%s) should not succeed: exit %d\n%s", i, id, r.code, lastN(r.stderr, 3000))
			}
			continue
		}
		if r.code != 0 {
			t.Fatalf("backup %d: exit %d\n%s", i, r.code, lastN(r.stderr, 20))
		}
		ok = append(ok, id)
		want := ok
		if len(want) > 5 {
			want = ok[len(ok)-5:]
		}
		if partial != "" {
			want = append(append([]string{}, want...), partial) // within its grace period
		}
		st, sh, ex := idsIn(t, cluster, exportDir, all)
		if !sameSet(st, want) || !sameSet(ex, want) || !sameSet(sh, want) {
			t.Fatalf("after backup %d: store %v, Solr share %v, export dir %v; want %v", i, st, sh, ex, want)
		}
	}
	t.Logf("%d backups in %s (%.1fs each)", n, time.Since(t0).Round(time.Second), time.Since(t0).Seconds()/float64(n))

	// The events: one per backup, the PARTIAL one failed.
	evs := receive(n)
	var succeeded, failed int
	for _, ev := range evs {
		switch ev["detail-type"] {
		case events.DetailTypeBackupSucceeded:
			succeeded++
			if r, _ := detail(ev)["retention"].(map[string]any); r == nil {
				t.Errorf("succeeded event without the retention summary: %v", ev)
			}
		case events.DetailTypeBackupFailed:
			failed++
			if detail(ev)["backupId"] != partial || detail(ev)["status"] != "PARTIAL" {
				t.Errorf("failed event: %v", detail(ev))
			}
		}
	}
	if succeeded != n-1 || failed != 1 {
		t.Errorf("events: %d succeeded, %d failed; want %d and 1", succeeded, failed, n-1)
	}

	// forget --dry-run changes nothing, and says why each stays.
	before := sorted(s3Keys(t, "atlas/"+cluster+"/"))
	r := run(t, cfg, "forget", "--dry-run", "--prune")
	if r.code != 0 || !strings.Contains(r.stdout, "last") || !strings.Contains(r.stdout, "partial, within its grace period") {
		t.Fatalf("forget --dry-run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if after := sorted(s3Keys(t, "atlas/"+cluster+"/")); strings.Join(before, ",") != strings.Join(after, ",") {
		t.Fatalf("forget --dry-run changed the store")
	}

	// A drill of the oldest kept backup records its result; list shows it.
	kept := ok[len(ok)-5:]
	r = run(t, cfg, "drill", kept[0])
	if r.code != 0 {
		t.Fatalf("drill %s: exit %d\n%s", kept[0], r.code, lastN(r.stderr, 20))
	}
	r = run(t, cfg, "--output", "json", "list")
	var rows []struct {
		BackupID string          `json:"backupId"`
		Drill    *manifest.Drill `json:"drill"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("list: %v\n%s", err, r.stdout)
	}
	drilled := false
	for _, row := range rows {
		if row.BackupID == kept[0] && row.Drill != nil && row.Drill.OK {
			drilled = true
		}
	}
	if !drilled {
		t.Errorf("list does not show the drill of %s: %s", kept[0], r.stdout)
	}
	if txt := run(t, cfg, "list"); !regexp.MustCompile(kept[0] + `.*ok 20`).MatchString(txt.stdout) {
		t.Errorf("list (text) does not show the drill:\n%s", txt.stdout)
	}
	drillEvs := receive(1)
	if len(drillEvs) != 1 || drillEvs[0]["detail-type"] != events.DetailTypeDrillSucceeded || detail(drillEvs[0])["backupId"] != kept[0] {
		t.Errorf("drill event: %v", drillEvs)
	}

	// keepLast 1, latest moved to the 3rd newest (a newer backup that finished first
	// would leave it so), the PARTIAL past its grace: the newest (last), latest and the
	// drilled one stay, everything else goes.
	latest := kept[2]
	latestJSON, _ := json.Marshal(manifest.Latest{BackupID: latest, Manifest: "atlas/" + cluster + "/" + latest + "/manifest.json", FinishedAt: time.Now().UTC()})
	putObject(t, "atlas/"+cluster+"/latest.json", latestJSON)
	if wait := time.Minute - time.Since(readManifest(t, cluster, partial).FinishedAt); wait > 0 {
		time.Sleep(wait + time.Second)
	}
	cfg = setCfg(1, "1m")
	r = run(t, cfg, "forget", "--prune")
	if r.code != 0 {
		t.Fatalf("forget --prune: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"protected: latest", "protected: newest backup whose drill passed", "partial, older than the grace period"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("forget output does not say %q:\n%s", want, r.stdout)
		}
	}
	want := []string{kept[4], latest, kept[0]}
	st, sh, ex := idsIn(t, cluster, exportDir, all)
	if !sameSet(st, want) || !sameSet(sh, want) || !sameSet(ex, want) {
		t.Errorf("after keepLast 1: store %v, Solr share %v, export dir %v; want %v", st, sh, ex, want)
	}
	if keyExists(t, "atlas/"+cluster+"/"+partial+"/manifest.json") {
		t.Errorf("the PARTIAL backup's manifest survived its grace period")
	}
	_ = os.Remove(filepath.Join(stackEnv.Get("STACK_SOLR_BACKUP_DIR"), "atlas-"+partial+"-edge_index"))
}

// Two CLI backups at once: one runs, the other is told the holder (exit 5); a killed
// CLI's lock turns stale (its process is gone) and the next run proceeds; unlock refuses
// a live lock; unlock --force makes the holder stop at its next refresh.
func TestLockTwoCLIs(t *testing.T) {
	cluster := uniqueCluster("lock")
	cfg := variant(t, cluster, func(m map[string]any) {
		sub(m, "hbase")["exportDir"] = t.TempDir()
		m["lock"] = map[string]any{"staleAfter": "30s"}
	})
	lockKeys := func() []string { return s3Keys(t, "atlas/"+cluster+"/_lock/") }
	start := func(args ...string) (*exec.Cmd, *strings.Builder) {
		cmd := exec.Command(cliBin, append([]string{"--config", cfg}, args...)...)
		var e strings.Builder
		cmd.Stderr = &e
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 300; i++ {
			if len(lockKeys()) > 0 {
				b := getObject(t, lockKeys()[len(lockKeys())-1])
				if strings.Contains(string(b), `"held"`) && strings.Contains(string(b), `"pid": `+strconv.Itoa(cmd.Process.Pid)) {
					return cmd, &e
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("the first backup never took the lock:\n%s", e.String())
		return nil, nil
	}

	a, aErr := start("backup", "--id", "lockA-"+strconv.FormatInt(time.Now().UnixNano()%1e6, 10))
	r := run(t, cfg, "backup", "--new")
	if r.code != 5 || !strings.Contains(r.stderr, "cluster locked by backup of backup lockA-") ||
		!strings.Contains(r.stderr, "pid "+strconv.Itoa(a.Process.Pid)) {
		t.Errorf("second backup: exit %d, want 5 naming the holder:\n%s", r.code, r.stderr)
	}
	if r := run(t, cfg, "unlock"); r.code != 5 || !strings.Contains(r.stderr, "refused: the lock is live") {
		t.Errorf("unlock of a live lock: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, cfg, "forget", "--prune"); r.code != 5 {
		t.Errorf("forget beside a backup: exit %d, want 5\n%s", r.code, r.stderr)
	}
	if r := run(t, cfg, "list"); r.code != 0 {
		t.Errorf("list needs no lock: exit %d\n%s", r.code, r.stderr)
	}
	// SIGKILL: no release. Its process is gone, so on this host its lock is stale now.
	_ = a.Process.Signal(syscall.SIGKILL)
	_ = a.Wait()
	r = run(t, cfg, "backup", "--new")
	if r.code != 0 {
		t.Fatalf("backup after the holder was killed: exit %d\n%s\nkilled one said:\n%s", r.code, lastN(r.stderr, 20), lastN(aErr.String(), 5))
	}
	// The lock is released after a run: one record left, released.
	if keys := lockKeys(); len(keys) != 1 || !strings.Contains(string(getObject(t, keys[0])), `"released"`) {
		t.Errorf("lock after the run: %v", keys)
	}

	// --force takes a live lock away; the holder notices at its next refresh (every
	// staleAfter/6 = 5s) and stops with exit 5.
	b, bErr := start("backup", "--new")
	if r := run(t, cfg, "unlock", "--force"); r.code != 0 || !strings.Contains(r.stdout, "released the lock of backup") {
		t.Errorf("unlock --force: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	err := b.Wait()
	var ee *exec.ExitError
	if !asExit(err, &ee) || ee.ExitCode() != 5 || !strings.Contains(bErr.String(), "taken over") {
		t.Errorf("holder after unlock --force: %v\n%s", err, lastN(bErr.String(), 8))
	}
}

func asExit(err error, ee **exec.ExitError) bool {
	e, ok := err.(*exec.ExitError)
	*ee = e
	return ok
}

// preBackup hooks: a failing one with onError fail stops the backup before any export
// and says so; one that outlives its timeout is killed; continue records the failure
// and goes on; the results are in the manifest.
func TestHooks(t *testing.T) {
	cluster := uniqueCluster("hooks")
	exportDir := t.TempDir()
	marker := filepath.Join(t.TempDir(), "post-ran")
	cfgWith := func(h map[string]any) string {
		return variant(t, cluster, func(m map[string]any) {
			sub(m, "hbase")["exportDir"] = exportDir
			m["hooks"] = h
		})
	}
	hook := func(name string, argv []string, extra map[string]any) map[string]any {
		h := map[string]any{"name": name, "argv": argv}
		for k, v := range extra {
			h[k] = v
		}
		return h
	}
	post := []any{hook("post", []string{"touch", marker}, nil)}

	// fail
	r := run(t, cfgWith(map[string]any{"preBackup": []any{hook("stop-atlas", []string{"ls", "/nonexistent/ambari"}, nil)}, "postBackup": post}), "backup", "--new")
	id := backupID(t, r.stderr)
	m := readManifest(t, cluster, id)
	if r.code != 1 || m.Status != manifest.Failed || !strings.Contains(strings.Join(m.Reasons, " "), "preBackup hook stop-atlas (ls) failed (exit 2)") {
		t.Errorf("failing hook: exit %d, %s %v", r.code, m.Status, m.Reasons)
	}
	if len(m.HBase) != 0 || len(m.Solr) != 0 || strings.Contains(r.stderr, "submitted") {
		t.Errorf("something was exported after the failed hook: %d tables, %d collections", len(m.HBase), len(m.Solr))
	}
	if ents, _ := os.ReadDir(exportDir); len(ents) != 0 {
		t.Errorf("export dir not empty after a failed preBackup hook: %v", ents)
	}
	if len(m.Hooks) != 2 || m.Hooks[0].State != "failed" || m.Hooks[1].Name != "post" || m.Hooks[1].State != "succeeded" {
		t.Errorf("hooks in the manifest: %+v", m.Hooks)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Errorf("postBackup did not run after a failed preBackup hook")
	}

	// timeout
	r = run(t, cfgWith(map[string]any{"preBackup": []any{hook("slow", []string{"sleep", "600"}, map[string]any{"timeout": "2s"})}}), "backup", "--new")
	m = readManifest(t, cluster, backupID(t, r.stderr))
	if r.code != 1 || m.Status != manifest.Failed || len(m.Hooks) != 1 || m.Hooks[0].State != "timed out" || m.Hooks[0].ExitCode != 124 {
		t.Errorf("timed-out hook: exit %d, %s %+v", r.code, m.Status, m.Hooks)
	}
	if out, _ := exec.Command("pgrep", "-f", "^sleep 600$").Output(); len(out) > 0 {
		t.Errorf("the timed-out hook's process is still running: %s", out)
	}

	// continue
	r = run(t, cfgWith(map[string]any{"preBackup": []any{hook("optional", []string{"false"}, map[string]any{"onError": "continue"})}}), "backup", "--new")
	m = readManifest(t, cluster, backupID(t, r.stderr))
	if r.code != 0 || m.Status != manifest.Succeeded || len(m.Hooks) != 1 || m.Hooks[0].State != "failed" || m.Hooks[0].OnError != "continue" {
		t.Errorf("continue hook: exit %d, %s %+v\n%s", r.code, m.Status, m.Hooks, lastN(r.stderr, 10))
	}
}
