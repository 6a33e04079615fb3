package hbase

import (
	"os"
	"strings"
	"testing"
)

func TestParseCountersRealExport(t *testing.T) {
	b, err := os.ReadFile("testdata/counters_export.txt")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCounters(string(b))
	if err != nil {
		t.Fatal(err)
	}
	if c.Rows != 5 || c.Bytes != 883 || c.Cells != 0 {
		t.Errorf("rows %d bytes %d cells %d, want 5 883 0", c.Rows, c.Bytes, c.Cells)
	}
	if len(c.Raw) != 32 || c.Truncated {
		t.Errorf("%d counters, the block declares 32", len(c.Raw))
	}
	for k, v := range map[string]int64{"Map input records": 5, "Map output records": 5, "ROWS_SCANNED": 5, "BYTES_IN_RESULTS": 685,
		"FILE: Number of bytes written": 1266689, "Bytes Read": 0, "REGIONS_SCANNED": 1} {
		if c.Raw[k] != v {
			t.Errorf("%s = %d, want %d", k, c.Raw[k], v)
		}
	}
}

func TestParseCountersRealImportTsv(t *testing.T) {
	b, err := os.ReadFile("testdata/counters_importtsv.txt")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCounters(string(b))
	if err != nil {
		t.Fatal(err)
	}
	// an input-file job: no HBase scan counters, rows from map input, bytes from the input
	if c.Rows != 9 || c.Bytes != 311 || c.Raw["Bad Lines"] != 0 || len(c.Raw) != 16 {
		t.Errorf("counters %+v", c)
	}
}

func TestParseCounters(t *testing.T) {
	tests := []struct {
		name      string
		out       string
		rows      int64
		bytes     int64
		raw       map[string]int64
		truncated bool
		wantErr   string
	}{
		{name: "no block", out: "INFO job failed\n", wantErr: "no counters block"},
		{name: "header without counters", out: "x mapreduce.Job: Counters: 0\nnext line\n", wantErr: "no counters block"},
		{name: "stack trace is not a block", out: "Exception in thread \"main\" java.io.IOException: x=1\n\tat a.b(C.java:1)\n\tat d.e(F.java:2)\n", wantErr: "no counters block"},
		{name: "last block wins",
			out:  "Counters: 1\n\tG\n\t\tMap input records=1\nx Counters: 2\n\tG\n\t\tMap input records=7\n\t\tBytes Written=10\nINFO done\n",
			rows: 7, bytes: 10, raw: map[string]int64{"Map input records": 7, "Bytes Written": 10}},
		{name: "same name in two groups",
			out: "Counters: 2\n\tA\n\t\tX=1\n\tB\n\t\tX=2\n",
			raw: map[string]int64{"X": 1, "B/X": 2}},
		{name: "negative value", out: "Counters: 1\n\tG\n\t\tX=-3\n", raw: map[string]int64{"X": -3}},
		{name: "crlf", out: "Counters: 1\r\n\tHBaseCounters\r\n\t\tROWS_SCANNED=3\r\n", rows: 3, raw: map[string]int64{"ROWS_SCANNED": 3}},
		{name: "head cut by %.1000m",
			out: "2026-11-25T15:21:00,518 INFO  [main] mapreduce.Job: ords=9000\n\t\tInput split bytes=438\n\tHBaseCounters\n\t\tROWS_SCANNED=9000\n" +
				"\tFile Output Format Counters \n\t\tBytes Written=9842399\n",
			rows: 9000, bytes: 9842399, truncated: true,
			raw: map[string]int64{"Input split bytes": 438, "ROWS_SCANNED": 9000, "Bytes Written": 9842399}},
		{name: "count differs from header", out: "Counters: 3\n\tG\n\t\tMap input records=4\n", rows: 4, truncated: true,
			raw: map[string]int64{"Map input records": 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseCounters(tt.out)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Rows != tt.rows || c.Bytes != tt.bytes || len(c.Raw) != len(tt.raw) || c.Truncated != tt.truncated {
				t.Errorf("counters %+v", c)
			}
			for k, v := range tt.raw {
				if c.Raw[k] != v {
					t.Errorf("%s = %d, want %d", k, c.Raw[k], v)
				}
			}
		})
	}
}

// One job running Export and then RowCounter with the same window (the backup's export
// job), as the local stack prints it: per-task blocks first, then each job's block.
func TestParseExportAndRowCounterRecorded(t *testing.T) {
	b, err := os.ReadFile("testdata/counters_export_rowcounter.txt")
	if err != nil {
		t.Fatal(err)
	}
	rows, ok := ParseRowCounter(string(b))
	if !ok || rows != 1000 {
		t.Fatalf("ParseRowCounter = %d, %v; want 1000", rows, ok)
	}
	c, err := ParseExportCounters(string(b))
	if err != nil {
		t.Fatal(err)
	}
	if c.Raw["Map input records"] != 1000 || c.Raw["ROWS_SCANNED"] != 2500 {
		t.Fatalf("export counters: %v", c.Raw)
	}
	if _, ok := c.Raw["ROWS"]; ok {
		t.Fatal("the export's block must not be RowCounter's")
	}
	// the last block of the output is RowCounter's: ParseCounters alone would take it
	last, _ := ParseCounters(string(b))
	if _, ok := last.Raw["ROWS"]; !ok {
		t.Fatalf("last block: %v", last.Raw)
	}
	if _, ok := ParseRowCounter(string(b[:len(b)/2])); ok {
		t.Fatal("output cut before the RowCounter job block: want ok=false")
	}
	if _, ok := ParseRowCounter(""); ok {
		t.Fatal("no output: want ok=false")
	}
}
