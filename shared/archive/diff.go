package archive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// ChangeKind says how a live folder differs from a recorded inventory.
type ChangeKind string

const (
	Added    ChangeKind = "added"    // in the live folder, not in the inventory
	Removed  ChangeKind = "removed"  // in the inventory, not in the live folder
	Modified ChangeKind = "modified" // in both, different type, content, link target or mode
)

// Change is one difference found by Diff.
type Change struct {
	Path   string     `json:"path"`
	Kind   ChangeKind `json:"kind"`
	Detail string     `json:"detail,omitempty"` // for Modified: what differs
}

// Diff compares the inventory files (from WriteTarGz or Extract) with the live
// folder dir and returns the differences sorted by path. dir may be a symlink to
// a folder. Regular files are compared by size, then SHA-256 (read only when the
// sizes match), symlinks by target, everything by type and mode; mtimes and
// owners are ignored.
func Diff(files []File, dir string) ([]Change, error) {
	return DiffContext(context.Background(), files, dir)
}

// DiffContext is Diff with a context to stop hashing a large folder.
func DiffContext(ctx context.Context, files []File, dir string) ([]Change, error) {
	root, err := resolveRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("diff %s: %w", dir, err)
	}
	recorded := make(map[string]File, len(files))
	for _, f := range files {
		recorded[f.Path] = f
	}
	var changes []Change
	seen := make(map[string]bool, len(files))
	err = walk(ctx, root, func(e entry) error {
		seen[e.rel] = true
		want, ok := recorded[e.rel]
		if !ok {
			changes = append(changes, Change{Path: e.rel, Kind: Added})
			return nil
		}
		detail, err := compare(ctx, want, e)
		if err != nil {
			return fmt.Errorf("%s: %w", e.rel, err)
		}
		if detail != "" {
			changes = append(changes, Change{Path: e.rel, Kind: Modified, Detail: detail})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("diff %s: %w", dir, err)
	}
	for _, f := range files {
		if !seen[f.Path] {
			changes = append(changes, Change{Path: f.Path, Kind: Removed})
		}
	}
	slices.SortFunc(changes, func(a, b Change) int { return strings.Compare(a.Path, b.Path) })
	return changes, nil
}

// compare returns what differs between a recorded entry and a live one ("" if nothing).
func compare(ctx context.Context, want File, e entry) (string, error) {
	live := e.fi.Mode()
	if typeOf(want.Mode) != typeOf(live.String()) {
		return fmt.Sprintf("type: %s, now %s", want.Mode, live), nil
	}
	var diffs []string
	switch {
	case live&fs.ModeSymlink != 0:
		target, err := os.Readlink(e.abs)
		if err != nil {
			return "", err
		}
		if target != want.Link {
			diffs = append(diffs, fmt.Sprintf("link target: %s, now %s", want.Link, target))
		}
	case live.IsRegular():
		if e.fi.Size() != want.Size {
			diffs = append(diffs, fmt.Sprintf("size: %d, now %d bytes", want.Size, e.fi.Size()))
			break
		}
		sum, err := fileSHA256(ctx, e.abs)
		if err != nil {
			return "", err
		}
		if sum != want.SHA256 {
			diffs = append(diffs, "content: sha256 "+want.SHA256+", now "+sum)
		}
	}
	if live&fs.ModeSymlink == 0 && want.Mode != live.String() {
		diffs = append(diffs, fmt.Sprintf("mode: %s, now %s", want.Mode, live))
	}
	return strings.Join(diffs, "; "), nil
}

// typeOf is the file-type letter of a fs.FileMode string ('-', 'd', 'L', ...).
func typeOf(mode string) string {
	if len(mode) < 10 {
		return mode
	}
	return mode[:len(mode)-9] // the last 9 characters are the permission bits
}

func fileSHA256(ctx context.Context, p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, ctxReader{ctx: ctx, r: f}); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
