package watchdog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/runner"
)

// Watch is what a watch remembers between polls: the last progress mark and when it
// was first seen.
type Watch struct {
	Mark  string    `json:"mark,omitempty"`
	Since time.Time `json:"since,omitzero"`
}

// Observe records one poll's mark at now and returns the new watch and how long the
// job has shown no progress (0 when mark is new).
func (w Watch) Observe(mark string, now time.Time) (Watch, time.Duration) {
	if w.Since.IsZero() || mark != w.Mark {
		return Watch{Mark: mark, Since: now}, 0
	}
	d := now.Sub(w.Since)
	if d < 0 {
		d = 0
	}
	return w, d
}

// progressRe matches the lines of a job's output that show progress: MapReduce's
// "map 42% reduce 0%", "Job ... completed", a task starting, processing its split or
// finishing (LocalJobRunner, YARN's client), counters ("Map input records=12"), the
// runner's step lines. Client retries, ZooKeeper reconnects and warnings do not count:
// they go on while nothing moves.
var progressRe = regexp.MustCompile(`(?m)^.*(\bmap \d+% reduce \d+%|\bJob \S+ completed|\b(Starting|Finishing) task: |\bProcessing split: |\bTask:? '?attempt_\S+'? (is )?done|^\s+[A-Za-z][A-Za-z0-9 _()/:.-]*=\d+\s*$|^atlas-backup: step \d+/\d+).*$`)

// markLines is how many of the last progress lines make the mark: enough to hold a job's
// counters block, few enough that a bounded output tail shifting under new noise lines
// does not change it.
const markLines = 40

// JobMark is the progress mark of a runner status: its state, step and the last
// progress lines of its output (time stamps removed, a line repeated in a row counted
// once).
func JobMark(st runner.Status) string {
	var lines []string
	for _, l := range progressRe.FindAllString(st.Output, -1) {
		l = strings.TrimSpace(stripTime(l))
		if n := len(lines); n > 0 && lines[n-1] == l {
			continue
		}
		lines = append(lines, l)
	}
	if len(lines) > markLines {
		lines = lines[len(lines)-markLines:]
	}
	h := sha256.New()
	h.Write([]byte(string(st.State) + "\x00" + strconv.Itoa(st.StepIndex) + "\x00"))
	for _, l := range lines {
		h.Write([]byte(l + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// logPrefixRe is a log4j line's time stamp: the same progress line printed again is not
// progress.
var logPrefixRe = regexp.MustCompile(`^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d[,.]\d+\s*`)

func stripTime(l string) string { return logPrefixRe.ReplaceAllString(strings.TrimSpace(l), "") }

// Probe checks that a service answers; its error says who did not answer and how.
type Probe func(ctx context.Context) error

// Dog is one part's watchdog settings.
type Dog struct {
	// NoProgress: after this long without progress the probe runs (0: never).
	NoProgress time.Duration
	// Probe of the service; nil: no probe (a job without progress polls on until the
	// part's deadline, since a slow job and a dead service cannot be told apart).
	Probe Probe
	// Service names what the probe asks, in the error ("HBase").
	Service string
	// Retries of a failed probe before it counts (default 2), Pause between them
	// (default 2s). Sleep waits (tests replace it).
	Retries int
	Pause   time.Duration
	Sleep   func(ctx context.Context, d time.Duration) error
}

// Enabled reports whether the dog can fail a part.
func (d Dog) Enabled() bool { return d.NoProgress > 0 && d.Probe != nil }

// Check is called after Observe: when the job has shown no progress for d.NoProgress
// or longer it probes the service and returns *Stalled if the probe fails (after its
// retries). what names the part ("hbase export of atlas_janus").
func (d Dog) Check(ctx context.Context, what string, idle time.Duration) error {
	if !d.Enabled() || idle < d.NoProgress {
		return nil
	}
	err := d.probe(ctx)
	if err == nil {
		return nil
	}
	return &Stalled{What: what, Idle: idle, Service: d.Service, Err: err}
}

// CheckFailed probes the service for a job that failed by itself (failed says how:
// "job FAILED (exit 1)"): *Stalled when the service does not answer either (the job
// failed because it is down), nil when it answers or there is no probe.
func (d Dog) CheckFailed(ctx context.Context, what, failed string) error {
	if d.Probe == nil {
		return nil
	}
	if err := d.probe(ctx); err != nil {
		return &Stalled{What: what, Failed: failed, Service: d.Service, Err: err}
	}
	return nil
}

func (d Dog) probe(ctx context.Context) error {
	tries := d.Retries
	if tries <= 0 {
		tries = 2
	}
	pause := d.Pause
	if pause <= 0 {
		pause = 2 * time.Second
	}
	sleep := d.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	var err error
	for i := 0; i <= tries; i++ {
		if i > 0 {
			if serr := sleep(ctx, pause); serr != nil {
				return err
			}
		}
		if err = d.Probe(ctx); err == nil {
			return nil
		}
	}
	return err
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Stalled: the service a job needs stopped answering while the job ran: the job showed
// no progress for Idle, or it failed (Failed says how), and the service did not answer
// its probe. The part fails and the backup is FAILED (the state machine's Catch
// finalizes it so); a plain re-run once the service is back takes a new backup.
type Stalled struct {
	What    string
	Idle    time.Duration
	Failed  string
	Service string
	Err     error
}

func (e *Stalled) Error() string {
	svc := e.Service
	if svc == "" {
		svc = "the service"
	}
	if e.Failed != "" {
		return fmt.Sprintf("%s: %s and %s: %s is down?", e.What, e.Failed, e.Err.Error(), svc)
	}
	return fmt.Sprintf("%s: no progress for %s and %s: %s is down?", e.What, e.Idle.Round(time.Second), e.Err.Error(), svc)
}
func (e *Stalled) Unwrap() error { return e.Err }

// Kind (handler.Kind): the name the state machines match.
func (*Stalled) Kind() string { return "Stalled" }

// JobCheck is a check for runner.WaitCheck watching one job: every status's progress
// mark is observed at now(); a job without progress for NoProgress whose service does
// not answer ends the wait with *Stalled; a job still running after deadline (0: none)
// ends it with an error saying so.
func (d Dog) JobCheck(what string, deadline time.Duration, now func() time.Time) func(context.Context, runner.Status) error {
	if now == nil {
		now = time.Now
	}
	var w Watch
	start := now()
	return func(ctx context.Context, st runner.Status) error {
		t := now()
		var idle time.Duration
		w, idle = w.Observe(JobMark(st), t)
		if err := d.Check(ctx, what, idle); err != nil {
			return err
		}
		if deadline > 0 && t.Sub(start) >= deadline {
			return fmt.Errorf("%s: still %s after %s (the part's deadline)", what, st.State, deadline)
		}
		return nil
	}
}
