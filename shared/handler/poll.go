package handler

import (
	"fmt"
	"time"
)

// Poll is the state a submit → wait → status loop carries between its states. The
// state machine's Wait state reads WaitSeconds (SecondsPath $.poll.waitSeconds).
type Poll struct {
	// Count is the number of status checks done.
	Count int `json:"count"`
	// WaitSeconds is the wait before the next check.
	WaitSeconds int `json:"waitSeconds"`
	// WaitedSeconds adds up the waits so far (the state machine's waits, not the
	// time the checks took).
	WaitedSeconds int `json:"waitedSeconds"`
}

// PollPolicy makes the waits grow and bounds them: the first wait is Initial, each
// next one doubles up to Max, and once the waits add up to Limit the loop ends with a
// *TimedOut error.
type PollPolicy struct {
	Initial time.Duration
	Max     time.Duration
	Limit   time.Duration
}

// Default poll policies. An HBase Export of a large table runs for hours; a Solr
// BACKUP is bounded by solr.timeout (the config's, used instead of Limit here); the
// config archive on the Atlas host takes seconds.
var (
	ExportPoll = PollPolicy{Initial: 30 * time.Second, Max: 5 * time.Minute, Limit: 24 * time.Hour}
	SolrPoll   = PollPolicy{Initial: 10 * time.Second, Max: 2 * time.Minute, Limit: 2 * time.Hour}
	AgentPoll  = PollPolicy{Initial: 5 * time.Second, Max: 30 * time.Second, Limit: 30 * time.Minute}
)

// hbaseJobPolicy is the poll policy of an HBase job (the backup's Export, the restore's
// Import and check export): a handler's own policy when it sets one (tests), else
// ExportPoll with its limit from hbase.timeout when that is set.
func hbaseJobPolicy(own PollPolicy, timeout time.Duration) PollPolicy {
	if own.Initial > 0 && own.Limit > 0 {
		return own
	}
	pp := ExportPoll
	if timeout > 0 {
		pp.Limit = timeout
	}
	return pp
}

func secs(d time.Duration) int {
	s := int(d / time.Second)
	if s < 1 {
		return 1
	}
	return s
}

// First is the poll state right after a submit.
func (pp PollPolicy) First() Poll { return Poll{WaitSeconds: secs(pp.Initial)} }

// Next is the poll state after one more status check that found the work unfinished;
// it returns a *TimedOut error once the waits add up to the limit.
func (pp PollPolicy) Next(p Poll, what string) (Poll, error) {
	n := Poll{Count: p.Count + 1, WaitedSeconds: p.WaitedSeconds + p.WaitSeconds}
	if n.WaitedSeconds >= secs(pp.Limit) {
		return n, &TimedOut{Err: fmt.Errorf("%s not finished after %d checks over %s (limit %s)",
			what, n.Count, time.Duration(n.WaitedSeconds)*time.Second, pp.Limit)}
	}
	w := p.WaitSeconds * 2
	if w < secs(pp.Initial) {
		w = secs(pp.Initial)
	}
	if w > secs(pp.Max) {
		w = secs(pp.Max)
	}
	if rest := secs(pp.Limit) - n.WaitedSeconds; w > rest {
		w = rest
	}
	n.WaitSeconds = w
	return n, nil
}

// Checks is how many status checks the policy makes for work that takes d (the
// figure the state machine's transitions and Lambda invocations grow with).
func (pp PollPolicy) Checks(d time.Duration) int {
	p := pp.First()
	for n := 1; ; n++ {
		if time.Duration(p.WaitedSeconds+p.WaitSeconds)*time.Second >= d {
			return n
		}
		var err error
		if p, err = pp.Next(p, ""); err != nil {
			return n
		}
	}
}
