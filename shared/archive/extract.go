package archive

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// ExtractOptions tunes Extract.
type ExtractOptions struct {
	// Overwrite replaces existing files and symlinks (never writing through a
	// symlink); without it an existing entry is an error. Existing folders are
	// always reused.
	Overwrite bool
}

// Extract restores the tar.gz read from r into dest (created if missing) and
// returns every entry restored, in archive order, with each regular file's
// SHA-256 computed while it was written.
//
// Entries that would land outside dest are refused: absolute names, ".."
// segments, and any path through a symlink (whether the archive made it or it
// was there before). Symlinks are restored as they were recorded, whatever their
// target, since config folders link to sibling Hadoop configs; they are never
// followed. Only regular files, folders and symlinks are accepted. Permission
// bits (without setuid/setgid) and mtimes are restored, owners are not.
// On error, entries already written stay in place.
func Extract(ctx context.Context, r io.Reader, dest string, opts ExtractOptions) ([]File, error) {
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return nil, fmt.Errorf("extract to %s: %w", dest, err)
	}
	root, err := resolveRoot(dest)
	if err != nil {
		return nil, fmt.Errorf("extract to %s: %w", dest, err)
	}
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("extract to %s: %w", dest, err)
	}
	defer gz.Close()
	tr := tar.NewReader(gz)

	type dirMeta struct {
		path  string
		mode  fs.FileMode
		mtime time.Time
	}
	var (
		files []File
		dirs  []dirMeta
	)
	for {
		if err := ctx.Err(); err != nil {
			return files, fmt.Errorf("extract to %s: %w", dest, err)
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return files, fmt.Errorf("extract to %s: %w", dest, err)
		}
		rel, err := entryName(hdr.Name)
		if err != nil {
			return files, fmt.Errorf("extract to %s: entry %q: %w", dest, hdr.Name, err)
		}
		if rel == "" {
			continue // "./", the archive's own root
		}
		f, err := extractEntry(ctx, tr, hdr, root, rel, opts)
		if err != nil {
			return files, fmt.Errorf("extract to %s: %s: %w", dest, rel, err)
		}
		if hdr.Typeflag == tar.TypeDir {
			dirs = append(dirs, dirMeta{filepath.Join(root, filepath.FromSlash(rel)), fs.FileMode(hdr.Mode).Perm(), hdr.ModTime})
		}
		files = append(files, f)
	}
	// Folder modes and mtimes last: writing into them changed their mtime, and a
	// read-only folder would have refused its files.
	for i := len(dirs) - 1; i >= 0; i-- {
		d := dirs[i]
		if err := os.Chmod(d.path, d.mode); err != nil {
			return files, fmt.Errorf("extract to %s: %w", dest, err)
		}
		if err := os.Chtimes(d.path, time.Time{}, d.mtime); err != nil {
			return files, fmt.Errorf("extract to %s: %w", dest, err)
		}
	}
	return files, nil
}

// entryName checks and cleans a tar entry name; "" means the archive root.
func entryName(name string) (string, error) {
	if strings.ContainsAny(name, "\x00\\") {
		return "", errors.New("NUL or backslash in name")
	}
	if path.IsAbs(name) || filepath.IsAbs(name) || filepath.VolumeName(name) != "" {
		return "", errors.New("absolute name leaves the destination")
	}
	for seg := range strings.SplitSeq(name, "/") {
		if seg == ".." {
			return "", errors.New("\"..\" in name leaves the destination")
		}
	}
	clean := path.Clean(name)
	if clean == "." {
		return "", nil
	}
	if !filepath.IsLocal(filepath.FromSlash(clean)) {
		return "", errors.New("name leaves the destination")
	}
	return clean, nil
}

func extractEntry(ctx context.Context, tr *tar.Reader, hdr *tar.Header, root, rel string, opts ExtractOptions) (File, error) {
	target, err := safeParents(root, rel)
	if err != nil {
		return File{}, err
	}
	mode := fs.FileMode(hdr.Mode).Perm()
	switch hdr.Typeflag {
	case tar.TypeDir:
		fi, err := os.Lstat(target)
		switch {
		case err == nil && fi.IsDir():
		case err == nil && fi.Mode()&fs.ModeSymlink != 0:
			return File{}, errors.New("a symlink is in the way of a folder")
		case err == nil:
			if !opts.Overwrite {
				return File{}, errors.New("exists and is not a folder (Overwrite not set)")
			}
			if err := os.Remove(target); err != nil {
				return File{}, err
			}
			fallthrough
		case errors.Is(err, fs.ErrNotExist):
			if err := os.Mkdir(target, 0o700); err != nil {
				return File{}, err
			}
		default:
			return File{}, err
		}
		return File{Path: rel, Mode: (fs.ModeDir | mode).String()}, nil

	case tar.TypeSymlink:
		if err := clearTarget(target, opts); err != nil {
			return File{}, err
		}
		if err := os.Symlink(hdr.Linkname, target); err != nil {
			return File{}, err
		}
		return File{Path: rel, Mode: (fs.ModeSymlink | mode).String(), Link: hdr.Linkname}, nil

	case tar.TypeReg: // the reader maps the old TypeRegA to TypeReg
		if err := clearTarget(target, opts); err != nil {
			return File{}, err
		}
		// O_EXCL: never through a symlink, never onto something that appeared since.
		out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return File{}, err
		}
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(out, h), ctxReader{ctx: ctx, r: tr})
		if err == nil && n != hdr.Size {
			err = fmt.Errorf("wrote %d bytes, entry has %d", n, hdr.Size)
		}
		if err == nil {
			err = out.Chmod(mode)
		}
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Chtimes(target, time.Time{}, hdr.ModTime)
		}
		if err != nil {
			return File{}, err
		}
		return File{Path: rel, Size: n, Mode: mode.String(), SHA256: hex.EncodeToString(h.Sum(nil))}, nil

	default:
		return File{}, fmt.Errorf("unsupported entry type %q (only files, folders and symlinks)", hdr.Typeflag)
	}
}

// safeParents makes the folders leading to rel below root, refusing to pass
// through anything that is not a real folder (a symlink above all), and returns
// the target path.
func safeParents(root, rel string) (string, error) {
	segs := strings.Split(rel, "/")
	cur := root
	for _, seg := range segs[:len(segs)-1] {
		cur = filepath.Join(cur, seg)
		fi, err := os.Lstat(cur)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if err := os.Mkdir(cur, 0o755); err != nil {
				return "", err
			}
		case err != nil:
			return "", err
		case fi.Mode()&fs.ModeSymlink != 0:
			return "", fmt.Errorf("path goes through symlink %s: refused", cur)
		case !fi.IsDir():
			return "", fmt.Errorf("path goes through %s, which is not a folder", cur)
		}
	}
	return filepath.Join(cur, segs[len(segs)-1]), nil
}

// clearTarget makes room for a file or symlink at target: nothing there, or
// Overwrite and a file or symlink there (removed, never followed).
func clearTarget(target string, opts ExtractOptions) error {
	fi, err := os.Lstat(target)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return errors.New("a folder is in the way")
	}
	if !opts.Overwrite {
		return errors.New("exists (Overwrite not set)")
	}
	return os.Remove(target)
}
