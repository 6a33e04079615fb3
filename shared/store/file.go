package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// tmpPrefix starts the name of every temp file a FileStore writes; List skips
// such files and keys whose segments start with it are refused.
const tmpPrefix = ".atlas-backup-tmp-"

// FileStore is a Store in a local folder: key "a/b/c" is the file <root>/a/b/c.
//
// Writes go to a temp file in the target's folder, are fsynced and then renamed
// (Put) or hard-linked (PutIfAbsent) into place, so an object is whole or absent.
// Files are created 0600 and folders 0700: backups hold secrets from the Atlas
// config. The root folder must exist (ErrNoBucket otherwise, like a missing S3
// bucket); folders below it are created on demand and pruned when emptied.
type FileStore struct {
	root string
}

var _ Store = (*FileStore)(nil)

// NewFile returns the store rooted at the absolute folder root. It does not
// require root to exist (see Check).
func NewFile(root string) (*FileStore, error) {
	if !filepath.IsAbs(root) {
		return nil, fmt.Errorf("file store root %q: must be an absolute path", root)
	}
	return &FileStore{root: filepath.Clean(root)}, nil
}

// Root is the store's folder.
func (s *FileStore) Root() string { return s.root }

// URL implements Store.
func (s *FileStore) URL(key string) string {
	u := url.URL{Scheme: "file", Path: path.Join(filepath.ToSlash(s.root), key)}
	return u.String()
}

func (s *FileStore) path(key string) (string, error) {
	if err := ValidateKey(key); err != nil {
		return "", err
	}
	for seg := range strings.SplitSeq(key, "/") {
		if strings.HasPrefix(seg, tmpPrefix) {
			return "", fmt.Errorf("key %q: segments starting with %q are reserved for temp files", key, tmpPrefix)
		}
	}
	return filepath.Join(s.root, filepath.FromSlash(key)), nil
}

// Check implements Store.
func (s *FileStore) Check(ctx context.Context) error {
	fi, err := os.Stat(s.root)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("check %s: %w", s.URL(""), ErrNoBucket)
	case err != nil:
		return fmt.Errorf("check %s: %w", s.URL(""), err)
	case !fi.IsDir():
		return fmt.Errorf("check %s: not a folder: %w", s.URL(""), ErrNoBucket)
	}
	return nil
}

// rootErr turns a not-exist error into ErrNoBucket when the root is missing.
func (s *FileStore) rootErr(op, key string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat(s.root); errors.Is(serr, fs.ErrNotExist) {
			return fmt.Errorf("%s %s: %w", op, s.URL(key), ErrNoBucket)
		}
	}
	return fmt.Errorf("%s %s: %w", op, s.URL(key), err)
}

// Put implements Store.
func (s *FileStore) Put(ctx context.Context, key string, r io.Reader) (ObjectInfo, error) {
	return s.put(ctx, "put", key, r, false)
}

// PutIfAbsent implements Store.
func (s *FileStore) PutIfAbsent(ctx context.Context, key string, r io.Reader) (ObjectInfo, error) {
	return s.put(ctx, "put-if-absent", key, r, true)
}

func (s *FileStore) put(ctx context.Context, op, key string, r io.Reader, ifAbsent bool) (ObjectInfo, error) {
	p, err := s.path(key)
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := s.Check(ctx); err != nil {
		return ObjectInfo{}, fmt.Errorf("%s %s: %w", op, s.URL(key), err)
	}
	if ifAbsent {
		// Cheap early answer; the link below is what makes it atomic.
		if _, err := os.Lstat(p); err == nil {
			return ObjectInfo{}, fmt.Errorf("%s %s: %w", op, s.URL(key), ErrExists)
		}
	}
	tmp, err := s.createTemp(filepath.Dir(p))
	if err != nil {
		return ObjectInfo{}, s.rootErr(op, key, err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // no-op after a rename; drops the extra name after a link

	hr := newHashingReader(ctxReader{ctx: ctx, r: r})
	_, err = io.Copy(tmp, hr)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("%s %s: %w", op, s.URL(key), err)
	}
	if ifAbsent {
		if err := os.Link(tmpName, p); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return ObjectInfo{}, fmt.Errorf("%s %s: %w", op, s.URL(key), ErrExists)
			}
			return ObjectInfo{}, fmt.Errorf("%s %s: %w", op, s.URL(key), err)
		}
	} else if err := os.Rename(tmpName, p); err != nil {
		return ObjectInfo{}, fmt.Errorf("%s %s: %w", op, s.URL(key), err)
	}
	syncDir(filepath.Dir(p))
	return hr.info(key), nil
}

// createTemp makes dir (below the root) and a temp file in it. A concurrent
// Delete may prune dir between the two steps, so it retries a few times.
func (s *FileStore) createTemp(dir string) (*os.File, error) {
	var err error
	for range 5 {
		if err = os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		var f *os.File
		f, err = os.CreateTemp(dir, tmpPrefix+"*")
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return nil, err
}

// syncDir makes a rename durable; errors are ignored (not every file system
// supports fsync on folders, and the data itself is already synced).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// Get implements Store.
func (s *FileStore) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, fmt.Errorf("get: %w", err)
	}
	f, err := os.Open(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if rerr := s.rootErr("get", key, err); errors.Is(rerr, ErrNoBucket) {
				return nil, rerr
			}
			return nil, fmt.Errorf("get %s: %w", s.URL(key), ErrNotFound)
		}
		return nil, fmt.Errorf("get %s: %w", s.URL(key), err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("get %s: %w", s.URL(key), err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("get %s: not a regular file: %w", s.URL(key), ErrNotFound)
	}
	return f, nil
}

// Stat implements Store.
func (s *FileStore) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	p, err := s.path(key)
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("stat: %w", err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if rerr := s.rootErr("stat", key, err); errors.Is(rerr, ErrNoBucket) {
				return ObjectInfo{}, rerr
			}
			return ObjectInfo{}, fmt.Errorf("stat %s: %w", s.URL(key), ErrNotFound)
		}
		return ObjectInfo{}, fmt.Errorf("stat %s: %w", s.URL(key), err)
	}
	if !fi.Mode().IsRegular() {
		return ObjectInfo{}, fmt.Errorf("stat %s: not a regular file: %w", s.URL(key), ErrNotFound)
	}
	return ObjectInfo{Key: key, Size: fi.Size()}, nil
}

// List implements Store.
func (s *FileStore) List(ctx context.Context, prefix string) ([]ObjectInfo, error) {
	if strings.ContainsAny(prefix, "\x00\r\n") || strings.HasPrefix(prefix, "/") {
		return nil, fmt.Errorf("list %s: prefix %q: no leading '/', no NUL/CR/LF", s.URL(""), prefix)
	}
	if err := s.Check(ctx); err != nil {
		return nil, fmt.Errorf("list %s: %w", s.URL(prefix), err)
	}
	// Walk the deepest folder the prefix names; filter by the full prefix.
	dir := s.root
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		for seg := range strings.SplitSeq(prefix[:i], "/") {
			if seg == "" || seg == "." || seg == ".." {
				return nil, nil // no valid key has such a prefix
			}
		}
		dir = filepath.Join(s.root, filepath.FromSlash(prefix[:i]))
	}
	var out []ObjectInfo
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), tmpPrefix) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil // folders, and anything that is not an object
		}
		rel, err := filepath.Rel(s.root, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if !strings.HasPrefix(key, prefix) {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // deleted while listing
			}
			return err
		}
		out = append(out, ObjectInfo{Key: key, Size: fi.Size()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", s.URL(prefix), err)
	}
	slices.SortFunc(out, func(a, b ObjectInfo) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// Delete implements Store.
func (s *FileStore) Delete(ctx context.Context, key string) error {
	p, err := s.path(key)
	if err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	fi, err := os.Lstat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if rerr := s.rootErr("delete", key, err); errors.Is(rerr, ErrNoBucket) {
				return rerr
			}
			return nil
		}
		return fmt.Errorf("delete %s: %w", s.URL(key), err)
	}
	if fi.IsDir() {
		return nil // a "folder" is not an object
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %s: %w", s.URL(key), err)
	}
	// Prune folders left empty, up to (not including) the root. Remove fails on
	// a non-empty folder, which ends the climb.
	for dir := filepath.Dir(p); dir != s.root && strings.HasPrefix(dir, s.root+string(filepath.Separator)); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			break
		}
	}
	return nil
}
