package hbase

import (
	"testing"
	"time"
)

var testNow = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

func TestUnitOf(t *testing.T) {
	tests := []struct {
		name string
		v    int64
		want TimeUnit
		ok   bool
	}{
		{name: "seconds", v: 1700000000, want: Seconds, ok: true},
		{name: "milliseconds (HBase clients, Atlas audit)", v: 1700000000000, want: Milliseconds, ok: true},
		{name: "microseconds (JanusGraph)", v: 1764650000123456, want: Microseconds, ok: true},
		{name: "nanoseconds", v: 1700000000000000000, want: Nanoseconds, ok: true},
		{name: "now in each unit", v: testNow.UnixMicro(), want: Microseconds, ok: true},
		{name: "synthetic small stamp", v: 42, ok: false},
		{name: "before 2000 in every unit", v: 900000000000, ok: false},
		{name: "far future in ms is µs of the past? no: 5e13 fits nothing", v: 50000000000000, ok: false},
		{name: "Long.MAX_VALUE", v: 1<<63 - 1, ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := UnitOf(tt.v, testNow)
			if ok != tt.ok || got != tt.want {
				t.Fatalf("UnitOf(%d) = %q, %v; want %q, %v", tt.v, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestDetectUnit(t *testing.T) {
	tests := []struct {
		name        string
		ts          []int64
		want        TimeUnit
		mixed       bool
		implausible int
	}{
		{name: "empty table", ts: nil, want: ""},
		{name: "janusgraph micros", ts: []int64{1764650000123456, 1764650000123457, 1764650001000000}, want: Microseconds},
		{name: "audit millis", ts: []int64{1764650000123, 1764650000999}, want: Milliseconds},
		{name: "mixed ms and µs: the finest wins", ts: []int64{1764650000123, 1764650000123456}, want: Microseconds, mixed: true},
		{name: "only implausible", ts: []int64{1, 2, 3}, want: "", implausible: 3},
		{name: "implausible beside µs", ts: []int64{1, 1764650000123456}, want: Microseconds, implausible: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := DetectUnit(tt.ts, testNow)
			if d.Unit != tt.want || d.Mixed() != tt.mixed || d.Implausible != tt.implausible || d.Samples != len(tt.ts) {
				t.Fatalf("DetectUnit(%v) = %+v", tt.ts, d)
			}
		})
	}
}

func TestTimeUnitAtAndTime(t *testing.T) {
	for _, u := range []TimeUnit{Seconds, Milliseconds, Microseconds, Nanoseconds} {
		v := u.At(testNow)
		if got := u.Time(v); !got.Equal(testNow) {
			t.Errorf("%s: Time(At(now)) = %s", u, got)
		}
		if back, ok := UnitOf(v, testNow); !ok || back != u {
			t.Errorf("%s: UnitOf(At(now)) = %s %v", u, back, ok)
		}
	}
	if Microseconds.At(testNow) != testNow.UnixMilli()*1000 {
		t.Fatal("µs is 1000 ms")
	}
	for _, s := range []string{"s", "ms", "us", "µs", "ns"} {
		if _, err := ParseTimeUnit(s); err != nil {
			t.Errorf("ParseTimeUnit(%q): %v", s, err)
		}
	}
	if _, err := ParseTimeUnit("m"); err == nil {
		t.Error("ParseTimeUnit(m): want error")
	}
}
