package hbase

import (
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"sync"
)

// ExportSink reads an Export output folder's part files from the bytes another reader
// already reads (the upload of the folder into the store: store.PutTreeWith), so the
// folder is read once for both its checksums and its rows, cells and digest. Files feeds
// it one file at a time (any number at once); Stats combines them. Safe for concurrent
// use.
type ExportSink struct {
	probe *Probe

	mu    sync.Mutex
	d     Digest
	stats ExportStats
	errs  []error
}

// NewExportSink reads part files, marking the probed rows (probe nil: none) they hold.
func NewExportSink(probe *Probe) *ExportSink { return &ExportSink{probe: probe} }

// IsExportPart reports whether a file of an Export output folder (its name relative to
// the folder) is a part file ReadExportDir reads.
func IsExportPart(rel string) bool {
	name := path.Base(rel)
	return !strings.Contains(rel, "/") && strings.HasPrefix(name, "part-") && !strings.HasSuffix(name, ".crc")
}

// File returns the writer for one file of the folder, nil for a file that is not a part
// file. Its Finish(uploadErr) waits for the parse and returns its error.
func (s *ExportSink) File(rel string) *ExportFileSink {
	if !IsExportPart(rel) {
		return nil
	}
	pr, pw := io.Pipe()
	f := &ExportFileSink{name: rel, pw: pw, done: make(chan error, 1)}
	go func() {
		var d Digest
		st, err := readExport(pr, &d, s.probe)
		// Drain what the parser left (after an error), so the writer never blocks.
		_, _ = io.Copy(io.Discard, pr)
		s.mu.Lock()
		if err == nil {
			s.d.Merge(d)
			s.stats.Rows += st.Rows
			s.stats.Cells += st.Cells
			s.stats.Files++
		} else if !errors.Is(err, errUploadFailed) {
			s.errs = append(s.errs, fmt.Errorf("read export file %s: %w", rel, err))
		}
		s.mu.Unlock()
		f.done <- err
	}()
	return f
}

// Err is the first part file's read error (nil when every file fed so far parsed).
func (s *ExportSink) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(s.errs...)
}

// Stats is what the part files fed to the sink hold; it fails when one could not be
// read or none was fed.
func (s *ExportSink) Stats() (ExportStats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := errors.Join(s.errs...); err != nil {
		return ExportStats{}, err
	}
	if s.stats.Files == 0 {
		return ExportStats{}, errors.New("no part-* files")
	}
	st := s.stats
	st.Digest = s.d.String()
	return st, nil
}

// ExportFileSink is one part file's stream into an ExportSink.
type ExportFileSink struct {
	name string
	pw   *io.PipeWriter
	done chan error
}

// errUploadFailed ends a file's parse when its reader failed.
var errUploadFailed = errors.New("the file's upload failed")

// Write feeds the file's next bytes.
func (f *ExportFileSink) Write(p []byte) (int, error) { return f.pw.Write(p) }

// Finish ends the file (uploadErr: the reader of the file failed, so the parse is
// abandoned) and returns the parse's error.
func (f *ExportFileSink) Finish(uploadErr error) error {
	if uploadErr != nil {
		f.pw.CloseWithError(errUploadFailed)
		<-f.done
		return nil
	}
	f.pw.Close()
	if err := <-f.done; err != nil {
		return fmt.Errorf("read export file %s: %w", f.name, err)
	}
	return nil
}
