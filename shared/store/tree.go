package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
)

// VerifyObject downloads want.Key and checks its size and SHA-256 against want.
// The error names the object's URL and says "missing" (wrapping ErrNotFound),
// "size mismatch" or "sha256 mismatch" (wrapping ErrMismatch).
func VerifyObject(ctx context.Context, st Store, want ObjectInfo) error {
	if want.SHA256 == "" {
		return fmt.Errorf("verify %s: no sha256 recorded to verify against", st.URL(want.Key))
	}
	rc, err := st.Get(ctx, want.Key)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("verify %s: missing: %w", st.URL(want.Key), err)
		}
		return fmt.Errorf("verify %s: %w", st.URL(want.Key), err)
	}
	defer rc.Close()
	hr := newHashingReader(ctxReader{ctx: ctx, r: rc})
	if _, err := io.Copy(io.Discard, hr); err != nil {
		return fmt.Errorf("verify %s: read: %w", st.URL(want.Key), err)
	}
	return compareInfo(st.URL(want.Key), hr.info(want.Key), want)
}

func compareInfo(url string, got, want ObjectInfo) error {
	if got.Size != want.Size {
		return fmt.Errorf("verify %s: size mismatch: stored %d bytes, recorded %d: %w", url, got.Size, want.Size, ErrMismatch)
	}
	if !strings.EqualFold(got.SHA256, want.SHA256) {
		return fmt.Errorf("verify %s: sha256 mismatch: stored %s, recorded %s: %w", url, got.SHA256, want.SHA256, ErrMismatch)
	}
	return nil
}

// folderPrefix makes a non-empty key prefix end in '/'.
func folderPrefix(p string) string {
	if p != "" && !strings.HasSuffix(p, "/") {
		return p + "/"
	}
	return p
}

// PutTree uploads every regular file under localDir to keyPrefix + its path
// relative to localDir ('/'-separated; a '/' is added after a non-empty keyPrefix
// that lacks one), at most concurrency files at once, and returns what was stored
// sorted by key. progress, if not nil, is called once per stored object, never
// concurrently.
//
// localDir may itself be a symlink. A symlink inside it to a regular file inside
// it is uploaded as that file's content; a symlink leading out of localDir, a
// symlinked folder, and anything that is not a regular file or folder are
// refused before anything is uploaded. Empty folders are not represented.
func PutTree(ctx context.Context, st Store, localDir, keyPrefix string, concurrency int, progress func(ObjectInfo)) ([]ObjectInfo, error) {
	return PutTreeWith(ctx, st, localDir, keyPrefix, TreeOptions{Concurrency: concurrency, Progress: progress})
}

// Observer receives one file's bytes while PutTreeWith uploads it (the one read of
// the file feeds both), then Finish with the upload's error (nil when it stored the
// object); a non-nil error from Finish fails the tree.
type Observer interface {
	io.Writer
	Finish(uploadErr error) error
}

// TreeOptions tunes PutTreeWith.
type TreeOptions struct {
	// Concurrency: at most this many files at once (below 1: one).
	Concurrency int
	// Progress, if not nil, is called once per stored object, never concurrently.
	Progress func(ObjectInfo)
	// Observe, if not nil, is asked once per file (its path relative to the folder,
	// '/'-separated) for an Observer of its bytes; nil means none. It is called from
	// the uploads, up to Concurrency at once.
	Observe func(rel string) Observer
}

// PutTreeWith is PutTree with options: an Observer per file sees the bytes as they are
// uploaded, so a file that must be both checksummed and parsed is read once.
func PutTreeWith(ctx context.Context, st Store, localDir, keyPrefix string, o TreeOptions) ([]ObjectInfo, error) {
	concurrency, progress := o.Concurrency, o.Progress
	root, err := filepath.EvalSymlinks(localDir)
	if err != nil {
		return nil, fmt.Errorf("put tree %s: %w", localDir, err)
	}
	if root, err = filepath.Abs(root); err != nil {
		return nil, fmt.Errorf("put tree %s: %w", localDir, err)
	}
	keyPrefix = folderPrefix(keyPrefix)

	type job struct{ path, key, rel string }
	var jobs []job
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := filepath.EvalSymlinks(p)
			if err != nil {
				return fmt.Errorf("symlink %s: %w", rel, err)
			}
			if !within(root, target) {
				return fmt.Errorf("symlink %s leads out of %s (to %s)", rel, localDir, target)
			}
			fi, err := os.Stat(target)
			if err != nil {
				return fmt.Errorf("symlink %s: %w", rel, err)
			}
			if !fi.Mode().IsRegular() {
				return fmt.Errorf("symlink %s: only symlinks to regular files are supported, %s is %s", rel, target, fi.Mode().Type())
			}
		case !d.Type().IsRegular():
			return fmt.Errorf("%s: not a regular file (%s)", rel, d.Type())
		}
		key := keyPrefix + filepath.ToSlash(rel)
		if err := ValidateKey(key); err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		jobs = append(jobs, job{path: p, key: key, rel: filepath.ToSlash(rel)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("put tree %s: %w", localDir, err)
	}

	out := make([]ObjectInfo, len(jobs))
	var mu sync.Mutex
	err = forEach(ctx, len(jobs), concurrency, func(ctx context.Context, i int) error {
		f, err := os.Open(jobs[i].path)
		if err != nil {
			return fmt.Errorf("put tree: %w", err)
		}
		defer f.Close()
		var (
			r   io.Reader = f
			obs Observer
		)
		if o.Observe != nil {
			if obs = o.Observe(jobs[i].rel); obs != nil {
				r = io.TeeReader(f, obs)
			}
		}
		info, err := st.Put(ctx, jobs[i].key, r)
		if obs != nil {
			if ferr := obs.Finish(err); ferr != nil && err == nil {
				return fmt.Errorf("put tree %s: %w", jobs[i].path, ferr)
			}
		}
		if err != nil {
			return fmt.Errorf("put tree %s: %w", jobs[i].path, err)
		}
		out[i] = info
		if progress != nil {
			mu.Lock()
			progress(info)
			mu.Unlock()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b ObjectInfo) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// GetTree downloads objs, which must all have keys under keyPrefix, into
// localDir (created if missing) at their key relative to keyPrefix, at most
// concurrency at once. Each file's size and SHA-256 are checked against its
// ObjectInfo while it is written; a file that does not match is removed and the
// error wraps ErrMismatch. Keys that would leave localDir (".." segments, empty
// segments, paths through a symlink out of localDir) are refused before anything
// is downloaded, and existing files are never overwritten. Files are created 0600
// and folders 0700.
func GetTree(ctx context.Context, st Store, objs []ObjectInfo, keyPrefix, localDir string, concurrency int) error {
	keyPrefix = folderPrefix(keyPrefix)
	if err := os.MkdirAll(localDir, 0o700); err != nil {
		return fmt.Errorf("get tree: %w", err)
	}
	root, err := filepath.EvalSymlinks(localDir)
	if err != nil {
		return fmt.Errorf("get tree: %w", err)
	}
	if root, err = filepath.Abs(root); err != nil {
		return fmt.Errorf("get tree: %w", err)
	}
	dests := make([]string, len(objs))
	seen := make(map[string]bool, len(objs))
	for i, o := range objs {
		rel, ok := strings.CutPrefix(o.Key, keyPrefix)
		if !ok {
			return fmt.Errorf("get tree: key %q is not under %q", o.Key, keyPrefix)
		}
		if err := ValidateKey(rel); err != nil {
			return fmt.Errorf("get tree: %s would leave %s: %w", st.URL(o.Key), localDir, err)
		}
		if !filepath.IsLocal(filepath.FromSlash(rel)) {
			return fmt.Errorf("get tree: %s would leave %s", st.URL(o.Key), localDir)
		}
		if o.SHA256 == "" {
			return fmt.Errorf("get tree: %s: no sha256 recorded to verify against", st.URL(o.Key))
		}
		if seen[rel] {
			return fmt.Errorf("get tree: %s listed twice", st.URL(o.Key))
		}
		seen[rel] = true
		dests[i] = filepath.Join(root, filepath.FromSlash(rel))
	}
	return forEach(ctx, len(objs), concurrency, func(ctx context.Context, i int) error {
		if err := getFile(ctx, st, objs[i], root, dests[i]); err != nil {
			return fmt.Errorf("get tree %s: %w", st.URL(objs[i].Key), err)
		}
		return nil
	})
}

func getFile(ctx context.Context, st Store, o ObjectInfo, root, dest string) error {
	dir := filepath.Dir(dest)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return err
	}
	if !within(root, real) {
		return fmt.Errorf("%s leads out of %s through a symlink", dest, root)
	}
	rc, err := st.Get(ctx, o.Key)
	if err != nil {
		return err
	}
	defer rc.Close()
	// O_EXCL refuses an existing file and any symlink at dest.
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	h := sha256.New()
	// Read one byte more than recorded, to notice a longer object.
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(ctxReader{ctx: ctx, r: rc}, o.Size+1))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = compareInfo(st.URL(o.Key), ObjectInfo{Key: o.Key, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, o)
	}
	if err != nil {
		os.Remove(dest)
		return err
	}
	return nil
}

// within reports whether p is root or below it (both absolute and clean).
func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	if err != nil {
		return false
	}
	return rel == "." || filepath.IsLocal(rel)
}

// forEach runs fn(0..n-1) with at most concurrency calls at once (at least 1).
// The first error cancels the context given to the other calls and is returned; no
// call starts once the context is done.
func forEach(ctx context.Context, n, concurrency int, fn func(context.Context, int) error) error {
	if concurrency < 1 {
		concurrency = 1
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(concurrency)
	for i := range n {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if gctx.Err() != nil {
				return nil // cancelled while waiting for a slot
			}
			return fn(gctx, i)
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}
