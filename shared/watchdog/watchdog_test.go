package watchdog

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/runner"
)

func TestObserve(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)
	var w Watch
	w, idle := w.Observe("a", t0)
	if idle != 0 || w.Since != t0 {
		t.Fatalf("first: %+v %s", w, idle)
	}
	w, idle = w.Observe("a", t0.Add(90*time.Second))
	if idle != 90*time.Second || w.Since != t0 {
		t.Fatalf("same mark: %+v %s", w, idle)
	}
	w, idle = w.Observe("b", t0.Add(100*time.Second))
	if idle != 0 || w.Since != t0.Add(100*time.Second) {
		t.Fatalf("new mark: %+v %s", w, idle)
	}
	if _, idle = w.Observe("b", t0); idle != 0 { // a clock that went back
		t.Fatalf("clock back: %s", idle)
	}
}

// Progress is map progress, counters, job completion and the runner's step lines;
// retries, reconnects and a progress line printed again are not.
func TestJobMark(t *testing.T) {
	base := "atlas-backup: step 1/3: kinit\natlas-backup: step 2/3: hbase Export\n2026-12-02 15:00:01,100 INFO mapreduce.Job:  map 0% reduce 0%\n"
	st := runner.Status{State: runner.StateRunning, StepIndex: 1, Output: base}
	m0 := JobMark(st)
	tests := []struct {
		name    string
		more    string
		stepIdx int
		moved   bool
	}{
		{"client retry", "2026-12-02 15:01:00,000 WARN client.RpcRetryingCallerImpl: Call exception, tries=6, retries=16\n", 1, false},
		{"zookeeper reconnect", "INFO zookeeper.ClientCnxn: Opening socket connection to server 127.0.0.1/127.0.0.1:2181\nWARN zookeeper.ClientCnxn: Session 0x0 for server null, unexpected error, closing socket connection and attempting reconnect\n", 1, false},
		{"the same progress line again", "2026-12-02 15:02:00,000 INFO mapreduce.Job:  map 0% reduce 0%\n", 1, false},
		{"map progress", "2026-12-02 15:02:00,000 INFO mapreduce.Job:  map 42% reduce 0%\n", 1, true},
		{"counters", "\t\tMap input records=1200\n", 1, true},
		{"job done", "INFO mapreduce.Job: Job job_local1_0001 completed successfully\n", 1, true},
		{"task starts", "2026-12-02T15:20:18,124 INFO  [LocalJobRunner Map Task Executor #0] mapred.LocalJobRunner: Starting task: attempt_local1094872144_0001_m_000000_0\n", 1, true},
		{"split", "2026-12-02T15:20:18,196 INFO  [LocalJobRunner Map Task Executor #0] mapred.MapTask: Processing split: Split(tablename=atlas_janus, startrow=, endrow=@)\n", 1, true},
		{"task done", "2026-12-02T15:20:18,798 INFO  [LocalJobRunner Map Task Executor #0] mapred.Task: Task 'attempt_local1094872144_0001_m_000000_0' done.\n", 1, true},
		{"next step", "atlas-backup: step 3/3: hbase RowCounter\n", 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := st
			s.Output += tt.more
			s.StepIndex = tt.stepIdx
			if moved := JobMark(s) != m0; moved != tt.moved {
				t.Fatalf("moved = %v, want %v", moved, tt.moved)
			}
		})
	}
}

func noSleep(context.Context, time.Duration) error { return nil }

func TestDogCheck(t *testing.T) {
	down := errors.New("the HBase master (znode /hbase/master, ZooKeeper zk1:2181) does not answer: connection refused")
	tests := []struct {
		name    string
		dog     Dog
		idle    time.Duration
		results []error // the probe's answers in turn
		stalled bool
		probes  int
	}{
		{"moving", Dog{NoProgress: time.Minute}, 59 * time.Second, []error{down}, false, 0},
		{"down", Dog{NoProgress: time.Minute}, time.Minute, []error{down, down, down}, true, 3},
		{"down, then answers on a retry", Dog{NoProgress: time.Minute}, 2 * time.Minute, []error{down, nil}, false, 2},
		{"answers", Dog{NoProgress: time.Minute}, time.Hour, []error{nil}, false, 1},
		{"off", Dog{NoProgress: 0}, time.Hour, []error{down}, false, 0},
		{"one retry", Dog{NoProgress: time.Minute, Retries: 1}, time.Minute, []error{down, down, down}, true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			d := tt.dog
			d.Service, d.Sleep = "HBase", noSleep
			d.Probe = func(context.Context) error { n++; return tt.results[min(n, len(tt.results))-1] }
			err := d.Check(context.Background(), "hbase export of atlas_janus", tt.idle)
			var s *Stalled
			if errors.As(err, &s) != tt.stalled || n != tt.probes {
				t.Fatalf("err %v, %d probes; want stalled=%v after %d", err, n, tt.stalled, tt.probes)
			}
			if tt.stalled {
				want := "hbase export of atlas_janus: no progress for " + tt.idle.String() + " and the HBase master (znode /hbase/master, ZooKeeper zk1:2181) does not answer: connection refused: HBase is down?"
				if err.Error() != want || s.Kind() != "Stalled" || !errors.Is(err, down) {
					t.Fatalf("error %q\nwant  %q", err, want)
				}
			}
		})
	}
	if (Dog{NoProgress: time.Minute}).Enabled() {
		t.Error("a dog without a probe cannot fail a part")
	}
}

// JobCheck on a fake clock: a job stuck for NoProgress fails once the probe fails; a
// job past its deadline fails whatever its progress.
func TestJobCheck(t *testing.T) {
	now := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	d := Dog{NoProgress: 2 * time.Minute, Service: "HBase", Sleep: noSleep, Probe: func(context.Context) error { return errors.New("refused") }}
	check := d.JobCheck("hbase export of t1", time.Hour, clock)
	st := runner.Status{State: runner.StateRunning, Output: "map 0% reduce 0%\n"}
	for i := 0; i < 4; i++ {
		if err := check(context.Background(), st); err != nil {
			t.Fatalf("check %d at %s: %v", i, now, err)
		}
		now = now.Add(30 * time.Second)
	}
	var s *Stalled
	if err := check(context.Background(), st); !errors.As(err, &s) || s.Idle != 2*time.Minute {
		t.Fatalf("after 2m: %v", err)
	}

	check = Dog{}.JobCheck("hbase export of t1", time.Hour, clock)
	start := now
	for i := 0; now.Sub(start) < time.Hour; i++ {
		st.Output += "map " + strings.Repeat("1", i%3+1) + "% reduce 0%\n"
		if err := check(context.Background(), st); err != nil {
			t.Fatalf("at %s: %v", now.Sub(start), err)
		}
		now = now.Add(10 * time.Minute)
	}
	if err := check(context.Background(), st); err == nil || !strings.Contains(err.Error(), "still RUNNING after 1h0m0s") {
		t.Fatalf("past the deadline: %v", err)
	}
}

// fakeZK answers the ZooKeeper connect handshake and an exists request.
func fakeZK(t *testing.T, masterPresent bool, answer bool) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				if !answer {
					_, _ = io.Copy(io.Discard, c) // accepts, never answers (a paused process)
					return
				}
				if _, err := readPacket(c); err != nil {
					return
				}
				resp := make([]byte, 4+4+8+4+16)
				binary.BigEndian.PutUint32(resp[4:8], 30000)
				binary.BigEndian.PutUint64(resp[8:16], 0x1234)
				binary.BigEndian.PutUint32(resp[16:20], 16)
				_ = writePacket(c, resp)
				req, err := readPacket(c)
				if err != nil || len(req) < 8 || int32(binary.BigEndian.Uint32(req[4:8])) != zkOpExists ||
					!strings.Contains(string(req), "/hbase-unsecure/master") {
					return
				}
				_ = writePacket(c, make([]byte, 16)) // a ping-like packet of another xid first
				r := make([]byte, 16, 16+80)
				binary.BigEndian.PutUint32(r[0:4], 1)
				if masterPresent {
					r = append(r, make([]byte, 80)...) // Stat
				} else {
					code := int32(zkErrNoNode)
					binary.BigEndian.PutUint32(r[12:16], uint32(code))
				}
				_ = writePacket(c, r)
				_, _ = readPacket(c) // closeSession
			}(c)
		}
	}()
	return l.Addr().String()
}

func TestHBaseMasterProbe(t *testing.T) {
	refused := func() string { // a port nothing listens on
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		a := l.Addr().String()
		l.Close()
		return a
	}()
	up, noMaster, paused := fakeZK(t, true, true), fakeZK(t, false, true), fakeZK(t, true, false)
	tests := []struct {
		name    string
		servers []string
		want    string // "" for success, else a substring of the error
	}{
		{"master registered", []string{up}, ""},
		{"one server down, the next answers", []string{refused, up}, ""},
		{"no master", []string{noMaster}, "no HBase master registered (ZooKeeper answers, /hbase-unsecure/master is absent)"},
		{"refused", []string{refused}, "connection refused"},
		{"paused: accepts, never answers", []string{paused}, "no session (ZooKeeper does not answer)"},
		{"none configured", nil, "no ZooKeeper server configured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := HBaseMaster{Servers: tt.servers, ZnodeParent: "/hbase-unsecure", Timeout: 300 * time.Millisecond}.Probe(context.Background())
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want %q", err, tt.want)
			}
			if len(tt.servers) > 0 && !strings.Contains(err.Error(), "the HBase master (znode /hbase-unsecure/master, ZooKeeper "+tt.servers[0]) {
				t.Fatalf("err %v does not name the master's znode and the servers", err)
			}
		})
	}
}

func TestNames(t *testing.T) {
	for _, s := range []string{"zk1.example.com:2181", "127.0.0.1:2181", "zk-1:65535", "a:1"} {
		if err := ValidateServer(s); err != nil {
			t.Errorf("server %q: %v", s, err)
		}
	}
	for _, s := range []string{"", "zk1", "zk1:", ":2181", "zk1:0", "zk1:65536", "zk1:2181,zk2:2181", "-zk:2181", "zk..a:2181", "[::1]:2181", "zk1:2181/x", "user@zk1:2181", "zk1 :2181"} {
		if err := ValidateServer(s); err == nil {
			t.Errorf("server %q accepted", s)
		}
	}
	for _, s := range []string{"/hbase", "/hbase-unsecure", "/hbase-secure", "/a/b_c.d"} {
		if err := ValidateZnodeParent(s); err != nil {
			t.Errorf("znode %q: %v", s, err)
		}
	}
	for _, s := range []string{"", "/", "hbase", "/hbase/", "//hbase", "/hbase/../x", "/./x", "/.hbase", "/hb ase", "/hbase\n"} {
		if err := ValidateZnodeParent(s); err == nil {
			t.Errorf("znode %q accepted", s)
		}
	}
}

// A job that failed by itself while its service does not answer is Stalled too (the
// backup is FAILED naming the service); with the service answering it is the job's own
// failure (nil here).
func TestCheckFailed(t *testing.T) {
	down := errors.New("the HBase master (znode /hbase/master, ZooKeeper zk1:2181) does not answer: refused")
	d := Dog{NoProgress: time.Minute, Service: "HBase", Sleep: noSleep, Probe: func(context.Context) error { return down }}
	err := d.CheckFailed(context.Background(), "hbase export of t1", "job FAILED (exit 1: ...)")
	want := "hbase export of t1: job FAILED (exit 1: ...) and the HBase master (znode /hbase/master, ZooKeeper zk1:2181) does not answer: refused: HBase is down?"
	var s *Stalled
	if !errors.As(err, &s) || err.Error() != want {
		t.Fatalf("err %v\nwant %s", err, want)
	}
	d.Probe = func(context.Context) error { return nil }
	if err := d.CheckFailed(context.Background(), "hbase export of t1", "job FAILED"); err != nil {
		t.Fatalf("HBase answers: %v", err)
	}
	if err := (Dog{}).CheckFailed(context.Background(), "x", "job FAILED"); err != nil {
		t.Fatalf("no probe: %v", err)
	}
}
