package archive_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atlas-backup/atlas-backup/shared/archive"
	"github.com/atlas-backup/atlas-backup/shared/store"
)

var mtime = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// confFolder builds a small /etc/atlas/conf look-alike and returns its path.
func confFolder(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "conf")
	files := []struct {
		rel, content string
		mode         os.FileMode
	}{
		{"atlas-application.properties", "atlas.graph.storage.hbase.table=atlas_janus\n", 0o644},
		{"atlas-env.sh", "export MANAGE_LOCAL_HBASE=false\n", 0o755},
		{"atlas.keytab.placeholder", "", 0o600},
		{"solr/solrconfig.xml", strings.Repeat("<config/>\n", 500), 0o644},
		{"users-credentials.properties", "admin=ADMIN::hash\n", 0o640},
	}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.rel))
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		must(t, os.WriteFile(p, []byte(f.content), f.mode))
		must(t, os.Chmod(p, f.mode))
		must(t, os.Chtimes(p, mtime, mtime))
	}
	must(t, os.Mkdir(filepath.Join(dir, "empty.d"), 0o750))
	must(t, os.Symlink("atlas-application.properties", filepath.Join(dir, "application.properties")))
	must(t, os.Symlink("/etc/hadoop/conf/core-site.xml", filepath.Join(dir, "core-site.xml")))
	return dir
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := confFolder(t)
	var buf bytes.Buffer
	res, err := archive.WriteTarGz(ctx, src, &buf)
	if err != nil {
		t.Fatalf("WriteTarGz: %v", err)
	}
	if res.Size != int64(buf.Len()) || res.SHA256 != sum(buf.Bytes()) {
		t.Errorf("Result size/sha256 = %d %s, stream is %d %s", res.Size, res.SHA256, buf.Len(), sum(buf.Bytes()))
	}
	want := []archive.File{
		{Path: "application.properties", Mode: "Lrwxrwxrwx", Link: "atlas-application.properties"},
		{Path: "atlas-application.properties", Size: 44, Mode: "-rw-r--r--", SHA256: sum([]byte("atlas.graph.storage.hbase.table=atlas_janus\n"))},
		{Path: "atlas-env.sh", Size: 32, Mode: "-rwxr-xr-x", SHA256: sum([]byte("export MANAGE_LOCAL_HBASE=false\n"))},
		{Path: "atlas.keytab.placeholder", Mode: "-rw-------", SHA256: sum(nil)},
		{Path: "core-site.xml", Mode: "Lrwxrwxrwx", Link: "/etc/hadoop/conf/core-site.xml"},
		{Path: "empty.d", Mode: "drwxr-x---"},
		{Path: "solr", Mode: "drwxr-xr-x"},
		{Path: "solr/solrconfig.xml", Size: 5000, Mode: "-rw-r--r--", SHA256: sum([]byte(strings.Repeat("<config/>\n", 500)))},
		{Path: "users-credentials.properties", Size: 18, Mode: "-rw-r-----", SHA256: sum([]byte("admin=ADMIN::hash\n"))},
	}
	if !slices.Equal(res.Files, want) {
		t.Errorf("Files =\n%+v\nwant\n%+v", res.Files, want)
	}

	dest := filepath.Join(t.TempDir(), "restore")
	got, err := archive.Extract(ctx, bytes.NewReader(buf.Bytes()), dest, archive.ExtractOptions{})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("Extract files =\n%+v\nwant\n%+v", got, want)
	}
	changes, err := archive.Diff(res.Files, dest)
	if err != nil || len(changes) != 0 {
		t.Errorf("Diff(restored) = %+v, %v; want no change", changes, err)
	}
	fi, err := os.Stat(filepath.Join(dest, "atlas-env.sh"))
	if err != nil || !fi.ModTime().Equal(mtime) || fi.Mode().Perm() != 0o755 {
		t.Errorf("restored atlas-env.sh: %v %v %v; want mtime %v mode 0755", fi.ModTime(), fi.Mode(), err, mtime)
	}
	if fi, err := os.Stat(filepath.Join(dest, "empty.d")); err != nil || fi.Mode().Perm() != 0o750 {
		t.Errorf("restored empty.d: %v %v", fi.Mode(), err)
	}
	// Restoring again needs Overwrite.
	if _, err := archive.Extract(ctx, bytes.NewReader(buf.Bytes()), dest, archive.ExtractOptions{}); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("second Extract without Overwrite: err = %v, want exists", err)
	}
	if _, err := archive.Extract(ctx, bytes.NewReader(buf.Bytes()), dest, archive.ExtractOptions{Overwrite: true}); err != nil {
		t.Errorf("second Extract with Overwrite: %v", err)
	}
}

func TestSymlinkedRoot(t *testing.T) {
	ctx := context.Background()
	src := confFolder(t)
	// /etc/atlas/conf -> /etc/atlas/<version>/0 on HDP.
	link := filepath.Join(t.TempDir(), "conf")
	must(t, os.Symlink(src, link))
	var viaLink, direct bytes.Buffer
	r1, err := archive.WriteTarGz(ctx, link, &viaLink)
	if err != nil {
		t.Fatalf("WriteTarGz(symlink): %v", err)
	}
	if _, err := archive.WriteTarGz(ctx, src, &direct); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(viaLink.Bytes(), direct.Bytes()) {
		t.Errorf("archive through the root symlink differs from the folder's")
	}
	if len(r1.Files) < 5 {
		t.Errorf("archive through the root symlink has %d entries", len(r1.Files))
	}
	if changes, err := archive.Diff(r1.Files, link); err != nil || len(changes) != 0 {
		t.Errorf("Diff through the symlink = %+v, %v", changes, err)
	}
}

func TestDeterministic(t *testing.T) {
	ctx := context.Background()
	src := confFolder(t)
	var a, b bytes.Buffer
	if _, err := archive.WriteTarGz(ctx, src, &a); err != nil {
		t.Fatal(err)
	}
	// Reading changed atimes; chmod back and forth changes ctimes. Neither may show.
	p := filepath.Join(src, "atlas-env.sh")
	must(t, os.Chmod(p, 0o700))
	must(t, os.Chmod(p, 0o755))
	time.Sleep(10 * time.Millisecond)
	if _, err := archive.WriteTarGz(ctx, src, &b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("two archives of an unchanged folder differ")
	}
	// Entries are in lexical order with no atime/ctime records.
	zr, err := gzip.NewReader(bytes.NewReader(a.Bytes()))
	must(t, err)
	tr := tar.NewReader(zr)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		must(t, err)
		names = append(names, h.Name)
		if !h.AccessTime.IsZero() || !h.ChangeTime.IsZero() {
			t.Errorf("%s: atime/ctime recorded", h.Name)
		}
	}
	want := []string{"application.properties", "atlas-application.properties", "atlas-env.sh", "atlas.keytab.placeholder",
		"core-site.xml", "empty.d/", "solr/", "solr/solrconfig.xml", "users-credentials.properties"}
	if !slices.Equal(names, want) {
		t.Errorf("entries = %v, want %v", names, want)
	}
}

func TestDiffDetectsChanges(t *testing.T) {
	ctx := context.Background()
	src := confFolder(t)
	res, err := archive.WriteTarGz(ctx, src, io.Discard)
	must(t, err)
	// Same size, different content; different size; mode; link target; type; added; removed.
	must(t, os.WriteFile(filepath.Join(src, "atlas-application.properties"), []byte("atlas.graph.storage.hbase.table=atlas_titan\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(src, "atlas-env.sh"), []byte("export X=1\n"), 0o755))
	must(t, os.Chmod(filepath.Join(src, "users-credentials.properties"), 0o644))
	must(t, os.Remove(filepath.Join(src, "core-site.xml")))
	must(t, os.Symlink("/etc/hadoop/conf.new/core-site.xml", filepath.Join(src, "core-site.xml")))
	must(t, os.Remove(filepath.Join(src, "empty.d")))
	must(t, os.WriteFile(filepath.Join(src, "empty.d"), nil, 0o644))
	must(t, os.WriteFile(filepath.Join(src, "solr", "new.xml"), []byte("x"), 0o644))
	must(t, os.Remove(filepath.Join(src, "atlas.keytab.placeholder")))

	changes, err := archive.Diff(res.Files, src)
	must(t, err)
	want := []struct {
		path   string
		kind   archive.ChangeKind
		detail string
	}{
		{"atlas-application.properties", archive.Modified, "content: sha256"},
		{"atlas-env.sh", archive.Modified, "size: 32, now 11 bytes"},
		{"atlas.keytab.placeholder", archive.Removed, ""},
		{"core-site.xml", archive.Modified, "link target: /etc/hadoop/conf/core-site.xml, now /etc/hadoop/conf.new/core-site.xml"},
		{"empty.d", archive.Modified, "type: drwxr-x---, now -rw-r--r--"},
		{"solr/new.xml", archive.Added, ""},
		{"users-credentials.properties", archive.Modified, "mode: -rw-r-----, now -rw-r--r--"},
	}
	if len(changes) != len(want) {
		t.Fatalf("Diff = %+v, want %d changes", changes, len(want))
	}
	for i, w := range want {
		c := changes[i]
		if c.Path != w.path || c.Kind != w.kind || !strings.Contains(c.Detail, w.detail) {
			t.Errorf("change %d = %+v, want %s %s %q", i, c, w.path, w.kind, w.detail)
		}
	}
}

type entrySpec struct {
	name, link, content string
	typ                 byte
}

func tgz(t *testing.T, entries []entrySpec) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Linkname: e.link, Mode: 0o644, Size: int64(len(e.content)), ModTime: mtime}
		if e.typ != tar.TypeReg {
			h.Size = 0
		}
		must(t, tw.WriteHeader(h))
		if e.typ == tar.TypeReg {
			_, err := tw.Write([]byte(e.content))
			must(t, err)
		}
	}
	must(t, tw.Close())
	must(t, zw.Close())
	return buf.Bytes()
}

func TestExtractRefusesHostileArchives(t *testing.T) {
	outside := t.TempDir()
	cases := []struct {
		name      string
		entries   []entrySpec
		overwrite bool
		setup     func(t *testing.T, dest string)
		errHas    string
	}{
		{name: "dotdot", entries: []entrySpec{{name: "../evil", typ: tar.TypeReg, content: "x"}}, errHas: `".."`},
		{name: "nested dotdot", entries: []entrySpec{{name: "a/../../evil", typ: tar.TypeReg, content: "x"}}, errHas: `".."`},
		{name: "absolute", entries: []entrySpec{{name: outside + "/evil", typ: tar.TypeReg, content: "x"}}, errHas: "absolute"},
		{name: "write through archived symlink", entries: []entrySpec{
			{name: "ln", typ: tar.TypeSymlink, link: outside},
			{name: "ln/evil", typ: tar.TypeReg, content: "x"},
		}, errHas: "through symlink"},
		{name: "write through relative symlink", entries: []entrySpec{
			{name: "d/", typ: tar.TypeDir},
			{name: "d/up", typ: tar.TypeSymlink, link: "../../../../../../../../../../" + outside},
			{name: "d/up/evil", typ: tar.TypeReg, content: "x"},
		}, errHas: "through symlink"},
		{name: "folder through symlink", entries: []entrySpec{
			{name: "ln", typ: tar.TypeSymlink, link: outside},
			{name: "ln/sub/", typ: tar.TypeDir},
		}, errHas: "through symlink"},
		{name: "file replaces symlink without overwrite", entries: []entrySpec{
			{name: "ln", typ: tar.TypeSymlink, link: outside + "/evil"},
			{name: "ln", typ: tar.TypeReg, content: "x"},
		}, errHas: "exists"},
		{name: "write through pre-existing symlink", entries: []entrySpec{
			{name: "pre/evil", typ: tar.TypeReg, content: "x"},
		}, setup: func(t *testing.T, dest string) {
			must(t, os.MkdirAll(dest, 0o755))
			must(t, os.Symlink(outside, filepath.Join(dest, "pre")))
		}, overwrite: true, errHas: "through symlink"},
		{name: "hard link", entries: []entrySpec{
			{name: "f", typ: tar.TypeReg, content: "x"},
			{name: "h", typ: tar.TypeLink, link: "f"},
		}, errHas: "unsupported entry type"},
		{name: "device", entries: []entrySpec{{name: "dev", typ: tar.TypeChar}}, errHas: "unsupported entry type"},
		{name: "existing file", entries: []entrySpec{{name: "f", typ: tar.TypeReg, content: "new"}},
			setup: func(t *testing.T, dest string) {
				must(t, os.MkdirAll(dest, 0o755))
				must(t, os.WriteFile(filepath.Join(dest, "f"), []byte("old"), 0o644))
			}, errHas: "exists"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "dest")
			if c.setup != nil {
				c.setup(t, dest)
			}
			_, err := archive.Extract(context.Background(), bytes.NewReader(tgz(t, c.entries)), dest, archive.ExtractOptions{Overwrite: c.overwrite})
			if err == nil || !strings.Contains(err.Error(), c.errHas) {
				t.Fatalf("Extract err = %v, want one containing %q", err, c.errHas)
			}
			if entries, _ := os.ReadDir(outside); len(entries) != 0 {
				t.Fatalf("Extract wrote outside the destination: %v", entries)
			}
			if c.name == "existing file" {
				if b, _ := os.ReadFile(filepath.Join(dest, "f")); string(b) != "old" {
					t.Errorf("existing file overwritten: %q", b)
				}
			}
		})
	}
}

func TestExtractOverwriteReplacesSymlinkNotTarget(t *testing.T) {
	outside := t.TempDir()
	victim := filepath.Join(outside, "victim")
	must(t, os.WriteFile(victim, []byte("keep"), 0o644))
	dest := t.TempDir()
	data := tgz(t, []entrySpec{
		{name: "ln", typ: tar.TypeSymlink, link: victim},
		{name: "ln", typ: tar.TypeReg, content: "replaced"},
	})
	files, err := archive.Extract(context.Background(), bytes.NewReader(data), dest, archive.ExtractOptions{Overwrite: true})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("symlink target written through: %q", b)
	}
	fi, err := os.Lstat(filepath.Join(dest, "ln"))
	if err != nil || !fi.Mode().IsRegular() {
		t.Errorf("ln is %v, %v; want a regular file", fi.Mode(), err)
	}
	if len(files) != 2 || files[1].SHA256 != sum([]byte("replaced")) {
		t.Errorf("files = %+v", files)
	}
}

func TestWriteTarGzRefuses(t *testing.T) {
	ctx := context.Background()
	t.Run("not a folder", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "f")
		must(t, os.WriteFile(f, nil, 0o644))
		if _, err := archive.WriteTarGz(ctx, f, io.Discard); err == nil || !strings.Contains(err.Error(), "not a folder") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("missing", func(t *testing.T) {
		if _, err := archive.WriteTarGz(ctx, filepath.Join(t.TempDir(), "absent"), io.Discard); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("err = %v, want not exist", err)
		}
	})
	t.Run("unreadable file", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root reads everything")
		}
		dir := t.TempDir()
		must(t, os.WriteFile(filepath.Join(dir, "secret"), []byte("x"), 0o000))
		if _, err := archive.WriteTarGz(ctx, dir, io.Discard); err == nil || !strings.Contains(err.Error(), "secret") {
			t.Errorf("err = %v, want one naming the file", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		c, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := archive.WriteTarGz(c, confFolder(t), io.Discard); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestUpload(t *testing.T) {
	ctx := context.Background()
	st, err := store.NewFile(t.TempDir())
	must(t, err)
	src := confFolder(t)
	l := store.Layout{Cluster: "prod"}
	key := l.ConfigArchive("b1")
	res, err := archive.Upload(ctx, st, key, src)
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	if err := store.VerifyObject(ctx, st, store.ObjectInfo{Key: key, Size: res.Size, SHA256: res.SHA256}); err != nil {
		t.Errorf("stored archive does not match the Result: %v", err)
	}
	rc, err := st.Get(ctx, key)
	must(t, err)
	defer rc.Close()
	files, err := archive.Extract(ctx, rc, filepath.Join(t.TempDir(), "r"), archive.ExtractOptions{})
	if err != nil || !slices.Equal(files, res.Files) {
		t.Errorf("Extract of the uploaded archive = %+v, %v", files, err)
	}

	// A failing archive stores nothing.
	_, err = archive.Upload(ctx, st, "prod/b2/config/atlas-conf.tar.gz", filepath.Join(t.TempDir(), "absent"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Upload of a missing folder: err = %v", err)
	}
	if _, err := st.Stat(ctx, "prod/b2/config/atlas-conf.tar.gz"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("failed Upload left an object: %v", err)
	}
	// A failing store is reported as such.
	bad, err := store.NewFile(filepath.Join(t.TempDir(), "absent"))
	must(t, err)
	if _, err := archive.Upload(ctx, bad, key, src); !errors.Is(err, store.ErrNoBucket) {
		t.Errorf("Upload to a missing store: err = %v, want ErrNoBucket", err)
	}
}
