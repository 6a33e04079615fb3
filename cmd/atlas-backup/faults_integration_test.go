//go:build integration && faults

package main

// Faults injected into a running backup on the stack (issue 12): each scenario asserts
// the outcome (FAILED with a reason naming the fault), that `latest` did not move, that
// no job or lock is left behind, and that a plain re-run once the fault is gone is
// SUCCEEDED. The time from the fault to the outcome is measured and printed as a
// "FAULT" line (the README's table comes from these lines), never asserted.
//
// Build tag faults as well as integration: the scenarios stop and restart the stack's
// servers, so `go test -tags integration ./...` does not run them among the other tests;
// scripts/test runs the quick ones after everything else, `make faults` runs them all.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/manifest"
	"github.com/atlas-backup/atlas-backup/shared/stacktest"
)

// stackScript runs scripts/stack with args (the repository's, on this stack's STACK_DIR).
func stackScript(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root, err := stacktest.Root()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(root, "scripts", "stack"), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	return out.String(), err
}

// hbasePid is the stack's HBase process (master, region server and ZooKeeper in one JVM).
func hbasePid(t *testing.T) int {
	t.Helper()
	dir, err := stacktest.Dir(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "hbase", "master.pid"))
	if err != nil {
		t.Fatalf("hbase pid file: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid < 2 || syscall.Kill(pid, 0) != nil {
		t.Fatalf("hbase is not running (pid file %q)", b)
	}
	return pid
}

// ensureHBase starts HBase again when it does not answer (after a scenario, or a test
// that failed half way), so what runs next finds the stack whole.
func ensureHBase(t *testing.T) time.Duration {
	t.Helper()
	if _, err := stackScript(t, "status", "hbase"); err == nil {
		return 0
	}
	t0 := time.Now()
	if out, err := stackScript(t, "up", "hbase"); err != nil {
		t.Fatalf("restart hbase: %v\n%s", err, lastN(out, 20))
	}
	return time.Since(t0)
}

// processesWith lists the processes whose command line contains s (a test's own export
// folder: any such process is a job left running).
func processesWith(s string) []string {
	var out []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(b, []byte(s)) {
			out = append(out, e.Name()+": "+strings.ReplaceAll(string(b[:min(len(b), 120)]), "\x00", " "))
		}
	}
	return out
}

// startBackup starts `backup --new` and returns it with its stderr.
func startBackup(t *testing.T, cfg string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(cliBin, "--config", cfg, "backup", "--new")
	e := &syncBuffer{}
	cmd.Stderr = e
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd, e
}

// waitExit waits for the CLI; guard bounds a CLI that never ends (the bug the watchdog
// fixes: it polled for ever), reported as a failure, not a threshold of the outcome.
func waitExit(t *testing.T, cmd *exec.Cmd, guard time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(guard):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("the backup did not end within %s of the fault", guard)
		return -1
	}
}

// waitFor polls cond every 10ms (a map task scans a split of the stack's tables in
// under a second) until it holds or guard passes.
func waitFor(t *testing.T, what string, guard time.Duration, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(guard); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("%s: not within %s", what, guard)
}

// exportScanning reports whether a job log of workDir shows an Export's map task at
// work (connected to HBase, scanning its split): a fault then lands in the middle of
// the Export, not in its client's start (which fails by itself, in seconds).
func exportScanning(workDir string) bool {
	logs, _ := filepath.Glob(filepath.Join(workDir, "jobs", "*-export-*.log"))
	for _, l := range logs {
		if b, err := os.ReadFile(l); err == nil && bytes.Contains(b, []byte("mapreduce.Export")) && bytes.Contains(b, []byte("Processing split: ")) {
			return true
		}
	}
	return false
}

// afterFault checks what every failed scenario leaves: exit 1, a FAILED manifest whose
// reasons say want, latest not moved, the lock released, no job running; it prints the
// FAULT line and returns the backup id.
func afterFault(t *testing.T, name, cluster, cfg, exportDir string, code int, stderr string, took time.Duration, want ...string) string {
	t.Helper()
	return afterFaultEnded(t, name, cluster, cfg, exportDir, code, stderr, took, []manifest.Status{manifest.Failed}, want...)
}

// afterFaultEnded is afterFault for a fault that may end the backup in any of statuses
// (FAILED or PARTIAL: a Solr fault leaves the exports good).
func afterFaultEnded(t *testing.T, name, cluster, cfg, exportDir string, code int, stderr string, took time.Duration, statuses []manifest.Status, want ...string) string {
	t.Helper()
	id := backupID(t, stderr)
	m := readManifest(t, cluster, id)
	reasons := strings.Join(m.Reasons, " | ")
	first := ""
	if len(m.Reasons) > 0 {
		first = m.Reasons[0]
		if len(first) > 400 {
			first = first[:400] + "..."
		}
	}
	fmt.Printf("FAULT %s: %s (exit %d) %s after the fault: %s\n", name, m.Status, code, took.Round(time.Second), first)
	if code != 1 || !slices.Contains(statuses, m.Status) {
		t.Errorf("exit %d, manifest %s; want exit 1 and %v\n%s", code, m.Status, statuses, lastN(stderr, 15))
	}
	for _, w := range want {
		if !strings.Contains(reasons, w) {
			t.Errorf("reasons do not say %q: %s", w, reasons)
		}
	}
	if keyExists(t, "atlas/"+cluster+"/latest.json") {
		t.Errorf("latest.json exists after a FAILED backup of a new cluster")
	}
	for _, k := range s3Keys(t, "atlas/"+cluster+"/_lock/") {
		if !strings.Contains(string(getObject(t, k)), `"released"`) {
			t.Errorf("lock %s left held:\n%s", k, getObject(t, k))
		}
	}
	if ps := processesWith(exportDir); len(ps) > 0 {
		t.Errorf("jobs left running after the backup ended: %v", ps)
	}
	if b, err := os.ReadFile(filepath.Join(workDirOf(t, cfg), cluster+".inprogress")); err == nil {
		t.Logf("in progress file left: %s (the next plain backup resumes it)", b)
	}
	return id
}

// rerun is the operator's plain re-run once the fault is gone: SUCCEEDED, latest moves
// to it.
func rerun(t *testing.T, name, cluster, cfg, failedID string) {
	t.Helper()
	t0 := time.Now()
	r := run(t, cfg, "backup")
	took := time.Since(t0)
	id := backupID(t, r.stderr)
	m := readManifest(t, cluster, id)
	fmt.Printf("FAULT %s: re-run after recovery %s (exit %d) in %s\n", name, m.Status, r.code, took.Round(time.Second))
	if r.code != 0 || m.Status != manifest.Succeeded {
		t.Fatalf("re-run: exit %d, %s\n%s", r.code, m.Status, lastN(r.stderr, 20))
	}
	if b := getObject(t, "atlas/"+cluster+"/latest.json"); !strings.Contains(string(b), id) {
		t.Errorf("latest after the re-run: %s, want %s", b, id)
	}
	if id == failedID {
		t.Logf("the re-run resumed the failed backup %s", id)
	}
}

// HBase dies in the middle of the Export (issue 12's acceptance): killed (SIGKILL, the
// JVM holds ZooKeeper too), or paused (SIGSTOP, as the issue found it: the job polls
// RUNNING for ever). A paused HBase leaves the export job RUNNING with no progress;
// after hbase.noProgress the watchdog probes the master through ZooKeeper, which does
// not answer, and the part fails naming HBase. A killed one may make the job fail by
// itself first; the probe then says HBase is down. Either way the job is ended, the
// backup FAILED, the lock released. HBase is started again and a plain re-run is
// SUCCEEDED.
func TestFaultHBaseDiesDuringExport(t *testing.T) {
	modes := []string{"killed", "paused"}
	if m := os.Getenv("FAULTS_HBASE_MODES"); m != "" {
		modes = strings.Split(m, ",")
	}
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			if mode != "killed" && mode != "paused" {
				t.Fatalf("FAULTS_HBASE_MODES: %q is neither killed nor paused", mode)
			}
			ensureHBase(t)
			name := "hbase-" + mode + "-during-export"
			cluster := uniqueCluster("fault-hbase-" + mode)
			exportDir := t.TempDir()
			cfg := variant(t, cluster, func(m map[string]any) {
				withoutAtlasREST(m) // Atlas lives on this HBase: the backup must not need it
				hb := sub(m, "hbase")
				hb["exportDir"] = exportDir
				hb["zookeeper"] = []string{stackEnv.Get("STACK_HBASE_ZK")}
				hb["noProgress"] = "20s"
			})
			t.Cleanup(func() { ensureHBase(t) })
			cmd, stderr := startBackup(t, cfg)
			pid := hbasePid(t)
			wd := workDirOf(t, cfg)
			waitFor(t, "an Export map task scans its split", 5*time.Minute, func() bool { return exportScanning(wd) })
			sig := syscall.SIGKILL
			if mode == "paused" {
				sig = syscall.SIGSTOP
			}
			if err := syscall.Kill(pid, sig); err != nil {
				t.Fatal(err)
			}
			fault := time.Now()
			if mode == "paused" {
				t.Cleanup(func() { // a paused HBase is no use to anyone: end it, ensureHBase restarts it
					_ = syscall.Kill(pid, syscall.SIGKILL)
					_ = syscall.Kill(pid, syscall.SIGCONT)
				})
			}
			code := waitExit(t, cmd, 15*time.Minute)
			took := time.Since(fault)
			// killed: the export job may fail by itself first (its client gets refused),
			// and the probe then says why; paused: it hangs, and the watchdog ends it.
			want := []string{"hbase export of", "HBase master", "does not answer", "HBase is down?"}
			if mode == "paused" {
				want = append(want, "no progress for")
			}
			id := afterFault(t, name, cluster, cfg, exportDir, code, stderr.String(), took, want...)
			if mode == "paused" {
				_ = syscall.Kill(pid, syscall.SIGKILL)
				_ = syscall.Kill(pid, syscall.SIGCONT)
				waitFor(t, "the paused HBase is gone", time.Minute, func() bool { return syscall.Kill(pid, 0) != nil })
			}
			restart := ensureHBase(t)
			fmt.Printf("FAULT %s: HBase started again in %s (scripts/stack up hbase)\n", name, restart.Round(time.Second))
			rerun(t, name, cluster, cfg, id)
		})
	}
}

// syncBuffer is a bytes.Buffer the CLI's stderr copier and the test read at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// stackPid reads a component's pid file under the stack's folder (kdc/krb5kdc.pid).
func stackPid(t *testing.T, rel string) int {
	t.Helper()
	dir, err := stacktest.Dir(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, rel))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid < 2 || syscall.Kill(pid, 0) != nil {
		t.Fatalf("%s: %q is no running process", rel, b)
	}
	return pid
}

// The KDC does not answer for the whole run (its process paused: connections open,
// no reply, as a KDC behind a dead network path): the preflight's Kerberos login and
// the hbase kinit fail, the backup is FAILED naming the KDC before anything is
// exported; with the KDC back a plain re-run is SUCCEEDED. (Stopping and starting the
// stack's KDC would make a fresh realm: that is the rotated-keytab case, not this.)
func TestFaultKDCDown(t *testing.T) {
	name := "kdc-down-for-the-whole-run"
	cluster := uniqueCluster("fault-kdc")
	exportDir := t.TempDir()
	cfg := variant(t, cluster, func(m map[string]any) {
		withoutAtlasREST(m)
		sub(m, "hbase")["exportDir"] = exportDir
	})
	pid := stackPid(t, "kdc/krb5kdc.pid")
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGCONT) })
	fault := time.Now()
	cmd, stderr := startBackup(t, cfg)
	code := waitExit(t, cmd, 15*time.Minute)
	took := time.Since(fault)
	_ = syscall.Kill(pid, syscall.SIGCONT)
	id := afterFault(t, name, cluster, cfg, exportDir, code, stderr.String(), took, "cannot reach KDC", "kinit: Cannot contact any KDC")
	if keys := s3Keys(t, "atlas/"+cluster+"/"+id+"/hbase/"); len(keys) > 0 {
		t.Errorf("a backup whose KDC did not answer shipped exports: %v", keys)
	}
	rerun(t, name, cluster, cfg, id)
}

// jobScanning reports whether a job log of workDir whose name has kind ("-import-")
// shows a map task processing its split.
func jobScanning(workDir, kind string) bool {
	logs, _ := filepath.Glob(filepath.Join(workDir, "jobs", "*"+kind+"*.log"))
	for _, l := range logs {
		if b, err := os.ReadFile(l); err == nil && bytes.Contains(b, []byte("Processing split: ")) {
			return true
		}
	}
	return false
}

// HBase paused in the middle of a drill's Import (the restore path's watchdog): the
// Import polls RUNNING with no progress, the probe finds no master, the hbase parts fail
// naming HBase, the drill exits 1 and says it could not drop its scratch tables; the
// Solr and config parts are restored, checked and cleaned up. HBase is started again;
// the operator drops the scratch tables the report names, and a plain drill (a new
// suffix) passes.
func TestFaultHBaseDiesDuringImport(t *testing.T) {
	name := "hbase-paused-during-import"
	ensureHBase(t)
	cluster := uniqueCluster("fault-import")
	cfg := variant(t, cluster, func(m map[string]any) {
		withoutAtlasREST(m)
		hb := sub(m, "hbase")
		hb["exportDir"] = t.TempDir()
		hb["zookeeper"] = []string{stackEnv.Get("STACK_HBASE_ZK")}
		hb["noProgress"] = "20s"
	})
	t.Cleanup(func() { ensureHBase(t) })
	id := mustBackup(t, cfg)
	suffix := fmt.Sprintf("_fault%d", time.Now().UnixNano()%1e6)
	cmd := exec.Command(cliBin, "--config", cfg, "drill", id, "--suffix", suffix)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := hbasePid(t)
	wd := workDirOf(t, cfg)
	waitFor(t, "an Import map task processes its split", 5*time.Minute, func() bool { return jobScanning(wd, "-import-") })
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	fault := time.Now()
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL); _ = syscall.Kill(pid, syscall.SIGCONT) })
	code := waitExit(t, cmd, 15*time.Minute)
	took := time.Since(fault)
	o := out.String()
	fmt.Printf("FAULT %s: drill exit %d %s after the fault: %s\n", name, code, took.Round(time.Second), firstLineWith(o, "HBase is down?"))
	if code != 1 {
		t.Errorf("drill exit %d, want 1\n%s", code, lastN(o, 30))
	}
	for _, w := range []string{"hbase import into ", "no progress for", "HBase master", "HBase is down?", "to drop the scratch ones"} {
		if !strings.Contains(o, w) {
			t.Errorf("drill output does not say %q:\n%s", w, lastN(o, 30))
		}
	}
	if ps := processesWith(filepath.Join(wd, "restore")); len(ps) > 0 {
		t.Errorf("jobs left running after the drill ended: %v", ps)
	}
	for _, k := range s3Keys(t, "atlas/"+cluster+"/_readers/") {
		if b := getObject(t, k); !strings.Contains(string(b), `"released"`) {
			t.Errorf("reader mark %s left:\n%s", k, b)
		}
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	_ = syscall.Kill(pid, syscall.SIGCONT)
	waitFor(t, "the paused HBase is gone", time.Minute, func() bool { return syscall.Kill(pid, 0) != nil })
	restart := ensureHBase(t)
	var left []string
	for _, tb := range hbaseTables(t) {
		if strings.HasSuffix(tb, suffix) {
			left = append(left, tb)
		}
	}
	fmt.Printf("FAULT %s: HBase started again in %s; scratch tables left for the operator to drop: %v\n", name, restart.Round(time.Second), left)
	dropTables(t, left...)
	t0 := time.Now()
	r := run(t, cfg, "drill", id)
	fmt.Printf("FAULT %s: re-run (drill) after recovery exit %d in %s\n", name, r.code, time.Since(t0).Round(time.Second))
	if r.code != 0 {
		t.Fatalf("drill after recovery: exit %d\n%s%s", r.code, lastN(r.stdout, 20), lastN(r.stderr, 10))
	}
}

// firstLineWith is the first line of s containing sub, at most 400 bytes.
func firstLineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			l = strings.TrimSpace(l)
			if len(l) > 400 {
				l = l[:400] + "..."
			}
			return l
		}
	}
	return ""
}

// cutProxy forwards TCP to target until cut: then it closes every connection and its
// listener, so the endpoint refuses connections (S3 unreachable).
type cutProxy struct {
	l     net.Listener
	mu    sync.Mutex
	conns []net.Conn
	cut   bool
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{l: l}
	t.Cleanup(p.Cut)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			if p.cut {
				p.mu.Unlock()
				c.Close()
				u.Close()
				continue
			}
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(u, c); u.Close() }()
			go func() { _, _ = io.Copy(c, u); c.Close() }()
		}
	}()
	return p
}

func (p *cutProxy) URL() string { return "http://" + p.l.Addr().String() }

// Cut makes the endpoint unreachable from now on.
func (p *cutProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cut {
		return
	}
	p.cut = true
	p.l.Close()
	for _, c := range p.conns {
		c.Close()
	}
}

// S3 unreachable from the moment the first export is shipped until after the run (longer
// than the SDK's retries): the parts that ship fail as store failures, the FAILED
// manifest cannot be written to the store and is kept under workDir/manifests, the lock
// cannot be released (its process is gone, so on this host it is stale at once). With S3
// back, a plain re-run resumes the same backup (no manifest in the store) and is
// SUCCEEDED.
func TestFaultS3Unreachable(t *testing.T) {
	name := "s3-unreachable-during-ship"
	cluster := uniqueCluster("fault-s3")
	exportDir := t.TempDir()
	u, err := url.Parse(stackEnv.Get("AWS_ENDPOINT_URL"))
	if err != nil {
		t.Fatal(err)
	}
	proxy := newCutProxy(t, u.Host)
	cfg := variant(t, cluster, func(m map[string]any) {
		withoutAtlasREST(m)
		sub(m, "hbase")["exportDir"] = exportDir
		sub(m, "aws")["endpoint"] = proxy.URL()
	})
	cmd := exec.Command(cliBin, "--config", cfg, "backup", "--new")
	// the config's endpoint, not the environment's, must reach the proxy
	cmd.Env = withoutEnv(os.Environ(), "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3")
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first export is shipped", 5*time.Minute, func() bool {
		return strings.Contains(stderr.String(), " shipping ") && strings.Contains(stderr.String(), "rows, ")
	})
	proxy.Cut()
	fault := time.Now()
	code := waitExit(t, cmd, 15*time.Minute)
	took := time.Since(fault)
	e := stderr.String()
	id := backupID(t, e)
	local := filepath.Join(workDirOf(t, cfg), "manifests", id+".json")
	b, err := os.ReadFile(local)
	var m *manifest.Manifest
	if err == nil {
		m, err = manifest.Unmarshal(b)
	}
	status, reason := "none", ""
	if err == nil {
		status = string(m.Status)
		if len(m.Reasons) > 0 {
			reason = m.Reasons[0]
		}
	}
	fmt.Printf("FAULT %s: %s (exit %d, manifest kept at workDir/manifests) %s after the cut: %.400s\n", name, status, code, took.Round(time.Second), reason)
	if code != 1 || err != nil || m.Status == manifest.Succeeded {
		t.Errorf("exit %d, local manifest %v (%s); want exit 1 and a FAILED/PARTIAL manifest kept locally\n%s", code, err, status, lastN(e, 15))
	}
	if keyExists(t, "atlas/"+cluster+"/latest.json") || keyExists(t, "atlas/"+cluster+"/"+id+"/manifest.json") {
		t.Errorf("latest or a manifest reached the store while it was unreachable")
	}
	if ps := processesWith(exportDir); len(ps) > 0 {
		t.Errorf("jobs left running: %v", ps)
	}
	// S3 is back (the stack's endpoint itself): a plain re-run resumes and succeeds.
	cfg2 := variant(t, cluster, func(m map[string]any) {
		withoutAtlasREST(m)
		sub(m, "hbase")["exportDir"] = exportDir
		m["workDir"] = workDirOf(t, cfg)
	})
	t0 := time.Now()
	r := run(t, cfg2, "backup")
	id2 := backupID(t, r.stderr)
	m2 := readManifest(t, cluster, id2)
	fmt.Printf("FAULT %s: re-run after recovery %s (exit %d) in %s, resumed the same backup: %v\n", name, m2.Status, r.code, time.Since(t0).Round(time.Second), id2 == id)
	if r.code != 0 || m2.Status != manifest.Succeeded {
		t.Fatalf("re-run: exit %d %s\n%s", r.code, m2.Status, lastN(r.stderr, 20))
	}
	if b := getObject(t, "atlas/"+cluster+"/latest.json"); !strings.Contains(string(b), id2) {
		t.Errorf("latest after the re-run: %s", b)
	}
}

func withoutEnv(env []string, names ...string) []string {
	var out []string
	for _, kv := range env {
		drop := false
		for _, n := range names {
			if strings.HasPrefix(kv, n+"=") {
				drop = true
			}
		}
		if !drop {
			out = append(out, kv)
		}
	}
	return out
}

// phaseLines are the CLI's first progress line of each phase of a backup (its stderr:
// "15:04:05 <part name> <phase> <message>"), on which TestFaultKillEachPhase kills it.
var phaseLines = []struct{ phase, re string }{
	{"plan", `(?m)^\d\d:\d\d:\d\d plan\s+started `},
	{"export", `(?m)^\d\d:\d\d:\d\d hbase \S+\s+submitted `},
	{"solr", `(?m)^\d\d:\d\d:\d\d solr \S+\s+submitted `},
	{"ship", `(?m)^\d\d:\d\d:\d\d (hbase|solr) \S+\s+shipping `},
	{"finalize", `(?m)^\d\d:\d\d:\d\d finalize\s+started `},
}

// killOnLine starts `backup` (in its own process group), reads its stderr until a line
// matches re and then SIGKILLs the CLI and everything in its group, as a lost session or
// an OOM kill would. It returns what the CLI printed and how long it had run.
func killOnLine(t *testing.T, cfg string, re *regexp.Regexp, guard time.Duration) (string, time.Duration) {
	t.Helper()
	cmd := exec.Command(cliBin, "--config", cfg, "backup")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = pw
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	defer pr.Close()
	var seen bytes.Buffer
	buf := make([]byte, 4096)
	found := false
	_ = pr.SetReadDeadline(time.Now().Add(guard))
	for !found {
		n, err := pr.Read(buf)
		seen.Write(buf[:n])
		found = re.Match(seen.Bytes())
		if err != nil {
			break
		}
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	ran := time.Since(start)
	_ = cmd.Wait()
	if !found {
		t.Fatalf("no line matching %s within %s:\n%s", re, guard, lastN(seen.String(), 3000))
	}
	return seen.String(), ran
}

// The CLI SIGKILLed in each phase of a backup (plan, export, Solr, ship, finalize) and
// run again (issue 12): nothing is finalized (no manifest, latest not moved), the lock
// is left held by the dead process, the plain re-run takes it over as stale (its holder's
// pid is gone on this host), resumes the same backup id (the in-progress file), finds
// what the first run submitted (Solr's async ids, finished exports), leaves no job or
// lock behind and is SUCCEEDED.
func TestFaultKillEachPhase(t *testing.T) {
	for _, ph := range phaseLines {
		t.Run(ph.phase, func(t *testing.T) {
			name := "cli-sigkill-in-" + ph.phase
			cluster := uniqueCluster("fault-kill-" + ph.phase)
			exportDir := t.TempDir()
			cfg := variant(t, cluster, func(m map[string]any) {
				sub(m, "hbase")["exportDir"] = exportDir
			})
			out, killed := killOnLine(t, cfg, regexp.MustCompile(ph.re), 5*time.Minute)
			id := backupID(t, out)
			left := processesWith(exportDir)
			if keyExists(t, "atlas/"+cluster+"/"+id+"/manifest.json") {
				t.Fatalf("a manifest was written before the kill in %s: the kill came too late to test this phase\n%s", ph.phase, lastN(out, 2000))
			}
			if keyExists(t, "atlas/"+cluster+"/latest.json") {
				t.Errorf("latest.json exists after a killed first backup")
			}
			held := 0
			for _, k := range s3Keys(t, "atlas/"+cluster+"/_lock/") {
				if !strings.Contains(string(getObject(t, k)), `"released"`) {
					held++
				}
			}
			if held != 1 {
				t.Errorf("after the kill %d lock record(s) held, want the dead CLI's one", held)
			}
			t0 := time.Now()
			r := run(t, cfg, "backup")
			took := time.Since(t0)
			id2 := backupID(t, r.stderr)
			var status manifest.Status = "none"
			if keyExists(t, "atlas/"+cluster+"/"+id2+"/manifest.json") {
				status = readManifest(t, cluster, id2).Status
			}
			resumed := []string{}
			for _, s := range []string{"resuming the earlier run", "already submitted by an earlier run", "exported by an earlier run"} {
				if n := strings.Count(r.stderr, s); n > 0 {
					resumed = append(resumed, fmt.Sprintf("%d× %q", n, s))
				}
			}
			fmt.Printf("FAULT %s: killed %s after the CLI started (jobs alive after the kill: %d); re-run %s (exit %d) in %s, same backup %v, resumed: %s\n",
				name, killed.Round(100*time.Millisecond), len(left), status, r.code, took.Round(time.Second), id2 == id, strings.Join(resumed, ", "))
			if r.code != 0 || status != manifest.Succeeded {
				t.Fatalf("re-run: exit %d, %s\n%s", r.code, status, lastN(r.stderr, 3000))
			}
			if id2 != id {
				t.Errorf("the re-run took backup %s, want the interrupted %s", id2, id)
			}
			if ph.phase == "solr" && !strings.Contains(r.stderr, "already submitted by an earlier run") {
				t.Errorf("the re-run did not find the Solr backup the killed run submitted:\n%s", lastN(r.stderr, 3000))
			}
			if b := getObject(t, "atlas/"+cluster+"/latest.json"); !strings.Contains(string(b), id) {
				t.Errorf("latest after the re-run: %s, want %s", b, id)
			}
			for _, k := range s3Keys(t, "atlas/"+cluster+"/_lock/") {
				if !strings.Contains(string(getObject(t, k)), `"released"`) {
					t.Errorf("lock %s left held after the re-run:\n%s", k, getObject(t, k))
				}
			}
			if ps := processesWith(exportDir); len(ps) > 0 {
				t.Errorf("jobs left running after the re-run: %v", ps)
			}
			if _, err := os.Stat(filepath.Join(workDirOf(t, cfg), cluster+".inprogress")); err == nil {
				t.Errorf("the in-progress file is left after a SUCCEEDED re-run")
			}
		})
	}
}

// lineTrigger is a CLI's stderr that runs fn once, in the copier's Write (no polling
// delay), when what was written so far first matches re.
type lineTrigger struct {
	syncBuffer
	re   *regexp.Regexp
	fn   func()
	once sync.Once
}

func (w *lineTrigger) Write(p []byte) (int, error) {
	n, err := w.syncBuffer.Write(p)
	if w.re.MatchString(w.String()) {
		w.once.Do(w.fn)
	}
	return n, err
}

// S3 unreachable from the start of the finalize to the end of the run: every part has
// shipped, then the stored objects cannot be checked and the manifest cannot be written.
// The backup is not marked good anywhere (no manifest, latest not moved), the CLI exits
// 1 naming the local copy of the manifest it kept (workDir/manifests/<id>.json, not
// SUCCEEDED); with S3 back a plain re-run is SUCCEEDED.
func TestFaultS3UnreachableAtFinalize(t *testing.T) {
	name := "s3-unreachable-during-finalize"
	cluster := uniqueCluster("fault-s3fin")
	exportDir := t.TempDir()
	u, err := url.Parse(stackEnv.Get("AWS_ENDPOINT_URL"))
	if err != nil {
		t.Fatal(err)
	}
	proxy := newCutProxy(t, u.Host)
	cfg := variant(t, cluster, func(m map[string]any) {
		withoutAtlasREST(m)
		sub(m, "hbase")["exportDir"] = exportDir
		sub(m, "aws")["endpoint"] = proxy.URL()
	})
	cmd := exec.Command(cliBin, "--config", cfg, "backup", "--new")
	cmd.Env = withoutEnv(os.Environ(), "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3")
	var fault time.Time
	stderr := &lineTrigger{re: regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d finalize\s+started `), fn: func() { proxy.Cut(); fault = time.Now() }}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	code := waitExit(t, cmd, 15*time.Minute)
	e := stderr.String()
	if fault.IsZero() {
		t.Fatalf("the backup ended (exit %d) without a finalize line:\n%s", code, lastN(e, 3000))
	}
	took := time.Since(fault)
	id := backupID(t, e)
	local := filepath.Join(workDirOf(t, cfg), "manifests", id+".json")
	b, err := os.ReadFile(local)
	var m *manifest.Manifest
	if err == nil {
		m, err = manifest.Unmarshal(b)
	}
	status, reason := "none", ""
	if err == nil {
		status = string(m.Status)
		if len(m.Reasons) > 0 {
			reason = m.Reasons[0]
		}
	}
	fmt.Printf("FAULT %s: %s (exit %d, manifest kept at workDir/manifests) %s after the cut: %.400s\n", name, status, code, took.Round(time.Second), reason)
	if code != 1 || err != nil || m.Status == manifest.Succeeded {
		t.Errorf("exit %d, local manifest %v (%s); want exit 1 and a FAILED/PARTIAL manifest kept locally\n%s", code, err, status, lastN(e, 3000))
	}
	if !strings.Contains(e, "kept at "+local) {
		t.Errorf("the CLI does not name the kept manifest %s:\n%s", local, lastN(e, 2000))
	}
	if keyExists(t, "atlas/"+cluster+"/latest.json") || keyExists(t, "atlas/"+cluster+"/"+id+"/manifest.json") {
		t.Errorf("latest or a manifest reached the store while it was unreachable")
	}
	if ps := processesWith(exportDir); len(ps) > 0 {
		t.Errorf("jobs left running: %v", ps)
	}
	cfg2 := variant(t, cluster, func(m map[string]any) {
		withoutAtlasREST(m)
		sub(m, "hbase")["exportDir"] = exportDir
		m["workDir"] = workDirOf(t, cfg)
	})
	t0 := time.Now()
	r := run(t, cfg2, "backup")
	id2 := backupID(t, r.stderr)
	m2 := readManifest(t, cluster, id2)
	fmt.Printf("FAULT %s: re-run after recovery %s (exit %d) in %s, resumed the same backup: %v\n", name, m2.Status, r.code, time.Since(t0).Round(time.Second), id2 == id)
	if r.code != 0 || m2.Status != manifest.Succeeded {
		t.Fatalf("re-run: exit %d %s\n%s", r.code, m2.Status, lastN(r.stderr, 3000))
	}
	if b := getObject(t, "atlas/"+cluster+"/latest.json"); !strings.Contains(string(b), id2) {
		t.Errorf("latest after the re-run: %s", b)
	}
	for _, k := range s3Keys(t, "atlas/"+cluster+"/_lock/") {
		if !strings.Contains(string(getObject(t, k)), `"released"`) {
			t.Errorf("lock %s left held after the re-run:\n%s", k, getObject(t, k))
		}
	}
}
