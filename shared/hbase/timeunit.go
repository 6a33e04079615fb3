package hbase

import (
	"fmt"
	"sort"
	"time"
)

// TimeUnit is the unit a table's writers stamp cells in. HBase itself does not care:
// a cell timestamp is a long, and Export's starttime/endtime are compared with it as
// they are. HBase's own clients default to milliseconds since the epoch; Atlas's
// JanusGraph HBase store writes microseconds (HBaseStoreManager.PREFERRED_TIMESTAMPS =
// MICRO), Titan 0.5 microseconds too, Atlas's audit table milliseconds. A time window in
// the wrong unit excludes every cell (a ms "now" is far below any µs stamp) or none.
type TimeUnit string

// Units, coarsest first.
const (
	Seconds      TimeUnit = "s"
	Milliseconds TimeUnit = "ms"
	Microseconds TimeUnit = "us"
	Nanoseconds  TimeUnit = "ns"
)

var units = []TimeUnit{Seconds, Milliseconds, Microseconds, Nanoseconds}

// perSecond is how many ticks of u make a second.
func (u TimeUnit) perSecond() int64 {
	switch u {
	case Seconds:
		return 1
	case Milliseconds:
		return 1e3
	case Microseconds:
		return 1e6
	case Nanoseconds:
		return 1e9
	}
	return 0
}

// Valid reports whether u is one of s, ms, us, ns.
func (u TimeUnit) Valid() bool { return u.perSecond() != 0 }

// ParseTimeUnit reads "s", "ms", "us" (or "µs"), "ns".
func ParseTimeUnit(s string) (TimeUnit, error) {
	if s == "µs" {
		s = "us"
	}
	u := TimeUnit(s)
	if !u.Valid() {
		return "", fmt.Errorf("time unit %q: must be s, ms, us or ns", s)
	}
	return u, nil
}

// At is t expressed in u since the epoch.
func (u TimeUnit) At(t time.Time) int64 {
	switch u {
	case Seconds:
		return t.Unix()
	case Milliseconds:
		return t.UnixMilli()
	case Microseconds:
		return t.UnixMicro()
	case Nanoseconds:
		return t.UnixNano()
	}
	return 0
}

// Time is the instant a timestamp v in u stands for.
func (u TimeUnit) Time(v int64) time.Time {
	ps := u.perSecond()
	if ps == 0 {
		return time.Time{}
	}
	return time.Unix(v/ps, (v%ps)*(1e9/ps)).UTC()
}

// Plausible instants for a cell written by Atlas: after 2000-01-01 (HBase did not exist
// before 2008) and at most a year after now (clock skew, not a different unit: the
// units are a factor 1000 apart, so at most one unit puts a value in this range).
var plausibleFrom = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

const plausibleAhead = 366 * 24 * time.Hour

// UnitOf returns the unit in which v is a plausible instant at now, or false.
func UnitOf(v int64, now time.Time) (TimeUnit, bool) {
	to := now.Add(plausibleAhead)
	for _, u := range units {
		lo, hi := u.At(plausibleFrom), u.At(to)
		if u == Nanoseconds && to.Year() > 2262 {
			hi = 1<<63 - 1
		}
		if v >= lo && v <= hi {
			return u, true
		}
	}
	return "", false
}

// UnitDetection is what DetectUnit concluded from a sample of cell timestamps.
type UnitDetection struct {
	// Unit is the finest unit any plausible sampled timestamp is in; "" when the sample
	// is empty or no timestamp is plausible in any unit.
	Unit TimeUnit `json:"unit,omitempty"`
	// Samples is the number of timestamps looked at; ByUnit how many were plausible in
	// each unit; Implausible how many fit none (e.g. synthetic stamps like 1, 2, 3).
	Samples     int              `json:"samples"`
	ByUnit      map[TimeUnit]int `json:"byUnit,omitempty"`
	Implausible int              `json:"implausible,omitempty"`
	// Min and Max are the smallest and largest sampled timestamps.
	Min int64 `json:"min,omitempty"`
	Max int64 `json:"max,omitempty"`
}

// Mixed reports whether the sample held timestamps of more than one unit.
func (d UnitDetection) Mixed() bool { return len(d.ByUnit) > 1 }

// DetectUnit finds the unit of a table's cell timestamps from a sample. With more than
// one unit in the sample, the finest wins: a window end in the finest unit is above
// every coarser stamp, so no cell existing now is excluded (the coarser cells then lose
// the consistency cut, never their data); a window in a coarser unit would exclude all
// the finer ones.
func DetectUnit(ts []int64, now time.Time) UnitDetection {
	d := UnitDetection{Samples: len(ts)}
	if len(ts) == 0 {
		return d
	}
	s := append([]int64(nil), ts...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	d.Min, d.Max = s[0], s[len(s)-1]
	finest := -1
	for _, v := range s {
		u, ok := UnitOf(v, now)
		if !ok {
			d.Implausible++
			continue
		}
		if d.ByUnit == nil {
			d.ByUnit = map[TimeUnit]int{}
		}
		d.ByUnit[u]++
		for i, x := range units {
			if x == u && i > finest {
				finest = i
			}
		}
	}
	if finest >= 0 {
		d.Unit = units[finest]
	}
	return d
}
