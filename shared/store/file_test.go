package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlas-backup/atlas-backup/shared/store"
	"github.com/atlas-backup/atlas-backup/shared/store/storetest"
)

func newFileStore(t *testing.T) *store.FileStore {
	t.Helper()
	st, err := store.NewFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestFileStoreContract(t *testing.T) {
	storetest.Run(t, func() store.Store { return newFileStore(t) })
}

func TestFileStoreMissingRoot(t *testing.T) {
	ctx := context.Background()
	st, err := store.NewFile(filepath.Join(t.TempDir(), "absent"))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Check(ctx); !errors.Is(err, store.ErrNoBucket) {
		t.Errorf("Check: err = %v, want ErrNoBucket", err)
	}
	if _, err := st.Put(ctx, "a/b", strings.NewReader("x")); !errors.Is(err, store.ErrNoBucket) {
		t.Errorf("Put: err = %v, want ErrNoBucket", err)
	}
	if _, err := st.Get(ctx, "a/b"); !errors.Is(err, store.ErrNoBucket) {
		t.Errorf("Get: err = %v, want ErrNoBucket", err)
	}
	if _, err := st.Stat(ctx, "a/b"); !errors.Is(err, store.ErrNoBucket) {
		t.Errorf("Stat: err = %v, want ErrNoBucket", err)
	}
	if _, err := st.List(ctx, ""); !errors.Is(err, store.ErrNoBucket) {
		t.Errorf("List: err = %v, want ErrNoBucket", err)
	}
	if err := st.Delete(ctx, "a/b"); !errors.Is(err, store.ErrNoBucket) {
		t.Errorf("Delete: err = %v, want ErrNoBucket", err)
	}
	if _, err := os.Stat(st.Root()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the store created its missing root: %v", err)
	}
}

func TestFileStoreOnDisk(t *testing.T) {
	ctx := context.Background()
	st := newFileStore(t)
	if _, err := st.Put(ctx, "c/backup-1/manifest.json", strings.NewReader("{}")); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(st.Root(), "c", "backup-1", "manifest.json")
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatalf("key not at its path: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode = %v, want 0600", fi.Mode().Perm())
	}
	if got, want := st.URL("c/backup-1/manifest.json"), "file://"+p; got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
	// A leftover temp file (a crashed writer) is not an object, and keys cannot
	// name temp files.
	if err := os.WriteFile(filepath.Join(st.Root(), "c", ".atlas-backup-tmp-123"), []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := st.List(ctx, "")
	if err != nil || len(l) != 1 || l[0].Key != "c/backup-1/manifest.json" {
		t.Errorf("List = %+v, %v; want only the manifest", l, err)
	}
	if _, err := st.Put(ctx, "c/.atlas-backup-tmp-1", strings.NewReader("x")); err == nil {
		t.Errorf("Put of a temp-file key: no error")
	}
	// Delete prunes emptied folders, not the root.
	if err := st.Delete(ctx, "c/backup-1/manifest.json"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(st.Root(), "c", "backup-1")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("emptied folder not pruned: %v", err)
	}
	if err := st.Check(ctx); err != nil {
		t.Errorf("root removed: %v", err)
	}
}
