package hbase

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestSampleScript(t *testing.T) {
	s, err := SampleScript("atlas_janus", 100)
	if err != nil {
		t.Fatal(err)
	}
	want := "scan 'atlas_janus', {LIMIT => 100, CACHE => 100, FILTER => 'FirstKeyOnlyFilter() AND KeyOnlyFilter()'}\n"
	if s != want {
		t.Fatalf("got %q\nwant %q", s, want)
	}
	for _, bad := range []struct {
		table string
		limit int
	}{{"x'; exit", 10}, {"atlas_janus", 0}, {"atlas_janus", 1000001}} {
		if _, err := SampleScript(bad.table, bad.limit); err == nil {
			t.Errorf("SampleScript(%q, %d): want error", bad.table, bad.limit)
		}
	}
}

// The stack's shell (an emulation printing what HBase 2.5's scan.rb prints): IRB echo,
// timestamps as local date-times (HBASE-23930), and the plain style with
// hbase.shell.timestamp.format.epoch=true.
func TestParseScanRecorded(t *testing.T) {
	irb, err := os.ReadFile("testdata/scan_sample_irb.txt")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := os.ReadFile("testdata/scan_sample_plain_epoch.txt")
	if err != nil {
		t.Fatal(err)
	}
	a, err := ParseScan(string(irb))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseScan(string(plain))
	if err != nil {
		t.Fatal(err)
	}
	if a.Rows != 5 || len(a.Cells) != 5 || b.Rows != 5 || len(b.Cells) != 5 {
		t.Fatalf("rows/cells: %d/%d and %d/%d, want 5/5", a.Rows, len(a.Cells), b.Rows, len(b.Cells))
	}
	for i := range a.Cells {
		ca, cb := a.Cells[i], b.Cells[i]
		if ca.Row != cb.Row || ca.Column != cb.Column {
			t.Errorf("cell %d: %+v vs %+v", i, ca, cb)
		}
		// the stack runs in UTC, so the date-time read back is exact
		if !ca.TimestampApprox || cb.TimestampApprox || ca.Timestamp != cb.Timestamp {
			t.Errorf("cell %d: timestamps %+v vs %+v", i, ca, cb)
		}
	}
	if a.Cells[0].Row != `\x00\x02\xCF\xC0\xAEB\xDD\xE8` || b.Cells[0].Timestamp != 1700000073260 {
		t.Fatalf("first cell: %+v / %+v", a.Cells[0], b.Cells[0])
	}
	key, err := RowKey(a.Cells[0].Row)
	if err != nil || !bytes.Equal(key, []byte{0, 2, 0xCF, 0xC0, 0xAE, 'B', 0xDD, 0xE8}) {
		t.Fatalf("RowKey: %x %v", key, err)
	}
}

func TestParseScan(t *testing.T) {
	tests := []struct {
		name    string
		out     string
		rows    int
		ts      []int64
		wantErr string
	}{
		{name: "HBase 2.0 numeric, keys with spaces and equals",
			out:  "ROW  COLUMN+CELL\n a b=c column=dt:action, timestamp=1700000000000, value=\n x\\x5Cy column=dt:x, timestamp=1700000000001, value=v, w\n2 row(s)\nTook 0.0100 seconds\n",
			rows: 2, ts: []int64{1700000000000, 1700000000001}},
		{name: "HBase 1.x footer", out: "ROW  COLUMN+CELL\n r column=f:q, timestamp=5, value=\n1 row(s) in 0.0100 seconds\n", rows: 1, ts: []int64{5}},
		{name: "microseconds shown as a date-time of the value taken as ms",
			out:  "ROW  COLUMN+CELL\n r column=e:\\x00, timestamp=+57889-07-13T19:35:23.456, value=\n r2 column=e:\\x00, timestamp=+55840-11-08T22:13:20, value=\n2 row(s)\n",
			rows: 2, ts: []int64{1764650000123456, 1700000000000000}},
		{name: "nanoseconds shown as a date-time", out: "ROW  COLUMN+CELL\n r column=e:q, timestamp=+53872825-06-17T22:13:20, value=\n1 row(s)\n", rows: 1, ts: []int64{1700000000000000000}},
		{name: "delete marker of a RAW scan", out: "ROW  COLUMN+CELL\n r column=f:q, timestamp=7, type=Delete\n1 row(s)\n", rows: 1, ts: []int64{7}},
		{name: "empty table", out: "hbase:001:0> scan 't'\nROW  COLUMN+CELL\n0 row(s)\nTook 0.0030 seconds\n", rows: 0},
		{name: "missing table", out: "Took 0.7544 secondsERROR RuntimeError: Unknown table nope_table!\n", wantErr: "Unknown table nope_table"},
		{name: "cut before the footer (SSM keeps 24,000 characters)", out: "ROW  COLUMN+CELL\n r column=f:q, timestamp=7, value=\n", wantErr: "no \"N row(s)\""},
		{name: "count disagrees", out: "ROW  COLUMN+CELL\n r column=f:q, timestamp=7, value=\n2 row(s)\n", wantErr: "counted 2"},
		{name: "garbage line", out: "ROW  COLUMN+CELL\n r something else\n1 row(s)\n", wantErr: "not a cell line"},
		{name: "bad timestamp", out: "ROW  COLUMN+CELL\n r column=f:q, timestamp=yesterday, value=\n1 row(s)\n", wantErr: "neither a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ParseScan(tt.out)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Rows != tt.rows || len(res.Cells) != len(tt.ts) {
				t.Fatalf("got %+v", res)
			}
			for i, c := range res.Cells {
				if c.Timestamp != tt.ts[i] {
					t.Errorf("cell %d timestamp %d, want %d", i, c.Timestamp, tt.ts[i])
				}
			}
		})
	}
}

func TestToStringBinaryRoundTrip(t *testing.T) {
	in := []byte{0, 'a', ' ', '\\', '~', 0x7f, 0xff, '=', 'x'}
	s := ToStringBinary(in)
	if s != `\x00a \x5C~\x7F\xFF=x` {
		t.Fatalf("ToStringBinary = %q", s)
	}
	back, err := RowKey(s)
	if err != nil || !bytes.Equal(back, in) {
		t.Fatalf("RowKey(%q) = %x, %v", s, back, err)
	}
	for _, bad := range []string{`\x0`, `\y00`, `\xZZ`, `a\`} {
		if _, err := RowKey(bad); err == nil {
			t.Errorf("RowKey(%q): want error", bad)
		}
	}
}
