//go:build integration && faults

package main

// Solr faults injected into a running backup on the stack (issue 12's Solr rows), in
// the style of faults_integration_test.go: outcome and reason asserted, time to the
// outcome printed as a FAULT line, latest unchanged, lock released, a plain re-run
// SUCCEEDED once the fault is gone.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/stacktest"
)

// submittedRE matches the CLI's progress line of a submitted Solr BACKUP.
var submittedRE = regexp.MustCompile(`solr (\S+)\s+submitted\s+BACKUP submitted as async id (\S+)`)

// solrPid is the stack's SolrCloud JVM (ZooKeeper and both nodes; the httpd fronts are
// another process and keep accepting).
func solrPid(t *testing.T) int {
	t.Helper()
	return stackPid(t, filepath.Join("solr", "solr.pid"))
}

// ensureSolr waits for the stack's Solr to answer again (after SIGCONT its ZooKeeper
// sessions may need a moment), restarting it if it does not within a minute, so what
// runs next finds the stack whole. It returns how long that took.
func ensureSolr(t *testing.T) time.Duration {
	t.Helper()
	t0 := time.Now()
	for end := t0.Add(time.Minute); time.Now().Before(end); time.Sleep(2 * time.Second) {
		if _, err := stackScript(t, "status", "solr"); err == nil {
			return time.Since(t0)
		}
	}
	if out, err := stackScript(t, "up", "solr"); err != nil {
		t.Fatalf("restart solr: %v\n%s", err, lastN(out, 20))
	}
	return time.Since(t0)
}

var partialOrFailed = []manifest.Status{manifest.Partial, manifest.Failed}

// Solr paused (SIGSTOP of its JVM: connections are accepted by the httpd fronts, whose
// proxy waits up to 10 minutes, and nothing answers) right after the first collection's
// BACKUP is submitted, for the rest of the run. The client's down circuit bounds every
// Solr call (commit, digest, submit, REQUESTSTATUS, the finalize's DELETESTATUS) by
// solr.noAnswer of failing calls, then fails them at once: the Solr parts fail naming
// Solr, the exports are shipped, the backup is PARTIAL (or FAILED), latest does not
// move. With Solr resumed a plain re-run is SUCCEEDED.
func TestFaultSolrPausedDuringBackup(t *testing.T) {
	name := "solr-paused-during-backup"
	ensureSolr(t)
	cluster := uniqueCluster("fault-solr-paused")
	exportDir := t.TempDir()
	cfg := variant(t, cluster, func(m map[string]any) {
		withoutAtlasREST(m) // Atlas answers from this Solr
		sub(m, "hbase")["exportDir"] = exportDir
		sub(m, "solr")["noAnswer"] = "20s"
	})
	pid := solrPid(t)
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGCONT); ensureSolr(t) })
	cmd, stderr := startBackup(t, cfg)
	waitFor(t, "a Solr BACKUP is submitted", 5*time.Minute, func() bool { return submittedRE.MatchString(stderr.String()) })
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	fault := time.Now()
	code := waitExit(t, cmd, 15*time.Minute)
	took := time.Since(fault)
	_ = syscall.Kill(pid, syscall.SIGCONT)
	id := afterFaultEnded(t, name, cluster, cfg, exportDir, code, stderr.String(), took, partialOrFailed, "solr ", "Solr is down?")
	back := ensureSolr(t)
	fmt.Printf("FAULT %s: Solr answers again %s after SIGCONT\n", name, back.Round(time.Second))
	rerun(t, name, cluster, cfg, id)
}

// Solr forgets the async id of a running backup: someone else's DELETESTATUS removes
// the task's stored status as soon as it is completed, before the backup's next poll
// (the 'notfound forever' failure of other Solr backup tools). REQUESTSTATUS answered
// the task before and answers notfound now: the collection fails at once naming the
// lost task (its outcome is unknown: no half-known backup is shipped as good), the
// backup is PARTIAL, latest does not move; a plain re-run (a new backup, new async ids)
// is SUCCEEDED.
//
// The injection races the backup's own poll (the first comes right after the submit,
// the next a second later): when the backup saw the task completed first, the attempt
// is repeated (at most 3 times) and the FAULT line says so.
func TestFaultSolrForgetsAsyncID(t *testing.T) {
	name := "solr-forgets-async-id"
	ensureSolr(t)
	for attempt := 1; attempt <= 3; attempt++ {
		cluster := uniqueCluster("fault-solr-lost")
		exportDir := t.TempDir()
		cfg := variant(t, cluster, func(m map[string]any) {
			withoutAtlasREST(m)
			sub(m, "hbase")["exportDir"] = exportDir
		})
		sc := solrClient(t, cfg)
		cmd, stderr := startBackup(t, cfg)
		var collection, asyncID string
		waitFor(t, "a Solr BACKUP is submitted", 5*time.Minute, func() bool {
			m := submittedRE.FindStringSubmatch(stderr.String())
			if m != nil {
				collection, asyncID = m[1], m[2]
			}
			return m != nil
		})
		// someone else's DELETESTATUS once the task is done
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		var deleted time.Time
		for ctx.Err() == nil {
			st, err := sc.RequestStatus(ctx, asyncID)
			if err == nil && st.Terminal() {
				if err := sc.DeleteStatus(ctx, asyncID); err != nil {
					t.Fatalf("inject DELETESTATUS %s: %v", asyncID, err)
				}
				deleted = time.Now()
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		if deleted.IsZero() {
			t.Fatalf("the BACKUP %s never completed", asyncID)
		}
		code := waitExit(t, cmd, 15*time.Minute)
		took := time.Since(deleted)
		e := stderr.String()
		id := backupID(t, e)
		m := readManifest(t, cluster, id)
		if m.Status == manifest.Succeeded {
			fmt.Printf("FAULT %s: attempt %d: the backup saw %s completed before the DELETESTATUS; again\n", name, attempt, asyncID)
			continue
		}
		afterFaultEnded(t, name, cluster, cfg, exportDir, code, e, took, partialOrFailed,
			"solr "+collection, asyncID, "notfound after it was", "solr lost the async task")
		for _, c := range m.Solr {
			if c.Collection == collection {
				t.Errorf("the collection whose task was lost is in the manifest as backed up: %+v", c)
			}
		}
		rerun(t, name, cluster, cfg, id)
		return
	}
	t.Fatalf("3 attempts: the backup saw its task completed before every injected DELETESTATUS")
}

// The Solr backup share full: the backup location is a 1 MiB tmpfs (mounted under
// the stack's backup folder, which solr.allowPaths admits) filled to its last few KiB,
// so every BACKUP fails writing its files. The tool reports Solr's error per
// collection, the backup is PARTIAL (the exports are good), no Solr backup is in the
// manifest, latest does not move; with room again (the mount gone) a plain re-run is
// SUCCEEDED. Needs root (mount); fails, does not skip, without it.
func TestFaultSolrShareFull(t *testing.T) {
	name := "solr-backup-share-full"
	if os.Geteuid() != 0 {
		t.Fatalf("needs root to mount a small tmpfs as the Solr backup location (uid %d)", os.Geteuid())
	}
	ensureSolr(t)
	dir, err := stacktest.Dir(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	loc := filepath.Join(dir, "solr", "backup", fmt.Sprintf("full-%d", time.Now().UnixNano()%1e9))
	if err := os.MkdirAll(loc, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", loc, "tmpfs", 0, "size=1m,mode=0777"); err != nil {
		t.Fatalf("mount a tmpfs at %s: %v", loc, err)
	}
	mounted := true
	unmount := func() {
		if mounted {
			if err := syscall.Unmount(loc, 0); err != nil {
				t.Errorf("unmount %s: %v", loc, err)
			}
			mounted = false
		}
	}
	t.Cleanup(func() { unmount(); os.RemoveAll(loc) })
	fill(t, filepath.Join(loc, "filler"))
	var fs syscall.Statfs_t
	_ = syscall.Statfs(loc, &fs)
	cluster := uniqueCluster("fault-solr-full")
	exportDir := t.TempDir()
	cfg := variant(t, cluster, func(m map[string]any) {
		withoutAtlasREST(m)
		sub(m, "hbase")["exportDir"] = exportDir
		s := sub(m, "solr")
		s["location"] = loc
		delete(s, "localLocation")
	})
	t0 := time.Now()
	r := run(t, cfg, "backup")
	took := time.Since(t0)
	fmt.Printf("FAULT %s: location a 1 MiB tmpfs with %d KiB free\n", name, fs.Bavail*uint64(fs.Bsize)/1024)
	id := afterFaultEnded(t, name, cluster, cfg, exportDir, r.code, r.stderr, took, partialOrFailed, "solr ")
	m := readManifest(t, cluster, id)
	if len(m.Solr) != 0 {
		t.Errorf("collections in the manifest of a backup whose share was full: %+v", m.Solr)
	}
	fmt.Printf("FAULT %s: reasons: %.600s\n", name, strings.Join(m.Reasons, " | "))
	unmount()
	rerun(t, name, cluster, cfg, id)
}

// fill writes path until the file system is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			return // ENOSPC
		}
	}
}
