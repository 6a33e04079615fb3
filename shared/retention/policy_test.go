package retention_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/retention"
)

func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// items makes one backup per time; ids are the times, so a test reads like a calendar.
func items(times ...string) []retention.Item {
	var out []retention.Item
	for _, s := range times {
		out = append(out, retention.Item{ID: at(s).Format("20060102T1504"), Time: at(s)})
	}
	return out
}

func hourly(start string, n int) []retention.Item {
	t0 := at(start)
	var out []retention.Item
	for i := range n {
		t := t0.Add(time.Duration(i) * time.Hour)
		out = append(out, retention.Item{ID: t.Format("20060102T1504"), Time: t})
	}
	return out
}

// kept returns "id: reason, reason" for every kept backup, newest first.
func kept(ds []retention.Decision) []string {
	var out []string
	for _, d := range ds {
		if d.Keep {
			out = append(out, d.ID+": "+strings.Join(d.Reasons, ", "))
		} else if len(d.Reasons) > 0 {
			out = append(out, "DROPPED WITH REASONS "+d.ID)
		}
	}
	return out
}

func TestApply(t *testing.T) {
	now := at("2026-12-02 12:00")
	cases := []struct {
		name   string
		items  []retention.Item
		policy retention.Policy
		want   []string
	}{
		{
			name:   "keepLast 5 of 30",
			items:  hourly("2026-12-01 00:00", 30),
			policy: retention.Policy{KeepLast: 5},
			want: []string{"20261202T0500: last", "20261202T0400: last", "20261202T0300: last",
				"20261202T0200: last", "20261202T0100: last"},
		},
		{
			name: "keepDaily 3: the newest of each of the 3 newest days",
			items: items("2026-11-28 01:00", "2026-11-29 01:00", "2026-11-29 13:00",
				"2026-11-30 02:00", "2026-11-30 23:59", "2026-12-01 00:00"),
			policy: retention.Policy{KeepDaily: 3},
			want:   []string{"20261201T0000: daily", "20261130T2359: daily", "20261129T1300: daily"},
		},
		{
			name:   "keepDaily with count left keeps the oldest backup too",
			items:  items("2026-11-30 02:00", "2026-11-30 10:00", "2026-12-01 10:00"),
			policy: retention.Policy{KeepDaily: 7},
			want:   []string{"20261201T1000: daily", "20261130T1000: daily", "20261130T0200: oldest daily"},
		},
		{
			name: "keepWeekly 2 uses ISO weeks (Monday starts a week)",
			// 2026-11-29 is a Sunday (week 48), 2026-11-30 a Monday (week 49).
			items:  items("2026-11-22 10:00", "2026-11-28 10:00", "2026-11-29 10:00", "2026-11-30 10:00", "2026-12-01 10:00"),
			policy: retention.Policy{KeepWeekly: 2},
			want:   []string{"20261201T1000: weekly", "20261129T1000: weekly"},
		},
		{
			name:   "keepMonthly 2 and keepYearly 2",
			items:  items("2024-06-01 00:00", "2025-03-01 00:00", "2025-12-31 23:00", "2026-10-15 00:00", "2026-11-01 00:00", "2026-11-20 00:00"),
			policy: retention.Policy{KeepMonthly: 2, KeepYearly: 2},
			want:   []string{"20261120T0000: monthly, yearly", "20261015T0000: monthly", "20251231T2300: yearly"},
		},
		{
			name:   "keepHourly -1 keeps one per hour, all of them",
			items:  items("2026-12-01 10:05", "2026-12-01 10:35", "2026-12-01 11:05", "2026-12-01 12:05"),
			policy: retention.Policy{KeepHourly: -1},
			want:   []string{"20261201T1205: hourly", "20261201T1105: hourly", "20261201T1035: hourly", "20261201T1005: oldest hourly"},
		},
		{
			name:   "keepWithin counts from the newest backup, not from now",
			items:  items("2026-01-01 00:00", "2026-01-05 11:59", "2026-01-05 13:00", "2026-01-08 00:00", "2026-01-09 12:00"),
			policy: retention.Policy{KeepWithin: retention.Within{Days: 4}},
			want:   []string{"20260109T1200: within 4d", "20260108T0000: within 4d", "20260105T1300: within 4d"},
		},
		{
			name:   "keepWithin: a backup dated in the future is not the newest",
			items:  items("2026-11-20 00:00", "2026-12-01 00:00", "2027-06-01 00:00"),
			policy: retention.Policy{KeepWithin: retention.Within{Days: 2}},
			want:   []string{"20270601T0000: within 2d", "20261201T0000: within 2d"},
		},
		{
			name:   "rules add up, each reason named",
			items:  items("2026-11-29 10:00", "2026-11-30 10:00", "2026-11-30 20:00", "2026-12-01 10:00"),
			policy: retention.Policy{KeepLast: 2, KeepDaily: 2},
			want:   []string{"20261201T1000: last, daily", "20261130T2000: last, daily"},
		},
		{
			name:   "no rule keeps everything",
			items:  items("2026-11-29 10:00", "2026-11-30 10:00"),
			policy: retention.Policy{},
			want:   []string{"20261130T1000: no retention rule", "20261129T1000: no retention rule"},
		},
		{
			name:   "same time: ids break the tie",
			items:  []retention.Item{{ID: "a", Time: at("2026-12-01 10:00")}, {ID: "b", Time: at("2026-12-01 10:00")}},
			policy: retention.Policy{KeepLast: 1},
			want:   []string{"b: last"},
		},
		{name: "nothing to decide", policy: retention.Policy{KeepLast: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ds := retention.Apply(c.items, c.policy, now)
			if len(ds) != len(c.items) {
				t.Fatalf("%d decisions for %d items", len(ds), len(c.items))
			}
			if got := kept(ds); !reflect.DeepEqual(got, c.want) {
				t.Errorf("kept:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
			for i := 1; i < len(ds); i++ {
				if ds[i].Time.After(ds[i-1].Time) {
					t.Errorf("decisions not newest first at %d", i)
				}
			}
		})
	}
}

func TestParseWithin(t *testing.T) {
	cases := []struct {
		in   string
		want retention.Within
		ok   bool
	}{
		{"7d", retention.Within{Days: 7}, true},
		{"1y2m3d4h", retention.Within{1, 2, 3, 4}, true},
		{"36h", retention.Within{Hours: 36}, true},
		{"3m", retention.Within{Months: 3}, true},
		{"", retention.Within{}, false},
		{"7", retention.Within{}, false},
		{"2d1y", retention.Within{}, false},
		{"1w", retention.Within{}, false},
		{"-1d", retention.Within{}, false},
		{"7d; rm", retention.Within{}, false},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := retention.ParseWithin(c.in)
			if (err == nil) != c.ok || got != c.want {
				t.Errorf("ParseWithin(%q) = %+v, %v", c.in, got, err)
			}
			if err != nil && !strings.Contains(err.Error(), "must be") {
				t.Errorf("error does not give the rule: %v", err)
			}
			if c.ok && got.String() != c.in {
				t.Errorf("String() = %q, want %q", got.String(), c.in)
			}
		})
	}
}

func TestPolicyStringAndValidate(t *testing.T) {
	p := retention.Policy{KeepLast: 5, KeepDaily: -1, KeepWithin: retention.Within{Days: 7}}
	if got, want := p.String(), "keep 5 last, all daily, all within 7d of the newest"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	errs := retention.Policy{KeepWeekly: -2}.Validate("retention.")
	if len(errs) != 1 || !strings.Contains(fmt.Sprint(errs[0]), "retention.keepWeekly: must be") {
		t.Errorf("Validate = %v", errs)
	}
}
