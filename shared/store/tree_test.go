package store_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/atlas-backup/atlas-backup/shared/store"
)

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for rel, content := range files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPutTreeGetTreeRoundTrip(t *testing.T) {
	ctx := context.Background()
	st := newFileStore(t)
	src := t.TempDir()
	files := map[string]string{
		"_SUCCESS":             "",
		"part-m-00000":         strings.Repeat("row", 10000),
		"part-m-00001":         "x",
		"snapshot/shard1/seg1": "segment",
		"snapshot/shard2/seg1": "other segment",
	}
	writeFiles(t, src, files)
	if err := os.Symlink("part-m-00001", filepath.Join(src, "link-inside")); err != nil {
		t.Fatal(err)
	}
	// The tree may be reached through a symlink.
	linkedSrc := filepath.Join(t.TempDir(), "export")
	if err := os.Symlink(src, linkedSrc); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	objs, err := store.PutTree(ctx, st, linkedSrc, "prod/b1/hbase/atlas_janus", 3, func(store.ObjectInfo) { calls.Add(1) })
	if err != nil {
		t.Fatalf("PutTree: %v", err)
	}
	var got []string
	for _, o := range objs {
		got = append(got, o.Key)
	}
	want := []string{
		"prod/b1/hbase/atlas_janus/_SUCCESS",
		"prod/b1/hbase/atlas_janus/link-inside",
		"prod/b1/hbase/atlas_janus/part-m-00000",
		"prod/b1/hbase/atlas_janus/part-m-00001",
		"prod/b1/hbase/atlas_janus/snapshot/shard1/seg1",
		"prod/b1/hbase/atlas_janus/snapshot/shard2/seg1",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("PutTree keys = %v, want %v", got, want)
	}
	if int(calls.Load()) != len(want) {
		t.Errorf("progress called %d times, want %d", calls.Load(), len(want))
	}
	for _, o := range objs {
		if err := store.VerifyObject(ctx, st, o); err != nil {
			t.Error(err)
		}
	}

	dest := filepath.Join(t.TempDir(), "restore")
	if err := store.GetTree(ctx, st, objs, "prod/b1/hbase/atlas_janus/", dest, 2); err != nil {
		t.Fatalf("GetTree: %v", err)
	}
	files["link-inside"] = "x"
	for rel, content := range files {
		b, err := os.ReadFile(filepath.Join(dest, filepath.FromSlash(rel)))
		if err != nil || string(b) != content {
			t.Errorf("restored %s = %q, %v; want %q", rel, b, err, content)
		}
	}
	// Existing files are never overwritten.
	if err := store.GetTree(ctx, st, objs, "prod/b1/hbase/atlas_janus", dest, 2); err == nil {
		t.Errorf("GetTree into a filled folder: no error")
	}
}

func TestPutTreeRefuses(t *testing.T) {
	ctx := context.Background()
	outside := t.TempDir()
	writeFiles(t, outside, map[string]string{"secret": "s"})
	cases := []struct {
		name   string
		make   func(t *testing.T, dir string)
		errHas string
	}{
		{"symlink out", func(t *testing.T, dir string) {
			os.Symlink(filepath.Join(outside, "secret"), filepath.Join(dir, "ln"))
		}, "leads out of"},
		{"relative symlink out", func(t *testing.T, dir string) {
			os.Symlink("../../../../../../../../"+outside+"/secret", filepath.Join(dir, "ln"))
		}, "leads out of"},
		{"symlinked folder", func(t *testing.T, dir string) {
			os.Mkdir(filepath.Join(dir, "d"), 0o755)
			os.Symlink("d", filepath.Join(dir, "ln"))
		}, "only symlinks to regular files"},
		{"dangling symlink", func(t *testing.T, dir string) {
			os.Symlink("nowhere", filepath.Join(dir, "ln"))
		}, "symlink ln"},
		{"newline in name", func(t *testing.T, dir string) {
			writeFiles(t, dir, map[string]string{"bad\nname": "x"})
		}, "keys are"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := newFileStore(t)
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{"ok": "fine"})
			c.make(t, dir)
			_, err := store.PutTree(ctx, st, dir, "p", 2, nil)
			if err == nil || !strings.Contains(err.Error(), c.errHas) {
				t.Fatalf("PutTree err = %v, want one containing %q", err, c.errHas)
			}
			if l, _ := st.List(ctx, ""); len(l) != 0 {
				t.Errorf("PutTree uploaded %d objects before refusing", len(l))
			}
		})
	}
}

func TestGetTreeRefuses(t *testing.T) {
	ctx := context.Background()
	st := newFileStore(t)
	good, err := st.Put(ctx, "p/ok", strings.NewReader("fine"))
	if err != nil {
		t.Fatal(err)
	}
	outside := t.TempDir()
	cases := []struct {
		name   string
		objs   []store.ObjectInfo
		prefix string
		setup  func(t *testing.T, dest string)
		errHas string
		is     error
	}{
		{name: "not under prefix", objs: []store.ObjectInfo{good}, prefix: "q", errHas: "not under"},
		{name: "dotdot", objs: []store.ObjectInfo{{Key: "p/../../etc/passwd", Size: 1, SHA256: good.SHA256}}, prefix: "p", errHas: "would leave"},
		{name: "empty segment", objs: []store.ObjectInfo{{Key: "p//etc", Size: 1, SHA256: good.SHA256}}, prefix: "p", errHas: "would leave"},
		{name: "through symlink", objs: []store.ObjectInfo{{Key: "p/ln/ok", Size: 4, SHA256: good.SHA256}}, prefix: "p",
			setup: func(t *testing.T, dest string) {
				os.MkdirAll(dest, 0o700)
				os.Symlink(outside, filepath.Join(dest, "ln"))
			}, errHas: "through a symlink"},
		{name: "size mismatch", objs: []store.ObjectInfo{{Key: "p/ok", Size: 5, SHA256: good.SHA256}}, prefix: "p", errHas: "size mismatch", is: store.ErrMismatch},
		{name: "sha mismatch", objs: []store.ObjectInfo{{Key: "p/ok", Size: 4, SHA256: strings.Repeat("0", 64)}}, prefix: "p", errHas: "sha256 mismatch", is: store.ErrMismatch},
		{name: "missing", objs: []store.ObjectInfo{{Key: "p/absent", Size: 4, SHA256: good.SHA256}}, prefix: "p", is: store.ErrNotFound},
		{name: "no sha", objs: []store.ObjectInfo{{Key: "p/ok", Size: 4}}, prefix: "p", errHas: "no sha256"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "d")
			if c.setup != nil {
				c.setup(t, dest)
			}
			err := store.GetTree(ctx, st, c.objs, c.prefix, dest, 2)
			if err == nil || !strings.Contains(err.Error(), c.errHas) || (c.is != nil && !errors.Is(err, c.is)) {
				t.Fatalf("GetTree err = %v, want one containing %q (is %v)", err, c.errHas, c.is)
			}
			if entries, _ := os.ReadDir(outside); len(entries) != 0 {
				t.Errorf("GetTree wrote outside the destination")
			}
			// A refused or mismatching file is not left behind.
			filepath.WalkDir(dest, func(p string, d os.DirEntry, err error) error {
				if err == nil && d.Type().IsRegular() {
					t.Errorf("left behind %s", p)
				}
				return nil
			})
		})
	}
}

func TestPutTreeCancelled(t *testing.T) {
	st := newFileStore(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a": "1", "b": "2"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := store.PutTree(ctx, st, dir, "p", 1, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("PutTree with a cancelled context: err = %v", err)
	}
}

// failingStore fails Put for one key, to check that PutTree reports it.
type failingStore struct {
	store.Store
	failKey string
}

func (f failingStore) Put(ctx context.Context, key string, r io.Reader) (store.ObjectInfo, error) {
	if key == f.failKey {
		io.Copy(io.Discard, r)
		return store.ObjectInfo{}, errors.New("injected failure")
	}
	return f.Store.Put(ctx, key, r)
}

func TestPutTreeReportsFailure(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a": "1", "b": "2", "c": "3"})
	st := failingStore{Store: newFileStore(t), failKey: "p/b"}
	_, err := store.PutTree(context.Background(), st, dir, "p", 2, nil)
	if err == nil || !strings.Contains(err.Error(), "injected failure") || !strings.Contains(err.Error(), filepath.Join(dir, "b")) {
		t.Errorf("PutTree err = %v, want the injected failure naming the file", err)
	}
}

// recorder is an Observer that keeps what it was fed.
type recorder struct {
	b        strings.Builder
	finished atomic.Bool
	fail     error
}

func (r *recorder) Write(p []byte) (int, error) { return r.b.Write(p) }
func (r *recorder) Finish(err error) error {
	r.finished.Store(err == nil)
	return r.fail
}

// PutTreeWith feeds each observed file's bytes, as uploaded, to its Observer and ends it
// with the upload's result; an Observer's error fails the tree; unobserved files are
// uploaded as PutTree does.
func TestPutTreeWithObserver(t *testing.T) {
	ctx := context.Background()
	st := newFileStore(t)
	src := t.TempDir()
	files := map[string]string{"part-m-00000": strings.Repeat("row", 10000), "_SUCCESS": "", "sub/part-m-00001": "x"}
	writeFiles(t, src, files)
	recs := map[string]*recorder{}
	var (
		asked []string
		mu    sync.Mutex
	)
	objs, err := store.PutTreeWith(ctx, st, src, "p/", store.TreeOptions{Concurrency: 2, Observe: func(rel string) store.Observer {
		mu.Lock() // Observe runs in the uploads, concurrently
		defer mu.Unlock()
		asked = append(asked, rel)
		if !strings.HasPrefix(filepath.Base(rel), "part-") {
			return nil
		}
		r := &recorder{}
		recs[rel] = r
		return r
	}})
	if err != nil || len(objs) != 3 {
		t.Fatalf("%v %+v", err, objs)
	}
	slices.Sort(asked)
	if !slices.Equal(asked, []string{"_SUCCESS", "part-m-00000", "sub/part-m-00001"}) {
		t.Errorf("asked %q", asked)
	}
	for rel, r := range recs {
		if r.b.String() != files[rel] || !r.finished.Load() {
			t.Errorf("%s: observed %d bytes (finished %v), file has %d", rel, r.b.Len(), r.finished.Load(), len(files[rel]))
		}
	}
	bad := errors.New("parse failed")
	_, err = store.PutTreeWith(ctx, st, src, "q/", store.TreeOptions{Observe: func(rel string) store.Observer {
		return &recorder{fail: bad}
	}})
	if !errors.Is(err, bad) {
		t.Errorf("observer error: %v", err)
	}
}
