package retention

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// DefaultGrace is how long FAILED, PARTIAL and unfinished backups are left alone.
const DefaultGrace = 72 * time.Hour

// Policy says which SUCCEEDED backups stay (restic's semantics; see the package doc).
// Counts: 0 = rule off, n > 0 = the n newest periods, -1 = every period.
type Policy struct {
	KeepLast    int    `yaml:"keepLast" json:"keepLast,omitempty"`
	KeepHourly  int    `yaml:"keepHourly" json:"keepHourly,omitempty"`
	KeepDaily   int    `yaml:"keepDaily" json:"keepDaily,omitempty"`
	KeepWeekly  int    `yaml:"keepWeekly" json:"keepWeekly,omitempty"`
	KeepMonthly int    `yaml:"keepMonthly" json:"keepMonthly,omitempty"`
	KeepYearly  int    `yaml:"keepYearly" json:"keepYearly,omitempty"`
	KeepWithin  Within `yaml:"keepWithin" json:"keepWithin,omitzero"`
}

// Empty reports whether no rule is set (then every SUCCEEDED backup stays).
func (p Policy) Empty() bool { return p == Policy{} }

// Validate names every field that breaks a rule.
func (p Policy) Validate(prefix string) []error {
	var errs []error
	for _, f := range []struct {
		name string
		v    int
	}{{"keepLast", p.KeepLast}, {"keepHourly", p.KeepHourly}, {"keepDaily", p.KeepDaily},
		{"keepWeekly", p.KeepWeekly}, {"keepMonthly", p.KeepMonthly}, {"keepYearly", p.KeepYearly}} {
		if f.v < -1 {
			errs = append(errs, fmt.Errorf("%s%s: must be -1 (every period), 0 (off) or a positive count, got %d", prefix, f.name, f.v))
		}
	}
	return errs
}

// String describes the policy in one line.
func (p Policy) String() string {
	var parts []string
	for _, f := range []struct {
		n    int
		name string
	}{{p.KeepLast, "last"}, {p.KeepHourly, "hourly"}, {p.KeepDaily, "daily"}, {p.KeepWeekly, "weekly"},
		{p.KeepMonthly, "monthly"}, {p.KeepYearly, "yearly"}} {
		switch {
		case f.n > 0:
			parts = append(parts, fmt.Sprintf("%d %s", f.n, f.name))
		case f.n == -1:
			parts = append(parts, "all "+f.name)
		}
	}
	if !p.KeepWithin.Zero() {
		parts = append(parts, "all within "+p.KeepWithin.String()+" of the newest")
	}
	if len(parts) == 0 {
		return "no retention rule: every SUCCEEDED backup is kept"
	}
	return "keep " + strings.Join(parts, ", ")
}

// Within is a calendar duration: years, months, days and hours ("1y2m3d4h").
type Within struct {
	Years, Months, Days, Hours int
}

var withinRe = regexp.MustCompile(`^(?:(\d+)y)?(?:(\d+)m)?(?:(\d+)d)?(?:(\d+)h)?$`)

// ParseWithin parses "1y2m3d4h" (each part optional, in that order).
func ParseWithin(s string) (Within, error) {
	m := withinRe.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil || s == "" {
		return Within{}, fmt.Errorf("%q: must be a calendar duration like 7d, 3m or 1y2m3d4h (y, m = months, d, h, in that order)", s)
	}
	var n [4]int
	for i := range n {
		if m[i+1] != "" {
			v, err := strconv.Atoi(m[i+1])
			if err != nil || v > 10000 {
				return Within{}, fmt.Errorf("%q: number too large", s)
			}
			n[i] = v
		}
	}
	return Within{Years: n[0], Months: n[1], Days: n[2], Hours: n[3]}, nil
}

// Zero reports an unset duration.
func (w Within) Zero() bool { return w == Within{} }

func (w Within) String() string {
	var s string
	for _, f := range []struct {
		n int
		u string
	}{{w.Years, "y"}, {w.Months, "m"}, {w.Days, "d"}, {w.Hours, "h"}} {
		if f.n != 0 {
			s += strconv.Itoa(f.n) + f.u
		}
	}
	return s
}

// Before returns t moved back by w.
func (w Within) Before(t time.Time) time.Time {
	return t.AddDate(-w.Years, -w.Months, -w.Days).Add(-time.Duration(w.Hours) * time.Hour)
}

// UnmarshalYAML reads "7d".
func (w *Within) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseWithin(n.Value)
	if err != nil {
		return fmt.Errorf("retention.keepWithin (line %d): %w", n.Line, err)
	}
	*w = v
	return nil
}

// MarshalYAML writes "7d".
func (w Within) MarshalYAML() (any, error) { return w.String(), nil }

// MarshalJSON writes "7d".
func (w Within) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(w.String())), nil }

// UnmarshalJSON reads "7d".
func (w *Within) UnmarshalJSON(b []byte) error {
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return fmt.Errorf("keepWithin: %w", err)
	}
	if s == "" {
		*w = Within{}
		return nil
	}
	v, err := ParseWithin(s)
	if err != nil {
		return err
	}
	*w = v
	return nil
}

// Item is one SUCCEEDED backup the policy looks at.
type Item struct {
	ID   string
	Time time.Time
}

// Decision is the policy's answer for one backup.
type Decision struct {
	ID   string    `json:"backupId"`
	Time time.Time `json:"time"`
	Keep bool      `json:"keep"`
	// Reasons names each rule that kept it ("last", "daily", "oldest weekly",
	// "within 7d"), empty when dropped.
	Reasons []string `json:"reasons,omitempty"`
}

// bucket functions, as restic: the newest backup of each distinct value is kept.
func hourOf(t time.Time, _ int) int {
	return t.Year()*1000000 + int(t.Month())*10000 + t.Day()*100 + t.Hour()
}
func dayOf(t time.Time, _ int) int   { return t.Year()*10000 + int(t.Month())*100 + t.Day() }
func weekOf(t time.Time, _ int) int  { y, w := t.ISOWeek(); return y*100 + w }
func monthOf(t time.Time, _ int) int { return t.Year()*100 + int(t.Month()) }
func yearOf(t time.Time, _ int) int  { return t.Year() }
func each(_ time.Time, nr int) int   { return nr }

// Apply decides for every item, newest first (ties by id, descending). now bounds
// "newest" for keepWithin: items in the future do not count as the newest.
func Apply(items []Item, p Policy, now time.Time) []Decision {
	list := append([]Item(nil), items...)
	sort.SliceStable(list, func(i, j int) bool {
		if !list[i].Time.Equal(list[j].Time) {
			return list[i].Time.After(list[j].Time)
		}
		return list[i].ID > list[j].ID
	})
	out := make([]Decision, 0, len(list))
	if len(list) == 0 {
		return out
	}
	if p.Empty() {
		for _, it := range list {
			out = append(out, Decision{ID: it.ID, Time: it.Time, Keep: true, Reasons: []string{"no retention rule"}})
		}
		return out
	}
	buckets := []struct {
		count  int
		fn     func(time.Time, int) int
		last   int
		reason string
	}{
		{p.KeepLast, each, -1, "last"},
		{p.KeepHourly, hourOf, -1, "hourly"},
		{p.KeepDaily, dayOf, -1, "daily"},
		{p.KeepWeekly, weekOf, -1, "weekly"},
		{p.KeepMonthly, monthOf, -1, "monthly"},
		{p.KeepYearly, yearOf, -1, "yearly"},
	}
	var newest time.Time
	for _, it := range list {
		if it.Time.After(newest) && !it.Time.After(now) {
			newest = it.Time
		}
	}
	for nr, it := range list {
		d := Decision{ID: it.ID, Time: it.Time}
		t := it.Time.UTC()
		if !p.KeepWithin.Zero() && it.Time.After(p.KeepWithin.Before(newest)) {
			d.Keep = true
			d.Reasons = append(d.Reasons, "within "+p.KeepWithin.String())
		}
		for i := range buckets {
			b := &buckets[i]
			if b.count == 0 {
				continue
			}
			v := b.fn(t, nr)
			oldest := nr == len(list)-1
			if v != b.last || oldest {
				reason := b.reason
				if v == b.last && oldest {
					reason = "oldest " + reason
				}
				d.Keep = true
				d.Reasons = append(d.Reasons, reason)
				b.last = v
				if b.count > 0 {
					b.count--
				}
			}
		}
		out = append(out, d)
	}
	return out
}
