package hbase

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// feed writes a file into the sink in small, odd-sized chunks, as an upload reads it.
func feed(t *testing.T, s *ExportSink, rel, path string) error {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f := s.File(rel)
	if f == nil {
		return nil
	}
	for len(b) > 0 {
		n := min(len(b), 333)
		if _, err := f.Write(b[:n]); err != nil {
			return f.Finish(err)
		}
		b = b[n:]
	}
	return f.Finish(nil)
}

// The sink, fed the bytes of a real Export folder as an upload reads them, gives what
// ReadExportDir gives reading the folder itself (every codec of the fixtures, a file
// with sync markers), and skips what is not a part file.
func TestExportSinkMatchesReadExportDir(t *testing.T) {
	for _, variant := range []string{"plain", "record-deflate", "block-deflate", "record-snappy", "block-snappy", "block-gzip", "sync"} {
		t.Run(variant, func(t *testing.T) {
			dir := filepath.Join("testdata/export", variant)
			want, err := ReadExportDir(os.DirFS(dir), ".")
			if err != nil {
				t.Fatal(err)
			}
			entries, _ := os.ReadDir(dir)
			s := NewExportSink(nil)
			for _, en := range entries {
				if err := feed(t, s, en.Name(), filepath.Join(dir, en.Name())); err != nil {
					t.Fatalf("%s: %v", en.Name(), err)
				}
			}
			got, err := s.Stats()
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("sink %+v, ReadExportDir %+v", got, want)
			}
		})
	}
}

// A broken part file is an error of the sink naming it; an abandoned upload is not;
// a folder without part files has no stats.
func TestExportSinkErrors(t *testing.T) {
	s := NewExportSink(nil)
	if s.File("_SUCCESS") != nil || s.File("part-m-00000.crc") != nil || s.File("sub/part-m-00000") != nil {
		t.Error("a file that is not a part file got a sink")
	}
	if _, err := s.Stats(); err == nil {
		t.Error("stats without a part file")
	}
	f := s.File("part-m-00001")
	_, _ = f.Write([]byte(strings.Repeat("not a sequence file ", 100)))
	if err := f.Finish(nil); err == nil || !strings.Contains(err.Error(), "part-m-00001") {
		t.Errorf("finish: %v", err)
	}
	if err := s.Err(); err == nil || !strings.Contains(err.Error(), "part-m-00001") {
		t.Errorf("sink err: %v", err)
	}
	a := NewExportSink(nil)
	g := a.File("part-m-00002")
	_, _ = g.Write([]byte("SEQ"))
	if err := g.Finish(errors.New("connection reset")); err != nil {
		t.Errorf("abandoned upload: %v", err)
	}
	if err := a.Err(); err != nil {
		t.Errorf("abandoned upload counted as a read error: %v", err)
	}
	var _ io.Writer = g
}
